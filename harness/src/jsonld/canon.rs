//! JSON-LD → RDF dataset → RDFC-1.0 canonical N-Quads, the input of every Data Integrity hash.
//!
//! Expansion uses oxjsonld with a document loader that only answers the embedded contexts ([`super::contexts`]),
//! canonicalization uses the project's RDFC-1.0 ([`super::rdfc`]: oxrdf's differs from the reference implementation
//! on named graphs, see there). RDFC-1.0 is exponential in the worst case ("poison
//! graphs"), and credentials are hostile input, so the dataset is capped (quads, blank nodes) while it is being
//! built and the exponential part checks a deadline at every step: the work stops where it is, on the caller's
//! thread, and nothing is left running in the background.

use std::collections::HashSet;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use oxjsonld::{JsonLdParser, JsonLdRemoteDocument};
use oxrdf::{Dataset, GraphName, NamedOrBlankNode, Term};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{contexts, rdfc};

/// Limits on one canonicalization. The defaults are far above any real credential (the CLR 2.0 test vector, with
/// an embedded OB credential, has about 60 quads and 10 blank nodes) and far below what makes RDFC-1.0 slow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub max_quads: usize,
    pub max_blank_nodes: usize,
    /// Calls of RDFC-1.0's Hash N-Degree Quads, the exponential part (only blank nodes that look alike need it).
    pub max_hash_calls: usize,
    /// Wall-clock limit for expansion plus canonicalization.
    pub deadline: Duration,
    /// An absolute deadline shared by several canonicalizations (all the proofs of one document): the earlier of it
    /// and `deadline` from the start applies.
    pub until: Option<Instant>,
}

impl Budget {
    /// This budget, with every canonicalization from now on ending by `deadline` from now at the latest.
    pub fn shared_from_now(&self) -> Budget {
        Budget {
            until: Some(self.end_from(Instant::now())),
            ..*self
        }
    }

    fn end_from(&self, start: Instant) -> Instant {
        let own = start + self.deadline;
        self.until.map_or(own, |until| until.min(own))
    }
}

/// How many canonicalizations this process has started: the measure the budget tests assert on (a document's
/// proofs share one canonical form of the document), not the clock.
pub fn canonicalizations() -> u64 {
    CANONICALIZATIONS.load(Ordering::Relaxed)
}

static CANONICALIZATIONS: AtomicU64 = AtomicU64::new(0);

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_quads: 10_000,
            max_blank_nodes: 1_000,
            max_hash_calls: 100_000,
            deadline: Duration::from_secs(5),
            until: None,
        }
    }
}

/// Which budget limit was exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetLimit {
    Quads { limit: usize },
    BlankNodes { limit: usize },
    HashCalls { limit: usize },
    Deadline { limit: Duration },
}

impl fmt::Display for BudgetLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BudgetLimit::Quads { limit } => write!(f, "more than {limit} RDF quads"),
            BudgetLimit::BlankNodes { limit } => write!(f, "more than {limit} blank nodes"),
            BudgetLimit::HashCalls { limit } => write!(f, "more than {limit} RDFC-1.0 N-degree hash steps"),
            BudgetLimit::Deadline { limit } => write!(f, "not finished within {} ms", limit.as_millis()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonError {
    #[error("JSON-LD context {url} is not one the harness carries (contexts are never fetched)")]
    UnknownContext { url: String },
    #[error("JSON-LD expansion failed: {message}")]
    Expansion { message: String },
    #[error("input exceeds the canonicalization budget: {limit}")]
    Budget { limit: BudgetLimit },
    #[error("canonicalization worker failed: {message}")]
    Worker { message: String },
}

/// Canonical N-Quads of a JSON-LD document (one `quad .` per line, sorted, blank nodes labelled by RDFC-1.0).
pub fn canonical_nquads(doc: &Value, budget: &Budget) -> Result<String, CanonError> {
    CANONICALIZATIONS.fetch_add(1, Ordering::Relaxed);
    let bytes = serde_json::to_vec(doc).map_err(|e| CanonError::Expansion { message: e.to_string() })?;
    let end = budget.end_from(Instant::now());
    canonicalize_bytes(&bytes, budget, end)
}

/// The context processing every canonicalization of the process shares: the loader answers embedded contexts only,
/// always the same, so a context (and its type- and property-scoped ones) is processed once per process instead of
/// once per document (oxjsonld's `ContextMemo`, a clr-harness patch; bounded in entries and entry size).
pub fn context_memo() -> &'static Arc<oxjsonld::ContextMemo> {
    static MEMO: std::sync::OnceLock<Arc<oxjsonld::ContextMemo>> = std::sync::OnceLock::new();
    MEMO.get_or_init(|| Arc::new(oxjsonld::ContextMemo::new()))
}

