//! `report.json`: the run model itself, pretty-printed, described by [`REPORT_SCHEMA`].

use crate::ReportError;
use crate::model::Run;

/// JSON Schema (draft 2020-12) of `report.json`, format [`crate::REPORT_FORMAT`].
pub const REPORT_SCHEMA: &str = include_str!("../schema/report.schema.json");

/// Serialises the run as pretty JSON, with a trailing newline so the file is a well-formed text file.
pub fn render(run: &Run) -> Result<String, ReportError> {
    let mut text = serde_json::to_string_pretty(run)?;
    text.push('\n');
    Ok(text)
}

/// [`render`] streamed into `out` as it is serialised: a run of many subjects is never held as text too.
pub fn write(run: &Run, out: &mut dyn std::io::Write) -> Result<(), ReportError> {
    serde_json::to_writer_pretty(&mut *out, run)?;
    out.write_all(b"\n").map_err(serde_json::Error::io)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;
    use crate::sample::sample_run;
    use serde_json::Value;

    fn schema_errors(instance: &Value) -> Vec<String> {
        let schema: Value = serde_json::from_str(REPORT_SCHEMA).expect("the schema is JSON");
        let validator = jsonschema::validator_for(&schema).expect("the schema is a valid draft 2020-12 schema");
        validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }

    /// The sample plus the optional fields it leaves out, so the schema is exercised on every property.
    fn rich_run() -> Run {
        let mut run = sample_run();
        run.options = RunOptions {
            strict: true,
            allow_unverified: true,
            only: vec!["OB30-".into()],
            skip: vec!["OB30-SC-001".into()],
            spec_dir: Some("spec".into()),
        };
        run.subjects[0].unverified = Some("OB30-PRF-004: fetching is off".into());
        run.summary.unverified = 1;
        run.exchanges.push(Exchange {
            id: "ex-2".into(),
            method: "POST".into(),
            url: "https://provider.example/oauth/token".into(),
            request_headers: vec![("Content-Type".into(), "application/x-www-form-urlencoded".into())],
            request_body: Some("grant_type=client_credentials".into()),
            status: Some(200),
            response_headers: vec![("Content-Type".into(), "application/json".into())],
            response_body: Some("{\"access_token\":\"…\"}".into()),
            response_body_truncated: true,
            request_body_truncated: false,
            error: None,
            duration_ms: 42,
            curl: "curl -X POST https://provider.example/oauth/token".into(),
        });
        // A graded verifier and one of its command runs.
        let mut verifier = run.subjects[0].clone();
        verifier.id = "verifier".into();
        verifier.kind = SubjectKind::Verifier;
        verifier.parent = None;
        run.subjects.push(verifier);
        run.exchanges.push(Exchange {
            id: "verifier-001".into(),
            method: EXEC_METHOD.into(),
            url: "file:///tmp/cases/ob30-valid.json".into(),
            request_headers: vec![],
            request_body: None,
            status: None,
            response_headers: vec![("exit-status".into(), "1".into())],
            response_body: Some("FAILED ob30-valid.json".into()),
            response_body_truncated: false,
            request_body_truncated: false,
            error: None,
            duration_ms: 250,
            curl: "my-verifier '/tmp/cases/ob30-valid.json'".into(),
        });
        if let Some(f) = run.subjects[0].results[0].findings.first_mut() {
            f.location.byte_offset = Some(312);
        }
        run
    }

    #[test]
    fn a_rich_run_validates_against_the_schema() {
        let run = rich_run();
        let text = render(&run).expect("the model serialises");
        let value: Value = serde_json::from_str(&text).expect("render produces JSON");
        assert_eq!(value["format"], REPORT_FORMAT);
        assert_eq!(value["subjects"][2]["parent"], "doc-2");
        assert_eq!(
            value["subjects"][0]["results"][0]["findings"][0]["location"]["snippet"],
            "    \"type\": \"Issuer\","
        );
        let errors = schema_errors(&value);
        assert!(errors.is_empty(), "schema errors: {errors:#?}");
    }

    #[test]
    fn the_schema_rejects_what_the_model_cannot_be() {
        let value = serde_json::to_value(sample_run()).expect("the model serialises");
        let mut wrong_format = value.clone();
        wrong_format["format"] = "clr-harness-report/2".into();
        assert!(!schema_errors(&wrong_format).is_empty());
        let mut wrong_outcome = value.clone();
        wrong_outcome["subjects"][0]["outcome"] = "failed".into();
        assert!(!schema_errors(&wrong_outcome).is_empty());
        let mut missing_message = value.clone();
        if let Some(finding) = missing_message["subjects"][0]["results"][0]["findings"][0].as_object_mut() {
            finding.remove("message");
        }
        assert!(!schema_errors(&missing_message).is_empty());
        let mut unknown_field = value;
        unknown_field["summary"]["bogus"] = true.into();
        assert!(!schema_errors(&unknown_field).is_empty());
    }

    #[test]
    fn json_round_trips_to_the_same_run() {
        let run = rich_run();
        let text = render(&run).expect("the model serialises");
        assert!(text.ends_with("}\n"));
        let back: Run = serde_json::from_str(&text).expect("report.json deserialises");
        assert_eq!(back, run);
    }
}
