//! RDFC-1.0 (SHA-256) blank-node labelling, written to match the reference implementation (`rdf-canonize`, used by
//! the Digital Bazaar stack that signs most credentials) where oxrdf 0.3 does not.
//!
//! The difference that forced this module: in Hash N-Degree Quads, the "hash to related blank nodes map" holds a
//! *list* per hash, so a blank node related through several quads (every quad of a named graph relates its nodes to
//! the graph name) is appended once per quad and its identifier appears that many times in the path. oxrdf keeps a
//! set, which yields different labels for OB 3.0 credentials with several identically shaped embedded proofs (the
//! specification's "complete OpenBadgeCredential" example). Permutations follow rdf-canonize's Steinhaus-Johnson-
//! Trotter variant, which treats equal elements as one, so duplicates cost nothing.

use std::collections::{BTreeMap, HashMap};

use oxrdf::Dataset;
use sha2::{Digest, Sha256};

/// Canonicalization gave up: the Hash N-Degree Quads calls were exhausted (a "poison graph"), or the deadline
/// passed — checked at every call, so the work stops where it is and no thread is left running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TooComplex {
    HashCalls,
    Deadline,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Blank(usize),
    /// The component's N-Quads form.
    Fixed(String),
}

struct Quad {
    s: Node,
    p: String,
    o: Node,
    g: Option<Node>,
}

#[derive(Clone)]
struct Issuer {
    prefix: &'static str,
    ids: HashMap<usize, usize>,
    order: Vec<usize>,
}

impl Issuer {
    fn new(prefix: &'static str) -> Self {
        Issuer {
            prefix,
            ids: HashMap::new(),
            order: Vec::new(),
        }
    }
    fn get(&self, node: usize) -> Option<String> {
        self.ids.get(&node).map(|n| format!("_:{}{n}", self.prefix))
    }
    fn issue(&mut self, node: usize) -> String {
        let next = self.order.len();
        let n = *self.ids.entry(node).or_insert_with(|| {
            self.order.push(node);
            next
        });
        format!("_:{}{n}", self.prefix)
    }
}

struct State {
    quads: Vec<Quad>,
    /// Per blank node, the indices of the quads it occurs in (each quad once).
    mentions: Vec<Vec<usize>>,
    first_degree: Vec<String>,
    canonical: Issuer,
    calls_left: usize,
    deadline: Option<std::time::Instant>,
}

fn sha256_hex(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
    }
    hex(&h.finalize())
}

/// Canonical N-Quads (sorted lines) of `dataset`, allowing at most `max_calls` Hash N-Degree Quads invocations.
pub fn canonical_nquads(dataset: &Dataset, max_calls: usize) -> Result<String, TooComplex> {
    canonical_nquads_until(dataset, max_calls, None)
}

/// [`canonical_nquads`] that also gives up once `deadline` has passed.
pub fn canonical_nquads_until(
    dataset: &Dataset,
    max_calls: usize,
    deadline: Option<std::time::Instant>,
) -> Result<String, TooComplex> {
    let mut labels: HashMap<String, usize> = HashMap::new();
    let mut blank = |id: &str| {
        let next = labels.len();
        Node::Blank(*labels.entry(id.to_owned()).or_insert(next))
    };
    let quads: Vec<Quad> = dataset
        .iter()
        .map(|q| Quad {
            s: match q.subject {
                oxrdf::NamedOrBlankNodeRef::BlankNode(b) => blank(b.as_str()),
                other => Node::Fixed(other.to_string()),
            },
            p: q.predicate.to_string(),
            o: match q.object {
                oxrdf::TermRef::BlankNode(b) => blank(b.as_str()),
                other => Node::Fixed(other.to_string()),
            },
            g: match q.graph_name {
                oxrdf::GraphNameRef::DefaultGraph => None,
                oxrdf::GraphNameRef::BlankNode(b) => Some(blank(b.as_str())),
                other => Some(Node::Fixed(other.to_string())),
            },
        })
        .collect();
    let count = labels.len();
    let mut mentions = vec![Vec::new(); count];
    for (i, q) in quads.iter().enumerate() {
        for node in [Some(&q.s), Some(&q.o), q.g.as_ref()].into_iter().flatten() {
            if let Node::Blank(b) = node
                && mentions[*b].last() != Some(&i)
            {
                mentions[*b].push(i);
            }
        }
    }
    let mut state = State {
        quads,
        mentions,
        first_degree: Vec::new(),
        canonical: Issuer::new("c14n"),
        calls_left: max_calls,
        deadline,
    };
    state.first_degree = (0..count).map(|b| state.hash_first_degree(b)).collect();

    let mut by_hash: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (b, h) in state.first_degree.iter().enumerate() {
        by_hash.entry(h.as_str()).or_default().push(b);
    }
    let mut shared = Vec::new();
    for nodes in by_hash.values() {
        match nodes.as_slice() {
            [only] => {
                state.canonical.issue(*only);
            }
            _ => shared.push(nodes.clone()),
        }
    }
    for nodes in shared {
        let mut results = Vec::new();
        for n in nodes {
            if state.canonical.ids.contains_key(&n) {
                continue;
            }
            let mut temporary = Issuer::new("b");
            temporary.issue(n);
            results.push(state.hash_n_degree(n, temporary)?);
        }
        results.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, issuer) in results {
            for n in issuer.order {
                state.canonical.issue(n);
            }
        }
    }

    let label = |n: &Node| match n {
        Node::Blank(b) => state.canonical.get(*b).unwrap_or_default(),
        Node::Fixed(s) => s.clone(),
    };
    let mut lines: Vec<String> = state
        .quads
        .iter()
        .map(|q| match &q.g {
            None => format!("{} {} {} .\n", label(&q.s), q.p, label(&q.o)),
            Some(g) => format!("{} {} {} {} .\n", label(&q.s), q.p, label(&q.o), label(g)),
        })
        .collect();
    lines.sort_unstable();
    lines.dedup();
    Ok(lines.concat())
}

