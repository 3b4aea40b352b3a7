//! `clr-harness mocks`: run the mock ecosystem (CASE server, mock issuer, reference provider with its OAuth 2.0
//! server) on loopback until interrupted, over HTTP or HTTPS with a CA generated at start, as chosen by flags and an
//! optional TOML file (see `mocks.example.toml`); or list the fault profiles.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use clr_harness::exit;
use clr_mocks::faults::{self, Faults};
use clr_mocks::provider::{Provider, ProviderConfig, TestUser};
use clr_mocks::tls::MockCa;
use clr_mocks::{case, issuer, server};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Args)]
pub struct MocksArgs {
    #[command(subcommand)]
    command: MocksCommand,
}

#[derive(Debug, Subcommand)]
enum MocksCommand {
    /// Start the CASE server, the mock issuer and the reference provider, print their URLs, and serve until Ctrl-C.
    Serve(ServeArgs),
    /// List the fault profiles of the provider and the CASE server, and what each breaks.
    Faults,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// A TOML file choosing the servers, their ports and faults, the seed, HTTPS and the test users (see
    /// mocks.example.toml). The flags below override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Seed of the generated content (frameworks, credentials, keys derived from it) [default: 1].
    #[arg(long)]
    seed: Option<u64>,
    /// Make the provider (or, for a `case-*` fault, the CASE server) misbehave in this named way (see
    /// `clr-harness mocks faults`). Repeatable or comma-separated.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    fault: Vec<String>,
    /// Keep the provider's clients, tokens and credentials in this directory (SQLite) across restarts.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Ask the test user to log in and consent in a browser instead of approving every request at once.
    #[arg(long)]
    interactive: bool,
    /// Serve HTTPS with a certificate for localhost, 127.0.0.1 and ::1 signed by a CA generated at start.
    #[arg(long)]
    https: bool,
    /// Write the generated CA certificate (PEM) here, for clients to trust (implies --https).
    #[arg(long, value_name = "FILE")]
    ca_out: Option<PathBuf>,
}

