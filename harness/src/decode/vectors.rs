//! Format vectors.
