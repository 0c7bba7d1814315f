//! `kuzet forensics` end to end.
