//! The W3C JSON-LD 1.1 API toRdf suite (`w3c/json-ld-api/tests/toRdf-manifest.jsonld`) through the JSON-LD → RDF
//! path the harness signs and verifies with: the vendored, patched oxjsonld with the harness's parser settings
//! (`JsonLdParser::new()`, strict, JSON-LD 1.1, no profile), whose quads then go to `jsonld::rdfc`.
//!
//! - Positive evaluation tests: the dataset must be isomorphic to the expected N-Quads. Both are canonicalized by
//!   the harness's RDFC-1.0 and compared; every canonical form is a relabelling of its input, so equal forms prove
//!   isomorphism whatever the canonicalizer's own correctness (the rdf-canon trials test that).
//! - Positive syntax tests: no error. Negative tests (`expectErrorCode`): the document must be refused, and the
//!   first error oxjsonld reports must carry the expected JSON-LD error code.
//! - Remote documents and contexts are served from the suite's own files (the manifest's `baseIri` prefix mapped to
//!   the folder); any other URL is a load failure. Nothing is fetched.
//! - Ignored, each with its reason: JSON-LD 1.0-only tests and `processingMode: json-ld-1.0` (the harness processes
//!   1.1 only), and the options the harness never sets: `rdfDirection`, `expandContext`, `produceGeneralizedRdf`.
//! - [`KNOWN_FAILURES`] are checked both ways: such a test must still fail, so the list stays true.
//!
//! The `expand` suite is not run: oxjsonld streams RDF quads straight from its expansion events and exposes no
//! expanded JSON-LD document to compare with the `-out.jsonld` files, and the harness never uses one either.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use libtest_mimic::{Failed, Trial};
use oxjsonld::{JsonLdParser, JsonLdRemoteDocument};
use oxrdf::Dataset;
use serde_json::Value;

use crate::{harness_canonical, ignored, mismatch, parse_nquads, read, suite_dir};

const PREFIX: &str = "json-ld-toRdf";

/// Tests oxjsonld 0.2.7 (with the harness's patch) fails, with the reason. None is in what the harness's embedded
/// contexts use (no `@base`, no `@type` maps), and the harness passes no base IRI; a credential whose own inline
/// context relies on them would canonicalize differently here than in other verifiers.
const KNOWN_FAILURES: &[(&str, &str)] = &[
    (
        "#t0122",
        "oxiri keeps the dot segments of the base IRI's own path (`@base` `http://a/bb/ccc/./d;p?q` resolves `g` \
         to `http://a/bb/ccc/./g`); RFC 3986 §5.2 removes them from every merged path",
    ),
    (
        "#t0123",
        "as t0122 with `..` in the base path (`http://a/bb/ccc/../d;p?q`)",
    ),
    (
        "#te062",
        "oxiri leaves dot segments in a reference that has its own authority (`//example.org/../scheme-relative` \
         stays as is; RFC 3986 §5.2.2 removes them)",
    ),
    (
        "#te091",
        "an absolute `@base` with a dot segment (`http://foo.bar/./baz/`) is kept unnormalized, so the relative \
         IRIs resolved against it keep `/./`",
    ),
    (
        "#tc013",
        "a value under an `@type` map is expanded with its index's type-scoped context (`Inner` redefines `foo`); \
         oxjsonld keeps the property's context. Pristine 0.2.7 fails it too: not the harness's patch",
    ),
    (
        "#tli12",
        "oxjsonld refuses an invalid `@base` (`http://invalid/<>/`) with an error, where the test expects the \
         relative IRI that cannot be resolved to be dropped from the list",
    ),
];

