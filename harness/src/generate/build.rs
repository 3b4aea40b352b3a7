//! Valid-by-construction OB 3.0 AchievementCredentials and CLR 2.0 ClrCredentials, driven by the data-model table.
//!
//! Every class is generated from its [`crate::datamodel`] definition: required properties always, each optional
//! property with a fixed probability, values by the property's [`Ty`] (URI, date-time, language code, enumeration,
//! nested class …) and cardinality (one value, or one to three items; a compactable property sometimes as a single
//! value). The table does not say everything a valid document needs, so a few classes have hand rules on top —
//! each is the smallest rule that makes the document valid, with the requirement it follows:
//!
//! - credentials: `@context` order (VC 2.0, then CLR, then OB, extensions last), the credential `type`, validFrom /
//!   validUntil around the judging instant (OB30-VER-003, OB30-DM-022), VCDM 2.0 names only;
//! - subjects: an id or an identifier (OB30-DM-023, CLR20-DM-006); a CLR's nested credentials are about the
//!   ClrSubject (CLR20-DM-011);
//! - references: Result.resultDescription / achievedLevel name a ResultDescription / level of the achievement, a
//!   Result linked to a "Status" ResultDescription has a status (OB30-DM-012/013), requiredLevel names one of its
//!   own levels (OB30-DM-043), associations connect two different achievements of the CLR (CLR20-DM-010);
//! - Criteria has an id or a narrative (OB30-DM-024); a CFItem alignment carries its UUID as targetCode
//!   (OB30-DM-031); a hashed IdentityObject holds `<alg>$<hex>` of identifier + salt (OB30-DM-014);
//! - the `type` of the open-IRI classes (proof, credentialSchema, credentialStatus, refreshService, termsOfUse)
//!   and a DataIntegrityProof's fixed members (proofPurpose assertionMethod, OB30-DM-019);
//! - embedded endorsements only one level deep, parentOrg only one level deep (size bounds).
//!
//! Documents are unsigned: placeholder proofs and JWS signatures, judged on the data model only.

use serde_json::{Map, Value, json};

use super::choice::Chooser;
use super::coverage::{Coverage, NOT_GENERATED};
use super::values::{self, Ids, UriKind};
use crate::checks::values::vocabulary;
use crate::datamodel::{Class, ClassDef, Prop, Ty, TypeRule, Vocab, class_def};
use crate::detect::DocKind;
use crate::vocab;

/// Which standard's document to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// An OB 3.0 AchievementCredential (VCDM 2.0).
    Ob30,
    /// A CLR 2.0 ClrCredential with nested AchievementCredentials.
    Clr20,
}

impl Family {
    pub const ALL: [Family; 2] = [Family::Ob30, Family::Clr20];

    pub fn slug(self) -> &'static str {
        match self {
            Family::Ob30 => "ob30",
            Family::Clr20 => "clr20",
        }
    }

    pub fn from_slug(s: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.slug() == s)
    }
}

/// A generated document and what it covered.
#[derive(Debug, Clone)]
pub struct Generated {
    pub family: Family,
    pub doc: Value,
    pub coverage: Coverage,
}

/// Probability (percent) of each optional property.
const OPTIONAL_PERCENT: usize = 50;
/// Probability (percent) of an embedded endorsement property: each is a whole credential, so rarer.
const ENDORSEMENT_PERCENT: usize = 12;

/// Builds one document of `family` from the choices of `ch`.
pub fn generate(family: Family, ch: &mut Chooser) -> Generated {
    // A per-document salt keeps ids from repeating across documents without making them depend on later choices.
    let salt = ch.below(u32::MAX as usize) as u64;
    let mut b = Builder {
        ch,
        cov: Coverage::default(),
        ids: Ids::new(salt),
        issuers: Vec::new(),
        kinds: Vec::new(),
    };
    let root = Scope {
        endorse: true,
        parent_org: true,
    };
    let doc = match family {
        Family::Ob30 => b.credential(DocKind::Achievement, root, None, None),
        Family::Clr20 => b.credential(DocKind::Clr, root, None, None),
    };
    b.cov.documents = 1;
    Generated {
        family,
        doc,
        coverage: b.cov,
    }
}

/// What may be generated below a point of the document.
#[derive(Debug, Clone, Copy)]
struct Scope {
    /// Embedded endorsements may appear (not inside an endorsement: one level keeps documents bounded).
    endorse: bool,
    /// A Profile here may have a parentOrg (not a parentOrg's parentOrg).
    parent_org: bool,
}

