//! The collection query parameters of getAllCFDocuments: `limit`, `offset`, `sort`, `orderBy`, `filter`, `fields`
//! (CASE REST binding §3), applied to a list of JSON objects.

use std::cmp::Ordering;

use serde_json::{Map, Value};

/// A query parameter the spec says to reject, with the imsx_codeMinor to report.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QueryError {
    #[error("{0}")]
    Selection(String),
    #[error("{0}")]
    Sort(String),
    #[error("{0}")]
    Filter(String),
}

impl QueryError {
    pub fn code_minor(&self) -> &'static str {
        match self {
            QueryError::Selection(_) => "invalid_selection_field",
            QueryError::Sort(_) => "invalid_sort_field",
            QueryError::Filter(_) => "invalid_filter_field",
        }
    }
}

/// Page size of a list endpoint when the request names no `limit` (the CASE binding's default).
pub const DEFAULT_LIMIT: usize = 100;
/// The largest page; a larger `limit` is clamped to it (the binding gives no maximum and no error for one), and the
/// `Link` URLs name the limit applied.
pub const MAX_LIMIT: usize = 1000;

/// The parsed parameters.
#[derive(Debug, Default)]
pub struct Query {
    pub limit: Option<usize>,
    pub offset: usize,
    sort: Option<String>,
    descending: bool,
    filter: Option<Filter>,
    fields: Option<Vec<String>>,
}

#[derive(Debug)]
struct Filter {
    clauses: Vec<Clause>,
    any: bool,
}

#[derive(Debug)]
struct Clause {
    field: String,
    op: &'static str,
    value: String,
}

const OPS: [&str; 7] = ["!=", ">=", "<=", "=", ">", "<", "~"];

impl Query {
    pub fn parse(pairs: &[(String, String)]) -> Result<Query, QueryError> {
        let mut q = Query::default();
        for (name, value) in pairs {
            match name.as_str() {
                "limit" => match value.parse::<usize>() {
                    Ok(n) if n > 0 => q.limit = Some(n),
                    _ => {
                        return Err(QueryError::Selection(format!(
                            "limit {value:?} is not a positive integer"
                        )));
                    }
                },
                "offset" => {
                    q.offset = value
                        .parse()
                        .map_err(|_| QueryError::Selection(format!("offset {value:?} is not a non-negative integer")))?
                }
                "sort" => q.sort = Some(value.clone()),
                "orderBy" => {
                    q.descending = match value.as_str() {
                        "asc" => false,
                        "desc" => true,
                        _ => return Err(QueryError::Sort(format!("orderBy {value:?} is neither asc nor desc"))),
                    }
                }
                "filter" => q.filter = Some(parse_filter(value)?),
                "fields" => {
                    let fields: Vec<String> = value
                        .split(',')
                        .map(str::trim)
                        .filter(|f| !f.is_empty())
                        .map(str::to_owned)
                        .collect();
                    if fields.is_empty() {
                        return Err(QueryError::Selection("fields is blank".into()));
                    }
                    q.fields = Some(fields);
                }
                _ => {}
            }
        }
        Ok(q)
    }

    /// Filters and sorts `all`; paging and field selection come after counting.
    pub fn select(&self, all: &[Value]) -> Result<Vec<Value>, QueryError> {
        let mut out = Vec::new();
        for v in all {
            if self.filter.as_ref().map_or(Ok(true), |f| f.matches(v))? {
                out.push(v.clone());
            }
        }
        // An unknown sort field keeps the provider's order, as the binding says.
        if let Some(field) = self
            .sort
            .as_deref()
            .filter(|f| all.iter().any(|v| lookup(v, f).is_some()))
        {
            out.sort_by(|a, b| compare(lookup(a, field), lookup(b, field)));
        }
        if self.descending {
            out.reverse();
        }
        Ok(out)
    }

    /// The page size served: the requested `limit` up to [`MAX_LIMIT`], else [`DEFAULT_LIMIT`].
    pub fn page_size(&self) -> usize {
        self.limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT)
    }

    /// One page of `selected`, each object cut down to the requested fields.
    pub fn page(&self, selected: &[Value]) -> Vec<Value> {
        let limit = self.page_size();
        selected
            .iter()
            .skip(self.offset)
            .take(limit)
            .map(|v| self.project(v))
            .collect()
    }

    fn project(&self, v: &Value) -> Value {
        let (Some(fields), Some(obj)) = (&self.fields, v.as_object()) else {
            return v.clone();
        };
        let picked: Map<String, Value> = obj
            .iter()
            .filter(|(k, _)| fields.iter().any(|f| f == *k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        // Only unknown fields asked for: the binding says to return everything.
        if picked.is_empty() {
            v.clone()
        } else {
            Value::Object(picked)
        }
    }
}

fn parse_filter(text: &str) -> Result<Filter, QueryError> {
    let bad = || QueryError::Filter(format!("filter {text:?} is not <field><op>'<value>' [AND|OR …]"));
    let (parts, any): (Vec<&str>, bool) = if text.contains(" OR ") {
        (text.split(" OR ").collect(), true)
    } else {
        (text.split(" AND ").collect(), false)
    };
    let clauses = parts
        .into_iter()
        .map(|part| {
            let (at, op) = OPS
                .iter()
                .filter_map(|op| part.find(op).map(|at| (at, *op)))
                .min_by_key(|(at, _)| *at)
                .ok_or_else(bad)?;
            let field = part[..at].trim();
            let value = part[at + op.len()..]
                .trim()
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .ok_or_else(bad)?;
            if field.is_empty() {
                return Err(bad());
            }
            Ok(Clause {
                field: field.into(),
                op,
                value: value.to_lowercase(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Filter { clauses, any })
}

impl Filter {
    fn matches(&self, v: &Value) -> Result<bool, QueryError> {
        let mut hits = Vec::new();
        for c in &self.clauses {
            hits.push(c.matches(v)?);
        }
        Ok(if self.any {
            hits.iter().any(|h| *h)
        } else {
            hits.iter().all(|h| *h)
        })
    }
}

impl Clause {
    fn matches(&self, v: &Value) -> Result<bool, QueryError> {
        let Some(found) = lookup(v, &self.field) else {
            return Err(QueryError::Filter(format!("unknown filter field {:?}", self.field)));
        };
        let found = match found {
            Value::String(s) => s.to_lowercase(),
            other => other.to_string().to_lowercase(),
        };
        let ord = found.as_str().cmp(self.value.as_str());
        Ok(match self.op {
            "=" => ord == Ordering::Equal,
            "!=" => ord != Ordering::Equal,
            ">" => ord == Ordering::Greater,
            ">=" => ord != Ordering::Less,
            "<" => ord == Ordering::Less,
            "<=" => ord != Ordering::Greater,
            _ => found.contains(&self.value),
        })
    }
}

/// A member by dot path (`licenseURI.title`).
fn lookup<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, key| v.get(key))
}

fn compare(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => {
            x.as_f64().partial_cmp(&y.as_f64()).unwrap_or(Ordering::Equal)
        }
        (Some(Value::String(x)), Some(Value::String(y))) => x.to_lowercase().cmp(&y.to_lowercase()).then(x.cmp(y)),
        (x, y) => x.is_some().cmp(&y.is_some()),
    }
}
