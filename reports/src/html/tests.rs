use super::*;
use crate::model::{Evidence, Exchange};
use crate::sample::{sample_run, sample_run_with_provider};

/// The text between `start` and the next `end` after it.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html.find(start).unwrap_or_else(|| panic!("{start:?} in the page")) + start.len();
    let len = html[from..]
        .find(end)
        .unwrap_or_else(|| panic!("{end:?} after {start:?}"));
    &html[from..from + len]
}

/// The `<details>` element of a check on the subject whose anchor is `subject`.
fn check_block<'a>(html: &'a str, subject: &str, check: &str) -> &'a str {
    let section = between(html, &format!("id=\"{subject}\""), "</section>");
    let at = section
        .find(&format!("<code>{check}</code>"))
        .unwrap_or_else(|| panic!("{check} in {subject}"));
    let start = section[..at].rfind("<details").expect("inside a details element");
    let len = section[start..].find("</details>").expect("details closes");
    &section[start..start + len]
}

#[test]
fn the_page_is_self_contained() {
    let html = render(&sample_run_with_provider());
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"));
    assert!(html.ends_with("</script>\n</body>\n</html>\n"));
    assert!(html.contains("<style>\n:root {"), "the CSS is inline");
    for external in ["<link", "src=", "@import", "url("] {
        assert!(!html.contains(external), "no external resource ({external})");
    }
    assert!(html.contains("default-src 'none'"), "the CSP forbids every fetch");
    assert_eq!(html.matches("<script>").count(), 1, "one script: the page's own");
    assert!(
        html.contains("<nav class=\"filters\" id=\"filters\" hidden>"),
        "buttons that need the script are hidden until it runs"
    );
    assert_eq!(html.matches("<details").count(), html.matches("</details>").count());
    assert_eq!(html.matches("<section").count(), html.matches("</section>").count());
    assert_eq!(html.matches("<div").count(), html.matches("</div>").count());
}

#[test]
fn the_csp_hash_is_the_hash_of_the_script() {
    use base64::Engine as _;
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(SCRIPT.as_bytes());
    let expected = format!("sha256-{}", base64::engine::general_purpose::STANDARD.encode(digest));
    assert_eq!(SCRIPT_HASH, expected, "update SCRIPT_HASH after editing filter.js");
    let html = render(&sample_run());
    assert!(
        html.contains(&format!("<script>{SCRIPT}</script>")),
        "the script is embedded byte for byte"
    );
}

#[test]
fn the_header_carries_the_run() {
    let html = render(&sample_run_with_provider());
    assert!(html.contains("<title>clr-harness report: not conformant</title>"));
    assert!(html.contains(
        "<div class=\"verdict o-fail\" id=\"verdict\">Not conformant: 2 documents (1 embedded credential) and 1 \
         provider, 3 failed: 6 MUST failures, 1 warning, 1 harness error</div>"
    ));
    assert!(html.contains("<dt>Exit code</dt><dd>1 — at least one required check failed</dd>"));
    assert!(html.contains("<dt>Tool</dt><dd>clr-harness 0.1.0 · vectors 2025.06.1</dd>"));
    assert!(html.contains(
        "<dt>Command</dt><dd><code>clr-harness validate samples/bad.json samples/clr.json --provider \
         https://provider.example</code></dd>"
    ));
    assert!(html.contains("<dt>Started</dt><dd>2025-06-01T10:00:00Z</dd>"));
    assert!(html.contains("<dt>Duration</dt><dd>10.25 s</dd>"));
}

