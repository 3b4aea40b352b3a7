//! Mutation operators: each breaks one rule of a generated valid document and declares, exactly, which checks must
//! trip and at which JSON pointer.
//!
//! An operator finds its sites by walking the document over the data-model table (the credential and every
//! embedded credential object, with pointers into the whole document), picks one with the [`Chooser`], changes it,
//! and states the trips. The expected checks come from two hand tables written from the requirements, not from the
//! check code: which check judges the shape of each class ([`shape_check`]) and which checks own the credential's
//! root properties ([`dedicated_check`]).
//!
//! A change must not also break a link the checks follow (a Result naming a ResultDescription by id, an association
//! naming achievements, a nested credential's subject naming the ClrSubject): such a site is skipped, not declared,
//! because the knock-on finding is a second rule — `dangling-reference` breaks those links on purpose. The few
//! knock-ons that are the same mistake seen by a second rule (a null subject id leaves the subject unidentified)
//! are declared where they arise, each with its reason.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::choice::Chooser;
use crate::catalogue::ids;
use crate::checks::classes::ROOT_DEDICATED;
use crate::checks::values::vocabulary;
use crate::datamodel::{CLASSES, Class, Prop, Ty, TypeRule, Vocab, Walk, class_def, each_item};
use crate::detect::{DocKind, detect};

/// One expected finding: a check and the pointer it reports at.
pub type Trip = (String, String);

/// A mutated document with the trips it must produce.
#[derive(Debug, Clone)]
pub struct Mutant {
    pub operator: &'static str,
    pub doc: Value,
    /// What was changed, for failure messages and manifests.
    pub what: String,
    /// The pointer of the changed (or removed) value.
    pub at: String,
    /// The exact set of (check, pointer) findings the checks must report.
    pub trips: BTreeSet<Trip>,
}

impl Mutant {
    /// The checks it must trip.
    pub fn checks(&self) -> BTreeSet<String> {
        self.trips.iter().map(|(c, _)| c.clone()).collect()
    }
}

/// A named mutation operator.
pub struct Operator {
    pub name: &'static str,
    pub summary: &'static str,
    /// The checks it trips, in words (the exact ones depend on the site).
    pub trips: &'static str,
    apply: fn(&Analysis, &mut Chooser) -> Option<Mutant>,
}

impl Operator {
    /// Mutates `doc` at a site chosen by `ch`; `None` when the document has no site for this operator.
    pub fn apply(&self, doc: &Value, ch: &mut Chooser) -> Option<Mutant> {
        let a = Analysis::of(doc);
        (self.apply)(&a, ch)
    }
}

/// Every operator.
pub static OPERATORS: &[Operator] = &[
    Operator {
        name: "remove-required",
        summary: "removes a required property of any class (the credential's own id/issuer/validFrom/credentialSubject/name included)",
        trips: "the class's shape check at the object (OB30-DM-009/010/014/015/025/030/033/035/036/040…, OB30-END-002/003, CLR20-DM-004/005/009), or the root property's own check (OB30-DM-005/006/007/008)",
        apply: remove_required,
    },
    Operator {
        name: "wrong-json-type",
        summary: "gives a property a value of the wrong JSON type (number for a string, string for a boolean/number/object)",
        trips: "the owning class's shape check at the value (the target class's for object values), or the root property's own check",
        apply: wrong_json_type,
    },
    Operator {
        name: "wrong-class-type",
        summary: "replaces an object's type with another class's name",
        trips: "the class's shape check at /…/type",
        apply: wrong_class_type,
    },
    Operator {
        name: "credential-type",
        summary: "drops VerifiableCredential from a credential's type, or misspells its kind (AchievementCredential, ClrCredential)",
        trips: "OB30-DM-004 / OB30-END-001 / CLR20-DM-003 at /type; CLR20-DM-007 too for a nested credential without VerifiableCredential",
        apply: credential_type,
    },
    Operator {
        name: "lexical-date",
        summary: "corrupts a date or date-time: a non-ASCII character inserted or substituted at a position, 64 KiB of junk, no time zone, date only, a lower-case 't', an impossible day",
        trips: "OB30-DM-029 (OB30-DM-007 for validFrom, OB30-DM-022 for validUntil)",
        apply: lexical_date,
    },
    Operator {
        name: "lexical-uri",
        summary: "corrupts a URI: a non-ASCII space at a position, a forbidden character, a relative reference, bad percent-encoding, 64 KiB with a space",
        trips: "OB30-DM-028 (OB30-DM-005 for the credential id, OB30-DM-006 for an issuer URI)",
        apply: lexical_uri,
    },
    Operator {
        name: "lexical-language",
        summary: "corrupts an inLanguage code: a non-ASCII character at a position, underscore for hyphen, upper-case language, 64 KiB",
        trips: "OB30-DM-039",
        apply: lexical_language,
    },
    Operator {
        name: "bad-enum-term",
        summary: "replaces an enumerated value with a wrong-case, unknown, look-alike (Cyrillic) or malformed ext: term",
        trips: "OB30-DM-011; OB30-DM-012 for Result.status; CLR20-DM-009 for associationType",
        apply: bad_enum_term,
    },
    Operator {
        name: "context-order",
        summary: "reorders @context (VC/OB or CLR/OB swapped, extensions.json moved first)",
        trips: "OB30-DM-002 + OB30-DM-003, or CLR20-DM-001 at each misplaced index",
        apply: context_order,
    },
    Operator {
        name: "context-missing-family",
        summary: "drops the OB 3.0 context from @context",
        trips: "OB30-DM-003 at /@context/1, or CLR20-DM-001 at /@context/2",
        apply: context_missing_family,
    },
    Operator {
        name: "null-value",
        summary: "replaces a property value (or one array item) with null",
        trips: "OB30-DM-016",
        apply: null_value,
    },
    Operator {
        name: "empty-array",
        summary: "replaces an optional multi-valued property with []",
        trips: "OB30-DM-026 (+ OB30-DM-023/CLR20-DM-006 when it empties the subject's only identification)",
        apply: empty_array,
    },
    Operator {
        name: "unwrapped-array",
        summary: "writes a one-item multi-valued property (not a compactable one) as its single item",
        trips: "OB30-DM-034",
        apply: unwrapped_array,
    },
    Operator {
        name: "dangling-reference",
        summary: "points a reference (Result.resultDescription/achievedLevel, requiredLevel, an association end) at nothing, or links an association to itself",
        trips: "OB30-DM-013, OB30-DM-043 or CLR20-DM-010 at the reference",
        apply: dangling_reference,
    },
    Operator {
        name: "neutral-iri-unicode",
        summary: "puts non-ASCII letters in the path of an https URI (a valid IRI)",
        trips: "nothing",
        apply: neutral_iri_unicode,
    },
    Operator {
        name: "neutral-long-text",
        summary: "makes a text property 64 KiB long",
        trips: "nothing",
        apply: neutral_long_text,
    },
];

