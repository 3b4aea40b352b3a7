//! Named misbehaviours a mock can be told to commit, so that each harness check can be shown to fail against a
//! server that breaks exactly the rule it tests (and pass against the same server without the fault).

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

macro_rules! faults {
    ($($variant:ident = $name:literal : $desc:literal,)*) => {
        /// One named misbehaviour.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Fault {
            $($variant,)*
        }

        impl Fault {
            /// Every fault, in catalogue order.
            pub const ALL: &'static [Fault] = &[$(Fault::$variant,)*];

            /// The kebab-case name used on the command line and in reports.
            pub fn name(self) -> &'static str {
                match self {
                    $(Fault::$variant => $name,)*
                }
            }

            /// One line saying which rule the fault breaks.
            pub fn description(self) -> &'static str {
                match self {
                    $(Fault::$variant => $desc,)*
                }
            }
        }
    };
}

faults! {
    PkceNotVerified = "pkce-not-verified":
        "token endpoint issues tokens without checking code_verifier against the S256 code_challenge",
    AuthCodeReusable = "auth-code-reusable":
        "an authorization code can be redeemed more than once and reuse revokes nothing",
    RedirectUriNotChecked = "redirect-uri-not-checked": "authorize redirects to any redirect_uri, registered or not",
    StateNotEchoed = "state-not-echoed": "the authorization success redirect omits the client's state",
    ScopeNotEnforced = "scope-not-enforced": "API endpoints accept a token lacking the operation's scope",
    ExpiredTokenAccepted = "expired-token-accepted": "API endpoints accept expired access tokens",
    RevokedTokenAccepted = "revoked-token-accepted": "API endpoints accept revoked access tokens",
    WrongTotalCount = "wrong-total-count": "getCredentials sends an X-Total-Count one higher than the real total",
    MissingLinkNext = "missing-link-next": "getCredentials omits the Link rel=\"next\" on incomplete pages",
    PagingOverlaps = "paging-overlaps": "the Link rel=\"next\" offset repeats the last item of the current page (with limit=1: the same page)",
    SinceIgnored = "since-ignored": "getCredentials ignores the since query parameter",
    UpsertAlways200 = "upsert-always-200": "upsertCredential answers 200 for a new credential instead of 201",
    ErrorWithoutStatusInfo = "error-without-statusinfo":
        "API error responses carry a plain-text body instead of imsx_StatusInfo",
    DiscoveryRequiresAuth = "discovery-requires-auth":
        "the Service Description Document is only served with a bearer token",
    WrongContentType = "wrong-content-type": "API responses are labelled text/html whatever their representation",
    TokenCacheControlMissing = "token-cache-control-missing": "token responses lack Cache-Control: no-store",
    SddMissingFields = "sdd-missing-fields": "the Service Description Document lacks info.termsOfService",
    SddMissingScopes = "sdd-missing-scopes": "the Service Description Document does not advertise the profile.update scope",
    AnonymousAccess = "anonymous-access": "API requests without an access token are served as the first test user",
    ExtraResponseProperty = "extra-response-property": "the getCredentials body carries a property besides credential and compactJwsString",
    BadQueryAccepted = "bad-query-accepted": "getCredentials ignores invalid limit, offset and since values instead of answering 400",
    UpsertAlways201 = "upsert-always-201": "upsertCredential answers 201 when it replaces a credential instead of 200",
    UpsertHeldNotModified = "upsert-held-not-modified":
        "upsertCredential answers 304 Not Modified to a credential the user already holds (allowed for an identical one: OB 3.0 leaves it to the host, so replacement is not observed)",
    MalformedUpsertAccepted = "malformed-upsert-accepted": "upsertCredential answers 200 to a body that is not a credential",
    JwsUpsertRefused = "jws-upsert-refused": "upsertCredential answers 415 to a compact JWS sent as text/plain",
    RefreshWithoutAccessToken = "refresh-without-access-token":
        "a refresh_token grant answers 200 with a new refresh token but no access token",
    ProfileWithoutType = "profile-without-type": "getProfile returns the Profile without its type",
    PutProfileRefused = "put-profile-refused": "putProfile fails with 500 whatever the body",
    WrongMethodAllowed = "wrong-method-allowed": "unsupported methods on API endpoints answer 204 instead of 405",
    RegistrationResponseIncomplete = "registration-response-incomplete":
        "the registration response lacks client_id_issued_at",
    RegistrationAcceptsIncomplete = "registration-accepts-incomplete":
        "registration fills in a missing client_name instead of refusing the request",
    RegistrationAcceptsBadRedirect = "registration-accepts-bad-redirect":
        "registration accepts redirect URIs that are not https on the client's host",
    ScopeNotReturned = "scope-not-returned": "the authorization success redirect omits the granted scope",
    PkceOptional = "pkce-optional": "authorization requests without an S256 code_challenge are granted a code",
    ClientSecretNotChecked = "client-secret-not-checked": "the token endpoint accepts a wrong client secret",
    CodesNeverExpire = "codes-never-expire": "authorization codes never expire",
    UnknownScopeGranted = "unknown-scope-granted": "authorization grants scopes the client did not register",
    RefreshedTokenUnusable = "refreshed-token-unusable":
        "a refresh answers an access token the API does not know",
    RefreshWidensScope = "refresh-widens-scope":
        "a refresh asking for more scope than granted is answered (with the old scope) instead of invalid_scope",
    RevocationRejectsUnknown = "revocation-rejects-unknown": "revoking an unknown token answers 400 instead of 200",
    UnsignedCredentials = "unsigned-credentials": "getCredentials returns credentials stripped of their proof",
    TamperedCredentials = "tampered-credentials":
        "getCredentials returns credentials altered after signing (JSON name changed, JWS signature changed)",
    ForeignState = "foreign-state":
        "the authorization success redirect carries another state than the client sent (a consumer must not redeem that code)",
    Clr10UnknownTokenAccepted = "clr10-unknown-token-accepted":
        "the CLR 1.0 API serves a request with an unknown bearer token as the first test user",
    Clr10ReturnedInvalid = "clr10-returned-invalid": "getClrs returns each CLR without its publisher",
    Clr10UnknownClrFound = "clr10-unknown-clr-found": "getClr of an id the user does not hold answers 200 with an empty CLR",
    Clr10DeleteKeeps = "clr10-delete-keeps": "deleteClr answers 204 but keeps the CLR",
    CaseDocumentsBareArray = "case-documents-bare-array":
        "CASE: getAllCFDocuments without query parameters answers a bare array instead of a CFDocumentSet",
    CaseDocumentWithoutPackageLink = "case-document-without-package-link":
        "CASE: getCFDocument answers the document without its required CFPackageURI",
    CaseWrongItem = "case-wrong-item": "CASE: getCFItem answers the next item of the framework instead of the one asked for",
    CasePackageOtherDocument = "case-package-other-document":
        "CASE: getCFPackage answers the main framework's package whatever document is asked for",
    CasePackageExtraProperty = "case-package-extra-property":
        "CASE: the package's CFDocument carries the stand-alone CFPackageURI, which the package form does not define",
    CaseItemAssociationsOriginOnly = "case-item-associations-origin-only":
        "CASE: getCFItemAssociations leaves out the associations that have the item as destination",
    CaseDefinitionsUnwrapped = "case-definitions-unwrapped":
        "CASE: getCFConcept / getCFSubject / getCFItemType answer the bare object instead of its set",
    CaseUnknownAsInvalidUuid = "case-unknown-as-invaliduuid":
        "CASE: an unknown well-formed identifier answers codeMinor invaliduuid instead of unknownobject",
    CaseInvalidUuidAsUnknown = "case-invaliduuid-as-unknown":
        "CASE: a malformed identifier answers codeMinor unknownobject instead of invaliduuid",
    CaseErrorBadCodeMajor = "case-error-bad-codemajor": "CASE: error bodies say imsx_codeMajor \"error\" (not a codeMajor)",
    CaseWrongTotalCount = "case-wrong-total-count": "CASE: getAllCFDocuments sends an X-Total-Count one higher than the total",
    CaseStaleItem = "case-stale-item":
        "CASE: getCFItem answers an item whose fullStatement differs from the package's",
    CaseOrderIgnored = "case-order-ignored": "CASE: getAllCFDocuments ignores orderBy=desc",
    CaseUnknownFilterAccepted = "case-unknown-filter-accepted":
        "CASE: getAllCFDocuments answers every document to a filter on an unknown field instead of invalid_filter_field",
    CaseBlankFieldsAccepted = "case-blank-fields-accepted":
        "CASE: getAllCFDocuments answers every field to a blank fields instead of 400 invalid_selection_field",
    CaseWrongContentType = "case-wrong-content-type": "CASE: JSON answers are labelled text/html",
    CaseUriUnresolvable = "case-uri-unresolvable": "CASE: the /uri/{identifier} resolver answers 404 for everything",
}

