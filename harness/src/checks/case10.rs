//! CASE 1.0 checks on documents: a framework's data model as the 1EdTech OpenAPI states it (`CASE-DM-*`, on a
//! CFPackage, CFDocument, CFItem … given to `validate` or returned by a CASE server), and the CASE alignments of
//! OB 3.0, CLR 2.0, OB 2.0 and CLR 1.0 documents resolved against the framework they name (`CASE-ALIGN-*`).
//!
//! Each data-model check honours the profile ([`crate::case::Profile`]): under `interop` the departures real
//! servers are documented to make (extra link properties, loose UUIDs, CASE 1.1 association types) are warnings.

use std::collections::{BTreeMap, BTreeSet};

use clr_reports::Level::{Must, Should};
use clr_reports::Spec;
use serde_json::Value;

use super::{Ctx, Doc, Ptr, json_type, show};
use crate::case::align::{Aligned, Resolution, is_type, node_type};
use crate::case::model::{Entity, Node, Ty, type_mismatch};
use crate::case::{self, Kind, Profile, links};
use crate::check::{CaseDoc, Check, declare_checks};
use crate::detect::DocKind;
use crate::ob2;

/// Every CASE document kind.
pub const CASE_ALL: &[DocKind] = &[
    DocKind::Case(Kind::Package),
    DocKind::Case(Kind::Document),
    DocKind::Case(Kind::Item),
    DocKind::Case(Kind::Association),
    DocKind::Case(Kind::Rubric),
    DocKind::Case(Kind::DocumentSet),
    DocKind::Case(Kind::AssociationSet),
    DocKind::Case(Kind::ConceptSet),
    DocKind::Case(Kind::SubjectSet),
    DocKind::Case(Kind::ItemTypeSet),
    DocKind::Case(Kind::License),
    DocKind::Case(Kind::Grouping),
];
const PACKAGE: &[DocKind] = &[DocKind::Case(Kind::Package)];
const WITH_RUBRICS: &[DocKind] = &[DocKind::Case(Kind::Package), DocKind::Case(Kind::Rubric)];

/// The documents that carry alignments: OB 3.0 / CLR 2.0 credentials, OB 2.0 badges, CLR 1.0 records.
pub const ALIGNED: &[DocKind] = &[
    DocKind::Achievement,
    DocKind::Endorsement,
    DocKind::Clr,
    DocKind::Legacy(ob2::Kind::Assertion),
    DocKind::Legacy(ob2::Kind::BadgeClass),
    DocKind::Legacy(ob2::Kind::Clr),
    DocKind::Legacy(ob2::Kind::ClrAssertion),
];

#[allow(clippy::too_many_arguments)]
const fn case_rule(
    id: &'static str,
    title: &'static str,
    requirement: &'static str,
    level: clr_reports::Level,
    applies_to: &'static [DocKind],
    run: fn(&Doc, &mut Ctx),
) -> Check {
    super::rule(id, title, requirement, links::CASE_REST, level, applies_to, run).of_spec(Spec::Case10)
}

const fn align_rule(
    id: &'static str,
    title: &'static str,
    requirement: &'static str,
    level: clr_reports::Level,
    run: fn(&Doc, &mut Ctx),
) -> Check {
    super::rule(id, title, requirement, ob2::links::CLR1_INFO_MODEL, level, ALIGNED, run)
        .of_spec(Spec::Case10)
        .in_area("alignment")
}