/// The operator named `name`.
pub fn operator(name: &str) -> Option<&'static Operator> {
    OPERATORS.iter().find(|o| o.name == name)
}

/// The check that judges the shape of objects of `class` (classes.rs, clr.rs, endorsement.rs), by requirement.
pub fn shape_check(class: Class) -> &'static str {
    match class {
        Class::AchievementCredential => ids::OB30_DM_037.id,
        Class::EndorsementCredential => ids::OB30_END_002.id,
        Class::ClrCredential => ids::CLR20_DM_004.id,
        Class::AchievementSubject => ids::OB30_DM_009.id,
        Class::EndorsementSubject => ids::OB30_END_003.id,
        Class::ClrSubject => ids::CLR20_DM_005.id,
        Class::Achievement | Class::Criteria => ids::OB30_DM_010.id,
        Class::Alignment => ids::OB30_DM_030.id,
        Class::Related => ids::OB30_DM_035.id,
        Class::ResultDescription | Class::RubricCriterionLevel => ids::OB30_DM_025.id,
        Class::Result => ids::OB30_DM_036.id,
        Class::Evidence => ids::OB30_DM_032.id,
        Class::Image => ids::OB30_DM_015.id,
        Class::IdentityObject => ids::OB30_DM_014.id,
        Class::IdentifierEntry => ids::OB30_DM_040.id,
        Class::Profile | Class::Address | Class::GeoCoordinates => ids::OB30_DM_033.id,
        Class::CredentialSchema => ids::OB30_DM_017.id,
        Class::CredentialStatus => ids::OB30_DM_018.id,
        Class::RefreshService => ids::OB30_DM_027.id,
        Class::TermsOfUse => ids::OB30_DM_041.id,
        Class::Proof => ids::OB30_DM_019.id,
        Class::Association => ids::CLR20_DM_009.id,
    }
}

/// The check of a credential's own root property (the ones `ROOT_DEDICATED` leaves out of the shape checks).
pub fn dedicated_check(kind: DocKind, prop: &str) -> Option<&'static str> {
    Some(match prop {
        "id" => ids::OB30_DM_005.id,
        "issuer" => ids::OB30_DM_006.id,
        "validFrom" => ids::OB30_DM_007.id,
        "validUntil" => ids::OB30_DM_022.id,
        "credentialSubject" => ids::OB30_DM_008.id,
        "type" => type_check(kind),
        _ => return None,
    })
}

/// The credential-type check of a kind.
pub fn type_check(kind: DocKind) -> &'static str {
    match kind {
        DocKind::Achievement => ids::OB30_DM_004.id,
        // OB 2.0 / CLR 1.0 documents are not mutated; their type checks are their kinds' own.
        DocKind::Legacy(_) => ids::OB20_DM_001.id,
        DocKind::Case(_) => ids::CASE_DM_001.id,
        DocKind::Endorsement => ids::OB30_END_001.id,
        DocKind::Clr => ids::CLR20_DM_003.id,
    }
}

// ---- the document over the data model ---------------------------------------------------------------------------

/// A credential object in the document (the root or an embedded one).
#[derive(Debug, Clone)]
struct Cred {
    base: String,
    kind: DocKind,
    /// A CLR's own verifiableCredential entry (CLR20-DM-007 judges its type).
    nested: bool,
}

/// An object of a class, with its credential.
#[derive(Debug, Clone)]
struct Node {
    cred: usize,
    class: Class,
    ptr: String,
}

/// A property value of an object (each array item separately in `items`).
#[derive(Debug, Clone)]
struct Site {
    cred: usize,
    owner: Class,
    prop: &'static Prop,
    node: String,
    ptr: String,
    /// The pointers of the value's items: itself, or each array element.
    items: Vec<String>,
}

/// A value some check compares with another (an id and the references to it).
#[derive(Debug, Clone)]
struct Link {
    value: String,
    ptr: String,
    /// It names something else (true) or is named (false).
    referrer: bool,
}

/// The document mapped onto the data model, with pointers into the whole document.
pub struct Analysis {
    doc: Value,
    creds: Vec<Cred>,
    nodes: Vec<Node>,
    sites: Vec<Site>,
    links: Vec<Link>,
}

/// The references the checks follow: Result → ResultDescription / level, requiredLevel → level, association ends.
const REFERRERS: &[(Class, &str)] = &[
    (Class::Result, "resultDescription"),
    (Class::Result, "achievedLevel"),
    (Class::ResultDescription, "requiredLevel"),
    (Class::Association, "sourceId"),
    (Class::Association, "targetId"),
];

