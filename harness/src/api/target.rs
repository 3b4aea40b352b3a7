//! A provider under test, as a TOML target file (or the equivalent flags) describes it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::http::HttpLimits;

/// The API families a provider can claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
pub enum Family {
    #[serde(rename = "ob30", alias = "OB30", alias = "ob")]
    Ob30,
    #[serde(rename = "clr20", alias = "CLR20", alias = "clr")]
    Clr20,
}

impl Family {
    pub const ALL: [Family; 2] = [Family::Ob30, Family::Clr20];

    /// Check id prefix.
    pub fn prefix(self) -> &'static str {
        match self {
            Family::Ob30 => "OB30",
            Family::Clr20 => "CLR20",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Family::Ob30 => "OB 3.0",
            Family::Clr20 => "CLR 2.0",
        }
    }

    /// The API's path below the base URL.
    pub fn path(self) -> &'static str {
        match self {
            Family::Ob30 => "/ims/ob/v3p0",
            Family::Clr20 => "/ims/clr/v2p0",
        }
    }

    /// The scope URI of an operation (`credential.readonly`, `credential.upsert`, `profile.readonly`,
    /// `profile.update`).
    pub fn scope(self, op: &str) -> String {
        match self {
            Family::Ob30 => format!("https://purl.imsglobal.org/spec/ob/v3p0/scope/{op}"),
            Family::Clr20 => format!("https://purl.imsglobal.org/spec/clr/v2p0/scope/{op}"),
        }
    }

    /// The credential type a credential of this family carries.
    pub fn credential_types(self) -> &'static [&'static str] {
        match self {
            Family::Ob30 => &["AchievementCredential", "OpenBadgeCredential", "EndorsementCredential"],
            Family::Clr20 => &["ClrCredential"],
        }
    }
}

/// An API a provider claims: one of the two VC-era families, which share one table of checks, or the CLR 1.0 REST
/// API, which has its own (`CLR10-API-*`, [`super::clr10`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
pub enum ApiSpec {
    #[serde(rename = "ob30", alias = "OB30", alias = "ob")]
    Ob30,
    #[serde(rename = "clr20", alias = "CLR20", alias = "clr")]
    Clr20,
    #[serde(rename = "clr10", alias = "CLR10")]
    Clr10,
    /// A CASE 1.0 server (`CASE-API-*`, [`super::case10`]): no OAuth flow of its own.
    #[serde(rename = "case10", alias = "CASE10", alias = "case")]
    Case10,
}

impl ApiSpec {
    /// The family of the OB 3.0 / CLR 2.0 checks; `None` for CLR 1.0.
    pub fn family(self) -> Option<Family> {
        match self {
            ApiSpec::Ob30 => Some(Family::Ob30),
            ApiSpec::Clr20 => Some(Family::Clr20),
            ApiSpec::Clr10 | ApiSpec::Case10 => None,
        }
    }

    /// Check id prefix.
    pub fn prefix(self) -> &'static str {
        match self {
            ApiSpec::Ob30 => "OB30",
            ApiSpec::Clr20 => "CLR20",
            ApiSpec::Clr10 => "CLR10",
            ApiSpec::Case10 => "CASE",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ApiSpec::Ob30 => "OB 3.0",
            ApiSpec::Clr20 => "CLR 2.0",
            ApiSpec::Clr10 => "CLR 1.0",
            ApiSpec::Case10 => "CASE 1.0",
        }
    }

    /// The API's path below the base URL.
    pub fn path(self) -> &'static str {
        match self {
            ApiSpec::Ob30 => Family::Ob30.path(),
            ApiSpec::Clr20 => Family::Clr20.path(),
            ApiSpec::Clr10 => "/ims/clr/v1p0",
            ApiSpec::Case10 => crate::case::PATH,
        }
    }

    /// Parses a `--spec` value.
    pub fn parse(s: &str) -> Result<ApiSpec, String> {
        match s.to_ascii_lowercase().as_str() {
            "ob30" | "ob" => Ok(ApiSpec::Ob30),
            "clr20" | "clr" => Ok(ApiSpec::Clr20),
            "clr10" => Ok(ApiSpec::Clr10),
            "case10" | "case" => Ok(ApiSpec::Case10),
            other => Err(format!("unknown API `{other}`: use ob30, clr20, clr10 or case10")),
        }
    }
}

