//! Generated vectors as properties (issue 12): every generated valid OB 3.0 / CLR 2.0 document passes every check,
//! unsigned and signed every way (proofs verified offline), baked or not; every mutant — of the data model, of a
//! signed document's proof, of a baked image — trips exactly the checks its operator declares, at the declared
//! pointers; and nothing panics.
//!
//! Seeded and bounded: the run seed is printed first (`CLR_GEN_SEED=<seed>` reproduces the run) and each property
//! runs `CLR_GEN_CASES` cases (default 64). A failing case is shrunk on its choice tape (quickcheck's protocol), so
//! the document printed is the smallest failing one the shrinker found, still valid by construction except for the
//! mutation. One libtest-mimic trial per property: `cargo test -p clr-harness-tests --test generated -- <filter>`.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};

use clr_harness::generate::bake::{self, CARRIER_OPERATORS, CarrierOperator};
use clr_harness::generate::mutate::{self, Lexical, Mutant, OPERATORS, Operator};
use clr_harness::generate::sign::{Signing, sign_generated};
use clr_harness::generate::tamper::{self, SIGNED_OPERATORS, SignedOperator};
use clr_harness::generate::{self, Case, Coverage, Family, Settings};
use clr_harness::verify::Net;
use clr_harness_tests::{explain, tripped};
use clr_reports::Subject;
use libtest_mimic::{Arguments, Failed, Trial};

/// Cases per property unless `CLR_GEN_CASES` says otherwise: enough to meet every operator's sites, few enough for a
/// debug build to finish the file in seconds.
const DEFAULT_CASES: usize = 64;
/// Shrink candidates tried per failure (each is one engine run).
const SHRINK_BUDGET: usize = 400;

fn main() {
    let args = Arguments::from_args();
    let settings = match Settings::from_env(DEFAULT_CASES) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    println!(
        "generated vectors: seed {} (CLR_GEN_SEED={} reproduces this run), {} case(s) per property (CLR_GEN_CASES)",
        settings.seed, settings.seed, settings.cases
    );
    let mut trials = Vec::new();
    trials.push(
        Trial::test(
            "valid: generated OB 3.0 and CLR 2.0 documents pass every check",
            move || valid_documents(settings),
        )
        .with_kind("property"),
    );
    // The official schemas as a second oracle, when the 1EdTech artefacts are present (CLR_SPEC_DIR or
    // ../shared/spec): a document valid by the data model must satisfy them too.
    if let Some(dir) = clr_harness_tests::spec_dir() {
        trials.push(
            Trial::test("valid: generated documents pass the official JSON Schemas", move || {
                official_schemas(settings, &dir)
            })
            .with_kind("property"),
        );
    }
    for op in OPERATORS {
        trials.push(Trial::test(format!("mutants: {}", op.name), move || mutants(settings, op)).with_kind("property"));
    }
    for (name, kind) in [
        ("date-time", Lexical::DateTime),
        ("date", Lexical::Date),
        ("uri", Lexical::Uri),
        ("language", Lexical::Language),
    ] {
        trials.push(
            Trial::test(format!("every position: non-ASCII in a {name}"), move || {
                every_position(settings, name, kind)
            })
            .with_kind("property"),
        );
    }
    trials.push(
        Trial::test(
            "signed: generated documents signed every way (Data Integrity, VC-JWT EdDSA/ES256/RS256) verify",
            move || signed_documents(settings),
        )
        .with_kind("property"),
    );
    for op in SIGNED_OPERATORS {
        trials.push(
            Trial::test(format!("signed mutants: {}", op.name), move || {
                signed_mutants(settings, op)
            })
            .with_kind("property"),
        );
    }
    for op in CARRIER_OPERATORS {
        trials.push(
            Trial::test(format!("carrier mutants: {}", op.name), move || {
                carrier_mutants(settings, op)
            })
            .with_kind("property"),
        );
    }
    trials.push(
        Trial::test(
            "coverage: every document check is proven by a fixed vector, a mutation or a named test",
            move || catalogue_coverage(settings),
        )
        .with_kind("coverage"),
    );
    let conclusion = libtest_mimic::run(&args, trials);
    report_known_defects();
    conclusion.exit();
}

