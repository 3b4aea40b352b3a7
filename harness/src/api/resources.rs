//! The API checks of one family (`OB30-API-*` or `CLR20-API-*`): tokens on every protected endpoint, upserts,
//! profile, query parameters, wrong methods and the error bodies; the listing and its paging are in `listing`.

use std::collections::HashSet;

use serde_json::Value;

use super::Session;
use super::checks::ApiRule;
use super::discovery::{expect_json_label, read_sdd};
use super::family::{Ctx, ErrorResp};
use super::http::{Req, Resp};
use super::target::Family;
use super::upload::Upload;
use crate::check::Check;

use super::listing::{Item, items, paging, receive, shape, truncate, walk};

pub(super) async fn family(s: &mut Session<'_>, family: Family, uploads: Vec<Upload>) {
    let Some(main) = s.main.clone() else {
        // Everything but discovery and TLS needs a token.
        let needs_token = ApiRule::ALL.iter().filter(|r| {
            !matches!(
                r,
                ApiRule::Discovery | ApiRule::DiscoveryFields | ApiRule::DiscoveryScopes | ApiRule::Tls
            )
        });
        for rule in needs_token {
            s.rec
                .skip(rule.of(family), "no access token: the authorization steps failed");
        }
        return;
    };
    let mut c = Ctx {
        family,
        token: main.access,
        errors: Vec::new(),
        accepted: HashSet::new(),
    };
    if s.sdd_retry.contains(&family) {
        sdd_with_token(s, &c).await;
    }
    let before: HashSet<String> = walk(s, &c, None, c.check(ApiRule::ListShape))
        .await
        .map(|w| w.items.into_iter().map(|i| i.key).collect())
        .unwrap_or_default();
    let read_only = s.target.credentials.read_only;
    if read_only {
        use ApiRule::*;
        for n in [
            UpsertCreates,
            UpsertReplaces,
            UpsertRepresentations,
            Preserved,
            PutProfile,
        ] {
            s.rec
                .not_applicable(c.check(n), "the target is read-only (credentials.read_only)");
        }
    } else {
        upserts(s, &mut c, &uploads, &before).await;
    }
    token_probes(s, &mut c, uploads.first()).await;
    // A listing that fails leaves its own checks unjudged; the other operations are still worth checking.
    if let Some(full) = walk(s, &c, None, c.check(ApiRule::ListShape)).await {
        shape(s, &c, &full);
        receive(s, &c, &full.items, &uploads);
        if !read_only {
            preserved(s, &c, &uploads, &full.items);
        }
        paging(s, &mut c, full.items.len()).await;
    }
    let held = s.received.iter().filter(|r| r.family == family).count();
    queries(s, &mut c, held).await;
    profile(s, &mut c, read_only).await;
    wrong_methods(s, &mut c).await;
    status_infos(s, &c);
}

async fn sdd_with_token(s: &mut Session<'_>, c: &Ctx) {
    let url = s.api_url(c.family, "/discovery");
    let req = Req::new("GET", url)
        .header("Accept", "application/json")
        .bearer(&c.token);
    if let Some(resp) = s.send(c.check(ApiRule::DiscoveryFields), req).await
        && let (200, Ok(sdd)) = (resp.status, resp.json())
    {
        read_sdd(s, c.family, &sdd, &resp);
    }
}