/// Who a credential is about; a CLR's nested credentials share the ClrSubject's.
#[derive(Debug, Clone)]
struct Learner {
    id: Option<String>,
    identifiers: Vec<Value>,
}

struct Builder<'a, 'g> {
    ch: &'a mut Chooser<'g>,
    cov: Coverage,
    ids: Ids,
    /// The issuer id of each credential being built (innermost last): proofs and JWS headers name its key.
    issuers: Vec<String>,
    /// The kind of each credential being built (innermost last): credentialSchema names its schema.
    kinds: Vec<DocKind>,
}

type Obj = Map<String, Value>;

impl Builder<'_, '_> {
    // ---- the generic, table-driven part ------------------------------------------------------------------------

    /// Fills `obj` from the class's table: required properties always, optional ones by chance, except those in
    /// `own` (set by the class's hand rule) and those already present.
    fn fill(&mut self, class: Class, obj: &mut Obj, own: &[&str], sc: Scope) {
        let def = class_def(class);
        for prop in def.props {
            if own.contains(&prop.name) || obj.contains_key(prop.name) || !allowed(prop, sc) {
                continue;
            }
            let percent = match prop.ty {
                Ty::Embedded | Ty::Jws => ENDORSEMENT_PERCENT,
                _ => OPTIONAL_PERCENT,
            };
            if !prop.card.required() && !self.ch.flag(percent) {
                continue;
            }
            let v = self.value(def, prop, sc, obj);
            self.put(obj, def, prop.name, v);
        }
    }

    /// Sets a property, counting it when the table says it is optional.
    fn put(&mut self, obj: &mut Obj, def: &ClassDef, name: &str, v: Value) {
        if def.props.iter().any(|p| p.name == name && !p.card.required()) {
            self.cov.prop(def.name, name);
        }
        obj.insert(name.to_string(), v);
    }

    /// A value of `prop` by its cardinality: one, or one to three items (a compactable single item sometimes
    /// unwrapped, as JSON-LD compaction does).
    fn value(&mut self, def: &ClassDef, prop: &Prop, sc: Scope, obj: &Obj) -> Value {
        // `type` is its own value: the class's type rule says whether it is a string or an array.
        if !prop.card.multi() || prop.ty == Ty::TypeSet {
            return self.item(def, prop, sc, obj);
        }
        let n = self.ch.count(3);
        let mut items: Vec<Value> = (0..n).map(|_| self.item(def, prop, sc, obj)).collect();
        if n == 1 && prop.compactable && self.ch.flag(30) {
            self.cov.form(&format!("{} as a single value", prop.name));
            return items.pop().unwrap_or(Value::Null);
        }
        Value::Array(items)
    }

    /// One value of `prop`'s type.
    fn item(&mut self, def: &ClassDef, prop: &Prop, sc: Scope, obj: &Obj) -> Value {
        match prop.ty {
            Ty::Uri => Value::String(values::uri(self.ch, &mut self.ids, uri_kind(def.class, prop.name))),
            Ty::DateTimeZ | Ty::DateTime => Value::String(values::date_time(self.ch)),
            Ty::Date => Value::String(values::date(self.ch)),
            Ty::Str => {
                let v = values::text(self.ch, &mut self.ids, prop.name);
                if v.is_object() {
                    self.cov.form("language map");
                }
                v
            }
            Ty::Bool => Value::Bool(self.ch.flag(50)),
            Ty::Number => values::number(self.ch, prop.name),
            Ty::Lang => Value::String(values::language(self.ch)),
            Ty::Enum(v) => Value::String(self.term(v)),
            Ty::TypeSet => self.type_value(def, prop),
            Ty::Object(c) => self.object(c, sc),
            Ty::ProfileRef => self.issuer(sc).0,
            Ty::Embedded => {
                let endorsed = endorsed_id(obj);
                self.endorsement(endorsed)
            }
            Ty::Jws => {
                let endorsed = endorsed_id(obj);
                self.endorsement_jwt(endorsed)
            }
            // `@context` is the credentials' hand rule; `allowed` keeps the generic part away from it.
            Ty::Any => Value::String(vocab::VC_V2_CONTEXT.into()),
        }
    }

