//! `--url-map PREFIX=DIR`: answer every URL under a prefix from the files under a directory, as if fetched, so that
//! hosted badges and their issuers can be verified offline and in CI.
//!
//! `PREFIX/a/b` is answered by `DIR/a/b`, or `DIR/a/b.json` when there is no such file; the content type follows the
//! extension (`.json`/`.jsonld` → `application/ld+json`, `.png`, `.svg`, `.jws`/`.jwt` → `text/plain`, `.html`).
//! A missing file is a 404. A sidecar `DIR/a/b.status` holding a number answers with that status instead (e.g. `410`
//! for a revoked hosted badge; the file itself, if any, is the body). Query strings and fragments are ignored; a
//! path that would leave `DIR` (`..`) is a 404. Each answer is recorded like any exchange.

use std::path::{Component, Path, PathBuf};

/// Files are read up to this size; a larger one is answered 500 (the map serves test fixtures, not bulk data).
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Prefix → directory pairs, first match wins.
#[derive(Debug, Clone, Default)]
pub struct UrlMap {
    entries: Vec<(String, PathBuf)>,
}

/// What a mapped URL answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapped {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// The file that answered (or was looked for), for the record.
    pub file: PathBuf,
}

impl UrlMap {
    /// Parses `PREFIX=DIR` (the prefix an http(s) URL).
    pub fn parse_entry(s: &str) -> Result<(String, PathBuf), String> {
        match s.split_once('=') {
            Some((prefix, dir))
                if (prefix.starts_with("http://") || prefix.starts_with("https://")) && !dir.is_empty() =>
            {
                Ok((prefix.to_string(), PathBuf::from(dir)))
            }
            _ => Err(format!("expected PREFIX=DIR with an http(s) PREFIX, got `{s}`")),
        }
    }

    pub fn add(&mut self, prefix: impl Into<String>, dir: impl Into<PathBuf>) {
        self.entries.push((prefix.into(), dir.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The answer for `url` when a prefix maps it; `None` when no prefix does (the URL is fetched normally).
    pub fn answer(&self, url: &str) -> Option<Mapped> {
        // `https://host` must not map `https://host.evil.example/…`: the prefix ends at a path boundary.
        let (prefix, dir) = self.entries.iter().find(|(p, _)| {
            url.strip_prefix(p.as_str())
                .is_some_and(|rest| p.ends_with('/') || rest.is_empty() || rest.starts_with(['/', '?', '#']))
        })?;
        let rest = url.get(prefix.len()..).unwrap_or_default();
        let path = rest
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .trim_start_matches('/');
        let Some(relative) = safe_relative(path).filter(|r| r.components().next().is_some()) else {
            return Some(Mapped {
                status: 404,
                content_type: None,
                body: Vec::new(),
                file: dir.clone(),
            });
        };
        let exact = dir.join(&relative);
        let file = if exact.is_file() {
            exact.clone()
        } else {
            let mut with_json = exact.clone().into_os_string();
            with_json.push(".json");
            PathBuf::from(with_json)
        };
        // A symbolic link must not serve a file from outside the mapped directory.
        let inside = |f: &Path| match (dir.canonicalize(), f.canonicalize()) {
            (Ok(root), Ok(real)) => real.starts_with(root),
            _ => true,
        };
        if !inside(&file) || !inside(&exact) {
            return Some(Mapped {
                status: 404,
                content_type: None,
                body: Vec::new(),
                file,
            });
        }
        let status = sidecar_status(&exact).or_else(|| sidecar_status(&file));
        let body = read_bounded(&file);
        let (status, body) = match (status, body) {
            (Some(s), body) => (s, body.ok().unwrap_or_default()),
            (None, Ok(body)) => (200, body),
            (None, Err(NotRead::Missing)) => (404, Vec::new()),
            (None, Err(NotRead::TooLarge)) => (500, b"file over the url-map size limit".to_vec()),
        };
        Some(Mapped {
            status,
            content_type: (status == 200).then(|| content_type(&file).to_string()),
            body,
            file,
        })
    }
}

enum NotRead {
    Missing,
    TooLarge,
}

fn read_bounded(file: &Path) -> Result<Vec<u8>, NotRead> {
    let meta = std::fs::metadata(file).map_err(|_| NotRead::Missing)?;
    // Only regular files: a FIFO or device named like a fixture must not block or stream forever.
    if !meta.is_file() {
        return Err(NotRead::Missing);
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(NotRead::TooLarge);
    }
    std::fs::read(file).map_err(|_| NotRead::Missing)
}

fn sidecar_status(file: &Path) -> Option<u16> {
    let mut name = file.as_os_str().to_owned();
    name.push(".status");
    let text = read_bounded(Path::new(&name)).ok()?;
    std::str::from_utf8(&text)
        .ok()?
        .trim()
        .parse::<u16>()
        .ok()
        .filter(|s| (100..600).contains(s))
}

/// The path below the directory, refused when a component would climb out of it.
fn safe_relative(path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(path)?;
    let p = Path::new(&decoded);
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(out)
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()))?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn content_type(file: &Path) -> &'static str {
    match file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("json" | "jsonld") => "application/ld+json",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        Some("jws" | "jwt" | "txt") => "text/plain",
        Some("html" | "htm") => "text/html",
        Some("pem") => "application/x-pem-file",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_under_a_prefix_are_answered_from_files() {
        let dir = std::env::temp_dir().join(format!("clr-url-map-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("assertions")).expect("dir");
        std::fs::write(dir.join("issuer.json"), b"{\"id\":\"x\"}").expect("write");
        std::fs::write(dir.join("assertions/gone.json.status"), b"410\n").expect("write");
        let mut map = UrlMap::default();
        map.add("https://badges.example.org", &dir);
        let issuer = map.answer("https://badges.example.org/issuer?x=1").expect("mapped");
        assert_eq!(
            (issuer.status, issuer.content_type.as_deref()),
            (200, Some("application/ld+json"))
        );
        assert_eq!(
            map.answer("https://badges.example.org/nothing").map(|m| m.status),
            Some(404)
        );
        assert_eq!(
            map.answer("https://badges.example.org/assertions/gone")
                .map(|m| m.status),
            Some(410)
        );
        assert_eq!(
            map.answer("https://badges.example.org/../etc/passwd").map(|m| m.status),
            Some(404)
        );
        assert_eq!(
            map.answer("https://badges.example.org/%2e%2e/x").map(|m| m.status),
            Some(404)
        );
        for hostile in ["https://badges.example.org/%+1", "https://badges.example.org/"] {
            assert_eq!(map.answer(hostile).map(|m| m.status), Some(404), "{hostile}");
        }
        #[cfg(unix)]
        {
            let outside = std::env::temp_dir().join(format!("clr-url-map-outside-{}", std::process::id()));
            std::fs::write(&outside, b"secret").expect("write");
            std::os::unix::fs::symlink(&outside, dir.join("leak.json")).expect("symlink");
            assert_eq!(
                map.answer("https://badges.example.org/leak").map(|m| m.status),
                Some(404),
                "a link out of the directory is not followed"
            );
            let _ = std::fs::remove_file(&outside);
        }
        assert!(map.answer("https://other.example.org/issuer").is_none());
        assert!(map.answer("https://badges.example.org.evil.example/issuer").is_none());
        let _ = std::fs::remove_dir_all(&dir);
        assert!(UrlMap::parse_entry("ftp://x=d").is_err() && UrlMap::parse_entry("https://x=d").is_ok());
    }
}
