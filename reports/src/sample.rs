//! One realistic run that every reporter test renders: two documents, one of them a CLR with an embedded
//! credential decoded from a compact JWS, and every outcome a reporter has to handle. [`sample_run_with_provider`]
//! adds a provider whose failures rest on recorded HTTP exchanges (for the HTML report and its browser test, which
//! compiles this file into its own crate).

use crate::model::*;

fn info(id: &str, title: &str, requirement: &str, anchor: &str, level: Level, spec: Spec, area: &str) -> CheckInfo {
    CheckInfo {
        id: id.into(),
        title: title.into(),
        requirement: requirement.into(),
        spec_url: format!("https://www.imsglobal.org/spec/ob/v3p0/#{anchor}"),
        level,
        source: RuleSource::Normative,
        roles: vec![Role::Issuer, Role::Verifier],
        spec,
        area: area.into(),
    }
}

fn finding(outcome: Outcome, message: &str) -> Finding {
    Finding {
        outcome,
        message: message.into(),
        location: Location::default(),
        expected: None,
        actual: None,
        evidence: vec![],
        exchanges: vec![],
        hint: None,
    }
}

fn at(pointer: &str, line: u64, column: u64, snippet: &str) -> Location {
    Location {
        line: Some(line),
        column: Some(column),
        snippet: Some(snippet.into()),
        ..Location::pointer(pointer)
    }
}

fn result(check: &str, outcome: Outcome, note: Option<&str>, findings: Vec<Finding>) -> CheckResult {
    CheckResult {
        check: check.into(),
        outcome,
        note: note.map(Into::into),
        findings,
    }
}

fn catalogue() -> Vec<CheckInfo> {
    let mut inferred = info(
        "OB30-DM-020",
        "Image has type Image",
        "An Image object has a type of \"Image\"",
        "image",
        Level::Should,
        Spec::Ob30,
        "data-model",
    );
    inferred.source = RuleSource::Inferred;
    vec![
        info(
            "OB30-DM-006",
            "Issuer is a Profile",
            "The issuer is a URI or a Profile whose type includes \"Profile\"",
            "profile",
            Level::Must,
            Spec::Ob30,
            "data-model",
        ),
        info(
            "OB30-DM-010",
            "Achievement has criteria",
            "credentialSubject.achievement has a criteria object",
            "achievement",
            Level::Must,
            Spec::Ob30,
            "data-model",
        ),
        inferred,
        info(
            "OB30-FMT-001",
            "VCDM 2.0 validity dates",
            "validFrom is used instead of the VCDM 1.1 issuanceDate",
            "achievementcredential",
            Level::Info,
            Spec::Ob30,
            "format",
        ),
        info(
            "OB30-SC-001",
            "Official JSON Schema",
            "The credential validates against the official JSON Schema",
            "json-schema",
            Level::Must,
            Spec::Ob30,
            "schema",
        ),
        info(
            "OB30-ST-001",
            "Status list entry",
            "A credentialStatus entry resolves to a status list credential",
            "revocation",
            Level::Should,
            Spec::Ob30,
            "data-model",
        ),
        info(
            "OB30-PR-002",
            "Proof verifies",
            "The proof verifies with the issuer's key",
            "data-integrity",
            Level::Must,
            Spec::Ob30,
            "proof",
        ),
        CheckInfo {
            spec_url: "https://www.imsglobal.org/spec/clr/v2p0/#clrsubject".into(),
            ..info(
                "CLR20-DM-003",
                "CLR has credentials",
                "ClrSubject.verifiableCredential has at least one credential",
                "clrsubject",
                Level::Must,
                Spec::Clr20,
                "data-model",
            )
        },
    ]
}

fn bad_document() -> Subject {
    let issuer = Finding {
        location: at("/issuer/type", 14, 13, "    \"type\": \"Issuer\","),
        expected: Some("an array containing \"Profile\"".into()),
        actual: Some("\"Issuer\"".into()),
        hint: Some("use \"type\": [\"Profile\"]".into()),
        ..finding(Outcome::Fail, "issuer must be a URI or a Profile object with an id")
    };
    let image = Finding {
        location: at(
            "/credentialSubject/achievement/image/type",
            31,
            11,
            "\t\t\"type\": \"Img\",",
        ),
        expected: Some("\"Image\"".into()),
        actual: Some("\"Img\"".into()),
        ..finding(Outcome::Warn, "achievement image type should be \"Image\"")
    };
    Subject {
        id: "doc-1".into(),
        kind: SubjectKind::Document,
        name: "samples/bad.json".into(),
        source: "samples/bad.json".into(),
        parent: None,
        scope: None,
        layers: vec![],
        detected: Some(Detection {
            label: "OB 3.0 AchievementCredential (VCDM 2.0)".into(),
            kind: "ob30-achievement-credential".into(),
            vcdm: Some("2.0".into()),
            reason: "@context[0] is https://www.w3.org/ns/credentials/v2 and type includes OpenBadgeCredential".into(),
        }),
        outcome: Outcome::Fail,
        unverified: None,
        results: vec![
            result("OB30-DM-006", Outcome::Fail, None, vec![issuer]),
            result("OB30-DM-010", Outcome::Pass, None, vec![]),
            result("OB30-DM-020", Outcome::Warn, None, vec![image]),
            result("OB30-SC-001", Outcome::Skip, Some("needs --spec-dir"), vec![]),
            result(
                "OB30-ST-001",
                Outcome::NotApplicable,
                Some("no credentialStatus"),
                vec![],
            ),
        ],
    }
}

