//! Tokens: redemption (`TOKEN-*`, `PKCE-002`), refresh (`REFRESH-*`), revocation (`REVOKE-*`) and expiry.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::checks::ApiRule;
use super::discovery::full_scope;
use super::http::{Req, Resp};
use super::oauth::{Grant, RegisteredClient, expect_oauth_error, grant};
use super::target::AuthMode;
use super::{Session, Tokens};
use crate::catalogue::ids;
use crate::check::Check;

pub(super) fn basic(client: &RegisteredClient) -> String {
    format!("Basic {}", STANDARD.encode(format!("{}:{}", client.id, client.secret)))
}

/// POSTs the token endpoint with an authorization_code grant. `auth`: send HTTP Basic client authentication.
pub(super) async fn redeem(
    s: &mut Session<'_>,
    check: &'static Check,
    code: &str,
    verifier: &str,
    scope: &str,
    auth: bool,
) -> Option<Resp> {
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
pub(super) async fn token(s: &mut Session<'_>, g: &Grant) -> Option<Tokens> {
    let resp = redeem(s, &ids::OAUTH_TOKEN_004, &g.code, &g.verifier, &g.scope, true).await?;
    token_response(s, &ids::OAUTH_TOKEN_004, &resp)
}

/// Checks a successful token response and returns its tokens.
fn token_response(s: &mut Session<'_>, check: &'static Check, resp: &Resp) -> Option<Tokens> {
    s.rec.evaluated(&ids::OAUTH_TOKEN_004);
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
            .violation(&ids::OAUTH_TOKEN_004, p)
            .at("POST token → body")
            .found(body.to_string())
            .exchange(&resp.exchange);
    }
    let cache = resp.header("cache-control").unwrap_or("").to_ascii_lowercase();
    if !cache.contains("no-store") {
        s.rec
            .violation(&ids::OAUTH_TOKEN_004, "the token response may be cached")
            .at("POST token → header Cache-Control")
            .expected("no-store")
            .found(if cache.is_empty() { "(absent)".into() } else { cache })
            .exchange(&resp.exchange);
    }
    if body.get("expires_in").is_none() {
        s.rec
            .warning(&ids::OAUTH_TOKEN_004, "the token response has no expires_in")
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

pub(super) async fn client_auth_probes(s: &mut Session<'_>, g: &Grant) {
    if let Some(resp) = redeem(s, &ids::OAUTH_TOKEN_001, &g.code, &g.verifier, &g.scope, false).await {
        expect_oauth_error(
            s,
            &ids::OAUTH_TOKEN_001,
            &resp,
            &[400, 401],
            "invalid_client",
            "a token request without client authentication",
        );
    }
    let Some(mut client) = s.client.clone() else { return };
    client.secret = "clr-harness-wrong-secret".into();
    let real = s.client.replace(client);
    let resp = redeem(s, &ids::OAUTH_TOKEN_001, &g.code, &g.verifier, &g.scope, true).await;
    s.client = real;
    if let Some(resp) = resp {
        expect_oauth_error(
            s,
            &ids::OAUTH_TOKEN_001,
            &resp,
            &[400, 401],
            "invalid_client",
            "a token request with a wrong client secret",
        );
    }
}

pub(super) async fn reuse_probe(s: &mut Session<'_>, g: &Grant, first: &Tokens) {
    let Some(resp) = redeem(s, &ids::OAUTH_TOKEN_002, &g.code, &g.verifier, &g.scope, true).await else {
        return;
    };
    expect_oauth_error(
        s,
        &ids::OAUTH_TOKEN_002,
        &resp,
        &[400],
        "invalid_grant",
        "a second redemption of the same code",
    );
    // RFC 6749 §4.1.2: the server SHOULD revoke what the code already produced.
    let Some((label, url)) = s.probes().into_iter().next() else {
        return;
    };
    let Some(api) = s
        .send(&ids::OAUTH_TOKEN_002, Req::new("GET", url).bearer(&first.access))
        .await
    else {
        return;
    };
    if api.status == 200 {
        s.rec
            .warning(
                &ids::OAUTH_TOKEN_002,
                "after the code was reused, the token first issued for it still works",
            )
            .at(format!("GET {label} → 200"))
            .expected("401: tokens issued from a reused code revoked")
            .found("200")
            .exchange(&api.exchange);
    }
}

async fn refresh(s: &mut Session<'_>, check: &'static Check, refresh_token: &str, scope: Option<&str>) -> Option<Resp> {
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

pub(super) async fn refresh_probes(s: &mut Session<'_>) {
    match s.main.as_ref().and_then(|t| t.refresh.clone()) {
        None => {
            for id in [&ids::OAUTH_REFRESH_001, &ids::OAUTH_REFRESH_002] {
                s.rec
                    .not_applicable(id, "the provider issued no refresh token (refresh is optional)");
            }
        }
        Some(rt) => {
            if let Some(resp) = refresh(s, &ids::OAUTH_REFRESH_001, &rt, None).await {
                let fresh = token_response(s, &ids::OAUTH_REFRESH_001, &resp);
                s.rec.evaluated(&ids::OAUTH_REFRESH_001);
                if fresh.is_none() && !s.rec.has_violation(&ids::OAUTH_REFRESH_001) {
                    // The response's defects are TOKEN-004's; that it gave no usable token is this check's.
                    s.rec
                        .violation(&ids::OAUTH_REFRESH_001, "the refresh answered no access token")
                        .at("POST token (refresh_token) → body access_token")
                        .expected("a new access token")
                        .found("none")
                        .exchange(&resp.exchange);
                }
                if let Some(mut t) = fresh
                    && let Some((label, url)) = s.probes().into_iter().next()
                {
                    let old = s.main.as_ref().map(|m| m.access.clone()).unwrap_or_default();
                    if t.access == old {
                        s.rec
                            .violation(
                                &ids::OAUTH_REFRESH_001,
                                "the refresh answered the same access token again",
                            )
                            .at("POST token (refresh_token) → body access_token")
                            .expected("a new access token")
                            .found("the token being refreshed")
                            .exchange(&resp.exchange);
                    }
                    let works = match s
                        .send(&ids::OAUTH_REFRESH_001, Req::new("GET", url).bearer(&t.access))
                        .await
                    {
                        Some(api) if api.status != 200 => {
                            s.rec
                                .violation(
                                    &ids::OAUTH_REFRESH_001,
                                    "the refreshed access token is refused by the API",
                                )
                                .at(format!("GET {label} → {}", api.status))
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
        if let Some(resp) = refresh(s, &ids::OAUTH_REFRESH_002, &rt, Some(&all)).await {
            expect_oauth_error(
                s,
                &ids::OAUTH_REFRESH_002,
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
        for id in [&ids::OAUTH_REVOKE_001, &ids::OAUTH_REVOKE_002] {
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
        let Some(resp) = s.send(&ids::OAUTH_REVOKE_001, req).await else {
            return;
        };
        s.rec.evaluated(&ids::OAUTH_REVOKE_001);
        if resp.status != 200 {
            s.rec
                .violation(&ids::OAUTH_REVOKE_001, format!("revoking {what} was not answered 200"))
                .at(format!("POST revoke → {}", resp.status))
                .expected("200")
                .found(resp.status.to_string())
                .exchange(&resp.exchange);
        }
    }
    for (label, url) in s.probes() {
        let Some(api) = s
            .send(&ids::OAUTH_REVOKE_002, Req::new("GET", url).bearer(&t.access))
            .await
        else {
            return;
        };
        s.rec.evaluated(&ids::OAUTH_REVOKE_002);
        if api.status != 401 {
            s.rec
                .violation(
                    &ids::OAUTH_REVOKE_002,
                    format!("the API ({label}) accepts a revoked access token"),
                )
                .at(format!("GET {label} → {}", api.status))
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
            &ids::OAUTH_TOKEN_003,
            "testing code expiry means waiting 600 s on a real provider; only the embedded provider is tested",
        );
        return;
    };
    if s.target.auth.mode != AuthMode::Token
        && let Some(g) = grant(s, &full_scope(s), "expired code").await
    {
        advance(601);
        if let Some(resp) = redeem(s, &ids::OAUTH_TOKEN_003, &g.code, &g.verifier, &g.scope, true).await {
            expect_oauth_error(
                s,
                &ids::OAUTH_TOKEN_003,
                &resp,
                &[400],
                "invalid_grant",
                "redeeming a code 601 s after it was issued",
            );
        }
    }
    let Some(main) = s.main.clone() else { return };
    // The provider chose expires_in: clamp it, so a hostile value cannot overflow the clock.
    advance(main.expires_in.unwrap_or(3600).clamp(0, 10_000_000) + 1);
    for family in s.families() {
        let id = ApiRule::InvalidTokenRefused.of(family);
        let url = s.api_url(family, "/credentials");
        let Some(resp) = s.send(id, Req::new("GET", url).bearer(&main.access)).await else {
            continue;
        };
        s.rec.evaluated(id);
        if (400..500).contains(&resp.status) && resp.status != 401 {
            s.rec
                .warning(
                    id,
                    format!("an expired access token was refused with {}, not 401", resp.status),
                )
                .at(format!("GET {} credentials → {}", family.label(), resp.status))
                .expected("401")
                .found(resp.status.to_string())
                .exchange(&resp.exchange);
        } else if resp.status != 401 {
            s.rec
                .violation(id, "an expired access token was accepted")
                .at(format!("GET {} credentials → {}", family.label(), resp.status))
                .expected("401")
                .found(resp.status.to_string())
                .exchange(&resp.exchange);
        }
    }
}
