//! Integer-percentage peaks (Kobak, Shpilkin and Pshenichnikov, "Integer percentages as
//! electoral falsification fingerprints", Annals of Applied Statistics 10(1), 54–73, 2016).
//!
//! A commission that writes the result it was told to reach tends to write a round figure:
//! 80 % turnout, 75 % for the leader. Such stations pile up at whole percentages, which shows
//! as comb-like peaks in the histogram of shares. The test counts the stations whose turnout
//! or leader's share is a whole percentage and compares that count with what binomial
//! sampling of each station's own counts gives by chance (a Monte-Carlo null with a fixed
//! seed).
//!
//! A count `k` of `n` is "a whole percentage" when it is the count nearest to some whole
//! percentage of `n`: k = round(p·n/100) for an integer p. That is what a forger aiming at
//! p % would write, and it is within half a vote of p % exactly. Stations with fewer than
//! `min_total` in the denominator are left out, because there almost every count is round.
//!
//! Each Monte-Carlo draw resamples every station's counts binomially (turnout from the
//! registered voters, the leader's votes from the valid ballots, each with the station's
//! own observed rate). The test only asks whether the resampled count is round, so the draw
//! decides that event directly with its exact binomial probability: the same distribution
//! of the count of round stations, at a fraction of the cost. `bench/forensics_reference.py`
//! resamples the counts themselves, and the tests check the two nulls agree.

use crate::stats::{FastRng, ln_binomial_pmf};
use crate::{Explanation, Stations};
use rayon::prelude::*;

/// Options of the peak test.
#[derive(Debug, Clone, PartialEq)]
pub struct PeakOptions {
    pub draws: usize,
    pub seed: u64,
    /// Smallest denominator (registered voters or valid ballots) a station needs to count.
    pub min_total: u32,
}

impl Default for PeakOptions {
    fn default() -> PeakOptions {
        PeakOptions { draws: 1000, seed: 1, min_total: 100 }
    }
}

/// The test for one quantity (turnout, leader's share, or either of them).
#[derive(Debug, Clone, PartialEq)]
pub struct RoundPercentageTest {
    pub quantity: &'static str,
    /// Stations tested (denominator at least `min_total`).
    pub eligible: usize,
    /// Stations whose figure is a whole percentage.
    pub observed: u64,
    /// Mean and standard deviation of that count under the binomial null.
    pub null_mean: f64,
    pub null_sd: f64,
    /// Observed minus expected: stations at whole percentages beyond chance.
    pub excess: f64,
    /// (1 + draws with a count at least the observed one) / (1 + draws).
    pub p_value: f64,
}

/// The peak test and the histograms that show the peaks.
#[derive(Debug, Clone, PartialEq)]
pub struct Peaks {
    pub turnout: RoundPercentageTest,
    pub leader_share: RoundPercentageTest,
    pub either: RoundPercentageTest,
    pub draws: usize,
    pub seed: u64,
    pub min_total: u32,
    /// Stations per 0.1 % of the leader's share, bins centred on 0.0 %, 0.1 %, … 100.0 %.
    pub share_histogram: Vec<u64>,
    /// The same for turnout (turnout above 100 % is left out).
    pub turnout_histogram: Vec<u64>,
    pub explanation: Explanation,
}

/// Whether `count` of `total` is the count nearest to a whole percentage of `total`.
pub fn is_round_percentage(count: u32, total: u32) -> bool {
    if total == 0 || count > total {
        return false;
    }
    nearest_count(nearest_percent(count, total), total) == count
}

/// round(100·count/total), halves rounded up, in exact integer arithmetic.
pub fn nearest_percent(count: u32, total: u32) -> u64 {
    (200 * u64::from(count) + u64::from(total)) / (2 * u64::from(total))
}

/// round(percent·total/100), halves rounded up, in exact integer arithmetic.
pub fn nearest_count(percent: u64, total: u32) -> u32 {
    ((2 * percent * u64::from(total) + 100) / 200) as u32
}