/// The items of a getCredentials listing and how it was paged.
async fn upserts(s: &mut Session<'_>, c: &mut Ctx, uploads: &[Upload], before: &HashSet<String>) {
    if uploads.is_empty() {
        for n in [ApiRule::UpsertCreates, ApiRule::UpsertReplaces, ApiRule::Preserved] {
            s.rec.skip(
                c.check(n),
                format!("no {} credential to upsert (credentials.upsert)", c.family.label()),
            );
        }
    }
    let url = s.api_url(c.family, "/credentials");
    let mut held: HashSet<String> = before.clone();
    let mut created = false;
    unverifiable(s, c, &url, uploads).await;
    for u in uploads.iter().filter(|u| u.unverifiable.is_none()) {
        let new = !held.contains(&u.id);
        created |= new;
        let check = if u.jws {
            c.check(ApiRule::UpsertRepresentations)
        } else if new {
            c.check(ApiRule::UpsertCreates)
        } else {
            c.check(ApiRule::UpsertReplaces)
        };
        let Some(resp) = post(s, c, check, &url, u.content_type(), u.body.clone()).await else {
            continue;
        };
        let judged = if new {
            c.check(ApiRule::UpsertCreates)
        } else {
            c.check(ApiRule::UpsertReplaces)
        };
        let want = if new { 201 } else { 200 };
        upsert_answer(s, c, judged, u, &resp, want);
        if (200..300).contains(&resp.status) {
            c.accepted.insert(u.id.clone());
        }
        if u.jws {
            s.rec.evaluated(c.check(ApiRule::UpsertRepresentations));
            if !(200..300).contains(&resp.status) {
                s.rec
                    .violation(
                        c.check(ApiRule::UpsertRepresentations),
                        "a compact JWS sent as text/plain was not accepted",
                    )
                    .at(format!("POST credentials (text/plain) → {}", resp.status))
                    .expected("200 or 201")
                    .found(resp.status.to_string())
                    .exchange(&resp.exchange);
            }
        }
        held.insert(u.id.clone());
    }
    if !created {
        // Creating is what 015 judges; replacing says nothing about it.
        s.rec.undetermined(
            c.check(ApiRule::UpsertCreates),
            "the user already held every credential to upsert, so no create was observed (use a fresh test user)",
        );
    }
    match uploads.iter().find(|u| !u.jws) {
        Some(u) => {
            if let Some(resp) = post(
                s,
                c,
                c.check(ApiRule::UpsertReplaces),
                &url,
                u.content_type(),
                u.body.clone(),
            )
            .await
            {
                // OB 3.0 §6.2.3 leaves to the host what it does when the credential sent is the same as (or older
                // than) the one it holds: a 304 or a refusal of the identical re-upsert shows no replacement, and no
                // violation either. 201 (a second copy), 5xx and 401/403 are judged.
                let refused_same = resp.status == 304 || matches!(resp.status, 400 | 409 | 412 | 422);
                if refused_same {
                    s.rec.undetermined(
                        c.check(ApiRule::UpsertReplaces),
                        format!(
                            "the provider answered {} to an identical re-upsert of {}, which OB 3.0 leaves to the \
                             host: no replacement was observed",
                            resp.status, u.name
                        ),
                    );
                } else {
                    upsert_answer(s, c, c.check(ApiRule::UpsertReplaces), u, &resp, 200);
                }
            }
        }
        None => s
            .rec
            .skip(c.check(ApiRule::UpsertReplaces), "no JSON credential to upsert twice"),
    }
    if !uploads.iter().any(|u| u.jws) {
        // The JWS half was not observed: the check cannot pass on the malformed-body half alone.
        s.rec.undetermined(
            c.check(ApiRule::UpsertRepresentations),
            "no compact JWS was upserted (add a .jwt file to credentials.upsert)",
        );
    }
    let malformed = br#"{"@context": ["https://www.w3.org/ns/credentials/v2""#.to_vec();
    if let Some(resp) = post(
        s,
        c,
        c.check(ApiRule::UpsertRepresentations),
        &url,
        "application/json",
        malformed,
    )
    .await
    {
        s.rec.evaluated(c.check(ApiRule::UpsertRepresentations));
        if resp.status != 400 {
            s.rec
                .violation(
                    c.check(ApiRule::UpsertRepresentations),
                    "a malformed JSON body was not refused with 400",
                )
                .at(format!("POST credentials → {}", resp.status))
                .expected("400 with imsx_StatusInfo")
                .found(resp.status.to_string())
                .exchange(&resp.exchange);
        } else {
            keep_error(c, resp, "POST credentials with a malformed body", None);
        }
    }
}

async fn post(s: &mut Session<'_>, c: &Ctx, check: &'static Check, url: &str, ct: &str, body: Vec<u8>) -> Option<Resp> {
    let req = Req::new("POST", url)
        .header("Accept", ct)
        .bearer(&c.token)
        .body(ct, body);
    s.send(check, req).await
}

