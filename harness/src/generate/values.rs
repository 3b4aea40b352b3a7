//! Values of the primitive and derived types (URI, date-time, date, language code, text, numbers, identity
//! hashes, compact JWS), each valid by construction and drawn from a [`Chooser`].
//!
//! Identifiers are made unique by a counter, never by chance: a shrunk tape turns every choice towards 0, and ids
//! drawn from choices would then collide (two ResultDescriptions with one id is a different document).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use super::choice::Chooser;
use crate::datetime;

/// The instant generated documents are judged at (tests/lib.rs `VECTOR_EPOCH`, the CLI's `--now`).
pub const EPOCH: &str = "2025-12-01T00:00:00Z";

/// [`EPOCH`] in seconds since 1970.
pub fn epoch_secs() -> i64 {
    datetime::epoch_seconds(EPOCH)
        .map(|s| s as i64)
        .unwrap_or(1_764_547_200)
}

const YEAR: i64 = 365 * 86_400;

/// Hosts of the realistic-content rule (vectors/README.md): example.edu / .org / .com.
pub const HOSTS: &[&str] = &[
    "example.edu",
    "northbridge.example.edu",
    "cobaltcode.example.org",
    "guild.example.org",
    "hr.example.com",
];

/// Unique ids for one document.
pub struct Ids {
    next: u64,
    salt: u64,
}

impl Ids {
    pub fn new(salt: u64) -> Self {
        Ids { next: 1, salt }
    }

    pub fn next_id(&mut self) -> u64 {
        let n = self.next;
        self.next += 1;
        n
    }

    /// A version-4-shaped UUID unique within the document (splitmix64 is a bijection, so distinct counters give
    /// distinct high halves).
    pub fn uuid(&mut self) -> String {
        let n = self.next_id();
        let hi = splitmix64(n ^ self.salt.rotate_left(17));
        let lo = splitmix64(hi ^ self.salt);
        format!(
            "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
            hi >> 32,
            (hi >> 16) & 0xffff,
            hi & 0xfff,
            8 + (lo >> 62),
            (lo >> 48) & 0xfff,
            lo & 0xffff_ffff_ffff
        )
    }
}

/// The splitmix64 step: derives case seeds from a run seed and uniqueness salts from counters.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Path segments, one of them non-ASCII: IRIs allow it (lexical::uri), and a checker that rejects it is wrong.
const SEGMENTS: &[&str] = &["achievements", "badges", "courses", "kurse/Übung", "programs", "skills"];

/// A fresh, unique URI of a kind suitable for `what` (an object id, a web page, a person).
pub fn uri(ch: &mut Chooser, ids: &mut Ids, what: UriKind) -> String {
    let host = *ch.pick(HOSTS);
    match what {
        UriKind::Page => format!("https://{host}/{}/{}", ch.pick(SEGMENTS), ids.next_id()),
        UriKind::Thing => match ch.below(4) {
            0 => format!("https://{host}/{}/{}", ch.pick(SEGMENTS), ids.next_id()),
            1 => format!("urn:uuid:{}", ids.uuid()),
            2 => format!("tag:{host},2025:{}", ids.next_id()),
            _ => format!("https://{host}/{}/{}#part-{}", ch.pick(SEGMENTS), ids.next_id(), ch.below(9)),
        },
        UriKind::Credential => match ch.below(2) {
            0 => format!("urn:uuid:{}", ids.uuid()),
            _ => format!("https://{host}/credentials/{}", ids.uuid()),
        },
        UriKind::Person => match ch.below(4) {
            0 => format!("did:example:{}", ids.uuid().replace('-', "")),
            1 => format!("mailto:learner{}@example.com", ids.next_id()),
            2 => format!("urn:uuid:{}", ids.uuid()),
            _ => format!("did:key:z6Mk{}", ids.uuid().replace('-', "")),
        },
        UriKind::Image => match ch.below(3) {
            0 => format!("https://{host}/images/{}.png", ids.next_id()),
            1 => "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==".into(),
            _ => format!("https://{host}/images/{}.svg", ids.next_id()),
        },
        UriKind::Organisation => format!("https://{host}/issuers/{}", ids.next_id()),
    }
}

/// What a generated URI names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UriKind {
    /// An object's id (Achievement, ResultDescription, Evidence …).
    Thing,
    /// A web page (url, targetUrl, criteria id …).
    Page,
    /// A credential id.
    Credential,
    /// A learner.
    Person,
    /// An image (URL or data: URI).
    Image,
    /// An issuer or other organisation.
    Organisation,
}

/// Time-zone offsets: UTC, `-00:00` (RFC 3339's "offset unknown"), half-hour zones and the extremes in use.
const OFFSETS: &[i64] = &[
    0,
    -8 * 60,
    60,
    5 * 60 + 30,
    14 * 60,
    -12 * 60,
    9 * 60 + 45,
    -3 * 60 - 30,
];