fn clr_document() -> Subject {
    let proof = Finding {
        location: Location {
            http: Some("GET did:web:issuer.example → /.well-known/did.json".into()),
            ..Location::pointer("/proof/0/verificationMethod")
        },
        evidence: vec![Evidence {
            label: "verificationMethod".into(),
            value: "did:web:issuer.example#key-1".into(),
        }],
        exchanges: vec!["ex-1".into()],
        ..finding(
            Outcome::Error,
            "could not resolve the verification method: timed out after 10 s",
        )
    };
    Subject {
        id: "doc-2".into(),
        kind: SubjectKind::Document,
        name: "samples/clr.json".into(),
        source: "samples/clr.json".into(),
        parent: None,
        scope: None,
        layers: vec![],
        detected: Some(Detection {
            label: "CLR 2.0 ClrCredential (VCDM 2.0)".into(),
            kind: "clr20-clr-credential".into(),
            vcdm: Some("2.0".into()),
            reason: "type includes ClrCredential".into(),
        }),
        outcome: Outcome::Error,
        unverified: None,
        results: vec![
            result("CLR20-DM-003", Outcome::Pass, None, vec![]),
            result("OB30-PR-002", Outcome::Error, None, vec![proof]),
            result("OB30-SC-001", Outcome::Skip, Some("needs --spec-dir"), vec![]),
        ],
    }
}

fn embedded_credential() -> Subject {
    let layer = "compact JWS payload";
    let issuer_type = Finding {
        location: Location {
            layer: Some(layer.into()),
            ..at("/issuer/type", 7, 13, "    \"type\": [\"Organization\"],")
        },
        expected: Some("an array containing \"Profile\"".into()),
        actual: Some("[\"Organization\"]".into()),
        ..finding(Outcome::Fail, "issuer type does not include \"Profile\"")
    };
    let issuer_id = Finding {
        location: Location {
            layer: Some(layer.into()),
            ..at("/issuer", 5, 15, "  \"issuer\": {")
        },
        expected: Some("an id that is a URI".into()),
        actual: Some("no id".into()),
        ..finding(Outcome::Fail, "issuer Profile has no id")
    };
    let legacy = Finding {
        location: Location {
            layer: Some(layer.into()),
            ..Location::pointer("/issuanceDate")
        },
        ..finding(Outcome::Info, "uses the VCDM 1.1 issuanceDate")
    };
    Subject {
        id: "doc-2/vc-0".into(),
        kind: SubjectKind::Embedded,
        name: "samples/clr.json → /credentialSubject/verifiableCredential/0".into(),
        source: "samples/clr.json".into(),
        parent: Some("doc-2".into()),
        scope: Some(Location {
            layer: Some("compact JWS".into()),
            ..Location::pointer("/credentialSubject/verifiableCredential/0")
        }),
        layers: vec!["compact JWS".into()],
        detected: Some(Detection {
            label: "OB 3.0 AchievementCredential (VCDM 1.1)".into(),
            kind: "ob30-achievement-credential".into(),
            vcdm: Some("1.1".into()),
            reason: "@context[0] is https://www.w3.org/2018/credentials/v1 and issuanceDate is present".into(),
        }),
        outcome: Outcome::Fail,
        unverified: None,
        results: vec![
            result("OB30-DM-006", Outcome::Fail, None, vec![issuer_type, issuer_id]),
            result("OB30-FMT-001", Outcome::Info, None, vec![legacy]),
            result("OB30-SC-001", Outcome::Skip, Some("needs --spec-dir"), vec![]),
            result(
                "OB30-PR-002",
                Outcome::Skip,
                Some("secured by a compact JWS: verified on the JWS layer"),
                vec![],
            ),
        ],
    }
}

