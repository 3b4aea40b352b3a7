//! A mock Open Badges 2.0 badge host: an issuer organisation, its BadgeClasses, hosted and signed Assertions for one
//! learner, the signing key, a revocation list, baked PNG/SVG images, and named broken variants — everything a
//! verifier such as badgecheck fetches, deterministic from a seed.
//!
//! Routes (GET; documents `application/ld+json`, JWS `text/plain`, images `image/png` / `image/svg+xml`):
//! - `/` and `/index.json` → the index: every badge URL with its expected verdict and, for the broken ones, the
//!   reason and the badgecheck task and message that flag it (`application/json`)
//! - `/issuer` → the issuer Profile (`publicKey`, `revocationList`); `/issuer/keys/{n}` → CryptographicKey;
//!   `/issuer/revocations` → RevocationList
//! - `/badges/{slug}` → BadgeClass; `/badges/{slug}/criteria` → criteria page (HTML); `/images/{file}` → images
//! - `/assertions/{name}` → hosted Assertion; `/assertions/{name}.jws` → signed Assertion (compact JWS, RS256);
//!   `/assertions/{name}.png` / `.svg` → baked (hosted: the URL, and in SVG the JSON too; signed: the JWS)
//! - `/evidence/{name}` → evidence page (HTML)
//!
//! Ids name the host and port the badge host was built for, so build it for the address it is served on
//! ([`spawn`] does).

pub mod baking;
mod content;
mod routes;
mod signing;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::server::{self, Running};
use crate::tls::MockCa;
pub use baking::OB_NAMESPACE;
pub use content::{CONTEXT, RECIPIENT_EMAIL};
pub use routes::router;
pub use signing::Signer;

/// Why the badge host could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BadgeHostError {
    #[error("badge host key: {0}")]
    Key(String),
    #[error("badge host signing: the RSA signature failed")]
    Sign,
    #[error("badge host document: {0}")]
    Json(#[from] serde_json::Error),
    #[error("badge host baking: {0}")]
    Bake(String),
    #[error("badge host: {0}")]
    Io(#[from] std::io::Error),
}

/// How an assertion is verified (OB 2.0 `verification.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// `HostedBadge`: the assertion is fetched from its `id` URL.
    Hosted,
    /// `SignedBadge`: a compact JWS checked with the issuer's CryptographicKey.
    Signed,
}

/// What is wrong with a broken variant, and how badgecheck says so.
#[derive(Debug, Clone, Copy)]
pub struct Broken {
    pub reason: &'static str,
    /// The badgecheck task whose failure flags it (a report message's `name`).
    pub badgecheck_task: &'static str,
    /// A fragment of that message's `result`.
    pub badgecheck_message: &'static str,
    /// Only detectable against the learner's identity (`recipient_profile` / `--recipient`).
    pub needs_recipient: bool,
}

/// One assertion the host serves.
#[derive(Debug, Clone, Copy)]
pub struct Variant {
    pub name: &'static str,
    /// Slug of its BadgeClass.
    pub badge: &'static str,
    pub verification: Verification,
    /// `None` for a valid badge.
    pub broken: Option<Broken>,
}

const fn valid(name: &'static str, verification: Verification) -> Variant {
    Variant {
        name,
        badge: name,
        verification,
        broken: None,
    }
}

const fn broken(
    name: &'static str,
    verification: Verification,
    reason: &'static str,
    badgecheck_task: &'static str,
    badgecheck_message: &'static str,
) -> Variant {
    Variant {
        name,
        badge: "data-wrangling",
        verification,
        broken: Some(Broken {
            reason,
            badgecheck_task,
            badgecheck_message,
            needs_recipient: false,
        }),
    }
}

