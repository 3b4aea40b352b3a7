//! references checks.

use crate::catalogue::Check;

pub const CHECKS: &[Check] = &[];
