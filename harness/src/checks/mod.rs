//! Document checks: small named functions, each registered in the catalogue with its requirement.

pub mod classes;
pub mod clr;
pub mod credential;
pub mod endorsement;
pub mod format;
pub mod official_schema;
pub mod references;
pub mod values;

/// A document (or embedded credential) under check.
pub struct Doc<'a> {
    pub value: &'a serde_json::Value,
}

/// Collects one check's findings.
pub struct Ctx {
    pub findings: Vec<clr_reports::Finding>,
}
