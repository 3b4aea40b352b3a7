//! `clr-harness`: the command line. Thin: parse arguments, gather inputs, call the engine, render reports, exit
//! with a documented code (see `exit.rs` and the README).

// Doc comments in this crate are clap's --help text, printed verbatim: URLs and <PLACEHOLDERS> stay plain text.
#![allow(rustdoc::bare_urls, rustdoc::invalid_html_tags, rustdoc::broken_intra_doc_links)]

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    restore_sigpipe();
    let code = cli::run(std::env::args_os().collect());
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// `clr-harness … | head` must end quietly like any Unix tool, not panic with "failed printing to stdout": Rust
/// ignores SIGPIPE by default, so restore the default action (terminate) for this process.
#[cfg(unix)]
fn restore_sigpipe() {
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is a valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn restore_sigpipe() {}
