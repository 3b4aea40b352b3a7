//! JSON text → `serde_json::Value`, with UTF-8 and syntax errors located by line and column, and an index from
//! JSON pointers to source positions so findings can quote the offending line.

use std::collections::HashMap;

/// JSON pointer → (1-based line, 1-based column) of the value it designates.
#[derive(Debug, Clone, Default)]
pub struct SpanIndex {
    positions: HashMap<String, (u64, u64)>,
    lines: Vec<String>,
}

impl SpanIndex {
    /// Position of the value at `pointer`, or of its nearest existing ancestor.
    pub fn position(&self, pointer: &str) -> Option<(u64, u64)> {
        let _ = (&self.positions, pointer);
        todo!()
    }

    /// The text of a 1-based line.
    pub fn line(&self, line: u64) -> Option<&str> {
        let _ = (&self.lines, line);
        todo!()
    }
}
