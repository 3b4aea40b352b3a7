//! clr-reports: the run model every part of clr-harness reports into, and the reporters that render it.
//!
//! Data flow: checks produce [`model::Finding`]s → grouped into [`model::CheckResult`]s per [`model::Subject`] →
//! one [`model::Run`] → reporters ([`terminal`], [`json`], [`junit`], [`markdown`], [`html`]). [`catalogue`] renders
//! the check list itself; [`bundles`] groups checks into certification bundles. [`write_reports`] writes the file
//! formats in one go.

pub mod bundles;
pub mod catalogue;
mod common;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod model;
pub mod terminal;

#[cfg(test)]
pub(crate) mod sample;

pub use json::REPORT_SCHEMA;
pub use model::*;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Anything that can go wrong while rendering or writing a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot serialise the report as JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot serialise the JUnit XML report: {0}")]
    Junit(#[from] quick_junit::SerializeError),
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("unknown report format `{0}` (expected one of: html, json, junit, md, markdown, text)")]
    UnknownFormat(String),
    /// A reporter panicked: a bug in the harness. The other formats were still written.
    #[error("harness bug in the {format} reporter: {message}")]
    Bug { format: ReportFormat, message: String },
}

impl ReportError {
    /// Whether this is a harness bug (exit code 101) rather than an I/O or serialisation failure.
    pub fn is_bug(&self) -> bool {
        matches!(self, ReportError::Bug { .. })
    }
}

/// The message of a caught panic.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic with a non-string payload".into())
}

/// A report file format [`write_reports`] can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportFormat {
    /// `report.json`, the [`REPORT_FORMAT`] model itself.
    Json,
    /// `junit.xml`, for CI test tabs.
    Junit,
    /// `report.md`, for pull-request comments.
    Markdown,
    /// `report.txt`, the terminal output without colour.
    Text,
    /// `report.html`, one self-contained page with transcripts, for people.
    Html,
}

impl ReportFormat {
    pub const ALL: [ReportFormat; 5] = [
        ReportFormat::Json,
        ReportFormat::Junit,
        ReportFormat::Markdown,
        ReportFormat::Text,
        ReportFormat::Html,
    ];

    /// The file name the format is written to inside the report directory.
    pub fn file_name(self) -> &'static str {
        match self {
            ReportFormat::Json => "report.json",
            ReportFormat::Junit => "junit.xml",
            ReportFormat::Markdown => "report.md",
            ReportFormat::Text => "report.txt",
            ReportFormat::Html => "report.html",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReportFormat::Json => "json",
            ReportFormat::Junit => "junit",
            ReportFormat::Markdown => "md",
            ReportFormat::Text => "text",
            ReportFormat::Html => "html",
        }
    }

    /// Renders `run` in this format. A reporter that panics is a [`ReportError::Bug`], not a lost process.
    pub fn render(self, run: &Run) -> Result<String, ReportError> {
        std::panic::catch_unwind(|| self.render_unguarded(run)).unwrap_or_else(|payload| {
            Err(ReportError::Bug {
                format: self,
                message: panic_message(payload.as_ref()),
            })
        })
    }

    fn render_unguarded(self, run: &Run) -> Result<String, ReportError> {
        match self {
            ReportFormat::Json => json::render(run),
            ReportFormat::Junit => junit::render(run),
            ReportFormat::Markdown => Ok(markdown::render(run)),
            ReportFormat::Text => Ok(terminal::render(run, &terminal::TerminalOptions::default())),
            ReportFormat::Html => Ok(html::render(run)),
        }
    }
}

impl fmt::Display for ReportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReportFormat {
    type Err = ReportError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json" => Ok(ReportFormat::Json),
            "junit" => Ok(ReportFormat::Junit),
            "md" | "markdown" => Ok(ReportFormat::Markdown),
            "text" => Ok(ReportFormat::Text),
            "html" => Ok(ReportFormat::Html),
            _ => Err(ReportError::UnknownFormat(s.to_string())),
        }
    }
}

