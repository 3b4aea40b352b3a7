//! clr-harness: conformance checks for 1EdTech learner-record standards (OB 3.0, CLR 2.0 and the VCs they build on).
//!
//! The modules follow the data flow:
//! - **documents**: [`input`] (files, URLs) → [`decode`] (JSON with positions, compact JWS, baked PNG/SVG) →
//!   [`detect`] (what a document is) → evidence ([`datamodel`] walk, [`verify`] with [`proof`], [`jsonld`] and
//!   [`fetch`]) → [`checks`] → [`check::findings`] → [`engine`] (subjects and the run model of `clr-reports`);
//! - **providers**: [`api::target`] → [`api::http`] (the recording client) → the provider and OAuth 2.0 checks of
//!   [`api`] → [`check::findings`] → the same run model;
//! - **generated vectors**: [`generate`] builds documents from the data-model table and mutates them.
//!
//! Every request, whoever names its URL (the user, a document, a provider), goes through the one HTTP layer, [`http`].
//!
//! [`check`] says what a check is; [`catalogue`] assembles every module's checks into one registry. [`json`],
//! [`lexical`], [`datetime`] and [`vocab`] are leaves that every layer may use; no module imports one above it
//! (`tests/module_layers.rs` keeps the picture free of cycles).

pub mod api;
pub mod case;
pub mod catalogue;
pub mod check;
pub mod checks;
pub mod consumer;
pub mod datamodel;
pub mod datetime;
pub mod decode;
pub mod detect;
pub mod engine;
pub mod exit;
pub mod fetch;
pub mod generate;
pub mod http;
pub mod input;
pub mod json;
pub mod jsonld;
pub mod lexical;
pub mod ob2;
pub mod proof;
pub mod redact;
pub mod schema;
pub mod services;
pub mod session;
pub mod verifier;
pub mod verify;
pub mod vocab;
