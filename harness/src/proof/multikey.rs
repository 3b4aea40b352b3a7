//! multikey (in progress).