declare_checks! {
    list CHECKS;
    CASE_DM_001 = case_rule(
        "CASE-DM-001",
        "required properties",
        "Every CASE object carries the properties the OpenAPI requires of its type (CFDocument: identifier, uri, creator, title, lastChangeDateTime, and CFPackageURI when stand-alone; CFItem: identifier, fullStatement, uri, lastChangeDateTime, and CFDocumentURI when stand-alone; CFAssociation: identifier, associationType, uri, originNodeURI, destinationNodeURI, lastChangeDateTime; links: title, identifier, uri; definitions and rubrics likewise).",
        Must,
        CASE_ALL,
        required,
    )
    .from_schema();
    CASE_DM_002 = case_rule(
        "CASE-DM-002",
        "identifiers are UUIDs",
        "Every identifier (and LinkURI identifier, rubricId, rubricCriterionId) is a lower-case UUID, versions 1–5 (UUID.Type); under the interop profile an upper-case or placeholder UUID is a warning.",
        Must,
        CASE_ALL,
        uuids,
    )
    .from_schema();
    CASE_DM_003 = case_rule(
        "CASE-DM-003",
        "property types",
        "Every property has the JSON type its definition gives: strings, arrays of strings, int32 integers (sequenceNumber, position), numbers (weight, score), objects and arrays of objects; uri and URL properties are URIs.",
        Must,
        CASE_ALL,
        types,
    )
    .from_schema();
    CASE_DM_004 = case_rule(
        "CASE-DM-004",
        "no properties the OpenAPI does not define",
        "CASE 1.0 objects are closed (additionalProperties: false) and certification forbids proprietary fields: no object carries a property its type does not define (a package entry carries no stand-alone link such as CFDocumentURI). Under the interop profile an extra property is a warning.",
        Must,
        CASE_ALL,
        closed,
    )
    .from_schema();
    CASE_DM_005 = case_rule(
        "CASE-DM-005",
        "association types",
        "associationType is one of isChildOf, isPeerOf, isPartOf, exactMatchOf, precedes, isRelatedTo, replacedBy, exemplar, hasSkillLevel; under the interop profile another value (CASE 1.1's isTranslationOf, an extension) is a warning.",
        Must,
        CASE_ALL,
        association_types,
    )
    .from_schema();
    CASE_DM_006 = case_rule(
        "CASE-DM-006",
        "dates and date-times",
        "lastChangeDateTime is an RFC 3339 date-time; statusStartDate and statusEndDate are full dates, and a status period does not end before it starts (SHOULD).",
        Must,
        CASE_ALL,
        dates,
    )
    .from_schema();
    CASE_DM_007 = case_rule(
        "CASE-DM-007",
        "identifiers are unique",
        "No two CASE objects of one document share an identifier (identifiers are GUIDs: one object each).",
        Must,
        CASE_ALL,
        unique_identifiers,
    );
    CASE_DM_008 = case_rule(
        "CASE-DM-008",
        "the isChildOf tree",
        "In a CFPackage, every isChildOf association leads from a package CFItem to a package CFItem or the CFDocument, and the isChildOf graph has no cycle (MUST); every item reaches the CFDocument through it (SHOULD: items reach the framework's tree only that way).",
        Must,
        PACKAGE,
        child_tree,
    );
    CASE_DM_009 = case_rule(
        "CASE-DM-009",
        "links inside a package agree with their targets",
        "In a CFPackage, a link (LinkURI, LinkGenURI) whose identifier names an object of the package gives that object's uri, and a typed link names an object of its type (CFItemTypeURI a CFItemType, licenseURI a CFLicense, CFAssociationGroupingURI a CFAssociationGrouping, subjectURI a CFSubject, conceptKeywordsURI a CFConcept, a rubric criterion's CFItemURI a CFItem).",
        Should,
        PACKAGE,
        package_links,
    )
    .inferred();
    CASE_DM_010 = case_rule(
        "CASE-DM-010",
        "rubric chain",
        "A CFRubricCriterion's rubricId, when given, is the identifier of the CFRubric holding it, and a CFRubricCriterionLevel's rubricCriterionId that of its criterion.",
        Must,
        WITH_RUBRICS,
        rubric_chain,
    );
    CASE_ALIGN_001 = align_rule(
        "CASE-ALIGN-001",
        "CASE alignments resolve",
        "The targetUrl of an alignment to CASE (targetType CFItem, CFRubric, CFRubricCriterion or CFRubricCriterionLevel; for OB 2.0, a CASE API URL) answers with the node's JSON (200, a JSON object): CLR 1.0 names it the node's uri or the CASE endpoint returning the node's JSON.",
        Must,
        resolves,
    );
    CASE_ALIGN_002 = align_rule(
        "CASE-ALIGN-002",
        "the target is the node the alignment names",
        "What a CASE alignment's targetUrl answers is a node of the type its targetType names (a CFItem has fullStatement; a CFRubric its criteria …) with its identifier and uri.",
        Must,
        target_kind,
    );
    CASE_ALIGN_003 = align_rule(
        "CASE-ALIGN-003",
        "targetUrl is the node's uri or its API URL",
        "A CASE alignment's targetUrl is the node's uri or its CASE API URL (…/ims/case/v1p0/CFItems/{identifier}), and a targetCode that is a UUID is the node's identifier.",
        Should,
        target_url,
    );
    CASE_ALIGN_004 = align_rule(
        "CASE-ALIGN-004",
        "targetName and targetCode match the node",
        "A CFItem alignment's targetName is the item's fullStatement, abbreviatedStatement, alternativeLabel or humanCodingScheme, and its targetCode the item's humanCodingScheme or identifier (a CFRubric's: its title; a criterion's: its description or category; a level's: its quality or description).",
        Should,
        target_name,
    )
    .inferred();
    CASE_ALIGN_005 = align_rule(
        "CASE-ALIGN-005",
        "targetFramework names the item's framework",
        "A CFItem alignment's targetFramework, when given, is the title of the CFDocument the item belongs to (its CFDocumentURI).",
        Should,
        target_framework,
    )
    .inferred();
}

