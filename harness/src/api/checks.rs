//! Catalogue entries of the provider checks: the REST API of each family (`OB30-API-*`, `CLR20-API-*`, one table
//! written once and instantiated per family) and the OAuth 2.0 authorization server (`OAUTH-*`).
//!
//! CLR 2.0 states its API by reference to OB 3.0 (paths and scopes by analogy), so the CLR entries are `Inferred`
//! and report at most a warning until the CLR certification guide confirms them — except the security rules that
//! OAuth 2.0 itself makes mandatory for any protected resource (a token is required, invalid tokens and missing
//! scopes are refused, TLS): those are normative MUSTs in both families, with the RFC as their source.

use clr_reports::{Level, Role, RuleSource, Spec};

use super::Family;
use crate::check::{Check, Runner, declare_checks};

const PROVIDER: &[Role] = &[Role::Provider];

/// One API requirement, before it is bound to a family.
// `num` and `anchor` are read by the test that keeps the table and the per-family lists in step.
#[cfg_attr(not(test), allow(dead_code))]
struct RuleText {
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
    ($($rule:ident $num:literal $level:ident $anchor:literal $(rfc $rfc:literal)? $title:literal : $req:literal,)*) => {
        /// The REST API requirements, named once for both families: `family.check(ApiRule::PagingWalk)` is
        /// `OB30-API-012` or `CLR20-API-012`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ApiRule {
            $($rule,)*
        }

        impl ApiRule {
            /// Every rule, in number order.
            pub const ALL: &[ApiRule] = &[$(ApiRule::$rule,)*];
        }

        const API_RULES: &[RuleText] = &[$(RuleText {
            num: $num,
            title: $title,
            requirement: $req,
            anchor: $anchor,
            level: Level::$level,
            rfc: api_rules!(@rfc $($rfc)?),
        },)*];

        /// The OB 3.0 API checks, `OB30-API-001` … in rule order.
        pub const OB_API: &[Check] = &[$(
            family_check(
                concat!("OB30-API-", $num),
                Spec::Ob30,
                concat!("https://www.imsglobal.org/spec/ob/v3p0/#", $anchor),
                RuleSource::Normative,
                ApiRule::$rule,
            ),
        )*];

        /// The CLR 2.0 API checks, `CLR20-API-001` …: stated by analogy with OB 3.0, so inferred.
        pub const CLR_API: &[Check] = &[$(
            family_check(
                concat!("CLR20-API-", $num),
                Spec::Clr20,
                concat!("https://www.imsglobal.org/spec/clr/v2p0/#", $anchor),
                RuleSource::Inferred,
                ApiRule::$rule,
            ),
        )*];
    };
    (@rfc $rfc:literal) => { Some($rfc) };
    (@rfc) => { None };
}

