//! `clr-harness vectors`: generated vectors written as files with a manifest.toml in the fixed vectors' format
//! (vectors/README.md), and the list of mutation operators with the checks each trips.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use clr_harness::generate::bake::{self, CARRIER_OPERATORS, Carrier, CarrierOperator};
use clr_harness::generate::mutate::{self, OPERATORS, Operator};
use clr_harness::generate::sign::{self, Signing};
use clr_harness::generate::tamper::{self, SIGNED_OPERATORS, SignedOperator};
use clr_harness::generate::{self, Case, Family, Settings};
use clr_harness::proof::sign::Signed;
use serde::Serialize;

#[derive(Debug, Subcommand)]
pub enum VectorsCommand {
    /// Write generated valid documents (and, with --mutations, their mutants) plus a manifest.toml listing each
    /// file's expected verdict and trips, in the format of vectors/fixed.
    Generate(GenerateArgs),
    /// List the mutation operators and the checks each one trips.
    Mutations,
    /// Keep a document as a fixed vector: copy it into a vectors/fixed directory as `<name>-ok|warn|fail.<ext>` and
    /// add its entry to that directory's manifest.toml. The entry (trips, description) comes from the `.toml` file
    /// beside the document — what a failing generated property writes — or from --trips / --description.
    Freeze(FreezeArgs),
}

#[derive(Debug, Args)]
pub struct FreezeArgs {
    /// The document (JSON, compact JWS, baked PNG or SVG).
    file: PathBuf,
    /// The vectors directory to add it to (created with a manifest if missing), e.g. vectors/fixed/ob30/dm.
    #[arg(long, value_name = "DIR")]
    into: PathBuf,
    /// The vector's name (the file is `<name>-<ok|warn|fail>.<ext>`). Default: the document's file stem.
    #[arg(long)]
    name: Option<String>,
    /// The checks it must trip, comma-separated (overrides the sidecar `.toml`).
    #[arg(long, value_delimiter = ',')]
    trips: Vec<String>,
    /// What it is (overrides the sidecar `.toml`).
    #[arg(long)]
    description: Option<String>,
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
    /// Also write mutants of each document: `all` operators that apply (data-model ones to unsigned documents;
    /// proof ones, and carrier ones with --baked, to signed documents), or a comma-separated list of operator
    /// names (`clr-harness vectors mutations` lists them).
    #[arg(long, value_name = "all|NAME,…")]
    mutations: Option<String>,
    /// Sign every document with real keys derived from the seed: `di` (eddsa-rdfc-2022 Data Integrity proof),
    /// `jwt-eddsa`, `jwt-es256` or `jwt-rs256` (VC-JWT). Issuers become did:key / did:jwk so the files verify
    /// offline; embedded credentials are signed too. The manifest then asks for proof verification.
    #[arg(long, value_name = "di|jwt-eddsa|jwt-es256|jwt-rs256", value_parser = parse_signing)]
    signed: Option<Signing>,
    /// Bake every signed document into an image: `png` (iTXt openbadgecredential) or `svg`
    /// (openbadges:credential). Needs --signed.
    #[arg(long, value_name = "png|svg", value_parser = parse_carrier, requires = "signed")]
    baked: Option<Carrier>,
    /// Directory to write to (created if missing; files of the same names are overwritten).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FamilyArg {
    Ob30,
    Clr20,
}

fn parse_signing(s: &str) -> Result<Signing, String> {
    Signing::parse(s).ok_or_else(|| format!("`{s}` is not one of di, jwt-eddsa, jwt-es256, jwt-rs256"))
}

fn parse_carrier(s: &str) -> Result<Carrier, String> {
    Carrier::parse(s).ok_or_else(|| format!("`{s}` is not one of png, svg"))
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
        VectorsCommand::Freeze(args) => freeze(args),
    };
    super::exit_code(result)
}

