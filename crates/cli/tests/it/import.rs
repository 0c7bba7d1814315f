//! `kuzet import` end to end.
