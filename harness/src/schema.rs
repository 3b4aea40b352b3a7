//! Cross-check against the official 1EdTech JSON Schemas (offline; from `--spec-dir`).
//!
//! # Use
//!
//! ```no_run
//! # use clr_harness::schema::{OfficialSchemas, OfficialSchema, Vcdm};
//! # fn demo(doc: &serde_json::Value) -> Result<(), clr_harness::schema::SchemaLoadError> {
//! // Once per run: reads and compiles every schema; a few hundred ms in a debug build.
//! let schemas = OfficialSchemas::load(std::path::Path::new("/path/to/spec"))?;
//! // Per document (and per embedded credential):
//! for v in schemas.validate(OfficialSchema::AchievementCredential, doc, Vcdm::V2) {
//!     println!("{}", v.message);
//! }
//! # Ok(()) }
//! ```
//!
//! The engine normally goes through [`crate::checks::official_schema::run`], which picks the schema for a
//! [`crate::detect::DocKind`] and turns violations into findings.
//!
//! # Layout read
//!
//! Every `*.json` in `<spec-dir>/ob-3.0/schemas/jsonld/` and `<spec-dir>/clr-2.0/schemas/jsonld/` is registered under
//! its `$id`, so `$ref`s between them resolve locally. Nothing is ever fetched: a `$ref` to a document that is not in
//! those directories fails [`OfficialSchemas::load`] with [`SchemaLoadError::Compile`] naming the reference. The
//! `formal/` flavour is not read: it is not what 1EdTech's validator runs for JSON-LD credentials, and two of its
//! files have historically shared one `$id` (openbadges-specification#609).
//!
//! # Why branch-aware reporting
//!
//! The schemas are full of `anyOf`/`oneOf` (single value or array, string or language map, Profile or IRI, and in the
//! VCDM-1.1-tolerant "any" variants: VCDM 1.1 or 2.0). A plain validator reports only "not valid under any of the
//! schemas listed in the 'anyOf' keyword", or every branch's errors at once, so one bad `issuer.image` drowns in
//! "issuanceDate is a required property" noise and users conclude the validator targets the wrong VC version
//! (DCPV#35, OBS#608). [`OfficialSchemas::validate`] therefore explains each failing composite:
//!
//! * errors found in *every* branch (same instance location, same message) are the root cause; they come first,
//!   flagged [`SchemaViolation::root_cause`];
//! * when the branches are the VCDM 1.1 and 2.0 shapes, the errors only in the branch of the detected VCDM version
//!   follow, labelled with that branch; the other branch's own errors are noise and are folded into one
//!   summary line (see [`SchemaViolation::is_other_branch_summary`]);
//! * for other composites the branch that came closest (fewest errors, then deepest) stands for the composite, and
//!   its errors are root causes too: they are what to fix for the value to take its evidently intended form.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use jsonschema::{Draft, Registry, Validator};
use serde_json::Value;

/// Directories under the spec dir whose schemas are registered, in this order.
const SCHEMA_DIRS: [&str; 2] = ["ob-3.0/schemas/jsonld", "clr-2.0/schemas/jsonld"];

pub use crate::detect::Vcdm;

/// The official schemas the harness validates against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OfficialSchema {
    /// OB 3.0 AchievementCredential (VCDM 2.0).
    AchievementCredential,
    /// OB 3.0 EndorsementCredential (VCDM 2.0).
    EndorsementCredential,
    /// CLR 2.0 ClrCredential (VCDM 2.0).
    ClrCredential,
    /// OB 3.0 AchievementCredential, VCDM 1.1 or 2.0 (optional; only if the spec dir has it).
    AnyAchievementCredential,
    /// OB 3.0 EndorsementCredential, VCDM 1.1 or 2.0 (optional).
    AnyEndorsementCredential,
    /// CLR 2.0 ClrCredential, VCDM 1.1 or 2.0 (optional).
    AnyClrCredential,
}

impl OfficialSchema {
    pub const ALL: [OfficialSchema; 6] = [
        OfficialSchema::AchievementCredential,
        OfficialSchema::EndorsementCredential,
        OfficialSchema::ClrCredential,
        OfficialSchema::AnyAchievementCredential,
        OfficialSchema::AnyEndorsementCredential,
        OfficialSchema::AnyClrCredential,
    ];

