//! CASE 1.0 (Competencies and Academic Standards Exchange): the competency frameworks achievements align to.
//!
//! - [`model`]: the entities of the 1EdTech CASE 1.0 OpenAPI (`case-v1p0-swagger.json`) as a table, and a walker
//!   that types every object of a package, document, item … (what the `CASE-DM-*` checks read);
//! - [`align`]: resolving the CASE alignments of OB 3.0, CLR 2.0, OB 2.0 and CLR 1.0 documents under the run's
//!   fetch policy (the gather phase: the `CASE-ALIGN-*` checks read its report and do no I/O).
//!
//! The CASE 1.0 REST API checks live in [`crate::api::case10`]: a CASE server is tested like any provider.

pub mod align;
pub mod model;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use model::Entity;

/// The API's path below a CASE server's base URL.
pub const PATH: &str = "/ims/case/v1p0";

/// How strictly a CASE server or document is held to the OpenAPI.
///
/// Real servers (OpenSALT first) depart from the 1.0 OpenAPI in documented ways: links a package entry should not
/// carry (`CFDocumentURI` on package items), placeholder or upper-case UUIDs, 1.1 association types. `strict` reads
/// the OpenAPI as written (what certification tests); `interop` reports those departures as warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    #[default]
    Strict,
    Interop,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Strict => "strict",
            Profile::Interop => "interop",
        }
    }

    /// Parses a `--case-profile` value.
    pub fn parse(s: &str) -> Result<Profile, String> {
        match s.to_ascii_lowercase().as_str() {
            "strict" => Ok(Profile::Strict),
            "interop" => Ok(Profile::Interop),
            other => Err(format!("unknown CASE profile `{other}`: use strict or interop")),
        }
    }
}

/// The CASE documents `validate` accepts, and what a CASE server's single-object endpoints answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Kind {
    Package,
    Document,
    Item,
    Association,
    Rubric,
    /// The getAllCFDocuments answer.
    DocumentSet,
    /// The getCFItemAssociations answer.
    AssociationSet,
    ConceptSet,
    SubjectSet,
    ItemTypeSet,
    License,
    Grouping,
}

impl Kind {
    /// The entity of the document's root.
    pub fn entity(self) -> Entity {
        match self {
            Kind::Package => Entity::Package,
            Kind::Document => Entity::Document,
            Kind::Item => Entity::Item,
            Kind::Association => Entity::Association,
            Kind::Rubric => Entity::Rubric,
            Kind::DocumentSet => Entity::DocumentSet,
            Kind::AssociationSet => Entity::AssociationSet,
            Kind::ConceptSet => Entity::ConceptSet,
            Kind::SubjectSet => Entity::SubjectSet,
            Kind::ItemTypeSet => Entity::ItemTypeSet,
            Kind::License => Entity::License,
            Kind::Grouping => Entity::Grouping,
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Kind::Package => "case10-package",
            Kind::Document => "case10-document",
            Kind::Item => "case10-item",
            Kind::Association => "case10-association",
            Kind::Rubric => "case10-rubric",
            Kind::DocumentSet => "case10-document-set",
            Kind::AssociationSet => "case10-association-set",
            Kind::ConceptSet => "case10-concept-set",
            Kind::SubjectSet => "case10-subject-set",
            Kind::ItemTypeSet => "case10-item-type-set",
            Kind::License => "case10-license",
            Kind::Grouping => "case10-association-grouping",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Package => "CASE 1.0 CFPackage",
            Kind::Document => "CASE 1.0 CFDocument",
            Kind::Item => "CASE 1.0 CFItem",
            Kind::Association => "CASE 1.0 CFAssociation",
            Kind::Rubric => "CASE 1.0 CFRubric",
            Kind::DocumentSet => "CASE 1.0 CFDocumentSet",
            Kind::AssociationSet => "CASE 1.0 CFAssociationSet",
            Kind::ConceptSet => "CASE 1.0 CFConceptSet",
            Kind::SubjectSet => "CASE 1.0 CFSubjectSet",
            Kind::ItemTypeSet => "CASE 1.0 CFItemTypeSet",
            Kind::License => "CASE 1.0 CFLicense",
            Kind::Grouping => "CASE 1.0 CFAssociationGrouping",
        }
    }

