//! The Open Badges 2.0 and CLR 1.0 data models as a table, and a walker that maps a document onto it.
//!
//! The two families share their verification model (hosted or signed, CryptographicKey, RevocationList) but not
//! their serialization: OB 2.0 is JSON-LD read loosely (`"p": ["v"]` is `"p": "v"`, and a linked object may be its
//! IRI or the object itself), while CLR 1.0 is defined by draft-04 JSON Schemas, where an array is an array. Each
//! class says which family it belongs to, and the shape rules follow ([`Family::loose_arrays`]).

use serde_json::Value;

use crate::json::Ptr;

/// Which standard a class belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Ob20,
    Clr10,
}

impl Family {
    /// JSON-LD's reading: a single value stands for a one-item array, and a one-item array for a single value.
    pub fn loose_arrays(self) -> bool {
        self == Family::Ob20
    }
}

/// A class of the OB 2.0 or CLR 1.0 data model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    // Open Badges 2.0
    Assertion,
    BadgeClass,
    Profile,
    IdentityObject,
    VerificationObject,
    VerificationPolicy,
    Criteria,
    Evidence,
    Image,
    Alignment,
    Endorsement,
    EndorsementClaim,
    CryptographicKey,
    RevocationList,
    // CLR 1.0
    Clr,
    ClrSet,
    ClrAssertion,
    ClrAchievement,
    ClrProfile,
    ClrIdentity,
    ClrVerification,
    ClrEndorsement,
    ClrEndorsementClaim,
    ClrEndorsementProfile,
    ClrAlignment,
    ClrAssociation,
    ClrCriteria,
    ClrEvidence,
    ClrArtifact,
    ClrResult,
    ClrResultDescription,
    ClrRubricCriterionLevel,
    ClrSystemIdentifier,
    ClrAddress,
    ClrCryptographicKey,
}

/// CLR 1.0's enumerated vocabularies (each also allows an `ext:` extension term).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vocab {
    AchievementType,
    AlignmentTargetType,
    ResultType,
    ResultStatus,
    AssociationType,
    IdentifierType,
}

impl Vocab {
    pub fn name(self) -> &'static str {
        match self {
            Vocab::AchievementType => "achievementType",
            Vocab::AlignmentTargetType => "Alignment.targetType",
            Vocab::ResultType => "resultType",
            Vocab::ResultStatus => "Result.status",
            Vocab::AssociationType => "associationType",
            Vocab::IdentifierType => "identifierType",
        }
    }

    /// The terms of the Final (2021) schemas.
    pub fn terms(self) -> &'static [&'static str] {
        match self {
            Vocab::AchievementType => &[
                "Achievement",
                "Assessment",
                "Assignment",
                "Award",
                "Badge",
                "Certificate",
                "Certification",
                "Course",
                "CommunityService",
                "Competency",
                "Co-Curricular",
                "Degree",
                "Diploma",
                "Fieldwork",
                "License",
                "Membership",
            ],
            Vocab::AlignmentTargetType => &[
                "CFItem",
                "CFRubric",
                "CFRubricCriterion",
                "CFRubricCriterionLevel",
                "CTDL",
            ],
            Vocab::ResultType => &[
                "GradePointAverage",
                "LetterGrade",
                "Percent",
                "PerformanceLevel",
                "PredictedScore",
                "Result",
                "RawScore",
                "RubricCriterion",
                "RubricCriterionLevel",
                "RubricScore",
                "ScaledScore",
                "Status",
            ],
            Vocab::ResultStatus => &["Completed", "Enrolled", "Failed", "InProgress", "OnHold", "Withdrew"],
            Vocab::AssociationType => &[
                "exactMatchOf",
                "exemplar",
                "hasSkillLevel",
                "isChildOf",
                "isParentOf",
                "isPartOf",
                "isPeerOf",
                "isRelatedTo",
                "precedes",
                "replacedBy",
            ],
            Vocab::IdentifierType => &["LisSourcedId", "OneRosterSourcedId"],
        }
    }

    /// Whether the vocabulary allows `ext:` extension terms.
    pub fn extensible(self) -> bool {
        !matches!(self, Vocab::ResultStatus | Vocab::AssociationType)
    }
}