impl State {
    fn hash_first_degree(&self, reference: usize) -> String {
        let local = |n: &Node| match n {
            Node::Blank(b) if *b == reference => "_:a".to_owned(),
            Node::Blank(_) => "_:z".to_owned(),
            Node::Fixed(s) => s.clone(),
        };
        let mut lines: Vec<String> = self.mentions[reference]
            .iter()
            .map(|&i| {
                let q = &self.quads[i];
                match &q.g {
                    None => format!("{} {} {} .\n", local(&q.s), q.p, local(&q.o)),
                    Some(g) => format!("{} {} {} {} .\n", local(&q.s), q.p, local(&q.o), local(g)),
                }
            })
            .collect();
        lines.sort_unstable();
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        sha256_hex(&refs)
    }

    fn hash_related(&self, related: usize, predicate: &str, issuer: &Issuer, position: &str) -> String {
        let id = self
            .canonical
            .get(related)
            .or_else(|| issuer.get(related))
            .unwrap_or_else(|| self.first_degree[related].clone());
        let predicate = if position == "g" { "" } else { predicate };
        sha256_hex(&[position, predicate, &id])
    }

    fn hash_n_degree(&mut self, id: usize, mut issuer: Issuer) -> Result<(String, Issuer), TooComplex> {
        self.calls_left = self.calls_left.checked_sub(1).ok_or(TooComplex::HashCalls)?;
        if self.deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            return Err(TooComplex::Deadline);
        }
        let mut related_by_hash: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for &i in &self.mentions[id] {
            let q = &self.quads[i];
            for (node, position) in [(Some(&q.s), "s"), (Some(&q.o), "o"), (q.g.as_ref(), "g")] {
                if let Some(Node::Blank(b)) = node
                    && *b != id
                {
                    let h = self.hash_related(*b, &q.p, &issuer, position);
                    related_by_hash.entry(h).or_default().push(*b);
                }
            }
        }

        let mut data = String::new();
        for (hash, related) in related_by_hash {
            data.push_str(&hash);
            let mut chosen_path = String::new();
            let mut chosen_issuer = None;
            let mut permutations = Permuter::new(related);
            while let Some(permutation) = permutations.next_permutation() {
                let mut copy = issuer.clone();
                let mut path = String::new();
                let mut recursion = Vec::new();
                let mut pruned = false;
                for &r in &permutation {
                    if let Some(c) = self.canonical.get(r) {
                        path.push_str(&c);
                    } else {
                        if !copy.ids.contains_key(&r) {
                            recursion.push(r);
                        }
                        path.push_str(&copy.issue(r));
                    }
                    if !chosen_path.is_empty() && path > chosen_path {
                        pruned = true;
                        break;
                    }
                }
                if pruned {
                    continue;
                }
                for r in recursion {
                    let (result_hash, result_issuer) = self.hash_n_degree(r, copy.clone())?;
                    copy = result_issuer;
                    path.push_str(&copy.issue(r));
                    path.push('<');
                    path.push_str(&result_hash);
                    path.push('>');
                    if !chosen_path.is_empty() && path > chosen_path {
                        pruned = true;
                        break;
                    }
                }
                if pruned {
                    continue;
                }
                if chosen_path.is_empty() || path < chosen_path {
                    chosen_path = path;
                    chosen_issuer = Some(copy);
                }
            }
            data.push_str(&chosen_path);
            if let Some(chosen) = chosen_issuer {
                issuer = chosen;
            }
        }
        Ok((sha256_hex(&[&data]), issuer))
    }
}

/// rdf-canonize's Steinhaus-Johnson-Trotter permuter: the direction is kept per *value*, and an element is only
/// mobile past a strictly smaller neighbour, so equal elements never swap.
struct Permuter {
    current: Vec<usize>,
    left: HashMap<usize, bool>,
    done: bool,
}

