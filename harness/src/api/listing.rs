//! getCredentials as a listing: the paging walk (rel=next, offsets, loops, caps), the response shape
//! (`*-API-008`), handing every credential to the verifier (`*-API-009`) and the paging checks (`010`–`012`).

use std::collections::HashSet;

use serde_json::Value;

use super::Received;
use super::Session;
use super::checks::ApiRule;
use super::discovery::expect_json_label;
use super::http::Req;
use super::upload::Upload;
use crate::check::Check;
use crate::http::link_rel;

use super::family::Ctx;

/// Credentials the harness verifies per family; the rest are counted but not opened.
const MAX_VERIFIED: usize = 100;
/// Pages walked at most in one listing.
const MAX_PAGES: usize = 50;
/// Credentials one listing keeps at most. Without it a page of `{},{},…` (three bytes a credential) made each
/// page up to the body limit into millions of items, and 50 such pages into tens of gigabytes.
const MAX_ITEMS: usize = 10_000;

/// One credential as getCredentials listed it.
#[derive(Debug, Clone)]
pub(super) struct Item {
    /// The credential id (or the JWS text when its payload cannot be read).
    pub(super) key: String,
    pub(super) json: Option<Value>,
    pub(super) jws: Option<String>,
    pub(super) pointer: String,
}

pub(super) struct Listing {
    pub(super) items: Vec<Item>,
    /// The first page's body (for the shape check) and exchange.
    pub(super) first_body: Value,
    pub(super) first_exchange: String,
    pages: Vec<Page>,
    /// Why the walk stopped early (a loop, too many pages).
    pub(super) stopped: Option<String>,
}

pub(super) struct Page {
    offset: u64,
    len: usize,
    total: Option<String>,
    link: Option<String>,
    url: String,
    exchange: String,
}

/// Walks getCredentials from offset 0, following rel=next (or offset arithmetic when there is none).
pub(super) async fn walk(s: &mut Session<'_>, c: &Ctx, limit: Option<u64>, check: &'static Check) -> Option<Listing> {
    let base = s.api_url(c.family, "/credentials");
    let mut url = match limit {
        Some(l) => format!("{base}?limit={l}&offset=0"),
        None => base.clone(),
    };
    let mut offset = 0u64;
    let mut seen_urls = HashSet::new();
    let mut out = Listing {
        items: Vec::new(),
        first_body: Value::Null,
        first_exchange: String::new(),
        pages: Vec::new(),
        stopped: None,
    };
    loop {
        if !seen_urls.insert(url.clone()) {
            out.stopped = Some(format!("rel=next leads back to {url}, a page already read"));
            break;
        }
        if out.pages.len() >= MAX_PAGES {
            out.stopped = Some(format!("stopped after {MAX_PAGES} pages"));
            break;
        }
        let req = Req::new("GET", &url)
            .header("Accept", "application/json")
            .bearer(&c.token);
        let resp = s.send(check, req).await?;
        let body = match (resp.status, resp.json()) {
            (200, Ok(b)) => b,
            (status, body) => {
                let id = c.check(ApiRule::ListShape);
                s.rec
                    .violation(id, format!("getCredentials answered {status}"))
                    .at(format!("GET {url} → {status}"))
                    .expected("200 with a GetCredentialsResponse")
                    .found(match body {
                        Ok(b) => b.to_string(),
                        Err(e) => e,
                    })
                    .exchange(&resp.exchange);
                return None;
            }
        };
        expect_json_label(s, c.family, &resp, "GET credentials");
        let page_items = items(&body, out.items.len());
        if out.pages.is_empty() {
            out.first_body = body.clone();
            out.first_exchange = resp.exchange.clone();
        }
        let len = page_items.len();
        out.items.extend(page_items);
        let full = out.items.len() >= MAX_ITEMS;
        out.items.truncate(MAX_ITEMS);
        let link = resp.header("link").map(str::to_string);
        out.pages.push(Page {
            offset,
            len,
            total: resp.header("x-total-count").map(str::to_string),
            link: link.clone(),
            url: url.clone(),
            exchange: resp.exchange.clone(),
        });
        if full {
            out.stopped = Some(format!(
                "{MAX_ITEMS} credentials read; the listing was not read further"
            ));
            break;
        }
        let next = link.as_deref().and_then(|l| link_rel(l, "next"));
        match (next, limit) {
            (Some(n), _) => {
                url = resolve(&url, &n);
                offset = query_u64(&url, "offset").unwrap_or(offset.saturating_add(len as u64));
            }
            (None, Some(l)) if len as u64 == l && len > 0 => {
                offset = offset.saturating_add(l);
                url = format!("{base}?limit={l}&offset={offset}");
            }
            _ => break,
        }
    }
    Some(out)
}

