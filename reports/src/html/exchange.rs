//! HTTP transcripts: request line, headers and body; response status, headers and body; error and duration; and
//! the curl command that repeats the request.

use std::fmt::Write as _;

use crate::model::Exchange;

use super::{duration, esc};

/// Bytes of one body embedded in the page. The whole body (as far as the harness recorded it) stays in
/// `report.json`; the page has to stay openable when a server answers with megabytes.
pub(super) const MAX_BODY: usize = 64 * 1024;

/// A command run (a verifier adapter's): the file it was given, its exit status, what it printed, and the line that
/// repeats it.
fn command_run(out: &mut String, ex: &Exchange, exit: &str, index: usize) {
    let _ = write!(
        out,
        "<div class=\"exchange\" id=\"exchange-{index}\">\n<p class=\"head\"><strong>command</strong> on <code>{}</code> → \
         {} · {}</p>\n",
        esc(&ex.url),
        esc(exit),
        duration(ex.duration_ms)
    );
    let mut output = String::new();
    let mut notes = Vec::new();
    body_text(
        &mut output,
        ex.response_body.as_deref().unwrap_or_default(),
        "output",
        &mut notes,
    );
    figure(out, "Output", &output, &notes);
    if let Some(error) = &ex.error {
        let _ = writeln!(out, "<p class=\"err\">No verdict: {}</p>", esc(error));
    }
    let _ = writeln!(
        out,
        "<figure class=\"curl\"><figcaption>Reproduce</figcaption><pre><code>{}</code></pre></figure>\n</div>",
        esc(&ex.curl)
    );
}

/// Writes the transcript of `ex`, anchored as `exchange-{index}` so later references can link to it.
pub(super) fn transcript(out: &mut String, ex: &Exchange, index: usize) {
    if let Some(exit) = ex.exit_text() {
        command_run(out, ex, &exit, index);
        return;
    }
    let outcome = match (ex.status, &ex.error) {
        (Some(status), _) => format!("<span class=\"status\">{status} {}</span>", reason(status)),
        (None, Some(_)) => "<span class=\"err\">no response</span>".to_string(),
        (None, None) => "no status recorded".to_string(),
    };
    let _ = write!(
        out,
        "<div class=\"exchange\" id=\"exchange-{index}\">\n<p class=\"head\"><strong>{}</strong> <code>{}</code> → \
         {outcome} · {}</p>\n",
        esc(&ex.method),
        esc(&ex.url),
        duration(ex.duration_ms)
    );

    let mut request = format!("{} {}\n", esc(&ex.method), esc(&ex.url));
    headers(&mut request, &ex.request_headers);
    let mut notes = Vec::new();
    if let Some(body) = &ex.request_body {
        request.push('\n');
        body_text(&mut request, body, "request", &mut notes);
    }
    figure(out, "Request", &request, &notes);

    if let Some(status) = ex.status {
        let mut response = format!("HTTP {status} {}\n", reason(status));
        headers(&mut response, &ex.response_headers);
        let mut notes = Vec::new();
        if let Some(body) = &ex.response_body {
            response.push('\n');
            body_text(&mut response, body, "response", &mut notes);
        }
        if ex.response_body_truncated {
            notes.push("The harness stopped reading the response body here (size limit).".to_string());
        }
        figure(out, "Response", &response, &notes);
    }
    if let Some(error) = &ex.error {
        let _ = writeln!(out, "<p class=\"err\">Transport error: {}</p>", esc(error));
    }
    if !ex.curl.is_empty() {
        let _ = writeln!(
            out,
            "<figure class=\"curl\"><figcaption>Reproduce with curl</figcaption><pre><code>{}</code></pre></figure>",
            esc(&ex.curl)
        );
    }
    out.push_str("</div>\n");
}

fn headers(out: &mut String, headers: &[(String, String)]) {
    for (name, value) in headers {
        let _ = writeln!(out, "{}: {}", esc(name), esc(value));
    }
}

/// Appends the escaped body, cut at [`MAX_BODY`] on a character boundary, with a note saying what was left out.
fn body_text(out: &mut String, body: &str, which: &str, notes: &mut Vec<String>) {
    let mut end = body.len().min(MAX_BODY);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    out.push_str(&esc(&body[..end]));
    if end < body.len() {
        out.push_str("\n…");
        notes.push(format!(
            "Only the first {} KiB of the {which} body are shown here ({} more bytes in report.json).",
            MAX_BODY / 1024,
            body.len() - end
        ));
    }
}

