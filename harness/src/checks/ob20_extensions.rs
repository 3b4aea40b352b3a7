//! Open Badges 2.0 extensions (`OB20-DM-017`): an object typed `Extension` names the extension it is by a second
//! type, and carries what that extension requires.
//!
//! OB 2.0 verifiers validate an extension against the JSON Schema its context names. Contexts and schemas are never
//! fetched here, so the published extensions' requirements are written down from their schemas below; an extension
//! this table does not know is reported as not validated (a skip, with its type), never as valid.

use clr_reports::Level::Must;
use clr_reports::Spec;
use serde_json::Value;

use super::legacy::{http_url, legacy_rule};
use super::{Ctx, Doc, Ptr, type_values};
use crate::check::declare_checks;
use crate::detect::DocKind;
use crate::ob2::{Kind, links};

declare_checks! {
    list CHECKS;
    OB20_DM_017 = legacy_rule(
        Spec::Ob20,
        "OB20-DM-017",
        "extensions carry what their extension requires",
        "An object typed Extension also names its extension's type, and has the properties that extension's schema requires (ApplyLink: url; LicenseExtension: id and name; GeoCoordinates: description and geo; …).",
        links::OB2_EXTENSIONS,
        Must,
        &[
            DocKind::Legacy(Kind::Assertion),
            DocKind::Legacy(Kind::BadgeClass),
            DocKind::Legacy(Kind::Profile),
            DocKind::Legacy(Kind::Endorsement),
        ],
        extensions,
    );
}

/// A published extension: its type, the properties its schema requires, and those that must be URLs.
struct Published {
    types: &'static [&'static str],
    required: &'static [&'static str],
    urls: &'static [&'static str],
}

/// The extensions published with OB 2.0, from their schemas.
const PUBLISHED: &[Published] = &[
    Published {
        types: &["extensions:ApplyLink"],
        required: &["url"],
        urls: &["url"],
    },
    Published {
        types: &["extensions:AssessmentExtension"],
        required: &["description", "assessments"],
        urls: &[],
    },
    Published {
        types: &["extensions:ExampleExtension"],
        required: &["exampleProperty"],
        urls: &[],
    },
    Published {
        types: &["extensions:ExtraDescriptionExtension"],
        required: &["name", "narrative"],
        urls: &[],
    },
    Published {
        types: &["extensions:GeoCoordinates"],
        required: &["description", "geo"],
        urls: &[],
    },
    Published {
        types: &["extensions:IssuerAccreditation"],
        required: &["name", "contactInstructions", "url", "address"],
        urls: &["url"],
    },
    Published {
        types: &["extensions:LicenseExtension"],
        required: &["id", "name"],
        urls: &[],
    },
    Published {
        types: &["extensions:originalCreator"],
        required: &["url"],
        urls: &["url"],
    },
    Published {
        types: &["extensions:RecipientProfile"],
        required: &[],
        urls: &[],
    },
    Published {
        types: &["extensions:Accessibility", "extensions#accessibility"],
        required: &[],
        urls: &[],
    },
];

/// Extension nodes looked at per document at most (a document of thousands is an attack, not a badge).
const MAX_NODES: usize = 200;

fn extensions(doc: &Doc, ctx: &mut Ctx) {
    let mut nodes = Vec::new();
    collect(doc.root, &Ptr::root(), &mut nodes, 0);
    if nodes.is_empty() {
        ctx.not_applicable("no Extension objects");
        return;
    }
    let truncated = nodes.len() > MAX_NODES;
    let mut unknown = Vec::new();
    for (ptr, node) in nodes.iter().take(MAX_NODES) {
        let types: Vec<&str> = node.get("type").and_then(type_values).unwrap_or_default();
        let others: Vec<&str> = types.iter().copied().filter(|t| *t != "Extension").collect();
        if others.is_empty() {
            ctx.violation(&ptr.key("type"), "an Extension does not say which extension it is")
                .expected("[\"Extension\", \"extensions:<Name>\"]")
                .found(format!("{types:?}"));
            continue;
        }
        // Every type the node claims is judged: one known type must not vouch for another, unknown one.
        for t in others {
            match PUBLISHED.iter().find(|p| p.types.contains(&t)) {
                Some(known) => required(ctx, ptr, node, known),
                None => unknown.push(t.to_string()),
            }
        }
    }
    if ctx.findings_len() == 0 && (truncated || !unknown.is_empty()) {
        unknown.sort();
        unknown.dedup();
        let mut why = Vec::new();
        if !unknown.is_empty() {
            why.push(format!(
                "no embedded rules for the extension(s) {} (their schemas are not fetched)",
                unknown.join("; ")
            ));
        }
        if truncated {
            why.push(format!("only the first {MAX_NODES} Extension objects were looked at"));
        }
        ctx.skipped(format!("not validated: {}", why.join("; ")));
    }
}

/// What a published extension requires of one node: its required properties, and URLs where it wants URLs.
fn required(ctx: &mut Ctx, ptr: &Ptr, node: &Value, known: &Published) {
    for prop in known.required {
        if node.get(*prop).is_none_or(Value::is_null) {
            ctx.violation(ptr, format!("the {} extension has no {prop}", known.types[0]))
                .expected(format!("a {prop} (required by the extension's schema)"))
                .found("absent");
        }
    }
    for prop in known.urls {
        if let Some(v) = node.get(*prop).and_then(Value::as_str)
            && http_url(v).is_err()
        {
            ctx.violation(
                &ptr.key(prop),
                format!("the {} extension's {prop} is not a URL", known.types[0]),
            )
            .expected("an http(s) URL")
            .found(v.to_string());
        }
    }
}

/// Every object of the document whose type includes `Extension`, with where it is (bounded depth).
fn collect<'a>(v: &'a Value, at: &Ptr, out: &mut Vec<(Ptr, &'a Value)>, depth: usize) {
    if depth > 32 || out.len() > MAX_NODES {
        return;
    }
    match v {
        Value::Object(o) => {
            if o.get("type")
                .and_then(type_values)
                .is_some_and(|t| t.contains(&"Extension"))
            {
                out.push((at.clone(), v));
            }
            for (k, child) in o {
                collect(child, &at.key(k), out, depth + 1);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect(item, &at.index(i), out, depth + 1);
            }
        }
        _ => {}
    }
}
