//! The JSON-LD contexts the harness knows, embedded in the binary and answered by URL: a verifier that fetched
//! contexts would let the credential's author (or the network) change what a signature covers, so any other URL is
//! an error, never a download.
//!
//! The files under `contexts/` are the project's own transcription of the term definitions published by W3C and
//! 1EdTech (one term per line, keywords first, terms sorted). Their equivalence with the official copies is proven by
//! tests that canonicalize every specification example both ways (`tests/ldp_vectors.rs`).
//!
//! Data Integrity v2 and Multikey v1 have no official copy in the specification folder; they were written from the
//! W3C Data Integrity / Controlled Identifiers recommendations, and the definitions that VC v2 repeats
//! (`DataIntegrityProof`, `digestMultibase`) are kept identical to it so that both can be active together (they are
//! `@protected`).

use std::sync::OnceLock;

use serde_json::Value;

/// One embedded context.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedContext {
    /// The URL documents use in `@context`.
    pub url: &'static str,
    /// Short human name for reports ("OB 3.0.3").
    pub name: &'static str,
    /// The context document (`{"@context": …}`) as JSON text.
    pub json: &'static str,
}

const VC_V1: &str = include_str!("contexts/vc-v1.jsonld");
const VC_V2: &str = include_str!("contexts/vc-v2.jsonld");
const DI_V1: &str = include_str!("contexts/data-integrity-v1.jsonld");
const DI_V2: &str = include_str!("contexts/data-integrity-v2.jsonld");
const MULTIKEY_V1: &str = include_str!("contexts/multikey-v1.jsonld");
const DID_V1: &str = include_str!("contexts/did-v1.jsonld");
const ED25519_2020_V1: &str = include_str!("contexts/ed25519-2020-v1.jsonld");
const OB_3_0_0: &str = include_str!("contexts/ob-3.0.0.jsonld");
const OB_3_0_1: &str = include_str!("contexts/ob-3.0.1.jsonld");
const OB_3_0_2: &str = include_str!("contexts/ob-3.0.2.jsonld");
const OB_3_0_3: &str = include_str!("contexts/ob-3.0.3.jsonld");
const OB_EXTENSIONS: &str = include_str!("contexts/ob-extensions.jsonld");
const CLR_2_0_0: &str = include_str!("contexts/clr-2.0.0.jsonld");
const CLR_2_0_1: &str = include_str!("contexts/clr-2.0.1.jsonld");

pub const VC_V1_URL: &str = "https://www.w3.org/2018/credentials/v1";
pub const VC_V2_URL: &str = "https://www.w3.org/ns/credentials/v2";
pub const DI_V1_URL: &str = "https://w3id.org/security/data-integrity/v1";
pub const DI_V2_URL: &str = "https://w3id.org/security/data-integrity/v2";
pub const MULTIKEY_V1_URL: &str = "https://w3id.org/security/multikey/v1";
pub const DID_V1_URL: &str = "https://www.w3.org/ns/did/v1";
pub const ED25519_2020_V1_URL: &str = "https://w3id.org/security/suites/ed25519-2020/v1";

const fn ctx(url: &'static str, name: &'static str, json: &'static str) -> EmbeddedContext {
    EmbeddedContext { url, name, json }
}

static CONTEXTS: &[EmbeddedContext] = &[
    ctx(VC_V1_URL, "W3C VC 1.1", VC_V1),
    ctx(VC_V2_URL, "W3C VC 2.0", VC_V2),
    ctx(DI_V1_URL, "Data Integrity v1", DI_V1),
    ctx(DI_V2_URL, "Data Integrity v2", DI_V2),
    ctx(MULTIKEY_V1_URL, "Multikey v1", MULTIKEY_V1),
    ctx(DID_V1_URL, "DID v1", DID_V1),
    ctx(ED25519_2020_V1_URL, "Ed25519 2020 suite v1", ED25519_2020_V1),
    ctx(
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        "OB 3.0",
        OB_3_0_0,
    ),
    ctx(
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        "OB 3.0.1",
        OB_3_0_1,
    ),
    ctx(
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        "OB 3.0.2",
        OB_3_0_2,
    ),
    ctx(
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "OB 3.0.3",
        OB_3_0_3,
    ),
    // 1EdTech's validator answers this older path with its current OB context; no published copy says otherwise.
    ctx(
        "https://purl.imsglobal.org/spec/ob/v3p0/context/ob_v3p0.jsonld",
        "OB 3.0.3 (alias)",
        OB_3_0_3,
    ),
    ctx(
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
        "OB 3.0 extensions",
        OB_EXTENSIONS,
    ),
    ctx(
        "https://purl.imsglobal.org/spec/clr/v2p0/context.json",
        "CLR 2.0",
        CLR_2_0_0,
    ),
    ctx(
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
        "CLR 2.0.1",
        CLR_2_0_1,
    ),
];

/// The embedded context served for `url` (exact match: JSON-LD compares context URLs as strings).
pub fn find(url: &str) -> Option<&'static EmbeddedContext> {
    CONTEXTS.iter().find(|c| c.url == url)
}

/// The context document for `url` as JSON text, or `None` when the harness does not carry it.
pub fn lookup(url: &str) -> Option<&'static str> {
    find(url).map(|c| c.json)
}

/// The context document for `url`, parsed once per process.
pub fn parsed(url: &str) -> Option<&'static Value> {
    static PARSED: OnceLock<Vec<Value>> = OnceLock::new();
    let all = PARSED.get_or_init(|| {
        // The texts are part of the binary and checked by tests, so a parse failure is a build defect; Null keeps
        // this function total instead of panicking.
        CONTEXTS
            .iter()
            .map(|c| serde_json::from_str(c.json).unwrap_or(Value::Null))
            .collect()
    });
    let index = CONTEXTS.iter().position(|c| c.url == url)?;
    all.get(index).filter(|v| !v.is_null())
}

/// Every URL the harness answers, in a stable order.
pub fn known_urls() -> impl Iterator<Item = &'static str> {
    CONTEXTS.iter().map(|c| c.url)
}

/// Every embedded context.
pub fn all() -> &'static [EmbeddedContext] {
    CONTEXTS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_context_is_a_json_ld_context_document() {
        for c in all() {
            let v = parsed(c.url).unwrap_or_else(|| panic!("{} does not parse", c.url));
            assert!(
                v.get("@context").is_some_and(Value::is_object),
                "{}: no @context object",
                c.url
            );
        }
    }

    #[test]
    fn urls_are_unique_and_unknown_urls_are_absent() {
        let mut urls: Vec<_> = known_urls().collect();
        let n = urls.len();
        urls.sort_unstable();
        urls.dedup();
        assert_eq!(urls.len(), n);
        assert!(lookup("https://example.org/context.json").is_none());
        assert!(
            lookup("http://www.w3.org/ns/credentials/v2").is_none(),
            "no scheme folding"
        );
    }

    /// VC v2 repeats the Data Integrity v2 definitions; both are protected, so they must agree term for term.
    #[test]
    fn vc_v2_and_data_integrity_v2_agree_on_shared_terms() {
        let vc = &parsed(VC_V2_URL).expect("embedded")["@context"];
        let di = &parsed(DI_V2_URL).expect("embedded")["@context"];
        for term in ["DataIntegrityProof", "digestMultibase"] {
            assert_eq!(vc[term], di[term], "{term}");
        }
    }
}