    /// A term of `v`: one of its terms, or (extensible vocabularies, sometimes) an `ext:` term.
    fn term(&mut self, v: Vocab) -> String {
        let (terms, extensible, _) = vocabulary(v);
        let t = if extensible && self.ch.flag(15) {
            format!("ext:{}", self.ch.pick(&["LocalType", "x.y-z_1", "Apprenticeship2"]))
        } else {
            self.ch.pick(terms).to_string()
        };
        self.cov.term(v, &t);
        t
    }

    /// The `type` of an object of `def`'s class.
    fn type_value(&mut self, def: &ClassDef, prop: &Prop) -> Value {
        match def.type_rule {
            TypeRule::Contains(t) => {
                if prop.compactable && self.ch.flag(25) {
                    self.cov.form("type as a single string");
                    json!(t)
                } else {
                    json!([t])
                }
            }
            TypeRule::Exactly(t) => json!(t),
            TypeRule::AnyIri | TypeRule::None => json!(match def.class {
                Class::CredentialSchema => vocab::SCHEMA_VALIDATOR_TYPE,
                Class::CredentialStatus => vocab::REVOCATION_LIST_TYPE,
                Class::RefreshService => vocab::CREDENTIAL_REFRESH_TYPE,
                Class::Proof => "DataIntegrityProof",
                _ => *self.ch.pick(&["TrustFrameworkPolicy", "IssuerPolicy"]),
            }),
        }
    }

    /// An object of `class`: the generic fill plus the class's hand rule, if it has one.
    fn object(&mut self, class: Class, sc: Scope) -> Value {
        let mut o = Obj::new();
        let inner = Scope {
            parent_org: false,
            ..sc
        };
        match class {
            Class::Criteria => {
                self.fill(class, &mut o, &[], sc);
                // OB30-DM-024: criteria say something (an id, a narrative or both).
                if !o.contains_key("id") && !o.contains_key("narrative") {
                    let v = values::text(self.ch, &mut self.ids, "narrative");
                    self.put(&mut o, class_def(class), "narrative", v);
                }
            }
            Class::Alignment => self.alignment(&mut o, sc),
            Class::ResultDescription => self.result_description(&mut o, sc),
            Class::IdentityObject => return self.identity_object(),
            Class::Proof => self.proof(&mut o, sc),
            Class::CredentialSchema => {
                let url = match self.kinds.last() {
                    Some(DocKind::Clr) => vocab::CLR_SCHEMA_URL,
                    Some(DocKind::Endorsement) => vocab::OB_ENDORSEMENT_SCHEMA_URL,
                    _ => vocab::OB_ACHIEVEMENT_SCHEMA_URL,
                };
                o.insert("id".into(), json!(url));
                o.insert("type".into(), json!(vocab::SCHEMA_VALIDATOR_TYPE));
            }
            Class::CredentialStatus => {
                let host = *self.ch.pick(values::HOSTS);
                let n = self.ids.next_id();
                if self.ch.flag(50) {
                    self.cov.form("credentialStatus BitstringStatusListEntry");
                    let list = format!("https://{host}/status/{n}");
                    let index = self.ch.below(131_072);
                    o.insert("id".into(), json!(format!("{list}#{index}")));
                    o.insert("type".into(), json!(vocab::BITSTRING_STATUS_TYPE));
                    o.insert("statusPurpose".into(), json!("revocation"));
                    o.insert("statusListIndex".into(), json!(index.to_string()));
                    o.insert("statusListCredential".into(), json!(list));
                } else {
                    self.cov.form("credentialStatus 1EdTechRevocationList");
                    o.insert("id".into(), json!(format!("https://{host}/revocations/{n}")));
                    o.insert("type".into(), json!(vocab::REVOCATION_LIST_TYPE));
                }
            }
            Class::Profile => {
                let id = values::uri(self.ch, &mut self.ids, UriKind::Organisation);
                o.insert("id".into(), json!(id));
                // One level of parentOrg: the parent's own parentOrg would make the document grow without end.
                if sc.parent_org && self.ch.flag(OPTIONAL_PERCENT) {
                    let parent = self.object(Class::Profile, inner);
                    self.put(&mut o, class_def(class), "parentOrg", parent);
                }
                self.fill(class, &mut o, &["parentOrg"], sc);
            }
            _ => self.fill(class, &mut o, &[], sc),
        }
        Value::Object(o)
    }

