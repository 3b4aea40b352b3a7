//! Runs the selected checks over documents and builds the run model.
//!
//! One input becomes one subject, plus one embedded subject per credential found inside it (endorsements, a CLR's
//! nested credentials), so every credential gets the whole catalogue and its findings point into the right text.

use std::borrow::Borrow;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use clr_reports::{
    CheckInfo, CheckResult, Counts, Finding, Location, Outcome, Run, RunOptions, Subject, SubjectKind, Summary,
    ToolInfo,
};
use serde_json::Value;

use crate::catalogue::{self, Selection, ids};
use crate::check::findings::{self, Collector};
use crate::check::{Check, Runner};
use crate::check::{Ctx, Doc};
use crate::checks::official_schema;
use crate::datamodel::Walk;
use crate::decode::{self, DecodeError, Decoded, Limits, SpanIndex};
use crate::detect;
use crate::exit;
use crate::json::Ptr;
use crate::ob2;
use crate::schema::OfficialSchemas;
use crate::services;

/// Embedded credentials nest (CLR → credential → endorsement → …); past this depth they are not opened.
const MAX_EMBEDDING_DEPTH: usize = 6;

/// Embedded credentials (nested credentials and endorsements together) opened per document; the rest are reported
/// on the parent as not verified, so the parent is unverified, never passed. A long transcript has dozens of nested
/// credentials; thousands of endorsements are an attack on the verifier's time.
pub const MAX_EMBEDDED_PER_DOCUMENT: usize = 200;

/// What decides verdicts.
#[derive(Default)]
pub struct Options<'a> {
    pub selection: Selection,
    pub strict: bool,
    pub limits: Limits,
    /// Official schemas for the cross-check, when a spec directory was given.
    pub schemas: Option<&'a OfficialSchemas>,
    /// Why the schema cross-check is skipped when `schemas` is `None`.
    pub schemas_missing: Option<String>,
    /// Time and expected recipient for the verification steps.
    pub env: crate::verify::Env,
    /// Verify proofs (and fetch what verification needs, under the policy of `net`). `None`: data model only.
    pub net: Option<&'a crate::verify::Net>,
    /// Limits on JSON-LD canonicalization. Its `until`, when set, is the run's deadline: verification stops there
    /// (the credentials not verified by then are unverified, never passed).
    pub budget: crate::jsonld::canon::Budget,
    /// How strictly CASE documents are held to the OpenAPI.
    pub case_profile: crate::case::Profile,
}

/// An input ready for checking, or the reason it could not be obtained.
pub struct Input {
    /// How the user named it: a path, a URL, `-`.
    pub source: String,
    pub bytes: Result<Vec<u8>, InputFailure>,
}

/// Why an input has no bytes to check.
pub enum InputFailure {
    /// The document itself is at fault (e.g. larger than the limit): a failed format check.
    Undecodable(Box<DecodeError>),
    /// The harness could not obtain it (unreachable URL, timeout): an `Error` outcome, never a `Fail`.
    Unreadable(String),
}

impl From<crate::input::InputError> for InputFailure {
    fn from(e: crate::input::InputError) -> Self {
        match e.as_decode_error() {
            Some(d) => InputFailure::Undecodable(Box::new(d)),
            None => InputFailure::Unreadable(e.to_string()),
        }
    }
}

/// Checks every input; returns the subjects in input order (embedded subjects right after their parent).
pub fn check_inputs(inputs: &[Input], opts: &Options) -> Vec<Subject> {
    check_in_parallel(inputs.len(), |i| &inputs[i], opts, 1)
}

/// Checks `count` documents on up to `workers` threads, each document read by `read(index)` when a worker takes it
/// (so a directory is never held in memory whole). Subjects come out in input order, and each document's exchanges
/// are numbered within it ([`Net::for_document`](crate::verify::Net::for_document)) and logged in input order: the
/// run is the same whatever the number of workers and whoever finished first.
pub fn check_in_parallel<F, I>(count: usize, read: F, opts: &Options, workers: usize) -> Vec<Subject>
where
    F: Fn(usize) -> I + Sync,
    I: Borrow<Input>,
{
    let check_one = |i: usize| check_scoped(&format!("doc-{}", i + 1), read(i).borrow(), opts);
    let mut subjects = Vec::new();
    let mut keep = |(checked, exchanges): (Vec<Subject>, Vec<clr_reports::Exchange>)| {
        if let Some(net) = opts.net {
            net.record(&exchanges);
        }
        subjects.extend(checked);
    };
    let workers = workers.clamp(1, count.max(1));
    if workers == 1 {
        (0..count).map(check_one).for_each(&mut keep);
        return subjects;
    }
    let slots: Vec<OnceLock<_>> = (0..count).map(|_| OnceLock::new()).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let work = || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        break;
                    }
                    let _ = slots[i].set(check_one(i));
                }
            };
            // The main thread's stack size: deep (but accepted) documents recurse as far on a worker.
            let spawned = std::thread::Builder::new()
                .name("clr-check".into())
                .stack_size(WORKER_STACK_BYTES)
                .spawn_scoped(scope, work);
            if spawned.is_err() {
                // No thread to spare: the documents left are checked by the others (or below).
                break;
            }
        }
    });
    for (i, slot) in slots.into_iter().enumerate() {
        // A slot is empty only if no worker could be started: check that document here.
        keep(slot.into_inner().unwrap_or_else(|| check_one(i)));
    }
    subjects
}