/// What they refer to, and the identity the CLR compares nested subjects with (CLR20-DM-011).
const TARGETS: &[(Class, &str)] = &[
    (Class::Achievement, "id"),
    (Class::ResultDescription, "id"),
    (Class::RubricCriterionLevel, "id"),
    (Class::AchievementSubject, "id"),
    (Class::ClrSubject, "id"),
    (Class::IdentityObject, "identityHash"),
];

impl Analysis {
    pub fn of(doc: &Value) -> Analysis {
        let mut a = Analysis {
            doc: doc.clone(),
            creds: Vec::new(),
            nodes: Vec::new(),
            sites: Vec::new(),
            links: Vec::new(),
        };
        let Some(kind) = detect(doc).kind else { return a };
        let mut queue = vec![(String::new(), kind, false)];
        while let Some((base, kind, nested)) = queue.pop() {
            let Some(value) = doc.pointer(&base) else { continue };
            let cred = a.creds.len();
            a.creds.push(Cred {
                base: base.clone(),
                kind,
                nested,
            });
            let Some(class) = kind.class() else { continue };
            let walk = Walk::new(value, class);
            for n in &walk.nodes {
                a.nodes.push(Node {
                    cred,
                    class: n.class,
                    ptr: format!("{base}{}", n.ptr.as_str()),
                });
            }
            for f in &walk.fields {
                let ptr = format!("{base}{}", f.ptr.as_str());
                let mut items = Vec::new();
                each_item(f.value, &f.ptr, |p, _| items.push(format!("{base}{}", p.as_str())));
                let node = ptr.rsplit_once('/').map(|(n, _)| n.to_string()).unwrap_or_default();
                let referrer = REFERRERS.contains(&(f.owner, f.prop.name));
                if referrer || TARGETS.contains(&(f.owner, f.prop.name)) {
                    each_item(f.value, &f.ptr, |p, v| {
                        if let Some(s) = v.as_str() {
                            a.links.push(Link {
                                value: s.to_string(),
                                ptr: format!("{base}{}", p.as_str()),
                                referrer,
                            });
                        }
                    });
                }
                a.sites.push(Site {
                    cred,
                    owner: f.owner,
                    prop: f.prop,
                    node,
                    ptr,
                    items,
                });
            }
            for e in walk.embedded.iter().filter(|e| e.value.is_object()) {
                let nested = e.via == "verifiableCredential";
                let kind = if nested {
                    DocKind::Achievement
                } else {
                    DocKind::Endorsement
                };
                queue.push((format!("{base}{}", e.ptr.as_str()), kind, nested));
            }
        }
        a
    }

    /// Whether changing the value at `at` breaks a link to something outside it. `in_place`: the value is edited
    /// (a reference edited no longer matches); otherwise it is removed or retyped (only what it names matters: a
    /// removed reference is just absent).
    fn breaks_links(&self, at: &str, in_place: bool) -> bool {
        let inside = |p: &str| p == at || p.starts_with(&format!("{at}/"));
        self.links
            .iter()
            .filter(|l| inside(&l.ptr) && (in_place || !l.referrer))
            .any(|l| self.links.iter().any(|o| o.value == l.value && !inside(&o.ptr)))
    }

    fn cred_of(&self, site: &Site) -> &Cred {
        &self.creds[site.cred]
    }

    /// The site is a credential's own root property.
    fn is_root(&self, site: &Site) -> bool {
        site.node == self.cred_of(site).base
    }

    fn is_dedicated(&self, site: &Site) -> bool {
        self.is_root(site) && ROOT_DEDICATED.contains(&site.prop.name)
    }

    /// The class whose shape check judges a non-root property of `site`'s owner (the credential class at a root).
    fn owner_check(&self, site: &Site) -> &'static str {
        shape_check(site.owner)
    }

    fn value(&self, ptr: &str) -> Option<&Value> {
        self.doc.pointer(ptr)
    }

    fn mutant(&self, operator: &'static str, what: String, trips: Vec<(&str, String)>) -> MutantBuilder {
        MutantBuilder {
            m: Mutant {
                operator,
                doc: self.doc.clone(),
                what,
                at: String::new(),
                trips: trips.into_iter().map(|(c, p)| (c.to_string(), p)).collect(),
            },
        }
    }
}

struct MutantBuilder {
    m: Mutant,
}

impl MutantBuilder {
    fn set(mut self, ptr: &str, v: Value) -> Option<Mutant> {
        *self.m.doc.pointer_mut(ptr)? = v;
        self.m.at = ptr.to_string();
        Some(self.m)
    }

    fn remove(mut self, node: &str, key: &str) -> Option<Mutant> {
        self.m.doc.pointer_mut(node)?.as_object_mut()?.remove(key)?;
        self.m.at = format!("{node}/{}", key.replace('~', "~0").replace('/', "~1"));
        Some(self.m)
    }
}

/// The parent pointer and last key of `ptr`.
fn split(ptr: &str) -> (&str, String) {
    match ptr.rsplit_once('/') {
        Some((parent, key)) => (parent, key.replace("~1", "/").replace("~0", "~")),
        None => ("", String::new()),
    }
}

/// Picks one of `items` (`None` when empty).
fn choose<T: Clone>(ch: &mut Chooser, items: &[T]) -> Option<T> {
    if items.is_empty() {
        None
    } else {
        Some(ch.pick(items).clone())
    }
}

// ---- knock-ons: the same mistake seen by a second rule ----------------------------------------------------------

