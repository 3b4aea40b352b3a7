//! The CLR 1.0 REST API (`CLR10-API-*`): discovery, getClrs, getClr, postClr and deleteClr under
//! `{base}/ims/clr/v1p0`, with the readonly / replace / delete scopes, behind the same OAuth 2.0 authorization server
//! the other APIs use.
//!
//! What is stated and what is inferred: the DiscoveryDocument, ClrSet, Clr and ClrPayload bodies and the error
//! payload are stated by the binding's JSON Schemas (their file names give each operation's status codes), and a real
//! consumer confirms `GET /discovery` and `GET /clrs`; the other paths (`/clrs/{id}`), paging and the status-code
//! semantics are inferred (reported as warnings at most) until the CLR 1.0 REST binding text confirms them — except
//! the security rules OAuth 2.0 itself makes mandatory (a token is required, bad tokens and missing scopes are
//! refused, TLS), which are MUSTs with the RFC as their source.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::Session;
use super::http::{Req, Resp};
use super::listing::truncate;
use crate::check::Check;
use crate::ob2::CLR1_CONTEXT;

pub use super::target::{CLR10_SCOPE_OPS as SCOPE_OPS, clr10_scope as scope};

/// The API's path below the base URL.
pub const PATH: &str = "/ims/clr/v1p0";

pub use super::checks::clr10::{CHECKS, ids};

/// An error answer kept for `CLR10-API-014`, with the codeMinor it should carry.
struct ErrorResp {
    resp: Resp,
    what: String,
    minor: Option<&'static str>,
}

/// An answer that must be the error `want` (then kept for `014`, which judges its body, with the codeMinor it should
/// carry), else a violation of `check`. `request` is `METHOD URL`.
struct Expected<'a> {
    check: &'static Check,
    want: &'a [u16],
    request: String,
    what: &'a str,
    minor: Option<&'static str>,
}

fn expect_error(s: &mut Session<'_>, e: Expected<'_>, resp: Resp, errors: &mut Vec<ErrorResp>) {
    if e.want.contains(&resp.status) {
        errors.push(ErrorResp {
            resp,
            what: e.what.to_string(),
            minor: e.minor,
        });
        return;
    }
    let want: Vec<String> = e.want.iter().map(u16::to_string).collect();
    let expected = match e.minor {
        Some(m) => format!("{} with {m}", want.join(" or ")),
        None => want.join(" or "),
    };
    s.rec
        .violation(e.check, format!("{} answered {}", e.what, resp.status))
        .at(format!("{} → {}", e.request, resp.status))
        .expected(expected)
        .found(resp.status.to_string())
        .exchange(&resp.exchange);
}

fn url(s: &Session<'_>, rest: &str) -> String {
    format!("{}{PATH}{rest}", s.base.as_str().trim_end_matches('/'))
}

/// The path segment of a CLR id (`/clrs/{id}`): the id percent-encoded, so a `urn:uuid:` id stays one segment.
fn id_segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

/// GET discovery without a token (`001`–`003`); learns the OAuth endpoints it advertises.
pub(super) async fn discovery(s: &mut Session<'_>) {
    let u = url(s, "/discovery");
    let Some(resp) = s
        .send(
            &ids::CLR10_API_001,
            Req::new("GET", &u).header("Accept", "application/json"),
        )
        .await
    else {
        for c in [&ids::CLR10_API_002, &ids::CLR10_API_003] {
            s.rec.skip(c, "discovery could not be reached");
        }
        return;
    };
    let doc = match (resp.status, resp.json()) {
        (200, Ok(doc)) if doc.is_object() => {
            s.rec.evaluated(&ids::CLR10_API_001);
            doc
        }
        (status, body) => {
            s.rec
                .violation(
                    &ids::CLR10_API_001,
                    format!("discovery without a token answered {status}"),
                )
                .at(format!("GET {u} → {status}"))
                .expected("200 with the DiscoveryDocument, no token needed")
                .found(match body {
                    Ok(b) => truncate(&b.to_string()),
                    Err(e) => format!("{status}: {e}"),
                })
                .exchange(&resp.exchange);
            // Its fields are judged on what it answers with a token, once there is one.
            s.clr10_discovery_retry = true;
            return;
        }
    };
    read_discovery(s, &doc, &resp);
}

/// Judges a DiscoveryDocument's fields and scopes (`002`, `003`) and learns the OAuth endpoints it advertises.
fn read_discovery(s: &mut Session<'_>, doc: &Value, resp: &Resp) {
    fields(s, doc, resp);
    let text = |k: &str| doc.get(k).and_then(Value::as_str).map(str::to_string);
    let e = &mut s.endpoints;
    e.registration = e.registration.take().or_else(|| text("registrationUrl"));
    e.authorization = e.authorization.take().or_else(|| text("authorizationUrl"));
    e.token = e.token.take().or_else(|| text("tokenUrl"));
    let offered: Vec<String> = doc
        .get("scopesOffered")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    s.endpoints.advertised_scopes.extend(offered.iter().cloned());
    scopes_and_urls(s, &offered, doc, resp);
}