impl From<Family> for ApiSpec {
    fn from(f: Family) -> Self {
        match f {
            Family::Ob30 => ApiSpec::Ob30,
            Family::Clr20 => ApiSpec::Clr20,
        }
    }
}

/// The operations CLR 1.0 names its scopes after.
pub const CLR10_SCOPE_OPS: [&str; 3] = ["readonly", "replace", "delete"];

/// The scope URI of a CLR 1.0 operation (`readonly`, `replace`, `delete`).
pub fn clr10_scope(op: &str) -> String {
    format!("https://purl.imsglobal.org/spec/clr/v1p0/scope/{op}")
}

pub const SCOPE_OPS: [&str; 4] = [
    "credential.readonly",
    "credential.upsert",
    "profile.readonly",
    "profile.update",
];

/// How the harness obtains access tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMode {
    /// Dynamic registration, then a person logs in: the harness prints the authorization URL and listens on a
    /// loopback redirect URI until the browser comes back.
    #[default]
    Interactive,
    /// Dynamic registration, then the authorization endpoint answers at once (the reference provider's
    /// auto-consent user): every OAuth check runs unattended.
    AutoConsent,
    /// Tokens issued beforehand; the OAuth flow checks are not run.
    Token,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    #[serde(default)]
    pub mode: AuthMode,
    /// `token` mode: an access token with every scope the claimed APIs need.
    pub access_token: Option<String>,
    /// `token` mode: its refresh token, if any.
    pub refresh_token: Option<String>,
    /// `token` mode: a token with `credential.readonly` only, for the scope-enforcement check.
    pub readonly_access_token: Option<String>,
    /// `interactive` mode: loopback port of the redirect URI (0 = any free port).
    #[serde(default)]
    pub redirect_port: u16,
    /// `interactive` mode: how long to wait for each login, in seconds.
    pub login_timeout_secs: Option<u64>,
    /// Client metadata sent at registration instead of the defaults (`client_name`, `client_uri`, `logo_uri`,
    /// `tos_uri`, `policy_uri`, `software_id`, `software_version`).
    #[serde(default)]
    pub client: toml::Table,
}

/// OAuth endpoints the Service Description Document does not give (revocation) or that should be used when the
/// provider's discovery fails.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthEndpoints {
    pub registration_url: Option<String>,
    pub authorization_url: Option<String>,
    pub token_url: Option<String>,
    /// RFC 7009 endpoint; without it the revocation checks do not apply.
    pub revocation_url: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// Extra CA certificates (PEM) to trust, e.g. the mocks' `--ca-out` file.
    pub ca_file: Option<PathBuf>,
    /// CA certificates (PEM) given in code, e.g. by the embedded mocks.
    #[serde(skip)]
    pub ca_pem: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    pub connect_timeout_secs: Option<u64>,
    pub request_timeout_secs: Option<u64>,
    pub max_body_bytes: Option<u64>,
    /// Whole run, in seconds; what is left undone is reported as Error.
    pub run_timeout_secs: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialsConfig {
    /// Credentials (JSON or compact JWS files) to upsert; default: the signed samples built into the harness.
    #[serde(default)]
    pub upsert: Vec<PathBuf>,
    /// The provider has no upsertCredential / putProfile (or they must not be called): write checks do not apply.
    #[serde(default)]
    pub read_only: bool,
}

/// How a CASE 1.0 server is tested.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CaseConfig {
    /// `strict` (the OpenAPI as written) or `interop` (documented real-server departures are warnings).
    pub profile: crate::case::Profile,
    /// Frameworks (CFDocuments) whose package and objects are fetched, at most.
    pub max_documents: usize,
    /// Items (and as many associations) of each framework fetched on their own, at most.
    pub sample: usize,
}

impl Default for CaseConfig {
    fn default() -> Self {
        CaseConfig {
            profile: crate::case::Profile::Strict,
            max_documents: 5,
            sample: 10,
        }
    }
}

