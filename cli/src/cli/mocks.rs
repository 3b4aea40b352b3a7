//! `clr-harness mocks`: run the mock ecosystem (CASE server, mock issuer, reference provider with its OAuth 2.0
//! server) on loopback until interrupted, or list the fault profiles.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use clr_harness::exit;
use clr_mocks::faults::{self, Faults};
use clr_mocks::provider::{Provider, ProviderConfig, TestUser};
use clr_mocks::{case, issuer, server};
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
    /// List the provider's fault profiles and what each breaks.
    Faults,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Seed of the generated content (frameworks, credentials, keys derived from it).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Make the provider misbehave in this named way (see `clr-harness mocks faults`). Repeatable or comma-separated.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    fault: Vec<String>,
    /// Keep the provider's clients, tokens and credentials in this directory (SQLite) across restarts.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Ask the test user to log in and consent in a browser instead of approving every request at once.
    #[arg(long)]
    interactive: bool,
}

/// The provider's test user (printed at start so a person or a partner system can log in).
const USER: (&str, &str, &str) = ("https://learners.example.edu/people/ada", "ada", "ada-password");

pub fn run(args: &MocksArgs) -> i32 {
    match &args.command {
        MocksCommand::Faults => {
            for (name, description) in faults::catalogue() {
                println!("{name:<28} {description}");
            }
            exit::OK
        }
        MocksCommand::Serve(serve_args) => match serve(serve_args) {
            Ok(()) => exit::OK,
            Err(e) => {
                eprintln!("error: {e:#}");
                exit::USAGE
            }
        },
    }
}

fn serve(args: &ServeArgs) -> Result<()> {
    let faults = Faults::parse_list(&args.fault.join(","))
        .map_err(|e| anyhow::anyhow!("{e} (see `clr-harness mocks faults`)"))?;
    let runtime = tokio::runtime::Runtime::new().context("failed to start the async runtime")?;
    runtime.block_on(async {
        let case = server::spawn(case::router(case::Framework::seeded(args.seed)), 0)
            .await
            .context("failed to start the CASE server")?;
        let (issuer, issuer_state) = issuer::spawn_with_case(args.seed, Some(&case.base_url))
            .await
            .map_err(|e| anyhow::anyhow!("failed to start the mock issuer: {e}"))?;
        let (id, username, password) = USER;
        let config = ProviderConfig {
            users: vec![TestUser {
                id: id.into(),
                username: username.into(),
                password: password.into(),
                profile: json!({"id": id, "type": ["Profile"], "name": "Ada Learner", "email": "ada@learners.example.edu"}),
            }],
            auto_consent_user: (!args.interactive).then(|| username.to_string()),
            faults: faults.clone(),
            data_dir: args.data_dir.clone(),
        };
        let (provider, _) = Provider::spawn(config).await.map_err(|e| anyhow::anyhow!("failed to start the provider: {e}"))?;
        let (badgehost, _) = clr_mocks::badgehost::spawn(args.seed)
            .await
            .map_err(|e| anyhow::anyhow!("failed to start the OB 2.0 badge host: {e}"))?;

        println!("CASE 1.0 server   {}/ims/case/v1p0/CFDocuments", case.base_url);
        println!("mock issuer       {}", issuer_state.issuer_id);
        println!("  credentials     {}/credentials/<slug>[.jwt|.png|.svg]", issuer.base_url);
        println!("  JWKS            {}/.well-known/jwks.json", issuer.base_url);
        println!("provider (OB 3.0) {}/ims/ob/v3p0/discovery", provider.base_url);
        println!("provider (CLR 2.0) {}/ims/clr/v2p0/discovery", provider.base_url);
        println!("  register        {}/oauth/register (dynamic client registration)", provider.base_url);
        println!(
            "  test user       {username} / {password}{}",
            if args.interactive { " (log in at the consent page)" } else { " (auto-consent)" }
        );
        let active: Vec<&str> = faults.iter().map(|f| f.name()).collect();
        println!("  faults          {}", if active.is_empty() { "none".to_string() } else { active.join(", ") });
        println!("OB 2.0 badge host {}/issuer", badgehost.base_url);
        println!("  badges          {}/index.json (every badge URL, expected verdict, reason)", badgehost.base_url);
        println!("ready; Ctrl-C stops");
        tokio::signal::ctrl_c().await.context("failed to wait for Ctrl-C")?;
        badgehost.shutdown().await.ok();
        provider.shutdown().await.ok();
        issuer.shutdown().await.ok();
        case.shutdown().await.ok();
        Ok(())
    })
}
