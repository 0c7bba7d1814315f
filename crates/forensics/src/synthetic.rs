//! Synthetic elections with a known amount of injected fraud, for tests, demonstrations and
//! for checking that each test catches what it claims to catch.
//!
//! An honest station draws its turnout and the leader's share from normal distributions
//! (with a small regional shift) and then counts binomially. Fraud follows the model of
//! Klimek et al. (2012) used by [`crate::klimek`]: with probability `incremental_fraud` a
//! station adds a fraction x ~ |N(0, σ_x)| of its non-voters to the leader (and, if
//! `steal_from_others`, moves the same fraction of the others' votes); with probability
//! `extreme_fraud` it does the same with x ~ 1 − |N(0, θ)|. Independently, with probability
//! `round_percentage_forgery` the leader's votes are rewritten to the nearest whole
//! percentage of valid ballots, as a forger typing a "nice" figure would.

use crate::klimek::FraudStrength;
use crate::peaks::{nearest_count, nearest_percent};
use crate::stats::{binomial, seeded_rng, standard_normal};
use crate::{CandidateVotes, Stations};
use rand::Rng;

/// How to make a synthetic election.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticSpec {
    pub stations: usize,
    pub regions: usize,
    pub seed: u64,
    pub mean_turnout: f64,
    pub turnout_sd: f64,
    pub mean_share: f64,
    pub share_sd: f64,
    pub incremental_fraud: f64,
    pub extreme_fraud: f64,
    pub strength: FraudStrength,
    pub steal_from_others: bool,
    pub round_percentage_forgery: f64,
}

impl SyntheticSpec {
    /// An honest election of `stations` stations in 10 regions.
    pub fn honest(stations: usize, seed: u64) -> SyntheticSpec {
        SyntheticSpec {
            stations,
            regions: 10,
            seed,
            mean_turnout: 0.6,
            turnout_sd: 0.08,
            mean_share: 0.55,
            share_sd: 0.08,
            incremental_fraud: 0.0,
            extreme_fraud: 0.0,
            strength: FraudStrength::default(),
            steal_from_others: true,
            round_percentage_forgery: 0.0,
        }
    }
}

/// A synthetic election and the truth about what was injected.
#[derive(Debug, Clone)]
pub struct SyntheticElection {
    pub stations: Stations,
    /// Votes added to the leader by fraud (stuffed and moved), in total.
    pub leader_votes_added: u64,
    pub stations_with_incremental_fraud: usize,
    pub stations_with_extreme_fraud: usize,
    pub stations_with_forged_percentage: usize,
}

