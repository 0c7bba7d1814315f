//! The whole verification of the Russian 2018 presidential election (97,699 stations): unzip,
//! parse, control relations, totals per region, outliers per region. Target: under 0.5 s in a
//! release build on the project's 2-core machine.
//!
//! Run: `cargo bench -p kuzet-ingest --bench verify_2018`

use kuzet_ingest::election::read_russian_cec;
use kuzet_protocol::{VerifyOptions, verify};
use std::path::PathBuf;

fn main() {
    divan::main();
}

fn data() -> Option<Vec<u8>> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/ru/2018.csv.zip");
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(_) => {
            eprintln!("skipped: ../shared/data/ru not found ({})", path.display());
            None
        }
    }
}

/// Unzip, parse and every check, as `kuzet verify 2018.csv.zip` does before printing.
#[divan::bench(sample_count = 10)]
fn end_to_end(bencher: divan::Bencher) {
    let Some(bytes) = data() else { return };
    bencher.with_inputs(|| bytes.clone()).bench_values(|bytes| {
        let election = read_russian_cec("2018.csv.zip", bytes).expect("the 2018 file loads");
        verify(&election, &VerifyOptions::default())
    });
}

/// Unzip and parse only.
#[divan::bench(sample_count = 10)]
fn read_only(bencher: divan::Bencher) {
    let Some(bytes) = data() else { return };
    bencher.with_inputs(|| bytes.clone()).bench_values(|bytes| {
        read_russian_cec("2018.csv.zip", bytes).expect("the 2018 file loads")
    });
}

/// The checks alone on a loaded election.
#[divan::bench(sample_count = 10)]
fn checks_only(bencher: divan::Bencher) {
    let Some(bytes) = data() else { return };
    let election = read_russian_cec("2018.csv.zip", bytes).expect("the 2018 file loads");
    bencher.bench(|| verify(&election, &VerifyOptions::default()));
}

/// Unzipping alone (one deflate stream, so one core).
#[divan::bench(sample_count = 10)]
fn unzip_only(bencher: divan::Bencher) {
    let Some(bytes) = data() else { return };
    bencher
        .with_inputs(|| bytes.clone())
        .bench_values(|bytes| kuzet_ingest::text::unpack_if_zip(bytes).expect("the zip opens"));
}