/// `mocks.toml`: every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct MocksConfig {
    seed: Option<u64>,
    https: bool,
    ca_out: Option<PathBuf>,
    case: ServerConfig,
    issuer: ServerConfig,
    provider: ProviderSection,
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ServerConfig {
    enabled: bool,
    /// 0 = an ephemeral port.
    port: u16,
    faults: Vec<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            enabled: true,
            port: 0,
            faults: Vec::new(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ProviderSection {
    enabled: bool,
    port: u16,
    faults: Vec<String>,
    data_dir: Option<PathBuf>,
    interactive: bool,
    users: Vec<UserConfig>,
}

impl Default for ProviderSection {
    fn default() -> Self {
        ProviderSection {
            enabled: true,
            port: 0,
            faults: Vec::new(),
            data_dir: None,
            interactive: false,
            users: Vec::new(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserConfig {
    id: String,
    username: String,
    password: String,
    name: Option<String>,
    email: Option<String>,
}

impl UserConfig {
    fn test_user(&self) -> TestUser {
        let mut profile =
            json!({"id": self.id, "type": ["Profile"], "name": self.name.as_deref().unwrap_or(&self.username)});
        if let Some(email) = &self.email {
            profile["email"] = email.clone().into();
        }
        TestUser {
            id: self.id.clone(),
            username: self.username.clone(),
            password: self.password.clone(),
            profile,
        }
    }
}

pub fn run(args: &MocksArgs) -> i32 {
    match &args.command {
        MocksCommand::Faults => {
            for (name, description) in faults::catalogue() {
                println!("{name:<28} {description}");
            }
            exit::OK
        }
        MocksCommand::Serve(serve_args) => super::exit_code(settings(serve_args).and_then(|s| serve(&s))),
    }
}

/// The config file with the flags applied over it; relative paths in the file are relative to the file.
fn settings(args: &ServeArgs) -> Result<MocksConfig> {
    let mut config = match &args.config {
        Some(file) => {
            let text = std::fs::read_to_string(file).with_context(|| format!("failed to read {}", file.display()))?;
            let mut config: MocksConfig =
                toml::from_str(&text).with_context(|| format!("{} is not a valid mocks config", file.display()))?;
            let dir = file.parent().unwrap_or(Path::new(""));
            config.ca_out = config.ca_out.map(|p| dir.join(p));
            config.provider.data_dir = config.provider.data_dir.map(|p| dir.join(p));
            config
        }
        None => MocksConfig::default(),
    };
    if let Some(seed) = args.seed {
        config.seed = Some(seed);
    }
    if !args.fault.is_empty() {
        // `--fault` names faults of either server: each goes to the one that commits it.
        let (case, provider): (Vec<String>, Vec<String>) = args
            .fault
            .iter()
            .flat_map(|f| f.split(','))
            .map(|f| f.trim().to_string())
            .filter(|f| !f.is_empty())
            .partition(|f| f.starts_with("case-"));
        config.provider.faults = provider;
        config.case.faults = case;
    }
    if let Some(dir) = &args.data_dir {
        config.provider.data_dir = Some(dir.clone());
    }
    config.provider.interactive |= args.interactive;
    if let Some(file) = &args.ca_out {
        config.ca_out = Some(file.clone());
    }
    config.https |= args.https || config.ca_out.is_some();
    if !config.issuer.faults.is_empty() {
        bail!("[issuer] faults: the mock issuer commits no faults (the provider and the CASE server do)");
    }
    // Each server commits the faults of its own kind: CASE faults under [case], the others under [provider].
    for (section, want_case) in [("case", true), ("provider", false)] {
        let list = if want_case {
            &config.case.faults
        } else {
            &config.provider.faults
        };
        let parsed = Faults::parse_list(&list.join(","))
            .map_err(|e| anyhow::anyhow!("[{section}] {e} (see `clr-harness mocks faults`)"))?;
        if let Some(f) = parsed.iter().find(|f| f.is_case() != want_case) {
            bail!(
                "[{section}] faults: `{f}` is a fault of the {} (list it under [{}])",
                if want_case { "provider" } else { "CASE server" },
                if want_case { "provider" } else { "case" }
            );
        }
    }
    if config.provider.users.is_empty() {
        let (id, username, password) = clr_mocks::ecosystem::USER;
        config.provider.users.push(UserConfig {
            id: id.into(),
            username: username.into(),
            password: password.into(),
            name: Some("Ada Learner".into()),
            email: Some("ada@learners.example.edu".into()),
        });
    }
    Ok(config)
}

fn serve(config: &MocksConfig) -> Result<()> {
    let faults = Faults::parse_list(&config.provider.faults.join(","))
        .map_err(|e| anyhow::anyhow!("{e} (see `clr-harness mocks faults`)"))?;
    let seed = config.seed.unwrap_or(1);
    let ca = if config.https {
        Some(MockCa::generate().context("failed to generate the mock CA")?)
    } else {
        None
    };
    if let (Some(ca), Some(file)) = (&ca, &config.ca_out) {
        std::fs::write(file, ca.ca_pem()).with_context(|| format!("failed to write the CA to {}", file.display()))?;
    }
    let runtime = tokio::runtime::Runtime::new().context("failed to start the async runtime")?;
    runtime.block_on(async {
        let bind = |name: &'static str, port: u16| async move {
            server::bind(port)
                .await
                .with_context(|| format!("failed to bind the {name} to 127.0.0.1:{port}"))
        };
        let mut running = Vec::new();
        let mut case_base = None;
        if config.case.enabled {
            let listener = bind("CASE server", config.case.port).await?;
            let case_faults = Faults::parse_list(&config.case.faults.join(","))
                .map_err(|e| anyhow::anyhow!("{e} (see `clr-harness mocks faults`)"))?;
            let case = case::spawn_with_faults(
                listener,
                case::Framework::seeded(seed),
                ca.as_ref(),
                case_faults.clone(),
            )
            .await
            .context("failed to start the CASE server")?;
            println!("CASE 1.0 server    {}/ims/case/v1p0/CFDocuments", case.base_url);
            if !case_faults.is_empty() {
                let names: Vec<&str> = case_faults.iter().map(|f| f.name()).collect();
                println!("  faults           {}", names.join(", "));
            }
            case_base = Some(case.base_url.clone());
            running.push(case);
        }
        if config.issuer.enabled {
            let listener = bind("mock issuer", config.issuer.port).await?;
            let (issuer, state) = issuer::spawn_on(listener, seed, case_base.as_deref(), ca.as_ref())
                .await
                .map_err(|e| anyhow::anyhow!("failed to start the mock issuer: {e}"))?;
            println!("mock issuer        {}", state.issuer_id);
            println!(
                "  credentials      {}/credentials/<slug>[.jwt|.png|.svg]",
                issuer.base_url
            );
            println!(
                "  slugs            {}",
                state.credentials.keys().cloned().collect::<Vec<_>>().join(", ")
            );
            println!("  JWKS             {}/.well-known/jwks.json", issuer.base_url);
            println!("  did:web          {}", state.did);
            for id in state.key_ids() {
                println!("  key              {id}");
            }
            println!("  CLR 1.0 hosted   {}{}", issuer.base_url, state.clr1.hosted_path);
            println!("  CLR 1.0 signed   {}/clr1/transcript.jws", issuer.base_url);
            running.push(issuer);
        }
        if config.provider.enabled {
            let p = &config.provider;
            let users: Vec<TestUser> = p.users.iter().map(UserConfig::test_user).collect();
            let provider_config = ProviderConfig {
                auto_consent_user: (!p.interactive)
                    .then(|| users.first().map(|u| u.username.clone()))
                    .flatten(),
                users,
                faults: faults.clone(),
                data_dir: p.data_dir.clone(),
            };
            let listener = bind("provider", p.port).await?;
            let (provider, _) = Provider::spawn_on(listener, provider_config, ca.as_ref())
                .await
                .map_err(|e| anyhow::anyhow!("failed to start the provider: {e}"))?;
            println!("provider (OB 3.0)  {}/ims/ob/v3p0/discovery", provider.base_url);
            println!("provider (CLR 2.0) {}/ims/clr/v2p0/discovery", provider.base_url);
            println!(
                "  register         {}/oauth/register (dynamic client registration)",
                provider.base_url
            );
            for (i, u) in p.users.iter().enumerate() {
                let how = if p.interactive {
                    " (log in at the consent page)"
                } else if i == 0 {
                    " (auto-consent)"
                } else {
                    ""
                };
                println!("  test user        {} / {}{how}", u.username, u.password);
            }
            let active: Vec<&str> = faults.iter().map(|f| f.name()).collect();
            println!(
                "  faults           {}",
                if active.is_empty() {
                    "none".to_string()
                } else {
                    active.join(", ")
                }
            );
            if let Some(dir) = &p.data_dir {
                println!("  data             {}", dir.display());
            }
            running.push(provider);
        }
        if running.is_empty() {
            bail!("the config enables no server");
        }
        let listener = bind("OB 2.0 badge host", 0).await?;
        let (badgehost, _) = clr_mocks::badgehost::spawn_on(listener, seed, ca.as_ref())
            .await
            .map_err(|e| anyhow::anyhow!("failed to start the OB 2.0 badge host: {e}"))?;
        println!("OB 2.0 badge host  {}/issuer", badgehost.base_url);
        println!(
            "  badges           {}/index.json (every badge URL, expected verdict, reason)",
            badgehost.base_url
        );
        running.push(badgehost);
        if let Some(ca) = &ca {
            match &config.ca_out {
                Some(file) => {
                    let f = file.display();
                    println!("CA certificate     {f} (trust it: validate --ca-cert {f}; curl --cacert {f})");
                }
                None => print!(
                    "CA certificate (PEM; --ca-out FILE writes it to a file)\n{}",
                    ca.ca_pem()
                ),
            }
        }
        println!("ready; Ctrl-C stops");
        tokio::signal::ctrl_c().await.context("failed to wait for Ctrl-C")?;
        for server in running.into_iter().rev() {
            server.shutdown().await.ok();
        }
        Ok(())
    })
}
