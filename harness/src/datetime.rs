//! Instants and calendar arithmetic, on the `time` crate: seconds since the Unix epoch of an RFC 3339 date-time, the
//! RFC 3339 text of an instant, and the days ↔ civil date conversions the generators need. A leaf module apart from
//! the lexical rules it validates with ([`crate::lexical`]).

use std::cmp::Ordering;

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// Seconds since the Unix epoch now.
pub fn now_secs() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// The RFC 3339 UTC timestamp of now, to the second.
pub fn now_rfc3339() -> String {
    rfc3339(now_secs())
}

/// The RFC 3339 UTC timestamp (`YYYY-MM-DDThh:mm:ssZ`) of `secs` since the Unix epoch. Instants outside years
/// -9999..=9999 are clamped to the nearest representable one: every caller passes a clock or a value it parsed.
pub fn rfc3339(secs: i64) -> String {
    let clamped = secs.clamp(
        PrimitiveDateTime::MIN.assume_utc().unix_timestamp(),
        PrimitiveDateTime::MAX.assume_utc().unix_timestamp(),
    );
    let t = OffsetDateTime::from_unix_timestamp(clamped).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Seconds since 1970-01-01T00:00:00Z of a valid RFC 3339 date-time (fractions kept; a leap second `:60` counts as
/// the second after `:59`). `None` unless [`crate::lexical::date_time`] accepts it.
pub fn epoch_seconds(s: &str) -> Option<f64> {
    crate::lexical::date_time(s, crate::lexical::Zone::Required).ok()?;
    // Validated above: the first 19 bytes are ASCII digits and separators in their places.
    let two = |from: usize| s.get(from..from + 2).and_then(|x| x.parse::<u8>().ok());
    let year = s.get(..4)?.parse::<i32>().ok()?;
    let (month, day, hour, minute, second) = (two(5)?, two(8)?, two(11)?, two(14)?, two(17)?);
    let date = Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()?;
    let leap = u8::from(second == 60);
    let time = Time::from_hms(hour, minute, second - leap).ok()?;
    let mut rest = s.get(19..)?;
    let mut frac = 0.0;
    if let Some(f) = rest.strip_prefix('.') {
        let digits = f.bytes().take_while(u8::is_ascii_digit).count();
        frac = format!("0.{}", f.get(..digits)?).parse().unwrap_or(0.0);
        rest = f.get(digits..)?;
    }
    let offset = match rest {
        "Z" | "z" => UtcOffset::UTC,
        o => {
            let sign: i8 = if o.starts_with('-') { -1 } else { 1 };
            let (hh, mm) = (o.get(1..3)?.parse::<i8>().ok()?, o.get(4..6)?.parse::<i8>().ok()?);
            UtcOffset::from_hms(sign * hh, sign * mm, 0).ok()?
        }
    };
    let secs = PrimitiveDateTime::new(date, time)
        .assume_offset(offset)
        .unix_timestamp()
        + i64::from(leap);
    Some(secs as f64 + frac)
}

/// Orders two valid RFC 3339 date-times by instant. `None` if either does not parse.
pub fn compare_instants(a: &str, b: &str) -> Option<Ordering> {
    epoch_seconds(a)?.partial_cmp(&epoch_seconds(b)?)
}

/// Days since 1970-01-01 of a proleptic Gregorian date; `None` if the date does not exist or is out of range.
pub fn days_from_civil(year: i32, month: u8, day: u8) -> Option<i64> {
    let date = Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()?;
    Some(i64::from(date.to_julian_day() - UNIX_EPOCH_JULIAN_DAY))
}

/// The proleptic Gregorian date `days` after 1970-01-01, as (year, month, day); `None` outside years -9999..=9999.
pub fn civil_from_days(days: i64) -> Option<(i32, u8, u8)> {
    let julian = i32::try_from(days.checked_add(i64::from(UNIX_EPOCH_JULIAN_DAY))?).ok()?;
    let date = Date::from_julian_day(julian).ok()?;
    Some((date.year(), u8::from(date.month()), date.day()))
}

/// The Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_compare_across_offsets() {
        use std::cmp::Ordering::*;
        assert_eq!(
            compare_instants("2024-01-01T01:00:00+01:00", "2024-01-01T00:00:00Z"),
            Some(Equal)
        );
        assert_eq!(
            compare_instants("2024-01-01T00:00:00Z", "2023-12-31T23:59:59Z"),
            Some(Greater)
        );
        assert_eq!(
            compare_instants("1969-12-31T23:59:59Z", "1970-01-01T00:00:00Z"),
            Some(Less)
        );
        assert_eq!(epoch_seconds("1970-01-02T00:00:00Z"), Some(86400.0));
        assert_eq!(epoch_seconds("1970-01-01T00:00:00.25-00:30"), Some(1800.25));
        assert_eq!(
            epoch_seconds("2016-12-31T23:59:60Z"),
            epoch_seconds("2017-01-01T00:00:00Z")
        );
        assert_eq!(epoch_seconds("0000-01-01T00:00:00Z"), Some(-62_167_219_200.0));
        assert_eq!(epoch_seconds("2023-02-29T00:00:00Z"), None);
    }

    /// A multi-byte character anywhere in a valid date-time gives `None`, never a panic.
    #[test]
    fn non_ascii_in_every_position_is_none_not_a_panic() {
        let value = "2024-01-01T00:00:00.5+01:00";
        for odd in ['é', '\u{10348}', '\u{200b}', '\u{0}'] {
            for (i, _) in value.char_indices().chain([(value.len(), ' ')]) {
                let mutant = format!("{}{odd}{}", &value[..i], &value[i..]);
                let outcome = std::panic::catch_unwind(|| (epoch_seconds(&mutant), compare_instants(&mutant, value)));
                assert!(outcome.is_ok(), "{mutant:?} panicked");
            }
        }
    }

    #[test]
    fn timestamps_and_civil_dates_round_trip() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339(i64::MAX), "9999-12-31T23:59:59Z");
        for secs in [0, 1_709_164_800, -86_401, 253_402_300_799] {
            assert_eq!(epoch_seconds(&rfc3339(secs)), Some(secs as f64));
        }
        assert!(crate::lexical::date_time(&now_rfc3339(), crate::lexical::Zone::Required).is_ok());
        for day in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(day).expect("in range");
            assert_eq!(days_from_civil(y, m, d), Some(day));
        }
        assert_eq!(
            civil_from_days(days_from_civil(2024, 2, 29).expect("a leap day")),
            Some((2024, 2, 29))
        );
        assert_eq!(days_from_civil(2023, 2, 29), None);
    }
}
