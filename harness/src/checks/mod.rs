//! Document checks: small named functions, each registered in the catalogue with its requirement.
//!
//! A check reads a [`Doc`] (the credential, what it was detected as, and its walk over the data model) and
//! reports violations through its [`Ctx`] (a [`crate::check::findings::Collector`]); the check's level decides the outcome (MUST → Fail,
//! SHOULD → Warn, INFO → Info), so check code never chooses severities by hand.

pub mod case10;
pub mod classes;
pub mod clr;
pub mod clr10;
pub mod credential;
pub mod endorsement;
pub mod format;
pub mod jwt;
pub mod legacy;
pub mod ob20;
pub mod ob20_extensions;
pub mod official_schema;
pub mod proof;
pub mod references;
pub mod status;
pub mod values;
pub mod verification;

pub use crate::check::findings::violation_outcome;
pub use crate::check::{ALL_KINDS, Ctx, DOC_ROLES, Doc, OB_KINDS, rule};
pub use crate::json::{Ptr, has_type, json_type, show, type_values};