impl Permuter {
    fn new(mut list: Vec<usize>) -> Self {
        list.sort_unstable();
        let left = list.iter().map(|&e| (e, true)).collect();
        Permuter {
            current: list,
            left,
            done: false,
        }
    }

    fn next_permutation(&mut self) -> Option<Vec<usize>> {
        if self.done {
            return None;
        }
        let out = self.current.clone();
        let n = self.current.len();
        let mut mobile: Option<(usize, usize)> = None;
        for i in 0..n {
            let e = self.current[i];
            let left = self.left.get(&e).copied().unwrap_or(true);
            let movable = if left {
                i > 0 && e > self.current[i - 1]
            } else {
                i + 1 < n && e > self.current[i + 1]
            };
            if movable && mobile.is_none_or(|(k, _)| e > k) {
                mobile = Some((e, i));
            }
        }
        match mobile {
            None => self.done = true,
            Some((k, pos)) => {
                let swap = if self.left.get(&k).copied().unwrap_or(true) {
                    pos - 1
                } else {
                    pos + 1
                };
                self.current.swap(pos, swap);
                for e in &self.current {
                    if *e > k
                        && let Some(d) = self.left.get_mut(e)
                    {
                        *d = !*d;
                    }
                }
            }
        }
        Some(out)
    }
}

/// Lower-case hex, for reports.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset(nquads: &str) -> Dataset {
        let mut d = Dataset::new();
        for line in nquads.lines() {
            let t: Vec<&str> = line.trim_end_matches(" .").split(' ').collect();
            let node = |s: &str| match s.strip_prefix("_:") {
                Some(b) => oxrdf::NamedOrBlankNode::from(oxrdf::BlankNode::new_unchecked(b)),
                None => oxrdf::NamedNode::new_unchecked(s.trim_matches(['<', '>'])).into(),
            };
            let object: oxrdf::Term = match t[2].strip_prefix('"') {
                Some(v) => oxrdf::Literal::new_simple_literal(v.trim_end_matches('"')).into(),
                None => node(t[2]).into(),
            };
            let graph = t.get(3).map_or(oxrdf::GraphName::DefaultGraph, |g| node(g).into());
            d.insert(&oxrdf::Quad::new(
                node(t[0]),
                oxrdf::NamedNode::new_unchecked(t[1].trim_matches(['<', '>'])),
                object,
                graph,
            ));
        }
        d
    }

    /// Two look-alike proof graphs: each proof node relates to its graph name once per quad. Expected output from
    /// rdf-canonize 5.0 (`canonize(…, {algorithm: 'RDFC-1.0'})`); oxrdf 0.3.5 swaps the two proof labels.
    #[test]
    fn related_nodes_count_once_per_quad_like_the_reference_implementation() {
        let input = "<urn:e1> <urn:proof> _:g1 .\n<urn:e2> <urn:proof> _:g2 .\n\
            _:p1 <urn:type> <urn:Proof> _:g1 .\n_:p1 <urn:value> \"v\" _:g1 .\n\
            _:p2 <urn:type> <urn:Proof> _:g2 .\n_:p2 <urn:value> \"v\" _:g2 .";
        let expected = "<urn:e1> <urn:proof> _:c14n1 .\n<urn:e2> <urn:proof> _:c14n0 .\n\
            _:c14n2 <urn:type> <urn:Proof> _:c14n0 .\n_:c14n2 <urn:value> \"v\" _:c14n0 .\n\
            _:c14n3 <urn:type> <urn:Proof> _:c14n1 .\n_:c14n3 <urn:value> \"v\" _:c14n1 .\n";
        assert_eq!(canonical_nquads(&dataset(input), 1_000), Ok(expected.to_owned()));
        assert_eq!(canonical_nquads(&dataset(input), 0), Err(TooComplex::HashCalls));
        let mut ox = dataset(input);
        ox.canonicalize(oxrdf::dataset::CanonicalizationAlgorithm::Rdfc10 {
            hash_algorithm: oxrdf::dataset::CanonicalizationHashAlgorithm::Sha256,
        });
        let mut lines: Vec<String> = ox.iter().map(|q| format!("{q} .\n")).collect();
        lines.sort_unstable();
        assert_ne!(
            lines.concat(),
            expected,
            "oxrdf now agrees: this module may be replaceable"
        );
    }

    #[test]
    fn permuter_yields_all_orders_of_distinct_elements() {
        let mut p = Permuter::new(vec![3, 1, 2]);
        let mut all = Vec::new();
        while let Some(x) = p.next_permutation() {
            all.push(x);
        }
        assert_eq!(all.len(), 6);
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 6);
    }

    #[test]
    fn permuter_treats_equal_elements_as_one() {
        let mut p = Permuter::new(vec![5; 6]);
        assert_eq!(p.next_permutation(), Some(vec![5; 6]));
        assert_eq!(p.next_permutation(), None);
    }
}