    // ---- hand rules ------------------------------------------------------------------------------------------

    /// A credential of `kind`. `learner` fixes whom it is about (a CLR's nested credentials); `endorsed` is what an
    /// EndorsementCredential endorses.
    fn credential(&mut self, kind: DocKind, sc: Scope, learner: Option<&Learner>, endorsed: Option<String>) -> Value {
        // The generator builds the OB 3.0 / CLR 2.0 kinds only.
        let class = kind.class().unwrap_or(crate::datamodel::Class::AchievementCredential);
        let def = class_def(class);
        let mut o = Obj::new();
        o.insert(
            "id".into(),
            json!(values::uri(self.ch, &mut self.ids, UriKind::Credential)),
        );
        o.insert("type".into(), self.credential_type(kind));
        let (issuer, issuer_id) = self.issuer(Scope {
            endorse: sc.endorse,
            parent_org: true,
        });
        o.insert("issuer".into(), issuer);
        let with_until = self.ch.flag(40);
        let (from, until) = values::validity(self.ch, with_until);
        o.insert("validFrom".into(), json!(from));
        if let Some(until) = until {
            self.put(&mut o, def, "validUntil", json!(until));
        }
        self.issuers.push(issuer_id);
        self.kinds.push(kind);
        let subject = match kind {
            DocKind::Achievement | DocKind::Legacy(_) | DocKind::Case(_) => self.achievement_subject(sc, learner),
            DocKind::Endorsement => self.endorsement_subject(endorsed),
            DocKind::Clr => self.clr_subject(sc),
        };
        let own = [
            "@context",
            "id",
            "type",
            "issuer",
            "validFrom",
            "validUntil",
            "credentialSubject",
        ];
        self.fill(class, &mut o, &own, sc);
        o.insert("credentialSubject".into(), subject);
        self.issuers.pop();
        self.kinds.pop();

        let mut context = vec![json!(vocab::VC_V2_CONTEXT)];
        if kind == DocKind::Clr {
            context.push(json!(vocab::CLR_CONTEXT_CURRENT));
        }
        context.push(json!(vocab::OB_CONTEXT_CURRENT));
        // extensions.json defines the 1EdTech schema, status and refresh types; add it when they are used (and
        // sometimes when not, as issuers do).
        let uses_extensions = ["credentialSchema", "credentialStatus", "refreshService"]
            .iter()
            .any(|k| o.contains_key(*k));
        if uses_extensions || self.ch.flag(10) {
            self.cov.form("extensions.json in @context");
            context.push(json!(vocab::OB_EXTENSIONS_CONTEXT));
        }
        let mut out = Obj::new();
        out.insert("@context".into(), Value::Array(context));
        out.extend(o);
        Value::Object(out)
    }

    /// `["VerifiableCredential", <kind type>]`, in either order (type is an unordered set).
    fn credential_type(&mut self, kind: DocKind) -> Value {
        let own = match kind {
            DocKind::Achievement | DocKind::Legacy(_) | DocKind::Case(_) => {
                let t = *self.ch.pick(&["AchievementCredential", "OpenBadgeCredential"]);
                self.cov.form(&format!("type {t}"));
                t
            }
            DocKind::Endorsement => "EndorsementCredential",
            DocKind::Clr => "ClrCredential",
        };
        if self.ch.flag(15) {
            self.cov.form("credential type in reverse order");
            json!([own, "VerifiableCredential"])
        } else {
            json!(["VerifiableCredential", own])
        }
    }

    /// The issuer: a URI or a Profile; returns it and its id.
    fn issuer(&mut self, sc: Scope) -> (Value, String) {
        if self.ch.flag(30) {
            self.cov.form("issuer as a URI");
            let id = values::uri(self.ch, &mut self.ids, UriKind::Organisation);
            (json!(id), id)
        } else {
            self.cov.form("issuer as a Profile");
            let p = self.object(Class::Profile, sc);
            let id = p.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
            (p, id)
        }
    }

    /// A learner: an id, identifiers, or both (OB30-DM-023 asks for at least one).
    fn learner(&mut self) -> Learner {
        let mode = self.ch.below(3);
        let id = (mode != 1).then(|| values::uri(self.ch, &mut self.ids, UriKind::Person));
        let identifiers = if mode == 0 {
            Vec::new()
        } else {
            let n = self.ch.count(2);
            (0..n).map(|_| self.identity_object()).collect()
        };
        self.cov.form(match mode {
            0 => "subject by id only",
            1 => "subject by identifier only",
            _ => "subject by id and identifier",
        });
        Learner { id, identifiers }
    }