/// A provider under test.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Base URL; the APIs are at `{base_url}/ims/ob/v3p0`, `{base_url}/ims/clr/v2p0` and `{base_url}/ims/clr/v1p0`.
    pub base_url: String,
    /// Which APIs the provider claims; default OB 3.0 and CLR 2.0.
    #[serde(default = "default_specs")]
    pub specs: Vec<ApiSpec>,
    #[serde(default)]
    pub auth: AuthConfig,
    #[serde(default)]
    pub oauth: OAuthEndpoints,
    #[serde(default)]
    pub tls: TlsConfig,
    #[serde(default)]
    pub limits: LimitsConfig,
    #[serde(default)]
    pub credentials: CredentialsConfig,
    /// A CASE 1.0 server (`specs = ["case10"]`): the profile and how much of it is fetched.
    #[serde(default)]
    pub case: CaseConfig,
    /// Other hosts (`name` or `name:port`) the harness may contact even at non-public addresses.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
}

fn default_specs() -> Vec<ApiSpec> {
    vec![ApiSpec::Ob30, ApiSpec::Clr20]
}

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("cannot read the target file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("target file {}: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    #[error("target: {0}")]
    Invalid(String),
}

impl Target {
    /// A target with defaults for everything but the base URL.
    pub fn new(base_url: &str) -> Self {
        Target {
            base_url: base_url.to_string(),
            specs: default_specs(),
            auth: AuthConfig::default(),
            oauth: OAuthEndpoints::default(),
            tls: TlsConfig::default(),
            limits: LimitsConfig::default(),
            credentials: CredentialsConfig::default(),
            case: CaseConfig::default(),
            allowed_hosts: Vec::new(),
        }
    }

