//! Differential runs (issue 12): the same generated, signed credentials — valid ones and every proof mutation —
//! verified by the harness and by two verifiers nobody here wrote, Digital Bazaar's (`verify.mjs`) and the Digital
//! Credentials Consortium's verifier-core (`verify-dcc.mjs`), from `../shared/peers/node` (or
//! `CLR_PEER_NODE_DIR`). Wherever both follow the spec they must agree; each known divergence is listed in
//! [`KNOWN_DIVERGENCES`] with its spec reason, and the run prints which ones it met. A disagreement not on the
//! list fails the test; the first of each peer and class is shrunk on the case's choice tape to a smaller document
//! that still shows it.
//!
//! What it found so far (fixed): doubles written with the JSON digits instead of JSON-LD's 16 significant digits,
//! undefined terms silently dropped from what a signature covers (VC Data Integrity requires data loss detection),
//! and lower-case 't' / 'z' in date-times accepted (VCDM requires XSD dateTimeStamp).
//!
//! Verdicts are accept / reject: the harness accepts when no check fails (warnings accepted, as a displayer shows a
//! credential with a warning), and an `error` result is no verdict, which never agrees with anything; the peers as their libraries say (verify.mjs `verified`; verifier-core a valid
//! signature, no expiration or status problem, no error). Everyone judges at the real clock, as the peers can only
//! do that. Seeded (`CLR_GEN_SEED`, printed) and bounded (`CLR_GEN_CASES` documents, default 6: about 100 files,
//! two Node processes). Skipped with a note when the Node peer is not installed; under `CI=true` that is a failure.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use clr_harness::generate::sign::{Signing, sign_generated};
use clr_harness::generate::tamper::{self, SIGNED_OPERATORS};
use clr_harness::generate::{self, Case, Family, Settings};
use clr_harness::proof::sign::to_text;
use clr_harness::verify::Net;
use clr_harness_tests::check_file_with;
use clr_reports::{Outcome, Subject};

/// The peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Peer {
    DigitalBazaar,
    Dcc,
}

impl Peer {
    const ALL: [Peer; 2] = [Peer::DigitalBazaar, Peer::Dcc];

    fn script(self) -> &'static str {
        match self {
            Peer::DigitalBazaar => "verify.mjs",
            Peer::Dcc => "verify-dcc.mjs",
        }
    }
}

/// A disagreement that follows from the spec (or from what a peer does not implement): for `peer`, on documents
/// of `class` (any class when `None`), where the harness gives `harness` and `when` holds of its findings.
struct Divergence {
    name: &'static str,
    peer: Option<Peer>,
    class: Option<&'static str>,
    harness: Verdict,
    when: fn(&[Subject]) -> bool,
    why: &'static str,
}

/// Always.
fn any(_: &[Subject]) -> bool {
    true
}

/// The checks that do not pass on the document itself (fail or warn: CLR20-VER-001 is an inferred SHOULD), or that
/// fail on its embedded credentials.
fn failing(subjects: &[Subject], root: bool) -> Vec<&str> {
    subjects
        .iter()
        .filter(|s| s.parent.is_none() == root)
        .flat_map(|s| s.results.iter())
        .filter(|r| r.outcome == Outcome::Fail || (root && r.outcome == Outcome::Warn))
        .map(|r| r.check.as_str())
        .collect()
}

/// The document itself fails, and only because an embedded credential (endorsement, nested credential) does not
/// verify.
fn only_embedded(subjects: &[Subject]) -> bool {
    let root = failing(subjects, true);
    !root.is_empty() && root.iter().all(|c| ["OB30-VER-005", "CLR20-VER-001"].contains(c))
}

/// [`only_embedded`], and the embedded credentials fail only their validity window (they expired, or are not valid
/// yet, at the real clock): a correctly signed embedded credential that the harness refuses is not explained.
fn only_embedded_validity(subjects: &[Subject]) -> bool {
    only_embedded(subjects)
        && failing(subjects, false)
            .iter()
            .all(|c| ["OB30-VER-003", "OB30-VER-005", "CLR20-VER-001"].contains(c))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Accept,
    Reject,
    /// The harness could not judge (an `error` result): never counted as an agreement.
    Undecided,
}

const KNOWN_DIVERGENCES: &[Divergence] = &[
    Divergence {
        name: "key provenance",
        peer: None,
        class: Some("stranger-key"),
        harness: Verdict::Accept,
        when: any,
        why: "OB 3.0 makes key provenance a SHOULD (the harness warns, OB30-PRF-006); Digital Bazaar's vc library \
              (under both peers) refuses a proof whose verification method the issuer does not control",
    },
    Divergence {
        name: "changed embedded credential",
        peer: None,
        class: Some("tamper-embedded"),
        harness: Verdict::Reject,
        when: only_embedded,
        why: "OB 3.0 §9 (OB30-VER-005) and CLR 2.0 verification cover endorsements and nested credentials, so one \
              changed after its issuer signed it fails the document; both peers verify the document's own proof only",
    },
    Divergence {
        name: "expired embedded credential",
        peer: None,
        class: None,
        harness: Verdict::Reject,
        when: only_embedded_validity,
        why: "OB 3.0 §9 (OB30-VER-005, OB30-VER-003): an endorsement or nested credential outside its validity window \
              at the real clock fails the document; both peers verify the document's own proof only",
    },
];

