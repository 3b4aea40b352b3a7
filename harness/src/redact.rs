//! Secrets out of reports: access, refresh and ID tokens, client secrets, authorization codes, PKCE verifiers,
//! cookies and passwords are replaced by placeholders in every recorded exchange, finding and command line.
//!
//! One [`Redactor`] per run learns each secret where it shows up first (a request header, a form field, a token
//! response, a redirect's query) and names it by kind and order of first sight: `<access-token-1>`,
//! `<refresh-token-2>`. The same value always gets the same name, so a reader can follow one token through a
//! transcript. Exchanges are redacted as they are recorded ([`Redactor::record`]; the checks still see the real
//! responses), and [`scrub_run`] sweeps the finished run before any report is rendered. A disabled redactor
//! (`--no-redact`) changes nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clr_reports::{Exchange, Location, Run};
use serde_json::Value;

/// Values shorter than this (in characters) are replaced only where they are known to be secrets (a header, a form
/// field, a query parameter, a JSON member), never in free text, where they would mangle ordinary words.
pub const MIN_FREE_TEXT_CHARS: usize = 8;

/// What a masked command-line value becomes.
pub const REDACTED: &str = "<redacted>";

/// Values the harness makes up itself to be refused (`clr-harness-unknown-token`, `clr-harness-wrong-secret`):
/// nothing to hide, and a transcript that shows them says more.
const DECOY_PREFIX: &str = "clr-harness-";

/// What a secret is; its placeholder says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    AccessToken,
    RefreshToken,
    IdToken,
    ClientSecret,
    AuthorizationCode,
    CodeVerifier,
    RegistrationAccessToken,
    Cookie,
    Password,
    /// The base64 of `client_id:client_secret` in `Authorization: Basic`.
    BasicCredentials,
    /// A JWT assertion (`assertion`, `client_assertion`) standing for a grant or a client's credentials.
    Assertion,
}

impl Kind {
    /// Every kind, for reading placeholders back.
    pub const ALL: [Kind; 11] = [
        Kind::AccessToken,
        Kind::RefreshToken,
        Kind::IdToken,
        Kind::ClientSecret,
        Kind::AuthorizationCode,
        Kind::CodeVerifier,
        Kind::RegistrationAccessToken,
        Kind::Cookie,
        Kind::Password,
        Kind::BasicCredentials,
        Kind::Assertion,
    ];

    /// The placeholder stem: `<{name}-{n}>`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::AccessToken => "access-token",
            Kind::RefreshToken => "refresh-token",
            Kind::IdToken => "id-token",
            Kind::ClientSecret => "client-secret",
            Kind::AuthorizationCode => "authorization-code",
            Kind::CodeVerifier => "code-verifier",
            Kind::RegistrationAccessToken => "registration-access-token",
            Kind::Cookie => "cookie",
            Kind::Password => "password",
            Kind::BasicCredentials => "basic-credentials",
            Kind::Assertion => "assertion",
        }
    }
}

/// Where a name/value pair was found; decides which names are secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// A form body (token, revocation and login requests).
    Form,
    /// A JSON member (token and registration responses).
    Json,
    /// A query parameter of any URL.
    Query,
    /// A query parameter of a redirect (`Location`): an authorization code travels there.
    Redirect,
}

/// The kind of secret a field of that name holds in that place, if it is one. `token` (revocation) is an access
/// token unless the request's `token_type_hint` says otherwise.
fn field_kind(name: &str, place: Place) -> Option<Kind> {
    let kind = match name {
        "access_token" => Kind::AccessToken,
        "refresh_token" => Kind::RefreshToken,
        "id_token" => Kind::IdToken,
        "client_secret" => Kind::ClientSecret,
        "registration_access_token" => Kind::RegistrationAccessToken,
        "password" => Kind::Password,
        "assertion" | "client_assertion" => Kind::Assertion,
        "code_verifier" => Kind::CodeVerifier,
        "token" if place != Place::Json => Kind::AccessToken,
        "api_key" | "apikey" if matches!(place, Place::Query | Place::Redirect) => Kind::AccessToken,
        // `code` is an authorization code in a token request and a redirect; elsewhere (a JSON error object, a
        // document URL) it is an ordinary word.
        "code" if matches!(place, Place::Form | Place::Redirect) => Kind::AuthorizationCode,
        _ => return None,
    };
    Some(kind)
}

