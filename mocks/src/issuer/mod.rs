//! A mock university issuer: its Profile, keys and signed OB 3.0 / CLR 2.0 credentials, deterministic from a seed;
//! with two partner issuers on the same server, a bootcamp and an employer (in `partners.rs`).
//!
//! Routes (GET):
//! - `/issuers/university` → the issuer Profile; `/issuers/university/keys/1` → its Ed25519 Multikey document;
//!   `/issuers/bootcamp`, `/issuers/employer` → the partners' Profiles
//! - `/.well-known/did.json` → the `did:web` DID document (Ed25519); `/.well-known/jwks.json` → RSA + P-256 JWKS
//! - `/credentials/{slug}` (`application/vc+ld+json`), `/credentials/{slug}.jwt` (RS256 VC-JWT, `text/plain`,
//!   only where offered), `/credentials/{slug}.png` and `.svg` (baked)
//! - `/status/revocations` → 1EdTechRevocationList (one revoked credential); `/status/bitstring/1` → a signed
//!   BitstringStatusListCredential with one bit set; `/refresh/{slug}` → a newer signed version of the credential
//! - the CLR 1.0 transcript, hosted at `/ims/clr/v1p0/clrs/{uuid}` and signed at `/clr1/transcript.jws`, with its
//!   publisher Profile, key and revocation list under `/clr1/` (in `clr1.rs`)
//!
//! Data Integrity proofs are eddsa-rdfc-2022 with the verification method `<issuer id>#<multibase>`, which the
//! harness resolves offline. RSA and P-256 keys cannot be derived from a seed, so fixed test keys live in
//! `mocks/data/`.

