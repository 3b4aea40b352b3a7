//! Crash-freedom fuzzing (issue 12): seeded mutations of real inputs — the fixed vectors, generated documents,
//! signed and baked ones — given to the harness the way `clr-harness validate` takes a file. The property is that
//! nothing panics: every input ends in findings, an undecodable-input finding or an error. Work is bounded by the
//! engine's own limits (input size, nesting, canonicalization budget), so no case can hang.
//!
//! One trial per target:
//! - `json`: byte-level mutations of JSON credentials (truncation, bit flips, inserted tokens, spliced blocks,
//!   multi-byte and invalid UTF-8, huge numbers, deep nesting), data-model checks;
//! - `jsonld`: value-level mutations of signed Data Integrity credentials (odd `@context` entries, keywords, numbers,
//!   nested objects where strings were), verified with proofs — JSON-LD expansion and RDFC-1.0;
//! - `jws`: segment-aware mutations of VC-JWTs (headers and payloads re-encoded, base64 corrupted), verified;
//! - `png` / `svg`: carrier-aware mutations of baked images (chunk lengths, types and CRCs; markup, entities, CDATA);
//! - `lexers`: random and mutated strings through the date-time, date, URI, language and hash lexers.
//!
//! Every input in `vectors/fuzz/<target>/` (the regression corpus: crashes found before, kept) is replayed first.
//! Then `CLR_FUZZ_CASES` mutants per target (default 200; a seed from `CLR_GEN_SEED`, printed) or, with
//! `CLR_FUZZ_SECONDS`, as many as fit in that many seconds per target (the documented long run). A crash prints the
//! target, the case and where its input was written, to be added to the regression corpus.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clr_harness::generate::bake::{self, Carrier};
use clr_harness::generate::sign::{Signing, sign_generated};
use clr_harness::generate::{self, Case, Family, Settings, values::splitmix64};
use clr_harness::proof::keyfile::KeyAlgorithm;
use clr_harness::proof::sign::to_text;
use clr_harness::verify::Net;
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::{Value, json};

/// A small deterministic random source (splitmix64), seeded per target and case.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = splitmix64(self.0);
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What a mutated input is given to.
#[derive(Clone, Copy)]
enum Target {
    Json,
    JsonLd,
    Jws,
    Png,
    Svg,
    Lexers,
}

impl Target {
    const ALL: [Target; 6] = [
        Target::Json,
        Target::JsonLd,
        Target::Jws,
        Target::Png,
        Target::Svg,
        Target::Lexers,
    ];

    fn name(self) -> &'static str {
        match self {
            Target::Json => "json",
            Target::JsonLd => "jsonld",
            Target::Jws => "jws",
            Target::Png => "png",
            Target::Svg => "svg",
            Target::Lexers => "lexers",
        }
    }
}

/// Tokens worth inserting into JSON and markup.
const TOKENS: &[&str] = &[
    "\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\\",
    "\\u0000",
    "\\ud800",
    "null",
    "true",
    "-0",
    "1e999",
    "1e-999",
    "123456789012345678901234567890",
    "\u{202e}",
    "é",
    "日本",
    "\u{1F393}",
    "\u{feff}",
    "@context",
    "@id",
    "@type",
    "@graph",
    "@vocab",
    "@list",
    "@reverse",
    "@json",
    "@nest",
    "]]>",
    "<![CDATA[",
    "<!DOCTYPE x [<!ENTITY a \"aa\">]>",
    "&a;",
    "&#0;",
    "</svg>",
    "xmlns:openbadges=\"https://purl.imsglobal.org/ob/v2p0\"",
    "T",
    "t",
    "Z",
    "+14:00",
    "2024-02-30",
    "%zz",
    "did:key:",
    "did:web:",
    "did:jwk:",
    "#",
    "..",
    "\r\n",
];

