//! What an Open Badges 0.5–2.0 or CLR 1.0 document is, and the upgrade of legacy badges to the OB 2.0 shape.
//!
//! Version detection follows the OB 2.0 specification's history section and what badgecheck does: an
//! `@context` naming `…/openbadges/v2` is 2.0, `…/v1` is 1.1; without a context, an assertion whose `recipient` is a
//! string is 0.5 and any other is 1.0. Legacy documents are upgraded (ids from `verify.url`, `verify` →
//! `verification`, Unix and date-only timestamps → ISO 8601 UTC, alignment `url/name/description` →
//! `targetUrl/targetName/targetDescription`) and then judged by the OB 2.0 rules; the upgrade is reported.

use serde_json::{Map, Value, json};

use super::{CLR1_CONTEXT, Kind, OB2_CONTEXT};
use crate::json::type_values;

/// An Open Badges specification version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OpenBadgesVersion {
    V0_5,
    V1_0,
    V1_1,
    V2_0,
}

impl OpenBadgesVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            OpenBadgesVersion::V0_5 => "0.5",
            OpenBadgesVersion::V1_0 => "1.0",
            OpenBadgesVersion::V1_1 => "1.1",
            OpenBadgesVersion::V2_0 => "2.0",
        }
    }
}

/// What a document of this era is, and the evidence for it.
#[derive(Debug, Clone)]
pub struct Detection {
    pub kind: Kind,
    /// For Open Badges documents; `None` for CLR 1.0.
    pub version: Option<OpenBadgesVersion>,
    pub reason: String,
}

/// Decides whether `doc` is an OB 0.5–2.0 or CLR 1.0 document, and which kind.
pub fn detect(doc: &Value) -> Option<Detection> {
    let obj = doc.as_object()?;
    let ctx = context_text(doc);
    let types: Vec<&str> = obj.get("type").and_then(type_values).unwrap_or_default();
    let has = |k: &str| obj.contains_key(k);
    if ctx.contains("purl.imsglobal.org/spec/clr/v1p0") {
        let (kind, why) = if types.contains(&"ClrSet") || has("clrs") || has("signedClrs") {
            (Kind::ClrSet, "type ClrSet (or clrs / signedClrs)")
        } else if types.contains(&"Assertion") || (has("achievement") && has("recipient")) {
            (Kind::ClrAssertion, "type Assertion")
        } else {
            (Kind::Clr, "a CLR 1.0 record (type Clr, or learner and publisher)")
        };
        return Some(Detection {
            kind,
            version: None,
            reason: format!("@context names the CLR 1.0 context ({CLR1_CONTEXT}); {why}"),
        });
    }
    let ob2 = ctx.contains("w3id.org/openbadges/v2") || ctx.contains("openbadgespec.org/v2");
    let ob1 = ctx.contains("w3id.org/openbadges/v1") || ctx.contains("openbadgespec.org/v1");
    if ob2 || ob1 {
        let kind = ob_kind(&types, obj)?;
        let version = if ob2 {
            OpenBadgesVersion::V2_0
        } else {
            OpenBadgesVersion::V1_1
        };
        return Some(Detection {
            kind,
            version: Some(version),
            reason: format!(
                "@context names the Open Badges {} context; {}",
                version.as_str(),
                kind_reason(kind, &types)
            ),
        });
    }
    if has("@context") || has("credentialSubject") {
        return None;
    }
    // No context: the pre-JSON-LD badges, recognised by shape.
    if has("recipient") && has("badge") {
        let v05 = obj.get("recipient").is_some_and(Value::is_string);
        let version = if v05 {
            OpenBadgesVersion::V0_5
        } else {
            OpenBadgesVersion::V1_0
        };
        return Some(Detection {
            kind: Kind::Assertion,
            version: Some(version),
            reason: format!(
                "no @context, a recipient and a badge: an Open Badges {} assertion ({})",
                version.as_str(),
                if v05 {
                    "recipient is a string"
                } else {
                    "recipient is an object"
                }
            ),
        });
    }
    None
}

