//! canon (in progress).
