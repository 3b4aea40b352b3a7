//! Argument parsing and the subcommands.

mod consumer;
mod keys;
mod mocks;
mod run;
mod sign;
mod validate;
mod vectors;
mod verifier;

use std::ffi::OsString;
use std::io::IsTerminal;

use clap::{Args, Parser, Subcommand, ValueEnum};
use clr_harness::catalogue::Selection;
use clr_harness::exit;

/// Conformance harness for 1EdTech Open Badges 3.0 and CLR 2.0: validates credentials against the data model and
/// reports every finding with its rule, location and spec link.
#[derive(Debug, Parser)]
#[command(name = "clr-harness", version, about, long_about = None, max_term_width = 110)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the check catalogue (id, level, roles, requirement, spec link).
    Checks(ChecksArgs),
    /// Validate credentials: JSON, compact JWS (VC-JWT), baked PNG or SVG; files, directories, URLs or `-` (stdin).
    Validate(Box<validate::ValidateArgs>),
    /// Sign a credential: an embedded Data Integrity proof (Ed25519, eddsa-rdfc-2022) or a VC-JWT.
    Sign(Box<sign::SignArgs>),
    /// Signing keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// The mock ecosystem: CASE server, mock issuer, reference provider with its OAuth 2.0 server.
    Mocks(mocks::MocksArgs),
    /// Provider conformance: check an OB 3.0 / CLR 2.0 provider's REST API and OAuth 2.0 server, and verify every
    /// credential it returns. Without a target, runs against the embedded reference provider and mocks.
    Run(Box<run::RunArgs>),
    /// Write a commented target file for `clr-harness run --target`.
    Init(run::InitArgs),
    /// Consumer conformance: the harness plays the provider (reference provider and OAuth 2.0 server over HTTPS)
    /// and grades the client that talks to it: a command (--exec), its reference consumer (--reference), or an app.
    Consumer(Box<consumer::ConsumerArgs>),
    /// Verifier conformance: shows a displayer, wallet or verification service credentials it must accept and
    /// ones it must reject (through a command, the W3C VC-API, or its reference verifier) and grades each verdict.
    Verifier(Box<verifier::VerifierArgs>),
    /// Generated vectors: valid documents from the data model and mutants that break one rule each.
    #[command(subcommand)]
    Vectors(vectors::VectorsCommand),
}

#[derive(Debug, Args)]
struct ChecksArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = CatalogueFormat::Text)]
    format: CatalogueFormat,
    #[command(flatten)]
    select: SelectArgs,
    #[command(flatten)]
    color: ColorArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CatalogueFormat {
    Text,
    Json,
    Md,
}

/// Where and how a run is reported.
#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
    /// Report formats: text, json, junit, md, html (comma-separated). Printed to stdout, or written to --report-dir.
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub format: Vec<clr_reports::ReportFormat>,
    /// Write every report format (or the --format subset) into this directory.
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<std::path::PathBuf>,
    /// SHOULD-level violations, and rules marked inferred, count as failures (exit code 1).
    #[arg(long)]
    pub strict: bool,
    /// Also list passing and not-applicable checks.
    #[arg(short, long)]
    pub verbose: bool,
}

impl ReportArgs {
    /// Before a run: the formats can be written and something is selected. `None` when nothing is (exit 4).
    pub fn begin(&self, select: &SelectArgs) -> anyhow::Result<Option<Selection>> {
        check_formats(&self.format, self.report_dir.as_deref())?;
        let selection = select.selection();
        Ok(report_selection(&selection).then_some(selection))
    }

    /// After a run: every report written or printed, the time it took when `started` is given, and the exit code.
    pub fn finish(
        &self,
        run: &clr_reports::Run,
        color: ColorArgs,
        started: Option<std::time::Instant>,
    ) -> anyhow::Result<i32> {
        let terminal = clr_reports::terminal::TerminalOptions {
            color: color.enabled(),
            verbose: self.verbose,
        };
        let reporter_bug = emit_reports(run, &self.format, self.report_dir.as_deref(), &terminal)?;
        if let Some(started) = started {
            eprintln!("finished in {:.2} s", started.elapsed().as_secs_f64());
        }
        Ok(after_reports(run, reporter_bug))
    }
}

