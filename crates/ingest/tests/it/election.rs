//! The Russian CEC reader on the real files, and on small hand-written ones.

use crate::shared_data;
use kuzet_ingest::election::read_russian_cec;

fn load(year: &str) -> Option<kuzet_protocol::Election> {
    let path = shared_data(&format!("ru/{year}.csv.zip"))?;
    let bytes = std::fs::read(&path).unwrap();
    Some(read_russian_cec(&format!("{year}.csv.zip"), bytes).unwrap())
}

/// Station count and registered voters as the data's README publishes them.
fn check_totals(year: &str, stations: usize, registered: i64) {
    let Some(election) = load(year) else { return };
    let rows = &election.results()[0].stations;
    assert_eq!(rows.len(), stations, "{year}: stations");
    let sum: i64 = rows.iter().filter_map(|s| election.registered(&s.counts)).sum();
    assert_eq!(sum, registered, "{year}: registered voters");
}

#[test]
fn reads_every_russian_file_with_its_published_totals() {
    check_totals("2012", 95_415, 109_860_331);
    check_totals("2018", 97_699, 109_008_428);
    check_totals("2021", 96_325, 109_204_662);
    check_totals("2024", 94_214, 99_764_974);
}

#[test]
fn maps_the_2018_header_to_protocol_lines_and_candidates() {
    let Some(election) = load("2018") else { return };
    assert_eq!(election.candidates().len(), 8);
    assert_eq!(election.candidates()[3], "Путин Владимир Владимирович");
    // The first row of the file: Adygea, TIK "1 Адыгейская", station 1.
    let first = &election.results()[0].stations[0];
    assert_eq!(first.station, "1");
    assert_eq!(first.line, 2);
    assert_eq!(election.areas.display(first.area), "Республика Адыгея (Адыгея) / 1 Адыгейская");
    let value = |key: &str| first.counts[election.line_column(key).unwrap()];
    assert_eq!(value("registered"), Some(2256));
    assert_eq!(value("received"), Some(2181));
    assert_eq!(value("stationary_boxes"), Some(2107));
    assert_eq!(value("valid"), Some(2166));
    assert_eq!(value("absentee_received"), None);
    assert_eq!(election.issued(&first.counts), Some(2107 + 62));
    assert_eq!(first.counts[election.candidate_column(3)], Some(1977));
}