fn ob_kind(types: &[&str], obj: &Map<String, Value>) -> Option<Kind> {
    let has = |k: &str| obj.contains_key(k);
    let by_type = [
        ("Assertion", Kind::Assertion),
        ("BadgeClass", Kind::BadgeClass),
        ("Issuer", Kind::Profile),
        ("Profile", Kind::Profile),
        ("Endorsement", Kind::Endorsement),
        ("CryptographicKey", Kind::CryptographicKey),
        ("RevocationList", Kind::RevocationList),
    ]
    .into_iter()
    .find(|(t, _)| types.contains(t))
    .map(|(_, k)| k);
    by_type.or_else(|| {
        // Guess from the shape so that the type check can name the real problem.
        if has("recipient") && has("badge") {
            Some(Kind::Assertion)
        } else if has("criteria") && has("issuer") {
            Some(Kind::BadgeClass)
        } else if has("claim") {
            Some(Kind::Endorsement)
        } else if has("publicKeyPem") {
            Some(Kind::CryptographicKey)
        } else if has("revokedAssertions") {
            Some(Kind::RevocationList)
        } else if has("name") && (has("url") || has("email")) {
            Some(Kind::Profile)
        } else {
            None
        }
    })
}

fn kind_reason(kind: Kind, types: &[&str]) -> String {
    if types.is_empty() {
        format!("no type, but shaped like {}", kind.label())
    } else {
        format!("type {}", serde_json::to_string(types).unwrap_or_default())
    }
}