pub fn trials(spec: &Path) -> Vec<Trial> {
    let mut trials = vec![Trial::test(
        "oxjsonld-patch::multiple-type-scoped-contexts",
        multiple_type_scoped_contexts,
    )];
    let dir = match suite_dir(spec, "w3c/json-ld-api/tests", PREFIX) {
        Ok(dir) => dir,
        Err(trial) => {
            trials.push(trial);
            return trials;
        }
    };
    let manifest_path = dir.join("toRdf-manifest.jsonld");
    let manifest: Value =
        match read(&manifest_path).and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string().into())) {
            Ok(m) => m,
            Err(e) => {
                let message = format!("{}: {}", manifest_path.display(), e.message().unwrap_or_default());
                trials.push(Trial::test(format!("{PREFIX}::manifest"), move || Err(message.into())));
                return trials;
            }
        };
    let base = manifest
        .get("baseIri")
        .and_then(Value::as_str)
        .unwrap_or("https://w3c.github.io/json-ld-api/tests/")
        .to_owned();
    let suite = Arc::new(Suite { dir, base });
    for entry in manifest.get("sequence").and_then(Value::as_array).into_iter().flatten() {
        trials.push(trial(&suite, entry));
    }
    trials
}

struct Suite {
    dir: PathBuf,
    /// The URL the suite's folder stands for.
    base: String,
}

impl Suite {
    fn path_of(&self, url: &str) -> Option<PathBuf> {
        let rest = url.strip_prefix(&self.base)?;
        let rest = rest.split(['#', '?']).next().unwrap_or_default();
        (!rest.split('/').any(|s| s == "..")).then(|| self.dir.join(rest))
    }
}

enum Expect {
    Dataset(PathBuf),
    NoError,
    Error(String),
}

fn trial(suite: &Arc<Suite>, entry: &Value) -> Trial {
    let field = |k: &str| entry.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    let option = |k: &str| entry.get("option").and_then(|o| o.get(k));
    let id = field("@id");
    let name = format!("{PREFIX}::{}", id.trim_start_matches('#'));
    let types: Vec<&str> = entry
        .get("@type")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();

    if option("specVersion").and_then(Value::as_str) == Some("json-ld-1.0") {
        return ignored(name, "a JSON-LD 1.0-only test; the harness processes JSON-LD 1.1");
    }
    if option("processingMode").and_then(Value::as_str) == Some("json-ld-1.0") {
        return ignored(name, "processingMode json-ld-1.0; the harness processes JSON-LD 1.1");
    }
    for (key, what) in [
        ("rdfDirection", "the rdfDirection option"),
        ("expandContext", "the expandContext option"),
        ("produceGeneralizedRdf", "generalized RDF (blank-node predicates)"),
    ] {
        if option(key).is_some() {
            return ignored(name, format!("{what}: never set by the harness"));
        }
    }

    let expect = if types.contains(&"jld:NegativeEvaluationTest") {
        Expect::Error(field("expectErrorCode"))
    } else if types.contains(&"jld:PositiveSyntaxTest") {
        Expect::NoError
    } else if types.contains(&"jld:PositiveEvaluationTest") {
        Expect::Dataset(suite.dir.join(field("expect")))
    } else {
        let message = format!("unknown test type {types:?}");
        return Trial::test(name, move || Err(message.into()));
    };
    let input = field("input");
    let document_url = format!("{}{input}", suite.base);
    let base = option("base")
        .and_then(Value::as_str)
        .unwrap_or(&document_url)
        .to_owned();
    let known = KNOWN_FAILURES.iter().find(|(k, _)| *k == id).map(|(_, why)| *why);
    let suite = Arc::clone(suite);
    Trial::test(name, move || {
        let outcome = run(&suite, &suite.dir.join(&input), &base, &expect);
        match (outcome, known) {
            (outcome, None) => outcome,
            (Err(_), Some(_)) => Ok(()),
            (Ok(()), Some(why)) => {
                Err(format!("listed in KNOWN_FAILURES ({why}) but now passes: remove it from the list").into())
            }
        }
    })
}

