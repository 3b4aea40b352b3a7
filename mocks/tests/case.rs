//! The CASE 1.0 mock over real HTTP on loopback: shapes of every endpoint, paging, sorting, errors; over HTTPS and
//! HTTP/2, the URLs it names.

use clr_mocks::case::{self, Framework};
use clr_mocks::server::{self, Running};
use clr_mocks::tls::MockCa;
use serde_json::Value;

const API: &str = "/ims/case/v1p0";

async fn start() -> (Running, Framework) {
    let fw = Framework::seeded(42);
    let running = server::spawn(case::router(fw.clone()), 0).await.expect("binds");
    (running, fw)
}

async fn get(url: &str) -> (u16, reqwest::header::HeaderMap, Value) {
    let r = reqwest::get(url).await.expect("request");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body = r.json().await.unwrap_or(Value::Null);
    (status, headers, body)
}

fn id(v: &Value) -> &str {
    v["identifier"].as_str().expect("identifier")
}

fn assert_status_info(body: &Value, minor: &str) {
    assert_eq!(body["imsx_codeMajor"], "failure", "{body}");
    assert_eq!(body["imsx_severity"], "error", "{body}");
    assert_eq!(
        body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"], minor,
        "{body}"
    );
}

#[tokio::test]
async fn every_endpoint_answers_with_its_shape() {
    let (s, fw) = start().await;
    let b = format!("{}{API}", s.base_url);
    assert!(fw.items.len() >= 200, "{} items", fw.items.len());
    let doc = id(&fw.documents[0]);
    let item = id(&fw.items[0]);

    let (st, _, body) = get(&format!("{b}/CFDocuments")).await;
    assert_eq!(st, 200);
    assert_eq!(body["CFDocuments"].as_array().map(Vec::len), Some(fw.documents.len()));

    let (st, _, body) = get(&format!("{b}/CFDocuments/{doc}")).await;
    assert_eq!((st, id(&body)), (200, doc));
    assert!(
        body["CFPackageURI"]["uri"]
            .as_str()
            .is_some_and(|u| u.starts_with(&s.base_url)),
        "{body}"
    );

    let (_, _, pkg) = get(&format!("{b}/CFPackages/{doc}")).await;
    assert_eq!(id(&pkg["CFDocument"]), doc);
    assert!(pkg["CFDocument"].get("CFPackageURI").is_none());
    assert!(pkg["CFItems"].as_array().is_some_and(|i| i.len() >= 200));
    assert!(pkg["CFItems"][0].get("CFDocumentURI").is_none());
    assert!(pkg["CFAssociations"].as_array().is_some_and(|a| a.len() >= 200));
    assert_eq!(pkg["CFRubrics"].as_array().map(Vec::len), Some(1));
    for set in [
        "CFConcepts",
        "CFSubjects",
        "CFLicenses",
        "CFItemTypes",
        "CFAssociationGroupings",
    ] {
        assert!(pkg["CFDefinitions"][set][0]["identifier"].is_string(), "{set}");
    }

    let (st, _, body) = get(&format!("{b}/CFItems/{item}")).await;
    assert_eq!((st, id(&body)), (200, item));
    assert!(body["fullStatement"].is_string() && body["CFDocumentURI"]["identifier"] == doc);

    let (_, _, body) = get(&format!("{b}/CFItemAssociations/{item}")).await;
    assert_eq!(id(&body["CFItem"]), item);
    let assocs = body["CFAssociations"].as_array().expect("associations");
    assert!(assocs.len() > 1, "a domain has a parent and children");
    let kinds: Vec<&str> = fw
        .associations
        .iter()
        .filter_map(|a| a["associationType"].as_str())
        .collect();
    for k in ["isChildOf", "precedes", "isRelatedTo"] {
        assert!(kinds.contains(&k), "{k}");
    }

    let a = id(&fw.associations[0]);
    let (_, _, body) = get(&format!("{b}/CFAssociations/{a}")).await;
    assert_eq!(id(&body), a);
    assert!(body["originNodeURI"]["uri"].is_string());

    for (path, list, wrapper) in [
        ("CFConcepts", &fw.concepts, Some("CFConcepts")),
        ("CFSubjects", &fw.subjects, Some("CFSubjects")),
        ("CFItemTypes", &fw.item_types, Some("CFItemTypes")),
        ("CFLicenses", &fw.licenses, None),
        ("CFAssociationGroupings", &fw.groupings, None),
        ("CFRubrics", &fw.rubrics, None),
    ] {
        let want = id(&list[0]);
        let (st, _, body) = get(&format!("{b}/{path}/{want}")).await;
        assert_eq!(st, 200, "{path}");
        let got = match wrapper {
            Some(w) => &body[w][0],
            None => &body,
        };
        assert_eq!(id(got), want, "{path}");
    }
    let (_, _, types) = get(&format!("{b}/CFItemTypes/{}", id(&fw.item_types[0]))).await;
    assert_eq!(
        types["CFItemTypes"].as_array().map(Vec::len),
        Some(3),
        "the type and its children"
    );
    let (_, _, rubric) = get(&format!("{b}/CFRubrics/{}", id(&fw.rubrics[0]))).await;
    assert!(rubric["CFRubricCriteria"][0]["CFRubricCriterionLevels"][3]["score"].is_number());
    s.shutdown().await.expect("stops");
}

