//! The consumer checks: what a client (an OB 3.0 / CLR 2.0 Service Consumer) must send, judged from the exchanges
//! the harness's provider received. A check with nothing to judge (the client never registered …) is a Skip saying
//! so, never a pass.

use std::collections::{BTreeMap, HashSet};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clr_reports::{Exchange, Level, Role, RuleSource, Spec};
use serde_json::Value;

use crate::check::findings::Collector;
use crate::check::{Check, Inbound, Runner, declare_checks};
use crate::vocab::REGISTRATION_METADATA;

const CONSUMER: &[Role] = &[Role::Consumer];

const fn consumer_check(
    id: &'static str,
    level: Level,
    spec: Spec,
    spec_url: &'static str,
    title: &'static str,
    requirement: &'static str,
    run: fn(&Inbound, &mut Collector),
) -> Check {
    Check {
        id,
        title,
        requirement,
        spec_url,
        level,
        source: RuleSource::Normative,
        roles: CONSUMER,
        spec,
        area: "consumer",
        applies_to: &[],
        runner: Runner::Consumer(run),
    }
}

declare_checks! {
    list CHECKS;
    OAUTH_CLIENT_001 = consumer_check(
        "OAUTH-CLIENT-001",
        Level::Must,
        Spec::OAuth,
        "https://www.rfc-editor.org/rfc/rfc7591#section-2",
        "registration request is complete",
        "The dynamic client registration request is a JSON object with client_name, client_uri, logo_uri, tos_uri, policy_uri, software_id, software_version, redirect_uris and scope; list fields are arrays; token_endpoint_auth_method is client_secret_basic, grant_types only authorization_code and refresh_token, response_types only code.",
        registration_request,
    );
    OAUTH_CLIENT_002 = consumer_check(
        "OAUTH-CLIENT-002",
        Level::Must,
        Spec::OAuth,
        "https://www.rfc-editor.org/rfc/rfc7636#section-4.3",
        "authorization requests use PKCE S256",
        "Every authorization request asks for response_type=code with a code_challenge (43 base64url characters) and code_challenge_method=S256.",
        pkce,
    );
    OAUTH_CLIENT_003 = consumer_check(
        "OAUTH-CLIENT-003",
        Level::Must,
        Spec::OAuth,
        "https://www.rfc-editor.org/rfc/rfc6749#section-10.12",
        "a fresh state per authorization request",
        "Every authorization request carries a state value of at least 16 characters that no other request of the run used (so the redirect can be tied to its request).",
        state,
    );
    OAUTH_CLIENT_004 = consumer_check(
        "OAUTH-CLIENT-004",
        Level::Must,
        Spec::OAuth,
        "https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2",
        "the registered redirect URI, exactly",
        "Every authorization request names a redirect_uri the client registered, character for character.",
        redirect_uri,
    );
    OAUTH_CLIENT_005 = consumer_check(
        "OAUTH-CLIENT-005",
        Level::Must,
        Spec::OAuth,
        "https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1",
        "token requests authenticate with HTTP Basic and send the PKCE verifier",
        "Every token request authenticates the client with HTTP Basic (client_secret_basic, never the secret in the body), and an authorization_code grant sends its code_verifier.",
        token_request,
    );
    OAUTH_CLIENT_006 = consumer_check(
        "OAUTH-CLIENT-006",
        Level::Should,
        Spec::OAuth,
        "https://www.rfc-editor.org/rfc/rfc6750#section-2.3",
        "access tokens only in the Authorization header",
        "The client sends its access token as a Bearer credential in the Authorization header, never in a URL, where logs and referrers keep it.",
        token_placement,
    );
    OAUTH_CLIENT_007 = consumer_check(
        "OAUTH-CLIENT-007",
        Level::Must,
        Spec::OAuth,
        "https://www.rfc-editor.org/rfc/rfc6749#section-10.12",
        "the returned state is checked",
        "A code that comes back with another state than the client sent is never redeemed (judged when the provider is made to send one: `clr-harness consumer --provoke foreign-state`).",
        returned_state,
    );
    OAUTH_CLIENT_009 = consumer_check(
        "OAUTH-CLIENT-009",
        Level::Should,
        Spec::OAuth,
        "https://www.rfc-editor.org/rfc/rfc6749#section-3.3",
        "only the scopes it uses",
        "The client asks for no API scope it never uses: every OB/CLR scope of its authorization requests is needed by one of its API requests (upsert, read, profile read or update).",
        needed_scopes,
    );
    API_CLIENT_001 = consumer_check(
        "API-CLIENT-001",
        Level::Must,
        Spec::Ob30,
        "https://www.imsglobal.org/spec/ob/v3p0/#getservicedescription",
        "discovery first, then the advertised URLs",
        "For a provider it has not seen, the client fetches the service description document before any OAuth or API request.",
        discovery_first,
    );
    API_CLIENT_002 = consumer_check(
        "API-CLIENT-002",
        Level::Must,
        Spec::Ob30,
        "https://www.imsglobal.org/spec/ob/v3p0/#upsertcredential",
        "upserts say what they send",
        "An upsertCredential request sends a JSON credential as application/json (or application/vc+ld+json) and a compact JWS as text/plain.",
        upsert_media_type,
    );
    API_CLIENT_006 = consumer_check(
        "API-CLIENT-006",
        Level::Must,
        Spec::Ob30,
        "https://www.imsglobal.org/spec/ob/v3p0/#upsertcredential",
        "200 and 201 are both success",
        "After an upsert answered 200 (replaced) or 201 (created), the client does not send the same credential again as if it had failed (judged when a new credential is answered 200: `--provoke upsert-always-200`).",
        upsert_success,
    );
    API_CLIENT_003 = consumer_check(
        "API-CLIENT-003",
        Level::Must,
        Spec::Ob30,
        "https://www.imsglobal.org/spec/ob/v3p0/#paging",
        "paging followed to the last page",
        "A client reading getCredentials follows every Link rel=\"next\" it is given until the last page (judged when a page has a next link: `clr-harness consumer --provoke small-pages` serves one credential a page).",
        paging,
    );
    API_CLIENT_004 = consumer_check(
        "API-CLIENT-004",
        Level::Should,
        Spec::Ob30,
        "https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3",
        "Retry-After honoured",
        "After a 429 or 503 with Retry-After, the client sends the API nothing for that long, then retries (judged when provoked: `--provoke throttle`).",
        retry_after,
    );
    API_CLIENT_005 = consumer_check(
        "API-CLIENT-005",
        Level::Should,
        Spec::Ob30,
        "https://www.imsglobal.org/spec/ob/v3p0/#putprofile",
        "putProfile sends the whole profile",
        "A putProfile request sends a whole Profile (a JSON object with id and type Profile) and keeps every member of the profile the client read before it: PUT replaces the profile, so a member left out is deleted.",
        put_profile,
    );
    OAUTH_CLIENT_008 = consumer_check(
        "OAUTH-CLIENT-008",
        Level::Should,
        Spec::OAuth,
        "https://www.rfc-editor.org/rfc/rfc6749#section-6",
        "an expired access token is refreshed",
        "When the API answers 401 invalid_token, the client uses its refresh token (grant_type=refresh_token) before anything else, rather than a new authorization or giving up (judged when provoked: `--provoke token-expiry`).",
        refresh_on_expiry,
    );
}