/// SHA-256 of the canonical N-Quads, as the Data Integrity hashes use it.
pub fn sha256(nquads: &str) -> [u8; 32] {
    Sha256::digest(nquads.as_bytes()).into()
}

fn canonicalize_bytes(json: &[u8], budget: &Budget, end: Instant) -> Result<String, CanonError> {
    canonicalize_bytes_with(json, budget, end, Some(context_memo()))
}

/// [`canonicalize_bytes`] with the process's shared context processing, or without (a fresh processing of every
/// context, as oxjsonld does on its own: the tests' reference).
fn canonicalize_bytes_with(
    json: &[u8],
    budget: &Budget,
    end: Instant,
    memo: Option<&Arc<oxjsonld::ContextMemo>>,
) -> Result<String, CanonError> {
    let late = || CanonError::Budget {
        limit: BudgetLimit::Deadline { limit: budget.deadline },
    };
    let unknown: Arc<Mutex<Option<String>>> = Arc::default();
    let seen = Arc::clone(&unknown);
    let mut parser = JsonLdParser::new().with_data_loss_detection();
    if let Some(memo) = memo {
        parser = parser.with_context_memo(Arc::clone(memo));
    }
    let parser = parser
        .for_slice(json)
        .with_load_document_callback(move |url, _options| match contexts::lookup(url) {
            Some(text) => Ok(JsonLdRemoteDocument {
                document: text.as_bytes().to_vec(),
                document_url: url.into(),
            }),
            None => {
                let mut first = seen.lock().unwrap_or_else(PoisonError::into_inner);
                first.get_or_insert_with(|| url.to_owned());
                Err(format!("context {url} is not embedded in the harness").into())
            }
        });

    let mut dataset = Dataset::new();
    let mut blank_nodes = HashSet::new();
    let mut first_error = None;
    for item in parser {
        let quad = match item {
            Ok(quad) => quad,
            Err(e) => {
                // Keep going so that an unknown context found later still wins over its follow-on errors.
                first_error.get_or_insert_with(|| e.to_string());
                continue;
            }
        };
        if let NamedOrBlankNode::BlankNode(b) = &quad.subject {
            blank_nodes.insert(b.as_str().to_owned());
        }
        if let Term::BlankNode(b) = &quad.object {
            blank_nodes.insert(b.as_str().to_owned());
        }
        if let GraphName::BlankNode(b) = &quad.graph_name {
            blank_nodes.insert(b.as_str().to_owned());
        }
        if blank_nodes.len() > budget.max_blank_nodes {
            return Err(CanonError::Budget {
                limit: BudgetLimit::BlankNodes {
                    limit: budget.max_blank_nodes,
                },
            });
        }
        dataset.insert(&quad);
        if dataset.len().is_multiple_of(256) && Instant::now() >= end {
            return Err(late());
        }
        if dataset.len() > budget.max_quads {
            return Err(CanonError::Budget {
                limit: BudgetLimit::Quads {
                    limit: budget.max_quads,
                },
            });
        }
    }
    if let Some(url) = unknown.lock().unwrap_or_else(PoisonError::into_inner).take() {
        return Err(CanonError::UnknownContext { url });
    }
    if let Some(message) = first_error {
        return Err(CanonError::Expansion { message });
    }
    if Instant::now() >= end {
        return Err(late());
    }
    rdfc::canonical_nquads_until(&dataset, budget.max_hash_calls, Some(end)).map_err(|e| match e {
        rdfc::TooComplex::HashCalls => CanonError::Budget {
            limit: BudgetLimit::HashCalls {
                limit: budget.max_hash_calls,
            },
        },
        rdfc::TooComplex::Deadline => late(),
    })
}

