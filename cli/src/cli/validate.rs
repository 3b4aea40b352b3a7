//! `clr-harness validate`: gather inputs (files, directories, URLs, stdin) within limits, run the engine, render
//! and write the reports.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Args;
use clr_harness::case::Profile as CaseProfile;
use clr_harness::engine::{self, Input, InputFailure, Options};
use clr_harness::fetch::{FetchPolicy, UrlMap};
use clr_harness::input::{self, FetchOptions};
use clr_harness::jsonld::canon::Budget;
use clr_harness::redact::{self, Recording, Redactor};
use clr_harness::schema::OfficialSchemas;
use clr_harness::verify::{Env, Net, Recipient};
use clr_harness::{decode::Limits, exit};
use clr_reports::RunOptions;

use super::{ColorArgs, ReportArgs, SelectArgs, exit_code};

/// File extensions a directory input is searched for.
const CREDENTIAL_EXTENSIONS: &[&str] = &["json", "jsonld", "jwt", "jws", "png", "svg"];

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Files, directories (searched for .json .jwt .jws .png .svg), http(s) URLs, or `-` for standard input.
    #[arg(required = true, value_name = "FILE|DIR|URL|-")]
    inputs: Vec<String>,
    /// Directory laid out like the official 1EdTech artefacts (ob-3.0/schemas/jsonld, clr-2.0/schemas/jsonld):
    /// enables the official JSON Schema cross-check (offline).
    #[arg(long, env = "CLR_SPEC_DIR", value_name = "DIR")]
    spec_dir: Option<PathBuf>,
    /// Largest input accepted, in bytes.
    #[arg(long, default_value_t = Limits::default().max_input_bytes, value_name = "BYTES")]
    max_input_bytes: u64,
    /// Total time allowed for fetching one URL, in seconds.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    timeout: u64,
    /// Judge validity windows at this instant (RFC 3339) instead of the current time, for reproducible runs.
    #[arg(long, value_name = "DATE-TIME", value_parser = parse_now)]
    now: Option<Env>,
    /// The recipient the credentials must be about: `id:<uri>`, `email:<address>` or `<identityType>:<value>`;
    /// hashed identifiers are matched with their salt.
    #[arg(long, value_name = "TYPE:VALUE")]
    recipient: Option<Recipient>,
    /// Check the data model only: do not verify proofs (no key resolution, no canonicalization).
    #[arg(long)]
    no_proofs: bool,
    /// Let verification fetch public URLs found inside documents (keys, status lists, refresh services, did:web).
    /// Off by default: a needed fetch is then a Skip with the reason, never a pass.
    #[arg(long)]
    allow_fetch: bool,
    /// A host (`name` or `name:port`) verification may always fetch from, even on loopback or a private
    /// address (a mock or a test server). Repeatable.
    #[arg(long, value_name = "HOST")]
    allow_host: Vec<String>,
    /// Allow fetches to private and link-local addresses (never loopback; use --allow-host for that).
    #[arg(long)]
    allow_private: bool,
    /// Resolve a did:web from another base URL, e.g. `did:web:issuer.example=http://127.0.0.1:8080` (its host is
    /// allowed too). Repeatable.
    #[arg(long, value_name = "DID=URL", value_parser = parse_did_web_map)]
    did_web_map: Vec<(String, String)>,
    /// Answer every URL under PREFIX from the files under DIR, as if fetched (hosted badges offline and in CI):
    /// `PREFIX/a/b` is `DIR/a/b` or `DIR/a/b.json`, the content type follows the extension, a missing file is a 404,
    /// and `DIR/a/b.status` holding e.g. `410` answers that status. Applies to inputs named by URL too. Repeatable.
    #[arg(long, value_name = "PREFIX=DIR", value_parser = UrlMap::parse_entry)]
    url_map: Vec<(String, PathBuf)>,
    /// Trust the certificate authority in this PEM file for https, besides the system's: e.g. the one
    /// `clr-harness mocks serve --https --ca-out FILE` wrote. Repeatable.
    #[arg(long, value_name = "FILE")]
    ca_cert: Vec<PathBuf>,
    /// Exit 0 even when a proof, key or status could not be checked (the subject stays *unverified* in every
    /// report). For shape-only validation; `--no-proofs` skips verification altogether.
    #[arg(long)]
    allow_unverified: bool,
    /// Keep secrets in the reports: tokens and passwords in fetched URLs (userinfo, `access_token=` …) and
    /// cookies. By default they are replaced by placeholders such as `<access-token-1>`; with this flag the reports
    /// contain live secrets: for local debugging only, never for files CI uploads.
    #[arg(long)]
    no_redact: bool,
    /// How CASE documents are held to the CASE 1.0 OpenAPI: `strict` (as written; what certification tests) or
    /// `interop` (the departures real servers are documented to make are warnings).
    #[arg(long, value_name = "PROFILE", default_value = "strict", value_parser = CaseProfile::parse)]
    case_profile: CaseProfile,
    /// Documents checked at once (default: one per core). The reports are the same whatever the number: in input
    /// order, each document's exchanges numbered within it.
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    #[command(flatten)]
    report: ReportArgs,
    #[command(flatten)]
    select: SelectArgs,
    #[command(flatten)]
    color: ColorArgs,
}

