//! Baked SVG: the `openbadges:credential` element, its `verify` attribute (JWS) or CDATA body (JSON).
//!
//! Entities are never expanded beyond the five predefined ones and character references: a DTD that declares
//! entities is refused outright, which is what makes entity bombs harmless.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::{CHECK_JSON, CHECK_SVG, DecodeError, Decoded, Format, decode_jws_text, json, line_col};

pub const OB_NAMESPACE: &str = "https://purl.imsglobal.org/ob/v3p0";
/// Namespaces accepted for the `openbadges` prefix: OB 3.0, and the CLR 2.0 one the 1EdTech validator accepts.
pub const NAMESPACES: &[&str] = &[OB_NAMESPACE, "https://purl.imsglobal.org/clr/v2p0"];
const ELEMENT: &[u8] = b"openbadges:credential";
/// The Open Badges 2.0 element, in the `http://openbadges.org` namespace.
const OB2_ELEMENT: &[u8] = b"openbadges:assertion";
/// The Open Badges 2.0 baking namespace.
pub const OB2_NAMESPACE: &str = "http://openbadges.org";
const NS_ATTR: &[u8] = b"xmlns:openbadges";
const SHOWN: usize = 8;

/// What one pass over the document found.
#[derive(Default)]
struct Scan {
    /// Root start tag: qualified name, byte range, and whether it is self-closing.
    root: Option<(String, usize, usize, bool)>,
    namespace: Option<String>,
    count: usize,
    offsets: Vec<usize>,
    /// The first credential element: offset, `verify` attribute, body text.
    first: Option<(usize, Option<String>, String)>,
    /// The credential elements are Open Badges 2.0's `openbadges:assertion`.
    ob2: bool,
}

fn xml_error(text: &str, offset: usize, what: impl std::fmt::Display) -> DecodeError {
    let (line, column) = line_col(text.as_bytes(), offset);
    DecodeError::new(
        CHECK_SVG,
        format!("SVG is not well-formed XML at byte {offset} (line {line}, column {column}): {what}"),
    )
    .at_offset(offset)
    .at_line_col((line, column))
}