    /// The published `$id`.
    pub fn id(self) -> &'static str {
        match self {
            OfficialSchema::AchievementCredential => crate::vocab::OB_ACHIEVEMENT_SCHEMA_URL,
            OfficialSchema::EndorsementCredential => crate::vocab::OB_ENDORSEMENT_SCHEMA_URL,
            OfficialSchema::ClrCredential => crate::vocab::CLR_SCHEMA_URL,
            OfficialSchema::AnyAchievementCredential => {
                "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_anyachievementcredential_schema.json"
            }
            OfficialSchema::AnyEndorsementCredential => {
                "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_anyendorsementcredential_schema.json"
            }
            OfficialSchema::AnyClrCredential => {
                "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_anyclrcredential_schema.json"
            }
        }
    }

    /// Whether [`OfficialSchemas::load`] fails without it (the "any" variants are not in every release).
    pub fn required(self) -> bool {
        matches!(
            self,
            OfficialSchema::AchievementCredential
                | OfficialSchema::EndorsementCredential
                | OfficialSchema::ClrCredential
        )
    }

    /// Where under the spec dir the schema is expected.
    pub fn expected_path(self) -> &'static str {
        match self {
            OfficialSchema::AchievementCredential => "ob-3.0/schemas/jsonld/ob_v3p0_achievementcredential_schema.json",
            OfficialSchema::EndorsementCredential => "ob-3.0/schemas/jsonld/ob_v3p0_endorsementcredential_schema.json",
            OfficialSchema::ClrCredential => "clr-2.0/schemas/jsonld/clr_v2p0_clrcredential_schema.json",
            OfficialSchema::AnyAchievementCredential => {
                "ob-3.0/schemas/jsonld/ob_v3p0_anyachievementcredential_schema.json"
            }
            OfficialSchema::AnyEndorsementCredential => {
                "ob-3.0/schemas/jsonld/ob_v3p0_anyendorsementcredential_schema.json"
            }
            OfficialSchema::AnyClrCredential => "clr-2.0/schemas/jsonld/clr_v2p0_anyclrcredential_schema.json",
        }
    }

    /// The VCDM-1.1-tolerant variant of a strict schema (itself for the "any" variants).
    pub fn tolerant(self) -> OfficialSchema {
        match self {
            OfficialSchema::AchievementCredential => OfficialSchema::AnyAchievementCredential,
            OfficialSchema::EndorsementCredential => OfficialSchema::AnyEndorsementCredential,
            OfficialSchema::ClrCredential => OfficialSchema::AnyClrCredential,
            other => other,
        }
    }

    /// The strict (VCDM 2.0) variant.
    pub fn strict(self) -> OfficialSchema {
        match self {
            OfficialSchema::AnyAchievementCredential => OfficialSchema::AchievementCredential,
            OfficialSchema::AnyEndorsementCredential => OfficialSchema::EndorsementCredential,
            OfficialSchema::AnyClrCredential => OfficialSchema::ClrCredential,
            other => other,
        }
    }
}

/// Why the official schemas could not be loaded. Every variant names the path or reference involved.
#[derive(Debug, thiserror::Error)]
pub enum SchemaLoadError {
    #[error("official JSON Schema directory not found: {path} (the spec dir must contain ob-3.0/ and clr-2.0/)")]
    MissingDir { path: PathBuf },
    #[error("official JSON Schema {id} not found: expected the file {path}")]
    MissingSchema { id: &'static str, path: PathBuf },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not valid JSON: {source}")]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{path} has no string \"$id\", so other schemas cannot reference it")]
    NoId { path: PathBuf },
    #[error("cannot register {path} under {id}: {message}")]
    Register { id: String, path: PathBuf, message: String },
    /// A `$ref` to a document that is not among the registered schemas (it would need a fetch, which never happens).
    #[error(
        "unresolved $ref between the official schemas (referenced from: {referrers}): {message}; schemas are never \
         fetched, so the referenced document must be in one of {dirs}",
        dirs = SCHEMA_DIRS.join(", ")
    )]
    UnresolvedRef { referrers: String, message: String },
    /// Also what an unregistered `$ref` produces: schemas are never fetched.
    #[error("cannot compile {id} ({path}): {message}")]
    Compile { id: String, path: PathBuf, message: String },
}

/// One reason a document does not validate against an official schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaViolation {
    /// JSON pointer into the document (`""` is the whole document).
    pub pointer: String,
    /// Location of the failing keyword in the schema: `<schema $id>#<pointer>`, or the evaluation path when the
    /// validator gives no absolute location.
    pub schema_path: String,
    /// The JSON Schema keyword that failed (`type`, `required`, `format` …).
    pub keyword: String,
    /// Human message: pointer, then the validator's own wording.
    pub message: String,
    /// The error explains why an `anyOf`/`oneOf` failed: it is common to all its branches, or lies in the branch the
    /// value evidently meant to take. Fix these first.
    pub root_cause: bool,
    /// The VCDM branch the error belongs to (`"VCDM 2.0"`), when the schema branches on the VCDM version.
    pub branch: Option<String>,
    /// Labels of the VCDM branches a root cause was found in (both, when it is the common cause).
    pub common_to: Vec<String>,
}

impl SchemaViolation {
    /// The one-line summary of errors found only in the branch of the *other* VCDM version (not a defect of the
    /// document by itself; reported so users see that the branch was considered and why it was set aside).
    pub fn is_other_branch_summary(&self) -> bool {
        self.keyword == OTHER_BRANCH_KEYWORD
    }
}

const OTHER_BRANCH_KEYWORD: &str = "(other VCDM branch)";

/// How the validator words a `type` error: `<value> is not of type "<type>"`.
const TYPE_MISMATCH: &str = " is not of type ";

/// The official schemas, registered and compiled once.
pub struct OfficialSchemas {
    spec_dir: PathBuf,
    validators: BTreeMap<OfficialSchema, Validator>,
    /// Every registered document by `$id`, to read schema keywords back for expected values and VCDM branch labels.
    documents: BTreeMap<String, Value>,
    notes: Vec<String>,
}

