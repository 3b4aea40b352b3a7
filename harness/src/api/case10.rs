//! A CASE 1.0 server under test (`CASE-API-*`): every GET endpoint of the 1EdTech OpenAPI under
//! `{base}/ims/case/v1p0`, read the way a consumer reads a framework — the document list, each framework's package,
//! then a sample of its objects on their own — with everything they answer judged by the `CASE-DM-*` checks.
//!
//! Bounded: at most `[case] max_documents` frameworks, `[case] sample` items and associations of each, and the
//! run's time budget. No OAuth flow: CASE asks for no authorization; a bearer token given in the target is sent.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::Session;
use super::http::{Req, Resp};
use super::listing::truncate;
use crate::case::{self, Kind};
use crate::check::Check;
use crate::engine::{self, Options};
use crate::http::link_rel;

pub use super::checks::case10::{CHECKS, ids};

/// Document-list pages walked at most by the paging check.
const MAX_PAGES: usize = 50;
/// Definitions (concepts, subjects, item types, licenses, groupings) fetched on their own, at most.
const MAX_DEFINITIONS: usize = 10;
/// Node uris dereferenced per framework.
const MAX_URIS: usize = 3;

/// A package getCFPackage answered, judged as a document after the run (`CASE-API-004`).
#[derive(Debug, Clone)]
pub struct ReceivedPackage {
    pub document: String,
    pub url: String,
    pub bytes: Vec<u8>,
    pub exchange: String,
}

/// What the run keeps across steps.
#[derive(Default)]
struct Seen {
    /// 200 answers, for the content-type check: (request, media type, exchange).
    ok: Vec<(String, Option<String>, String)>,
    /// Error answers, for the imsx_StatusInfo check: (request, response).
    errors: Vec<(String, Resp)>,
    /// The X-Total-Count of the unpaged document list, when it sent one.
    listed_total: Option<usize>,
    /// Requests the server answered (any status): the TLS check needs one.
    answered: usize,
}

fn url(s: &Session<'_>, rest: &str) -> String {
    format!("{}{}{rest}", s.base.as_str().trim_end_matches('/'), case::PATH)
}