/// Status, echoed body and mirrored Content-Type of an upsert answer.
/// `*-API-024`: upserts credentials that do not verify and reports what the provider did with each (OB 3.0 neither
/// requires refusing them nor forbids storing them). A refusal's body is judged as an error body (`*-API-021`); a
/// stored one must come back unchanged like any accepted upload (`*-API-018`).
async fn unverifiable(s: &mut Session<'_>, c: &mut Ctx, url: &str, uploads: &[Upload]) {
    let check = c.check(ApiRule::Unverifiable);
    let sent: Vec<&Upload> = uploads.iter().filter(|u| u.unverifiable.is_some()).collect();
    if sent.is_empty() {
        s.rec.not_applicable(
            check,
            "no credential that does not verify was sent (clr-harness run --generated N sends three per family)",
        );
        return;
    }
    for u in sent {
        let why = u.unverifiable.unwrap_or_default();
        let Some(resp) = post(s, c, check, url, u.content_type(), u.body.clone()).await else {
            continue;
        };
        s.rec.evaluated(check);
        match resp.status {
            200..=299 => {
                c.accepted.insert(u.id.clone());
                s.rec
                    .violation(check, format!("stored a credential that {why} ({})", u.name))
                    .at(format!("POST credentials → {}", resp.status))
                    .expected("400 or 422 with imsx_StatusInfo (or storing it: OB 3.0 does not say)")
                    .found(resp.status.to_string())
                    .exchange(&resp.exchange);
            }
            400 | 422 => keep_error(c, resp, &format!("POST credentials: a credential that {why}"), None),
            other => {
                s.rec
                    .violation(
                        check,
                        format!("answered {other} to a credential that {why} ({})", u.name),
                    )
                    .at(format!("POST credentials → {other}"))
                    .expected("400 or 422 with imsx_StatusInfo, or 200/201")
                    .found(other.to_string())
                    .exchange(&resp.exchange);
            }
        }
    }
}

fn upsert_answer(s: &mut Session<'_>, c: &Ctx, check: &'static Check, u: &Upload, resp: &Resp, want: u16) {
    s.rec.evaluated(check);
    let what = if want == 201 {
        "a credential the user did not hold"
    } else {
        "a credential the user already holds"
    };
    if resp.status != want {
        s.rec
            .violation(
                check,
                format!("upserting {what} ({}) was answered {}", u.name, resp.status),
            )
            .at(format!("POST credentials → {}", resp.status))
            .expected(want.to_string())
            .found(resp.status.to_string())
            .exchange(&resp.exchange);
    }
    if !(200..300).contains(&resp.status) {
        return;
    }
    let echoed = if u.jws {
        resp.text().trim() == String::from_utf8_lossy(&u.body).trim()
    } else {
        resp.json().ok().as_ref() == Some(&u.credential)
    };
    if !echoed {
        s.rec
            .violation(
                check,
                format!("the upsert answer's body is not the credential sent ({})", u.name),
            )
            .at("POST credentials → body")
            .expected(String::from_utf8_lossy(&u.body).into_owned())
            .found(resp.text())
            .exchange(&resp.exchange);
    }
    let label = c.check(ApiRule::MediaTypes);
    s.rec.evaluated(label);
    if resp.media_type().as_deref() != Some(u.content_type()) {
        s.rec
            .violation(label, "the upsert answer is not in the request's Content-Type")
            .at("POST credentials → header Content-Type")
            .expected(u.content_type())
            .found(resp.media_type().unwrap_or_else(|| "(none)".into()))
            .exchange(&resp.exchange);
    }
}

fn keep_error(c: &mut Ctx, resp: Resp, what: &str, minor: Option<&'static str>) {
    c.errors.push(ErrorResp {
        resp,
        what: what.to_string(),
        minor,
    });
}

/// A request the resource server must refuse (RFC 6749 §7) was not answered with `want`: serving it is the MUST
/// violation; refusing it with another 4xx only misses RFC 6750 §3.1's SHOULD.
fn refusal_finding(
    s: &mut Session<'_>,
    check: &'static Check,
    (request, condition): (&str, &str),
    resp: &Resp,
    want: &str,
) {
    let served = !(400..500).contains(&resp.status);
    let finding = if served {
        s.rec.violation(check, format!("{request} {condition} was not refused"))
    } else {
        s.rec.warning(
            check,
            format!("{request} {condition} was refused with {}, not {want}", resp.status),
        )
    };
    finding
        .at(format!("{request} → {}", resp.status))
        .expected(want)
        .found(resp.status.to_string())
        .exchange(&resp.exchange);
}

