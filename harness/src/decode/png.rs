//! Baked PNG: the iTXt chunk with keyword `openbadgecredential` (OB 3.0) or `clrcredential` (CLR 2.0), or the
//! `openbadges` chunk of Open Badges 2.0 (iTXt: the assertion JSON, its JWS, or its hosted URL) and 1.x (tEXt: the
//! hosted URL).
//!
//! The chunk walk checks every length, bound and CRC itself instead of using an image crate: the harness never
//! needs the pixels, and a hand walk reports the exact chunk and offset of each defect.

use super::{CHECK_PNG, DecodeError, Decoded, Format, decode_embedded};

pub const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
/// Keywords of the credential chunk: OB 3.0, CLR 2.0.
pub const KEYWORDS: &[&str] = &["openbadgecredential", "clrcredential"];

/// The text chunk keyword of a baked Open Badges 2.0 (and 1.x) image.
const OB2_KEYWORD: &str = "openbadges";

/// How many offsets and keywords an error message lists before summarising.
const SHOWN: usize = 8;

struct Chunk<'a> {
    index: usize,
    offset: usize,
    kind: [u8; 4],
    data: &'a [u8],
}

impl Chunk<'_> {
    fn name(&self) -> String {
        self.kind.escape_ascii().to_string()
    }
}

/// Every chunk up to and including IEND, with lengths, bounds and CRCs checked.
fn chunks(png: &[u8]) -> Result<Vec<Chunk<'_>>, DecodeError> {
    if !png.starts_with(SIGNATURE) {
        return Err(
            DecodeError::new(CHECK_PNG, "not a PNG: the 8-byte PNG signature is missing")
                .at_offset(0)
                .expected(SIGNATURE.escape_ascii().to_string())
                .actual(super::escaped_prefix(png)),
        );
    }
    let mut out = Vec::new();
    let mut offset = SIGNATURE.len();
    loop {
        let index = out.len();
        let truncated = |what: &str| {
            DecodeError::new(
                CHECK_PNG,
                format!("PNG is truncated: chunk {index} at byte {offset} {what}"),
            )
            .at_offset(offset)
        };
        let Some(&[l0, l1, l2, l3, k0, k1, k2, k3]) = png.get(offset..offset.saturating_add(8)) else {
            return Err(truncated(
                "is cut short before its length and type (no IEND chunk seen)",
            ));
        };
        let len = u32::from_be_bytes([l0, l1, l2, l3]);
        let kind = [k0, k1, k2, k3];
        if len > i32::MAX as u32 {
            return Err(DecodeError::new(
                CHECK_PNG,
                format!("PNG chunk {index} at byte {offset} declares length {len}, over the PNG maximum of 2^31-1"),
            )
            .at_offset(offset));
        }
        if !kind.iter().all(u8::is_ascii_alphabetic) {
            return Err(DecodeError::new(
                CHECK_PNG,
                format!(
                    "PNG chunk {index} at byte {offset} has an invalid type {:?}",
                    kind.escape_ascii().to_string()
                ),
            )
            .at_offset(offset + 4));
        }
        let data_end = offset.saturating_add(8).saturating_add(len as usize);
        let crc = png
            .get(data_end..data_end.saturating_add(4))
            .and_then(|c| <[u8; 4]>::try_from(c).ok());
        let (Some(data), Some(crc)) = (png.get(offset + 8..data_end), crc) else {
            return Err(truncated(&format!(
                "({}) declares {len} data bytes but the file ends at byte {}",
                kind.escape_ascii(),
                png.len()
            )));
        };
        let stored = u32::from_be_bytes(crc);
        let computed = crc32(&[&kind, data]);
        if stored != computed {
            return Err(DecodeError::new(
                CHECK_PNG,
                format!(
                    "PNG chunk {index} ({}) at byte {offset} has a CRC mismatch",
                    kind.escape_ascii()
                ),
            )
            .at_offset(data_end)
            .expected(format!("CRC {computed:08x}"))
            .actual(format!("CRC {stored:08x}")));
        }
        out.push(Chunk {
            index,
            offset,
            kind,
            data,
        });
        offset = data_end + 4;
        if &kind == b"IEND" {
            return Ok(out);
        }
    }
}

