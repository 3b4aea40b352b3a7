//! The OB 3.0 / CLR 2.0 data model as a table (classes, their properties, types and cardinalities), and a walker
//! that maps a credential document onto it.
//!
//! Writing the model once as data lets many checks share it: each class's shape check, the URI and date-time
//! lexical checks, the enumeration check and the "arrays must be arrays" rule all read the same walk, so a new
//! property is added in one place. Embedded credentials (`endorsement`, nested `verifiableCredential`) are not
//! walked into: they are checked as subjects of their own.

use serde_json::Value;

use crate::json::Ptr;

/// A class of the data model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    AchievementCredential,
    EndorsementCredential,
    ClrCredential,
    AchievementSubject,
    EndorsementSubject,
    ClrSubject,
    Achievement,
    Criteria,
    Alignment,
    Related,
    ResultDescription,
    RubricCriterionLevel,
    Result,
    Evidence,
    Image,
    IdentityObject,
    IdentifierEntry,
    Profile,
    Address,
    GeoCoordinates,
    CredentialSchema,
    CredentialStatus,
    RefreshService,
    TermsOfUse,
    Proof,
    Association,
}

/// Enumerated vocabularies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vocab {
    AchievementType,
    AlignmentTargetType,
    ResultType,
    ResultStatusType,
    IdentifierType,
    AssociationType,
}

/// The type of a property value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// Any URI (absolute, with a scheme; URL or `urn:`/`did:`/`data:` …).
    Uri,
    /// Date-time with a time zone offset (`DateTimeZ`).
    DateTimeZ,
    /// Date-time (the schemas use `format: date-time`, which also requires an offset).
    DateTime,
    /// `YYYY-MM-DD`.
    Date,
    /// String, or a JSON-LD language map.
    Str,
    Bool,
    Number,
    /// BCP 47 language code.
    Lang,
    /// A compact JWS string.
    Jws,
    /// A member of an enumerated vocabulary.
    Enum(Vocab),
    /// A `type` value: string or array of strings.
    TypeSet,
    /// An object of a class.
    Object(Class),
    /// `issuer`: a URI or a Profile.
    ProfileRef,
    /// An embedded credential checked as its own subject (`endorsement`, `verifiableCredential`).
    Embedded,
    /// Not typed by this table (`@context` is checked separately).
    Any,
}

/// Cardinality of a property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Card {
    /// `[1]`
    One,
    /// `[0..1]`
    Optional,
    /// `[1..*]`
    Many,
    /// `[0..*]`
    OptionalMany,
}

impl Card {
    pub fn required(self) -> bool {
        matches!(self, Card::One | Card::Many)
    }
    pub fn multi(self) -> bool {
        matches!(self, Card::Many | Card::OptionalMany)
    }
    pub fn notation(self) -> &'static str {
        match self {
            Card::One => "[1]",
            Card::Optional => "[0..1]",
            Card::Many => "[1..*]",
            Card::OptionalMany => "[0..*]",
        }
    }
}

/// One property of a class.
#[derive(Debug, Clone, Copy)]
pub struct Prop {
    pub name: &'static str,
    pub ty: Ty,
    pub card: Card,
    /// JSON-LD compaction lets this multi-valued property be a single value (serialization rules).
    pub compactable: bool,
}

const fn p(name: &'static str, ty: Ty, card: Card) -> Prop {
    Prop {
        name,
        ty,
        card,
        compactable: false,
    }
}

const fn compact(name: &'static str, ty: Ty, card: Card) -> Prop {
    Prop {
        name,
        ty,
        card,
        compactable: true,
    }
}

