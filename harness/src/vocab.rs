//! Names, IRIs and enumerations of OB 3.0 / CLR 2.0, written from the specifications' facts.

/// VC Data Model 2.0 base context; MUST be `@context[0]` of OB 3.0 / CLR 2.0 credentials.
pub const VC_V2_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
/// VC Data Model 1.1 base context (legacy OB 3.0 credentials).
pub const VC_V1_CONTEXT: &str = "https://www.w3.org/2018/credentials/v1";

/// The current OB 3.0 context.
pub const OB_CONTEXT_CURRENT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
/// Earlier OB 3.0 contexts and aliases: accepted with a warning.
pub const OB_CONTEXT_OLDER: &[&str] = &[
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context/ob_v3p0.jsonld",
];
/// The current CLR 2.0 context.
pub const CLR_CONTEXT_CURRENT: &str = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json";
/// Earlier CLR 2.0 contexts: accepted with a warning (2.0.0 lacks the `partial` and ClrSubject `identifier` terms).
pub const CLR_CONTEXT_OLDER: &[&str] = &["https://purl.imsglobal.org/spec/clr/v2p0/context.json"];
/// Pre-release CLR context seen in the wild; never valid.
pub const CLR_CONTEXT_DRAFT: &str = "https://dc.imsglobal.org/draft/clr/v2p0/context";
/// 1EdTech VC extensions context (1EdTechJsonSchemaValidator2019, 1EdTechRevocationList, 1EdTechCredentialRefresh).
pub const OB_EXTENSIONS_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json";

/// Whether `url` is an OB 3.0 context the schemas accept (`context(-3.d.d)?.json`) or a known alias.
pub fn is_ob_context(url: &str) -> bool {
    url == OB_CONTEXT_CURRENT
        || OB_CONTEXT_OLDER.contains(&url)
        || versioned(url, "https://purl.imsglobal.org/spec/ob/v3p0/context", '3')
}

/// Whether `url` is a CLR 2.0 context the schemas accept (`context(-2.d.d)?.json`).
pub fn is_clr_context(url: &str) -> bool {
    url == CLR_CONTEXT_CURRENT
        || CLR_CONTEXT_OLDER.contains(&url)
        || versioned(url, "https://purl.imsglobal.org/spec/clr/v2p0/context", '2')
}

/// `<prefix>-<major>.<d>.<d>.json`, the shape of the schemas' context regex.
fn versioned(url: &str, prefix: &str, major: char) -> bool {
    let Some(rest) = url.strip_prefix(prefix).and_then(|r| r.strip_prefix('-')) else {
        return false;
    };
    let Some(version) = rest.strip_suffix(".json") else {
        return false;
    };
    let b = version.as_bytes();
    b.len() == 5
        && b[0] == major as u8
        && b[1] == b'.'
        && b[2].is_ascii_digit()
        && b[3] == b'.'
        && b[4].is_ascii_digit()
}