/// RDFC-1.0 canonical N-Quads of an RDF dataset already built (by any JSON-LD processor). Only the hash-call limit
/// of `budget` applies here; the caller owns the thread and the deadline.
pub fn canonical_nquads_of_dataset(dataset: &Dataset, budget: &Budget) -> Result<String, CanonError> {
    rdfc::canonical_nquads(dataset, budget.max_hash_calls).map_err(|_| CanonError::Budget {
        limit: BudgetLimit::HashCalls {
            limit: budget.max_hash_calls,
        },
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn canon(doc: &Value) -> Result<String, CanonError> {
        canonical_nquads(doc, &Budget::default())
    }

    /// The shared context processing changes nothing but the work: every vector and sample canonicalizes to the
    /// same N-Quads with and without it, fresh memo or warm, and the warm memo answers instead of processing.
    #[test]
    fn shared_context_processing_gives_the_same_quads() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors");
        let mut files = Vec::new();
        for dir in [
            "samples",
            "fixed/ob30/ok",
            "fixed/clr20/ok",
            "fixed/ob30/dm",
            "fixed/clr20/dm",
        ] {
            let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
                continue;
            };
            for e in entries.flatten() {
                if e.path().extension().is_some_and(|x| x == "json") {
                    files.push(e.path());
                }
            }
        }
        files.sort();
        assert!(files.len() > 20, "the vectors are there");
        let budget = Budget::default();
        let memo = Arc::new(oxjsonld::ContextMemo::new());
        let mut compared = 0;
        let mut serialized_cold = 0;
        for round in 0..2 {
            if round == 1 {
                serialized_cold = memo.scoped_serializations();
            }
            for f in &files {
                let bytes = std::fs::read(f).expect("vector");
                let end = budget.end_from(Instant::now());
                let fresh = canonicalize_bytes_with(&bytes, &budget, end, None);
                let shared = canonicalize_bytes_with(&bytes, &budget, end, Some(&memo));
                match (fresh, shared) {
                    (Ok(a), Ok(b)) => {
                        assert_eq!(a, b, "{} (round {round})", f.display());
                        compared += 1;
                    }
                    (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{}", f.display()),
                    (a, b) => panic!("{}: {a:?} against {b:?}", f.display()),
                }
            }
        }
        assert!(compared > 20);
        let (hits, misses) = memo.stats();
        assert!(hits > misses, "the warm memo answers: {hits} hits, {misses} misses");
        // A term's scoped context is serialized once, not at every node and document it applies to.
        assert!(serialized_cold > 0, "the vectors use type-scoped contexts");
        assert_eq!(
            memo.scoped_serializations(),
            serialized_cold,
            "the warm round serialized no scoped context"
        );
    }

    #[test]
    fn blank_nodes_are_relabelled_and_lines_sorted() {
        let doc = json!({
            "@context": {"name": "https://schema.org/name", "knows": {"@id": "https://schema.org/knows"}},
            "name": "b", "knows": {"name": "a"}
        });
        let out = canon(&doc).expect("canonical");
        let lines: Vec<_> = out.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines.windows(2).all(|w| w[0] <= w[1]));
        assert!(out.contains("_:c14n0") && out.contains("_:c14n1"), "{out}");
        assert!(out.ends_with(" .\n"));
    }

    #[test]
    fn the_local_contexts_of_several_types_accumulate() {
        // ClrCredential's context defines `partial`; VerifiableCredential's follows it in lexicographic order and
        // must not undo it (oxjsonld 0.2.7 did, see third_party/README.md).
        let doc = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"],
            "id": "urn:example:clr",
            "type": ["VerifiableCredential", "ClrCredential"],
            "partial": true
        });
        let nq = canon(&doc).expect("canonicalizes");
        assert!(
            nq.contains("<urn:example:clr> <https://purl.imsglobal.org/spec/vc/clr/vocab.html#partial> \"true\"^^<xsd:boolean> ."),
            "{nq}"
        );
    }

    /// JSON-LD 1.1 §8.6: a double's canonical form is the binary double written with 16 significant digits
    /// (`%1.15E`), as jsonld.js writes it; oxjsonld 0.2.7 rewrote the JSON digits and so signed other literals
    /// (found by tests/differential.rs).
    #[test]
    fn doubles_have_at_most_sixteen_significant_digits() {
        let doc = json!({"@context": {"lon": "https://schema.org/longitude", "lat": "https://schema.org/latitude"},
            "@id": "urn:example:place", "lon": -38.616000000000014, "lat": 80.219, "alt": 12.5});
        let doc = {
            let mut d = doc;
            d["@context"]["alt"] = json!("https://schema.org/elevation");
            d
        };
        let nq = canon(&doc).expect("canonicalizes");
        assert!(nq.contains("\"-3.861600000000001E1\"^^"), "{nq}");
        assert!(nq.contains("\"8.021899999999999E1\"^^"), "{nq}");
        assert!(nq.contains("\"1.25E1\"^^"), "{nq}");
        // What (n).toExponential(15) gives in JavaScript: ties round away from zero, −0 has no sign, and an integer
        // below 10^21 stays an xsd:integer.
        for (number, literal) in [
            ("1000000000000000.5", "\"1.000000000000001E15\"^^"),
            ("-0.0", "\"0\"^^<http://www.w3.org/2001/XMLSchema#integer>"),
            ("0.1", "\"1.0E-1\"^^"),
            ("1e-7", "\"1.0E-7\"^^"),
            (
                "100000000000000000000",
                "\"100000000000000000000\"^^<http://www.w3.org/2001/XMLSchema#integer>",
            ),
            ("1e21", "\"1.0E21\"^^"),
        ] {
            let text = format!(r#"{{"@context": {{"v": "https://schema.org/value"}}, "@id": "urn:x", "v": {number}}}"#);
            let doc: Value = serde_json::from_str(&text).expect("json");
            let nq = canon(&doc).expect("canonicalizes");
            assert!(nq.contains(literal), "{number}: {nq}");
        }
        let typed = json!({"@context": {"v": {"@id": "https://schema.org/value",
            "@type": "http://www.w3.org/2001/XMLSchema#double"}}, "@id": "urn:x", "v": -0.0});
        assert!(
            canon(&typed).is_ok_and(|nq| nq.contains("\"0.0E0\"^^")),
            "−0 as an xsd:double"
        );
    }

    /// VC Data Integrity 1.0: a term JSON-LD would drop (undefined, or a relative IRI) is an error, never left out
    /// of what a signature covers.
    #[test]
    fn data_loss_is_an_error() {
        let base = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "id": "urn:example:c",
            "type": ["VerifiableCredential"], "favouriteColour": "teal"});
        match canon(&base) {
            Err(CanonError::Expansion { message }) => assert!(message.contains("favouriteColour"), "{message}"),
            other => panic!("expected a data-loss error, got {other:?}"),
        }
        let language_map = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "id": "urn:example:c",
            "type": ["VerifiableCredential"], "name": {"en": "Name"}});
        assert!(
            canon(&language_map).is_err(),
            "a language map under an undefined container loses data"
        );
        // An absolute IRI that is not strictly valid is kept (as jsonld.js keeps it), not reported as lost.
        let odd_iri = json!({"@context": {"u": {"@id": "https://schema.org/url", "@type": "@id"}},
            "@id": "urn:example:c", "u": "https://cdn.example/x?a|b"});
        assert!(canon(&odd_iri).is_ok_and(|nq| nq.contains("x?a|b")));
    }

    #[test]
    fn unknown_context_is_named_and_never_fetched() {
        let doc = json!({"@context": ["https://www.w3.org/ns/credentials/v2", "https://example.org/ctx.json"],
            "type": "VerifiableCredential"});
        assert_eq!(
            canon(&doc),
            Err(CanonError::UnknownContext {
                url: "https://example.org/ctx.json".into()
            })
        );
    }

    #[test]
    fn expansion_errors_carry_the_processor_message() {
        // Redefining a protected term is a JSON-LD error, not something to canonicalize around.
        let doc = json!({"@context": ["https://www.w3.org/ns/credentials/v2", {"type": "https://example.org/t"}],
            "type": "VerifiableCredential"});
        match canon(&doc) {
            Err(CanonError::Expansion { message }) => assert!(!message.is_empty()),
            other => panic!("expected an expansion error, got {other:?}"),
        }
    }

    #[test]
    fn many_blank_nodes_exceed_the_budget() {
        let items: Vec<Value> = (0..5_000)
            .map(|i| json!({"type": "Evidence", "name": format!("e{i}")}))
            .collect();
        let doc = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "evidence": items
        });
        // A generous deadline: the blank-node cap, not the clock, must stop this one even on a loaded machine.
        let budget = Budget {
            deadline: Duration::from_secs(120),
            ..Budget::default()
        };
        match canonical_nquads(&doc, &budget) {
            Err(CanonError::Budget {
                limit: BudgetLimit::BlankNodes { limit: 1_000 },
            }) => {}
            other => panic!("expected a blank-node budget error, got {other:?}"),
        }
    }

    #[test]
    fn quad_cap_is_configurable() {
        let doc = json!({"@context": {"n": "https://schema.org/name"}, "@id": "urn:x", "n": ["a", "b", "c"]});
        let budget = Budget {
            max_quads: 2,
            ..Budget::default()
        };
        assert_eq!(
            canonical_nquads(&doc, &budget),
            Err(CanonError::Budget {
                limit: BudgetLimit::Quads { limit: 2 }
            })
        );
    }

    #[test]
    fn deadline_is_reported_as_a_budget_error() {
        let doc = json!({"@context": {"n": "https://schema.org/name"}, "@id": "urn:x", "n": "a"});
        let budget = Budget {
            deadline: Duration::ZERO,
            ..Budget::default()
        };
        // The deadline is checked on the caller's thread: a zero one is always already past.
        match canonical_nquads(&doc, &budget) {
            Err(CanonError::Budget {
                limit: BudgetLimit::Deadline { .. },
            }) => {}
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_shared_deadline_bounds_every_canonicalization_after_it() {
        let doc = json!({"@context": {"n": "https://schema.org/name"}, "@id": "urn:x", "n": "a"});
        let shared = Budget {
            until: Some(Instant::now()),
            ..Budget::default()
        };
        assert!(matches!(
            canonical_nquads(&doc, &shared),
            Err(CanonError::Budget {
                limit: BudgetLimit::Deadline { .. }
            })
        ));
        let fresh = Budget::default().shared_from_now();
        assert!(canonical_nquads(&doc, &fresh).is_ok());
        let before = canonicalizations();
        let _ = canonical_nquads(&doc, &fresh);
        assert!(canonicalizations() > before, "every canonicalization is counted");
    }
}
