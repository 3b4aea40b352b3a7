//! faults (in progress).