/// Checks one input as subject `id` (with its embedded subjects). Its exchanges are numbered within it
/// (`{id}-fetch-{n}`) and logged in `opts.net` once it is done.
pub fn check_document(id: &str, input: &Input, opts: &Options) -> Vec<Subject> {
    let (subjects, exchanges) = check_scoped(id, input, opts);
    if let Some(net) = opts.net {
        net.record(&exchanges);
    }
    subjects
}

/// Checks one input on its own network scope: its subjects, and the exchanges to log.
fn check_scoped(id: &str, input: &Input, opts: &Options) -> (Vec<Subject>, Vec<clr_reports::Exchange>) {
    let net = opts.net.map(|n| n.for_document(id));
    let opts = opts.with_net(net.as_ref());
    let mut subjects = Vec::new();
    match &input.bytes {
        Err(InputFailure::Unreadable(why)) => subjects.push(unreadable(id, &input.source, why)),
        Err(InputFailure::Undecodable(err)) => subjects.push(undecodable(id, &input.source, err)),
        Ok(bytes) => {
            // Checks and the verifier catch their own panics; one elsewhere (decoding, the walk) costs this
            // document, not the run's other documents or its reports.
            if let Err(message) = guarded(|| check_bytes(id, &input.source, bytes, &opts, &mut subjects)) {
                let note = format!("{HARNESS_BUG}checking this document: {message}");
                let finding = Finding::new(Outcome::Error, note.clone());
                subjects = vec![lone_result(id, &input.source, crate::decode::CHECK_JSON, finding, note)];
            }
        }
    }
    // Kept until the reports are written, for every document of the run: no room to spare (results are pushed one
    // by one, and a Vec's doubling left up to half of it empty).
    for subject in &mut subjects {
        subject.results.shrink_to_fit();
    }
    (subjects, net.map(|n| n.exchanges()).unwrap_or_default())
}

/// Stack of a checking worker thread (the size of a main thread's on Linux).
const WORKER_STACK_BYTES: usize = 8 << 20;

impl<'a> Options<'a> {
    /// The same options with another network: a document's own scope.
    fn with_net<'b>(&'b self, net: Option<&'b crate::verify::Net>) -> Options<'b>
    where
        'a: 'b,
    {
        Options {
            selection: self.selection.clone(),
            strict: self.strict,
            limits: self.limits,
            schemas: self.schemas,
            schemas_missing: self.schemas_missing.clone(),
            env: self.env.clone(),
            net,
            budget: self.budget,
            case_profile: self.case_profile,
        }
    }
}

/// Checks one document given as bytes, pushing its subject and its embedded subjects.
pub fn check_bytes(id: &str, source: &str, bytes: &[u8], opts: &Options, out: &mut Vec<Subject>) {
    match decode::decode(bytes, &opts.limits) {
        Err(err) => out.push(undecodable(id, source, &err)),
        Ok(decoded) if decoded.reference.is_some() => check_reference(id, source, &decoded, opts, out),
        Ok(decoded) => {
            let scope = Scope {
                parent: None,
                at: None,
                base: Ptr::root(),
                depth: 0,
            };
            check_decoded(id, source, source, &decoded, &scope, opts, out);
        }
    }
}

/// The CASE data-model checks (`CASE-DM-*`, as `opts` selects them) on a CASE object read as `kind`: what a CASE
/// server's endpoints answer is judged by the same checks as a document given to `validate`, whatever its shape
/// would be detected as.
pub fn judge_case(value: &Value, kind: crate::case::Kind, opts: &Options) -> Vec<CheckResult> {
    let env = crate::verify::Env::default();
    let doc = Doc {
        root: value,
        kind: detect::DocKind::Case(kind),
        vcdm: detect::Vcdm::V2,
        walk: Walk::default(),
        env: &env,
        proofs: None,
        services: None,
        legacy: None,
        case: Some(crate::check::CaseDoc {
            kind,
            walk: crate::case::model::Walk::new(value, kind.entity()),
            profile: opts.case_profile,
        }),
        alignments: None,
        alignments_unresolved: None,
    };
    let mut results = Vec::new();
    for check in opts.selection.selected().filter(|c| c.applies(doc.kind)) {
        let Runner::Document(run) = check.runner else {
            continue;
        };
        let ran = guarded(|| {
            let mut ctx = Ctx::new(check, Ptr::root());
            run(&doc, &mut ctx);
            ctx.finish()
        });
        results.push(match ran {
            Ok(collected) => collected.result(opts.strict),
            Err(bug) => harness_bug(check, &bug),
        });
    }
    results
}

