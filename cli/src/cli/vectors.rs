//! `clr-harness vectors`: generated vectors written as files with a manifest.toml in the fixed vectors' format
//! (vectors/README.md), and the list of mutation operators with the checks each trips.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use clr_harness::generate::mutate::{self, OPERATORS, Operator};
use clr_harness::generate::{self, Case, Family, Settings};
use serde::Serialize;

#[derive(Debug, Subcommand)]
pub enum VectorsCommand {
    /// Write generated valid documents (and, with --mutations, their mutants) plus a manifest.toml listing each
    /// file's expected verdict and trips, in the format of vectors/fixed.
    Generate(GenerateArgs),
    /// List the mutation operators and the checks each one trips.
    Mutations,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Seed (decimal or 0x-hex): the same seed and options write the same files. Default: from the clock (printed).
    #[arg(long, value_parser = parse_seed)]
    seed: Option<u64>,
    /// How many valid documents to generate.
    #[arg(long, default_value_t = 10)]
    count: usize,
    /// Generate only this family (default: OB 3.0 and CLR 2.0 alternately).
    #[arg(long, value_enum)]
    family: Option<FamilyArg>,
    /// Also write mutants of each document: `all` operators, or a comma-separated list of operator names
    /// (`clr-harness vectors mutations` lists them).
    #[arg(long, value_name = "all|NAME,…")]
    mutations: Option<String>,
    /// Directory to write to (created if missing; files of the same names are overwritten).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FamilyArg {
    Ob30,
    Clr20,
}

fn parse_seed(s: &str) -> Result<u64, String> {
    generate::parse_seed(s).ok_or_else(|| format!("`{s}` is not a number (decimal or 0x-hex)"))
}

pub fn run(command: &VectorsCommand) -> i32 {
    let result = match command {
        VectorsCommand::Generate(args) => write_vectors(args),
        VectorsCommand::Mutations => {
            print!("{}", mutations_text());
            Ok(())
        }
    };
    super::exit_code(result)
}

/// The operator list: name, what it does, what it trips.
fn mutations_text() -> String {
    let mut out = String::new();
    for op in OPERATORS {
        out.push_str(&format!("{}\n  {}\n  trips: {}\n", op.name, op.summary, op.trips));
    }
    out
}

/// One manifest entry (the fields `tests/lib.rs` reads).
#[derive(Debug, Serialize)]
struct Entry {
    file: String,
    expect: &'static str,
    trips: Vec<String>,
    description: String,
}

#[derive(Debug, Serialize)]
struct Manifest {
    vector: Vec<Entry>,
}

fn selected_operators(spec: Option<&str>) -> Result<Vec<&'static Operator>> {
    let Some(spec) = spec else { return Ok(Vec::new()) };
    if spec == "all" {
        return Ok(OPERATORS.iter().collect());
    }
    spec.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|name| {
            mutate::operator(name)
                .with_context(|| format!("unknown mutation operator `{name}` (see `clr-harness vectors mutations`)"))
        })
        .collect()
}

/// The verdict a set of trips gives: the worst outcome of their checks' violations.
fn expect_of(trips: &[String]) -> &'static str {
    use clr_reports::Outcome;
    let worst = trips
        .iter()
        .filter_map(|id| clr_harness::catalogue::get(id))
        .map(clr_harness::check::findings::violation_outcome)
        .max_by_key(|o| o.rank());
    match worst {
        Some(Outcome::Fail) | Some(Outcome::Error) => "fail",
        Some(Outcome::Warn) => "warn",
        _ => "pass",
    }
}

fn write_vectors(args: &GenerateArgs) -> Result<()> {
    if args.count == 0 {
        bail!("--count must be at least 1");
    }
    let operators = selected_operators(args.mutations.as_deref())?;
    let settings = Settings {
        seed: args.seed.unwrap_or_else(generate::clock_seed),
        cases: args.count,
    };
    eprintln!(
        "generating {} document(s) with seed {} (--seed {} writes the same files)",
        args.count, settings.seed, settings.seed
    );
    std::fs::create_dir_all(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut entries = Vec::new();
    for i in 0..args.count {
        let family = match args.family {
            Some(FamilyArg::Ob30) => Family::Ob30,
            Some(FamilyArg::Clr20) => Family::Clr20,
            None => Family::ALL[i % Family::ALL.len()],
        };
        let mut g = settings.gen_for("vectors", i);
        let case = Case::random(family, &mut g);
        let generated = case.generate();
        let stem = format!("{}-{:04}", family.slug(), i + 1);
        let file = format!("{stem}-ok.json");
        write_json(&args.out.join(&file), &generated.doc)?;
        entries.push(Entry {
            file,
            expect: "pass",
            trips: Vec::new(),
            description: format!(
                "generated {} (seed {}, case {i}): valid by construction",
                match family {
                    Family::Ob30 => "OB 3.0 AchievementCredential",
                    Family::Clr20 => "CLR 2.0 ClrCredential",
                },
                settings.seed
            ),
        });
        // Each operator draws its site from the same tail of the case's tape, so a file name and seed say
        // exactly which mutant it is.
        for op in &operators {
            let mut ch = case.chooser();
            let _ = generate::generate(family, &mut ch);
            let Some(m) = op.apply(&generated.doc, &mut ch) else {
                continue;
            };
            let trips: Vec<String> = m.checks().into_iter().collect();
            let expect = expect_of(&trips);
            let suffix = if expect == "pass" { "ok" } else { "fail" };
            let file = format!("{stem}-{}-{suffix}.json", op.name);
            write_json(&args.out.join(&file), &m.doc)?;
            let at: Vec<String> = m.trips.iter().map(|(c, p)| format!("{c} at {}", show(p))).collect();
            entries.push(Entry {
                file,
                expect,
                trips,
                description: format!(
                    "{}: {} (expected: {})",
                    op.name,
                    m.what,
                    if at.is_empty() {
                        "nothing".to_string()
                    } else {
                        at.join(", ")
                    }
                ),
            });
        }
    }
    let manifest = toml::to_string(&Manifest { vector: entries }).context("cannot write the manifest")?;
    let header = format!(
        "# generated vectors: clr-harness vectors generate --seed {} --count {}{}{} (valid documents and mutants, each \
         with the trips its operator declares)\n\n",
        settings.seed,
        args.count,
        args.family
            .map(|f| format!(
                " --family {}",
                if matches!(f, FamilyArg::Ob30) { "ob30" } else { "clr20" }
            ))
            .unwrap_or_default(),
        args.mutations
            .as_deref()
            .map(|m| format!(" --mutations {m}"))
            .unwrap_or_default(),
    );
    let path = args.out.join("manifest.toml");
    std::fs::write(&path, format!("{header}{manifest}")).with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!("wrote {} and its vectors to {}", path.display(), args.out.display());
    Ok(())
}

fn write_json(path: &Path, doc: &serde_json::Value) -> Result<()> {
    let mut text = serde_json::to_string_pretty(doc).context("cannot serialize a generated document")?;
    text.push('\n');
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

fn show(ptr: &str) -> &str {
    if ptr.is_empty() { "/" } else { ptr }
}