/// What the `type` of a class must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeRule {
    /// `type` `[1..*]` must contain this value.
    Contains(&'static str),
    /// `type` `[1]` must be exactly this string.
    Exactly(&'static str),
    /// `type` `[1]` is a free IRI (CredentialStatus, Proof …).
    AnyIri,
    /// The class has no `type` (Criteria).
    None,
}

/// A class definition.
#[derive(Debug)]
pub struct ClassDef {
    pub class: Class,
    pub name: &'static str,
    pub type_rule: TypeRule,
    pub props: &'static [Prop],
    /// Closed classes allow no other properties.
    pub closed: bool,
}

use Card::{Many, One, Optional, OptionalMany};
use Class as C;
use Ty::*;

const VC_COMMON: &[Prop] = &[
    p("@context", Any, Many),
    p("id", Uri, One),
    compact("type", TypeSet, Many),
    p("issuer", ProfileRef, One),
    p("validFrom", DateTimeZ, One),
    p("validUntil", DateTimeZ, Optional),
    p("issuanceDate", DateTimeZ, Optional),
    p("expirationDate", DateTimeZ, Optional),
    p("awardedDate", DateTimeZ, Optional),
    p("description", Str, Optional),
    p("image", Object(C::Image), Optional),
    compact("proof", Object(C::Proof), OptionalMany),
    compact("credentialSchema", Object(C::CredentialSchema), OptionalMany),
    p("credentialStatus", Object(C::CredentialStatus), Optional),
    p("refreshService", Object(C::RefreshService), Optional),
    compact("termsOfUse", Object(C::TermsOfUse), OptionalMany),
    p("endorsement", Embedded, OptionalMany),
    p("endorsementJwt", Jws, OptionalMany),
];

static ACHIEVEMENT_CREDENTIAL: [Prop; 21] = concat_props(
    VC_COMMON,
    &[
        p("name", Str, Optional),
        p("credentialSubject", Object(C::AchievementSubject), One),
        p("evidence", Object(C::Evidence), OptionalMany),
    ],
);

static ENDORSEMENT_CREDENTIAL: [Prop; 20] = concat_props(
    VC_COMMON,
    &[
        p("name", Str, One),
        p("credentialSubject", Object(C::EndorsementSubject), One),
    ],
);

static CLR_CREDENTIAL: [Prop; 22] = concat_props(
    VC_COMMON,
    &[
        p("name", Str, One),
        p("credentialSubject", Object(C::ClrSubject), One),
        p("evidence", Object(C::Evidence), OptionalMany),
        p("partial", Bool, Optional),
    ],
);

/// Concatenates two property lists at compile time (the credential classes share the VC base).
const fn concat_props<const N: usize>(a: &[Prop], b: &[Prop]) -> [Prop; N] {
    let mut out = [p("", Any, Optional); N];
    let mut i = 0;
    while i < a.len() {
        out[i] = a[i];
        i += 1;
    }
    let mut j = 0;
    while j < b.len() {
        out[i + j] = b[j];
        j += 1;
    }
    assert!(i + j == N, "property list length mismatch");
    out
}

/// Every class of the model.
pub static CLASSES: &[ClassDef] = &[
    ClassDef {
        class: C::AchievementCredential,
        name: "AchievementCredential",
        type_rule: TypeRule::Contains("VerifiableCredential"),
        props: &ACHIEVEMENT_CREDENTIAL,
        closed: false,
    },
    ClassDef {
        class: C::EndorsementCredential,
        name: "EndorsementCredential",
        type_rule: TypeRule::Contains("EndorsementCredential"),
        props: &ENDORSEMENT_CREDENTIAL,
        closed: false,
    },
    ClassDef {
        class: C::ClrCredential,
        name: "ClrCredential",
        type_rule: TypeRule::Contains("ClrCredential"),
        props: &CLR_CREDENTIAL,
        closed: false,
    },
    ClassDef {
        class: C::AchievementSubject,
        name: "AchievementSubject",
        type_rule: TypeRule::Contains("AchievementSubject"),
        props: &[
            p("id", Uri, Optional),
            compact("type", TypeSet, Many),
            p("achievement", Object(C::Achievement), One),
            p("identifier", Object(C::IdentityObject), OptionalMany),
            p("activityStartDate", DateTime, Optional),
            p("activityEndDate", DateTime, Optional),
            p("creditsEarned", Number, Optional),
            p("image", Object(C::Image), Optional),
            p("licenseNumber", Str, Optional),
            p("narrative", Str, Optional),
            p("result", Object(C::Result), OptionalMany),
            p("role", Str, Optional),
            p("source", Object(C::Profile), Optional),
            p("term", Str, Optional),
        ],
        closed: false,
    },
    ClassDef {
        class: C::EndorsementSubject,
        name: "EndorsementSubject",
        type_rule: TypeRule::Contains("EndorsementSubject"),
        props: &[
            p("id", Uri, One),
            compact("type", TypeSet, Many),
            p("endorsementComment", Str, Optional),
        ],
        closed: false,
    },
    ClassDef {
        class: C::ClrSubject,
        name: "ClrSubject",
        type_rule: TypeRule::Contains("ClrSubject"),
        props: &[
            p("id", Uri, Optional),
            compact("type", TypeSet, Many),
            p("identifier", Object(C::IdentityObject), OptionalMany),
            p("achievement", Object(C::Achievement), OptionalMany),
            p("verifiableCredential", Embedded, Many),
            p("association", Object(C::Association), OptionalMany),
        ],
        closed: false,
    },
    ClassDef {
        class: C::Achievement,
        name: "Achievement",
        type_rule: TypeRule::Contains("Achievement"),
        props: &[
            p("id", Uri, One),
            compact("type", TypeSet, Many),
            p("criteria", Object(C::Criteria), One),
            p("description", Str, One),
            p("name", Str, One),
            p("achievementType", Enum(Vocab::AchievementType), Optional),
            p("alignment", Object(C::Alignment), OptionalMany),
            p("creator", Object(C::Profile), Optional),
            p("creditsAvailable", Number, Optional),
            p("endorsement", Embedded, OptionalMany),
            p("endorsementJwt", Jws, OptionalMany),
            p("fieldOfStudy", Str, Optional),
            p("humanCode", Str, Optional),
            p("image", Object(C::Image), Optional),
            p("inLanguage", Lang, Optional),
            p("otherIdentifier", Object(C::IdentifierEntry), OptionalMany),
            p("related", Object(C::Related), OptionalMany),
            p("resultDescription", Object(C::ResultDescription), OptionalMany),
            p("specialization", Str, Optional),
            p("tag", Str, OptionalMany),
            p("version", Str, Optional),
        ],
        closed: false,
    },
    ClassDef {
        class: C::Criteria,
        name: "Criteria",
        type_rule: TypeRule::None,
        props: &[p("id", Uri, Optional), p("narrative", Str, Optional)],
        closed: false,
    },
    ClassDef {
        class: C::Alignment,
        name: "Alignment",
        type_rule: TypeRule::Contains("Alignment"),
        props: &[
            compact("type", TypeSet, Many),
            p("targetName", Str, One),
            p("targetUrl", Uri, One),
            p("targetCode", Str, Optional),
            p("targetDescription", Str, Optional),
            p("targetFramework", Str, Optional),
            p("targetType", Enum(Vocab::AlignmentTargetType), Optional),
        ],
        closed: false,
    },
    ClassDef {
        class: C::Related,
        name: "Related",
        type_rule: TypeRule::Contains("Related"),
        props: &[
            p("id", Uri, One),
            compact("type", TypeSet, Many),
            p("inLanguage", Lang, Optional),
            p("version", Str, Optional),
        ],
        closed: false,
    },
    ClassDef {
        class: C::ResultDescription,
        name: "ResultDescription",
        type_rule: TypeRule::Contains("ResultDescription"),
        props: &[
            p("id", Uri, One),
            compact("type", TypeSet, Many),
            p("name", Str, One),
            p("resultType", Enum(Vocab::ResultType), One),
            p("alignment", Object(C::Alignment), OptionalMany),
            p("allowedValue", Str, OptionalMany),
            p("requiredLevel", Uri, Optional),
            p("requiredValue", Str, Optional),
            p("rubricCriterionLevel", Object(C::RubricCriterionLevel), OptionalMany),
            p("valueMax", Str, Optional),
            p("valueMin", Str, Optional),
        ],
        closed: false,
    },
    ClassDef {
        class: C::RubricCriterionLevel,
        name: "RubricCriterionLevel",
        type_rule: TypeRule::Contains("RubricCriterionLevel"),
        props: &[
            p("id", Uri, One),
            compact("type", TypeSet, Many),
            p("name", Str, One),
            p("alignment", Object(C::Alignment), OptionalMany),
            p("description", Str, Optional),
            p("level", Str, Optional),
            p("points", Str, Optional),
        ],
        closed: false,
    },
    ClassDef {
        class: C::Result,
        name: "Result",
        type_rule: TypeRule::Contains("Result"),
        props: &[
            compact("type", TypeSet, Many),
            p("achievedLevel", Uri, Optional),
            p("alignment", Object(C::Alignment), OptionalMany),
            p("resultDescription", Uri, Optional),
            p("status", Enum(Vocab::ResultStatusType), Optional),
            p("value", Str, Optional),
        ],
        closed: false,
    },
    ClassDef {
        class: C::Evidence,
        name: "Evidence",
        type_rule: TypeRule::Contains("Evidence"),
        props: &[
            p("id", Uri, Optional),
            compact("type", TypeSet, Many),
            p("narrative", Str, Optional),
            p("name", Str, Optional),
            p("description", Str, Optional),
            p("genre", Str, Optional),
            p("audience", Str, Optional),
        ],
        closed: false,
    },
    ClassDef {
        class: C::Image,
        name: "Image",
        type_rule: TypeRule::Exactly("Image"),
        props: &[p("id", Uri, One), p("type", TypeSet, One), p("caption", Str, Optional)],
        closed: true,
    },
    ClassDef {
        class: C::IdentityObject,
        name: "IdentityObject",
        type_rule: TypeRule::Exactly("IdentityObject"),
        props: &[
            p("type", TypeSet, One),
            p("hashed", Bool, One),
            p("identityHash", Str, One),
            p("identityType", Enum(Vocab::IdentifierType), One),
            p("salt", Str, Optional),
        ],
        closed: true,
    },
    ClassDef {
        class: C::IdentifierEntry,
        name: "IdentifierEntry",
        type_rule: TypeRule::Exactly("IdentifierEntry"),
        props: &[
            p("type", TypeSet, One),
            p("identifier", Str, One),
            p("identifierType", Enum(Vocab::IdentifierType), One),
        ],
        closed: true,
    },
    ClassDef {
        class: C::Profile,
        name: "Profile",
        type_rule: TypeRule::Contains("Profile"),
        props: &[
            p("id", Uri, One),
            compact("type", TypeSet, Many),
            p("name", Str, Optional),
            p("url", Uri, Optional),
            p("phone", Str, Optional),
            p("description", Str, Optional),
            p("endorsement", Embedded, OptionalMany),
            p("endorsementJwt", Jws, OptionalMany),
            p("image", Object(C::Image), Optional),
            p("email", Str, Optional),
            p("address", Object(C::Address), Optional),
            p("otherIdentifier", Object(C::IdentifierEntry), OptionalMany),
            p("official", Str, Optional),
            p("parentOrg", Object(C::Profile), Optional),
            p("familyName", Str, Optional),
            p("givenName", Str, Optional),
            p("additionalName", Str, Optional),
            p("patronymicName", Str, Optional),
            p("honorificPrefix", Str, Optional),
            p("honorificSuffix", Str, Optional),
            p("familyNamePrefix", Str, Optional),
            p("dateOfBirth", Date, Optional),
        ],
        closed: false,
    },
    ClassDef {
        class: C::Address,
        name: "Address",
        type_rule: TypeRule::Contains("Address"),
        props: &[
            compact("type", TypeSet, Many),
            p("addressCountry", Str, Optional),
            p("addressCountryCode", Str, Optional),
            p("addressRegion", Str, Optional),
            p("addressLocality", Str, Optional),
            p("streetAddress", Str, Optional),
            p("postOfficeBoxNumber", Str, Optional),
            p("postalCode", Str, Optional),
            p("geo", Object(C::GeoCoordinates), Optional),
        ],
        closed: false,
    },
    ClassDef {
        class: C::GeoCoordinates,
        name: "GeoCoordinates",
        type_rule: TypeRule::Exactly("GeoCoordinates"),
        props: &[
            p("type", TypeSet, One),
            p("latitude", Number, One),
            p("longitude", Number, One),
        ],
        closed: false,
    },
    ClassDef {
        class: C::CredentialSchema,
        name: "CredentialSchema",
        type_rule: TypeRule::AnyIri,
        props: &[p("id", Uri, One), p("type", TypeSet, One)],
        closed: false,
    },
    ClassDef {
        class: C::CredentialStatus,
        name: "CredentialStatus",
        type_rule: TypeRule::AnyIri,
        props: &[p("id", Uri, One), p("type", TypeSet, One)],
        closed: false,
    },
    ClassDef {
        class: C::RefreshService,
        name: "RefreshService",
        type_rule: TypeRule::AnyIri,
        props: &[p("id", Uri, One), p("type", TypeSet, One)],
        closed: false,
    },
    ClassDef {
        class: C::TermsOfUse,
        name: "TermsOfUse",
        type_rule: TypeRule::AnyIri,
        props: &[p("id", Uri, Optional), p("type", TypeSet, One)],
        closed: false,
    },
    ClassDef {
        class: C::Proof,
        name: "Proof",
        type_rule: TypeRule::AnyIri,
        props: &[
            p("type", TypeSet, One),
            p("created", DateTime, Optional),
            p("cryptosuite", Str, Optional),
            p("challenge", Str, Optional),
            p("domain", Str, Optional),
            p("nonce", Str, Optional),
            p("proofPurpose", Str, Optional),
            p("proofValue", Str, Optional),
            p("verificationMethod", Uri, Optional),
        ],
        closed: false,
    },
    ClassDef {
        class: C::Association,
        name: "Association",
        type_rule: TypeRule::Exactly("Association"),
        props: &[
            p("type", TypeSet, One),
            p("associationType", Enum(Vocab::AssociationType), One),
            p("sourceId", Uri, One),
            p("targetId", Uri, One),
        ],
        closed: true,
    },
];

/// The definition of a class.
pub fn class_def(class: Class) -> &'static ClassDef {
    CLASSES.iter().find(|d| d.class == class).unwrap_or(&CLASSES[0])
}