/// The run's table: every secret seen, its placeholder, and the text forms free text is searched for.
#[derive(Default)]
struct Table {
    names: HashMap<String, String>,
    counts: HashMap<Kind, usize>,
    /// (text form, placeholder) of every value long enough for free text, longest first.
    patterns: Vec<(String, String)>,
}

impl Table {
    fn learn(&mut self, kind: Kind, value: &str) -> String {
        if let Some(name) = self.names.get(value) {
            return name.clone();
        }
        let n = self.counts.entry(kind).or_insert(0);
        *n += 1;
        let name = format!("<{}-{n}>", kind.name());
        self.names.insert(value.to_string(), name.clone());
        if value.chars().count() >= MIN_FREE_TEXT_CHARS {
            for form in text_forms(value) {
                if !self.patterns.iter().any(|(p, _)| *p == form) {
                    self.patterns.push((form, name.clone()));
                }
            }
            // Longest first: a secret that contains another is replaced whole.
            self.patterns.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
        }
        name
    }
}

/// How a value can appear in text: as is, form- and percent-encoded, and escaped inside a JSON string.
fn text_forms(value: &str) -> Vec<String> {
    let mut forms = vec![value.to_string()];
    let mut add = |f: String| {
        if !forms.contains(&f) {
            forms.push(f);
        }
    };
    add(url::form_urlencoded::byte_serialize(value.as_bytes()).collect());
    add(percent_encode(value));
    if let Ok(json) = serde_json::to_string(value) {
        let inner = json.trim_matches('"').to_string();
        add(inner.replace('/', "\\/"));
        add(inner);
    }
    forms
}

/// RFC 3986 percent-encoding of everything but the unreserved characters.
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `s` with form-encoding undone (`+` is a space, `%XX` a byte).
fn form_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

/// A placeholder this module wrote, or a masked value: never learned as a secret of its own.
fn is_placeholder(value: &str) -> bool {
    value.starts_with('<') && value.ends_with('>')
}

/// Replaces the secrets of one run by stable placeholders. Cheap to clone: clones share the table.
#[derive(Clone)]
pub struct Redactor {
    /// `None`: disabled (`--no-redact`), every method leaves text as it is.
    table: Option<Arc<Mutex<Table>>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the values: a Debug print must not undo the redaction.
        f.debug_struct("Redactor")
            .field("enabled", &self.is_enabled())
            .field("known", &self.lock().map_or(0, |t| t.names.len()))
            .finish()
    }
}

impl Default for Redactor {
    /// Enabled: reports are redacted unless the user asks otherwise.
    fn default() -> Self {
        Redactor::new()
    }
}

impl Redactor {
    /// An enabled redactor with an empty table.
    pub fn new() -> Self {
        Redactor {
            table: Some(Arc::new(Mutex::new(Table::default()))),
        }
    }

    /// A redactor that changes nothing (`--no-redact`).
    pub fn disabled() -> Self {
        Redactor { table: None }
    }

    /// Enabled when `redact` is true.
    pub fn when(redact: bool) -> Self {
        if redact { Redactor::new() } else { Redactor::disabled() }
    }

    pub fn is_enabled(&self) -> bool {
        self.table.is_some()
    }

    /// Whether some kind of secret has more than one placeholder (whose numbers then depend on the order of sight).
    fn numbered_several(&self) -> bool {
        self.lock().is_some_and(|t| t.counts.values().any(|n| *n > 1))
    }