/// The shared test run. Its summary is computed from the subjects, as the engine does.
pub(crate) fn sample_run() -> Run {
    let subjects = vec![bad_document(), clr_document(), embedded_credential()];
    let mut summary = Summary {
        exit_code: 1,
        verdict: "2 documents (1 embedded credential), 2 failed: 3 MUST failures, 1 warning, 1 harness error".into(),
        ..Summary::default()
    };
    for subject in &subjects {
        summary.subjects.add(subject.outcome);
        for r in &subject.results {
            summary.results.add(r.outcome);
        }
    }
    Run {
        format: REPORT_FORMAT.into(),
        tool: ToolInfo {
            name: "clr-harness".into(),
            version: "0.1.0".into(),
            vectors_version: "2025.06.1".into(),
            specs: vec!["OB 3.0 (context 3.0.3)".into(), "CLR 2.0 (context 2.0.1)".into()],
        },
        command: ["clr-harness", "validate", "samples/bad.json", "samples/clr.json"]
            .map(Into::into)
            .to_vec(),
        started_at: "2025-06-01T10:00:00Z".into(),
        duration_ms: 10_250,
        options: RunOptions::default(),
        checks: catalogue(),
        subjects,
        exchanges: vec![Exchange {
            id: "ex-1".into(),
            method: "GET".into(),
            url: "https://issuer.example/.well-known/did.json".into(),
            request_headers: vec![("Accept".into(), "application/did+json".into())],
            request_body: None,
            status: None,
            response_headers: vec![],
            response_body: None,
            response_body_truncated: false,
            request_body_truncated: false,
            error: Some("timed out after 10 s".into()),
            duration_ms: 10_000,
            curl: "curl -H 'Accept: application/did+json' https://issuer.example/.well-known/did.json".into(),
        }],
        summary,
    }
}

fn provider_info(id: &str, title: &str, requirement: &str, url: &str, spec: Spec, area: &str) -> CheckInfo {
    CheckInfo {
        spec_url: url.into(),
        roles: vec![Role::Provider],
        ..info(id, title, requirement, "", Level::Must, spec, area)
    }
}

fn provider_catalogue() -> Vec<CheckInfo> {
    vec![
        provider_info(
            "OB30-API-004",
            "getProfile returns the Profile",
            "GET /ims/ob/v3p0/profile returns 200 with the authenticated user's Profile",
            "https://www.imsglobal.org/spec/ob/v3p0/#getprofile",
            Spec::Ob30,
            "api",
        ),
        provider_info(
            "OB30-API-002",
            "getCredentials pages with Link",
            "A paged getCredentials response carries a Link header with rel=\"next\" and an X-Total-Count header",
            "https://www.imsglobal.org/spec/ob/v3p0/#getcredentials",
            Spec::Ob30,
            "api",
        ),
        provider_info(
            "CLR20-API-001",
            "getCredentials returns CLR credentials",
            "GET /ims/clr/v2p0/credentials returns 200 with a compactJwsStrings or clrCredentials array",
            "https://www.imsglobal.org/spec/clr/v2p0/#getcredentials",
            Spec::Clr20,
            "api",
        ),
        provider_info(
            "OAUTH-TOKEN-003",
            "Token responses are not cached",
            "The token endpoint answers with Cache-Control: no-store",
            "https://www.rfc-editor.org/rfc/rfc6749#section-5.1",
            Spec::OAuth,
            "oauth",
        ),
        provider_info(
            "OAUTH-PKCE-001",
            "PKCE S256 is enforced",
            "The authorization server rejects a token request whose code_verifier does not match",
            "https://www.rfc-editor.org/rfc/rfc7636#section-4.6",
            Spec::OAuth,
            "oauth",
        ),
    ]
}

const PROVIDER: &str = "https://provider.example";