pub mod clr1;
mod credentials;
mod partners;

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use clr_harness::decode::{png, svg};
use clr_harness::proof::{di, jwt, keyfile, multikey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::case::Framework;
use crate::server::{self, Running};
use crate::tls::MockCa;
use credentials::Ctx;

/// Why the issuer could not be built.
#[derive(Debug, thiserror::Error)]
pub enum IssuerError {
    #[error("issuer key: {0}")]
    Key(#[from] keyfile::KeyFileError),
    #[error("issuer signing: {0}")]
    Di(#[from] di::DiError),
    #[error("issuer signing: {0}")]
    Jwt(#[from] jwt::JwtError),
    #[error("issuer key file: {0}")]
    Json(#[from] serde_json::Error),
    #[error("issuer baking: {0}")]
    Io(#[from] std::io::Error),
    #[error("issuer CLR 1.0 transcript: {0}")]
    Clr1(String),
}

/// Slugs of credentials whose status is revoked (the verifier must fail them).
pub const REVOKED: [&str; 2] = ["course-revoked", "datathon-revoked"];

/// Everything the issuer serves, built once.
#[derive(Debug)]
pub struct MockIssuer {
    pub base_url: String,
    pub issuer_id: String,
    pub did: String,
    profile: Value,
    /// Profiles of the partner issuers (bootcamp, employer) by path, as served.
    partner_profiles: BTreeMap<String, Value>,
    key_document: Value,
    did_document: Value,
    jwks: Value,
    /// Signed credentials by slug.
    pub credentials: BTreeMap<String, Value>,
    pub jwts: BTreeMap<String, String>,
    refreshed: BTreeMap<String, Value>,
    revocations: Value,
    status_list: Value,
    /// The CLR 1.0 transcript, hosted and signed, and what verifying it needs.
    pub clr1: clr1::Clr1,
}

/// The learner the CLR 1.0 transcript is about (its recipients are this address, hashed).
pub const CLR1_LEARNER_EMAIL: &str = "ada@learners.example.edu";

const RSA_KEY: &str = include_str!("../../data/issuer-rsa-test-key.json");
const P256_KEY: &str = include_str!("../../data/issuer-p256-test-key.json");

impl MockIssuer {
    /// The issuer at `base_url`, without CASE alignments.
    pub fn new(seed: u64, base_url: &str) -> Result<MockIssuer, IssuerError> {
        MockIssuer::with_case(seed, base_url, None)
    }

    /// The issuer at `base_url`; the competency credential aligns to a CFItem at `{case_base}/uri/{id}`.
    pub fn with_case(seed: u64, base_url: &str, case_base: Option<&str>) -> Result<MockIssuer, IssuerError> {
        let base = base_url.trim_end_matches('/');
        let issuer_id = format!("{base}/issuers/university");
        let (ed_seed, multibase) = ed25519_key(seed, b"ed25519", &format!("{issuer_id}/keys/1"), &issuer_id)?;
        let vm = format!("{issuer_id}#{multibase}");
        let host = base.trim_start_matches("http://").trim_start_matches("https://");
        let did = format!("did:web:{}", host.replace(':', "%3A"));
        let rsa = keyfile::signing_key(&serde_json::from_str(RSA_KEY)?)?;
        let jwks_url = format!("{base}/.well-known/jwks.json");
        let jwks = keyfile::jwks(&[
            keyfile::public_jwk(&serde_json::from_str(RSA_KEY)?),
            keyfile::public_jwk(&serde_json::from_str(P256_KEY)?),
        ]);
        let profile = json!({
            "@context": credentials_context(),
            "id": issuer_id, "type": ["Profile"], "name": "Northfield University",
            "url": base, "email": "registrar@northfield.example.edu",
        });
        let framework = Framework::seeded(seed);
        let ctx = Ctx {
            seed,
            base,
            issuer: json!({"id": issuer_id, "type": ["Profile"], "name": "Northfield University", "url": base}),
            learner: format!("did:example:learner-{}", crate::case::uuid(seed, "learner")),
            case_base,
            framework: &framework,
        };
        let sign = |doc: &Value| di::sign(doc, &ed_seed, &vm, credentials::VALID_FROM);

        let mut unsigned: BTreeMap<String, Value> = BTreeMap::new();
        let mut course = ctx.course("statistics", "course-statistics", "Statistical Inference");
        course["credentialStatus"] = ctx.revocation_entry();
        unsigned.insert("course-statistics".into(), course);
        unsigned.insert(
            "course-machine-learning".into(),
            ctx.course("ml", "course-machine-learning", "Machine Learning"),
        );
        let mut datathon = ctx.co_curricular();
        datathon["credentialStatus"] = ctx.bitstring_entry(credentials::OK_INDEX);
        unsigned.insert("datathon".into(), datathon);
        let mut competency = ctx.competency(credentials::VALID_FROM);
        competency["refreshService"] = ctx.refresh_service("competency");
        unsigned.insert("competency".into(), competency);
        unsigned.insert("endorsement".into(), ctx.endorsement());
        let mut revoked = ctx.course("revoked", "course-revoked", "Research Methods");
        revoked["credentialStatus"] = ctx.revocation_entry();
        unsigned.insert("course-revoked".into(), revoked);
        let mut revoked_bit = ctx.co_curricular();
        revoked_bit["id"] = format!("urn:uuid:{}", crate::case::uuid(seed, "credential/datathon-revoked")).into();
        revoked_bit["credentialStatus"] = ctx.bitstring_entry(credentials::REVOKED_INDEX);
        unsigned.insert("datathon-revoked".into(), revoked_bit);

        let mut signed = BTreeMap::new();
        for (slug, doc) in &unsigned {
            signed.insert(slug.clone(), sign(doc)?);
        }
        let nested: Vec<Value> = ["course-statistics", "course-machine-learning", "competency"]
            .iter()
            .filter_map(|s| signed.get(*s).cloned())
            .collect();
        signed.insert("clr".into(), sign(&ctx.clr(nested))?);
        let mut partner_profiles = BTreeMap::new();
        for p in partners::partners(seed, base, &ctx.learner)? {
            let mut served = json!({"@context": credentials_context()});
            if let (Some(doc), Some(fields)) = (served.as_object_mut(), p.profile.as_object()) {
                doc.extend(fields.clone());
            }
            partner_profiles.insert(p.path, served);
            signed.extend(p.credentials);
        }

        let mut jwts = BTreeMap::new();
        if let Some(c) = unsigned.get("course-machine-learning") {
            jwts.insert(
                "course-machine-learning".into(),
                jwt::sign_vc_jwt(c, &rsa, &format!("{jwks_url}#rsa-1"))?,
            );
        }
        let mut refreshed = BTreeMap::new();
        let mut newer = ctx.competency(credentials::REFRESHED_FROM);
        newer["refreshService"] = ctx.refresh_service("competency");
        refreshed.insert(
            "competency".into(),
            di::sign(&newer, &ed_seed, &vm, credentials::REFRESHED_FROM)?,
        );

        let revoked_id = signed
            .get("course-revoked")
            .map(|c| c["id"].clone())
            .unwrap_or_default();
        let revocations = json!({"revokedCredential": [
            {"id": revoked_id, "revoked": true, "revocationReason": "Issued in error: the grade was corrected."}
        ]});
        let status_list = sign(&ctx.status_list(&bitstring(credentials::REVOKED_INDEX)?))?;
        let key_document = json!({
            "@context": ["https://w3id.org/security/multikey/v1"],
            "id": format!("{issuer_id}/keys/1"), "type": "Multikey", "controller": issuer_id,
            "publicKeyMultibase": multibase,
        });
        let did_document = json!({
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": did,
            "verificationMethod": [{"id": format!("{did}#key-1"), "type": "Multikey", "controller": did, "publicKeyMultibase": multibase}],
            "assertionMethod": [format!("{did}#key-1")],
        });
        // The transcript's statistics course aligns to its CFItem by CASE API URL (the OB 3.0 competency uses the
        // item's resolver uri): both forms CLR 1.0 names for a CASE targetUrl.
        let clr1_alignment = case_base.and_then(|case| {
            let item = framework
                .competencies()
                .find(|i| i["alternativeLabel"] == "Statistical Inference")?;
            Some(json!({
                "type": "Alignment", "targetType": "CFItem",
                "targetName": item["fullStatement"], "targetCode": item["humanCodingScheme"],
                "targetFramework": framework.main_title(),
                "targetUrl": format!("{case}/ims/case/v1p0/CFItems/{}", item["identifier"].as_str()?),
            }))
        });
        let clr1 = clr1::Clr1::new(seed, base, CLR1_LEARNER_EMAIL, &rsa, clr1_alignment)?;
        Ok(MockIssuer {
            clr1,
            base_url: base.into(),
            issuer_id,
            did,
            profile,
            partner_profiles,
            key_document,
            did_document,
            jwks,
            credentials: signed,
            jwts,
            refreshed,
            revocations,
            status_list,
        })
    }
}

impl MockIssuer {
    /// The ids of the keys that verify what the issuer signs: the Ed25519 Multikey (as its document and as the
    /// did:web verification method) and the JWKS keys (as `<jwks url>#<kid>`).
    pub fn key_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = [
            &self.key_document["id"],
            &self.did_document["verificationMethod"][0]["id"],
        ]
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
        let jwks_url = format!("{}/.well-known/jwks.json", self.base_url);
        if let Some(keys) = self.jwks["keys"].as_array() {
            ids.extend(
                keys.iter()
                    .filter_map(|k| k["kid"].as_str())
                    .map(|kid| format!("{jwks_url}#{kid}")),
            );
        }
        ids
    }
}

/// An Ed25519 key derived from the seed and `label`: its private seed and its public key as multibase.
fn ed25519_key(seed: u64, label: &[u8], key_id: &str, controller: &str) -> Result<([u8; 32], String), IssuerError> {
    let key_seed: [u8; 32] = Sha256::new()
        .chain_update(seed.to_le_bytes())
        .chain_update(label)
        .finalize()
        .into();
    let key = keyfile::ed25519_from_seed(&key_seed, key_id, Some(controller))?;
    let multibase = match keyfile::signing_key(&key.private_jwk)?.public_key() {
        multikey::PublicKey::Ed25519(p) => multikey::encode_ed25519_public(p),
        _ => String::new(),
    };
    Ok((key_seed, multibase))
}

/// A 16 KiB status list with one bit set: multibase `u` + base64url of its GZIP.
fn bitstring(set: usize) -> Result<String, std::io::Error> {
    let mut bits = vec![0u8; 16 * 1024];
    if let Some(b) = bits.get_mut(set / 8) {
        *b |= 0x80 >> (set % 8);
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&bits)?;
    Ok(format!(
        "u{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(gz.finish()?)
    ))
}

/// The issuer's routes.
pub fn router(state: Arc<MockIssuer>) -> Router {
    Router::new()
        .route("/issuers/university", get(|State(s): St| async move { ld(&s.profile) }))
        .route(
            "/issuers/university/keys/1",
            get(|State(s): St| async move { ld(&s.key_document) }),
        )
        .route(
            "/.well-known/did.json",
            get(|State(s): St| async move { typed("application/did+json", s.did_document.to_string()) }),
        )
        .route(
            "/.well-known/jwks.json",
            get(|State(s): St| async move { typed("application/jwk-set+json", s.jwks.to_string()) }),
        )
        .route(
            "/status/revocations",
            get(|State(s): St| async move { typed("application/json", s.revocations.to_string()) }),
        )
        .route(
            "/status/bitstring/1",
            get(|State(s): St| async move { vc(&s.status_list) }),
        )
        .route("/issuers/{name}", get(partner_profile))
        .route("/clr1/profile", get(|State(s): St| async move { ld(&s.clr1.profile) }))
        .route("/clr1/keys/1", get(|State(s): St| async move { ld(&s.clr1.key) }))
        .route(
            "/clr1/revocations",
            get(|State(s): St| async move { ld(&s.clr1.revocations) }),
        )
        .route(
            "/clr1/transcript.jws",
            get(|State(s): St| async move { typed("text/plain", s.clr1.signed.clone()) }),
        )
        .route(
            "/clr1/transcript-revoked.jws",
            get(|State(s): St| async move { typed("text/plain", s.clr1.signed_revoked.clone()) }),
        )
        .route("/ims/clr/v1p0/clrs/{id}", get(hosted_clr))
        .route("/credentials/{file}", get(credential))
        .route("/refresh/{slug}", get(refresh))
        .fallback(no_route)
        .with_state(state)
}

type St = State<Arc<MockIssuer>>;

fn typed(content_type: &'static str, body: impl IntoResponse) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

fn ld(doc: &Value) -> Response {
    typed("application/ld+json", doc.to_string())
}

fn vc(doc: &Value) -> Response {
    typed("application/vc+ld+json", doc.to_string())
}

/// A JSON error body, like the other mocks' (imsx_StatusInfo).
fn status_info(status: StatusCode, minor: &str, description: &str) -> Response {
    let body = json!({
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_codeMinor": {"imsx_codeMinorField": [{"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": minor}]},
    });
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

fn not_found() -> Response {
    status_info(StatusCode::NOT_FOUND, "unknownobject", "no such credential")
}

/// The @context of a served Profile: the credentials' contexts without the extensions.
fn credentials_context() -> Value {
    json!(credentials::OB[..2])
}

async fn partner_profile(State(s): St, Path(name): Path<String>) -> Response {
    match s.partner_profiles.get(&format!("/issuers/{name}")) {
        Some(p) => ld(p),
        None => status_info(StatusCode::NOT_FOUND, "unknownobject", "no such issuer"),
    }
}

async fn hosted_clr(State(s): St, Path(id): Path<String>) -> Response {
    if s.clr1.hosted_path.rsplit('/').next() == Some(id.as_str()) {
        ld(&s.clr1.hosted)
    } else {
        status_info(StatusCode::NOT_FOUND, "unknownobject", "no such CLR")
    }
}

async fn no_route() -> Response {
    status_info(
        StatusCode::NOT_FOUND,
        "unknownobject",
        "the mock issuer serves nothing here",
    )
}

async fn credential(State(s): St, Path(file): Path<String>) -> Response {
    let (slug, ext) = file.rsplit_once('.').unwrap_or((&file, "json"));
    let Some(doc) = s.credentials.get(slug) else {
        return not_found();
    };
    let text = doc.to_string();
    match ext {
        "json" => vc(doc),
        "jwt" => s
            .jwts
            .get(slug)
            .map_or_else(not_found, |j| typed("text/plain", j.clone())),
        "png" => match png::bake_png(&png::minimal_png(), "openbadgecredential", &text) {
            Ok(bytes) => typed("image/png", bytes),
            Err(e) => status_info(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_server_error",
                &e.to_string(),
            ),
        },
        "svg" => match svg::bake_svg(&svg::minimal_svg(), &text, false) {
            Ok(s) => typed("image/svg+xml", s),
            Err(e) => status_info(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_server_error",
                &e.to_string(),
            ),
        },
        _ => not_found(),
    }
}

async fn refresh(State(s): St, Path(slug): Path<String>) -> Response {
    s.refreshed.get(&slug).map_or_else(not_found, vc)
}

/// Binds a loopback port, then builds the issuer for that address (its ids name the port).
pub async fn spawn(seed: u64) -> Result<(Running, Arc<MockIssuer>), IssuerError> {
    spawn_with_case(seed, None).await
}

/// [`spawn`] with alignments to the CASE mock at `case_base`.
pub async fn spawn_with_case(seed: u64, case_base: Option<&str>) -> Result<(Running, Arc<MockIssuer>), IssuerError> {
    spawn_on(server::bind(0).await?, seed, case_base, None).await
}

/// Builds the issuer for the address of `listener` (its ids name that origin, `https://` when `tls` is given) and
/// serves it there. The listener stays bound throughout, so no other process can take the port in between.
pub async fn spawn_on(
    listener: impl server::IntoListener,
    seed: u64,
    case_base: Option<&str>,
    tls: Option<&MockCa>,
) -> Result<(Running, Arc<MockIssuer>), IssuerError> {
    let listener = listener.into_listener()?;
    let addr = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let issuer = Arc::new(MockIssuer::with_case(seed, &format!("{scheme}://{addr}"), case_base)?);
    let running = server::spawn_on(listener, router(issuer.clone()), tls).await?;
    Ok((running, issuer))
}