/// Spec section links used by the catalogue.
pub mod links {
    pub const OB: &str = "https://www.imsglobal.org/spec/ob/v3p0/";
    pub const OB_VC: &str = "https://www.imsglobal.org/spec/ob/v3p0/#verifiablecredential";
    pub const OB_ACHIEVEMENT_CREDENTIAL: &str = "https://www.imsglobal.org/spec/ob/v3p0/#achievementcredential";
    pub const OB_ACHIEVEMENT_SUBJECT: &str = "https://www.imsglobal.org/spec/ob/v3p0/#achievementsubject";
    pub const OB_ACHIEVEMENT: &str = "https://www.imsglobal.org/spec/ob/v3p0/#achievement";
    pub const OB_ALIGNMENT: &str = "https://www.imsglobal.org/spec/ob/v3p0/#alignment";
    pub const OB_CRITERIA: &str = "https://www.imsglobal.org/spec/ob/v3p0/#criteria";
    pub const OB_EVIDENCE: &str = "https://www.imsglobal.org/spec/ob/v3p0/#evidence";
    pub const OB_IMAGE: &str = "https://www.imsglobal.org/spec/ob/v3p0/#image";
    pub const OB_IDENTITY_OBJECT: &str = "https://www.imsglobal.org/spec/ob/v3p0/#identityobject";
    pub const OB_IDENTIFIER_ENTRY: &str = "https://www.imsglobal.org/spec/ob/v3p0/#identifierentry";
    pub const OB_PROFILE: &str = "https://www.imsglobal.org/spec/ob/v3p0/#profile";
    pub const OB_ADDRESS: &str = "https://www.imsglobal.org/spec/ob/v3p0/#address";
    pub const OB_RELATED: &str = "https://www.imsglobal.org/spec/ob/v3p0/#related";
    pub const OB_RESULT: &str = "https://www.imsglobal.org/spec/ob/v3p0/#result";
    pub const OB_RESULT_DESCRIPTION: &str = "https://www.imsglobal.org/spec/ob/v3p0/#resultdescription";
    pub const OB_RUBRIC_LEVEL: &str = "https://www.imsglobal.org/spec/ob/v3p0/#rubriccriterionlevel";
    pub const OB_CREDENTIAL_SCHEMA: &str = "https://www.imsglobal.org/spec/ob/v3p0/#credentialschema";
    pub const OB_CREDENTIAL_STATUS: &str = "https://www.imsglobal.org/spec/ob/v3p0/#credentialstatus";
    pub const OB_REFRESH_SERVICE: &str = "https://www.imsglobal.org/spec/ob/v3p0/#refreshservice";
    pub const OB_TERMS_OF_USE: &str = "https://www.imsglobal.org/spec/ob/v3p0/#termsofuse";
    pub const OB_PROOF: &str = "https://www.imsglobal.org/spec/ob/v3p0/#proof";
    pub const OB_ENUMS: &str = "https://www.imsglobal.org/spec/ob/v3p0/#enumerated-value-types";
    pub const OB_DERIVED_TYPES: &str = "https://www.imsglobal.org/spec/ob/v3p0/#derived-types";
    pub const OB_PRIMITIVE_TYPES: &str = "https://www.imsglobal.org/spec/ob/v3p0/#primitive-types";
    pub const OB_SERIALIZATION: &str = "https://www.imsglobal.org/spec/ob/v3p0/#json";
    pub const OB_JSONLD: &str = "https://www.imsglobal.org/spec/ob/v3p0/#json-ld";
    pub const OB_CONTEXT: &str = "https://www.imsglobal.org/spec/ob/v3p0/#context-file";
    pub const OB_EXTENDING: &str = "https://www.imsglobal.org/spec/ob/v3p0/#extending-enumerated-vocabularies";
    pub const OB_ENDORSEMENT: &str = "https://www.imsglobal.org/spec/ob/v3p0/#endorsementcredential";
    pub const OB_ENDORSEMENT_SUBJECT: &str = "https://www.imsglobal.org/spec/ob/v3p0/#endorsementsubject";
    pub const OB_VCDM11: &str = "https://www.imsglobal.org/spec/ob/v3p0/#verifiable-credentials-data-model-v1-1";
    pub const OB_FILE_FORMAT: &str = "https://www.imsglobal.org/spec/ob/v3p0/#file-format";
    pub const OB_BAKING_PNG: &str = "https://www.imsglobal.org/spec/ob/v3p0/#png";
    pub const OB_BAKING_SVG: &str = "https://www.imsglobal.org/spec/ob/v3p0/#svg";
    pub const OB_PROOF_FORMATS: &str = "https://www.imsglobal.org/spec/ob/v3p0/#proofs-signatures";
    pub const OB_JWT_PROOF: &str = "https://www.imsglobal.org/spec/ob/v3p0/#jwt-proof";
    pub const OB_VERIFICATION: &str = "https://www.imsglobal.org/spec/ob/v3p0/#verification";
    pub const OB_SCHEMAS: &str = "https://www.imsglobal.org/spec/ob/v3p0/#json-schema";
    pub const CLR: &str = "https://www.imsglobal.org/spec/clr/v2p0/";
    pub const CLR_CREDENTIAL: &str = "https://www.imsglobal.org/spec/clr/v2p0/#clrcredential";
    pub const CLR_SUBJECT: &str = "https://www.imsglobal.org/spec/clr/v2p0/#clrsubject";
    pub const CLR_ASSOCIATION: &str = "https://www.imsglobal.org/spec/clr/v2p0/#association";
    pub const CLR_SCHEMAS: &str = "https://www.imsglobal.org/spec/clr/v2p0/#json-schema";
    pub const VCDM2_CONTEXTS: &str = "https://www.w3.org/TR/vc-data-model-2.0/#contexts";
}

/// AchievementType (extensible with `ext:`).
pub const ACHIEVEMENT_TYPES: &[&str] = &[
    "Achievement",
    "ApprenticeshipCertificate",
    "Assessment",
    "Assignment",
    "AssociateDegree",
    "Award",
    "Badge",
    "BachelorDegree",
    "Certificate",
    "CertificateOfCompletion",
    "Certification",
    "CommunityService",
    "Competency",
    "Course",
    "CoCurricular",
    "Degree",
    "Diploma",
    "DoctoralDegree",
    "Fieldwork",
    "GeneralEducationDevelopment",
    "JourneymanCertificate",
    "LearningProgram",
    "License",
    "Membership",
    "ProfessionalDoctorate",
    "QualityAssuranceCredential",
    "MasterCertificate",
    "MasterDegree",
    "MicroCredential",
    "ResearchDoctorate",
    "SecondarySchoolDiploma",
];

