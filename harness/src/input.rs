//! Reading inputs (files, stdin, URLs named on the command line) within size and time limits.
