//! Shared helpers for the end-to-end tests: locating the repository, the vector manifests and the official spec
//! artefacts, and running the engine the way the CLI does.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use clr_harness::catalogue::Selection;
use clr_harness::engine::{self, Input, InputFailure, Options};
use clr_harness::fetch::FetchPolicy;
use clr_harness::verify::Net;
use clr_reports::{Outcome, Subject};
use serde::Deserialize;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The official 1EdTech artefacts (`CLR_SPEC_DIR`, else `../shared/spec` beside the repository), if present.
pub fn spec_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("CLR_SPEC_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/spec"));
    dir.join("ob-3.0").is_dir().then_some(dir)
}

/// One entry of a `manifest.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vector {
    pub file: String,
    pub expect: Expect,
    #[serde(default)]
    pub trips: Vec<String>,
    /// The recipient the verifier expects (`--recipient`), for recipient-verification vectors.
    #[serde(default)]
    pub recipient: Option<String>,
    /// In a verified directory, the vector is expected to stay unverified (a key behind a URL it may not fetch): a
    /// pass or warn there must otherwise be verified in full.
    #[serde(default)]
    pub unverified: bool,
    /// What the official 1EdTech JSON Schema says about this vector (checked when the artefacts are present).
    #[serde(default)]
    pub official_schema: SchemaVerdict,
    pub description: String,
    /// Filled in by [`load_manifests`]: the vector's path.
    #[serde(skip)]
    pub path: PathBuf,
    /// Filled in by [`load_manifests`]: the manifest's `verify_proofs` (run with proof verification).
    #[serde(skip)]
    pub verify_proofs: bool,
    /// Filled in by [`load_manifests`]: the manifest's `url_map`, directories resolved (what `--url-map` answers).
    #[serde(skip)]
    pub url_map: Vec<(String, PathBuf)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    Pass,
    Warn,
    Fail,
    /// A document of a standard this tool does not check yet: named, nothing judged, never a pass.
    Unsupported,
}

/// The official schema's verdict on a vector; most data-model rules cannot be expressed in a schema, so `pass` is
/// the default and `fail` marks the vectors whose rule the schema does express.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SchemaVerdict {
    #[default]
    Pass,
    Fail,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    /// Verify proofs on this directory's vectors (offline: the default fetch policy fetches nothing). The other
    /// directories are judged on the data model alone, so their placeholder proofs do not matter.
    #[serde(default)]
    verify_proofs: bool,
    /// `PREFIX=DIR` entries (DIR relative to the manifest) answering the URLs under PREFIX from files, as
    /// `--url-map` does: hosted documents verified offline.
    #[serde(default)]
    url_map: Vec<String>,
    vector: Vec<Vector>,
}

/// Every `manifest.toml` under `vectors/fixed`, with each vector's path resolved.
pub fn load_manifests() -> Result<Vec<Vector>, String> {
    let mut out = Vec::new();
    for manifest in files_under(&repo_root().join("vectors/fixed"), |p| {
        p.file_name().is_some_and(|n| n == "manifest.toml")
    }) {
        let text = std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
        let parsed: Manifest = toml::from_str(&text).map_err(|e| format!("{}: {e}", manifest.display()))?;
        let dir = manifest.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut url_map = Vec::new();
        for entry in &parsed.url_map {
            let (prefix, sub) = clr_harness::fetch::UrlMap::parse_entry(entry)
                .map_err(|e| format!("{}: url_map: {e}", manifest.display()))?;
            url_map.push((prefix, dir.join(sub)));
        }
        for mut v in parsed.vector {
            v.path = dir.join(&v.file);
            v.verify_proofs = parsed.verify_proofs;
            v.url_map = url_map.clone();
            out.push(v);
        }
    }
    Ok(out)
}