/// An object of a known class found in the document.
#[derive(Debug, Clone)]
pub struct Node<'a> {
    pub ptr: Ptr,
    pub class: Class,
    pub value: &'a Value,
}

/// A property occurrence: the value of `prop` on an object of class `owner`, at `ptr`.
#[derive(Debug, Clone)]
pub struct Field<'a> {
    pub ptr: Ptr,
    pub owner: Class,
    pub prop: &'static Prop,
    pub value: &'a Value,
}

/// An embedded credential, checked as a subject of its own.
#[derive(Debug, Clone)]
pub struct Embedded<'a> {
    pub ptr: Ptr,
    /// The property it was found under (`endorsement`, `endorsementJwt`, `verifiableCredential`).
    pub via: &'static str,
    pub value: &'a Value,
}

/// The document mapped onto the model.
#[derive(Debug, Default)]
pub struct Walk<'a> {
    pub nodes: Vec<Node<'a>>,
    pub fields: Vec<Field<'a>>,
    pub embedded: Vec<Embedded<'a>>,
}

impl<'a> Walk<'a> {
    /// Walks `root` as an object of `class`.
    pub fn new(root: &'a Value, class: Class) -> Self {
        let mut walk = Walk::default();
        // Objects are visited breadth-first from an explicit queue: the depth is bounded by the JSON parser's
        // recursion limit anyway, but an explicit queue keeps the walker free of recursion entirely.
        let mut queue = std::collections::VecDeque::from([(Ptr::root(), class, root)]);
        while let Some((ptr, class, value)) = queue.pop_front() {
            let Some(obj) = value.as_object() else { continue };
            walk.nodes.push(Node {
                ptr: ptr.clone(),
                class,
                value,
            });
            let def = class_def(class);
            for prop in def.props {
                let Some(v) = obj.get(prop.name) else { continue };
                let at = ptr.key(prop.name);
                walk.fields.push(Field {
                    ptr: at.clone(),
                    owner: class,
                    prop,
                    value: v,
                });
                match prop.ty {
                    Object(c) => each_item(v, &at, |item_ptr, item| queue.push_back((item_ptr, c, item))),
                    ProfileRef if v.is_object() => queue.push_back((at, C::Profile, v)),
                    Embedded => each_item(v, &at, |item_ptr, item| {
                        walk.embedded.push(Embedded {
                            ptr: item_ptr,
                            via: prop.name,
                            value: item,
                        })
                    }),
                    Jws => each_item(v, &at, |item_ptr, item| {
                        walk.embedded.push(Embedded {
                            ptr: item_ptr,
                            via: prop.name,
                            value: item,
                        })
                    }),
                    _ => {}
                }
            }
        }
        walk
    }