#[test]
fn summaries_by_bundle_spec_role_and_subject() {
    let html = render(&sample_run_with_provider());
    let bundles = between(&html, "<table class=\"bundles\">", "</table>");
    assert!(
        bundles.contains(
            "<tr><td>OB 3.0 Host</td><td><span class=\"badge o-fail\">fail</span><div class=\"meta\">3 of its \
             checks failed or errored on the 1 provider subject</div></td><td class=\"n\">4</td>\
             <td class=\"n\">4</td><td class=\"n\">1</td><td class=\"n\">3</td>"
        ),
        "OB30-API-004, OB30-API-002 and both OAuth checks: {bundles}"
    );
    assert!(
        bundles.contains(
            "<td><code>OB30-API-004</code> <code>OB30-API-002</code> <code>OAUTH-TOKEN-003</code></td><td></td></tr>"
        ),
        "{bundles}"
    );
    assert!(bundles.contains("<tr><td>CLR 2.0 Issuer</td><td><span class=\"badge o-error\">error</span>"));
    // The OB badge skipped two required checks: the failing bundle still lists them as needed.
    assert!(
        bundles.contains(
            "<td><code>OB30-DM-006</code></td><td><code>OB30-SC-001</code> <code>OB30-PR-002</code></td></tr>"
        ),
        "{bundles}"
    );
    assert!(
        bundles.contains(
            "<tr><td>OB 3.0 Displayer</td><td><span class=\"badge o-not-tested\">not tested</span>\
             <div class=\"meta\">no verifier was graded in this run"
        ),
        "{bundles}"
    );
    assert_eq!(
        bundles.matches("<tr>").count(),
        1 + crate::bundles::BUNDLES.len(),
        "a row per bundle"
    );

    let spec = between(&html, "<h3>By specification</h3>", "</table>");
    // OB 3.0: 11 document results + 2 API results; OAuth 2.0: 2 results, one failing.
    assert!(spec.contains("<tr><td>OB 3.0</td><td class=\"n\">13</td>"), "{spec}");
    assert!(
        spec.contains(
            "<tr><td>OAuth 2.0</td><td class=\"n\">2</td><td class=\"n\">1</td><td class=\"n\">1</td>\
             <td class=\"n zero\">0</td>"
        ),
        "{spec}"
    );
    let role = between(&html, "<h3>By role</h3>", "</table>");
    assert!(role.contains("<tr><td>provider</td><td class=\"n\">5</td>"), "{role}");

    let subjects = between(&html, "<table class=\"subjects\">", "</table>");
    assert!(subjects.contains("<a href=\"#subject-3\">https://provider.example</a></td><td>provider</td>"));
    assert!(subjects.contains("↳ </span><a href=\"#subject-2\">samples/clr.json → /credentialSubject/"));
}

#[test]
fn failures_come_first_and_open_passes_fold() {
    let html = render(&sample_run_with_provider());
    let doc1 = between(&html, "id=\"subject-0\"", "</section>");
    let fail = doc1.find("<code>OB30-DM-006</code>").expect("fail");
    let warn = doc1.find("<code>OB30-DM-020</code>").expect("warn");
    let pass = doc1.find("<code>OB30-DM-010</code>").expect("pass");
    assert!(fail < warn && warn < pass, "worst first");
    assert!(
        check_block(&html, "subject-0", "OB30-DM-006")
            .starts_with("<details class=\"check o-fail\" data-outcome=\"fail\" open>")
    );
    assert!(doc1.contains("<details class=\"rest\">\n<summary>1 passed, 1 skipped, 1 not applicable</summary>"));
    assert!(doc1.contains("<td><span class=\"badge o-not-applicable\">not applicable</span></td>"));
    let info = check_block(&html, "subject-2", "OB30-FMT-001");
    assert!(
        info.starts_with("<details class=\"check o-info\" data-outcome=\"info\">"),
        "info stays folded"
    );
}

#[test]
fn a_check_shows_requirement_level_spec_link_and_its_findings() {
    let html = render(&sample_run_with_provider());
    let block = check_block(&html, "subject-0", "OB30-DM-006");
    assert!(block.contains("<summary><span class=\"badge o-fail\">fail</span> <code>OB30-DM-006</code> Issuer is a Profile <span class=\"meta\">MUST</span></summary>"));
    assert!(
        block.contains("<p class=\"req\">The issuer is a URI or a Profile whose type includes &quot;Profile&quot;</p>")
    );
    assert!(block.contains(
        "MUST · OB 3.0 · data-model · roles: issuer, verifier · <a href=\"https://www.imsglobal.org/spec/ob/v3p0/#profile\">spec section</a>"
    ));
    assert!(block.contains("<p class=\"msg\"><span class=\"badge o-fail\">fail</span> issuer must be a URI or a Profile object with an id</p>"));
    assert!(block.contains("<dt>Where</dt><dd><code>samples/bad.json:14:13</code> <code>/issuer/type</code>"));
    assert!(
        block.contains("<pre class=\"snippet\">14 |     &quot;type&quot;: &quot;Issuer&quot;,\n   |             <span class=\"caret\">^</span></pre>"),
        "{block}"
    );
    assert!(block.contains("<dt>Expected</dt><dd><code>an array containing &quot;Profile&quot;</code></dd>"));
    assert!(block.contains("<dt>Found</dt><dd><code>&quot;Issuer&quot;</code></dd>"));
    assert!(block.contains("<dt>Hint</dt><dd>use &quot;type&quot;: [&quot;Profile&quot;]</dd>"));
    assert!(!block.contains("<dt>Diff</dt>"), "nothing shared, so no diff");
    let warn = check_block(&html, "subject-0", "OB30-DM-020");
    assert!(warn.contains("<span class=\"meta\">SHOULD (inferred)</span>"), "{warn}");
    assert!(
        warn.contains("\n   | \t\t        <span class=\"caret\">"),
        "tabs keep the caret aligned: {warn}"
    );
}