/// The operator list: name, what it does, what it trips, by the kind of document it applies to.
fn mutations_text() -> String {
    let mut out = String::from("# data-model operators (unsigned documents)\n");
    for op in OPERATORS {
        out.push_str(&format!("{}\n  {}\n  trips: {}\n", op.name, op.summary, op.trips));
    }
    out.push_str("\n# proof operators (--signed)\n");
    for op in SIGNED_OPERATORS {
        out.push_str(&format!("{}\n  {}\n  trips: {}\n", op.name, op.summary, op.trips));
    }
    out.push_str("\n# carrier operators (--signed --baked)\n");
    for op in CARRIER_OPERATORS {
        out.push_str(&format!(
            "{} ({})\n  {}\n  trips: {}\n",
            op.name,
            op.carrier.name(),
            op.summary,
            op.trips
        ));
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
    /// Set for signed vectors: judge them with proof verification (offline).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    verify_proofs: bool,
    vector: Vec<Entry>,
}

/// The operators a run writes mutants of, by kind.
#[derive(Default)]
struct Selected {
    data_model: Vec<&'static Operator>,
    proof: Vec<&'static SignedOperator>,
    carrier: Vec<&'static CarrierOperator>,
}

fn selected_operators(spec: Option<&str>, signing: Option<Signing>, carrier: Option<Carrier>) -> Result<Selected> {
    let Some(spec) = spec else {
        return Ok(Selected::default());
    };
    let carrier_ops = || CARRIER_OPERATORS.iter().filter(move |o| Some(o.carrier) == carrier);
    if spec == "all" {
        return Ok(match signing {
            None => Selected {
                data_model: OPERATORS.iter().collect(),
                ..Selected::default()
            },
            Some(_) => Selected {
                proof: SIGNED_OPERATORS.iter().collect(),
                carrier: carrier_ops().collect(),
                ..Selected::default()
            },
        });
    }
    let mut out = Selected::default();
    for name in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if let Some(op) = mutate::operator(name) {
            if signing.is_some() {
                bail!("`{name}` is a data-model operator: it applies to unsigned documents (drop --signed)");
            }
            out.data_model.push(op);
        } else if let Some(op) = tamper::signed_operator(name) {
            if signing.is_none() {
                bail!("`{name}` is a proof operator: it needs --signed");
            }
            out.proof.push(op);
        } else if let Some(op) = bake::carrier_operator(name) {
            if carrier != Some(op.carrier) {
                bail!(
                    "`{name}` corrupts a baked {}: it needs --signed … --baked {}",
                    op.carrier.name(),
                    op.carrier.name()
                );
            }
            out.carrier.push(op);
        } else {
            bail!("unknown mutation operator `{name}` (see `clr-harness vectors mutations`)");
        }
    }
    Ok(out)
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
    let operators = selected_operators(args.mutations.as_deref(), args.signed, args.baked)?;
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
        if let Some(signing) = args.signed {
            write_signed(args, &settings, &case, &stem, signing, &operators, &mut entries)?;
            continue;
        }
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
        for op in &operators.data_model {
            let mut ch = case.chooser();
            let _ = generate::generate(family, &mut ch);
            let Some(m) = op.apply(&generated.doc, &mut ch) else {
                continue;
            };
            push_mutant(&stem, op.name, &m.what, &m.trips, &mut entries, |name| {
                let file = format!("{name}.json");
                write_json(&args.out.join(&file), &m.doc)?;
                Ok(file)
            })?;
        }
    }
    let manifest = toml::to_string(&Manifest {
        verify_proofs: args.signed.is_some(),
        vector: entries,
    })
    .context("cannot write the manifest")?;
    let header = format!(
        "# generated vectors: clr-harness vectors generate --seed {} --count {}{}{}{}{} (valid documents and mutants, \
         each with the trips its operator declares; judged at {})\n\n",
        settings.seed,
        args.count,
        args.signed
            .map(|s| format!(" --signed {}", s.name()))
            .unwrap_or_default(),
        args.baked.map(|c| format!(" --baked {}", c.name())).unwrap_or_default(),
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
        generate::EPOCH,
    );
    let path = args.out.join("manifest.toml");
    std::fs::write(&path, format!("{header}{manifest}")).with_context(|| format!("cannot write {}", path.display()))?;
    eprintln!("wrote {} and its vectors to {}", path.display(), args.out.display());
    Ok(())
}

/// Writes a signed (and maybe baked) valid document and its proof and carrier mutants.
fn write_signed(
    args: &GenerateArgs,
    settings: &Settings,
    case: &Case,
    stem: &str,
    signing: Signing,
    operators: &Selected,
    entries: &mut Vec<Entry>,
) -> Result<()> {
    let mut ch = case.chooser();
    let doc = generate::generate(case.family, &mut ch).doc;
    let signed = sign::sign_generated(&doc, signing, settings.seed).context("cannot sign a generated document")?;
    let declared: Vec<String> = signing.declared_trips().into_iter().map(|(c, _)| c).collect();
    let family = match case.family {
        Family::Ob30 => "OB 3.0 AchievementCredential",
        Family::Clr20 => "CLR 2.0 ClrCredential",
    };
    let ok = if declared.is_empty() { "ok" } else { "warn" };
    let file = write_signed_file(args, &format!("{stem}-{ok}"), &signed)?;
    entries.push(Entry {
        file,
        expect: expect_of(&declared),
        trips: declared.clone(),
        description: format!(
            "generated {family} (seed {}), signed {}: valid by construction",
            settings.seed,
            signing.name()
        ),
    });
    for op in &operators.proof {
        let input = tamper::Input {
            doc: &doc,
            signing,
            seed: settings.seed,
            now: tamper::Input::at_epoch(),
        };
        let Some(m) = op.apply(&input, &mut ch.fork()).context("cannot sign a mutant")? else {
            continue;
        };
        let mut trips = m.trips.clone();
        trips.extend(signing.declared_trips());
        push_mutant(stem, op.name, &m.what, &trips, entries, |path| {
            write_signed_file(args, path, &m.signed)
        })?;
    }
    if let Some(carrier) = args.baked {
        let baked = bake::bake(&signed, carrier);
        for op in &operators.carrier {
            let Some(m) = op.apply(&baked, &mut ch.fork()) else {
                continue;
            };
            push_mutant(stem, op.name, &m.what, &m.trips, entries, |path| {
                let file = format!("{path}.{}", carrier.name());
                std::fs::write(args.out.join(&file), &m.bytes)
                    .with_context(|| format!("cannot write {}", args.out.join(&file).display()))?;
                Ok(file)
            })?;
        }
    }
    Ok(())
}