/// A baked OB 2.0 / 1.x image that names its hosted assertion by URL: the assertion is fetched under the run's
/// policy (and `--url-map`) and checked with the image's layers kept; without verification it is not fetched, and
/// the image is unverified, never passed.
fn check_reference(id: &str, source: &str, baked: &Decoded, opts: &Options, out: &mut Vec<Subject>) {
    let url = baked.reference.as_deref().unwrap_or_default();
    let check = match baked.format {
        decode::Format::Svg => decode::CHECK_SVG,
        _ => decode::CHECK_PNG,
    };
    let Some(net) = opts.net else {
        let why = format!(
            "the baked image names its hosted assertion {url}; verification is off (--no-proofs), so it was not fetched"
        );
        out.push(not_observed(id, source, check, &why));
        return;
    };
    if opts.budget.until.is_some_and(|d| Instant::now() >= d) {
        let why = format!("the baked image names its hosted assertion {url}; the run's time budget ran out before it");
        out.push(not_observed(id, source, check, &why));
        return;
    }
    let attempt = net.block_on(net.fetcher().get(url, "application/ld+json, application/json"));
    net.record(std::slice::from_ref(&attempt.exchange));
    let exchange = attempt.exchange.id.clone();
    let fetched = match attempt.result {
        Ok(f) => f,
        Err(crate::fetch::FetchError::NotAllowed { reason, .. }) => {
            let why = format!("the baked image names its hosted assertion {url}, which was not fetched: {reason}");
            out.push(not_observed(id, source, check, &why));
            return;
        }
        // What the issuer answers for the badge is a verdict on the badge: gone is revoked, absent is not hosted.
        Err(crate::fetch::FetchError::Status { status, .. }) if matches!(status, 404 | 410) => {
            let (rule, message) = if status == 410 {
                (
                    ids::OB20_VER_006.id,
                    format!("the baked badge's hosted assertion {url} answered 410 Gone: revoked"),
                )
            } else {
                (
                    ids::OB20_VER_001.id,
                    format!("the baked badge's hosted assertion {url} answered 404: it is not hosted"),
                )
            };
            if !opts.selection.selects(rule) {
                let why = format!("{message} ({rule} is not selected in this run)");
                out.push(not_observed(id, source, check, &why));
                return;
            }
            let mut finding = Finding::new(Outcome::Fail, message.clone());
            finding.expected = Some("200 with the assertion".into());
            finding.actual = Some(format!("HTTP {status}"));
            finding.exchanges = vec![exchange];
            out.push(lone_result(id, source, rule, finding, message));
            return;
        }
        Err(e) => {
            out.push(unreadable(
                id,
                source,
                &format!("the baked image's hosted assertion: {e}"),
            ));
            return;
        }
    };
    match decode::decode(&fetched.bytes, &opts.limits) {
        Err(err) => out.push(undecodable(id, source, &err)),
        Ok(mut decoded) => {
            let mut layers = baked.layers.clone();
            layers.append(&mut decoded.layers);
            decoded.layers = layers;
            let scope = Scope {
                parent: None,
                at: None,
                base: Ptr::root(),
                depth: 0,
            };
            check_decoded(id, source, source, &decoded, &scope, opts, out);
        }
    }
}

/// Where a (possibly embedded) credential sits.
struct Scope<'p> {
    parent: Option<&'p str>,
    /// Location in the parent.
    at: Option<Location>,
    /// Pointer prefix that makes findings point into the text the spans index.
    base: Ptr,
    depth: usize,
}

fn check_decoded(
    id: &str,
    name: &str,
    source: &str,
    decoded: &Decoded,
    scope: &Scope,
    opts: &Options,
    out: &mut Vec<Subject>,
) {
    // A VCDM 1.1 VC-JWT carries the credential in its `vc` claim.
    let (value, base, mut layers) = match decoded.value.get("vc").filter(|_| decoded.jws.is_some()) {
        Some(vc) => (vc, scope.base.key("vc"), vec![]),
        None => (&decoded.value, scope.base.clone(), vec![]),
    };
    layers.extend(decoded.layers.iter().cloned());
    if decoded.jws.is_some() && decoded.value.get("vc").is_some() {
        layers.push("vc claim".into());
    }
    check_value(
        id,
        name,
        source,
        value,
        decoded.jws.as_ref(),
        &decoded.spans,
        layers,
        Scope {
            base,
            ..scope.clone_shallow()
        },
        opts,
        out,
    );
}