fn peer_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("CLR_PEER_NODE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| clr_harness_tests::repo_root().join("../shared/peers/node"));
    if dir.join("node_modules").is_dir() {
        return Some(dir);
    }
    let note = format!(
        "the Node peer is not installed at {} (bash ../shared/peers/setup.sh node)",
        dir.display()
    );
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{note}");
    eprintln!("note: skipped, {note}");
    None
}

/// The real clock, the instant every verifier judges at (validity mutants are set around it).
use clr_harness::datetime::{now_rfc3339 as now, now_secs};

fn harness_verdict(path: &Path, net: &Net) -> (Verdict, Vec<Subject>) {
    let env = clr_harness::verify::Env::at(&now()).unwrap_or_default();
    let subjects = check_file_with(path, None, Default::default(), env, Some(net));
    let outcomes: Vec<Outcome> = subjects
        .iter()
        .flat_map(|s| s.results.iter())
        .map(|r| r.outcome)
        .collect();
    let verdict = if outcomes.contains(&Outcome::Error) {
        Verdict::Undecided
    } else if outcomes.contains(&Outcome::Fail) {
        Verdict::Reject
    } else {
        Verdict::Accept
    };
    (verdict, subjects)
}

/// Runs a peer over files in one process; its verdict per file name.
fn peer_verdicts(dir: &Path, peer: Peer, files: &[PathBuf]) -> BTreeMap<String, (Verdict, String)> {
    let out = Command::new("node")
        .arg(dir.join(peer.script()))
        .arg("--json")
        .args(files)
        .output()
        .expect("node runs");
    let mut verdicts = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(r) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let file = r["file"].as_str().unwrap_or_default();
        let name = Path::new(file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (verdict, why) = match peer {
            Peer::DigitalBazaar => (
                if r["verified"] == true {
                    Verdict::Accept
                } else {
                    Verdict::Reject
                },
                r["error"].as_str().unwrap_or_default().to_string(),
            ),
            Peer::Dcc => {
                // As a displayer built on verifier-core shows it (ecosystem/tests/adapters/dcc-verdict.mjs).
                let log = r["log"].as_array().cloned().unwrap_or_default();
                let judged = ["valid_signature", "expiration", "revocation_status"];
                let failed: Vec<String> = log
                    .iter()
                    .filter(|e| judged.contains(&e["id"].as_str().unwrap_or_default()) && e["valid"] != true)
                    .map(|e| e["id"].as_str().unwrap_or_default().to_string())
                    .collect();
                let signed = log.iter().any(|e| e["id"] == "valid_signature" && e["valid"] == true);
                let errors = r["errors"].as_array().map(Vec::len).unwrap_or(0);
                let ok = signed && failed.is_empty() && errors == 0;
                (
                    if ok { Verdict::Accept } else { Verdict::Reject },
                    format!("{failed:?} {}", r["errors"]),
                )
            }
        };
        verdicts.insert(name, (verdict, why));
    }
    verdicts
}

/// One file of the run.
struct Item {
    file: PathBuf,
    class: &'static str,
    case: Case,
}

/// The documents of one case: the valid one and each proof mutant, as (class, text).
fn documents(case: &Case, seed: u64) -> Vec<(&'static str, String)> {
    let mut ch = case.chooser();
    let doc = generate::generate(case.family, &mut ch).doc;
    let mut out = Vec::new();
    if let Ok(signed) = sign_generated(&doc, Signing::DataIntegrity, seed) {
        out.push(("valid", to_text(&signed)));
    }
    for op in SIGNED_OPERATORS {
        let input = tamper::Input {
            doc: &doc,
            signing: Signing::DataIntegrity,
            seed,
            now: now_secs(),
        };
        if let Ok(Some(m)) = op.apply(&input, &mut ch.fork()) {
            out.push((op.name, to_text(&m.signed)));
        }
    }
    out
}