pub fn run(args: &ValidateArgs) -> i32 {
    exit_code(validate(args))
}

fn validate(args: &ValidateArgs) -> Result<i32> {
    let started = Instant::now();
    let started_at = clr_harness::datetime::now_rfc3339();
    let Some(selection) = args.report.begin(&args.select)? else {
        return Ok(exit::NO_CHECKS);
    };
    let schemas = match &args.spec_dir {
        Some(dir) => Some(
            OfficialSchemas::load(dir)
                .with_context(|| format!("failed to load the official schemas from {}", dir.display()))?,
        ),
        None => None,
    };
    let limits = Limits {
        max_input_bytes: args.max_input_bytes,
    };
    let mut policy = fetch_policy(args);
    for file in &args.ca_cert {
        let pem = std::fs::read_to_string(file).with_context(|| format!("failed to read {}", file.display()))?;
        policy
            .trust_pem(&pem)
            .map_err(|e| anyhow::anyhow!("--ca-cert {}: {e}", file.display()))?;
    }
    let redactor = Redactor::when(!args.no_redact);
    // A token in an input's URL names the subject and shows in the command line: known before anything is fetched.
    for name in args
        .inputs
        .iter()
        .filter(|n| n.starts_with("http://") || n.starts_with("https://"))
    {
        redactor.learn_url(name);
    }
    policy.recording = Recording {
        redactor: redactor.clone(),
        cacert: super::run::curl_cacert(&[], &args.ca_cert, args.report.report_dir.as_deref())?,
    };
    let timeout = Duration::from_secs(args.timeout);
    let inputs = gather(&args.inputs, &limits, timeout, &policy.extra_roots_pem, &policy.url_map)?;
    let net = if args.no_proofs {
        None
    } else {
        Some(Net::new(policy).context("failed to start the fetcher")?)
    };
    let opts = Options {
        selection: selection.clone(),
        strict: args.report.strict,
        limits,
        schemas: schemas.as_ref(),
        schemas_missing: Some(
            "needs the official artefacts: pass --spec-dir DIR (or set CLR_SPEC_DIR) to cross-check against the 1EdTech JSON Schemas".into(),
        ),
        env: Env { recipient: args.recipient.clone(), ..args.now.clone().unwrap_or_default() },
        net: net.as_ref(),
        budget: Budget::default(),
        case_profile: args.case_profile,
    };
    let jobs = args
        .jobs
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let subjects = engine::check_in_parallel(inputs.len(), |i| inputs[i].take(&limits), &opts, jobs);
    let options = RunOptions {
        strict: args.report.strict,
        allow_unverified: args.allow_unverified,
        only: selection.only,
        skip: selection.skip,
        spec_dir: args.spec_dir.as_ref().map(|d| d.display().to_string()),
    };
    let command = std::env::args().collect();
    let exchanges = net.as_ref().map(Net::exchanges).unwrap_or_default();
    let mut run = engine::build_run(subjects, options, command, started_at, started, exchanges);
    redact::scrub_run(&redactor, &mut run);

    args.report.finish(&run, args.color, None)
}

/// An input to check: already read (named files, URLs, stdin), or a file found in a directory, read when a worker
/// takes it so that a directory is never held in memory whole.
enum Pending {
    Read(Mutex<Option<Input>>),
    InDirectory(PathBuf),
}

impl Pending {
    /// The input, read now if it was not yet (each pending input is taken once).
    fn take(&self, limits: &Limits) -> Input {
        match self {
            Pending::Read(input) => input.lock().ok().and_then(|mut i| i.take()).unwrap_or_else(|| Input {
                source: "(input)".into(),
                bytes: Err(InputFailure::Unreadable("harness bug: an input was taken twice".into())),
            }),
            // A file that went away or became unreadable since the walk is that document's error, not the run's.
            Pending::InDirectory(path) => Input {
                source: path.display().to_string(),
                bytes: input::read_file(path, limits.max_input_bytes).map_err(InputFailure::from),
            },
        }
    }
}