/// `004` (no token), `005` (unknown token), `006` (read-only token on other operations).
async fn token_probes(s: &mut Session<'_>, c: &mut Ctx, sample: Option<&Upload>) {
    let creds = s.api_url(c.family, "/credentials");
    let profile = s.api_url(c.family, "/profile");
    let read_only = s.target.credentials.read_only;
    let body = sample.map_or_else(|| b"{}".to_vec(), |u| u.body.clone());
    let ct = sample.map_or("application/json", Upload::content_type);
    let mut endpoints: Vec<(&'static str, String, bool)> =
        vec![("GET", creds.clone(), false), ("GET", profile.clone(), false)];
    if !read_only {
        endpoints.push(("POST", creds.clone(), true));
        endpoints.push(("PUT", profile.clone(), true));
    }
    let profile_body = br#"{"id":"urn:example:clr-harness","type":"Profile"}"#.to_vec();
    let req_for = |m: &'static str, url: &str, write: bool| {
        let r = Req::new(m, url).header("Accept", "application/json");
        match (write, m) {
            (true, "POST") => r.body(ct, body.clone()),
            (true, _) => r.body("application/json", profile_body.clone()),
            _ => r,
        }
    };
    let missing = c.check(ApiRule::TokenRequired);
    for (m, url, write) in &endpoints {
        let Some(resp) = s.send(missing, req_for(m, url, *write)).await else {
            continue;
        };
        s.rec.evaluated(missing);
        let challenge = resp.header("www-authenticate").unwrap_or("").to_string();
        if resp.status != 401 || !challenge.to_ascii_lowercase().starts_with("bearer") {
            s.rec
                .violation(
                    missing,
                    format!("{m} {url} without a token was not refused with 401 and a Bearer challenge"),
                )
                .at(format!("{m} {url} → {}", resp.status))
                .expected("401 with WWW-Authenticate: Bearer …")
                .found(format!(
                    "{} {}",
                    resp.status,
                    if challenge.is_empty() {
                        "(no WWW-Authenticate)"
                    } else {
                        &challenge
                    }
                ))
                .exchange(&resp.exchange);
        }
        if resp.status == 401 {
            keep_error(c, resp, &format!("{m} without a token"), Some("unauthorizedrequest"));
        }
    }
    let invalid = c.check(ApiRule::InvalidTokenRefused);
    for url in [&creds, &profile] {
        let req = Req::new("GET", url.as_str())
            .header("Accept", "application/json")
            .bearer("clr-harness-unknown-token");
        let Some(resp) = s.send(invalid, req).await else {
            continue;
        };
        s.rec.evaluated(invalid);
        if resp.status != 401 {
            let request = format!("GET {url}");
            refusal_finding(s, invalid, (&request, "with an unknown token"), &resp, "401");
        } else {
            keep_error(c, resp, "GET with an unknown token", Some("unauthorizedrequest"));
        }
    }
    let scoped = c.check(ApiRule::ScopeEnforced);
    let Some(ro) = s.readonly.clone() else {
        s.rec.skip(
            scoped,
            "no credential.readonly-only token (auth.readonly_access_token in token mode)",
        );
        return;
    };
    for (m, url, write) in endpoints.iter().filter(|(m, u, _)| !(*m == "GET" && *u == creds)) {
        let Some(resp) = s.send(scoped, req_for(m, url, *write).bearer(&ro.access)).await else {
            continue;
        };
        s.rec.evaluated(scoped);
        if resp.status != 403 {
            let request = format!("{m} {url}");
            refusal_finding(
                s,
                scoped,
                (&request, "with a token lacking its scope"),
                &resp,
                "403 (insufficient_scope)",
            );
        } else {
            keep_error(c, resp, &format!("{m} with too little scope"), Some("forbidden"));
        }
    }
}

/// `*-API-018`: every upserted credential comes back as it was sent (the last representation sent per id).
fn preserved(s: &mut Session<'_>, c: &Ctx, uploads: &[Upload], items: &[Item]) {
    let id = c.check(ApiRule::Preserved);
    let mut last: Vec<&Upload> = Vec::new();
    // Only what the provider accepted in this run can be expected back; a copy from an earlier run proves nothing.
    for u in uploads.iter().filter(|u| c.accepted.contains(&u.id)) {
        last.retain(|x| x.id != u.id);
        last.push(u);
    }
    if last.is_empty() {
        s.rec.skip(
            id,
            "the provider accepted no upsert in this run, so nothing can be expected back",
        );
    }
    for u in last {
        s.rec.evaluated(id);
        let Some(item) = items.iter().find(|i| i.key == u.id) else {
            s.rec
                .violation(
                    id,
                    format!("the upserted credential {} is not returned by getCredentials", u.id),
                )
                .expected(format!("a credential with id {}", u.id))
                .found("none");
            continue;
        };
        let same = if u.jws {
            item.jws.as_deref().map(str::trim) == Some(String::from_utf8_lossy(&u.body).trim())
        } else {
            item.json.as_ref() == Some(&u.credential)
        };
        if !same {
            let got = item
                .json
                .as_ref()
                .map(|v| serde_json::to_string_pretty(v).unwrap_or_default())
                .or_else(|| item.jws.clone())
                .unwrap_or_default();
            let sent = if u.jws {
                String::from_utf8_lossy(&u.body).into_owned()
            } else {
                serde_json::to_string_pretty(&u.credential).unwrap_or_default()
            };
            s.rec
                .violation(id, format!("getCredentials returns {} changed", u.id))
                .pointer(item.pointer.clone())
                .expected(sent)
                .found(got)
                .hint("providers must store credentials exactly; any change breaks their proofs");
        }
    }
}

