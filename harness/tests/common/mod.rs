//! Fixtures shared by the loopback verification tests.

use serde_json::{Value, json};

/// A valid OB 3.0 course credential with `id`, issued by `issuer`, plus the `extra` top-level properties
/// (`credentialStatus`, `refreshService` …). Unsigned: the tests sign it with the key their case needs.
pub fn ob_credential(id: &str, issuer: &str, extra: Value) -> Value {
    let mut doc = json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
        ],
        "id": id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Example Registrar"},
        "validFrom": "2025-01-15T00:00:00Z",
        "name": "Statistics I",
        "credentialSubject": {
            "id": "did:example:learner-42",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://registrar.example.edu/courses/stat-101",
                "type": ["Achievement"],
                "name": "Statistics I",
                "description": "Descriptive statistics and probability.",
                "criteria": {"narrative": "Pass the final examination."}
            }
        }
    });
    if let (Some(d), Some(e)) = (doc.as_object_mut(), extra.as_object()) {
        d.extend(e.clone());
    }
    doc
}