/// The parts of an iTXt chunk (PNG §11.3.4.5).
struct ITxt<'a> {
    keyword: &'a [u8],
    compressed: u8,
    text: &'a [u8],
}

fn parse_itxt<'a>(chunk: &Chunk<'a>) -> Result<ITxt<'a>, DecodeError> {
    let malformed = |what: &str| {
        DecodeError::new(
            CHECK_PNG,
            format!(
                "iTXt chunk {} at byte {} is malformed: {what}",
                chunk.index, chunk.offset
            ),
        )
        .at_offset(chunk.offset)
    };
    let mut fields = chunk.data.splitn(2, |b| *b == 0);
    let keyword = fields.next().unwrap_or_default();
    let rest = fields.next().ok_or_else(|| malformed("no NUL after the keyword"))?;
    let [compressed, _method, rest @ ..] = rest else {
        return Err(malformed("no compression flag and method"));
    };
    let mut fields = rest.splitn(3, |b| *b == 0);
    let (_language, _translated) = (fields.next(), fields.next());
    let text = fields
        .next()
        .ok_or_else(|| malformed("no NUL after the language tag or translated keyword"))?;
    Ok(ITxt {
        keyword,
        compressed: *compressed,
        text,
    })
}

fn text_keyword(chunk: &Chunk<'_>) -> Option<String> {
    matches!(&chunk.kind, b"tEXt" | b"zTXt" | b"iTXt").then(|| {
        let kw = chunk.data.split(|b| *b == 0).next().unwrap_or_default();
        format!(
            "{} {:?}",
            chunk.name(),
            String::from_utf8_lossy(kw.get(..79).unwrap_or(kw))
        )
    })
}

/// Extracts and decodes the baked credential.
pub(crate) fn decode(png: &[u8]) -> Result<Decoded, DecodeError> {
    let chunks = chunks(png)?;
    let mut found = Vec::new();
    let mut seen_keywords = Vec::new();
    let mut text_chunks = 0usize;
    let mut ob2_chunk = false;
    for chunk in &chunks {
        if let Some(kw) = text_keyword(chunk) {
            text_chunks += 1;
            ob2_chunk |= chunk.data.split(|b| *b == 0).next() == Some(OB2_KEYWORD.as_bytes());
            if seen_keywords.len() < SHOWN {
                seen_keywords.push(kw);
            }
        }
        if &chunk.kind == b"iTXt" {
            let itxt = parse_itxt(chunk)?;
            if KEYWORDS.iter().any(|k| k.as_bytes() == itxt.keyword) || itxt.keyword == OB2_KEYWORD.as_bytes() {
                found.push((chunk, itxt));
            }
        } else if &chunk.kind == b"tEXt" {
            // Open Badges 1.x baked a tEXt chunk `openbadges` holding the hosted assertion's URL.
            let mut fields = chunk.data.splitn(2, |b| *b == 0);
            if let (Some(keyword), Some(text)) = (fields.next(), fields.next())
                && keyword == OB2_KEYWORD.as_bytes()
            {
                found.push((
                    chunk,
                    ITxt {
                        keyword,
                        compressed: 0,
                        text,
                    },
                ));
            }
        }
    }
    let (chunk, itxt) = match found.len() {
        0 => {
            let seen = match text_chunks {
                0 => "it has no text chunks".to_string(),
                n if n > SHOWN => format!("text chunks seen: {} … ({n} in all)", seen_keywords.join(", ")),
                _ => format!("text chunks seen: {}", seen_keywords.join(", ")),
            };
            let err = DecodeError::new(
                CHECK_PNG,
                format!("PNG has no iTXt chunk with keyword openbadgecredential or clrcredential; {seen}"),
            )
            .expected("one iTXt chunk with keyword openbadgecredential (OB 3.0) or openbadges (OB 2.0)")
            .actual(seen);
            if ob2_chunk {
                return Err(err.unsupported(format!(
                    "a baked Open Badges image whose \"{OB2_KEYWORD}\" chunk is compressed (zTXt)"
                )));
            }
            return Err(err);
        }
        1 => found.swap_remove(0),
        n => {
            let offsets: Vec<String> = found.iter().take(SHOWN).map(|(c, _)| c.offset.to_string()).collect();
            let more = if n > SHOWN { ", …" } else { "" };
            return Err(DecodeError::new(
                CHECK_PNG,
                format!(
                    "PNG has {n} credential iTXt chunks (at bytes {}{more}); exactly one is allowed",
                    offsets.join(", ")
                ),
            )
            .at_offset(found.get(1).map_or(0, |(c, _)| c.offset))
            .expected("exactly one credential iTXt chunk")
            .actual(format!("{n} chunks")));
        }
    };
    let keyword = String::from_utf8_lossy(itxt.keyword).into_owned();
    let layer = format!("PNG {} chunk {keyword:?}", chunk.name());
    match itxt.compressed {
        0 => {}
        1 => {
            return Err(DecodeError::new(
                CHECK_PNG,
                format!(
                    "compressed iTXt is not allowed (chunk {} at byte {})",
                    chunk.index, chunk.offset
                ),
            )
            .at_offset(chunk.offset)
            .expected("compression flag 0")
            .actual("compression flag 1"));
        }
        other => {
            return Err(DecodeError::new(
                CHECK_PNG,
                format!(
                    "iTXt chunk {} at byte {} has an invalid compression flag {other}",
                    chunk.index, chunk.offset
                ),
            )
            .at_offset(chunk.offset));
        }
    }
    if itxt.keyword == OB2_KEYWORD.as_bytes() && super::looks_like_url(itxt.text) {
        return Ok(super::reference(itxt.text, vec![layer], Format::Png));
    }
    decode_embedded(itxt.text, vec![layer], Format::Png, CHECK_PNG)
}

