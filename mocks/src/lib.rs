//! clr-mocks: the ecosystem a conformance run needs, as real HTTP servers on loopback.
//!
//! Every server is an axum router started by [`server::spawn`] on an ephemeral `127.0.0.1` port (or by
//! [`server::spawn_on`] on a bound listener, over HTTPS with a [`tls::MockCa`] generated at start); it runs in-process
//! (tests, the embedded default run) and from the CLI (`clr-harness mocks serve`). Content is deterministic from a
//! seed, and each server can be told to misbehave in one named way at a time ([`faults`]). Every server bounds what
//! one client can hold ([`server::ServerLimits`]: header, TLS handshake, idle, body and request timeouts, a connection
//! cap); list endpoints page by default, and the provider caps registrations and their size.

pub mod badgehost;
pub mod case;
pub mod documents;
pub mod ecosystem;
pub mod faults;
pub mod issuer;
pub mod provider;
pub mod server;
pub mod tap;
pub mod tls;