/// The DiscoveryDocument fetched with a token, when it was refused without one.
async fn discovery_with_token(s: &mut Session<'_>, token: &str) {
    let u = url(s, "/discovery");
    let req = Req::new("GET", &u).header("Accept", "application/json").bearer(token);
    match s.send(&ids::CLR10_API_002, req).await {
        Some(resp) if resp.status == 200 && resp.json().is_ok_and(|d| d.is_object()) => {
            let doc = resp.json().unwrap_or_default();
            read_discovery(s, &doc, &resp);
        }
        _ => {
            for c in [&ids::CLR10_API_002, &ids::CLR10_API_003] {
                s.rec.skip(c, "no DiscoveryDocument to judge, with or without a token");
            }
        }
    }
}

const DISCOVERY_REQUIRED: [&str; 7] = [
    "name",
    "authorizationUrl",
    "tokenUrl",
    "registrationUrl",
    "privacyPolicyUrl",
    "termsOfServiceUrl",
    "scopesOffered",
];
const DISCOVERY_ALLOWED: [&str; 10] = [
    "@context",
    "type",
    "name",
    "image",
    "authorizationUrl",
    "tokenUrl",
    "registrationUrl",
    "privacyPolicyUrl",
    "termsOfServiceUrl",
    "scopesOffered",
];

fn fields(s: &mut Session<'_>, doc: &Value, resp: &Resp) {
    let id = &ids::CLR10_API_002;
    s.rec.evaluated(id);
    for k in std::iter::once("@context").chain(DISCOVERY_REQUIRED) {
        let ok = match (k, doc.get(k)) {
            ("scopesOffered", Some(Value::Array(a))) => !a.is_empty() && a.iter().all(Value::is_string),
            ("@context", Some(v)) => v.is_string() || v.is_array(),
            (_, Some(Value::String(v))) => !v.is_empty(),
            _ => false,
        };
        if !ok {
            s.rec
                .violation(id, format!("the DiscoveryDocument's {k} is missing or not of its type"))
                .pointer(format!("/{k}"))
                .expected(if k == "scopesOffered" {
                    "a non-empty array of scope URIs"
                } else {
                    "a non-empty string"
                })
                .found(doc.get(k).map_or("absent".to_string(), |v| truncate(&v.to_string())))
                .exchange(&resp.exchange);
        }
    }
    for key in doc.as_object().into_iter().flat_map(|o| o.keys()) {
        if !DISCOVERY_ALLOWED.contains(&key.as_str()) {
            s.rec
                .violation(
                    id,
                    format!("the DiscoveryDocument has {key}, which its schema does not allow"),
                )
                .pointer(format!("/{key}"))
                .expected(format!("only {}", DISCOVERY_ALLOWED.join(", ")))
                .found(key.clone())
                .exchange(&resp.exchange);
        }
    }
}

fn scopes_and_urls(s: &mut Session<'_>, offered: &[String], doc: &Value, resp: &Resp) {
    let id = &ids::CLR10_API_003;
    s.rec.evaluated(id);
    for op in SCOPE_OPS {
        let want = scope(op);
        if !offered.contains(&want) {
            s.rec
                .violation(id, format!("scopesOffered does not list the {op} scope"))
                .pointer("/scopesOffered")
                .expected(want)
                .found(truncate(&json!(offered).to_string()))
                .exchange(&resp.exchange);
        }
    }
    let urls: Vec<(&str, String)> = ["authorizationUrl", "tokenUrl", "registrationUrl"]
        .into_iter()
        .filter_map(|k| Some((k, doc.get(k)?.as_str()?.to_string())))
        .collect();
    let hosts: BTreeSet<String> = urls
        .iter()
        .filter_map(|(_, u)| url::Url::parse(u).ok()?.host_str().map(str::to_string))
        .collect();
    if hosts.len() > 1 {
        s.rec
            .violation(id, "the OAuth URLs are on more than one host")
            .expected("authorizationUrl, tokenUrl and registrationUrl on one host")
            .found(hosts.into_iter().collect::<Vec<_>>().join(", "))
            .exchange(&resp.exchange);
    }
}

