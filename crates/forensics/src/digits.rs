//! Digit tests (Mebane; Beber and Scacco): the second-digit Benford test (2BL) of each
//! candidate's station counts, the uniformity of last digits, and the share of counts ending
//! in 0 or 5.
//!
//! Counts that people make up rather than count tend to have too few or too many of certain
//! digits. The 2BL test compares the second digits with Benford's law (Mebane argues that
//! honest vote counts roughly follow it); the mean second digit has a bootstrap interval
//! that should contain Benford's 4.187. Last digits of honest counts of 100 or more are
//! close to uniform, and a surplus of 0s and 5s is the classic sign of invented round figures.

use crate::stats::{binomial, chi_square, chi_square_p_value, normal_upper_tail, quantile_sorted, seeded_rng};
use crate::{Explanation, Stations};
use rayon::prelude::*;

/// Counts need at least two digits for the second-digit test.
pub const SECOND_DIGIT_MIN_COUNT: u32 = 10;
/// Counts need at least three digits for the last-digit tests, so the last digit is far from
/// the first and nearly uniform in an honest count.
pub const LAST_DIGIT_MIN_COUNT: u32 = 100;

/// Options of the digit tests.
#[derive(Debug, Clone, PartialEq)]
pub struct DigitOptions {
    pub bootstrap: usize,
    pub seed: u64,
}

impl Default for DigitOptions {
    fn default() -> DigitOptions {
        DigitOptions { bootstrap: 1000, seed: 1 }
    }
}

/// The digit tests of one candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateDigits {
    pub candidate: String,
    /// Stations whose count has at least two digits, and their second digits 0–9.
    pub second_digit_counts: [u64; 10],
    pub second_digit_chi_square: f64,
    pub second_digit_p_value: f64,
    pub mean_second_digit: f64,
    /// Percentile bootstrap interval (95 %) of the mean second digit, or NaN without data.
    pub mean_interval: (f64, f64),
    /// Stations whose count has at least three digits, and their last digits 0–9.
    pub last_digit_counts: [u64; 10],
    pub last_digit_chi_square: f64,
    pub last_digit_p_value: f64,
    /// Share of those counts ending in 0 or 5 (0.2 expected) and the one-sided p-value of a surplus.
    pub share_zero_or_five: f64,
    pub zero_or_five_p_value: f64,
}

impl CandidateDigits {
    /// Whether Benford's mean 4.187 lies outside the bootstrap interval.
    pub fn mean_outside_interval(&self) -> bool {
        let expected = benford_second_digit_mean();
        expected < self.mean_interval.0 || expected > self.mean_interval.1
    }
}

/// The digit tests of every candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Digits {
    pub candidates: Vec<CandidateDigits>,
    pub bootstrap: usize,
    pub seed: u64,
    pub explanation: Explanation,
}

/// Benford's law for the second digit: P(d) = Σ_{k=1..9} log10(1 + 1/(10k + d)).
pub fn benford_second_digit() -> [f64; 10] {
    let mut p = [0.0; 10];
    for (d, slot) in p.iter_mut().enumerate() {
        *slot = (1..=9).map(|k| (1.0 + 1.0 / (10.0 * k as f64 + d as f64)).log10()).sum();
    }
    p
}

/// The mean second digit under Benford's law (about 4.187).
pub fn benford_second_digit_mean() -> f64 {
    benford_second_digit().iter().enumerate().map(|(d, p)| d as f64 * p).sum()
}

/// The second digit of a count of at least 10.
pub fn second_digit(mut count: u32) -> u32 {
    while count >= 100 {
        count /= 10;
    }
    count % 10
}

/// Runs the digit tests on every candidate, candidates in parallel.
pub fn digit_tests(stations: &Stations, options: &DigitOptions) -> Digits {
    let candidates = stations
        .candidates()
        .par_iter()
        .enumerate()
        .map(|(index, candidate)| {
            let mut second = [0u64; 10];
            let mut last = [0u64; 10];
            for (i, &votes) in candidate.votes.iter().enumerate() {
                if !stations.usable()[i] {
                    continue;
                }
                if votes >= SECOND_DIGIT_MIN_COUNT {
                    second[second_digit(votes) as usize] += 1;
                }
                if votes >= LAST_DIGIT_MIN_COUNT {
                    last[(votes % 10) as usize] += 1;
                }
            }
            candidate_digits(&candidate.name, second, last, options, index as u64)
        })
        .collect();
    Digits {
        candidates,
        bootstrap: options.bootstrap,
        seed: options.seed,
        explanation: Explanation {
            title: "Digit tests (Mebane; Beber & Scacco)",
            shows: "Whether the digits of the reported counts look like counted numbers: second \
                    digits against Benford's law (2BL), last digits against a uniform spread, and \
                    the share of counts ending in 0 or 5 against one in five.",
            cannot_show: "Honest counts need not follow Benford's law exactly (Deckert, Myagkov and \
                          Ordeshook 2011 show both false alarms and misses), and a forger who adds \
                          ballots rather than typing figures leaves the digits untouched. A failed \
                          digit test is a weak signal on its own.",
            inputs: format!(
                "every candidate's votes at each usable station; second digit of counts ≥ \
                 {SECOND_DIGIT_MIN_COUNT}; last digit of counts ≥ {LAST_DIGIT_MIN_COUNT}; \
                 chi-square with 9 degrees of freedom; {} bootstrap replicates of the stations; seed {}",
                options.bootstrap, options.seed
            ),
        },
    }
}