impl Fault {
    /// A fault of the CASE server (the other faults are the provider's and its consumers').
    pub fn is_case(self) -> bool {
        self.name().starts_with("case-")
    }
}

/// The fault catalogue: `(name, description)` for every fault, for `--help` output and reports.
pub fn catalogue() -> Vec<(&'static str, &'static str)> {
    Fault::ALL.iter().map(|f| (f.name(), f.description())).collect()
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault `{0}` (see the fault catalogue)")]
pub struct UnknownFault(pub String);

impl FromStr for Fault {
    type Err = UnknownFault;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fault::ALL
            .iter()
            .copied()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownFault(s.to_string()))
    }
}

/// The set of faults a mock commits; empty means a conforming server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults(BTreeSet<Fault>);

impl Faults {
    pub fn none() -> Self {
        Faults::default()
    }

    pub fn one(fault: Fault) -> Self {
        Faults(BTreeSet::from([fault]))
    }

    pub fn with(mut self, fault: Fault) -> Self {
        self.0.insert(fault);
        self
    }

    pub fn has(&self, fault: Fault) -> bool {
        self.0.contains(&fault)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = Fault> + '_ {
        self.0.iter().copied()
    }

    /// Parses a comma-separated list of fault names (the CLI form); blank entries are ignored.
    pub fn parse_list(list: &str) -> Result<Self, UnknownFault> {
        let mut set = BTreeSet::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            set.insert(name.parse()?);
        }
        Ok(Faults(set))
    }
}

impl FromIterator<Fault> for Faults {
    fn from_iter<I: IntoIterator<Item = Fault>>(iter: I) -> Self {
        Faults(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let names: BTreeSet<_> = catalogue().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names.len(), Fault::ALL.len());
        for f in Fault::ALL {
            assert_eq!(f.name().parse::<Fault>(), Ok(*f));
            assert!(!f.description().is_empty());
        }
        assert!(Faults::parse_list("pkce-not-verified, nope").is_err());
        let fs = Faults::parse_list("pkce-not-verified,state-not-echoed").expect("known names");
        assert!(fs.has(Fault::StateNotEchoed) && !fs.has(Fault::SinceIgnored));
    }
}
