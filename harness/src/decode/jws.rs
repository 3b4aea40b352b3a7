//! Compact JWS (RFC 7515 §7.1): three base64url segments; the header and payload are decoded, the signature kept
//! for the proof checks.

use serde_json::Value;

/// A syntactically valid compact JWS.
#[derive(Debug, Clone)]
pub struct CompactJws {
    pub raw: String,
    pub header: Value,
    pub payload_text: String,
    pub signature: Vec<u8>,
}

impl CompactJws {
    /// Parses a compact JWS. (Stub until the decoder lands.)
    pub fn parse(s: &str) -> Result<CompactJws, super::DecodeError> {
        Err(super::DecodeError {
            check: "OB30-FMT-002",
            message: format!("compact JWS parsing is not implemented yet ({} bytes)", s.len()),
            location: clr_reports::Location::default(),
            expected: None,
            actual: None,
        })
    }
}
