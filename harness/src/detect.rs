//! What a document is: OB 3.0 AchievementCredential, EndorsementCredential, CLR 2.0 ClrCredential (on VCDM 2.0 or
//! legacy 1.1), or something this tool does not know — always with the evidence used, so that a reader whose
//! document was taken for the wrong VC version sees why (the 1EdTech validator's users' top complaint).

use clr_reports::Detection;
use serde::Serialize;
use serde_json::Value;

use crate::datamodel::Class;
use crate::json::type_values;
use crate::vocab::{VC_V1_CONTEXT, VC_V2_CONTEXT};
use crate::{case, ob2};

/// The credential kinds the data-model checks know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum DocKind {
    /// OB 3.0 AchievementCredential / OpenBadgeCredential.
    Achievement,
    /// OB 3.0 EndorsementCredential.
    Endorsement,
    /// CLR 2.0 ClrCredential.
    Clr,
    /// An Open Badges 2.0 (or upgraded 0.5–1.1) or CLR 1.0 document ([`crate::ob2`]).
    Legacy(ob2::Kind),
    /// A CASE 1.0 framework document ([`crate::case`]).
    Case(case::Kind),
}

impl DocKind {
    /// The root class in the OB 3.0 / CLR 2.0 data model; `None` for the OB 2.0 / CLR 1.0 kinds, which have a model
    /// of their own ([`crate::ob2::model`]).
    pub fn class(self) -> Option<Class> {
        match self {
            DocKind::Achievement => Some(Class::AchievementCredential),
            DocKind::Endorsement => Some(Class::EndorsementCredential),
            DocKind::Clr => Some(Class::ClrCredential),
            DocKind::Legacy(_) | DocKind::Case(_) => None,
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            DocKind::Achievement => "ob30-achievement-credential",
            DocKind::Endorsement => "ob30-endorsement-credential",
            DocKind::Clr => "clr20-clr-credential",
            DocKind::Legacy(k) => k.slug(),
            DocKind::Case(k) => k.slug(),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DocKind::Achievement => "OB 3.0 AchievementCredential",
            DocKind::Endorsement => "OB 3.0 EndorsementCredential",
            DocKind::Clr => "CLR 2.0 ClrCredential",
            DocKind::Legacy(k) => k.label(),
            DocKind::Case(k) => k.label(),
        }
    }
}

/// The VC data model generation a credential follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Vcdm {
    V2,
    V1_1,
}

impl Vcdm {
    pub fn as_str(self) -> &'static str {
        match self {
            Vcdm::V2 => "2.0",
            Vcdm::V1_1 => "1.1",
        }
    }

    /// The label of the matching branch of the official "any" schemas.
    pub fn label(self) -> &'static str {
        match self {
            Vcdm::V1_1 => "VCDM 1.1",
            Vcdm::V2 => "VCDM 2.0",
        }
    }

    pub fn other(self) -> Vcdm {
        match self {
            Vcdm::V1_1 => Vcdm::V2,
            Vcdm::V2 => Vcdm::V1_1,
        }
    }
}

/// The outcome of detection.
#[derive(Debug, Clone)]
pub struct Detected {
    /// `None` when the document is not a credential this tool knows.
    pub kind: Option<DocKind>,
    /// The Open Badges version of an OB 0.5–2.0 document (older ones are upgraded to 2.0 before they are judged).
    pub ob_version: Option<ob2::OpenBadgesVersion>,
    /// What the document is when it belongs to a neighbouring standard this tool does not check yet (OB 2.0 and
    /// its predecessors, CLR 1.0, CASE): an *unsupported* verdict naming it, never a failure of OB 3.0's rules.
    pub unsupported: Option<String>,
    pub vcdm: Vcdm,
    pub detection: Detection,
}