/// The type of a property value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// An IRI: an http(s) URL, a `urn:uuid:`, a blank node `_:…`, or another absolute IRI.
    Iri,
    /// An http or https URL.
    Url,
    /// An image: an http(s) URL or a `data:` URI (or, in OB 2.0, an Image object).
    ImageRef,
    /// A date-time with a time zone.
    DateTime,
    /// `YYYY-MM-DD`.
    Date,
    Text,
    /// Text or a number (`version`).
    TextOrNumber,
    Bool,
    Number,
    Email,
    /// E.164 (`+15555550123`).
    Telephone,
    /// A BCP 47 language tag.
    Lang,
    /// A compact JWS.
    Jws,
    Enum(Vocab),
    /// A `type` value: a string, or in OB 2.0 an array of strings.
    TypeSet,
    /// An object of the class, or its IRI (OB 2.0's linked classes; fetched when verification needs it).
    Ref(Class),
    /// An embedded object of the class.
    Object(Class),
    /// An embedded document checked as its own subject (a ClrSet's `clrs`, signed entries).
    Embedded,
    /// Not typed by the table (`@context`, extensions).
    Any,
}

/// Cardinality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Card {
    One,
    Optional,
    Many,
    OptionalMany,
}

impl Card {
    pub fn required(self) -> bool {
        matches!(self, Card::One | Card::Many)
    }
    pub fn multi(self) -> bool {
        matches!(self, Card::Many | Card::OptionalMany)
    }
}

/// One property of a class.
#[derive(Debug, Clone, Copy)]
pub struct Prop {
    pub name: &'static str,
    pub ty: Ty,
    pub card: Card,
}

const fn p(name: &'static str, ty: Ty, card: Card) -> Prop {
    Prop { name, ty, card }
}

/// What a class's `type` must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeRule {
    /// Required, and one of its values is one of these.
    OneOf(&'static [&'static str]),
    /// Optional (a default applies), but when given one of its values is one of these.
    DefaultOneOf(&'static [&'static str]),
    /// Not constrained.
    Free,
}

/// A class definition.
#[derive(Debug)]
pub struct ClassDef {
    pub class: Class,
    pub family: Family,
    pub name: &'static str,
    pub type_rule: TypeRule,
    pub props: &'static [Prop],
    /// Closed classes allow no other properties (the CLR 1.0 schemas' `additionalProperties: false`).
    pub closed: bool,
}

use Card::{Many, One, Optional, OptionalMany};
use Class as C;
use Family::{Clr10, Ob20};
use Ty::*;

/// Properties every OB 2.0 primary object may carry.
macro_rules! ob2_common {
    () => {
        [
            p("@context", Any, Optional),
            p("id", Iri, One),
            p("type", TypeSet, One),
            p("@language", Lang, Optional),
            p("version", TextOrNumber, Optional),
            p("related", Iri, OptionalMany),
            p("endorsement", Ref(C::Endorsement), OptionalMany),
        ]
    };
}

static OB2_ASSERTION: &[Prop] = &concat::<7, 10, 17>(
    ob2_common!(),
    [
        p("recipient", Object(C::IdentityObject), One),
        p("badge", Ref(C::BadgeClass), One),
        p("verification", Object(C::VerificationObject), One),
        p("issuedOn", DateTime, One),
        p("image", ImageRef, Optional),
        p("evidence", Ref(C::Evidence), OptionalMany),
        p("narrative", Text, Optional),
        p("expires", DateTime, Optional),
        p("revoked", Bool, Optional),
        p("revocationReason", Text, Optional),
    ],
);

static OB2_BADGE_CLASS: &[Prop] = &concat::<7, 8, 15>(
    ob2_common!(),
    [
        p("name", Text, One),
        p("description", Text, One),
        p("image", ImageRef, One),
        p("criteria", Ref(C::Criteria), One),
        p("issuer", Ref(C::Profile), One),
        p("alignment", Object(C::Alignment), OptionalMany),
        p("tags", Text, OptionalMany),
        p("expires", DateTime, Optional),
    ],
);

