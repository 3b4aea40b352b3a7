//! Open Badges 2.0 (and the 0.5 / 1.0 / 1.1 badges it upgrades) and CLR 1.0: the standards most badges and records in
//! circulation still follow. They share a verification model — a document is *hosted* (fetched again from its `id`)
//! or *signed* (a compact JWS checked with the issuer's CryptographicKey), and revoked through a RevocationList or an
//! HTTP 410 — that is unlike the VC proofs of OB 3.0 / CLR 2.0, so it lives here, beside its data-model table:
//! - [`model`]: the classes of both models and a walker over a document;
//! - [`version`]: what an OB/CLR 1.x-era document is, and the upgrade of legacy badges to OB 2.0;
//! - [`verify`]: hosted and signed verification, revocation and the linked BadgeClass / Issuer, under the run's
//!   fetch policy (the gather phase: checks read its report and do no I/O);
//! - [`sign`]: RS256 compact JWS and the `publicKeyPem` of a CryptographicKey, for vectors and mocks.

pub mod model;
pub mod sign;
pub mod verify;
pub mod version;

use serde::Serialize;

pub use version::{Detection, OpenBadgesVersion};

/// The OB 2.0 and CLR 1.0 document kinds the checks know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Kind {
    Assertion,
    BadgeClass,
    /// An Issuer (or any Profile) document.
    Profile,
    Endorsement,
    CryptographicKey,
    RevocationList,
    /// A CLR 1.0 record (`Clr`).
    Clr,
    /// A CLR 1.0 `ClrSet` (what getClrs returns).
    ClrSet,
    /// A CLR 1.0 Assertion on its own (hosted at its id, or the payload of a `signedAssertions` entry).
    ClrAssertion,
}

impl Kind {
    pub const OB20: &'static [Kind] = &[
        Kind::Assertion,
        Kind::BadgeClass,
        Kind::Profile,
        Kind::Endorsement,
        Kind::CryptographicKey,
        Kind::RevocationList,
    ];

    /// The class of the document's root.
    pub fn class(self) -> model::Class {
        use model::Class as C;
        match self {
            Kind::Assertion => C::Assertion,
            Kind::BadgeClass => C::BadgeClass,
            Kind::Profile => C::Profile,
            Kind::Endorsement => C::Endorsement,
            Kind::CryptographicKey => C::CryptographicKey,
            Kind::RevocationList => C::RevocationList,
            Kind::Clr => C::Clr,
            Kind::ClrSet => C::ClrSet,
            Kind::ClrAssertion => C::ClrAssertion,
        }
    }

    pub fn family(self) -> model::Family {
        model::class_def(self.class()).family
    }

    pub fn slug(self) -> &'static str {
        match self {
            Kind::Assertion => "ob20-assertion",
            Kind::BadgeClass => "ob20-badge-class",
            Kind::Profile => "ob20-profile",
            Kind::Endorsement => "ob20-endorsement",
            Kind::CryptographicKey => "ob20-cryptographic-key",
            Kind::RevocationList => "ob20-revocation-list",
            Kind::Clr => "clr10-clr",
            Kind::ClrSet => "clr10-clr-set",
            Kind::ClrAssertion => "clr10-assertion",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Assertion => "OB 2.0 Assertion",
            Kind::BadgeClass => "OB 2.0 BadgeClass",
            Kind::Profile => "OB 2.0 Issuer Profile",
            Kind::Endorsement => "OB 2.0 Endorsement",
            Kind::CryptographicKey => "OB 2.0 CryptographicKey",
            Kind::RevocationList => "OB 2.0 RevocationList",
            Kind::Clr => "CLR 1.0 Clr",
            Kind::ClrSet => "CLR 1.0 ClrSet",
            Kind::ClrAssertion => "CLR 1.0 Assertion",
        }
    }
}

/// The OB 2.0 context (and the alias hosts that serve it).
pub const OB2_CONTEXT: &str = "https://w3id.org/openbadges/v2";
/// The OB 1.1 context.
pub const OB1_CONTEXT: &str = "https://w3id.org/openbadges/v1";
/// The CLR 1.0 context.
pub const CLR1_CONTEXT: &str = "https://purl.imsglobal.org/spec/clr/v1p0/context/clr_v1p0.jsonld";

/// Spec links used by the OB 2.0 and CLR 1.0 checks.
pub mod links {
    pub const OB2: &str = "https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html";
    pub const OB2_ASSERTION: &str =
        "https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#Assertion";
    pub const OB2_BADGE_CLASS: &str =
        "https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#BadgeClass";
    pub const OB2_PROFILE: &str = "https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#Profile";
    pub const OB2_IDENTITY: &str =
        "https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#IdentityObject";
    pub const OB2_VERIFICATION: &str =
        "https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#VerificationObject";
    pub const OB2_HOSTED: &str =
        "https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#HostedBadge";
    pub const OB2_SIGNED: &str =
        "https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#SignedBadge";
    pub const OB2_KEY: &str =
        "https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#CryptographicKey";
    pub const OB2_REVOCATION: &str =
        "https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#RevocationList";
    pub const OB2_ENDORSEMENT: &str =
        "https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#Endorsement";
    pub const OB2_CRITERIA: &str =
        "https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#Criteria";
    pub const OB2_ALIGNMENT: &str =
        "https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#Alignment";
    pub const OB2_IMAGE: &str = "https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#Image";
    pub const OB2_DATA_TYPES: &str =
        "https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#dataTypes";
    pub const OB2_VERIFY: &str =
        "https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/index.html#Verification";
    pub const OB2_EXTENSIONS: &str =
        "https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/extensions/index.html";
    pub const OB2_BAKING: &str = "https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/baking/index.html";
    pub const OB2_HISTORY: &str = "https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/history/index.html";
    pub const CLR1: &str = "https://www.imsglobal.org/spec/clr/v1p0/";
    pub const CLR1_INFO_MODEL: &str = "https://www.imsglobal.org/spec/clr/v1p0/imsclr_v1p0_InfoModel.html";
    pub const CLR1_REST: &str = "https://www.imsglobal.org/spec/clr/v1p0/imsclr_v1p0_RESTBind.html";
}