fn provider_exchanges() -> Vec<Exchange> {
    let bearer = ("Authorization".to_string(), "Bearer [redacted]".to_string());
    vec![
        Exchange {
            id: "ex-2".into(),
            method: "GET".into(),
            url: format!("{PROVIDER}/ims/ob/v3p0/profile"),
            request_headers: vec![bearer.clone(), ("Accept".into(), "application/json".into())],
            request_body: None,
            status: Some(200),
            response_headers: vec![("Content-Type".into(), "application/json".into())],
            response_body: Some(
                "{\"@context\":[\"https://www.w3.org/ns/credentials/v2\"],\"id\":\"https://provider.example/u/1\",\
                 \"type\":\"Issuer\",\"name\":\"Tom & Jerry's <School>\"}"
                    .into(),
            ),
            response_body_truncated: false,
            request_body_truncated: false,
            error: None,
            duration_ms: 12,
            curl: format!(
                "curl -H 'Authorization: Bearer [redacted]' -H 'Accept: application/json' {PROVIDER}/ims/ob/v3p0/profile"
            ),
        },
        Exchange {
            id: "ex-3".into(),
            method: "GET".into(),
            url: format!("{PROVIDER}/ims/ob/v3p0/credentials?limit=1&offset=0"),
            request_headers: vec![bearer],
            request_body: None,
            status: Some(200),
            response_headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("X-Total-Count".into(), "3".into()),
            ],
            response_body: Some("{\"compactJwsStrings\":[\"eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOi".into()),
            response_body_truncated: true,
            request_body_truncated: false,
            error: None,
            duration_ms: 31,
            curl: format!(
                "curl -H 'Authorization: Bearer [redacted]' '{PROVIDER}/ims/ob/v3p0/credentials?limit=1&offset=0'"
            ),
        },
        Exchange {
            id: "ex-4".into(),
            method: "POST".into(),
            url: format!("{PROVIDER}/oauth/token"),
            request_headers: vec![("Content-Type".into(), "application/x-www-form-urlencoded".into())],
            request_body: Some("grant_type=authorization_code&code=abc&code_verifier=[redacted]".into()),
            status: Some(200),
            response_headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("Cache-Control".into(), "private, max-age=60".into()),
            ],
            response_body: Some(
                "{\"access_token\":\"[redacted]\",\"token_type\":\"Bearer\",\"expires_in\":3600}".into(),
            ),
            response_body_truncated: false,
            request_body_truncated: false,
            error: None,
            duration_ms: 8,
            curl: format!(
                "curl -X POST -H 'Content-Type: application/x-www-form-urlencoded' \
                 --data 'grant_type=authorization_code&code=abc&code_verifier=[redacted]' {PROVIDER}/oauth/token"
            ),
        },
    ]
}

fn provider() -> Subject {
    let profile = Finding {
        location: Location {
            http: Some("GET /ims/ob/v3p0/profile → body".into()),
            ..Location::pointer("/type")
        },
        expected: Some("{\n  \"id\": \"https://provider.example/u/1\",\n  \"type\": [\n    \"Profile\"\n  ]\n}".into()),
        actual: Some("{\"id\":\"https://provider.example/u/1\",\"type\":\"Issuer\"}".into()),
        exchanges: vec!["ex-2".into()],
        hint: Some("return the Profile object with \"type\": [\"Profile\"]".into()),
        ..finding(Outcome::Fail, "the profile is not a Profile: type is \"Issuer\"")
    };
    let paging = Finding {
        location: Location {
            http: Some("GET /ims/ob/v3p0/credentials?limit=1 → header Link".into()),
            ..Location::default()
        },
        expected: Some("a Link header with rel=\"next\"".into()),
        actual: Some("no Link header (X-Total-Count: 3)".into()),
        evidence: vec![Evidence {
            label: "X-Total-Count".into(),
            value: "3".into(),
        }],
        exchanges: vec!["ex-3".into()],
        ..finding(
            Outcome::Fail,
            "3 credentials in total but the first page of 1 has no Link header",
        )
    };
    let cache = Finding {
        location: Location {
            http: Some("POST /oauth/token → header Cache-Control".into()),
            ..Location::default()
        },
        expected: Some("Cache-Control: no-store".into()),
        actual: Some("Cache-Control: private, max-age=60".into()),
        exchanges: vec!["ex-4".into()],
        ..finding(Outcome::Fail, "the token response may be cached")
    };
    Subject {
        id: "provider-1".into(),
        kind: SubjectKind::Provider,
        name: PROVIDER.into(),
        source: PROVIDER.into(),
        parent: None,
        scope: None,
        layers: vec![],
        detected: None,
        outcome: Outcome::Fail,
        unverified: None,
        results: vec![
            result("OB30-API-004", Outcome::Fail, None, vec![profile]),
            result("OB30-API-002", Outcome::Fail, None, vec![paging]),
            result("CLR20-API-001", Outcome::Pass, None, vec![]),
            result("OAUTH-PKCE-001", Outcome::Pass, None, vec![]),
            result("OAUTH-TOKEN-003", Outcome::Fail, None, vec![cache]),
        ],
    }
}

/// The shared run plus a provider (REST API + OAuth 2.0) whose failing checks rest on recorded exchanges and
/// compare JSON, so the HTML report's transcripts and diffs have something to show.
pub(crate) fn sample_run_with_provider() -> Run {
    let mut run = sample_run();
    run.checks.extend(provider_catalogue());
    run.exchanges.extend(provider_exchanges());
    let provider = provider();
    run.summary.subjects.add(provider.outcome);
    for r in &provider.results {
        run.summary.results.add(r.outcome);
    }
    run.subjects.push(provider);
    run.command = [
        "clr-harness",
        "validate",
        "samples/bad.json",
        "samples/clr.json",
        "--provider",
        PROVIDER,
    ]
    .map(Into::into)
    .to_vec();
    run.summary.verdict = "2 documents (1 embedded credential) and 1 provider, 3 failed: 6 MUST failures, 1 warning, \
                           1 harness error"
        .into();
    run
}
