//! official_schema checks.

use crate::catalogue::Check;

pub const CHECKS: &[Check] = &[];

/// Validates against the official schema. (Stub until the cross-check lands.)
pub fn run(
    _schemas: &crate::schema::OfficialSchemas,
    _kind: crate::detect::DocKind,
    _doc: &serde_json::Value,
    _vcdm: crate::schema::Vcdm,
) -> (&'static str, Vec<clr_reports::Finding>) {
    ("", vec![])
}
