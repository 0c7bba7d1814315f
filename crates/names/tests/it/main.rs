//! Tests of kuzet-names: folding, search keys, similarity, the name-pair test set, search and
//! duplicate candidates. One module per area, each with its `check` helper.

mod duplicates;
mod fold;
mod pairs;
mod search;
mod similarity;
