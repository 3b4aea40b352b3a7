//! The CASE 1.0 entities as the 1EdTech OpenAPI (`case-v1p0-swagger.json`) defines them: every property, its type
//! and whether it is required, written down from the OpenAPI's definitions (never read from it at run time).
//!
//! The OpenAPI writes the stand-alone CFDocument / CFItem / CFAssociation as an `allOf` of the package form and one
//! more link, both branches closed (`additionalProperties: false`), which no instance can satisfy under plain JSON
//! Schema. The table merges them, as the text means: a stand-alone CFItem is a package CFItem plus `CFDocumentURI`.
//!
//! [`Walk`] types every object of a document by its place (a `CFItems` entry is a package CFItem, its
//! `CFItemTypeURI` a LinkURI …), so each check reads one list. The entity graph has no cycles, so the walk's depth is
//! bounded by the table, whatever the document.

use serde::Serialize;
use serde_json::Value;

use crate::json::Ptr;

/// A CASE 1.0 object type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Entity {
    Package,
    /// The CFDocument inside a CFPackage (no `CFPackageURI`).
    PckgDocument,
    /// A stand-alone CFDocument (getCFDocument, getAllCFDocuments).
    Document,
    PckgItem,
    Item,
    PckgAssociation,
    Association,
    Definitions,
    Concept,
    Subject,
    License,
    ItemType,
    Grouping,
    Rubric,
    Criterion,
    CriterionLevel,
    LinkUri,
    LinkGenUri,
    DocumentSet,
    AssociationSet,
    ConceptSet,
    SubjectSet,
    ItemTypeSet,
}

/// What a property holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Str,
    /// UUID.Type.
    Uuid,
    /// A string with `format: uri`.
    Uri,
    /// `format: date-time`.
    DateTime,
    /// `format: date`.
    Date,
    Int,
    Num,
    /// An array of strings.
    Strs,
    One(Entity),
    Many(Entity),
}

/// One property of an entity.
#[derive(Debug, Clone, Copy)]
pub struct Prop {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
}

const fn req(name: &'static str, ty: Ty) -> Prop {
    Prop {
        name,
        ty,
        required: true,
    }
}

const fn opt(name: &'static str, ty: Ty) -> Prop {
    Prop {
        name,
        ty,
        required: false,
    }
}

use Entity as E;
use Ty::{Date, DateTime, Int, Many, Num, One, Str, Strs, Uri, Uuid};

const DOCUMENT: &[Prop] = &[
    req("identifier", Uuid),
    req("uri", Uri),
    req("creator", Str),
    req("title", Str),
    req("lastChangeDateTime", DateTime),
    opt("officialSourceURL", Uri),
    opt("publisher", Str),
    opt("description", Str),
    opt("subject", Strs),
    opt("subjectURI", Many(E::LinkUri)),
    opt("language", Str),
    opt("version", Str),
    opt("adoptionStatus", Str),
    opt("statusStartDate", Date),
    opt("statusEndDate", Date),
    opt("licenseURI", One(E::LinkUri)),
    opt("notes", Str),
];

const ITEM: &[Prop] = &[
    req("identifier", Uuid),
    req("fullStatement", Str),
    opt("alternativeLabel", Str),
    opt("CFItemType", Str),
    req("uri", Uri),
    opt("humanCodingScheme", Str),
    opt("listEnumeration", Str),
    opt("abbreviatedStatement", Str),
    opt("conceptKeywords", Strs),
    opt("conceptKeywordsURI", One(E::LinkUri)),
    opt("notes", Str),
    opt("language", Str),
    opt("educationLevel", Strs),
    opt("CFItemTypeURI", One(E::LinkUri)),
    opt("licenseURI", One(E::LinkUri)),
    opt("statusStartDate", Date),
    opt("statusEndDate", Date),
    req("lastChangeDateTime", DateTime),
];

