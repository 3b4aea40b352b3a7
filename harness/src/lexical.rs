//! Lexical forms of the primitive and derived types (URI, DateTimeZ, Date, LanguageCode, IdentityHash), each
//! returning the exact reason a value is not of the form, so findings can say more than "invalid". A leaf module:
//! instants and calendar arithmetic are in [`crate::datetime`].

/// Checks an absolute URI (RFC 3986 scheme + rest; IRIs' non-ASCII characters allowed).
pub fn uri(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("the empty string is not a URI".into());
    }
    if let Some((i, c)) = s.char_indices().find(|(_, c)| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "contains whitespace or a control character ({c:?}) at character {i}"
        ));
    }
    if let Some(c) = s
        .chars()
        .find(|c| matches!(c, '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}'))
    {
        return Err(format!(
            "contains {c:?}, which is not allowed in a URI (percent-encode it)"
        ));
    }
    let Some((scheme, rest)) = s.split_once(':') else {
        return Err("has no scheme (a relative reference is not allowed; expected e.g. https://… or urn:…)".into());
    };
    let mut chars = scheme.chars();
    let scheme_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return Err(format!("\"{scheme}\" is not a URI scheme"));
    }
    let lower = scheme.to_ascii_lowercase();
    if (lower == "http" || lower == "https") && !rest.starts_with("//") {
        return Err(format!("an {lower} URL needs an authority (\"{lower}://host/…\")"));
    }
    if (lower == "http" || lower == "https") && rest.trim_start_matches('/').is_empty() {
        return Err(format!("an {lower} URL needs a host"));
    }
    if rest.is_empty() {
        return Err("nothing follows the scheme".into());
    }
    // RFC 3986 §2.1: a "%" always starts pct-encoded = "%" HEXDIG HEXDIG.
    let b = s.as_bytes();
    if let Some(i) = b.iter().enumerate().position(|(i, c)| {
        *c == b'%'
            && !(b.get(i + 1).is_some_and(u8::is_ascii_hexdigit) && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    }) {
        return Err(format!(
            "has a \"%\" at byte {i} that is not followed by two hex digits (RFC 3986 percent-encoding)"
        ));
    }
    Ok(())
}

/// Whether the date-time needs a time-zone offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    Required,
}

/// Checks an RFC 3339 date-time (`YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm)`).
pub fn date_time(s: &str, _zone: Zone) -> Result<(), String> {
    let b = s.as_bytes();
    if b.len() < 19 {
        return Err("too short for YYYY-MM-DDThh:mm:ss with a time zone".into());
    }
    // Everything up to the seconds is ASCII in a valid date-time; checking that first keeps every slice below on a
    // character boundary (a non-ASCII character at byte 9 once split `&s[..10]` and panicked).
    if let Some(i) = b[..19].iter().position(|c| !c.is_ascii()) {
        let ch = s.get(i..).and_then(|t| t.chars().next()).unwrap_or('\u{fffd}');
        return Err(format!("unexpected character {ch:?} in YYYY-MM-DDThh:mm:ss"));
    }
    date(s.get(..10).unwrap_or_default())?;
    // RFC 3339 lets 'T' and 'Z' be lower case, but the XSD dateTime(Stamp) lexical form VCDM requires (and the
    // contexts type these values with) does not, and Data Integrity verifiers refuse it.
    if b[10] != b'T' {
        let also = if b[10] == b't' {
            " (RFC 3339 allows a lower-case 't', but VCDM's XSD dateTimeStamp does not)"
        } else {
            ""
        };
        return Err(format!(
            "expected 'T' between date and time at character 11, found {:?}{also}",
            b[10] as char
        ));
    }
    let time = &b[11..19];
    let two = |i: usize| -> Option<u32> {
        let (a, c) = (time.get(i)?, time.get(i + 1)?);
        (a.is_ascii_digit() && c.is_ascii_digit()).then(|| u32::from(a - b'0') * 10 + u32::from(c - b'0'))
    };
    let (Some(h), Some(m), Some(sec)) = (two(0), two(3), two(6)) else {
        return Err("the time is not hh:mm:ss".into());
    };
    if time[2] != b':' || time[5] != b':' {
        return Err("the time is not hh:mm:ss".into());
    }
    if h > 23 || m > 59 || sec > 60 {
        return Err(format!("time {h:02}:{m:02}:{sec:02} is out of range"));
    }
    let mut rest = s.get(19..).unwrap_or_default();
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err("a '.' must be followed by fractional seconds".into());
        }
        rest = &frac[digits..];
    }
    match rest {
        "Z" => Ok(()),
        "z" => {
            Err("time zone 'z' must be upper case 'Z' (RFC 3339 allows 'z', VCDM's XSD dateTimeStamp does not)".into())
        }
        "" => Err("has no time zone offset (append 'Z' for UTC or ±hh:mm)".into()),
        offset => {
            let o = offset.as_bytes();
            let ok = o.len() == 6
                && matches!(o[0], b'+' | b'-')
                && o[1..3].iter().all(u8::is_ascii_digit)
                && o[3] == b':'
                && o[4..6].iter().all(u8::is_ascii_digit);
            if !ok {
                return Err(format!("time zone \"{offset}\" is not Z or ±hh:mm"));
            }
            let hh = u32::from(o[1] - b'0') * 10 + u32::from(o[2] - b'0');
            let mm = u32::from(o[4] - b'0') * 10 + u32::from(o[5] - b'0');
            if hh > 23 || mm > 59 {
                Err(format!("time zone \"{offset}\" is out of range"))
            } else {
                Ok(())
            }
        }
    }
}

