//! di (in progress).