/// The CASE part of the document, or not applicable.
fn case_doc<'d>(doc: &'d Doc, ctx: &mut Ctx) -> Option<&'d CaseDoc<'d>> {
    let c = doc.case.as_ref();
    if c.is_none() {
        ctx.not_applicable("not a CASE document");
    }
    c
}

/// A departure the interop profile tolerates: a violation under strict, a warning under interop.
fn tolerated<'c>(
    ctx: &'c mut Ctx,
    profile: Profile,
    ptr: &Ptr,
    message: String,
) -> crate::check::findings::FindingMut<'c> {
    match profile {
        Profile::Strict => ctx.violation(ptr, message),
        Profile::Interop => ctx.warning(ptr, format!("{message} (tolerated by the interop profile)")),
    }
}

fn required(doc: &Doc, ctx: &mut Ctx) {
    let Some(c) = case_doc(doc, ctx) else { return };
    for n in &c.walk.nodes {
        for p in n.entity.props().iter().filter(|p| p.required) {
            if n.value.get(p.name).is_none_or(Value::is_null) {
                ctx.violation(&n.ptr, format!("the {} has no {}", n.entity.name(), p.name))
                    .expected(format!("{} present", p.name))
                    .found("absent");
            }
        }
    }
}

fn uuids(doc: &Doc, ctx: &mut Ctx) {
    let Some(c) = case_doc(doc, ctx) else { return };
    for n in &c.walk.nodes {
        for p in n.entity.props().iter().filter(|p| p.ty == Ty::Uuid) {
            let Some(id) = n.value.get(p.name).and_then(Value::as_str) else {
                continue;
            };
            if case::strict_uuid(id) {
                continue;
            }
            let ptr = n.ptr.key(p.name);
            let message = format!(
                "the {} {} {id:?} is not a UUID as CASE 1.0 states it",
                n.entity.name(),
                p.name
            );
            if case::loose_uuid(id) {
                tolerated(ctx, c.profile, &ptr, message)
                    .expected("lower-case hex 8-4-4-4-12, version 1–5, variant 8–b")
                    .found(id.to_string());
            } else {
                ctx.violation(&ptr, message)
                    .expected("a UUID: lower-case hex 8-4-4-4-12, version 1–5, variant 8–b")
                    .found(id.to_string());
            }
        }
    }
}

fn types(doc: &Doc, ctx: &mut Ctx) {
    let Some(c) = case_doc(doc, ctx) else { return };
    for n in &c.walk.nodes {
        for p in n.entity.props() {
            let Some(v) = n.value.get(p.name).filter(|v| !v.is_null()) else {
                continue;
            };
            let ptr = n.ptr.key(p.name);
            if let Some(want) = type_mismatch(p.ty, v) {
                ctx.violation(&ptr, format!("the {} {} is {}", n.entity.name(), p.name, json_type(v)))
                    .expected(want)
                    .found(show(v));
            } else if p.ty == Ty::Uri
                && let Some(Err(why)) = v.as_str().map(crate::lexical::uri)
            {
                ctx.violation(&ptr, format!("the {} {} is not a URI: {why}", n.entity.name(), p.name))
                    .expected("an absolute URI")
                    .found(show(v));
            }
        }
    }
}

