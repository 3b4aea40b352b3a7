//! `clr-harness consumer`: consumer conformance. The harness plays the provider: it starts the reference provider
//! (with its OAuth 2.0 server, the mock issuer and the CASE server) over HTTPS behind a request tap, says where it
//! is, lets a client talk to it — a command it runs (`--exec`), its own reference consumer (`--reference`), or a
//! person's app (until Enter or `--wait`) — and grades what the client sent.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use clr_ecosystem::consumer::{self, ConsumerFault};
use clr_ecosystem::{Embedded, USER};
use clr_harness::engine;
use clr_harness::redact::{self, Redactor};
use clr_mocks::faults::Faults;
use clr_mocks::provider::Provocation;
use clr_reports::RunOptions;

use super::{ColorArgs, ReportArgs, SelectArgs, exit_code};

/// The provider's faults that are situations a consumer must handle (the rest are for provider runs); the other
/// provocations are conformant situations ([`Provocation`]).
const FAULT_PROVOCATIONS: &[&str] = &["foreign-state", "upsert-always-200"];

#[derive(Debug, Args)]
pub struct ConsumerArgs {
    /// Run this command as the consumer under test (`sh -c`), with `{discovery_url}`, `{base_url}` and
    /// `{ca_file}` replaced (also in its environment as CLR_DISCOVERY_URL, CLR_BASE_URL, CLR_CA_FILE). Grading
    /// starts when it exits.
    #[arg(long, value_name = "CMD", conflicts_with = "reference")]
    exec: Option<String>,
    /// Grade the harness's own reference consumer, a conformant OB 3.0 / CLR 2.0 / CLR 1.0 Service Consumer (Write and
    /// Read).
    #[arg(long)]
    reference: bool,
    /// With --reference: make it misbehave in a named way (repeatable): incomplete-registration, no-pkce,
    /// plain-pkce, fixed-state, wrong-redirect-uri, secret-in-body, token-in-query, hard-coded-endpoints,
    /// jws-as-json, state-not-checked, ignores-paging, no-refresh, ignores-retry-after, partial-profile,
    /// greedy-scope, only-201-is-success, clr10-payload-as-text.
    #[arg(
        long = "consumer-fault",
        value_name = "NAME",
        value_delimiter = ',',
        requires = "reference"
    )]
    consumer_fault: Vec<String>,
    /// Make the provider put the client in a situation it must handle (repeatable): foreign-state (the
    /// authorization redirect carries another state; the client must not redeem that code), small-pages (one
    /// credential a page; the client must follow Link rel=next), token-expiry (each access token serves two API
    /// requests; the client must refresh), throttle (the first getCredentials answers 429 with Retry-After: 1),
    /// upsert-always-200 (a new credential is answered 200; the client must take it as success).
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    provoke: Vec<String>,
    /// How long to wait for the consumer (the command, or a person's app), in seconds.
    #[arg(long, default_value_t = 600, value_name = "SECS")]
    wait: u64,
    /// Where to write the CA certificate (PEM) the consumer must trust; default `<report-dir>/ca.pem`, else a file
    /// in the system's temporary directory.
    #[arg(long, value_name = "FILE")]
    ca_out: Option<PathBuf>,
    /// Seed of the mocks' generated content.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Exit 0 even when the client was not seen doing what some checks judge (a read-only client never upserts);
    /// those checks stay skipped and the consumer *unverified* in every report.
    #[arg(long)]
    allow_unverified: bool,
    /// Keep the client's tokens, secrets and codes in the reports (local debugging only).
    #[arg(long)]
    no_redact: bool,
    #[command(flatten)]
    report: ReportArgs,
    #[command(flatten)]
    select: SelectArgs,
    #[command(flatten)]
    color: ColorArgs,
}

pub fn run(args: &ConsumerArgs) -> i32 {
    exit_code(run_inner(args))
}

