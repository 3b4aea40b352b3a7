//! Exit codes, documented in the README.

/// All required checks passed.
pub const OK: i32 = 0;
/// At least one required check failed.
pub const FAILED: i32 = 1;
/// Usage or configuration error.
pub const USAGE: i32 = 2;
/// The target was unreachable or the run could not complete.
pub const INCOMPLETE: i32 = 3;
/// No checks were selected.
pub const NO_CHECKS: i32 = 4;
/// No required check failed, but a proof, key, status list or returned credential could not be observed (e.g. fetching
/// was off), or a document is of a standard this tool does not check yet (OB 2.0, CLR 1.0, CASE): the subject is
/// unverified, not passed. `--allow-unverified` turns this into [`OK`].
pub const UNVERIFIED: i32 = 5;
/// A bug in the harness (a panic).
pub const BUG: i32 = 101;
