//! Tests of kuzet-protocol against hand-computed cases: one module per area, one `check`
//! helper per module.

mod check;
mod compare;
mod definition;
mod outlier;
mod project;
mod stats;
mod verify;

use kuzet_protocol::{Election, ProtocolDefinition, ResultSet, StationResult};

/// An election on the Kazakh protocol with candidates `A` and `B`, whose columns are
/// registered, received, issued, cancelled, cast, invalid, valid, A, B.
pub fn kz_election() -> Election {
    let protocol = ProtocolDefinition::kazakhstan_2019();
    let mut election = Election::new("test", protocol, "Kazakhstan");
    election.add_candidate("A");
    election.add_candidate("B");
    election
}

/// A station row in `area` (a path of names) with `counts` in election columns.
pub fn station(
    election: &mut Election,
    area: &[&str],
    name: &str,
    counts: &[Option<i64>],
) -> StationResult {
    let area = election.areas.path_to(area);
    StationResult {
        area,
        station: name.to_owned(),
        counts: counts.to_vec(),
        provenance: None,
        line: 0,
    }
}

/// Adds a result set from `source` holding `stations`.
pub fn add_set(election: &mut Election, source: &str, stations: Vec<StationResult>) -> usize {
    let mut set = ResultSet::new(source, Default::default());
    set.stations = stations;
    election.add_results(set)
}

/// A full row of the Kazakh protocol with two candidates.
pub fn kz_row(values: [i64; 9]) -> Vec<Option<i64>> {
    values.iter().map(|v| Some(*v)).collect()
}
