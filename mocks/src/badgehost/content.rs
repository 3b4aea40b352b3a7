//! The badge host's documents: the issuer organisation, its BadgeClasses, keys, revocation list and the learner's
//! assertions. Dates are fixed and everything random-looking (salts, `urn:uuid` ids) comes from the seed, so the same
//! seed and base URL give the same bytes.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{BadgeHostError, Variant, Verification, baking};
use crate::case::uuid;

/// The OB 2.0 JSON-LD context.
pub const CONTEXT: &str = "https://w3id.org/openbadges/v2";
/// The learner every assertion is awarded to (hashed, salted, in the assertions).
pub const RECIPIENT_EMAIL: &str = "ada@learners.example.edu";

pub struct Alignment {
    name: &'static str,
    url: &'static str,
    description: &'static str,
    framework: &'static str,
    code: &'static str,
}

pub struct BadgeSpec {
    pub slug: &'static str,
    name: &'static str,
    description: &'static str,
    criteria: &'static str,
    tags: &'static [&'static str],
    alignment: &'static [Alignment],
    svg_image: bool,
    /// `false` for the BadgeClass whose image URL answers 404.
    pub image_served: bool,
    fg: [u8; 3],
    bg: [u8; 3],
}

const DS: &str = "Harbourside Data Science Competencies";

pub const BADGES: &[BadgeSpec] = &[
    BadgeSpec {
        slug: "data-wrangling",
        name: "Data Wrangling Practitioner",
        description: "Cleans, reshapes and documents messy real-world data sets so that others can analyse them.",
        criteria: "Submit a cleaned data set of at least 10,000 rows with a reproducible pipeline and a data \
                   dictionary, reviewed by two instructors.",
        tags: &["data science", "data cleaning", "reproducibility"],
        alignment: &[Alignment {
            name: "Data preparation",
            url: "https://competencies.harbourside.example.edu/ds/DS.2.1",
            description: "Prepare data for analysis: cleaning, transformation, documentation.",
            framework: DS,
            code: "DS.2.1",
        }],
        svg_image: false,
        image_served: true,
        fg: [0x1f, 0x6f, 0xb2],
        bg: [0xf2, 0xf5, 0xf9],
    },
    BadgeSpec {
        slug: "statistical-modelling",
        name: "Statistical Modelling",
        description: "Builds, checks and communicates regression and classification models.",
        criteria: "Pass the statistical modelling capstone with a mark of at least 70% and present the model \
                   diagnostics to a panel.",
        tags: &["statistics", "modelling"],
        alignment: &[
            Alignment {
                name: "Model building",
                url: "https://competencies.harbourside.example.edu/ds/DS.3.2",
                description: "Choose, fit and validate statistical models.",
                framework: DS,
                code: "DS.3.2",
            },
            Alignment {
                name: "Communicating results",
                url: "https://competencies.harbourside.example.edu/ds/DS.5.1",
                description: "Explain model results and their uncertainty to non-specialists.",
                framework: DS,
                code: "DS.5.1",
            },
        ],
        svg_image: true,
        image_served: true,
        fg: [0x8a, 0x2b, 0xe2],
        bg: [0xfa, 0xf5, 0xff],
    },
    BadgeSpec {
        slug: "community-mentor",
        name: "Community Mentor",
        description: "Mentored first-year students through a full semester of the peer-learning programme.",
        criteria: "Mentor at least three first-year students for twelve weeks and log the sessions.",
        tags: &["mentoring", "co-curricular"],
        alignment: &[],
        svg_image: false,
        image_served: true,
        fg: [0xe0, 0x8a, 0x00],
        bg: [0xff, 0xf8, 0xe7],
    },
    BadgeSpec {
        slug: "retired-badge",
        name: "Spreadsheet Foundations (retired)",
        description: "A retired introductory badge whose image was removed from the server.",
        criteria: "Complete the spreadsheet foundations module.",
        tags: &["retired"],
        alignment: &[],
        svg_image: false,
        image_served: false,
        fg: [0x70, 0x70, 0x70],
        bg: [0xee, 0xee, 0xee],
    },
];

/// The issue date of the valid badges and most broken ones.
const ISSUED_ON: &str = "2025-03-14T15:00:00Z";

pub struct Ctx {
    seed: u64,
    pub base: String,
    /// The same server under another authority, for the wrong-origin variant.
    other_base: String,
}