/// Writes one file per format into `dir` (created if missing) and returns the paths written, in `formats` order.
///
/// Each format goes to a hidden partial file first (JSON streamed as it is serialised, so a large run is never held
/// as text too), and the partial files are renamed into place only once every format has been written: a
/// serialisation or I/O error leaves no partial report set (its partial files are removed). A reporter that panics
/// ([`ReportError::Bug`]) is the exception: the other formats are written, then the bug returned. A format listed
/// twice is written once.
pub fn write_reports(run: &Run, dir: &Path, formats: &[ReportFormat]) -> Result<Vec<PathBuf>, ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut partial: Vec<(PathBuf, PathBuf)> = Vec::with_capacity(formats.len());
    let mut bug = None;
    let mut failed = None;
    let mut done: Vec<ReportFormat> = Vec::new();
    for &format in formats {
        if done.contains(&format) {
            continue;
        }
        done.push(format);
        let path = dir.join(format.file_name());
        let temporary = dir.join(format!(".{}.partial", format.file_name()));
        match write_one(run, format, &temporary) {
            Ok(()) => partial.push((temporary, path)),
            // A reporter bug must not cost the user the other reports: write them, then say so.
            Err(e @ ReportError::Bug { .. }) => {
                let _ = std::fs::remove_file(&temporary);
                bug = Some(e);
            }
            Err(e) => {
                let _ = std::fs::remove_file(&temporary);
                failed = Some(e);
                break;
            }
        }
    }
    if let Some(e) = failed {
        for (temporary, _) in &partial {
            let _ = std::fs::remove_file(temporary);
        }
        return Err(e);
    }
    let mut written = Vec::with_capacity(partial.len());
    for (i, (temporary, path)) in partial.iter().enumerate() {
        if let Err(source) = std::fs::rename(temporary, path) {
            // Renames within one directory fail together in practice (permissions, a directory in the way); the
            // partial files left are removed, so the directory holds no half-written file.
            for (left, _) in partial.iter().skip(i) {
                let _ = std::fs::remove_file(left);
            }
            return Err(ReportError::Io {
                path: path.clone(),
                source,
            });
        }
        written.push(path.clone());
    }
    match bug {
        Some(e) => Err(e),
        None => Ok(written),
    }
}

/// Writes `run` in `format` to the file `path` (a reporter that panics is a [`ReportError::Bug`]).
/// A reporter that writes into a sink as it goes.
type StreamWriter = fn(&Run, &mut dyn std::io::Write) -> Result<(), ReportError>;

