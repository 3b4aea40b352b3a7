//! Discovery and the OAuth 2.0 checks: registration, authorization (PKCE, state, redirect URIs), tokens, refresh,
//! revocation and expiry. Each negative check uses a fresh authorization code, so one refusal never hides another.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::checks::api_id;
use super::http::{Req, Resp};
use super::interactive::Callback;
use super::target::{AuthMode, Family, SCOPE_OPS};
use super::{Session, Tokens};

/// The client the harness registered.
#[derive(Debug, Clone)]
pub struct RegisteredClient {
    pub id: String,
    pub secret: String,
    pub redirect_uri: String,
}

/// An authorization code with what is needed to redeem it.
struct Grant {
    code: String,
    verifier: String,
    scope: String,
}

const UNREGISTERED_REDIRECT: &str = "https://clr-harness.invalid/not-registered";

fn http_at(resp: &Resp, what: &str) -> String {
    format!("{what} → {}", resp.status)
}

/// Checks that a JSON response is labelled `application/json` (`*-API-007`).
pub(super) fn expect_json_label(s: &mut Session<'_>, family: Family, resp: &Resp, what: &str) {
    let id = api_id(family.prefix(), 7);
    match resp.media_type() {
        Some(m) if m == "application/json" => s.rec.evaluated(&id),
        other => {
            s.rec
                .violation(
                    &id,
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
        let id = api_id(family.prefix(), 1);
        let url = s.api_url(family, "/discovery");
        let Some(resp) = s
            .send(&id, Req::new("GET", &url).header("Accept", "application/json"))
            .await
        else {
            continue;
        };
        match (resp.status, resp.json()) {
            (200, Ok(sdd)) if sdd.is_object() => {
                s.rec.evaluated(&id);
                expect_json_label(s, family, &resp, "GET discovery");
                read_sdd(s, family, &sdd, &resp);
            }
            (status, body) => {
                s.rec
                    .violation(&id, format!("discovery without a token answered {status}"))
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
    let fields = api_id(family.prefix(), 2);
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
    s.rec.evaluated(&fields);
    for p in &required {
        if sdd
            .pointer(p)
            .and_then(Value::as_str)
            .is_none_or(|v| v.trim().is_empty())
        {
            s.rec
                .violation(&fields, format!("the Service Description Document lacks {p}"))
                .pointer(p.clone())
                .expected("a non-empty string")
                .found(sdd.pointer(p).map_or("absent".into(), Value::to_string))
                .exchange(&resp.exchange);
        }
    }
    if sdd.pointer(&format!("{acg}/type")).and_then(Value::as_str) != Some("oauth2") {
        s.rec
            .violation(&fields, "OAuth2ACG.type is not \"oauth2\"")
            .pointer(format!("{acg}/type"))
            .expected("\"oauth2\"")
            .found(
                sdd.pointer(&format!("{acg}/type"))
                    .map_or("absent".into(), Value::to_string),
            )
            .exchange(&resp.exchange);
    }
    let scopes_id = api_id(family.prefix(), 3);
    s.rec.evaluated(&scopes_id);
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
            .violation(&scopes_id, format!("the SDD does not advertise {}", needed.join(", ")))
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
fn wanted_ops(s: &Session<'_>) -> Vec<&'static str> {
    SCOPE_OPS
        .into_iter()
        .filter(|op| !s.target.credentials.read_only || op.ends_with("readonly"))
        .collect()
}

fn full_scope(s: &Session<'_>) -> String {
    let ops = wanted_ops(s);
    s.families()
        .iter()
        .flat_map(|f| ops.iter().map(|op| f.scope(op)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn readonly_scope(s: &Session<'_>) -> String {
    s.families()
        .iter()
        .map(|f| f.scope("credential.readonly"))
        .collect::<Vec<_>>()
        .join(" ")
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
    for family in s.families() {
        let id = api_id(family.prefix(), 23);
        s.rec.evaluated(&id);
        for (what, u) in &urls {
            if !u.starts_with("https://") {
                s.rec
                    .violation(&id, format!("the {what} is not https"))
                    .at(what.to_string())
                    .expected("https://…")
                    .found(u.clone());
            }
        }
    }
}

const OAUTH_CHECKS: [&str; 17] = [
    "OAUTH-DCR-001",
    "OAUTH-DCR-002",
    "OAUTH-DCR-003",
    "OAUTH-AUTHZ-001",
    "OAUTH-AUTHZ-002",
    "OAUTH-AUTHZ-003",
    "OAUTH-PKCE-001",
    "OAUTH-PKCE-002",
    "OAUTH-TOKEN-001",
    "OAUTH-TOKEN-002",
    "OAUTH-TOKEN-003",
    "OAUTH-TOKEN-004",
    "OAUTH-TOKEN-005",
    "OAUTH-REFRESH-001",
    "OAUTH-REFRESH-002",
    "OAUTH-REVOKE-001",
    "OAUTH-REVOKE-002",
];

/// Registration, the authorization probes and every token the API checks need.
pub(super) async fn authorize_all(s: &mut Session<'_>) {
    if s.target.auth.mode == AuthMode::Token {
        let a = &s.target.auth;
        s.main = a.access_token.clone().map(|access| Tokens {
            access,
            refresh: a.refresh_token.clone(),
            expires_in: None,
        });
        s.readonly = a.readonly_access_token.clone().map(|access| Tokens {
            access,
            refresh: None,
            expires_in: None,
        });
        for id in OAUTH_CHECKS {
            s.rec.not_applicable(
                id,
                "pre-issued tokens (auth.mode = \"token\"): the OAuth flow was not run",
            );
        }
        return;
    }
    let callback = match Callback::bind(s.target.auth.redirect_port).await {
        Ok(c) => c,
        Err(e) => {
            for id in OAUTH_CHECKS {
                s.rec.error(id, format!("cannot listen for the redirect URI: {e}"));
            }
            return;
        }
    };
    let Some(client) = register(s, &callback.redirect_uri).await else {
        return;
    };
    s.client = Some(client);
    s.callback = Some(callback);
    s.say("authorization probes: unregistered redirect URI, PKCE, unknown scope");
    probe_unregistered_redirect(s).await;
    probe_pkce_required(s).await;
    probe_unknown_scope(s).await;
    let full = full_scope(s);
    if let Some(g) = grant(s, &full, "wrong PKCE verifier").await {
        let resp = redeem(
            s,
            "OAUTH-PKCE-002",
            &g.code,
            "not-the-verifier-0123456789-abcdefghijklmnopqrstuvwxyz",
            &g.scope,
            true,
        )
        .await;
        if let Some(resp) = resp {
            expect_oauth_error(
                s,
                "OAUTH-PKCE-002",
                &resp,
                &[400],
                "invalid_grant",
                "a token request with a wrong code_verifier",
            );
        }
    }
    if let Some(g) = grant(s, &full, "client authentication").await {
        client_auth_probes(s, &g).await;
    }
    if let Some(g) = grant(s, &full, "single-use code").await
        && let Some(t) = token(s, &g).await
    {
        reuse_probe(s, &g, &t).await;
    }
    if let Some(g) = grant(s, &full, "main token").await {
        s.main = token(s, &g).await;
    }
    let ro = readonly_scope(s);
    if let Some(g) = grant(s, &ro, "read-only token").await {
        s.readonly = token(s, &g).await;
    }
    refresh_probes(s).await;
}

/// The registration request the harness sends, with the user's overrides.
fn registration_body(s: &Session<'_>, redirect_uri: &str) -> Value {
    let origin = redirect_uri.trim_end_matches("/callback");
    let mut body = json!({
        "client_name": "clr-harness conformance run",
        "client_uri": format!("{origin}/"),
        "logo_uri": format!("{origin}/logo.png"),
        "tos_uri": format!("{origin}/tos"),
        "policy_uri": format!("{origin}/privacy"),
        "software_id": "clr-harness",
        "software_version": env!("CARGO_PKG_VERSION"),
        "redirect_uris": [redirect_uri],
        "scope": full_scope(s),
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    });
    for (k, v) in &s.target.auth.client {
        if let Ok(v) = serde_json::to_value(v) {
            body[k.as_str()] = v;
        }
    }
    body
}

async fn register(s: &mut Session<'_>, redirect_uri: &str) -> Option<RegisteredClient> {
    let Some(url) = s.endpoints.registration.clone() else {
        for id in OAUTH_CHECKS {
            s.rec
                .skip(id, "no registration URL: discovery failed and the target names none");
        }
        return None;
    };
    let valid = registration_body(s, redirect_uri);
    // Refusals first, so a provider that accepts everything does not leave stray clients behind a valid one.
    let mut incomplete = valid.clone();
    if let Some(m) = incomplete.as_object_mut() {
        m.remove("client_name");
    }
    if let Some(resp) = post_json(s, "OAUTH-DCR-002", &url, &incomplete).await {
        expect_oauth_error(
            s,
            "OAUTH-DCR-002",
            &resp,
            &[400],
            "invalid_client_metadata",
            "a registration without client_name",
        );
    }
    let mut bad_redirect = valid.clone();
    bad_redirect["redirect_uris"] = json!(["http://elsewhere.invalid/callback"]);
    if let Some(resp) = post_json(s, "OAUTH-DCR-003", &url, &bad_redirect).await {
        expect_oauth_error(
            s,
            "OAUTH-DCR-003",
            &resp,
            &[400],
            "invalid_redirect_uri",
            "a registration whose redirect URI is plain http on another host",
        );
    }
    let resp = post_json(s, "OAUTH-DCR-001", &url, &valid).await?;
    let body = resp.json().ok();
    let get = |k: &str| body.as_ref().and_then(|b| b.get(k));
    let mut missing: Vec<&str> = [
        "client_id",
        "client_secret",
        "client_id_issued_at",
        "client_secret_expires_at",
    ]
    .into_iter()
    .filter(|k| get(k).is_none())
    .collect();
    missing.extend(
        ["client_name", "redirect_uris", "scope"]
            .into_iter()
            .filter(|k| get(k).is_none()),
    );
    s.rec.evaluated("OAUTH-DCR-001");
    if resp.status != 201 || !missing.is_empty() {
        s.rec
            .violation(
                "OAUTH-DCR-001",
                "the registration response is not as RFC 7591 §3.2.1 requires",
            )
            .at(http_at(&resp, &format!("POST {url}")))
            .expected(
                "201 with client_id, client_secret, client_id_issued_at, client_secret_expires_at and the metadata",
            )
            .found(if missing.is_empty() {
                format!("{}", resp.status)
            } else {
                format!("{}, missing {}", resp.status, missing.join(", "))
            })
            .exchange(&resp.exchange);
    }
    let id = get("client_id").and_then(Value::as_str)?;
    let secret = get("client_secret").and_then(Value::as_str)?;
    Some(RegisteredClient {
        id: id.to_string(),
        secret: secret.to_string(),
        redirect_uri: redirect_uri.to_string(),
    })
}

async fn post_json(s: &mut Session<'_>, check: &str, url: &str, body: &Value) -> Option<Resp> {
    let req = Req::new("POST", url)
        .header("Accept", "application/json")
        .body("application/json", body.to_string());
    s.send(check, req).await
}

/// Records a violation unless `resp` is an OAuth error with one of `statuses` and `error`.
fn expect_oauth_error(s: &mut Session<'_>, check: &str, resp: &Resp, statuses: &[u16], error: &str, what: &str) {
    s.rec.evaluated(check);
    let got = resp
        .json()
        .ok()
        .and_then(|b| b.get("error").and_then(Value::as_str).map(str::to_string));
    if !statuses.contains(&resp.status) || got.as_deref() != Some(error) {
        let expected: Vec<String> = statuses.iter().map(u16::to_string).collect();
        s.rec
            .violation(check, format!("{what} was not refused as required"))
            .at(format!("response → {}", resp.status))
            .expected(format!("{} with error={error}", expected.join(" or ")))
            .found(format!(
                "{} with error={}",
                resp.status,
                got.as_deref().unwrap_or("(none)")
            ))
            .exchange(&resp.exchange);
    }
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The authorization URL for `client` with the given (already chosen) parameters.
fn authorization_url(s: &Session<'_>, params: &[(&str, &str)]) -> Option<String> {
    let base = s.endpoints.authorization.clone()?;
    let mut url = url::Url::parse(&base).ok()?;
    url.query_pairs_mut().extend_pairs(params);
    Some(url.to_string())
}

/// Sends an authorization request without following the answer; `None` when it could not be sent.
async fn authorize_get(s: &mut Session<'_>, check: &str, params: &[(&str, &str)]) -> Option<(Resp, Option<url::Url>)> {
    let Some(url) = authorization_url(s, params) else {
        s.rec.skip(check, "no authorization URL");
        return None;
    };
    let resp = s.send(check, Req::new("GET", url)).await?;
    let location = (300..400)
        .contains(&resp.status)
        .then(|| resp.header("location").and_then(|l| url::Url::parse(l).ok()))
        .flatten();
    Some((resp, location))
}

fn query(u: &url::Url) -> HashMap<String, String> {
    u.query_pairs().into_owned().collect()
}

async fn probe_unregistered_redirect(s: &mut Session<'_>) {
    let Some(client) = s.client.clone() else { return };
    let state = s.fresh("state");
    let verifier = s.fresh("verifier");
    let ch = challenge(&verifier);
    let scope = readonly_scope(s);
    let params = [
        ("response_type", "code"),
        ("client_id", client.id.as_str()),
        ("redirect_uri", UNREGISTERED_REDIRECT),
        ("scope", scope.as_str()),
        ("state", state.as_str()),
        ("code_challenge", ch.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let Some((resp, location)) = authorize_get(s, "OAUTH-AUTHZ-003", &params).await else {
        return;
    };
    s.rec.evaluated("OAUTH-AUTHZ-003");
    if let Some(l) = location.filter(|l| l.as_str().starts_with(UNREGISTERED_REDIRECT)) {
        s.rec
            .violation(
                "OAUTH-AUTHZ-003",
                "the authorization server redirected to a redirect_uri the client never registered",
            )
            .at(format!("GET authorize → {} Location", resp.status))
            .expected("an error page, no redirect")
            .found(l.to_string())
            .exchange(&resp.exchange);
    }
}

async fn probe_pkce_required(s: &mut Session<'_>) {
    let Some(client) = s.client.clone() else { return };
    let scope = readonly_scope(s);
    let verifier = s.fresh("verifier");
    let plain = verifier.clone();
    for (label, extra) in [
        ("without code_challenge", vec![]),
        (
            "with code_challenge_method=plain",
            vec![("code_challenge", plain.as_str()), ("code_challenge_method", "plain")],
        ),
    ] {
        let state = s.fresh("state");
        let mut params = vec![
            ("response_type", "code"),
            ("client_id", client.id.as_str()),
            ("redirect_uri", client.redirect_uri.as_str()),
            ("scope", scope.as_str()),
            ("state", state.as_str()),
        ];
        params.extend(extra);
        let Some((resp, location)) = authorize_get(s, "OAUTH-PKCE-001", &params).await else {
            return;
        };
        s.rec.evaluated("OAUTH-PKCE-001");
        if let Some(l) = location.filter(|l| query(l).contains_key("code")) {
            s.rec
                .violation(
                    "OAUTH-PKCE-001",
                    format!("an authorization request {label} was granted a code"),
                )
                .at(format!("GET authorize → {} Location", resp.status))
                .expected("error=invalid_request, no code")
                .found(l.to_string())
                .exchange(&resp.exchange);
        }
    }
}

async fn probe_unknown_scope(s: &mut Session<'_>) {
    let Some(client) = s.client.clone() else { return };
    let state = s.fresh("state");
    let verifier = s.fresh("verifier");
    let ch = challenge(&verifier);
    let scope = "https://purl.imsglobal.org/spec/ob/v3p0/scope/clr-harness.unknown";
    let params = [
        ("response_type", "code"),
        ("client_id", client.id.as_str()),
        ("redirect_uri", client.redirect_uri.as_str()),
        ("scope", scope),
        ("state", state.as_str()),
        ("code_challenge", ch.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let Some((resp, location)) = authorize_get(s, "OAUTH-TOKEN-005", &params).await else {
        return;
    };
    s.rec.evaluated("OAUTH-TOKEN-005");
    if let Some(l) = location {
        let q = query(&l);
        if q.contains_key("code") || q.get("error").is_some_and(|e| e != "invalid_scope") {
            s.rec
                .violation(
                    "OAUTH-TOKEN-005",
                    "an authorization request for an unknown scope was not refused with invalid_scope",
                )
                .at(format!("GET authorize → {} Location", resp.status))
                .expected("error=invalid_scope")
                .found(l.to_string())
                .exchange(&resp.exchange);
        }
    }
}

/// Obtains an authorization code for `scope` (auto-consent or a person), checking the redirect (`AUTHZ-001/002`).
async fn grant(s: &mut Session<'_>, scope: &str, purpose: &str) -> Option<Grant> {
    let client = s.client.clone()?;
    let state = s.fresh("state");
    let verifier = format!("{}{}", s.fresh("verifier-a"), s.fresh("verifier-b"));
    let ch = challenge(&verifier);
    let params = [
        ("response_type", "code"),
        ("client_id", client.id.as_str()),
        ("redirect_uri", client.redirect_uri.as_str()),
        ("scope", scope),
        ("state", state.as_str()),
        ("code_challenge", ch.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let (q, exchange) = if s.target.auth.mode == AuthMode::Interactive {
        let url = authorization_url(s, &params)?;
        s.say(&format!(
            "\nOpen this URL in a browser and approve ({purpose}):\n  {url}\nWaiting for the redirect to {} …",
            client.redirect_uri
        ));
        let wait = Duration::from_secs(s.target.auth.login_timeout_secs.unwrap_or(300));
        let callback = s.callback.as_ref()?;
        match callback.wait(wait).await {
            Ok(q) => (q, String::new()),
            Err(e) => {
                s.rec.error("OAUTH-AUTHZ-001", e);
                return None;
            }
        }
    } else {
        let (resp, location) = authorize_get(s, "OAUTH-AUTHZ-001", &params).await?;
        match location.filter(|l| l.as_str().starts_with(&client.redirect_uri)) {
            Some(l) => (query(&l), resp.exchange.clone()),
            None => {
                s.rec
                    .violation("OAUTH-AUTHZ-001", format!("the authorization request ({purpose}) was not answered with a redirect to the client"))
                    .at(format!("GET authorize → {}", resp.status))
                    .expected(format!("302 to {}?code=…&scope=…&state=…", client.redirect_uri))
                    .found(format!("{} {}", resp.status, resp.header("location").unwrap_or("(no Location)")))
                    .hint("auto-consent needs a provider that approves without a login page; use auth.mode = \"interactive\" otherwise")
                    .exchange(&resp.exchange);
                return None;
            }
        }
    };
    s.rec.evaluated("OAUTH-AUTHZ-001");
    s.rec.evaluated("OAUTH-AUTHZ-002");
    if q.get("state") != Some(&state) {
        s.rec
            .violation(
                "OAUTH-AUTHZ-002",
                format!("the authorization redirect ({purpose}) did not echo state"),
            )
            .at("redirect → query state")
            .expected(state.clone())
            .found(q.get("state").cloned().unwrap_or_else(|| "(absent)".into()))
            .exchange(&exchange);
    }
    let Some(code) = q.get("code").cloned() else {
        s.rec
            .violation(
                "OAUTH-AUTHZ-001",
                format!("the authorization redirect ({purpose}) carries no code"),
            )
            .at("redirect → query")
            .expected("code=…")
            .found(format!("{q:?}"))
            .exchange(&exchange);
        return None;
    };
    let granted = match q.get("scope") {
        Some(g) => g.clone(),
        None => {
            s.rec
                .violation(
                    "OAUTH-AUTHZ-001",
                    "the authorization redirect does not say which scope was granted",
                )
                .at("redirect → query scope")
                .expected("scope=…")
                .found("(absent)")
                .exchange(&exchange);
            scope.to_string()
        }
    };
    let asked: Vec<&str> = scope.split_whitespace().collect();
    if let Some(extra) = granted.split_whitespace().find(|g| !asked.contains(g)) {
        s.rec
            .violation(
                "OAUTH-AUTHZ-001",
                format!("the granted scope includes `{extra}`, which was not requested"),
            )
            .at("redirect → query scope")
            .expected(format!("a subset of {scope}"))
            .found(granted.clone())
            .exchange(&exchange);
    }
    Some(Grant {
        code,
        verifier,
        scope: granted,
    })
}

fn basic(client: &super::oauth::RegisteredClient) -> String {
    format!("Basic {}", STANDARD.encode(format!("{}:{}", client.id, client.secret)))
}

/// POSTs the token endpoint with an authorization_code grant. `auth`: send HTTP Basic client authentication.
async fn redeem(s: &mut Session<'_>, check: &str, code: &str, verifier: &str, scope: &str, auth: bool) -> Option<Resp> {
    let client = s.client.clone()?;
    let Some(url) = s.endpoints.token.clone() else {
        s.rec.skip(check, "no token URL");
        return None;
    };
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", &client.redirect_uri)
        .append_pair("scope", scope)
        .append_pair("code_verifier", verifier)
        .finish();
    let mut req = Req::new("POST", url)
        .header("Accept", "application/json")
        .body("application/x-www-form-urlencoded", form);
    if auth {
        req = req.header("Authorization", basic(&client));
    }
    s.send(check, req).await
}

/// Redeems a code properly and checks the token response (`TOKEN-004`).
async fn token(s: &mut Session<'_>, g: &Grant) -> Option<Tokens> {
    let resp = redeem(s, "OAUTH-TOKEN-004", &g.code, &g.verifier, &g.scope, true).await?;
    token_response(s, "OAUTH-TOKEN-004", &resp)
}

/// Checks a successful token response and returns its tokens.
fn token_response(s: &mut Session<'_>, check: &str, resp: &Resp) -> Option<Tokens> {
    s.rec.evaluated("OAUTH-TOKEN-004");
    let body = match (resp.status, resp.json()) {
        (200, Ok(b)) => b,
        (status, body) => {
            s.rec
                .violation(check, "the token request was not answered with tokens")
                .at(format!("POST token → {status}"))
                .expected("200 with access_token")
                .found(match body {
                    Ok(b) => format!("{status} {b}"),
                    Err(e) => format!("{status}: {e}"),
                })
                .exchange(&resp.exchange);
            return None;
        }
    };
    let access = body["access_token"].as_str().map(str::to_string);
    let mut problems = Vec::new();
    if access.is_none() {
        problems.push("access_token is missing".to_string());
    }
    if !body["token_type"]
        .as_str()
        .is_some_and(|t| t.eq_ignore_ascii_case("bearer"))
    {
        problems.push(format!("token_type is {} (expected bearer)", body["token_type"]));
    }
    if !body["scope"].is_string() {
        problems.push("scope is missing".into());
    }
    for p in problems {
        s.rec
            .violation("OAUTH-TOKEN-004", p)
            .at("POST token → body")
            .found(body.to_string())
            .exchange(&resp.exchange);
    }
    let cache = resp.header("cache-control").unwrap_or("").to_ascii_lowercase();
    if !cache.contains("no-store") {
        s.rec
            .violation("OAUTH-TOKEN-004", "the token response may be cached")
            .at("POST token → header Cache-Control")
            .expected("no-store")
            .found(if cache.is_empty() { "(absent)".into() } else { cache })
            .exchange(&resp.exchange);
    }
    if body.get("expires_in").is_none() {
        s.rec
            .warning("OAUTH-TOKEN-004", "the token response has no expires_in")
            .at("POST token → body")
            .expected("expires_in (3600 recommended)")
            .exchange(&resp.exchange);
    }
    Some(Tokens {
        access: access?,
        refresh: body["refresh_token"].as_str().map(str::to_string),
        expires_in: body["expires_in"].as_i64(),
    })
}

async fn client_auth_probes(s: &mut Session<'_>, g: &Grant) {
    if let Some(resp) = redeem(s, "OAUTH-TOKEN-001", &g.code, &g.verifier, &g.scope, false).await {
        expect_oauth_error(
            s,
            "OAUTH-TOKEN-001",
            &resp,
            &[400, 401],
            "invalid_client",
            "a token request without client authentication",
        );
    }
    let Some(mut client) = s.client.clone() else { return };
    client.secret = "clr-harness-wrong-secret".into();
    let real = s.client.replace(client);
    let resp = redeem(s, "OAUTH-TOKEN-001", &g.code, &g.verifier, &g.scope, true).await;
    s.client = real;
    if let Some(resp) = resp {
        expect_oauth_error(
            s,
            "OAUTH-TOKEN-001",
            &resp,
            &[400, 401],
            "invalid_client",
            "a token request with a wrong client secret",
        );
    }
}

async fn reuse_probe(s: &mut Session<'_>, g: &Grant, first: &Tokens) {
    let Some(resp) = redeem(s, "OAUTH-TOKEN-002", &g.code, &g.verifier, &g.scope, true).await else {
        return;
    };
    expect_oauth_error(
        s,
        "OAUTH-TOKEN-002",
        &resp,
        &[400],
        "invalid_grant",
        "a second redemption of the same code",
    );
    // RFC 6749 §4.1.2: the server SHOULD revoke what the code already produced.
    let family = s.families()[0];
    let url = s.api_url(family, "/credentials");
    let Some(api) = s
        .send("OAUTH-TOKEN-002", Req::new("GET", url).bearer(&first.access))
        .await
    else {
        return;
    };
    if api.status == 200 {
        s.rec
            .warning(
                "OAUTH-TOKEN-002",
                "after the code was reused, the token first issued for it still works",
            )
            .at(format!("GET {} credentials → 200", family.label()))
            .expected("401: tokens issued from a reused code revoked")
            .found("200")
            .exchange(&api.exchange);
    }
}

async fn refresh(s: &mut Session<'_>, check: &str, refresh_token: &str, scope: Option<&str>) -> Option<Resp> {
    let client = s.client.clone()?;
    let url = s.endpoints.token.clone()?;
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.append_pair("grant_type", "refresh_token")
        .append_pair("refresh_token", refresh_token);
    if let Some(sc) = scope {
        form.append_pair("scope", sc);
    }
    let req = Req::new("POST", url)
        .header("Accept", "application/json")
        .header("Authorization", basic(&client))
        .body("application/x-www-form-urlencoded", form.finish());
    s.send(check, req).await
}

async fn refresh_probes(s: &mut Session<'_>) {
    match s.main.as_ref().and_then(|t| t.refresh.clone()) {
        None => {
            for id in ["OAUTH-REFRESH-001", "OAUTH-REFRESH-002"] {
                s.rec
                    .not_applicable(id, "the provider issued no refresh token (refresh is optional)");
            }
        }
        Some(rt) => {
            if let Some(resp) = refresh(s, "OAUTH-REFRESH-001", &rt, None).await {
                let fresh = token_response(s, "OAUTH-REFRESH-001", &resp);
                s.rec.evaluated("OAUTH-REFRESH-001");
                if let Some(mut t) = fresh {
                    let family = s.families()[0];
                    let url = s.api_url(family, "/credentials");
                    let old = s.main.as_ref().map(|m| m.access.clone()).unwrap_or_default();
                    if t.access == old {
                        s.rec
                            .violation("OAUTH-REFRESH-001", "the refresh answered the same access token again")
                            .at("POST token (refresh_token) → body access_token")
                            .expected("a new access token")
                            .found("the token being refreshed")
                            .exchange(&resp.exchange);
                    }
                    let works = match s
                        .send("OAUTH-REFRESH-001", Req::new("GET", url).bearer(&t.access))
                        .await
                    {
                        Some(api) if api.status != 200 => {
                            s.rec
                                .violation("OAUTH-REFRESH-001", "the refreshed access token is refused by the API")
                                .at(format!("GET {} credentials → {}", family.label(), api.status))
                                .expected("200")
                                .found(api.status.to_string())
                                .exchange(&api.exchange);
                            false
                        }
                        Some(_) => true,
                        None => false,
                    };
                    // Go on with the refreshed token only when it works, so one broken refresh fails one check.
                    if works {
                        // The old refresh token may have been rotated away; keep the newest.
                        t.refresh = t.refresh.or(Some(rt));
                        s.main = Some(t);
                    }
                }
            }
        }
    }
    let widen = s.readonly.as_ref().and_then(|t| t.refresh.clone());
    if let Some(rt) = widen {
        let all = full_scope(s);
        if let Some(resp) = refresh(s, "OAUTH-REFRESH-002", &rt, Some(&all)).await {
            expect_oauth_error(
                s,
                "OAUTH-REFRESH-002",
                &resp,
                &[400],
                "invalid_scope",
                "a refresh asking for more scope than granted",
            );
        }
    }
}

/// Revocation (`REVOKE-001`) and its effect on the API (`REVOKE-002`), with a token of its own.
pub(super) async fn revocation(s: &mut Session<'_>) {
    if s.target.auth.mode == AuthMode::Token {
        return;
    }
    let Some(url) = s.endpoints.revocation.clone() else {
        for id in ["OAUTH-REVOKE-001", "OAUTH-REVOKE-002"] {
            s.rec.not_applicable(
                id,
                "no revocation endpoint configured (oauth.revocation_url); revocation is optional",
            );
        }
        return;
    };
    let Some(client) = s.client.clone() else { return };
    let full = full_scope(s);
    let Some(g) = grant(s, &full, "token to revoke").await else {
        return;
    };
    let Some(t) = token(s, &g).await else { return };
    for (what, tok) in [
        ("a valid access token", t.access.as_str()),
        ("an unknown token", "clr-harness-unknown-token"),
    ] {
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("token", tok)
            .append_pair("token_type_hint", "access_token")
            .finish();
        let req = Req::new("POST", &url)
            .header("Authorization", basic(&client))
            .body("application/x-www-form-urlencoded", form);
        let Some(resp) = s.send("OAUTH-REVOKE-001", req).await else {
            return;
        };
        s.rec.evaluated("OAUTH-REVOKE-001");
        if resp.status != 200 {
            s.rec
                .violation("OAUTH-REVOKE-001", format!("revoking {what} was not answered 200"))
                .at(format!("POST revoke → {}", resp.status))
                .expected("200")
                .found(resp.status.to_string())
                .exchange(&resp.exchange);
        }
    }
    for family in s.families() {
        let url = s.api_url(family, "/credentials");
        let Some(api) = s.send("OAUTH-REVOKE-002", Req::new("GET", url).bearer(&t.access)).await else {
            return;
        };
        s.rec.evaluated("OAUTH-REVOKE-002");
        if api.status != 401 {
            s.rec
                .violation(
                    "OAUTH-REVOKE-002",
                    format!("the {} API accepts a revoked access token", family.label()),
                )
                .at(format!("GET {} credentials → {}", family.label(), api.status))
                .expected("401")
                .found(api.status.to_string())
                .exchange(&api.exchange);
        }
    }
}

/// Expired codes (`TOKEN-003`) and expired tokens (`*-API-005`): only with a provider whose clock the harness can
/// move; waiting out real lifetimes is not a conformance run's business.
pub(super) async fn expiry(s: &mut Session<'_>) {
    let hooks = s.hooks;
    let Some(advance) = hooks.advance_clock.as_ref() else {
        s.rec.skip(
            "OAUTH-TOKEN-003",
            "testing code expiry means waiting 600 s on a real provider; only the embedded provider is tested",
        );
        return;
    };
    if s.target.auth.mode != AuthMode::Token
        && let Some(g) = grant(s, &full_scope(s), "expired code").await
    {
        advance(601);
        if let Some(resp) = redeem(s, "OAUTH-TOKEN-003", &g.code, &g.verifier, &g.scope, true).await {
            expect_oauth_error(
                s,
                "OAUTH-TOKEN-003",
                &resp,
                &[400],
                "invalid_grant",
                "redeeming a code 601 s after it was issued",
            );
        }
    }
    let Some(main) = s.main.clone() else { return };
    advance(main.expires_in.unwrap_or(3600) + 1);
    for family in s.families() {
        let id = api_id(family.prefix(), 5);
        let url = s.api_url(family, "/credentials");
        let Some(resp) = s.send(&id, Req::new("GET", url).bearer(&main.access)).await else {
            continue;
        };
        s.rec.evaluated(&id);
        if resp.status != 401 {
            s.rec
                .violation(&id, "an expired access token was accepted")
                .at(format!("GET {} credentials → {}", family.label(), resp.status))
                .expected("401")
                .found(resp.status.to_string())
                .exchange(&resp.exchange);
        }
    }
}