/// An RFC 3339 date-time with offset for the instant `secs`, formatting varied by choices: offset and fractional
/// seconds.
pub fn date_time_at(ch: &mut Chooser, secs: i64) -> String {
    let offset_min = *ch.pick(OFFSETS);
    let local = secs + offset_min * 60;
    // Generated instants lie in 1995‥2035, well inside the calendar.
    let (y, mo, d) = datetime::civil_from_days(local.div_euclid(86_400)).unwrap_or((1970, 1, 1));
    let s = local.rem_euclid(86_400);
    let (h, mi, se) = (s / 3600, (s / 60) % 60, s % 60);
    let frac = match ch.below(5) {
        0 | 1 => String::new(),
        2 => ".000".into(),
        3 => format!(".{}", ch.below(10)),
        _ => format!(".{:06}", ch.below(1_000_000)),
    };
    // Upper-case 'T' and 'Z' only: RFC 3339 allows lower case, VCDM's XSD dateTimeStamp does not.
    let zone = if offset_min == 0 {
        match ch.below(3) {
            0 | 1 => "Z".into(),
            _ => "+00:00".to_string(),
        }
    } else {
        let sign = if offset_min < 0 { '-' } else { '+' };
        format!("{sign}{:02}:{:02}", offset_min.abs() / 60, offset_min.abs() % 60)
    };
    let t = 'T';
    // The fraction adds to the instant; a validity bound is only ever moved later by it, never earlier (callers of
    // a "not after now" bound pass a whole second before it).
    format!("{y:04}-{mo:02}-{d:02}{t}{h:02}:{mi:02}:{se:02}{frac}{zone}")
}

/// A date-time anywhere in 1995‥2035.
pub fn date_time(ch: &mut Chooser) -> String {
    let start = epoch_secs() - 30 * YEAR;
    let secs = start + ch.below((40 * YEAR) as usize) as i64;
    date_time_at(ch, secs)
}

/// A calendar date in 1940‥2010 (leap days included whenever the day count lands on one).
pub fn date(ch: &mut Chooser) -> String {
    const DAY_1940_01_01: i64 = -10_958;
    let day = DAY_1940_01_01 + ch.below(70 * 365) as i64;
    let (y, m, d) = datetime::civil_from_days(day).unwrap_or((1970, 1, 1));
    format!("{y:04}-{m:02}-{d:02}")
}

/// validFrom and optional validUntil around [`EPOCH`]: validFrom ≤ EPOCH (sometimes exactly), validUntil ≥ EPOCH and
/// after validFrom (sometimes exactly EPOCH), so OB30-VER-003 and OB30-DM-022 have nothing to say.
pub fn validity(ch: &mut Chooser, with_until: bool) -> (String, Option<String>) {
    let now = epoch_secs();
    // Whole seconds strictly before `now` (or `now` itself): a fraction of a second can then never move validFrom
    // past the judging instant.
    let from = if ch.flag(5) {
        now
    } else {
        now - 1 - ch.below((10 * YEAR) as usize) as i64
    };
    let from_text = date_time_at_whole(ch, from);
    let until = with_until.then(|| {
        let secs = if from < now && ch.flag(5) {
            now
        } else {
            now + 1 + ch.below((10 * YEAR) as usize) as i64
        };
        date_time_at_whole(ch, secs)
    });
    (from_text, until)
}

/// [`date_time_at`] without fractional seconds (validity bounds must be exact to the second).
fn date_time_at_whole(ch: &mut Chooser, secs: i64) -> String {
    let text = date_time_at(ch, secs);
    match text.find('.') {
        Some(dot) => {
            let digits = text[dot + 1..].bytes().take_while(u8::is_ascii_digit).count();
            format!("{}{}", &text[..dot], &text[dot + 1 + digits..])
        }
        None => text,
    }
}

const SCRIPTS: &[&str] = &["Latn", "Hant", "Hans", "Cyrl"];
const REGIONS: &[&str] = &["US", "GB", "MX", "419", "BR", "TW"];

/// BCP 47 language codes of the schemas' form `language[-Script][-REGION]`.
pub fn language(ch: &mut Chooser) -> String {
    let mut s = ch
        .pick(&["en", "es", "fr", "de", "zh", "ja", "pt", "ast", "yue", "haw"])
        .to_string();
    if ch.flag(20) {
        s.push('-');
        let script: &&str = ch.pick(SCRIPTS);
        s.push_str(script);
    }
    if ch.flag(40) {
        s.push('-');
        let region: &&str = ch.pick(REGIONS);
        s.push_str(region);
    }
    s
}

/// Words for text: plain, accented, non-Latin scripts, an emoji, Markdown, quotes, a newline and a tab — all of it
/// valid in a JSON string, and nothing a checker may trip on.
const WORDS: &[&str] = &[
    "Introduction",
    "Programming",
    "Capstone",
    "Zürich",
    "naïve",
    "Ελληνικά",
    "日本語の講座",
    "🎓",
    "O'Brien",
    "\"quoted\"",
    "**Proficient**",
    "line\nbreak",
    "tab\tseparated",
    "<b>markup</b>",
    "مرحبا",
    "Data & Analytics",
    "C++ / Rust",
    "100%",
];

