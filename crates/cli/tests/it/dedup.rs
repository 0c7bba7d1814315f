//! `kuzet dedup` end to end.
