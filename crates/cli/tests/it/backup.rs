//! `kuzet backup` end to end.
