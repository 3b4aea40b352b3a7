//! Compact JWS (RFC 7515 §7.1): three base64url segments; the header and payload are decoded, the signature kept
//! for the proof checks.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::{CHECK_JWS, DecodeError, JWS_LAYER, escaped_prefix, json};

/// A syntactically valid compact JWS.
#[derive(Debug, Clone)]
pub struct CompactJws {
    /// The JWS as given, surrounding whitespace trimmed.
    pub raw: String,
    /// The decoded JOSE header (a JSON object).
    pub header: Value,
    /// The decoded payload, UTF-8 JSON text of one object.
    pub payload_text: String,
    /// The payload parsed: the credential plus JWT claims (VCDM 2.0), or JWT claims with a `vc` claim (VCDM 1.1).
    pub payload: Value,
    pub signature: Vec<u8>,
    /// The payload has a `vc` claim: a VCDM 1.1 JWT, whose credential sits inside that claim.
    pub vc_claim: bool,
}

impl CompactJws {
    /// Parses a compact JWS; the signature is kept, not verified.
    pub fn parse(text: &str) -> Result<CompactJws, DecodeError> {
        let lead = text.len() - text.trim_start().len();
        let raw = text.trim();
        let parts: Vec<&str> = raw.split('.').collect();
        let [header, payload, signature] = parts[..] else {
            return Err(DecodeError::new(
                CHECK_JWS,
                format!(
                    "a compact JWS has exactly 3 segments separated by '.'; found {}",
                    parts.len()
                ),
            )
            .at_offset(lead)
            .expected("3 segments: header.payload.signature")
            .actual(format!("{} segments", parts.len())));
        };
        let header_bytes = decode_segment("header", header, lead)?;
        let payload_at = lead + header.len() + 1;
        let payload_bytes = decode_segment("payload", payload, payload_at)?;
        let signature = decode_segment("signature", signature, payload_at + payload.len() + 1)?;

        let header_json = std::str::from_utf8(&header_bytes)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(t).ok())
            .filter(Value::is_object)
            .ok_or_else(|| {
                DecodeError::new(CHECK_JWS, "the compact JWS header is not a JSON object")
                    .at_offset(lead)
                    .expected("a JSON object such as {\"alg\":\"RS256\",…}")
                    .actual(escaped_prefix(&header_bytes))
            })?;
        let layer = [JWS_LAYER.to_string()];
        let (payload_text, payload) = json::parse_value(&payload_bytes, CHECK_JWS).map_err(|e| e.within(&layer))?;
        let vc_claim = payload.get("vc").is_some_and(Value::is_object);
        Ok(CompactJws {
            raw: raw.to_string(),
            header: header_json,
            payload_text,
            payload,
            signature,
            vc_claim,
        })
    }

    /// The JWS signing input (`header.payload`, still base64url), which the signature covers.
    pub fn signing_input(&self) -> &str {
        self.raw.rfind('.').and_then(|i| self.raw.get(..i)).unwrap_or("")
    }
}

fn decode_segment(name: &str, segment: &str, offset: usize) -> Result<Vec<u8>, DecodeError> {
    if segment.is_empty() && name != "signature" {
        return Err(DecodeError::new(CHECK_JWS, format!("the compact JWS {name} segment is empty")).at_offset(offset));
    }
    if let Some((i, c)) = segment
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        let why = match c {
            '=' => " (base64url in a JWS has no '=' padding)",
            '+' | '/' => " (that is standard base64, not base64url)",
            _ => "",
        };
        return Err(DecodeError::new(
            CHECK_JWS,
            format!(
                "the compact JWS {name} segment is not base64url: character {:?} at offset {}{why}",
                c,
                offset + i
            ),
        )
        .at_offset(offset + i)
        .expected("base64url characters A-Z a-z 0-9 - _ without padding")
        .actual(c.escape_default().to_string()));
    }
    URL_SAFE_NO_PAD.decode(segment).map_err(|e| {
        DecodeError::new(
            CHECK_JWS,
            format!("the compact JWS {name} segment is not valid base64url: {e}"),
        )
        .at_offset(offset)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn parses_header_payload_and_keeps_signature() {
        let jws = format!(
            "{}.{}.{}",
            b64(br#"{"alg":"RS256"}"#),
            b64(br#"{"vc":{"a":1}}"#),
            b64(&[1, 2, 3])
        );
        let parsed = CompactJws::parse(&format!("\n{jws}\n")).unwrap();
        assert_eq!(parsed.header["alg"], "RS256");
        assert_eq!(parsed.payload_text, r#"{"vc":{"a":1}}"#);
        assert_eq!(parsed.signature, vec![1, 2, 3]);
        assert!(parsed.vc_claim);
        assert_eq!(parsed.signing_input(), jws.rsplit_once('.').unwrap().0);
    }

    #[test]
    fn bad_base64url_names_segment_character_and_offset() {
        let header = b64(br#"{"alg":"RS256"}"#);
        let jws = format!("{header}.eyJh+IjoxfQ.c2ln");
        let err = CompactJws::parse(&jws).unwrap_err();
        assert_eq!(err.check, CHECK_JWS);
        let at = header.len() + 1 + 4;
        assert_eq!(err.location.byte_offset, Some(at as u64));
        assert!(
            err.message.contains("payload segment") && err.message.contains("'+'"),
            "{err}"
        );
        let err = CompactJws::parse(&format!("{header}.e30.c2ln=")).unwrap_err();
        assert!(
            err.message.contains("signature segment") && err.message.contains("padding"),
            "{err}"
        );
    }

    #[test]
    fn segment_count_and_header_shape_are_checked() {
        let err = CompactJws::parse("a.b").unwrap_err();
        assert!(err.message.contains("found 2"), "{err}");
        let err = CompactJws::parse(&format!("{}.e30.", b64(b"[1]"))).unwrap_err();
        assert!(err.message.contains("header is not a JSON object"), "{err}");
        let err = CompactJws::parse("e30.WzFd.").unwrap_err();
        assert!(err.message.contains("found a JSON array of 1 items"), "{err}");
        assert_eq!(err.location.layer.as_deref(), Some(JWS_LAYER));
        let err = CompactJws::parse(&format!("e30.{}.", b64(b"{\n\"a\": x}"))).unwrap_err();
        assert_eq!(
            (err.check, err.location.line, err.location.column),
            (CHECK_JWS, Some(2), Some(6))
        );
        // A 1-character remainder can never be base64.
        let err = CompactJws::parse("e30.e30AB.").unwrap_err();
        assert!(err.message.contains("payload segment is not valid base64url"), "{err}");
    }
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