/// Which checks run.
#[derive(Debug, Args, Clone)]
pub struct SelectArgs {
    /// Run only checks whose id matches this glob (`OB30-DM-*`, `CLR20-*`, or a prefix such as `OB30-END`). Repeatable.
    #[arg(long, value_name = "GLOB")]
    pub only: Vec<String>,
    /// Skip checks whose id matches this glob. Repeatable.
    #[arg(long, value_name = "GLOB")]
    pub skip: Vec<String>,
}

impl SelectArgs {
    pub fn selection(&self) -> Selection {
        Selection {
            only: self.only.clone(),
            skip: self.skip.clone(),
        }
    }
}

#[derive(Debug, Args, Clone, Copy)]
pub struct ColorArgs {
    /// When to colour terminal output (`NO_COLOR` and non-terminals mean never under `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorArgs {
    pub fn enabled(self) -> bool {
        match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::env::var("TERM").map(|t| t != "dumb").unwrap_or(true)
            }
        }
    }
}

/// Runs the command line and returns the exit code.
pub fn run(args: Vec<OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { exit::USAGE } else { exit::OK };
        }
    };
    match cli.command {
        Command::Checks(args) => checks(&args),
        Command::Validate(args) => validate::run(&args),
        Command::Sign(args) => sign::run(&args),
        Command::Keys(command) => keys::run(&command),
        Command::Mocks(args) => mocks::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Init(args) => run::init(&args),
        Command::Consumer(args) => consumer::run(&args),
        Command::Verifier(args) => verifier::run(&args),
        Command::Vectors(command) => vectors::run(&command),
    }
}

/// Warns about globs that match nothing; returns `false` when nothing at all is selected.
pub fn report_selection(sel: &Selection) -> bool {
    for glob in sel.unmatched_globs() {
        eprintln!("warning: --only/--skip pattern `{glob}` matches no check id (see `clr-harness checks`)");
    }
    if sel.selected().next().is_none() {
        eprintln!("error: no checks selected by --only/--skip");
        return false;
    }
    true
}

fn checks(args: &ChecksArgs) -> i32 {
    let sel = args.select.selection();
    if !report_selection(&sel) {
        return exit::NO_CHECKS;
    }
    let infos: Vec<_> = sel.selected().map(clr_harness::check::Check::info).collect();
    let out = match args.format {
        CatalogueFormat::Text => clr_reports::catalogue::catalogue_text(&infos, args.color.enabled()),
        CatalogueFormat::Md => clr_reports::catalogue::catalogue_markdown(&infos),
        CatalogueFormat::Json => match clr_reports::catalogue::catalogue_json(&infos) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: failed to render the catalogue: {e}");
                return exit::BUG;
            }
        },
    };
    print!("{out}");
    if !out.ends_with('\n') {
        println!();
    }
    exit::OK
}

/// The exit code of a subcommand: its own on success; on an error, the error with its context on stderr and
/// [`exit::USAGE`] (errors at this edge are the user's input or environment, never a finding).
pub fn exit_code<T: Into<ExitWith>>(result: anyhow::Result<T>) -> i32 {
    match result {
        Ok(done) => done.into().0,
        Err(e) => {
            eprintln!("error: {e:#}");
            exit::USAGE
        }
    }
}

/// What a subcommand's success means for the exit code: `()` is 0, an `i32` is itself.
pub struct ExitWith(i32);

impl From<()> for ExitWith {
    fn from(_: ()) -> Self {
        ExitWith(exit::OK)
    }
}

impl From<i32> for ExitWith {
    fn from(code: i32) -> Self {
        ExitWith(code)
    }
}

