//! Every badge the mock OB 2.0 badge host serves, in every form its index lists (hosted URL, signed JWS, baked PNG,
//! baked SVG), gets the verdict the index expects from `clr-harness validate`'s engine — and the broken ones fail
//! exactly the check that names what is wrong with them. Offline (no host allowed), the same badges are unverified,
//! never passed.

use clr_harness::catalogue::Selection;
use clr_harness::engine::{self, Input, Options};
use clr_harness::fetch::FetchPolicy;
use clr_harness::verify::{Env, Net};
use clr_reports::{Outcome, Subject};
use serde_json::Value;

/// The check each broken variant must fail (and no other).
const EXPECTED_FAILURE: &[(&str, &str)] = &[
    ("wrong-origin", "OB20-VER-002"),
    ("revoked", "OB20-VER-006"),
    ("expired", "OB20-VER-007"),
    ("issued-in-future", "OB20-VER-007"),
    ("expires-before-issued", "OB20-VER-007"),
    ("bad-signature", "OB20-VER-003"),
    ("unauthorized-key", "OB20-VER-004"),
    ("missing-salt", "OB20-VER-010"),
    ("badge-image-missing", "OB20-VER-009"),
];

#[test]
fn every_badge_host_entry_gets_the_verdict_its_index_expects() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let (running, host) = runtime
        .block_on(clr_mocks::badgehost::spawn(7))
        .expect("the badge host starts");
    let port = running.addr.port();
    let mut policy = FetchPolicy::default();
    // The wrong-origin variant lives on localhost:PORT, the issuer on 127.0.0.1:PORT: both are the badge host.
    policy.allowed_hosts = vec![format!("127.0.0.1:{port}"), format!("localhost:{port}")];
    let index = host.index().clone();
    let recipient = index["recipient"]["email"].as_str().unwrap_or_default().to_string();
    let mut problems = Vec::new();
    let mut seen = 0;
    for entry in index["badges"].as_array().into_iter().flatten() {
        let (name, form, url) = (text(entry, "name"), text(entry, "form"), text(entry, "url"));
        let bytes = runtime
            .block_on(async { reqwest::get(&url).await?.bytes().await })
            .map(|b| b.to_vec())
            .expect("the badge host answers");
        let needs_recipient = entry["needsRecipient"].as_bool() == Some(true);
        let online = check(
            &url,
            bytes.clone(),
            Some(policy.clone()),
            needs_recipient.then_some(&recipient),
        );
        let failed = failed_checks(&online);
        let expected = EXPECTED_FAILURE.iter().find(|(n, _)| *n == name).map(|(_, c)| *c);
        let verdict = match expected {
            None if online
                .iter()
                .all(|s| s.outcome == Outcome::Pass && s.unverified.is_none()) =>
            {
                None
            }
            Some(check) if failed == [check] => None,
            _ => Some(format!(
                "{name} ({form}): expected {}, got {:?} failing {failed:?} ({:?})",
                expected.map_or("a pass".to_string(), |c| format!("a failure of {c} only")),
                online.iter().map(|s| s.outcome).collect::<Vec<_>>(),
                online.iter().filter_map(|s| s.unverified.clone()).collect::<Vec<_>>()
            )),
        };
        problems.extend(verdict);
        if expected.is_none() {
            // Offline the same valid badge cannot be verified: unverified, never a pass.
            let offline = check(&url, bytes, None, None);
            if !offline.iter().any(|s| s.unverified.is_some()) || offline.iter().any(|s| s.outcome == Outcome::Pass) {
                problems.push(format!("{name} ({form}) offline: expected unverified, got {offline:?}"));
            }
        }
        seen += 1;
    }
    drop(running);
    assert!(seen >= 18, "the index lists every variant in its forms ({seen})");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_string()
}

/// Runs the engine on one input as `validate` does; `policy: None` is the default offline policy.
fn check(source: &str, bytes: Vec<u8>, policy: Option<FetchPolicy>, recipient: Option<&String>) -> Vec<Subject> {
    let net = Net::new(policy.unwrap_or_default()).expect("the fetcher starts");
    let mut env = Env::default();
    env.recipient = recipient.map(|r| format!("email:{r}").parse().expect("a recipient"));
    let opts = Options {
        selection: Selection::default(),
        env,
        net: Some(&net),
        ..Options::default()
    };
    let input = Input {
        source: source.to_string(),
        bytes: Ok(bytes),
    };
    engine::check_inputs(&[input], &opts)
}

fn failed_checks(subjects: &[Subject]) -> Vec<String> {
    let mut ids: Vec<String> = subjects
        .iter()
        .flat_map(|s| &s.results)
        .filter(|r| r.outcome.is_failure())
        .map(|r| r.check.clone())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}