/// Findings a non-string (or removed) value at `site` adds beyond its own: a Status-linked Result without a usable
/// status (OB30-DM-012 wants one), a CFItem alignment whose targetCode is gone while its targetUrl ends with the item
/// UUID (OB30-DM-031 asks for it).
fn knock_ons(a: &Analysis, site: &Site) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let node = a.value(&site.node);
    match (site.owner, site.prop.name) {
        (Class::Result, "status") => {
            let linked = node.and_then(|n| n.get("resultDescription")).and_then(Value::as_str);
            let cred = a.cred_of(site);
            let rds = a
                .value(&format!(
                    "{}/credentialSubject/achievement/resultDescription",
                    cred.base
                ))
                .and_then(Value::as_array);
            let status_rd = rds.is_some_and(|rds| {
                rds.iter().any(|rd| {
                    linked.is_some()
                        && rd.get("id").and_then(Value::as_str) == linked
                        && rd.get("resultType").and_then(Value::as_str) == Some("Status")
                })
            });
            if status_rd && cred.kind == DocKind::Achievement {
                out.push((ids::OB30_DM_012.id, site.node.clone()));
            }
        }
        (Class::Alignment, "targetCode") => {
            let cfitem = node.and_then(|n| n.get("targetType")).and_then(Value::as_str) == Some("CFItem");
            let url_uuid = node
                .and_then(|n| n.get("targetUrl"))
                .and_then(Value::as_str)
                .and_then(|u| u.trim_end_matches('/').rsplit('/').next())
                .is_some_and(crate::checks::references::is_uuid);
            if cfitem && url_uuid {
                out.push((ids::OB30_DM_031.id, site.node.clone()));
            }
        }
        _ => {}
    }
    out
}

/// OB30-DM-023 / CLR20-DM-006 when the subject's id (or its identifier list) stops identifying it and nothing else
/// does: the subject is then unidentified, which is that rule's finding, not only a null or empty array.
fn unidentified(a: &Analysis, site: &Site, other: &str) -> Vec<(&'static str, String)> {
    let check = match site.owner {
        Class::AchievementSubject => ids::OB30_DM_023.id,
        Class::ClrSubject => ids::CLR20_DM_006.id,
        _ => return Vec::new(),
    };
    let has_other = a.value(&site.node).and_then(|n| n.get(other)).is_some_and(|v| match v {
        Value::Array(items) => !items.is_empty(),
        Value::Null => false,
        _ => true,
    });
    if has_other {
        Vec::new()
    } else {
        vec![(check, site.node.clone())]
    }
}

// ---- operators ----------------------------------------------------------------------------------------------------

fn remove_required(a: &Analysis, ch: &mut Chooser) -> Option<Mutant> {
    let sites: Vec<&Site> = a
        .sites
        .iter()
        .filter(|s| s.prop.card.required())
        .filter(|s| !(a.is_root(s) && matches!(s.prop.name, "@context" | "type")))
        // Criteria's type rule is None; every other `type` removal is "X has no type".
        .filter(|s| !a.breaks_links(&s.ptr, false))
        .collect();
    let site = choose(ch, &sites)?;
    let check = if a.is_dedicated(site) {
        dedicated_check(a.cred_of(site).kind, site.prop.name)?
    } else {
        a.owner_check(site)
    };
    let mut trips = vec![(check, site.node.clone())];
    trips.extend(knock_ons(a, site));
    let what = format!(
        "removed {} from {} at {}",
        site.prop.name,
        class_def(site.owner).name,
        show(&site.node)
    );
    a.mutant("remove-required", what, trips)
        .remove(&site.node, site.prop.name)
}

/// A value of the wrong JSON type for `ty`.
fn wrong_value(ty: Ty) -> Value {
    match ty {
        Ty::Bool => json!("true"),
        Ty::Number => json!("12"),
        Ty::Object(_) => json!("https://example.org/not-an-object"),
        _ => json!(42),
    }
}

fn wrong_json_type(a: &Analysis, ch: &mut Chooser) -> Option<Mutant> {
    let mut targets = Vec::new();
    for s in &a.sites {
        let eligible = match s.prop.ty {
            Ty::Embedded | Ty::Jws | Ty::Any => false,
            Ty::TypeSet => !a.is_root(s),
            _ => true,
        };
        if !eligible {
            continue;
        }
        for item in &s.items {
            if !a.breaks_links(item, false) {
                targets.push((s, item.clone()));
            }
        }
    }
    let (site, item) = choose(ch, &targets)?;
    let value = wrong_value(site.prop.ty);
    let (check, at) = if a.is_dedicated(site) {
        (dedicated_check(a.cred_of(site).kind, site.prop.name)?, item.clone())
    } else {
        match site.prop.ty {
            Ty::Object(target) => (shape_check(target), item.clone()),
            Ty::TypeSet => (a.owner_check(site), site.ptr.clone()),
            _ => (a.owner_check(site), item.clone()),
        }
    };
    let mut trips = vec![(check, at)];
    trips.extend(knock_ons(a, site));
    let what = format!("{} at {} set to {value}", site.prop.name, show(&item));
    a.mutant("wrong-json-type", what, trips).set(&item, value)
}

/// Class names with a fixed type term, to substitute for one another.
fn type_terms() -> Vec<&'static str> {
    CLASSES
        .iter()
        .filter_map(|d| match d.type_rule {
            TypeRule::Contains(t) | TypeRule::Exactly(t) => Some(t),
            _ => None,
        })
        .filter(|t| !t.ends_with("Credential"))
        .collect()
}

