//! contexts (in progress).
