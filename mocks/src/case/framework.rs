//! The seeded CASE content: a university "Data Science" competency framework (domains → competencies →
//! indicators) plus a handful of smaller programme frameworks, so the document collection has something to page.
//!
//! Every `uri` starts with [`BASE`]; the server swaps in its base URL when it answers, because the port (and whether
//! it serves HTTPS) is only known once it is bound and started.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// Stand-in for the server's base URL inside stored URIs.
pub const BASE: &str = "http://case-base.invalid";

/// Fixed, so the same seed always serves the same bytes.
const CHANGED: &str = "2025-06-01T00:00:00+00:00";

const DATA_SCIENCE: &[(&str, &[&str])] = &[
    (
        "Mathematical and Statistical Foundations",
        &[
            "Probability",
            "Statistical Inference",
            "Linear Algebra",
            "Calculus for Optimisation",
            "Experimental Design",
            "Bayesian Reasoning",
        ],
    ),
    (
        "Programming and Software Engineering",
        &[
            "Python Programming",
            "Data Structures and Algorithms",
            "Version Control",
            "Testing and Reproducibility",
            "SQL and Relational Databases",
            "Software Packaging",
        ],
    ),
    (
        "Data Management",
        &[
            "Data Acquisition",
            "Data Cleaning",
            "Data Modelling",
            "Data Governance",
            "Big Data Platforms",
            "Data Pipelines",
        ],
    ),
    (
        "Machine Learning",
        &[
            "Supervised Learning",
            "Unsupervised Learning",
            "Model Evaluation",
            "Feature Engineering",
            "Deep Learning",
            "Model Deployment",
        ],
    ),
    (
        "Analysis and Communication",
        &[
            "Exploratory Data Analysis",
            "Data Visualisation",
            "Scientific Writing",
            "Storytelling with Data",
            "Dashboard Design",
            "Stakeholder Presentation",
        ],
    ),
    (
        "Ethics and Professional Practice",
        &[
            "Privacy and Data Protection",
            "Algorithmic Fairness",
            "Responsible AI",
            "Research Integrity",
            "Teamwork",
            "Project Management",
        ],
    ),
];

const INDICATORS: &[&str] = &[
    "Explains the core concepts of",
    "Applies the methods of",
    "Evaluates the outcomes of work in",
    "Communicates results in",
    "Critiques published work in",
];

const PROGRAMMES: &[(&str, &[&str])] = &[
    ("Applied Statistics Minor", &["Regression Modelling", "Time Series"]),
    ("Computational Social Science", &["Network Analysis", "Text as Data"]),
    ("Bioinformatics Certificate", &["Sequence Analysis", "Genomic Data"]),
    ("Business Analytics", &["Forecasting", "Decision Analysis"]),
    ("Geospatial Data Science", &["Spatial Statistics", "Remote Sensing"]),
    (
        "Health Data Science",
        &["Clinical Data Standards", "Epidemiological Methods"],
    ),
    ("Data Engineering Bootcamp", &["Stream Processing", "Cloud Warehousing"]),
];

/// All content of the CASE server, in stand-alone (API) form.
#[derive(Debug, Clone)]
pub struct Framework {
    pub documents: Vec<Value>,
    pub items: Vec<Value>,
    pub associations: Vec<Value>,
    pub concepts: Vec<Value>,
    pub subjects: Vec<Value>,
    pub licenses: Vec<Value>,
    pub item_types: Vec<Value>,
    pub groupings: Vec<Value>,
    pub rubrics: Vec<Value>,
}