fn attribute(text: &str, e: &BytesStart<'_>, at: usize, name: &[u8]) -> Result<Option<String>, DecodeError> {
    // quick-xml's duplicate-attribute check is quadratic: a root with a million attributes would hang it.
    for attr in e.attributes().with_checks(false) {
        let attr = attr.map_err(|err| xml_error(text, at, err))?;
        if attr.key.as_ref() == name {
            let value = attr.unescape_value().map_err(|err| xml_error(text, at, err))?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

fn scan(text: &str) -> Result<Scan, DecodeError> {
    let mut reader = Reader::from_str(text);
    let mut scan = Scan::default();
    let mut depth = 0usize;
    // Depth of the first credential element while inside it; its text and CDATA form the body.
    let mut inside: Option<usize> = None;
    loop {
        let before = reader.buffer_position() as usize;
        let event = reader
            .read_event()
            .map_err(|e| xml_error(text, reader.error_position() as usize, e))?;
        let after = reader.buffer_position() as usize;
        match event {
            Event::Eof => break,
            Event::DocType(d) if d.windows(8).any(|w| w == b"<!ENTITY") => {
                return Err(DecodeError::new(
                    CHECK_SVG,
                    "SVG has a DTD with ENTITY declarations; they are refused (entities are never expanded)",
                )
                .at_offset(before)
                .at_line_col(line_col(text.as_bytes(), before)));
            }
            Event::GeneralRef(r) => {
                let ch = match r.resolve_char_ref() {
                    Ok(Some(ch)) => ch,
                    Ok(None) => match &*r {
                        b"lt" => '<',
                        b"gt" => '>',
                        b"amp" => '&',
                        b"apos" => '\'',
                        b"quot" => '"',
                        name => {
                            let name = String::from_utf8_lossy(name);
                            return Err(xml_error(text, before, format!("unknown entity reference &{name};")));
                        }
                    },
                    Err(e) => return Err(xml_error(text, before, e)),
                };
                if let (Some(_), Some((_, _, body))) = (inside, scan.first.as_mut()) {
                    body.push(ch);
                }
            }
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                if depth == 0 {
                    if scan.root.is_some() {
                        return Err(xml_error(text, before, "more than one root element"));
                    }
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    if e.local_name().as_ref() != b"svg" {
                        return Err(
                            DecodeError::new(CHECK_SVG, format!("the root element is <{name}>, not <svg>"))
                                .at_offset(before)
                                .at_line_col(line_col(text.as_bytes(), before)),
                        );
                    }
                    scan.namespace = attribute(text, e, before, NS_ATTR)?;
                    scan.root = Some((name, before, after, empty));
                }
                let ob2 = e.name().as_ref() == OB2_ELEMENT;
                if e.name().as_ref() == ELEMENT || ob2 {
                    scan.ob2 |= ob2;
                    scan.count += 1;
                    if scan.offsets.len() < SHOWN {
                        scan.offsets.push(before);
                    }
                    if scan.first.is_none() {
                        scan.first = Some((before, attribute(text, e, before, b"verify")?, String::new()));
                        inside = (!empty).then_some(depth + 1);
                    }
                }
                if !empty {
                    depth += 1;
                }
            }
            Event::End(_) => {
                if inside == Some(depth) {
                    inside = None;
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(t) if inside.is_some() => {
                let t = t.decode().map_err(|e| xml_error(text, before, e))?;
                if let Some((_, _, body)) = scan.first.as_mut() {
                    body.push_str(&t);
                }
            }
            Event::CData(c) if inside.is_some() => {
                let c = c.decode().map_err(|e| xml_error(text, before, e))?;
                if let Some((_, _, body)) = scan.first.as_mut() {
                    body.push_str(&c);
                }
            }
            _ => {}
        }
    }
    if depth > 0 {
        return Err(xml_error(
            text,
            text.len(),
            format!("the document ends with {depth} element(s) still open"),
        ));
    }
    if scan.root.is_none() {
        return Err(xml_error(text, text.len(), "no root element"));
    }
    Ok(scan)
}

fn as_text(bytes: &[u8]) -> Result<&str, DecodeError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        DecodeError::new(
            CHECK_SVG,
            format!("SVG is not UTF-8 text: invalid byte sequence at byte {at}"),
        )
        .at_offset(at)
        .at_line_col(line_col(bytes, at))
    })
}

/// Extracts and decodes the baked credential. Offsets are relative to the text after any UTF-8 BOM.
pub(crate) fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    let text = as_text(bytes)?;
    let scan = scan(text)?;
    let (first_at, verify, body) = match (scan.count, scan.first) {
        (1, Some(first)) => first,
        (0, _) | (_, None) => {
            return Err(DecodeError::new(CHECK_SVG, "SVG has no openbadges:credential element")
                .expected("exactly one openbadges:credential (OB 3.0) or openbadges:assertion (OB 2.0) element")
                .actual("none"));
        }
        (n, _) => {
            let more = if n > SHOWN { ", …" } else { "" };
            let at: Vec<String> = scan.offsets.iter().map(ToString::to_string).collect();
            return Err(DecodeError::new(
                CHECK_SVG,
                format!(
                    "SVG has {n} openbadges:credential elements (at bytes {}{more}); exactly one is allowed",
                    at.join(", ")
                ),
            )
            .at_offset(scan.offsets.get(1).copied().unwrap_or(0))
            .expected("exactly one openbadges:credential element")
            .actual(format!("{n} elements")));
        }
    };
    let root_at = scan.root.as_ref().map_or(0, |r| r.1);
    if scan.ob2 {
        return decode_ob2(text, scan.namespace.as_deref(), root_at, first_at, verify, &body);
    }
    if !scan.namespace.as_deref().is_some_and(|ns| NAMESPACES.contains(&ns)) {
        let actual = scan.namespace.map_or_else(
            || "no xmlns:openbadges".to_string(),
            |ns| format!("xmlns:openbadges={ns:?}"),
        );
        return Err(DecodeError::new(
            CHECK_SVG,
            format!(
                "the root <svg> must declare xmlns:openbadges=\"{}\"; found {actual}",
                OB_NAMESPACE
            ),
        )
        .at_offset(root_at)
        .at_line_col(line_col(text.as_bytes(), root_at))
        .expected(format!("xmlns:openbadges=\"{}\"", OB_NAMESPACE))
        .actual(actual));
    }
    let located = |e: DecodeError| e.at_offset(first_at).at_line_col(line_col(text.as_bytes(), first_at));
    match (verify, body.trim()) {
        (Some(_), b) if !b.is_empty() => Err(located(DecodeError::new(
            CHECK_SVG,
            "openbadges:credential has both a verify attribute and a body; it must have exactly one",
        ))),
        (None, "") => Err(located(DecodeError::new(
            CHECK_SVG,
            "openbadges:credential has neither a verify attribute (compact JWS) nor a body (credential JSON)",
        ))),
        (Some(jws), _) => decode_jws_text(
            jws.as_bytes(),
            vec!["SVG openbadges:credential verify attribute".into()],
            Format::Svg,
        ),
        (None, _) => {
            let layers = vec!["SVG openbadges:credential body".to_string()];
            let (text, value, spans) = json::parse(body.as_bytes(), CHECK_JSON).map_err(|e| e.within(&layers))?;
            Ok(Decoded {
                format: Format::Svg,
                layers,
                text,
                value,
                spans,
                jws: None,
                reference: None,
            })
        }
    }
}

