//! Differential oracle for RDFC-1.0: many small random datasets, canonicalized by the harness (`jsonld::rdfc`) and
//! by the independent `rdf-canon` crate (a separate implementation on oxrdf 0.2), must give identical canonical
//! N-Quads. The shapes lean on what makes RDFC-1.0 hard: blank nodes that look alike (cycles, cliques, isomorphic
//! twins, blank graph names), where Hash N-Degree Quads and its permutations decide the labels.
//!
//! One seeded PRNG (SplitMix64) per trial, derived from one run seed: printed at start, `CLR_GEN_SEED=<n>` replays
//! it. A failure names the shape, the case and its input.
//!
//! Excluded from the differential: a quad in which one blank node fills two positions (`_:x <p> _:x`, or the same
//! blank node as subject or object and graph name). rdf-canon 0.15 records such a quad once per position in its
//! blank node to quads map, so the quad is hashed twice into the first-degree hash; the reference implementation
//! (rdf-canonize) keeps a set of quads per blank node, and so does the harness. The pinned trial
//! `a-quad-repeating-a-blank-node-counts-once` holds the harness to the reference on that shape instead.
//!
//! Not counted as a disagreement: a dataset with no single RDFC-1.0 form, where rdf-canon's own output changes with
//! the blank node labels (tied N-degree hashes, see `tied-n-degree-hashes-leave-two-forms`). Such cases must stay
//! under 5% of a shape; in practice a few per 20k, all among blank graph names.

use std::fmt::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use libtest_mimic::{Failed, Trial};

use crate::{harness_canonical, mismatch};

const PREFIX: &str = "oracle";

/// (shape, cases). About 20k datasets in all.
const SHAPES: &[(&str, usize)] = &[
    ("random", 8_000),
    ("cycles", 3_000),
    ("cliques", 1_500),
    ("isomorphic-twins", 4_000),
    ("blank-graph-names", 3_500),
];

pub fn trials() -> Vec<Trial> {
    let seed = std::env::var("CLR_GEN_SEED")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
        });
    eprintln!("oracle seed: {seed} (replay with CLR_GEN_SEED={seed})");
    let mut trials: Vec<Trial> = SHAPES
        .iter()
        .enumerate()
        .map(|(i, &(shape, cases))| {
            Trial::test(format!("{PREFIX}::{shape}"), move || {
                differential(seed, i as u64, shape, cases)
            })
        })
        .collect();
    trials.push(Trial::test(
        format!("{PREFIX}::a-quad-repeating-a-blank-node-counts-once"),
        repeated_blank_node,
    ));
    trials.push(Trial::test(
        format!("{PREFIX}::tied-n-degree-hashes-leave-two-forms"),
        tied_n_degree_hashes,
    ));
    trials
}

