//! `clr-harness`: the command line. Thin: parse arguments, gather inputs, call the engine, render reports, exit
//! with a documented code (see `exit.rs` and the README).

// Doc comments in this crate are clap's --help text, printed verbatim: URLs and <PLACEHOLDERS> stay plain text.
#![allow(rustdoc::bare_urls, rustdoc::invalid_html_tags, rustdoc::broken_intra_doc_links)]

/// `print!` for this crate: a closed standard output (`clr-harness … | head`) is not an error. Rust leaves SIGPIPE
/// ignored, so a write to a closed pipe or socket is an ordinary EPIPE error everywhere — the mock servers and the
/// HTTP clients just see a closed connection — and here the rest of the output is dropped while the command
/// finishes its work (reports written, exit code kept) instead of panicking with "failed printing to stdout".
macro_rules! print {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

/// `println!` for this crate; see [`print!`].
macro_rules! println {
    () => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout());
    }};
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    let code = cli::run(std::env::args_os().collect());
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