/// Several formats need files: printed one after the other to stdout, no tool could read them back. Called before
/// a run starts, so the mistake costs nothing.
pub fn check_formats(
    formats: &[clr_reports::ReportFormat],
    report_dir: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let mut distinct = formats.to_vec();
    distinct.dedup();
    if report_dir.is_none() && distinct.len() > 1 {
        anyhow::bail!(
            "--format {} would print {} reports to stdout one after the other: give --report-dir DIR to write one \
             file per format, or name one --format",
            distinct.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(","),
            distinct.len()
        );
    }
    Ok(())
}

/// Prints the terminal report and writes (or prints) the other formats: all formats into `report_dir` when one is
/// given and `formats` is empty, else `formats` (default text) to stdout. Returns whether a reporter hit a harness
/// bug (said on stderr; every other format is still written): the caller exits with [`exit::BUG`].
pub fn emit_reports(
    run: &clr_reports::Run,
    formats: &[clr_reports::ReportFormat],
    report_dir: Option<&std::path::Path>,
    terminal_opts: &clr_reports::terminal::TerminalOptions,
) -> anyhow::Result<bool> {
    use anyhow::Context;
    use clr_reports::{ReportError, ReportFormat};
    let formats = match (formats.is_empty(), report_dir.is_some()) {
        (true, true) => ReportFormat::ALL.to_vec(),
        (true, false) => vec![ReportFormat::Text],
        (false, _) => formats.to_vec(),
    };
    check_formats(&formats, report_dir)?;
    let mut bug = false;
    let mut report_bug = |e: &ReportError| {
        eprintln!("error: {e}");
        bug = true;
    };
    match report_dir {
        Some(dir) => {
            let written = match clr_reports::write_reports(run, dir, &formats) {
                Ok(written) => written,
                Err(e) if e.is_bug() => {
                    report_bug(&e);
                    Vec::new()
                }
                Err(e) => return Err(e).with_context(|| format!("failed to write reports to {}", dir.display())),
            };
            match terminal(run, terminal_opts) {
                Ok(text) => print!("{text}"),
                Err(e) => report_bug(&e),
            }
            for path in written {
                println!("wrote {}", path.display());
            }
        }
        None => {
            for format in formats {
                if format == ReportFormat::Json {
                    // Streamed as it is serialised (a large run is never held as text too); a closed standard
                    // output ends it quietly, as for the other formats.
                    let stdout = std::io::stdout();
                    let mut out = std::io::BufWriter::new(stdout.lock());
                    let streamed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        clr_reports::json::write(run, &mut out)
                    }));
                    let _ = std::io::Write::flush(&mut out);
                    match streamed {
                        Ok(Ok(())) => {}
                        Ok(Err(ReportError::Json(e))) if e.is_io() => {}
                        Ok(Err(e)) => return Err(e).context("failed to render the report"),
                        Err(payload) => report_bug(&ReportError::Bug {
                            format,
                            message: clr_reports::panic_message(payload.as_ref()),
                        }),
                    }
                    continue;
                }
                let out = match format {
                    ReportFormat::Text => terminal(run, terminal_opts),
                    other => other.render(run),
                };
                match out {
                    Ok(out) => {
                        print!("{out}");
                        if !out.ends_with('\n') {
                            println!();
                        }
                    }
                    Err(e) if e.is_bug() => report_bug(&e),
                    Err(e) => return Err(e).context("failed to render the report"),
                }
            }
        }
    }
    Ok(bug)
}

/// The terminal report with the user's options, a panic in it caught like any reporter's.
fn terminal(
    run: &clr_reports::Run,
    opts: &clr_reports::terminal::TerminalOptions,
) -> Result<String, clr_reports::ReportError> {
    std::panic::catch_unwind(|| clr_reports::terminal::render(run, opts)).map_err(|payload| {
        clr_reports::ReportError::Bug {
            format: clr_reports::ReportFormat::Text,
            message: clr_reports::panic_message(payload.as_ref()),
        }
    })
}

/// The exit code after the reports: a reporter bug wins, else the run's own.
pub fn after_reports(run: &clr_reports::Run, reporter_bug: bool) -> i32 {
    if reporter_bug { exit::BUG } else { run.summary.exit_code }
}