    pub const ALL: &'static [Kind] = &[
        Kind::Package,
        Kind::Document,
        Kind::Item,
        Kind::Association,
        Kind::Rubric,
        Kind::DocumentSet,
        Kind::AssociationSet,
        Kind::ConceptSet,
        Kind::SubjectSet,
        Kind::ItemTypeSet,
        Kind::License,
        Kind::Grouping,
    ];
}

/// What a JSON document is, when it is one of the CASE documents `validate` knows: by the members only that kind
/// has (CASE 1.0 JSON has no `@context` or `type`). Returns the kind and the evidence.
pub fn detect(doc: &Value) -> Option<(Kind, String)> {
    let obj = doc.as_object()?;
    if obj.contains_key("@context") || obj.contains_key("type") {
        return None;
    }
    let has = |k: &str| obj.contains_key(k);
    let found = if has("CFDocument") {
        (Kind::Package, "it has CFDocument (a CFPackage)")
    } else if has("CFDocuments") {
        (Kind::DocumentSet, "it has CFDocuments")
    } else if has("CFItem") && has("CFAssociations") {
        (Kind::AssociationSet, "it has CFItem and CFAssociations")
    } else if has("CFPackageURI") || (has("creator") && has("title") && has("identifier")) {
        (Kind::Document, "it has CFPackageURI (or creator, title and identifier)")
    } else if has("fullStatement") {
        (Kind::Item, "it has fullStatement")
    } else if has("associationType") || (has("originNodeURI") && has("destinationNodeURI")) {
        (
            Kind::Association,
            "it has associationType / originNodeURI and destinationNodeURI",
        )
    } else if has("CFRubricCriteria") {
        (Kind::Rubric, "it has CFRubricCriteria")
    } else {
        return None;
    };
    Some((found.0, format!("a CASE 1.0 document: {}", found.1)))
}

/// Whether `s` is a CASE identifier as the OpenAPI's UUID.Type states it: lower-case hex 8-4-4-4-12, version 1–5,
/// variant 8–b (the pattern is written unanchored; its description says the whole value is the UUID).
pub fn strict_uuid(s: &str) -> bool {
    crate::lexical::rfc4122_uuid(s) && !s.bytes().any(|b| b.is_ascii_uppercase())
}

/// Whether `s` has the 8-4-4-4-12 hex layout at all, in either case and any version (what real servers accept).
pub fn loose_uuid(s: &str) -> bool {
    crate::lexical::uuid_layout(s)
}

/// The CASE 1.0 association types (`CFPckgAssociation.associationType`).
pub const ASSOCIATION_TYPES: &[&str] = &[
    "isChildOf",
    "isPeerOf",
    "isPartOf",
    "exactMatchOf",
    "precedes",
    "isRelatedTo",
    "replacedBy",
    "exemplar",
    "hasSkillLevel",
];

/// Association types CASE 1.1 adds, which real 1.0 servers already send.
pub const ASSOCIATION_TYPES_1_1: &[&str] = &["isTranslationOf"];

/// The imsx_codeMinor values of CASE 1.0 (+ `invalid_filter_field`, which the binding's text uses).
pub const CODE_MINORS: &[&str] = &[
    "fullsuccess",
    "invalid_sort_field",
    "invalid_selection_field",
    "invalid_filter_field",
    "forbidden",
    "unauthorisedrequest",
    "internal_server_error",
    "unknownobject",
    "server_busy",
    "invaliduuid",
];

pub mod links {
    /// The CASE 1.0 REST/JSON binding (endpoints, payloads, query parameters, paging, errors; its OpenAPI states
    /// the data types).
    pub const CASE_REST: &str = "https://www.imsglobal.org/case-10-specification-rest-api";
    /// The CASE 1.0 conformance and certification document.
    pub const CASE_CONFORMANCE: &str = "http://www.imsglobal.org/case/casev1p0/caseservicev1p0_conformancev1p0.html";
    /// The CASE 1.1 certification guide (the same endpoints as 1.0; what a provider must serve).
    pub const CASE_CERT: &str = "https://www.imsglobal.org/spec/case/v1p1/cert";
}
