//! Baking signed generated credentials into images (OB 3.0 §5.3: an uncompressed PNG iTXt chunk with keyword
//! `openbadgecredential`, or an `openbadges:credential` element of an SVG), and carrier mutation operators that
//! corrupt the image around an intact credential.

use std::collections::BTreeSet;

use super::choice::Chooser;
use super::mutate::Trip;
use crate::catalogue::ids;
use crate::decode::png::{bake_png, chunk_bytes, minimal_png};
use crate::decode::svg::{bake_svg, minimal_svg};
use crate::proof::sign::{Signed, to_text};

/// An image format a credential is baked into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carrier {
    Png,
    Svg,
}

impl Carrier {
    pub const ALL: [Carrier; 2] = [Carrier::Png, Carrier::Svg];

    pub fn name(self) -> &'static str {
        match self {
            Carrier::Png => "png",
            Carrier::Svg => "svg",
        }
    }

    pub fn parse(name: &str) -> Option<Carrier> {
        Carrier::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// `signed` baked into a minimal image of `carrier`: the credential's JSON (or JWS) as it would be written to a file.
pub fn bake(signed: &Signed, carrier: Carrier) -> Vec<u8> {
    let text = to_text(signed);
    let text = text.trim_end();
    // Baking a fresh minimal image cannot fail: it has no credential yet and the keyword is valid.
    match carrier {
        Carrier::Png => bake_png(&minimal_png(), "openbadgecredential", text).unwrap_or_default(),
        Carrier::Svg => bake_svg(&minimal_svg(), text, matches!(signed, Signed::Jws(_)))
            .map(String::into_bytes)
            .unwrap_or_default(),
    }
}

/// A corrupted image with the trips it must produce.
#[derive(Debug, Clone)]
pub struct CarrierMutant {
    pub operator: &'static str,
    pub bytes: Vec<u8>,
    pub what: String,
    pub trips: BTreeSet<Trip>,
}

/// Corrupts an image: the new bytes and what was done, or `None` when there is no site.
type Corrupt = fn(&[u8], &mut Chooser) -> Option<(Vec<u8>, String)>;

/// A named carrier mutation operator.
pub struct CarrierOperator {
    pub name: &'static str,
    pub carrier: Carrier,
    pub summary: &'static str,
    pub trips: &'static str,
    apply: Corrupt,
    check: &'static str,
}

impl CarrierOperator {
    /// Corrupts `baked` (an image of this operator's carrier); `None` when it has no site.
    pub fn apply(&self, baked: &[u8], ch: &mut Chooser) -> Option<CarrierMutant> {
        let (bytes, what) = (self.apply)(baked, ch)?;
        Some(CarrierMutant {
            operator: self.name,
            bytes,
            what,
            trips: BTreeSet::from([(self.check.to_string(), String::new())]),
        })
    }
}

/// Every carrier operator.
pub static CARRIER_OPERATORS: &[CarrierOperator] = &[
    CarrierOperator {
        name: "png-bad-crc",
        carrier: Carrier::Png,
        summary: "changes one byte of the credential chunk's CRC",
        trips: "OB30-FMT-003",
        apply: png_bad_crc,
        check: ids::OB30_FMT_003.id,
    },
    CarrierOperator {
        name: "png-duplicate-chunk",
        carrier: Carrier::Png,
        summary: "repeats the credential's iTXt chunk (a baked PNG carries exactly one)",
        trips: "OB30-FMT-003",
        apply: png_duplicate_chunk,
        check: ids::OB30_FMT_003.id,
    },
    CarrierOperator {
        name: "png-compressed-flag",
        carrier: Carrier::Png,
        summary: "marks the credential's iTXt chunk compressed (it must be uncompressed), CRC fixed",
        trips: "OB30-FMT-003",
        apply: png_compressed_flag,
        check: ids::OB30_FMT_003.id,
    },
    CarrierOperator {
        name: "svg-duplicate-element",
        carrier: Carrier::Svg,
        summary: "repeats the openbadges:credential element (a baked SVG carries exactly one)",
        trips: "OB30-FMT-004",
        apply: svg_duplicate_element,
        check: ids::OB30_FMT_004.id,
    },
    CarrierOperator {
        name: "svg-no-namespace",
        carrier: Carrier::Svg,
        summary: "drops the xmlns:openbadges declaration from the root",
        trips: "OB30-FMT-004",
        apply: svg_no_namespace,
        check: ids::OB30_FMT_004.id,
    },
    CarrierOperator {
        name: "svg-broken-markup",
        carrier: Carrier::Svg,
        summary: "cuts the image inside the credential element (an unclosed CDATA section or attribute)",
        trips: "OB30-FMT-004",
        apply: svg_broken_markup,
        check: ids::OB30_FMT_004.id,
    },
];

/// The operator named `name`.
pub fn carrier_operator(name: &str) -> Option<&'static CarrierOperator> {
    CARRIER_OPERATORS.iter().find(|o| o.name == name)
}

/// Byte range of the first chunk of type `kind`: (start of its length field, end of its CRC).
fn chunk_span(png: &[u8], kind: &[u8; 4]) -> Option<(usize, usize)> {
    let mut at = 8;
    while at + 12 <= png.len() {
        let len = u32::from_be_bytes(png.get(at..at + 4)?.try_into().ok()?) as usize;
        let end = at.checked_add(12)?.checked_add(len)?;
        if png.get(at + 4..at + 8)? == kind {
            return Some((at, end.min(png.len())));
        }
        at = end;
    }
    None
}

