//! Name folding and matching across Cyrillic (Russian, Kazakh) and Latin transliterations.
//!
//! The same detainee reaches the register as Жанар Қасымова, Жанар Касымова, Zhanar Kassymova
//! or `KASYMOVA ZHANAR`; this crate gives all of them one canonical key ([`fold`]), the keys a
//! database indexes for search ([`search_keys`]), a similarity in `[0, 1]` ([`similarity`]),
//! an in-memory ranked index ([`NameIndex`]) and the duplicate finder ([`find_candidates`]).
//!
//! It must never do IO and carries no serde: the store and the CLI turn its results into rows
//! and JSON. The folding rules are tables a linguist can read and extend, in [`rules`].
//! [`synthetic`] builds constructed names (no real persons) for tests and benchmarks.

mod duplicates;
mod fold;
mod place;
pub mod rules;
mod search;
mod similarity;
pub mod synthetic;

pub use duplicates::{
    Birth, COMMON_NAME_RECORDS, Candidate, DEFAULT_THRESHOLD, Evidence, NAME_FLOOR, Options,
    PersonForMatching, find_candidates, find_candidates_except, score_pair_of,
};
pub use fold::{FoldedName, FoldedToken, Patronymic, fold, search_keys};
pub use place::{place_key, place_keys};
pub use search::{NameIndex, SearchHit};
pub use similarity::{jaro_winkler, similarity, word_similarity};

/// Two names scoring at least this are taken for one person. Chosen on the name-pair test set
/// (crates/names/tests/data/name-pairs.csv), where it gives the precision and recall reported
/// in docs/benchmarks.md.
pub const NAME_MATCH_THRESHOLD: f64 = 0.8;
