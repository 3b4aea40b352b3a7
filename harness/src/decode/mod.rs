//! Decoding every form a credential travels in: JSON, compact JWS, baked PNG (iTXt) and baked SVG.
//!
//! Each malformed form yields a [`DecodeError`] that names the format check it violates and where. The format is
//! sniffed from the content, never from a file name or media type, because both lie often in the wild.

// A DecodeError carries a whole `Location` so reporters can use it as is; it is built once per failed input, a
// cold path where the size of `Result` costs nothing measurable.
#![allow(clippy::result_large_err)]

pub mod json;
pub mod jws;
pub mod png;
pub mod svg;

#[cfg(test)]
mod vectors;

use clr_reports::Location;
use serde_json::Value;

pub use json::SpanIndex;
pub use jws::CompactJws;
pub use png::{bake_png, minimal_png};
pub use svg::{bake_svg, minimal_svg};

/// JSON document: UTF-8, well-formed, exactly one object, within limits.
pub const CHECK_JSON: &str = "OB30-FMT-001";
/// Compact JWS.
pub const CHECK_JWS: &str = "OB30-FMT-002";
/// Baked PNG.
pub const CHECK_PNG: &str = "OB30-FMT-003";
/// Baked SVG.
pub const CHECK_SVG: &str = "OB30-FMT-004";

/// Layer name for a credential carried in a compact JWS.
pub const JWS_LAYER: &str = "compact JWS payload";

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
    /// A baked Open Badges 2.0 (or 1.x) image may carry only the URL of its hosted assertion: then this is that URL,
    /// and `value` is null until the engine fetches it under the run's policy.
    pub reference: Option<String>,
}

impl Decoded {
    /// The layers joined for [`Location::layer`], or `None` for plain JSON.
    pub fn layer(&self) -> Option<String> {
        join_layers(&self.layers)
    }

    /// A location for `pointer` with line and column from the source text and this document's layer.
    pub fn locate(&self, pointer: &str) -> Location {
        let (line, column) = self.spans.position(pointer).unzip();
        Location {
            pointer: Some(pointer.to_string()),
            line,
            column,
            layer: self.layer(),
            ..Location::default()
        }
    }
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
    /// What the input is when it is a carrier of a format this tool does not check yet (a baked OB 2.0 image):
    /// an *unsupported* verdict naming it, not a failed format check.
    pub unsupported: Option<String>,
}

impl DecodeError {
    pub(crate) fn new(check: &'static str, message: impl Into<String>) -> Self {
        DecodeError {
            check,
            message: message.into(),
            location: Location::default(),
            expected: None,
            actual: None,
            unsupported: None,
        }
    }

    pub(crate) fn unsupported(mut self, what: impl Into<String>) -> Self {
        self.unsupported = Some(what.into());
        self
    }

    pub(crate) fn at_offset(mut self, offset: usize) -> Self {
        self.location.byte_offset = Some(offset as u64);
        self
    }

    pub(crate) fn at_line_col(mut self, (line, column): (u64, u64)) -> Self {
        self.location.line = Some(line);
        self.location.column = Some(column);
        self
    }

    pub(crate) fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }

    pub(crate) fn actual(mut self, actual: impl Into<String>) -> Self {
        self.actual = Some(actual.into());
        self
    }

    /// Records that the error happened inside `layers` (outermost first), keeping any inner layer already set.
    pub(crate) fn within(mut self, layers: &[String]) -> Self {
        let mut all = layers.to_vec();
        all.extend(self.location.layer.take());
        self.location.layer = join_layers(&all);
        self
    }
}

