//! Election forensics: the statistical tests of the literature on station-level results.
//!
//! Fingerprints (Klimek et al. 2012), the fraud-model fit, integer-percentage peaks
//! (Kobak et al. 2016), excess-vote estimates, digit tests (Mebane) and distribution tests.
//! Usable on its own by a data journalist: plain vectors in ([`Stations`]), plain results out
//! ([`run_suite`] or each test's own function).
//!
//! It must never do IO or know about files, SQL or HTTP. Randomness always comes from an
//! explicit seed so every result is reproducible; the seed is part of every random result.

pub mod digits;
pub mod distribution;
pub mod election;
pub mod excess;
pub mod fingerprint;
pub mod klimek;
pub mod peaks;
pub mod stats;
pub mod suite;
pub mod synthetic;

pub use suite::{SuiteOptions, SuiteReport, SuiteStep, run_suite, run_suite_with_progress};

/// Why a set of station vectors cannot be analysed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StationsError {
    #[error("`{field}` has {found} values but `registered` has {expected}")]
    LengthMismatch { field: String, expected: usize, found: usize },
    #[error("station {station} names region {region} but only {regions} region names were given")]
    UnknownRegion { station: usize, region: u32, regions: usize },
    #[error("no candidates were given")]
    NoCandidates,
    #[error("no station has registered voters, voters who came and valid ballots")]
    NoUsableStations,
}

/// The votes of one candidate (or party) at every station, in station order.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateVotes {
    pub name: String,
    pub votes: Vec<u32>,
}

/// Station-level results as plain vectors, one value per station in the same order.
///
/// Built with [`Stations::new`], which checks that the vectors agree; the fields are then
/// read-only so that the leader and the usable-station mask stay true.
#[derive(Debug, Clone)]
pub struct Stations {
    registered: Vec<u32>,
    came: Vec<u32>,
    valid: Vec<u32>,
    candidates: Vec<CandidateVotes>,
    region: Vec<u32>,
    region_names: Vec<String>,
    leader: usize,
    usable: Vec<bool>,
}

impl Stations {
    /// Checks and wraps the vectors.
    ///
    /// `registered`: voters on the list; `came`: voters who came (ballots issued);
    /// `valid`: valid ballots; `candidates`: votes per candidate; `region`: an index into
    /// `region_names` for each station. The leader is the candidate with the most votes in total.
    pub fn new(
        registered: Vec<u32>,
        came: Vec<u32>,
        valid: Vec<u32>,
        candidates: Vec<CandidateVotes>,
        region: Vec<u32>,
        region_names: Vec<String>,
    ) -> Result<Stations, StationsError> {
        let expected = registered.len();
        let check = |field: &str, found: usize| {
            if found == expected {
                Ok(())
            } else {
                Err(StationsError::LengthMismatch { field: field.to_owned(), expected, found })
            }
        };
        check("came", came.len())?;
        check("valid", valid.len())?;
        check("region", region.len())?;
        for candidate in &candidates {
            check(&format!("votes of {}", candidate.name), candidate.votes.len())?;
        }
        if candidates.is_empty() {
            return Err(StationsError::NoCandidates);
        }
        if let Some((station, &region)) =
            region.iter().enumerate().find(|(_, r)| **r as usize >= region_names.len())
        {
            return Err(StationsError::UnknownRegion { station, region, regions: region_names.len() });
        }
        let leader = candidates
            .iter()
            .enumerate()
            .max_by_key(|(index, c)| (c.votes.iter().map(|&v| u64::from(v)).sum::<u64>(), usize::MAX - index))
            .map(|(index, _)| index)
            .unwrap_or(0);
        let usable: Vec<bool> =
            (0..expected).map(|i| registered[i] > 0 && came[i] > 0 && valid[i] > 0).collect();
        if !usable.iter().any(|&u| u) {
            return Err(StationsError::NoUsableStations);
        }
        Ok(Stations { registered, came, valid, candidates, region, region_names, leader, usable })
    }

    pub fn len(&self) -> usize {
        self.registered.len()
    }

    pub fn is_empty(&self) -> bool {
        self.registered.is_empty()
    }

    pub fn registered(&self) -> &[u32] {
        &self.registered
    }

    pub fn came(&self) -> &[u32] {
        &self.came
    }

    pub fn valid(&self) -> &[u32] {
        &self.valid
    }

    pub fn candidates(&self) -> &[CandidateVotes] {
        &self.candidates
    }

    pub fn region(&self) -> &[u32] {
        &self.region
    }

    pub fn region_names(&self) -> &[String] {
        &self.region_names
    }

    /// Index into [`Stations::candidates`] of the candidate with the most votes.
    pub fn leader(&self) -> usize {
        self.leader
    }

    pub fn leader_name(&self) -> &str {
        &self.candidates[self.leader].name
    }

    /// Whether a station has registered voters, voters who came and valid ballots, so that
    /// its turnout and leader's share are defined. Other stations are left out of those tests.
    pub fn usable(&self) -> &[bool] {
        &self.usable
    }

    /// Number of usable stations.
    pub fn usable_count(&self) -> usize {
        self.usable.iter().filter(|&&u| u).count()
    }

    /// The stations of the region called `name` only (the leader is recomputed for them),
    /// or `None` when no region has that name.
    pub fn only_region(&self, name: &str) -> Option<Result<Stations, StationsError>> {
        let region = self.region_names.iter().position(|r| r == name)? as u32;
        let keep: Vec<usize> = (0..self.len()).filter(|&i| self.region[i] == region).collect();
        let pick = |values: &[u32]| keep.iter().map(|&i| values[i]).collect::<Vec<u32>>();
        let candidates = self
            .candidates
            .iter()
            .map(|c| CandidateVotes { name: c.name.clone(), votes: pick(&c.votes) })
            .collect();
        Some(Stations::new(
            pick(&self.registered),
            pick(&self.came),
            pick(&self.valid),
            candidates,
            vec![0; keep.len()],
            vec![name.to_owned()],
        ))
    }

    /// Voters who came divided by registered voters (may exceed 1 where voters with
    /// absentee certificates came). Zero for unusable stations.
    pub fn turnout(&self, station: usize) -> f64 {
        if self.usable[station] {
            f64::from(self.came[station]) / f64::from(self.registered[station])
        } else {
            0.0
        }
    }

    /// The leader's votes divided by valid ballots. Zero for unusable stations.
    pub fn leader_share(&self, station: usize) -> f64 {
        if self.usable[station] {
            f64::from(self.candidates[self.leader].votes[station]) / f64::from(self.valid[station])
        } else {
            0.0
        }
    }
}

/// What a test shows, what it cannot show, and what it was computed from, in plain words.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub title: &'static str,
    pub shows: &'static str,
    pub cannot_show: &'static str,
    pub inputs: String,
}
