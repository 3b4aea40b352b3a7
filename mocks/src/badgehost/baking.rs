//! Badge images and OB 2.0 baking.
//!
//! - PNG: one uncompressed `iTXt` chunk, keyword `openbadges`, right after IHDR (the harness's
//!   [`clr_harness::decode::png::bake_png`] writes exactly that, with the CRC); the text is the hosted assertion's URL
//!   or the signed assertion's JWS.
//! - SVG: the root declares `xmlns:openbadges="http://openbadges.org"` and its first child is
//!   `<openbadges:assertion verify="…">`: for a hosted badge `verify` is the assertion URL and the body the assertion
//!   JSON in CDATA, for a signed badge `verify` is the JWS and there is no body (OB 2.0 baking spec). The harness's
//!   SVG baker writes the OB 3.0 `openbadges:credential` element instead, hence this one.
//!
//! The images themselves are drawn here, so nothing binary needs committing: a disc on a coloured field.

use std::io::Write;

use clr_harness::decode::png;
use flate2::Crc;
use flate2::write::ZlibEncoder;

use super::BadgeHostError;

/// The OB 2.0 baking namespace.
pub const OB_NAMESPACE: &str = "http://openbadges.org";

const SIDE: u32 = 64;

/// A 64×64 RGB PNG: a `fg` disc on a `bg` field.
pub fn badge_png(fg: [u8; 3], bg: [u8; 3]) -> Result<Vec<u8>, BadgeHostError> {
    let centre = f64::from(SIDE) / 2.0;
    let mut raw = Vec::with_capacity(((SIDE * 3 + 1) * SIDE) as usize);
    for y in 0..SIDE {
        raw.push(0); // filter type None
        for x in 0..SIDE {
            let (dx, dy) = (f64::from(x) + 0.5 - centre, f64::from(y) + 0.5 - centre);
            let inside = (dx * dx + dy * dy).sqrt() < centre * 0.8;
            raw.extend_from_slice(if inside { &fg } else { &bg });
        }
    }
    let mut z = ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&raw)?;
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&SIDE.to_be_bytes());
    ihdr.extend_from_slice(&SIDE.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit truecolour, deflate, adaptive filtering, no interlace
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z.finish()?);
    chunk(&mut out, b"IEND", &[]);
    Ok(out)
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
}

/// A 64×64 SVG badge: a `fg` disc on a `bg` field with the badge's initials.
pub fn badge_svg(title: &str, fg: [u8; 3], bg: [u8; 3]) -> String {
    let hex = |c: [u8; 3]| format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2]);
    let initials: String = title
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .filter(char::is_ascii_alphanumeric)
        .take(2)
        .collect();
    format!(
        concat!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"64\" height=\"64\" viewBox=\"0 0 64 64\">\n",
            "  <title>{title}</title>\n",
            "  <rect width=\"64\" height=\"64\" fill=\"{bg}\"/>\n",
            "  <circle cx=\"32\" cy=\"32\" r=\"25.6\" fill=\"{fg}\"/>\n",
            "  <text x=\"32\" y=\"38\" font-family=\"sans-serif\" font-size=\"16\" text-anchor=\"middle\" ",
            "fill=\"{bg}\">{initials}</text>\n",
            "</svg>\n"
        ),
        title = escape(title),
        bg = hex(bg),
        fg = hex(fg),
        initials = initials
    )
}

/// `image` with an `openbadges` iTXt chunk holding `text` (an assertion URL or a JWS).
pub fn bake_png(image: &[u8], text: &str) -> Result<Vec<u8>, BadgeHostError> {
    png::bake_png(image, "openbadges", text).map_err(|e| BadgeHostError::Bake(e.to_string()))
}

/// `svg` with the namespace on its root and `<openbadges:assertion>` as its first child; `json` is the CDATA body
/// (hosted badges only).
pub fn bake_svg(svg: &str, verify: &str, json: Option<&str>) -> Result<String, BadgeHostError> {
    let root = svg
        .find("<svg")
        .ok_or_else(|| BadgeHostError::Bake("the image has no <svg> root".into()))?;
    let end = svg
        .get(root..)
        .and_then(|rest| rest.find('>'))
        .map(|i| root + i)
        .ok_or_else(|| BadgeHostError::Bake("the <svg> start tag is not closed".into()))?;
    let (head, tail) = svg.split_at(end);
    let tail = tail.strip_prefix('>').unwrap_or(tail);
    let element = match json {
        // "]]>" cannot appear inside CDATA: split it across two sections.
        Some(body) => format!(
            "<openbadges:assertion verify=\"{}\"><![CDATA[{}]]></openbadges:assertion>",
            escape(verify),
            body.replace("]]>", "]]]]><![CDATA[>")
        ),
        None => format!("<openbadges:assertion verify=\"{}\"/>", escape(verify)),
    };
    Ok(format!(
        "{head} xmlns:openbadges=\"{OB_NAMESPACE}\">\n  {element}{tail}"
    ))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baked_svg_declares_the_namespace_and_leads_with_the_assertion() {
        let svg = badge_svg("Data & Wrangling", [1, 2, 3], [250, 250, 250]);
        let baked = bake_svg(&svg, "https://h.example/a?x=1&y=2", Some("{\"s\":\"a]]>b\"}")).expect("bakes");
        assert!(baked.starts_with(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"64\" height=\"64\" viewBox=\"0 0 64 64\" \
             xmlns:openbadges=\"http://openbadges.org\">\n  <openbadges:assertion verify=\"https://h.example/a?x=1&amp;y=2\">"
        ));
        assert!(baked.contains("<![CDATA[{\"s\":\"a]]]]><![CDATA[>b\"}]]></openbadges:assertion>\n  <title>"));
        assert!(baked.contains("<title>Data &amp; Wrangling</title>"));
        let signed = bake_svg(&svg, "a.b.c", None).expect("bakes");
        assert!(signed.contains("<openbadges:assertion verify=\"a.b.c\"/>"));
    }

    #[test]
    fn png_chunks_carry_valid_crcs() {
        let image = badge_png([10, 20, 30], [200, 200, 200]).expect("png");
        let baked = bake_png(&image, "https://h.example/assertions/x").expect("bakes");
        let mut at = 8;
        let mut kinds = Vec::new();
        while at + 12 <= baked.len() {
            let len = u32::from_be_bytes(baked[at..at + 4].try_into().expect("4 bytes")) as usize;
            let mut crc = Crc::new();
            crc.update(&baked[at + 4..at + 8 + len]);
            let stored = u32::from_be_bytes(baked[at + 8 + len..at + 12 + len].try_into().expect("4 bytes"));
            assert_eq!(crc.sum(), stored);
            kinds.push(String::from_utf8_lossy(&baked[at + 4..at + 8]).to_string());
            at += 12 + len;
        }
        assert_eq!(kinds, ["IHDR", "iTXt", "IDAT", "IEND"]);
    }
}