    /// Reads a target file; relative paths inside it are taken relative to the file.
    pub fn load(path: &Path) -> Result<Self, TargetError> {
        let text = std::fs::read_to_string(path).map_err(|source| TargetError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut t: Target = toml::from_str(&text).map_err(|e| TargetError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let rebase = |p: &PathBuf| if p.is_relative() { dir.join(p) } else { p.clone() };
        t.tls.ca_file = t.tls.ca_file.as_ref().map(rebase);
        t.credentials.upsert = t.credentials.upsert.iter().map(rebase).collect();
        t.validate()?;
        Ok(t)
    }

    pub fn validate(&self) -> Result<(), TargetError> {
        let url = self.base()?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(TargetError::Invalid(format!("base_url {url} is not http(s)")));
        }
        if self.specs.is_empty() {
            return Err(TargetError::Invalid(
                "specs is empty: claim one or more of ob30, clr20, clr10, case10".into(),
            ));
        }
        if self.auth.mode == AuthMode::Token && self.auth.access_token.is_none() {
            return Err(TargetError::Invalid(
                "auth.mode = \"token\" needs auth.access_token".into(),
            ));
        }
        Ok(())
    }

    /// The OB 3.0 / CLR 2.0 families claimed, in the order given.
    pub fn families(&self) -> Vec<Family> {
        self.specs.iter().filter_map(|s| s.family()).collect()
    }

    /// Whether any claimed API is behind the OAuth 2.0 flow (all but CASE, which needs no authorization).
    pub fn uses_oauth(&self) -> bool {
        self.specs.iter().any(|s| *s != ApiSpec::Case10)
    }

    /// Whether the provider claims `spec`.
    pub fn claims(&self, spec: ApiSpec) -> bool {
        self.specs.contains(&spec)
    }

    /// The base URL without a trailing slash.
    pub fn base(&self) -> Result<Url, TargetError> {
        Url::parse(self.base_url.trim_end_matches('/'))
            .map_err(|e| TargetError::Invalid(format!("base_url `{}` is not a URL: {e}", self.base_url)))
    }

    pub fn http_limits(&self) -> HttpLimits {
        let d = HttpLimits::default();
        HttpLimits {
            connect_timeout: self
                .limits
                .connect_timeout_secs
                .map_or(d.connect_timeout, Duration::from_secs),
            request_timeout: self
                .limits
                .request_timeout_secs
                .map_or(d.request_timeout, Duration::from_secs),
            max_body: self.limits.max_body_bytes.unwrap_or(d.max_body),
        }
    }

    pub fn run_timeout(&self) -> Duration {
        Duration::from_secs(self.limits.run_timeout_secs.unwrap_or(300))
    }
}

/// The commented target file `clr-harness init` writes.
pub const TEMPLATE: &str = r#"# clr-harness target file: the provider to test with `clr-harness run --target THIS_FILE`.

# Base URL of the provider. The APIs are expected at {base_url}/ims/ob/v3p0, {base_url}/ims/clr/v2p0 and
# {base_url}/ims/clr/v1p0 (a path prefix such as https://host/tenant is fine).
base_url = "https://provider.example"

# Which APIs the provider claims: "ob30" (Open Badges 3.0), "clr20" (CLR 2.0), "clr10" (CLR 1.0), any of them;
# or "case10" for a CASE 1.0 server (its API at {base_url}/ims/case/v1p0; no OAuth flow: a token, if it needs one,
# goes in auth.access_token with mode = "token").
specs = ["ob30", "clr20"]

# Other hosts the harness may contact even at private addresses (name or name:port), e.g. a separate
# authorization server on your intranet. The target's own host is always allowed.
allowed_hosts = []

[auth]
# How the harness gets access tokens:
#   "interactive"  - registers a client, prints the authorization URL and waits for your browser to come back
#                    to a loopback redirect URI (http://127.0.0.1:PORT/callback); every OAuth check runs.
#                    You will be asked to approve several times: each negative check needs a fresh code.
#   "auto-consent" - like interactive, but the authorization endpoint approves at once (test providers).
#   "token"        - use tokens issued beforehand; the OAuth flow checks are not run.
mode = "interactive"
# redirect_port = 8765          # loopback port of the redirect URI (0 = any free port)
# login_timeout_secs = 300      # how long to wait for each login
# access_token = "..."          # token mode: a token with every scope of the claimed APIs
# refresh_token = "..."         # token mode: its refresh token, if any
# readonly_access_token = "..." # token mode: a credential.readonly-only token, for the scope check

# Client metadata sent at registration (defaults name the harness and use the loopback host).
# [auth.client]
# client_name = "clr-harness"

[oauth]
# RFC 7009 revocation endpoint (the Service Description Document does not advertise one).
# revocation_url = "https://provider.example/oauth/revoke"
# Fallbacks when discovery does not give them:
# registration_url = "https://provider.example/oauth/register"
# authorization_url = "https://provider.example/oauth/authorize"
# token_url = "https://provider.example/oauth/token"

[tls]
# Extra CA certificate(s) to trust, PEM (e.g. the file `clr-harness mocks serve --ca-out` writes).
# ca_file = "ca.pem"

[limits]
# connect_timeout_secs = 5
# request_timeout_secs = 15
# max_body_bytes = 8388608
# run_timeout_secs = 300

[case]
# CASE servers only: "strict" (the 1EdTech OpenAPI as written, what certification tests) or "interop" (the
# departures real servers are documented to make, such as extra link properties or placeholder UUIDs, are warnings).
# profile = "strict"
# max_documents = 5   # frameworks whose package and objects are fetched
# sample = 10         # items (and associations) per framework fetched on their own

[credentials]
# Credentials to upsert (JSON or compact JWS files, relative to this file). Default: the harness's signed samples.
# upsert = ["my-badge.json", "my-clr.json"]
# The provider has no upsertCredential / putProfile: the write checks do not apply.
read_only = false
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_parses_to_the_defaults() {
        let t: Target = toml::from_str(TEMPLATE).expect("the template is a valid target");
        assert_eq!(t.specs, vec![ApiSpec::Ob30, ApiSpec::Clr20]);
        let clr1: Target = toml::from_str("base_url = \"https://x\"\nspecs = [\"clr10\"]").expect("parses");
        assert!(clr1.claims(ApiSpec::Clr10) && clr1.families().is_empty());
        assert_eq!(t.auth.mode, AuthMode::Interactive);
        assert!(!t.credentials.read_only);
        t.validate().expect("valid");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        assert!(toml::from_str::<Target>("base_url = \"https://x\"\nbase_ulr = 1").is_err());
        let t: Target = toml::from_str("base_url = \"ftp://x\"").expect("parses");
        assert!(t.validate().is_err());
        let t: Target = toml::from_str("base_url = \"https://x\"\n[auth]\nmode = \"token\"").expect("parses");
        assert!(t.validate().unwrap_err().to_string().contains("access_token"));
    }
}