#[test]
fn findings_show_diffs_where_they_help() {
    let html = render(&sample_run_with_provider());
    let profile = check_block(&html, "subject-3", "OB30-API-004");
    let diff = between(profile, "<dt>Diff</dt><dd>", "</dd>");
    assert!(
        diff.contains("<span class=\"del\">-    &quot;Profile&quot;</span>"),
        "{diff}"
    );
    assert!(
        diff.contains("<span class=\"ins\">+  &quot;type&quot;: &quot;Issuer&quot;</span>"),
        "{diff}"
    );
    assert!(
        profile.contains("<dt>Where</dt><dd><code>/type</code> HTTP <code>GET /ims/ob/v3p0/profile → body</code></dd>")
    );
    let cache = check_block(&html, "subject-3", "OAUTH-TOKEN-003");
    assert!(cache.contains("<del title=\"expected\">no-store</del>"), "{cache}");
    let paging = check_block(&html, "subject-3", "OB30-API-002");
    assert!(
        paging.contains(
            "<del title=\"expected\">with rel=&quot;next&quot;</del><ins title=\"found\">(X-Total-Count: 3)</ins>"
        ),
        "{paging}"
    );
    assert!(
        paging.contains("<dt>X-Total-Count</dt><dd><code>3</code></dd>"),
        "evidence: {paging}"
    );
}

#[test]
fn findings_carry_their_exchanges_with_curl() {
    let html = render(&sample_run_with_provider());
    let paging = check_block(&html, "subject-3", "OB30-API-002");
    assert!(
        paging.contains("<div class=\"exchange\" id=\"exchange-2\">"),
        "{paging}"
    );
    assert!(paging.contains(
        "<figcaption>Request</figcaption><pre>GET https://provider.example/ims/ob/v3p0/credentials?limit=1&amp;offset=0\n\
         Authorization: Bearer [redacted]\n</pre>"
    ));
    assert!(paging.contains(
        "<pre>HTTP 200 OK\nContent-Type: application/json\nX-Total-Count: 3\n\n{&quot;compactJwsStrings&quot;"
    ));
    assert!(paging.contains("The harness stopped reading the response body here"));
    assert!(paging.contains(
        "<figcaption>Reproduce with curl</figcaption><pre><code>curl -H &#39;Authorization: Bearer [redacted]&#39; \
         &#39;https://provider.example/ims/ob/v3p0/credentials?limit=1&amp;offset=0&#39;</code></pre>"
    ));
    let token = check_block(&html, "subject-3", "OAUTH-TOKEN-003");
    assert!(token.contains("<pre>POST https://provider.example/oauth/token\nContent-Type: application/x-www-form-urlencoded\n\ngrant_type=authorization_code&amp;code=abc"));
    // The harness error in the CLR document has no response, only the transport error.
    let proof = check_block(&html, "subject-1", "OB30-PR-002");
    assert!(
        proof.contains("<p class=\"err\">Transport error: timed out after 10 s</p>"),
        "{proof}"
    );
    assert!(proof.contains("curl -H &#39;Accept: application/did+json&#39;"));
    assert!(!html.contains("Other HTTP exchanges"), "every exchange is referenced");
}