/// Properties whose text the OB 3.0 schemas allow as a language map (every String property does; these are the
/// display texts where one is realistic).
pub const LANGUAGE_MAP_PROPS: &[&str] = &[
    "name",
    "description",
    "narrative",
    "caption",
    "endorsementComment",
    "targetName",
    "targetDescription",
];

/// Text for a String property; `prop` steers realistic forms (email, phone) and language maps.
pub fn text(ch: &mut Chooser, ids: &mut Ids, prop: &str) -> Value {
    match prop {
        "email" => return Value::String(format!("person{}@example.org", ids.next_id())),
        "phone" => return Value::String(format!("+1-555-01{:02}-{:04}", ch.below(100), ch.below(10_000))),
        "addressCountryCode" => return Value::String(ch.pick(&["US", "GB", "DE", "JP", "BR"]).to_string()),
        "postalCode" => return Value::String(format!("{:05}", ch.below(100_000))),
        _ => {}
    }
    if LANGUAGE_MAP_PROPS.contains(&prop) && ch.flag(10) {
        let mut m = Map::new();
        m.insert("en".into(), Value::String(phrase(ch)));
        if ch.flag(60) {
            m.insert(
                ch.pick(&["es", "es-MX", "de", "fr-CA"]).to_string(),
                Value::String(phrase(ch)),
            );
        }
        return Value::Object(m);
    }
    Value::String(phrase(ch))
}

/// One to four words.
pub fn phrase(ch: &mut Chooser) -> String {
    let n = ch.count(4);
    (0..n).map(|_| *ch.pick(WORDS)).collect::<Vec<_>>().join(" ")
}

/// A JSON number for a Number property (credits are non-negative, coordinates within range).
pub fn number(ch: &mut Chooser, prop: &str) -> Value {
    let f = match prop {
        "latitude" => ch.below(180_001) as f64 / 1000.0 - 90.0,
        "longitude" => ch.below(360_001) as f64 / 1000.0 - 180.0,
        _ if ch.flag(50) => return json!(ch.below(240)),
        _ => ch.below(480) as f64 / 2.0,
    };
    serde_json::Number::from_f64(f)
        .map(Value::Number)
        .unwrap_or_else(|| json!(0))
}

/// A compact JWS over `payload` with an RS256 header and a placeholder signature: the data-model checks read the
/// payload only; verifying it is the proof checks' business (unsigned here, see the module docs).
pub fn compact_jws(payload: &Value, kid: &str) -> String {
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": kid});
    let enc = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap_or_default());
    format!(
        "{}.{}.{}",
        enc(&header),
        enc(payload),
        URL_SAFE_NO_PAD.encode([7u8; 256])
    )
}

/// A placeholder Data Integrity proofValue: z + base58btc of 64 bytes, the shape of an Ed25519 signature.
pub fn proof_value(seed: u64) -> String {
    let bytes: Vec<u8> = (0..8u64).flat_map(|i| splitmix64(seed ^ i).to_le_bytes()).collect();
    format!("z{}", bs58::encode(bytes).into_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexical;
    use quickcheck::Gen;

    #[test]
    fn generated_lexical_values_are_valid() {
        let mut g = Gen::from_size_and_seed(10, 3);
        let mut ch = Chooser::random(&mut g);
        let mut ids = Ids::new(9);
        for _ in 0..2000 {
            let dt = date_time(&mut ch);
            assert!(lexical::date_time(&dt, lexical::Zone::Required).is_ok(), "{dt}");
            let d = date(&mut ch);
            assert!(lexical::date(&d).is_ok(), "{d}");
            let l = language(&mut ch);
            assert!(lexical::language_code(&l).is_ok(), "{l}");
            for kind in [
                UriKind::Thing,
                UriKind::Page,
                UriKind::Credential,
                UriKind::Person,
                UriKind::Image,
                UriKind::Organisation,
            ] {
                let u = uri(&mut ch, &mut ids, kind);
                assert!(lexical::uri(&u).is_ok(), "{u}");
            }
            let (from, until) = validity(&mut ch, true);
            let now = epoch_secs() as f64;
            let f = datetime::epoch_seconds(&from).unwrap_or(f64::MAX);
            let u = until.as_deref().and_then(datetime::epoch_seconds).unwrap_or(0.0);
            assert!(f <= now && u >= now && u > f, "{from} {until:?}");
        }
        assert!(crate::checks::references::is_uuid(&ids.uuid()));
    }

    #[test]
    fn generated_dates_start_in_1940() {
        assert_eq!(datetime::days_from_civil(1940, 1, 1), Some(-10_958));
    }
}
