//! Latency percentiles of searching 1,000,000 synthetic persons with 1,000 queries written in
//! other spellings. Run: `cargo run --release -p kuzet-names --example search_latency`

use std::time::Instant;

use kuzet_names::{NameIndex, synthetic};

fn main() {
    let started = Instant::now();
    let mut index = NameIndex::new();
    for (id, name) in synthetic::names(1_000_000, 7).iter().enumerate() {
        index.insert(id as i64, name);
    }
    println!(
        "indexed {} names in {:.1} s",
        index.len(),
        started.elapsed().as_secs_f64()
    );
    let queries = synthetic::names(1_000, 99);
    let mut times: Vec<f64> = Vec::with_capacity(queries.len());
    let mut found = 0;
    for query in &queries {
        let started = Instant::now();
        let hits = index.search(query, 20, 0.8);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        if !hits.is_empty() {
            found += 1;
        }
    }
    times.sort_by(f64::total_cmp);
    let percentile =
        |p: f64| times[((times.len() as f64 * p).ceil() as usize).min(times.len()) - 1];
    println!(
        "{} queries ({found} with a hit at 0.8): p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        times.len(),
        percentile(0.50),
        percentile(0.95),
        percentile(0.99),
        times[times.len() - 1]
    );
}