/// SplitMix64: tiny, seedable, good enough to pick shapes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.range(0, i));
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Node {
    Blank(usize),
    Iri(usize),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Object {
    Node(Node),
    Literal(usize),
}

#[derive(Clone, Copy)]
struct Q {
    s: Node,
    p: usize,
    o: Object,
    g: Option<Node>,
}

impl Q {
    /// The shape rdf-canon 0.15 counts differently (see the module comment).
    fn repeats_a_blank_node(&self) -> bool {
        let mut blanks = Vec::with_capacity(3);
        for n in [Some(self.s), self.o_node(), self.g].into_iter().flatten() {
            if let Node::Blank(b) = n {
                if blanks.contains(&b) {
                    return true;
                }
                blanks.push(b);
            }
        }
        false
    }
    fn o_node(&self) -> Option<Node> {
        match self.o {
            Object::Node(n) => Some(n),
            Object::Literal(_) => None,
        }
    }
}

const LITERALS: &[(&str, Option<&str>, Option<&str>)] = &[
    ("v", None, None),
    ("w", None, None),
    ("v", Some("en"), None),
    ("1", None, Some("http://www.w3.org/2001/XMLSchema#integer")),
    ("tab\there \"quoted\" back\\slash\nnew line", None, None),
];

/// One generated dataset: quads over blank nodes `0..blanks`, labelled in the input by `labels`.
struct Case {
    quads: Vec<Q>,
    labels: Vec<String>,
}

fn iri(i: usize) -> String {
    format!("urn:ex:n{i}")
}
fn predicate(i: usize) -> String {
    format!("http://example.org/vocab#p{i}")
}

impl Case {
    fn new(rng: &mut Rng, blanks: usize, quads: Vec<Q>) -> Self {
        // Labels unrelated to the order of creation, so neither side can lean on input labels.
        let mut labels: Vec<String> = (0..blanks).map(|i| format!("b{}x{}", rng.range(0, 99), i)).collect();
        rng.shuffle(&mut labels);
        Case {
            quads: quads.into_iter().filter(|q| !q.repeats_a_blank_node()).collect(),
            labels,
        }
    }

    /// The same dataset under other blank node labels: sorted in the reverse order of these, or shuffled.
    fn relabelled(&self, rng: &mut Rng, reverse: bool) -> Case {
        let mut order: Vec<usize> = (0..self.labels.len()).collect();
        if reverse {
            order.sort_by(|&a, &b| self.labels[b].cmp(&self.labels[a]));
        } else {
            rng.shuffle(&mut order);
        }
        let mut labels = vec![String::new(); order.len()];
        for (rank, &b) in order.iter().enumerate() {
            labels[b] = format!("r{rank:03}");
        }
        Case {
            quads: self.quads.clone(),
            labels,
        }
    }

    fn nquads(&self) -> String {
        let node = |n: Node| match n {
            Node::Blank(b) => format!("_:{}", self.labels[b]),
            Node::Iri(i) => format!("<{}>", iri(i)),
        };
        let mut out = String::new();
        for q in &self.quads {
            let o = match q.o {
                Object::Node(n) => node(n),
                Object::Literal(l) => format!("literal#{l}"),
            };
            let g = q.g.map(|g| format!(" {}", node(g))).unwrap_or_default();
            let _ = writeln!(out, "{} <{}> {o}{g} .", node(q.s), predicate(q.p));
        }
        out
    }

    fn harness(&self) -> oxrdf::Dataset {
        use oxrdf::{BlankNode, GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term};
        let node = |n: Node| -> NamedOrBlankNode {
            match n {
                Node::Blank(b) => BlankNode::new_unchecked(self.labels[b].as_str()).into(),
                Node::Iri(i) => NamedNode::new_unchecked(iri(i)).into(),
            }
        };
        let literal = |l: usize| -> Term {
            match LITERALS[l] {
                (v, Some(lang), _) => Literal::new_language_tagged_literal_unchecked(v, lang).into(),
                (v, None, Some(dt)) => Literal::new_typed_literal(v, NamedNode::new_unchecked(dt)).into(),
                (v, None, None) => Literal::new_simple_literal(v).into(),
            }
        };
        self.quads
            .iter()
            .map(|q| {
                Quad::new(
                    node(q.s),
                    NamedNode::new_unchecked(predicate(q.p)),
                    match q.o {
                        Object::Node(n) => Term::from(node(n)),
                        Object::Literal(l) => literal(l),
                    },
                    q.g.map_or(GraphName::DefaultGraph, |g| node(g).into()),
                )
            })
            .collect()
    }

    fn rdf_canon(&self) -> oxrdf_02::Dataset {
        use oxrdf_02::{BlankNode, GraphName, Literal, NamedNode, Quad, Subject, Term};
        let node = |n: Node| -> Subject {
            match n {
                Node::Blank(b) => BlankNode::new_unchecked(self.labels[b].as_str()).into(),
                Node::Iri(i) => NamedNode::new_unchecked(iri(i)).into(),
            }
        };
        let literal = |l: usize| -> Term {
            match LITERALS[l] {
                (v, Some(lang), _) => Literal::new_language_tagged_literal_unchecked(v, lang).into(),
                (v, None, Some(dt)) => Literal::new_typed_literal(v, NamedNode::new_unchecked(dt)).into(),
                (v, None, None) => Literal::new_simple_literal(v).into(),
            }
        };
        let graph = |n: Node| -> GraphName {
            match n {
                Node::Blank(b) => BlankNode::new_unchecked(self.labels[b].as_str()).into(),
                Node::Iri(i) => NamedNode::new_unchecked(iri(i)).into(),
            }
        };
        self.quads
            .iter()
            .map(|q| {
                Quad::new(
                    node(q.s),
                    NamedNode::new_unchecked(predicate(q.p)),
                    match q.o {
                        Object::Node(n) => Term::from(node(n)),
                        Object::Literal(l) => literal(l),
                    },
                    q.g.map_or(GraphName::DefaultGraph, graph),
                )
            })
            .collect()
    }
}

fn differential(seed: u64, salt: u64, shape: &str, cases: usize) -> Result<(), Failed> {
    let mut rng = Rng(seed ^ salt.wrapping_mul(0x2545_f491_4f6c_dd1d));
    let mut open = 0;
    for i in 0..cases {
        let case = generate(&mut rng, shape);
        if case.quads.is_empty() {
            continue;
        }
        let ours = harness_canonical(&case.harness())?;
        let theirs = rdf_canon_nquads(&case).map_err(|e| {
            format!(
                "rdf-canon failed ({e}) on {shape} case {i} (CLR_GEN_SEED={seed}):\n{}",
                case.nquads()
            )
        })?;
        if ours == theirs {
            continue;
        }
        // Where N-degree hashes tie between blank nodes that are not automorphic, RDFC-1.0 leaves the labels to
        // each implementation's input order (see `tied_n_degree_hashes`): rdf-canon's own output then changes
        // with the labels, and the disagreement is no defect of either side.
        let mut relabelled = (0..3).map(|k| case.relabelled(&mut rng, k == 0));
        if relabelled.any(|other| rdf_canon_nquads(&other).is_ok_and(|o| o != theirs)) {
            open += 1;
            continue;
        }
        return Err(mismatch(
            &format!(
                "{shape} case {i} (CLR_GEN_SEED={seed}): the harness and rdf-canon disagree on\n{}\
                 (literal#n: LITERALS[n]; expected = rdf-canon, actual = harness)",
                case.nquads()
            ),
            &theirs,
            &ours,
        ));
    }
    // Those cases test nothing: they must stay rare, or the shape no longer tests the harness.
    if open * 20 > cases {
        return Err(
            format!("{open} of {cases} {shape} cases have no single RDFC-1.0 form (CLR_GEN_SEED={seed})").into(),
        );
    }
    Ok(())
}

fn rdf_canon_nquads(case: &Case) -> Result<String, rdf_canon::CanonicalizationError> {
    rdf_canon::canonicalize(&case.rdf_canon())
}

fn generate(rng: &mut Rng, shape: &str) -> Case {
    match shape {
        "random" => random(rng),
        "cycles" => cycles(rng),
        "cliques" => cliques(rng),
        "isomorphic-twins" => twins(rng),
        "blank-graph-names" => blank_graph_names(rng),
        other => unreachable!("shape {other}"),
    }
}

fn any_node(rng: &mut Rng, blanks: usize, iris: usize) -> Node {
    if iris == 0 || rng.chance(75) {
        Node::Blank(rng.range(0, blanks - 1))
    } else {
        Node::Iri(rng.range(0, iris - 1))
    }
}

fn any_object(rng: &mut Rng, blanks: usize, iris: usize) -> Object {
    if rng.chance(20) {
        Object::Literal(rng.range(0, LITERALS.len() - 1))
    } else {
        Object::Node(any_node(rng, blanks, iris))
    }
}

/// Anything: a few blank nodes, IRIs and literals, 1-3 predicates, some quads in named graphs.
fn random(rng: &mut Rng) -> Case {
    let blanks = rng.range(1, 6);
    let iris = rng.range(0, 2);
    let predicates = rng.range(1, 3);
    let count = rng.range(1, 10);
    let quads = (0..count)
        .map(|_| Q {
            s: any_node(rng, blanks, iris),
            p: rng.range(0, predicates - 1),
            o: any_object(rng, blanks, iris),
            g: match rng.range(0, 9) {
                0 => Some(Node::Iri(0)),
                1 => Some(Node::Blank(rng.range(0, blanks - 1))),
                _ => None,
            },
        })
        .collect();
    Case::new(rng, blanks, quads)
}

/// One or two directed rings of blank nodes on one predicate, sometimes a chord, a back edge or a label.
fn cycles(rng: &mut Rng) -> Case {
    let mut quads = Vec::new();
    let mut blanks = 0;
    for _ in 0..rng.range(1, 2) {
        let len = rng.range(2, 6);
        let first = blanks;
        blanks += len;
        for k in 0..len {
            let (a, b) = (first + k, first + (k + 1) % len);
            quads.push(Q {
                s: Node::Blank(a),
                p: 0,
                o: Object::Node(Node::Blank(b)),
                g: None,
            });
            if rng.chance(20) {
                quads.push(Q {
                    s: Node::Blank(b),
                    p: 1,
                    o: Object::Node(Node::Blank(a)),
                    g: None,
                });
            }
        }
        if len > 3 && rng.chance(30) {
            quads.push(Q {
                s: Node::Blank(first),
                p: 0,
                o: Object::Node(Node::Blank(first + rng.range(2, len - 2))),
                g: None,
            });
        }
        if rng.chance(30) {
            quads.push(Q {
                s: Node::Blank(first + rng.range(0, len - 1)),
                p: 2,
                o: Object::Literal(0),
                g: None,
            });
        }
    }
    Case::new(rng, blanks, quads)
}

/// Every pair of 2-5 blank nodes related both ways (the 10-node clique is the suite's poison graph).
fn cliques(rng: &mut Rng) -> Case {
    let size = rng.range(2, 5);
    let predicates = rng.range(1, 2);
    let mut quads = Vec::new();
    for a in 0..size {
        for b in 0..size {
            if a != b {
                quads.push(Q {
                    s: Node::Blank(a),
                    p: rng.range(0, predicates - 1),
                    o: Object::Node(Node::Blank(b)),
                    g: None,
                });
            }
        }
    }
    if rng.chance(30) {
        quads.push(Q {
            s: Node::Iri(0),
            p: 2,
            o: Object::Node(Node::Blank(0)),
            g: None,
        });
    }
    Case::new(rng, size, quads)
}

/// A random component and one or two isomorphic copies on fresh blank nodes, perhaps in other graphs, perhaps
/// hung from the same IRI: identical hashes everywhere until the graphs tell them apart.
fn twins(rng: &mut Rng) -> Case {
    let blanks = rng.range(1, 4);
    let count = rng.range(1, 5);
    let component: Vec<Q> = (0..count)
        .map(|_| Q {
            s: any_node(rng, blanks, 1),
            p: rng.range(0, 1),
            o: any_object(rng, blanks, 1),
            g: None,
        })
        .collect();
    let copies = rng.range(2, 3);
    let mut quads = Vec::new();
    for c in 0..copies {
        let shift = |n: Node| match n {
            Node::Blank(b) => Node::Blank(b + c * blanks),
            iri => iri,
        };
        let g = match rng.range(0, 3) {
            0 => Some(Node::Iri(1 + c)),
            1 => Some(Node::Blank(copies * blanks + c)),
            _ => None,
        };
        for q in &component {
            quads.push(Q {
                s: shift(q.s),
                p: q.p,
                o: match q.o {
                    Object::Node(n) => Object::Node(shift(n)),
                    literal => literal,
                },
                g,
            });
        }
        if rng.chance(40) {
            quads.push(Q {
                s: Node::Iri(0),
                p: 2,
                o: Object::Node(Node::Blank(c * blanks)),
                g: None,
            });
        }
    }
    Case::new(rng, copies * blanks + copies, quads)
}

/// Look-alike named graphs under blank graph names, each referenced from the default graph, with blank nodes
/// sometimes shared between graphs (the credential shape: several embedded proofs).
fn blank_graph_names(rng: &mut Rng) -> Case {
    let graphs = rng.range(1, 3);
    let inner = rng.range(1, 3);
    let blanks = graphs + inner;
    let mut quads = Vec::new();
    for g in 0..graphs {
        quads.push(Q {
            s: Node::Iri(g % 2),
            p: 0,
            o: Object::Node(Node::Blank(g)),
            g: None,
        });
        for _ in 0..rng.range(1, 3) {
            quads.push(Q {
                s: Node::Blank(graphs + rng.range(0, inner - 1)),
                p: rng.range(1, 2),
                o: if rng.chance(50) {
                    Object::Literal(rng.range(0, 2))
                } else {
                    Object::Node(any_node(rng, blanks, 2))
                },
                g: Some(Node::Blank(g)),
            });
        }
    }
    Case::new(rng, blanks, quads)
}

/// `_:x <urn:ex:p> _:x . _:y <urn:ex:p> <urn:ex:e> .`, worked by hand from the RDFC-1.0 algorithm:
///
/// - The blank node to quads map (4.4.3 step 2) relates `_:x` to its one quad, once: the reference implementation
///   keeps a *set* of quads per blank node (rdf-canonize `blankNodeInfo.get(id).quads.add(quad)`).
/// - Hash First Degree Quads (4.6.3) of `_:x` is SHA-256 of `_:a <urn:ex:p> _:a .\n`, which is
///   `7d3493ca…64d8`; of `_:y`, SHA-256 of `_:a <urn:ex:p> <urn:ex:e> .\n`, which is `6dea7c45…0718`.
/// - Both hashes are unique, so labels are issued in hash order (4.4.3 step 5): `_:y` → `_:c14n0`, `_:x` →
///   `_:c14n1`. No N-degree hashing is involved.
///
/// rdf-canonize 5.0 (`canonize(…, {algorithm: 'RDFC-1.0'})`) gives exactly that. rdf-canon 0.15 lists the quad
/// twice for `_:x`, hashes `_:a <urn:ex:p> _:a .\n` twice (`469e4c57…0c42`, which sorts before `6dea…`) and
/// swaps the two labels. Once rdf-canon agrees, this trial says so, and the shape can join the differential.
fn repeated_blank_node() -> Result<(), Failed> {
    let input = "_:x <urn:ex:p> _:x .\n_:y <urn:ex:p> <urn:ex:e> .\n";
    let reference = "_:c14n0 <urn:ex:p> <urn:ex:e> .\n_:c14n1 <urn:ex:p> _:c14n1 .\n";
    let dataset = crate::parse_nquads(input)?;
    let ours = harness_canonical(&dataset)?;
    if ours != reference {
        return Err(mismatch(
            "the harness departs from the reference implementation",
            reference,
            &ours,
        ));
    }
    let theirs: oxrdf_02::Dataset = [
        oxrdf_02::Quad::new(
            oxrdf_02::BlankNode::new_unchecked("x"),
            oxrdf_02::NamedNode::new_unchecked("urn:ex:p"),
            oxrdf_02::BlankNode::new_unchecked("x"),
            oxrdf_02::GraphName::DefaultGraph,
        ),
        oxrdf_02::Quad::new(
            oxrdf_02::BlankNode::new_unchecked("y"),
            oxrdf_02::NamedNode::new_unchecked("urn:ex:p"),
            oxrdf_02::NamedNode::new_unchecked("urn:ex:e"),
            oxrdf_02::GraphName::DefaultGraph,
        ),
    ]
    .into_iter()
    .collect();
    match rdf_canon::canonicalize(&theirs) {
        Ok(out) if out == reference => Err(
            "rdf-canon now agrees with the reference on a quad repeating a blank node: drop the exclusion \
             (Q::repeats_a_blank_node) from the differential and this check"
                .into(),
        ),
        _ => Ok(()),
    }
}

/// RDFC-1.0 does not always fix the labels. Here `_:x1` and `_:x3` have the same first-degree hash and the same
/// N-degree hash, yet are not automorphic: `_:x1` is the subject in the graph `<urn:ex:n0>` points to, `_:x3` in
/// the other. Hash Related Blank Node (4.7.3) hashes a related node's position and predicate but not the graph of
/// the quad, and the graph names are related separately, so the N-degree hash cannot tell which is which. Step 6.3
/// then orders the two results by equal hashes, and the labels follow each implementation's input order:
/// rdf-canonize 5.0 gives `FORMS[1]` for the quads in this order and `FORMS[0]` for them reversed, rdf-canon orders
/// by blank node label, the harness by oxrdf's dataset order. A Data Integrity proof over such a dataset verifies
/// only where the verifier happens to break the tie like the signer. Credentials rarely relate blank nodes across
/// blank-named graphs like this, and the differential skips such cases (they stay under 5% of each shape).
///
/// What is asserted: whichever the labels, the harness gives one of the two forms.
fn tied_n_degree_hashes() -> Result<(), Failed> {
    const FORMS: [&str; 2] = [
        "<urn:ex:n0> <urn:ex:p0> _:c14n1 .\n<urn:ex:n1> <urn:ex:p0> _:c14n0 .\n\
         _:c14n2 <urn:ex:p1> _:c14n3 _:c14n0 .\n_:c14n3 <urn:ex:p1> _:c14n2 _:c14n1 .\n",
        "<urn:ex:n0> <urn:ex:p0> _:c14n1 .\n<urn:ex:n1> <urn:ex:p0> _:c14n0 .\n\
         _:c14n2 <urn:ex:p1> _:c14n3 _:c14n1 .\n_:c14n3 <urn:ex:p1> _:c14n2 _:c14n0 .\n",
    ];
    for (x1, x3) in [("x1", "x3"), ("x3", "x1"), ("a", "b"), ("b", "a")] {
        let input = format!(
            "<urn:ex:n0> <urn:ex:p0> _:g2 .\n_:{x1} <urn:ex:p1> _:{x3} _:g2 .\n\
             <urn:ex:n1> <urn:ex:p0> _:g0 .\n_:{x3} <urn:ex:p1> _:{x1} _:g0 .\n"
        );
        let ours = harness_canonical(&crate::parse_nquads(&input)?)?;
        if !FORMS.contains(&ours.as_str()) {
            return Err(mismatch(&format!("not an RDFC-1.0 form of\n{input}"), FORMS[0], &ours));
        }
    }
    Ok(())
}