/// The data of an uncompressed iTXt chunk with empty language tag and translated keyword.
fn itxt_data(keyword: &str, compressed: bool, text: &[u8]) -> Vec<u8> {
    let mut data = Vec::with_capacity(keyword.len() + 5 + text.len());
    data.extend_from_slice(keyword.as_bytes());
    data.extend_from_slice(&[0, u8::from(compressed), 0, 0, 0]);
    data.extend_from_slice(text);
    data
}

/// A PNG chunk: length, type, data and CRC.
pub fn chunk_bytes(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 12);
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(&[kind, data]).to_be_bytes());
    out
}

/// Inserts `chunk` (complete, with length and CRC) right after IHDR.
fn insert_after_ihdr(png: &[u8], chunk: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let chunks = chunks(png)?;
    let ihdr = chunks.first().filter(|c| &c.kind == b"IHDR").ok_or_else(|| {
        DecodeError::new(CHECK_PNG, "PNG does not start with an IHDR chunk").at_offset(SIGNATURE.len())
    })?;
    let at = ihdr.offset + 12 + ihdr.data.len();
    let mut out = Vec::with_capacity(png.len() + chunk.len());
    out.extend_from_slice(png.get(..at).unwrap_or(png));
    out.extend_from_slice(chunk);
    out.extend_from_slice(png.get(at..).unwrap_or_default());
    Ok(out)
}

/// Bakes `text` (credential JSON or a compact JWS) into `png` as an uncompressed iTXt chunk right after IHDR.
pub fn bake_png(png: &[u8], keyword: &str, text: &str) -> Result<Vec<u8>, DecodeError> {
    let valid = (1..=79).contains(&keyword.len()) && keyword.bytes().all(|b| (0x20..=0x7e).contains(&b));
    if !valid || keyword.starts_with(' ') || keyword.ends_with(' ') {
        return Err(DecodeError::new(
            CHECK_PNG,
            format!("{keyword:?} is not a valid PNG keyword (1-79 printable)"),
        ));
    }
    let already = chunks(png)?
        .iter()
        .filter(|c| &c.kind == b"iTXt")
        .any(|c| parse_itxt(c).is_ok_and(|t| KEYWORDS.iter().any(|k| k.as_bytes() == t.keyword)));
    if already {
        return Err(DecodeError::new(
            CHECK_PNG,
            "PNG is already baked: it has a credential iTXt chunk",
        ));
    }
    insert_after_ihdr(png, &chunk_bytes(b"iTXt", &itxt_data(keyword, false, text.as_bytes())))
}