/// Open Badges 2.0 baking: `<openbadges:assertion verify="…">` in the `http://openbadges.org` namespace. A hosted
/// badge's `verify` is the assertion URL and its body the assertion JSON (CDATA); a signed badge's `verify` is the JWS
/// and it has no body.
fn decode_ob2(
    text: &str,
    namespace: Option<&str>,
    root_at: usize,
    first_at: usize,
    verify: Option<String>,
    body: &str,
) -> Result<Decoded, DecodeError> {
    if namespace != Some(OB2_NAMESPACE) {
        let actual = namespace.map_or_else(
            || "no xmlns:openbadges".to_string(),
            |ns| format!("xmlns:openbadges={ns:?}"),
        );
        return Err(DecodeError::new(
            CHECK_SVG,
            format!("the root <svg> of an OB 2.0 baked badge must declare xmlns:openbadges=\"{OB2_NAMESPACE}\"; found {actual}"),
        )
        .at_offset(root_at)
        .at_line_col(line_col(text.as_bytes(), root_at))
        .expected(format!("xmlns:openbadges=\"{OB2_NAMESPACE}\""))
        .actual(actual));
    }
    let located = |e: DecodeError| e.at_offset(first_at).at_line_col(line_col(text.as_bytes(), first_at));
    match (verify, body.trim()) {
        (_, b) if !b.is_empty() => {
            let layers = vec!["SVG openbadges:assertion body".to_string()];
            let (text, value, spans) = json::parse(b.as_bytes(), CHECK_JSON).map_err(|e| e.within(&layers))?;
            Ok(Decoded {
                format: Format::Svg,
                layers,
                text,
                value,
                spans,
                jws: None,
                reference: None,
            })
        }
        (Some(v), _) if super::looks_like_url(v.as_bytes()) => Ok(super::reference(
            v.as_bytes(),
            vec!["SVG openbadges:assertion verify attribute".into()],
            Format::Svg,
        )),
        (Some(jws), _) => decode_jws_text(
            jws.as_bytes(),
            vec!["SVG openbadges:assertion verify attribute".into()],
            Format::Svg,
        ),
        (None, _) => Err(located(DecodeError::new(
            CHECK_SVG,
            "openbadges:assertion has neither a verify attribute nor a body",
        ))),
    }
}

fn escape_attr(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('"', "&quot;")
}