/// Decides what `doc` is. The JSON of a VCDM 1.1 VC-JWT payload (`vc` claim) is unwrapped by the caller.
pub fn detect(doc: &Value) -> Detected {
    let Some(obj) = doc.as_object() else {
        return unknown(
            Vcdm::V2,
            format!("the document is {}, not a JSON object", crate::json::json_type(doc)),
        );
    };
    if let Some(legacy) = ob2::version::detect(doc) {
        let kind = DocKind::Legacy(legacy.kind);
        let version = legacy.version.map(|v| format!(" {}", v.as_str())).unwrap_or_default();
        return Detected {
            kind: Some(kind),
            ob_version: legacy.version,
            unsupported: None,
            vcdm: Vcdm::V2,
            detection: Detection {
                label: match legacy.version {
                    Some(v) if v != ob2::OpenBadgesVersion::V2_0 => {
                        format!("Open Badges{version} assertion (read as {})", kind.label())
                    }
                    _ => kind.label().to_string(),
                },
                kind: kind.slug().to_string(),
                vcdm: None,
                reason: legacy.reason,
            },
        };
    }
    if let Some((k, reason)) = case::detect(doc) {
        let kind = DocKind::Case(k);
        return Detected {
            kind: Some(kind),
            ob_version: None,
            unsupported: None,
            vcdm: Vcdm::V2,
            detection: Detection {
                label: kind.label().to_string(),
                kind: kind.slug().to_string(),
                vcdm: None,
                reason,
            },
        };
    }
    let types: Vec<&str> = obj.get("type").and_then(type_values).unwrap_or_default();
    let (vcdm, vcdm_reason) = vcdm_of(doc);

    let by_type = if types.contains(&"ClrCredential") {
        Some((DocKind::Clr, "type contains \"ClrCredential\"".to_string()))
    } else if types.contains(&"EndorsementCredential") {
        Some((
            DocKind::Endorsement,
            "type contains \"EndorsementCredential\"".to_string(),
        ))
    } else {
        types
            .iter()
            .find(|t| **t == "AchievementCredential" || **t == "OpenBadgeCredential")
            .map(|t| (DocKind::Achievement, format!("type contains \"{t}\"")))
    };
    // Without a recognisable type, guess from the shape so that the type check reports the root cause instead of
    // the document being dismissed as unknown.
    let guessed = by_type.or_else(|| shape_guess(doc));
    let Some((kind, kind_reason)) = guessed else {
        let seen = if types.is_empty() {
            "no \"type\"".to_string()
        } else {
            format!("type {}", serde_json::to_string(&types).unwrap_or_default())
        };
        return match unsupported_kind(doc) {
            Some(what) => Detected {
                unsupported: Some(what.clone()),
                detection: Detection {
                    label: format!("{what} (unsupported)"),
                    kind: "unsupported".into(),
                    vcdm: None,
                    reason: format!("{seen}; it is {what}, which this tool does not validate yet"),
                },
                ..unknown(vcdm, String::new())
            },
            None => unknown(vcdm, format!("not a credential this tool knows: {seen}")),
        };
    };
    Detected {
        unsupported: None,
        ob_version: None,
        kind: Some(kind),
        vcdm,
        detection: Detection {
            label: format!("{} (VCDM {})", kind.label(), vcdm.as_str()),
            kind: kind.slug().to_string(),
            vcdm: Some(vcdm.as_str().to_string()),
            reason: format!("{kind_reason}; VCDM {}: {vcdm_reason}", vcdm.as_str()),
        },
    }
}

fn unknown(vcdm: Vcdm, reason: String) -> Detected {
    Detected {
        kind: None,
        ob_version: None,
        unsupported: None,
        vcdm,
        detection: Detection {
            label: "unknown document".into(),
            kind: "unknown".into(),
            vcdm: None,
            reason,
        },
    }
}

/// VCDM generation and the evidence for it, strongest first: the base context, then the date properties.
fn vcdm_of(doc: &Value) -> (Vcdm, String) {
    let first = doc.get("@context").and_then(|c| match c {
        Value::Array(items) => items.first().and_then(Value::as_str),
        Value::String(s) => Some(s.as_str()),
        _ => None,
    });
    let has = |k: &str| doc.get(k).is_some();
    match first {
        Some(VC_V2_CONTEXT) if has("issuanceDate") && !has("validFrom") => (
            Vcdm::V2,
            format!("@context[0] is {VC_V2_CONTEXT} (issuanceDate is a VCDM 1.1 property; VCDM 2.0 uses validFrom)"),
        ),
        Some(VC_V2_CONTEXT) => (Vcdm::V2, format!("@context[0] is {VC_V2_CONTEXT}")),
        Some(VC_V1_CONTEXT) => (Vcdm::V1_1, format!("@context[0] is {VC_V1_CONTEXT}")),
        _ if has("issuanceDate") && !has("validFrom") => (
            Vcdm::V1_1,
            "no VC base context at @context[0], but issuanceDate (VCDM 1.1) is present".into(),
        ),
        _ => (
            Vcdm::V2,
            "no VC base context at @context[0]; assumed VCDM 2.0, the version OB 3.0 requires".into(),
        ),
    }
}