#[tokio::test]
async fn paging_covers_everything_once_with_headers() {
    let (s, fw) = start().await;
    let mut seen = Vec::new();
    let mut offset = 0;
    while offset < fw.documents.len() {
        let (st, h, body) = get(&format!("{}{API}/CFDocuments?limit=3&offset={offset}", s.base_url)).await;
        assert_eq!(st, 200);
        assert_eq!(
            h["x-total-count"].to_str().ok(),
            Some(fw.documents.len().to_string().as_str())
        );
        let link = h["link"].to_str().expect("link");
        assert!(
            link.contains("rel=\"first\"") && link.contains("rel=\"last\""),
            "{link}"
        );
        assert_eq!(link.contains("rel=\"next\""), offset + 3 < fw.documents.len(), "{link}");
        let page = body["CFDocuments"].as_array().expect("page");
        assert!(page.len() <= 3);
        seen.extend(page.iter().map(|d| id(d).to_owned()));
        offset += 3;
    }
    let mut want: Vec<String> = fw.documents.iter().map(|d| id(d).to_owned()).collect();
    assert_eq!(seen.len(), want.len(), "pages are disjoint");
    seen.sort();
    want.sort();
    assert_eq!(seen, want, "pages cover every document");
    s.shutdown().await.expect("stops");
}

#[tokio::test]
async fn sort_filter_and_fields() {
    let (s, _) = start().await;
    let titles = |body: &Value| -> Vec<String> {
        body["CFDocuments"]
            .as_array()
            .expect("docs")
            .iter()
            .filter_map(|d| d["title"].as_str().map(str::to_owned))
            .collect()
    };
    let (_, _, asc) = get(&format!("{}{API}/CFDocuments?sort=title&orderBy=asc", s.base_url)).await;
    let asc = titles(&asc);
    let mut sorted = asc.clone();
    sorted.sort_by_key(|t| t.to_lowercase());
    assert_eq!(asc, sorted);
    let (_, _, desc) = get(&format!("{}{API}/CFDocuments?sort=title&orderBy=desc", s.base_url)).await;
    sorted.reverse();
    assert_eq!(titles(&desc), sorted);

    let (_, h, body) = get(&format!("{}{API}/CFDocuments?filter=title~'data'", s.base_url)).await;
    let hits = titles(&body);
    assert!(
        !hits.is_empty() && hits.iter().all(|t| t.to_lowercase().contains("data")),
        "{hits:?}"
    );
    assert_eq!(h["x-total-count"].to_str().ok(), Some(hits.len().to_string().as_str()));

    let (_, _, body) = get(&format!("{}{API}/CFDocuments?fields=identifier,title", s.base_url)).await;
    let first = body["CFDocuments"][0].as_object().expect("object");
    assert_eq!(first.keys().collect::<Vec<_>>(), ["identifier", "title"]);
    s.shutdown().await.expect("stops");
}

#[tokio::test]
async fn errors_are_status_info() {
    let (s, fw) = start().await;
    let b = format!("{}{API}", s.base_url);
    let unknown = case::uuid(999, "nothing");
    let (st, _, body) = get(&format!("{b}/CFItems/{unknown}")).await;
    assert_eq!(st, 404);
    assert_status_info(&body, "unknownobject");
    for bad in ["limit=abc", "limit=-1", "limit=0", "fields=", "orderBy=sideways"] {
        let (st, _, body) = get(&format!("{b}/CFDocuments?{bad}")).await;
        assert_eq!(st, 400, "{bad}");
        assert_eq!(body["imsx_codeMajor"], "failure", "{bad}");
    }
    let (_, _, body) = get(&format!("{b}/CFDocuments?fields=")).await;
    assert_status_info(&body, "invalid_selection_field");
    let (st, _, body) = get(&format!("{b}/CFDocuments?filter=colour='red'")).await;
    assert_eq!(st, 400);
    assert_status_info(&body, "invalid_filter_field");
    let (st, _, body) = get(&format!("{b}/CFItems/..%2F..%2Fetc%2Fpasswd")).await;
    assert_eq!(st, 404);
    assert_status_info(&body, "invaliduuid");
    let (st, _, _) = get(&format!("{}/uri/..%2F..%2Fetc%2Fpasswd", s.base_url)).await;
    assert_eq!(st, 404);

    let client = reqwest::Client::new();
    let r = client
        .post(format!("{b}/CFItems/{}", id(&fw.items[0])))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 405);
    let r = client.delete(format!("{b}/CFDocuments")).send().await.expect("delete");
    assert_eq!(r.status().as_u16(), 405);
    s.shutdown().await.expect("stops");
}

