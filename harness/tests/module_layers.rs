//! The import picture of `harness/src` stays a set of layers: no two modules import each other, directly or through
//! others, and the leaf modules (`json`, `lexical`, `datetime`, `vocab`) import nothing above them.
//!
//! A module here is a top-level file or folder of `src/`, or one file of a folder whose files are layers of their
//! own (`api/`, `checks/`, `consumer/`, `jsonld/`, `proof/`, `decode/`, `generate/`, `verifier/`). Imports are read from the source text
//! (`crate::a::b`, `super::x`, `super::{x, y}`), outside comments and `#[cfg(test)] mod tests` blocks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Folders whose files are modules of their own in the picture.
const SPLIT: &[&str] = &[
    "api", "checks", "consumer", "jsonld", "proof", "decode", "generate", "verifier",
];
/// Modules that may import only each other.
const LEAVES: &[&str] = &["json", "lexical", "datetime", "vocab"];

type Graph = BTreeMap<String, BTreeSet<String>>;

#[test]
fn harness_src_has_no_import_cycles() {
    let graph = import_graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(
        graph.contains_key("check") && graph.contains_key("api/oauth"),
        "the walk found the modules"
    );
    let cycles = strongly_connected(&graph);
    assert!(cycles.is_empty(), "modules that import each other: {cycles:?}");
}

#[test]
fn leaf_modules_import_only_leaves() {
    let graph = import_graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    for leaf in LEAVES {
        let above: Vec<&String> = graph
            .get(*leaf)
            .into_iter()
            .flatten()
            .filter(|m| !LEAVES.contains(&m.as_str()))
            .collect();
        assert!(above.is_empty(), "{leaf} imports {above:?}");
    }
}

#[test]
fn the_reader_sees_through_comments_tests_and_brace_lists() {
    let src = "use super::{a, b::c};\n// crate::ignored\nfn f() { crate::x::y(); }\n#[cfg(test)]\nmod tests { use crate::z; }\n";
    let mut found = BTreeSet::new();
    imports(src, &["api".to_string(), "listing".to_string()], &|_| true, &mut found);
    let found: Vec<&str> = found.iter().map(String::as_str).collect();
    assert_eq!(found, ["api/a", "api/b", "x"]);
}

#[test]
fn a_cycle_through_a_third_module_is_found() {
    let edges = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")];
    let mut graph = Graph::new();
    for (from, to) in edges {
        graph.entry(from.to_string()).or_default().insert(to.to_string());
    }
    assert_eq!(strongly_connected(&graph), vec![vec!["a", "b", "c"]]);
}

fn import_graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    collect(src, &mut files);
    let exists = |parts: &[String]| {
        let joined = parts.join("/");
        src.join(format!("{joined}.rs")).is_file() || src.join(&joined).join("mod.rs").is_file()
    };
    let mut graph = Graph::new();
    for file in files {
        let rel = file.strip_prefix(src).unwrap_or(&file).with_extension("");
        let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        if parts.last().is_some_and(|p| p == "mod") {
            parts.pop();
        }
        if parts == ["lib"] || parts.last().is_some_and(|p| p == "tests") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let mut found = BTreeSet::new();
        imports(&text, &parts, &exists, &mut found);
        let me = unit(&parts);
        found.remove(&me);
        graph.entry(me).or_default().extend(found);
    }
    graph
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The picture's module for a module path.
fn unit(parts: &[String]) -> String {
    match parts {
        [] => "lib".into(),
        [top, second, ..] if SPLIT.contains(&top.as_str()) => format!("{top}/{second}"),
        [top, ..] => top.clone(),
    }
}

/// Adds the modules `src` (the text of module `me`) imports.
fn imports(src: &str, me: &[String], exists: &dyn Fn(&[String]) -> bool, out: &mut BTreeSet<String>) {
    let code = without_tests(&without_comments(src));
    let parent = &me[..me.len().saturating_sub(1)];
    let resolve = |path: Vec<String>| -> String {
        let longest = (1..=path.len()).rev().find(|n| exists(&path[..*n])).unwrap_or(1);
        unit(&path[..longest.min(path.len())])
    };
    for (i, _) in code.match_indices("crate::") {
        let path = path_after(&code[i + "crate::".len()..]);
        if !path.is_empty() {
            out.insert(resolve(path));
        }
    }
    for (i, _) in code.match_indices("super::") {
        let rest = &code[i + "super::".len()..];
        let names: Vec<Vec<String>> = match rest.strip_prefix('{') {
            Some(list) => list
                .split('}')
                .next()
                .unwrap_or_default()
                .split(',')
                .map(path_after)
                .collect(),
            None => vec![path_after(rest)],
        };
        for name in names.into_iter().filter(|n| !n.is_empty()) {
            let mut path = parent.to_vec();
            path.extend(name);
            if exists(&path[..parent.len() + 1]) {
                out.insert(resolve(path));
            } else if !parent.is_empty() {
                out.insert(unit(parent));
            }
        }
    }
}

/// The lower-case module path at the start of `s` (`a::b::C` gives `[a, b]`, `a::f(…` gives `[a, f]`).
fn path_after(s: &str) -> Vec<String> {
    let mut path = Vec::new();
    for segment in s.trim_start().split("::") {
        let name: String = segment
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
            break;
        }
        let whole = name.len() == segment.len();
        path.push(name);
        if !whole {
            break;
        }
    }
    path
}

fn without_comments(src: &str) -> String {
    src.lines()
        .map(|line| match line.find("//") {
            Some(i) if !line[..i].contains('"') => &line[..i],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `src` without its `#[cfg(test)] mod tests { … }` blocks (braces counted; one left open runs to the end).
fn without_tests(src: &str) -> String {
    let mut out = String::new();
    let mut rest = src;
    while let Some(start) = rest.find("#[cfg(test)]") {
        let after = &rest[start + "#[cfg(test)]".len()..];
        let Some(body) = after.trim_start().strip_prefix("mod tests").map(str::trim_start) else {
            out.push_str(&rest[..start + 1]);
            rest = &rest[start + 1..];
            continue;
        };
        out.push_str(&rest[..start]);
        let Some(block) = body.strip_prefix('{') else {
            rest = body;
            continue;
        };
        let mut depth = 1usize;
        let mut end = block.len();
        for (i, c) in block.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &block[end..];
    }
    out.push_str(rest);
    out
}

/// The strongly connected components with more than one module (Tarjan).
fn strongly_connected(graph: &Graph) -> Vec<Vec<String>> {
    struct State<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    let nodes: BTreeSet<&str> = graph
        .iter()
        .flat_map(|(k, v)| std::iter::once(k.as_str()).chain(v.iter().map(String::as_str)))
        .collect();
    for v in nodes {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.found
}