/// AlignmentTargetType (extensible with `ext:`).
pub const ALIGNMENT_TARGET_TYPES: &[&str] = &[
    "ceasn:Competency",
    "ceterms:Credential",
    "CFItem",
    "CFRubric",
    "CFRubricCriterion",
    "CFRubricCriterionLevel",
    "CTDL",
];

/// ResultType (extensible with `ext:`).
pub const RESULT_TYPES: &[&str] = &[
    "GradePointAverage",
    "LetterGrade",
    "Percent",
    "PerformanceLevel",
    "PredictedScore",
    "RawScore",
    "Result",
    "RubricCriterion",
    "RubricCriterionLevel",
    "RubricScore",
    "ScaledScore",
    "Status",
];

/// ResultStatusType (closed).
pub const RESULT_STATUS_TYPES: &[&str] = &[
    "Completed",
    "Enrolled",
    "Failed",
    "InProgress",
    "OnHold",
    "Provisional",
    "Withdrew",
];

/// IdentifierTypeEnum (extensible with `ext:`).
pub const IDENTIFIER_TYPES: &[&str] = &[
    "name",
    "sourcedId",
    "systemId",
    "productId",
    "userName",
    "accountId",
    "emailAddress",
    "nationalIdentityNumber",
    "isbn",
    "issn",
    "lisSourcedId",
    "oneRosterSourcedId",
    "sisSourcedId",
    "ltiContextId",
    "ltiDeploymentId",
    "ltiToolId",
    "ltiPlatformId",
    "ltiUserId",
    "identifier",
];

/// AssociationType (closed, CLR 2.0).
pub const ASSOCIATION_TYPES: &[&str] = &[
    "exactMatchOf",
    "isChildOf",
    "isParentOf",
    "isPartOf",
    "isPeerOf",
    "isRelatedTo",
    "precedes",
    "replacedBy",
];

/// Whether `term` is an extension term: `ext:` followed by `[A-Za-z0-9.\-_]+` (the schemas' pattern).
pub fn is_extension_term(term: &str) -> bool {
    term.strip_prefix("ext:").is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    })
}

/// The 1EdTech JSON Schema validator type (errata: earlier drafts said `JsonSchemaValidator2019`).
/// The client metadata a dynamic registration request must carry as non-empty strings (RFC 7591 as the 1EdTech
/// Security Framework profiles it); `redirect_uris` and `scope` are required too, with their own shapes.
pub const REGISTRATION_METADATA: [&str; 7] = [
    "client_name",
    "client_uri",
    "logo_uri",
    "tos_uri",
    "policy_uri",
    "software_id",
    "software_version",
];

pub const SCHEMA_VALIDATOR_TYPE: &str = "1EdTechJsonSchemaValidator2019";
pub const REVOCATION_LIST_TYPE: &str = "1EdTechRevocationList";
pub const BITSTRING_STATUS_TYPE: &str = "BitstringStatusListEntry";
pub const CREDENTIAL_REFRESH_TYPE: &str = "1EdTechCredentialRefresh";

/// Official JSON Schema URLs by credential kind.
pub const OB_ACHIEVEMENT_SCHEMA_URL: &str =
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json";
pub const OB_ENDORSEMENT_SCHEMA_URL: &str =
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json";
pub const CLR_SCHEMA_URL: &str =
    "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_recognition_follows_the_schema_patterns() {
        assert!(is_ob_context(OB_CONTEXT_CURRENT));
        assert!(is_ob_context(
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.9.json"
        ));
        assert!(is_ob_context("https://purl.imsglobal.org/spec/ob/v3p0/context.json"));
        assert!(!is_ob_context(
            "https://purl.imsglobal.org/spec/ob/v3p0/context-2.0.1.json"
        ));
        assert!(!is_ob_context(
            "http://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ));
        assert!(is_clr_context(CLR_CONTEXT_CURRENT));
        assert!(is_clr_context("https://purl.imsglobal.org/spec/clr/v2p0/context.json"));
        assert!(!is_clr_context(CLR_CONTEXT_DRAFT));
    }

    #[test]
    fn extension_terms_need_the_prefix_and_a_name() {
        assert!(is_extension_term("ext:MyType"));
        assert!(is_extension_term("ext:a.b-c_d1"));
        assert!(!is_extension_term("ext:"));
        assert!(!is_extension_term("MyType"));
        assert!(!is_extension_term("ext:has space"));
    }
}
