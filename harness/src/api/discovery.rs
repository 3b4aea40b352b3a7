//! Discovery (`*-API-001`–`003`), media types (`*-API-007`) and TLS (`*-API-023`): what the harness learns before it
//! authorizes, and the scopes it will ask for.

use serde_json::Value;

use super::Session;
use super::checks::ApiRule;
use super::http::{Req, Resp};
use super::target::{ApiSpec, CLR10_SCOPE_OPS, Family, SCOPE_OPS, clr10_scope};

pub(super) fn http_at(resp: &Resp, what: &str) -> String {
    format!("{what} → {}", resp.status)
}

/// Checks that a JSON response is labelled `application/json` (`*-API-007`).
pub(super) fn expect_json_label(s: &mut Session<'_>, family: Family, resp: &Resp, what: &str) {
    let id = ApiRule::MediaTypes.of(family);
    match resp.media_type() {
        Some(m) if m == "application/json" => s.rec.evaluated(id),
        other => {
            s.rec
                .violation(
                    id,
                    format!("{what} is JSON but labelled {}", other.as_deref().unwrap_or("nothing")),
                )
                .at(format!("{what} → header Content-Type"))
                .expected("application/json")
                .found(other.unwrap_or_else(|| "no Content-Type".into()))
                .exchange(&resp.exchange);
        }
    }
}

/// GET discovery for every family without a token (`*-API-001`), then its fields and scopes (`002`, `003`).
pub(super) async fn discovery(s: &mut Session<'_>) {
    let mut retry = Vec::new();
    for family in s.families() {
        let id = ApiRule::Discovery.of(family);
        let url = s.api_url(family, "/discovery");
        let Some(resp) = s
            .send(id, Req::new("GET", &url).header("Accept", "application/json"))
            .await
        else {
            continue;
        };
        match (resp.status, resp.json()) {
            (200, Ok(sdd)) if sdd.is_object() => {
                s.rec.evaluated(id);
                expect_json_label(s, family, &resp, "GET discovery");
                read_sdd(s, family, &sdd, &resp);
            }
            (status, body) => {
                s.rec
                    .violation(id, format!("discovery without a token answered {status}"))
                    .at(http_at(&resp, &format!("GET {url}")))
                    .expected("200 with the Service Description Document, no token needed")
                    .found(match body {
                        Ok(_) => format!("{status}"),
                        Err(e) => format!("{status}: {e}"),
                    })
                    .exchange(&resp.exchange);
                retry.push(family);
            }
        }
    }
    let o = &s.target.oauth;
    let e = &mut s.endpoints;
    e.registration = e.registration.take().or_else(|| o.registration_url.clone());
    e.authorization = e.authorization.take().or_else(|| o.authorization_url.clone());
    e.token = e.token.take().or_else(|| o.token_url.clone());
    e.revocation = o.revocation_url.clone();
    s.sdd_retry = retry;
}

