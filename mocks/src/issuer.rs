//! issuer (in progress).