    fn lock(&self) -> Option<MutexGuard<'_, Table>> {
        // A panic elsewhere cannot leave the table half-written (each insert is one call), so a poisoned lock is
        // still good to use.
        self.table
            .as_ref()
            .map(|t| t.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Registers a secret; returns its placeholder. `None` when disabled, for an empty value, a placeholder, or
    /// one of the harness's own decoys.
    pub fn learn(&self, kind: Kind, value: &str) -> Option<String> {
        if value.is_empty() || value.starts_with(DECOY_PREFIX) || is_placeholder(value) {
            return None;
        }
        Some(self.lock()?.learn(kind, value))
    }

    /// The placeholder of a value learned before.
    pub fn name_of(&self, value: &str) -> Option<String> {
        self.lock()?.names.get(value).cloned()
    }

    /// Every (placeholder, secret) pair learned so far, by placeholder. For tests and debugging: these are the
    /// live values.
    pub fn known(&self) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = self
            .lock()
            .map(|t| t.names.iter().map(|(v, n)| (n.clone(), v.clone())).collect())
            .unwrap_or_default();
        all.sort();
        all
    }

    /// `text` with every known secret of at least [`MIN_FREE_TEXT_CHARS`] characters replaced (in each of its
    /// encoded forms too).
    pub fn scrub(&self, text: &str) -> String {
        let Some(table) = self.lock() else {
            return text.to_string();
        };
        let mut out = text.to_string();
        for (pattern, name) in &table.patterns {
            if out.contains(pattern.as_str()) {
                out = out.replace(pattern.as_str(), name);
            }
        }
        out
    }

    /// Learns the secrets of request or response headers: `Authorization` (Bearer, or Basic decoded into its client
    /// secret), `Cookie`, `Set-Cookie`, and the query of a `Location`.
    pub fn learn_headers(&self, headers: &[(String, String)]) {
        if !self.is_enabled() {
            return;
        }
        for (name, value) in headers {
            match name.to_ascii_lowercase().as_str() {
                "authorization" | "proxy-authorization" => self.learn_authorization(value),
                "cookie" => {
                    for pair in value.split(';') {
                        if let Some((_, v)) = pair.split_once('=') {
                            self.learn(Kind::Cookie, v.trim());
                        }
                    }
                }
                "set-cookie" => {
                    if let Some((_, v)) = value.split(';').next().and_then(|p| p.split_once('=')) {
                        self.learn(Kind::Cookie, v.trim());
                    }
                }
                "location" | "content-location" => self.learn_url_in(value, Place::Redirect),
                _ => {}
            }
        }
    }