fn opts(s: &Session<'_>) -> Options<'static> {
    Options {
        selection: crate::catalogue::Selection {
            only: vec!["CASE-DM-*".into()],
            skip: Vec::new(),
        },
        case_profile: s.target.case.profile,
        ..Options::default()
    }
}

/// GETs `rest` below the API; the answer is kept for the content-type and error-body checks.
async fn get(s: &mut Session<'_>, check: &'static Check, rest: &str, seen: &mut Seen) -> Option<Resp> {
    let u = if rest.starts_with("http://") || rest.starts_with("https://") {
        rest.to_string()
    } else {
        url(s, rest)
    };
    let mut req = Req::new("GET", &u).header("Accept", "application/json");
    if let Some(token) = s.target.auth.access_token.clone() {
        req = req.bearer(&token);
    }
    let resp = s.send(check, req).await?;
    seen.answered += 1;
    let label = format!("GET {u} → {}", resp.status);
    if resp.status == 200 {
        seen.ok.push((label, resp.media_type(), resp.exchange.clone()));
    } else if resp.status >= 400 {
        seen.errors.push((label, resp.clone()));
    }
    Some(resp)
}

/// The JSON object of a 200 answer, or a violation of `check` saying what came instead.
fn object(s: &mut Session<'_>, check: &'static Check, resp: &Resp, what: &str) -> Option<Value> {
    match (resp.status, resp.json()) {
        (200, Ok(v)) if v.is_object() => Some(v),
        (status, body) => {
            s.rec
                .violation(check, format!("{what} did not answer 200 with a JSON object"))
                .at(format!("GET → {status}"))
                .expected("200 with a JSON object")
                .found(match body {
                    Ok(b) => format!("{status}: {}", truncate(&b.to_string())),
                    Err(e) => format!("{status}: {e}"),
                })
                .exchange(&resp.exchange);
            None
        }
    }
}

/// `CASE-API-002`: judges an answer with the data-model checks.
fn judge(s: &mut Session<'_>, value: &Value, kind: Kind, what: &str, resp: &Resp) {
    let check = &ids::CASE_API_002;
    s.rec.evaluated(check);
    let results = engine::judge_case(value, kind, &opts(s));
    let failing: Vec<_> = results.iter().filter(|r| r.outcome.is_failure()).collect();
    if let Some(first) = failing.first() {
        let ids: Vec<&str> = failing.iter().map(|r| r.check.as_str()).collect();
        let why = first
            .findings
            .first()
            .map(|f| format!("{} ({})", f.message, f.location.pointer.clone().unwrap_or_default()))
            .unwrap_or_default();
        s.rec
            .violation(check, format!("{what} fails the {}: {why}", kind.label()))
            .expected("every required CASE-DM check passes")
            .found(format!("failed: {}", ids.join(", ")))
            .exchange(&resp.exchange);
    }
}

fn id_of(v: &Value) -> Option<String> {
    v.get("identifier").and_then(Value::as_str).map(str::to_string)
}

/// Runs every CASE check against the server.
pub(super) async fn api(s: &mut Session<'_>) {
    let mut seen = Seen::default();
    let documents = documents(s, &mut seen).await;
    if let Some(docs) = &documents {
        paging(s, docs, &mut seen).await;
        sort(s, docs, &mut seen).await;
        filter(s, docs, &mut seen).await;
        fields(s, docs, &mut seen).await;
    }
    let ids_of_docs: Vec<String> = documents
        .iter()
        .flatten()
        .filter_map(id_of)
        .take(s.target.case.max_documents)
        .collect();
    let mut definitions = BTreeSet::new();
    for doc in &ids_of_docs {
        framework(s, doc, &mut definitions, &mut seen).await;
    }
    if ids_of_docs.is_empty() {
        for c in [
            &ids::CASE_API_003,
            &ids::CASE_API_004,
            &ids::CASE_API_005,
            &ids::CASE_API_006,
            &ids::CASE_API_011,
            &ids::CASE_API_016,
        ] {
            s.rec.skip(c, "getAllCFDocuments listed no framework to read");
        }
    }
    errors(s, &mut seen).await;
    content_types(s, &seen);
    tls(s, &seen);
}

/// `001`: the document list (every document judged, `002`). A list that is not a CFDocumentSet fails `001`, but
/// when the documents can still be read (a bare array) the rest of the run reads them, so one defect does not hide
/// the others.
async fn documents(s: &mut Session<'_>, seen: &mut Seen) -> Option<Vec<Value>> {
    let check = &ids::CASE_API_001;
    let resp = get(s, check, "/CFDocuments", seen).await?;
    seen.listed_total = resp.header("X-Total-Count").and_then(|t| t.trim().parse().ok());
    let parsed = resp.json().ok().filter(|_| resp.status == 200);
    if let Some(list) = parsed
        .as_ref()
        .and_then(|b| b.get("CFDocuments"))
        .and_then(Value::as_array)
        .cloned()
    {
        s.rec.evaluated(check);
        if let Some(body) = &parsed {
            judge(s, body, Kind::DocumentSet, "getAllCFDocuments", &resp);
        }
        return Some(list);
    }
    s.rec
        .violation(check, "getAllCFDocuments did not answer a CFDocumentSet")
        .at(format!("GET /CFDocuments → {}", resp.status))
        .expected("200 with {\"CFDocuments\": [...]}")
        .found(truncate(&resp.text()))
        .exchange(&resp.exchange);
    let list = parsed.and_then(|b| b.as_array().cloned())?;
    for (i, d) in list.iter().enumerate() {
        judge(s, d, Kind::Document, &format!("getAllCFDocuments entry {i}"), &resp);
    }
    Some(list)
}

/// `010`: limit=1 pages through the list.
async fn paging(s: &mut Session<'_>, all: &[Value], seen: &mut Seen) {
    let check = &ids::CASE_API_010;
    // The unpaged list is the server's first page (100 by default): past that, its X-Total-Count is the total.
    let total = match seen.listed_total {
        Some(t) if t > all.len() => t,
        _ => all.len(),
    };
    if total < 2 {
        s.rec.not_applicable(check, "fewer than two documents: nothing to page");
        return;
    }
    // About ten pages, whatever the size of the list.
    let limit = total.div_ceil(10).max(1);
    let mut next = Some(url(s, &format!("/CFDocuments?limit={limit}&offset=0")));
    let mut got: Vec<String> = Vec::new();
    let mut pages = 0;
    while let Some(u) = next.take() {
        pages += 1;
        if pages > MAX_PAGES {
            s.rec.undetermined(check, format!("stopped after {MAX_PAGES} pages"));
            return;
        }
        let Some(resp) = get(s, check, &u, seen).await else {
            return;
        };
        let Some(body) = object(s, check, &resp, "a page of getAllCFDocuments") else {
            return;
        };
        let page: Vec<String> = body
            .get("CFDocuments")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(id_of).collect())
            .unwrap_or_default();
        if pages == 1 && page.len() > limit {
            s.rec.not_applicable(
                check,
                format!(
                    "limit={limit} answered {} documents: the server does not page (paging is optional)",
                    page.len()
                ),
            );
            return;
        }
        let count = resp.header("X-Total-Count").map(str::trim).map(str::to_string);
        if count.as_deref() != Some(total.to_string().as_str()) {
            s.rec
                .violation(check, "a page's X-Total-Count is not the number of documents")
                .at(format!("GET {u}"))
                .expected(total.to_string())
                .found(count.unwrap_or_else(|| "no X-Total-Count".into()))
                .exchange(&resp.exchange);
            return;
        }
        got.extend(page);
        let link = resp.header("Link").and_then(|l| link_rel(l, "next"));
        if got.len() < total && link.is_none() {
            s.rec
                .violation(check, "an incomplete page sends no Link rel=\"next\"")
                .at(format!("GET {u}"))
                .expected(format!("rel=\"next\" ({} of {total} documents so far)", got.len()))
                .found(resp.header("Link").unwrap_or("no Link header").to_string())
                .exchange(&resp.exchange);
            return;
        }
        next = link.filter(|_| got.len() < total).and_then(|l| {
            // Relative links resolve against the page; only the server's own origin is followed.
            let joined = url::Url::parse(&u).ok()?.join(&l).ok()?;
            (joined.origin() == s.base.origin()).then(|| joined.to_string())
        });
        if got.len() < total && next.is_none() {
            s.rec
                .undetermined(check, "the next page is on another origin: not followed");
            return;
        }
    }
    let have: BTreeSet<String> = got.iter().cloned().collect();
    // Every document once: the listed ones all there when the list was complete, and no entry twice.
    let listed: BTreeSet<String> = all.iter().filter_map(id_of).collect();
    let complete = total == all.len();
    if got.len() != total || got.len() != have.len() || (complete && have != listed) || !listed.is_subset(&have) {
        s.rec
            .violation(check, "the pages do not hold every document exactly once")
            .expected(format!("{total} documents, each once"))
            .found(format!("{} entries, {} distinct", got.len(), have.len()));
        return;
    }
    s.rec.evaluated(check);
}