impl std::fmt::Debug for OfficialSchemas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfficialSchemas")
            .field("spec_dir", &self.spec_dir)
            .field("schemas", &self.validators.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl OfficialSchemas {
    /// Reads, registers and compiles the official schemas under `spec_dir` (see the module docs for the layout).
    pub fn load(spec_dir: &Path) -> Result<Self, SchemaLoadError> {
        let mut documents: BTreeMap<String, (PathBuf, Value)> = BTreeMap::new();
        let mut notes = Vec::new();
        for dir in SCHEMA_DIRS {
            let dir = spec_dir.join(dir);
            if !dir.is_dir() {
                return Err(SchemaLoadError::MissingDir { path: dir });
            }
            for path in json_files(&dir)? {
                let text = std::fs::read_to_string(&path).map_err(|source| SchemaLoadError::Read {
                    path: path.clone(),
                    source,
                })?;
                let value: Value = serde_json::from_str(&text).map_err(|source| SchemaLoadError::Parse {
                    path: path.clone(),
                    source,
                })?;
                let Some(id) = value
                    .get("$id")
                    .and_then(Value::as_str)
                    .map(|s| s.trim_end_matches('#').to_string())
                else {
                    return Err(SchemaLoadError::NoId { path });
                };
                match documents.get(&id) {
                    Some((first, existing)) if existing != &value => notes.push(format!(
                        "{} declares the same $id as {} ({id}) with different content; the first one is used",
                        path.display(),
                        first.display()
                    )),
                    Some(_) => {}
                    None => {
                        documents.insert(id, (path, value));
                    }
                }
            }
        }
        for which in OfficialSchema::ALL.into_iter().filter(|w| w.required()) {
            if !documents.contains_key(which.id()) {
                return Err(SchemaLoadError::MissingSchema {
                    id: which.id(),
                    path: spec_dir.join(which.expected_path()),
                });
            }
        }

        let mut builder = Registry::new().draft(Draft::Draft201909);
        for (id, (path, value)) in &documents {
            builder = builder.add(id, value).map_err(|e| SchemaLoadError::Register {
                id: id.clone(),
                path: path.clone(),
                message: e.to_string(),
            })?;
        }
        let registry = builder.prepare().map_err(|e| {
            let message = e.to_string();
            SchemaLoadError::UnresolvedRef {
                referrers: referrers(&message, &documents),
                message,
            }
        })?;

        let mut validators = BTreeMap::new();
        for which in OfficialSchema::ALL {
            let Some((path, value)) = documents.get(which.id()) else {
                continue;
            };
            let validator = jsonschema::options()
                .with_draft(Draft::Draft201909)
                .with_registry(&registry)
                .offline()
                .should_validate_formats(true)
                .build(value)
                .map_err(|e| SchemaLoadError::Compile {
                    id: which.id().to_string(),
                    path: path.clone(),
                    message: e.to_string(),
                })?;
            validators.insert(which, validator);
        }
        drop(registry);
        let documents = documents.into_iter().map(|(id, (_, value))| (id, value)).collect();
        Ok(OfficialSchemas {
            spec_dir: spec_dir.to_path_buf(),
            validators,
            documents,
            notes,
        })
    }

    /// The spec dir the schemas were read from.
    pub fn spec_dir(&self) -> &Path {
        &self.spec_dir
    }

    /// Whether `which` was found (always true for the required ones).
    pub fn has(&self, which: OfficialSchema) -> bool {
        self.validators.contains_key(&which)
    }

    /// Oddities met while loading (duplicate `$id`s), for the report header.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The schema to use for a document of this VCDM version: the strict schema for VCDM 2.0; for VCDM 1.1 the
    /// tolerant variant when the spec dir has it, else the strict one (which then reports the 1.1 shape).
    pub fn pick(&self, which: OfficialSchema, vcdm: Vcdm) -> OfficialSchema {
        let tolerant = which.tolerant();
        match vcdm {
            Vcdm::V1_1 if self.has(tolerant) => tolerant,
            _ => which.strict(),
        }
    }

    /// Validates `doc` against `which`; no violations means valid. An "any" variant that was not loaded falls back
    /// to its strict variant. Order: root causes, then errors of the `vcdm` branch, then the rest, each by pointer.
    pub fn validate(&self, which: OfficialSchema, doc: &Value, vcdm: Vcdm) -> Vec<SchemaViolation> {
        let validator = match self
            .validators
            .get(&which)
            .or_else(|| self.validators.get(&which.strict()))
        {
            Some(v) => v,
            None => return Vec::new(),
        };
        if validator.is_valid(doc) {
            return Vec::new();
        }
        let evaluation = validator.evaluate(doc);
        let tree = match serde_json::to_value(evaluation.hierarchical()) {
            Ok(tree) => Unit::from_value(&tree),
            Err(_) => None,
        };
        let leaves = match tree {
            Some(root) => self.explain(&root, vcdm),
            None => Vec::new(),
        };
        let mut out: Vec<SchemaViolation> = Vec::new();
        let mut seen = BTreeSet::new();
        for leaf in leaves {
            if seen.insert((
                leaf.pointer.clone(),
                leaf.keyword.clone(),
                leaf.text.clone(),
                leaf.branch.clone(),
            )) {
                out.push(leaf.into_violation());
            }
        }
        if out.is_empty() {
            // The tree gave nothing usable; fall back to the flat list so a failure is never silent.
            out = evaluation
                .iter_errors()
                .map(|e| {
                    Leaf {
                        pointer: e.instance_location.as_str().to_string(),
                        schema_path: e.schema_location.to_string(),
                        keyword: e.error.keyword().to_string(),
                        text: e.error.message().to_string(),
                        root_cause: false,
                        branch: None,
                        common_to: Vec::new(),
                    }
                    .into_violation()
                })
                .collect();
        }
        out.sort_by(|a, b| {
            let rank = |v: &SchemaViolation| match (v.root_cause, v.is_other_branch_summary(), &v.branch) {
                (true, _, _) => 0,
                (false, false, Some(_)) => 1,
                (false, false, None) => 2,
                (false, true, _) => 3,
            };
            (rank(a), &a.pointer, &a.keyword, &a.message).cmp(&(rank(b), &b.pointer, &b.keyword, &b.message))
        });
        out
    }

    /// The schema value at an absolute keyword location (`<$id>#<pointer>`), e.g. to show what `type` expects.
    pub fn keyword_value(&self, schema_path: &str) -> Option<&Value> {
        let (id, fragment) = schema_path.split_once('#')?;
        self.documents.get(id)?.pointer(fragment)
    }

    /// The leaf errors that explain why `unit` failed.
    fn explain(&self, unit: &Unit, vcdm: Vcdm) -> Vec<Leaf> {
        if unit.valid {
            return Vec::new();
        }
        let keyword = unit.keyword();
        // A failing `if` only selects `else`; `not`/`contains` children failing is not what is wrong.
        match keyword {
            "if" => return Vec::new(),
            "not" | "contains" => return unit.own_leaves(),
            "anyOf" | "oneOf" => return self.explain_composite(unit, vcdm),
            _ => {}
        }
        let leaves: Vec<Leaf> = unit.children.iter().flat_map(|c| self.explain(c, vcdm)).collect();
        if leaves.is_empty() { unit.own_leaves() } else { leaves }
    }

    fn explain_composite(&self, unit: &Unit, vcdm: Vcdm) -> Vec<Leaf> {
        let branches: Vec<&Unit> = unit.children.iter().filter(|c| c.is_branch_of(unit)).collect();
        // `oneOf` with several matching branches: the composite's own message says so.
        if branches.is_empty() || branches.iter().any(|b| b.valid) {
            return unit.own_leaves();
        }
        let explained: Vec<Vec<Leaf>> = branches
            .iter()
            .map(|b| {
                let leaves = self.explain(b, vcdm);
                if leaves.is_empty() { b.own_leaves() } else { leaves }
            })
            .collect();
        let labels: Vec<Option<Vcdm>> = branches.iter().map(|b| self.branch_vcdm(b)).collect();
        let key = |l: &Leaf| (l.pointer.clone(), l.text.clone());
        let common: BTreeSet<(String, String)> = explained
            .iter()
            .map(|ls| ls.iter().map(key).collect::<BTreeSet<_>>())
            .reduce(|a, b| a.intersection(&b).cloned().collect())
            .unwrap_or_default();

        let vcdm_split = labels.contains(&Some(Vcdm::V1_1)) && labels.contains(&Some(Vcdm::V2));
        if vcdm_split {
            let common_to: Vec<String> = [Vcdm::V1_1, Vcdm::V2].iter().map(|v| v.label().to_string()).collect();
            let mut out = Vec::new();
            let mut taken = BTreeSet::new();
            for (leaves, label) in explained.iter().zip(&labels) {
                for leaf in leaves {
                    let k = key(leaf);
                    if common.contains(&k) {
                        if taken.insert(k) {
                            out.push(Leaf {
                                root_cause: true,
                                branch: None,
                                common_to: common_to.clone(),
                                ..leaf.clone()
                            });
                        }
                    } else if *label == Some(vcdm) {
                        out.push(Leaf {
                            root_cause: false,
                            branch: Some(vcdm.label().to_string()),
                            ..leaf.clone()
                        });
                    }
                }
            }
            let other = vcdm.other();
            let omitted: usize = explained
                .iter()
                .zip(&labels)
                .filter(|(_, l)| **l == Some(other))
                .map(|(ls, _)| ls.iter().filter(|l| !common.contains(&key(l))).count())
                .sum();
            if omitted > 0 {
                out.push(Leaf {
                    pointer: unit.instance.clone(),
                    schema_path: unit.schema_path(),
                    keyword: OTHER_BRANCH_KEYWORD.to_string(),
                    text: format!(
                        "{omitted} further error(s) apply only to the {} branch of the schema and were left out: the \
                         document was detected as {}",
                        other.label(),
                        vcdm.label()
                    ),
                    root_cause: false,
                    branch: Some(other.label().to_string()),
                    common_to: Vec::new(),
                });
            }
            return out;
        }

        if !common.is_empty() {
            let mut taken = BTreeSet::new();
            return explained
                .iter()
                .flatten()
                .filter(|l| common.contains(&key(l)) && taken.insert(key(l)))
                .map(|l| Leaf {
                    root_cause: true,
                    ..l.clone()
                })
                .collect();
        }
        // Every branch rejects the value's type right here ("string or language map"): one line naming all types
        // says more than picking one branch.
        let type_only: Option<Vec<&str>> = explained
            .iter()
            .map(|ls| match ls.as_slice() {
                [l] if l.keyword == "type" && l.pointer == unit.instance => {
                    l.text.split_once(TYPE_MISMATCH).map(|p| p.1)
                }
                _ => None,
            })
            .collect();
        if let (Some(types), Some(first)) = (type_only, explained.first().and_then(|ls| ls.first())) {
            let value = first.text.split_once(TYPE_MISMATCH).map_or("", |p| p.0);
            let mut wanted: Vec<&str> = Vec::new();
            for t in types.into_iter().flat_map(|t| t.split(" or ")) {
                if !wanted.contains(&t) {
                    wanted.push(t);
                }
            }
            return vec![Leaf {
                schema_path: unit.schema_path(),
                text: format!("{value}{TYPE_MISMATCH}{}", wanted.join(" or ")),
                root_cause: true,
                ..first.clone()
            }];
        }
        // No shared error: the closest branch is the form the value meant. A branch that rejects the value's very
        // type is the furthest; then fewer errors, then deeper ones, are closer.
        let wrong_type = |ls: &[Leaf]| ls.iter().any(|l| l.keyword == "type" && l.pointer == unit.instance);
        let best = explained
            .iter()
            .enumerate()
            .min_by_key(|(i, ls)| {
                let shallowest = ls.iter().map(|l| depth(&l.pointer)).min();
                (wrong_type(ls), ls.len(), std::cmp::Reverse(shallowest), *i)
            })
            .map(|(_, ls)| ls.clone())
            .unwrap_or_default();
        best.into_iter().map(|l| Leaf { root_cause: true, ..l }).collect()
    }

    /// Which VCDM version a composite branch describes, read from the branch's schema (following `$ref`/`allOf`):
    /// `issuanceDate` required or the v1 context ⇒ 1.1; `validFrom` required or the v2 context ⇒ 2.0.
    fn branch_vcdm(&self, branch: &Unit) -> Option<Vcdm> {
        let (base, fragment) = branch.schema_location.split_once('#')?;
        let schema = self.documents.get(base)?.pointer(fragment)?;
        self.vcdm_of_schema(schema, base, 0)
    }

    fn vcdm_of_schema(&self, schema: &Value, base: &str, depth: usize) -> Option<Vcdm> {
        if depth > 4 {
            return None;
        }
        let text_has = |s: &Value, needle: &str| s.as_array().is_some_and(|a| a.iter().any(|v| v == needle));
        if let Some(required) = schema.get("required") {
            if text_has(required, "issuanceDate") {
                return Some(Vcdm::V1_1);
            }
            if text_has(required, "validFrom") {
                return Some(Vcdm::V2);
            }
        }
        let context = schema
            .pointer("/properties/@context")
            .map(Value::to_string)
            .unwrap_or_default();
        if context.contains("https://www.w3.org/2018/credentials/v1") {
            return Some(Vcdm::V1_1);
        }
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let target = resolve_ref(base, reference)?;
            let (doc, fragment) = target.split_once('#').unwrap_or((target.as_str(), ""));
            let resolved = self.documents.get(doc)?.pointer(fragment)?;
            if let Some(v) = self.vcdm_of_schema(resolved, doc, depth + 1) {
                return Some(v);
            }
        }
        schema
            .get("allOf")
            .and_then(Value::as_array)?
            .iter()
            .find_map(|s| self.vcdm_of_schema(s, base, depth + 1))
    }
}