/// Reads the Service Description Document: required fields (`002`), scopes (`003`), OAuth endpoints.
pub(super) fn read_sdd(s: &mut Session<'_>, family: Family, sdd: &Value, resp: &Resp) {
    let fields = ApiRule::DiscoveryFields.of(family);
    let acg = "/components/securitySchemes/OAuth2ACG";
    let flow = format!("{acg}/flows/authorizationCode");
    let required = [
        "/openapi".to_string(),
        "/info/title".into(),
        "/info/version".into(),
        "/info/termsOfService".into(),
        "/info/x-imssf-privacyPolicyUrl".into(),
        format!("{acg}/x-imssf-registrationUrl"),
        format!("{flow}/authorizationUrl"),
        format!("{flow}/tokenUrl"),
    ];
    s.rec.evaluated(fields);
    for p in &required {
        if sdd
            .pointer(p)
            .and_then(Value::as_str)
            .is_none_or(|v| v.trim().is_empty())
        {
            s.rec
                .violation(fields, format!("the Service Description Document lacks {p}"))
                .pointer(p.clone())
                .expected("a non-empty string")
                .found(sdd.pointer(p).map_or("absent".into(), Value::to_string))
                .exchange(&resp.exchange);
        }
    }
    if sdd.pointer(&format!("{acg}/type")).and_then(Value::as_str) != Some("oauth2") {
        s.rec
            .violation(fields, "OAuth2ACG.type is not \"oauth2\"")
            .pointer(format!("{acg}/type"))
            .expected("\"oauth2\"")
            .found(
                sdd.pointer(&format!("{acg}/type"))
                    .map_or("absent".into(), Value::to_string),
            )
            .exchange(&resp.exchange);
    }
    let scopes_id = ApiRule::DiscoveryScopes.of(family);
    s.rec.evaluated(scopes_id);
    let advertised: Vec<String> = sdd
        .pointer(&format!("{flow}/scopes"))
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let needed: Vec<String> = wanted_ops(s)
        .iter()
        .map(|op| family.scope(op))
        .filter(|sc| !advertised.contains(sc))
        .collect();
    if !needed.is_empty() {
        s.rec
            .violation(scopes_id, format!("the SDD does not advertise {}", needed.join(", ")))
            .pointer(format!("{flow}/scopes"))
            .expected(format!("keys including {}", needed.join(", ")))
            .found(format!("{advertised:?}"))
            .exchange(&resp.exchange);
    }
    for sc in advertised {
        if !s.endpoints.advertised_scopes.contains(&sc) {
            s.endpoints.advertised_scopes.push(sc);
        }
    }
    let get = |p: String| sdd.pointer(&p).and_then(Value::as_str).map(str::to_string);
    let e = &mut s.endpoints;
    e.registration = e
        .registration
        .take()
        .or_else(|| get(format!("{acg}/x-imssf-registrationUrl")));
    e.authorization = e
        .authorization
        .take()
        .or_else(|| get(format!("{flow}/authorizationUrl")));
    e.token = e.token.take().or_else(|| get(format!("{flow}/tokenUrl")));
}

/// The scope operations the run needs: read-only providers are not asked for write scopes.
pub(super) fn wanted_ops(s: &Session<'_>) -> Vec<&'static str> {
    SCOPE_OPS
        .into_iter()
        .filter(|op| !s.target.credentials.read_only || op.ends_with("readonly"))
        .collect()
}

pub(super) fn full_scope(s: &Session<'_>) -> String {
    let ops = wanted_ops(s);
    let mut scopes: Vec<String> = s
        .families()
        .iter()
        .flat_map(|f| ops.iter().map(|op| f.scope(op)))
        .collect();
    if s.target.claims(ApiSpec::Clr10) {
        let read_only = s.target.credentials.read_only;
        scopes.extend(
            CLR10_SCOPE_OPS
                .iter()
                .filter(|op| !read_only || **op == "readonly")
                .map(|op| clr10_scope(op)),
        );
    }
    scopes.join(" ")
}

pub(super) fn readonly_scope(s: &Session<'_>) -> String {
    let mut scopes: Vec<String> = s.families().iter().map(|f| f.scope("credential.readonly")).collect();
    if s.target.claims(ApiSpec::Clr10) {
        scopes.push(clr10_scope("readonly"));
    }
    scopes.join(" ")
}

/// Every API and OAuth URL is https (`*-API-023`).
pub(super) fn tls(s: &mut Session<'_>) {
    let mut urls = vec![("base URL", s.base.to_string())];
    let e = s.endpoints.clone();
    for (what, u) in [
        ("registration URL", e.registration),
        ("authorization URL", e.authorization),
        ("token URL", e.token),
        ("revocation URL", e.revocation),
    ] {
        if let Some(u) = u {
            urls.push((what, u));
        }
    }
    // The URLs are the provider's only if it answered at them: an unreachable provider shows nothing (no pass).
    let answered = s.http.exchanges().iter().any(|e| e.status.is_some());
    for family in s.families() {
        let id = ApiRule::Tls.of(family);
        if answered {
            s.rec.evaluated(id);
        } else {
            s.rec.skip(id, "the provider answered no request");
        }
        for (what, u) in &urls {
            if !u.starts_with("https://") {
                s.rec
                    .violation(id, format!("the {what} is not https"))
                    .at(what.to_string())
                    .expected("https://…")
                    .found(u.clone());
            }
        }
    }
}
