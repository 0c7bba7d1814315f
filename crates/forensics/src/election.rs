//! Stations from an election as the protocol crate reads it: the official results of each
//! station turned into the plain vectors of [`Stations`], the same way for the CLI, the
//! benchmarks and the tests on real data.

use kuzet_protocol::Election;

use crate::{CandidateVotes, Stations, StationsError};

/// The official stations as plain vectors. Stations whose registered voters, ballots in the
/// boxes or valid ballots are missing (the 2024 file's stations without results) are left
/// out and counted.
pub fn stations_of(election: &Election) -> Result<(Stations, usize), StationsError> {
    let Some(set) = election.results().first() else {
        return Stations::new(vec![], vec![], vec![], vec![], vec![], vec![]).map(|s| (s, 0));
    };
    let candidates = election.candidates();
    let columns: Vec<usize> = election.candidate_columns().collect();
    let (mut registered, mut came, mut valid, mut region) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut votes: Vec<Vec<u32>> = vec![Vec::with_capacity(set.stations.len()); candidates.len()];
    let mut region_names: Vec<String> = Vec::new();
    let mut region_index = std::collections::HashMap::new();
    let mut skipped = 0;
    let count = |value: Option<i64>| value.and_then(|v| u32::try_from(v).ok());
    for station in &set.stations {
        let counts = &station.counts;
        let cast = election.cast(counts).or_else(|| election.issued(counts));
        let (Some(r), Some(c), Some(v)) = (count(election.registered(counts)), count(cast), count(election.valid(counts)))
        else {
            skipped += 1;
            continue;
        };
        let Some(candidate_votes) = columns.iter().map(|&col| count(counts.get(col).copied().flatten())).collect::<Option<Vec<u32>>>()
        else {
            skipped += 1;
            continue;
        };
        let name = election.areas.region_of(station.area).map_or("", |id| election.areas.name(id));
        let index = *region_index.entry(name.to_owned()).or_insert_with(|| {
            region_names.push(name.to_owned());
            region_names.len() as u32 - 1
        });
        registered.push(r);
        came.push(c);
        valid.push(v);
        region.push(index);
        for (k, n) in candidate_votes.into_iter().enumerate() {
            votes[k].push(n);
        }
    }
    let candidates =
        candidates.iter().zip(votes).map(|(name, votes)| CandidateVotes { name: name.clone(), votes }).collect();
    Stations::new(registered, came, valid, candidates, region, region_names).map(|s| (s, skipped))
}