/// Every check after discovery, with the run's tokens.
pub(super) async fn api(s: &mut Session<'_>, upload: Value) {
    let Some(main) = s.main.clone() else {
        // Discovery judged its own checks, unless it has to be fetched again with a token.
        let retry = s.clr10_discovery_retry;
        let judged_already =
            |id: &str| id.ends_with("-001") || (!retry && (id.ends_with("-002") || id.ends_with("-003")));
        let open: Vec<&'static Check> = CHECKS.iter().filter(|c| !judged_already(c.id)).collect();
        for c in open {
            s.rec.skip(c, "no access token: the authorization steps failed");
        }
        return;
    };
    let token = main.access;
    if s.clr10_discovery_retry {
        discovery_with_token(s, &token).await;
    }
    let mut errors = Vec::new();
    let list = url(s, "/clrs");
    tls(s);
    without_token(s, &list, &mut errors).await;
    let (a, b) = two_clrs(s, &upload);
    let posted = posts(s, &token, &a, &b, &mut errors).await;
    scope_probe(s, &list, &upload, &mut errors).await;
    delete_scope_probe(s, &token, &b, &mut errors).await;
    // The CLR last accepted must be in the set the provider returns.
    let posted_ids: Vec<&str> = posted
        .as_ref()
        .and_then(|c| c.get("id").and_then(Value::as_str))
        .into_iter()
        .collect();
    let all = get_clrs(s, &token, &list, &posted_ids).await;
    if let Some(all) = &all {
        paging(s, &token, &list, all).await;
    }
    get_clr(s, &token, posted.as_ref(), &mut errors).await;
    bad_query(s, &token, &list, &mut errors).await;
    invalid_payload(s, &token, &list, &mut errors).await;
    wrong_method(s, &token, &list, &mut errors).await;
    delete(s, &token, [&a, &b], &mut errors).await;
    status_infos(s, &errors);
}

/// Two CLRs of this run (fresh ids, so the first post of each creates it).
fn two_clrs(s: &mut Session<'_>, upload: &Value) -> (Value, Value) {
    // A version-4 UUID made of the run's fresh values.
    let fresh = |s: &mut Session<'_>| {
        let h: String = s.fresh("clr10").bytes().map(|b| format!("{b:02x}")).collect();
        let hex = |r: std::ops::Range<usize>| h.get(r).unwrap_or("0").to_string();
        format!(
            "urn:uuid:{}-{}-4{}-8{}-{}",
            hex(0..8),
            hex(8..12),
            hex(12..15),
            hex(15..18),
            hex(18..30)
        )
    };
    let mut a = upload.clone();
    a["id"] = fresh(s).into();
    let mut b = upload.clone();
    b["id"] = fresh(s).into();
    b["name"] = "Second record of this run".into();
    (a, b)
}

fn payload(clr: &Value) -> Vec<u8> {
    json!({"@context": CLR1_CONTEXT, "clr": clr}).to_string().into_bytes()
}

async fn without_token(s: &mut Session<'_>, list: &str, errors: &mut Vec<ErrorResp>) {
    for (check, token) in [
        (&ids::CLR10_API_004, None),
        (&ids::CLR10_API_005, Some("clr-harness-unknown-token")),
    ] {
        let mut req = Req::new("GET", list).header("Accept", "application/ld+json, application/json");
        if let Some(t) = token {
            req = req.bearer(t);
        }
        let Some(resp) = s.send(check, req).await else { continue };
        s.rec.evaluated(check);
        let what = if token.is_some() {
            "getClrs with an unknown token"
        } else {
            "getClrs without a token"
        };
        let e = Expected {
            check,
            want: &[401],
            request: format!("GET {list}"),
            what,
            minor: Some("unauthorizedrequest"),
        };
        expect_error(s, e, resp, errors);
    }
}

/// postClr: create (201), create a second, replace (200), identical (304) — `011`. Returns the CLR as last posted.
async fn posts(s: &mut Session<'_>, token: &str, a: &Value, b: &Value, errors: &mut Vec<ErrorResp>) -> Option<Value> {
    let check = &ids::CLR10_API_011;
    let list = url(s, "/clrs");
    let mut changed = a.clone();
    changed["name"] = "Replaced by clr-harness".into();
    let mut last = None;
    for (clr, want, what) in [
        (a, 201, "a new CLR"),
        (b, 201, "a second new CLR"),
        (&changed, 200, "a changed CLR with the same id"),
        (&changed, 304, "an identical CLR"),
    ] {
        let req = Req::new("POST", &list)
            .bearer(token)
            .header("Accept", "application/ld+json, application/json")
            .body("application/json", payload(clr));
        let Some(resp) = s.send(check, req).await else {
            return last;
        };
        s.rec.evaluated(check);
        if resp.status != want {
            s.rec
                .violation(check, format!("postClr of {what} answered {}", resp.status))
                .at(format!("POST {list} → {}", resp.status))
                .expected(want.to_string())
                .found(resp.status.to_string())
                .exchange(&resp.exchange);
        }
        if (200..300).contains(&resp.status) {
            last = Some(clr.clone());
            // The answer is the ClrPayload: the CLR (or its JWS) back.
            let echoed = resp.json().ok();
            let back = echoed.as_ref().and_then(|p| p.get("clr"));
            if back.and_then(|c| c.get("id")) != clr.get("id")
                && echoed.as_ref().and_then(|p| p.get("signedClr")).is_none()
            {
                s.rec
                    .violation(check, format!("postClr of {what} did not answer with the ClrPayload"))
                    .at(format!("POST {list} → body"))
                    .expected("{\"clr\": <the CLR posted>} or {\"signedClr\": …}")
                    .found(truncate(&resp.text()))
                    .exchange(&resp.exchange);
            }
        } else if resp.status >= 400 {
            errors.push(ErrorResp {
                resp,
                what: format!("postClr of {what}"),
                minor: None,
            });
        }
    }
    last
}