/// Runs the engine on `doc`; a panic anywhere in it is a failure of the property, reported as such.
fn run_checks(doc: &serde_json::Value) -> Result<Vec<Subject>, String> {
    catch_unwind(AssertUnwindSafe(|| generate::check(doc))).map_err(|p| {
        let what = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        format!("the checks panicked: {what}")
    })
}

/// Runs `property` on `settings.cases` cases of `name` (families alternating); on a failure shrinks it and reports
/// the seed, the case and the smallest failing document. Returns how many cases `property` found applicable.
fn run_property(
    settings: Settings,
    name: &str,
    property: impl Fn(&Case) -> Result<bool, String>,
) -> Result<usize, Failed> {
    let mut applicable = 0;
    for i in 0..settings.cases {
        let mut g = settings.gen_for(name, i);
        let family = Family::ALL[i % Family::ALL.len()];
        let case = Case::random(family, &mut g);
        match property(&case) {
            Ok(true) => applicable += 1,
            Ok(false) => {}
            Err(failure) => {
                let (small, failure, tried) = generate::minimize(case, failure, |c| property(c).err(), SHRINK_BUDGET);
                let doc = serde_json::to_string_pretty(&small.generate().doc).unwrap_or_default();
                let frozen = frozen_path(name, settings.seed);
                let freeze = if frozen.is_file() {
                    format!(
                        "\nthe shrunk failing document is {} (with its manifest entry beside it); to keep it as a \
                         fixed vector: clr-harness vectors freeze {} --into vectors/fixed/<spec>/<area>",
                        frozen.display(),
                        frozen.display()
                    )
                } else {
                    String::new()
                };
                return Err(format!(
                    "{name}: case {i} ({}) failed — seed {seed}; reproduce with CLR_GEN_SEED={seed} \
                     (shrunk over {tried} candidate(s), tape of {} choice(s))\n{failure}{freeze}\n\
                     generated document before any mutation:\n{}",
                    family.slug(),
                    small.tape.len(),
                    cut(&doc, 40_000),
                    seed = settings.seed,
                )
                .into());
            }
        }
    }
    Ok(applicable)
}

/// Where a failing property writes its document for `clr-harness vectors freeze` (any of the extensions it may
/// have): one file per property and seed, overwritten by every failing candidate, so the last one written is the
/// shrunk one.
fn frozen_path(property: &str, seed: u64) -> std::path::PathBuf {
    let base = std::env::temp_dir()
        .join("clr-harness-generated")
        .join(format!("{property}-{seed}"));
    ["json", "jwt", "png", "svg"]
        .iter()
        .map(|ext| base.with_extension(ext))
        .find(|p| p.is_file())
        .unwrap_or(base)
}

/// Writes a failing document and, beside it (`.toml`), the manifest entry a fixed vector of it should have: what its
/// operator declares, the requirement — not what the checks reported.
fn freeze_candidate(property: &str, seed: u64, ext: &str, bytes: &[u8], trips: &Trips, what: &str) {
    let dir = std::env::temp_dir().join("clr-harness-generated");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{property}-{seed}.{ext}"));
    let checks: BTreeSet<String> = trips.iter().map(|(c, _)| c.clone()).collect();
    let at: Vec<String> = trips.iter().map(|(c, p)| format!("{c} at {p}")).collect();
    let mut entry = toml::Table::new();
    entry.insert(
        "trips".into(),
        toml::Value::Array(checks.into_iter().map(toml::Value::String).collect()),
    );
    entry.insert(
        "description".into(),
        toml::Value::String(format!(
            "generated (seed {seed}), {property}: {what} (expected: {})",
            at.join(", ")
        )),
    );
    let _ = std::fs::write(&path, bytes);
    let _ = std::fs::write(path.with_extension("toml"), entry.to_string());
}