impl Scope<'_> {
    fn clone_shallow(&self) -> Scope<'_> {
        Scope {
            parent: self.parent,
            at: self.at.clone(),
            base: self.base.clone(),
            depth: self.depth,
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn check_value(
    id: &str,
    name: &str,
    source: &str,
    value: &Value,
    jws: Option<&crate::decode::CompactJws>,
    spans: &SpanIndex,
    layers: Vec<String>,
    scope: Scope,
    opts: &Options,
    out: &mut Vec<Subject>,
) {
    let detected = detect::detect(value);
    let mut results = Vec::new();
    let detect_check = catalogue::all().iter().find(|c| matches!(c.runner, Runner::Detect));
    if let Some(check) = detect_check.filter(|c| opts.selection.selects(c.id)) {
        results.push(match &detected.unsupported {
            Some(what) => findings::undetermined(check, unsupported_note(what)),
            None => {
                let mut c = Collector::new(check);
                c.evaluated();
                if detected.kind.is_none() {
                    c.violation(detected.detection.reason.clone())
                        .located(locate(spans, &scope.base))
                        .expected(
                            "an OB 3.0 AchievementCredential or EndorsementCredential, or a CLR 2.0 ClrCredential",
                        )
                        .found(detected.detection.reason.clone());
                }
                c.result(opts.strict)
            }
        });
    }
    let mut children = Vec::new();
    let mut unopened = 0;
    // An OB 0.5–1.1 badge is judged as the OB 2.0 document it upgrades to (the upgrade is reported).
    let upgraded = match (detected.kind, detected.ob_version) {
        (Some(detect::DocKind::Legacy(_)), Some(v)) => ob2::version::upgrade(value, v),
        _ => None,
    };
    let value = upgraded.as_ref().map_or(value, |u| &u.doc);
    if let Some(kind) = detected.kind {
        // Past the run's deadline nothing more is verified: those checks are skips with the reason, never passes.
        let out_of_time = opts.net.is_some() && opts.budget.until.is_some_and(|d| Instant::now() >= d);
        let vc_class = kind.class();
        let legacy_kind = match kind {
            detect::DocKind::Legacy(k) => Some(k),
            _ => None,
        };
        // A panic in the verifier is a harness bug reported on every check that needed it, not a lost run.
        let verified = opts
            .net
            .filter(|_| !out_of_time && vc_class.is_some())
            .map(|net| guarded(|| crate::verify::verify_proofs(value, jws, net, &opts.env, &opts.budget)));
        let legacy_verified = match (legacy_kind, opts.net.filter(|_| !out_of_time)) {
            (Some(k), Some(net)) => Some(guarded(|| ob2::verify::verify(k, value, jws, net, opts.budget.until))),
            _ => None,
        };
        let (proofs, mut verifier_bug) = match verified {
            Some(Ok(p)) => (Some(p), None),
            Some(Err(bug)) => (None, Some(bug)),
            None => (None, None),
        };
        let legacy_report = match legacy_verified {
            Some(Ok(r)) => Some(r),
            Some(Err(bug)) => {
                verifier_bug = Some(bug);
                None
            }
            None => None,
        };
        // The gather phase: every fetch the status and refresh checks read, made before they run (checks do no I/O).
        let wanted = services::Wanted {
            refresh: opts.selection.selects(ids::OB30_VER_001.id),
            status: opts.selection.selects(ids::OB30_VER_002.id),
        };
        let gathered = opts
            .net
            .filter(|_| !out_of_time && verifier_bug.is_none() && vc_class.is_some())
            .map(|net| guarded(|| services::gather(value, proofs.as_ref(), net, &opts.env, wanted)));
        let services = match gathered {
            Some(Ok(s)) => Some(s),
            Some(Err(bug)) => {
                verifier_bug = Some(bug);
                None
            }
            None => None,
        };
        let walk = vc_class.map(|c| Walk::new(value, c)).unwrap_or_default();
        let legacy_walk = legacy_kind.map(|k| ob2::model::Walk::new(value, k.class()));
        // Alignments to CASE are resolved in the gather phase too; embedded credentials resolve their own.
        let wants_alignments = crate::checks::case10::CHECKS
            .iter()
            .any(|c| c.applies(kind) && opts.selection.selects(c.id));
        let alignments = opts.net.filter(|_| !out_of_time && wants_alignments).map(|net| {
            let embedded: Vec<Ptr> = match &legacy_walk {
                Some(l) => l.embedded.iter().map(|e| e.ptr.clone()).collect(),
                None => walk.embedded.iter().map(|e| e.ptr.clone()).collect(),
            };
            guarded(|| crate::case::align::gather(value, &embedded, net, opts.budget.until))
        });
        let (alignments, align_bug) = match alignments {
            Some(Ok(r)) => (Some(r), None),
            Some(Err(bug)) => (None, Some(bug)),
            None => (None, None),
        };
        let alignments_unresolved = match (opts.net, out_of_time) {
            (None, _) => Some("verification is off (alignment targets are fetched only when it is on)".to_string()),
            (Some(_), true) => Some("the run's time budget ran out before they were fetched".to_string()),
            _ => None,
        };
        let doc = Doc {
            root: value,
            kind,
            vcdm: detected.vcdm,
            walk,
            env: &opts.env,
            proofs: proofs.as_ref(),
            services: services.as_ref(),
            legacy: legacy_kind.zip(legacy_walk).map(|(k, walk)| crate::check::Legacy {
                kind: k,
                walk,
                version: detected.ob_version,
                upgrade: upgraded.as_ref().map(|u| u.changes.as_slice()),
                jws: jws.is_some(),
                verified: legacy_report.as_ref(),
            }),
            case: match kind {
                detect::DocKind::Case(k) => Some(crate::check::CaseDoc {
                    kind: k,
                    walk: crate::case::model::Walk::new(value, k.entity()),
                    profile: opts.case_profile,
                }),
                _ => None,
            },
            alignments: alignments.as_ref(),
            alignments_unresolved,
        };
        for check in opts.selection.selected().filter(|c| c.applies(kind)) {
            if let Some(bug) = align_bug.as_ref().filter(|_| check.area == "alignment") {
                results.push(harness_bug(check, &format!("resolving alignments: {bug}")));
                continue;
            }
            if let Some(bug) = verifier_bug.as_ref().filter(|_| check.establishes_authenticity()) {
                results.push(harness_bug(check, &format!("the verifier: {bug}")));
                continue;
            }
            if out_of_time && check.establishes_authenticity() {
                results.push(findings::undetermined(
                    check,
                    "not verified: the run's time budget ran out before this credential",
                ));
                continue;
            }
            match check.runner {
                Runner::Document(run) => {
                    let ran = guarded(|| {
                        let mut ctx = Ctx::new(check, scope.base.clone());
                        run(&doc, &mut ctx);
                        ctx.finish()
                    });
                    match ran {
                        Ok(mut collected) => {
                            for f in collected.findings_mut() {
                                add_position(spans, &mut f.location);
                            }
                            results.push(collected.result(opts.strict));
                        }
                        Err(bug) => results.push(harness_bug(check, &bug)),
                    }
                }
                Runner::OfficialSchema => results.push(schema_result(check, &doc, spans, &scope.base, opts)),
                Runner::Decode
                | Runner::Detect
                | Runner::Embedded(_)
                | Runner::Provider
                | Runner::Consumer(_)
                | Runner::Verifier(_) => {}
            }
        }
        if scope.depth < MAX_EMBEDDING_DEPTH {
            let embedded: Vec<(Ptr, &'static str, &Value)> = match &doc.legacy {
                Some(l) => l
                    .walk
                    .embedded
                    .iter()
                    .map(|e| (e.ptr.clone(), e.via, e.value))
                    .collect(),
                None => doc
                    .walk
                    .embedded
                    .iter()
                    .map(|e| (e.ptr.clone(), e.via, e.value))
                    .collect(),
            };
            unopened = embedded.len().saturating_sub(MAX_EMBEDDED_PER_DOCUMENT);
            children = embedded
                .into_iter()
                .take(MAX_EMBEDDED_PER_DOCUMENT)
                .map(|(ptr, via, v)| (ptr, via, v.clone()))
                .collect();
        }
    }
    let (outcome, mut unverified) = settle(&results);
    if let Some(what) = &detected.unsupported {
        unverified = Some(unsupported_note(what));
    }
    let detected_kind = detected.kind;
    let me = out.len();
    out.push(Subject {
        id: id.to_string(),
        kind: if scope.parent.is_some() {
            SubjectKind::Embedded
        } else {
            SubjectKind::Document
        },
        name: name.to_string(),
        source: source.to_string(),
        parent: scope.parent.map(str::to_string),
        scope: scope.at.clone(),
        layers: layers.clone(),
        detected: Some(detected.detection),
        outcome,
        unverified,
        results,
    });
    for (i, (ptr, via, value)) in children.into_iter().enumerate() {
        let child_id = format!("{id}/{}-{i}", short_via(via));
        let child_name = format!("{name} → {}", ptr.under(&scope.base));
        let at = Location {
            pointer: Some(ptr.under(&scope.base).to_string()),
            layer: layers.last().cloned(),
            ..locate(spans, &ptr.under(&scope.base))
        };
        match &value {
            Value::String(s) => {
                // A compact JWS: its payload has its own text and positions.
                let Ok(decoded) = decode::decode(s.as_bytes(), &opts.limits) else {
                    continue;
                };
                let child = Scope {
                    parent: Some(id),
                    at: Some(at),
                    base: Ptr::root(),
                    depth: scope.depth + 1,
                };
                check_decoded(&child_id, &child_name, source, &decoded, &child, opts, out);
            }
            Value::Object(_) => {
                let child = Scope {
                    parent: Some(id),
                    at: Some(at),
                    base: ptr.under(&scope.base),
                    depth: scope.depth + 1,
                };
                check_value(
                    &child_id,
                    &child_name,
                    source,
                    &value,
                    None,
                    spans,
                    layers.clone(),
                    child,
                    opts,
                    out,
                );
            }
            _ => {}
        }
    }
    if let Some(kind) = detected_kind {
        aggregate_embedded(me, kind, unopened, opts, out);
    }
}

/// Adds the parent's verdict on its embedded credentials (`Runner::Embedded` checks), once they have been checked.
fn aggregate_embedded(me: usize, kind: detect::DocKind, unopened: usize, opts: &Options, out: &mut [Subject]) {
    let parent_id = out[me].id.clone();
    for check in opts.selection.selected().filter(|c| c.applies(kind)) {
        let Runner::Embedded(vias) = check.runner else { continue };
        if opts.net.is_none() {
            out[me]
                .results
                .push(findings::not_applicable(check, "proofs are not verified in this run"));
            continue;
        }
        let prefixes: Vec<String> = vias.iter().map(|v| format!("{parent_id}/{}-", short_via(v))).collect();
        let children: Vec<&Subject> = out[me + 1..]
            .iter()
            .filter(|s| {
                s.parent.as_deref() == Some(parent_id.as_str()) && prefixes.iter().any(|p| s.id.starts_with(p.as_str()))
            })
            .collect();
        let mut c = Collector::new(check);
        c.evaluated();
        for child in children.iter().filter(|c| c.outcome == Outcome::Fail) {
            let failing: Vec<&str> = child
                .results
                .iter()
                .filter(|r| r.outcome == Outcome::Fail)
                .map(|r| r.check.as_str())
                .collect();
            c.violation(format!(
                "the embedded credential {} does not verify",
                child.scope.as_ref().and_then(|l| l.pointer.clone()).unwrap_or_default()
            ))
            .located(child.scope.clone().unwrap_or_default())
            .expected("an embedded credential that passes every required check")
            .found(format!("{} failed {}", child.id, failing.join(", ")))
            .hint(format!("see the findings of {} below", child.name));
        }
        // A nested credential that could not be verified leaves the parent's verdict on it open, never passed.
        let unverified: Vec<String> = children
            .iter()
            .filter(|c| c.unverified.is_some() && !c.outcome.is_failure() && c.outcome != Outcome::Error)
            .map(|c| {
                c.scope
                    .as_ref()
                    .and_then(|l| l.pointer.clone())
                    .unwrap_or_else(|| c.id.clone())
            })
            .collect();
        let clean = c.findings_len() == 0;
        if children.is_empty() && unopened == 0 {
            c = Collector::new(check);
            c.not_applicable(format!("no embedded {}", vias.join("/")));
        } else if unopened > 0 && clean {
            c.undetermined(format!(
                "{unopened} embedded credentials were not verified: verification covers the first \
                 {MAX_EMBEDDED_PER_DOCUMENT} of a document"
            ));
        } else if !unverified.is_empty() && clean {
            c.undetermined(format!(
                "the embedded credential{} {} could not be verified",
                if unverified.len() == 1 { "" } else { "s" },
                unverified.join(", ")
            ));
        }
        out[me].results.push(c.result(opts.strict));
    }
    let (outcome, unverified) = settle(&out[me].results);
    out[me].outcome = outcome;
    out[me].unverified = unverified;
}

fn short_via(via: &str) -> &'static str {
    match via {
        "verifiableCredential" => "vc",
        "endorsementJwt" => "endorsement-jwt",
        "clrs" => "clr",
        "signedClrs" => "signed-clr",
        "signedAssertions" => "signed-assertion",
        "signedEndorsements" => "signed-endorsement",
        _ => "endorsement",
    }
}

