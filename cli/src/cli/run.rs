//! `clr-harness run`: provider conformance. With a target (file or flags) the harness is the client of that
//! provider; with none it starts the reference provider, mock issuer and CASE server in-process and runs the whole
//! catalogue against them (the demo and the smoke test). `clr-harness init` writes a commented target file.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;
use clr_ecosystem::Embedded;
use clr_harness::api::{self, ApiSpec, AuthMode, Hooks, Target, Upload};
use clr_harness::catalogue;
use clr_harness::check::Runner;
use clr_harness::exit;
use clr_harness::redact::{Recording, Redactor};
use clr_harness::session::{self, ProviderRunConfig};
use clr_mocks::faults::Faults;

use super::{ColorArgs, ReportArgs, SelectArgs, exit_code};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The provider to test, as a target file (see `clr-harness init`). Without it and without --base-url the
    /// embedded reference provider and mocks are started and tested.
    #[arg(long, value_name = "FILE")]
    target: Option<PathBuf>,
    /// The provider's base URL (instead of, or overriding, the target file's).
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// Which APIs the provider claims: ob30, clr20, clr10, or case10 for a CASE 1.0 server (comma-separated;
    /// overrides the target file).
    #[arg(long, value_delimiter = ',', value_name = "LIST", value_parser = ApiSpec::parse)]
    spec: Vec<ApiSpec>,
    /// A CASE server's profile: `strict` (the OpenAPI as written) or `interop` (documented real-server departures
    /// are warnings); overrides the target file's `[case] profile`.
    #[arg(long, value_name = "PROFILE", value_parser = clr_harness::case::Profile::parse)]
    case_profile: Option<clr_harness::case::Profile>,
    /// How to obtain tokens: interactive, auto-consent or token (overrides the target file).
    #[arg(long, value_name = "MODE", value_parser = parse_auth)]
    auth: Option<AuthMode>,
    /// A pre-issued access token (implies --auth token).
    #[arg(long, value_name = "TOKEN", env = "CLR_ACCESS_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Extra CA certificate (PEM) to trust for the provider, e.g. the mocks' --ca-out file.
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// Embedded run only: make the reference provider misbehave (see `clr-harness mocks faults`). Repeatable.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    fault: Vec<String>,
    /// Seed of the mocks' generated content (embedded run) and of the --generated credentials.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Also upsert N generated credentials of each family (valid by construction, signed with Data Integrity
    /// proofs by did:key issuers): each must be accepted, returned unchanged by getCredentials and verify there.
    #[arg(long, value_name = "N", default_value_t = 0)]
    generated: usize,
    /// List the checks the run would perform and exit.
    #[arg(long)]
    list: bool,
    /// Check returned credentials' data model only (no proofs).
    #[arg(long)]
    no_proofs: bool,
    /// Let verification of returned credentials fetch public URLs (keys, status lists).
    #[arg(long)]
    allow_fetch: bool,
    /// Answer every URL under PREFIX from the files under DIR when verifying returned credentials (as for
    /// `validate`): hosted badges and their issuers offline. Repeatable.
    #[arg(long, value_name = "PREFIX=DIR", value_parser = clr_harness::fetch::UrlMap::parse_entry)]
    url_map: Vec<(String, PathBuf)>,
    /// Exit 0 even when a proof, key or status could not be checked (the subject stays *unverified* in every
    /// report). For shape-only validation; `--no-proofs` skips verification altogether.
    #[arg(long)]
    allow_unverified: bool,
    /// Keep access and refresh tokens, client secrets, authorization codes, PKCE verifiers, cookies and
    /// `--token` in the reports. By default they are replaced by placeholders such as `<access-token-1>`; with
    /// this flag the reports contain live secrets: for local debugging only, never for files CI uploads.
    #[arg(long)]
    no_redact: bool,
    #[command(flatten)]
    report: ReportArgs,
    #[command(flatten)]
    select: SelectArgs,
    #[command(flatten)]
    color: ColorArgs,
}

fn parse_auth(s: &str) -> Result<AuthMode, String> {
    match s {
        "interactive" => Ok(AuthMode::Interactive),
        "auto-consent" => Ok(AuthMode::AutoConsent),
        "token" => Ok(AuthMode::Token),
        other => Err(format!(
            "unknown auth mode `{other}` (interactive, auto-consent, token)"
        )),
    }
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the target file.
    #[arg(default_value = "target.toml")]
    output: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    force: bool,
}

pub fn init(args: &InitArgs) -> i32 {
    if args.output.exists() && !args.force {
        eprintln!("error: {} exists (use --force to overwrite)", args.output.display());
        return exit::USAGE;
    }
    match std::fs::write(&args.output, api::target::TEMPLATE) {
        Ok(()) => {
            println!(
                "wrote {}; edit base_url and [auth], then: clr-harness run --target {}",
                args.output.display(),
                args.output.display()
            );
            exit::OK
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", args.output.display());
            exit::USAGE
        }
    }
}