fn figure(out: &mut String, caption: &str, pre: &str, notes: &[String]) {
    let _ = write!(out, "<figure><figcaption>{caption}</figcaption><pre>{pre}</pre>");
    for note in notes {
        let _ = write!(out, "<p class=\"note\">{}</p>", esc(note));
    }
    out.push_str("</figure>\n");
}

/// Reason phrases of the statuses a credential API answers with; others are shown as the bare number.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        409 => "Conflict",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange() -> Exchange {
        Exchange {
            id: "ex".into(),
            method: "PUT".into(),
            url: "https://p.example/ims/ob/v3p0/profile?a=1&b=<2>".into(),
            request_headers: vec![("Content-Type".into(), "application/json".into())],
            request_body: Some("{\"name\":\"<script>alert(1)</script>\"}".into()),
            status: Some(401),
            response_headers: vec![("WWW-Authenticate".into(), "Bearer error=\"invalid_token\"".into())],
            response_body: Some("denied".into()),
            response_body_truncated: true,
            request_body_truncated: false,
            error: None,
            duration_ms: 1500,
            curl: "curl -X PUT 'https://p.example/ims/ob/v3p0/profile?a=1&b=<2>' --data '{\"name\":\"x\"}'".into(),
        }
    }

    #[test]
    fn a_transcript_shows_both_sides_and_the_curl_command() {
        let mut out = String::new();
        transcript(&mut out, &exchange(), 7);
        assert!(out.starts_with("<div class=\"exchange\" id=\"exchange-7\">"), "{out}");
        assert!(out.contains("<figcaption>Request</figcaption><pre>PUT https://p.example/ims/ob/v3p0/profile?a=1&amp;b=&lt;2&gt;\nContent-Type: application/json\n\n{&quot;name&quot;:&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;}</pre>"), "{out}");
        assert!(
            out.contains(
                "<pre>HTTP 401 Unauthorized\nWWW-Authenticate: Bearer error=&quot;invalid_token&quot;\n\ndenied</pre>"
            ),
            "{out}"
        );
        assert!(out.contains("stopped reading the response body"), "{out}");
        assert!(
            out.contains("→ <span class=\"status\">401 Unauthorized</span> · 1.50 s"),
            "{out}"
        );
        assert!(
            out.contains("<pre><code>curl -X PUT &#39;https://p.example/ims/ob/v3p0/profile?a=1&amp;b=&lt;2&gt;&#39;"),
            "{out}"
        );
        assert!(!out.contains("<script>"), "{out}");
    }

    #[test]
    fn transport_errors_replace_the_response() {
        let ex = Exchange {
            status: None,
            response_headers: vec![],
            response_body: None,
            response_body_truncated: false,
            request_body_truncated: false,
            error: Some("connection refused".into()),
            ..exchange()
        };
        let mut out = String::new();
        transcript(&mut out, &ex, 0);
        assert!(out.contains("<span class=\"err\">no response</span>"), "{out}");
        assert!(
            out.contains("<p class=\"err\">Transport error: connection refused</p>"),
            "{out}"
        );
        assert!(!out.contains("Response</figcaption>"), "{out}");
    }

    #[test]
    fn large_bodies_are_capped_on_a_character_boundary() {
        // 'é' is two bytes, so the cap falls inside a character and must back off.
        let body = format!("a{}", "é".repeat(MAX_BODY));
        let ex = Exchange {
            response_body: Some(body.clone()),
            response_body_truncated: false,
            request_body_truncated: false,
            ..exchange()
        };
        let mut out = String::new();
        transcript(&mut out, &ex, 0);
        let shown = MAX_BODY - 1;
        assert!(
            out.contains(&format!("a{}\n…</pre>", "é".repeat(shown / 2))),
            "cut before the cap"
        );
        assert!(
            out.contains(&format!("({} more bytes in report.json)", body.len() - shown)),
            "the note counts what was left out"
        );
        assert!(out.len() < 2 * MAX_BODY, "the page does not carry the whole body");
    }
}