/// Checks a calendar date `YYYY-MM-DD`.
pub fn date(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r.clone()).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if b.len() != 10 || !digits(0..4) || b[4] != b'-' || !digits(5..7) || b[7] != b'-' || !digits(8..10) {
        return Err("the date is not YYYY-MM-DD".into());
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(0);
    let (y, m, d) = (num(0..4), num(5..7), num(8..10));
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(format!("month {m:02} does not exist")),
    };
    if d == 0 || d > days {
        return Err(format!("day {d:02} does not exist in {y:04}-{m:02}"));
    }
    Ok(())
}

/// Checks a LanguageCode (the schemas' pattern `^[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$`).
pub fn language_code(s: &str) -> Result<(), String> {
    let mut parts = s.split('-');
    let lang = parts.next().unwrap_or_default();
    if !(2..=4).contains(&lang.len()) || !lang.bytes().all(|c| c.is_ascii_lowercase()) {
        return Err(format!("\"{lang}\" is not a 2–4 letter lower-case language subtag"));
    }
    let mut rest: Vec<&str> = parts.collect();
    let is_script = |p: &str| {
        let b = p.as_bytes();
        b.len() == 4 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_lowercase)
    };
    if rest.first().is_some_and(|p| is_script(p)) {
        rest.remove(0);
    }
    let is_region = |p: &str| {
        (p.len() == 2 && p.bytes().all(|c| c.is_ascii_uppercase()))
            || (p.len() == 3 && p.bytes().all(|c| c.is_ascii_digit()))
    };
    match rest.as_slice() {
        [] => Ok(()),
        [region] if is_region(region) => Ok(()),
        _ => Err(format!(
            "\"{s}\" is not language[-Script][-REGION] (e.g. en, en-US, zh-Hant-TW)"
        )),
    }
}

/// Checks an IdentityHash `<md5|sha256>$<hex>` with the digest's length.
pub fn identity_hash(s: &str) -> Result<(), String> {
    let Some((alg, hex)) = s.split_once('$') else {
        return Err("has no '$' separating the algorithm from the hash (expected sha256$<hex> or md5$<hex>)".into());
    };
    let len = match alg {
        "sha256" => 64,
        "md5" => 32,
        other => return Err(format!("algorithm \"{other}\" is neither sha256 nor md5")),
    };
    if hex.is_empty() || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err("the hash is not hexadecimal".into());
    }
    if hex.len() != len {
        return Err(format!("a {alg} hash has {len} hex digits, this one has {}", hex.len()));
    }
    Ok(())
}

