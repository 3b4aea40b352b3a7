//! Generated vectors: valid-by-construction OB 3.0 / CLR 2.0 documents from the data-model table, and mutation
//! operators that break one rule each and declare which checks must trip where.
//!
//! - [`build`]: the generator ([`generate`]), table-driven with a few hand rules;
//! - [`mutate`]: the operators ([`mutate::OPERATORS`]);
//! - [`choice`]: the choice tape (seeded quickcheck [`Gen`], replay, shrinking);
//! - [`sign`]: signing generated documents with real keys ([`sign::sign_generated`]);
//! - [`tamper`]: proof mutation operators on signed documents ([`tamper::SIGNED_OPERATORS`]);
//! - [`bake`]: baking signed documents into PNG/SVG, and carrier operators ([`bake::CARRIER_OPERATORS`]);
//! - [`coverage`]: what a run produced;
//! - [`values`]: primitive values (URIs, date-times, language codes …).
//!
//! A run has a seed (`CLR_GEN_SEED`, else one from the clock, always printed) and a case count (`CLR_GEN_CASES`);
//! each case's generator is seeded from the run seed, the property's name and the case number, so one seed
//! reproduces the whole run. A [`Case`] is a family plus its choice tape: it is quickcheck's [`Arbitrary`] value,
//! and its shrinks are shorter or simpler tapes, which replay into smaller documents that are still valid by
//! construction.

pub mod bake;
pub mod build;
pub mod choice;
pub mod coverage;
pub mod mutate;
pub mod sign;
pub mod tamper;
pub mod values;

use std::collections::BTreeSet;

pub use build::{Family, Generated, generate};
pub use choice::{Chooser, shrink_tape};
pub use coverage::Coverage;
pub use quickcheck::{Arbitrary, Gen};
pub use values::EPOCH;

use clr_reports::{Outcome, Subject};
use serde_json::Value;

/// quickcheck's size parameter; the generator bounds sizes itself (one to three items), so it only matters to
/// quickcheck's own `Arbitrary` impls.
const GEN_SIZE: usize = 16;

/// Random choices recorded after the document's own, for what consumes the tape next (a mutation operator).
const TAIL: usize = 32;

/// A generated case: a family and the choice tape that builds its document (and then its mutation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub family: Family,
    pub tape: Vec<u32>,
}

impl Case {
    /// A fresh case of `family` drawn from `g`.
    pub fn random(family: Family, g: &mut Gen) -> Case {
        let mut ch = Chooser::random(g);
        let _ = generate(family, &mut ch);
        for _ in 0..TAIL {
            ch.below(1 << 20);
        }
        Case {
            family,
            tape: ch.into_tape(),
        }
    }

    /// A chooser replaying this case's tape.
    pub fn chooser(&self) -> Chooser<'static> {
        Chooser::replay(&self.tape)
    }

    /// The case's document.
    pub fn generate(&self) -> Generated {
        generate(self.family, &mut self.chooser())
    }
}

impl Arbitrary for Case {
    fn arbitrary(g: &mut Gen) -> Case {
        let family = g.choose(&Family::ALL).copied().unwrap_or(Family::Ob30);
        Case::random(family, g)
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Case>> {
        let family = self.family;
        Box::new(
            shrink_tape(&self.tape)
                .into_iter()
                .map(move |tape| Case { family, tape }),
        )
    }
}

/// Seed and case count of a run.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub seed: u64,
    pub cases: usize,
}

impl Settings {
    /// `CLR_GEN_SEED` (decimal or 0x-hex; else from the clock) and `CLR_GEN_CASES` (else `default_cases`).
    pub fn from_env(default_cases: usize) -> Result<Settings, String> {
        let seed = match std::env::var("CLR_GEN_SEED") {
            Ok(s) => parse_seed(&s).ok_or_else(|| format!("CLR_GEN_SEED={s:?} is not a number"))?,
            Err(_) => clock_seed(),
        };
        let cases = match std::env::var("CLR_GEN_CASES") {
            Ok(s) => s
                .trim()
                .parse()
                .map_err(|_| format!("CLR_GEN_CASES={s:?} is not a count"))?,
            Err(_) => default_cases,
        };
        Ok(Settings { seed, cases })
    }

    /// The generator of case `i` of `property`: a pure function of the run seed, the name and `i`.
    pub fn gen_for(&self, property: &str, i: usize) -> Gen {
        Gen::from_size_and_seed(GEN_SIZE, case_seed(self.seed, property, i))
    }
}

/// A seed in decimal or `0x` hexadecimal.
pub fn parse_seed(s: &str) -> Option<u64> {
    let s = s.trim();
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

/// A seed from the clock and the process id (a different run each time unless `CLR_GEN_SEED` pins it).
pub fn clock_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    values::splitmix64(nanos ^ u64::from(std::process::id()).rotate_left(32))
}

