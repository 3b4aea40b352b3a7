//! Credentials the write checks upsert: read from files, or the signed samples built into the harness.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::target::Family;

/// One credential to upsert, in the representation it is sent in.
#[derive(Debug, Clone)]
pub struct Upload {
    /// Where it came from (file name, sample name).
    pub name: String,
    pub family: Family,
    /// The request body: credential JSON, or a compact JWS.
    pub body: Vec<u8>,
    /// Sent as `text/plain` compact JWS (else `application/json`).
    pub jws: bool,
    /// The credential's `id`.
    pub id: String,
    /// The credential (the JWS payload for a JWS).
    pub credential: Value,
    /// Signed by the harness with its public test key only so that the compact JWS representation is exercised
    /// (`*-API-017`): the provider did not issue it, so its returned copy is checked for preservation (`*-API-018`)
    /// but not counted as evidence about the provider's credentials (`*-API-009`).
    pub probe_only: bool,
    /// Sent to see what the provider does with a credential that does not verify (`*-API-024`): why it does not
    /// (breaks the data model, has no proof, was changed after signing). Not judged by the create/replace checks,
    /// and not counted as the provider's own credential when returned (`*-API-009`).
    pub unverifiable: Option<&'static str>,
}

/// Why each of the unverifiable uploads of `--generated` does not verify, in the order they are made.
const UNVERIFIABLE: [&str; 3] = [
    "breaks the data model (no credentialSubject)",
    "has no proof",
    "was changed after signing",
];

/// The committed RSA test key (RS256, the certifiable VC-JWT algorithm). Public on purpose: see vectors/keys.
const TEST_RSA_KEY: &str = include_str!("../../../vectors/keys/test-rsa-2048.private.jwk.json");

const SAMPLES: [(&str, &str); 2] = [
    (
        "cobalt-capstone-badge.json",
        include_str!("../../../vectors/samples/cobalt-capstone-badge.json"),
    ),
    (
        "northbridge-transcript-clr.json",
        include_str!("../../../vectors/samples/northbridge-transcript-clr.json"),
    ),
];

impl Upload {
    /// Reads a credential: JSON, or a compact JWS whose payload is the credential.
    pub fn from_bytes(name: &str, bytes: &[u8]) -> Result<Upload, String> {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| format!("{name} is not UTF-8"))?
            .trim();
        let (credential, jws) = if text.starts_with('{') {
            let v: Value = serde_json::from_str(text).map_err(|e| format!("{name} is not JSON: {e}"))?;
            (v, false)
        } else {
            let payload = text
                .split('.')
                .nth(1)
                .ok_or_else(|| format!("{name} is neither JSON nor a compact JWS"))?;
            let raw = URL_SAFE_NO_PAD
                .decode(payload)
                .map_err(|e| format!("{name}: the JWS payload is not base64url: {e}"))?;
            let v: Value =
                serde_json::from_slice(&raw).map_err(|e| format!("{name}: the JWS payload is not JSON: {e}"))?;
            (v, true)
        };
        let types: Vec<&str> = match &credential["type"] {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let family = Family::ALL
            .into_iter()
            .find(|f| f.credential_types().iter().any(|t| types.contains(t)))
            .ok_or_else(|| format!("{name} is neither an OB 3.0 nor a CLR 2.0 credential (type {types:?})"))?;
        let id = credential["id"]
            .as_str()
            .ok_or_else(|| format!("{name} has no credential id"))?
            .to_string();
        Ok(Upload {
            name: name.to_string(),
            family,
            body: text.as_bytes().to_vec(),
            jws,
            id,
            credential,
            probe_only: false,
            unverifiable: None,
        })
    }

