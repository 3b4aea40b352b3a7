//! The W3C RDFC-1.0 test suite (`w3c/rdf-canon/tests/manifest.jsonld`) against `clr_harness::jsonld::rdfc`.
//!
//! - `RDFC10EvalTest`: the canonical N-Quads must equal the expected file byte for byte, within the harness's
//!   default hash-call budget (every positive test fits in it).
//! - `RDFC10MapTest`: the harness exposes canonical N-Quads, not the issued-identifier map, so the map is checked
//!   by relabelling: the input with each blank node renamed as the expected map says must be exactly the harness's
//!   output. (Where the dataset has automorphisms several maps give that output; any of them is a right answer.)
//! - `RDFC10NegativeEvalTest` (poison graphs): the harness's budget must refuse it.
//! - SHA-384 tests (`hashAlgorithm`): ignored, the harness's RDFC-1.0 is SHA-256 only (all Data Integrity
//!   cryptosuites it verifies use SHA-256).

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use clr_harness::jsonld::canon::Budget;
use clr_harness::jsonld::rdfc::{self, TooComplex};
use libtest_mimic::{Failed, Trial};
use oxrdf::{BlankNode, Dataset, GraphName, NamedOrBlankNode, Quad, Term};
use serde_json::Value;

use crate::{harness_canonical, ignored, mismatch, parse_nquads, read, suite_dir};

const PREFIX: &str = "rdf-canon";

pub fn trials(spec: &Path) -> Vec<Trial> {
    let dir = match suite_dir(spec, "w3c/rdf-canon/tests", PREFIX) {
        Ok(dir) => dir,
        Err(trial) => return vec![trial],
    };
    let manifest = dir.join("manifest.jsonld");
    let entries = match read(&manifest)
        .map_err(|e| e.message().unwrap_or_default().to_owned())
        .and_then(|text| serde_json::from_str::<Value>(&text).map_err(|e| e.to_string()))
    {
        Ok(Value::Object(mut m)) => match m.remove("entries") {
            Some(Value::Array(entries)) => entries,
            _ => return vec![broken(&manifest, "no entries")],
        },
        Ok(_) => return vec![broken(&manifest, "not an object")],
        Err(e) => return vec![broken(&manifest, &e)],
    };
    entries.into_iter().map(|entry| trial(&dir, &entry)).collect()
}

fn broken(manifest: &Path, why: &str) -> Trial {
    let message = format!("{}: {why}", manifest.display());
    Trial::test(format!("{PREFIX}::manifest"), move || Err(message.into()))
}

fn trial(dir: &Path, entry: &Value) -> Trial {
    let field = |k: &str| entry.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    let id = field("id");
    let name = format!("{PREFIX}::{}", id.trim_start_matches('#'));
    let kind = field("type");
    let action = dir.join(field("action"));
    let result = dir.join(field("result"));
    if let Some(algorithm) = entry.get("hashAlgorithm").and_then(Value::as_str)
        && algorithm != "SHA256"
    {
        return ignored(name, format!("{algorithm}: the harness's RDFC-1.0 is SHA-256 only"));
    }
    match kind.as_str() {
        "rdfc:RDFC10EvalTest" => Trial::test(name, move || eval(&action, &result)),
        "rdfc:RDFC10MapTest" => Trial::test(name, move || map(&action, &result)),
        "rdfc:RDFC10NegativeEvalTest" => Trial::test(name, move || negative(&action)),
        other => {
            let other = other.to_owned();
            Trial::test(name, move || Err(format!("unknown test type {other}").into()))
        }
    }
}

fn input(action: &Path) -> Result<Dataset, Failed> {
    parse_nquads(&read(action)?).map_err(|e| format!("{}: {e}", action.display()).into())
}

fn eval(action: &Path, result: &Path) -> Result<(), Failed> {
    let expected = read(result)?;
    let actual = harness_canonical(&input(action)?)?;
    if actual == expected {
        Ok(())
    } else {
        Err(mismatch("canonical N-Quads differ", &expected, &actual))
    }
}

fn map(action: &Path, result: &Path) -> Result<(), Failed> {
    let expected: HashMap<String, String> =
        serde_json::from_str(&read(result)?).map_err(|e| format!("{}: {e}", result.display()))?;
    let dataset = input(action)?;
    let relabel = |b: &BlankNode| -> Result<BlankNode, Failed> {
        let to = expected
            .get(b.as_str())
            .ok_or_else(|| format!("blank node _:{} missing from the expected map", b.as_str()))?;
        Ok(BlankNode::new_unchecked(to.as_str()))
    };
    let mut lines = Vec::new();
    for q in &dataset {
        let q = Quad::from(q);
        let subject = match q.subject {
            NamedOrBlankNode::BlankNode(b) => relabel(&b)?.into(),
            other => other,
        };
        let object = match q.object {
            Term::BlankNode(b) => relabel(&b)?.into(),
            other => other,
        };
        let graph_name = match q.graph_name {
            GraphName::BlankNode(b) => relabel(&b)?.into(),
            other => other,
        };
        lines.push(format!("{} .\n", Quad::new(subject, q.predicate, object, graph_name)));
    }
    lines.sort_unstable();
    lines.dedup();
    let relabelled = lines.concat();
    let actual = harness_canonical(&dataset)?;
    if actual == relabelled {
        Ok(())
    } else {
        Err(mismatch(
            "the input relabelled by the expected issued-identifier map is not the harness's canonical form",
            &relabelled,
            &actual,
        ))
    }
}

/// A poison graph must be refused by the budget the harness verifies credentials under (hash calls and deadline).
fn negative(action: &Path) -> Result<(), Failed> {
    let dataset = input(action)?;
    let budget = Budget::default();
    let start = Instant::now();
    let outcome = rdfc::canonical_nquads_until(&dataset, budget.max_hash_calls, Some(start + budget.deadline));
    let took = start.elapsed();
    match outcome {
        Err(TooComplex::HashCalls | TooComplex::Deadline) if took < budget.deadline + Duration::from_secs(1) => Ok(()),
        Err(e) => Err(format!("refused ({e:?}) but only after {took:?}").into()),
        Ok(out) => Err(format!("a poison graph was canonicalized instead of refused:\n{out}").into()),
    }
}