/// The seed of case `i` of `property` under run seed `seed`.
pub fn case_seed(seed: u64, property: &str, i: usize) -> u64 {
    // FNV-1a of the name, so that properties sharing a run seed see different documents.
    let name = property.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    values::splitmix64(seed ^ name ^ values::splitmix64(i as u64))
}

/// Shrinks a failing case the quickcheck way: take the first shrink that still fails, repeat, until none does or
/// `budget` candidates were tried. `fails` returns the failure message of a case, `None` when it passes.
pub fn minimize(
    case: Case,
    failure: String,
    mut fails: impl FnMut(&Case) -> Option<String>,
    budget: usize,
) -> (Case, String, usize) {
    let (mut case, mut failure, mut tried) = (case, failure, 0usize);
    'outer: loop {
        for candidate in case.shrink() {
            if tried >= budget {
                break 'outer;
            }
            tried += 1;
            if let Some(f) = fails(&candidate) {
                case = candidate;
                failure = f;
                continue 'outer;
            }
        }
        break;
    }
    (case, failure, tried)
}

/// Moves every date-time of a generated document by `delta` seconds (written in UTC), so that a document built
/// around [`EPOCH`] is valid around another instant — the real clock, for credentials a provider run upserts. All of
/// them move together, so every relation the generator kept (validFrom before validUntil, awarded before valid …)
/// still holds; calendar dates (`YYYY-MM-DD`) stay.
pub fn shift_date_times(doc: &mut Value, delta: i64) {
    match doc {
        Value::String(s) => {
            if crate::lexical::date_time(s, crate::lexical::Zone::Required).is_ok()
                && let Some(secs) = crate::datetime::epoch_seconds(s)
            {
                *s = crate::datetime::rfc3339(secs.floor() as i64 + delta);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| shift_date_times(i, delta)),
        Value::Object(o) => o.values_mut().for_each(|v| shift_date_times(v, delta)),
        _ => {}
    }
}

/// Makes a generated document valid around `now` (seconds since 1970) for a while, as a credential used in real time
/// must be: every date-time moves so that the generator's judging instant becomes a minute before `now` (so a
/// window that opens exactly at that instant is open), then a window that would close within a day of `now` is
/// held open for a year (the generator also builds windows that close exactly at its instant, valid only there).
pub fn valid_around(doc: &mut Value, now: i64) {
    const DAY: i64 = 86_400;
    shift_date_times(doc, now - 60 - values::epoch_secs());
    fn hold_open(v: &mut Value, now: i64) {
        match v {
            Value::Object(o) => {
                for key in ["validUntil", "expirationDate"] {
                    let closes = o
                        .get(key)
                        .and_then(Value::as_str)
                        .and_then(crate::datetime::epoch_seconds)
                        .is_some_and(|s| (s as i64) < now + DAY);
                    if closes {
                        o.insert(key.into(), Value::String(crate::datetime::rfc3339(now + 365 * DAY)));
                    }
                }
                o.values_mut().for_each(|c| hold_open(c, now));
            }
            Value::Array(items) => items.iter_mut().for_each(|i| hold_open(i, now)),
            _ => {}
        }
    }
    hold_open(doc, now);
}

/// Runs every check on `doc` as `clr-harness validate --no-proofs --now 2025-12-01T00:00:00Z` does: data model only,
/// judged at [`EPOCH`].
pub fn check(doc: &Value) -> Vec<Subject> {
    check_with(doc, None)
}

/// [`check`], plus the cross-check against the official 1EdTech JSON Schemas when `schemas` is given.
pub fn check_with(doc: &Value, schemas: Option<&crate::schema::OfficialSchemas>) -> Vec<Subject> {
    let bytes = serde_json::to_vec_pretty(doc).unwrap_or_default();
    check_at_epoch(&bytes, schemas, None)
}

/// Runs every check on a signed document, proofs included, as `clr-harness validate --now 2025-12-01T00:00:00Z`
/// does with fetching off: keys resolve offline (the generated issuers are `did:key` / `did:jwk`).
pub fn check_signed(signed: &crate::proof::sign::Signed, net: &crate::verify::Net) -> Vec<Subject> {
    check_file(crate::proof::sign::to_text(signed).as_bytes(), net)
}

/// [`check_signed`] on a file's bytes (a baked image, say).
pub fn check_file(bytes: &[u8], net: &crate::verify::Net) -> Vec<Subject> {
    check_file_with_net(bytes, Some(net))
}

/// Every check on a file's bytes at [`EPOCH`]: proofs verified under `net`, or the data model only without one.
pub fn check_file_with_net(bytes: &[u8], net: Option<&crate::verify::Net>) -> Vec<Subject> {
    check_at_epoch(bytes, None, net)
}

/// The engine on one file judged at [`EPOCH`]: the official schemas cross-checked when given, proofs verified
/// under `net` when given.
fn check_at_epoch(
    bytes: &[u8],
    schemas: Option<&crate::schema::OfficialSchemas>,
    net: Option<&crate::verify::Net>,
) -> Vec<Subject> {
    let opts = crate::engine::Options {
        env: crate::verify::Env::at(EPOCH).unwrap_or_default(),
        net,
        schemas,
        ..crate::engine::Options::default()
    };
    let mut out = Vec::new();
    crate::engine::check_bytes("doc-1", "generated", bytes, &opts, &mut out);
    out
}

/// Every (check, pointer) a run reported with outcome fail, warn, info or error, over all subjects.
pub fn findings(subjects: &[Subject]) -> BTreeSet<(String, String)> {
    subjects
        .iter()
        .flat_map(|s| s.results.iter())
        .filter(|r| {
            matches!(
                r.outcome,
                Outcome::Fail | Outcome::Warn | Outcome::Info | Outcome::Error
            )
        })
        .flat_map(|r| {
            let with_none = r.findings.is_empty().then(|| (r.check.clone(), String::from("-")));
            r.findings
                .iter()
                .map(|f| (r.check.clone(), f.location.pointer.clone().unwrap_or_default()))
                .chain(with_none)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A few cases of each family pass every check; the tests/generated.rs properties run many more.
    #[test]
    fn generated_documents_pass_every_check() {
        for family in Family::ALL {
            for i in 0..4 {
                let mut g = Gen::from_size_and_seed(GEN_SIZE, case_seed(1, "unit", i));
                let case = Case::random(family, &mut g);
                let doc = case.generate().doc;
                let got = findings(&check(&doc));
                assert!(got.is_empty(), "{family:?} case {i}: {got:?}\n{doc:#}");
            }
        }
    }

    #[test]
    fn a_case_replays_into_the_same_document() {
        let mut g = Gen::from_size_and_seed(GEN_SIZE, 42);
        let case = Case::random(Family::Clr20, &mut g);
        assert_eq!(case.generate().doc, case.generate().doc);
        let mut g2 = Gen::from_size_and_seed(GEN_SIZE, 42);
        assert_eq!(Case::random(Family::Clr20, &mut g2), case, "same seed, same case");
    }

    #[test]
    fn the_empty_tape_is_the_smallest_valid_document() {
        for family in Family::ALL {
            let case = Case { family, tape: vec![] };
            let doc = case.generate().doc;
            assert!(findings(&check(&doc)).is_empty(), "{doc:#}");
        }
    }

    /// Shrinking keeps a failure and makes the document smaller: here the "failure" is any document with an
    /// Alignment, and the shrunk one still has one but is smaller.
    #[test]
    fn shrinking_finds_a_smaller_failing_document() {
        let fails = |c: &Case| {
            let text = c.generate().doc.to_string();
            text.contains("\"Alignment\"").then(|| format!("{} bytes", text.len()))
        };
        let case = (0..200)
            .map(|i| {
                Case::random(
                    Family::Ob30,
                    &mut Gen::from_size_and_seed(GEN_SIZE, case_seed(9, "s", i)),
                )
            })
            .find(|c| fails(c).is_some())
            .expect("some generated document has an alignment");
        let before = case.generate().doc.to_string().len();
        let failure = fails(&case).unwrap_or_default();
        let (small, _, _) = minimize(case, failure, fails, 300);
        let after = small.generate().doc.to_string();
        assert!(after.contains("\"Alignment\""));
        assert!(after.len() * 2 < before, "{before} → {}", after.len());
    }

    /// Signed generated documents verify offline, every way of signing, both families.
    #[test]
    fn signed_generated_documents_pass_every_check() {
        let net = crate::verify::Net::new(crate::fetch::FetchPolicy::default()).expect("runtime");
        for family in Family::ALL {
            for signing in sign::Signing::ALL {
                for i in 0..3 {
                    let mut g = Gen::from_size_and_seed(GEN_SIZE, case_seed(2, "signed-unit", i));
                    let doc = Case::random(family, &mut g).generate().doc;
                    let signed = sign::sign_generated(&doc, signing, 2).expect("signs");
                    let got: BTreeSet<_> = findings(&check_signed(&signed, &net))
                        .into_iter()
                        .filter(|t| !signing.declared_trips().contains(t))
                        .collect();
                    assert!(
                        got.is_empty(),
                        "{family:?} {} case {i}: {got:?}\n{}",
                        signing.name(),
                        crate::proof::sign::to_text(&signed)
                    );
                }
            }
        }
    }

    #[test]
    fn seeds_parse_in_decimal_and_hex() {
        assert_eq!(parse_seed("42"), Some(42));
        assert_eq!(parse_seed("0x2a"), Some(42));
        assert_eq!(parse_seed("x"), None);
        assert_ne!(case_seed(1, "a", 0), case_seed(1, "b", 0));
    }
}
