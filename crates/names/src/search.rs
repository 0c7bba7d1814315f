//! An in-memory search index over names: search keys to record ids, answering a query with the
//! records ranked by name similarity. The store indexes the same keys in SQLite FTS5 (or
//! PostgreSQL `pg_trgm`); this index is the reference for ranking and the subject of the
//! 1,000,000-person benchmark.

use std::collections::HashMap;

use crate::fold::{FoldedName, fold};

/// Names indexed by their search keys.
#[derive(Debug, Default)]
pub struct NameIndex {
    postings: HashMap<String, Vec<u32>>,
    entries: Vec<(i64, FoldedName)>,
}

/// One record found by a search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchHit {
    pub id: i64,
    /// The similarity of the record's best matching name to the query, in `[0, 1]`.
    pub score: f64,
}

/// How many records sharing the most keys with the query are ranked by similarity.
const RANKED_CANDIDATES: usize = 500;

impl NameIndex {
    pub fn new() -> NameIndex {
        NameIndex::default()
    }

    /// Adds one name (or alias) of record `id`.
    pub fn insert(&mut self, id: i64, name: &str) {
        let folded = fold(name);
        if folded.is_empty() {
            return;
        }
        let entry = u32::try_from(self.entries.len()).expect("fewer than 4 billion names");
        for key in folded.search_keys() {
            self.postings.entry(key).or_default().push(entry);
        }
        self.entries.push((id, folded));
    }

    /// How many names are indexed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The records whose names best match `query`, best first, at most `limit`, each scoring at
    /// least `min_score`. Records are gathered by shared search keys (a pair of words weighs
    /// three, a word with an initial two, a word one) and ranked by [`FoldedName::similarity`].
    pub fn search(&self, query: &str, limit: usize, min_score: f64) -> Vec<SearchHit> {
        let folded = fold(query);
        let mut weights: HashMap<u32, u32> = HashMap::new();
        for key in folded.search_keys() {
            let weight = if key.contains('0') {
                3
            } else if key.contains('1') {
                2
            } else {
                1
            };
            if let Some(entries) = self.postings.get(&key) {
                for &entry in entries {
                    *weights.entry(entry).or_default() += weight;
                }
            }
        }
        let mut gathered: Vec<(u32, u32)> = weights
            .into_iter()
            .map(|(entry, weight)| (weight, entry))
            .collect();
        if gathered.len() > RANKED_CANDIDATES {
            gathered.select_nth_unstable_by(RANKED_CANDIDATES - 1, |x, y| y.cmp(x));
            gathered.truncate(RANKED_CANDIDATES);
        }
        let mut best: HashMap<i64, f64> = HashMap::new();
        for (_, entry) in gathered {
            let (id, name) = &self.entries[entry as usize];
            let score = folded.similarity(name);
            if score >= min_score {
                let slot = best.entry(*id).or_insert(score);
                *slot = slot.max(score);
            }
        }
        let mut hits: Vec<SearchHit> = best
            .into_iter()
            .map(|(id, score)| SearchHit { id, score })
            .collect();
        hits.sort_by(|x, y| y.score.total_cmp(&x.score).then(x.id.cmp(&y.id)));
        hits.truncate(limit);
        hits
    }
}