    pub fn nodes_of(&self, class: Class) -> impl Iterator<Item = &Node<'a>> {
        self.nodes.iter().filter(move |n| n.class == class)
    }
}

/// Calls `f` for each item of an array value, or once for a single value.
pub fn each_item<'a>(v: &'a Value, at: &Ptr, mut f: impl FnMut(Ptr, &'a Value)) {
    match v {
        Value::Array(items) => items.iter().enumerate().for_each(|(i, item)| f(at.index(i), item)),
        other => f(at.clone(), other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_object_typed_property_names_a_defined_class() {
        for def in CLASSES {
            for prop in def.props {
                if let Object(c) = prop.ty {
                    assert_eq!(class_def(c).class, c, "{}.{} → undefined class", def.name, prop.name);
                }
            }
        }
    }

    #[test]
    fn walker_finds_nested_classes_and_stops_at_embedded_credentials() {
        let doc = json!({
            "issuer": {"id": "https://example.edu", "type": ["Profile"], "image": {"id": "https://x/i.png", "type": "Image"}},
            "credentialSubject": {
                "type": ["AchievementSubject"],
                "achievement": {"id": "https://x/a", "type": ["Achievement"], "alignment": [{"type": ["Alignment"]}],
                    "endorsement": [{"type": ["VerifiableCredential", "EndorsementCredential"], "issuer": "https://y"}]},
                "result": [{"type": ["Result"]}, {"type": ["Result"]}]
            }
        });
        let walk = Walk::new(&doc, Class::AchievementCredential);
        assert_eq!(
            walk.nodes_of(Class::Image).next().map(|n| n.ptr.to_string()),
            Some("/issuer/image".into())
        );
        assert_eq!(walk.nodes_of(Class::Result).count(), 2);
        assert_eq!(
            walk.nodes_of(Class::Alignment).next().map(|n| n.ptr.to_string()),
            Some("/credentialSubject/achievement/alignment/0".into())
        );
        assert_eq!(walk.embedded.len(), 1);
        assert_eq!(
            walk.embedded[0].ptr.to_string(),
            "/credentialSubject/achievement/endorsement/0"
        );
        assert_eq!(
            walk.nodes_of(Class::Profile).count(),
            1,
            "the endorsement's issuer is not walked"
        );
    }
}