fn wrong_class_type(a: &Analysis, ch: &mut Chooser) -> Option<Mutant> {
    let nodes: Vec<&Node> = a
        .nodes
        .iter()
        .filter(|n| n.ptr != a.creds[n.cred].base)
        .filter(|n| {
            matches!(
                class_def(n.class).type_rule,
                TypeRule::Contains(_) | TypeRule::Exactly(_)
            )
        })
        .filter(|n| a.value(&format!("{}/type", n.ptr)).is_some())
        .collect();
    let node = choose(ch, &nodes)?;
    let own = match class_def(node.class).type_rule {
        TypeRule::Contains(t) | TypeRule::Exactly(t) => t,
        _ => return None,
    };
    let others: Vec<&str> = type_terms().into_iter().filter(|t| *t != own).collect();
    let other = *ch.pick(&others);
    let ptr = format!("{}/type", node.ptr);
    let value = match a.value(&ptr) {
        Some(Value::Array(_)) => json!([other]),
        _ => json!(other),
    };
    let what = format!(
        "type of the {} at {} set to {value}",
        class_def(node.class).name,
        show(&node.ptr)
    );
    a.mutant("wrong-class-type", what, vec![(shape_check(node.class), ptr.clone())])
        .set(&ptr, value)
}

fn credential_type(a: &Analysis, ch: &mut Chooser) -> Option<Mutant> {
    let cred = choose(ch, &a.creds)?;
    let ptr = format!("{}/type", cred.base);
    let types: Vec<String> = a
        .value(&ptr)?
        .as_array()?
        .iter()
        .filter_map(|t| t.as_str().map(String::from))
        .collect();
    let misspell = ch.flag(50) && cred.kind != DocKind::Endorsement;
    let (value, what, mut trips) = if misspell {
        // Without its kind's type the credential is still recognised by its shape (a subject with an achievement,
        // or with verifiableCredential), so the type check reports the cause.
        let value: Vec<Value> = types
            .iter()
            .map(|t| match t.as_str() {
                "VerifiableCredential" => json!(t),
                other => json!(format!("{}s", other.trim_end_matches("Credential"))),
            })
            .collect();
        (
            Value::Array(value),
            "kind type misspelt",
            vec![(type_check(cred.kind), ptr.clone())],
        )
    } else {
        let value: Vec<Value> = types
            .iter()
            .filter(|t| *t != "VerifiableCredential")
            .map(|t| json!(t))
            .collect();
        let mut trips = vec![(type_check(cred.kind), ptr.clone())];
        if cred.nested {
            trips.push((ids::CLR20_DM_007.id, cred.base.clone()));
        }
        (Value::Array(value), "VerifiableCredential dropped", trips)
    };
    trips.sort();
    let what = format!("{what} at {}", show(&ptr));
    a.mutant("credential-type", what, trips).set(&ptr, value)
}

/// Non-ASCII characters for insertion: a letter, an astral-plane letter, a zero-width space, a no-break space and an
/// Arabic-Indic digit (a "digit" that is not an ASCII one).
const NON_ASCII: &[char] = &['é', '\u{10348}', '\u{200b}', '\u{a0}', '\u{663}'];
/// Non-ASCII white space: not allowed anywhere in a URI (an IRI allows other non-ASCII characters).
const NON_ASCII_SPACE: &[char] = &['\u{a0}', '\u{2003}', '\u{3000}'];
/// 64 KiB.
const LONG: usize = 64 * 1024;

/// `s` with `c` inserted before character `pos` (at the end when `pos` is the length).
pub fn insert_at(s: &str, pos: usize, c: char) -> String {
    let byte = s.char_indices().nth(pos).map(|(i, _)| i).unwrap_or(s.len());
    format!("{}{c}{}", &s[..byte], &s[byte..])
}

/// `s` with character `pos` replaced by `c`.
pub fn replace_at(s: &str, pos: usize, c: char) -> String {
    s.chars()
        .enumerate()
        .map(|(i, x)| if i == pos { c } else { x })
        .collect()
}

/// The lexical kinds of value the `lexical-*` operators corrupt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lexical {
    DateTime,
    Date,
    Uri,
    Language,
}

/// Sites of a lexical kind: string items, not linked, with the check and pointer a corruption trips.
fn lexical_sites(a: &Analysis, kind: Lexical) -> Vec<(String, String, &'static str)> {
    let mut out = Vec::new();
    for s in &a.sites {
        let matches = match kind {
            Lexical::DateTime => matches!(s.prop.ty, Ty::DateTime | Ty::DateTimeZ),
            Lexical::Date => s.prop.ty == Ty::Date,
            Lexical::Uri => s.prop.ty == Ty::Uri || (s.prop.ty == Ty::ProfileRef && a.is_root(s)),
            Lexical::Language => s.prop.ty == Ty::Lang,
        };
        if !matches {
            continue;
        }
        let check = if a.is_dedicated(s) {
            match dedicated_check(a.cred_of(s).kind, s.prop.name) {
                Some(c) => c,
                None => continue,
            }
        } else {
            match kind {
                Lexical::DateTime | Lexical::Date => ids::OB30_DM_029.id,
                Lexical::Uri => ids::OB30_DM_028.id,
                Lexical::Language => ids::OB30_DM_039.id,
            }
        };
        for item in &s.items {
            if let Some(Value::String(v)) = a.value(item)
                && !a.breaks_links(item, true)
            {
                out.push((item.clone(), v.clone(), check));
            }
        }
    }
    out
}

/// Every mutant of one site of `kind` with a non-ASCII character inserted at each position (URI: a non-ASCII space,
/// since an IRI allows other non-ASCII characters): none of them is valid, and none may panic a check.
pub fn every_position(doc: &Value, kind: Lexical, ch: &mut Chooser) -> Vec<Mutant> {
    let a = Analysis::of(doc);
    let Some((ptr, value, check)) = choose(ch, &lexical_sites(&a, kind)) else {
        return Vec::new();
    };
    let chars = if kind == Lexical::Uri {
        NON_ASCII_SPACE
    } else {
        NON_ASCII
    };
    let c = *ch.pick(chars);
    (0..=value.chars().count())
        .filter_map(|pos| {
            let new = insert_at(&value, pos, c);
            let what = format!("{c:?} inserted at character {pos} of {} ({value:?})", show(&ptr));
            a.mutant("every-position", what, vec![(check, ptr.clone())])
                .set(&ptr, json!(new))
        })
        .collect()
}