const ASSOCIATION: &[Prop] = &[
    req("identifier", Uuid),
    req("associationType", Str),
    opt("sequenceNumber", Int),
    req("uri", Uri),
    req("originNodeURI", One(E::LinkGenUri)),
    req("destinationNodeURI", One(E::LinkGenUri)),
    opt("CFAssociationGroupingURI", One(E::LinkUri)),
    req("lastChangeDateTime", DateTime),
];

impl Entity {
    /// The OpenAPI's name for the entity.
    pub fn name(self) -> &'static str {
        match self {
            E::Package => "CFPackage",
            E::PckgDocument | E::Document => "CFDocument",
            E::PckgItem | E::Item => "CFItem",
            E::PckgAssociation | E::Association => "CFAssociation",
            E::Definitions => "CFDefinitions",
            E::Concept => "CFConcept",
            E::Subject => "CFSubject",
            E::License => "CFLicense",
            E::ItemType => "CFItemType",
            E::Grouping => "CFAssociationGrouping",
            E::Rubric => "CFRubric",
            E::Criterion => "CFRubricCriterion",
            E::CriterionLevel => "CFRubricCriterionLevel",
            E::LinkUri => "LinkURI",
            E::LinkGenUri => "LinkGenURI",
            E::DocumentSet => "CFDocumentSet",
            E::AssociationSet => "CFAssociationSet",
            E::ConceptSet => "CFConceptSet",
            E::SubjectSet => "CFSubjectSet",
            E::ItemTypeSet => "CFItemTypeSet",
        }
    }

    /// The entity's properties (a stand-alone form: its package form's, then its link).
    pub fn props(self) -> Vec<Prop> {
        let mut v: Vec<Prop> = self.base().to_vec();
        match self {
            E::Document => v.push(req("CFPackageURI", One(E::LinkUri))),
            E::Item => v.push(req("CFDocumentURI", One(E::LinkUri))),
            E::Association => v.push(opt("CFDocumentURI", One(E::LinkUri))),
            _ => {}
        }
        v
    }

    fn base(self) -> &'static [Prop] {
        match self {
            E::Package => {
                const P: &[Prop] = &[
                    req("CFDocument", One(E::PckgDocument)),
                    opt("CFItems", Many(E::PckgItem)),
                    opt("CFAssociations", Many(E::PckgAssociation)),
                    opt("CFDefinitions", One(E::Definitions)),
                    opt("CFRubrics", Many(E::Rubric)),
                ];
                P
            }
            E::PckgDocument | E::Document => DOCUMENT,
            E::PckgItem | E::Item => ITEM,
            E::PckgAssociation | E::Association => ASSOCIATION,
            E::Definitions => {
                const P: &[Prop] = &[
                    opt("CFConcepts", Many(E::Concept)),
                    opt("CFSubjects", Many(E::Subject)),
                    opt("CFLicenses", Many(E::License)),
                    opt("CFItemTypes", Many(E::ItemType)),
                    opt("CFAssociationGroupings", Many(E::Grouping)),
                ];
                P
            }
            E::Concept => {
                const P: &[Prop] = &[
                    req("identifier", Uuid),
                    req("uri", Uri),
                    req("title", Str),
                    opt("keywords", Str),
                    req("hierarchyCode", Str),
                    opt("description", Str),
                    req("lastChangeDateTime", DateTime),
                ];
                P
            }
            E::Subject => {
                const P: &[Prop] = &[
                    req("identifier", Uuid),
                    req("uri", Uri),
                    req("title", Str),
                    req("hierarchyCode", Str),
                    opt("description", Str),
                    req("lastChangeDateTime", DateTime),
                ];
                P
            }
            E::License => {
                const P: &[Prop] = &[
                    req("identifier", Uuid),
                    req("uri", Uri),
                    req("title", Str),
                    opt("description", Str),
                    req("licenseText", Str),
                    req("lastChangeDateTime", DateTime),
                ];
                P
            }
            E::ItemType => {
                const P: &[Prop] = &[
                    req("identifier", Uuid),
                    req("uri", Uri),
                    req("title", Str),
                    req("description", Str),
                    req("hierarchyCode", Str),
                    opt("typeCode", Str),
                    req("lastChangeDateTime", DateTime),
                ];
                P
            }
            E::Grouping => {
                const P: &[Prop] = &[
                    req("identifier", Uuid),
                    req("uri", Uri),
                    req("title", Str),
                    opt("description", Str),
                    req("lastChangeDateTime", DateTime),
                ];
                P
            }
            E::Rubric => {
                const P: &[Prop] = &[
                    req("identifier", Uuid),
                    req("uri", Uri),
                    opt("title", Str),
                    opt("description", Str),
                    req("lastChangeDateTime", DateTime),
                    opt("CFRubricCriteria", Many(E::Criterion)),
                ];
                P
            }
            E::Criterion => {
                const P: &[Prop] = &[
                    req("identifier", Uuid),
                    req("uri", Uri),
                    opt("category", Str),
                    opt("description", Str),
                    opt("CFItemURI", One(E::LinkUri)),
                    opt("weight", Num),
                    opt("position", Int),
                    opt("rubricId", Uuid),
                    req("lastChangeDateTime", DateTime),
                    opt("CFRubricCriterionLevels", Many(E::CriterionLevel)),
                ];
                P
            }
            E::CriterionLevel => {
                const P: &[Prop] = &[
                    req("identifier", Uuid),
                    req("uri", Uri),
                    opt("description", Str),
                    opt("quality", Str),
                    opt("score", Num),
                    opt("feedback", Str),
                    opt("position", Int),
                    opt("rubricCriterionId", Uuid),
                    req("lastChangeDateTime", DateTime),
                ];
                P
            }
            E::LinkUri => {
                const P: &[Prop] = &[req("title", Str), req("identifier", Uuid), req("uri", Uri)];
                P
            }
            E::LinkGenUri => {
                const P: &[Prop] = &[req("title", Str), req("identifier", Str), req("uri", Uri)];
                P
            }
            E::DocumentSet => {
                const P: &[Prop] = &[req("CFDocuments", Many(E::Document))];
                P
            }
            E::AssociationSet => {
                const P: &[Prop] = &[
                    req("CFItem", One(E::Item)),
                    req("CFAssociations", Many(E::PckgAssociation)),
                ];
                P
            }
            E::ConceptSet => {
                const P: &[Prop] = &[req("CFConcepts", Many(E::Concept))];
                P
            }
            E::SubjectSet => {
                const P: &[Prop] = &[req("CFSubjects", Many(E::Subject))];
                P
            }
            E::ItemTypeSet => {
                const P: &[Prop] = &[req("CFItemTypes", Many(E::ItemType))];
                P
            }
        }
    }

    /// Whether an object of this entity is a CASE node with its own identifier and uri (not a link or a wrapper).
    pub fn is_node(self) -> bool {
        !matches!(
            self,
            E::Package
                | E::Definitions
                | E::LinkUri
                | E::LinkGenUri
                | E::DocumentSet
                | E::AssociationSet
                | E::ConceptSet
                | E::SubjectSet
                | E::ItemTypeSet
        )
    }
}