/// The exchanges whose URL (without its query) is `endpoint`, with `method`.
fn at<'e>(inbound: &'e Inbound, method: &str, endpoint: &str) -> Vec<&'e Exchange> {
    inbound
        .exchanges
        .iter()
        .filter(|e| e.method.eq_ignore_ascii_case(method) && without_query(&e.url) == endpoint.trim_end_matches('/'))
        .collect()
}

/// Where in the exchange a finding is: the request as the client sent it, without the query.
fn step(e: &Exchange) -> String {
    let path = url::Url::parse(&e.url).map_or_else(|_| e.url.clone(), |u| u.path().to_string());
    format!("{} {path}", e.method)
}

fn without_query(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url).trim_end_matches('/')
}

fn query(url: &str) -> BTreeMap<String, String> {
    url::Url::parse(url)
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

fn header<'e>(e: &'e Exchange, name: &str) -> Option<&'e str> {
    e.request_headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn form(e: &Exchange) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(e.request_body.as_deref().unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// The redirect URIs the client registered (from its registration requests).
fn registered_redirects(inbound: &Inbound) -> HashSet<String> {
    at(inbound, "POST", &inbound.endpoints.registration)
        .iter()
        .filter_map(|e| serde_json::from_str::<Value>(e.request_body.as_deref()?).ok())
        .flat_map(|v| match v.get("redirect_uris") {
            // A lone string is OAUTH-CLIENT-001's finding; it still says which URI was registered.
            Some(Value::String(one)) => vec![one.clone()],
            Some(Value::Array(items)) => items.iter().filter_map(|u| u.as_str().map(str::to_owned)).collect(),
            _ => Vec::new(),
        })
        .collect()
}

fn registration_request(inbound: &Inbound, c: &mut Collector) {
    let requests = at(inbound, "POST", &inbound.endpoints.registration);
    if requests.is_empty() {
        c.not_reached("the client sent no registration request");
        return;
    }
    let required: Vec<&str> = REGISTRATION_METADATA
        .into_iter()
        .chain(["redirect_uris", "scope"])
        .collect();
    for e in requests {
        if e.request_body_truncated {
            c.undetermined(
                "a registration request is larger than the provider's tap keeps, so it cannot be read whole",
            );
            continue;
        }
        let body = e.request_body.as_deref().unwrap_or_default();
        let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(body) else {
            c.violation("the registration request is not a JSON object")
                .found(body.chars().take(120).collect::<String>())
                .at(step(e))
                .exchange(&e.id);
            continue;
        };
        let missing: Vec<&str> = required.iter().copied().filter(|f| !fields.contains_key(*f)).collect();
        if !missing.is_empty() {
            c.violation(format!("the registration request lacks {}", missing.join(", ")))
                .expected(required.join(", "))
                .at(step(e))
                .exchange(&e.id);
        }
        for list in ["redirect_uris", "grant_types", "response_types", "contacts"] {
            if let Some(v) = fields.get(list).filter(|v| !v.is_array()) {
                c.violation(format!("{list} must be an array, even for one value"))
                    .found_value(v)
                    .at(step(e))
                    .exchange(&e.id);
            }
        }
        let allowed: [(&str, &[&str]); 3] = [
            ("token_endpoint_auth_method", &["client_secret_basic"]),
            ("grant_types", &["authorization_code", "refresh_token"]),
            ("response_types", &["code"]),
        ];
        for (field, values) in allowed {
            let given: Vec<&str> = match fields.get(field) {
                Some(Value::String(s)) => vec![s.as_str()],
                Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
                _ => continue,
            };
            if let Some(other) = given.iter().find(|g| !values.contains(g)) {
                c.violation(format!("{field} may only hold {}", values.join(" or ")))
                    .found(other.to_string())
                    .at(step(e))
                    .exchange(&e.id);
            }
        }
    }
    c.evaluated();
}

fn pkce(inbound: &Inbound, c: &mut Collector) {
    let requests = at(inbound, "GET", &inbound.endpoints.authorization);
    if requests.is_empty() {
        c.not_reached("the client sent no authorization request");
        return;
    }
    for e in requests {
        let q = query(&e.url);
        if q.get("response_type").map(String::as_str) != Some("code") {
            c.violation("the authorization request does not ask for response_type=code")
                .found(format!("{:?}", q.get("response_type")))
                .at(step(e))
                .exchange(&e.id);
        }
        let challenge = q.get("code_challenge");
        let method = q.get("code_challenge_method").map(String::as_str);
        let well_formed = challenge.is_some_and(|ch| {
            ch.len() == 43 && ch.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
        if method != Some("S256") || !well_formed {
            c.violation("the authorization request does not use PKCE with S256")
                .expected("code_challenge (43 base64url characters) and code_challenge_method=S256")
                .found(format!(
                    "code_challenge {}, code_challenge_method {}",
                    challenge.map_or("absent".into(), |ch| format!("of {} characters", ch.len())),
                    method.unwrap_or("absent (plain)")
                ))
                .at(step(e))
                .exchange(&e.id);
        }
    }
    c.evaluated();
}

fn state(inbound: &Inbound, c: &mut Collector) {
    let requests = at(inbound, "GET", &inbound.endpoints.authorization);
    if requests.is_empty() {
        c.not_reached("the client sent no authorization request");
        return;
    }
    let mut seen = HashSet::new();
    for e in requests {
        match query(&e.url).get("state") {
            None => {
                c.violation("the authorization request has no state")
                    .at(step(e))
                    .exchange(&e.id);
            }
            Some(s) if s.chars().count() < 16 => {
                c.violation("the state is too short to be unpredictable")
                    .expected("at least 16 characters")
                    .found(format!("{} characters", s.chars().count()))
                    .at(step(e))
                    .exchange(&e.id);
            }
            Some(s) if !seen.insert(s.clone()) => {
                c.violation("the state repeats one an earlier authorization request used")
                    .found(s.clone())
                    .at(step(e))
                    .exchange(&e.id);
            }
            Some(_) => {}
        }
    }
    c.evaluated();
}

fn redirect_uri(inbound: &Inbound, c: &mut Collector) {
    let requests = at(inbound, "GET", &inbound.endpoints.authorization);
    if requests.is_empty() {
        c.not_reached("the client sent no authorization request");
        return;
    }
    let registered = registered_redirects(inbound);
    if registered.is_empty() {
        c.undetermined("the client registered no redirect URI in this run, so there is nothing to compare with");
        return;
    }
    for e in requests {
        let given = query(&e.url).get("redirect_uri").cloned();
        if !given.as_ref().is_some_and(|g| registered.contains(g)) {
            let mut expected: Vec<&String> = registered.iter().collect();
            expected.sort();
            c.violation("the authorization request names a redirect URI the client did not register")
                .expected(format!("one of {expected:?}"))
                .found(given.unwrap_or_else(|| "no redirect_uri".into()))
                .at(step(e))
                .exchange(&e.id);
        }
    }
    c.evaluated();
}

fn returned_state(inbound: &Inbound, c: &mut Collector) {
    let authorization = inbound.endpoints.authorization.trim_end_matches('/');
    let token = inbound.endpoints.token.trim_end_matches('/');
    let mut provoked = false;
    let mut asked = false;
    for (i, e) in inbound.exchanges.iter().enumerate() {
        if !e.method.eq_ignore_ascii_case("GET") || without_query(&e.url) != authorization {
            continue;
        }
        asked = true;
        let sent = query(&e.url).get("state").cloned();
        let Some(back) = e
            .response_headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("location"))
            .map(|(_, v)| query(v))
        else {
            continue;
        };
        let Some(code) = back.get("code") else { continue };
        if back.get("state") == sent.as_ref() {
            continue;
        }
        provoked = true;
        let redeemed = inbound.exchanges[i + 1..].iter().find(|t| {
            t.method.eq_ignore_ascii_case("POST") && without_query(&t.url) == token && form(t).get("code") == Some(code)
        });
        if let Some(t) = redeemed {
            c.violation("the client redeemed a code whose redirect carried another state than it sent")
                .expected(format!("state {}", sent.unwrap_or_else(|| "(none sent)".into())))
                .found(format!("state {}", back.get("state").map_or("(none)", String::as_str)))
                .at(step(t))
                .exchange(&e.id)
                .exchange(&t.id);
        }
    }
    if !asked {
        c.not_reached("the client sent no authorization request");
    } else if !provoked {
        c.not_applicable(
            "every authorization answer carried the client's own state in this run (`--provoke foreign-state` sends another)",
        );
    } else {
        c.evaluated();
    }
}

fn token_request(inbound: &Inbound, c: &mut Collector) {
    let requests = at(inbound, "POST", &inbound.endpoints.token);
    if requests.is_empty() {
        c.not_reached("the client sent no token request");
        return;
    }
    for e in requests {
        let fields = form(e);
        let basic = header(e, "authorization")
            .and_then(|v| v.strip_prefix("Basic ").or_else(|| v.strip_prefix("basic ")))
            .and_then(|b| STANDARD.decode(b.trim()).ok())
            .is_some_and(|d| d.contains(&b':'));
        if !basic {
            c.violation("the token request does not authenticate the client with HTTP Basic")
                .expected("Authorization: Basic base64(client_id:client_secret)")
                .found(
                    header(e, "authorization").map_or("no Authorization header".into(), |_| {
                        "an Authorization header that is not Basic".to_string()
                    }),
                )
                .at(step(e))
                .exchange(&e.id);
        }
        if fields.contains_key("client_secret") {
            c.violation("the token request carries the client secret in its body")
                .expected("client_secret_basic only")
                .at(step(e))
                .exchange(&e.id);
        }
        if fields.get("grant_type").map(String::as_str) == Some("authorization_code")
            && !fields.contains_key("code_verifier")
        {
            c.violation("the authorization_code grant has no code_verifier")
                .at(step(e))
                .exchange(&e.id);
        }
    }
    c.evaluated();
}

fn token_placement(inbound: &Inbound, c: &mut Collector) {
    let api: Vec<&Exchange> = inbound
        .exchanges
        .iter()
        .filter(|e| {
            inbound.endpoints.api_bases.iter().any(|b| {
                e.url.starts_with(b.as_str())
                    && !inbound.endpoints.discovery.contains(&without_query(&e.url).to_string())
            })
        })
        .collect();
    if api.is_empty() {
        c.not_reached("the client made no API request");
        return;
    }
    for e in api {
        let q = query(&e.url);
        if q.contains_key("access_token") {
            c.violation("the access token is in the URL")
                .expected("the token in the Authorization header")
                .found("an access_token query parameter")
                .at(step(e))
                .exchange(&e.id);
        }
    }
    c.evaluated();
}

fn discovery_first(inbound: &Inbound, c: &mut Collector) {
    let endpoints = inbound.endpoints;
    let is_discovery = |e: &Exchange| {
        endpoints
            .discovery
            .iter()
            .any(|d| without_query(&e.url) == d.trim_end_matches('/'))
    };
    let protected = |e: &Exchange| {
        let url = without_query(&e.url);
        !is_discovery(e)
            && ([&endpoints.registration, &endpoints.authorization, &endpoints.token]
                .iter()
                .any(|p| url == p.trim_end_matches('/'))
                || endpoints.api_bases.iter().any(|b| url.starts_with(b.as_str())))
    };
    let Some(first) = inbound.exchanges.iter().find(|e| is_discovery(e) || protected(e)) else {
        c.not_reached("the client sent the provider nothing");
        return;
    };
    if !is_discovery(first) {
        c.violation("the client used the provider before fetching its service description")
            .expected(format!(
                "GET {} first",
                endpoints.discovery.first().cloned().unwrap_or_default()
            ))
            .found(format!("{} {}", first.method, without_query(&first.url)))
            .at(step(first))
            .exchange(&first.id);
    }
    c.evaluated();
}

/// Whether `url` is an API's collection: `{base}/credentials` (OB 3.0, CLR 2.0), or `{base}/clrs` of the CLR 1.0 API
/// — what a client upserts to (POST) and pages through (GET).
fn is_collection(inbound: &Inbound, url: &str) -> bool {
    let url = without_query(url);
    inbound.endpoints.api_bases.iter().any(|b| {
        let b = b.trim_end_matches('/');
        url == format!("{b}/credentials") || (b.ends_with("/ims/clr/v1p0") && url == format!("{b}/clrs"))
    })
}

fn upsert_success(inbound: &Inbound, c: &mut Collector) {
    let is_upsert = |e: &Exchange| e.method.eq_ignore_ascii_case("POST") && is_collection(inbound, &e.url);
    let upserts: Vec<(usize, &Exchange)> = inbound
        .exchanges
        .iter()
        .enumerate()
        .filter(|(_, e)| is_upsert(e))
        .collect();
    if upserts.is_empty() {
        c.not_applicable("the client upserted no credential");
        return;
    }
    let mut answered_200 = false;
    for (k, (_, e)) in upserts.iter().enumerate() {
        if !matches!(e.status, Some(200 | 201)) || !body_was_read(e) {
            continue;
        }
        answered_200 |= e.status == Some(200);
        // Sending the same credential as the very next upsert is a retry; the same one later is a new sync.
        let again = upserts
            .get(k + 1)
            .map(|(_, n)| *n)
            // The tap keeps the start of a long body: the same start and the same length.
            .filter(|n| {
                n.request_body.is_some()
                    && n.request_body == e.request_body
                    && header(n, "content-length") == header(e, "content-length")
            });
        if let Some(n) = again {
            c.violation(format!(
                "the client sent the same credential again after HTTP {}, as if the upsert had failed",
                e.status.unwrap_or_default()
            ))
            .expected("200 (replaced) and 201 (created) both taken as success")
            .found(format!("{} repeated", step(n)))
            .at(step(e))
            .exchange(&e.id)
            .exchange(&n.id);
        }
    }
    if answered_200 {
        c.evaluated();
    } else {
        c.not_applicable(
            "every upsert was answered 201 in this run (`--provoke upsert-always-200` answers 200 to a new credential)",
        );
    }
}

fn upsert_media_type(inbound: &Inbound, c: &mut Collector) {
    let upserts: Vec<&Exchange> = inbound
        .exchanges
        .iter()
        .filter(|e| e.method.eq_ignore_ascii_case("POST") && is_collection(inbound, &e.url))
        .collect();
    if upserts.is_empty() {
        c.not_reached("the client upserted no credential");
        return;
    }
    const JSON_TYPES: [&str; 3] = ["application/json", "application/vc+ld+json", "application/ld+json"];
    let mut judged = 0;
    for e in upserts {
        let body = e.request_body.as_deref().unwrap_or_default().trim();
        let media = header(e, "content-type")
            .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
            .unwrap_or_default();
        if body.is_empty() || !body_was_read(e) {
            // Refused before its body was read: only a media type that fits neither kind can be judged.
            if !JSON_TYPES.contains(&media.as_str()) && media != "text/plain" {
                judged += 1;
                c.violation(format!(
                    "an upsert was sent as {}",
                    if media.is_empty() { "no media type" } else { &media }
                ))
                .expected("Content-Type: application/json (a JSON credential) or text/plain (a compact JWS)")
                .found(format!("Content-Type: {media}"))
                .at(step(e))
                .exchange(&e.id);
            }
            continue;
        }
        judged += 1;
        let json = body.starts_with('{');
        let ok = if json {
            JSON_TYPES.contains(&media.as_str())
        } else {
            media == "text/plain"
        };
        if !ok {
            let what = if json { "a JSON credential" } else { "a compact JWS" };
            let want = if json { "application/json" } else { "text/plain" };
            c.violation(format!(
                "{what} was sent as {}",
                if media.is_empty() { "no media type" } else { &media }
            ))
            .expected(format!("Content-Type: {want}"))
            .found(format!("Content-Type: {media}"))
            .at(step(e))
            .exchange(&e.id);
        }
    }
    if judged == 0 {
        c.not_reached("every upsert was refused before the provider read its body (its token was refused)");
    } else {
        c.evaluated();
    }
}

/// Whether the provider read the request's body, so the tap holds it: a request refused for its token (401, 403)
/// was answered before its body was read.
fn body_was_read(e: &Exchange) -> bool {
    !matches!(e.status, Some(401 | 403))
}

/// Whether `e` is a request to one of the provider's APIs (not its discovery document).
fn is_api(inbound: &Inbound, e: &Exchange) -> bool {
    let url = without_query(&e.url);
    inbound
        .endpoints
        .api_bases
        .iter()
        .any(|b| url.starts_with(b.trim_end_matches('/')))
        && !inbound
            .endpoints
            .discovery
            .iter()
            .any(|d| url == d.trim_end_matches('/'))
}

fn response_header<'e>(e: &'e Exchange, name: &str) -> Option<&'e str> {
    e.response_headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Whether `request` asks for the page `next` names: the same path, and every query parameter of `next` with its
/// value (a client may re-encode, reorder or add its own parameters).
fn asks_for(request: &str, next: &str) -> bool {
    let (Ok(r), Ok(n)) = (url::Url::parse(request), url::Url::parse(next)) else {
        return false;
    };
    let asked: BTreeMap<String, String> = r.query_pairs().into_owned().collect();
    r.path().trim_end_matches('/') == n.path().trim_end_matches('/')
        && n.query_pairs()
            .all(|(k, v)| asked.get(k.as_ref()) == Some(&v.into_owned()))
}

fn paging(inbound: &Inbound, c: &mut Collector) {
    let reads: Vec<(usize, &Exchange)> = inbound
        .exchanges
        .iter()
        .enumerate()
        .filter(|(_, e)| e.method.eq_ignore_ascii_case("GET") && is_collection(inbound, &e.url))
        .collect();
    if reads.is_empty() {
        c.not_applicable("the client made no getCredentials request (it reads no pages)");
        return;
    }
    let mut paged = false;
    for (i, e) in reads {
        let Some(next) = (e.status == Some(200))
            .then(|| response_header(e, "link").and_then(|l| crate::http::link_rel(l, "next")))
            .flatten()
        else {
            continue;
        };
        paged = true;
        // Followed means read: a request for it that was answered with the page.
        let followed = inbound.exchanges[i + 1..].iter().any(|later| {
            later.method.eq_ignore_ascii_case("GET") && later.status == Some(200) && asks_for(&later.url, &next)
        });
        if !followed {
            c.violation("the client did not follow the page's Link rel=\"next\"")
                .expected(format!("GET {next}"))
                .found("the next page was never read (no request for it answered 200)")
                .at(format!("{} → header Link", step(e)))
                .exchange(&e.id);
        }
    }
    if paged {
        c.evaluated();
    } else {
        c.not_applicable(
            "no page the client read had a next link in this run (`--provoke small-pages` serves one credential a page)",
        );
    }
}

fn retry_after(inbound: &Inbound, c: &mut Collector) {
    let mut provoked = false;
    for (i, e) in inbound.exchanges.iter().enumerate() {
        if !matches!(e.status, Some(429 | 503)) || !is_api(inbound, e) {
            continue;
        }
        // Delay-seconds only: an HTTP-date needs the provider's clock, which the tap does not keep.
        let Some(secs) = response_header(e, "retry-after").and_then(|v| v.trim().parse::<u64>().ok()) else {
            continue;
        };
        provoked = true;
        let Some(&asked) = inbound.started_ms.get(&e.id) else {
            c.undetermined("the provider's tap did not record when the requests arrived");
            continue;
        };
        let answered = asked.saturating_add(e.duration_ms);
        let wait_ms = secs.saturating_mul(1000);
        let next = inbound.exchanges[i + 1..].iter().find(|n| is_api(inbound, n));
        match next.map(|n| (n, inbound.started_ms.get(&n.id))) {
            None => {
                c.violation(format!(
                    "the client gave up after HTTP {} instead of retrying after {secs} s",
                    e.status.unwrap_or_default()
                ))
                .expected(format!("the request again, {secs} s later"))
                .found("no further API request")
                .at(format!("{} → header Retry-After", step(e)))
                .exchange(&e.id);
            }
            Some((n, Some(&at))) if at < answered.saturating_add(wait_ms) => {
                c.violation(format!(
                    "the client retried before the Retry-After of {secs} s had passed"
                ))
                .expected(format!("no API request for {wait_ms} ms"))
                .found(format!("{} after {} ms", step(n), at.saturating_sub(answered)))
                .at(format!("{} → header Retry-After", step(e)))
                .exchange(&e.id)
                .exchange(&n.id);
            }
            Some((_, None)) => c.undetermined("the provider's tap did not record when the retry arrived"),
            Some(_) => {}
        }
    }
    if provoked {
        c.evaluated();
    } else {
        c.not_applicable(
            "no API request was answered 429 or 503 with Retry-After in this run (`--provoke throttle` sends one)",
        );
    }
}

fn refresh_on_expiry(inbound: &Inbound, c: &mut Collector) {
    let authorization = inbound.endpoints.authorization.trim_end_matches('/');
    let token = inbound.endpoints.token.trim_end_matches('/');
    let mut provoked = false;
    for (i, e) in inbound.exchanges.iter().enumerate() {
        let expired = e.status == Some(401)
            && is_api(inbound, e)
            && response_header(e, "www-authenticate").is_some_and(|v| v.contains("invalid_token"));
        if !expired {
            continue;
        }
        provoked = true;
        // The client's next move: a token request, an authorization, or another API request.
        let next = inbound.exchanges[i + 1..].iter().find(|n| {
            let url = without_query(&n.url);
            (n.method.eq_ignore_ascii_case("POST") && url == token)
                || (n.method.eq_ignore_ascii_case("GET") && url == authorization)
                || is_api(inbound, n)
        });
        let what = match next {
            Some(n) if is_api(inbound, n) => format!("{} first, with the token that had expired", step(n)),
            Some(n) if n.method.eq_ignore_ascii_case("POST") => match form(n).get("grant_type").map(String::as_str) {
                Some("refresh_token") => continue,
                other => format!("{} with grant_type {}", step(n), other.unwrap_or("(none)")),
            },
            Some(n) => format!("a new authorization ({})", step(n)),
            None => "nothing: the client stopped".to_string(),
        };
        let mut v = c
            .violation("the client did not use its refresh token when its access token expired")
            .expected("POST to the token endpoint with grant_type=refresh_token")
            .found(what)
            .at(format!("{} → 401 invalid_token", step(e)))
            .exchange(&e.id);
        if let Some(n) = next {
            v = v.exchange(&n.id);
        }
        let _ = v;
    }
    if provoked {
        c.evaluated();
    } else {
        c.not_applicable(
            "no access token expired while the client used it (`--provoke token-expiry` expires each after two API requests)",
        );
    }
}

/// The scope an API request needs: `https://purl.imsglobal.org/spec/<family>/scope/<operation>`.
fn scope_needed(inbound: &Inbound, e: &Exchange) -> Option<String> {
    let url = without_query(&e.url);
    let base = inbound
        .endpoints
        .api_bases
        .iter()
        .map(|b| b.trim_end_matches('/'))
        .find(|b| url.starts_with(b))?;
    let family = base.rsplit("/ims/").next()?;
    let operation = match (e.method.to_ascii_uppercase().as_str(), url.strip_prefix(base)?) {
        ("POST", "/credentials") => "credential.upsert",
        ("GET", "/credentials") => "credential.readonly",
        ("GET", "/profile") => "profile.readonly",
        ("PUT", "/profile") => "profile.update",
        // The CLR 1.0 API's operations and scopes.
        ("POST", "/clrs") if base.ends_with("/ims/clr/v1p0") => "replace",
        ("GET", path) if base.ends_with("/ims/clr/v1p0") && (path == "/clrs" || path.starts_with("/clrs/")) => {
            "readonly"
        }
        ("DELETE", path) if base.ends_with("/ims/clr/v1p0") && path.starts_with("/clrs/") => "delete",
        _ => return None,
    };
    Some(format!("https://purl.imsglobal.org/spec/{family}/scope/{operation}"))
}

fn needed_scopes(inbound: &Inbound, c: &mut Collector) {
    let asks = at(inbound, "GET", &inbound.endpoints.authorization);
    if asks.is_empty() {
        c.not_reached("the client sent no authorization request");
        return;
    }
    let used: HashSet<String> = inbound
        .exchanges
        .iter()
        .filter_map(|e| scope_needed(inbound, e))
        .collect();
    if used.is_empty() {
        c.not_reached("the client made no API request, so what it needs is unknown");
        return;
    }
    for e in asks {
        let mut unused: Vec<String> = query(&e.url)
            .get("scope")
            .map(|s| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            // Only the APIs' own scopes: others (`offline_access` …) are the authorization server's business.
            .filter(|s| s.starts_with("https://purl.imsglobal.org/spec/") && !used.contains(s))
            .collect();
        unused.sort();
        unused.dedup();
        if !unused.is_empty() {
            let mut needed: Vec<&String> = used.iter().collect();
            needed.sort();
            c.violation(format!(
                "the client asks for scopes it never uses: {}",
                unused.join(" ")
            ))
            .expected(format!("at most {needed:?}"))
            .found(unused.join(" "))
            .at(step(e))
            .exchange(&e.id);
        }
    }
    c.evaluated();
}

fn put_profile(inbound: &Inbound, c: &mut Collector) {
    let profile_url = |b: &String| format!("{}/profile", b.trim_end_matches('/'));
    let mut updates = 0;
    for (i, e) in inbound.exchanges.iter().enumerate() {
        let Some(url) = inbound
            .endpoints
            .api_bases
            .iter()
            .map(profile_url)
            .find(|u| without_query(&e.url) == u)
        else {
            continue;
        };
        if !e.method.eq_ignore_ascii_case("PUT") || !body_was_read(e) {
            continue;
        }
        updates += 1;
        if e.request_body_truncated {
            c.undetermined("a putProfile body is larger than the provider's tap keeps, so it cannot be read whole");
            continue;
        }
        let body = e.request_body.as_deref().unwrap_or_default();
        let is_profile = |t: &Value| t.as_str() == Some("Profile");
        let sent = serde_json::from_str::<Value>(body).ok().filter(|v| {
            v.get("id").is_some_and(Value::is_string)
                && v.get("type")
                    .is_some_and(|t| is_profile(t) || t.as_array().is_some_and(|a| a.iter().any(is_profile)))
        });
        let Some(sent) = sent else {
            c.violation("the putProfile body is not a whole Profile")
                .expected("a JSON object with id and type Profile")
                .found(body.chars().take(120).collect::<String>())
                .at(step(e))
                .exchange(&e.id);
            continue;
        };
        // The profile the client read last before this update, when the tap kept all of it.
        let read = inbound.exchanges[..i]
            .iter()
            .rev()
            .find(|r| r.method.eq_ignore_ascii_case("GET") && without_query(&r.url) == url && r.status == Some(200));
        if read.is_some_and(|r| r.response_body_truncated) {
            c.undetermined("the profile the client read is larger than the tap keeps, so what it left out is unknown");
            continue;
        }
        let Some((read, Ok(Value::Object(had)))) = read.map(|r| {
            (
                r,
                serde_json::from_str::<Value>(r.response_body.as_deref().unwrap_or_default()),
            )
        }) else {
            continue;
        };
        let missing: Vec<&str> = had
            .keys()
            .filter(|k| sent.get(k.as_str()).is_none())
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            c.violation(format!(
                "the putProfile body leaves out members of the profile the client read: {}",
                missing.join(", ")
            ))
            .expected("every member of the profile it read (changed or not)")
            .found(format!("{} members sent", sent.as_object().map_or(0, |o| o.len())))
            .at(step(e))
            .exchange(&read.id)
            .exchange(&e.id);
        }
    }
    if updates == 0 {
        c.not_applicable("the client did not update its profile (putProfile is optional)");
    } else {
        c.evaluated();
    }
}

#[cfg(test)]
mod tests;