async fn scope_probe(s: &mut Session<'_>, list: &str, upload: &Value, errors: &mut Vec<ErrorResp>) {
    let check = &ids::CLR10_API_006;
    let Some(ro) = s.readonly.clone() else {
        s.rec.skip(check, "no readonly-only token was obtained");
        return;
    };
    let mut clr = upload.clone();
    clr["id"] = format!("urn:uuid:00000000-0000-4000-8000-{:012x}", s.nonce % 0xffff_ffff_ffff).into();
    let req = Req::new("POST", list)
        .bearer(&ro.access)
        .body("application/json", payload(&clr));
    let Some(resp) = s.send(check, req).await else { return };
    refused_for_scope(s, resp, "postClr", format!("POST {list}"), "replace", errors);
}

/// `006`: what a request made with a readonly-only token got: 403 (kept for `014`), another 4xx (the SHOULD part: a
/// warning), or anything else (a violation). Returns whether the provider did what it should have refused.
fn refused_for_scope(
    s: &mut Session<'_>,
    resp: Resp,
    operation: &str,
    request: String,
    scope: &str,
    errors: &mut Vec<ErrorResp>,
) -> bool {
    let check = &ids::CLR10_API_006;
    s.rec.evaluated(check);
    match resp.status {
        403 => {
            errors.push(ErrorResp {
                resp,
                what: format!("{operation} with a readonly token"),
                minor: Some("forbidden"),
            });
            false
        }
        400..=499 => {
            s.rec
                .warning(
                    check,
                    format!(
                        "{operation} with a readonly token was refused with {}, not 403",
                        resp.status
                    ),
                )
                .at(format!("{request} → {}", resp.status))
                .expected("403")
                .found(resp.status.to_string())
                .exchange(&resp.exchange);
            false
        }
        status => {
            s.rec
                .violation(
                    check,
                    format!("{operation} with a token holding only the readonly scope answered {status}"),
                )
                .at(format!("{request} → {status}"))
                .expected(format!("403 (the {scope} scope is needed)"))
                .found(status.to_string())
                .exchange(&resp.exchange);
            (200..300).contains(&status)
        }
    }
}

/// deleteClr of a CLR the user holds with a token holding only the readonly scope must be refused (`006`); when the
/// provider deletes it anyway, the harness posts it again, so the later steps see the set they expect.
async fn delete_scope_probe(s: &mut Session<'_>, token: &str, clr: &Value, errors: &mut Vec<ErrorResp>) {
    let check = &ids::CLR10_API_006;
    let Some(ro) = s.readonly.clone() else { return };
    let id = clr.get("id").and_then(Value::as_str).unwrap_or_default();
    let u = url(s, &format!("/clrs/{}", id_segment(id)));
    let Some(resp) = s.send(check, Req::new("DELETE", &u).bearer(&ro.access)).await else {
        return;
    };
    if refused_for_scope(s, resp, "deleteClr", format!("DELETE {u}"), "delete", errors) {
        let list = url(s, "/clrs");
        let again = Req::new("POST", &list)
            .bearer(token)
            .body("application/json", payload(clr));
        let _ = s.send(check, again).await;
    }
}