    /// A compact JWS of `family`'s sample, signed with the harness's test key (its JWK in the header) under an id
    /// of its own, so the JWS representation can be upserted when the user supplied none.
    pub fn jws_probe(family: Family) -> Result<Upload, String> {
        let (name, text) = SAMPLES
            .iter()
            .find(|(name, text)| Upload::from_bytes(name, text.as_bytes()).is_ok_and(|u| u.family == family))
            .ok_or_else(|| format!("no {} sample to sign", family.label()))?;
        let mut credential: Value = serde_json::from_str(text).map_err(|e| format!("{name}: {e}"))?;
        let Some(obj) = credential.as_object_mut() else {
            return Err(format!("{name} is not an object"));
        };
        obj.remove("proof");
        // Another id than the JSON sample's, so upserting one never replaces the other (a UUID still).
        let id = obj.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
        let last = if id.ends_with('0') { '1' } else { '0' };
        let probe_id = format!("{}{last}", id.get(..id.len().saturating_sub(1)).unwrap_or_default());
        obj.insert("id".into(), probe_id.into());
        let key_file: Value = serde_json::from_str(TEST_RSA_KEY).map_err(|e| format!("test key: {e}"))?;
        let key = crate::proof::keyfile::signing_key(&key_file).map_err(|e| format!("test key: {e}"))?;
        let kid = key_file.get("kid").and_then(Value::as_str);
        let jws = crate::proof::jwt::sign_vc_jwt_with(&credential, &key, kid, true).map_err(|e| e.to_string())?;
        let mut upload = Upload::from_bytes(&format!("{name} (VC-JWT signed by clr-harness)"), jws.as_bytes())?;
        upload.probe_only = true;
        Ok(upload)
    }

    /// `uploads` plus, for each family without a compact JWS among them, the harness's [`Upload::jws_probe`].
    pub fn with_jws_probes(mut uploads: Vec<Upload>, families: &[Family]) -> Vec<Upload> {
        for family in families {
            if !uploads.iter().any(|u| u.family == *family && u.jws)
                && let Ok(probe) = Upload::jws_probe(*family)
            {
                uploads.push(probe);
            }
        }
        uploads
    }

    /// `count` generated credentials of each family (`clr-harness run --generated`), valid by construction and
    /// signed with Data Integrity proofs, their issuers `did:key`s so that they verify offline; case `i` of run
    /// seed `seed`. Generated documents are valid around [`crate::generate::EPOCH`]; these are made valid around
    /// `now` (seconds since 1970), when the run judges them ([`crate::generate::valid_around`]), before they are
    /// signed.
    pub fn generated(count: usize, seed: u64, now: i64) -> Result<Vec<Upload>, String> {
        use crate::generate::{self, Case, Settings, sign};
        let settings = Settings { seed, cases: count };
        let mut out = Vec::new();
        for family in Family::ALL {
            let generated_family = match family {
                Family::Ob30 => generate::Family::Ob30,
                Family::Clr20 => generate::Family::Clr20,
            };
            for i in 0..count {
                let case = Case::random(generated_family, &mut settings.gen_for("run", i));
                let mut doc = case.generate().doc;
                generate::valid_around(&mut doc, now);
                let signed = sign::sign_generated(&doc, sign::Signing::DataIntegrity, seed)
                    .map_err(|e| format!("failed to {e}"))?;
                let name = format!("generated-{}-{:04} (seed {seed})", generated_family.slug(), i + 1);
                out.push(Upload::from_bytes(
                    &name,
                    crate::proof::sign::to_text(&signed).as_bytes(),
                )?);
            }
            // And three that do not verify, each of a case of its own (another id, so none replaces a valid one).
            if count > 0 {
                for (k, why) in UNVERIFIABLE.iter().enumerate() {
                    let case = Case::random(generated_family, &mut settings.gen_for("run-unverifiable", k));
                    let mut doc = case.generate().doc;
                    generate::valid_around(&mut doc, now);
                    if k == 0
                        && let Some(o) = doc.as_object_mut()
                    {
                        o.shift_remove("credentialSubject");
                    }
                    let signed = sign::sign_generated(&doc, sign::Signing::DataIntegrity, seed)
                        .map_err(|e| format!("failed to {e}"))?;
                    let mut v = match signed {
                        crate::proof::sign::Signed::Json(v) => v,
                        crate::proof::sign::Signed::Jws(_) => continue,
                    };
                    if let Some(o) = v.as_object_mut() {
                        match k {
                            1 => {
                                o.shift_remove("proof");
                            }
                            2 => {
                                let name = o.get("name").and_then(Value::as_str).unwrap_or("").to_string();
                                o.insert("name".into(), Value::String(format!("{name} (changed)")));
                            }
                            _ => {}
                        }
                    }
                    let name = format!(
                        "generated-{}-unverifiable-{} (seed {seed})",
                        generated_family.slug(),
                        k + 1
                    );
                    let text = serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?;
                    let mut upload = Upload::from_bytes(&name, text.as_bytes())?;
                    upload.unverifiable = Some(why);
                    out.push(upload);
                }
            }
        }
        Ok(out)
    }