    fn learn_authorization(&self, value: &str) {
        let value = value.trim();
        let Some((scheme, credentials)) = value.split_once(' ') else {
            self.learn(Kind::AccessToken, value);
            return;
        };
        let credentials = credentials.trim();
        if !scheme.eq_ignore_ascii_case("basic") {
            self.learn(Kind::AccessToken, credentials);
            return;
        }
        // RFC 6749 §2.3.1: client_id and secret are form-encoded, joined by `:`, then base64-encoded.
        let secret = STANDARD
            .decode(credentials)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|pair| pair.split_once(':').map(|(_, s)| s.to_string()));
        self.learn(Kind::BasicCredentials, credentials);
        if let Some(secret) = secret {
            self.learn(Kind::ClientSecret, &secret);
            self.learn(Kind::ClientSecret, &form_decode(&secret));
        }
    }

    /// Learns the secret fields of a form body (`code`, `code_verifier`, `refresh_token`, `client_secret`, `token`,
    /// `password`, `assertion` …).
    pub fn learn_form(&self, body: &str) {
        if !self.is_enabled() {
            return;
        }
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body.trim().as_bytes())
            .into_owned()
            .collect();
        let hint = pairs
            .iter()
            .find(|(k, _)| k == "token_type_hint")
            .map(|(_, v)| v.as_str());
        for (k, v) in &pairs {
            let kind = match (k.as_str(), hint) {
                ("token", Some("refresh_token")) => Some(Kind::RefreshToken),
                _ => field_kind(k, Place::Form),
            };
            if let Some(kind) = kind {
                self.learn(kind, v);
            }
        }
    }

    /// Learns the secret members of a JSON body (`access_token`, `refresh_token`, `id_token`, `client_secret`,
    /// `registration_access_token`, at any depth). Returns the values found.
    pub fn learn_json(&self, body: &str) -> Vec<String> {
        if !self.is_enabled() {
            return Vec::new();
        }
        let mut found = Vec::new();
        json_secrets(body, &mut found);
        found
            .into_iter()
            .filter_map(|(kind, v)| self.learn(kind, &v).map(|_| v))
            .collect()
    }

    /// Learns the password of a URL's userinfo and the tokens in its query and fragment (`access_token`, `token`
    /// …). An authorization code is learned from redirects only ([`Redactor::learn_headers`] on `Location`).
    pub fn learn_url(&self, url: &str) {
        self.learn_url_in(url, Place::Query);
    }

    fn learn_url_in(&self, url: &str, place: Place) {
        if !self.is_enabled() {
            return;
        }
        let parts = UrlParts::split(url);
        if let Some((_, password)) = parts.userinfo.and_then(|u| u.split_once(':')) {
            self.learn(Kind::Password, &form_decode(password));
        }
        for params in [parts.query, parts.fragment].into_iter().flatten() {
            for (k, v) in url::form_urlencoded::parse(params.as_bytes()) {
                if let Some(kind) = field_kind(&k, place) {
                    self.learn(kind, &v);
                }
            }
        }
    }

    /// `url` with the secrets in its userinfo, query and fragment replaced (short ones included).
    pub fn redact_url(&self, url: &str) -> String {
        if !self.is_enabled() {
            return url.to_string();
        }
        let parts = UrlParts::split(url);
        let mut out = String::with_capacity(url.len());
        out.push_str(parts.before_userinfo);
        if let Some(userinfo) = parts.userinfo {
            match userinfo.split_once(':') {
                Some((user, password)) => {
                    let name = self
                        .name_of(&form_decode(password))
                        .unwrap_or_else(|| password.to_string());
                    out.push_str(&format!("{user}:{name}@"));
                }
                None => out.push_str(&format!("{userinfo}@")),
            }
        }
        out.push_str(parts.path);
        if let Some(q) = parts.query {
            out.push('?');
            out.push_str(&self.redact_pairs(q));
        }
        if let Some(f) = parts.fragment {
            out.push('#');
            out.push_str(&self.redact_pairs(f));
        }
        self.scrub(&out)
    }

    /// `a=1&code=X` with the known secret values of secret-named fields replaced; the rest left byte for byte.
    fn redact_pairs(&self, text: &str) -> String {
        text.split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, v)) if is_secret_field(&form_decode(k)) => {
                    // A body's final line break stays, outside the value.
                    let value = v.trim_end();
                    match self.name_of(&form_decode(value)) {
                        Some(name) => format!("{k}={name}{}", &v[value.len()..]),
                        None => pair.to_string(),
                    }
                }
                _ => pair.to_string(),
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Headers with their secrets replaced: the credentials of `Authorization`, cookie values, a redirect's
    /// query; every other value scrubbed.
    pub fn redact_headers(&self, headers: &mut [(String, String)]) {
        if !self.is_enabled() {
            return;
        }
        for (name, value) in headers.iter_mut() {
            *value = match name.to_ascii_lowercase().as_str() {
                "authorization" | "proxy-authorization" => self.redact_authorization(value),
                "cookie" => value
                    .split(';')
                    .map(|pair| self.redact_cookie(pair))
                    .collect::<Vec<_>>()
                    .join(";"),
                "set-cookie" => match value.split_once(';') {
                    Some((first, attributes)) => self.scrub(&format!("{};{attributes}", self.redact_cookie(first))),
                    None => self.redact_cookie(value),
                },
                "location" | "content-location" => self.redact_url(value),
                _ => self.scrub(value),
            };
        }
    }

    fn redact_authorization(&self, value: &str) -> String {
        let trimmed = value.trim();
        let (scheme, credentials) = match trimmed.split_once(' ') {
            Some((s, c)) => (Some(s), c.trim()),
            None => (None, trimmed),
        };
        match (self.name_of(credentials), scheme) {
            (Some(name), Some(scheme)) => format!("{scheme} {name}"),
            (Some(name), None) => name,
            (None, _) => self.scrub(value),
        }
    }

    /// ` name=value` with the value's placeholder, spacing kept.
    fn redact_cookie(&self, pair: &str) -> String {
        match pair.split_once('=') {
            Some((k, v)) => match self.name_of(v.trim()) {
                Some(name) => format!("{k}={name}"),
                None => self.scrub(pair),
            },
            None => self.scrub(pair),
        }
    }

    /// A body with its secrets replaced: secret form fields by position, the members in `json_values` (the
    /// secrets of a JSON body, short ones included) as whole JSON strings, everything else by [`Redactor::scrub`].
    fn redact_body(&self, body: &str, form: bool, json_values: &[String]) -> String {
        let mut out = if form {
            self.redact_pairs(body)
        } else {
            body.to_string()
        };
        for v in json_values {
            if let (Some(name), Ok(literal)) = (self.name_of(v), serde_json::to_string(v))
                && out.contains(&literal)
            {
                out = out.replace(&literal, &format!("\"{name}\""));
            }
        }
        self.scrub(&out)
    }

    /// Redacts an exchange as it is recorded: learns the secrets of its URL, headers and whole bodies (`request_body`
    /// and `response_body`, the raw bytes), then replaces them everywhere — URL, headers, bodies, error — and keeps
    /// at most `limit` bytes of each body (`response_body_truncated` is set when the response is cut). The curl
    /// command is the caller's to rebuild from the redacted parts. Disabled, only the cut happens.
    pub fn record(&self, e: &mut Exchange, request_body: Option<&[u8]>, response_body: Option<&[u8]>, limit: usize) {
        let request_text = request_body.map(|b| String::from_utf8_lossy(b).into_owned());
        let response_text = response_body.map(|b| String::from_utf8_lossy(b).into_owned());
        let request_form = is_form(&e.request_headers);
        let response_form = is_form(&e.response_headers);
        let mut json_values = Vec::new();
        if self.is_enabled() {
            self.learn_url(&e.url);
            self.learn_headers(&e.request_headers);
            self.learn_headers(&e.response_headers);
            for (text, form) in [(&request_text, request_form), (&response_text, response_form)] {
                if let Some(text) = text {
                    if form {
                        self.learn_form(text);
                    }
                    json_values.extend(self.learn_json(text));
                }
            }
            e.url = self.redact_url(&e.url);
            self.redact_headers(&mut e.request_headers);
            self.redact_headers(&mut e.response_headers);
            e.error = e.error.as_deref().map(|t| self.scrub(t));
        }
        if let (Some(raw), Some(text)) = (request_body, request_text) {
            let text = self.redact_body(&text, request_form, &json_values);
            e.request_body = Some(cut(text, raw, limit));
            e.request_body_truncated = raw.len() > limit;
        }
        if let (Some(raw), Some(text)) = (response_body, response_text) {
            let text = self.redact_body(&text, response_form, &json_values);
            e.response_body = Some(cut(text, raw, limit));
            e.response_body_truncated |= raw.len() > limit;
        }
    }
}