/// A byte-level mutation of `input`.
fn mutate_bytes(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let n = out.len();
        match rng.below(9) {
            0 if n > 0 => out.truncate(rng.below(n)),
            1 if n > 0 => {
                let i = rng.below(n);
                out[i] ^= 1 << rng.below(8);
            }
            2 => {
                let at = rng.below(n + 1);
                let token = rng.pick(TOKENS).as_bytes().to_vec();
                out.splice(at..at, token);
            }
            3 if n > 1 => {
                let (a, b) = (rng.below(n), rng.below(n));
                let (from, to) = (a.min(b), a.max(b));
                out.drain(from..to);
            }
            4 if n > 1 => {
                // Duplicate a block somewhere else.
                let from = rng.below(n);
                let len = rng.below((n - from).min(4096)) + 1;
                let block = out[from..(from + len).min(n)].to_vec();
                let at = rng.below(out.len() + 1);
                out.splice(at..at, block);
            }
            5 => {
                let at = rng.below(n + 1);
                let choices: [&[u8]; 4] = [&[0xff], &[0xc3], &[0xed, 0xa0, 0x80], &[0]];
                let bad = *rng.pick(&choices);
                out.splice(at..at, bad.iter().copied());
            }
            6 => {
                // Deep nesting.
                let at = rng.below(n + 1);
                let depth = 1 + rng.below(3000);
                let open = if rng.below(2) == 0 { b'[' } else { b'{' };
                out.splice(at..at, std::iter::repeat_n(open, depth));
            }
            7 if n > 0 => {
                let i = rng.below(n);
                out[i] = *rng.pick(b"0123456789\"{}[],:.-eE ");
            }
            _ => out.reverse(),
        }
    }
    out
}

/// A value-level mutation of a JSON document: one node replaced by something odd.
fn mutate_value(rng: &mut Rng, doc: &mut Value) {
    let odd = |rng: &mut Rng| -> Value {
        match rng.below(12) {
            0 => Value::Null,
            1 => json!(rng.pick(TOKENS).to_string()),
            2 => json!({"@context": {"@vocab": "https://example.org/#"}, "x": 1}),
            3 => json!([{"@list": [1, 2]}, {"@value": "v", "@language": "en_US"}]),
            4 => json!({"@id": "relative", "@type": "@json", "@value": {"a": [1]}}),
            5 => json!(1e300),
            6 => json!(-0.0),
            7 => json!("_:b0"),
            8 => json!({"@reverse": {"x": "y"}}),
            9 => json!(["https://www.w3.org/ns/credentials/v2", {"@protected": false, "name": null}]),
            10 => json!({"@graph": [{"@id": "_:a"}, {"@id": "_:a", "p": {"@id": "_:a"}}]}),
            _ => json!(12345.678901234567),
        }
    };
    // Walk to a random node (a random number of steps down), as a JSON pointer.
    let mut ptr = String::new();
    let mut here: &Value = doc;
    for _ in 0..rng.below(8) {
        let next = match here {
            Value::Object(o) if !o.is_empty() => {
                let keys: Vec<&String> = o.keys().collect();
                let k = *rng.pick(&keys);
                ptr.push('/');
                ptr.push_str(&k.replace('~', "~0").replace('/', "~1"));
                o.get(k)
            }
            Value::Array(a) if !a.is_empty() => {
                let i = rng.below(a.len());
                ptr.push_str(&format!("/{i}"));
                a.get(i)
            }
            _ => None,
        };
        match next {
            Some(n) => here = n,
            None => break,
        }
    }
    let Some(node) = doc.pointer_mut(&ptr) else {
        return;
    };
    match node {
        Value::Object(o) if rng.below(2) == 0 => {
            let key = rng
                .pick(&["@context", "@id", "@type", "type", "id", "proof", "name", "x"])
                .to_string();
            o.insert(key, odd(rng));
        }
        other => *other = odd(rng),
    }
}

/// A VC-JWT with its header or payload mutated and re-encoded, or its text corrupted.
fn mutate_jws(rng: &mut Rng, jws: &str) -> Vec<u8> {
    let parts: Vec<&str> = jws.trim().split('.').collect();
    if parts.len() != 3 || rng.below(3) == 0 {
        return mutate_bytes(rng, jws.as_bytes());
    }
    let which = rng.below(2);
    let decoded = URL_SAFE_NO_PAD.decode(parts[which]).unwrap_or_default();
    let mut value: Value = serde_json::from_slice(&decoded).unwrap_or(Value::Null);
    mutate_value(rng, &mut value);
    let encoded = URL_SAFE_NO_PAD.encode(value.to_string());
    let mut out: Vec<String> = parts.iter().map(|p| p.to_string()).collect();
    out[which] = encoded;
    out.join(".").into_bytes()
}

