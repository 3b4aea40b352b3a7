//! case (in progress).
