//! clr-harness: conformance checks for 1EdTech learner-record standards (OB 3.0, CLR 2.0 and the VCs they build on).
//!
//! The modules follow the data flow:
//! input ([`input`]) → decode ([`decode`]: JSON, compact JWS, baked PNG/SVG) → detect ([`detect`]) → checks
//! ([`checks`], registered in [`catalogue`]) → findings → run model (`clr-reports`) → reporters.

pub mod api;
pub mod catalogue;
pub mod check;
pub mod checks;
pub mod datamodel;
pub mod datetime;
pub mod decode;
pub mod detect;
pub mod engine;
pub mod exit;
pub mod fetch;
pub mod generate;
pub mod input;
pub mod json;
pub mod jsonld;
pub mod lexical;
pub mod proof;
pub mod redact;
pub mod schema;
pub mod verify;
pub mod vocab;