/// A baked PNG with a chunk's length, type or CRC changed, or bytes mutated.
fn mutate_png(rng: &mut Rng, png: &[u8]) -> Vec<u8> {
    let mut out = png.to_vec();
    // Chunks start after the 8-byte signature; pick one by walking a few.
    let mut at = 8usize;
    for _ in 0..rng.below(4) {
        let Some(len) = out
            .get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        else {
            break;
        };
        at = at.saturating_add(12).saturating_add(len);
    }
    match rng.below(4) {
        0 if at + 4 <= out.len() => {
            let len = [0u32, 1, 0x7fff_ffff, u32::MAX, rng.next() as u32][rng.below(5)];
            out[at..at + 4].copy_from_slice(&len.to_be_bytes());
        }
        1 if at + 8 <= out.len() => {
            let kind = *rng.pick(&[b"iTXt", b"tEXt", b"zTXt", b"IEND", b"IHDR", b"xxxx"]);
            out[at + 4..at + 8].copy_from_slice(kind);
        }
        2 if out.len() > at + 12 => {
            let i = at + 8 + rng.below(out.len() - at - 8);
            out[i] ^= 0xff;
        }
        _ => out = mutate_bytes(rng, &out),
    }
    out
}

fn lexers(rng: &mut Rng, seeds: &[&str]) {
    let base = rng.pick(seeds).to_string();
    let s = String::from_utf8_lossy(&mutate_bytes(rng, base.as_bytes())).into_owned();
    let _ = clr_harness::lexical::date_time(&s, clr_harness::lexical::Zone::Required);
    let _ = clr_harness::lexical::date(&s);
    let _ = clr_harness::lexical::uri(&s);
    let _ = clr_harness::lexical::language_code(&s);
    let _ = clr_harness::lexical::identity_hash(&s);
    let _ = clr_harness::datetime::epoch_seconds(&s);
}

/// The seed inputs of a target: fixed vectors of its kind and generated documents.
fn seeds(target: Target, settings: Settings) -> Vec<Vec<u8>> {
    let root = clr_harness_tests::repo_root().join("vectors/fixed");
    // The OB 2.0 / CLR 1.0 signed vectors are `.jws`; baked and JSON ones share the other kinds' extensions.
    let exts: &[&str] = match target {
        Target::Json | Target::JsonLd => &["json"],
        Target::Jws => &["jwt", "jws"],
        Target::Png => &["png"],
        Target::Svg => &["svg"],
        Target::Lexers => return Vec::new(),
    };
    let mut out: Vec<Vec<u8>> =
        clr_harness_tests::files_under(&root, |p| p.extension().is_some_and(|e| exts.iter().any(|x| e == *x)))
            .into_iter()
            .filter_map(|p| std::fs::read(p).ok())
            .collect();
    for i in 0..4 {
        let case = Case::random(Family::ALL[i % 2], &mut settings.gen_for("fuzz-seed", i));
        let doc = case.generate().doc;
        let signing = match target {
            Target::Jws => Signing::Jwt(KeyAlgorithm::Ed25519),
            _ => Signing::DataIntegrity,
        };
        let Ok(signed) = sign_generated(&doc, signing, settings.seed) else {
            continue;
        };
        match target {
            Target::Png => out.push(bake::bake(&signed, Carrier::Png)),
            Target::Svg => out.push(bake::bake(&signed, Carrier::Svg)),
            Target::Json => out.push(serde_json::to_vec_pretty(&doc).unwrap_or_default()),
            _ => out.push(to_text(&signed).into_bytes()),
        }
    }
    out
}

/// The regression corpus of a target: every file under `vectors/fuzz/<target>/`.
fn regressions(target: Target) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = clr_harness_tests::repo_root().join("vectors/fuzz").join(target.name());
    clr_harness_tests::files_under(&dir, |p| p.is_file() && p.extension().is_none_or(|e| e != "md"))
        .into_iter()
        .filter_map(|p| std::fs::read(&p).ok().map(|b| (p, b)))
        .collect()
}

/// Gives one input to the harness; `Err` with the panic message when it panics.
fn run_one(target: Target, input: &[u8], net: &Net) -> Result<(), String> {
    catch_unwind(AssertUnwindSafe(|| match target {
        // Data model only: the fastest path through decoding, detection, lexers and checks.
        Target::Json => {
            let _ = generate::check_file_with_net(input, None);
        }
        _ => {
            let _ = generate::check_file_with_net(input, Some(net));
        }
    }))
    .map_err(|p| {
        p.downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a panic".into())
    })
}

fn crash(target: Target, case: usize, input: &[u8], why: &str, seed: u64) -> Failed {
    let dir = std::env::temp_dir().join("clr-harness-fuzz-crashes");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{}-{seed}-{case}", target.name()));
    let _ = std::fs::write(&path, input);
    format!(
        "{} case {case} panicked — seed {seed} (CLR_GEN_SEED={seed} replays it): {why}\ninput written to {}; add it \
         to vectors/fuzz/{}/ as a regression",
        target.name(),
        path.display(),
        target.name()
    )
    .into()
}

