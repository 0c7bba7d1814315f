//! `kuzet user` end to end.
