//! `kuzet audit` end to end.