fn run_inner(args: &ConsumerArgs) -> Result<i32> {
    let started = Instant::now();
    let started_at = clr_harness::datetime::now_rfc3339();
    let Some(selection) = args.report.begin(&args.select)? else {
        return Ok(clr_harness::exit::NO_CHECKS);
    };
    let faults: Vec<ConsumerFault> = args
        .consumer_fault
        .iter()
        .map(|name| ConsumerFault::parse(name).with_context(|| format!("unknown consumer fault `{name}`")))
        .collect::<Result<_>>()?;
    let mut fault_names = Vec::new();
    let mut situations = Vec::new();
    for name in &args.provoke {
        if FAULT_PROVOCATIONS.contains(&name.as_str()) {
            fault_names.push(name.as_str());
        } else if let Some(p) = Provocation::parse(name) {
            situations.push(p);
        } else {
            let known: Vec<&str> = FAULT_PROVOCATIONS
                .iter()
                .copied()
                .chain(Provocation::ALL.iter().map(|p| p.name()))
                .collect();
            bail!("unknown provocation `{name}` (known: {})", known.join(", "));
        }
    }
    let provocations = Faults::parse_list(&fault_names.join(",")).map_err(|e| anyhow::anyhow!("{e}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("failed to start the async runtime")?;
    let eco = runtime
        .block_on(Embedded::start(args.seed, provocations))
        .context("failed to start the reference provider")?;
    for p in situations {
        eco.servers.provider_state.provoke(p);
    }
    let served = serve(args, &runtime, &eco, &faults);
    let subject = eco.judge_consumer(&consumer_name(args, &faults), &selection, args.report.strict);
    // What the client upserted is its issuer's output, judged as documents (the Issuer bundles count them).
    let ca_name = served.as_ref().ok().map(|f| f.display().to_string());
    let (upserted, fetches) = eco.judge_upserts_since(0, &selection, args.report.strict, ca_name.as_deref());
    let mut exchanges = eco.tapped();
    runtime.block_on(eco.shutdown());
    let ca_file = served?;

    // The client's secrets (its client secret, codes, tokens) are learned from what it sent and replaced.
    let redactor = Redactor::when(!args.no_redact);
    // Their curl commands trust the CA file the client was given.
    exchanges = clr_ecosystem::redacted(exchanges, &redactor, Some(&ca_file.display().to_string()));
    exchanges.extend(fetches);
    let options = RunOptions {
        strict: args.report.strict,
        allow_unverified: args.allow_unverified,
        only: selection.only,
        skip: selection.skip,
        spec_dir: None,
    };
    let mut subjects = vec![subject];
    subjects.extend(upserted);
    let mut run = engine::build_run(
        subjects,
        options,
        std::env::args().collect(),
        started_at,
        started,
        exchanges,
    );
    redact::scrub_run(&redactor, &mut run);
    args.report.finish(&run, args.color, Some(started))
}

fn consumer_name(args: &ConsumerArgs, faults: &[ConsumerFault]) -> String {
    match (&args.exec, args.reference) {
        (Some(cmd), _) => format!("consumer `{cmd}`"),
        (None, true) if faults.is_empty() => "the reference consumer".into(),
        (None, true) => format!(
            "the reference consumer with {}",
            faults.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
        ),
        (None, false) => "the consumer that connected".into(),
    }
}

/// Tells the user where the provider is, then lets the consumer talk to it; returns the CA file it wrote.
fn serve(
    args: &ConsumerArgs,
    runtime: &tokio::runtime::Runtime,
    eco: &Embedded,
    faults: &[ConsumerFault],
) -> Result<PathBuf> {
    let ca_pem = eco.servers.ca_pem.clone().unwrap_or_default();
    let ca_file = match (&args.ca_out, &args.report.report_dir) {
        (Some(file), _) => file.clone(),
        (None, Some(dir)) => dir.join("ca.pem"),
        (None, None) => std::env::temp_dir().join(format!("clr-harness-consumer-{}.pem", std::process::id())),
    };
    if let Some(dir) = ca_file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(&ca_file, &ca_pem).with_context(|| format!("cannot write {}", ca_file.display()))?;
    let discovery = eco.discovery_url();
    let base = eco.servers.provider.base_url.clone();
    let ca = ca_file.display().to_string();
    eprintln!("provider:   {base}");
    eprintln!("discovery:  {discovery}  (CLR 2.0: {base}/ims/clr/v2p0/discovery)");
    eprintln!("CA file:    {ca}  (trust it for https)");
    eprintln!("test user:  {} / {} (consent is given at once)", USER.1, USER.2);
    let deadline = Duration::from_secs(args.wait);
    if args.reference {
        let payloads = eco.payloads().context("the ecosystem has no upload to send")?;
        if let Err(stop) = runtime.block_on(consumer::run(&discovery, Some(&ca_pem), &payloads, faults)) {
            eprintln!("the reference consumer stopped at {stop}");
        }
    } else if let Some(cmd) = &args.exec {
        let line = cmd
            .replace("{discovery_url}", &discovery)
            .replace("{base_url}", &base)
            .replace("{ca_file}", &ca);
        eprintln!("running:    {line}");
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(&line)
            .env("CLR_DISCOVERY_URL", &discovery)
            .env("CLR_BASE_URL", &base)
            .env("CLR_CA_FILE", &ca)
            .spawn()
            .with_context(|| format!("cannot run `{line}`"))?;
        let until = Instant::now() + deadline;
        loop {
            if let Some(status) = child.try_wait().context("waiting for the consumer")? {
                eprintln!("the consumer exited with {status}");
                break;
            }
            if Instant::now() >= until {
                let _ = child.kill();
                let _ = child.wait();
                bail!("the consumer did not finish within {} s (--wait)", args.wait);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    } else {
        wait_for_person(eco, deadline);
    }
    Ok(ca_file)
}

/// Waits for Enter (or the deadline), showing on a terminal how many requests the client has sent.
fn wait_for_person(eco: &Embedded, deadline: Duration) {
    eprintln!(
        "Point your client at the discovery URL. Press Enter when it is done (grading starts after {} s \
         otherwise).",
        deadline.as_secs()
    );
    let (done, signal) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::stdin().lock().read_line(&mut line);
        let _ = done.send(());
    });
    let until = Instant::now() + deadline;
    let live = std::io::stderr().is_terminal();
    while Instant::now() < until {
        if signal.recv_timeout(Duration::from_millis(500)).is_ok() {
            break;
        }
        if live {
            let seen = eco.tapped();
            let last = seen
                .last()
                .map(|e| format!("{} {} → {}", e.method, e.url, e.status.unwrap_or_default()))
                .unwrap_or_default();
            eprint!("\r\x1b[2K{} requests so far  {last}", seen.len());
        }
    }
    if live {
        eprintln!();
    }
}