/// getClrs (`007`) and the CLRs it returns (`008`); the ids in order, for paging.
async fn get_clrs(s: &mut Session<'_>, token: &str, list: &str, posted: &[&str]) -> Option<Vec<String>> {
    let check = &ids::CLR10_API_007;
    let req = Req::new("GET", list)
        .bearer(token)
        .header("Accept", "application/ld+json, application/json");
    let resp = s.send(check, req).await?;
    s.rec.evaluated(check);
    let body = match (resp.status, resp.json()) {
        (200, Ok(b)) if b.is_object() => b,
        (status, b) => {
            s.rec
                .violation(check, format!("getClrs answered {status}, not a ClrSet"))
                .at(format!("GET {list} → {status}"))
                .expected("200 with a ClrSet object")
                .found(match b {
                    Ok(b) => truncate(&b.to_string()),
                    Err(e) => e,
                })
                .exchange(&resp.exchange);
            s.rec.skip(&ids::CLR10_API_008, "getClrs returned no ClrSet");
            s.rec.skip(&ids::CLR10_API_009, "getClrs returned no ClrSet");
            return None;
        }
    };
    for key in body.as_object().into_iter().flat_map(|o| o.keys()) {
        if !["@context", "id", "type", "clrs", "signedClrs"].contains(&key.as_str()) {
            s.rec
                .violation(check, format!("the ClrSet has {key}, which its schema does not allow"))
                .pointer(format!("/{key}"))
                .expected("only @context, id, type, clrs, signedClrs")
                .found(key.clone())
                .exchange(&resp.exchange);
        }
    }
    for key in ["clrs", "signedClrs"] {
        if body.get(key).is_some_and(|v| !v.is_array()) {
            s.rec
                .violation(check, format!("the ClrSet's {key} is not an array"))
                .pointer(format!("/{key}"))
                .expected("an array")
                .found(truncate(&body[key].to_string()))
                .exchange(&resp.exchange);
        }
    }
    if body.get("@context").is_none() {
        s.rec
            .violation(check, "the ClrSet has no @context")
            .pointer("/@context")
            .expected(CLR1_CONTEXT)
            .found("absent")
            .exchange(&resp.exchange);
    }
    let mut received: Vec<(ReceivedClrDoc, String)> = page_clrs(&body)
        .into_iter()
        .map(|d| (d, resp.exchange.clone()))
        .collect();
    // The rest of the set, following rel=next as a client would: same origin only (the bearer token goes with it),
    // each page judged, within bounds.
    let mut next = next_page(s, list, &resp);
    let mut seen_urls = vec![list.to_string()];
    let mut cut_short = None;
    while let Some(url) = next.take() {
        if seen_urls.len() >= MAX_PAGES || received.len() >= MAX_ITEMS {
            cut_short = Some(format!(
                "the ClrSet runs past {MAX_PAGES} pages or {MAX_ITEMS} CLRs; the harness read no further"
            ));
            break;
        }
        if seen_urls.contains(&url) {
            s.rec
                .violation(
                    &ids::CLR10_API_009,
                    "a rel=next link names a page already read (a loop)",
                )
                .at(format!("GET {url}"))
                .expected("each next page once")
                .found(url.clone());
            cut_short = Some("the rel=next links loop".into());
            break;
        }
        seen_urls.push(url.clone());
        let req = Req::new("GET", &url).bearer(token).header("Accept", "application/json");
        let Some(more) = s.send(check, req).await else {
            cut_short = Some(format!("the next page {url} could not be read"));
            break;
        };
        match (more.status, more.json()) {
            (200, Ok(body)) if body.is_object() => {
                received.extend(page_clrs(&body).into_iter().map(|d| (d, more.exchange.clone())));
                next = next_page(s, &url, &more);
            }
            (status, _) => {
                s.rec
                    .violation(
                        check,
                        format!("the next page of getClrs answered {status}, not a ClrSet"),
                    )
                    .at(format!("GET {url} → {status}"))
                    .expected("200 with a ClrSet")
                    .found(truncate(&more.text()))
                    .exchange(&more.exchange);
                cut_short = Some("a next page was not a ClrSet".into());
            }
        }
    }
    let ids_seen: Vec<String> = received.iter().map(|(d, _)| d.id.clone()).collect();
    if let Some(why) = cut_short {
        // A set not read to its end is not evidence about the whole set.
        for c in [&ids::CLR10_API_008, &ids::CLR10_API_009] {
            s.rec.undetermined(c, why.clone());
        }
        return None;
    }
    for posted in posted {
        if !ids_seen.iter().any(|i| i == posted) {
            s.rec
                .violation(check, "getClrs does not return a CLR the user just posted")
                .at(format!("GET {list}"))
                .expected(format!("a ClrSet holding {posted}"))
                .found(format!("{} CLRs, not that one", ids_seen.len()))
                .exchange(&resp.exchange);
        }
    }
    if received.is_empty() {
        s.rec.skip(&ids::CLR10_API_008, "getClrs returned no CLR to check");
    }
    s.received_clr10
        .extend(received.into_iter().map(|(d, exchange)| super::ReceivedClr {
            pointer: d.pointer,
            bytes: d.bytes,
            exchange,
        }));
    Some(ids_seen)
}