/// The tests from the digit tallies of one candidate.
pub fn candidate_digits(
    name: &str,
    second: [u64; 10],
    last: [u64; 10],
    options: &DigitOptions,
    stream: u64,
) -> CandidateDigits {
    let benford = benford_second_digit();
    let uniform = [0.1; 10];
    let second_total: u64 = second.iter().sum();
    let last_total: u64 = last.iter().sum();
    let mean = mean_digit(&second);
    let zero_or_five = last[0] + last[5];
    let share = if last_total > 0 { zero_or_five as f64 / last_total as f64 } else { f64::NAN };
    let z = if last_total > 0 {
        (zero_or_five as f64 - 0.2 * last_total as f64) / (0.16 * last_total as f64).sqrt()
    } else {
        f64::NAN
    };
    CandidateDigits {
        candidate: name.to_owned(),
        second_digit_counts: second,
        second_digit_chi_square: chi_square(&second, &benford),
        second_digit_p_value: if second_total > 0 { chi_square_p_value(chi_square(&second, &benford), 9) } else { f64::NAN },
        mean_second_digit: mean,
        mean_interval: bootstrap_mean_interval(&second, options, stream),
        last_digit_counts: last,
        last_digit_chi_square: chi_square(&last, &uniform),
        last_digit_p_value: if last_total > 0 { chi_square_p_value(chi_square(&last, &uniform), 9) } else { f64::NAN },
        share_zero_or_five: share,
        zero_or_five_p_value: if last_total > 0 { normal_upper_tail(z) } else { f64::NAN },
    }
}

fn mean_digit(counts: &[u64; 10]) -> f64 {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return f64::NAN;
    }
    counts.iter().enumerate().map(|(d, &c)| d as f64 * c as f64).sum::<f64>() / total as f64
}

/// Percentile interval of the mean digit over bootstrap resamples of the stations.
///
/// Resampling the stations with replacement and tallying their digits is the same as drawing
/// the ten tallies from a multinomial with the observed proportions, which is what this does
/// (as a chain of binomial draws), so the cost does not grow with the number of stations.
fn bootstrap_mean_interval(counts: &[u64; 10], options: &DigitOptions, stream: u64) -> (f64, f64) {
    let total: u64 = counts.iter().sum();
    if total == 0 || options.bootstrap == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mut rng = seeded_rng(options.seed, 1_000_000 + stream);
    let mut means: Vec<f64> = (0..options.bootstrap)
        .map(|_| {
            let mut remaining = total as u32;
            let mut remaining_mass = total as f64;
            let mut resampled = [0u64; 10];
            for d in 0..10 {
                if remaining == 0 {
                    break;
                }
                let drawn = if d == 9 {
                    remaining
                } else {
                    binomial(&mut rng, remaining, (counts[d] as f64 / remaining_mass).min(1.0))
                };
                resampled[d] = u64::from(drawn);
                remaining -= drawn;
                remaining_mass -= counts[d] as f64;
            }
            mean_digit(&resampled)
        })
        .collect();
    means.sort_by(f64::total_cmp);
    (quantile_sorted(&means, 0.025), quantile_sorted(&means, 0.975))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn benford_second_digit_law() {
        let p = benford_second_digit();
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // Published values of the law: P(0) = 0.11968, P(9) = 0.08500; mean 4.187.
        assert!((p[0] - 0.11968).abs() < 5e-6, "{}", p[0]);
        assert!((p[9] - 0.08500).abs() < 5e-6, "{}", p[9]);
        assert!((benford_second_digit_mean() - 4.187).abs() < 5e-4);
    }

    #[test]
    fn second_digits() {
        let check = |count: u32, expected: u32| assert_eq!(second_digit(count), expected, "{count}");
        check(10, 0);
        check(19, 9);
        check(123, 2);
        check(4_567_890, 5);
        check(100, 0);
    }

    #[test]
    fn bootstrap_interval_contains_the_mean_and_is_seeded() {
        let counts = [120, 114, 109, 104, 100, 97, 93, 90, 88, 85];
        let options = DigitOptions { bootstrap: 500, seed: 9 };
        let (low, high) = bootstrap_mean_interval(&counts, &options, 0);
        let mean = mean_digit(&counts);
        assert!(low < mean && mean < high, "{low} {mean} {high}");
        // About ±1.96 · sd/√n with sd ≈ 2.85 and n = 1000: half-width ≈ 0.18.
        assert!((high - low) > 0.25 && (high - low) < 0.45, "{}", high - low);
        assert_eq!(bootstrap_mean_interval(&counts, &options, 0), (low, high));
    }
}
