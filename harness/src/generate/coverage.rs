//! What a run of the generator produced: how often each optional property of the data model, each vocabulary
//! term and each notable form (issuer as a URI, compacted single values, language maps …) appeared, and which
//! never did, so a reader can see what "passed 64 cases" actually exercised.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::checks::values::vocabulary;
use crate::datamodel::{CLASSES, Ty, Vocab};

/// Optional properties the generator deliberately never produces, with the reason (printed with the coverage): a
/// property name (any class) or `Class.property`.
pub const NOT_GENERATED: &[(&str, &str)] = &[
    (
        "issuanceDate",
        "VCDM 1.1 name; generated documents are VCDM 2.0 (validFrom)",
    ),
    (
        "expirationDate",
        "VCDM 1.1 name; generated documents are VCDM 2.0 (validUntil)",
    ),
    (
        "EndorsementCredential.endorsement",
        "endorsements are embedded one level deep, so documents stay bounded",
    ),
    (
        "EndorsementCredential.endorsementJwt",
        "endorsements are embedded one level deep, so documents stay bounded",
    ),
];

/// Counts of what the generator produced.
#[derive(Debug, Default, Clone)]
pub struct Coverage {
    /// `Class.property` → occurrences of the optional property.
    pub props: BTreeMap<String, u64>,
    /// `Vocab:term` → occurrences.
    pub terms: BTreeMap<String, u64>,
    /// Notable forms → occurrences.
    pub forms: BTreeMap<String, u64>,
    /// Documents counted.
    pub documents: u64,
}

impl Coverage {
    pub fn prop(&mut self, class: &str, prop: &str) {
        *self.props.entry(format!("{class}.{prop}")).or_default() += 1;
    }

    pub fn term(&mut self, vocab: Vocab, term: &str) {
        let (_, _, name) = vocabulary(vocab);
        // Extension terms are counted together: each is new, what matters is that some were produced.
        let term = if term.starts_with("ext:") { "ext:…" } else { term };
        *self.terms.entry(format!("{name}:{term}")).or_default() += 1;
    }

    pub fn form(&mut self, what: &str) {
        *self.forms.entry(what.to_string()).or_default() += 1;
    }

    pub fn merge(&mut self, other: &Coverage) {
        for (k, v) in &other.props {
            *self.props.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &other.terms {
            *self.terms.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &other.forms {
            *self.forms.entry(k.clone()).or_default() += v;
        }
        self.documents += other.documents;
    }

    /// Every optional property of the table and every vocabulary term, for the "never produced" list.
    pub fn universe() -> (Vec<String>, Vec<String>) {
        let mut props = Vec::new();
        let mut vocabs = Vec::new();
        for def in CLASSES {
            for p in def.props.iter().filter(|p| !p.card.required()) {
                props.push(format!("{}.{}", def.name, p.name));
                if let Ty::Enum(v) = p.ty
                    && !vocabs.contains(&v)
                {
                    vocabs.push(v);
                }
            }
            for p in def.props.iter().filter(|p| p.card.required()) {
                if let Ty::Enum(v) = p.ty
                    && !vocabs.contains(&v)
                {
                    vocabs.push(v);
                }
            }
        }
        let mut terms = Vec::new();
        for v in vocabs {
            let (list, extensible, name) = vocabulary(v);
            terms.extend(list.iter().map(|t| format!("{name}:{t}")));
            if extensible {
                terms.push(format!("{name}:ext:…"));
            }
        }
        (props, terms)
    }

    /// Optional properties and terms of the model that never appeared (less the deliberate exclusions).
    pub fn missing(&self) -> (Vec<String>, Vec<String>) {
        let (props, terms) = Self::universe();
        let excluded = |k: &str| {
            NOT_GENERATED
                .iter()
                .any(|(p, _)| k == *p || k.ends_with(&format!(".{p}")))
        };
        (
            props
                .into_iter()
                .filter(|k| !self.props.contains_key(k) && !excluded(k))
                .collect(),
            terms.into_iter().filter(|k| !self.terms.contains_key(k)).collect(),
        )
    }

    /// The printout: counts per property, term and form, then what never appeared.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "coverage over {} generated document(s):", self.documents);
        let line = |out: &mut String, title: &str, map: &BTreeMap<String, u64>| {
            let _ = writeln!(out, "  {title} ({}):", map.len());
            let items: Vec<String> = map.iter().map(|(k, v)| format!("{k} {v}")).collect();
            for chunk in items.chunks(6) {
                let _ = writeln!(out, "    {}", chunk.join(", "));
            }
        };
        line(&mut out, "optional properties", &self.props);
        line(&mut out, "vocabulary terms", &self.terms);
        line(&mut out, "forms", &self.forms);
        let (props, terms) = self.missing();
        let _ = writeln!(
            out,
            "  never produced: {} optional propert(ies), {} term(s){}",
            props.len(),
            terms.len(),
            if props.is_empty() && terms.is_empty() { "" } else { ":" }
        );
        for k in props.iter().chain(terms.iter()) {
            let _ = writeln!(out, "    {k}");
        }
        for (p, why) in NOT_GENERATED {
            let _ = writeln!(out, "  not generated by design: {p} ({why})");
        }
        out
    }
}