/// Bakes `credential_text` into `svg`: a compact JWS into a `verify` attribute, or JSON into a CDATA body, as the
/// first child of the root; declares the `openbadges` namespace if the root lacks it.
pub fn bake_svg(svg: &str, credential_text: &str, as_jws: bool) -> Result<String, DecodeError> {
    let svg = as_text(svg.as_bytes())?;
    let scan = scan(svg)?;
    if scan.count > 0 {
        return Err(DecodeError::new(
            CHECK_SVG,
            "SVG is already baked: it has an openbadges:credential element",
        ));
    }
    let Some((name, start, end, empty)) = scan.root else {
        return Err(DecodeError::new(CHECK_SVG, "SVG has no root element"));
    };
    let ns = match scan.namespace.as_deref() {
        None => format!(" xmlns:openbadges=\"{}\"", OB_NAMESPACE),
        Some(ns) if NAMESPACES.contains(&ns) => String::new(),
        Some(other) => {
            return Err(DecodeError::new(
                CHECK_SVG,
                format!("the root binds the openbadges prefix to {other:?}"),
            ));
        }
    };
    let element = if as_jws {
        format!(
            "<openbadges:credential verify=\"{}\"/>",
            escape_attr(credential_text.trim())
        )
    } else {
        // "]]>" cannot appear inside CDATA: split it across two sections.
        let body = credential_text.replace("]]>", "]]]]><![CDATA[>");
        format!("<openbadges:credential><![CDATA[{body}]]></openbadges:credential>")
    };
    let tag = svg.get(start..end).unwrap_or_default();
    let tag_body = tag
        .strip_suffix("/>")
        .or_else(|| tag.strip_suffix('>'))
        .unwrap_or(tag)
        .trim_end();
    let close = if empty { format!("</{name}>") } else { String::new() };
    let head = svg.get(..start).unwrap_or_default();
    let tail = svg.get(end..).unwrap_or_default();
    Ok(format!("{head}{tag_body}{ns}>\n  {element}{close}{tail}"))
}