#[tokio::test]
async fn uris_resolve_to_their_objects() {
    let (s, fw) = start().await;
    let item = &fw.items[5];
    let (_, _, body) = get(&format!("{}{API}/CFItems/{}", s.base_url, id(item))).await;
    let uri = body["uri"].as_str().expect("uri");
    assert_eq!(uri, format!("{}/uri/{}", s.base_url, id(item)));
    let (st, _, resolved) = get(uri).await;
    assert_eq!(st, 200);
    assert_eq!(resolved, body);
    assert_eq!(Framework::seeded(42).items, fw.items, "deterministic");
    s.shutdown().await.expect("stops");
}

/// Every `uri` member anywhere in `v` (`uri`, `CFDocumentURI.uri`, `CFPackageURI.uri`, association node URIs …).
fn uris(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("uri", Value::String(uri)) => out.push(uri.clone()),
                    _ => uris(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| uris(item, out)),
        _ => {}
    }
}

/// The URLs of an RFC 8288 `Link` header: `<url>; rel="next", <url>; rel="last"`.
fn link_urls(headers: &reqwest::header::HeaderMap) -> Vec<String> {
    headers
        .get_all(reqwest::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|link| {
            let (_, rest) = link.split_once('<')?;
            let (url, _) = rest.split_once('>')?;
            Some(url.to_string())
        })
        .collect()
}

/// GETs every kind of answer that names URLs over HTTP/2 and checks each `uri` and `Link` URL starts with `base`.
async fn assert_every_url_names(base: &str, client: &reqwest::Client, fw: &Framework) {
    let doc = id(&fw.documents[0]);
    let item = id(&fw.items[0]);
    let paths = [
        format!("{API}/CFDocuments?limit=1&offset=1"),
        format!("{API}/CFDocuments/{doc}"),
        format!("{API}/CFPackages/{doc}"),
        format!("{API}/CFItems/{item}"),
        format!("{API}/CFItemAssociations/{item}"),
        format!("/uri/{item}"),
    ];
    let prefix = format!("{base}/");
    for path in paths {
        let url = format!("{base}{path}");
        let r = client.get(&url).send().await.expect("https get");
        assert_eq!(r.version(), reqwest::Version::HTTP_2, "ALPN h2 for {url}");
        assert_eq!(r.status().as_u16(), 200, "{url}");
        let links = link_urls(r.headers());
        let body: Value = r.json().await.expect("JSON");
        let mut found = Vec::new();
        uris(&body, &mut found);
        assert!(!found.is_empty(), "{url} names no uri: {body}");
        if path.contains("CFDocuments?") {
            assert_eq!(links.len(), 4, "first, last, prev, next: {links:?}");
        }
        for u in found.iter().chain(&links) {
            assert!(u.starts_with(&prefix), "{url}: {u} does not start with {prefix}");
        }
    }
    // CFDocumentURI in particular: the item's document, at the base it was served from.
    let body: Value = client
        .get(format!("{base}{API}/CFItems/{item}"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        body["CFDocumentURI"]["uri"].as_str(),
        Some(format!("{base}/uri/{doc}").as_str()),
        "{body}"
    );
}

#[tokio::test]
async fn over_https_and_http2_every_uri_and_link_names_the_https_base_url() {
    let ca = MockCa::generate().expect("CA");
    let client = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_merge([reqwest::Certificate::from_pem(ca.ca_pem().as_bytes()).expect("PEM")])
        .build()
        .expect("client");
    let fw = Framework::seeded(42);

    // Started with its base URL: the listener's address, https.
    let listener = server::bind(0).await.expect("binds");
    let running = case::spawn_on(listener, fw.clone(), Some(&ca)).await.expect("serves");
    assert!(
        running.base_url.starts_with("https://127.0.0.1:"),
        "{}",
        running.base_url
    );
    assert_every_url_names(&running.base_url, &client, &fw).await;
    running.shutdown().await.expect("stops");

    // A router without a configured base names what the HTTP/2 request carries (`:scheme`, `:authority`), not a
    // `Host` header HTTP/2 does not have.
    let running = server::spawn_on(
        server::bind(0).await.expect("binds"),
        case::router(fw.clone()),
        Some(&ca),
    )
    .await
    .expect("serves");
    assert_every_url_names(&running.base_url, &client, &fw).await;
    running.shutdown().await.expect("stops");
}

#[tokio::test]
async fn a_configured_base_url_wins_over_the_request() {
    let fw = Framework::seeded(42);
    let running = server::spawn(case::router_at(fw.clone(), "https://case.example/"), 0)
        .await
        .expect("binds");
    let (st, headers, body) = get(&format!("{}{API}/CFDocuments?limit=1", running.base_url)).await;
    assert_eq!(st, 200);
    let mut found = Vec::new();
    uris(&body, &mut found);
    assert!(!found.is_empty());
    for u in found.iter().chain(&link_urls(&headers)) {
        assert!(u.starts_with("https://case.example/"), "{u}");
    }
    running.shutdown().await.expect("stops");
}