/// Builds the election described by `spec`. Same spec, same election.
pub fn synthetic_election(spec: &SyntheticSpec) -> SyntheticElection {
    let mut rng = seeded_rng(spec.seed, 0);
    let regions = spec.regions.max(1);
    let region_shift: Vec<(f64, f64)> =
        (0..regions).map(|_| (0.03 * standard_normal(&mut rng), 0.03 * standard_normal(&mut rng))).collect();
    let n = spec.stations;
    let (mut registered, mut came, mut valid, mut region) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let others_count = 3;
    let mut votes: Vec<Vec<u32>> = vec![Vec::with_capacity(n); others_count + 1];
    let mut election = SyntheticElection {
        stations: Stations::new(vec![1], vec![1], vec![1], vec![one_vote()], vec![0], vec!["-".into()])
            .expect("placeholder is consistent"),
        leader_votes_added: 0,
        stations_with_incremental_fraud: 0,
        stations_with_extreme_fraud: 0,
        stations_with_forged_percentage: 0,
    };
    for i in 0..n {
        let r = i % regions;
        let size = rng.random_range(300..3000u32);
        let p_turnout = (spec.mean_turnout + region_shift[r].0 + spec.turnout_sd * standard_normal(&mut rng))
            .clamp(0.02, 0.98);
        let p_share =
            (spec.mean_share + region_shift[r].1 + spec.share_sd * standard_normal(&mut rng)).clamp(0.02, 0.98);
        let mut voters = binomial(&mut rng, size, p_turnout);
        let invalid = binomial(&mut rng, voters, 0.01);
        let mut valid_ballots = voters - invalid;
        let mut leader = binomial(&mut rng, valid_ballots, p_share);
        // The other three candidates split the rest 50/30/20.
        let rest = valid_ballots - leader;
        let first = binomial(&mut rng, rest, 0.5);
        let second = binomial(&mut rng, rest - first, 0.6);
        let mut others = [first, second, rest - first - second];

        let u: f64 = rng.random();
        let x = if u < spec.extreme_fraud {
            election.stations_with_extreme_fraud += 1;
            Some(spec.strength.extreme(&mut rng))
        } else if u < spec.extreme_fraud + spec.incremental_fraud {
            election.stations_with_incremental_fraud += 1;
            Some(spec.strength.incremental(&mut rng))
        } else {
            None
        };
        if let Some(x) = x {
            let stuffed = (x * f64::from(size - voters)).round() as u32;
            voters += stuffed;
            valid_ballots += stuffed;
            leader += stuffed;
            let mut moved = 0;
            if spec.steal_from_others {
                for other in &mut others {
                    let taken = (x * f64::from(*other)).round() as u32;
                    *other -= taken;
                    moved += taken;
                }
                leader += moved;
            }
            election.leader_votes_added += u64::from(stuffed + moved);
        }
        if spec.round_percentage_forgery > 0.0 && rng.random::<f64>() < spec.round_percentage_forgery && valid_ballots > 0 {
            // Rewrite the leader's count to the nearest whole percentage of valid ballots,
            // taking the difference from (or giving it to) the first other candidate.
            let target = nearest_count(nearest_percent(leader, valid_ballots), valid_ballots);
            if target >= leader && target - leader <= others[0] {
                others[0] -= target - leader;
                leader = target;
                election.stations_with_forged_percentage += 1;
            } else if target < leader {
                others[0] += leader - target;
                leader = target;
                election.stations_with_forged_percentage += 1;
            }
        }
        registered.push(size);
        came.push(voters);
        valid.push(valid_ballots);
        region.push(r as u32);
        votes[0].push(leader);
        for (k, other) in others.iter().enumerate() {
            votes[k + 1].push(*other);
        }
    }
    let names = ["Leader", "Second", "Third", "Fourth"];
    let candidates =
        votes.into_iter().zip(names).map(|(votes, name)| CandidateVotes { name: name.to_owned(), votes }).collect();
    let region_names = (1..=regions).map(|r| format!("Region {r}")).collect();
    election.stations = Stations::new(registered, came, valid, candidates, region, region_names)
        .expect("a synthetic election is consistent");
    election
}

fn one_vote() -> CandidateVotes {
    CandidateVotes { name: "-".into(), votes: vec![1] }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_spec_same_election_and_counts_add_up() {
        let spec = SyntheticSpec { incremental_fraud: 0.2, extreme_fraud: 0.05, ..SyntheticSpec::honest(2_000, 3) };
        let a = synthetic_election(&spec);
        let b = synthetic_election(&spec);
        assert_eq!(a.stations.came(), b.stations.came());
        assert_eq!(a.leader_votes_added, b.leader_votes_added);
        let s = &a.stations;
        for i in 0..s.len() {
            let sum: u32 = s.candidates().iter().map(|c| c.votes[i]).sum();
            assert_eq!(sum, s.valid()[i], "station {i}");
            assert!(s.came()[i] <= s.registered()[i]);
        }
        assert_eq!(s.leader_name(), "Leader");
        // About 20 % and 5 % of 2,000 stations.
        assert!((340..460).contains(&a.stations_with_incremental_fraud), "{}", a.stations_with_incremental_fraud);
        assert!((70..130).contains(&a.stations_with_extreme_fraud), "{}", a.stations_with_extreme_fraud);
    }

    #[test]
    fn forged_stations_report_whole_percentages() {
        let spec = SyntheticSpec { round_percentage_forgery: 1.0, ..SyntheticSpec::honest(500, 4) };
        let election = synthetic_election(&spec);
        let s = &election.stations;
        let whole = (0..s.len())
            .filter(|&i| crate::peaks::is_round_percentage(s.candidates()[0].votes[i], s.valid()[i]))
            .count();
        assert!(election.stations_with_forged_percentage > 450, "{}", election.stations_with_forged_percentage);
        assert!(whole >= election.stations_with_forged_percentage, "{whole}");
    }
}
