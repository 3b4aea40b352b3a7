//! Generated-corpus throughput: how fast the generator writes valid OB 3.0 / CLR 2.0 documents, how fast the
//! data-model checks judge them, and how fast they are signed and verified (Data Integrity eddsa-rdfc-2022 and RS256
//! VC-JWT, embedded credentials included). Prints figures, asserts nothing.
//!
//! Run: `cargo bench -p clr-harness --bench generate`. Env: `BENCH_GEN_SIZES` (default `1000,10000`),
//! `BENCH_GEN_SIGNED` (how many of each corpus are signed and verified each way, default 1000), `CLR_GEN_SEED`
//! (printed).

use std::time::{Duration, Instant};

use clr_harness::generate::sign::{Signing, sign_generated};
use clr_harness::generate::{self, Case, Family, Settings};
use clr_harness::proof::keyfile::KeyAlgorithm;
use clr_harness::proof::sign::{Signed, to_text};
use clr_harness::verify::Net;

fn env_usize_list(name: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(name)
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| default.to_vec())
}

fn rate(what: &str, n: usize, took: Duration, extra: &str) {
    let secs = took.as_secs_f64().max(1e-9);
    println!(
        "  {what:<34} {n:>6} in {:>8.2} s  {:>9.0}/s  {:>8.3} ms each{extra}",
        secs,
        n as f64 / secs,
        secs * 1000.0 / n.max(1) as f64
    );
}

fn main() {
    let sizes = env_usize_list("BENCH_GEN_SIZES", &[1000, 10_000]);
    let signed_max = env_usize_list("BENCH_GEN_SIGNED", &[1000])[0];
    let settings = Settings::from_env(0).unwrap_or(Settings {
        seed: generate::clock_seed(),
        cases: 0,
    });
    println!(
        "generated corpus benchmark: seed {} (CLR_GEN_SEED={} reproduces the corpora), sizes {sizes:?}",
        settings.seed, settings.seed
    );
    let net = Net::new(clr_harness::fetch::FetchPolicy::default()).expect("runtime");
    for n in sizes {
        println!("corpus of {n} (OB 3.0 and CLR 2.0 alternately):");
        let t = Instant::now();
        let docs: Vec<serde_json::Value> = (0..n)
            .map(|i| {
                Case::random(Family::ALL[i % 2], &mut settings.gen_for("bench", i))
                    .generate()
                    .doc
            })
            .collect();
        let bytes: usize = docs.iter().map(|d| d.to_string().len()).sum();
        rate(
            "generate (unsigned)",
            n,
            t.elapsed(),
            &format!("  ({} bytes on average)", bytes / n.max(1)),
        );

        let t = Instant::now();
        let mut tripped = 0;
        for doc in &docs {
            tripped += usize::from(!generate::findings(&generate::check(doc)).is_empty());
        }
        rate(
            "data-model checks",
            n,
            t.elapsed(),
            &format!("  ({tripped} tripped a check)"),
        );

        let m = n.min(signed_max);
        for signing in [Signing::DataIntegrity, Signing::Jwt(KeyAlgorithm::Rsa2048)] {
            let t = Instant::now();
            let signed: Vec<Signed> = docs
                .iter()
                .take(m)
                .filter_map(|d| sign_generated(d, signing, settings.seed).ok())
                .collect();
            rate(&format!("sign ({})", signing.name()), signed.len(), t.elapsed(), "");
            let texts: Vec<String> = signed.iter().map(to_text).collect();
            let t = Instant::now();
            let mut bad = 0;
            for text in &texts {
                bad += usize::from(!generate::findings(&generate::check_file(text.as_bytes(), &net)).is_empty());
            }
            rate(
                &format!("verify, every check ({})", signing.name()),
                texts.len(),
                t.elapsed(),
                &format!("  ({bad} tripped a check)"),
            );
        }
    }
}