fn png_bad_crc(png: &[u8], ch: &mut Chooser) -> Option<(Vec<u8>, String)> {
    let (_, end) = chunk_span(png, b"iTXt")?;
    let mut out = png.to_vec();
    let at = end - 1 - ch.below(4);
    *out.get_mut(at)? ^= 0x5a;
    Some((out, format!("iTXt CRC byte {} changed", 3 - (end - 1 - at))))
}

fn png_duplicate_chunk(png: &[u8], _ch: &mut Chooser) -> Option<(Vec<u8>, String)> {
    let (start, end) = chunk_span(png, b"iTXt")?;
    let mut out = png.get(..end)?.to_vec();
    out.extend_from_slice(png.get(start..end)?);
    out.extend_from_slice(png.get(end..)?);
    Some((out, "the iTXt chunk twice".into()))
}

fn png_compressed_flag(png: &[u8], _ch: &mut Chooser) -> Option<(Vec<u8>, String)> {
    let (start, end) = chunk_span(png, b"iTXt")?;
    let data_start = start + 8;
    let data_end = end - 4;
    let mut data = png.get(data_start..data_end)?.to_vec();
    // keyword NUL, then the compression flag byte.
    let nul = data.iter().position(|b| *b == 0)?;
    *data.get_mut(nul + 1)? = 1;
    let mut out = png.get(..start)?.to_vec();
    out.extend(chunk_bytes(b"iTXt", &data));
    out.extend_from_slice(png.get(end..)?);
    Some((out, "iTXt compression flag set".into()))
}

fn svg_element(svg: &str) -> Option<(usize, usize)> {
    let start = svg.find("<openbadges:credential")?;
    let rest = svg.get(start..)?;
    let len = match rest.find("</openbadges:credential>") {
        Some(close) => close + "</openbadges:credential>".len(),
        None => rest.find("/>")? + 2,
    };
    Some((start, start + len))
}

fn svg_duplicate_element(svg: &[u8], _ch: &mut Chooser) -> Option<(Vec<u8>, String)> {
    let svg = std::str::from_utf8(svg).ok()?;
    let (start, end) = svg_element(svg)?;
    let element = svg.get(start..end)?;
    let out = format!("{}\n  {element}{}", svg.get(..end)?, svg.get(end..)?);
    Some((out.into_bytes(), "the openbadges:credential element twice".into()))
}

fn svg_no_namespace(svg: &[u8], _ch: &mut Chooser) -> Option<(Vec<u8>, String)> {
    let svg = std::str::from_utf8(svg).ok()?;
    let decl = svg.find(" xmlns:openbadges=\"")?;
    let close = svg.get(decl + 19..)?.find('"')? + decl + 20;
    let out = format!("{}{}", svg.get(..decl)?, svg.get(close..)?);
    Some((out.into_bytes(), "no xmlns:openbadges".into()))
}

fn svg_broken_markup(svg: &[u8], ch: &mut Chooser) -> Option<(Vec<u8>, String)> {
    let svg = std::str::from_utf8(svg).ok()?;
    let (start, end) = svg_element(svg)?;
    // Cut somewhere inside the element's content, on a character boundary, and end the document there.
    // Inside the content: after "<![CDATA[" for JSON, after the opening quote of `verify` for a JWS.
    let element = svg.get(start..end)?;
    let open = match element.find("<![CDATA[") {
        Some(i) => i + "<![CDATA[".len(),
        None => element.find('"')? + 1,
    } + start;
    let span = end.saturating_sub(open + 8).max(1);
    let mut cut = open + ch.below(span);
    while !svg.is_char_boundary(cut) {
        cut += 1;
    }
    let out = format!("{}\n</svg>\n", svg.get(..cut)?);
    Some((
        out.into_bytes(),
        format!("cut at byte {cut} inside the credential element"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::sign::{Signing, sign_generated};
    use crate::generate::{Case, Family, Gen, case_seed, check_file, findings};

    #[test]
    fn baked_credentials_verify_and_every_carrier_operator_trips_its_check() {
        let net = crate::verify::Net::new(crate::fetch::FetchPolicy::default()).expect("runtime");
        let mut g = Gen::from_size_and_seed(16, case_seed(5, "bake-unit", 0));
        let case = Case::random(Family::Ob30, &mut g);
        for signing in [
            Signing::DataIntegrity,
            Signing::Jwt(crate::proof::keyfile::KeyAlgorithm::Rsa2048),
        ] {
            let signed = sign_generated(&case.generate().doc, signing, 5).expect("signs");
            for carrier in Carrier::ALL {
                let baked = bake(&signed, carrier);
                assert_eq!(findings(&check_file(&baked, &net)), BTreeSet::new(), "{carrier:?}");
                for op in CARRIER_OPERATORS.iter().filter(|o| o.carrier == carrier) {
                    let m = op.apply(&baked, &mut case.chooser()).expect("a site");
                    let got = findings(&check_file(&m.bytes, &net));
                    assert_eq!(got, m.trips, "{} {}: {}", op.name, signing.name(), m.what);
                }
            }
        }
    }
}
