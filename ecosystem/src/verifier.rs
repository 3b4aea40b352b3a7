//! Verifier conformance, end to end: the status host and the case set ([`VerifierBench`]), grading any verifier
//! through an adapter, and the **reference verifier** — the harness's own verification behind a W3C VC-API endpoint
//! (`POST /credentials/verify`) — with named faults, each making it give one kind of wrong verdict, so every verifier
//! check is proven able to fail.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use clr_harness::catalogue::{Selection, ids};
use clr_harness::check::Check;
use clr_harness::engine::{self, Options};
use clr_harness::fetch::FetchPolicy;
use clr_harness::jsonld::contexts::VC_V1_URL;
use clr_harness::redact::Recording;
use clr_harness::verifier::adapter::{self, Adapter};
use clr_harness::verifier::cases::CaseSet;
use clr_harness::verifier::checks;
use clr_harness::verifier::generated as generated_cases;
use clr_harness::verifier::{self as verifier_checks, Verdicts};
use clr_harness::verify::Net;
use clr_harness::vocab;
use clr_mocks::documents::{self, Document};
use clr_mocks::server::{self, Running};
use clr_reports::{Exchange, Outcome, Subject};
use serde_json::{Value, json};

/// One way the reference verifier can give a wrong verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifierFault {
    /// Accepts credentials outside their validity window (expired, not yet valid).
    IgnoresValidityWindow,
    /// Does not look at a 1EdTechRevocationList.
    IgnoresRevocationList,
    /// Does not look at a BitstringStatusList.
    IgnoresBitstring,
    /// Rejects every credential that has a credentialStatus (never fetches one, so never knows).
    RejectsAnyStatus,
    /// Accepts a proof whose signature does not verify.
    AcceptsTampered,
    /// Accepts a proof made with a key the issuer does not control.
    AcceptsForeignKey,
    /// Accepts a VC-JWT whose claims disagree with its credential.
    IgnoresJwtClaims,
    /// Verifies a CLR's own proof but not its nested credentials.
    SkipsNested,
    /// Rejects every VCDM 1.1 credential.
    RejectsVcdm11,
}

impl VerifierFault {
    pub const ALL: [VerifierFault; 9] = [
        VerifierFault::IgnoresValidityWindow,
        VerifierFault::IgnoresRevocationList,
        VerifierFault::IgnoresBitstring,
        VerifierFault::RejectsAnyStatus,
        VerifierFault::AcceptsTampered,
        VerifierFault::AcceptsForeignKey,
        VerifierFault::IgnoresJwtClaims,
        VerifierFault::SkipsNested,
        VerifierFault::RejectsVcdm11,
    ];

    pub fn name(self) -> &'static str {
        match self {
            VerifierFault::IgnoresValidityWindow => "ignores-validity-window",
            VerifierFault::IgnoresRevocationList => "ignores-revocation-list",
            VerifierFault::IgnoresBitstring => "ignores-bitstring",
            VerifierFault::RejectsAnyStatus => "rejects-any-status",
            VerifierFault::AcceptsTampered => "accepts-tampered",
            VerifierFault::AcceptsForeignKey => "accepts-foreign-key",
            VerifierFault::IgnoresJwtClaims => "ignores-jwt-claims",
            VerifierFault::SkipsNested => "skips-nested",
            VerifierFault::RejectsVcdm11 => "rejects-vcdm11",
        }
    }

    pub fn parse(name: &str) -> Option<VerifierFault> {
        VerifierFault::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The checks whose findings this fault makes the verifier overlook on `credential`.
    fn overlooks(self, check: &str, credential: &Value) -> bool {
        let status = credential
            .pointer("/credentialStatus/type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let any = |list: &[&Check]| list.iter().any(|c| c.id == check);
        match self {
            VerifierFault::IgnoresValidityWindow => any(&[&ids::OB30_VER_003]),
            VerifierFault::IgnoresRevocationList => any(&[&ids::OB30_VER_002]) && status == vocab::REVOCATION_LIST_TYPE,
            VerifierFault::IgnoresBitstring => any(&[&ids::OB30_VER_002]) && status == vocab::BITSTRING_STATUS_TYPE,
            VerifierFault::AcceptsTampered => any(&[&ids::OB30_PRF_005, &ids::OB30_JWT_006]),
            VerifierFault::AcceptsForeignKey => any(&[&ids::OB30_PRF_006, &ids::OB30_JWT_007]),
            VerifierFault::IgnoresJwtClaims => any(&[&ids::OB30_JWT_004]),
            VerifierFault::SkipsNested => any(&[&ids::CLR20_VER_001]),
            VerifierFault::RejectsAnyStatus | VerifierFault::RejectsVcdm11 => false,
        }
    }

    /// Rejects `credential` whatever its checks say.
    fn rejects_outright(self, credential: &Value) -> Option<&'static str> {
        match self {
            VerifierFault::RejectsAnyStatus if credential.get("credentialStatus").is_some() => {
                Some("credential status is not checked here")
            }
            VerifierFault::RejectsVcdm11
                if credential.pointer("/@context/0").and_then(Value::as_str) == Some(VC_V1_URL) =>
            {
                Some("VCDM 1.1 is not supported")
            }
            _ => None,
        }
    }
}

