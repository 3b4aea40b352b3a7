//! Standards suites as trials: one libtest-mimic trial per W3C test, plus a differential oracle.
//!
//! - `rdf-canon::…`: the W3C RDFC-1.0 suite against the harness's own canonicalizer (`jsonld::rdfc`).
//! - `json-ld-toRdf::…`: the W3C JSON-LD 1.1 API toRdf suite through the vendored oxjsonld the harness expands with.
//! - `oracle::…`: random small datasets canonicalized by the harness and by the independent `rdf-canon` crate.
//! - `oxjsonld-patch::…`: the fix carried in `third_party/oxjsonld` (see `third_party/README.md`).
//!
//! The W3C suites are read from `CLR_SPEC_DIR` (default `../../shared/spec` from this crate), under
//! `w3c/rdf-canon/tests` and `w3c/json-ld-api/tests`; nothing is copied into the project and nothing is fetched.
//! When a suite's folder is missing the run says so and its single trial is ignored, or fails under `CI=true`.
//!
//! `cargo test -p clr-harness --test w3c_suites -- <filter>`; `CLR_GEN_SEED=<n>` replays the oracle.

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Completion, Failed, Trial};

mod w3c_suites {
    pub mod oracle;
    pub mod rdf_canon;
    pub mod to_rdf;
}

fn main() {
    let args = Arguments::from_args();
    let spec = spec_dir();
    let mut trials = Vec::new();
    trials.extend(w3c_suites::rdf_canon::trials(&spec));
    trials.extend(w3c_suites::to_rdf::trials(&spec));
    trials.extend(w3c_suites::oracle::trials());
    libtest_mimic::run(&args, trials).exit();
}

fn spec_dir() -> PathBuf {
    std::env::var_os("CLR_SPEC_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec"))
}

/// The folder of one suite, or the single trial that stands for it when it is missing: ignored with a note, or
/// failed under `CI=true`, where the suites must be there.
pub(crate) fn suite_dir(spec: &Path, sub: &str, prefix: &str) -> Result<PathBuf, Trial> {
    let dir = spec.join(sub);
    if dir.is_dir() {
        return Ok(dir);
    }
    let note = format!(
        "W3C suite not found at {} (set CLR_SPEC_DIR to the folder holding w3c/)",
        dir.display()
    );
    let name = format!("{prefix}::suite-present");
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        Err(Trial::test(name, move || {
            Err(format!("{note}; CI=true requires it").into())
        }))
    } else {
        eprintln!("note: skipped, {note}");
        Err(ignored(name, note))
    }
}

/// A trial reported as ignored with `reason` (shown by the runner).
pub(crate) fn ignored(name: impl Into<String>, reason: impl Into<String>) -> Trial {
    let reason = reason.into();
    Trial::ignorable_test(name, move || Ok(Completion::ignored_with(reason)))
}

pub(crate) fn read(path: &Path) -> Result<String, Failed> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()).into())
}

/// An N-Quads document as an oxrdf 0.3 dataset (the harness's RDF types).
pub(crate) fn parse_nquads(text: &str) -> Result<oxrdf::Dataset, String> {
    oxttl::NQuadsParser::new()
        .for_slice(text)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("N-Quads: {e}"))
}

/// RDFC-1.0 canonical N-Quads by the harness, under its default hash-call budget.
pub(crate) fn harness_canonical(dataset: &oxrdf::Dataset) -> Result<String, String> {
    let limit = clr_harness::jsonld::canon::Budget::default().max_hash_calls;
    clr_harness::jsonld::rdfc::canonical_nquads(dataset, limit).map_err(|e| format!("refused: {e:?}"))
}

/// A failure message with both sides, line by line.
pub(crate) fn mismatch(what: &str, expected: &str, actual: &str) -> Failed {
    format!("{what}\n--- expected\n{expected}--- actual\n{actual}").into()
}