#[test]
fn a_repeated_exchange_links_to_its_first_transcript_and_orphans_get_an_appendix() {
    let mut run = sample_run_with_provider();
    run.subjects[3].results[1].findings[0].exchanges.push("ex-2".into());
    run.subjects[3].results[1].findings[0].exchanges.push("ex-404".into());
    run.exchanges.push(Exchange {
        id: "ex-orphan".into(),
        url: "https://provider.example/.well-known/oauth-authorization-server".into(),
        ..run.exchanges[1].clone()
    });
    let html = render(&run);
    assert_eq!(html.matches("id=\"exchange-1\"").count(), 1, "ex-2 is transcribed once");
    assert!(html.contains(
        "HTTP exchange: <a href=\"#exchange-1\">GET https://provider.example/ims/ob/v3p0/profile</a> (transcript above)"
    ));
    assert!(html.contains("HTTP exchange <code>ex-404</code> is not recorded in this report."));
    let appendix = between(&html, "<h2>Other HTTP exchanges</h2>", "</section>");
    assert!(
        appendix.contains("<div class=\"exchange\" id=\"exchange-4\">"),
        "{appendix}"
    );
    assert!(appendix.contains("oauth-authorization-server"));
}

#[test]
fn hostile_text_is_escaped_everywhere() {
    const XSS: &str = "<script>alert(1)</script>\"'&<img src=x onerror=alert(2)>";
    const ESCAPED: &str = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;&lt;img src=x onerror=alert(2)&gt;";
    let mut run = sample_run_with_provider();
    run.tool.name = XSS.into();
    run.summary.verdict = XSS.into();
    run.command.push(XSS.into());
    run.options.only = vec![XSS.into()];
    run.checks[0].title = XSS.into();
    run.checks[0].requirement = XSS.into();
    run.checks[0].area = XSS.into();
    run.checks[0].spec_url = format!("javascript:alert(3)//{XSS}");
    run.subjects[0].name = XSS.into();
    run.subjects[0].detected.as_mut().expect("detected").reason = XSS.into();
    let finding = &mut run.subjects[0].results[0].findings[0];
    finding.message = XSS.into();
    finding.expected = Some(format!("{XSS} a"));
    finding.actual = Some(format!("{XSS} b"));
    finding.hint = Some(XSS.into());
    finding.location.snippet = Some(XSS.into());
    finding.evidence.push(Evidence {
        label: XSS.into(),
        value: XSS.into(),
    });
    finding.exchanges = vec!["ex-2".into()];
    let ex = &mut run.exchanges[1];
    ex.url = XSS.into();
    ex.method = XSS.into();
    ex.request_headers.push((XSS.into(), XSS.into()));
    ex.response_body = Some(format!("{XSS}\n{XSS}"));
    ex.curl = XSS.into();
    ex.error = Some(XSS.into());
    let html = render(&run);

    assert_eq!(html.matches("<script>").count(), 1, "only the page's own script");
    assert!(!html.contains("<img"), "no injected element");
    assert!(!html.contains("javascript:alert(3)//<"), "no raw URL");
    assert!(
        !html.contains("href=\"javascript:"),
        "a javascript: URL never becomes a link"
    );
    assert!(html.contains(&format!("spec: <code>javascript:alert(3)//{ESCAPED}</code>")));
    // 5 for the tool name (title, h1, Tool fact, footer …); at least one per field set above.
    assert!(html.matches(ESCAPED).count() >= 20, "{}", html.matches(ESCAPED).count());
    assert!(html.contains(&format!(
        "<p class=\"msg\"><span class=\"badge o-fail\">fail</span> {ESCAPED}</p>"
    )));
    assert!(
        html.contains(&format!("<dt>{ESCAPED}</dt><dd><code>{ESCAPED}</code></dd>")),
        "evidence label and value"
    );
    assert!(
        html.contains(&format!("{ESCAPED}: {ESCAPED}\n")),
        "header name and value"
    );
    assert!(
        html.contains("<del title=\"expected\">a</del><ins title=\"found\">b</ins>"),
        "the diff still works on hostile text"
    );
}

#[test]
fn controls_and_bidi_overrides_are_visible() {
    assert_eq!(
        esc("a\u{1b}[31mb\u{202e}c\r\nd\re\0"),
        "a\\u{1b}[31mb\\u{202e}c\nd\\u{d}e\\u{0}"
    );
    assert_eq!(esc("tab\there"), "tab\there");
}

