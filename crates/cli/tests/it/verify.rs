//! `kuzet verify` end to end.