    /// The signed samples (one OB 3.0 badge, one CLR 2.0 transcript), verifiable offline.
    pub fn samples() -> Vec<Upload> {
        SAMPLES
            .iter()
            .filter_map(|(name, text)| Upload::from_bytes(name, text.as_bytes()).ok())
            .collect()
    }

    pub fn content_type(&self) -> &'static str {
        if self.jws { "text/plain" } else { "application/json" }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_uploads_are_of_both_families_and_reproducible() {
        let a = Upload::generated(2, 7, 1_800_000_000).expect("generates");
        // Two valid ones and three that do not verify, per family.
        assert_eq!(a.len(), 10);
        assert_eq!(a.iter().filter(|u| u.unverifiable.is_some()).count(), 6);
        assert_eq!(a.iter().filter(|u| u.family == Family::Ob30).count(), 5);
        let b = Upload::generated(2, 7, 1_800_000_000).expect("generates");
        assert_eq!(
            a.iter().map(|u| &u.body).collect::<Vec<_>>(),
            b.iter().map(|u| &u.body).collect::<Vec<_>>()
        );
    }

    #[test]
    fn the_samples_cover_both_families() {
        let s = Upload::samples();
        assert_eq!(s.len(), 2);
        assert!(s.iter().any(|u| u.family == Family::Ob30));
        assert!(s.iter().any(|u| u.family == Family::Clr20));
    }

    #[test]
    fn each_family_gets_a_signed_jws_probe_of_its_own() {
        for family in Family::ALL {
            let probe = Upload::jws_probe(family).expect("the sample signs");
            assert!(probe.jws && probe.probe_only, "{family:?}");
            assert_eq!(probe.family, family);
            assert_eq!(String::from_utf8_lossy(&probe.body).split('.').count(), 3);
            let json = Upload::samples()
                .into_iter()
                .find(|u| u.family == family)
                .expect("a sample");
            assert_ne!(probe.id, json.id, "the probe must not replace the JSON sample");
            assert!(probe.credential.get("proof").is_none());
        }
        let all = Upload::with_jws_probes(Upload::samples(), &Family::ALL);
        assert_eq!(all.iter().filter(|u| u.jws).count(), 2);
        let again = Upload::with_jws_probes(all.clone(), &Family::ALL);
        assert_eq!(again.len(), all.len(), "a family with a JWS gets no second one");
    }

    #[test]
    fn a_jws_is_read_through_its_payload() {
        let payload = URL_SAFE_NO_PAD.encode(br#"{"id":"urn:x","type":["VerifiableCredential","ClrCredential"]}"#);
        let u = Upload::from_bytes("x.jwt", format!("e30.{payload}.c2ln").as_bytes()).expect("a JWS");
        assert!(u.jws);
        assert_eq!(u.family, Family::Clr20);
        assert_eq!(u.content_type(), "text/plain");
        assert!(Upload::from_bytes("x", b"nonsense").is_err());
    }
}