#[test]
fn only_web_urls_become_links() {
    assert_eq!(
        href("https://a.example/x?a=1&b=2").as_deref(),
        Some("https://a.example/x?a=1&amp;b=2")
    );
    assert_eq!(href("HTTP://a.example").as_deref(), Some("HTTP://a.example"));
    for bad in [
        "javascript:alert(1)",
        "data:text/html,x",
        " https://a.example",
        "https://a.example/\nx",
        "",
        "http",
    ] {
        assert_eq!(href(bad), None, "{bad:?}");
    }
}

#[test]
fn the_same_run_renders_to_the_same_bytes() {
    let run = sample_run_with_provider();
    assert_eq!(render(&run), render(&run.clone()));
    let round_trip: Run =
        serde_json::from_str(&serde_json::to_string(&run).expect("serialises")).expect("deserialises");
    assert_eq!(render(&run), render(&round_trip));
}

#[test]
fn a_passing_run_says_so() {
    let mut run = sample_run();
    run.subjects.retain(|s| s.id == "doc-1");
    run.subjects[0].results.retain(|r| r.outcome == Outcome::Pass);
    // As the engine builds it: the catalogue entries of the checks that have results.
    run.checks.retain(|c| c.id == "OB30-DM-010");
    run.subjects[0].outcome = Outcome::Pass;
    run.exchanges.clear();
    run.summary.exit_code = 0;
    run.summary.verdict = "1 document, all required checks passed".into();
    let html = render(&run);
    assert!(
        html.contains("<div class=\"verdict o-pass\" id=\"verdict\">Conformant: 1 document"),
        "{html}"
    );
    assert!(!html.contains("<details class=\"check"), "no check needs attention");
    assert!(html.contains("<tr><td>OB 3.0 Issuer</td><td><span class=\"badge o-pass\">pass</span>"));
    assert!(html.contains("<tr><td>OB 3.0 Host</td><td><span class=\"badge o-not-tested\">not tested</span>"));
}

#[test]
fn long_lists_of_checks_a_bundle_still_needs_fold() {
    let mut run = sample_run();
    let template = run.checks[0].clone();
    for i in 0..10 {
        let id = format!("OB30-X-{i:03}");
        run.checks.push(crate::model::CheckInfo {
            id: id.clone(),
            ..template.clone()
        });
        run.subjects[0].results.push(crate::model::CheckResult {
            check: id,
            outcome: Outcome::Skip,
            note: None,
            findings: vec![],
        });
    }
    let html = render(&run);
    let bundles = between(&html, "<table class=\"bundles\">", "</table>");
    // OB30-SC-001, OB30-PR-002 and ten more required checks that were only skipped: eight shown, four folded.
    assert!(
        bundles.contains(
            "<code>OB30-X-005</code> <details class=\"rest\"><summary>4 more</summary><code>OB30-X-006</code> \
             <code>OB30-X-007</code> <code>OB30-X-008</code> <code>OB30-X-009</code></details></td></tr>"
        ),
        "{bundles}"
    );
}

/// A folded row names its check and links to the run's list of checks, where the requirement stands once, however
/// many subjects passed it.
#[test]
fn folded_rows_link_to_the_requirement_listed_once() {
    let run = sample_run_with_provider();
    let html = render(&run);
    let doc1 = between(&html, "id=\"subject-0\"", "</section>");
    let info = run.check("OB30-DM-010").expect("a passing check of the sample");
    assert!(
        doc1.contains(&format!(
            "<code>OB30-DM-010</code> <a href=\"#check-OB30-DM-010\">{}</a>",
            esc(&info.title)
        )),
        "{doc1}"
    );
    let requirement = esc(&info.requirement);
    assert!(!doc1.contains(&requirement), "the row does not repeat the requirement");
    let list = between(&html, "<section id=\"checks\">", "</section>");
    assert!(list.contains("<dt id=\"check-OB30-DM-010\">"), "{list}");
    assert!(list.contains(&requirement), "{list}");
    assert_eq!(
        list.matches("<dt id=").count(),
        run.checks.len(),
        "every check of the run, once"
    );
}

/// Written subject by subject, the page is the page rendered whole.
#[test]
fn the_page_written_in_pieces_is_the_page_rendered_whole() {
    for run in [sample_run(), sample_run_with_provider()] {
        let mut written = Vec::new();
        crate::html::write(&run, &mut written).expect("writes");
        assert_eq!(String::from_utf8(written).expect("utf-8"), render(&run));
    }
}