/// Whether `s` has the UUID layout, hex 8-4-4-4-12 in either case, whatever its version and variant.
pub fn uuid_layout(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// A UUID of versions 1–5 with the RFC 4122 variant (what OB 2.0 accepts after `urn:uuid:`).
pub fn rfc4122_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    uuid_layout(s) && (b'1'..=b'5').contains(&b[14]) && matches!(b[19].to_ascii_lowercase(), b'8' | b'9' | b'a' | b'b')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every lexical rule meets a multi-byte character in every position of a valid value and answers with an
    /// error (or accepts it), never a panic: byte slicing on input once crashed `validate`.
    #[test]
    fn non_ascii_in_every_position_is_an_error_not_a_panic() {
        type Accepts = fn(&str) -> bool;
        let valid: [(&str, Accepts); 5] = [
            ("2024-01-01T00:00:00.5+01:00", |s| date_time(s, Zone::Required).is_ok()),
            ("2024-01-01", |s| date(s).is_ok()),
            ("https://example.edu/a?b=c#d", |s| uri(s).is_ok()),
            ("en-GB", |s| language_code(s).is_ok()),
            (
                "sha256$e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                |s| identity_hash(s).is_ok(),
            ),
        ];
        for (value, accepts) in valid {
            assert!(accepts(value), "{value} should be valid");
            for odd in ['é', '\u{10348}', '\u{200b}', '\u{0}'] {
                for (i, _) in value.char_indices().chain([(value.len(), ' ')]) {
                    for mutant in [
                        format!("{}{odd}{}", &value[..i], &value[i..]),
                        format!("{}{odd}{}", &value[..i], value[i..].chars().skip(1).collect::<String>()),
                    ] {
                        let outcome = std::panic::catch_unwind(|| accepts(&mutant));
                        assert!(outcome.is_ok(), "{mutant:?} panicked");
                    }
                }
            }
        }
        assert!(date_time("2024-01-0é0T00:00:00Z", Zone::Required).is_err());
    }

    #[test]
    fn percent_signs_must_start_percent_encodings() {
        assert!(uri("https://example.org/a%20b%C3%A9").is_ok());
        for bad in [
            "https://example.org/criteria/%zz",
            "tag:hr.example.com,2025:44%",
            "urn:x:%4",
        ] {
            assert!(uri(bad).is_err_and(|e| e.contains("two hex digits")), "{bad}");
        }
    }

    #[test]
    fn uris() {
        for ok in [
            "https://example.edu/a",
            "urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002",
            "did:key:z6Mk",
            "data:image/png;base64,AAA",
            "mailto:a@b.c",
            "https://ex.org/é",
        ] {
            assert!(uri(ok).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("example.edu/a", "no scheme"),
            ("https://ex.org/a b", "whitespace"),
            ("https:ex", "authority"),
            ("https://", "host"),
            ("1http://x", "scheme"),
            ("", "empty"),
        ] {
            let e = uri(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn date_times() {
        for ok in ["2024-05-01T00:00:00Z", "2024-02-29T23:59:60.123+05:30"] {
            assert!(date_time(ok, Zone::Required).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("2024-05-01T00:00:00", "time zone"),
            ("2024-05-01t00:00:00Z", "lower-case 't'"),
            ("2024-05-01T00:00:00z", "upper case 'Z'"),
            ("2024-05-01", "too short"),
            ("2023-02-29T00:00:00Z", "does not exist"),
            ("2024-13-01T00:00:00Z", "month 13"),
            ("2024-05-01 00:00:00Z", "'T'"),
            ("2024-05-01T25:00:00Z", "out of range"),
            ("2024-05-01T00:00:00+0100", "±hh:mm"),
        ] {
            let e = date_time(bad, Zone::Required).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn language_codes_and_identity_hashes() {
        for ok in ["en", "en-US", "zh-Hant-TW", "es-419"] {
            assert!(language_code(ok).is_ok(), "{ok}");
        }
        for bad in ["EN", "en_US", "english", "en-us"] {
            assert!(language_code(bad).is_err(), "{bad}");
        }
        assert!(identity_hash("sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399").is_ok());
        assert!(identity_hash("md5$0123456789ABCDEF0123456789abcdef").is_ok());
        assert!(identity_hash("sha1$abcd").unwrap_err().contains("sha1"));
        assert!(identity_hash("sha256$abc").unwrap_err().contains("64"));
        assert!(identity_hash("a@example.com").unwrap_err().contains("'$'"));
    }
}