/// A UUID (version 4 layout, lower case) derived from the seed and a label.
pub fn uuid(seed: u64, label: &str) -> String {
    let h = Sha256::new()
        .chain_update(seed.to_le_bytes())
        .chain_update(label.as_bytes())
        .finalize();
    let hex: String = h.iter().take(16).map(|b| format!("{b:02x}")).collect();
    let variant = ["8", "9", "a", "b"][usize::from(h[16] % 4)];
    format!(
        "{}-{}-4{}-{variant}{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

fn uri(id: &str) -> String {
    format!("{BASE}/uri/{id}")
}

fn link(title: &str, id: &str) -> Value {
    json!({"title": title, "identifier": id, "uri": uri(id)})
}

fn api_link(title: &str, id: &str, collection: &str) -> Value {
    json!({"title": title, "identifier": id, "uri": format!("{BASE}/ims/case/v1p0/{collection}/{id}")})
}

struct Builder {
    seed: u64,
    fw: Framework,
    license: Value,
    subject_link: Value,
    types: [Value; 3],
    grouping: Value,
}

impl Framework {
    /// The framework for `seed`: same seed, same identifiers and content.
    pub fn seeded(seed: u64) -> Framework {
        let mut b = Builder::new(seed);
        b.framework(
            "Data Science Competency Framework",
            "DS",
            DATA_SCIENCE,
            INDICATORS.len(),
        );
        for (title, competencies) in PROGRAMMES {
            b.framework(title, &abbreviation(title), &[("Core", competencies)], 0);
        }
        b.extra_associations();
        b.rubric();
        b.fw
    }

    /// The competency items (level 2) of the main framework, for alignments.
    pub fn competencies(&self) -> impl Iterator<Item = &Value> {
        self.items.iter().filter(|i| i["CFItemType"] == "Competency")
    }

    /// The title of the main framework document.
    pub fn main_title(&self) -> &str {
        self.documents
            .first()
            .and_then(|d| d["title"].as_str())
            .unwrap_or_default()
    }
}

fn abbreviation(title: &str) -> String {
    title.split_whitespace().filter_map(|w| w.chars().next()).collect()
}

impl Builder {
    fn new(seed: u64) -> Builder {
        let id = |l: &str| uuid(seed, l);
        let license_id = id("license");
        let license = json!({
            "identifier": license_id, "uri": uri(&license_id), "title": "Creative Commons Attribution 4.0",
            "description": "CC BY 4.0", "licenseText": "https://creativecommons.org/licenses/by/4.0/legalcode",
            "lastChangeDateTime": CHANGED,
        });
        let subject_id = id("subject");
        let subject = json!({
            "identifier": subject_id, "uri": uri(&subject_id), "title": "Data Science", "hierarchyCode": "1",
            "description": "The study of extracting knowledge from data.", "lastChangeDateTime": CHANGED,
        });
        let concept_id = id("concept");
        let concept = json!({
            "identifier": concept_id, "uri": uri(&concept_id), "title": "Quantitative Reasoning",
            "keywords": "statistics; inference; modelling", "hierarchyCode": "1",
            "description": "Reasoning with numbers and data.", "lastChangeDateTime": CHANGED,
        });
        let item_type = |code: &str, title: &str, hierarchy: &str, description: &str| {
            let tid = id(&format!("item-type/{code}"));
            json!({
                "identifier": tid, "uri": uri(&tid), "title": title, "description": description,
                "hierarchyCode": hierarchy, "typeCode": code, "lastChangeDateTime": CHANGED,
            })
        };
        let types = [
            item_type("domain", "Domain", "1", "A broad area of practice."),
            item_type(
                "competency",
                "Competency",
                "1.1",
                "A capability a graduate demonstrates.",
            ),
            item_type(
                "indicator",
                "Indicator",
                "1.1.1",
                "Observable evidence of a competency.",
            ),
        ];
        let grouping_id = id("grouping");
        let grouping = json!({
            "identifier": grouping_id, "uri": uri(&grouping_id), "title": "Learning progression",
            "description": "Associations that order competencies for study.", "lastChangeDateTime": CHANGED,
        });
        let fw = Framework {
            documents: vec![],
            items: vec![],
            associations: vec![],
            concepts: vec![concept],
            subjects: vec![subject.clone()],
            licenses: vec![license.clone()],
            item_types: types.to_vec(),
            groupings: vec![grouping.clone()],
            rubrics: vec![],
        };
        Builder {
            seed,
            fw,
            license: link("Creative Commons Attribution 4.0", &license_id),
            subject_link: link("Data Science", &subject_id),
            types: types.map(|t| {
                link(
                    t["title"].as_str().unwrap_or_default(),
                    t["identifier"].as_str().unwrap_or_default(),
                )
            }),
            grouping: link("Learning progression", &grouping_id),
        }
    }

    fn framework(&mut self, title: &str, code: &str, domains: &[(&str, &[&str])], indicators: usize) {
        let doc_id = uuid(self.seed, &format!("document/{title}"));
        let doc_link = link(title, &doc_id);
        self.fw.documents.push(json!({
            "identifier": doc_id, "uri": uri(&doc_id), "creator": "Northfield University, School of Data Science",
            "title": title, "lastChangeDateTime": CHANGED,
            "officialSourceURL": format!("{BASE}/frameworks/{code}"), "publisher": "Northfield University",
            "description": format!("{title}: the competencies graduates of the programme demonstrate."),
            "subject": ["Data Science"], "subjectURI": [self.subject_link.clone()], "language": "en",
            "version": "2025.1", "adoptionStatus": "Adopted", "statusStartDate": "2025-01-01",
            "statusEndDate": "2030-12-31", "licenseURI": self.license.clone(), "notes": "Seeded mock content.",
            "CFPackageURI": api_link(title, &doc_id, "CFPackages"),
        }));
        for (d, (domain, competencies)) in domains.iter().enumerate() {
            let d_code = format!("{code}.{}", d + 1);
            let d_id = self.item(&doc_link, &d_code, domain, 0, &format!("Domain: {domain}."));
            self.child(&doc_link, &d_id, &doc_id, title, d + 1);
            for (c, competency) in competencies.iter().enumerate() {
                let c_code = format!("{d_code}.{}", c + 1);
                let statement = format!("Demonstrates competence in {}.", competency.to_lowercase());
                let c_id = self.item(&doc_link, &c_code, competency, 1, &statement);
                self.child(&doc_link, &c_id, &d_id, domain, c + 1);
                for (i, verb) in INDICATORS.iter().take(indicators).enumerate() {
                    let i_code = format!("{c_code}.{}", i + 1);
                    let statement = format!("{verb} {}.", competency.to_lowercase());
                    let i_id = self.item(&doc_link, &i_code, &format!("{competency} {}", i + 1), 2, &statement);
                    self.child(&doc_link, &i_id, &c_id, competency, i + 1);
                }
            }
        }
    }

    fn item(&mut self, doc: &Value, code: &str, label: &str, level: usize, statement: &str) -> String {
        let id = uuid(self.seed, &format!("item/{code}"));
        let ty = &self.types[level];
        self.fw.items.push(json!({
            "identifier": id, "fullStatement": statement, "uri": uri(&id), "lastChangeDateTime": CHANGED,
            "alternativeLabel": label, "CFItemType": ty["title"], "humanCodingScheme": code,
            "listEnumeration": code.rsplit('.').next().unwrap_or(code), "abbreviatedStatement": label,
            "conceptKeywords": ["data science", label.to_lowercase()],
            "conceptKeywordsURI": link("Quantitative Reasoning", &uuid(self.seed, "concept")),
            "notes": "Assessed in the capstone portfolio.", "language": "en", "educationLevel": ["13", "14", "15", "16"],
            "CFItemTypeURI": ty, "licenseURI": self.license, "statusStartDate": "2025-01-01",
            "statusEndDate": "2030-12-31", "CFDocumentURI": doc,
        }));
        id
    }

    fn child(&mut self, doc: &Value, origin: &str, destination: &str, destination_title: &str, sequence: usize) {
        let origin_title = self.title_of(origin);
        self.association(
            doc,
            "isChildOf",
            (origin, &origin_title),
            (destination, destination_title),
            Some(sequence),
        );
    }

    fn title_of(&self, id: &str) -> String {
        self.fw
            .items
            .iter()
            .find(|i| i["identifier"] == id)
            .and_then(|i| i["alternativeLabel"].as_str())
            .unwrap_or_default()
            .to_owned()
    }

    fn association(&mut self, doc: &Value, kind: &str, from: (&str, &str), to: (&str, &str), seq: Option<usize>) {
        let n = self.fw.associations.len();
        let id = uuid(self.seed, &format!("association/{n}"));
        let mut a = json!({
            "identifier": id, "associationType": kind, "uri": uri(&id),
            "originNodeURI": link(from.1, from.0), "destinationNodeURI": link(to.1, to.0),
            "lastChangeDateTime": CHANGED,
        });
        if let (Some(obj), Some(seq)) = (a.as_object_mut(), seq) {
            obj.insert("sequenceNumber".into(), seq.into());
        }
        if kind != "isChildOf" {
            a["CFAssociationGroupingURI"] = self.grouping.clone();
        }
        a["CFDocumentURI"] = doc.clone();
        self.fw.associations.push(a);
    }

    /// Sideways links inside the main framework: each competency precedes the next in its domain, and the
    /// first of each domain relates to the first of the next domain.
    fn extra_associations(&mut self) {
        let Some(doc) = self.fw.documents.first().map(|d| {
            link(
                d["title"].as_str().unwrap_or_default(),
                d["identifier"].as_str().unwrap_or_default(),
            )
        }) else {
            return;
        };
        let competencies: Vec<(String, String, String)> = self
            .fw
            .competencies()
            .filter(|i| i["humanCodingScheme"].as_str().is_some_and(|c| c.starts_with("DS.")))
            .map(|i| {
                (
                    text(i, "identifier"),
                    text(i, "alternativeLabel"),
                    text(i, "humanCodingScheme"),
                )
            })
            .collect();
        for pair in competencies.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            let same_domain = a.2.rsplit_once('.').map(|x| x.0) == b.2.rsplit_once('.').map(|x| x.0);
            let kind = if same_domain { "precedes" } else { "isRelatedTo" };
            self.association(&doc, kind, (&a.0, &a.1), (&b.0, &b.1), None);
        }
    }

    fn rubric(&mut self) {
        let rubric_id = uuid(self.seed, "rubric");
        let targets: Vec<Value> = self.fw.competencies().take(3).cloned().collect();
        let levels = [
            ("Beginning", 1.0),
            ("Developing", 2.0),
            ("Proficient", 3.0),
            ("Exemplary", 4.0),
        ];
        let criteria: Vec<Value> = targets
            .iter()
            .enumerate()
            .map(|(c, item)| {
                let criterion_id = uuid(self.seed, &format!("rubric/criterion/{c}"));
                let levels: Vec<Value> = levels
                    .iter()
                    .enumerate()
                    .map(|(l, (quality, score))| {
                        let level_id = uuid(self.seed, &format!("rubric/criterion/{c}/level/{l}"));
                        json!({
                            "identifier": level_id, "uri": uri(&level_id), "lastChangeDateTime": CHANGED,
                            "description": format!("{quality} performance in {}.", text(item, "alternativeLabel")),
                            "quality": quality, "score": score, "feedback": format!("Work is {}.", quality.to_lowercase()),
                            "position": l + 1, "rubricCriterionId": criterion_id,
                        })
                    })
                    .collect();
                json!({
                    "identifier": criterion_id, "uri": uri(&criterion_id), "lastChangeDateTime": CHANGED,
                    "category": "Capstone", "description": text(item, "fullStatement"),
                    "CFItemURI": link(&text(item, "alternativeLabel"), &text(item, "identifier")),
                    "weight": 1.0 / 3.0, "position": c + 1, "rubricId": rubric_id,
                    "CFRubricCriterionLevels": levels,
                })
            })
            .collect();
        self.fw.rubrics.push(json!({
            "identifier": rubric_id, "uri": uri(&rubric_id), "lastChangeDateTime": CHANGED,
            "title": "Capstone Project Rubric", "description": "How the capstone project is assessed.",
            "CFRubricCriteria": criteria,
        }));
    }
}

fn text(v: &Value, member: &str) -> String {
    v[member].as_str().unwrap_or_default().to_owned()
}

/// `v` without the named members (the package forms drop their stand-alone links).
pub fn without(v: &Value, members: &[&str]) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !members.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<Map<_, _>>(),
        ),
        other => other.clone(),
    }
}