fn fuzz(target: Target, settings: Settings, budget: Budget) -> Result<(), Failed> {
    let net = Net::new(clr_harness::fetch::FetchPolicy::default()).map_err(|e| e.to_string())?;
    let replayed = regressions(target);
    for (path, input) in &replayed {
        if matches!(target, Target::Lexers) {
            continue;
        }
        run_one(target, input, &net).map_err(|why| format!("regression {} panics: {why}", path.display()))?;
    }
    let seeds = seeds(target, settings);
    let lexer_seeds = [
        "2024-05-01T00:00:00Z",
        "2024-02-29T23:59:60.123+05:30",
        "https://example.org/a?b=c#d",
        "zh-Hant-TW",
        "sha256$0a1b2c",
        "2024-05-01",
    ];
    let start = Instant::now();
    let mut cases = 0usize;
    let name_seed = target
        .name()
        .bytes()
        .fold(settings.seed, |h, b| splitmix64(h ^ u64::from(b)));
    while budget.more(cases, start) {
        let mut rng = Rng(splitmix64(name_seed ^ cases as u64));
        let input = match target {
            Target::Lexers => {
                let result = catch_unwind(AssertUnwindSafe(|| lexers(&mut rng, &lexer_seeds)));
                if let Err(p) = result {
                    let why = p.downcast_ref::<String>().cloned().unwrap_or_default();
                    return Err(crash(
                        target,
                        cases,
                        b"(a lexer input, see the seed)",
                        &why,
                        settings.seed,
                    ));
                }
                cases += 1;
                continue;
            }
            _ if seeds.is_empty() => return Err(format!("{}: no seed inputs", target.name()).into()),
            Target::Json => {
                let base = rng_pick(&mut rng, &seeds);
                mutate_bytes(&mut rng, base)
            }
            Target::JsonLd => {
                let base = rng_pick(&mut rng, &seeds).to_vec();
                match serde_json::from_slice::<Value>(&base) {
                    Ok(mut v) => {
                        mutate_value(&mut rng, &mut v);
                        serde_json::to_vec(&v).unwrap_or_default()
                    }
                    Err(_) => mutate_bytes(&mut rng, &base),
                }
            }
            Target::Jws => {
                let base = String::from_utf8_lossy(rng_pick(&mut rng, &seeds)).into_owned();
                mutate_jws(&mut rng, &base)
            }
            Target::Png => {
                let base = rng_pick(&mut rng, &seeds).to_vec();
                mutate_png(&mut rng, &base)
            }
            Target::Svg => {
                let base = rng_pick(&mut rng, &seeds);
                mutate_bytes(&mut rng, base)
            }
        };
        if let Err(why) = run_one(target, &input, &net) {
            return Err(crash(target, cases, &input, &why, settings.seed));
        }
        cases += 1;
    }
    println!(
        "fuzz {}: {} regression input(s), {cases} mutant(s) of {} seed input(s), no panic",
        target.name(),
        replayed.len(),
        seeds.len()
    );
    Ok(())
}

fn rng_pick<'a>(rng: &mut Rng, seeds: &'a [Vec<u8>]) -> &'a [u8] {
    &seeds[rng.below(seeds.len())]
}

/// How much work a target gets: a number of cases, or a number of seconds (the long run).
#[derive(Clone, Copy)]
enum Budget {
    Cases(usize),
    Seconds(u64),
}

impl Budget {
    fn from_env() -> Budget {
        if let Some(s) = std::env::var("CLR_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()) {
            return Budget::Seconds(s);
        }
        Budget::Cases(
            std::env::var("CLR_FUZZ_CASES")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(200),
        )
    }

    fn more(self, cases: usize, start: Instant) -> bool {
        match self {
            Budget::Cases(n) => cases < n,
            Budget::Seconds(s) => start.elapsed() < Duration::from_secs(s),
        }
    }
}

fn main() {
    let args = Arguments::from_args();
    let settings = Settings::from_env(0).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let budget = Budget::from_env();
    println!(
        "fuzz: seed {} (CLR_GEN_SEED={} reproduces this run), {}",
        settings.seed,
        settings.seed,
        match budget {
            Budget::Cases(n) => format!("{n} mutant(s) per target (CLR_FUZZ_CASES)"),
            Budget::Seconds(s) => format!("{s} s per target (CLR_FUZZ_SECONDS)"),
        }
    );
    let trials = Target::ALL
        .into_iter()
        .map(|t| Trial::test(format!("fuzz: {}", t.name()), move || fuzz(t, settings, budget)).with_kind("fuzz"))
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
