//! Catalogue entries of the provider checks: the REST API of each family (`OB30-API-*`, `CLR20-API-*`, one table
//! written once and instantiated per family) and the OAuth 2.0 authorization server (`OAUTH-*`).
//!
//! CLR 2.0 states its API by reference to OB 3.0 (paths and scopes by analogy), so the CLR entries are `Inferred`
//! and report at most a warning until the CLR certification guide confirms them — except the security rules that
//! OAuth 2.0 itself makes mandatory for any protected resource (a token is required, invalid tokens and missing
//! scopes are refused, TLS): those are normative MUSTs in both families, with the RFC as their source.

use clr_reports::{Level, Role, RuleSource, Spec};

use crate::catalogue::{Check, Runner};

const PROVIDER: &[Role] = &[Role::Provider];

/// One API requirement, before it is bound to a family.
// `num` and `anchor` are read by the test that keeps the table and the per-family lists in step.
#[cfg_attr(not(test), allow(dead_code))]
struct ApiRule {
    num: &'static str,
    title: &'static str,
    requirement: &'static str,
    /// Section anchor, the same in the OB 3.0 and CLR 2.0 documents.
    anchor: &'static str,
    level: Level,
    /// The RFC section that makes the rule mandatory on its own, whatever the family says: such a rule is normative
    /// for CLR 2.0 too, and links there.
    rfc: Option<&'static str>,
}

macro_rules! api_rules {
    ($($num:literal $level:ident $anchor:literal $(rfc $rfc:literal)? $title:literal : $req:literal,)*) => {
        const API_RULES: &[ApiRule] = &[$(ApiRule {
            num: $num,
            title: $title,
            requirement: $req,
            anchor: $anchor,
            level: Level::$level,
            rfc: api_rules!(@rfc $($rfc)?),
        },)*];
    };
    (@rfc $rfc:literal) => { Some($rfc) };
    (@rfc) => { None };
}

api_rules! {
    "001" Must "getservicedescription" "discovery is public":
        "GET {base}/ims/…/discovery without a token answers 200 with a JSON Service Description Document.",
    "002" Must "getservicedescription" "service description fields":
        "The SDD has openapi, info.title, info.version, info.termsOfService, info.x-imssf-privacyPolicyUrl and an OAuth2ACG scheme with x-imssf-registrationUrl, authorizationUrl and tokenUrl.",
    "003" Must "getservicedescription" "service description scopes":
        "The SDD's OAuth2ACG scopes include the specification's scope URI of every endpoint (credential.readonly, credential.upsert, profile.readonly, profile.update).",
    "004" Must "api-security" rfc "https://www.rfc-editor.org/rfc/rfc6750#section-3" "a token is required":
        "Every protected endpoint answers a request without an access token with 401 and a WWW-Authenticate: Bearer challenge.",
    "005" Must "api-security" rfc "https://www.rfc-editor.org/rfc/rfc6749#section-7" "invalid and expired tokens are refused":
        "Every protected endpoint refuses an unknown or expired access token (MUST), with 401 (SHOULD, RFC 6750 §3.1).",
    "006" Must "api-security" rfc "https://www.rfc-editor.org/rfc/rfc6749#section-7" "scopes are enforced":
        "An access token lacking the operation's scope is refused (MUST), with 403 insufficient_scope (SHOULD, RFC 6750 §3.1).",
    "007" Must "getcredentials" "media types":
        "JSON responses are labelled application/json; upsertCredential answers in the Content-Type of the request.",
    "008" Must "getcredentials" "getCredentials response shape":
        "getCredentials answers 200 with an object holding only `credential` (JSON credentials) and `compactJwsString` (VC-JWTs), each an array.",
    "009" Must "getcredentials" "returned credentials verify":
        "Every credential getCredentials returns passes the verifier (data model, proof, status) and is of the API's family.",
    "010" Must "paging" "X-Total-Count is exact":
        "When getCredentials sends X-Total-Count it equals the number of credentials the pages hold.",
    "011" Must "paging" "Link header rels":
        "An incomplete page sends a Link header with rel next, first and last, and rel prev when offset > 0.",
    "012" Must "paging" "paging walks the whole list":
        "Walking the pages with limit/offset (following rel=next when sent) returns every credential exactly once, no page longer than limit.",
    "013" Should "getcredentials" "since filters":
        "getCredentials with `since` returns only credentials issued after that time.",
    "014" Should "getcredentials" "bad queries are refused":
        "getCredentials with an invalid limit, offset or since answers 400 with imsx_codeMinor invalid_query_parameter.",
    "015" Must "upsertcredential" "upsert creates with 201":
        "upsertCredential of a credential the user does not hold answers 201 with the credential as the body.",
    "016" Must "upsertcredential" "upsert replaces with 200":
        "upsertCredential of a credential the user already holds (same issuer and id) answers 200 and replaces it.",
    "017" Must "upsertcredential" "upsert representations":
        "upsertCredential accepts a compact JWS as text/plain and refuses a malformed body with 400.",
    "018" Must "upsertcredential" "credentials are preserved":
        "getCredentials returns each upserted credential unchanged (equal JSON, byte-equal JWS).",
    "019" Must "getprofile" "getProfile":
        "getProfile answers 200 with a Profile that has an id and a type including Profile.",
    "020" Should "putprofile" "putProfile":
        "putProfile with the whole Profile answers 200 with the Profile or 202 with imsx_StatusInfo.",
    "021" Must "imsx_statusinfo" "errors carry imsx_StatusInfo":
        "Every API error response has an imsx_StatusInfo body: imsx_codeMajor and imsx_severity from their closed vocabularies, codeMinor values as listed.",
    "022" Should "api" "wrong methods get 405":
        "A method an endpoint does not support answers 405 with imsx_StatusInfo.",
    "023" Must "api-security" rfc "https://www.rfc-editor.org/rfc/rfc6750#section-5.3" "TLS":
        "The API and its OAuth endpoints are served over https.",
}

