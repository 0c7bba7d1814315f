//! Speed of folding, search over 1,000,000 synthetic persons and duplicate detection over
//! 100,000 synthetic records. Run: `cargo bench -p kuzet-names`; figures in docs/benchmarks.md.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use divan::counter::ItemsCount;
use kuzet_names::{NameIndex, Options, find_candidates, fold, synthetic};

fn main() {
    divan::main();
}

/// Folding names in every spelling: names per second.
#[divan::bench]
fn fold_10k_names(bencher: divan::Bencher) {
    let names = synthetic::names(10_000, 1);
    bencher.counter(ItemsCount::new(names.len())).bench(|| {
        for name in &names {
            divan::black_box(fold(divan::black_box(name)));
        }
    });
}

fn million() -> &'static (NameIndex, Vec<String>) {
    static INDEX: OnceLock<(NameIndex, Vec<String>)> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index = NameIndex::new();
        for (id, name) in synthetic::names(1_000_000, 7).iter().enumerate() {
            index.insert(id as i64, name);
        }
        // Queries are other constructed people in other spellings: most share a surname and a
        // given name with thousands of indexed persons.
        (index, synthetic::names(1_000, 99))
    })
}

/// One query against 1,000,000 persons, each sample a different query; the slowest of the
/// 1,000 samples bounds the 95th percentile.
#[divan::bench(sample_count = 1000, sample_size = 1)]
fn search_1m_persons(bencher: divan::Bencher) {
    let (index, queries) = million();
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    bencher.bench(|| {
        let query = &queries[NEXT.fetch_add(1, Ordering::Relaxed) % queries.len()];
        divan::black_box(index.search(query, 20, 0.5))
    });
}

/// Duplicate candidates among 100,000 records (10% duplicates) on two threads.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn dedup_100k_records(bencher: divan::Bencher) {
    let persons = synthetic::persons(100_000, 0.1, 3);
    bencher.bench(|| divan::black_box(find_candidates(&persons, &Options::default())));
}