fn lexical(a: &Analysis, ch: &mut Chooser, kind: Lexical, name: &'static str) -> Option<Mutant> {
    let (ptr, value, check) = choose(ch, &lexical_sites(a, kind))?;
    let n = value.chars().count();
    let variants = match kind {
        Lexical::Uri | Lexical::DateTime => 6,
        _ => 5,
    };
    let (new, how) = match (kind, ch.below(variants)) {
        (Lexical::Uri, 0) => {
            let c = *ch.pick(NON_ASCII_SPACE);
            let pos = ch.below(n + 1);
            (insert_at(&value, pos, c), format!("{c:?} inserted at character {pos}"))
        }
        (Lexical::Uri, 1) => {
            let c = *ch.pick(&['<', '>', '"', '{', '}', '|', '\\', '^', '`']);
            let pos = ch.below(n + 1);
            (insert_at(&value, pos, c), format!("{c:?} inserted at character {pos}"))
        }
        (Lexical::Uri, 2) => ("relative/reference".to_string(), "made relative".into()),
        // RFC 3986 (and 3987 for IRIs): `%` is followed by two hex digits.
        (Lexical::Uri, 3) => (
            format!("{value}{}", ch.pick(&["%zz", "%", "%4"])),
            "bad percent-encoding appended".into(),
        ),
        (Lexical::Uri, _) => (
            format!("{value}/{} {}", "a".repeat(LONG), "b"),
            "64 KiB appended, with a space".into(),
        ),
        (_, 0) => {
            let c = *ch.pick(NON_ASCII);
            let pos = ch.below(n + 1);
            (insert_at(&value, pos, c), format!("{c:?} inserted at character {pos}"))
        }
        (_, 1) if n > 0 => {
            let c = *ch.pick(NON_ASCII);
            let pos = ch.below(n);
            (replace_at(&value, pos, c), format!("character {pos} replaced by {c:?}"))
        }
        (_, 2) => (
            format!("{}{value}", "9".repeat(LONG)),
            "64 KiB of digits prepended".into(),
        ),
        (Lexical::DateTime, 3) if value.len() > 10 => (value[..10].to_string(), "cut to the date".into()),
        // RFC 3339 allows it; VCDM's XSD dateTimeStamp does not.
        (Lexical::DateTime, 5) if value.get(10..11) == Some("T") => {
            (format!("{}t{}", &value[..10], &value[11..]), "lower-case 't'".into())
        }
        (Lexical::DateTime, _) => {
            // `…:ss[.fff]` followed by Z or ±hh:mm → `…:ss[.fff]`.
            let no_zone = value.get(..19).map(|head| {
                let frac: String = value[19..]
                    .strip_prefix('.')
                    .map(|f| format!(".{}", f.chars().take_while(char::is_ascii_digit).collect::<String>()))
                    .unwrap_or_default();
                format!("{head}{frac}")
            });
            (
                no_zone.unwrap_or_else(|| "2024-05-01T00:00:00".into()),
                "time zone dropped".into(),
            )
        }
        (Lexical::Date, _) => ("2023-02-29".to_string(), "an impossible day".into()),
        (Lexical::Language, 3) => match value.split_once('-') {
            Some((l, r)) => (format!("{l}_{r}"), "underscore for hyphen".into()),
            None => (value.to_ascii_uppercase(), "upper-case language".into()),
        },
        (Lexical::Language, _) => ("english".to_string(), "a language name".into()),
    };
    let what = format!("{} at {}: {how}", short(&value), show(&ptr));
    a.mutant(name, what, vec![(check, ptr.clone())]).set(&ptr, json!(new))
}

fn lexical_date(a: &Analysis, ch: &mut Chooser) -> Option<Mutant> {
    let kind = if ch.flag(30) && !lexical_sites(a, Lexical::Date).is_empty() {
        Lexical::Date
    } else {
        Lexical::DateTime
    };
    lexical(a, ch, kind, "lexical-date")
}

fn lexical_uri(a: &Analysis, ch: &mut Chooser) -> Option<Mutant> {
    lexical(a, ch, Lexical::Uri, "lexical-uri")
}

fn lexical_language(a: &Analysis, ch: &mut Chooser) -> Option<Mutant> {
    lexical(a, ch, Lexical::Language, "lexical-language")
}

/// Whether `term` is acceptable in `vocab` (a term, or an allowed extension).
fn acceptable(vocab: Vocab, term: &str) -> bool {
    let (terms, extensible, _) = vocabulary(vocab);
    terms.contains(&term) || (extensible && crate::vocab::is_extension_term(term))
}