fn write_one(run: &Run, format: ReportFormat, path: &Path) -> Result<(), ReportError> {
    let io = |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::create(path).map_err(io)?;
    let mut out = std::io::BufWriter::new(file);
    // JSON, JUnit and HTML are written as they are produced; the other formats are rendered first.
    let streamed: Option<StreamWriter> = match format {
        ReportFormat::Json => Some(json::write),
        ReportFormat::Junit => Some(junit::write),
        ReportFormat::Html => Some(|run, out| {
            html::write(run, out).map_err(|source| ReportError::Io {
                path: "report.html".into(),
                source,
            })
        }),
        _ => None,
    };
    match streamed {
        Some(write) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| write(run, &mut out)))
            .unwrap_or_else(|payload| {
                Err(ReportError::Bug {
                    format,
                    message: panic_message(payload.as_ref()),
                })
            })
            .map_err(|e| match e {
                // Name the file an I/O error happened on (serde_json and the JUnit writer do not know it).
                ReportError::Json(j) if j.is_io() => io(std::io::Error::other(j.to_string())),
                ReportError::Io { source, .. } => io(source),
                other => other,
            })?,
        None => {
            let text = format.render(run)?;
            std::io::Write::write_all(&mut out, text.as_bytes()).map_err(io)?;
        }
    }
    std::io::Write::flush(&mut out).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_from_their_cli_names() {
        assert_eq!("json".parse::<ReportFormat>().ok(), Some(ReportFormat::Json));
        assert_eq!("JUnit".parse::<ReportFormat>().ok(), Some(ReportFormat::Junit));
        assert_eq!("md".parse::<ReportFormat>().ok(), Some(ReportFormat::Markdown));
        assert_eq!("markdown".parse::<ReportFormat>().ok(), Some(ReportFormat::Markdown));
        assert_eq!("text".parse::<ReportFormat>().ok(), Some(ReportFormat::Text));
        assert_eq!(" HTML ".parse::<ReportFormat>().ok(), Some(ReportFormat::Html));
        let err = "pdf".parse::<ReportFormat>().expect_err("pdf is not a report format");
        assert!(err.to_string().contains("`pdf`"), "{err}");
        assert!(err.to_string().contains("html, json"), "the error lists html: {err}");
        for format in ReportFormat::ALL {
            assert_eq!(format.as_str().parse::<ReportFormat>().ok(), Some(format), "{format}");
        }
    }

    #[test]
    fn write_reports_creates_the_directory_and_every_file() {
        let run = sample::sample_run();
        let dir = std::env::temp_dir()
            .join(format!("clr-reports-test-{}", std::process::id()))
            .join("nested");
        let _ = std::fs::remove_dir_all(&dir);
        let formats = [
            ReportFormat::Json,
            ReportFormat::Junit,
            ReportFormat::Markdown,
            ReportFormat::Text,
            ReportFormat::Html,
            ReportFormat::Json,
        ];
        let paths = write_reports(&run, &dir, &formats).expect("reports are written");
        let names: Vec<_> = paths.iter().filter_map(|p| p.file_name()?.to_str()).collect();
        assert_eq!(
            names,
            ["report.json", "junit.xml", "report.md", "report.txt", "report.html"]
        );
        let html = std::fs::read_to_string(dir.join("report.html")).expect("report.html exists");
        assert!(html.starts_with("<!DOCTYPE html>"), "{html}");

        let json = std::fs::read_to_string(dir.join("report.json")).expect("report.json exists");
        let back: Run = serde_json::from_str(&json).expect("report.json is the model");
        assert_eq!(back, run);
        assert_eq!(
            json,
            json::render(&run).expect("renders"),
            "streamed JSON is the rendered JSON"
        );
        let left: Vec<_> = std::fs::read_dir(&dir)
            .expect("dir")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
            .collect();
        assert!(left.is_empty(), "no partial file is left: {left:?}");
        let text = std::fs::read_to_string(dir.join("report.txt")).expect("report.txt exists");
        assert!(text.contains("error[OB30-DM-006]"));
        assert!(!text.contains('\u{1b}'), "report.txt must not carry ANSI colour");
        let _ = std::fs::remove_dir_all(dir.parent().unwrap_or(&dir));
    }

    #[test]
    fn write_errors_name_the_path() {
        let run = sample::sample_run();
        let file = std::env::temp_dir().join(format!("clr-reports-not-a-dir-{}", std::process::id()));
        std::fs::write(&file, "x").expect("temp file");
        let err = write_reports(&run, &file, &[ReportFormat::Text]).expect_err("a file is not a directory");
        assert!(matches!(err, ReportError::Io { .. }));
        assert!(err.to_string().contains(&file.display().to_string()), "{err}");
        let _ = std::fs::remove_file(file);
    }

    /// A format that cannot be written leaves no report of the set in place, and no partial file.
    #[test]
    fn a_failed_write_leaves_no_partial_report_set() {
        let run = sample::sample_run();
        let dir = std::env::temp_dir().join(format!("clr-reports-partial-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join(".junit.xml.partial")).expect("a directory where a partial file goes");
        let err = write_reports(
            &run,
            &dir,
            &[ReportFormat::Json, ReportFormat::Junit, ReportFormat::Html],
        )
        .expect_err("junit cannot be written");
        assert!(matches!(err, ReportError::Io { .. }), "{err}");
        let names: Vec<String> = std::fs::read_dir(&dir)
            .expect("dir")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, [".junit.xml.partial"], "only the obstacle is left");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