fn valid_documents(settings: Settings) -> Result<(), Failed> {
    let coverage = std::sync::Mutex::new(Coverage::default());
    run_property(settings, "valid", |case| {
        let generated = case.generate();
        let subjects = run_checks(&generated.doc)?;
        let got = tripped(&subjects);
        if !got.is_empty() {
            return Err(format!("a valid document tripped {got:?}:\n{}", explain(&subjects)));
        }
        if let Ok(mut c) = coverage.lock() {
            c.merge(&generated.coverage);
        }
        Ok(true)
    })?;
    // Shrinking re-generates documents; the coverage counted is the first pass's only (the property passed).
    if let Ok(c) = coverage.lock() {
        println!("{}", c.render());
    }
    Ok(())
}

type Trips = BTreeSet<(String, String)>;

/// Defects of the checks that these properties found and that are not fixed yet. A mutant whose only discrepancy is
/// one of these passes, and the trial prints how often each was seen, so the defect stays visible without failing
/// every run; once the check is fixed the matcher simply stops matching. The expectations themselves are not bent:
/// the operators still declare what the requirement says.
struct KnownDefect {
    id: &'static str,
    what: &'static str,
    /// Whether `extra` (reported, not declared) and `missing` (declared, not reported) are this defect.
    matches: fn(m: &Mutant, extra: &Trips, missing: &Trips) -> bool,
}

const KNOWN_DEFECTS: &[KnownDefect] = &[];

/// How often each known defect was seen in this process.
static SEEN: std::sync::Mutex<std::collections::BTreeMap<&'static str, usize>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

fn official_schemas(settings: Settings, dir: &std::path::Path) -> Result<(), Failed> {
    let schemas =
        clr_harness::schema::OfficialSchemas::load(dir).map_err(|e| format!("cannot load the schemas: {e}"))?;
    run_property(settings, "official-schema", |case| {
        let mut ch = case.chooser();
        let doc = generate::generate(case.family, &mut ch).doc;
        // The neutral mutants (unicode IRIs, 64 KiB texts) are valid documents too.
        let mut docs = vec![("the generated document".to_string(), doc.clone())];
        for op in OPERATORS.iter().filter(|o| o.name.starts_with("neutral-")) {
            let mut ch = case.chooser();
            let _ = generate::generate(case.family, &mut ch);
            if let Some(m) = op.apply(&doc, &mut ch) {
                docs.push((format!("{} mutant ({})", op.name, m.what), m.doc));
            }
        }
        for (what, doc) in docs {
            let subjects = catch_unwind(AssertUnwindSafe(|| generate::check_with(&doc, Some(&schemas))))
                .map_err(|_| "the checks panicked".to_string())?;
            let got = tripped(&subjects);
            if !got.is_empty() {
                return Err(format!("{what} tripped {got:?}:\n{}", explain(&subjects)));
            }
        }
        Ok(true)
    })?;
    Ok(())
}

/// Compares a mutant's run with its declaration: the same checks trip (`tripped`), each at the declared pointers
/// and nowhere else.
fn judge(m: &Mutant, subjects: &[Subject]) -> Result<(), String> {
    let got_checks = tripped(subjects);
    let got = generate::findings(subjects);
    let want: Trips = m.trips.clone();
    if got_checks == m.checks() && got == want {
        return Ok(());
    }
    let missing: Trips = want.difference(&got).cloned().collect();
    let extra: Trips = got.difference(&want).cloned().collect();
    if let Some(d) = KNOWN_DEFECTS.iter().find(|d| (d.matches)(m, &extra, &missing)) {
        if let Ok(mut seen) = SEEN.lock() {
            *seen.entry(d.id).or_default() += 1;
        }
        return Ok(());
    }
    let mut msg = format!("operator {} — {}\n", m.operator, m.what);
    let _ = writeln!(msg, "  declared: {want:?}");
    let _ = writeln!(msg, "  reported: {got:?}");
    let _ = writeln!(
        msg,
        "  missing: {missing:?}\n  unexpected: {extra:?}\n  findings:\n{}",
        explain(subjects)
    );
    Err(msg)
}