/// Files under `dir` (recursively, sorted) that satisfy `keep`.
pub fn files_under(dir: &Path, keep: impl Fn(&Path) -> bool + Copy) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if keep(&p) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Runs every check on a vector, with the vector's expected recipient, at [`VECTOR_EPOCH`].
pub fn check_vector(
    v: &Vector,
    schemas: Option<&clr_harness::schema::OfficialSchemas>,
) -> Result<Vec<Subject>, String> {
    let mut env = vector_env();
    if let Some(r) = &v.recipient {
        env.recipient = Some(r.parse().map_err(|e| format!("bad recipient in manifest: {e}"))?);
    }
    if !v.verify_proofs {
        return Ok(check_file(&v.path, schemas, Selection::default(), env));
    }
    // The default policy refuses every fetch: proof vectors must verify offline (keys in the verification method,
    // did:key, or the JWT header's jwk), and a key behind a URL is a Skip, never a pass.
    let mut policy = FetchPolicy::default();
    for (prefix, dir) in &v.url_map {
        policy.url_map.add(prefix.clone(), dir.clone());
    }
    let net = Net::new(policy).map_err(|e| format!("cannot start the fetcher: {e}"))?;
    Ok(check_file_with(&v.path, schemas, Selection::default(), env, Some(&net)))
}

/// Runs the selected checks (schema cross-check when `schemas` is given) on one file, as `clr-harness validate` does.
pub fn check_file(
    path: &Path,
    schemas: Option<&clr_harness::schema::OfficialSchemas>,
    selection: Selection,
    env: clr_harness::verify::Env,
) -> Vec<Subject> {
    check_file_with(path, schemas, selection, env, None)
}

/// [`check_file`] with proof verification under `net` when it is given.
pub fn check_file_with(
    path: &Path,
    schemas: Option<&clr_harness::schema::OfficialSchemas>,
    selection: Selection,
    env: clr_harness::verify::Env,
    net: Option<&Net>,
) -> Vec<Subject> {
    let bytes = std::fs::read(path).map_err(|e| InputFailure::Unreadable(e.to_string()));
    let input = Input {
        source: path.display().to_string(),
        bytes,
    };
    let opts = Options {
        selection,
        schemas,
        env,
        net,
        ..Options::default()
    };
    engine::check_inputs(&[input], &opts)
}

/// Vectors are judged as of this instant, so that validity windows do not drift with the calendar.
pub const VECTOR_EPOCH: &str = "2025-12-01T00:00:00Z";

/// The verification environment of vector runs: [`VECTOR_EPOCH`], no expected recipient.
pub fn vector_env() -> clr_harness::verify::Env {
    clr_harness::verify::Env::at(VECTOR_EPOCH).unwrap_or_default()
}

/// Checks that tripped (fail, warn or info) on any subject, with the worst outcome seen for each.
pub fn tripped(subjects: &[Subject]) -> BTreeSet<String> {
    subjects
        .iter()
        .flat_map(|s| s.results.iter())
        .filter(|r| {
            matches!(
                r.outcome,
                Outcome::Fail | Outcome::Warn | Outcome::Info | Outcome::Error
            )
        })
        .map(|r| r.check.clone())
        .collect()
}

/// The worst outcome over all subjects.
pub fn worst(subjects: &[Subject]) -> Outcome {
    subjects
        .iter()
        .map(|s| s.outcome)
        .max_by_key(|o| o.rank())
        .unwrap_or(Outcome::Pass)
}

/// A readable list of every non-passing finding, for assertion messages.
pub fn explain(subjects: &[Subject]) -> String {
    let mut out = String::new();
    for s in subjects {
        for r in s
            .results
            .iter()
            .filter(|r| !matches!(r.outcome, Outcome::Pass | Outcome::NotApplicable | Outcome::Skip))
        {
            for f in &r.findings {
                out.push_str(&format!(
                    "  [{}] {} {} at {}: {}\n",
                    s.id,
                    r.outcome.as_str(),
                    r.check,
                    f.location.pointer.as_deref().unwrap_or("-"),
                    f.message
                ));
            }
        }
    }
    out
}
