//! Name folding and matching across Cyrillic (Russian, Kazakh) and Latin transliterations.
//!
//! It must never do IO; the folding rules are tables a linguist can read and extend.