fn titles(body: &Value) -> Vec<String> {
    body.get("CFDocuments")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|d| d.get("title").and_then(Value::as_str).map(str::to_lowercase))
                .collect()
        })
        .unwrap_or_default()
}

/// The titles of a document list, lower-cased, keeping only the ASCII ones: the binding orders by the Unicode
/// Collation Algorithm, which for ASCII letters is the case-insensitive order; other titles are not judged.
fn ascii_titles(body: &Value) -> Vec<String> {
    titles(body).into_iter().filter(|t| t.is_ascii()).collect()
}

fn ordered(titles: &[String], descending: bool) -> bool {
    titles
        .windows(2)
        .all(|w| if descending { w[0] >= w[1] } else { w[0] <= w[1] })
}

/// `012`: sort=title ascending and descending, and an unknown sort field. Sorting is optional: a server whose
/// answers are ordered neither way does not sort (not applicable).
async fn sort(s: &mut Session<'_>, all: &[Value], seen: &mut Seen) {
    let check = &ids::CASE_API_012;
    if all.len() < 2 {
        s.rec.not_applicable(check, "fewer than two documents: nothing to sort");
        return;
    }
    let Some(asc) = get(s, check, "/CFDocuments?sort=title&orderBy=asc", seen).await else {
        return;
    };
    let Some(desc) = get(s, check, "/CFDocuments?sort=title&orderBy=desc", seen).await else {
        return;
    };
    let (Some(asc_body), Some(desc_body)) = (
        object(s, check, &asc, "getAllCFDocuments sorted by title"),
        object(s, check, &desc, "getAllCFDocuments sorted by title, descending"),
    ) else {
        return;
    };
    let (up, down) = (ascii_titles(&asc_body), ascii_titles(&desc_body));
    let (sorts_up, sorts_down) = (ordered(&up, false), ordered(&down, true));
    let distinct = up.iter().collect::<BTreeSet<_>>().len() > 1;
    if !distinct {
        s.rec
            .not_applicable(check, "the documents' titles do not tell an order apart");
        return;
    }
    if !sorts_up && !sorts_down {
        s.rec.not_applicable(
            check,
            "sort=title answered no order either way: the server does not sort (sorting is optional)",
        );
        return;
    }
    if !sorts_down {
        s.rec
            .violation(
                check,
                "sort=title&orderBy=desc did not answer the documents by title, descending",
            )
            .expected("titles descending")
            .found(truncate(&down.join(" · ")))
            .exchange(&desc.exchange);
    } else if !sorts_up {
        s.rec
            .violation(
                check,
                "sort=title&orderBy=asc did not answer the documents by title, ascending",
            )
            .expected("titles ascending")
            .found(truncate(&up.join(" · ")))
            .exchange(&asc.exchange);
    }
    if let Some(resp) = get(s, check, "/CFDocuments?sort=noSuchField", seen).await
        && resp.status != 200
    {
        s.rec
            .violation(check, "an unknown sort field was answered as an error")
            .expected("200 in the default order")
            .found(resp.status.to_string())
            .exchange(&resp.exchange);
    }
    s.rec.evaluated(check);
}