    fn achievement_subject(&mut self, sc: Scope, learner: Option<&Learner>) -> Value {
        let class = Class::AchievementSubject;
        let def = class_def(class);
        let learner = match learner {
            Some(l) => l.clone(),
            None => self.learner(),
        };
        let mut o = Obj::new();
        if let Some(id) = learner.id {
            self.put(&mut o, def, "id", json!(id));
        }
        o.insert("type".into(), self.type_value(def, prop(def, "type")));
        if !learner.identifiers.is_empty() {
            self.put(&mut o, def, "identifier", Value::Array(learner.identifiers));
        }
        let achievement = self.object(Class::Achievement, sc);
        let results = self.ch.flag(OPTIONAL_PERCENT).then(|| self.results(&achievement));
        o.insert("achievement".into(), achievement);
        // The learner decides id and identifier (a random extra id on a CLR's nested credential is fine, but the
        // rule is simpler to read when the learner alone says who the subject is).
        self.fill(class, &mut o, &["id", "identifier", "result"], sc);
        if let Some(results) = results {
            self.put(&mut o, def, "result", Value::Array(results));
        }
        Value::Object(o)
    }

    /// One to three Results, each linked (or not) to a ResultDescription of `achievement`.
    fn results(&mut self, achievement: &Value) -> Vec<Value> {
        let def = class_def(Class::Result);
        let rds: Vec<Value> = achievement
            .get("resultDescription")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let n = self.ch.count(3);
        let mut out = Vec::new();
        for _ in 0..n {
            let mut o = Obj::new();
            o.insert("type".into(), self.type_value(def, prop(def, "type")));
            let mut status_required = false;
            if !rds.is_empty() && self.ch.flag(70) {
                let rd = self.ch.pick(&rds).clone();
                if let Some(id) = rd.get("id").and_then(Value::as_str) {
                    self.put(&mut o, def, "resultDescription", json!(id));
                }
                let levels: Vec<Value> = rd
                    .get("rubricCriterionLevel")
                    .and_then(Value::as_array)
                    .map(|ls| ls.iter().filter_map(|l| l.get("id").cloned()).collect())
                    .unwrap_or_default();
                if !levels.is_empty() && self.ch.flag(60) {
                    let level = self.ch.pick(&levels).clone();
                    self.put(&mut o, def, "achievedLevel", level);
                }
                status_required = rd.get("resultType").and_then(Value::as_str) == Some("Status");
            }
            if status_required || self.ch.flag(30) {
                let t = self.term(Vocab::ResultStatusType);
                self.put(&mut o, def, "status", json!(t));
            }
            self.fill(
                Class::Result,
                &mut o,
                &["resultDescription", "achievedLevel", "status"],
                Scope {
                    endorse: false,
                    parent_org: false,
                },
            );
            out.push(Value::Object(o));
        }
        out
    }

    fn result_description(&mut self, o: &mut Obj, sc: Scope) {
        let def = class_def(Class::ResultDescription);
        self.fill(
            Class::ResultDescription,
            o,
            &["requiredLevel", "rubricCriterionLevel"],
            sc,
        );
        if self.ch.flag(40) {
            let n = self.ch.count(3);
            let levels: Vec<Value> = (0..n).map(|_| self.object(Class::RubricCriterionLevel, sc)).collect();
            let ids: Vec<Value> = levels.iter().filter_map(|l| l.get("id").cloned()).collect();
            self.put(o, def, "rubricCriterionLevel", Value::Array(levels));
            if !ids.is_empty() && self.ch.flag(50) {
                let level = self.ch.pick(&ids).clone();
                self.put(o, def, "requiredLevel", level);
            }
        }
    }

