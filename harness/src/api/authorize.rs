//! The OAuth 2.0 part of a provider run, in order: registration, the authorization probes, the token endpoint's
//! probes, and the tokens every API check needs. Registration and authorization are in `oauth`, the token endpoint
//! in `tokens`; this module only sequences them.

use super::checks::OAUTH;
use super::discovery::{full_scope, readonly_scope};
use super::interactive::Callback;
use super::oauth::{
    expect_oauth_error, grant, probe_pkce_required, probe_unknown_scope, probe_unregistered_redirect, register,
};
use super::target::AuthMode;
use super::tokens::{client_auth_probes, redeem, refresh_probes, reuse_probe, token};
use super::{Session, Tokens};
use crate::catalogue::ids;

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
        for id in OAUTH {
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
            for id in OAUTH {
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
            &ids::OAUTH_PKCE_002,
            &g.code,
            "not-the-verifier-0123456789-abcdefghijklmnopqrstuvwxyz",
            &g.scope,
            true,
        )
        .await;
        if let Some(resp) = resp {
            expect_oauth_error(
                s,
                &ids::OAUTH_PKCE_002,
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
