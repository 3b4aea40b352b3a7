//! Resolving a document's CASE alignments: the gather phase of the `CASE-ALIGN-*` checks.
//!
//! An alignment is to CASE when its `targetType` names a CASE node (CFItem, CFRubric, CFRubricCriterion,
//! CFRubricCriterionLevel: OB 3.0, CLR 2.0, CLR 1.0) or, for OB 2.0 (whose AlignmentObject has no targetType), when
//! its `targetUrl` is a CASE API URL (`…/ims/case/v1p0/CF…/{identifier}`). Its `targetUrl` is fetched under the
//! run's fetch policy — CLR 1.0 says it is the node's `uri` or the CASE endpoint that returns the node's JSON — and
//! the checks compare what came back with what the alignment claims. What the policy does not allow, or the run's
//! deadline cuts off, is a skip with the reason, never a pass.

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::Value;

use crate::json::Ptr;
use crate::verify::Net;

/// Distinct targetUrls fetched per document; the alignments beyond are skips that say so.
pub const MAX_FETCHES: usize = 64;

/// The CASE node types an alignment's targetType can name.
pub const CASE_TARGET_TYPES: &[&str] = &["CFItem", "CFRubric", "CFRubricCriterion", "CFRubricCriterionLevel"];

/// One CASE alignment of the document.
#[derive(Debug, Clone)]
pub struct Aligned {
    /// Where the alignment object is.
    pub ptr: Ptr,
    pub alignment: Value,
    /// The CASE node type it claims: its targetType, or what an OB 2.0 CASE API URL names.
    pub target_type: String,
    pub url: String,
    pub resolution: Resolution,
}

impl Aligned {
    /// A string member of the alignment.
    pub fn claims(&self, member: &str) -> Option<&str> {
        self.alignment.get(member).and_then(Value::as_str)
    }
}

/// What fetching an alignment's targetUrl gave.
#[derive(Debug, Clone)]
pub enum Resolution {
    /// A JSON object.
    Resolved { node: Value, exchange: String },
    /// The URL answered, but not with a JSON object (an HTTP error, HTML …): the alignment does not resolve.
    Broken { found: String, exchange: Option<String> },
    /// Not fetched: the policy, the deadline or the cap; or the fetch failed for a reason that is not the
    /// document's (a timeout, a refused connection).
    Skipped(String),
}

/// Every CASE alignment of a document and how it resolved.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub aligned: Vec<Aligned>,
}

/// The CASE alignments of `doc`, outside the subtrees at `skip` (embedded credentials are checked on their own).
pub fn find(doc: &Value, skip: &[Ptr]) -> Vec<(Ptr, Value, String, String)> {
    let mut out = Vec::new();
    visit(doc, Ptr::root(), skip, &mut out, 0);
    out
}

/// Deep enough for any credential's nesting; the decoder bounds JSON depth anyway.
const MAX_DEPTH: usize = 64;