impl Ctx {
    pub fn new(seed: u64, base_url: &str) -> Ctx {
        let base = base_url.trim_end_matches('/').to_string();
        Ctx {
            seed,
            other_base: other_origin(&base),
            base,
        }
    }

    pub fn issuer_id(&self) -> String {
        format!("{}/issuer", self.base)
    }

    fn key_url(&self, n: &str) -> String {
        format!("{}/issuer/keys/{n}", self.base)
    }

    pub fn assertion_url(&self, name: &str) -> String {
        format!("{}/assertions/{name}", self.base)
    }

    pub fn issuer(&self) -> Value {
        json!({
            "@context": CONTEXT,
            "type": "Issuer",
            "id": self.issuer_id(),
            "name": "Harbourside Institute of Technology",
            "url": format!("{}/", self.base),
            "email": "badges@harbourside.example.edu",
            "telephone": "+15555550123",
            "description": "A public technical university awarding digital badges for courses and co-curricular work.",
            "image": format!("{}/images/issuer-logo.png", self.base),
            // Key 2 is deliberately not listed: the unauthorized-key variant is signed with it.
            "publicKey": self.key_url("1"),
            "revocationList": format!("{}/issuer/revocations", self.base),
        })
    }

    /// A CryptographicKey. Both keys publish the one committed test key (RSA keys cannot be derived from a seed);
    /// what differs is whether the issuer Profile lists them.
    pub fn key(&self, n: &str, public_pem: &str) -> Value {
        json!({
            "@context": CONTEXT,
            "type": "CryptographicKey",
            "id": self.key_url(n),
            "owner": self.issuer_id(),
            "publicKeyPem": public_pem,
        })
    }

    pub fn revocation_list(&self, revoked: &[Value]) -> Value {
        let mut entries: Vec<Value> = revoked
            .iter()
            .map(|id| json!({"id": id, "revocationReason": "Awarded in error: the capstone was not completed."}))
            .collect();
        // An older revocation in the plain-IRI form the spec also allows.
        entries.push(format!("urn:uuid:{}", uuid(self.seed, "badgehost/assertion/withdrawn-2024")).into());
        json!({
            "@context": CONTEXT,
            "type": "RevocationList",
            "id": format!("{}/issuer/revocations", self.base),
            "issuer": self.issuer_id(),
            "revokedAssertions": entries,
        })
    }

    pub fn badge_class(&self, spec: &BadgeSpec) -> Value {
        let url = format!("{}/badges/{}", self.base, spec.slug);
        let mut badge = json!({
            "@context": CONTEXT,
            "type": "BadgeClass",
            "id": url,
            "name": spec.name,
            "description": spec.description,
            "image": format!("{}/images/{}", self.base, image_file(spec)),
            "criteria": {"id": format!("{url}/criteria"), "narrative": spec.criteria},
            "issuer": self.issuer_id(),
            "tags": spec.tags,
        });
        if !spec.alignment.is_empty() {
            badge["alignment"] = spec
                .alignment
                .iter()
                .map(|a| {
                    json!({"targetName": a.name, "targetUrl": a.url, "targetDescription": a.description,
                           "targetFramework": a.framework, "targetCode": a.code})
                })
                .collect();
        }
        badge
    }

    /// The assertion of `variant`, before signing; each broken variant differs from a valid one in one way.
    pub fn assertion(&self, variant: &Variant) -> Value {
        let name = variant.name;
        let salt = hex(&Sha256::digest(format!("{}/badgehost/salt/{name}", self.seed)))
            .get(..16)
            .unwrap_or_default()
            .to_string();
        let identity = format!("sha256${}", hex(&Sha256::digest(format!("{RECIPIENT_EMAIL}{salt}"))));
        let (id, verification) = match variant.verification {
            Verification::Hosted => (self.assertion_url(name), json!({"type": "HostedBadge"})),
            Verification::Signed => (
                format!("urn:uuid:{}", uuid(self.seed, &format!("badgehost/assertion/{name}"))),
                json!({"type": "SignedBadge", "creator": self.key_url("1")}),
            ),
        };
        let mut a = json!({
            "@context": CONTEXT,
            "type": "Assertion",
            "id": id,
            "recipient": {"type": "email", "hashed": true, "salt": salt, "identity": identity},
            "badge": format!("{}/badges/{}", self.base, variant.badge),
            "issuedOn": ISSUED_ON,
            "verification": verification,
            "narrative": "Awarded after review of the submitted work by the programme team.",
            "evidence": [{
                "id": format!("{}/evidence/{name}", self.base),
                "name": "Portfolio submission",
                "description": "The learner's submitted work and the reviewers' notes.",
                "genre": "Portfolio",
                "narrative": "Reviewed by two instructors against the published criteria.",
            }],
        });
        match name {
            "statistical-modelling" => {
                a["issuedOn"] = "2025-04-02T10:30:00+02:00".into();
                a["expires"] = "2099-12-31T23:59:59Z".into();
            }
            "community-mentor" => a["issuedOn"] = "2025-05-20T09:00:00Z".into(),
            "wrong-origin" => a["id"] = format!("{}/assertions/{name}", self.other_base).into(),
            "expired" => {
                a["issuedOn"] = "2022-06-01T09:00:00Z".into();
                a["expires"] = "2023-06-01T09:00:00Z".into();
            }
            "issued-in-future" => a["issuedOn"] = "2099-09-01T09:00:00Z".into(),
            "expires-before-issued" => a["expires"] = "2025-01-31T00:00:00Z".into(),
            "unauthorized-key" => a["verification"]["creator"] = self.key_url("2").into(),
            "missing-salt" => {
                if let Some(r) = a["recipient"].as_object_mut() {
                    r.remove("salt");
                }
            }
            _ => {}
        }
        a
    }