fn bad_enum_term(a: &Analysis, ch: &mut Chooser) -> Option<Mutant> {
    let mut targets = Vec::new();
    for s in &a.sites {
        let Ty::Enum(v) = s.prop.ty else { continue };
        for item in &s.items {
            if let Some(Value::String(t)) = a.value(item) {
                targets.push((s, v, item.clone(), t.clone()));
            }
        }
    }
    let (site, vocab, ptr, term) = choose(ch, &targets)?;
    let (_, extensible, _) = vocabulary(vocab);
    let mut candidates = vec![
        // Wrong case: terms are case-sensitive.
        term.chars()
            .enumerate()
            .map(|(i, c)| {
                if i == 0 {
                    if c.is_ascii_uppercase() {
                        c.to_ascii_lowercase()
                    } else {
                        c.to_ascii_uppercase()
                    }
                } else {
                    c
                }
            })
            .collect::<String>(),
        "NotATerm".to_string(),
        // A Cyrillic 'о' / 'а' / 'е' for the Latin letter: looks the same, is another term.
        term.replacen('o', "\u{43e}", 1)
            .replacen('a', "\u{430}", 1)
            .replacen('e', "\u{435}", 1),
        "ext:has space".to_string(),
        "ext:".to_string(),
    ];
    if !extensible {
        candidates.push(format!("ext:{term}"));
    }
    candidates.retain(|c| !acceptable(vocab, c));
    let new = choose(ch, &candidates)?;
    let (check, at) = match vocab {
        Vocab::ResultStatusType => (ids::OB30_DM_012.id, ptr.clone()),
        Vocab::AssociationType => (ids::CLR20_DM_009.id, ptr.clone()),
        _ => (ids::OB30_DM_011.id, ptr.clone()),
    };
    // Result.status is judged on AchievementCredentials only (OB30-DM-012 applies to them).
    if vocab == Vocab::ResultStatusType && a.cred_of(site).kind != DocKind::Achievement {
        return None;
    }
    let what = format!("{} {term:?} at {} replaced by {new:?}", site.prop.name, show(&ptr));
    a.mutant("bad-enum-term", what, vec![(check, at)]).set(&ptr, json!(new))
}

/// The @context array of a credential and its family's pointer.
fn contexts(a: &Analysis, cred: &Cred) -> Option<Vec<Value>> {
    a.value(&format!("{}/@context", cred.base))?.as_array().cloned()
}

fn context_order(a: &Analysis, ch: &mut Chooser) -> Option<Mutant> {
    let cred = choose(ch, &a.creds)?;
    let mut ctx = contexts(a, &cred)?;
    let at = |i: usize| format!("{}/@context/{i}", cred.base);
    let has_ext = ctx.len() > if cred.kind == DocKind::Clr { 3 } else { 2 };
    let variant = ch.below(if has_ext { 3 } else { 2 });
    let (how, wrong): (&str, Vec<usize>) = match (cred.kind, variant) {
        (DocKind::Clr, 0) => {
            ctx.swap(0, 1);
            ("VC and CLR contexts swapped", vec![0, 1])
        }
        (DocKind::Clr, 1) => {
            ctx.swap(1, 2);
            ("CLR and OB contexts swapped", vec![1, 2])
        }
        (DocKind::Clr, _) => {
            let ext = ctx.pop()?;
            ctx.insert(0, ext);
            ("extensions.json moved first", vec![0, 1, 2])
        }
        (_, 2) => {
            let ext = ctx.pop()?;
            ctx.insert(0, ext);
            ("extensions.json moved first", vec![0, 1])
        }
        _ => {
            ctx.swap(0, 1);
            ("VC and OB contexts swapped", vec![0, 1])
        }
    };
    let trips: Vec<(&str, String)> = if cred.kind == DocKind::Clr {
        wrong.iter().map(|i| (ids::CLR20_DM_001.id, at(*i))).collect()
    } else {
        vec![(ids::OB30_DM_002.id, at(0)), (ids::OB30_DM_003.id, at(1))]
    };
    let what = format!("{how} in {}", show(&format!("{}/@context", cred.base)));
    a.mutant("context-order", what, trips)
        .set(&format!("{}/@context", cred.base), Value::Array(ctx))
}

fn context_missing_family(a: &Analysis, ch: &mut Chooser) -> Option<Mutant> {
    let cred = choose(ch, &a.creds)?;
    let mut ctx = contexts(a, &cred)?;
    ctx.retain(|c| !c.as_str().is_some_and(crate::vocab::is_ob_context));
    let trip = if cred.kind == DocKind::Clr {
        (ids::CLR20_DM_001.id, format!("{}/@context/2", cred.base))
    } else {
        (ids::OB30_DM_003.id, format!("{}/@context/1", cred.base))
    };
    let what = format!(
        "OB 3.0 context dropped from {}",
        show(&format!("{}/@context", cred.base))
    );
    a.mutant("context-missing-family", what, vec![trip])
        .set(&format!("{}/@context", cred.base), Value::Array(ctx))
}

fn null_value(a: &Analysis, ch: &mut Chooser) -> Option<Mutant> {
    let mut targets = Vec::new();
    for s in &a.sites {
        if matches!(s.prop.ty, Ty::Any | Ty::Embedded | Ty::Jws)
            || a.is_dedicated(s)
            || (a.is_root(s) && s.prop.name == "type")
        {
            continue;
        }
        for item in &s.items {
            if !a.breaks_links(item, false) {
                targets.push((s, item.clone()));
            }
        }
    }
    let (site, item) = choose(ch, &targets)?;
    let mut trips = vec![(ids::OB30_DM_016.id, item.clone())];
    trips.extend(knock_ons(a, site));
    if item == site.ptr {
        match (site.owner, site.prop.name) {
            // OB30-DM-024: criteria with a null id and no narrative (or the reverse) say nothing.
            (Class::Criteria, "narrative") | (Class::Criteria, "id") => {
                let other = if site.prop.name == "id" { "narrative" } else { "id" };
                if a.value(&format!("{}/{other}", site.node)).is_none() {
                    trips.push((ids::OB30_DM_024.id, site.node.clone()));
                }
            }
            (_, "id") => trips.extend(unidentified(a, site, "identifier")),
            _ => {}
        }
    }
    let what = format!("{} at {} set to null", site.prop.name, show(&item));
    a.mutant("null-value", what, trips).set(&item, Value::Null)
}

