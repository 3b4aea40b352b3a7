//! Data Integrity verification throughput: a corpus of signed OB 3.0 and CLR 2.0 credentials (distinct ids and
//! names, so nothing is served from a cache), verified in one process. Prints figures, asserts nothing.
//! With the Node peer installed (`bash ../shared/peers/setup.sh node`; `CLR_PEER_NODE_DIR` points at another
//! copy), a sample of the same files also goes through Digital Bazaar's and the DCC's verifiers for comparison.
//!
//! Run: `cargo bench -p clr-harness --bench verify` (env `BENCH_OB`, `BENCH_CLR` change the corpus sizes).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

#[path = "common/corpus.rs"]
mod corpus;

use clr_harness::jsonld::canon::Budget;
use clr_harness::proof::di;
use corpus::Signer;
use serde_json::Value;

struct Stats {
    count: usize,
    total: Duration,
    median: Duration,
    p95: Duration,
}

fn stats(mut times: Vec<Duration>) -> Stats {
    times.sort_unstable();
    let at = |q: f64| {
        times
            .get(((times.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    Stats {
        count: times.len(),
        total: times.iter().sum(),
        median: at(0.5),
        p95: at(0.95),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn run(kind: &str, corpus: &[Value], public: &[u8; 32]) -> Stats {
    let budget = Budget::default();
    let mut times = Vec::with_capacity(corpus.len());
    let mut failures = 0;
    for doc in corpus {
        let t = Instant::now();
        let ok = di::verify(doc, 0, public, &budget).is_ok();
        times.push(t.elapsed());
        failures += usize::from(!ok);
    }
    let s = stats(times);
    println!(
        "{kind:>4}: {} credentials, total {:.1} ms, median {:.3} ms, p95 {:.3} ms per credential{}",
        s.count,
        ms(s.total),
        ms(s.median),
        ms(s.p95),
        if failures > 0 {
            format!(" ({failures} FAILED)")
        } else {
            String::new()
        }
    );
    s
}

fn peer_dir() -> PathBuf {
    std::env::var_os("CLR_PEER_NODE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/peers/node"))
}

/// A JavaScript verifier of the Node peer: its script, its name, and the first word of a line for a verified file.
struct Peer {
    script: &'static str,
    name: &'static str,
    verified: &'static str,
}

const PEERS: [Peer; 2] = [
    Peer {
        script: "verify.mjs",
        name: "Digital Bazaar verify.mjs",
        verified: "VERIFIED",
    },
    Peer {
        script: "verify-dcc.mjs",
        name: "DCC verifier-core",
        verified: "SIGNATURE-OK",
    },
];

/// Per-credential milliseconds reported by `SCRIPT --repeat 2` (in-process, after module load), and how many files
/// it verified.
fn peer(dir: &Path, which: &Peer, files: &[PathBuf]) -> Option<(f64, usize)> {
    let out = Command::new("node")
        .arg(dir.join(which.script))
        .args(["--repeat", "2"])
        .args(files)
        .output()
        .ok()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let verified = stdout.lines().filter(|l| l.starts_with(which.verified)).count();
    if let Some(bad) = stdout.lines().find(|l| !l.starts_with(which.verified)) {
        println!("      {}: {bad}", which.name);
    }
    let each = stderr
        .split(" = ")
        .nth(1)?
        .split(" ms each")
        .next()?
        .trim()
        .parse()
        .ok()?;
    Some((each, verified))
}

fn main() {
    let n_ob = std::env::var("BENCH_OB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    let n_clr = std::env::var("BENCH_CLR")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let signer = Signer::new();
    let public = signer.public();

    let t = Instant::now();
    let ob: Vec<Value> = (0..n_ob).map(|i| signer.ob(i)).collect();
    let clr: Vec<Value> = (0..n_clr).map(|i| signer.clr(i)).collect();
    println!(
        "corpus: {n_ob} OB 3.0 + {n_clr} CLR 2.0 (2 embedded OB each) signed in {:.1} ms",
        ms(t.elapsed())
    );

    let ob_stats = run("OB", &ob, &public);
    let clr_stats = run("CLR", &clr, &public);

    let dir = peer_dir();
    if !dir.join("node_modules").is_dir() {
        println!(
            "peer: not installed at {}; install with `bash ../shared/peers/setup.sh node`",
            dir.display()
        );
        return;
    }
    let tmp = std::env::temp_dir().join(format!("clr-bench-{}", std::process::id()));
    if std::fs::create_dir_all(&tmp).is_err() {
        println!("peer: cannot create {}", tmp.display());
        return;
    }
    let sample = 200;
    for (kind, corpus, ours) in [("OB", &ob, &ob_stats), ("CLR", &clr, &clr_stats)] {
        let files: Vec<PathBuf> = corpus
            .iter()
            .take(sample)
            .enumerate()
            .filter_map(|(i, doc)| {
                let path = tmp.join(format!("{kind}-{i}.json"));
                std::fs::write(&path, serde_json::to_vec(doc).ok()?).ok()?;
                Some(path)
            })
            .collect();
        for which in &PEERS {
            match peer(&dir, which, &files) {
                Some((each, verified)) => println!(
                    "{kind:>4} peer ({}, {} files x2, in-process): {each:.2} ms per credential, {verified}/{} verified; \
                     ours median {:.3} ms -> peer/ours {:.1}x",
                    which.name,
                    files.len(),
                    files.len(),
                    ms(ours.median),
                    each / ms(ours.median).max(1e-6)
                ),
                None => println!("{kind:>4} peer: no timing line from {}", which.script),
            }
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
}