fn schema_result(check: &'static Check, doc: &Doc, spans: &SpanIndex, base: &Ptr, opts: &Options) -> CheckResult {
    let Some(schemas) = opts.schemas else {
        let why = opts
            .schemas_missing
            .clone()
            .unwrap_or_else(|| "needs --spec-dir (or CLR_SPEC_DIR) pointing at the official 1EdTech artefacts".into());
        return findings::undetermined(check, why);
    };
    let (_, which) = official_schema::check_for(doc.kind);
    if doc.vcdm == detect::Vcdm::V1_1 && !schemas.has(which.tolerant()) {
        let why = format!(
            "VCDM 1.1 legacy credential: the schemas in {} describe VCDM 2.0 only (no {})",
            schemas.spec_dir().display(),
            which.tolerant().expected_path()
        );
        return findings::undetermined(check, why);
    }
    let mut c = Collector::new(check);
    c.evaluated();
    let (_, found) = official_schema::run(schemas, doc.kind, doc.root, doc.vcdm);
    for mut f in found {
        if let Some(p) = &f.location.pointer {
            f.location.pointer = Some(Ptr::from_escaped(p).under(base).to_string());
        }
        add_position(spans, &mut f.location);
        c.push(f);
    }
    c.result(opts.strict)
}

/// What a check's note starts with when the harness itself failed (a caught panic); such a run exits with
/// [`exit::BUG`] after writing every report.
pub const HARNESS_BUG: &str = "harness bug in ";