fn visit(v: &Value, ptr: Ptr, skip: &[Ptr], out: &mut Vec<(Ptr, Value, String, String)>, depth: usize) {
    if depth > MAX_DEPTH || skip.iter().any(|s| !s.as_str().is_empty() && s == &ptr) {
        return;
    }
    match v {
        Value::Object(obj) => {
            for (k, member) in obj {
                let here = ptr.key(k);
                if k == "alignment" || k == "alignments" {
                    let list: Vec<(Ptr, &Value)> = match member {
                        Value::Array(items) => items.iter().enumerate().map(|(i, a)| (here.index(i), a)).collect(),
                        one => vec![(here.clone(), one)],
                    };
                    for (p, a) in list {
                        if let Some((ty, url)) = case_target(a) {
                            out.push((p, a.clone(), ty, url));
                        }
                    }
                }
                visit(member, here, skip, out, depth + 1);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                visit(item, ptr.index(i), skip, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// The CASE node type and URL of an alignment to CASE; `None` for any other alignment.
fn case_target(a: &Value) -> Option<(String, String)> {
    let url = a.get("targetUrl").and_then(Value::as_str)?.to_string();
    match a.get("targetType").and_then(Value::as_str) {
        Some(t) if CASE_TARGET_TYPES.contains(&t) => Some((t.to_string(), url)),
        Some(_) => None,
        None => api_url_type(&url).map(|t| (t.to_string(), url)),
    }
}

/// The node type a CASE API URL names (`…/ims/case/v1p0/CFItems/{id}` → CFItem).
pub fn api_url_type(url: &str) -> Option<&'static str> {
    let (_, rest) = url.split_once("/ims/case/v1p0/")?;
    let collection = rest.split('/').next()?;
    Some(match collection {
        "CFItems" => "CFItem",
        "CFRubrics" => "CFRubric",
        "CFRubricCriteria" => "CFRubricCriterion",
        "CFRubricCriterionLevels" => "CFRubricCriterionLevel",
        _ => return None,
    })
}

/// Fetches every CASE alignment's targetUrl under `net`'s policy (each URL once), stopping at `until`.
pub fn gather(doc: &Value, skip: &[Ptr], net: &Net, until: Option<Instant>) -> Report {
    let mut cache: BTreeMap<String, Resolution> = BTreeMap::new();
    let mut aligned = Vec::new();
    for (ptr, alignment, target_type, url) in find(doc, skip) {
        let resolution = match cache.get(&url) {
            Some(r) => r.clone(),
            None => {
                let r = if cache.len() >= MAX_FETCHES {
                    Resolution::Skipped(format!(
                        "{url} was not fetched: at most {MAX_FETCHES} alignment targets are resolved per document"
                    ))
                } else if until.is_some_and(|d| Instant::now() >= d) {
                    Resolution::Skipped(format!("{url} was not fetched: the run's time budget ran out"))
                } else {
                    fetch(net, &url)
                };
                cache.insert(url.clone(), r.clone());
                r
            }
        };
        aligned.push(Aligned {
            ptr,
            alignment,
            target_type,
            url,
            resolution,
        });
    }
    Report { aligned }
}

fn fetch(net: &Net, url: &str) -> Resolution {
    use crate::fetch::FetchError;
    let attempt = net.block_on(net.fetcher().get(url, "application/json"));
    net.record(std::slice::from_ref(&attempt.exchange));
    let exchange = attempt.exchange.id.clone();
    match attempt.result {
        Ok(fetched) => match serde_json::from_slice::<Value>(&fetched.bytes) {
            Ok(node) if node.is_object() => Resolution::Resolved { node, exchange },
            _ => Resolution::Broken {
                found: format!(
                    "{} bytes of {}, not a JSON object",
                    fetched.bytes.len(),
                    fetched.content_type.as_deref().unwrap_or("an unnamed type")
                ),
                exchange: Some(exchange),
            },
        },
        Err(FetchError::NotAllowed { reason, .. }) => Resolution::Skipped(format!("{url} was not fetched: {reason}")),
        // Not there (404) or gone (410): the alignment does not resolve. Any other status (5xx, 429, 401/403) is
        // the server's trouble or its access rules, not the credential's: nothing was observed.
        Err(FetchError::Status {
            status: status @ (404 | 410),
            ..
        }) => Resolution::Broken {
            found: format!("HTTP {status}"),
            exchange: Some(exchange),
        },
        Err(FetchError::Status { status, .. }) => {
            Resolution::Skipped(format!("{url} answered HTTP {status}: the node was not observed"))
        }
        Err(other) => Resolution::Skipped(format!("could not fetch {url}: {other}")),
    }
}

/// Whether a CASE JSON object can be a node of `target_type`: it has what that type requires besides identifier and
/// uri (a CFItem its fullStatement) and no member only another type has (so a conformant criterion with only
/// optional members is one, and a CFItem is no rubric level).
pub fn is_type(node: &Value, target_type: &str) -> bool {
    let has = |k: &str| node.get(k).is_some();
    let any = |ks: &[&str]| ks.iter().any(|k| has(k));
    // Members that name a type other than the four alignment targets.
    if any(&[
        "creator",
        "CFPackageURI",
        "associationType",
        "hierarchyCode",
        "licenseText",
        "CFDocuments",
    ]) {
        return false;
    }
    let item = &[
        "fullStatement",
        "humanCodingScheme",
        "CFItemType",
        "CFItemTypeURI",
        "educationLevel",
    ][..];
    let rubric = &["CFRubricCriteria"][..];
    let criterion = &["rubricId", "CFRubricCriterionLevels", "CFItemURI", "weight", "category"][..];
    let level = &["rubricCriterionId", "quality", "score", "feedback"][..];
    match target_type {
        "CFItem" => has("fullStatement") && !any(rubric) && !any(criterion) && !any(level),
        "CFRubric" => !any(item) && !any(criterion) && !any(level),
        "CFRubricCriterion" => !any(item) && !any(rubric) && !any(level),
        "CFRubricCriterionLevel" => !any(item) && !any(rubric) && !any(criterion),
        _ => false,
    }
}

/// What a CASE JSON object is, by the members only that node type has; `None` when it looks like no CASE node.
pub fn node_type(node: &Value) -> Option<&'static str> {
    let has = |k: &str| node.get(k).is_some();
    Some(if has("fullStatement") {
        "CFItem"
    } else if has("CFRubricCriteria") {
        "CFRubric"
    } else if has("rubricId") || has("CFRubricCriterionLevels") || has("CFItemURI") || has("weight") {
        "CFRubricCriterion"
    } else if has("rubricCriterionId") || has("quality") || has("score") || has("feedback") {
        "CFRubricCriterionLevel"
    } else if has("creator") || has("CFPackageURI") {
        "CFDocument"
    } else if has("associationType") {
        "CFAssociation"
    } else if has("hierarchyCode") || has("licenseText") {
        "a CASE definition (concept, subject, item type or license)"
    } else if has("identifier") && has("uri") && has("lastChangeDateTime") && has("title") {
        // A CFRubric with no criteria has no member of its own: title is all it may add.
        "CFRubric"
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn case_alignments_are_found_by_target_type_or_case_api_url() {
        let doc = json!({
            "credentialSubject": {"achievement": {"alignment": [
                {"targetType": "CFItem", "targetUrl": "https://case.example/uri/1"},
                {"targetType": "ceasn:Competency", "targetUrl": "https://ctdl.example/1"},
                {"targetUrl": "https://case.example/ims/case/v1p0/CFItems/2"},
                {"targetUrl": "https://example.org/standard"},
            ]}},
            "verifiableCredential": [{"alignment": {"targetType": "CFRubric", "targetUrl": "https://x/r"}}],
        });
        let found = find(&doc, &[Ptr::root().key("verifiableCredential").index(0)]);
        let urls: Vec<&str> = found.iter().map(|f| f.3.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://case.example/uri/1",
                "https://case.example/ims/case/v1p0/CFItems/2"
            ]
        );
        assert_eq!(found[1].2, "CFItem");
        assert_eq!(found[0].0.as_str(), "/credentialSubject/achievement/alignment/0");
    }

    #[test]
    fn node_types_are_told_apart() {
        assert_eq!(node_type(&json!({"fullStatement": "x"})), Some("CFItem"));
        assert_eq!(
            node_type(&json!({"rubricCriterionId": "x"})),
            Some("CFRubricCriterionLevel")
        );
        assert_eq!(node_type(&json!({"rubricId": "x"})), Some("CFRubricCriterion"));
        assert_eq!(node_type(&json!({"name": "x"})), None);
    }

    #[test]
    fn a_node_with_only_optional_members_is_the_type_named() {
        let bare = json!({"identifier": "i", "uri": "u", "lastChangeDateTime": "t", "position": 1});
        assert!(is_type(&bare, "CFRubricCriterion") && is_type(&bare, "CFRubricCriterionLevel"));
        assert!(!is_type(&bare, "CFItem"));
        assert!(!is_type(&json!({"fullStatement": "x"}), "CFRubricCriterionLevel"));
        assert!(!is_type(
            &json!({"quality": "x", "category": "y"}),
            "CFRubricCriterionLevel"
        ));
    }
}