/// `013`: filter on a title, and on an unknown field. Filtering is optional: a server that answers every document
/// to a filter matching fewer does not filter (not applicable).
async fn filter(s: &mut Session<'_>, all: &[Value], seen: &mut Seen) {
    let check = &ids::CASE_API_013;
    let Some(title) = all
        .iter()
        .filter_map(|d| d.get("title").and_then(Value::as_str))
        .find(|t| !t.contains('\''))
    else {
        s.rec.not_applicable(check, "no document has a title to filter on");
        return;
    };
    let want = all
        .iter()
        .filter(|d| {
            d.get("title")
                .and_then(Value::as_str)
                .is_some_and(|t| t.eq_ignore_ascii_case(title))
        })
        .count();
    let q: String = url::form_urlencoded::byte_serialize(format!("title='{title}'").as_bytes()).collect();
    let Some(resp) = get(s, check, &format!("/CFDocuments?filter={q}"), seen).await else {
        return;
    };
    let Some(body) = object(s, check, &resp, "getAllCFDocuments filtered on a title") else {
        return;
    };
    let got = titles(&body);
    if got.len() == all.len() && want < all.len() {
        s.rec.not_applicable(
            check,
            "a filter on a title answered every document: the server does not filter (filtering is optional)",
        );
        return;
    }
    if got.len() != want || got.iter().any(|t| *t != title.to_lowercase()) {
        s.rec
            .violation(
                check,
                format!("filter=title='{title}' did not answer exactly the documents with that title"),
            )
            .expected(format!("{want} document(s) titled {title:?}"))
            .found(truncate(&got.join(" · ")))
            .exchange(&resp.exchange);
    }
    if let Some(resp) = get(s, check, "/CFDocuments?filter=noSuchField%3D%27x%27", seen).await {
        let docs = resp
            .json()
            .ok()
            .and_then(|b| b.get("CFDocuments").and_then(Value::as_array).map(Vec::len))
            .unwrap_or(0);
        let minor = code_minors(&resp);
        // The binding's text names invalid_filter_field; the 1.0 OpenAPI's list lacks it, so invalid_selection_field
        // is taken too.
        let refused = minor
            .iter()
            .any(|m| m == "invalid_filter_field" || m == "invalid_selection_field");
        if docs > 0 || !refused {
            s.rec
                .violation(check, "a filter on an unknown field was not refused")
                .expected("no data, imsx_codeMinor invalid_filter_field")
                .found(format!("{} with {docs} document(s), codeMinor {minor:?}", resp.status))
                .exchange(&resp.exchange);
        }
    }
    s.rec.evaluated(check);
}

/// `014`: fields=identifier,title, and a blank fields. Field selection is optional: a server that answers whole
/// documents to it does not select fields (not applicable).
async fn fields(s: &mut Session<'_>, all: &[Value], seen: &mut Seen) {
    let check = &ids::CASE_API_014;
    if all.is_empty() {
        s.rec.not_applicable(check, "no documents to select fields of");
        return;
    }
    let Some(resp) = get(s, check, "/CFDocuments?fields=identifier,title", seen).await else {
        return;
    };
    let Some(body) = object(s, check, &resp, "getAllCFDocuments with fields") else {
        return;
    };
    let docs = body
        .get("CFDocuments")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let only = |d: &Value| {
        d.as_object()
            .is_some_and(|o| o.len() == 2 && o.contains_key("identifier") && o.contains_key("title"))
    };
    let whole = |d: &Value| d.as_object().is_some_and(|o| o.len() > 2 && o.contains_key("creator"));
    if !docs.is_empty() && docs.iter().all(whole) {
        s.rec.not_applicable(
            check,
            "fields=identifier,title answered whole documents: the server does not select fields (optional)",
        );
        return;
    }
    if let Some(wrong) = docs
        .iter()
        .find(|d| !only(d))
        .or(if docs.is_empty() { Some(&Value::Null) } else { None })
    {
        s.rec
            .violation(
                check,
                "fields=identifier,title did not answer documents with those fields only",
            )
            .expected("each document: identifier and title, nothing else")
            .found(truncate(&wrong.to_string()))
            .exchange(&resp.exchange);
    }
    if let Some(resp) = get(s, check, "/CFDocuments?fields=", seen).await {
        let minor = code_minors(&resp);
        if resp.status != 400 || !minor.iter().any(|m| m == "invalid_selection_field") {
            s.rec
                .violation(check, "a blank fields was not refused")
                .expected("400 with imsx_codeMinor invalid_selection_field")
                .found(format!("{} with codeMinor {minor:?}", resp.status))
                .exchange(&resp.exchange);
        }
    }
    s.rec.evaluated(check);
}