/// Runs `f`, turning a panic into its message: one broken check must not cost the run its other checks or reports.
pub(crate) fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .map_err(|payload| clr_reports::panic_message(payload.as_ref()))
}

/// The result of a check that panicked.
pub(crate) fn harness_bug(check: &'static Check, message: &str) -> CheckResult {
    let note = format!("{HARNESS_BUG}{}: {message}", check.id);
    let mut c = Collector::new(check);
    c.error(note.clone());
    c.push(Finding::new(Outcome::Error, note))
        .hint("please report it with the input that caused it");
    c.result(false)
}

/// A subject's outcome and, when nothing worse was found, why it is unverified: a check that establishes
/// authenticity or status (a proof, key, status, nested or returned credential check) could not observe what it
/// requires. Such a subject is reported as `skip`, never `pass`.
pub(crate) fn settle(results: &[CheckResult]) -> (Outcome, Option<String>) {
    let outcome = subject_outcome(results);
    if outcome.rank() >= Outcome::Fail.rank() {
        return (outcome, None);
    }
    let open: Vec<String> = results
        .iter()
        .filter(|r| r.outcome == Outcome::Skip && catalogue::get(&r.check).is_some_and(Check::establishes_authenticity))
        .map(|r| format!("{}: {}", r.check, r.note.as_deref().unwrap_or("not run")))
        .collect();
    if open.is_empty() {
        return (outcome, None);
    }
    let outcome = if outcome.rank() <= Outcome::Info.rank() {
        Outcome::Skip
    } else {
        outcome
    };
    (outcome, Some(open.join("; ")))
}

/// The subject of a party the harness graded by what it did — a client, a verifier — rather than a document: its
/// results settled like any subject's, and *unverified* (never a pass) when some checks saw nothing to judge (a
/// Skip); `unobserved` says so in words, given those checks' ids.
pub fn party_subject(
    id: &str,
    kind: clr_reports::SubjectKind,
    name: &str,
    source: String,
    results: Vec<CheckResult>,
    unobserved: impl Fn(&str) -> String,
) -> Subject {
    let (outcome, mut unverified) = settle(&results);
    let skipped: Vec<&str> = results
        .iter()
        .filter(|r| r.outcome == Outcome::Skip)
        .map(|r| r.check.as_str())
        .collect();
    if unverified.is_none() && outcome.rank() < Outcome::Fail.rank() && !skipped.is_empty() {
        let verb = if skipped.len() == 1 { "judges" } else { "judge" };
        unverified = Some(format!("{} {verb}", unobserved(&skipped.join(", "))));
    }
    Subject {
        id: id.to_string(),
        kind,
        name: name.to_string(),
        source,
        parent: None,
        scope: None,
        layers: Vec::new(),
        detected: None,
        outcome,
        unverified,
        results,
    }
}

