//! `clr-harness`: the command line. Thin: parse arguments, gather inputs, call the engine, render reports, exit
//! with a documented code (see `exit.rs` and the README).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    let code = cli::run(std::env::args_os().collect());
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