/// The rel=next page of a getClrs answer, resolved against the URL it answered: only on the provider's own origin
/// (the bearer token goes with the request); another origin is a violation of `009` and ends the read.
fn next_page(s: &mut Session<'_>, current: &str, resp: &Resp) -> Option<String> {
    let target = resp.header("Link").and_then(|l| crate::http::link_rel(l, "next"))?;
    let resolved = url::Url::parse(current).ok()?.join(&target).ok()?;
    let same_origin = |u: &url::Url| {
        (
            u.scheme().to_string(),
            u.host_str().map(str::to_string),
            u.port_or_known_default(),
        )
    };
    if same_origin(&resolved) != same_origin(&s.base) {
        s.rec
            .violation(&ids::CLR10_API_009, "a rel=next link leaves the provider's origin")
            .at(format!("GET {current} → header Link"))
            .expected(format!("a next page on {}", s.base.origin().ascii_serialization()))
            .found(resolved.to_string())
            .exchange(&resp.exchange);
        return None;
    }
    Some(resolved.to_string())
}

/// CLRs of a ClrSet read at most.
const MAX_ITEMS: usize = 10_000;

/// Pages of getClrs read at most (the full read and the paging walk each).
const MAX_PAGES: usize = 50;

/// One CLR of a ClrSet page: its id, where it sits, and its bytes (JSON, or the compact JWS).
struct ReceivedClrDoc {
    id: String,
    pointer: String,
    bytes: Vec<u8>,
}