/// `010`–`012`: X-Total-Count, Link rels and a complete, duplicate-free walk.
async fn queries(s: &mut Session<'_>, c: &mut Ctx, held: usize) {
    let base = s.api_url(c.family, "/credentials");
    let since = c.check(ApiRule::Since);
    let url = format!("{base}?since=2999-12-31T23:59:59Z");
    let req = Req::new("GET", &url)
        .header("Accept", "application/json")
        .bearer(&c.token);
    if held == 0 {
        // With nothing held, a provider that ignores `since` also answers an empty list.
        s.rec.skip(
            since,
            "the user holds no credentials, so a filter cannot be told from none",
        );
    } else if let Some(resp) = s.send(since, req).await {
        s.rec.evaluated(since);
        let Ok(body) = resp.json() else {
            s.rec
                .violation(
                    since,
                    "getCredentials with since did not answer a GetCredentialsResponse",
                )
                .at(format!("GET {url} → {}", resp.status))
                .expected("200 with a JSON body holding no credentials")
                .found(format!("{} {}", resp.status, super::listing::truncate(&resp.text())))
                .exchange(&resp.exchange);
            return bad_queries(s, c, &base).await;
        };
        let n = items(&body, 0).len();
        if resp.status != 200 || n > 0 {
            s.rec
                .violation(
                    since,
                    "getCredentials with since in the year 2999 returned credentials issued before it",
                )
                .at(format!("GET {url} → {}", resp.status))
                .expected("200 with no credentials")
                .found(format!("{} with {n} credentials", resp.status))
                .exchange(&resp.exchange);
        }
    }
    bad_queries(s, c, &base).await;
}

/// `014`: invalid query parameters are refused.
async fn bad_queries(s: &mut Session<'_>, c: &mut Ctx, base: &str) {
    let bad = c.check(ApiRule::BadQuery);
    for q in ["limit=0", "offset=-1", "since=not-a-date"] {
        let url = format!("{base}?{q}");
        let req = Req::new("GET", &url)
            .header("Accept", "application/json")
            .bearer(&c.token);
        let Some(resp) = s.send(bad, req).await else { continue };
        s.rec.evaluated(bad);
        if resp.status != 400 {
            s.rec
                .violation(bad, format!("getCredentials with {q} was not refused with 400"))
                .at(format!("GET {url} → {}", resp.status))
                .expected("400 with imsx_codeMinor invalid_query_parameter")
                .found(resp.status.to_string())
                .exchange(&resp.exchange);
        } else {
            keep_error(
                c,
                resp,
                &format!("GET credentials?{q}"),
                Some("invalid_query_parameter"),
            );
        }
    }
}