/// Whether the headers say the body is a form.
fn is_form(headers: &[(String, String)]) -> bool {
    headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("content-type")
            && v.trim()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
    })
}

fn is_secret_field(name: &str) -> bool {
    field_kind(name, Place::Form).is_some() || field_kind(name, Place::Redirect).is_some()
}

/// The secret members of a JSON text, at any depth; nothing when it is not JSON.
fn json_secrets(body: &str, out: &mut Vec<(Kind, String)>) {
    let trimmed = body.trim_start();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        return;
    }
    if let Ok(v) = serde_json::from_str::<Value>(trimmed) {
        walk(&v, out);
    }
    fn walk(v: &Value, out: &mut Vec<(Kind, String)>) {
        match v {
            Value::Object(o) => {
                for (k, v) in o {
                    match (field_kind(k, Place::Json), v) {
                        (Some(kind), Value::String(s)) => out.push((kind, s.clone())),
                        _ => walk(v, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
}

/// The redacted text of a body whose raw form is `raw`, cut where the first `limit` raw bytes end: the budget is
/// the length of those bytes as text, so an unredacted body is cut where it always was.
fn cut(mut text: String, raw: &[u8], limit: usize) -> String {
    if raw.len() <= limit {
        return text;
    }
    let budget = String::from_utf8_lossy(&raw[..limit]).len();
    let mut end = budget.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text
}

/// A URL split around its userinfo, query and fragment, as text (no normalisation: the record keeps what was sent).
struct UrlParts<'a> {
    /// Scheme, `://`, up to the userinfo.
    before_userinfo: &'a str,
    userinfo: Option<&'a str>,
    /// Host, port and path.
    path: &'a str,
    query: Option<&'a str>,
    fragment: Option<&'a str>,
}

impl<'a> UrlParts<'a> {
    fn split(url: &'a str) -> Self {
        let (rest, fragment) = match url.split_once('#') {
            Some((r, f)) => (r, Some(f)),
            None => (url, None),
        };
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let authority_start = rest.find("://").map_or(0, |i| i + 3);
        let authority_end = rest[authority_start..]
            .find('/')
            .map_or(rest.len(), |i| authority_start + i);
        let (before_userinfo, userinfo, path) = match rest[authority_start..authority_end].rfind('@') {
            Some(at) => (
                &rest[..authority_start],
                Some(&rest[authority_start..authority_start + at]),
                &rest[authority_start + at + 1..],
            ),
            None => (rest, None, ""),
        };
        UrlParts {
            before_userinfo,
            userinfo,
            path,
            query,
            fragment,
        }
    }
}

/// The command line with the value of every flag naming a token, secret or password masked (`--token X`,
/// `--token=X`, `--client-secret X`).
pub fn mask_command(args: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut mask_next = false;
    let mut flags_done = false;
    for (i, arg) in args.iter().enumerate() {
        if mask_next {
            out.push(REDACTED.to_string());
            mask_next = false;
            continue;
        }
        if arg == "--" {
            flags_done = true;
        }
        let lower = arg.to_ascii_lowercase();
        let secret_flag = i > 0
            && !flags_done
            && arg.starts_with('-')
            && ["token", "secret", "password"].iter().any(|w| lower.contains(w));
        if !secret_flag {
            out.push(arg.clone());
        } else if let Some((flag, _)) = arg.split_once('=') {
            out.push(format!("{flag}={REDACTED}"));
        } else {
            out.push(arg.clone());
            mask_next = true;
        }
    }
    out
}

/// Sweeps a finished run with the run's table before any report is rendered: the command line (secret flags
/// masked), subjects' names and notes, every finding's texts and evidence, and the exchanges again (a secret
/// learned late may appear in an earlier one). Disabled, the run is left as it is.
pub fn scrub_run(r: &Redactor, run: &mut Run) {
    if r.is_enabled() {
        scrub_texts(r, run);
        if r.numbered_several() {
            renumber_placeholders(run);
        }
    }
    // Cut only once the secrets are out: a cut through a token would leave its start unrecognised.
    run.cap_values();
}

fn scrub_texts(r: &Redactor, run: &mut Run) {
    let s = |t: &mut String| *t = r.scrub(t);
    // A URL (an input, an exchange's) has its short secrets replaced too, where they sit.
    let url_or_text = |t: &mut String| {
        *t = if (t.starts_with("http://") || t.starts_with("https://")) && !t.contains(char::is_whitespace) {
            r.redact_url(t)
        } else {
            r.scrub(t)
        }
    };
    let opt = |t: &mut Option<String>| {
        if let Some(t) = t {
            *t = r.scrub(t);
        }
    };
    let location = |l: &mut Location| {
        opt(&mut l.http);
        opt(&mut l.snippet);
        opt(&mut l.layer);
    };
    run.command = mask_command(&run.command);
    run.command.iter_mut().for_each(url_or_text);
    for subject in &mut run.subjects {
        url_or_text(&mut subject.name);
        url_or_text(&mut subject.source);
        opt(&mut subject.unverified);
        if let Some(scope) = &mut subject.scope {
            location(scope);
        }
        for result in &mut subject.results {
            opt(&mut result.note);
            for f in &mut result.findings {
                s(&mut f.message);
                opt(&mut f.expected);
                opt(&mut f.actual);
                opt(&mut f.hint);
                location(&mut f.location);
                for e in &mut f.evidence {
                    s(&mut e.value);
                }
            }
        }
    }
    for e in &mut run.exchanges {
        url_or_text(&mut e.url);
        for (_, v) in e.request_headers.iter_mut().chain(e.response_headers.iter_mut()) {
            s(v);
        }
        opt(&mut e.request_body);
        opt(&mut e.response_body);
        opt(&mut e.error);
        s(&mut e.curl);
    }
}

/// Renumbers placeholders by their first appearance in the finished run, read in one fixed order (its JSON form:
/// members in the model's order, arrays in order — the command, subjects in input order, exchanges): documents
/// checked side by side meet their secrets in any order, and the report must not depend on which worker got there
/// first. Only needed when some kind has more than one secret.
fn renumber_placeholders(run: &mut Run) {
    let Ok(mut value) = serde_json::to_value(&*run) else {
        return;
    };
    let mut order: HashMap<(Kind, u64), u64> = HashMap::new();
    let mut next: HashMap<Kind, u64> = HashMap::new();
    visit_strings(&mut value, &mut |text| {
        for (kind, n, _) in placeholders(text) {
            order.entry((kind, n)).or_insert_with(|| {
                let counter = next.entry(kind).or_insert(0);
                *counter += 1;
                *counter
            });
        }
    });
    if order.iter().all(|((_, old), new)| old == new) {
        return;
    }
    visit_strings(&mut value, &mut |text| {
        let found = placeholders(text);
        if found.is_empty() {
            return;
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (kind, n, range) in found {
            out.push_str(text.get(at..range.start).unwrap_or_default());
            let new = order.get(&(kind, n)).copied().unwrap_or(n);
            out.push_str(&format!("<{}-{new}>", kind.name()));
            at = range.end;
        }
        out.push_str(text.get(at..).unwrap_or_default());
        *text = out;
    });
    if let Ok(renumbered) = serde_json::from_value(value) {
        *run = renumbered;
    }
}

/// Every string of a JSON value, in document order.
fn visit_strings(value: &mut Value, f: &mut dyn FnMut(&mut String)) {
    match value {
        Value::String(s) => f(s),
        Value::Array(items) => items.iter_mut().for_each(|v| visit_strings(v, f)),
        Value::Object(map) => map.values_mut().for_each(|v| visit_strings(v, f)),
        _ => {}
    }
}

/// The placeholders `<kind-n>` in `text`: kind, number and byte range, in order.
fn placeholders(text: &str) -> Vec<(Kind, u64, std::ops::Range<usize>)> {
    let mut found = Vec::new();
    for (start, _) in text.match_indices('<') {
        let rest = text.get(start + 1..).unwrap_or_default();
        // No kind's name starts another's, so at most one matches.
        let Some(kind) = Kind::ALL
            .iter()
            .find(|k| rest.starts_with(k.name()) && rest.get(k.name().len()..).is_some_and(|r| r.starts_with('-')))
        else {
            continue;
        };
        let after = rest.get(kind.name().len() + 1..).unwrap_or_default();
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || after.as_bytes().get(digits) != Some(&b'>') {
            continue;
        }
        let Ok(n) = after.get(..digits).unwrap_or_default().parse() else {
            continue;
        };
        let end = start + 1 + kind.name().len() + 1 + digits + 1;
        found.push((*kind, n, start..end));
    }
    found
}

/// How a run writes its HTTP exchanges down: secrets replaced, and the CA file curl needs to repeat an https
/// request.
#[derive(Debug, Clone, Default)]
pub struct Recording {
    pub redactor: Redactor,
    /// Given to `curl --cacert` in the repro command of every https exchange: the CA the run trusted besides the
    /// system's.
    pub cacert: Option<String>,
}

impl Recording {
    /// The CA file for a curl command to `url`: only https needs one.
    pub fn cacert_for(&self, url: &str) -> Option<&str> {
        self.cacert
            .as_deref()
            .filter(|_| url.get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://")))
    }
}

#[cfg(test)]
mod tests;