/// A valid 1×1 grayscale PNG, built by hand so tests and vectors need no image files.
pub fn minimal_png() -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&1u32.to_be_bytes());
    ihdr.extend_from_slice(&1u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // bit depth 8, grayscale, deflate, adaptive filter, no interlace
    let mut png = SIGNATURE.to_vec();
    png.extend(chunk_bytes(b"IHDR", &ihdr));
    png.extend(chunk_bytes(b"IDAT", &zlib_stored(&[0, 0xff]))); // filter type 0, one white pixel
    png.extend(chunk_bytes(b"IEND", &[]));
    png
}

/// A zlib stream holding `data` in one stored (uncompressed) deflate block; `data` must fit in 65,535 bytes.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let len = data.len() as u16;
    let mut out = vec![0x78, 0x01, 0x01];
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
};

/// CRC-32 (ISO 3309, as PNG uses it) over the concatenation of `parts`.
fn crc32(parts: &[&[u8]]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &byte in parts.iter().flat_map(|p| p.iter()) {
        c = CRC_TABLE[((c ^ u32::from(byte)) & 0xFF) as usize] ^ (c >> 8);
    }
    c ^ 0xFFFF_FFFF
}

/// Test and vector builders for malformed PNGs the public API refuses to make.
#[cfg(test)]
pub(crate) mod build {
    use super::*;

    pub fn with_itxt(png: &[u8], keyword: &str, compressed: bool, text: &[u8]) -> Vec<u8> {
        insert_after_ihdr(png, &chunk_bytes(b"iTXt", &itxt_data(keyword, compressed, text))).unwrap_or_default()
    }

    pub fn with_text(png: &[u8], keyword: &str, text: &str) -> Vec<u8> {
        let data = [keyword.as_bytes(), &[0], text.as_bytes()].concat();
        insert_after_ihdr(png, &chunk_bytes(b"tEXt", &data)).unwrap_or_default()
    }

    pub fn zlib(data: &[u8]) -> Vec<u8> {
        zlib_stored(data)
    }
}

#[cfg(test)]
mod tests {
    use super::build::*;
    use super::*;
    use crate::decode::{CHECK_JSON, CHECK_JWS, Limits};

    const JSON: &str = "{\n  \"id\": \"urn:uuid:1\"\n}";

    #[test]
    fn crc_and_minimal_png_are_right() {
        assert_eq!(crc32(&[b"IEND"]), 0xAE42_6082);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        assert_eq!(chunks(&minimal_png()).unwrap().len(), 3);
    }

