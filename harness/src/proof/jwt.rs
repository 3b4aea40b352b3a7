//! jwt (in progress).