/// Reads every named input (an unreadable named file is a usage error, an unreachable URL an `Error` subject) and
/// lists the files of named directories.
fn gather(
    names: &[String],
    limits: &Limits,
    timeout: Duration,
    roots: &[String],
    url_map: &UrlMap,
) -> Result<Vec<Pending>> {
    let mut inputs = Vec::new();
    let read = |input: Input| Pending::Read(Mutex::new(Some(input)));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")?;
    for name in names {
        if name == "-" {
            inputs.push(read(Input {
                source: "-".into(),
                bytes: readable(input::read_stdin(limits.max_input_bytes), "-")?,
            }));
        } else if let Some(mapped) = url_map.answer(name) {
            let bytes = match mapped.status {
                200 => Ok(mapped.body),
                status => Err(InputFailure::Unreadable(format!(
                    "{name} answered {status} (--url-map: {})",
                    mapped.file.display()
                ))),
            };
            inputs.push(read(Input {
                source: name.clone(),
                bytes,
            }));
        } else if name.starts_with("http://") || name.starts_with("https://") {
            let opts = FetchOptions {
                limit: limits.max_input_bytes,
                timeout,
                extra_roots_pem: roots.to_vec(),
                ..FetchOptions::default()
            };
            let fetched = runtime.block_on(input::fetch_url(name, &opts));
            inputs.push(read(Input {
                source: name.clone(),
                bytes: fetched.map(|f| f.bytes).map_err(InputFailure::from),
            }));
        } else {
            let path = Path::new(name);
            if path.is_dir() {
                let files = credential_files(path);
                if files.is_empty() {
                    anyhow::bail!(
                        "{name} contains no credential files ({})",
                        CREDENTIAL_EXTENSIONS.join(", ")
                    );
                }
                inputs.extend(files.into_iter().map(Pending::InDirectory));
            } else {
                inputs.push(read(Input {
                    source: name.clone(),
                    bytes: readable(input::read_file(path, limits.max_input_bytes), name)?,
                }));
            }
        }
    }
    Ok(inputs)
}

fn fetch_policy(args: &ValidateArgs) -> FetchPolicy {
    let mut policy = FetchPolicy {
        allow_fetch: args.allow_fetch,
        allow_private: args.allow_private,
        did_web_map: args.did_web_map.clone(),
        ..FetchPolicy::default()
    };
    for host in &args.allow_host {
        policy.allowed_hosts.push(host.clone());
    }
    for (_, base) in &args.did_web_map {
        policy.allow_host_of(base);
    }
    for (prefix, dir) in &args.url_map {
        policy.url_map.add(prefix.clone(), dir.clone());
    }
    policy
}

fn parse_did_web_map(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((did, url))
            if did.starts_with("did:web:") && (url.starts_with("http://") || url.starts_with("https://")) =>
        {
            Ok((did.to_string(), url.trim_end_matches('/').to_string()))
        }
        _ => Err(format!("expected did:web:HOST=http(s)://BASE, got `{s}`")),
    }
}

fn parse_now(s: &str) -> Result<Env, String> {
    Env::at(s).ok_or_else(|| format!("`{s}` is not an RFC 3339 date-time with a time zone (e.g. 2025-06-01T00:00:00Z)"))
}

/// A local read: a too-large document is a finding about the document; any other failure (missing file,
/// permissions) is a usage error that stops the run.
fn readable(read: Result<Vec<u8>, input::InputError>, name: &str) -> Result<Result<Vec<u8>, InputFailure>> {
    match read {
        Ok(bytes) => Ok(Ok(bytes)),
        Err(e) => match e.as_decode_error() {
            Some(d) => Ok(Err(InputFailure::Undecodable(Box::new(d)))),
            None => Err(anyhow::Error::new(e).context(format!("failed to read {name}"))),
        },
    }
}

/// Credential files under a directory, recursively, in a stable order. The walk never follows a symbolic link to a
/// directory (so a link cycle cannot make it endless, and it never leaves the named tree), and takes only regular
/// files (a link to one included): a FIFO, device or socket named `*.json` would block the read or never end.
fn credential_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let p = entry.path();
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                stack.push(p);
                continue;
            }
            let regular =
                kind.is_file() || (kind.is_symlink() && std::fs::metadata(&p).is_ok_and(|m| m.file_type().is_file()));
            if regular
                && p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| CREDENTIAL_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