/// Every assertion: the valid ones first (named after their BadgeClass), then one per way of being broken.
pub const VARIANTS: &[Variant] = &[
    valid("data-wrangling", Verification::Hosted),
    valid("statistical-modelling", Verification::Hosted),
    valid("community-mentor", Verification::Signed),
    broken(
        "wrong-origin",
        Verification::Hosted,
        "hosted assertion whose id is on another origin (localhost vs 127.0.0.1) than its issuer allows",
        "HOSTED_ID_IN_VERIFICATION_SCOPE",
        "not hosted in allowed origins",
    ),
    broken(
        "revoked",
        Verification::Signed,
        "signed assertion listed in the issuer's RevocationList",
        "VERIFY_SIGNED_ASSERTION_NOT_REVOKED",
        "has been revoked in RevocationList",
    ),
    broken(
        "expired",
        Verification::Hosted,
        "expires is in the past",
        "ASSERTION_TIMESTAMP_CHECKS",
        "expired on",
    ),
    broken(
        "issued-in-future",
        Verification::Hosted,
        "issuedOn is in the future",
        "ASSERTION_TIMESTAMP_CHECKS",
        "in the future",
    ),
    broken(
        "expires-before-issued",
        Verification::Hosted,
        "expires is earlier than issuedOn",
        "ASSERTION_TIMESTAMP_CHECKS",
        "expiration is prior to issue date",
    ),
    broken(
        "bad-signature",
        Verification::Signed,
        "JWS payload edited after signing (the signature is the original's)",
        "VERIFY_JWS",
        "failed verification",
    ),
    broken(
        "unauthorized-key",
        Verification::Signed,
        "signed with a CryptographicKey the issuer Profile does not list in publicKey",
        "VERIFY_KEY_OWNERSHIP",
        "other than those authorized by issuer profile",
    ),
    Variant {
        broken: Some(Broken {
            reason: "recipient identity hashed with a salt, but the salt property is omitted",
            badgecheck_task: "VERIFY_RECIPIENT_IDENTIFIER",
            badgecheck_message: "did not match",
            needs_recipient: true,
        }),
        ..broken("missing-salt", Verification::Hosted, "", "", "")
    },
    Variant {
        badge: "retired-badge",
        ..broken(
            "badge-image-missing",
            Verification::Hosted,
            "the BadgeClass image URL answers 404",
            "IMAGE_VALIDATION",
            "Could not fetch image",
        )
    },
];

/// One assertion as served.
#[derive(Debug, Clone)]
pub struct Served {
    pub variant: Variant,
    /// The assertion (for a signed one, what the JWS payload holds).
    pub assertion: Value,
    pub jws: Option<String>,
    pub png: Vec<u8>,
    pub svg: String,
}

/// Everything the badge host serves, built once.
#[derive(Debug)]
pub struct BadgeHost {
    pub base_url: String,
    pub issuer_id: String,
    issuer: Value,
    keys: BTreeMap<String, Value>,
    revocation_list: Value,
    badge_classes: BTreeMap<String, Value>,
    /// File name → (content type, bytes).
    images: BTreeMap<String, (&'static str, Vec<u8>)>,
    /// Path below the base URL → HTML (criteria and evidence pages).
    pages: BTreeMap<String, String>,
    /// By variant name.
    pub assertions: BTreeMap<String, Served>,
    index: Value,
}

impl BadgeHost {
    /// The badge host at `base_url` (e.g. `http://127.0.0.1:8731`), signing with the committed test key.
    pub fn new(seed: u64, base_url: &str) -> Result<BadgeHost, BadgeHostError> {
        let signer = Signer::test_key()?;
        let ctx = content::Ctx::new(seed, base_url);
        let mut images = BTreeMap::new();
        images.insert("issuer-logo.png".to_string(), ("image/png", content::logo()?));
        let mut badge_classes = BTreeMap::new();
        let mut pages = BTreeMap::new();
        for spec in content::BADGES {
            badge_classes.insert(spec.slug.to_string(), ctx.badge_class(spec));
            pages.insert(format!("badges/{}/criteria", spec.slug), ctx.criteria_page(spec));
            if spec.image_served {
                let (file, kind, bytes) = content::badge_image(spec)?;
                images.insert(file, (kind, bytes));
            }
        }
        let mut assertions = BTreeMap::new();
        let mut revoked = Vec::new();
        for variant in VARIANTS {
            let spec = content::BADGES
                .iter()
                .find(|b| b.slug == variant.badge)
                .ok_or_else(|| BadgeHostError::Bake(format!("no BadgeClass {}", variant.badge)))?;
            let assertion = ctx.assertion(variant);
            pages.insert(format!("evidence/{}", variant.name), ctx.evidence_page(variant));
            if variant.name == "revoked" {
                revoked.push(assertion["id"].clone());
            }
            let (jws, verify) = match variant.verification {
                Verification::Hosted => (None, ctx.assertion_url(variant.name)),
                Verification::Signed => {
                    let mut jws = signer.sign(&assertion)?;
                    if variant.name == "bad-signature" {
                        jws = signing::replace_payload(&jws, &content::tampered(&assertion))?;
                    }
                    (Some(jws.clone()), jws)
                }
            };
            let body = jws.is_none().then(|| assertion.to_string());
            let served = Served {
                variant: *variant,
                png: baking::bake_png(&content::badge_png(spec)?, &verify)?,
                svg: baking::bake_svg(&content::badge_svg(spec), &verify, body.as_deref())?,
                assertion,
                jws,
            };
            assertions.insert(variant.name.to_string(), served);
        }
        let keys = BTreeMap::from([
            ("1".to_string(), ctx.key("1", signer.public_pem())),
            ("2".to_string(), ctx.key("2", signer.public_pem())),
        ]);
        Ok(BadgeHost {
            index: index(&ctx),
            base_url: ctx.base.clone(),
            issuer_id: ctx.issuer_id(),
            issuer: ctx.issuer(),
            revocation_list: ctx.revocation_list(&revoked),
            keys,
            badge_classes,
            images,
            pages,
            assertions,
        })
    }

