//! Credentials the write checks upsert: read from files, or the signed samples built into the harness.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::target::Family;

/// One credential to upsert, in the representation it is sent in.
#[derive(Debug, Clone)]
pub struct Upload {
    /// Where it came from (file name, sample name).
    pub name: String,
    pub family: Family,
    /// The request body: credential JSON, or a compact JWS.
    pub body: Vec<u8>,
    /// Sent as `text/plain` compact JWS (else `application/json`).
    pub jws: bool,
    /// The credential's `id`.
    pub id: String,
    /// The credential (the JWS payload for a JWS).
    pub credential: Value,
}

const SAMPLES: [(&str, &str); 2] = [
    (
        "cobalt-capstone-badge.json",
        include_str!("../../../vectors/samples/cobalt-capstone-badge.json"),
    ),
    (
        "northbridge-transcript-clr.json",
        include_str!("../../../vectors/samples/northbridge-transcript-clr.json"),
    ),
];

impl Upload {
    /// Reads a credential: JSON, or a compact JWS whose payload is the credential.
    pub fn from_bytes(name: &str, bytes: &[u8]) -> Result<Upload, String> {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| format!("{name} is not UTF-8"))?
            .trim();
        let (credential, jws) = if text.starts_with('{') {
            let v: Value = serde_json::from_str(text).map_err(|e| format!("{name} is not JSON: {e}"))?;
            (v, false)
        } else {
            let payload = text
                .split('.')
                .nth(1)
                .ok_or_else(|| format!("{name} is neither JSON nor a compact JWS"))?;
            let raw = URL_SAFE_NO_PAD
                .decode(payload)
                .map_err(|e| format!("{name}: the JWS payload is not base64url: {e}"))?;
            let v: Value =
                serde_json::from_slice(&raw).map_err(|e| format!("{name}: the JWS payload is not JSON: {e}"))?;
            (v, true)
        };
        let types: Vec<&str> = match &credential["type"] {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let family = Family::ALL
            .into_iter()
            .find(|f| f.credential_types().iter().any(|t| types.contains(t)))
            .ok_or_else(|| format!("{name} is neither an OB 3.0 nor a CLR 2.0 credential (type {types:?})"))?;
        let id = credential["id"]
            .as_str()
            .ok_or_else(|| format!("{name} has no credential id"))?
            .to_string();
        Ok(Upload {
            name: name.to_string(),
            family,
            body: text.as_bytes().to_vec(),
            jws,
            id,
            credential,
        })
    }

    /// The signed samples (one OB 3.0 badge, one CLR 2.0 transcript), verifiable offline.
    pub fn samples() -> Vec<Upload> {
        SAMPLES
            .iter()
            .filter_map(|(name, text)| Upload::from_bytes(name, text.as_bytes()).ok())
            .collect()
    }

    pub fn content_type(&self) -> &'static str {
        if self.jws { "text/plain" } else { "application/json" }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_samples_cover_both_families() {
        let s = Upload::samples();
        assert_eq!(s.len(), 2);
        assert!(s.iter().any(|u| u.family == Family::Ob30));
        assert!(s.iter().any(|u| u.family == Family::Clr20));
    }

    #[test]
    fn a_jws_is_read_through_its_payload() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"id":"urn:x","type":["VerifiableCredential","ClrCredential"]}"#);
        let u = Upload::from_bytes("x.jwt", format!("e30.{payload}.c2ln").as_bytes()).expect("a JWS");
        assert!(u.jws);
        assert_eq!(u.family, Family::Clr20);
        assert_eq!(u.content_type(), "text/plain");
        assert!(Upload::from_bytes("x", b"nonsense").is_err());
    }
}