pub fn run(args: &RunArgs) -> i32 {
    exit_code(run_inner(args))
}

fn run_inner(args: &RunArgs) -> Result<i32> {
    let started = Instant::now();
    let started_at = clr_harness::datetime::now_rfc3339();
    let Some(selection) = args.report.begin(&args.select)? else {
        return Ok(exit::NO_CHECKS);
    };
    let embedded_run = args.target.is_none() && args.base_url.is_none();
    if !embedded_run && !args.fault.is_empty() {
        bail!("--fault applies to the embedded run only (the mocks misbehave, not your provider)");
    }
    let faults = Faults::parse_list(&args.fault.join(","))
        .map_err(|e| anyhow::anyhow!("{e} (see `clr-harness mocks faults`)"))?;
    if args.list {
        for c in catalogue::all().iter().filter(|c| selection.selects(c.id)) {
            let kind = match c.runner {
                Runner::Provider => "provider",
                Runner::Consumer(_) => "consumer",
                Runner::Verifier(_) => "verifier",
                _ => "document",
            };
            println!("{:<18} {:<6} {:<8} {}", c.id, c.level.as_str(), kind, c.title);
        }
        return Ok(exit::OK);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("failed to start the async runtime")?;
    let progress = std::io::stderr().is_terminal() && std::env::var("CI").is_err();
    let log = move |msg: &str| {
        // Interactive prompts always reach the person; step lines only on a terminal outside CI.
        if progress || msg.contains("Open this URL") {
            eprintln!("{msg}");
        }
    };

    let (mut target, embedded, hooks) = if embedded_run {
        let env = runtime
            .block_on(Embedded::start(args.seed, faults))
            .context("failed to start the embedded ecosystem")?;
        let (t, hooks) = (env.target(), env.hooks());
        (t, Some(env), hooks)
    } else {
        let mut t = match &args.target {
            Some(path) => Target::load(path).map_err(anyhow::Error::msg)?,
            None => Target::new(args.base_url.as_deref().unwrap_or_default()),
        };
        if let Some(b) = &args.base_url {
            t.base_url = b.clone();
        }
        (t, None, Hooks::default())
    };
    if !args.spec.is_empty() {
        target.specs = args.spec.clone();
    }
    if let Some(profile) = args.case_profile {
        target.case.profile = profile;
    }
    if let Some(mode) = args.auth {
        target.auth.mode = mode;
    }
    if let Some(token) = &args.token {
        target.auth.mode = AuthMode::Token;
        target.auth.access_token = Some(token.clone());
    }
    if let Some(ca) = &args.ca_file {
        target.tls.ca_file = Some(ca.clone());
    }
    target.validate().map_err(anyhow::Error::msg)?;
    let uploads = match &embedded {
        Some(env) => env.uploads.clone(),
        None if target.credentials.upsert.is_empty() => Upload::samples(),
        None => {
            let mut v = Vec::new();
            for path in &target.credentials.upsert {
                let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
                v.push(Upload::from_bytes(&path.display().to_string(), &bytes).map_err(anyhow::Error::msg)?);
            }
            v
        }
    };
    let mut uploads = uploads;
    if args.generated > 0 {
        // Valid around the instant the run judges returned credentials at: the clock the run started with.
        let now = clr_harness::datetime::now_secs();
        uploads.extend(Upload::generated(args.generated, args.seed, now).map_err(anyhow::Error::msg)?);
        eprintln!(
            "upserting {} generated credential(s) of each family, seed {} (--seed {} upserts the same)",
            args.generated, args.seed, args.seed
        );
    }
    let allowed_hosts = embedded.as_ref().map(Embedded::allowed_hosts).unwrap_or_default();
    let ca_files: Vec<PathBuf> = target.tls.ca_file.iter().cloned().collect();
    let recording = Recording {
        redactor: Redactor::when(!args.no_redact),
        cacert: curl_cacert(&target.tls.ca_pem, &ca_files, args.report.report_dir.as_deref())?,
    };
    let consumer_selection = selection.clone();
    let consumer_cacert = recording.cacert.clone();
    let config = ProviderRunConfig {
        hooks,
        selection,
        strict: args.report.strict,
        allow_unverified: args.allow_unverified,
        verify: !args.no_proofs,
        allow_fetch: args.allow_fetch,
        url_map: {
            let mut map = clr_harness::fetch::UrlMap::default();
            for (prefix, dir) in &args.url_map {
                map.add(prefix.clone(), dir.clone());
            }
            map
        },
        allowed_hosts,
        recording,
        command: std::env::args().collect(),
        started,
        started_at,
        ..ProviderRunConfig::new(target, uploads)
    };
    // The embedded run shows both sides: after the provider's checks, the reference consumer is graded against the
    // same provider, and the reference verifier on the verifier case set (each when any of its checks is selected).
    let wanted = |checks: &[clr_harness::check::Check]| checks.iter().any(|c| consumer_selection.selects(c.id));
    let consumer_wanted = wanted(clr_harness::consumer::checks::CHECKS);
    let verifier_wanted = wanted(clr_harness::verifier::checks::CHECKS);
    let case_wanted = wanted(clr_harness::api::case10::CHECKS);
    let grade_other_side = || {
        let Some(env) = &embedded else {
            return Vec::new();
        };
        let mut graded = Vec::new();
        if consumer_wanted {
            log("grading the reference consumer against the same provider, in every conformant situation");
            // The provider's checks are done: from now on it serves small pages, expires tokens and throttles once,
            // so the consumer's reactions are judged, not just its requests.
            for p in clr_mocks::provider::Provocation::ALL {
                env.servers.provider_state.provoke(p);
            }
            let redactor = Redactor::when(!args.no_redact);
            let mark = env.tap_mark();
            let consumer = env.grade_reference_consumer(
                &consumer_selection,
                args.report.strict,
                &redactor,
                consumer_cacert.as_deref(),
            );
            graded.push(runtime.block_on(consumer));
            // What it upserted is an issuer's output: judged as documents (for the Issuer bundles).
            let (upserted, fetches) = env.judge_upserts_since(
                mark,
                &consumer_selection,
                args.report.strict,
                consumer_cacert.as_deref(),
            );
            let mut fetches = Some(fetches);
            for subject in upserted {
                graded.push((subject, fetches.take().unwrap_or_default()));
            }
        }
        // Open Badges 2.0 and CLR 1.0 documents, hosted, signed and baked, as an issuer of those standards publishes
        // them.
        log("validating the OB 2.0 badges and the CLR 1.0 transcript the mocks host");
        let (legacy, fetches) =
            env.judge_legacy_documents(&consumer_selection, args.report.strict, consumer_cacert.as_deref());
        let mut fetches = Some(fetches);
        for subject in legacy {
            graded.push((subject, fetches.take().unwrap_or_default()));
        }
        if case_wanted {
            // The CASE server the issuer's credentials align to, tested as any CASE server would be.
            log("testing the CASE 1.0 server the credentials align to");
            let recording = clr_harness::redact::Recording {
                redactor: Redactor::when(!args.no_redact),
                cacert: consumer_cacert.clone(),
            };
            let (subjects, exchanges) =
                runtime.block_on(env.judge_case_server(&consumer_selection, args.report.strict, recording));
            let mut exchanges = Some(exchanges);
            for subject in subjects {
                graded.push((subject, exchanges.take().unwrap_or_default()));
            }
        }
        if verifier_wanted {
            log("grading the reference verifier on the verifier credentials");
            match runtime.block_on(grade_reference_verifier(&consumer_selection, args.report.strict)) {
                Ok(verifier) => graded.push(verifier),
                Err(e) => eprintln!("warning: the reference verifier was not graded: {e}"),
            }
        }
        graded
    };
    let run = session::run_provider_then(config, &runtime, &log, grade_other_side);
    if let Some(env) = embedded {
        runtime.block_on(env.shutdown());
    }
    let run = run?;

    args.report.finish(&run, args.color, Some(started))
}

/// The reference verifier's grade on the verifier case set (with its own status host).
async fn grade_reference_verifier(
    selection: &clr_harness::catalogue::Selection,
    strict: bool,
) -> Result<(clr_reports::Subject, Vec<clr_reports::Exchange>), String> {
    let bench = clr_ecosystem::verifier::VerifierBench::start(1).await?;
    let graded = bench.grade_reference(&[], selection, strict).await;
    bench.shutdown().await;
    graded.map(|g| (g.subject, g.exchanges))
}

/// The CA file the reports' curl commands pass to `--cacert`, when the run trusted a CA besides the system's: a
/// single CA file as given; otherwise the CAs (in-memory ones, e.g. the embedded mocks', and any files) written as one
/// bundle to `<report-dir>/ca.pem`. Without a report directory the commands name `ca.pem` and a note says what to
/// put there.
pub(super) fn curl_cacert(pems: &[String], files: &[PathBuf], report_dir: Option<&Path>) -> Result<Option<String>> {
    if pems.is_empty() {
        match files {
            [] => return Ok(None),
            [one] => return Ok(Some(one.display().to_string())),
            _ => {}
        }
    }
    let mut bundle = String::new();
    for pem in pems {
        bundle.push_str(pem.trim_end());
        bundle.push('\n');
    }
    for file in files {
        let pem = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
        bundle.push_str(pem.trim_end());
        bundle.push('\n');
    }
    let Some(dir) = report_dir else {
        eprintln!(
            "note: the curl commands in the report pass --cacert ca.pem: give --report-dir DIR to have the CA \
             bundle written there as DIR/ca.pem"
        );
        return Ok(Some("ca.pem".into()));
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join("ca.pem");
    std::fs::write(&path, bundle).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(Some(path.display().to_string()))
}