/// The codeMinor values of an imsx_StatusInfo body.
fn code_minors(resp: &Resp) -> Vec<String> {
    let Ok(body) = resp.json() else { return Vec::new() };
    body.pointer("/imsx_codeMinor/imsx_codeMinorField")
        .and_then(Value::as_array)
        .map(|fields| {
            fields
                .iter()
                .filter_map(|f| {
                    f.get("imsx_codeMinorFieldValue")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// One framework: its document, package, a sample of its objects, its definitions and uris.
async fn framework(s: &mut Session<'_>, doc_id: &str, definitions: &mut BTreeSet<String>, seen: &mut Seen) {
    let document = single(s, "CFDocuments", doc_id, Kind::Document, seen).await;
    let Some(package) = package(s, doc_id, seen).await else {
        return;
    };
    let list = |m: &str| package.get(m).and_then(Value::as_array).cloned().unwrap_or_default();
    let sample = s.target.case.sample;
    let items: Vec<Value> = list("CFItems").into_iter().take(sample).collect();
    let associations: Vec<Value> = list("CFAssociations").into_iter().take(sample).collect();
    let mut served: Vec<(Value, Served, &'static str)> = Vec::new();
    for item in &items {
        if let Some(id) = id_of(item)
            && let Some(got) = single(s, "CFItems", &id, Kind::Item, seen).await
        {
            served.push((item.clone(), got, "CFItem"));
        }
    }
    for a in &associations {
        if let Some(id) = id_of(a)
            && let Some(got) = single(s, "CFAssociations", &id, Kind::Association, seen).await
        {
            served.push((a.clone(), got, "CFAssociation"));
        }
    }
    consistency(s, doc_id, document.as_ref(), &served, items.len() + associations.len());
    let all_associations = list("CFAssociations");
    for item in items.iter().take(3) {
        if let Some(id) = id_of(item) {
            item_associations(s, &id, &all_associations, seen).await;
        }
    }
    let defs = package.get("CFDefinitions").cloned().unwrap_or(Value::Null);
    let def_list = |m: &str| defs.get(m).and_then(Value::as_array).cloned().unwrap_or_default();
    for (member, collection, set_kind) in [
        ("CFConcepts", "CFConcepts", Kind::ConceptSet),
        ("CFSubjects", "CFSubjects", Kind::SubjectSet),
        ("CFItemTypes", "CFItemTypes", Kind::ItemTypeSet),
    ] {
        for d in def_list(member) {
            let Some(id) = id_of(&d).filter(|id| definitions.len() < MAX_DEFINITIONS && definitions.insert(id.clone()))
            else {
                continue;
            };
            hierarchy(s, collection, &id, set_kind, &def_list(member), seen).await;
        }
    }
    for (member, collection, kind) in [
        ("CFLicenses", "CFLicenses", Kind::License),
        ("CFAssociationGroupings", "CFAssociationGroupings", Kind::Grouping),
    ] {
        for d in def_list(member) {
            if let Some(id) =
                id_of(&d).filter(|id| definitions.len() < MAX_DEFINITIONS && definitions.insert(id.clone()))
            {
                single(s, collection, &id, kind, seen).await;
            }
        }
    }
    for rubric in list("CFRubrics").iter().take(2) {
        if let Some(id) = id_of(rubric) {
            rubric_endpoint(s, &id, seen).await;
        }
    }
    uris(s, &package).await;
}

/// `003` (and `002`): a single-object endpoint answers the object asked for.
/// The object and the exchange it came in.
type Served = (Value, String);

async fn single(s: &mut Session<'_>, collection: &str, id: &str, kind: Kind, seen: &mut Seen) -> Option<Served> {
    let check = &ids::CASE_API_003;
    let resp = get(s, check, &format!("/{collection}/{id}"), seen).await?;
    let body = object(s, check, &resp, &format!("GET /{collection}/{id}"))?;
    if id_of(&body).as_deref() != Some(id) {
        s.rec
            .violation(check, format!("GET /{collection}/{id} answered another object"))
            .expected(format!("identifier {id}"))
            .found(id_of(&body).unwrap_or_else(|| "no identifier".into()))
            .exchange(&resp.exchange);
        return None;
    }
    s.rec.evaluated(check);
    judge(s, &body, kind, &format!("GET /{collection}/{id}"), &resp);
    Some((body, resp.exchange))
}

/// `004`: the package (its data model is judged after the run, as a document of its own).
async fn package(s: &mut Session<'_>, doc_id: &str, seen: &mut Seen) -> Option<Value> {
    let check = &ids::CASE_API_004;
    let resp = get(s, check, &format!("/CFPackages/{doc_id}"), seen).await?;
    let body = object(s, check, &resp, &format!("GET /CFPackages/{doc_id}"))?;
    let named = body.get("CFDocument").and_then(id_of);
    if named.as_deref() != Some(doc_id) {
        s.rec
            .violation(
                check,
                format!("GET /CFPackages/{doc_id} is not that document's package"),
            )
            .expected(format!("CFDocument.identifier {doc_id}"))
            .found(named.unwrap_or_else(|| "no CFDocument identifier".into()))
            .exchange(&resp.exchange);
        return None;
    }
    s.rec.evaluated(check);
    s.received_case.push(ReceivedPackage {
        document: doc_id.to_string(),
        url: url(s, &format!("/CFPackages/{doc_id}")),
        bytes: resp.body.clone(),
        exchange: resp.exchange.clone(),
    });
    Some(body)
}

/// The members of an object two endpoints must agree on: all but the links only one of the forms carries.
fn comparable(v: &Value) -> Map<String, Value> {
    let mut m = v.as_object().cloned().unwrap_or_default();
    for k in ["CFDocumentURI", "CFPackageURI", "CFItemAssociationURI"] {
        m.remove(k);
    }
    m
}

/// `011`: the objects served on their own agree with the package, and the document's CFPackageURI names it.
fn consistency(
    s: &mut Session<'_>,
    doc_id: &str,
    document: Option<&Served>,
    served: &[(Value, Served, &str)],
    asked: usize,
) {
    let check = &ids::CASE_API_011;
    if served.is_empty() && document.is_none() {
        if asked > 0 {
            s.rec.skip(
                check,
                "no item, association or document was served on its own to compare (see CASE-API-003)",
            );
        } else {
            s.rec.not_applicable(
                check,
                "the package has no items or associations, and its document was not served",
            );
        }
        return;
    }
    s.rec.evaluated(check);
    if let Some((doc, exchange)) = document {
        let link = doc.pointer("/CFPackageURI/identifier").and_then(Value::as_str);
        if let Some(l) = link.filter(|l| *l != doc_id) {
            s.rec
                .violation(check, "the document's CFPackageURI names another package")
                .pointer("/CFPackageURI/identifier")
                .expected(doc_id.to_string())
                .found(l.to_string())
                .exchange(exchange);
        }
    }
    for (in_package, (alone, exchange), what) in served {
        let (a, b) = (comparable(in_package), comparable(alone));
        if a != b {
            let differing: BTreeSet<&String> = a.keys().chain(b.keys()).filter(|k| a.get(*k) != b.get(*k)).collect();
            let names: Vec<&str> = differing.iter().map(|k| k.as_str()).collect();
            s.rec
                .violation(
                    check,
                    format!(
                        "the {what} {} served on its own differs from the package's",
                        id_of(alone).unwrap_or_default()
                    ),
                )
                .expected("the same properties and values as in the package")
                .found(format!("differs in {}", names.join(", ")))
                .exchange(exchange);
        }
        let link = alone.pointer("/CFDocumentURI/identifier").and_then(Value::as_str);
        if let Some(l) = link.filter(|l| *l != doc_id) {
            s.rec
                .violation(check, format!("a {what}'s CFDocumentURI names another document"))
                .pointer("/CFDocumentURI/identifier")
                .expected(doc_id.to_string())
                .found(l.to_string())
                .exchange(exchange);
        }
    }
}

/// `005`: an item's associations.
async fn item_associations(s: &mut Session<'_>, item: &str, all: &[Value], seen: &mut Seen) {
    let check = &ids::CASE_API_005;
    let Some(resp) = get(s, check, &format!("/CFItemAssociations/{item}"), seen).await else {
        return;
    };
    let Some(body) = object(s, check, &resp, &format!("GET /CFItemAssociations/{item}")) else {
        return;
    };
    judge(
        s,
        &body,
        Kind::AssociationSet,
        &format!("GET /CFItemAssociations/{item}"),
        &resp,
    );
    let touches = |a: &Value| {
        ["/originNodeURI/identifier", "/destinationNodeURI/identifier"]
            .iter()
            .any(|p| a.pointer(p).and_then(Value::as_str) == Some(item))
    };
    let want: BTreeSet<String> = all.iter().filter(|a| touches(a)).filter_map(id_of).collect();
    let got: BTreeSet<String> = body
        .get("CFAssociations")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(id_of).collect())
        .unwrap_or_default();
    let item_ok = body.get("CFItem").and_then(id_of).as_deref() == Some(item);
    let missing: Vec<&String> = want.difference(&got).collect();
    if !item_ok || !missing.is_empty() {
        s.rec
            .violation(
                check,
                format!("GET /CFItemAssociations/{item} is not the item and all its associations"),
            )
            .expected(format!(
                "CFItem {item} and its {} association(s) in the package",
                want.len()
            ))
            .found(if item_ok {
                format!("{} missing, e.g. {}", missing.len(), missing[0])
            } else {
                "another or no CFItem".into()
            })
            .exchange(&resp.exchange);
        return;
    }
    s.rec.evaluated(check);
}

/// `006`: a concept, subject or item type in its set, with its descendants.
async fn hierarchy(s: &mut Session<'_>, collection: &str, id: &str, kind: Kind, all: &[Value], seen: &mut Seen) {
    let check = &ids::CASE_API_006;
    let Some(resp) = get(s, check, &format!("/{collection}/{id}"), seen).await else {
        return;
    };
    let Some(body) = object(s, check, &resp, &format!("GET /{collection}/{id}")) else {
        return;
    };
    let Some(list) = body.get(collection).and_then(Value::as_array) else {
        s.rec
            .violation(check, format!("GET /{collection}/{id} is not a {}", kind.label()))
            .expected(format!("{{\"{collection}\": [...]}}"))
            .found(truncate(&body.to_string()))
            .exchange(&resp.exchange);
        return;
    };
    judge(s, &body, kind, &format!("GET /{collection}/{id}"), &resp);
    let got: BTreeSet<String> = list.iter().filter_map(id_of).collect();
    let code = all
        .iter()
        .find(|d| id_of(d).as_deref() == Some(id))
        .and_then(|d| d.get("hierarchyCode").and_then(Value::as_str))
        .map(|c| format!("{c}."));
    // The object and its children: the codes one level below its own (the OpenAPI says "the set of children";
    // deeper descendants may come too).
    let child = |h: &str| {
        code.as_deref()
            .and_then(|c| h.strip_prefix(c))
            .is_some_and(|rest| !rest.is_empty() && !rest.contains('.'))
    };
    let want: BTreeSet<String> = all
        .iter()
        .filter(|d| {
            id_of(d).as_deref() == Some(id) || d.get("hierarchyCode").and_then(Value::as_str).is_some_and(child)
        })
        .filter_map(id_of)
        .collect();
    let missing: Vec<&String> = want.difference(&got).collect();
    if let Some(first) = missing.first() {
        s.rec
            .violation(check, format!("GET /{collection}/{id} lacks the object or a child"))
            .expected(format!(
                "{} object(s): it and its children by hierarchyCode",
                want.len()
            ))
            .found(format!("{} missing, e.g. {first}", missing.len()))
            .exchange(&resp.exchange);
        return;
    }
    s.rec.evaluated(check);
}

/// getCFRubric is optional for providers: a 404 means unsupported (a note), anything else is judged by `003`.
async fn rubric_endpoint(s: &mut Session<'_>, id: &str, seen: &mut Seen) {
    let check = &ids::CASE_API_003;
    let u = url(s, &format!("/CFRubrics/{id}"));
    let mut req = Req::new("GET", &u).header("Accept", "application/json");
    if let Some(token) = s.target.auth.access_token.clone() {
        req = req.bearer(&token);
    }
    let Some(resp) = s.send(check, req).await else { return };
    if resp.status == 404 || resp.status == 501 {
        return;
    }
    if resp.status == 200 {
        seen.ok
            .push((format!("GET {u} → 200"), resp.media_type(), resp.exchange.clone()));
    }
    let Some(body) = object(s, check, &resp, &format!("GET /CFRubrics/{id}")) else {
        return;
    };
    if id_of(&body).as_deref() != Some(id) {
        s.rec
            .violation(check, format!("GET /CFRubrics/{id} answered another object"))
            .expected(format!("identifier {id}"))
            .found(id_of(&body).unwrap_or_else(|| "no identifier".into()))
            .exchange(&resp.exchange);
        return;
    }
    judge(s, &body, Kind::Rubric, &format!("GET /CFRubrics/{id}"), &resp);
}

/// `016`: the uris of the document, an item and an association answer the same object.
async fn uris(s: &mut Session<'_>, package: &Value) {
    let check = &ids::CASE_API_016;
    let nodes: Vec<Value> = [
        package.get("CFDocument").cloned(),
        package.pointer("/CFItems/0").cloned(),
        package.pointer("/CFAssociations/0").cloned(),
    ]
    .into_iter()
    .flatten()
    .take(MAX_URIS)
    .collect();
    for node in nodes {
        let (Some(id), Some(uri)) = (
            id_of(&node),
            node.get("uri").and_then(Value::as_str).map(str::to_string),
        ) else {
            continue;
        };
        let same_origin = url::Url::parse(&uri).is_ok_and(|u| u.origin() == s.base.origin());
        if !same_origin {
            s.rec
                .undetermined(check, format!("{uri} is on another origin: not fetched"));
            continue;
        }
        // The resolver is not the REST API: its answers are not held to 009 and 015.
        let mut req = Req::new("GET", &uri).header("Accept", "application/json");
        if let Some(token) = s.target.auth.access_token.clone() {
            req = req.bearer(&token);
        }
        let Some(resp) = s.send(check, req).await else {
            continue;
        };
        let got = resp.json().ok().and_then(|b| id_of(&b));
        if resp.status != 200 || got.as_deref() != Some(id.as_str()) {
            s.rec
                .violation(check, format!("the uri of {id} does not answer that object"))
                .at(format!("GET {uri} → {}", resp.status))
                .expected(format!("200 with a JSON object whose identifier is {id}"))
                .found(got.map_or_else(
                    || format!("HTTP {}, no identifier", resp.status),
                    |g| format!("identifier {g}"),
                ))
                .exchange(&resp.exchange);
            continue;
        }
        s.rec.evaluated(check);
    }
}

/// `007`, `008`: unknown and malformed identifiers; then `009` on every error answer of the run.
async fn errors(s: &mut Session<'_>, seen: &mut Seen) {
    let unknown = "00000000-0000-4000-8000-000000000000";
    for (check, id, want) in [
        (&ids::CASE_API_007, unknown, "unknownobject"),
        (&ids::CASE_API_008, "not-a-uuid", "invaliduuid"),
    ] {
        let Some(resp) = get(s, check, &format!("/CFItems/{id}"), seen).await else {
            continue;
        };
        let minor = code_minors(&resp);
        if resp.status != 404 || !minor.iter().any(|m| m == want) {
            s.rec
                .violation(check, format!("GET /CFItems/{id} did not answer 404 {want}"))
                .expected(format!("404 with imsx_codeMinor {want}"))
                .found(format!("{} with codeMinor {minor:?}", resp.status))
                .exchange(&resp.exchange);
        } else {
            s.rec.evaluated(check);
        }
    }
    let check = &ids::CASE_API_009;
    let errors = std::mem::take(&mut seen.errors);
    if errors.is_empty() {
        s.rec.skip(check, "no error answer was observed");
        return;
    }
    for (label, resp) in &errors {
        if let Some(why) = status_info_problem(resp) {
            s.rec
                .violation(check, format!("an error answer is not an imsx_StatusInfo: {why}"))
                .at(label.clone())
                .expected("imsx_codeMajor failure, imsx_severity error, codeMinor from the CASE list")
                .found(truncate(&resp.text()))
                .exchange(&resp.exchange);
        }
    }
    s.rec.evaluated(check);
}

/// What is wrong with an error body as an imsx_StatusInfo, if anything.
fn status_info_problem(resp: &Resp) -> Option<String> {
    let body = match resp.json() {
        Ok(b) if b.is_object() => b,
        _ => return Some("the body is not a JSON object".into()),
    };
    let text = |k: &str| body.get(k).and_then(Value::as_str);
    if text("imsx_codeMajor") != Some("failure") {
        return Some(format!("imsx_codeMajor is {:?}", text("imsx_codeMajor")));
    }
    if !matches!(text("imsx_severity"), Some("error" | "warning" | "status")) {
        return Some(format!("imsx_severity is {:?}", text("imsx_severity")));
    }
    let minors = code_minors(resp);
    if let Some(m) = minors.iter().find(|m| !case::CODE_MINORS.contains(&m.as_str())) {
        return Some(format!("codeMinor {m:?} is not a CASE value"));
    }
    None
}

/// `015`: every 200 answer is JSON.
fn content_types(s: &mut Session<'_>, seen: &Seen) {
    let check = &ids::CASE_API_015;
    if seen.ok.is_empty() {
        s.rec.skip(check, "no 200 answer was observed");
        return;
    }
    s.rec.evaluated(check);
    let mut reported = BTreeMap::new();
    for (label, media, exchange) in &seen.ok {
        if media.as_deref() != Some("application/json") && reported.insert(media.clone(), ()).is_none() {
            s.rec
                .violation(check, "a 200 answer is not application/json")
                .at(label.clone())
                .expected("application/json")
                .found(media.clone().unwrap_or_else(|| "no Content-Type".into()))
                .exchange(exchange);
        }
    }
}

/// `017`: https, as the answers came (a server that answered nothing showed nothing).
fn tls(s: &mut Session<'_>, seen: &Seen) {
    let check = &ids::CASE_API_017;
    if s.base.scheme() == "https" {
        if seen.answered == 0 {
            s.rec.skip(check, "the server answered no request over https");
        } else {
            s.rec.evaluated(check);
        }
    } else {
        s.rec
            .violation(check, "the CASE API is served over plain http")
            .expected("https")
            .found(s.base.scheme().to_string());
    }
}