static OB2_PROFILE: &[Prop] = &concat::<7, 9, 16>(
    ob2_common!(),
    [
        p("name", Text, Optional),
        p("url", Url, Optional),
        p("email", Email, Optional),
        p("telephone", Telephone, Optional),
        p("description", Text, Optional),
        p("image", ImageRef, Optional),
        p("publicKey", Ref(C::CryptographicKey), OptionalMany),
        p("verification", Object(C::VerificationPolicy), Optional),
        p("revocationList", Url, Optional),
    ],
);

static OB2_ENDORSEMENT: &[Prop] = &concat::<7, 6, 13>(
    ob2_common!(),
    [
        p("claim", Object(C::EndorsementClaim), One),
        p("issuer", Ref(C::Profile), One),
        p("issuedOn", DateTime, One),
        p("verification", Object(C::VerificationObject), One),
        p("revoked", Bool, Optional),
        p("revocationReason", Text, Optional),
    ],
);

/// Concatenates two property lists at compile time.
const fn concat<const A: usize, const B: usize, const N: usize>(a: [Prop; A], b: [Prop; B]) -> [Prop; N] {
    let mut out = [p("", Any, Optional); N];
    let mut i = 0;
    while i < A {
        out[i] = a[i];
        i += 1;
    }
    let mut j = 0;
    while j < B {
        out[A + j] = b[j];
        j += 1;
    }
    assert!(A + B == N, "property list length mismatch");
    out
}

const fn class(
    class: Class,
    family: Family,
    name: &'static str,
    type_rule: TypeRule,
    props: &'static [Prop],
) -> ClassDef {
    ClassDef {
        class,
        family,
        name,
        type_rule,
        props,
        closed: false,
    }
}

const fn closed(mut def: ClassDef) -> ClassDef {
    def.closed = true;
    def
}