impl fmt::Display for VerifierFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Checks whose warnings the reference verifier treats as a rejection: a key its issuer does not control, and a
/// nested credential that does not verify, are not a matter of style.
const REJECTING_WARNINGS: [&Check; 3] = [&ids::OB30_PRF_006, &ids::OB30_JWT_007, &ids::CLR20_VER_001];

/// The reference verifier's verdict on one credential (JSON, or a compact JWS as a JSON string), fetching status
/// lists from `allowed_hosts` only: `Ok(())` accepted, `Err(reasons)` rejected.
pub fn reference_verdict(
    credential: &Value,
    allowed_hosts: &[String],
    faults: &[VerifierFault],
) -> Result<(), Vec<String>> {
    let bytes = match credential {
        Value::String(jws) => jws.clone().into_bytes(),
        other => other.to_string().into_bytes(),
    };
    let policy = FetchPolicy {
        allowed_hosts: allowed_hosts.to_vec(),
        ..FetchPolicy::default()
    };
    let net = Net::new(policy).map_err(|e| vec![format!("cannot start verification: {e}")])?;
    let opts = Options {
        selection: Selection::default(),
        net: Some(&net),
        ..Options::default()
    };
    let mut subjects = Vec::new();
    engine::check_bytes("doc-1", "credential", &bytes, &opts, &mut subjects);
    // What the credential says, for the faults that look at it (the payload of a VC-JWT).
    let claimed = match credential {
        Value::String(jws) => jws_payload(jws).unwrap_or_default(),
        other => other.clone(),
    };
    let claimed = claimed.get("vc").cloned().unwrap_or(claimed);
    if let Some(why) = faults.iter().find_map(|f| f.rejects_outright(&claimed)) {
        return Err(vec![why.to_string()]);
    }
    let Some(top) = subjects.iter().find(|s| s.parent.is_none()) else {
        return Err(vec!["nothing to verify".into()]);
    };
    let reasons: Vec<String> = top
        .results
        .iter()
        .filter(|r| !faults.iter().any(|f| f.overlooks(&r.check, &claimed)))
        .filter(|r| match r.outcome {
            Outcome::Fail | Outcome::Error => true,
            Outcome::Warn => REJECTING_WARNINGS.iter().any(|c| c.id == r.check),
            Outcome::Skip => clr_harness::catalogue::get(&r.check).is_some_and(|c| c.establishes_authenticity()),
            _ => false,
        })
        .map(|r| {
            let why = r
                .findings
                .first()
                .map(|f| f.message.clone())
                .or_else(|| r.note.clone())
                .unwrap_or_default();
            format!("{}: {why}", r.check)
        })
        .collect();
    if reasons.is_empty() { Ok(()) } else { Err(reasons) }
}

fn jws_payload(jws: &str) -> Option<Value> {
    use base64::Engine;
    let part = jws.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).ok()?;
    serde_json::from_slice(&bytes).ok()
}

struct ReferenceState {
    allowed_hosts: Vec<String>,
    faults: Vec<VerifierFault>,
}

/// Starts the reference verifier's VC-API on an ephemeral loopback port (plain http): `POST /credentials/verify`.
pub async fn start_reference(allowed_hosts: Vec<String>, faults: Vec<VerifierFault>) -> std::io::Result<Running> {
    let state = Arc::new(ReferenceState { allowed_hosts, faults });
    let router = Router::new()
        .route("/credentials/verify", post(verify_route))
        .with_state(state);
    server::spawn(router, 0).await
}

async fn verify_route(State(state): State<Arc<ReferenceState>>, body: axum::body::Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, Json(json!({"title": "the body is not JSON"}))).into_response();
    };
    let Some(credential) = request.get("verifiableCredential").cloned() else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"title": "no verifiableCredential in the request"})),
        )
            .into_response();
    };
    // Verification blocks (and runs its own fetches): off the server's threads.
    let verdict =
        tokio::task::spawn_blocking(move || reference_verdict(&credential, &state.allowed_hosts, &state.faults)).await;
    match verdict {
        Ok(Ok(())) => Json(json!({"verified": true, "errors": [], "warnings": []})).into_response(),
        Ok(Err(errors)) => Json(json!({"verified": false, "errors": errors, "warnings": []})).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"title": e.to_string()}))).into_response(),
    }
}

/// The credentials a verifier is shown, and the host that serves their status lists.
pub struct VerifierBench {
    pub set: CaseSet,
    host: Running,
    status_base: String,
}