fn closed(doc: &Doc, ctx: &mut Ctx) {
    let Some(c) = case_doc(doc, ctx) else { return };
    for n in &c.walk.nodes {
        let Some(obj) = n.value.as_object() else { continue };
        let props = n.entity.props();
        for k in obj.keys().filter(|k| !props.iter().any(|p| p.name == k.as_str())) {
            let message = format!(
                "the {} carries {k:?}, which CASE 1.0 does not define for it",
                n.entity.name()
            );
            let names: Vec<&str> = props.iter().map(|p| p.name).collect();
            tolerated(ctx, c.profile, &n.ptr.key(k), message)
                .expected(format!("only {}", names.join(", ")))
                .found(k.clone());
        }
    }
}

fn association_types(doc: &Doc, ctx: &mut Ctx) {
    let Some(c) = case_doc(doc, ctx) else { return };
    let mut any = false;
    for n in c.walk.of_any(&[Entity::Association, Entity::PckgAssociation]) {
        let Some(t) = n.str("associationType") else { continue };
        any = true;
        if case::ASSOCIATION_TYPES.contains(&t) {
            continue;
        }
        let ptr = n.ptr.key("associationType");
        let message = format!("associationType {t:?} is not a CASE 1.0 association type");
        let expected = case::ASSOCIATION_TYPES.join(", ");
        match c.profile {
            Profile::Interop => {
                ctx.warning(&ptr, format!("{message} (tolerated by the interop profile)"))
                    .expected(expected)
                    .found(t.to_string());
            }
            Profile::Strict => {
                let hint = case::ASSOCIATION_TYPES_1_1
                    .contains(&t)
                    .then_some("isTranslationOf is CASE 1.1's; a 1.0 server does not send it");
                let f = ctx.violation(&ptr, message).expected(expected).found(t.to_string());
                if let Some(h) = hint {
                    f.hint(h);
                }
            }
        }
    }
    if !any {
        ctx.not_applicable("no associations");
    }
}

fn dates(doc: &Doc, ctx: &mut Ctx) {
    let Some(c) = case_doc(doc, ctx) else { return };
    for n in &c.walk.nodes {
        for p in n.entity.props() {
            let Some(s) = n.value.get(p.name).and_then(Value::as_str) else {
                continue;
            };
            let checked = match p.ty {
                Ty::DateTime => crate::lexical::date_time(s, crate::lexical::Zone::Required),
                Ty::Date => crate::lexical::date(s),
                _ => continue,
            };
            if let Err(why) = checked {
                ctx.violation(&n.ptr.key(p.name), format!("{} {s:?} is not valid: {why}", p.name))
                    .expected(if p.ty == Ty::Date {
                        "a full date, YYYY-MM-DD"
                    } else {
                        "an RFC 3339 date-time with a time zone"
                    })
                    .found(s.to_string());
            }
        }
        if let (Some(start), Some(end)) = (n.str("statusStartDate"), n.str("statusEndDate"))
            && crate::lexical::date(start).is_ok()
            && crate::lexical::date(end).is_ok()
            && end < start
        {
            ctx.warning(&n.ptr.key("statusEndDate"), "the status period ends before it starts")
                .expected(format!("on or after {start}"))
                .found(end.to_string());
        }
    }
}

fn unique_identifiers(doc: &Doc, ctx: &mut Ctx) {
    let Some(c) = case_doc(doc, ctx) else { return };
    let mut seen: BTreeMap<&str, &Node> = BTreeMap::new();
    for n in c.walk.case_nodes() {
        let Some(id) = n.id() else { continue };
        match seen.get(id) {
            // The same object listed twice (a definition shared by documents) is one object, not a clash.
            Some(first) if first.value == n.value => {}
            Some(first) => {
                ctx.violation(&n.ptr, format!("two CASE objects have the identifier {id}"))
                    .expected("one object per identifier")
                    .found(format!(
                        "a {} at {} and a {} here",
                        first.entity.name(),
                        first.ptr,
                        n.entity.name()
                    ));
            }
            None => {
                seen.insert(id, n);
            }
        }
    }
}