/// The quads oxjsonld yields for `input`, and the errors it reported.
fn to_rdf(suite: &Arc<Suite>, input: &Path, base: &str) -> Result<(Dataset, Vec<String>), Failed> {
    let json = std::fs::read(input).map_err(|e| format!("{}: {e}", input.display()))?;
    let loader = Arc::clone(suite);
    let parser = JsonLdParser::new()
        .with_base_iri(base)
        .map_err(|e| format!("base IRI {base}: {e}"))?
        .for_slice(&json)
        .with_load_document_callback(move |url, _options| {
            let path = loader
                .path_of(url)
                .ok_or_else(|| format!("{url} is not a document of the suite (nothing is fetched)"))?;
            let document = std::fs::read(&path).map_err(|e| format!("{url}: {e}"))?;
            Ok(JsonLdRemoteDocument {
                document,
                document_url: url.into(),
            })
        });
    let mut dataset = Dataset::new();
    let mut errors = Vec::new();
    for item in parser {
        match item {
            Ok(quad) => {
                dataset.insert(&quad);
            }
            Err(e) => errors.push(match e.code() {
                Some(code) => format!("{code}: {e}"),
                None => e.to_string(),
            }),
        }
    }
    Ok((dataset, errors))
}

fn run(suite: &Arc<Suite>, input: &Path, base: &str, expect: &Expect) -> Result<(), Failed> {
    let (dataset, errors) = to_rdf(suite, input, base)?;
    match expect {
        Expect::Error(code) if errors.is_empty() => Err(format!("expected the error `{code}`, got none").into()),
        // The first error must carry the code (oxjsonld reports every one the suite expects, first).
        Expect::Error(code) if errors[0].starts_with(&format!("{code}:")) => Ok(()),
        Expect::Error(code) => Err(format!("expected the error `{code}`, got {errors:#?}").into()),
        _ if !errors.is_empty() => Err(format!("unexpected errors: {errors:#?}").into()),
        Expect::NoError => Ok(()),
        Expect::Dataset(path) => {
            let expected = parse_nquads(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))?;
            let expected = harness_canonical(&expected)?;
            let actual = harness_canonical(&dataset)?;
            if actual == expected {
                Ok(())
            } else {
                Err(mismatch(
                    "datasets are not isomorphic (canonical forms shown)",
                    &expected,
                    &actual,
                ))
            }
        }
    }
}

/// The vendored fix (third_party/README.md): JSON-LD 1.1 expansion step 11.2 processes the scoped context of every
/// type of a node in lexicographic order, each on top of the previous result. Pristine oxjsonld 0.2.7 processed each
/// on the context the types were expanded with, so only the last type's terms survived (`a` below was dropped) and
/// a term defined by both came from the last one by accident rather than by order. The types are listed out of
/// order so that the sort is exercised; `shared` must come from `B`, processed last.
fn multiple_type_scoped_contexts() -> Result<(), Failed> {
    let doc = r#"{
        "@context": {
            "A": {"@id": "http://example.org/vocab#A",
                  "@context": {"a": "http://example.org/vocab#a", "shared": "http://example.org/vocab#sharedA"}},
            "B": {"@id": "http://example.org/vocab#B",
                  "@context": {"b": "http://example.org/vocab#b", "shared": "http://example.org/vocab#sharedB"}}
        },
        "@id": "http://example.org/node",
        "@type": ["B", "A"],
        "a": "from A",
        "b": "from B",
        "shared": "from both"
    }"#;
    let expected = "<http://example.org/node> <http://example.org/vocab#a> \"from A\" .\n\
        <http://example.org/node> <http://example.org/vocab#b> \"from B\" .\n\
        <http://example.org/node> <http://example.org/vocab#sharedB> \"from both\" .\n\
        <http://example.org/node> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://example.org/vocab#A> .\n\
        <http://example.org/node> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://example.org/vocab#B> .\n";
    let mut dataset = Dataset::new();
    for quad in JsonLdParser::new().for_slice(doc) {
        dataset.insert(&quad.map_err(|e| format!("expansion failed: {e}"))?);
    }
    let actual = harness_canonical(&dataset)?;
    if actual == expected {
        Ok(())
    } else {
        Err(mismatch(
            "the type-scoped contexts did not accumulate",
            expected,
            &actual,
        ))
    }
}