/// A subject's outcome: the worst of its checks'.
pub(crate) fn subject_outcome(results: &[CheckResult]) -> Outcome {
    results
        .iter()
        .map(|r| r.outcome)
        .max_by_key(|o| o.rank())
        .unwrap_or(Outcome::Pass)
}

fn locate(spans: &SpanIndex, ptr: &Ptr) -> Location {
    let mut loc = Location::pointer(ptr.to_string());
    add_position(spans, &mut loc);
    loc
}

/// Adds line and column of the finding's pointer (or its nearest existing ancestor) in the source text.
fn add_position(spans: &SpanIndex, loc: &mut Location) {
    let Some(pointer) = &loc.pointer else { return };
    if let Some(e) = spans.excerpt(pointer) {
        loc.line = Some(e.line);
        loc.column = Some(e.column);
        loc.snippet = Some(e.snippet);
        loc.snippet_column = e.snippet_column;
    }
}

/// Why a document of a neighbouring standard got no verdict of its own.
fn unsupported_note(what: &str) -> String {
    format!(
        "unsupported: {what}; this tool validates OB 3.0 and CLR 2.0 credentials (Open Badges 2.0, CLR 1.0 and CASE \
         are planned), so nothing was checked"
    )
}

fn undecodable(id: &str, source: &str, err: &DecodeError) -> Subject {
    let finding = Finding {
        outcome: Outcome::Fail,
        message: err.message.clone(),
        location: err.location.clone(),
        expected: err.expected.clone(),
        actual: err.actual.clone(),
        evidence: vec![],
        exchanges: vec![],
        hint: None,
    };
    let Some(what) = &err.unsupported else {
        let note = "the document could not be decoded; no other check ran".to_string();
        return lone_result(id, source, err.check, finding, note);
    };
    // A carrier of a standard this tool does not check yet: named, nothing judged, never a pass.
    let note = unsupported_note(what);
    let mut subject = lone_result(
        id,
        source,
        err.check,
        Finding {
            outcome: Outcome::Skip,
            ..finding
        },
        note.clone(),
    );
    subject.results[0].findings.clear();
    subject.unverified = Some(note);
    subject
}

/// A document whose content could not be observed under the run's policy: a skip with the reason, unverified.
fn not_observed(id: &str, source: &str, check: &str, why: &str) -> Subject {
    let finding = Finding::new(Outcome::Skip, why.to_string());
    let mut subject = lone_result(id, source, check, finding, why.to_string());
    subject.unverified = Some(why.to_string());
    subject
}

fn unreadable(id: &str, source: &str, why: &str) -> Subject {
    let message = format!("could not read the input: {why}");
    let finding = Finding::new(Outcome::Error, message.clone());
    lone_result(id, source, crate::decode::CHECK_JSON, finding, message)
}

/// A document subject with one result: the input could not be decoded or read, so nothing else ran.
fn lone_result(id: &str, source: &str, check: &str, finding: Finding, note: String) -> Subject {
    let outcome = finding.outcome;
    Subject {
        id: id.into(),
        kind: SubjectKind::Document,
        name: source.into(),
        source: source.into(),
        parent: None,
        scope: None,
        layers: vec![],
        detected: None,
        outcome,
        unverified: None,
        results: vec![CheckResult {
            check: check.into(),
            outcome,
            note: Some(note),
            findings: vec![finding],
        }],
    }
}

/// The versions every report header shows.
pub fn tool_info() -> ToolInfo {
    ToolInfo {
        name: "clr-harness".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        vectors_version: include_str!("../../vectors/VERSION").trim().into(),
        specs: vec![
            "OB 3.0 (contexts 3.0.1–3.0.3)".into(),
            "CLR 2.0 (contexts 2.0.0–2.0.1)".into(),
            "VC Data Model 2.0 (1.1 as legacy)".into(),
            "OB 2.0 (0.5–1.1 upgraded)".into(),
            "CLR 1.0".into(),
        ],
    }
}