/// The CLRs of a ClrSet page, objects and signed ones; a CLR object without its own @context gets the set's.
fn page_clrs(body: &Value) -> Vec<ReceivedClrDoc> {
    let mut out = Vec::new();
    for (i, c) in body
        .get("clrs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let mut doc = c.clone();
        if doc.get("@context").is_none()
            && let (Some(o), Some(ctx)) = (doc.as_object_mut(), body.get("@context"))
        {
            o.insert("@context".into(), ctx.clone());
        }
        out.push(ReceivedClrDoc {
            id: c.get("id").and_then(Value::as_str).unwrap_or_default().to_string(),
            pointer: format!("/clrs/{i}"),
            bytes: doc.to_string().into_bytes(),
        });
    }
    for (i, jws) in body
        .get("signedClrs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let text = jws.as_str().unwrap_or_default();
        let id = crate::decode::CompactJws::parse(text)
            .ok()
            .and_then(|p| p.payload.get("id").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_default();
        out.push(ReceivedClrDoc {
            id,
            pointer: format!("/signedClrs/{i}"),
            bytes: text.as_bytes().to_vec(),
        });
    }
    out
}

async fn paging(s: &mut Session<'_>, token: &str, list: &str, all: &[String]) {
    let check = &ids::CLR10_API_009;
    if all.len() < 2 {
        s.rec.skip(check, "fewer than two CLRs to page through");
        return;
    }
    // Pages small enough to need several, few enough to stay bounded: about twenty.
    let limit = all.len().div_ceil(20).max(1);
    let mut seen = Vec::new();
    let mut offset = 0usize;
    let mut pages = 0;
    while pages < MAX_PAGES {
        pages += 1;
        let u = format!("{list}?limit={limit}&offset={offset}");
        let req = Req::new("GET", &u).bearer(token).header("Accept", "application/json");
        let Some(resp) = s.send(check, req).await else { return };
        s.rec.evaluated(check);
        let body = resp.json().unwrap_or(Value::Null);
        let page: Vec<String> = page_clrs(&body).into_iter().map(|d| d.id).collect();
        if page.len() > limit {
            s.rec
                .violation(
                    check,
                    format!("a page asked with limit={limit} holds {} CLRs", page.len()),
                )
                .at(format!("GET {u}"))
                .expected(format!("at most {limit}"))
                .found(page.len().to_string())
                .exchange(&resp.exchange);
            return;
        }
        if let Some(total) = resp.header("X-Total-Count")
            && total.trim().parse::<usize>().ok() != Some(all.len())
        {
            s.rec
                .violation(check, "X-Total-Count is not the number of CLRs")
                .at(format!("GET {u} → header X-Total-Count"))
                .expected(all.len().to_string())
                .found(total.to_string())
                .exchange(&resp.exchange);
        }
        let incomplete = offset + page.len() < all.len() && !page.is_empty();
        let has_next = resp
            .header("Link")
            .is_some_and(|l| crate::http::link_rel(l, "next").is_some());
        if incomplete && !has_next {
            s.rec
                .violation(check, "an incomplete page sends no Link rel=next")
                .at(format!("GET {u} → header Link"))
                .expected(format!("<…?limit={limit}&offset=…>; rel=\"next\""))
                .found(resp.header("Link").unwrap_or("no Link header").to_string())
                .exchange(&resp.exchange);
        }
        if page.is_empty() {
            break;
        }
        offset += page.len();
        seen.extend(page);
        if offset >= all.len() {
            break;
        }
    }
    if pages == MAX_PAGES && offset < all.len() {
        // A provider may serve fewer than `limit` a page; past the bound the walk is not evidence either way.
        s.rec.undetermined(
            check,
            format!("the walk stopped after {MAX_PAGES} pages before the end of the set"),
        );
        return;
    }
    let (mut want, mut got) = (all.to_vec(), seen);
    want.sort();
    got.sort();
    if want != got {
        s.rec
            .violation(check, "walking the pages does not give every CLR exactly once")
            .at(format!("GET {list}?limit={limit}&offset=0…"))
            .expected(format!("{} CLRs: {}", want.len(), want.join(", ")))
            .found(format!("{} CLRs: {}", got.len(), got.join(", ")));
    }
}

async fn get_clr(s: &mut Session<'_>, token: &str, posted: Option<&Value>, errors: &mut Vec<ErrorResp>) {
    let check = &ids::CLR10_API_012;
    let Some(clr) = posted else {
        s.rec.skip(check, "no CLR was posted to read back");
        return;
    };
    let id = clr.get("id").and_then(Value::as_str).unwrap_or_default();
    let u = url(s, &format!("/clrs/{}", id_segment(id)));
    let req = Req::new("GET", &u).bearer(token).header("Accept", "application/json");
    let Some(resp) = s.send(check, req).await else { return };
    s.rec.evaluated(check);
    match (resp.status, resp.json()) {
        (200, Ok(back)) if back.get("id") == clr.get("id") => {
            let mut a = back.clone();
            let mut b = clr.clone();
            for v in [&mut a, &mut b] {
                if let Some(o) = v.as_object_mut() {
                    o.remove("@context");
                }
            }
            if a != b {
                s.rec
                    .violation(check, "getClr returns the CLR changed")
                    .at(format!("GET {u} → body"))
                    .expected("the CLR as last posted")
                    .found(truncate(&resp.text()))
                    .exchange(&resp.exchange);
            }
        }
        (status, _) => {
            s.rec
                .violation(check, format!("getClr of a CLR the user holds answered {status}"))
                .at(format!("GET {u} → {status}"))
                .expected("200 with the CLR")
                .found(truncate(&resp.text()))
                .exchange(&resp.exchange);
        }
    }
    let unknown = url(
        s,
        &format!("/clrs/{}", id_segment("urn:uuid:00000000-0000-4000-8000-00000000dead")),
    );
    let req = Req::new("GET", &unknown)
        .bearer(token)
        .header("Accept", "application/json");
    let Some(resp) = s.send(check, req).await else { return };
    let e = Expected {
        check,
        want: &[404],
        request: format!("GET {unknown}"),
        what: "getClr of an unknown id",
        minor: None,
    };
    expect_error(s, e, resp, errors);
}

async fn bad_query(s: &mut Session<'_>, token: &str, list: &str, errors: &mut Vec<ErrorResp>) {
    let check = &ids::CLR10_API_010;
    let u = format!("{list}?limit=-1");
    let req = Req::new("GET", &u).bearer(token).header("Accept", "application/json");
    let Some(resp) = s.send(check, req).await else { return };
    s.rec.evaluated(check);
    let e = Expected {
        check,
        want: &[400],
        request: format!("GET {u}"),
        what: "getClrs with limit=-1",
        minor: Some("invalid_query_parameter"),
    };
    expect_error(s, e, resp, errors);
}

async fn invalid_payload(s: &mut Session<'_>, token: &str, list: &str, errors: &mut Vec<ErrorResp>) {
    let check = &ids::CLR10_API_017;
    let broken = json!({"@context": CLR1_CONTEXT, "clr": {"@context": CLR1_CONTEXT, "id": "urn:uuid:00000000-0000-4000-8000-0000000000aa", "type": "Clr"}});
    let req = Req::new("POST", list)
        .bearer(token)
        .body("application/json", broken.to_string().into_bytes());
    let Some(resp) = s.send(check, req).await else { return };
    s.rec.evaluated(check);
    let e = Expected {
        check,
        want: &[400],
        request: format!("POST {list}"),
        what: "postClr of a CLR without learner, publisher and issuedOn",
        minor: Some("invalid_data"),
    };
    expect_error(s, e, resp, errors);
}

async fn wrong_method(s: &mut Session<'_>, token: &str, list: &str, errors: &mut Vec<ErrorResp>) {
    let check = &ids::CLR10_API_015;
    let req = Req::new("PUT", list)
        .bearer(token)
        .body("application/json", b"{}".to_vec());
    let Some(resp) = s.send(check, req).await else { return };
    s.rec.evaluated(check);
    let e = Expected {
        check,
        want: &[405],
        request: format!("PUT {list}"),
        what: "PUT /clrs",
        minor: None,
    };
    expect_error(s, e, resp, errors);
}

async fn delete(s: &mut Session<'_>, token: &str, clrs: [&Value; 2], errors: &mut Vec<ErrorResp>) {
    let check = &ids::CLR10_API_013;
    for clr in clrs {
        let id = clr.get("id").and_then(Value::as_str).unwrap_or_default();
        let u = url(s, &format!("/clrs/{}", id_segment(id)));
        let Some(resp) = s.send(check, Req::new("DELETE", &u).bearer(token)).await else {
            return;
        };
        s.rec.evaluated(check);
        if resp.status != 204 {
            s.rec
                .violation(check, format!("deleteClr answered {}", resp.status))
                .at(format!("DELETE {u} → {}", resp.status))
                .expected("204")
                .found(resp.status.to_string())
                .exchange(&resp.exchange);
            continue;
        }
        let req = Req::new("GET", &u).bearer(token).header("Accept", "application/json");
        let Some(after) = s.send(check, req).await else { return };
        let e = Expected {
            check,
            want: &[404, 410],
            request: format!("GET {u}"),
            what: "getClr of a deleted CLR",
            minor: None,
        };
        expect_error(s, e, after, errors);
    }
}

fn tls(s: &mut Session<'_>) {
    let check = &ids::CLR10_API_016;
    // An unreachable provider shows nothing about its transport (no pass).
    if s.http.exchanges().iter().any(|e| e.status.is_some()) {
        s.rec.evaluated(check);
    } else {
        s.rec.skip(check, "the provider answered no request");
    }
    let e = s.endpoints.clone();
    let urls = [
        ("base URL", Some(s.base.to_string())),
        ("registration URL", e.registration),
        ("authorization URL", e.authorization),
        ("token URL", e.token),
    ];
    for (what, u) in urls {
        if let Some(u) = u.filter(|u| !u.starts_with("https://")) {
            s.rec
                .violation(check, format!("the {what} is not https"))
                .at(what.to_string())
                .expected("https://…")
                .found(u);
        }
    }
}

fn status_infos(s: &mut Session<'_>, errors: &[ErrorResp]) {
    let check = &ids::CLR10_API_014;
    // The CLR 1.0 binding's closed codeMinor vocabulary.
    const MINOR: [&str; 7] = [
        "forbidden",
        "fullsuccess",
        "internal_server_error",
        "invalid_data",
        "invalid_query_parameter",
        "server_busy",
        "unauthorizedrequest",
    ];
    if errors.is_empty() {
        s.rec.skip(check, "the provider gave no error response to judge");
        return;
    }
    s.rec.evaluated(check);
    for e in errors {
        let Ok(body) = e
            .resp
            .json()
            .map_err(|_| ())
            .and_then(|b| if b.is_object() { Ok(b) } else { Err(()) })
        else {
            s.rec
                .violation(
                    check,
                    format!("the error answer to {} is not an imsx_StatusInfo object", e.what),
                )
                .at(format!("{} → body", e.what))
                .expected("{\"imsx_codeMajor\": …, \"imsx_severity\": …}")
                .found(truncate(&e.resp.text()))
                .exchange(&e.resp.exchange);
            continue;
        };
        for (field, allowed) in super::http::status_info_out_of_vocabulary(&body) {
            s.rec
                .violation(check, format!("the error answer to {} has no valid {field}", e.what))
                .pointer(format!("/{field}"))
                .expected(format!("one of {}", allowed.join(", ")))
                .found(body[field].to_string())
                .exchange(&e.resp.exchange);
        }
        let values = super::http::code_minors(&body);
        for v in values.iter().filter(|v| !MINOR.contains(v)) {
            s.rec
                .violation(
                    check,
                    format!(
                        "the error answer to {} carries codeMinor {v:?}, which CLR 1.0 does not define",
                        e.what
                    ),
                )
                .pointer("/imsx_codeMinor/imsx_codeMinorField")
                .expected(format!("one of {}", MINOR.join(", ")))
                .found((*v).to_string())
                .exchange(&e.resp.exchange);
        }
        if let Some(minor) = e.minor
            && !values.contains(&minor)
        {
            s.rec
                .violation(
                    check,
                    format!("the error answer to {} does not carry codeMinor {minor}", e.what),
                )
                .pointer("/imsx_codeMinor/imsx_codeMinorField")
                .expected(minor.to_string())
                .found(format!("{values:?}"))
                .exchange(&e.resp.exchange);
        }
    }
}

/// The CLR the harness posts unless told otherwise: the transcript of the CLR 1.0 vectors (a valid record).
pub fn default_upload() -> Value {
    serde_json::from_str(include_str!("../../../vectors/fixed/clr10/ok/transcript-ok.json")).unwrap_or(Value::Null)
}
