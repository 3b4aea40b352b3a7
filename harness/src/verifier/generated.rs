//! Generated credentials for verifiers (OB30-VERDICT-008): valid-by-construction OB 3.0 credentials from the
//! generator and their proof mutants, added to the fixed case set. Kept apart from [`super::cases`] because the
//! generator depends on the checks, which the catalogue (and so the verifier checks) are built from.

use super::cases::{Case, CaseError, CaseSet, Expect, build};

/// How many generated credentials the set holds by default (each with its proof mutants): see [`cases`].
pub const GENERATED_DEFAULT: usize = 1;

/// The proof operators whose mutants every conformant verifier rejects (MUSTs of OB 3.0 and VC Data Integrity):
/// changed after signing, signed by another key under the issuer's name, signed for another purpose, out of its
/// validity window, carrying data its contexts do not define.
pub const GENERATED_REJECTS: [&str; 6] = [
    "tamper-claim",
    "wrong-key",
    "wrong-proof-purpose",
    "expired",
    "not-yet-valid",
    "undefined-term",
];

/// Generated cases (OB30-VERDICT-008): `count` valid-by-construction OB 3.0 credentials (nested achievements,
/// results, alignments, endorsements …) made valid around `now` (seconds since 1970) and signed by `did:key`
/// issuers, each to accept, and each one's [`GENERATED_REJECTS`] mutants to reject. Named `generated-<n>[-<operator>]`.
pub fn cases(seed: u64, count: usize, now: i64) -> Result<Vec<Case>, CaseError> {
    use crate::generate::{self, Case as GenCase, Family, Settings, sign as gsign, tamper};
    let settings = Settings { seed, cases: count };
    let mut out = Vec::new();
    for i in 0..count {
        let case = GenCase::random(Family::Ob30, &mut settings.gen_for("verifier", i));
        let mut ch = case.chooser();
        let mut doc = generate::generate(case.family, &mut ch).doc;
        generate::valid_around(&mut doc, now);
        let valid = gsign::sign_generated(&doc, gsign::Signing::DataIntegrity, seed)?;
        out.push(Case {
            name: format!("generated-{}", i + 1).into(),
            expect: Expect::Accept,
            why: "a generated OB 3.0 credential, valid by construction, signed by its issuer, in its validity window"
                .into(),
            document: valid,
        });
        for name in GENERATED_REJECTS {
            let Some(op) = tamper::signed_operator(name) else {
                continue;
            };
            let input = tamper::Input {
                doc: &doc,
                signing: gsign::Signing::DataIntegrity,
                seed,
                now,
            };
            if let Some(m) = op.apply(&input, &mut ch.fork())? {
                out.push(Case {
                    name: format!("generated-{}-{name}", i + 1).into(),
                    expect: Expect::Reject,
                    why: format!("{}: {}", op.summary, m.what).into(),
                    document: m.signed,
                });
            }
        }
    }
    Ok(out)
}

/// The fixed cases of [`build`] for `seed` and `status_base`, and `count` generated credentials (with their mutants)
/// made valid around `now` (seconds since 1970).
pub fn build_with(seed: u64, status_base: &str, count: usize, now: i64) -> Result<CaseSet, CaseError> {
    let mut set = build(seed, status_base)?;
    set.cases.extend(cases(seed, count, now)?);
    Ok(set)
}