    pub fn criteria_page(&self, spec: &BadgeSpec) -> String {
        page(spec.name, &format!("<h2>Criteria</h2><p>{}</p>", spec.criteria))
    }

    pub fn evidence_page(&self, variant: &Variant) -> String {
        page(
            "Portfolio submission",
            &format!(
                "<p>Evidence for assertion <a href=\"{0}\">{0}</a>: the learner's submitted work and the \
                 reviewers' notes.</p>",
                self.assertion_url(variant.name)
            ),
        )
    }
}

/// What an edited signed badge claims instead: a different (better) badge, awarded a day earlier.
pub fn tampered(assertion: &Value) -> Value {
    let mut a = assertion.clone();
    if let Some(badge) = a["badge"].as_str() {
        a["badge"] = badge.replace("/data-wrangling", "/statistical-modelling").into();
    }
    a["issuedOn"] = "2025-03-13T15:00:00Z".into();
    a
}

/// The same server under another name: loopback addresses swap `127.0.0.1` and `localhost` (both reach it, and
/// badgecheck compares host:port), any other host gets a `mirror.` prefix.
fn other_origin(base: &str) -> String {
    if let Some(rest) = base.strip_prefix("http://127.0.0.1") {
        format!("http://localhost{rest}")
    } else if let Some(rest) = base.strip_prefix("http://localhost") {
        format!("http://127.0.0.1{rest}")
    } else {
        base.replacen("://", "://mirror.", 1)
    }
}

fn image_file(spec: &BadgeSpec) -> String {
    format!("{}.{}", spec.slug, if spec.svg_image { "svg" } else { "png" })
}

/// The BadgeClass image as served at `/images/{file}`: (file, content type, bytes).
pub fn badge_image(spec: &BadgeSpec) -> Result<(String, &'static str, Vec<u8>), BadgeHostError> {
    Ok(if spec.svg_image {
        (image_file(spec), "image/svg+xml", badge_svg(spec).into_bytes())
    } else {
        (image_file(spec), "image/png", badge_png(spec)?)
    })
}

pub fn badge_png(spec: &BadgeSpec) -> Result<Vec<u8>, BadgeHostError> {
    baking::badge_png(spec.fg, spec.bg)
}

pub fn badge_svg(spec: &BadgeSpec) -> String {
    baking::badge_svg(spec.name, spec.fg, spec.bg)
}

pub fn logo() -> Result<Vec<u8>, BadgeHostError> {
    baking::badge_png([0x0b, 0x3d, 0x5c], [0xff, 0xff, 0xff])
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1>{body}</body></html>\n"
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipient_hash_is_sha256_of_email_then_salt() {
        let ctx = Ctx::new(1, "http://127.0.0.1:9");
        let a = ctx.assertion(&super::super::VARIANTS[0]);
        let salt = a["recipient"]["salt"].as_str().expect("salt");
        let expected = format!("sha256${}", hex(&Sha256::digest(format!("{RECIPIENT_EMAIL}{salt}"))));
        assert_eq!(a["recipient"]["identity"], expected.as_str());
        assert_eq!(ctx.other_base, "http://localhost:9");
        assert_eq!(
            other_origin("https://badges.example.org"),
            "https://mirror.badges.example.org"
        );
    }
}