fn empty_array(a: &Analysis, ch: &mut Chooser) -> Option<Mutant> {
    let sites: Vec<&Site> = a
        .sites
        .iter()
        .filter(|s| s.prop.card.multi() && !s.prop.card.required() && s.prop.ty != Ty::Any)
        .filter(|s| !a.breaks_links(&s.ptr, false))
        .collect();
    let site = choose(ch, &sites)?;
    let mut trips = vec![(ids::OB30_DM_026.id, site.ptr.clone())];
    if site.prop.name == "identifier" {
        trips.extend(unidentified(a, site, "id"));
    }
    let what = format!("{} at {} emptied", site.prop.name, show(&site.ptr));
    a.mutant("empty-array", what, trips).set(&site.ptr, json!([]))
}

fn unwrapped_array(a: &Analysis, ch: &mut Chooser) -> Option<Mutant> {
    let sites: Vec<&Site> = a
        .sites
        .iter()
        .filter(|s| s.prop.card.multi() && !s.prop.compactable && s.prop.ty != Ty::Any)
        .filter(|s| a.value(&s.ptr).and_then(Value::as_array).is_some_and(|v| v.len() == 1))
        .filter(|s| !a.breaks_links(&s.ptr, false))
        .collect();
    let site = choose(ch, &sites)?;
    let item = a.value(&site.ptr)?.as_array()?.first()?.clone();
    let what = format!("{} at {} written as its single item", site.prop.name, show(&site.ptr));
    a.mutant("unwrapped-array", what, vec![(ids::OB30_DM_034.id, site.ptr.clone())])
        .set(&site.ptr, item)
}

fn dangling_reference(a: &Analysis, ch: &mut Chooser) -> Option<Mutant> {
    let refs: Vec<&Link> = a.links.iter().filter(|l| l.referrer).collect();
    let link = choose(ch, &refs)?;
    let (node, key) = split(&link.ptr);
    let node = node.to_string();
    let self_link = key == "targetId" && ch.flag(30);
    if self_link {
        let source = a.value(&format!("{node}/sourceId"))?.clone();
        let what = format!("association at {} linked to itself", show(&node));
        return a
            .mutant("dangling-reference", what, vec![(ids::CLR20_DM_010.id, node.clone())])
            .set(&link.ptr, source);
    }
    let check = match key.as_str() {
        "requiredLevel" => ids::OB30_DM_043.id,
        "sourceId" | "targetId" => ids::CLR20_DM_010.id,
        _ => ids::OB30_DM_013.id,
    };
    let new = format!("https://example.org/nothing-here/{}", ch.below(1000));
    let what = format!("{key} at {} pointed at {new}", show(&link.ptr));
    a.mutant("dangling-reference", what, vec![(check, link.ptr.clone())])
        .set(&link.ptr, json!(new))
}

fn neutral_iri_unicode(a: &Analysis, ch: &mut Chooser) -> Option<Mutant> {
    let sites: Vec<(String, String, &'static str)> = lexical_sites(a, Lexical::Uri)
        .into_iter()
        .filter(|(_, v, _)| v.starts_with("https://") && v[8..].contains('/'))
        .collect();
    let (ptr, value, _) = choose(ch, &sites)?;
    let word = *ch.pick(&["über", "日本", "ñandú", "καλά"]);
    let new = format!("{}/{word}", value.trim_end_matches('/'));
    // A fragment stays last: put the new segment before it.
    let new = match value.split_once('#') {
        Some((head, frag)) => format!("{}/{word}#{frag}", head.trim_end_matches('/')),
        None => new,
    };
    let what = format!("{value:?} at {} became {new:?}", show(&ptr));
    a.mutant("neutral-iri-unicode", what, vec![]).set(&ptr, json!(new))
}

fn neutral_long_text(a: &Analysis, ch: &mut Chooser) -> Option<Mutant> {
    let mut targets = Vec::new();
    for s in a.sites.iter().filter(|s| s.prop.ty == Ty::Str) {
        for item in &s.items {
            // Texts with a form of their own stay as they are: a hash, a proof's members, a CFItem's UUID.
            if a.value(item).is_some_and(Value::is_string)
                && !matches!(
                    s.prop.name,
                    "identityHash" | "proofValue" | "proofPurpose" | "cryptosuite" | "targetCode"
                )
            {
                targets.push(item.clone());
            }
        }
    }
    let ptr = choose(ch, &targets)?;
    let value = a.value(&ptr)?.as_str()?.to_string();
    let new = format!("{value} {}", "lorem ipsum ".repeat(LONG / 12));
    let what = format!("text at {} made 64 KiB long", show(&ptr));
    a.mutant("neutral-long-text", what, vec![]).set(&ptr, json!(new))
}

/// A pointer as printed (the root is `/`).
fn show(ptr: &str) -> String {
    if ptr.is_empty() { "/".into() } else { ptr.to_string() }
}

/// A value cut for messages.
fn short(v: &str) -> String {
    if v.chars().count() <= 60 {
        format!("{v:?}")
    } else {
        format!("{:?}…", v.chars().take(60).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_names_are_unique_and_checks_exist() {
        let mut names = BTreeSet::new();
        for op in OPERATORS {
            assert!(names.insert(op.name), "duplicate operator {}", op.name);
        }
        for def in CLASSES {
            assert!(crate::catalogue::get(shape_check(def.class)).is_some(), "{}", def.name);
        }
        for kind in [DocKind::Achievement, DocKind::Endorsement, DocKind::Clr] {
            for p in ROOT_DEDICATED {
                if let Some(c) = dedicated_check(kind, p) {
                    assert!(crate::catalogue::get(c).is_some(), "{c}");
                }
            }
        }
    }

    #[test]
    fn insertion_and_replacement_work_on_characters() {
        assert_eq!(insert_at("aé", 1, 'x'), "axé");
        assert_eq!(insert_at("aé", 2, 'x'), "aéx");
        assert_eq!(replace_at("aéb", 1, 'x'), "axb");
    }
}