/// Prints the known defects the run met.
fn report_known_defects() {
    let seen = SEEN.lock().map(|s| s.clone()).unwrap_or_default();
    for d in KNOWN_DEFECTS {
        match seen.get(d.id) {
            Some(n) => println!("known defect {} met {n} time(s): {}", d.id, d.what),
            None => println!("known defect {} not met in this run", d.id),
        }
    }
}

fn mutants(settings: Settings, op: &'static Operator) -> Result<(), Failed> {
    let applied = run_property(settings, op.name, |case| {
        // The tape's tail (after the document's own choices) picks the site and the variant.
        let mut ch = case.chooser();
        let generated = generate::generate(case.family, &mut ch);
        let Some(m) = op.apply(&generated.doc, &mut ch) else {
            return Ok(false);
        };
        let subjects = run_checks(&m.doc)?;
        judge(&m, &subjects).map(|()| true).inspect_err(|_| {
            let bytes = serde_json::to_vec_pretty(&m.doc).unwrap_or_default();
            freeze_candidate(op.name, settings.seed, "json", &bytes, &m.trips, &m.what);
        })
    })?;
    // An operator that never found a site tested nothing: that is a failure of the generator's coverage.
    if applied == 0 && settings.cases >= 16 {
        return Err(format!("{}: no site in {} generated document(s)", op.name, settings.cases).into());
    }
    println!(
        "mutants: {} applied to {applied} of {} case(s)",
        op.name, settings.cases
    );
    Ok(())
}

/// Signing and verifying is slower than the data-model checks: the signed properties run a fraction of the cases.
fn signed_cases(settings: Settings, fraction: usize) -> Settings {
    Settings {
        cases: settings.cases.div_ceil(fraction).max(1),
        ..settings
    }
}

/// An offline verifier (no fetch allowed: generated issuers are did:key / did:jwk, which resolve offline).
fn offline() -> Result<Net, String> {
    Net::new(clr_harness::fetch::FetchPolicy::default()).map_err(|e| format!("cannot start a runtime: {e}"))
}

/// Runs the engine, proofs included, on a file; a panic is a failure.
fn run_signed(bytes: &[u8], net: &Net) -> Result<Vec<Subject>, String> {
    catch_unwind(AssertUnwindSafe(|| generate::check_file(bytes, net))).map_err(|_| "the checks panicked".to_string())
}

/// Compares a run with an exact declaration of (check, pointer) trips.
fn judge_exact(operator: &str, what: &str, want: &Trips, subjects: &[Subject]) -> Result<(), String> {
    let got = generate::findings(subjects);
    if &got == want {
        return Ok(());
    }
    Err(format!(
        "operator {operator} — {what}
  declared: {want:?}
  reported: {got:?}
  missing: {:?}
  unexpected: {:?}
  findings:
{}",
        want.difference(&got).collect::<Vec<_>>(),
        got.difference(want).collect::<Vec<_>>(),
        explain(subjects)
    ))
}

/// Checks that were skipped, other than the official-schema cross-check (it needs the artefacts) and the CASE
/// alignment checks (generated alignments name frameworks on example.edu, which are not served): a signed valid
/// document must be verified completely offline, or its pass is not evidence.
fn unobserved(subjects: &[Subject]) -> Vec<String> {
    subjects
        .iter()
        .flat_map(|s| s.results.iter())
        .filter(|r| {
            r.outcome == clr_reports::Outcome::Skip
                && !r.check.contains("-SCHEMA-")
                && !r.check.starts_with("CASE-ALIGN-")
        })
        .map(|r| format!("{}: {}", r.check, r.note.as_deref().unwrap_or_default()))
        .collect()
}