/// A valid 1×1 SVG, so tests and vectors need no image files.
pub fn minimal_svg() -> String {
    concat!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\" height=\"1\" viewBox=\"0 0 1 1\">\n",
        "  <rect width=\"1\" height=\"1\" fill=\"#fff\"/>\n",
        "</svg>\n"
    )
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{CHECK_JWS, Limits};

    const JSON: &str = "{\n  \"id\": \"urn:uuid:1\",\n  \"s\": \"a]]>b\"\n}";
    const JWS: &str = "eyJhbGciOiJSUzI1NiJ9.eyJpZCI6InVybjp1dWlkOjEifQ.c2ln";

    fn decode_str(s: &str) -> Result<Decoded, DecodeError> {
        crate::decode::decode(s.as_bytes(), &Limits::default())
    }

    #[test]
    fn bake_then_decode_round_trips_cdata_json_and_verify_jws() {
        let baked = bake_svg(&minimal_svg(), JSON, false).unwrap();
        let d = decode_str(&baked).unwrap();
        assert_eq!((d.format, d.text.as_str()), (Format::Svg, JSON));
        assert_eq!(d.layers, vec!["SVG openbadges:credential body"]);
        assert_eq!(d.spans.position("/s"), Some((3, 8)));

        let baked = bake_svg("<svg xmlns=\"http://www.w3.org/2000/svg\"/>", JWS, true).unwrap();
        let d = decode_str(&baked).unwrap();
        assert_eq!(d.value["id"], "urn:uuid:1");
        assert_eq!(
            d.layers,
            vec!["SVG openbadges:credential verify attribute", "compact JWS payload"]
        );
        assert!(bake_svg(&baked, JSON, false).is_err(), "baking twice must be refused");
    }

    #[test]
    fn open_badges_2_svgs_carry_the_hosted_url_and_json_or_a_jws() {
        let hosted = r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="https://example.org/a/1"><![CDATA[{"type": "Assertion", "id": "https://example.org/a/1"}]]></openbadges:assertion></svg>"#;
        let decoded = decode_str(hosted).expect("decodes");
        assert_eq!(decoded.value["id"], "https://example.org/a/1");
        let bare = r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="https://example.org/a/1"/></svg>"#;
        assert_eq!(
            decode_str(bare).expect("decodes").reference.as_deref(),
            Some("https://example.org/a/1")
        );
        // The OB 2.0 namespace is http://openbadges.org exactly.
        let wrong_ns = bare.replace("http://openbadges.org", "https://openbadges.org");
        let err = decode_str(&wrong_ns).unwrap_err();
        assert!(
            err.message.contains("xmlns:openbadges=\"http://openbadges.org\""),
            "{err}"
        );
        assert_eq!(decode_str(&minimal_svg()).unwrap_err().unsupported, None);
    }

    #[test]
    fn broken_xml_is_located() {
        let err =
            decode_str("<svg xmlns:openbadges=\"https://purl.imsglobal.org/ob/v3p0\">\n  <g></h>\n</svg>").unwrap_err();
        assert_eq!(err.check, CHECK_SVG);
        assert_eq!(err.location.line, Some(2));
        assert!(err.location.byte_offset.is_some());
        assert!(err.message.contains("not well-formed XML"), "{err}");
        let err = decode_str("<svg><g>").unwrap_err();
        assert!(err.message.contains("2 element(s) still open"), "{err}");
    }

    #[test]
    fn entity_bomb_is_refused_quickly() {
        let mut bomb = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE svg [\n <!ENTITY lol \"lol\">\n");
        for i in 1..10 {
            let prev = if i == 1 {
                "lol".to_string()
            } else {
                format!("lol{}", i - 1)
            };
            bomb.push_str(&format!(" <!ENTITY lol{i} \"{}\">\n", format!("&{prev};").repeat(10)));
        }
        bomb.push_str("]>\n<svg xmlns:openbadges=\"https://purl.imsglobal.org/ob/v3p0\">&lol9;</svg>");
        let err = decode_str(&bomb).unwrap_err();
        assert_eq!(err.check, CHECK_SVG);
        assert!(err.message.contains("ENTITY declarations"), "{err}");
        assert_eq!(err.location.line, Some(2));
        let err = decode_str("<svg>&lol9;</svg>").unwrap_err();
        assert!(err.message.contains("unknown entity reference &lol9;"), "{err}");
        let err = decode_str("<svg a=\"&x;\"/>").unwrap_err();
        assert_eq!(err.check, CHECK_SVG);
        let attrs: String = (0..300_000).map(|i| format!(" a{i}=\"\"")).collect();
        let err = decode_str(&format!("<svg{attrs}/>")).unwrap_err();
        assert!(
            err.message.contains("must declare xmlns:openbadges") || err.message.contains("no openbadges"),
            "{err}"
        );
        assert_eq!(err.check, CHECK_SVG);
    }

    #[test]
    fn credential_element_count_and_namespace_are_checked() {
        let ns = "xmlns:openbadges=\"https://purl.imsglobal.org/ob/v3p0\"";
        let err = decode_str(&format!("<svg {ns}><rect/></svg>")).unwrap_err();
        assert_eq!(
            (err.check, err.message.as_str()),
            (CHECK_SVG, "SVG has no openbadges:credential element")
        );
        let two = format!("<svg {ns}><openbadges:credential verify=\"{JWS}\"/><openbadges:credential/></svg>");
        let err = decode_str(&two).unwrap_err();
        assert!(
            err.message.starts_with("SVG has 2 openbadges:credential elements"),
            "{err}"
        );
        let err = decode_str(&format!("<svg><openbadges:credential verify=\"{JWS}\"/></svg>")).unwrap_err();
        assert!(err.message.contains("must declare xmlns:openbadges"), "{err}");
        assert_eq!(err.location.byte_offset, Some(0));
        let clr = format!(
            "<svg xmlns:openbadges=\"{}\"><openbadges:credential verify=\"{JWS}\"/></svg>",
            NAMESPACES[1]
        );
        assert!(decode_str(&clr).is_ok());
    }

    #[test]
    fn verify_and_body_are_exclusive() {
        let ns = "xmlns:openbadges=\"https://purl.imsglobal.org/ob/v3p0\"";
        let both = format!("<svg {ns}><openbadges:credential verify=\"{JWS}\">{{}}</openbadges:credential></svg>");
        assert!(decode_str(&both).unwrap_err().message.contains("both"));
        let neither = format!("<svg {ns}><openbadges:credential> </openbadges:credential></svg>");
        assert!(decode_str(&neither).unwrap_err().message.contains("neither"));
        let bad_jws = format!("<svg {ns}><openbadges:credential verify=\"a.b+.c\"/></svg>");
        let err = decode_str(&bad_jws).unwrap_err();
        assert_eq!(err.check, CHECK_JWS);
        assert_eq!(
            err.location.layer.as_deref(),
            Some("SVG openbadges:credential verify attribute")
        );
        let text_body = format!("<svg {ns}><openbadges:credential>{{&quot;a&quot;: 1}}</openbadges:credential></svg>");
        assert_eq!(decode_str(&text_body).unwrap().value["a"], 1);
    }
}
