//! JSON helpers every layer uses: RFC 6901 pointers to say where, and the short renderings of values that messages
//! quote. A leaf module: it depends on nothing in the crate.

use std::fmt;

use serde_json::Value;

/// A JSON pointer (RFC 6901) under construction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Ptr(String);

impl Ptr {
    pub fn root() -> Self {
        Ptr(String::new())
    }

    /// Parses an already-escaped pointer string.
    pub fn from_escaped(s: &str) -> Self {
        Ptr(s.to_string())
    }

    pub fn key(&self, key: &str) -> Self {
        Ptr(format!("{}/{}", self.0, key.replace('~', "~0").replace('/', "~1")))
    }

    pub fn index(&self, i: usize) -> Self {
        Ptr(format!("{}/{}", self.0, i))
    }

    /// This pointer below `base` (for embedded credentials located inside a parent document).
    pub fn under(&self, base: &Ptr) -> Self {
        Ptr(format!("{}{}", base.0, self.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Ptr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The root pointer is the empty string; print it so a reader sees where.
        if self.0.is_empty() {
            f.write_str("/")
        } else {
            f.write_str(&self.0)
        }
    }
}

/// A JSON value in one line, cut to a readable length.
pub fn show(v: &Value) -> String {
    const MAX: usize = 120;
    let s = serde_json::to_string(v).unwrap_or_else(|_| "<unprintable>".into());
    if s.chars().count() <= MAX {
        s
    } else {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut}… ({} bytes)", s.len())
    }
}

/// The JSON type name of a value, for "expected a string, found a number" messages.
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The values of a `type` property (a string or an array of strings); `None` if it has another shape.
pub fn type_values(v: &Value) -> Option<Vec<&str>> {
    match v {
        Value::String(s) => Some(vec![s.as_str()]),
        Value::Array(items) => items.iter().map(Value::as_str).collect(),
        _ => None,
    }
}

/// Whether the object's `type` contains `name`.
pub fn has_type(obj: &Value, name: &str) -> bool {
    obj.get("type").and_then(type_values).is_some_and(|t| t.contains(&name))
}