fn join_layers(layers: &[String]) -> Option<String> {
    (!layers.is_empty()).then(|| layers.join(" → "))
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Decodes raw input bytes, sniffing the format from its content (PNG signature, XML, JSON, compact JWS).
pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Decoded, DecodeError> {
    let len = bytes.len() as u64;
    if len > limits.max_input_bytes {
        // Readers stop at limit + 1 bytes, so the true size may be unknown here.
        let size = if len == limits.max_input_bytes.saturating_add(1) {
            format!("more than {} bytes", limits.max_input_bytes)
        } else {
            format!("{len} bytes")
        };
        return Err(DecodeError::new(
            CHECK_JSON,
            format!("input is {size}, over the limit of {} bytes", limits.max_input_bytes),
        )
        .expected(format!("at most {} bytes", limits.max_input_bytes))
        .actual(size));
    }
    if bytes.starts_with(png::SIGNATURE) {
        return png::decode(bytes);
    }
    let body = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let start = body.iter().position(|b| !b.is_ascii_whitespace());
    match start.and_then(|i| body.get(i)) {
        None => Err(DecodeError::new(CHECK_JSON, "input is empty (or only whitespace)")),
        Some(b'<') => svg::decode(bytes),
        Some(b'{' | b'[') => {
            let (text, value, spans) = json::parse(body, CHECK_JSON)?;
            Ok(Decoded {
                format: Format::Json,
                layers: Vec::new(),
                text,
                value,
                spans,
                jws: None,
                reference: None,
            })
        }
        Some(_) if looks_like_jws(body) => decode_jws_text(body, Vec::new(), Format::CompactJws),
        Some(_) => Err(DecodeError::new(
            CHECK_JSON,
            format!(
                "input is none of JSON, compact JWS, PNG, SVG; it starts with \"{}\"",
                escaped_prefix(bytes)
            ),
        )
        .at_offset(0)
        .expected("a JSON object, a compact JWS, a baked PNG or a baked SVG")
        .actual(escaped_prefix(bytes))),
    }
}

/// Decodes the text found inside an image: a compact JWS or credential JSON, nothing else.
pub(crate) fn decode_embedded(
    text: &[u8],
    layers: Vec<String>,
    format: Format,
    check: &'static str,
) -> Result<Decoded, DecodeError> {
    let start = text.iter().position(|b| !b.is_ascii_whitespace());
    match start.and_then(|i| text.get(i)) {
        Some(b'{' | b'[') => {
            let (text, value, spans) = json::parse(text, CHECK_JSON).map_err(|e| e.within(&layers))?;
            Ok(Decoded {
                format,
                layers,
                text,
                value,
                spans,
                jws: None,
                reference: None,
            })
        }
        Some(_) if looks_like_jws(text) => decode_jws_text(text, layers, format),
        _ => Err(DecodeError::new(
            check,
            format!(
                "embedded text is neither credential JSON nor a compact JWS; it starts with \"{}\"",
                escaped_prefix(text)
            ),
        )
        .expected("credential JSON or a compact JWS")
        .actual(escaped_prefix(text))
        .within(&layers)),
    }
}

pub(crate) fn decode_jws_text(text: &[u8], mut layers: Vec<String>, format: Format) -> Result<Decoded, DecodeError> {
    let text = std::str::from_utf8(text)
        .map_err(|e| DecodeError::new(CHECK_JWS, "compact JWS is not ASCII text").at_offset(e.valid_up_to()))
        .map_err(|e| e.within(&layers))?;
    let jws = CompactJws::parse(text).map_err(|e| e.within(&layers))?;
    layers.push(JWS_LAYER.to_string());
    let spans = SpanIndex::build(&jws.payload_text);
    let (text, value) = (jws.payload_text.clone(), jws.payload.clone());
    Ok(Decoded {
        format,
        layers,
        text,
        value,
        spans,
        jws: Some(jws),
        reference: None,
    })
}

/// A baked image that names its hosted assertion by URL (OB 2.0 hosted badges, OB 1.x `tEXt`).
pub(crate) fn looks_like_url(text: &[u8]) -> bool {
    let t = text.trim_ascii();
    (t.starts_with(b"https://") || t.starts_with(b"http://")) && t.iter().all(|b| b.is_ascii_graphic())
}

pub(crate) fn reference(text: &[u8], mut layers: Vec<String>, format: Format) -> Decoded {
    let url = String::from_utf8_lossy(text.trim_ascii()).into_owned();
    layers.push(format!("hosted assertion URL {url}"));
    Decoded {
        format,
        layers,
        text: String::new(),
        value: Value::Null,
        spans: SpanIndex::build(""),
        jws: None,
        reference: Some(url),
    }
}

/// A compact JWS candidate: one token of printable ASCII with a dot. Looser than base64url on purpose, so a JWS
/// with a bad character is reported as a broken JWS (naming the segment) rather than as an unknown format.
fn looks_like_jws(text: &[u8]) -> bool {
    let token = text.trim_ascii();
    !token.is_empty() && token.contains(&b'.') && token.iter().all(|b| b.is_ascii_graphic())
}

/// The first bytes of `bytes`, escaped for display.
pub(crate) fn escaped_prefix(bytes: &[u8]) -> String {
    let prefix = bytes.get(..16).unwrap_or(bytes);
    let mut s: String = prefix.escape_ascii().to_string();
    if bytes.len() > prefix.len() {
        s.push('…');
    }
    s
}

/// 1-based line and column (in characters) of a byte offset in `text`; offsets inside a character count as it.
pub(crate) fn line_col(text: &[u8], offset: usize) -> (u64, u64) {
    let before = text.get(..offset).unwrap_or(text);
    let line_start = before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let line = before.iter().filter(|b| **b == b'\n').count() as u64 + 1;
    let on_line = before.get(line_start..).unwrap_or_default();
    // Counting non-continuation bytes counts characters without requiring the prefix to be valid UTF-8.
    let column = on_line.iter().filter(|b| (**b & 0xC0) != 0x80).count() as u64 + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversized_input_is_a_format_error_stating_size_and_limit() {
        let limits = Limits { max_input_bytes: 10 };
        let err = decode(&[b' '; 11], &limits).unwrap_err();
        assert_eq!(err.check, CHECK_JSON);
        assert!(
            err.message.contains("more than 10 bytes") && err.message.contains("limit of 10"),
            "{err}"
        );
        let err = decode(&[b' '; 40], &limits).unwrap_err();
        assert!(err.message.contains("40 bytes"), "{err}");
    }

    #[test]
    fn unknown_format_shows_escaped_first_bytes() {
        let err = decode(
            b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00",
            &Limits::default(),
        )
        .unwrap_err();
        assert_eq!(err.check, CHECK_JSON);
        assert!(err.message.contains("none of JSON, compact JWS, PNG, SVG"), "{err}");
        assert!(err.message.contains(r"GIF89a\x01\x00"), "{err}");
        assert_eq!(err.location.byte_offset, Some(0));
    }

    #[test]
    fn sniffs_json_with_bom_and_whitespace_and_jws() {
        let d = decode(b"\xEF\xBB\xBF \n {\"a\": 1}", &Limits::default()).unwrap();
        assert_eq!(d.format, Format::Json);
        assert_eq!(d.value["a"], 1);
        let err = decode(b"", &Limits::default()).unwrap_err();
        assert!(err.message.contains("empty"));
        let err = decode(b"  abc.def  ", &Limits::default()).unwrap_err();
        assert_eq!(err.check, CHECK_JWS);
    }

    #[test]
    fn line_col_counts_characters() {
        let text = "ab\ncé d".as_bytes();
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, 6), (2, 3));
        assert_eq!(line_col(text, 99), (2, 5));
    }
}