const fn family_check(id: &'static str, spec: Spec, url: &'static str, source: RuleSource, rule: usize) -> Check {
    let r = &API_RULES[rule];
    // OAuth 2.0 makes the rule mandatory whatever the family's own text says; a family that states it by analogy
    // only links to the RFC.
    let (source, url) = match (source, r.rfc) {
        (RuleSource::Inferred, Some(rfc)) => (RuleSource::Normative, rfc),
        _ => (source, url),
    };
    let level = match (source, r.level) {
        // Inferred rules never fail a run (checked by the catalogue test).
        (RuleSource::Inferred, Level::Must) => Level::Should,
        (_, l) => l,
    };
    Check {
        id,
        title: r.title,
        requirement: r.requirement,
        spec_url: url,
        level,
        source,
        roles: PROVIDER,
        spec,
        area: "api",
        applies_to: &[],
        runner: Runner::Provider,
    }
}

/// Spells out one family's entries; ids and URLs must be literals for the `'static` catalogue.
macro_rules! family_checks {
    ($name:ident, $prefix:literal, $spec:expr, $base:literal, $source:expr) => {
        pub const $name: &[Check] = &[
            family_check(
                concat!($prefix, "-API-001"),
                $spec,
                concat!($base, "#getservicedescription"),
                $source,
                0,
            ),
            family_check(
                concat!($prefix, "-API-002"),
                $spec,
                concat!($base, "#getservicedescription"),
                $source,
                1,
            ),
            family_check(
                concat!($prefix, "-API-003"),
                $spec,
                concat!($base, "#getservicedescription"),
                $source,
                2,
            ),
            family_check(
                concat!($prefix, "-API-004"),
                $spec,
                concat!($base, "#api-security"),
                $source,
                3,
            ),
            family_check(
                concat!($prefix, "-API-005"),
                $spec,
                concat!($base, "#api-security"),
                $source,
                4,
            ),
            family_check(
                concat!($prefix, "-API-006"),
                $spec,
                concat!($base, "#api-security"),
                $source,
                5,
            ),
            family_check(
                concat!($prefix, "-API-007"),
                $spec,
                concat!($base, "#getcredentials"),
                $source,
                6,
            ),
            family_check(
                concat!($prefix, "-API-008"),
                $spec,
                concat!($base, "#getcredentials"),
                $source,
                7,
            ),
            family_check(
                concat!($prefix, "-API-009"),
                $spec,
                concat!($base, "#getcredentials"),
                $source,
                8,
            ),
            family_check(
                concat!($prefix, "-API-010"),
                $spec,
                concat!($base, "#paging"),
                $source,
                9,
            ),
            family_check(
                concat!($prefix, "-API-011"),
                $spec,
                concat!($base, "#paging"),
                $source,
                10,
            ),
            family_check(
                concat!($prefix, "-API-012"),
                $spec,
                concat!($base, "#paging"),
                $source,
                11,
            ),
            family_check(
                concat!($prefix, "-API-013"),
                $spec,
                concat!($base, "#getcredentials"),
                $source,
                12,
            ),
            family_check(
                concat!($prefix, "-API-014"),
                $spec,
                concat!($base, "#getcredentials"),
                $source,
                13,
            ),
            family_check(
                concat!($prefix, "-API-015"),
                $spec,
                concat!($base, "#upsertcredential"),
                $source,
                14,
            ),
            family_check(
                concat!($prefix, "-API-016"),
                $spec,
                concat!($base, "#upsertcredential"),
                $source,
                15,
            ),
            family_check(
                concat!($prefix, "-API-017"),
                $spec,
                concat!($base, "#upsertcredential"),
                $source,
                16,
            ),
            family_check(
                concat!($prefix, "-API-018"),
                $spec,
                concat!($base, "#upsertcredential"),
                $source,
                17,
            ),
            family_check(
                concat!($prefix, "-API-019"),
                $spec,
                concat!($base, "#getprofile"),
                $source,
                18,
            ),
            family_check(
                concat!($prefix, "-API-020"),
                $spec,
                concat!($base, "#putprofile"),
                $source,
                19,
            ),
            family_check(
                concat!($prefix, "-API-021"),
                $spec,
                concat!($base, "#imsx_statusinfo"),
                $source,
                20,
            ),
            family_check(
                concat!($prefix, "-API-022"),
                $spec,
                concat!($base, "#api"),
                $source,
                21,
            ),
            family_check(
                concat!($prefix, "-API-023"),
                $spec,
                concat!($base, "#api-security"),
                $source,
                22,
            ),
        ];
    };
}

