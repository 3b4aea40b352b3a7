//! `clr-harness verifier`: verifier conformance. The harness shows a verifier — a displayer, a wallet, a
//! verification service — credentials it must accept and credentials it must reject (expired, not yet valid,
//! revoked, tampered, unsigned, a stranger's key, VC-JWT claim mismatches, a CLR with a bad nested credential),
//! through a command (`--cmd`), the W3C VC-API (`--vc-api`) or its own reference verifier (`--reference`), and grades
//! every verdict. The status lists those credentials name are served on loopback while it runs.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use clr_ecosystem::verifier::{VerifierBench, VerifierFault};
use clr_harness::engine;
use clr_harness::redact::{self, Recording, Redactor};
use clr_harness::verifier::adapter::Adapter;
use clr_reports::RunOptions;

use super::{ColorArgs, ReportArgs, SelectArgs, exit_code};

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("verifier").required(true).args(["cmd", "vc_api", "reference"])))]
pub struct VerifierArgs {
    /// The verifier as a command (`sh -c`), with `{file}` replaced by the credential's path, quoted for the shell
    /// (appended when absent). A JSON object with a boolean `verified` on standard output is its verdict; else exit
    /// status 0 means accepted, 1 rejected (so a verifier that exits 1 when it crashes should print a JSON verdict),
    /// anything else no verdict.
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
    #[arg(long, default_value_t = 60, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    timeout: u64,
    /// Where the status host listens (default 127.0.0.1 on a free port). A fixed address gives the same credential
    /// bytes on every run; another interface lets a verifier in a container or on another machine fetch the lists.
    #[arg(long, value_name = "ADDR:PORT")]
    status_bind: Option<std::net::SocketAddr>,
    /// The status host's URL as the credentials name it, when the verifier reaches it under another name (e.g.
    /// `http://host.docker.internal:4312`); default `http://<status-bind>`.
    #[arg(long, value_name = "URL")]
    status_url: Option<String>,
    /// Seed of the credentials' keys and ids (the same seed gives the same bytes).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// How many generated OB 3.0 credentials to show besides the fixed cases, each with its six proof mutants
    /// (OB30-VERDICT-008); they are made valid around the clock of the run.
    #[arg(long, value_name = "N", default_value_t = clr_harness::verifier::generated::GENERATED_DEFAULT)]
    generated: usize,
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
    let ca_pem = match &args.ca_file {
        None => None,
        Some(file) => {
            let pem = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
            clr_harness::http::client::parse_roots(pem.as_bytes())
                .map_err(|e| anyhow::anyhow!("--ca-file {}: {e}", file.display()))?;
            Some(pem)
        }
    };
    if let Some(url) = &args.vc_api {
        let parsed = url::Url::parse(url).with_context(|| format!("--vc-api {url} is not a URL"))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.query().is_some() || parsed.fragment().is_some() {
            bail!(
                "--vc-api takes the verifier's base URL (http or https, no query): {url}/credentials/verify is called"
            );
        }
    }
    // Secrets in the VC-API URL (a password, a token in the query) are learned and kept out of every report.
    let redactor = Redactor::when(true);
    if let Some(url) = &args.vc_api {
        redactor.learn_url(url);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("failed to start the async runtime")?;
    let bench = runtime
        .block_on(VerifierBench::start_with(
            args.seed,
            args.status_bind,
            args.status_url.as_deref(),
            args.generated,
        ))
        .map_err(anyhow::Error::msg)?;
    eprintln!(
        "status lists: {}/status/… (served while the run lasts)",
        bench.status_base()
    );
    let graded = if args.reference {
        runtime.block_on(bench.grade_reference(&faults, &selection, args.report.strict))
    } else {
        let dir = cases_dir(args)?;
        eprintln!("credentials:  {}", dir.display());
        let adapter = match (&args.cmd, &args.vc_api) {
            (Some(cmd), _) => Adapter::Command(cmd.clone()),
            (None, Some(url)) => Adapter::VcApi {
                base: url.clone(),
                ca_pem,
            },
            (None, None) => bail!("name the verifier: --cmd, --vc-api or --reference"),
        };
        eprintln!("verifier:     {}", redactor.redact_url(&adapter.describe()));
        let recording = Recording {
            redactor: redactor.clone(),
            cacert: args.ca_file.as_ref().map(|f| f.display().to_string()),
        };
        Ok(runtime.block_on(bench.grade(
            &adapter,
            &dir,
            Duration::from_secs(args.timeout),
            &selection,
            args.report.strict,
            &recording,
        )))
    };
    runtime.block_on(bench.shutdown());
    let graded = graded.map_err(anyhow::Error::msg)?;
    let options = RunOptions {
        strict: args.report.strict,
        allow_unverified: false,
        only: selection.only,
        skip: selection.skip,
        spec_dir: None,
    };
    let mut run = engine::build_run(
        vec![graded.subject],
        options,
        std::env::args().collect(),
        started_at,
        started,
        graded.exchanges,
    );
    redact::scrub_run(&redactor, &mut run);
    args.report.finish(&run, args.color, Some(started))
}

/// Where the credential files go: `--cases-dir`, `<report-dir>/verifier-cases`, or a new private folder in the
/// system's temporary directory (never one that already exists there: another user could have planted it).
fn cases_dir(args: &VerifierArgs) -> Result<PathBuf> {
    let chosen = match (&args.cases_dir, &args.report.report_dir) {
        (Some(dir), _) => Some(dir.clone()),
        (None, Some(report)) => Some(report.join("verifier-cases")),
        (None, None) => None,
    };
    if let Some(dir) = chosen {
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        return Ok(dir);
    }
    for attempt in 0..16u32 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "clr-harness-verifier-{}-{nanos:x}{attempt}",
            std::process::id()
        ));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        match builder.create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot create {}", dir.display())),
        }
    }
    bail!(
        "cannot create a private folder for the credentials in {}",
        std::env::temp_dir().display()
    )
}
