//! `clr-harness verifier`: verifier conformance. The harness shows a verifier — a displayer, a wallet, a
//! verification service — credentials it must accept and credentials it must reject (expired, not yet valid,
//! revoked, tampered, unsigned, a stranger's key, VC-JWT claim mismatches, a CLR with a bad nested credential),
//! through a command (`--cmd`), the W3C VC-API (`--vc-api`) or its own reference verifier (`--reference`), and grades
//! every verdict. The status lists those credentials name are served on loopback while it runs.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Args;
use clr_ecosystem::verifier::{VerifierBench, VerifierFault};
use clr_harness::engine;
use clr_harness::verifier::adapter::Adapter;
use clr_reports::RunOptions;

use super::{ColorArgs, ReportArgs, SelectArgs, exit_code};

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("verifier").required(true).args(["cmd", "vc_api", "reference"])))]
pub struct VerifierArgs {
    /// The verifier as a command (`sh -c`), with `{file}` replaced by the credential's path (appended when absent).
    /// A JSON object with a boolean `verified` on standard output is its verdict; else exit status 0 means
    /// accepted, 1 rejected, anything else no verdict.
    #[arg(long, value_name = "CMD")]
    cmd: Option<String>,
    /// The base URL of a W3C VC-API verifier: each credential is POSTed to `{URL}/credentials/verify`.
    #[arg(long, value_name = "URL")]
    vc_api: Option<String>,
    /// A CA certificate (PEM) to trust for an https --vc-api.
    #[arg(long, value_name = "FILE", requires = "vc_api")]
    ca_file: Option<PathBuf>,
    /// Grade the harness's own reference verifier (behind a VC-API endpoint on loopback).
    #[arg(long)]
    reference: bool,
    /// With --reference: make it give wrong verdicts in a named way (repeatable): ignores-validity-window,
    /// ignores-revocation-list, ignores-bitstring, rejects-any-status, accepts-tampered, accepts-foreign-key,
    /// ignores-jwt-claims, skips-nested, rejects-vcdm11.
    #[arg(
        long = "verifier-fault",
        value_name = "NAME",
        value_delimiter = ',',
        requires = "reference"
    )]
    verifier_fault: Vec<String>,
    /// Where the credential files are written (kept, so every command in the report can be run again); default
    /// `<report-dir>/verifier-cases`, else a folder in the system's temporary directory.
    #[arg(long, value_name = "DIR")]
    cases_dir: Option<PathBuf>,
    /// How long the verifier may take on one credential, in seconds.
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    timeout: u64,
    /// Seed of the credentials' keys and ids (the same seed gives the same bytes).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Exit 0 even when the verifier gave no verdict on some credentials; those checks stay errors and the verifier
    /// *unverified* in every report.
    #[arg(long)]
    allow_unverified: bool,
    #[command(flatten)]
    report: ReportArgs,
    #[command(flatten)]
    select: SelectArgs,
    #[command(flatten)]
    color: ColorArgs,
}

pub fn run(args: &VerifierArgs) -> i32 {
    exit_code(run_inner(args))
}

fn run_inner(args: &VerifierArgs) -> Result<i32> {
    let started = Instant::now();
    let started_at = clr_harness::datetime::now_rfc3339();
    let Some(selection) = args.report.begin(&args.select)? else {
        return Ok(clr_harness::exit::NO_CHECKS);
    };
    let faults: Vec<VerifierFault> = args
        .verifier_fault
        .iter()
        .map(|name| VerifierFault::parse(name).with_context(|| format!("unknown verifier fault `{name}`")))
        .collect::<Result<_>>()?;
    let ca_pem = args
        .ca_file
        .as_ref()
        .map(|f| std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display())))
        .transpose()?;
    let dir = match (&args.cases_dir, &args.report.report_dir) {
        (Some(dir), _) => dir.clone(),
        (None, Some(report)) => report.join("verifier-cases"),
        (None, None) => std::env::temp_dir().join(format!("clr-harness-verifier-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("failed to start the async runtime")?;
    let bench = runtime
        .block_on(VerifierBench::start(args.seed))
        .map_err(anyhow::Error::msg)?;
    eprintln!("status lists: {}/status/…", bench.status_base());
    eprintln!("credentials:  {} ({} of them)", dir.display(), bench.set.cases.len());
    let graded = if args.reference {
        runtime.block_on(bench.grade_reference(&faults, &selection, args.report.strict))
    } else {
        let adapter = match (&args.cmd, &args.vc_api) {
            (Some(cmd), _) => Adapter::Command(cmd.clone()),
            (None, Some(url)) => Adapter::VcApi {
                base: url.clone(),
                ca_pem,
            },
            (None, None) => anyhow::bail!("name the verifier: --cmd, --vc-api or --reference"),
        };
        eprintln!("verifier:     {}", adapter.describe());
        Ok(runtime.block_on(bench.grade(
            &adapter,
            &dir,
            Duration::from_secs(args.timeout),
            &selection,
            args.report.strict,
        )))
    };
    runtime.block_on(bench.shutdown());
    let graded = graded.map_err(anyhow::Error::msg)?;
    let options = RunOptions {
        strict: args.report.strict,
        allow_unverified: args.allow_unverified,
        only: selection.only,
        skip: selection.skip,
        spec_dir: None,
    };
    let run = engine::build_run(
        vec![graded.subject],
        options,
        std::env::args().collect(),
        started_at,
        started,
        graded.exchanges,
    );
    args.report.finish(&run, args.color, Some(started))
}