family_checks!(
    OB_API,
    "OB30",
    Spec::Ob30,
    "https://www.imsglobal.org/spec/ob/v3p0/",
    RuleSource::Normative
);
family_checks!(
    CLR_API,
    "CLR20",
    Spec::Clr20,
    "https://www.imsglobal.org/spec/clr/v2p0/",
    RuleSource::Inferred
);

/// The API rule numbers, so code can name a check by family and number.
pub const API_RULE_COUNT: usize = API_RULES.len();

macro_rules! oauth_checks {
    ($($id:literal $level:ident $url:literal $title:literal : $req:literal,)*) => {
        pub const OAUTH: &[Check] = &[$(Check {
            id: $id,
            title: $title,
            requirement: $req,
            spec_url: $url,
            level: Level::$level,
            source: RuleSource::Normative,
            roles: PROVIDER,
            spec: Spec::OAuth,
            area: "oauth",
            applies_to: &[],
            runner: Runner::Provider,
        },)*];
    };
}

oauth_checks! {
    "OAUTH-DCR-001" Must "https://www.rfc-editor.org/rfc/rfc7591#section-3.2.1" "registration succeeds":
        "Dynamic client registration of a valid request (no initial access token) answers 201 with client_id, client_secret, client_id_issued_at, client_secret_expires_at and the registered metadata.",
    "OAUTH-DCR-002" Must "https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2" "incomplete registrations are refused":
        "A registration request missing a required field is refused with 400 and error invalid_client_metadata.",
    "OAUTH-DCR-003" Should "https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2" "bad redirect URIs are refused":
        "A registration request whose redirect URI is not https on the client's host is refused with 400 and error invalid_redirect_uri.",
    "OAUTH-AUTHZ-001" Must "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2" "authorization grants a code":
        "A valid authorization request redirects to the registered redirect URI with a code and the granted scope, a subset of the requested one.",
    "OAUTH-AUTHZ-002" Must "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2" "state is echoed":
        "The authorization redirect carries the client's state exactly.",
    "OAUTH-AUTHZ-003" Must "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1" "unregistered redirect URIs":
        "An authorization request with an unregistered redirect_uri is never redirected to it.",
    "OAUTH-PKCE-001" Must "https://www.rfc-editor.org/rfc/rfc7636#section-4.4.1" "PKCE S256 is required":
        "An authorization request without code_challenge, or with code_challenge_method=plain, gets no code.",
    "OAUTH-PKCE-002" Must "https://www.rfc-editor.org/rfc/rfc7636#section-4.6" "the code verifier is checked":
        "A token request whose code_verifier does not match the code_challenge is refused with 400 invalid_grant.",
    "OAUTH-TOKEN-001" Must "https://www.rfc-editor.org/rfc/rfc6749#section-5.2" "client authentication is required":
        "A token request without client authentication, or with a wrong secret, is refused with 401 (or 400) invalid_client.",
    "OAUTH-TOKEN-002" Must "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2" "codes are single-use":
        "A second redemption of an authorization code is refused with invalid_grant (and SHOULD revoke the tokens issued from it).",
    "OAUTH-TOKEN-003" Should "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2" "codes expire":
        "An authorization code older than 600 seconds is refused with invalid_grant.",
    "OAUTH-TOKEN-004" Must "https://www.rfc-editor.org/rfc/rfc6749#section-5.1" "token response":
        "The token response is JSON with access_token, token_type bearer, scope (and SHOULD expires_in), sent with Cache-Control: no-store.",
    "OAUTH-TOKEN-005" Must "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1" "unknown scopes are refused":
        "An authorization request for a scope the server does not know gets error invalid_scope, never a code.",
    "OAUTH-REFRESH-001" Must "https://www.rfc-editor.org/rfc/rfc6749#section-6" "refresh issues a new token":
        "A refresh_token grant answers a new access token that the API accepts.",
    "OAUTH-REFRESH-002" Must "https://www.rfc-editor.org/rfc/rfc6749#section-6" "refresh never widens scope":
        "A refresh_token grant asking for more scope than originally granted is refused with invalid_scope.",
    "OAUTH-REVOKE-001" Must "https://www.rfc-editor.org/rfc/rfc7009#section-2.2" "revocation endpoint":
        "Token revocation answers 200 for a valid token and for an unknown one.",
    "OAUTH-REVOKE-002" Must "https://www.rfc-editor.org/rfc/rfc7009#section-2.2" "revoked tokens are refused":
        "After revocation the API refuses the access token with 401.",
}

