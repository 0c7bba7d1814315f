//! The election fingerprint of Klimek, Yegorov, Hanel and Thurner (PNAS 109, 16469, 2012):
//! the two-dimensional histogram of turnout against the leader's share.
//!
//! Each station adds the number of voters who came to the cell of its turnout and leader's
//! share, so the picture shows where the votes are, not where the stations are. A clean
//! election is one compact blob; ballot stuffing drags a "comet tail" towards 100 % turnout
//! and 100 % for the leader.

use crate::{Explanation, Stations};

/// A square histogram over [0, 1] × [0, 1]. Values of 1 or more fall into the last bin.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram2d {
    /// Number of bins along each axis.
    pub bins: usize,
    /// Weight per cell, row-major: `weights[turnout_bin * bins + share_bin]`.
    pub weights: Vec<f64>,
}

impl Histogram2d {
    pub fn new(bins: usize) -> Histogram2d {
        Histogram2d { bins, weights: vec![0.0; bins * bins] }
    }

    /// The bin of a fraction in [0, 1]; values outside are clamped to the first or last bin.
    pub fn bin_of(&self, fraction: f64) -> usize {
        bin_of(fraction, self.bins)
    }

    pub fn add(&mut self, turnout: f64, share: f64, weight: f64) {
        let cell = self.bin_of(turnout) * self.bins + self.bin_of(share);
        self.weights[cell] += weight;
    }

    pub fn get(&self, turnout_bin: usize, share_bin: usize) -> f64 {
        self.weights[turnout_bin * self.bins + share_bin]
    }

    pub fn total(&self) -> f64 {
        self.weights.iter().sum()
    }

    pub fn max(&self) -> f64 {
        self.weights.iter().copied().fold(0.0, f64::max)
    }

    /// The same histogram scaled to sum to one (unchanged if empty).
    pub fn normalized(&self) -> Histogram2d {
        let total = self.total();
        let scale = if total > 0.0 { 1.0 / total } else { 1.0 };
        Histogram2d { bins: self.bins, weights: self.weights.iter().map(|w| w * scale).collect() }
    }
}

/// The bin of a fraction in [0, 1] among `bins` equal bins, clamped at both ends.
pub fn bin_of(fraction: f64, bins: usize) -> usize {
    if fraction.is_nan() || fraction <= 0.0 {
        return 0;
    }
    ((fraction * bins as f64) as usize).min(bins - 1)
}

/// The fingerprint of the whole election and of each region.
#[derive(Debug, Clone, PartialEq)]
pub struct Fingerprint {
    pub overall: Histogram2d,
    /// One histogram per region, in the order of [`Stations::region_names`].
    pub by_region: Vec<Histogram2d>,
    /// Voters who came, per region (to order the small multiples by size).
    pub region_voters: Vec<u64>,
    /// The regions' names, in the same order.
    pub region_names: Vec<String>,
    pub explanation: Explanation,
}

/// Computes the fingerprint with `bins` bins per axis overall and `region_bins` per region.
pub fn fingerprint(stations: &Stations, bins: usize, region_bins: usize) -> Fingerprint {
    let mut overall = Histogram2d::new(bins);
    let regions = stations.region_names().len();
    let mut by_region = vec![Histogram2d::new(region_bins); regions];
    let mut region_voters = vec![0u64; regions];
    for i in 0..stations.len() {
        if !stations.usable()[i] {
            continue;
        }
        let (turnout, share) = (stations.turnout(i), stations.leader_share(i));
        let weight = f64::from(stations.came()[i]);
        overall.add(turnout, share, weight);
        let region = stations.region()[i] as usize;
        by_region[region].add(turnout, share, weight);
        region_voters[region] += u64::from(stations.came()[i]);
    }
    Fingerprint {
        overall,
        by_region,
        region_voters,
        region_names: stations.region_names().to_vec(),
        explanation: Explanation {
            title: "Election fingerprint",
            shows: "Where the votes lie by turnout and by the leader's share. An honest count is \
                    usually one compact cloud; stations where ballots were added for the leader \
                    move up and to the right, drawing a tail towards 100 % turnout and 100 % for \
                    the leader.",
            cannot_show: "Which stations were falsified, or that any were: a region whose voters \
                          really did turn out and vote alike also draws a tail. The picture is a \
                          reason to look closer, not proof.",
            inputs: format!(
                "{} usable stations; turnout = voters who came / registered; leader's share = \
                 votes for {} / valid ballots; each station weighted by the voters who came; \
                 {bins}×{bins} bins overall, {region_bins}×{region_bins} per region",
                stations.usable_count(),
                stations.leader_name()
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CandidateVotes;

    #[test]
    fn bins_are_clamped_and_half_open() {
        let check = |fraction: f64, bins: usize, expected: usize| {
            assert_eq!(bin_of(fraction, bins), expected, "bin_of({fraction}, {bins})");
        };
        check(0.0, 10, 0);
        check(-0.5, 10, 0);
        check(0.099, 10, 0);
        check(0.1, 10, 1);
        check(0.999, 10, 9);
        check(1.0, 10, 9);
        check(1.3, 10, 9);
        check(0.5, 100, 50);
        check(f64::NAN, 10, 0);
    }

    #[test]
    fn stations_add_their_voters_to_their_cell() {
        let stations = Stations::new(
            vec![100, 200, 100, 0],
            vec![50, 200, 55, 0],
            vec![50, 190, 55, 0],
            vec![CandidateVotes { name: "A".into(), votes: vec![25, 190, 30, 0] }],
            vec![0, 1, 0, 1],
            vec!["North".into(), "South".into()],
        )
        .unwrap();
        let print = fingerprint(&stations, 10, 2);
        // Station 0: turnout 0.5, share 0.5 -> (5, 5) weight 50; station 2: 0.55, 0.545 -> (5, 5) weight 55.
        assert_eq!(print.overall.get(5, 5), 105.0);
        // Station 1: turnout 1.0, share 1.0 -> last cell.
        assert_eq!(print.overall.get(9, 9), 200.0);
        assert_eq!(print.overall.total(), 305.0);
        assert_eq!(print.by_region[0].get(1, 1), 105.0);
        assert_eq!(print.by_region[1].get(1, 1), 200.0);
        assert_eq!(print.region_voters, vec![105, 200]);
    }
}
