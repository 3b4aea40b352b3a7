//! The one HTTP layer: every request the harness makes — URLs named on the command line, URLs found inside
//! documents, and a provider under test — goes through [`client`], is judged by one address [`policy`], fails with
//! one [`Error`] (its causes and hints), and is written down by one [`record`]er.
//!
//! The callers keep only what differs between them: [`crate::input`] fetches what the user named (any host, through
//! the system proxy); [`crate::fetch`] fetches what a document names (the policy's allow-list, pinned addresses,
//! same-origin redirects); [`crate::api::http`] talks to the provider (its host trusted, others only over https at
//! public addresses, redirects never followed, a body prefix kept past the cap).

pub mod client;
pub mod error;
pub mod policy;
pub mod record;
pub mod url_map;

pub use error::Error;
pub use policy::{AddressClass, classify_ip};
pub use record::{RECORDED_BODY_BYTES, USER_AGENT, curl};

/// The target of the first link with relation `rel` in a `Link` header.
pub fn link_rel(header: &str, rel: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (target, params) = part.trim().split_once('>')?;
        let target = target.trim().strip_prefix('<')?;
        let has = params.split(';').any(|p| {
            let p = p.trim();
            p.strip_prefix("rel=")
                .map(|v| {
                    v.trim_matches('"')
                        .split_whitespace()
                        .any(|r| r.eq_ignore_ascii_case(rel))
                })
                .unwrap_or(false)
        });
        has.then(|| target.to_string())
    })
}