fn child_tree(doc: &Doc, ctx: &mut Ctx) {
    let Some(c) = case_doc(doc, ctx) else { return };
    let document = c.walk.of(Entity::PckgDocument).next().and_then(Node::id);
    let items: BTreeSet<&str> = c.walk.of(Entity::PckgItem).filter_map(Node::id).collect();
    if items.is_empty() {
        ctx.not_applicable("the package has no items");
        return;
    }
    let mut parents: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for n in c.walk.of(Entity::PckgAssociation) {
        if n.str("associationType") != Some("isChildOf") {
            continue;
        }
        let end = |m: &str| n.value.get(m).and_then(|l| l.get("identifier")).and_then(Value::as_str);
        let (Some(child), Some(parent)) = (end("originNodeURI"), end("destinationNodeURI")) else {
            continue;
        };
        if !items.contains(child) {
            ctx.violation(
                &n.ptr.key("originNodeURI"),
                "an isChildOf association starts at no item of the package",
            )
            .expected("the identifier of a package CFItem")
            .found(child.to_string());
        }
        if !items.contains(parent) && Some(parent) != document {
            ctx.violation(
                &n.ptr.key("destinationNodeURI"),
                "an isChildOf association leads to neither an item of the package nor its CFDocument",
            )
            .expected("the identifier of a package CFItem or of the CFDocument")
            .found(parent.to_string());
        }
        parents.entry(child).or_default().push(parent);
    }
    let (reaches, cycles) = tree(&items, document, &parents);
    for id in &cycles {
        ctx.violation(
            &Ptr::root().key("CFAssociations"),
            format!("the isChildOf graph has a cycle through {id}"),
        )
        .expected("a tree: no item is its own ancestor")
        .found(format!("{id} is its own ancestor"));
    }
    let orphans: Vec<&str> = items
        .iter()
        .filter(|i| !cycles.contains(*i) && !reaches.contains(*i))
        .copied()
        .collect();
    if let Some(first) = orphans.first() {
        ctx.warning(
            &Ptr::root().key("CFItems"),
            format!(
                "{} item(s) reach the CFDocument through no isChildOf chain",
                orphans.len()
            ),
        )
        .expected("every item in the framework's tree")
        .found(format!("{first} first"));
    }
}

/// Which items reach the document through isChildOf, and the items on a cycle: a depth-first search with an
/// explicit stack (a package may chain a hundred thousand items; recursion would overflow the stack) in time
/// linear in the associations.
fn tree<'a>(
    items: &BTreeSet<&'a str>,
    document: Option<&'a str>,
    parents: &BTreeMap<&'a str, Vec<&'a str>>,
) -> (BTreeSet<&'a str>, BTreeSet<&'a str>) {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        OnPath,
        Done,
    }
    let mut state: BTreeMap<&str, State> = BTreeMap::new();
    let mut reaches: BTreeSet<&str> = BTreeSet::new();
    let mut cycles: BTreeSet<&str> = BTreeSet::new();
    let none: Vec<&str> = Vec::new();
    for &start in items {
        if state.contains_key(start) {
            continue;
        }
        state.insert(start, State::OnPath);
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        while let Some(&(node, next)) = stack.last() {
            let ps = parents.get(node).unwrap_or(&none);
            if let Some(&p) = ps.get(next) {
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
                if Some(p) == document {
                    reaches.insert(node);
                    continue;
                }
                match state.get(p) {
                    Some(State::OnPath) => {
                        cycles.insert(p);
                    }
                    Some(State::Done) => {
                        if reaches.contains(p) {
                            reaches.insert(node);
                        }
                    }
                    None => {
                        state.insert(p, State::OnPath);
                        stack.push((p, 0));
                    }
                }
            } else {
                state.insert(node, State::Done);
                stack.pop();
                if reaches.contains(node)
                    && let Some(&(child, _)) = stack.last()
                {
                    reaches.insert(child);
                }
            }
        }
    }
    (reaches, cycles)
}