/// Adds a mutant's entry, writing its file with `write` (given the name without extension).
fn push_mutant(
    stem: &str,
    operator: &str,
    what: &str,
    trips: &std::collections::BTreeSet<(String, String)>,
    entries: &mut Vec<Entry>,
    write: impl FnOnce(&str) -> Result<String>,
) -> Result<()> {
    let checks: Vec<String> = trips
        .iter()
        .map(|(c, _)| c.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let expect = expect_of(&checks);
    let suffix = if expect == "pass" { "ok" } else { expect };
    let file = write(&format!("{stem}-{operator}-{suffix}"))?;
    let at: Vec<String> = trips.iter().map(|(c, p)| format!("{c} at {}", show(p))).collect();
    entries.push(Entry {
        file,
        expect,
        trips: checks,
        description: format!(
            "{operator}: {what} (expected: {})",
            if at.is_empty() {
                "nothing".to_string()
            } else {
                at.join(", ")
            }
        ),
    });
    Ok(())
}

/// Writes a signed document as `<name>.json` / `<name>.jwt`, or baked as `<name>.png` / `<name>.svg`.
fn write_signed_file(args: &GenerateArgs, name: &str, signed: &Signed) -> Result<String> {
    let (file, bytes) = match args.baked {
        Some(carrier) => (format!("{name}.{}", carrier.name()), bake::bake(signed, carrier)),
        None => match signed {
            Signed::Json(_) => (
                format!("{name}.json"),
                clr_harness::proof::sign::to_text(signed).into_bytes(),
            ),
            Signed::Jws(_) => (
                format!("{name}.jwt"),
                clr_harness::proof::sign::to_text(signed).into_bytes(),
            ),
        },
    };
    let path = args.out.join(&file);
    std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(file)
}

/// `vectors freeze`: the document into `--into` and its entry into that directory's manifest.
fn freeze(args: &FreezeArgs) -> Result<()> {
    let bytes = std::fs::read(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    let sidecar = args.file.with_extension("toml");
    let side: toml::Table = match std::fs::read_to_string(&sidecar) {
        Ok(text) => toml::from_str(&text).with_context(|| format!("{} is not TOML", sidecar.display()))?,
        Err(_) => toml::Table::new(),
    };
    let trips: Vec<String> = if args.trips.is_empty() {
        side.get("trips")
            .and_then(toml::Value::as_array)
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    } else {
        args.trips.clone()
    };
    for id in &trips {
        if clr_harness::catalogue::get(id).is_none() {
            bail!("{id} is not a check of the catalogue (clr-harness checks lists them)");
        }
    }
    let description = args
        .description
        .clone()
        .or_else(|| side.get("description").and_then(toml::Value::as_str).map(str::to_owned))
        .with_context(|| format!("no description: pass --description (or write {})", sidecar.display()))?;
    let expect = expect_of(&trips);
    let suffix = if expect == "pass" { "ok" } else { expect };
    let ext = args.file.extension().and_then(|e| e.to_str()).unwrap_or("json");
    let stem = match &args.name {
        Some(n) => n.clone(),
        None => args
            .file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("frozen")
            .to_string(),
    };
    let file = format!("{stem}-{suffix}.{ext}");
    std::fs::create_dir_all(&args.into).with_context(|| format!("cannot create {}", args.into.display()))?;
    let target = args.into.join(&file);
    if target.exists() {
        bail!("{} exists: choose another --name", target.display());
    }
    let manifest_path = args.into.join("manifest.toml");
    let mut manifest = std::fs::read_to_string(&manifest_path).unwrap_or_default();
    if !manifest.is_empty() && !manifest.ends_with('\n') {
        manifest.push('\n');
    }
    let entry = toml::to_string(&Manifest {
        verify_proofs: false,
        vector: vec![Entry {
            file: file.clone(),
            expect,
            trips,
            description,
        }],
    })
    .context("cannot write the manifest entry")?;
    std::fs::write(&target, &bytes).with_context(|| format!("cannot write {}", target.display()))?;
    manifest.push('\n');
    manifest.push_str(&entry);
    std::fs::write(&manifest_path, manifest).with_context(|| format!("cannot write {}", manifest_path.display()))?;
    eprintln!(
        "froze {} as {} ({expect}) and added its entry to {}",
        args.file.display(),
        target.display(),
        manifest_path.display()
    );
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