api_rules! {
    Discovery "001" Must "getservicedescription" "discovery is public":
        "GET {base}/ims/…/discovery without a token answers 200 with a JSON Service Description Document.",
    DiscoveryFields "002" Must "getservicedescription" "service description fields":
        "The SDD has openapi, info.title, info.version, info.termsOfService, info.x-imssf-privacyPolicyUrl and an OAuth2ACG scheme with x-imssf-registrationUrl, authorizationUrl and tokenUrl.",
    DiscoveryScopes "003" Must "getservicedescription" "service description scopes":
        "The SDD's OAuth2ACG scopes include the specification's scope URI of every endpoint (credential.readonly, credential.upsert, profile.readonly, profile.update).",
    TokenRequired "004" Must "api-security" rfc "https://www.rfc-editor.org/rfc/rfc6750#section-3" "a token is required":
        "Every protected endpoint answers a request without an access token with 401 and a WWW-Authenticate: Bearer challenge.",
    InvalidTokenRefused "005" Must "api-security" rfc "https://www.rfc-editor.org/rfc/rfc6749#section-7" "invalid and expired tokens are refused":
        "Every protected endpoint refuses an unknown or expired access token (MUST), with 401 (SHOULD, RFC 6750 §3.1).",
    ScopeEnforced "006" Must "api-security" rfc "https://www.rfc-editor.org/rfc/rfc6749#section-7" "scopes are enforced":
        "An access token lacking the operation's scope is refused (MUST), with 403 insufficient_scope (SHOULD, RFC 6750 §3.1).",
    MediaTypes "007" Must "getcredentials" "media types":
        "JSON responses are labelled application/json; upsertCredential answers in the Content-Type of the request.",
    ListShape "008" Must "getcredentials" "getCredentials response shape":
        "getCredentials answers 200 with an object holding only `credential` (JSON credentials) and `compactJwsString` (VC-JWTs), each an array.",
    ReturnedVerify "009" Must "getcredentials" "returned credentials verify":
        "Every credential getCredentials returns passes the verifier (data model, proof, status) and is of the API's family.",
    TotalCount "010" Must "paging" "X-Total-Count is exact":
        "When getCredentials sends X-Total-Count it equals the number of credentials the pages hold.",
    LinkHeader "011" Must "paging" "Link header rels":
        "An incomplete page sends a Link header with rel next, first and last, and rel prev when offset > 0.",
    PagingWalk "012" Must "paging" "paging walks the whole list":
        "Walking the pages with limit/offset (following rel=next when sent) returns every credential exactly once, no page longer than limit.",
    Since "013" Should "getcredentials" "since filters":
        "getCredentials with `since` returns only credentials issued after that time.",
    BadQuery "014" Should "getcredentials" "bad queries are refused":
        "getCredentials with an invalid limit, offset or since answers 400 with imsx_codeMinor invalid_query_parameter.",
    UpsertCreates "015" Must "upsertcredential" "upsert creates with 201":
        "upsertCredential of a credential the user does not hold answers 201 with the credential as the body.",
    UpsertReplaces "016" Must "upsertcredential" "upsert replaces with 200":
        "upsertCredential of a credential the user already holds (same issuer and id) answers 200 and replaces it, never 201 (a second copy); an identical re-upsert may be refused (304 or 4xx), which OB 3.0 leaves to the host and is then not observed.",
    UpsertRepresentations "017" Must "upsertcredential" "upsert representations":
        "upsertCredential accepts a compact JWS as text/plain and refuses a malformed body with 400.",
    Preserved "018" Must "upsertcredential" "credentials are preserved":
        "getCredentials returns each upserted credential unchanged (equal JSON, byte-equal JWS).",
    GetProfile "019" Must "getprofile" "getProfile":
        "getProfile answers 200 with a Profile that has an id and a type including Profile.",
    PutProfile "020" Should "putprofile" "putProfile":
        "putProfile with the whole Profile answers 200 with the Profile or 202 with imsx_StatusInfo.",
    StatusInfo "021" Must "imsx_statusinfo" "errors carry imsx_StatusInfo":
        "Every API error response has an imsx_StatusInfo body: imsx_codeMajor and imsx_severity from their closed vocabularies, codeMinor values as listed.",
    WrongMethod "022" Should "api" "wrong methods get 405":
        "A method an endpoint does not support answers 405 with imsx_StatusInfo.",
    Tls "023" Must "api-security" rfc "https://www.rfc-editor.org/rfc/rfc6750#section-5.3" "TLS":
        "The API and its OAuth endpoints are served over https.",
    Unverifiable "024" Info "upsertcredential" "credentials that do not verify":
        "What upsertCredential does with credentials that do not verify (sent with --generated: one breaking the data model, one without a proof, one changed after signing): refused with 400 or 422 and imsx_StatusInfo, or stored; OB 3.0 requires neither, so the answer is reported, not judged.",
}