#[test]
fn the_harness_and_the_peers_agree_on_generated_credentials() {
    let Some(peers) = peer_dir() else { return };
    let settings = Settings::from_env(6).expect("CLR_GEN_SEED / CLR_GEN_CASES");
    println!(
        "differential run: seed {} (CLR_GEN_SEED={} reproduces it), {} document(s) and their proof mutants",
        settings.seed, settings.seed, settings.cases
    );
    let dir = std::env::temp_dir().join(format!("clr-harness-differential-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let net = Net::new(clr_harness::fetch::FetchPolicy::default()).expect("runtime");

    let mut items = Vec::new();
    for i in 0..settings.cases {
        let case = Case::random(
            Family::ALL[i % Family::ALL.len()],
            &mut settings.gen_for("differential", i),
        );
        for (class, text) in documents(&case, settings.seed) {
            let file = dir.join(format!("{:03}-{class}.json", i));
            std::fs::write(&file, text).expect("write");
            items.push(Item {
                file,
                class,
                case: case.clone(),
            });
        }
    }
    let files: Vec<PathBuf> = items.iter().map(|i| i.file.clone()).collect();
    let verdicts: BTreeMap<Peer, _> = Peer::ALL
        .into_iter()
        .map(|p| (p, peer_verdicts(&peers, p, &files)))
        .collect();

    // class → peer → (agreements, known divergences)
    let mut table: BTreeMap<&str, BTreeMap<Peer, (usize, usize)>> = BTreeMap::new();
    let mut met: BTreeSet<&str> = BTreeSet::new();
    let mut shrunk: BTreeSet<(Peer, &str)> = BTreeSet::new();
    let mut unexplained = Vec::new();
    for item in &items {
        let name = item
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (ours, subjects) = harness_verdict(&item.file, &net);
        for peer in Peer::ALL {
            let Some((theirs, why)) = verdicts[&peer].get(&name) else {
                unexplained.push(format!("{name}: {peer:?} gave no verdict"));
                continue;
            };
            let row = table.entry(item.class).or_default().entry(peer).or_default();
            if ours == *theirs {
                row.0 += 1;
                continue;
            }
            let known = KNOWN_DIVERGENCES.iter().find(|d| {
                d.peer.is_none_or(|p| p == peer)
                    && d.class.is_none_or(|c| c == item.class)
                    && d.harness == ours
                    && (d.when)(&subjects)
            });
            match known {
                Some(d) => {
                    row.1 += 1;
                    met.insert(d.name);
                }
                // Shrinking runs a peer per candidate (a Node start each): only the first disagreement of each
                // peer and class is shrunk, the others are listed.
                None if shrunk.insert((peer, item.class)) => unexplained.push(disagreement(
                    &peers,
                    peer,
                    item,
                    &name,
                    ours,
                    why,
                    &subjects,
                    settings.seed,
                    &dir,
                )),
                None => unexplained.push(format!(
                    "{name} ({}): harness {ours:?}, {peer:?} {theirs:?}: {why}",
                    item.class
                )),
            }
        }
    }
    for (class, row) in &table {
        let cells: Vec<String> = row
            .iter()
            .map(|(p, (agree, known))| format!("{p:?}: {agree} agree, {known} known divergence(s)"))
            .collect();
        println!("  {class:<22} {}", cells.join(" · "));
    }
    for d in KNOWN_DIVERGENCES {
        let seen = if met.contains(d.name) {
            "met"
        } else {
            "not met in this run"
        };
        println!("  known divergence \"{}\" {seen}: {}", d.name, d.why);
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        unexplained.is_empty(),
        "seed {} — disagreements not explained by the spec:\n{}",
        settings.seed,
        unexplained.join("\n\n")
    );
}

/// Describes a disagreement, with the case shrunk to the smallest document of that class that still shows it.
#[allow(clippy::too_many_arguments)]
fn disagreement(
    peers: &Path,
    peer: Peer,
    item: &Item,
    name: &str,
    ours: Verdict,
    why: &str,
    subjects: &[Subject],
    seed: u64,
    dir: &Path,
) -> String {
    let net = Net::new(clr_harness::fetch::FetchPolicy::default()).expect("runtime");
    let probe = dir.join("shrink.json");
    let disagrees = |case: &Case| -> Option<String> {
        let text = documents(case, seed).into_iter().find(|(c, _)| *c == item.class)?.1;
        std::fs::write(&probe, &text).ok()?;
        let (ours, _) = harness_verdict(&probe, &net);
        let theirs = peer_verdicts(peers, peer, std::slice::from_ref(&probe)).remove("shrink.json")?;
        (ours != theirs.0).then(|| format!("harness {ours:?}, {peer:?} {:?}: {}", theirs.0, theirs.1))
    };
    let first = format!("harness {ours:?}, {peer:?} the other way: {why}");
    let (small, failure, tried) = generate::minimize(item.case.clone(), first, disagrees, 12);
    let text = documents(&small, seed)
        .into_iter()
        .find(|(c, _)| *c == item.class)
        .map(|(_, t)| t)
        .unwrap_or_default();
    format!(
        "{name} ({}): {failure}\nharness findings:\n{}\nshrunk over {tried} candidate(s) to:\n{}",
        item.class,
        clr_harness_tests::explain(subjects),
        text
    )
}
