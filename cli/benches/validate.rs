//! `clr-harness validate` as a user runs it — the release binary over a directory of signed OB 3.0 credentials,
//! `--format json` into a report file — at 100, 1,000 and 10,000 files, with one worker (`-j 1`) and with one per
//! core: wall time, CPU time and how many cores that kept busy, peak RSS, the report's size. Prints figures; asserts
//! only that every file verified, so a figure is never made of failures.
//!
//! Run: `cargo bench -p clr-harness-cli --bench validate` (env `BENCH_SIZES`, e.g. `100,1000`; `BENCH_KEEP=DIR`
//! writes the corpus and reports under DIR and keeps them, to profile a run by hand).

#[path = "../../harness/benches/common/corpus.rs"]
mod corpus;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use corpus::Signer;

/// What one run of the binary cost.
struct Measured {
    wall: Duration,
    cpu: Duration,
    peak_rss_kib: i64,
    exit: i32,
}

/// Runs `command` and reaps it with `wait4`, which gives that child's own CPU time and peak RSS.
#[expect(
    clippy::zombie_processes,
    reason = "the child is reaped by wait4, not by Child::wait"
)]
fn measure(command: &mut Command) -> Measured {
    let started = Instant::now();
    let child = command.spawn().expect("the clr-harness binary starts");
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    let mut status: libc::c_int = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill; the pid is our own child, reaped here once
    // (the `Child` handle is not waited on afterwards).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    assert_eq!(reaped, pid, "wait4 reaped the child");
    let time = |t: libc::timeval| {
        Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
    };
    Measured {
        wall,
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
        peak_rss_kib: usage.ru_maxrss,
        exit: if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            -1
        },
    }
}

fn main() {
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![100, 1_000, 10_000]);
    let largest = sizes.iter().copied().max().unwrap_or(0);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let keep = std::env::var_os("BENCH_KEEP").map(std::path::PathBuf::from);
    let tmp = keep
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("clr-validate-bench-{}", std::process::id())));

    let signer = Signer::new();
    let started = Instant::now();
    let corpus: Vec<Vec<u8>> = (0..largest)
        .map(|i| serde_json::to_vec(&signer.ob(i)).expect("json"))
        .collect();
    println!(
        "corpus: {largest} signed OB 3.0 credentials (eddsa-rdfc-2022, did:key) in {:.1} s; {cores} cores",
        started.elapsed().as_secs_f64()
    );
    let mut jobs = vec![1];
    if cores > 1 {
        jobs.push(cores);
    }
    println!(
        "{:>7} {:>5} {:>9} {:>9} {:>6} {:>10} {:>9}",
        "files", "-j", "wall s", "cpu s", "cores", "peak RSS", "report"
    );
    for &n in &sizes {
        let dir = tmp.join(format!("{n}"));
        std::fs::create_dir_all(&dir).expect("corpus directory");
        for (i, doc) in corpus.iter().take(n).enumerate() {
            std::fs::write(dir.join(format!("ob-{i:05}.json")), doc).expect("corpus file");
        }
        for &j in &jobs {
            let report = tmp.join(format!("report-{n}-{j}"));
            let m = measure(
                Command::new(env!("CARGO_BIN_EXE_clr-harness"))
                    .arg("validate")
                    .arg(&dir)
                    .args(["--format", "json", "--report-dir"])
                    .arg(&report)
                    .args(["-j", &j.to_string()])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null()),
            );
            assert_eq!(m.exit, 0, "every credential verified ({n} files, -j {j})");
            println!(
                "{n:>7} {j:>5} {:>9.2} {:>9.2} {:>6.2} {:>7} MB {:>6} MB",
                m.wall.as_secs_f64(),
                m.cpu.as_secs_f64(),
                m.cpu.as_secs_f64() / m.wall.as_secs_f64().max(1e-9),
                m.peak_rss_kib / 1024,
                dir_size(&report) / (1 << 20),
            );
        }
    }
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}
