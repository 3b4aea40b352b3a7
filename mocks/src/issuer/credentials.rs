//! The unsigned credentials the mock university issues, built from the seed and the two base URLs. Dates are
//! fixed so the same seed gives the same bytes.

use serde_json::{Value, json};

use crate::case::{Framework, uuid};

pub const VALID_FROM: &str = "2025-05-20T09:00:00Z";
pub const REFRESHED_FROM: &str = "2025-09-01T09:00:00Z";
/// Index of the credential whose bit the status list sets.
pub const REVOKED_INDEX: usize = 42;
pub const OK_INDEX: usize = 7;

pub const OB: [&str; 3] = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
];

/// The `urn:uuid:` id of the credential `label`, stable for a seed.
pub fn urn(seed: u64, label: &str) -> String {
    format!("urn:uuid:{}", uuid(seed, &format!("credential/{label}")))
}

pub struct Ctx<'a> {
    pub seed: u64,
    pub base: &'a str,
    pub issuer: Value,
    pub learner: String,
    pub case_base: Option<&'a str>,
    pub framework: &'a Framework,
}

impl Ctx<'_> {
    fn urn(&self, label: &str) -> String {
        urn(self.seed, label)
    }

    fn achievement_credential(&self, label: &str, name: &str, achievement: Value, result: Option<Value>) -> Value {
        let mut subject = json!({"id": self.learner, "type": ["AchievementSubject"], "achievement": achievement});
        if let Some(r) = result {
            subject["result"] = r;
        }
        json!({
            "@context": OB,
            "id": self.urn(label),
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "name": name,
            "issuer": self.issuer,
            "validFrom": VALID_FROM,
            "credentialSubject": subject,
        })
    }

    fn achievement(&self, slug: &str, kind: &str, name: &str, description: &str) -> Value {
        json!({
            "id": format!("{}/achievements/{slug}", self.base),
            "type": ["Achievement"],
            "achievementType": kind,
            "name": name,
            "description": description,
            "criteria": {"narrative": format!("Complete {name} with a passing grade.")},
        })
    }

    /// A course with a letter grade and a rubric-scored capstone.
    pub fn course(&self, label: &str, slug: &str, name: &str) -> Value {
        let mut a = self.achievement(
            slug,
            "Course",
            name,
            &format!("{name}: a 10-credit undergraduate course."),
        );
        let levels = format!("{}/achievements/{slug}/rubric", self.base);
        let rubric: Vec<Value> = ["Beginning", "Developing", "Proficient", "Exemplary"]
            .iter()
            .map(|l| json!({"id": format!("{levels}/{}", l.to_lowercase()), "type": ["RubricCriterionLevel"], "name": l}))
            .collect();
        a["resultDescription"] = json!([
            {"id": format!("{levels}/grade"), "type": ["ResultDescription"], "name": "Final grade",
             "resultType": "LetterGrade", "allowedValue": ["A", "B", "C", "D", "F"], "requiredValue": "C"},
            {"id": format!("{levels}/capstone"), "type": ["ResultDescription"], "name": "Capstone rubric",
             "resultType": "RubricCriterionLevel", "requiredLevel": format!("{levels}/proficient"),
             "rubricCriterionLevel": rubric},
        ]);
        let result = json!([
            {"type": ["Result"], "resultDescription": format!("{levels}/grade"), "value": "A"},
            {"type": ["Result"], "resultDescription": format!("{levels}/capstone"),
             "achievedLevel": format!("{levels}/exemplary")},
        ]);
        self.achievement_credential(label, name, a, Some(result))
    }

    pub fn co_curricular(&self) -> Value {
        let a = self.achievement(
            "datathon-2025",
            "Award",
            "Datathon 2025 Winning Team",
            "Member of the winning team of the 48-hour university datathon.",
        );
        self.achievement_credential("datathon", "Datathon 2025 Winning Team", a, None)
    }

    /// A competency aligned to a CFItem of the CASE mock (its `/uri/{id}`), when a CASE base URL was given.
    pub fn competency(&self, valid_from: &str) -> Value {
        let item = self.framework.competencies().nth(13).cloned().unwrap_or(Value::Null);
        let label = item["alternativeLabel"].as_str().unwrap_or("Data Cleaning");
        let mut a = self.achievement(
            "competency-data-cleaning",
            "Competency",
            label,
            &text(&item, "fullStatement"),
        );
        if let (Some(case), Some(id)) = (self.case_base, item["identifier"].as_str()) {
            a["alignment"] = json!([{
                "type": ["Alignment"], "targetType": "CFItem", "targetName": text(&item, "fullStatement"),
                "targetFramework": self.framework.main_title(), "targetCode": id,
                "targetUrl": format!("{case}/uri/{id}"),
            }]);
        }
        let mut c = self.achievement_credential("competency", label, a, None);
        c["validFrom"] = valid_from.into();
        c
    }

    pub fn endorsement(&self) -> Value {
        json!({
            "@context": OB,
            "id": self.urn("endorsement"),
            "type": ["VerifiableCredential", "EndorsementCredential"],
            "name": "Endorsement of the Data Science programme",
            "issuer": self.issuer,
            "validFrom": VALID_FROM,
            "credentialSubject": {
                "id": format!("{}/achievements/course-statistics", self.base),
                "type": ["EndorsementSubject"],
                "endorsementComment": "The statistics course meets the national data science benchmark.",
            },
        })
    }

    /// The learner's record: the given signed credentials, their achievements and how they relate.
    pub fn clr(&self, nested: Vec<Value>) -> Value {
        let achievements: Vec<Value> = nested
            .iter()
            .map(|c| c["credentialSubject"]["achievement"].clone())
            .filter(Value::is_object)
            .collect();
        let programme = format!("{}/achievements/bsc-data-science", self.base);
        let mut associations: Vec<Value> = achievements
            .iter()
            .map(|a| json!({"type": "Association", "associationType": "isPartOf", "sourceId": a["id"], "targetId": programme}))
            .collect();
        if let [first, second, ..] = achievements.as_slice() {
            associations.push(json!({"type": "Association", "associationType": "precedes", "sourceId": first["id"], "targetId": second["id"]}));
        }
        let mut all = vec![self.achievement(
            "bsc-data-science",
            "BachelorDegree",
            "BSc Data Science",
            "Three-year honours degree in data science.",
        )];
        all.extend(achievements);
        json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json", OB[1], OB[2]],
            "id": self.urn("clr"),
            "type": ["VerifiableCredential", "ClrCredential"],
            "name": "Northfield University Comprehensive Learner Record",
            "issuer": self.issuer,
            "validFrom": VALID_FROM,
            "partial": true,
            "credentialSubject": {
                "id": self.learner, "type": ["ClrSubject"], "achievement": all,
                "verifiableCredential": nested, "association": associations,
            },
        })
    }

    pub fn status_list(&self, bits: &str) -> Value {
        json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": format!("{}/status/bitstring/1", self.base),
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": self.issuer["id"],
            "validFrom": VALID_FROM,
            "credentialSubject": {
                "id": format!("{}/status/bitstring/1#list", self.base), "type": "BitstringStatusList",
                "statusPurpose": "revocation", "encodedList": bits,
            },
        })
    }

    pub fn bitstring_entry(&self, index: usize) -> Value {
        let list = format!("{}/status/bitstring/1", self.base);
        json!({"id": format!("{list}#{index}"), "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
               "statusListIndex": index.to_string(), "statusListCredential": list})
    }

    pub fn revocation_entry(&self) -> Value {
        json!({"id": format!("{}/status/revocations", self.base), "type": "1EdTechRevocationList"})
    }

    pub fn refresh_service(&self, slug: &str) -> Value {
        json!({"id": format!("{}/refresh/{slug}", self.base), "type": "1EdTechCredentialRefresh"})
    }
}

fn text(v: &Value, member: &str) -> String {
    v[member].as_str().unwrap_or_default().to_owned()
}