fn signed_documents(settings: Settings) -> Result<(), Failed> {
    let net = offline()?;
    run_property(signed_cases(settings, 4), "signed", |case| {
        let doc = case.generate().doc;
        for signing in Signing::ALL {
            let signed = sign_generated(&doc, signing, settings.seed).map_err(|e| format!("failed to {e}"))?;
            let text = clr_harness::proof::sign::to_text(&signed);
            let subjects = run_signed(text.as_bytes(), &net)?;
            judge_exact("(none)", signing.name(), &signing.declared_trips(), &subjects)?;
            let skipped = unobserved(&subjects);
            if !skipped.is_empty() {
                return Err(format!(
                    "{}: not verified completely offline: {skipped:?}",
                    signing.name()
                ));
            }
        }
        Ok(true)
    })?;
    Ok(())
}

fn signed_mutants(settings: Settings, op: &'static SignedOperator) -> Result<(), Failed> {
    let net = offline()?;
    let cases = signed_cases(settings, 8);
    let applied = run_property(cases, op.name, |case| {
        let mut ch = case.chooser();
        let doc = generate::generate(case.family, &mut ch).doc;
        let mut any = false;
        for signing in Signing::ALL {
            let input = tamper::Input {
                doc: &doc,
                signing,
                seed: settings.seed,
                now: tamper::Input::at_epoch(),
            };
            let Some(m) = op.apply(&input, &mut ch.fork()).map_err(|e| format!("failed to {e}"))? else {
                continue;
            };
            any = true;
            let mut want = m.trips.clone();
            want.extend(signing.declared_trips());
            let text = clr_harness::proof::sign::to_text(&m.signed);
            let subjects = run_signed(text.as_bytes(), &net)?;
            judge_exact(op.name, &format!("{} ({})", m.what, signing.name()), &want, &subjects).inspect_err(|_| {
                let ext = match m.signed {
                    clr_harness::proof::sign::Signed::Json(_) => "json",
                    clr_harness::proof::sign::Signed::Jws(_) => "jwt",
                };
                freeze_candidate(op.name, settings.seed, ext, text.as_bytes(), &want, &m.what)
            })?;
        }
        Ok(any)
    })?;
    if applied == 0 && cases.cases >= 4 {
        return Err(format!("{}: no site in {} generated document(s)", op.name, cases.cases).into());
    }
    println!(
        "signed mutants: {} applied to {applied} of {} case(s)",
        op.name, cases.cases
    );
    Ok(())
}

fn carrier_mutants(settings: Settings, op: &'static CarrierOperator) -> Result<(), Failed> {
    let net = offline()?;
    run_property(signed_cases(settings, 8), op.name, |case| {
        let mut ch = case.chooser();
        let doc = generate::generate(case.family, &mut ch).doc;
        for signing in [
            Signing::DataIntegrity,
            Signing::Jwt(clr_harness::proof::keyfile::KeyAlgorithm::Rsa2048),
        ] {
            let signed = sign_generated(&doc, signing, settings.seed).map_err(|e| format!("failed to {e}"))?;
            let baked = bake::bake(&signed, op.carrier);
            judge_exact("(none)", "baked", &Trips::new(), &run_signed(&baked, &net)?)?;
            let Some(m) = op.apply(&baked, &mut ch.fork()) else {
                return Err(format!("{}: no site in a baked {}", op.name, op.carrier.name()));
            };
            judge_exact(op.name, &m.what, &m.trips, &run_signed(&m.bytes, &net)?)?;
        }
        Ok(true)
    })?;
    Ok(())
}

