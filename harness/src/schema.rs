//! Cross-check against the official 1EdTech JSON Schemas (offline; from `--spec-dir`).

/// Official schemas loaded from a spec directory. (Stub until the cross-check lands.)
pub struct OfficialSchemas;

/// VC data model generation, to pick the schema branch that matches the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vcdm {
    V2,
    V1_1,
}
