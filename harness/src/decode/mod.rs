//! Decoding every form a credential travels in: JSON, compact JWS, baked PNG (iTXt) and baked SVG.
//!
//! Each malformed form yields a [`DecodeError`] that names the format check it violates and where.

pub mod json;
pub mod jws;
pub mod png;
pub mod svg;

use clr_reports::Location;
use serde_json::Value;

pub use json::SpanIndex;
pub use jws::CompactJws;

/// Limits applied while decoding hostile input.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest input accepted, in bytes.
    pub max_input_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: 16 * 1024 * 1024,
        }
    }
}

/// How the credential was carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    CompactJws,
    Png,
    Svg,
}

/// A decoded credential: the innermost JSON with its source text (for line/column of findings).
#[derive(Debug, Clone)]
pub struct Decoded {
    pub format: Format,
    /// Encodings unwrapped on the way, outermost first, e.g. `PNG iTXt chunk "openbadgecredential"`, `compact JWS payload`.
    pub layers: Vec<String>,
    /// The JSON text of the credential (the JWS payload for JWS-carried credentials).
    pub text: String,
    pub value: Value,
    pub spans: SpanIndex,
    /// The compact JWS, when the credential was carried as one.
    pub jws: Option<CompactJws>,
}

/// A located decoding failure.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct DecodeError {
    /// The format check this violates (`OB30-FMT-001` …).
    pub check: &'static str,
    pub message: String,
    pub location: Location,
    pub expected: Option<String>,
    pub actual: Option<String>,
}

/// Decodes raw input bytes, sniffing the format from its content (PNG signature, XML, JSON, compact JWS).
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Decoded, DecodeError> {
    let _ = (bytes, limits);
    todo!("decode: sniff and dispatch")
}