/// A CLR 1.0 class whose `type` is optional but, when given, this.
const fn clr(class_: Class, name: &'static str, types: &'static [&'static str], props: &'static [Prop]) -> ClassDef {
    class(class_, Clr10, name, TypeRule::DefaultOneOf(types), props)
}

/// Every class of both models.
pub static CLASSES: &[ClassDef] = &[
    class(
        C::Assertion,
        Ob20,
        "Assertion",
        TypeRule::OneOf(&["Assertion"]),
        OB2_ASSERTION,
    ),
    class(
        C::BadgeClass,
        Ob20,
        "BadgeClass",
        TypeRule::OneOf(&["BadgeClass"]),
        OB2_BADGE_CLASS,
    ),
    class(
        C::Profile,
        Ob20,
        "Profile",
        TypeRule::OneOf(&["Issuer", "Profile"]),
        OB2_PROFILE,
    ),
    class(
        C::IdentityObject,
        Ob20,
        "IdentityObject",
        TypeRule::OneOf(&["id", "email", "url", "telephone"]),
        &[
            p("type", TypeSet, One),
            p("identity", Text, One),
            p("hashed", Bool, One),
            p("salt", Text, Optional),
        ],
    ),
    class(
        C::VerificationObject,
        Ob20,
        "VerificationObject",
        TypeRule::OneOf(&["HostedBadge", "hosted", "SignedBadge", "signed"]),
        &[
            p("type", TypeSet, One),
            p("creator", Ref(C::CryptographicKey), Optional),
        ],
    ),
    class(
        C::VerificationPolicy,
        Ob20,
        "VerificationObject (issuer policy)",
        TypeRule::DefaultOneOf(&["VerificationObject"]),
        &[
            p("type", TypeSet, Optional),
            p("verificationProperty", Text, Optional),
            p("startsWith", Url, OptionalMany),
            p("allowedOrigins", Text, OptionalMany),
        ],
    ),
    class(
        C::Criteria,
        Ob20,
        "Criteria",
        TypeRule::Free,
        &[
            p("id", Url, Optional),
            p("type", TypeSet, Optional),
            p("narrative", Text, Optional),
        ],
    ),
    class(
        C::Evidence,
        Ob20,
        "Evidence",
        TypeRule::Free,
        &[
            p("id", Iri, Optional),
            p("type", TypeSet, Optional),
            p("narrative", Text, Optional),
            p("name", Text, Optional),
            p("description", Text, Optional),
            p("genre", Text, Optional),
            p("audience", Text, Optional),
        ],
    ),
    class(
        C::Image,
        Ob20,
        "Image",
        TypeRule::Free,
        &[
            p("id", ImageRef, One),
            p("type", TypeSet, Optional),
            p("caption", Text, Optional),
            p("author", Iri, Optional),
        ],
    ),
    class(
        C::Alignment,
        Ob20,
        "AlignmentObject",
        TypeRule::Free,
        &[
            p("targetName", Text, One),
            p("targetUrl", Url, One),
            p("targetDescription", Text, Optional),
            p("targetFramework", Text, Optional),
            p("targetCode", Text, Optional),
        ],
    ),
    class(
        C::Endorsement,
        Ob20,
        "Endorsement",
        TypeRule::OneOf(&["Endorsement"]),
        OB2_ENDORSEMENT,
    ),
    class(
        C::EndorsementClaim,
        Ob20,
        "EndorsementClaim",
        TypeRule::Free,
        &[p("id", Iri, One), p("endorsementComment", Text, Optional)],
    ),
    class(
        C::CryptographicKey,
        Ob20,
        "CryptographicKey",
        TypeRule::DefaultOneOf(&["CryptographicKey"]),
        &[
            p("@context", Any, Optional),
            p("id", Iri, One),
            p("type", TypeSet, Optional),
            p("owner", Iri, One),
            p("publicKeyPem", Text, One),
        ],
    ),
    class(
        C::RevocationList,
        Ob20,
        "RevocationList",
        TypeRule::OneOf(&["RevocationList"]),
        &[
            p("@context", Any, Optional),
            p("id", Iri, Optional),
            p("type", TypeSet, One),
            p("issuer", Iri, Optional),
            p("revokedAssertions", Any, Many),
        ],
    ),
    // CLR 1.0: the Final (2021-01-14) getClr schema.
    closed(class(
        C::Clr,
        Clr10,
        "Clr",
        TypeRule::DefaultOneOf(&["Clr"]),
        &[
            p("@context", Any, One),
            p("id", Iri, One),
            p("type", TypeSet, Optional),
            p("achievements", Object(C::ClrAchievement), OptionalMany),
            p("assertions", Object(C::ClrAssertion), OptionalMany),
            p("endorsements", Object(C::ClrEndorsement), OptionalMany),
            p("issuedOn", DateTime, One),
            p("learner", Object(C::ClrProfile), One),
            p("name", Text, Optional),
            p("partial", Bool, Optional),
            p("publisher", Object(C::ClrProfile), One),
            p("revocationReason", Text, Optional),
            p("revoked", Bool, Optional),
            p("signedAssertions", Jws, OptionalMany),
            p("signedEndorsements", Jws, OptionalMany),
            p("verification", Object(C::ClrVerification), Optional),
        ],
    )),
    closed(class(
        C::ClrSet,
        Clr10,
        "ClrSet",
        TypeRule::DefaultOneOf(&["ClrSet"]),
        &[
            p("@context", Any, One),
            p("id", Iri, Optional),
            p("type", TypeSet, Optional),
            p("clrs", Embedded, OptionalMany),
            p("signedClrs", Jws, OptionalMany),
        ],
    )),
    clr(
        C::ClrAssertion,
        "Assertion",
        &["Assertion"],
        &[
            p("@context", Any, Optional),
            p("id", Iri, One),
            p("type", TypeSet, Optional),
            p("achievement", Object(C::ClrAchievement), Optional),
            p("activityStartDate", DateTime, Optional),
            p("activityEndDate", DateTime, Optional),
            p("creditsEarned", Number, Optional),
            p("endorsements", Object(C::ClrEndorsement), OptionalMany),
            p("evidence", Object(C::ClrEvidence), OptionalMany),
            p("expires", DateTime, Optional),
            p("image", ImageRef, Optional),
            p("issuedOn", DateTime, Optional),
            p("licenseNumber", Text, Optional),
            p("narrative", Text, Optional),
            p("recipient", Object(C::ClrIdentity), Optional),
            p("results", Object(C::ClrResult), OptionalMany),
            p("revocationReason", Text, Optional),
            p("revoked", Bool, Optional),
            p("role", Text, Optional),
            p("signedEndorsements", Jws, OptionalMany),
            p("source", Object(C::ClrProfile), Optional),
            p("term", Text, Optional),
            p("verification", Object(C::ClrVerification), Optional),
        ],
    ),
    clr(
        C::ClrAchievement,
        "Achievement",
        &["Achievement"],
        &[
            p("id", Iri, One),
            p("type", TypeSet, Optional),
            p("achievementType", Enum(Vocab::AchievementType), Optional),
            p("alignments", Object(C::ClrAlignment), OptionalMany),
            p("associations", Object(C::ClrAssociation), OptionalMany),
            p("creditsAvailable", Number, Optional),
            p("description", Text, Optional),
            p("endorsements", Object(C::ClrEndorsement), OptionalMany),
            p("humanCode", Text, Optional),
            p("identifiers", Object(C::ClrSystemIdentifier), OptionalMany),
            p("name", Text, One),
            p("fieldOfStudy", Text, Optional),
            p("image", ImageRef, Optional),
            p("issuer", Object(C::ClrProfile), One),
            p("level", Text, Optional),
            p("requirement", Object(C::ClrCriteria), Optional),
            p("resultDescriptions", Object(C::ClrResultDescription), OptionalMany),
            p("signedEndorsements", Jws, OptionalMany),
            p("specialization", Text, Optional),
            p("tags", Text, OptionalMany),
        ],
    ),
    clr(
        C::ClrProfile,
        "Profile",
        &["Profile"],
        &[
            p("id", Iri, One),
            p("type", TypeSet, Optional),
            p("address", Object(C::ClrAddress), Optional),
            p("additionalName", Text, Optional),
            p("birthDate", Date, Optional),
            p("description", Text, Optional),
            p("email", Email, Optional),
            p("endorsements", Object(C::ClrEndorsement), OptionalMany),
            p("familyName", Text, Optional),
            p("givenName", Text, Optional),
            p("identifiers", Object(C::ClrSystemIdentifier), OptionalMany),
            p("image", ImageRef, Optional),
            p("name", Text, Optional),
            p("official", Text, Optional),
            p("parentOrg", Object(C::ClrProfile), Optional),
            p("publicKey", Object(C::ClrCryptographicKey), Optional),
            p("revocationList", Url, Optional),
            p("signedEndorsements", Jws, OptionalMany),
            p("sourcedId", Text, Optional),
            p("studentId", Text, Optional),
            p("telephone", Text, Optional),
            p("url", Url, Optional),
            p("verification", Object(C::ClrVerification), Optional),
        ],
    ),
    class(
        C::ClrIdentity,
        Clr10,
        "Identity",
        TypeRule::Free,
        &[
            p("id", Iri, Optional),
            p("type", Text, One),
            p("identity", Text, One),
            p("hashed", Bool, One),
            p("salt", Text, Optional),
        ],
    ),
    class(
        C::ClrVerification,
        Clr10,
        "Verification",
        TypeRule::OneOf(&["Hosted", "Signed", "Verification"]),
        &[
            p("id", Iri, Optional),
            p("type", Text, One),
            p("allowedOrigins", Text, OptionalMany),
            p("creator", Url, Optional),
            p("startsWith", Url, OptionalMany),
            p("verificationProperty", Text, Optional),
        ],
    ),
    clr(
        C::ClrEndorsement,
        "Endorsement",
        &["Endorsement"],
        &[
            p("id", Iri, One),
            p("type", TypeSet, Optional),
            p("claim", Object(C::ClrEndorsementClaim), One),
            p("issuedOn", DateTime, One),
            p("issuer", Object(C::ClrEndorsementProfile), One),
            p("revocationReason", Text, Optional),
            p("revoked", Bool, Optional),
            p("verification", Object(C::ClrVerification), One),
        ],
    ),
    class(
        C::ClrEndorsementClaim,
        Clr10,
        "EndorsementClaim",
        TypeRule::Free,
        &[
            p("id", Iri, One),
            p("type", TypeSet, Optional),
            p("endorsementComment", Text, Optional),
        ],
    ),
    clr(
        C::ClrEndorsementProfile,
        "EndorsementProfile",
        &["Profile", "EndorsementProfile"],
        &[
            p("id", Iri, One),
            p("type", TypeSet, Optional),
            p("name", Text, Optional),
            p("email", Email, Optional),
            p("url", Url, Optional),
            p("publicKey", Object(C::ClrCryptographicKey), Optional),
            p("revocationList", Url, Optional),
            p("verification", Object(C::ClrVerification), Optional),
        ],
    ),
    clr(
        C::ClrAlignment,
        "Alignment",
        &["Alignment"],
        &[
            p("id", Iri, Optional),
            p("type", TypeSet, Optional),
            p("targetName", Text, One),
            p("targetUrl", Url, One),
            p("targetCode", Text, Optional),
            p("targetDescription", Text, Optional),
            p("targetFramework", Text, Optional),
            p("targetType", Enum(Vocab::AlignmentTargetType), Optional),
        ],
    ),
    class(
        C::ClrAssociation,
        Clr10,
        "Association",
        TypeRule::Free,
        &[
            p("associationType", Enum(Vocab::AssociationType), One),
            p("targetId", Iri, One),
            p("title", Text, One),
        ],
    ),
    class(
        C::ClrCriteria,
        Clr10,
        "Criteria",
        TypeRule::Free,
        &[
            p("id", Iri, Optional),
            p("type", TypeSet, Optional),
            p("narrative", Text, Optional),
        ],
    ),
    class(
        C::ClrEvidence,
        Clr10,
        "Evidence",
        TypeRule::Free,
        &[
            p("id", Iri, Optional),
            p("type", TypeSet, Optional),
            p("name", Text, One),
            p("artifacts", Object(C::ClrArtifact), OptionalMany),
            p("audience", Text, Optional),
            p("description", Text, Optional),
            p("genre", Text, Optional),
            p("narrative", Text, Optional),
        ],
    ),
    class(
        C::ClrArtifact,
        Clr10,
        "Artifact",
        TypeRule::Free,
        &[
            p("type", TypeSet, Optional),
            p("description", Text, Optional),
            p("name", Text, Optional),
            p("url", Iri, Optional),
        ],
    ),
    class(
        C::ClrResult,
        Clr10,
        "Result",
        TypeRule::Free,
        &[
            p("id", Iri, Optional),
            p("type", TypeSet, Optional),
            p("resultDescription", Iri, One),
            p("achievedLevel", Iri, Optional),
            p("alignments", Object(C::ClrAlignment), OptionalMany),
            p("status", Enum(Vocab::ResultStatus), Optional),
            p("value", Text, Optional),
        ],
    ),
    class(
        C::ClrResultDescription,
        Clr10,
        "ResultDescription",
        TypeRule::Free,
        &[
            p("id", Iri, One),
            p("type", TypeSet, Optional),
            p("name", Text, One),
            p("resultType", Enum(Vocab::ResultType), One),
            p("alignments", Object(C::ClrAlignment), OptionalMany),
            p("allowedValues", Text, OptionalMany),
            p("requiredLevel", Iri, Optional),
            p("requiredValue", Text, Optional),
            p(
                "rubricCriterionLevels",
                Object(C::ClrRubricCriterionLevel),
                OptionalMany,
            ),
            p("valueMax", Text, Optional),
            p("valueMin", Text, Optional),
        ],
    ),
    class(
        C::ClrRubricCriterionLevel,
        Clr10,
        "RubricCriterionLevel",
        TypeRule::Free,
        &[
            p("id", Iri, One),
            p("type", TypeSet, Optional),
            p("name", Text, One),
            p("alignments", Object(C::ClrAlignment), OptionalMany),
            p("description", Text, Optional),
            p("level", Text, Optional),
            p("points", Text, Optional),
        ],
    ),
    class(
        C::ClrSystemIdentifier,
        Clr10,
        "SystemIdentifier",
        TypeRule::Free,
        &[
            p("type", TypeSet, Optional),
            p("identifier", Text, One),
            p("identifierType", Enum(Vocab::IdentifierType), One),
        ],
    ),
    class(
        C::ClrAddress,
        Clr10,
        "Address",
        TypeRule::Free,
        &[
            p("type", TypeSet, Optional),
            p("addressCountry", Text, Optional),
            p("addressLocality", Text, Optional),
            p("addressRegion", Text, Optional),
            p("postalCode", Text, Optional),
            p("postOfficeBoxNumber", Text, Optional),
            p("streetAddress", Text, Optional),
        ],
    ),
    class(
        C::ClrCryptographicKey,
        Clr10,
        "CryptographicKey",
        TypeRule::Free,
        &[
            p("id", Iri, One),
            p("type", TypeSet, Optional),
            p("owner", Iri, One),
            p("publicKeyPem", Text, One),
        ],
    ),
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

/// An embedded document checked as a subject of its own (a ClrSet's CLR, a signed entry's JWS).
#[derive(Debug, Clone)]
pub struct Embedded<'a> {
    pub ptr: Ptr,
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
    /// Walks `root` as an object of `class`, breadth-first from an explicit queue (no recursion on input depth).
    pub fn new(root: &'a Value, class: Class) -> Self {
        let mut walk = Walk::default();
        let mut queue = std::collections::VecDeque::from([(Ptr::root(), class, root)]);
        while let Some((ptr, class, value)) = queue.pop_front() {
            let Some(obj) = value.as_object() else { continue };
            walk.nodes.push(Node {
                ptr: ptr.clone(),
                class,
                value,
            });
            for prop in class_def(class).props {
                let Some(v) = obj.get(prop.name) else { continue };
                let at = ptr.key(prop.name);
                walk.fields.push(Field {
                    ptr: at.clone(),
                    owner: class,
                    prop,
                    value: v,
                });
                match prop.ty {
                    Object(c) | Ref(c) => each_item(v, &at, |item_ptr, item| {
                        if item.is_object() {
                            queue.push_back((item_ptr, c, item));
                        }
                    }),
                    Embedded | Jws => each_item(v, &at, |item_ptr, item| {
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

/// The single value of an OB 2.0 property: the value itself, or the only item of a one-item array.
pub fn single(v: &Value) -> Option<&Value> {
    match v {
        Value::Array(items) if items.len() == 1 => items.first(),
        Value::Array(_) => None,
        other => Some(other),
    }
}

/// The id of a linked object: its IRI, or the `id` of the embedded object.
pub fn ref_id(v: &Value) -> Option<&str> {
    match single(v)? {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_class_is_defined_once_and_every_link_names_a_defined_class() {
        for def in CLASSES {
            assert_eq!(class_def(def.class).name, def.name, "{:?} defined twice", def.class);
            for prop in def.props {
                if let Object(c) | Ref(c) = prop.ty {
                    assert_eq!(class_def(c).class, c, "{}.{} → undefined class", def.name, prop.name);
                }
            }
        }
    }

    #[test]
    fn the_walk_follows_embedded_objects_but_not_iris() {
        let doc = json!({
            "type": "Assertion",
            "recipient": {"type": "email", "identity": "a@b.c", "hashed": false},
            "badge": {"id": "https://x/b", "type": "BadgeClass", "issuer": "https://x/i",
                      "criteria": {"narrative": "do it"}, "alignment": [{"targetName": "n", "targetUrl": "https://c"}]},
            "verification": {"type": "hosted"},
            "evidence": "https://x/e",
        });
        let walk = Walk::new(&doc, Class::Assertion);
        let classes: Vec<Class> = walk.nodes.iter().map(|n| n.class).collect();
        assert!(classes.contains(&Class::BadgeClass) && classes.contains(&Class::Criteria));
        assert!(!classes.contains(&Class::Profile) && !classes.contains(&Class::Evidence));
        assert_eq!(
            walk.nodes_of(Class::Alignment).next().map(|n| n.ptr.to_string()),
            Some("/badge/alignment/0".into())
        );
    }

    #[test]
    fn single_values_follow_json_ld() {
        assert_eq!(single(&json!(["a"])), Some(&json!("a")));
        assert_eq!(single(&json!(["a", "b"])), None);
        assert_eq!(ref_id(&json!({"id": "https://x"})), Some("https://x"));
    }
}