    /// The index document (also served at `/`).
    pub fn index(&self) -> &Value {
        &self.index
    }
}

/// Every badge URL with its form, expected verdict and reason: valid assertions in all four forms (hosted or
/// signed, baked PNG, baked SVG), broken ones in their primary form.
fn index(ctx: &content::Ctx) -> Value {
    let mut badges = Vec::new();
    for v in VARIANTS {
        let primary = match v.verification {
            Verification::Hosted => ("hosted", ctx.assertion_url(v.name)),
            Verification::Signed => ("signed", format!("{}.jws", ctx.assertion_url(v.name))),
        };
        let mut forms = vec![primary];
        if v.broken.is_none() {
            forms.push(("png", format!("{}.png", ctx.assertion_url(v.name))));
            forms.push(("svg", format!("{}.svg", ctx.assertion_url(v.name))));
        }
        for (form, url) in forms {
            let mut entry = json!({"name": v.name, "form": form, "url": url, "expected": "valid"});
            if let Some(b) = v.broken {
                entry["expected"] = "invalid".into();
                entry["reason"] = b.reason.into();
                entry["badgecheck"] = json!({"task": b.badgecheck_task, "message": b.badgecheck_message});
                entry["needsRecipient"] = b.needs_recipient.into();
            }
            badges.push(entry);
        }
    }
    json!({
        "name": "OB 2.0 badge host (clr-mocks)",
        "issuer": ctx.issuer_id(),
        "recipient": {"email": RECIPIENT_EMAIL},
        "revocationList": format!("{}/issuer/revocations", ctx.base),
        "note": "signed badges are served as text/plain JWS: give verifiers the JWS text, not the URL",
        "badges": badges,
    })
}

/// Serves the badge host over plain http on an ephemeral loopback port.
pub async fn spawn(seed: u64) -> Result<(Running, Arc<BadgeHost>), BadgeHostError> {
    spawn_on(server::bind(0).await?, seed, None).await
}

/// Builds the badge host for the address of `listener` (its ids name that origin, `https://` when `tls` is given)
/// and serves it there. The listener stays bound throughout, so no other process can take the port in between.
pub async fn spawn_on(
    listener: impl server::IntoListener,
    seed: u64,
    tls: Option<&MockCa>,
) -> Result<(Running, Arc<BadgeHost>), BadgeHostError> {
    let listener = listener.into_listener()?;
    let addr = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let host = Arc::new(BadgeHost::new(seed, &format!("{scheme}://{addr}"))?);
    let running = server::spawn_on(listener, router(host.clone()), tls).await?;
    Ok((running, host))
}
