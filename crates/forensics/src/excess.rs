//! Excess votes for the leader, in the manner of Shpilkin and of Sobyanin and Sukhovolsky.
//!
//! The method assumes (1) that the votes for the other candidates are counted honestly, and
//! (2) that in an honest count the leader's votes are proportional to the others' votes
//! whatever the turnout, so the leader-to-others ratio seen at the stations with the usual
//! (modal) turnout or below holds at every station. Votes for the leader above that ratio at
//! stations with higher turnout are counted as excess. Each region gets its own mode and ratio,
//! and the total is the sum over regions.

use crate::klimek::smoothed_mode;
use crate::{Explanation, Stations};

/// Fewest stations at or below the modal turnout for a region's ratio to be trusted.
pub const MIN_REFERENCE_STATIONS: usize = 10;

/// The estimate for one region.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionExcess {
    pub region: String,
    pub stations: usize,
    pub leader_votes: u64,
    /// The region's modal turnout (stations at or below it form the reference).
    pub reference_turnout: f64,
    /// Leader's votes per vote for the others at the reference stations.
    pub reference_ratio: f64,
    /// Excess votes, or `None` when the reference had fewer than [`MIN_REFERENCE_STATIONS`]
    /// stations or no votes for the others.
    pub excess_votes: Option<f64>,
}

/// The estimate for the whole election.
#[derive(Debug, Clone, PartialEq)]
pub struct ExcessVotes {
    pub leader_votes: u64,
    /// Sum of the regions' estimates.
    pub excess_votes: f64,
    /// Regions, in the order of [`Stations::region_names`] (regions without stations left out).
    pub by_region: Vec<RegionExcess>,
    /// Votes per 1 % of turnout for the leader and for all others together (the classic chart:
    /// in an honest election both curves have the same shape).
    pub leader_by_turnout: Vec<u64>,
    pub others_by_turnout: Vec<u64>,
    pub explanation: Explanation,
}

/// Estimates the excess votes by region and in total.
pub fn excess_votes(stations: &Stations) -> ExcessVotes {
    let leader = &stations.candidates()[stations.leader()].votes;
    let regions = stations.region_names().len();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); regions];
    let mut leader_by_turnout = vec![0u64; 101];
    let mut others_by_turnout = vec![0u64; 101];
    for i in 0..stations.len() {
        if !stations.usable()[i] {
            continue;
        }
        members[stations.region()[i] as usize].push(i);
        let bin = ((stations.turnout(i) * 100.0).round() as usize).min(100);
        leader_by_turnout[bin] += u64::from(leader[i]);
        others_by_turnout[bin] += u64::from(others(stations, i));
    }
    let by_region: Vec<RegionExcess> = members
        .iter()
        .enumerate()
        .filter(|(_, m)| !m.is_empty())
        .map(|(r, m)| region_excess(stations, &stations.region_names()[r], m))
        .collect();
    let excess = by_region.iter().filter_map(|r| r.excess_votes).sum();
    ExcessVotes {
        leader_votes: by_region.iter().map(|r| r.leader_votes).sum(),
        excess_votes: excess,
        by_region,
        leader_by_turnout,
        others_by_turnout,
        explanation: Explanation {
            title: "Excess votes (Shpilkin; Sobyanin & Sukhovolsky)",
            shows: "How many of the leader's votes cannot be explained if the leader did as well, \
                    relative to the other candidates, at high-turnout stations as at stations \
                    with the region's usual turnout. In an honest count the leader's and the \
                    others' votes are spread over turnout in the same way.",
            cannot_show: "Fraud that does not raise turnout, fraud at stations at or below the \
                          usual turnout, or fraud spread evenly over a whole region (a region \
                          whose usual turnout is already near 100 % shows no excess). It also \
                          counts as excess any honest tendency of the leader's voters to turn \
                          out more. It is an estimate under stated assumptions, not a count.",
            inputs: format!(
                "{} usable stations in {} regions; per region: modal turnout (1 % bins, smoothed \
                 over 5, searched from 5 % to 100 %), leader-to-others ratio at stations at or \
                 below it (at least {MIN_REFERENCE_STATIONS} stations); excess = Σ (leader − \
                 ratio × others) over stations above the mode; leader: {}",
                stations.usable_count(),
                by_region_count(stations),
                stations.leader_name()
            ),
        },
    }
}

fn by_region_count(stations: &Stations) -> usize {
    let mut seen = vec![false; stations.region_names().len()];
    for i in 0..stations.len() {
        if stations.usable()[i] {
            seen[stations.region()[i] as usize] = true;
        }
    }
    seen.iter().filter(|&&s| s).count()
}

/// Votes for everyone but the leader at station `i`.
fn others(stations: &Stations, i: usize) -> u32 {
    stations.valid()[i].saturating_sub(stations.candidates()[stations.leader()].votes[i])
}

fn region_excess(stations: &Stations, name: &str, members: &[usize]) -> RegionExcess {
    let leader = &stations.candidates()[stations.leader()].votes;
    let turnouts: Vec<f64> = members.iter().map(|&i| stations.turnout(i).min(1.0)).collect();
    let mode = smoothed_mode(&turnouts, 0.05, 1.0);
    // The mode is the centre of a 1 % bin; the reference takes the whole bin.
    let cutoff = mode + 0.005;
    let (mut reference_leader, mut reference_others, mut reference_count) = (0u64, 0u64, 0usize);
    for (&i, &t) in members.iter().zip(&turnouts) {
        if t <= cutoff {
            reference_leader += u64::from(leader[i]);
            reference_others += u64::from(others(stations, i));
            reference_count += 1;
        }
    }
    let leader_votes = members.iter().map(|&i| u64::from(leader[i])).sum();
    let usable_reference = reference_count >= MIN_REFERENCE_STATIONS && reference_others > 0;
    let ratio = if reference_others > 0 { reference_leader as f64 / reference_others as f64 } else { f64::NAN };
    let excess_votes = usable_reference.then(|| {
        members
            .iter()
            .zip(&turnouts)
            .filter(|&(_, &t)| t > cutoff)
            .map(|(&i, _)| f64::from(leader[i]) - ratio * f64::from(others(stations, i)))
            .sum()
    });
    RegionExcess {
        region: name.to_owned(),
        stations: members.len(),
        leader_votes,
        reference_turnout: mode,
        reference_ratio: ratio,
        excess_votes,
    }
}