/// One object of a document, typed by its place.
#[derive(Debug, Clone)]
pub struct Node<'a> {
    pub ptr: Ptr,
    pub entity: Entity,
    pub value: &'a Value,
}

impl<'a> Node<'a> {
    /// A string member.
    pub fn str(&self, member: &str) -> Option<&'a str> {
        self.value.get(member).and_then(Value::as_str)
    }

    /// The identifier.
    pub fn id(&self) -> Option<&'a str> {
        self.str("identifier")
    }
}

/// Every object of a document, parents before children.
#[derive(Debug, Clone, Default)]
pub struct Walk<'a> {
    pub root: Option<Entity>,
    pub nodes: Vec<Node<'a>>,
}

impl<'a> Walk<'a> {
    /// Walks `doc` read as `root`. Members of the wrong JSON type are not entered (the type check reports them).
    pub fn new(doc: &'a Value, root: Entity) -> Walk<'a> {
        let mut w = Walk {
            root: Some(root),
            nodes: Vec::new(),
        };
        w.visit(doc, Ptr::root(), root);
        w
    }

    fn visit(&mut self, v: &'a Value, ptr: Ptr, entity: Entity) {
        let Some(obj) = v.as_object() else {
            return;
        };
        self.nodes.push(Node {
            ptr: ptr.clone(),
            entity,
            value: v,
        });
        for p in entity.props() {
            let Some(member) = obj.get(p.name) else {
                continue;
            };
            match p.ty {
                One(e) => self.visit(member, ptr.key(p.name), e),
                Many(e) => {
                    if let Some(items) = member.as_array() {
                        for (i, item) in items.iter().enumerate() {
                            self.visit(item, ptr.key(p.name).index(i), e);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// The nodes of one entity.
    pub fn of(&self, entity: Entity) -> impl Iterator<Item = &Node<'a>> {
        self.nodes.iter().filter(move |n| n.entity == entity)
    }

    /// The nodes of any of these entities.
    pub fn of_any<'s>(&'s self, entities: &'s [Entity]) -> impl Iterator<Item = &'s Node<'a>> {
        self.nodes.iter().filter(move |n| entities.contains(&n.entity))
    }

    /// The CASE nodes (objects with an identifier of their own), links and wrappers left out.
    pub fn case_nodes(&self) -> impl Iterator<Item = &Node<'a>> {
        self.nodes.iter().filter(|n| n.entity.is_node())
    }
}

/// The JSON type a property of type `ty` must have, for messages; `None` when `v` has it.
pub fn type_mismatch(ty: Ty, v: &Value) -> Option<&'static str> {
    let ok = match ty {
        Str | Uuid | Uri | DateTime | Date => v.is_string(),
        Int => v.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        Num => v.is_number(),
        Strs => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
        One(_) => v.is_object(),
        Many(_) => v.as_array().is_some_and(|a| a.iter().all(Value::is_object)),
    };
    if ok {
        return None;
    }
    Some(match ty {
        Str | Uuid | DateTime | Date => "a string",
        Uri => "a string (a URI)",
        Int => "an integer (int32)",
        Num => "a number",
        Strs => "an array of strings",
        One(_) => "an object",
        Many(_) => "an array of objects",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_walk_types_every_object_by_its_place() {
        let pkg = json!({
            "CFDocument": {"identifier": "a", "licenseURI": {"identifier": "l"}},
            "CFItems": [{"identifier": "i", "CFItemTypeURI": {}}],
            "CFAssociations": [{"originNodeURI": {}, "destinationNodeURI": {}}],
            "CFDefinitions": {"CFItemTypes": [{}], "CFLicenses": "not an array"},
            "CFRubrics": [{"CFRubricCriteria": [{"CFRubricCriterionLevels": [{}]}]}],
        });
        let w = Walk::new(&pkg, Entity::Package);
        let count = |e| w.of(e).count();
        assert_eq!(count(Entity::PckgDocument), 1);
        assert_eq!(count(Entity::LinkUri), 2);
        assert_eq!(count(Entity::LinkGenUri), 2);
        assert_eq!(count(Entity::ItemType), 1);
        assert_eq!(count(Entity::License), 0);
        assert_eq!(count(Entity::CriterionLevel), 1);
        assert_eq!(
            w.of(Entity::CriterionLevel).next().map(|n| n.ptr.as_str().to_string()),
            Some("/CFRubrics/0/CFRubricCriteria/0/CFRubricCriterionLevels/0".into())
        );
    }

    #[test]
    fn stand_alone_forms_add_their_link() {
        let names = |e: Entity| e.props().iter().map(|p| p.name).collect::<Vec<_>>();
        assert!(names(Entity::Item).contains(&"CFDocumentURI"));
        assert!(!names(Entity::PckgItem).contains(&"CFDocumentURI"));
        assert!(
            Entity::Document
                .props()
                .iter()
                .any(|p| p.name == "CFPackageURI" && p.required)
        );
    }
}
