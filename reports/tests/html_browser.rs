//! `report.html` in a real browser: the sample run (with failures, a provider and its HTTP exchanges) is written
//! to a temporary directory and opened by headless Chromium from `file://`, and the DOM Chromium built is checked
//! for what a reader needs — verdict, failing check and requirement, diff, transcript, curl, bundles — and for
//! hostile text staying text.
//!
//! Chromium is `$CLR_CHROMIUM`, `/usr/bin/chromium` or `chromium` on `PATH`. Without it the tests say they are
//! skipped and pass, except under `CI=true`, where a missing browser is a broken CI image and fails.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clr_reports::{ReportFormat, Run, write_reports};

// The crate's own test fixture, compiled into this test crate; `crate::model` is all it needs.
#[path = "../src/sample.rs"]
#[allow(dead_code)]
mod sample;
mod model {
    pub use clr_reports::model::*;
}

/// Chromium is killed after this long, so a wedged browser fails the test instead of hanging CI.
const CHROMIUM_LIMIT: Duration = Duration::from_secs(60);

fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CLR_CHROMIUM") {
        return Some(path.into());
    }
    let system = Path::new("/usr/bin/chromium");
    if system.is_file() {
        return Some(system.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("chromium"))
        .find(|p| p.is_file())
}

/// The browser, or `None` after saying the test is skipped. Under CI a missing browser fails the test.
fn require_chromium(test: &str) -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "{test}: chromium not installed, and CI=true requires it (apt-get install chromium, or set CLR_CHROMIUM)"
        );
        println!("{test}: skipped: chromium not installed (set CLR_CHROMIUM or install the `chromium` package)");
    }
    found
}

/// A fresh directory for one test; removed at the end of a passing test, kept for inspection after a failure.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clr-html-browser-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// Writes `report.html` for `run` into `dir` through the same entry point the CLI uses.
fn write_html(run: &Run, dir: &Path) -> PathBuf {
    let written = write_reports(run, dir, &[ReportFormat::Html]).expect("report.html is written");
    assert_eq!(written, [dir.join("report.html")]);
    written[0].canonicalize().expect("absolute path")
}

/// Runs headless Chromium on `page` with `extra` arguments and returns what it printed on stdout.
fn chromium_run(browser: &Path, dir: &Path, page: &Path, extra: &[&str]) -> String {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    // A fresh profile per run: a reused one could carry state (or a lock) from the previous browser.
    let profile = dir.join(format!("profile-{}", RUNS.fetch_add(1, Ordering::Relaxed)));
    let out_path = dir.join("chromium.stdout");
    let err_path = dir.join("chromium.stderr");
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(extra)
    .arg(format!("file://{}", page.display()))
    .stdin(Stdio::null())
    .stdout(File::create(&out_path).expect("stdout file"))
    .stderr(File::create(&err_path).expect("stderr file"));
    // Its own process group, so the renderer and GPU helpers go down with it if it has to be killed.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd.spawn().expect("chromium starts");
    let status = wait_or_kill(&mut child);
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    let status =
        status.unwrap_or_else(|| panic!("chromium did not finish within {CHROMIUM_LIMIT:?}; stderr:\n{stderr}"));
    assert!(status.success(), "chromium failed ({status}); stderr:\n{stderr}");
    std::fs::read_to_string(&out_path).expect("chromium's stdout is text")
}