/// The full check id of API rule `num` (1-based) for a family prefix, e.g. `("OB30", 7)` → `OB30-API-007`.
pub fn api_id(prefix: &str, num: usize) -> String {
    format!("{prefix}-API-{num:03}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_rule_is_instantiated_for_both_families_in_order() {
        assert_eq!(OB_API.len(), API_RULE_COUNT);
        assert_eq!(CLR_API.len(), API_RULE_COUNT);
        for (i, (ob, clr)) in OB_API.iter().zip(CLR_API).enumerate() {
            assert_eq!(ob.id, api_id("OB30", i + 1));
            assert_eq!(clr.id, api_id("CLR20", i + 1));
            assert_eq!(API_RULES[i].num, &ob.id[9..]);
            assert_eq!(ob.requirement, clr.requirement);
            assert!(ob.spec_url.ends_with(API_RULES[i].anchor), "{}", ob.id);
            match API_RULES[i].rfc {
                // Security rules OAuth 2.0 makes mandatory: MUST in both families, the RFC as the CLR link.
                Some(rfc) => {
                    assert_eq!((clr.level, clr.source), (ob.level, RuleSource::Normative), "{}", clr.id);
                    assert_eq!(clr.spec_url, rfc, "{}", clr.id);
                }
                None => assert_ne!(clr.level, Level::Must, "{} is inferred", clr.id),
            }
        }
    }
}