/// `*.json` files in `dir`, sorted so loading (and duplicate-`$id` handling) is deterministic.
fn json_files(dir: &Path) -> Result<Vec<PathBuf>, SchemaLoadError> {
    let read_err = |source| SchemaLoadError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let path = entry.map_err(read_err)?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The files that mention the URI quoted in a registry error, so the user knows where the dangling `$ref` sits.
fn referrers(message: &str, documents: &BTreeMap<String, (PathBuf, Value)>) -> String {
    let uri = message.split('\'').nth(1).unwrap_or_default();
    let found: Vec<String> = documents
        .values()
        .filter(|(_, value)| !uri.is_empty() && value.to_string().contains(uri))
        .map(|(path, _)| path.display().to_string())
        .collect();
    if found.is_empty() {
        "unknown file".to_string()
    } else {
        found.join(", ")
    }
}

/// Resolves a `$ref` against the `$id` of the document it appears in (enough for the relative file names and
/// fragments the 1EdTech schemas use).
fn resolve_ref(base: &str, reference: &str) -> Option<String> {
    if let Some(fragment) = reference.strip_prefix('#') {
        return Some(format!("{base}#{fragment}"));
    }
    let joined = url::Url::parse(base).ok()?.join(reference).ok()?;
    let mut s = joined.to_string();
    if !s.contains('#') {
        s.push('#');
    }
    Some(s)
}

fn depth(pointer: &str) -> usize {
    pointer.matches('/').count()
}

/// An error before it becomes a [`SchemaViolation`].
#[derive(Debug, Clone)]
struct Leaf {
    pointer: String,
    schema_path: String,
    keyword: String,
    text: String,
    root_cause: bool,
    branch: Option<String>,
    common_to: Vec<String>,
}

impl Leaf {
    fn into_violation(self) -> SchemaViolation {
        let at = if self.pointer.is_empty() {
            "(document root)"
        } else {
            self.pointer.as_str()
        };
        SchemaViolation {
            message: format!("{at}: {}", self.text),
            pointer: self.pointer,
            schema_path: self.schema_path,
            keyword: self.keyword,
            root_cause: self.root_cause,
            branch: self.branch,
            common_to: self.common_to,
        }
    }
}

/// One node of the validator's hierarchical output.
#[derive(Debug)]
struct Unit {
    valid: bool,
    evaluation_path: String,
    schema_location: String,
    instance: String,
    errors: Vec<(String, String)>,
    children: Vec<Unit>,
}

impl Unit {
    fn from_value(v: &Value) -> Option<Unit> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        let mut errors = Vec::new();
        if let Some(map) = v.get("errors").and_then(Value::as_object) {
            for (keyword, messages) in map {
                match messages {
                    Value::String(m) => errors.push((keyword.clone(), m.clone())),
                    Value::Array(ms) => errors.extend(
                        ms.iter()
                            .filter_map(Value::as_str)
                            .map(|m| (keyword.clone(), m.to_string())),
                    ),
                    _ => {}
                }
            }
        }
        let children = v
            .get("details")
            .and_then(Value::as_array)
            .map(|d| d.iter().filter_map(Unit::from_value).collect())
            .unwrap_or_default();
        Some(Unit {
            valid: v.get("valid")?.as_bool()?,
            evaluation_path: s("evaluationPath"),
            schema_location: s("schemaLocation"),
            instance: s("instanceLocation"),
            errors,
            children,
        })
    }

    fn keyword(&self) -> &str {
        self.evaluation_path.rsplit('/').next().unwrap_or_default()
    }

    /// `…/anyOf/2` under `…/anyOf`.
    fn is_branch_of(&self, composite: &Unit) -> bool {
        self.evaluation_path
            .strip_prefix(composite.evaluation_path.as_str())
            .and_then(|rest| rest.strip_prefix('/'))
            .is_some_and(|index| !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit()))
    }

    fn schema_path(&self) -> String {
        if self.schema_location.is_empty() {
            self.evaluation_path.clone()
        } else {
            self.schema_location.clone()
        }
    }

    fn own_leaves(&self) -> Vec<Leaf> {
        self.errors
            .iter()
            .map(|(keyword, text)| Leaf {
                pointer: self.instance.clone(),
                schema_path: self.schema_path(),
                keyword: keyword.clone(),
                text: text.clone(),
                root_cause: false,
                branch: None,
                common_to: Vec::new(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spec dir for tests: `CLR_SPEC_DIR`, else `/work/shared/spec` as seen from this crate.
    fn spec_dir() -> Option<PathBuf> {
        let dir = std::env::var_os("CLR_SPEC_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec"));
        if dir.join(SCHEMA_DIRS[0]).is_dir() {
            Some(dir)
        } else {
            println!("skipped: official spec artefacts not found at {}", dir.display());
            None
        }
    }

    fn official() -> Option<(PathBuf, &'static OfficialSchemas)> {
        static LOADED: std::sync::OnceLock<Option<OfficialSchemas>> = std::sync::OnceLock::new();
        let dir = spec_dir()?;
        let schemas = LOADED.get_or_init(|| Some(OfficialSchemas::load(&dir).expect("official schemas load")));
        schemas.as_ref().map(|s| (dir, s))
    }

    fn read_json(path: &Path) -> Value {
        serde_json::from_str(&std::fs::read_to_string(path).expect("read example")).expect("example is JSON")
    }

    const ACH: &str = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json";

    /// A throw-away spec dir with tiny stand-ins for the official schemas (`files` are `(relative path, schema)`).
    struct TempSpec(PathBuf);

    impl TempSpec {
        fn new(name: &str, files: &[(&str, Value)]) -> TempSpec {
            let root = std::env::temp_dir().join(format!("clr-harness-schema-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&root);
            for dir in SCHEMA_DIRS {
                std::fs::create_dir_all(root.join(dir)).expect("create temp spec dir");
            }
            for (path, schema) in files {
                std::fs::write(root.join(path), schema.to_string()).expect("write temp schema");
            }
            TempSpec(root)
        }
    }

    impl Drop for TempSpec {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn stub(which: OfficialSchema) -> (&'static str, Value) {
        (
            which.expected_path(),
            serde_json::json!({"$id": which.id(), "type": "object"}),
        )
    }

    #[test]
    fn impl_guide_ob_credential_validates_clean() {
        let Some((dir, schemas)) = official() else { return };
        let doc = read_json(&dir.join("ob-3.0/examples/impl-guide/ldp-test-vector-ob-credential.json"));
        assert_eq!(
            schemas.validate(OfficialSchema::AchievementCredential, &doc, Vcdm::V2),
            vec![]
        );
    }

    #[test]
    fn impl_guide_clr_credential_validates_clean() {
        let Some((dir, schemas)) = official() else { return };
        let doc = read_json(&dir.join("clr-2.0/examples/impl-guide/ldp-test-vector-clr-credential.json"));
        assert_eq!(schemas.validate(OfficialSchema::ClrCredential, &doc, Vcdm::V2), vec![]);
    }

    /// DCPV#35: `issuer.image` as a string. The `ProfileRef` anyOf (Profile or IRI) must not bury it.
    #[test]
    fn issuer_image_string_is_the_root_cause_and_comes_first() {
        let Some((dir, schemas)) = official() else { return };
        let mut doc = read_json(&dir.join("ob-3.0/examples/impl-guide/ldp-test-vector-ob-credential.json"));
        doc["issuer"]["image"] = Value::String("https://example.edu/logo.png".into());
        let violations = schemas.validate(OfficialSchema::AchievementCredential, &doc, Vcdm::V2);
        let first = violations.first().expect("a violation");
        assert_eq!(first.pointer, "/issuer/image");
        assert!(first.root_cause);
        assert_eq!(first.keyword, "type");
        assert!(first.message.starts_with("/issuer/image: "), "{}", first.message);
        assert_eq!(
            schemas.keyword_value(&first.schema_path),
            Some(&Value::String("object".into()))
        );
        assert!(
            violations.iter().all(|v| !v.message.contains("issuanceDate")),
            "{violations:#?}"
        );
        assert!(
            violations.iter().all(|v| !v.message.contains("does not match")),
            "language-map noise: {violations:#?}"
        );
    }

    /// What the engine gets: a failing finding located at the root cause, with expected/actual and a fix-first hint.
    #[test]
    fn run_maps_the_root_cause_to_a_located_finding() {
        use crate::checks::official_schema;
        let Some((dir, schemas)) = official() else { return };
        let mut doc = read_json(&dir.join("ob-3.0/examples/impl-guide/ldp-test-vector-ob-credential.json"));
        let (id, findings) = official_schema::run(schemas, crate::detect::DocKind::Achievement, &doc, Vcdm::V2);
        assert_eq!((id, findings.len()), ("OB30-SCHEMA-001", 0));
        doc["issuer"]["image"] = Value::String("https://example.edu/logo.png".into());
        let (_, findings) = official_schema::run(schemas, crate::detect::DocKind::Achievement, &doc, Vcdm::V2);
        let first = findings.first().expect("a finding");
        assert_eq!(first.outcome, clr_reports::Outcome::Fail);
        assert_eq!(first.location.pointer.as_deref(), Some("/issuer/image"));
        assert_eq!(first.expected.as_deref(), Some("a value of type \"object\""));
        assert_eq!(first.actual.as_deref(), Some("string \"https://example.edu/logo.png\""));
        assert!(
            first.hint.as_deref().is_some_and(|h| h.contains("fix it first")),
            "{first:?}"
        );
        assert!(
            first.evidence.iter().any(|e| e.value.ends_with("#/$defs/Image/type")),
            "{first:?}"
        );
    }

    /// The VCDM-1.1-tolerant "any" schemas branch on the VC version; the shared error is the root cause, the other
    /// version's branch is reduced to one summary line.
    #[test]
    fn vcdm_branches_report_common_cause_first_then_detected_branch() {
        let strict = serde_json::json!({
            "$id": ACH,
            "type": "object",
            "required": ["@context", "issuer", "validFrom"],
            "properties": {"issuer": {"$ref": "#/$defs/Profile"}, "name": {"type": "string"}},
            "$defs": {"Profile": {"type": "object", "properties": {"image": {"type": "object"}}}}
        });
        let any = serde_json::json!({
            "$id": OfficialSchema::AnyAchievementCredential.id(),
            "anyOf": [{"$ref": "ob_v3p0_achievementcredential_schema.json"}, {"$ref": "#/$defs/Vc11"}],
            "$defs": {"Vc11": {
                "type": "object",
                "required": ["@context", "issuer", "issuanceDate"],
                "properties": {
                    "issuer": {"$ref": "ob_v3p0_achievementcredential_schema.json#/$defs/Profile"},
                    "name": {"type": "string"}
                }
            }}
        });
        let spec = TempSpec::new(
            "vcdm",
            &[
                (OfficialSchema::AchievementCredential.expected_path(), strict),
                (OfficialSchema::AnyAchievementCredential.expected_path(), any),
                stub(OfficialSchema::EndorsementCredential),
                stub(OfficialSchema::ClrCredential),
            ],
        );
        let schemas = OfficialSchemas::load(&spec.0).expect("load temp spec");
        assert!(schemas.has(OfficialSchema::AnyAchievementCredential));
        assert_eq!(
            schemas.pick(OfficialSchema::AchievementCredential, Vcdm::V1_1),
            OfficialSchema::AnyAchievementCredential
        );
        assert_eq!(
            schemas.pick(OfficialSchema::AchievementCredential, Vcdm::V2),
            OfficialSchema::AchievementCredential
        );

        let doc = serde_json::json!({
            "@context": [], "validFrom": "2024-01-01T00:00:00Z", "name": 5, "issuer": {"image": "https://x/y.png"}
        });
        let v = schemas.validate(OfficialSchema::AnyAchievementCredential, &doc, Vcdm::V2);
        let summary: Vec<_> = v
            .iter()
            .map(|v| (v.pointer.as_str(), v.root_cause, v.branch.as_deref()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("/issuer/image", true, None),
                ("/name", true, None),
                ("", false, Some("VCDM 1.1"))
            ],
            "{v:#?}"
        );
        assert_eq!(v[0].common_to, vec!["VCDM 1.1", "VCDM 2.0"]);
        assert!(v[2].is_other_branch_summary());
        assert!(v[2].message.contains("detected as VCDM 2.0"), "{}", v[2].message);
        assert!(
            v.iter().all(|v| !v.message.contains("\"issuanceDate\" is a required")),
            "{v:#?}"
        );

        // A VCDM 1.1 document missing issuanceDate: that error is the 1.1 branch's own, labelled with it.
        let doc = serde_json::json!({"@context": [], "issuer": {"image": {}}});
        let v = schemas.validate(OfficialSchema::AnyAchievementCredential, &doc, Vcdm::V1_1);
        assert_eq!(v.len(), 2, "{v:#?}");
        assert_eq!(
            (v[0].branch.as_deref(), v[0].keyword.as_str()),
            (Some("VCDM 1.1"), "required")
        );
        assert!(v[0].message.contains("issuanceDate"), "{}", v[0].message);
        assert!(v[1].is_other_branch_summary());
    }

    /// `name` is "string or language map" in every OB class: a number fails both, said in one line.
    #[test]
    fn type_mismatch_in_every_branch_is_one_line() {
        let Some((dir, schemas)) = official() else { return };
        let mut doc = read_json(&dir.join("ob-3.0/examples/impl-guide/ldp-test-vector-ob-credential.json"));
        doc["credentialSubject"]["achievement"]["name"] = serde_json::json!(5);
        let v = schemas.validate(OfficialSchema::AchievementCredential, &doc, Vcdm::V2);
        assert_eq!(v.len(), 1, "{v:#?}");
        assert_eq!(
            v[0].message,
            "/credentialSubject/achievement/name: 5 is not of type \"string\" or \"object\""
        );
        assert!(v[0].root_cause);
    }

    /// An array `@context` with a VCDM 1.1 URL: the array form is meant, so its errors are reported, not "not of type
    /// string" from the single-value form.
    #[test]
    fn branch_that_accepts_the_type_wins() {
        let Some((dir, schemas)) = official() else { return };
        let mut doc = read_json(&dir.join("ob-3.0/examples/impl-guide/ldp-test-vector-ob-credential.json"));
        doc["@context"][0] = Value::String("https://www.w3.org/2018/credentials/v1".into());
        let v = schemas.validate(OfficialSchema::AchievementCredential, &doc, Vcdm::V2);
        assert_eq!(v.len(), 1, "{v:#?}");
        assert_eq!(
            (v[0].pointer.as_str(), v[0].keyword.as_str(), v[0].root_cause),
            ("/@context/0", "enum", true)
        );
    }

    #[test]
    fn unregistered_ref_is_a_load_error_not_a_fetch() {
        let missing = "https://example.org/not-registered/profile.json";
        let spec = TempSpec::new(
            "dangling",
            &[
                (
                    OfficialSchema::AchievementCredential.expected_path(),
                    serde_json::json!({"$id": ACH, "properties": {"issuer": {"$ref": missing}}}),
                ),
                stub(OfficialSchema::EndorsementCredential),
                stub(OfficialSchema::ClrCredential),
            ],
        );
        let err = OfficialSchemas::load(&spec.0).expect_err("dangling $ref must not load");
        assert!(
            matches!(
                err,
                SchemaLoadError::Compile { .. } | SchemaLoadError::UnresolvedRef { .. }
            ),
            "unexpected error kind: {err:?}"
        );
        assert!(
            err.to_string().contains(missing),
            "error does not name the reference: {err}"
        );
        assert!(
            err.to_string().contains("ob_v3p0_achievementcredential_schema.json"),
            "names the referrer: {err}"
        );
    }

    #[test]
    fn missing_spec_dir_names_the_expected_path() {
        let dir = std::env::temp_dir().join(format!("clr-harness-schema-{}-absent", std::process::id()));
        let err = OfficialSchemas::load(&dir).expect_err("no spec dir");
        let expected = dir.join(SCHEMA_DIRS[0]);
        assert!(
            matches!(&err, SchemaLoadError::MissingDir { path } if *path == expected),
            "{err:?}"
        );
        assert!(err.to_string().contains(&expected.display().to_string()), "{err}");
    }

    #[test]
    fn missing_schema_file_names_the_expected_file() {
        let spec = TempSpec::new(
            "nofile",
            &[
                stub(OfficialSchema::AchievementCredential),
                stub(OfficialSchema::ClrCredential),
            ],
        );
        let err = OfficialSchemas::load(&spec.0).expect_err("endorsement schema missing");
        let expected = spec.0.join(OfficialSchema::EndorsementCredential.expected_path());
        assert!(err.to_string().contains(&expected.display().to_string()), "{err}");
    }
}