fn package_links(doc: &Doc, ctx: &mut Ctx) {
    let Some(c) = case_doc(doc, ctx) else { return };
    let by_id: BTreeMap<&str, &Node> = c.walk.case_nodes().filter_map(|n| n.id().map(|id| (id, n))).collect();
    let typed: &[(&str, Entity)] = &[
        ("CFItemTypeURI", Entity::ItemType),
        ("licenseURI", Entity::License),
        ("CFAssociationGroupingURI", Entity::Grouping),
        ("subjectURI", Entity::Subject),
        ("conceptKeywordsURI", Entity::Concept),
        ("CFItemURI", Entity::PckgItem),
    ];
    let mut compared = 0;
    for link in c.walk.of_any(&[Entity::LinkUri, Entity::LinkGenUri]) {
        let Some(target) = link.id().and_then(|id| by_id.get(id)) else {
            continue;
        };
        compared += 1;
        if let (Some(uri), Some(target_uri)) = (link.str("uri"), target.str("uri"))
            && uri != target_uri
        {
            ctx.violation(
                &link.ptr.key("uri"),
                format!("the link to {} gives another uri than it has", target.ptr),
            )
            .expected(target_uri.to_string())
            .found(uri.to_string());
        }
        // The member the link sits under: `/CFItems/3/CFItemTypeURI` or `/CFDocument/subjectURI/0`.
        let member = link
            .ptr
            .as_str()
            .rsplit('/')
            .find(|seg| seg.parse::<usize>().is_err())
            .unwrap_or_default();
        if let Some((_, want)) = typed.iter().find(|(m, _)| *m == member)
            && target.entity != *want
        {
            ctx.violation(&link.ptr, format!("{member} names a {}", target.entity.name()))
                .expected(format!("a {}", want.name()))
                .found(format!("the {} at {}", target.entity.name(), target.ptr));
        }
    }
    if compared == 0 {
        ctx.not_applicable("no link names an object of the package");
    }
}

fn rubric_chain(doc: &Doc, ctx: &mut Ctx) {
    let Some(c) = case_doc(doc, ctx) else { return };
    let mut any = false;
    for rubric in c.walk.of(Entity::Rubric) {
        let criteria = rubric.value.get("CFRubricCriteria").and_then(Value::as_array);
        for (i, criterion) in criteria.into_iter().flatten().enumerate() {
            any = true;
            let ptr = rubric.ptr.key("CFRubricCriteria").index(i);
            let parent = |v: &Value, m: &str| v.get(m).and_then(Value::as_str).map(str::to_string);
            if let (Some(got), Some(want)) = (parent(criterion, "rubricId"), rubric.id())
                && got != want
            {
                ctx.violation(
                    &ptr.key("rubricId"),
                    "a criterion's rubricId is not its rubric's identifier",
                )
                .expected(want.to_string())
                .found(got);
            }
            let levels = criterion.get("CFRubricCriterionLevels").and_then(Value::as_array);
            for (j, level) in levels.into_iter().flatten().enumerate() {
                if let (Some(got), Some(want)) = (
                    parent(level, "rubricCriterionId"),
                    criterion.get("identifier").and_then(Value::as_str),
                ) && got != want
                {
                    ctx.violation(
                        &ptr.key("CFRubricCriterionLevels").index(j).key("rubricCriterionId"),
                        "a level's rubricCriterionId is not its criterion's identifier",
                    )
                    .expected(want.to_string())
                    .found(got);
                }
            }
        }
    }
    if !any {
        ctx.not_applicable("no rubric criteria");
    }
}

/// The alignments to CASE, or the reason none are judged.
fn aligned<'d>(doc: &'d Doc, ctx: &mut Ctx) -> Option<&'d [Aligned]> {
    match (doc.alignments, &doc.alignments_unresolved) {
        (Some(r), _) if !r.aligned.is_empty() => Some(&r.aligned),
        (Some(_), _) => {
            ctx.not_applicable("no alignments to CASE");
            None
        }
        (None, why) => {
            let found = crate::case::align::find(doc.root, &doc.embedded_pointers());
            if found.is_empty() {
                ctx.not_applicable("no alignments to CASE");
            } else {
                ctx.skipped(format!(
                    "{} alignment(s) to CASE not resolved: {}",
                    found.len(),
                    why.as_deref().unwrap_or("their targets were not fetched")
                ));
            }
            None
        }
    }
}