/// Probability that Binomial(`total`, `rate`) lands on a whole-percentage count.
pub fn round_probability(total: u32, rate: f64) -> f64 {
    if total == 0 {
        return 0.0;
    }
    if rate <= 0.0 || rate >= 1.0 {
        // The draw is 0 or `total`, both whole percentages.
        return 1.0;
    }
    let n = f64::from(total);
    let mean = n * rate;
    let sd = (mean * (1.0 - rate)).sqrt();
    // Beyond 8 standard deviations the binomial mass is below 1e-14.
    let low_count = (mean - 8.0 * sd - 1.0).max(0.0);
    let high_count = (mean + 8.0 * sd + 1.0).min(n);
    let low_percent = (low_count * 100.0 / n).floor() as u64;
    let high_percent = ((high_count * 100.0 / n).ceil() as u64).min(100);
    let mut probability = 0.0;
    let mut last = None;
    for percent in low_percent..=high_percent {
        let k = nearest_count(percent, total);
        if Some(k) == last {
            continue;
        }
        last = Some(k);
        probability += ln_binomial_pmf(total, k, rate).exp();
    }
    probability.min(1.0)
}

/// Runs the peak test on turnout, the leader's share and either.
pub fn integer_peaks(stations: &Stations, options: &PeakOptions) -> Peaks {
    let leader = &stations.candidates()[stations.leader()].votes;
    let n = stations.len();
    let per_station: Vec<StationNull> = (0..n)
        .into_par_iter()
        .map(|i| {
            if !stations.usable()[i] {
                return StationNull::default();
            }
            let (registered, came) = (stations.registered()[i], stations.came()[i]);
            let (valid, votes) = (stations.valid()[i], leader[i]);
            let turnout = (registered >= options.min_total && came <= registered)
                .then(|| round_probability(registered, f64::from(came) / f64::from(registered)));
            let share = (valid >= options.min_total && votes <= valid)
                .then(|| round_probability(valid, f64::from(votes) / f64::from(valid)));
            let turnout_round = turnout.is_some() && is_round_percentage(came, registered);
            let share_round = share.is_some() && is_round_percentage(votes, valid);
            StationNull { turnout, share, turnout_round, share_round }
        })
        .collect();

    // Thresholds on 32-bit uniforms: the event happens when the uniform is below q·2³².
    let scale = 4_294_967_296.0;
    let thresholds: Vec<(u64, u64)> = per_station
        .iter()
        .filter(|s| s.turnout.is_some() || s.share.is_some())
        .map(|s| ((s.turnout.unwrap_or(0.0) * scale).round() as u64, (s.share.unwrap_or(0.0) * scale).round() as u64))
        .collect();
    let counts: Vec<[u64; 3]> = (0..options.draws)
        .into_par_iter()
        .map(|draw| {
            let mut rng = FastRng::new(options.seed, draw as u64);
            let mut count = [0u64; 3];
            for &(t, s) in &thresholds {
                let r = rng.next_u64();
                let turnout_round = (r >> 32) < t;
                let share_round = (r & 0xFFFF_FFFF) < s;
                count[0] += u64::from(turnout_round);
                count[1] += u64::from(share_round);
                count[2] += u64::from(turnout_round || share_round);
            }
            count
        })
        .collect();

    let eligible = |pick: fn(&StationNull) -> bool| per_station.iter().filter(|s| pick(s)).count();
    let test = |quantity: &'static str, which: usize, eligible: usize, observed: u64| {
        let samples: Vec<f64> = counts.iter().map(|c| c[which] as f64).collect();
        let draws = samples.len().max(1) as f64;
        let mean = samples.iter().sum::<f64>() / draws;
        let sd = (samples.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (draws - 1.0).max(1.0)).sqrt();
        let at_least = counts.iter().filter(|c| c[which] >= observed).count();
        RoundPercentageTest {
            quantity,
            eligible,
            observed,
            null_mean: mean,
            null_sd: sd,
            excess: observed as f64 - mean,
            p_value: (1 + at_least) as f64 / (1 + counts.len()) as f64,
        }
    };
    let observed_turnout = per_station.iter().filter(|s| s.turnout_round).count() as u64;
    let observed_share = per_station.iter().filter(|s| s.share_round).count() as u64;
    let observed_either = per_station.iter().filter(|s| s.turnout_round || s.share_round).count() as u64;
    let turnout = test("turnout", 0, eligible(|s| s.turnout.is_some()), observed_turnout);
    let leader_share = test("leader's share", 1, eligible(|s| s.share.is_some()), observed_share);
    let either =
        test("turnout or leader's share", 2, eligible(|s| s.turnout.is_some() || s.share.is_some()), observed_either);

    let mut share_histogram = vec![0u64; 1001];
    let mut turnout_histogram = vec![0u64; 1001];
    for i in 0..n {
        if !stations.usable()[i] {
            continue;
        }
        if stations.valid()[i] >= options.min_total && leader[i] <= stations.valid()[i] {
            share_histogram[permille(leader[i], stations.valid()[i])] += 1;
        }
        if stations.registered()[i] >= options.min_total && stations.came()[i] <= stations.registered()[i] {
            turnout_histogram[permille(stations.came()[i], stations.registered()[i])] += 1;
        }
    }

    Peaks {
        explanation: Explanation {
            title: "Integer-percentage peaks (Kobak, Shpilkin & Pshenichnikov 2016)",
            shows: "Whether more stations than chance allows report a turnout or a leader's share \
                    that is a whole percentage (70 %, 85 %, …), the mark of a figure written to \
                    order rather than counted. The histogram of shares shows these stations as \
                    spikes above the smooth curve.",
            cannot_show: "Which stations wrote a figure to order; a peak is not proof. Small \
                          stations, simple fractions and rounding by honest commissions also make \
                          round figures; the binomial null accounts for the arithmetic, not for \
                          honest habits.",
            inputs: format!(
                "turnout = voters who came / registered (stations with at least {min} registered); \
                 leader's share = votes for {leader} / valid ballots (at least {min} valid); null: \
                 {draws} Monte-Carlo draws resampling each station binomially at its own rate; seed {seed}",
                min = options.min_total,
                leader = stations.leader_name(),
                draws = options.draws,
                seed = options.seed
            ),
        },
        turnout,
        leader_share,
        either,
        draws: options.draws,
        seed: options.seed,
        min_total: options.min_total,
        share_histogram,
        turnout_histogram,
    }
}