    #[test]
    fn bake_then_decode_round_trips_json_and_jws() {
        let baked = bake_png(&minimal_png(), "openbadgecredential", JSON).unwrap();
        let d = crate::decode::decode(&baked, &Limits::default()).unwrap();
        assert_eq!(
            (d.format, d.text.as_str(), d.value["id"].as_str()),
            (Format::Png, JSON, Some("urn:uuid:1"))
        );
        assert_eq!(d.layers, vec![r#"PNG iTXt chunk "openbadgecredential""#]);
        assert_eq!(d.spans.position("/id"), Some((2, 9)));

        let jws = "eyJhbGciOiJSUzI1NiJ9.eyJpZCI6InVybjp1dWlkOjEifQ.c2ln";
        let baked = bake_png(&minimal_png(), "clrcredential", jws).unwrap();
        let d = crate::decode::decode(&baked, &Limits::default()).unwrap();
        assert_eq!(
            d.layers,
            vec![r#"PNG iTXt chunk "clrcredential""#, "compact JWS payload"]
        );
        assert_eq!(d.value["id"], "urn:uuid:1");
        assert!(d.jws.is_some());
        assert!(
            bake_png(&baked, "openbadgecredential", JSON).is_err(),
            "baking twice must be refused"
        );
    }

    #[test]
    fn missing_chunk_lists_text_keywords_seen() {
        let png = with_text(&minimal_png(), "Software", "paint");
        let err = decode(&png).unwrap_err();
        assert_eq!(err.check, CHECK_PNG);
        assert!(
            err.message
                .contains("no iTXt chunk with keyword openbadgecredential or clrcredential"),
            "{err}"
        );
        assert!(err.message.contains(r#"tEXt "Software""#), "{err}");
    }

    #[test]
    fn open_badges_2_and_1_x_images_carry_json_a_jws_or_the_hosted_url() {
        // OB 1.x: a tEXt chunk with the hosted assertion's URL, fetched by the engine.
        let png = with_text(&minimal_png(), "openbadges", "https://example.org/assertions/1");
        let decoded = decode(&png).expect("decodes");
        assert_eq!(decoded.reference.as_deref(), Some("https://example.org/assertions/1"));
        assert!(decoded.layers[0].contains("tEXt"), "{:?}", decoded.layers);
        // OB 2.0: an iTXt chunk with the assertion JSON.
        let png = with_itxt(&minimal_png(), "openbadges", false, br#"{"type": "Assertion"}"#);
        let decoded = decode(&png).expect("decodes");
        assert_eq!(
            (decoded.reference, decoded.value["type"].as_str()),
            (None, Some("Assertion"))
        );
        let other = with_text(&minimal_png(), "Software", "paint");
        assert_eq!(decode(&other).unwrap_err().unsupported, None);
    }

    #[test]
    fn two_chunks_are_an_error_with_count_and_offsets() {
        let png = with_itxt(&minimal_png(), "openbadgecredential", false, JSON.as_bytes());
        let png = with_itxt(&png, "openbadgecredential", false, JSON.as_bytes());
        let err = decode(&png).unwrap_err();
        assert_eq!(err.check, CHECK_PNG);
        assert!(err.message.contains("2 credential iTXt chunks (at bytes 33, "), "{err}");
        assert!(err.location.byte_offset.is_some());
    }

    #[test]
    fn a_thousand_chunks_are_counted_quickly() {
        let chunk = chunk_bytes(b"iTXt", &itxt_data("openbadgecredential", false, JSON.as_bytes()));
        let png = insert_after_ihdr(&minimal_png(), &chunk.repeat(1000)).unwrap();
        let err = decode(&png).unwrap_err();
        assert!(err.message.starts_with("PNG has 1000 credential iTXt chunks"), "{err}");
        assert!(err.message.len() < 300, "offsets must be capped: {err}");
    }

    #[test]
    fn compressed_itxt_is_refused() {
        let png = with_itxt(&minimal_png(), "openbadgecredential", true, &zlib(JSON.as_bytes()));
        let err = decode(&png).unwrap_err();
        assert_eq!(err.check, CHECK_PNG);
        assert!(err.message.starts_with("compressed iTXt is not allowed"), "{err}");
        assert_eq!(err.location.byte_offset, Some(33));
    }

    #[test]
    fn crc_mismatch_and_truncation_are_located() {
        let mut png = bake_png(&minimal_png(), "openbadgecredential", JSON).unwrap();
        let flip = 33 + 8 + 3;
        png[flip] ^= 0x20;
        let err = decode(&png).unwrap_err();
        assert_eq!(err.check, CHECK_PNG);
        assert!(
            err.message.contains("chunk 1 (iTXt) at byte 33 has a CRC mismatch"),
            "{err}"
        );
        let len = png.len();
        let err = decode(&minimal_png()[..len.min(40)]).unwrap_err();
        assert!(err.message.contains("truncated: chunk 1 at byte 33"), "{err}");
        assert_eq!(err.location.byte_offset, Some(33));
    }

    #[test]
    fn inner_errors_name_the_inner_check_and_the_layer() {
        let png = bake_png(&minimal_png(), "openbadgecredential", "{\"a\": }").unwrap();
        let err = decode(&png).unwrap_err();
        assert_eq!(err.check, CHECK_JSON);
        assert_eq!(
            err.location.layer.as_deref(),
            Some(r#"PNG iTXt chunk "openbadgecredential""#)
        );
        let png = bake_png(&minimal_png(), "openbadgecredential", "e30.e+0.").unwrap();
        let err = decode(&png).unwrap_err();
        assert_eq!(err.check, CHECK_JWS);
        let png = bake_png(&minimal_png(), "openbadgecredential", "hello").unwrap();
        assert_eq!(decode(&png).unwrap_err().check, CHECK_PNG);
    }
}
