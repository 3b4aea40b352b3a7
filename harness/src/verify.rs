//! What verification needs beyond the document: the time it is judged at, the recipient the verifier expects, and
//! the identity-hash computation of OB 3.0 §8 (`IdentityHash`).

use md5::Md5;
use sha2::{Digest, Sha256};

/// The verification environment of a run.
#[derive(Debug, Clone)]
pub struct Env {
    /// The instant validity windows are judged at (seconds since the Unix epoch).
    pub now: i64,
    /// Whether `now` was pinned by the user (`--now`), for the report.
    pub now_pinned: bool,
    /// The recipient the verifier expects (`--recipient`), if any.
    pub recipient: Option<Recipient>,
}

impl Default for Env {
    fn default() -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Env {
            now,
            now_pinned: false,
            recipient: None,
        }
    }
}

impl Env {
    /// An environment judged at a fixed instant (RFC 3339), for reproducible runs and tests.
    pub fn at(rfc3339: &str) -> Option<Env> {
        let now = crate::checks::lexical::epoch_seconds(rfc3339)? as i64;
        Some(Env {
            now,
            now_pinned: true,
            recipient: None,
        })
    }
}

/// A recipient identifier: `id:<uri>` matches `credentialSubject.id`; `<identityType>:<value>` matches an
/// IdentityObject of that type (`email:` is short for `emailAddress:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// `id`, or an IdentifierTypeEnum term such as `emailAddress`.
    pub kind: String,
    pub value: String,
}

impl std::str::FromStr for Recipient {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind, value) = s.split_once(':').ok_or_else(|| {
            format!("expected TYPE:VALUE (e.g. email:learner@example.edu or id:did:example:123), got `{s}`")
        })?;
        if value.is_empty() {
            return Err(format!("`{s}` has no value after `{kind}:`"));
        }
        let kind = match kind {
            "email" | "mailto" => "emailAddress".to_string(),
            "id" => "id".to_string(),
            other if crate::vocab::IDENTIFIER_TYPES.contains(&other) || crate::vocab::is_extension_term(other) => {
                other.to_string()
            }
            other => {
                return Err(format!(
                    "unknown identifier type `{other}`: use id, email, or an IdentifierTypeEnum term ({})",
                    crate::vocab::IDENTIFIER_TYPES.join(", ")
                ));
            }
        };
        Ok(Recipient {
            kind,
            value: value.to_string(),
        })
    }
}

/// `<alg>$<hex>` of `hash(identifier ‖ salt)`, the form IdentityObject.identityHash takes when hashed.
pub fn identity_hash(alg: &str, identifier: &str, salt: &str) -> Option<String> {
    let input = format!("{identifier}{salt}");
    let hex = match alg {
        "sha256" => to_hex(&Sha256::digest(input.as_bytes())),
        "md5" => to_hex(&Md5::digest(input.as_bytes())),
        _ => return None,
    };
    Some(format!("{alg}${hex}"))
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_hash_matches_the_specs_worked_example() {
        // sha256("a@example.com" + "Kosher"), the value the OB 3.0 examples use.
        assert_eq!(
            identity_hash("sha256", "a@example.com", "Kosher").as_deref(),
            Some("sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399")
        );
        assert_eq!(
            identity_hash("md5", "", "").as_deref(),
            Some("md5$d41d8cd98f00b204e9800998ecf8427e")
        );
        assert_eq!(identity_hash("sha1", "x", ""), None);
    }

    #[test]
    fn recipients_parse_with_aliases_and_clear_errors() {
        let r: Recipient = "email:a@example.com".parse().unwrap();
        assert_eq!((r.kind.as_str(), r.value.as_str()), ("emailAddress", "a@example.com"));
        let r: Recipient = "id:did:example:123".parse().unwrap();
        assert_eq!((r.kind.as_str(), r.value.as_str()), ("id", "did:example:123"));
        assert!("nocolon".parse::<Recipient>().unwrap_err().contains("TYPE:VALUE"));
        assert!(
            "shoe:42"
                .parse::<Recipient>()
                .unwrap_err()
                .contains("unknown identifier type")
        );
    }

    #[test]
    fn pinned_time_parses() {
        assert_eq!(Env::at("1970-01-02T00:00:00Z").map(|e| e.now), Some(86400));
    }
}
