//! `kuzet demo` end to end.
