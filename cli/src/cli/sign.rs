//! `clr-harness sign`: a Data Integrity proof (eddsa-rdfc-2022) or a VC-JWT over a credential, deterministic for a
//! given key and `created`.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use clr_harness::proof::di::Suite;
use clr_harness::proof::keyfile;
use clr_harness::proof::multikey::{self, PublicKey};
use clr_harness::proof::sign::{self, Format, Signer};
use serde_json::Value;

/// Largest credential accepted for signing.
const MAX_CREDENTIAL_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The private key: a private JWK (Ed25519, RSA, P-256) or an Ed25519 Multikey with secretKeyMultibase.
    #[arg(long, value_name = "KEY.json")]
    key: PathBuf,
    /// di: an embedded Data Integrity proof (Ed25519 keys); jwt: a VC-JWT (RS256, ES256 or EdDSA by key type).
    /// Default: di for Ed25519 keys, jwt otherwise.
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// The Data Integrity suite (the legacy ones are for VCDM 1.1 credentials and test vectors).
    #[arg(long, value_enum, default_value_t = SuiteArg::EddsaRdfc2022)]
    suite: SuiteArg,
    /// The proof's verificationMethod. Default: <issuer id>#<multibase> when the issuer id is an https URL (the
    /// issuer controls the key), else the key's did:key.
    #[arg(long, value_name = "VM", conflicts_with = "kid")]
    verification_method: Option<String>,
    /// The VC-JWT header's kid. Default: the key file's kid (or Multikey id).
    #[arg(long, value_name = "KID")]
    kid: Option<String>,
    /// Put the public key in the VC-JWT header (jwk) so it verifies without fetching anything.
    #[arg(long)]
    embed_jwk: bool,
    /// The proof's created (RFC 3339). Default: the credential's validFrom (issuanceDate for VCDM 1.1), so
    /// re-signing gives the same bytes.
    #[arg(long, value_name = "RFC3339")]
    created: Option<String>,
    /// For a ClrCredential: first sign each nested credential that has no proof (same key), then the CLR.
    #[arg(long)]
    nested: bool,
    /// Drop the credential's existing proof (e.g. a placeholder) instead of adding the new one to the proof set.
    #[arg(long)]
    replace: bool,
    /// The unsigned credential (JSON).
    #[arg(value_name = "IN.json")]
    input: PathBuf,
    /// Write the signed credential here instead of standard output.
    #[arg(short, long, value_name = "OUT")]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    Di,
    Jwt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SuiteArg {
    #[value(name = "eddsa-rdfc-2022")]
    EddsaRdfc2022,
    #[value(name = "eddsa-2022")]
    Eddsa2022,
    #[value(name = "ed25519-signature-2020")]
    Ed25519Signature2020,
}

pub fn run(args: &SignArgs) -> i32 {
    super::exit_code(run_sign(args))
}

fn run_sign(args: &SignArgs) -> Result<()> {
    let key_file = keyfile::read_key_file(&args.key)?;
    let key = keyfile::signing_key(&key_file)?;
    let seed = keyfile::ed25519_secret(&key_file)?.map(|(seed, _)| seed);
    let is_ed25519 = matches!(key.public_key(), PublicKey::Ed25519(_));
    let format = match (args.format, is_ed25519) {
        (Some(FormatArg::Di), false) => anyhow::bail!(
            "Data Integrity proofs (eddsa-rdfc-2022) need an Ed25519 key; this is a {} key (use --format jwt)",
            key.public_key().kind()
        ),
        (Some(FormatArg::Di), true) | (None, true) => Format::DataIntegrity(match args.suite {
            SuiteArg::EddsaRdfc2022 => Suite::EddsaRdfc2022,
            SuiteArg::Eddsa2022 => Suite::Eddsa2022,
            SuiteArg::Ed25519Signature2020 => Suite::Ed25519Signature2020,
        }),
        (Some(FormatArg::Jwt), _) | (None, false) => Format::Jwt,
    };
    if format == Format::Jwt && args.verification_method.is_some() {
        anyhow::bail!("--verification-method names a Data Integrity key; a VC-JWT names its key with --kid");
    }
    let kid = args.kid.clone().or_else(|| {
        ["kid", "id"]
            .iter()
            .find_map(|m| key_file.get(*m).and_then(Value::as_str))
            .filter(|k| !k.is_empty())
            .map(str::to_owned)
            .or_else(|| match key.public_key() {
                PublicKey::Ed25519(x) => Some(multikey::ed25519_did_key_method(x)),
                _ => None,
            })
    });
    if format == Format::Jwt && kid.is_none() && !args.embed_jwk {
        anyhow::bail!("the key file has no kid: pass --kid KID or --embed-jwk");
    }
    let bytes = clr_harness::input::read_file(&args.input, MAX_CREDENTIAL_BYTES)
        .with_context(|| format!("failed to read {}", args.input.display()))?;
    let mut credential: Value =
        serde_json::from_slice(&bytes).with_context(|| format!("failed to read {}: not JSON", args.input.display()))?;
    if args.replace {
        credential = sign::without_proof(&credential);
    }
    if credential.get("proof").is_some() && format != Format::Jwt {
        eprintln!("note: the credential already has a proof; the new one is added to the proof set");
    }
    let signer = Signer {
        key: &key,
        ed25519_seed: seed,
        format,
        verification_method: args.verification_method.clone(),
        kid,
        embed_jwk: args.embed_jwk,
        created: args.created.clone(),
    };
    let signed = if args.nested {
        if !sign::is_clr(&credential) {
            anyhow::bail!("--nested signs the credentials inside a ClrCredential; this credential is not one");
        }
        let (signed, nested) = sign::sign_nested(&credential, &signer)?;
        eprintln!("signed {} nested credential(s) without a proof", nested.len());
        signed
    } else {
        sign::sign(&credential, &signer)?
    };
    let text = sign::to_text(&signed);
    match &args.output {
        Some(path) => {
            std::fs::write(path, &text).with_context(|| format!("failed to write {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}