pub(super) fn items(body: &Value, start: usize) -> Vec<Item> {
    let mut out = Vec::new();
    if let Some(list) = body.get("credential").and_then(Value::as_array) {
        for (i, v) in list.iter().enumerate().take(MAX_ITEMS) {
            let key = v
                .get("id")
                .and_then(Value::as_str)
                .map_or_else(|| v.to_string(), str::to_string);
            out.push(Item {
                key,
                json: Some(v.clone()),
                jws: None,
                pointer: format!("/credential/{}", i + start),
            });
        }
    }
    if let Some(list) = body.get("compactJwsString").and_then(Value::as_array) {
        for (i, v) in list.iter().enumerate().take(MAX_ITEMS) {
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            let key = Upload::from_bytes("jws", text.as_bytes()).map_or_else(|_| text.clone(), |u| u.id);
            out.push(Item {
                key,
                json: None,
                jws: Some(text),
                pointer: format!("/compactJwsString/{i}"),
            });
        }
    }
    out
}

fn resolve(base: &str, target: &str) -> String {
    url::Url::parse(base)
        .and_then(|b| b.join(target))
        .map_or_else(|_| target.to_string(), |u| u.to_string())
}

fn query_u64(url: &str, key: &str) -> Option<u64> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| v.parse().ok())
}

/// `*-API-008`: the response object has only `credential` (objects) and `compactJwsString` (JWS strings).
pub(super) fn shape(s: &mut Session<'_>, c: &Ctx, l: &Listing) {
    let id = c.check(ApiRule::ListShape);
    s.rec.evaluated(id);
    let Some(obj) = l.first_body.as_object() else {
        s.rec
            .violation(id, "the getCredentials body is not a JSON object")
            .found(l.first_body.to_string())
            .exchange(&l.first_exchange);
        return;
    };
    let mut problems: Vec<(String, String)> = Vec::new();
    for (k, v) in obj {
        match (k.as_str(), v) {
            ("credential", Value::Array(a)) => {
                for (i, x) in a.iter().enumerate() {
                    if !x.is_object() {
                        problems.push((
                            format!("/credential/{i}"),
                            "a JSON credential object (a VC-JWT belongs in compactJwsString)".into(),
                        ));
                    }
                }
            }
            ("compactJwsString", Value::Array(a)) => {
                for (i, x) in a.iter().enumerate() {
                    let ok = x
                        .as_str()
                        .is_some_and(|t| t.split('.').count() == 3 && !t.contains(char::is_whitespace));
                    if !ok {
                        problems.push((
                            format!("/compactJwsString/{i}"),
                            "a compact JWS string (JSON credentials belong in credential)".into(),
                        ));
                    }
                }
            }
            ("credential" | "compactJwsString", _) => problems.push((format!("/{k}"), "an array".into())),
            _ => problems.push((
                format!("/{k}"),
                "no other property than credential and compactJwsString".into(),
            )),
        }
    }
    for (ptr, expected) in problems {
        s.rec
            .violation(
                id,
                format!("the getCredentials body is not a GetCredentialsResponse at {ptr}"),
            )
            .pointer(ptr.clone())
            .expected(expected)
            .found(
                l.first_body
                    .pointer(&ptr)
                    .map_or("?".into(), |v| truncate(&v.to_string())),
            )
            .exchange(&l.first_exchange);
    }
    if let Some(why) = &l.stopped {
        s.rec.warning(id, format!("listing every credential stopped: {why}"));
    }
}