const fn family_check(id: &'static str, spec: Spec, url: &'static str, source: RuleSource, rule: ApiRule) -> Check {
    let r = &API_RULES[rule as usize];
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

const fn oauth_check(
    id: &'static str,
    level: Level,
    spec_url: &'static str,
    title: &'static str,
    requirement: &'static str,
) -> Check {
    Check {
        id,
        title,
        requirement,
        spec_url,
        level,
        source: RuleSource::Normative,
        roles: PROVIDER,
        spec: Spec::OAuth,
        area: "oauth",
        applies_to: &[],
        runner: Runner::Provider,
    }
}

declare_checks! {
    list OAUTH;
    OAUTH_DCR_001 = oauth_check(
        "OAUTH-DCR-001",
        Level::Must,
        "https://www.rfc-editor.org/rfc/rfc7591#section-3.2.1",
        "registration succeeds",
        "Dynamic client registration of a valid request (no initial access token) answers 201 with client_id, client_secret, client_id_issued_at, client_secret_expires_at and the registered metadata.",
    );
    OAUTH_DCR_002 = oauth_check(
        "OAUTH-DCR-002",
        Level::Must,
        "https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2",
        "incomplete registrations are refused",
        "A registration request missing a required field is refused with 400 and error invalid_client_metadata.",
    );
    OAUTH_DCR_003 = oauth_check(
        "OAUTH-DCR-003",
        Level::Should,
        "https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2",
        "bad redirect URIs are refused",
        "A registration request whose redirect URI is not https on the client's host is refused with 400 and error invalid_redirect_uri.",
    );
    OAUTH_AUTHZ_001 = oauth_check(
        "OAUTH-AUTHZ-001",
        Level::Must,
        "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2",
        "authorization grants a code",
        "A valid authorization request redirects to the registered redirect URI with a code and the granted scope, a subset of the requested one.",
    );
    OAUTH_AUTHZ_002 = oauth_check(
        "OAUTH-AUTHZ-002",
        Level::Must,
        "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2",
        "state is echoed",
        "The authorization redirect carries the client's state exactly.",
    );
    OAUTH_AUTHZ_003 = oauth_check(
        "OAUTH-AUTHZ-003",
        Level::Must,
        "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1",
        "unregistered redirect URIs",
        "An authorization request with an unregistered redirect_uri is never redirected to it.",
    );
    OAUTH_PKCE_001 = oauth_check(
        "OAUTH-PKCE-001",
        Level::Must,
        "https://www.rfc-editor.org/rfc/rfc7636#section-4.4.1",
        "PKCE S256 is required",
        "An authorization request without code_challenge, or with code_challenge_method=plain, gets no code.",
    );
    OAUTH_PKCE_002 = oauth_check(
        "OAUTH-PKCE-002",
        Level::Must,
        "https://www.rfc-editor.org/rfc/rfc7636#section-4.6",
        "the code verifier is checked",
        "A token request whose code_verifier does not match the code_challenge is refused with 400 invalid_grant.",
    );
    OAUTH_TOKEN_001 = oauth_check(
        "OAUTH-TOKEN-001",
        Level::Must,
        "https://www.rfc-editor.org/rfc/rfc6749#section-5.2",
        "client authentication is required",
        "A token request without client authentication, or with a wrong secret, is refused with 401 (or 400) invalid_client.",
    );
    OAUTH_TOKEN_002 = oauth_check(
        "OAUTH-TOKEN-002",
        Level::Must,
        "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2",
        "codes are single-use",
        "A second redemption of an authorization code is refused with invalid_grant (and SHOULD revoke the tokens issued from it).",
    );
    OAUTH_TOKEN_003 = oauth_check(
        "OAUTH-TOKEN-003",
        Level::Should,
        "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2",
        "codes expire",
        "An authorization code older than 600 seconds is refused with invalid_grant.",
    );
    OAUTH_TOKEN_004 = oauth_check(
        "OAUTH-TOKEN-004",
        Level::Must,
        "https://www.rfc-editor.org/rfc/rfc6749#section-5.1",
        "token response",
        "The token response is JSON with access_token, token_type bearer, scope (and SHOULD expires_in), sent with Cache-Control: no-store.",
    );
    OAUTH_TOKEN_005 = oauth_check(
        "OAUTH-TOKEN-005",
        Level::Must,
        "https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1",
        "unknown scopes are refused",
        "An authorization request for a scope the server does not know gets error invalid_scope, never a code.",
    );
    OAUTH_REFRESH_001 = oauth_check(
        "OAUTH-REFRESH-001",
        Level::Must,
        "https://www.rfc-editor.org/rfc/rfc6749#section-6",
        "refresh issues a new token",
        "A refresh_token grant answers a new access token that the API accepts.",
    );
    OAUTH_REFRESH_002 = oauth_check(
        "OAUTH-REFRESH-002",
        Level::Must,
        "https://www.rfc-editor.org/rfc/rfc6749#section-6",
        "refresh never widens scope",
        "A refresh_token grant asking for more scope than originally granted is refused with invalid_scope.",
    );
    OAUTH_REVOKE_001 = oauth_check(
        "OAUTH-REVOKE-001",
        Level::Must,
        "https://www.rfc-editor.org/rfc/rfc7009#section-2.2",
        "revocation endpoint",
        "Token revocation answers 200 for a valid token and for an unknown one.",
    );
    OAUTH_REVOKE_002 = oauth_check(
        "OAUTH-REVOKE-002",
        Level::Must,
        "https://www.rfc-editor.org/rfc/rfc7009#section-2.2",
        "revoked tokens are refused",
        "After revocation the API refuses the access token with 401.",
    );
}

/// The CLR 1.0 REST API's checks (`CLR10-API-*`), run by [`super::clr10`]: an API of its own, not an instance of
/// the OB 3.0 table. The binding's JSON Schemas state the bodies and a real consumer confirms `/discovery` and
/// `/clrs`; the other paths, paging and status semantics are inferred, except what OAuth 2.0 makes mandatory.
pub mod clr10 {
    use clr_reports::{Level, RuleSource, Spec};

    use crate::check::{Check, declare_checks, provider_check};

    const REST: &str = "https://www.imsglobal.org/spec/clr/v1p0/imsclr_v1p0_RESTBind.html";

    const fn api_check(
        id: &'static str,
        level: Level,
        source: RuleSource,
        title: &'static str,
        req: &'static str,
    ) -> Check {
        provider_check(id, Spec::Clr10, REST, level, source, title, req)
    }

    /// A rule OAuth 2.0 makes mandatory for any protected resource: MUST, linking the RFC.
    const fn rfc_check(id: &'static str, rfc: &'static str, title: &'static str, req: &'static str) -> Check {
        let mut c = api_check(id, Level::Must, RuleSource::Normative, title, req);
        c.spec_url = rfc;
        c
    }

    use Level::{Must, Should};
    use RuleSource::{Inferred, Normative, Schema};

    declare_checks! {
        list CHECKS;
        CLR10_API_001 = api_check("CLR10-API-001", Must, Normative, "discovery is public",
            "GET {base}/ims/clr/v1p0/discovery without a token answers 200 with a JSON DiscoveryDocument.");
        CLR10_API_002 = api_check("CLR10-API-002", Must, Schema, "DiscoveryDocument fields",
            "The DiscoveryDocument has @context, name, authorizationUrl, tokenUrl, registrationUrl, privacyPolicyUrl, termsOfServiceUrl and a non-empty scopesOffered, and no property its schema does not name.");
        CLR10_API_003 = api_check("CLR10-API-003", Should, Inferred, "DiscoveryDocument scopes and URLs",
            "scopesOffered lists the readonly, replace and delete scopes, and the OAuth URLs are https on one host.");
        CLR10_API_004 = rfc_check("CLR10-API-004", "https://www.rfc-editor.org/rfc/rfc6750#section-3", "a token is required",
            "getClrs without an access token answers 401.");
        CLR10_API_005 = rfc_check("CLR10-API-005", "https://www.rfc-editor.org/rfc/rfc6749#section-7", "invalid tokens are refused",
            "getClrs with an unknown access token answers 401.");
        CLR10_API_006 = rfc_check("CLR10-API-006", "https://www.rfc-editor.org/rfc/rfc6749#section-7", "scopes are enforced",
            "postClr and deleteClr with a token holding only the readonly scope are refused (MUST), with 403 (SHOULD).");
        CLR10_API_007 = api_check("CLR10-API-007", Must, Schema, "getClrs answers a ClrSet",
            "getClrs answers 200 with a ClrSet: an object with @context and only clrs (CLR objects) and signedClrs (compact JWS) besides id and type, each an array.");
        CLR10_API_008 = api_check("CLR10-API-008", Must, Normative, "returned CLRs pass the data model",
            "Every CLR getClrs returns (object or signed) passes the CLR 1.0 data-model checks.");
        CLR10_API_009 = api_check("CLR10-API-009", Should, Inferred, "paging",
            "getClrs with limit and offset returns pages no longer than limit that together hold every CLR once; X-Total-Count, when sent, is exact, and an incomplete page sends a Link rel=next.");
        CLR10_API_010 = api_check("CLR10-API-010", Should, Inferred, "bad queries are refused",
            "getClrs with an invalid limit answers 400 with imsx_codeMinor invalid_query_parameter.");
        CLR10_API_011 = api_check("CLR10-API-011", Should, Inferred, "postClr creates, replaces, and knows an identical CLR",
            "postClr of a CLR the user does not hold answers 201 with the ClrPayload; of a changed one with the same id 200; of an identical one 304.");
        CLR10_API_012 = api_check("CLR10-API-012", Should, Inferred, "getClr",
            "GET /clrs/{id} answers 200 with the CLR as posted, and 404 for an id the user does not hold.");
        CLR10_API_013 = api_check("CLR10-API-013", Should, Inferred, "deleteClr",
            "DELETE /clrs/{id} with the delete scope answers 204, after which GET /clrs/{id} answers 404 (or 410).");
        CLR10_API_014 = api_check("CLR10-API-014", Must, Schema, "errors carry imsx_StatusInfo",
            "Every API error response has an imsx_StatusInfo body: imsx_codeMajor and imsx_severity from their closed vocabularies, codeMinor values as listed.");
        CLR10_API_015 = api_check("CLR10-API-015", Should, Inferred, "wrong methods get 405",
            "A method /clrs does not support (PUT) answers 405 with imsx_StatusInfo.");
        CLR10_API_016 = rfc_check("CLR10-API-016", "https://www.rfc-editor.org/rfc/rfc6750#section-5.3", "TLS",
            "The API and its OAuth endpoints are served over https.");
        CLR10_API_017 = api_check("CLR10-API-017", Should, Inferred, "invalid payloads are refused",
            "postClr of a ClrPayload whose CLR lacks required properties answers 400 with imsx_codeMinor invalid_data.");
    }
}

/// The CASE 1.0 REST API (`CASE-API-*`): every GET endpoint of the 1EdTech OpenAPI under `{base}/ims/case/v1p0`,
/// run by [`super::case10`]. CASE does not require authorization; a bearer token is sent when the target gives one.
pub mod case10 {
    use clr_reports::{Level, RuleSource, Spec};

    use crate::case::links::{CASE_CERT, CASE_REST};
    use crate::check::{Check, declare_checks, provider_check};

    const fn api_check(
        id: &'static str,
        level: Level,
        source: RuleSource,
        title: &'static str,
        req: &'static str,
    ) -> Check {
        provider_check(id, Spec::Case10, CASE_REST, level, source, title, req)
    }

    const fn cert(mut c: Check) -> Check {
        c.spec_url = CASE_CERT;
        c
    }

    use Level::{Must, Should};
    use RuleSource::{Inferred, Normative, Schema};

    declare_checks! {
        list CHECKS;
        CASE_API_001 = api_check("CASE-API-001", Must, Schema, "getAllCFDocuments",
            "GET {base}/ims/case/v1p0/CFDocuments answers 200 with a CFDocumentSet: an object whose CFDocuments is an array of CFDocuments.");
        CASE_API_002 = api_check("CASE-API-002", Must, Normative, "returned objects pass the data model",
            "Every object the API returns (documents, items, associations, definitions, rubrics, sets) passes the CASE-DM checks under the target's profile.");
        CASE_API_003 = cert(api_check("CASE-API-003", Must, Normative, "single-object endpoints answer the object asked for",
            "GET /CFDocuments/{id}, /CFItems/{id}, /CFAssociations/{id}, /CFLicenses/{id}, /CFAssociationGroupings/{id} (and /CFRubrics/{id}, optional for providers) answer 200 with the object whose identifier is {id}."));
        CASE_API_004 = api_check("CASE-API-004", Must, Normative, "getCFPackage",
            "GET /CFPackages/{document id} answers 200 with a CFPackage whose CFDocument is that document, and the package passes the CASE-DM checks.");
        CASE_API_005 = api_check("CASE-API-005", Must, Normative, "getCFItemAssociations",
            "GET /CFItemAssociations/{item id} answers 200 with a CFAssociationSet: the item, and every association of its framework that has the item as origin or destination.");
        CASE_API_006 = api_check("CASE-API-006", Must, Schema, "concepts, subjects and item types come in sets",
            "GET /CFConcepts/{id}, /CFSubjects/{id} and /CFItemTypes/{id} answer 200 with a CFConceptSet / CFSubjectSet / CFItemTypeSet holding the object asked for and its children by hierarchyCode.");
        CASE_API_007 = api_check("CASE-API-007", Must, Normative, "unknown identifiers",
            "A single-object endpoint asked for a well-formed identifier it does not know answers 404 with imsx_codeMinor unknownobject.");
        CASE_API_008 = api_check("CASE-API-008", Must, Normative, "malformed identifiers",
            "A single-object endpoint asked for an identifier that is not a UUID answers 404 with imsx_codeMinor invaliduuid.");
        CASE_API_009 = api_check("CASE-API-009", Must, Schema, "errors carry imsx_StatusInfo",
            "Every error response has an imsx_StatusInfo body: imsx_codeMajor failure, imsx_severity error, codeMinor values from the CASE list.");
        CASE_API_010 = cert(api_check("CASE-API-010", Should, Normative, "paging",
            "When getAllCFDocuments pages (paging is optional; a server that does not is not applicable), it honours limit and offset, sends X-Total-Count (the total) and Link rel=next on an incomplete page, and the pages hold every document once."));
        CASE_API_011 = api_check("CASE-API-011", Must, Normative, "the package agrees with the single-object endpoints",
            "An item or association served on its own is the one the package holds (the same properties and values, besides its stand-alone links), its CFDocumentURI names the package's document, and the document's CFPackageURI names its package.");
        CASE_API_012 = api_check("CASE-API-012", Should, Normative, "sort and orderBy",
            "When getAllCFDocuments sorts (optional), sort=title with orderBy=asc and desc answers the documents by title in that order; an unknown sort field answers 200 in the default order, not an error.");
        CASE_API_013 = api_check("CASE-API-013", Should, Normative, "filter",
            "When getAllCFDocuments filters (optional), filter=title='…' answers only the documents with that title, and an unknown filter field answers no data with imsx_codeMinor invalid_filter_field.");
        CASE_API_014 = api_check("CASE-API-014", Should, Normative, "fields",
            "When getAllCFDocuments selects fields (optional), fields=identifier,title answers documents with those fields only, and a blank fields answers 400 with imsx_codeMinor invalid_selection_field.");
        CASE_API_015 = api_check("CASE-API-015", Must, Schema, "responses are JSON",
            "Every 200 response is application/json.");
        CASE_API_016 = api_check("CASE-API-016", Should, Inferred, "uris resolve",
            "The uri of a document, item or association answers (with Accept: application/json) a JSON object with the same identifier.");
        CASE_API_017 = api_check("CASE-API-017", Must, Normative, "TLS",
            "The CASE API is served over https.");
    }
}

impl ApiRule {
    /// This rule's check in `family`, e.g. `ApiRule::MediaTypes.of(Family::Ob30)` is `OB30-API-007`.
    pub const fn of(self, family: Family) -> &'static Check {
        match family {
            Family::Ob30 => &OB_API[self as usize],
            Family::Clr20 => &CLR_API[self as usize],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_rule_is_instantiated_for_both_families_in_order() {
        assert_eq!(OB_API.len(), ApiRule::ALL.len());
        assert_eq!(CLR_API.len(), ApiRule::ALL.len());
        for (i, (ob, clr)) in OB_API.iter().zip(CLR_API).enumerate() {
            assert_eq!(ob.id, format!("OB30-API-{:03}", i + 1));
            assert_eq!(clr.id, format!("CLR20-API-{:03}", i + 1));
            assert_eq!(ApiRule::ALL[i].of(Family::Ob30).id, ob.id);
            assert_eq!(ApiRule::ALL[i].of(Family::Clr20).id, clr.id);
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