/// A verifier's grade: its subject and the exchanges (commands run, requests sent) behind it.
pub struct Graded {
    pub subject: Subject,
    pub exchanges: Vec<Exchange>,
}

impl VerifierBench {
    /// Builds the case set for `seed` and starts its status host on an ephemeral loopback port.
    pub async fn start(seed: u64) -> Result<VerifierBench, String> {
        VerifierBench::start_at(seed, None, None).await
    }

    /// [`VerifierBench::start`] with the status host bound to `bind` (default `127.0.0.1:0`) and named in the
    /// credentials as `public_base` (default `http://<bound address>`): a verifier in a container or on another
    /// machine must be able to fetch the status lists, and a fixed address gives the same bytes on every run.
    pub async fn start_at(
        seed: u64,
        bind: Option<std::net::SocketAddr>,
        public_base: Option<&str>,
    ) -> Result<VerifierBench, String> {
        VerifierBench::start_with(seed, bind, public_base, generated_cases::GENERATED_DEFAULT).await
    }

    /// [`VerifierBench::start_at`] with `generated` generated credentials (and their proof mutants) in the set,
    /// made valid around the clock (OB30-VERDICT-008).
    pub async fn start_with(
        seed: u64,
        bind: Option<std::net::SocketAddr>,
        public_base: Option<&str>,
        generated: usize,
    ) -> Result<VerifierBench, String> {
        let listener = match bind {
            Some(addr) => tokio::net::TcpListener::bind(addr).await,
            None => server::bind(0).await,
        }
        .map_err(|e| format!("cannot bind the status host: {e}"))?;
        let base = match public_base {
            Some(base) => base.trim_end_matches('/').to_string(),
            None => format!(
                "http://{}",
                listener
                    .local_addr()
                    .map_err(|e| format!("the status host has no address: {e}"))?
            ),
        };
        let set = generated_cases::build_with(seed, &base, generated, clr_harness::datetime::now_secs())
            .map_err(|e| format!("cannot build the verifier's credentials: {e}"))?;
        let served = set
            .served
            .iter()
            .map(|s| Document {
                path: s.path.clone(),
                content_type: s.content_type.to_string(),
                body: s.body.clone(),
            })
            .collect();
        let host = documents::serve(listener, served)
            .await
            .map_err(|e| format!("cannot start the status host: {e}"))?;
        Ok(VerifierBench {
            set,
            host,
            status_base: base,
        })
    }

    /// The status host's `host:port`, for a verifier's fetch policy.
    pub fn status_host(&self) -> String {
        self.host.addr.to_string()
    }

    /// Where the credentials say their status lists are.
    pub fn status_base(&self) -> &str {
        &self.status_base
    }

    /// Shows every case to the verifier behind `adapter` (command files go to `dir`) and grades its verdicts.
    pub async fn grade(
        &self,
        adapter: &Adapter,
        dir: &Path,
        per_case: Duration,
        selection: &Selection,
        strict: bool,
        recording: &Recording,
    ) -> Graded {
        // Only what the selected checks grade is shown.
        let wanted = checks::cases_for(&self.set, |id| selection.selects(id));
        let shown: Vec<_> = self
            .set
            .cases
            .iter()
            .filter(|c| wanted.contains(c.name.as_ref()))
            .cloned()
            .collect();
        let (answers, exchanges) = adapter::ask_all(adapter, &shown, dir, per_case, recording).await;
        let verdicts = Verdicts {
            set: &self.set,
            answers: &answers,
        };
        let source = match adapter {
            Adapter::Command(_) => format!("file://{}", dir.display()),
            Adapter::VcApi { base, .. } => base.clone(),
        };
        let subject = verifier_checks::judge(&verdicts, &adapter.describe(), &source, selection, strict);
        Graded { subject, exchanges }
    }

    /// Grades the reference verifier (with `faults`) through its VC-API.
    pub async fn grade_reference(
        &self,
        faults: &[VerifierFault],
        selection: &Selection,
        strict: bool,
    ) -> Result<Graded, String> {
        let reference = start_reference(vec![self.status_host()], faults.to_vec())
            .await
            .map_err(|e| format!("cannot start the reference verifier: {e}"))?;
        let adapter = Adapter::VcApi {
            base: reference.base_url.clone(),
            ca_pem: None,
        };
        let mut graded = self
            .grade(
                &adapter,
                Path::new("."),
                Duration::from_secs(60),
                selection,
                strict,
                &Recording::default(),
            )
            .await;
        graded.subject.name = if faults.is_empty() {
            "the reference verifier".into()
        } else {
            format!(
                "the reference verifier with {}",
                faults.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
            )
        };
        let _ = reference.shutdown().await;
        Ok(graded)
    }

    pub async fn shutdown(self) {
        let _ = self.host.shutdown().await;
    }
}
