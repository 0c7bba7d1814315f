//! Recall and precision of the duplicate finder on synthetic records whose duplicates are known.
//!
//! Run: `cargo run --release -p kuzet-names --example dedup_quality [COUNT]`

use std::time::Instant;

use kuzet_names::{Options, PersonForMatching, find_candidates, synthetic};

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|arg| arg.parse().ok())
        .unwrap_or(100_000);
    let records = synthetic::persons_with_originals(count, 0.1, 3);
    let persons: Vec<PersonForMatching> =
        records.iter().map(|(person, _)| person.clone()).collect();
    let started = Instant::now();
    let candidates = find_candidates(&persons, &Options::default());
    let elapsed = started.elapsed();
    let quality = synthetic::match_quality(&records, &candidates);
    println!(
        "{count} records, {} true pairs, {} reported, {} of them true: recall {:.4}, precision {:.4}, {:.2} s",
        quality.true_pairs,
        quality.reported,
        quality.found_true,
        quality.recall(),
        quality.precision(),
        elapsed.as_secs_f64()
    );
}