/// Which checks each kind of vector proves: the fixed vectors' manifests, the checks the mutation operators declared
/// on a sample of generated documents (data model, proof, carrier), and the named loopback tests. Printed as a
/// table; every document check must be proven by at least one. (Provider, consumer and verifier checks are proven by
/// their fault tables, each with its own coverage trial.)
fn catalogue_coverage(settings: Settings) -> Result<(), Failed> {
    use std::collections::BTreeMap;
    let fixed: BTreeMap<String, usize> = clr_harness_tests::load_manifests()?
        .iter()
        .flat_map(|v| v.trips.clone())
        .fold(BTreeMap::new(), |mut m, c| {
            *m.entry(c).or_default() += 1;
            m
        });
    let mut by_operator: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
    let sample = signed_cases(settings, 2);
    for i in 0..sample.cases {
        let case = Case::random(Family::ALL[i % 2], &mut sample.gen_for("coverage", i));
        for op in OPERATORS {
            let mut ch = case.chooser();
            let doc = generate::generate(case.family, &mut ch).doc;
            if let Some(m) = op.apply(&doc, &mut ch) {
                for c in m.checks() {
                    by_operator.entry(c).or_default().insert(op.name);
                }
            }
        }
    }
    for i in 0..2 {
        let case = Case::random(Family::ALL[i % 2], &mut sample.gen_for("coverage-signed", i));
        let mut ch = case.chooser();
        let doc = generate::generate(case.family, &mut ch).doc;
        for signing in Signing::ALL {
            for op in SIGNED_OPERATORS {
                let input = tamper::Input {
                    doc: &doc,
                    signing,
                    seed: settings.seed,
                    now: tamper::Input::at_epoch(),
                };
                if let Ok(Some(m)) = op.apply(&input, &mut ch.fork()) {
                    for (c, _) in m.trips {
                        by_operator.entry(c).or_default().insert(op.name);
                    }
                }
            }
        }
    }
    for op in CARRIER_OPERATORS {
        by_operator.entry(op.trips.to_string()).or_default().insert(op.name);
    }
    // As tests/vectors.rs lists them: checks that need live services or signed embedded credentials.
    let by_test: BTreeMap<&str, &str> = [
        ("OB30-VER-001", "harness/tests/status_refresh.rs"),
        ("OB30-VER-002", "harness/tests/status_refresh.rs"),
        ("OB30-VER-005", "harness/tests/embedded_verification.rs"),
        ("CLR20-VER-001", "harness/tests/embedded_verification.rs"),
    ]
    .into_iter()
    .collect();
    let mut unproven = Vec::new();
    println!("coverage of the document checks: fixed vectors · mutation operators · named tests");
    for check in clr_harness::catalogue::all().iter().filter(|c| {
        !matches!(
            c.runner,
            clr_harness::check::Runner::OfficialSchema
                | clr_harness::check::Runner::Provider
                | clr_harness::check::Runner::Consumer(_)
                | clr_harness::check::Runner::Verifier(_)
        )
    }) {
        let f = fixed.get(check.id).copied().unwrap_or(0);
        let ops: Vec<&str> = by_operator
            .get(check.id)
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        let test = by_test.get(check.id);
        println!(
            "  {:<14} fixed {:>3} · mutations {:<60} {}",
            check.id,
            f,
            if ops.is_empty() {
                "-".to_string()
            } else {
                ops.join(", ")
            },
            test.map(|t| format!("· {t}")).unwrap_or_default()
        );
        if f == 0 && ops.is_empty() && test.is_none() {
            unproven.push(check.id);
        }
    }
    if unproven.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "proven by no fixed vector, mutation or named test: {}",
            unproven.join(", ")
        )
        .into())
    }
}

/// A few documents, every character position of one value each: a few cases suffice, each is many runs.
fn every_position(settings: Settings, name: &str, kind: Lexical) -> Result<(), Failed> {
    let cases = Settings {
        cases: settings.cases.div_ceil(16).max(1),
        ..settings
    };
    let applicable = run_property(cases, &format!("every-position-{name}"), |case| {
        let mut ch = case.chooser();
        let generated = generate::generate(case.family, &mut ch);
        let all = mutate::every_position(&generated.doc, kind, &mut ch);
        for m in &all {
            let subjects = run_checks(&m.doc)?;
            judge(m, &subjects)?;
        }
        Ok(!all.is_empty())
    })?;
    println!(
        "every position: {name}: {applicable} of {} case(s) had a site",
        cases.cases
    );
    Ok(())
}

fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n… ({} more bytes)", &s[..end], s.len() - end)
}