    fn alignment(&mut self, o: &mut Obj, sc: Scope) {
        let def = class_def(Class::Alignment);
        let target_type = self
            .ch
            .flag(OPTIONAL_PERCENT)
            .then(|| self.term(Vocab::AlignmentTargetType));
        if target_type.as_deref() == Some("CFItem") {
            // OB30-DM-031: a CASE item is named by its UUID, in targetCode and (usually) at the end of targetUrl.
            let uuid = self.ids.uuid();
            let url = if self.ch.flag(70) {
                format!("https://case.example.org/ims/case/v1p0/CFItems/{uuid}")
            } else {
                values::uri(self.ch, &mut self.ids, UriKind::Page)
            };
            let code = if self.ch.flag(10) {
                self.cov.form("CFItem targetCode in upper case");
                uuid.to_ascii_uppercase()
            } else {
                uuid
            };
            o.insert("targetUrl".into(), json!(url));
            self.put(o, def, "targetCode", json!(code));
        }
        if let Some(t) = target_type {
            self.put(o, def, "targetType", json!(t));
        }
        self.fill(Class::Alignment, o, &["targetType"], sc);
    }

    fn identity_object(&mut self) -> Value {
        let def = class_def(Class::IdentityObject);
        let identity_type = self.term(Vocab::IdentifierType);
        let n = self.ids.next_id();
        let identifier = if identity_type == "emailAddress" {
            format!("learner{n}@example.edu")
        } else {
            format!("ID-{n:06}")
        };
        let mut o = Obj::new();
        o.insert("type".into(), json!("IdentityObject"));
        if self.ch.flag(60) {
            self.cov.form("hashed identity");
            let salt = self
                .ch
                .flag(70)
                .then(|| format!("s{}", values::splitmix64(n) % 1_000_000_007));
            let alg = *self.ch.pick(&["sha256", "md5"]);
            let hash =
                crate::verify::identity_hash(alg, &identifier, salt.as_deref().unwrap_or("")).unwrap_or_default();
            o.insert("hashed".into(), json!(true));
            o.insert("identityHash".into(), json!(hash));
            o.insert("identityType".into(), json!(identity_type));
            if let Some(salt) = salt {
                self.put(&mut o, def, "salt", json!(salt));
            }
        } else {
            self.cov.form("plaintext identity");
            o.insert("hashed".into(), json!(false));
            o.insert("identityHash".into(), json!(identifier));
            o.insert("identityType".into(), json!(identity_type));
        }
        Value::Object(o)
    }

    fn proof(&mut self, o: &mut Obj, sc: Scope) {
        let def = class_def(Class::Proof);
        let controller = self.issuers.last().cloned().unwrap_or_default();
        o.insert("type".into(), json!("DataIntegrityProof"));
        // A DataIntegrityProof's members: optional in the table, always present on a real proof.
        self.put(o, def, "cryptosuite", json!("eddsa-rdfc-2022"));
        let created = values::date_time(self.ch);
        self.put(o, def, "created", json!(created));
        self.put(o, def, "verificationMethod", json!(format!("{controller}#key-1")));
        self.put(o, def, "proofPurpose", json!("assertionMethod"));
        let seed = self.ids.next_id();
        self.put(o, def, "proofValue", json!(values::proof_value(seed)));
        self.fill(Class::Proof, o, &[], sc);
    }

    fn endorsement_subject(&mut self, endorsed: Option<String>) -> Value {
        let def = class_def(Class::EndorsementSubject);
        let id = endorsed.unwrap_or_else(|| values::uri(self.ch, &mut self.ids, UriKind::Thing));
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("type".into(), self.type_value(def, prop(def, "type")));
        self.fill(
            Class::EndorsementSubject,
            &mut o,
            &[],
            Scope {
                endorse: false,
                parent_org: false,
            },
        );
        Value::Object(o)
    }

    /// An embedded EndorsementCredential of `endorsed` (no endorsements inside it).
    fn endorsement(&mut self, endorsed: Option<String>) -> Value {
        self.cov.form("embedded endorsement");
        let sc = Scope {
            endorse: false,
            parent_org: true,
        };
        self.credential(DocKind::Endorsement, sc, None, endorsed)
    }

    /// An endorsement as a compact JWS whose payload is the credential plus the VC-JWT claims.
    fn endorsement_jwt(&mut self, endorsed: Option<String>) -> Value {
        self.cov.form("endorsementJwt");
        let sc = Scope {
            endorse: false,
            parent_org: true,
        };
        let mut cred = self.credential(DocKind::Endorsement, sc, None, endorsed);
        let issuer = crate::verify::issuer_id(&cred).unwrap_or_default();
        if let Some(obj) = cred.as_object_mut() {
            let jti = obj.get("id").cloned().unwrap_or(Value::Null);
            let sub = obj
                .get("credentialSubject")
                .and_then(|s| s.get("id"))
                .cloned()
                .unwrap_or(Value::Null);
            let nbf = obj
                .get("validFrom")
                .and_then(Value::as_str)
                .and_then(crate::datetime::epoch_seconds)
                .map(|s| s as i64);
            obj.insert("iss".into(), json!(issuer));
            obj.insert("jti".into(), jti);
            obj.insert("sub".into(), sub);
            if let Some(nbf) = nbf {
                obj.insert("nbf".into(), json!(nbf));
            }
        }
        Value::String(values::compact_jws(&cred, &format!("{issuer}#key-1")))
    }