fn wait_or_kill(child: &mut std::process::Child) -> Option<ExitStatus> {
    let deadline = Instant::now() + CHROMIUM_LIMIT;
    loop {
        if let Some(status) = child.try_wait().expect("chromium can be waited for") {
            return Some(status);
        }
        if Instant::now() >= deadline {
            #[cfg(unix)]
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The element that starts at the last `open_tag` before `needle`, up to its first `close_tag`.
fn enclosing<'a>(dom: &'a str, needle: &str, open_tag: &str, close_tag: &str) -> &'a str {
    let at = dom.find(needle).unwrap_or_else(|| panic!("{needle:?} in the DOM"));
    let start = dom[..at]
        .rfind(open_tag)
        .unwrap_or_else(|| panic!("{open_tag} before {needle:?}"));
    let len = dom[start..]
        .find(close_tag)
        .unwrap_or_else(|| panic!("{close_tag} after {needle:?}"));
    &dom[start..start + len]
}

#[test]
fn chromium_renders_the_verdict_failures_diffs_transcripts_and_bundles() {
    let Some(browser) = require_chromium("chromium_renders_the_verdict_failures_diffs_transcripts_and_bundles") else {
        return;
    };
    let dir = scratch("content");
    let page = write_html(&sample::sample_run_with_provider(), &dir);
    let dom = chromium_run(&browser, &dir, &page, &["--dump-dom"]);

    assert!(
        dom.contains("<title>clr-harness report: not conformant</title>"),
        "{dom}"
    );
    assert!(dom.contains("Not conformant: 2 documents (1 embedded credential) and 1 provider, 3 failed"));
    assert!(dom.contains("1 — at least one required check failed"));

    // The failing provider check is open, with its requirement, diff, transcript and curl command inside.
    let check = enclosing(
        &dom,
        "<code>OB30-API-002</code> getCredentials",
        "<details",
        "</details>",
    );
    assert!(
        check.starts_with("<details class=\"check o-fail\" data-outcome=\"fail\" open=\"\">"),
        "{check}"
    );
    assert!(check.contains(
        "A paged getCredentials response carries a Link header with rel=\"next\" and an X-Total-Count header"
    ));
    assert!(check.contains("GET https://provider.example/ims/ob/v3p0/credentials?limit=1&amp;offset=0\nAuthorization: Bearer [redacted]"), "{check}");
    assert!(
        check.contains("HTTP 200 OK\nContent-Type: application/json\nX-Total-Count: 3"),
        "{check}"
    );
    assert!(check.contains("curl -H 'Authorization: Bearer [redacted]' 'https://provider.example/ims/ob/v3p0/credentials?limit=1&amp;offset=0'"), "{check}");
    let profile = enclosing(&dom, "<code>OB30-API-004</code> getProfile", "<details", "</details>");
    assert!(
        profile.contains("<span class=\"del\">-    \"Profile\"</span>"),
        "{profile}"
    );
    assert!(
        profile.contains("<span class=\"ins\">+  \"type\": \"Issuer\"</span>"),
        "{profile}"
    );
    assert!(
        profile.contains("Tom &amp; Jerry's &lt;School&gt;"),
        "the response body is text: {profile}"
    );

    for bundle in [
        "OB 3.0 Issuer",
        "OB 3.0 Displayer",
        "OB 3.0 Host",
        "CLR 2.0 Issuer",
        "CLR 2.0 Displayer",
        "CLR 2.0 Host",
    ] {
        assert!(dom.contains(&format!("<tr><td>{bundle}</td>")), "{bundle}");
    }
    // The script ran under the page's CSP (its hash matched): it revealed the filter buttons, which the page
    // ships hidden for readers without JavaScript. (--dump-dom itself needs JavaScript, so the JS-off page is
    // checked by the unit tests on the markup.)
    assert!(dom.contains("<nav class=\"filters\" id=\"filters\">Show: "), "{dom}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn hostile_text_stays_text_in_chromium() {
    let Some(browser) = require_chromium("hostile_text_stays_text_in_chromium") else {
        return;
    };
    // Each payload would mark the document if the browser ever ran it.
    const SCRIPT: &str = "<script>document.documentElement.setAttribute('data-pwned','script')</script>";
    const IMG: &str = "\"'><img src=x onerror=\"document.documentElement.setAttribute('data-pwned','img')\">&amp;";
    let mut run = sample::sample_run_with_provider();
    run.summary.verdict = SCRIPT.into();
    run.subjects[3].name = IMG.into();
    let finding = &mut run.subjects[3].results[1].findings[0];
    finding.message = format!("{SCRIPT}{IMG}");
    finding.expected = Some(IMG.into());
    run.exchanges[2].response_body = Some(format!("{SCRIPT}\n{IMG}"));
    run.exchanges[2].response_headers.push(("X-Evil".into(), IMG.into()));
    run.exchanges[2].curl = format!("curl '{IMG}'");
    run.checks[0].spec_url = "javascript:document.documentElement.setAttribute('data-pwned','href')".into();

    let dir = scratch("hostile");
    let page = write_html(&run, &dir);
    let dom = chromium_run(&browser, &dir, &page, &["--dump-dom"]);
    assert!(!dom.contains("data-pwned=\""), "no payload ran: {dom}");
    assert!(!dom.contains("<img"), "no element was injected");
    assert!(!dom.contains("href=\"javascript:"), "no javascript: link");
    let shown_script = "&lt;script&gt;document.documentElement.setAttribute('data-pwned','script')&lt;/script&gt;";
    let shown_img =
        "\"'&gt;&lt;img src=x onerror=\"document.documentElement.setAttribute('data-pwned','img')\"&gt;&amp;amp;";
    assert!(dom.contains(&format!("Not conformant: {shown_script}")), "{dom}");
    assert!(
        dom.contains(&format!("{shown_script}{shown_img}</p>")),
        "the message reads as typed"
    );
    assert!(
        dom.contains(&format!("X-Evil: {shown_img}\n")),
        "header values read as typed"
    );
    assert!(dom.contains(&format!("curl '{shown_img}'")), "curl reads as typed");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn chromium_paints_the_page() {
    let Some(browser) = require_chromium("chromium_paints_the_page") else {
        return;
    };
    let dir = scratch("screenshot");
    let page = write_html(&sample::sample_run_with_provider(), &dir);
    let shot = dir.join("report.png");
    chromium_run(
        &browser,
        &dir,
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2400",
            "--hide-scrollbars",
        ],
    );
    let png = std::fs::read(&shot).expect("the screenshot is written");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    assert_eq!(&png[12..16], b"IHDR");
    let width = u32::from_be_bytes(png[16..20].try_into().expect("4 bytes"));
    let height = u32::from_be_bytes(png[20..24].try_into().expect("4 bytes"));
    assert_eq!((width, height), (1280, 2400), "the window size asked for");
    // A blank 1280×2400 page compresses to a few KiB; text, tables and colour do not.
    assert!(png.len() > 64 * 1024, "the page has content: {} bytes", png.len());
    let _ = std::fs::remove_dir_all(&dir);
}