fn context_text(doc: &Value) -> String {
    match doc.get("@context") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// A legacy badge upgraded to the OB 2.0 shape, and what was changed (for the report).
#[derive(Debug, Clone)]
pub struct Upgraded {
    pub doc: Value,
    pub changes: Vec<String>,
}

/// Upgrades an OB 0.5 / 1.0 / 1.1 document to OB 2.0; `None` for a 2.0 document.
pub fn upgrade(doc: &Value, version: OpenBadgesVersion) -> Option<Upgraded> {
    let obj = doc.as_object()?;
    let mut out = obj.clone();
    let mut changes = Vec::new();
    match version {
        OpenBadgesVersion::V2_0 => return None,
        OpenBadgesVersion::V0_5 => upgrade_0_5(&mut out, &mut changes),
        OpenBadgesVersion::V1_0 | OpenBadgesVersion::V1_1 => upgrade_1_x(&mut out, version, &mut changes),
    }
    out.insert("@context".into(), OB2_CONTEXT.into());
    changes.push(format!("@context set to {OB2_CONTEXT}"));
    Some(Upgraded {
        doc: Value::Object(out),
        changes,
    })
}

fn upgrade_0_5(out: &mut Map<String, Value>, changes: &mut Vec<String>) {
    out.insert("type".into(), "Assertion".into());
    if let Some(Value::String(recipient)) = out.get("recipient").cloned() {
        let hashed = recipient.starts_with("sha256$") || recipient.starts_with("md5$");
        let mut identity = json!({"type": "email", "identity": recipient, "hashed": hashed});
        if let Some(salt) = out.remove("salt") {
            identity["salt"] = salt;
        }
        out.insert("recipient".into(), identity);
        changes.push("recipient string → IdentityObject of type email".into());
    }
    if let Some(issued) = out.remove("issued_on") {
        out.insert("issuedOn".into(), timestamp(&issued, changes));
    }
    // 0.5 has no hosted URL of its own: the badge is identified only where it was fetched from.
    if !out.contains_key("id") {
        out.insert("id".into(), "_:b0".into());
        changes.push("no id in OB 0.5: a blank node stands for it".into());
    }
    out.insert("verification".into(), json!({"type": "HostedBadge"}));
    if let Some(Value::Object(badge)) = out.get_mut("badge") {
        badge.entry("type").or_insert_with(|| "BadgeClass".into());
        // An embedded object without an id is a blank node (as badgecheck flattens it).
        badge.entry("id").or_insert_with(|| "_:b1".into());
        if let Some(Value::Object(issuer)) = badge.get_mut("issuer") {
            issuer.entry("type").or_insert_with(|| "Issuer".into());
            if let Some(origin) = issuer.remove("origin") {
                issuer.insert("url".into(), origin.clone());
                issuer.entry("id").or_insert(origin);
            }
            if let Some(contact) = issuer.remove("contact") {
                issuer.insert("email".into(), contact);
            }
        }
    }
}

fn upgrade_1_x(out: &mut Map<String, Value>, version: OpenBadgesVersion, changes: &mut Vec<String>) {
    if !out.contains_key("type") && out.contains_key("recipient") {
        out.insert("type".into(), "Assertion".into());
    }
    if let Some(verify) = out.remove("verify") {
        let kind = verify.get("type").and_then(Value::as_str).unwrap_or_default();
        let url = verify.get("url").and_then(Value::as_str).map(str::to_string);
        let verification = match kind {
            "signed" => json!({"type": "SignedBadge", "creator": url}),
            _ => json!({"type": "HostedBadge"}),
        };
        if !out.contains_key("id") {
            // A signed 1.0 badge is known by its uid (revocation lists name it so); as an id it becomes a urn:uuid
            // only when it is a UUID, else a blank node.
            let id = match (kind, url.as_deref(), out.get("uid").and_then(Value::as_str)) {
                ("hosted", Some(u), _) => u.to_string(),
                (_, _, Some(uid)) if crate::lexical::rfc4122_uuid(uid) => format!("urn:uuid:{uid}"),
                _ => "_:b0".into(),
            };
            changes.push(format!("id taken from verify (as {id})"));
            out.insert("id".into(), id.into());
        }
        out.insert("verification".into(), verification);
        changes.push("verify → verification".into());
    }
    for key in ["issuedOn", "expires"] {
        if let Some(v) = out.get(key).cloned() {
            let upgraded = timestamp(&v, changes);
            out.insert(key.into(), upgraded);
        }
    }
    for alignment in out.get_mut("alignment").into_iter().flat_map(|a| match a {
        Value::Array(items) => items.iter_mut().collect::<Vec<_>>(),
        other => vec![other],
    }) {
        if let Value::Object(a) = alignment {
            for (old, new) in [
                ("url", "targetUrl"),
                ("name", "targetName"),
                ("description", "targetDescription"),
            ] {
                if let Some(v) = a.remove(old) {
                    a.insert(new.into(), v);
                    changes.push(format!("alignment {old} → {new}"));
                }
            }
        }
    }
    if version == OpenBadgesVersion::V1_0 {
        changes.push("OB 1.0 document read as OB 2.0".into());
    }
}

/// A Unix timestamp or a date-only value as ISO 8601 UTC; other values unchanged.
fn timestamp(v: &Value, changes: &mut Vec<String>) -> Value {
    let secs = match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
        Value::String(s) if crate::lexical::date(s).is_ok() => {
            changes.push(format!("date {s} → {s}T00:00:00Z"));
            return format!("{s}T00:00:00Z").into();
        }
        _ => None,
    };
    match secs {
        Some(secs) => {
            let iso = crate::datetime::rfc3339(secs);
            changes.push(format!("Unix timestamp {v} → {iso}"));
            iso.into()
        }
        None => v.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_detected_the_way_the_spec_history_describes() {
        let v2 = json!({"@context": OB2_CONTEXT, "type": "Assertion"});
        assert_eq!(detect(&v2).and_then(|d| d.version), Some(OpenBadgesVersion::V2_0));
        let v11 = json!({"@context": "https://w3id.org/openbadges/v1", "type": "Assertion"});
        assert_eq!(detect(&v11).and_then(|d| d.version), Some(OpenBadgesVersion::V1_1));
        let v10 = json!({"uid": "1", "recipient": {"type": "email"}, "badge": "https://x/b", "verify": {}});
        assert_eq!(detect(&v10).and_then(|d| d.version), Some(OpenBadgesVersion::V1_0));
        let v05 = json!({"recipient": "a@b.c", "badge": {"name": "x"}});
        assert_eq!(detect(&v05).and_then(|d| d.version), Some(OpenBadgesVersion::V0_5));
        let clr = json!({"@context": CLR1_CONTEXT, "type": "Clr", "learner": {}});
        assert_eq!(detect(&clr).map(|d| d.kind), Some(Kind::Clr));
        assert!(detect(&json!({"@context": ["https://www.w3.org/ns/credentials/v2"]})).is_none());
    }

    #[test]
    fn a_1_0_assertion_is_upgraded_with_its_hosted_id_and_iso_dates() {
        let v10 = json!({"uid": "abc", "recipient": {"type": "email", "hashed": false, "identity": "a@b.c"},
            "badge": "https://x/b", "verify": {"type": "hosted", "url": "https://x/a/1"}, "issuedOn": 1_400_000_000,
            "alignment": [{"url": "https://c", "name": "n"}]});
        let up = upgrade(&v10, OpenBadgesVersion::V1_0).expect("upgraded");
        assert_eq!(up.doc["id"], "https://x/a/1");
        assert_eq!(up.doc["verification"]["type"], "HostedBadge");
        assert_eq!(up.doc["issuedOn"], "2014-05-13T16:53:20Z");
        assert_eq!(up.doc["alignment"][0]["targetUrl"], "https://c");
        assert!(upgrade(&v10, OpenBadgesVersion::V2_0).is_none());
    }
}
