//! The signed corpus the benchmarks verify: OB 3.0 credentials and CLR 2.0 credentials with two nested ones, each
//! with distinct ids and names (so nothing is served from a cache), signed eddsa-rdfc-2022 by a did:key issuer so
//! they verify offline. Shared by `harness/benches/verify.rs` and `cli/benches/validate.rs`.

use clr_harness::proof::di;
use ed25519_dalek::SigningKey;
use serde_json::{Value, json};

pub const SEED: [u8; 32] = [0x42; 32];
const CREATED: &str = "2024-06-01T12:00:00Z";

fn did_key(public: &[u8; 32]) -> String {
    let mut bytes = vec![0xed, 0x01];
    bytes.extend_from_slice(public);
    format!("did:key:z{}", bs58::encode(bytes).into_string())
}

fn ob_credential(i: usize, issuer: &str) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"],
        "id": format!("urn:uuid:00000000-0000-4000-8000-{i:012}"),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": format!("Issuer {i}")},
        "validFrom": "2024-01-01T00:00:00Z",
        "name": format!("Badge {i}"),
        "credentialSubject": {
            "id": format!("did:example:learner{i}"),
            "type": ["AchievementSubject"],
            "achievement": {
                "id": format!("https://example.edu/achievements/{i}"),
                "type": ["Achievement"],
                "criteria": {"narrative": "Team members are nominated for this badge by their peers."},
                "description": format!("Achievement number {i} for benchmarking."),
                "name": format!("Achievement {i}"),
                "image": {"id": "https://example.edu/achievements/sample/image.png", "type": "Image"}
            }
        }
    })
}

fn clr_credential(i: usize, issuer: &str, key: &SigningKey, vm: &str) -> Value {
    let inner: Vec<Value> = (0..2)
        .map(|k| {
            di::sign(
                &ob_credential(1_000_000 + i * 2 + k, issuer),
                key.as_bytes(),
                vm,
                CREATED,
            )
        })
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json", "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"],
        "id": format!("urn:uuid:11111111-0000-4000-8000-{i:012}"),
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Example University"},
        "validFrom": "2024-01-01T00:00:00Z",
        "name": format!("Transcript {i}"),
        "credentialSubject": {
            "id": format!("did:example:learner{i}"),
            "type": "ClrSubject",
            "verifiableCredential": inner,
            "achievement": [{
                "id": format!("https://example.edu/programs/{i}"), "type": ["Achievement"],
                "achievementType": "Degree", "name": format!("Program {i}"),
                "criteria": {"narrative": "Complete the courses."}
            }],
            "association": [{
                "type": "Association", "associationType": "isParentOf",
                "sourceId": format!("https://example.edu/programs/{i}"),
                "targetId": format!("https://example.edu/achievements/{}", 1_000_000 + i * 2)
            }]
        }
    })
}

/// Signs corpus credentials with the seed's key.
pub struct Signer {
    key: SigningKey,
    issuer: String,
    vm: String,
}

impl Signer {
    pub fn new() -> Signer {
        let key = SigningKey::from_bytes(&SEED);
        let issuer = did_key(&key.verifying_key().to_bytes());
        let vm = format!("{issuer}#{}", issuer.trim_start_matches("did:key:"));
        Signer { key, issuer, vm }
    }

    /// The issuer's public key.
    #[allow(dead_code)]
    pub fn public(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    fn sign(&self, doc: Value) -> Value {
        di::sign(&doc, &SEED, &self.vm, CREATED).unwrap_or(doc)
    }

    /// The `i`-th signed OB 3.0 credential.
    pub fn ob(&self, i: usize) -> Value {
        self.sign(ob_credential(i, &self.issuer))
    }

    /// The `i`-th signed CLR 2.0 credential (two signed OB 3.0 credentials nested).
    #[allow(dead_code)]
    pub fn clr(&self, i: usize) -> Value {
        self.sign(clr_credential(i, &self.issuer, &self.key, &self.vm))
    }
}