/// One station under the null: the probability that a resampled turnout / leader's share is
/// round (`None` when the station is not tested for it), and whether the reported one is.
#[derive(Debug, Clone, Copy, Default)]
struct StationNull {
    turnout: Option<f64>,
    share: Option<f64>,
    turnout_round: bool,
    share_round: bool,
}

/// round(1000·count/total) for count ≤ total: the 0.1 % bin centred on the value.
fn permille(count: u32, total: u32) -> usize {
    ((2000 * u64::from(count) + u64::from(total)) / (2 * u64::from(total))) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_percentages() {
        let check = |count: u32, total: u32, expected: bool| {
            assert_eq!(is_round_percentage(count, total), expected, "{count}/{total}");
        };
        check(500, 1000, true);
        check(501, 1000, false);
        check(505, 1000, false);
        check(510, 1000, true);
        // 1234 · 0.75 = 925.5 → 926 is what a forger aiming at 75 % writes; 925 is 74.96 %.
        check(926, 1234, true);
        check(925, 1234, false);
        check(0, 1234, true);
        check(1234, 1234, true);
        check(1, 3, true);
        check(5, 0, false);
        check(6, 5, false);
    }

    #[test]
    fn round_probability_matches_direct_sum() {
        for (total, rate) in [(1000u32, 0.63), (137, 0.5), (2500, 0.91), (400, 0.02)] {
            let direct: f64 = (0..=total)
                .filter(|&k| is_round_percentage(k, total))
                .map(|k| ln_binomial_pmf(total, k, rate).exp())
                .sum();
            let fast = round_probability(total, rate);
            assert!((direct - fast).abs() < 1e-9, "{total} {rate}: {direct} vs {fast}");
        }
        assert_eq!(round_probability(500, 0.0), 1.0);
        assert_eq!(round_probability(500, 1.0), 1.0);
    }

    #[test]
    fn permille_bins_are_centred() {
        assert_eq!(permille(500, 1000), 500);
        assert_eq!(permille(926, 1234), 750);
        assert_eq!(permille(1234, 1234), 1000);
        assert_eq!(permille(0, 1234), 0);
    }
}
