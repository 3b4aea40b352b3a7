//! `clr-harness keys generate`: a signing key in a private JWK file, and what to publish for it.

use std::path::PathBuf;

use anyhow::{Context, Result};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::{Args, Subcommand, ValueEnum};
use clr_harness::proof::keyfile::{self, GeneratedKey, KeyAlgorithm};
use clr_harness::proof::multikey::{self, PublicKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Generate a signing key: writes the private JWK (with kid and alg) and prints what to publish.
    Generate(GenerateArgs),
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Key type: ed25519 (Data Integrity eddsa-rdfc-2022, or EdDSA VC-JWTs), rsa (RS256, 2048 bits), p256 (ES256).
    #[arg(long, value_enum)]
    alg: Alg,
    /// The key's id (JWK kid, Multikey id), e.g. https://issuer.example/keys/1. Default: the did:key method for
    /// Ed25519, the RFC 9278 JWK thumbprint URI for RSA and P-256.
    #[arg(long, value_name = "URL")]
    id: Option<String>,
    /// The key's controller (usually the issuer id). Default: the id without its fragment.
    #[arg(long, value_name = "URL")]
    controller: Option<String>,
    /// Where to write the private key (a JSON private JWK, readable by its owner only).
    #[arg(long, value_name = "KEY.json")]
    out: PathBuf,
    /// Also write the public JWK (what goes into the issuer's /.well-known/jwks.json).
    #[arg(long, value_name = "PUB.json")]
    public_out: Option<PathBuf>,
    /// Ed25519 only: derive the key from this 32-byte seed (64 hex digits) instead of generating one, for
    /// reproducible demos and test vectors. A seed written down is public: never use it for real credentials.
    #[arg(long, value_name = "HEX", value_parser = parse_seed)]
    seed: Option<[u8; 32]>,
    /// Overwrite --out if it exists.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Alg {
    Ed25519,
    Rsa,
    P256,
}

pub fn run(command: &KeysCommand) -> i32 {
    let result = match command {
        KeysCommand::Generate(args) => generate(args),
    };
    super::exit_code(result)
}

fn generate(args: &GenerateArgs) -> Result<()> {
    if args.out.exists() && !args.force {
        anyhow::bail!(
            "{} exists; pass --force to overwrite it (it may hold a key in use)",
            args.out.display()
        );
    }
    let algorithm = match args.alg {
        Alg::Ed25519 => KeyAlgorithm::Ed25519,
        Alg::Rsa => KeyAlgorithm::Rsa2048,
        Alg::P256 => KeyAlgorithm::P256,
    };
    // The default id depends on the public key, which exists only after generation: generate, then name it.
    let provisional = args.id.clone().unwrap_or_default();
    let mut key = match (args.seed, algorithm) {
        (Some(seed), KeyAlgorithm::Ed25519) => {
            keyfile::ed25519_from_seed(&seed, &provisional, args.controller.as_deref())?
        }
        (Some(_), _) => anyhow::bail!("--seed is for Ed25519 keys only"),
        (None, _) => keyfile::generate(algorithm, &provisional, args.controller.as_deref())?,
    };
    let public = keyfile::signing_key(&key.private_jwk)?.public_key().clone();
    if args.id.is_none() {
        let id = match &public {
            PublicKey::Ed25519(x) => multikey::ed25519_did_key_method(x),
            _ => thumbprint_uri(&key.public_jwk),
        };
        rename(&mut key, &id, args.controller.as_deref());
    }
    keyfile::write_key_file(&args.out, &key.private_jwk)?;
    let kid = key.private_jwk.get("kid").and_then(Value::as_str).unwrap_or_default();
    println!("key:        {}", public.kind());
    println!("kid:        {kid}");
    if let PublicKey::Ed25519(x) = &public {
        println!("multibase:  {}", multikey::encode_ed25519_public(x));
        println!("did:key:    {}", multikey::ed25519_did_key(x));
    }
    println!(
        "public JWK: {}",
        serde_json::to_string(&key.public_jwk).context("failed to render the public JWK")?
    );
    println!("wrote {}", args.out.display());
    if let Some(path) = &args.public_out {
        let text = serde_json::to_string_pretty(&key.public_jwk).context("failed to render the public JWK")?;
        std::fs::write(path, format!("{text}\n")).with_context(|| format!("failed to write {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// Sets the id on every form of the key (kid of both JWKs, Multikey id and default controller).
fn rename(key: &mut GeneratedKey, id: &str, controller: Option<&str>) {
    for jwk in [&mut key.private_jwk, &mut key.public_jwk] {
        if let Some(obj) = jwk.as_object_mut() {
            obj.insert("kid".into(), id.into());
        }
    }
    if let Some(obj) = key.multikey.as_mut().and_then(Value::as_object_mut) {
        obj.insert("id".into(), id.into());
        let controller = controller.unwrap_or_else(|| id.split('#').next().unwrap_or(id));
        obj.insert("controller".into(), controller.into());
    }
}

/// `urn:ietf:params:oauth:jwk-thumbprint:sha-256:<RFC 7638 thumbprint>`: a URI kid that names exactly this key.
fn thumbprint_uri(public_jwk: &Value) -> String {
    // RFC 7638: the required members only, in lexicographic order, no whitespace.
    let members: &[&str] = match public_jwk.get("kty").and_then(Value::as_str) {
        Some("RSA") => &["e", "kty", "n"],
        Some("EC") => &["crv", "kty", "x", "y"],
        _ => &["crv", "kty", "x"],
    };
    let fields: Vec<String> = members
        .iter()
        .map(|m| {
            let v = public_jwk.get(*m).and_then(Value::as_str).unwrap_or_default();
            format!("{}:{}", Value::from(*m), Value::from(v))
        })
        .collect();
    let digest = Sha256::digest(format!("{{{}}}", fields.join(",")).as_bytes());
    format!(
        "urn:ietf:params:oauth:jwk-thumbprint:sha-256:{}",
        URL_SAFE_NO_PAD.encode(digest)
    )
}

fn parse_seed(s: &str) -> Result<[u8; 32], String> {
    let bytes: Option<Vec<u8>> = (s.len() == 64 && s.is_ascii())
        .then(|| {
            (0..32)
                .map(|i| s.get(2 * i..2 * i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
                .collect()
        })
        .flatten();
    bytes
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| format!("expected 64 hex digits (32 bytes), got `{s}`"))
}