/// `019` getProfile and `020` putProfile.
async fn profile(s: &mut Session<'_>, c: &mut Ctx, read_only: bool) {
    let url = s.api_url(c.family, "/profile");
    let get = c.check(ApiRule::GetProfile);
    let req = Req::new("GET", &url)
        .header("Accept", "application/json")
        .bearer(&c.token);
    let Some(resp) = s.send(get, req).await else { return };
    s.rec.evaluated(get);
    let body = resp.json().ok().filter(|_| resp.status == 200);
    let is_profile = body.as_ref().is_some_and(|b| {
        let typed = match &b["type"] {
            Value::String(t) => t == "Profile",
            Value::Array(a) => a.iter().any(|t| t == "Profile"),
            _ => false,
        };
        b["id"].is_string() && typed
    });
    if !is_profile {
        s.rec
            .violation(get, "getProfile did not answer a Profile")
            .at(format!("GET {url} → {}", resp.status))
            .expected("200 with {\"id\": …, \"type\": \"Profile\" (or a list including it), …}")
            .found(truncate(&resp.text()))
            .exchange(&resp.exchange);
    } else {
        expect_json_label(s, c.family, &resp, "GET profile");
    }
    if read_only {
        return;
    }
    let put = c.check(ApiRule::PutProfile);
    let Some(profile) = body.filter(|_| is_profile) else {
        s.rec.skip(put, "getProfile gave no Profile to send back");
        return;
    };
    let req = Req::new("PUT", &url)
        .header("Accept", "application/json")
        .bearer(&c.token)
        .body("application/json", profile.to_string());
    let Some(resp) = s.send(put, req).await else { return };
    s.rec.evaluated(put);
    match resp.status {
        200 if resp.json().is_ok_and(|b| b.is_object()) => expect_json_label(s, c.family, &resp, "PUT profile"),
        202 => {}
        status => {
            s.rec
                .violation(put, format!("putProfile of the user's own Profile answered {status}"))
                .at(format!("PUT {url} → {status}"))
                .expected("200 with the Profile, or 202")
                .found(truncate(&resp.text()))
                .exchange(&resp.exchange);
        }
    }
}

/// `022`: methods the API does not define.
async fn wrong_methods(s: &mut Session<'_>, c: &mut Ctx) {
    let id = c.check(ApiRule::WrongMethod);
    for (m, path) in [
        ("DELETE", "/credentials"),
        ("DELETE", "/profile"),
        ("PATCH", "/credentials"),
    ] {
        let url = s.api_url(c.family, path);
        let req = Req::new(m, &url).header("Accept", "application/json").bearer(&c.token);
        let Some(resp) = s.send(id, req).await else { continue };
        s.rec.evaluated(id);
        if resp.status != 405 {
            s.rec
                .violation(id, format!("{m} {path} was not answered 405"))
                .at(format!("{m} {url} → {}", resp.status))
                .expected("405 with imsx_StatusInfo")
                .found(resp.status.to_string())
                .exchange(&resp.exchange);
        } else {
            keep_error(c, resp, &format!("{m} {path}"), Some("not_allowed"));
        }
    }
}

/// `021`: every error response collected is an imsx_StatusInfo; also `007` for their labels.
fn status_infos(s: &mut Session<'_>, c: &Ctx) {
    let id = c.check(ApiRule::StatusInfo);
    if c.errors.is_empty() {
        s.rec.skip(
            id,
            "the provider gave no error response to judge (the probes that expect one were answered otherwise)",
        );
    }
    for e in &c.errors {
        s.rec.evaluated(id);
        let body = match e.resp.json() {
            Ok(b) if b.is_object() => {
                // A JSON error body must say so; a text body labelled text/plain is wrong only here, in 021.
                expect_json_label(s, c.family, &e.resp, &e.what);
                b
            }
            Ok(b) => {
                s.rec
                    .violation(
                        id,
                        format!("the error answer to {} is not an imsx_StatusInfo object", e.what),
                    )
                    .at(format!("{} → body", e.what))
                    .expected("{\"imsx_codeMajor\": …, \"imsx_severity\": …}")
                    .found(truncate(&b.to_string()))
                    .exchange(&e.resp.exchange);
                continue;
            }
            Err(why) => {
                s.rec
                    .violation(
                        id,
                        format!("the error answer to {} is not an imsx_StatusInfo: {why}", e.what),
                    )
                    .at(format!("{} → body", e.what))
                    .expected("an imsx_StatusInfo JSON body")
                    .found(truncate(&e.resp.text()))
                    .exchange(&e.resp.exchange);
                continue;
            }
        };
        for (field, allowed) in super::http::status_info_out_of_vocabulary(&body) {
            s.rec
                .violation(id, format!("the error answer to {} has no valid {field}", e.what))
                .pointer(format!("/{field}"))
                .expected(format!("one of {}", allowed.join(", ")))
                .found(body[field].to_string())
                .exchange(&e.resp.exchange);
        }
        if let Some(minor) = e.minor {
            let values = super::http::code_minors(&body);
            if !values.contains(&minor) {
                s.rec
                    .warning(
                        id,
                        format!("the error answer to {} does not carry codeMinor {minor}", e.what),
                    )
                    .pointer("/imsx_codeMinor")
                    .expected(minor)
                    .found(format!("{values:?}"))
                    .exchange(&e.resp.exchange);
            }
        }
    }
}