fn shape_guess(doc: &Value) -> Option<(DocKind, String)> {
    let subject = doc.get("credentialSubject")?;
    if subject.get("verifiableCredential").is_some() {
        Some((
            DocKind::Clr,
            "no ClrCredential type, but credentialSubject.verifiableCredential is present".into(),
        ))
    } else if subject.get("achievement").is_some() {
        Some((
            DocKind::Achievement,
            "no AchievementCredential/OpenBadgeCredential type, but credentialSubject.achievement is present".into(),
        ))
    } else if subject.get("endorsementComment").is_some() || has_endorsement_subject_type(subject) {
        Some((
            DocKind::Endorsement,
            "no EndorsementCredential type, but the subject is an EndorsementSubject".into(),
        ))
    } else {
        None
    }
}

fn has_endorsement_subject_type(subject: &Value) -> bool {
    subject
        .get("type")
        .and_then(type_values)
        .is_some_and(|t| t.contains(&"EndorsementSubject"))
}

/// Names documents of neighbouring standards (by their contexts, types and shapes) so they get an *unsupported*
/// verdict that says what they are, including the Open Badges versions OB 2.0 upgrades from (0.5, 1.0, 1.1).
fn unsupported_kind(doc: &Value) -> Option<String> {
    let ctx = doc.get("@context").map(|c| c.to_string()).unwrap_or_default();
    let types: Vec<&str> = doc.get("type").and_then(type_values).unwrap_or_default();
    let has = |k: &str| doc.get(k).is_some();
    let class = |known: &[&str], default: &str| -> String {
        types
            .iter()
            .find(|t| known.contains(t))
            .map_or(default.to_string(), |t| (*t).to_string())
    };
    const OB2_CLASSES: &[&str] = &[
        "Assertion",
        "BadgeClass",
        "Issuer",
        "Profile",
        "Endorsement",
        "CryptographicKey",
        "RevocationList",
        "Extension",
    ];
    if ctx.contains("w3id.org/openbadges/v2") || ctx.contains("openbadgespec.org/v2") {
        Some(format!("an Open Badges 2.0 {}", class(OB2_CLASSES, "document")))
    } else if ctx.contains("w3id.org/openbadges/v1") || ctx.contains("openbadgespec.org/v1") {
        Some("an Open Badges 1.x assertion (OB 2.0 upgrades it)".into())
    } else if ctx.contains("purl.imsglobal.org/spec/clr/v1p0") {
        Some(format!(
            "a CLR 1.0 {}",
            class(&["Clr", "ClrSet", "Assertion", "Achievement"], "document")
        ))
    } else if types.contains(&"CFDocument") || types.contains(&"CFPackage") || has("CFDocument") || has("CFItems") {
        Some("a CASE framework document in its JSON-LD form (validate the REST API's JSON form: a CFPackage, CFDocument or CFItem)".into())
    } else if types.contains(&"VerifiablePresentation") {
        Some("a Verifiable Presentation (validate the credentials inside it one by one)".into())
    } else if has("uid") && has("recipient") && has("badge") && has("verify") {
        Some("an Open Badges 1.0 assertion (OB 2.0 upgrades it)".into())
    } else if has("recipient") && has("badge") && !has("@context") && !has("credentialSubject") {
        Some("an Open Badges 0.5 assertion (OB 2.0 upgrades it)".into())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn recognises_the_three_kinds_and_both_generations() {
        let ob = json!({"@context": [VC_V2_CONTEXT], "type": ["VerifiableCredential", "OpenBadgeCredential"]});
        let d = detect(&ob);
        assert_eq!((d.kind, d.vcdm), (Some(DocKind::Achievement), Vcdm::V2));
        let legacy = json!({"@context": [VC_V1_CONTEXT], "type": ["VerifiableCredential", "AchievementCredential"]});
        let d = detect(&legacy);
        assert_eq!((d.kind, d.vcdm), (Some(DocKind::Achievement), Vcdm::V1_1));
        assert!(
            d.detection.reason.contains("2018/credentials/v1"),
            "{}",
            d.detection.reason
        );
        let clr = json!({"type": ["VerifiableCredential", "ClrCredential"]});
        assert_eq!(detect(&clr).kind, Some(DocKind::Clr));
        let end = json!({"type": ["VerifiableCredential", "EndorsementCredential"]});
        assert_eq!(detect(&end).kind, Some(DocKind::Endorsement));
    }

    #[test]
    fn a_wrong_type_is_guessed_from_the_shape_so_the_type_check_can_explain() {
        let doc = json!({"type": ["VerifiableCredential"], "credentialSubject": {"achievement": {}}});
        let d = detect(&doc);
        assert_eq!(d.kind, Some(DocKind::Achievement));
        assert!(d.detection.reason.contains("credentialSubject.achievement"));
    }

    #[test]
    fn unknown_documents_say_what_was_seen() {
        assert!(detect(&json!([1, 2])).detection.reason.contains("an array"));
        assert_eq!(detect(&json!({"type": "Thing"})).unsupported, None);
    }

    #[test]
    fn open_badges_2_and_clr_1_documents_are_recognised_with_their_version() {
        for (doc, kind, version) in [
            (
                json!({"@context": "https://w3id.org/openbadges/v2", "type": "Assertion"}),
                ob2::Kind::Assertion,
                Some("2.0"),
            ),
            (
                json!({"@context": "https://w3id.org/openbadges/v2", "type": "BadgeClass"}),
                ob2::Kind::BadgeClass,
                Some("2.0"),
            ),
            (
                json!({"@context": "https://w3id.org/openbadges/v1", "type": "Assertion"}),
                ob2::Kind::Assertion,
                Some("1.1"),
            ),
            (
                json!({"@context": "https://purl.imsglobal.org/spec/clr/v1p0/context/clr_v1p0.jsonld", "type": "Clr"}),
                ob2::Kind::Clr,
                None,
            ),
            (
                json!({"uid": "1", "recipient": {}, "badge": "https://x", "verify": {}}),
                ob2::Kind::Assertion,
                Some("1.0"),
            ),
            (
                json!({"recipient": "a@b.c", "badge": {"name": "x"}}),
                ob2::Kind::Assertion,
                Some("0.5"),
            ),
        ] {
            let d = detect(&doc);
            assert_eq!(d.kind, Some(DocKind::Legacy(kind)), "{doc}");
            assert_eq!(d.ob_version.map(|v| v.as_str()), version, "{doc}");
        }
    }

    #[test]
    fn documents_of_standards_not_checked_yet_are_named_as_unsupported() {
        for (doc, named) in [
            (
                json!({"@context": "https://w3id.org/openbadges/v2", "type": "Extension"}),
                "an Open Badges 2.0 Extension",
            ),
            (
                json!({"@context": "https://purl.imsglobal.org/spec/case/v1p0/context/imscasev1p0_context_v1p0.jsonld", "type": "CFDocument"}),
                "CASE framework document in its JSON-LD form",
            ),
        ] {
            let d = detect(&doc);
            assert_eq!(d.kind, None);
            let what = d.unsupported.unwrap_or_default();
            assert!(what.contains(named), "{doc}: {what}");
            assert_eq!(d.detection.kind, "unsupported");
        }
    }

    #[test]
    fn case_documents_are_known_by_their_members() {
        for (doc, kind) in [
            (json!({"CFDocument": {}, "CFItems": []}), case::Kind::Package),
            (json!({"identifier": "x", "fullStatement": "y"}), case::Kind::Item),
            (json!({"CFPackageURI": {}, "title": "t"}), case::Kind::Document),
            (json!({"CFDocuments": []}), case::Kind::DocumentSet),
        ] {
            assert_eq!(detect(&doc).kind, Some(DocKind::Case(kind)), "{doc}");
        }
    }

    #[test]
    fn issuance_date_without_base_context_means_vcdm_1_1() {
        let doc = json!({"type": ["OpenBadgeCredential"], "issuanceDate": "2020-01-01T00:00:00Z"});
        assert_eq!(detect(&doc).vcdm, Vcdm::V1_1);
    }
}