/// The alignments whose target resolved, with their node. The others are not observed here (why is
/// `CASE-ALIGN-001`'s to say): with any of them the check is a skip unless a resolved one fails it.
fn resolved<'d>(doc: &'d Doc, ctx: &mut Ctx) -> Vec<(&'d Aligned, &'d Value)> {
    let Some(all) = aligned(doc, ctx) else {
        return Vec::new();
    };
    let out: Vec<(&Aligned, &Value)> = all
        .iter()
        .filter_map(|a| match &a.resolution {
            Resolution::Resolved { node, .. } => Some((a, node)),
            _ => None,
        })
        .collect();
    if out.len() < all.len() {
        ctx.skipped(format!(
            "{} of {} alignment target(s) did not resolve (see CASE-ALIGN-001)",
            all.len() - out.len(),
            all.len()
        ));
    }
    out
}

/// [`resolved`], keeping the nodes of the type the alignment names (the others are `CASE-ALIGN-002`'s failure).
fn resolved_as_named<'d>(doc: &'d Doc, ctx: &mut Ctx) -> Vec<(&'d Aligned, &'d Value)> {
    let all = resolved(doc, ctx);
    let n = all.len();
    let named: Vec<(&Aligned, &Value)> = all
        .into_iter()
        .filter(|(a, node)| is_type(node, &a.target_type))
        .collect();
    if named.len() < n {
        ctx.skipped(format!(
            "{} alignment target(s) are not the node type their alignment names (see CASE-ALIGN-002)",
            n - named.len()
        ));
    }
    named
}

fn resolves(doc: &Doc, ctx: &mut Ctx) {
    let Some(all) = aligned(doc, ctx) else { return };
    let mut skipped = Vec::new();
    let mut resolved = 0;
    for a in all {
        match &a.resolution {
            Resolution::Resolved { .. } => resolved += 1,
            Resolution::Broken { found, exchange } => {
                let f = ctx
                    .violation(
                        &a.ptr.key("targetUrl"),
                        format!("the {} alignment's targetUrl does not resolve", a.target_type),
                    )
                    .expected(format!("200 with the {}'s JSON", a.target_type))
                    .found(format!("{}: {found}", a.url));
                if let Some(x) = exchange {
                    f.exchange(x);
                }
            }
            Resolution::Skipped(why) => skipped.push(why.clone()),
        }
    }
    // Only what was observed counts: with some targets unresolved for want of a fetch, the rest is not a pass.
    if !skipped.is_empty() {
        ctx.skipped(format!(
            "{} of {} alignment target(s) not resolved: {}",
            skipped.len(),
            resolved + skipped.len(),
            skipped.first().cloned().unwrap_or_default()
        ));
    }
}

fn target_kind(doc: &Doc, ctx: &mut Ctx) {
    for (a, node) in resolved(doc, ctx) {
        if !is_type(node, &a.target_type) {
            let found = node_type(node);
            // OB 2.0 alignments name the type by their URL only.
            let at = if a.claims("targetType").is_some() {
                "targetType"
            } else {
                "targetUrl"
            };
            ctx.violation(&a.ptr.key(at), format!("{} is not a {}", a.url, a.target_type))
                .expected(format!("a {}", a.target_type))
                .found(found.map_or("no CASE node".to_string(), |t| format!("a {t}")))
                .exchange(exchange_of(a));
            continue;
        }
        for m in ["identifier", "uri"] {
            if node.get(m).and_then(Value::as_str).is_none() {
                ctx.violation(
                    &a.ptr.key("targetUrl"),
                    format!("the {} at {} has no {m}", a.target_type, a.url),
                )
                .expected(format!("{m} present"))
                .found("absent")
                .exchange(exchange_of(a));
            }
        }
    }
}

fn exchange_of(a: &Aligned) -> &str {
    match &a.resolution {
        Resolution::Resolved { exchange, .. } => exchange,
        _ => "",
    }
}