/// Assembles the run: catalogue entries used, counts, verdict and exit code.
pub fn build_run(
    subjects: Vec<Subject>,
    options: RunOptions,
    command: Vec<String>,
    started_at: String,
    started: Instant,
    exchanges: Vec<clr_reports::Exchange>,
) -> Run {
    let mut checks: Vec<CheckInfo> = Vec::new();
    let mut results = Counts::default();
    let mut per_subject = Counts::default();
    for s in &subjects {
        per_subject.add(s.outcome);
        for r in &s.results {
            results.add(r.outcome);
            if !checks.iter().any(|c| c.id == r.check)
                && let Some(c) = catalogue::get(&r.check)
            {
                checks.push(c.info());
            }
        }
    }
    // Catalogue order, so reports list checks as the registry does.
    checks.sort_by_key(|c| catalogue::all().iter().position(|k| k.id == c.id));
    let unverified = subjects
        .iter()
        .filter(|s| s.parent.is_none() && s.unverified.is_some())
        .count() as u64;
    let harness_bugs = subjects
        .iter()
        .flat_map(|s| &s.results)
        .any(|r| r.note.as_deref().is_some_and(|n| n.starts_with(HARNESS_BUG)));
    let exit_code = if harness_bugs {
        exit::BUG
    } else if subjects.is_empty() || results.total() == 0 {
        exit::NO_CHECKS
    } else if results.fail > 0 {
        exit::FAILED
    } else if results.error > 0 {
        exit::INCOMPLETE
    } else if unverified > 0 && !options.allow_unverified {
        exit::UNVERIFIED
    } else {
        exit::OK
    };
    let verdict = verdict(&subjects, &results, unverified);
    Run {
        format: clr_reports::REPORT_FORMAT.into(),
        tool: tool_info(),
        command,
        started_at,
        duration_ms: started.elapsed().as_millis() as u64,
        options,
        checks,
        subjects,
        exchanges,
        summary: Summary {
            results,
            subjects: per_subject,
            unverified,
            exit_code,
            verdict,
        },
    }
}

fn verdict(subjects: &[Subject], results: &Counts, unverified: u64) -> String {
    use clr_reports::SubjectKind;
    let count = |kind: SubjectKind| subjects.iter().filter(|s| s.kind == kind).count();
    let providers = count(SubjectKind::Provider);
    let consumers = count(SubjectKind::Consumer);
    let verifiers = count(SubjectKind::Verifier);
    let docs = subjects
        .iter()
        .filter(|s| s.parent.is_none() && matches!(s.kind, SubjectKind::Document | SubjectKind::Embedded))
        .count();
    let failed = subjects
        .iter()
        .filter(|s| s.parent.is_none() && s.outcome == Outcome::Fail)
        .count();
    let embedded = subjects.len() - docs - providers - consumers - verifiers;
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let mut parts = Vec::new();
    if providers > 0 {
        parts.push(format!("{providers} provider part{}", plural(providers)));
    }
    if consumers > 0 {
        parts.push(format!("{consumers} consumer{}", plural(consumers)));
    }
    if verifiers > 0 {
        parts.push(format!("{verifiers} verifier{}", plural(verifiers)));
    }
    if docs > 0 || providers + consumers + verifiers == 0 {
        parts.push(format!("{docs} document{}", plural(docs)));
    }
    if embedded > 0 {
        parts.push(format!("{embedded} embedded credential{}", plural(embedded)));
    }
    let head = parts.join(" and ");
    let noun = if providers > 0 {
        "part"
    } else if consumers > 0 {
        "consumer"
    } else if verifiers > 0 {
        "verifier"
    } else {
        "document"
    };
    if results.fail == 0 && results.error == 0 && unverified > 0 {
        let why = if consumers > 0 && providers + docs + verifiers == 0 {
            "the client was not seen doing what some checks judge"
        } else if verifiers > 0 && providers + docs + consumers == 0 {
            "the verifier was not shown some of the credentials its checks judge"
        } else {
            "a proof, key, status or returned credential was not observed, or the document is of a kind this tool \
             does not check yet"
        };
        format!(
            "{head}: unverified — no required check failed, but {unverified} {noun}{} could not be fully verified \
             ({why})",
            plural(unverified as usize)
        )
    } else if results.fail == 0 && results.error == 0 {
        let warn = if results.warn > 0 {
            format!(" with {} warning{}", results.warn, plural(results.warn as usize))
        } else {
            String::new()
        };
        format!("{head}: all required checks passed{warn}")
    } else {
        let errors = if results.error > 0 {
            format!(", {} could not be checked", results.error)
        } else {
            String::new()
        };
        format!(
            "{head}: {failed} {noun}{} failed, {} required check{} failed{errors}",
            plural(failed),
            results.fail,
            plural(results.fail as usize)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A provider can answer 8 MiB where a check expected a credential; the run keeps the start and the size.
    #[test]
    fn a_run_caps_every_finding_value() {
        let huge = "x".repeat(8 * 1024 * 1024);
        let mut r = harness_bug(
            crate::api::checks::ApiRule::UpsertCreates.of(crate::api::Family::Ob30),
            "x",
        );
        r.outcome = Outcome::Fail;
        r.findings[0].actual = Some(huge.clone());
        r.findings[0].expected = Some(huge);
        let subject = Subject {
            id: "provider-ob30".into(),
            kind: clr_reports::SubjectKind::Provider,
            name: "p".into(),
            source: "p".into(),
            parent: None,
            scope: None,
            layers: vec![],
            detected: None,
            outcome: Outcome::Fail,
            unverified: None,
            results: vec![r],
        };
        let mut run = build_run(
            vec![subject],
            RunOptions::default(),
            vec![],
            String::new(),
            Instant::now(),
            vec![],
        );
        crate::redact::scrub_run(&crate::redact::Redactor::when(true), &mut run);
        let f = &run.subjects[0].results[0].findings[0];
        let actual = f.actual.as_deref().unwrap_or_default();
        assert!(actual.len() < clr_reports::MAX_VALUE_BYTES + 64, "{}", actual.len());
        assert!(actual.ends_with("more bytes"), "the cut is visible");
        let json = serde_json::to_string(&run).unwrap_or_default();
        assert!(json.len() < 100_000, "report.json would be {} bytes", json.len());
    }
}