    fn clr_subject(&mut self, sc: Scope) -> Value {
        let class = Class::ClrSubject;
        let def = class_def(class);
        let learner = self.learner();
        let mut o = Obj::new();
        if let Some(id) = &learner.id {
            self.put(&mut o, def, "id", json!(id));
        }
        o.insert("type".into(), self.type_value(def, prop(def, "type")));
        if !learner.identifiers.is_empty() {
            self.put(&mut o, def, "identifier", Value::Array(learner.identifiers.clone()));
        }
        if self.ch.flag(OPTIONAL_PERCENT) {
            let n = self.ch.count(3);
            let achievements: Vec<Value> = (0..n).map(|_| self.object(Class::Achievement, sc)).collect();
            self.put(&mut o, def, "achievement", Value::Array(achievements));
        }
        // CLR20-DM-011: nested credentials are about the ClrSubject — the same id, or (without one) the same
        // identifiers.
        let nested_learner = Learner {
            id: learner.id.clone(),
            identifiers: if learner.id.is_none() || self.ch.flag(30) {
                learner.identifiers.clone()
            } else {
                Vec::new()
            },
        };
        let n = self.ch.count(3);
        let nested: Vec<Value> = (0..n)
            .map(|_| self.credential(DocKind::Achievement, sc, Some(&nested_learner), None))
            .collect();
        let mut ids: Vec<String> = o
            .get("achievement")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.get("id")?.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        ids.extend(nested.iter().filter_map(|c| {
            c.pointer("/credentialSubject/achievement/id")?
                .as_str()
                .map(String::from)
        }));
        o.insert("verifiableCredential".into(), Value::Array(nested));
        // CLR20-DM-010: associations connect two different achievements of this CLR.
        if ids.len() >= 2 && self.ch.flag(60) {
            let n = self.ch.count(3);
            let mut assocs = Vec::new();
            for _ in 0..n {
                let s = self.ch.below(ids.len());
                let t = (s + 1 + self.ch.below(ids.len() - 1)) % ids.len();
                let kind = self.term(Vocab::AssociationType);
                assocs.push(json!({
                    "type": "Association",
                    "associationType": kind,
                    "sourceId": ids[s],
                    "targetId": ids[t],
                }));
            }
            self.put(&mut o, def, "association", Value::Array(assocs));
        }
        Value::Object(o)
    }
}

/// Whether the generic part generates `prop` in scope `sc`.
fn allowed(prop: &Prop, sc: Scope) -> bool {
    match prop.ty {
        Ty::Embedded | Ty::Jws => sc.endorse && prop.name.starts_with("endorsement"),
        Ty::Any => false,
        _ => !NOT_GENERATED.iter().any(|(p, _)| *p == prop.name),
    }
}

/// The property `name` of `def` (present: callers name table properties).
fn prop<'d>(def: &'d ClassDef, name: &str) -> &'d Prop {
    def.props.iter().find(|p| p.name == name).unwrap_or(&def.props[0])
}

/// What an endorsement inside `obj` endorses: `obj` itself, by its id.
fn endorsed_id(obj: &Obj) -> Option<String> {
    obj.get("id").and_then(Value::as_str).map(String::from)
}

/// What kind of URI a URI-typed property takes.
fn uri_kind(class: Class, prop: &str) -> UriKind {
    match (class, prop) {
        (Class::Image, "id") => UriKind::Image,
        (Class::Profile, "id") => UriKind::Organisation,
        (Class::AchievementSubject | Class::ClrSubject, "id") => UriKind::Person,
        (_, "id") => match class {
            Class::Criteria | Class::CredentialSchema | Class::CredentialStatus | Class::RefreshService => {
                UriKind::Page
            }
            _ => UriKind::Thing,
        },
        _ => UriKind::Page,
    }
}