fn target_url(doc: &Doc, ctx: &mut Ctx) {
    for (a, node) in resolved_as_named(doc, ctx) {
        let (Some(id), uri) = (
            node.get("identifier").and_then(Value::as_str),
            node.get("uri").and_then(Value::as_str),
        ) else {
            ctx.skipped(format!(
                "the node at {} has no identifier to compare (see CASE-ALIGN-002)",
                a.url
            ));
            continue;
        };
        let collection = match a.target_type.as_str() {
            "CFItem" => "CFItems",
            "CFRubric" => "CFRubrics",
            "CFRubricCriterion" => "CFRubricCriteria",
            _ => "CFRubricCriterionLevels",
        };
        let api_url = a.url.ends_with(&format!("{}/{collection}/{id}", case::PATH));
        if uri != Some(a.url.as_str()) && !api_url {
            ctx.violation(
                &a.ptr.key("targetUrl"),
                "targetUrl is neither the node's uri nor its CASE API URL",
            )
            .expected(format!(
                "{} or …{}/{collection}/{id}",
                uri.unwrap_or("the node's uri"),
                case::PATH
            ))
            .found(a.url.clone())
            .exchange(exchange_of(a));
        }
        if let Some(code) = a.claims("targetCode").filter(|c| case::loose_uuid(c))
            && !code.eq_ignore_ascii_case(id)
        {
            ctx.violation(
                &a.ptr.key("targetCode"),
                "targetCode is a UUID, but not the node's identifier",
            )
            .expected(id.to_string())
            .found(code.to_string())
            .exchange(exchange_of(a));
        }
    }
}

fn target_name(doc: &Doc, ctx: &mut Ctx) {
    let list = resolved_as_named(doc, ctx);
    let judged = !list.is_empty();
    let mut compared = 0;
    for (a, node) in list {
        let text = |m: &str| node.get(m).and_then(Value::as_str).map(str::trim);
        let (names, codes): (&[&str], &[&str]) = match a.target_type.as_str() {
            "CFItem" => (
                &[
                    "fullStatement",
                    "abbreviatedStatement",
                    "alternativeLabel",
                    "humanCodingScheme",
                ],
                &["humanCodingScheme", "identifier"],
            ),
            "CFRubric" => (&["title"], &["identifier"]),
            "CFRubricCriterion" => (&["description", "category"], &["identifier"]),
            _ => (&["quality", "description"], &["identifier"]),
        };
        for (member, candidates) in [("targetName", names), ("targetCode", codes)] {
            let Some(claimed) = a.claims(member).map(str::trim) else {
                continue;
            };
            let offered: Vec<&str> = candidates.iter().filter_map(|m| text(m)).collect();
            if offered.is_empty() {
                continue;
            }
            compared += 1;
            if !offered.contains(&claimed) {
                ctx.violation(
                    &a.ptr.key(member),
                    format!("{member} is not what the {} says", a.target_type),
                )
                .expected(format!("one of {}", candidates.join(", ")))
                .found(format!("{claimed:?}; the node has {}", show(&Value::from(offered))))
                .exchange(exchange_of(a));
            }
        }
    }
    if judged && compared == 0 {
        ctx.not_applicable("no targetName or targetCode the node could be compared with");
    }
}

fn target_framework(doc: &Doc, ctx: &mut Ctx) {
    let mut any = false;
    let list = resolved_as_named(doc, ctx);
    let judged = !list.is_empty();
    for (a, node) in list {
        let (Some(claimed), "CFItem") = (a.claims("targetFramework"), a.target_type.as_str()) else {
            continue;
        };
        let Some(title) = node
            .get("CFDocumentURI")
            .and_then(|d| d.get("title"))
            .and_then(Value::as_str)
        else {
            continue;
        };
        any = true;
        if claimed.trim() != title.trim() {
            ctx.violation(
                &a.ptr.key("targetFramework"),
                "targetFramework is not the title of the item's framework",
            )
            .expected(title.to_string())
            .found(claimed.to_string())
            .exchange(exchange_of(a));
        }
    }
    if judged && !any {
        ctx.not_applicable("no CFItem alignment with a targetFramework whose item names its CFDocument");
    }
}