pub(super) fn truncate(s: &str) -> String {
    if s.len() <= 200 {
        return s.to_string();
    }
    let mut end = 200;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// Hands every listed credential to the verifier (`*-API-009`, decided in `into_subjects`).
pub(super) fn receive(s: &mut Session<'_>, c: &Ctx, items: &[Item], uploads: &[Upload]) {
    let id = c.check(ApiRule::ReturnedVerify);
    // The harness's own JWS probes say nothing about the provider's credentials (their preservation is API-018's).
    let probe = |item: &Item| {
        item.jws.as_deref().is_some_and(|t| {
            uploads
                .iter()
                .any(|u| u.probe_only && String::from_utf8_lossy(&u.body).trim() == t.trim())
        })
    };
    // Nor do the credentials sent because they do not verify (*-API-024), if the provider stored them.
    let unverifiable = |item: &Item| {
        let id = item.json.as_ref().and_then(|v| v.get("id")).and_then(Value::as_str);
        id.is_some_and(|id| uploads.iter().any(|u| u.unverifiable.is_some() && u.id == id))
    };
    let items: Vec<&Item> = items.iter().filter(|i| !probe(i) && !unverifiable(i)).collect();
    if items.is_empty() {
        s.rec.not_applicable(id, "the user holds no credentials to verify");
        return;
    }
    if items.len() > MAX_VERIFIED {
        s.rec.warning(
            id,
            format!(
                "{} credentials listed; the first {MAX_VERIFIED} were verified",
                items.len()
            ),
        );
    }
    for item in items.iter().take(MAX_VERIFIED) {
        let bytes = match (&item.json, &item.jws) {
            (Some(v), _) => serde_json::to_vec_pretty(v).unwrap_or_default(),
            (None, Some(t)) => t.clone().into_bytes(),
            (None, None) => continue,
        };
        if let Some(v) = &item.json {
            let types = v.get("type").map(Value::to_string).unwrap_or_default();
            if !c.family.credential_types().iter().any(|t| types.contains(t)) {
                s.rec
                    .violation(
                        id,
                        format!("the {} API returned a credential of another family", c.family.label()),
                    )
                    .pointer(item.pointer.clone())
                    .expected(c.family.credential_types().join(" or "))
                    .found(types);
            }
        }
        s.received.push(Received {
            family: c.family,
            source: format!("{} getCredentials {}", c.family.label(), item.pointer),
            pointer: item.pointer.clone(),
            bytes,
        });
    }
}

pub(super) async fn paging(s: &mut Session<'_>, c: &mut Ctx, total: usize) {
    let limit = (total.div_ceil(MAX_PAGES - 10)).max(1) as u64;
    let Some(l) = walk(s, c, Some(limit), c.check(ApiRule::PagingWalk)).await else {
        return;
    };
    let (count, links, complete) = (
        c.check(ApiRule::TotalCount),
        c.check(ApiRule::LinkHeader),
        c.check(ApiRule::PagingWalk),
    );
    let claimed = l
        .pages
        .iter()
        .any(|p| p.total.as_deref().is_some_and(|t| t.trim() != "0"));
    if total == 0 && l.stopped.is_none() && !claimed {
        for id in [&count, &links, &complete] {
            s.rec
                .skip(id, "the user holds no credentials: there is nothing to page through");
        }
        return;
    }
    // X-Total-Count is optional: judged only when sent.
    if l.pages.iter().any(|p| p.total.is_some()) {
        s.rec.evaluated(count);
    } else {
        s.rec
            .not_applicable(count, "no page sent X-Total-Count (it is optional)");
    }
    // With a single credential no page is incomplete, so no Link header is required of any.
    if total >= 2 {
        s.rec.evaluated(links);
    } else {
        s.rec.skip(
            links,
            "the user holds one credential: no page is incomplete, so no Link header is due",
        );
    }
    s.rec.evaluated(complete);
    for p in &l.pages {
        if let Some(t) = &p.total
            && t.trim().parse::<usize>().ok() != Some(total)
        {
            s.rec
                .violation(count, "X-Total-Count is not the number of credentials the pages hold")
                .at(format!("GET {} → header X-Total-Count", p.url))
                .expected(total.to_string())
                .found(t.clone())
                .exchange(&p.exchange);
            break;
        }
    }
    for p in &l.pages {
        let incomplete = p.offset.saturating_add(p.len as u64) < total as u64;
        let mut wanted: Vec<&str> = Vec::new();
        if incomplete {
            wanted.extend(["next", "first", "last"]);
        }
        if p.offset > 0 && p.link.is_some() {
            wanted.push("prev");
        }
        let have = p.link.clone().unwrap_or_default();
        let missing: Vec<&str> = wanted.into_iter().filter(|r| link_rel(&have, r).is_none()).collect();
        if !missing.is_empty() {
            s.rec
                .violation(
                    links,
                    format!("the page at offset {} lacks Link rel {}", p.offset, missing.join(", ")),
                )
                .at(format!("GET {} → header Link", p.url))
                .expected(format!("rel {}", missing.join(", ")))
                .found(if have.is_empty() {
                    "(no Link header)".into()
                } else {
                    have
                })
                .exchange(&p.exchange);
        }
        if p.len as u64 > limit {
            s.rec
                .violation(
                    complete,
                    format!("a page holds {} credentials with limit={limit}", p.len),
                )
                .at(format!("GET {}", p.url))
                .expected(format!("at most {limit}"))
                .found(p.len.to_string())
                .exchange(&p.exchange);
        }
    }
    if let Some(why) = &l.stopped {
        s.rec.violation(complete, format!("walking the pages failed: {why}"));
    }
    let mut seen = HashSet::new();
    let dups: Vec<&str> = l
        .items
        .iter()
        .filter(|i| !seen.insert(i.key.as_str()))
        .map(|i| i.key.as_str())
        .collect();
    if !dups.is_empty() {
        s.rec
            .violation(complete, "pages repeat credentials")
            .expected("each credential once")
            .found(format!("repeated: {}", dups.join(", ")));
    }
    if seen.len() < total && l.stopped.is_none() {
        s.rec
            .violation(complete, "the pages miss credentials the full listing has")
            .expected(format!("{total} credentials"))
            .found(format!("{} distinct", seen.len()));
    }
}

/// `013` (since) and `014` (invalid query parameters).
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers_are_read_by_relation() {
        let h = r#"<https://p.example/c?limit=2&offset=2>; rel="next", <https://p.example/c?limit=2&offset=0>; rel="first prev", <x>; rel=last"#;
        assert_eq!(
            link_rel(h, "next").as_deref(),
            Some("https://p.example/c?limit=2&offset=2")
        );
        assert_eq!(
            link_rel(h, "prev").as_deref(),
            Some("https://p.example/c?limit=2&offset=0")
        );
        assert_eq!(link_rel(h, "last").as_deref(), Some("x"));
        assert_eq!(link_rel(h, "up"), None);
        assert_eq!(link_rel("garbage", "next"), None);
        assert_eq!(
            resolve("https://p.example/a/b?x=1", "c?y=2"),
            "https://p.example/a/c?y=2"
        );
        assert_eq!(query_u64("https://p.example/c?limit=2&offset=4", "offset"), Some(4));
    }
}
