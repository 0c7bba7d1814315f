//! The shape of the turnout distribution: skewness, kurtosis, Hartigan's dip test of
//! unimodality, and the correlation of turnout with the leader's share; overall and per region.
//!
//! Honest turnout across stations is roughly bell-shaped and unrelated to the leader's share.
//! Ballot stuffing adds a second hump near 100 % (a dip-test rejection, high kurtosis,
//! skewness) and ties high turnout to high shares for the leader (a positive correlation).

use crate::stats::{moments, pearson, quantile_sorted, seeded_rng};
use crate::{Explanation, Stations};
use rand::Rng;
use rayon::prelude::*;

/// Options of the distribution tests.
#[derive(Debug, Clone, PartialEq)]
pub struct DistributionOptions {
    /// Uniform samples simulated for the dip test's null distribution.
    pub dip_draws: usize,
    /// Size of each simulated sample (the null of √n·dip is nearly the same for all large n).
    pub dip_sample: usize,
    pub seed: u64,
}

impl Default for DistributionOptions {
    fn default() -> DistributionOptions {
        DistributionOptions { dip_draws: 500, dip_sample: 1000, seed: 1 }
    }
}

/// The tests for one set of stations.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapeOfTurnout {
    pub name: String,
    pub stations: usize,
    pub mean_turnout: f64,
    pub skewness: f64,
    /// Excess kurtosis (0 for a normal distribution).
    pub kurtosis: f64,
    /// Hartigan's dip statistic (between 1/(2n) and 1/4).
    pub dip: f64,
    /// Share of simulated uniform samples with a larger √n·dip (1/(1 + draws) at the least).
    pub dip_p_value: f64,
    /// Pearson correlation of turnout with the leader's share, stations counted once.
    pub turnout_share_correlation: f64,
}

/// The tests overall and per region.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnoutDistribution {
    pub overall: ShapeOfTurnout,
    pub by_region: Vec<ShapeOfTurnout>,
    /// Stations per 1 % of turnout (0 %, 1 %, … 100 %; above 100 % counted in the last bin).
    pub turnout_histogram: Vec<u64>,
    pub dip_draws: usize,
    pub dip_sample: usize,
    pub seed: u64,
    pub explanation: Explanation,
}

/// Runs the distribution tests overall and for every region with at least 10 stations.
pub fn turnout_distribution(stations: &Stations, options: &DistributionOptions) -> TurnoutDistribution {
    let null = dip_null(options);
    let usable: Vec<usize> = (0..stations.len()).filter(|&i| stations.usable()[i]).collect();
    let overall = shape(stations, "All stations", &usable, &null);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); stations.region_names().len()];
    for &i in &usable {
        members[stations.region()[i] as usize].push(i);
    }
    let by_region = members
        .par_iter()
        .enumerate()
        .filter(|(_, m)| m.len() >= 10)
        .map(|(r, m)| shape(stations, &stations.region_names()[r], m, &null))
        .collect();
    let mut turnout_histogram = vec![0u64; 101];
    for &i in &usable {
        turnout_histogram[((stations.turnout(i) * 100.0).round() as usize).min(100)] += 1;
    }
    TurnoutDistribution {
        overall,
        by_region,
        turnout_histogram,
        dip_draws: options.dip_draws,
        dip_sample: options.dip_sample,
        seed: options.seed,
        explanation: Explanation {
            title: "Shape of the turnout distribution",
            shows: "Whether turnout across stations has one hump or several (Hartigan's dip test), \
                    how lopsided and heavy-tailed it is (skewness, kurtosis), and whether stations \
                    with higher turnout give the leader more (correlation). Ballot stuffing adds a \
                    hump near 100 % and ties turnout to the leader's share.",
            cannot_show: "Why: real differences between cities and villages, or between regions, \
                          also make several humps and a correlation. Compare regions, and read \
                          these figures with the fingerprint.",
            inputs: format!(
                "turnout = voters who came / registered at each usable station, stations counted \
                 once; dip p-value from {} uniform samples of {} values (comparing √n·dip); \
                 regions with at least 10 stations; seed {}",
                options.dip_draws, options.dip_sample, options.seed
            ),
        },
    }
}

fn shape(stations: &Stations, name: &str, members: &[usize], null: &[f64]) -> ShapeOfTurnout {
    let turnout: Vec<f64> = members.iter().map(|&i| stations.turnout(i)).collect();
    let share: Vec<f64> = members.iter().map(|&i| stations.leader_share(i)).collect();
    let (mean, skewness, kurtosis) = moments(&turnout);
    let mut sorted = turnout.clone();
    sorted.sort_by(f64::total_cmp);
    let dip = dip_statistic(&sorted);
    let scaled = dip * (sorted.len() as f64).sqrt();
    let larger = null.iter().filter(|&&d| d >= scaled).count();
    ShapeOfTurnout {
        name: name.to_owned(),
        stations: members.len(),
        mean_turnout: mean,
        skewness,
        kurtosis,
        dip,
        dip_p_value: (1 + larger) as f64 / (1 + null.len()) as f64,
        turnout_share_correlation: pearson(&turnout, &share),
    }
}

/// √m·dip of `dip_draws` uniform samples of size m = `dip_sample`, sorted.
pub fn dip_null(options: &DistributionOptions) -> Vec<f64> {
    let m = options.dip_sample.max(4);
    let mut null: Vec<f64> = (0..options.dip_draws)
        .into_par_iter()
        .map(|draw| {
            let mut rng = seeded_rng(options.seed, 2_000_000 + draw as u64);
            let mut sample: Vec<f64> = (0..m).map(|_| rng.random::<f64>()).collect();
            sample.sort_by(f64::total_cmp);
            dip_statistic(&sample) * (m as f64).sqrt()
        })
        .collect();
    null.sort_by(f64::total_cmp);
    null
}

/// The 95th percentile of a sorted null, for reports.
pub fn null_quantile(null: &[f64], q: f64) -> f64 {
    quantile_sorted(null, q)
}

/// Hartigan and Hartigan's dip statistic (Annals of Statistics 13, 70–84, 1985) of sorted
/// values: the largest distance between the empirical distribution function and the closest
/// unimodal distribution function. Follows algorithm AS 217 as corrected in R's `diptest`.
pub fn dip_statistic(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n < 2 || sorted[0] == sorted[n - 1] {
        return if n == 0 { 0.0 } else { 0.5 / n as f64 };
    }
    // One-based copies keep the indices of the published algorithm.
    let mut x = Vec::with_capacity(n + 1);
    x.push(0.0);
    x.extend_from_slice(sorted);
    let mut mn = vec![0usize; n + 1];
    let mut mj = vec![0usize; n + 1];
    let mut gcm = vec![0usize; n + 1];
    let mut lcm = vec![0usize; n + 1];

    // Indices of the greatest convex minorant.
    mn[1] = 1;
    for j in 2..=n {
        mn[j] = j - 1;
        loop {
            let mnj = mn[j];
            let mnmnj = mn[mnj];
            if mnj == 1 || (x[j] - x[mnj]) * ((mnj - mnmnj) as f64) < (x[mnj] - x[mnmnj]) * ((j - mnj) as f64) {
                break;
            }
            mn[j] = mnmnj;
        }
    }
    // Indices of the least concave majorant.
    mj[n] = n;
    for k in (1..n).rev() {
        mj[k] = k + 1;
        loop {
            let mjk = mj[k];
            let mjmjk = mj[mjk];
            if mjk == n || (x[k] - x[mjk]) * (mjk as f64 - mjmjk as f64) < (x[mjk] - x[mjmjk]) * (k as f64 - mjk as f64) {
                break;
            }
            mj[k] = mjmjk;
        }
    }

    let mut low = 1usize;
    let mut high = n;
    let mut dip = 1.0f64;
    loop {
        // Change points of the minorant from high down to low.
        gcm[1] = high;
        let mut i = 1;
        while gcm[i] > low {
            gcm[i + 1] = mn[gcm[i]];
            i += 1;
        }
        let l_gcm = i;
        let mut ig = l_gcm;
        let mut ix = ig - 1;
        // Change points of the majorant from low up to high.
        lcm[1] = low;
        let mut i = 1;
        while lcm[i] < high {
            lcm[i + 1] = mj[lcm[i]];
            i += 1;
        }
        let l_lcm = i;
        let mut ih = l_lcm;
        let mut iv = 2;

        // The largest distance between minorant and majorant from low to high.
        let mut d = 0.0f64;
        if l_gcm != 2 || l_lcm != 2 {
            loop {
                let gcmix = gcm[ix];
                let lcmiv = lcm[iv];
                if gcmix > lcmiv {
                    let gcmi1 = gcm[ix + 1];
                    let dx = (lcmiv as f64 - gcmi1 as f64 + 1.0)
                        - (x[lcmiv] - x[gcmi1]) * (gcmix as f64 - gcmi1 as f64) / (x[gcmix] - x[gcmi1]);
                    iv += 1;
                    if dx >= d {
                        d = dx;
                        ig = ix + 1;
                        ih = iv - 1;
                    }
                } else {
                    let lcmiv1 = lcm[iv - 1];
                    let dx = (x[gcmix] - x[lcmiv1]) * (lcmiv as f64 - lcmiv1 as f64) / (x[lcmiv] - x[lcmiv1])
                        - (gcmix as f64 - lcmiv1 as f64 - 1.0);
                    ix -= 1;
                    if dx >= d {
                        d = dx;
                        ig = ix + 1;
                        ih = iv;
                    }
                }
                if ix < 1 {
                    ix = 1;
                }
                if iv > l_lcm {
                    iv = l_lcm;
                }
                if gcm[ix] == lcm[iv] {
                    break;
                }
            }
        } else {
            d = 1.0;
        }
        if d < dip {
            break;
        }

        // The dips of the minorant and of the majorant between low and high.
        let mut dip_l = 0.0f64;
        for j in ig..l_gcm {
            let mut max_t = 1.0f64;
            let jb = gcm[j + 1];
            let je = gcm[j];
            if je - jb > 1 && x[je] != x[jb] {
                let c = (je - jb) as f64 / (x[je] - x[jb]);
                for jj in jb..=je {
                    let t = (jj - jb + 1) as f64 - (x[jj] - x[jb]) * c;
                    max_t = max_t.max(t);
                }
            }
            dip_l = dip_l.max(max_t);
        }
        let mut dip_u = 0.0f64;
        for k in ih..l_lcm {
            let mut max_t = 1.0f64;
            let kb = lcm[k];
            let ke = lcm[k + 1];
            if ke - kb > 1 && x[ke] != x[kb] {
                let c = (ke - kb) as f64 / (x[ke] - x[kb]);
                for kk in kb..=ke {
                    let t = (x[kk] - x[kb]) * c - (kk as f64 - kb as f64 - 1.0);
                    max_t = max_t.max(t);
                }
            }
            dip_u = dip_u.max(max_t);
        }
        dip = dip.max(dip_l).max(dip_u);

        // Without this check the algorithm can cycle forever (Maechler's correction).
        if low == gcm[ig] && high == lcm[ih] {
            break;
        }
        low = gcm[ig];
        high = lcm[ih];
    }
    dip / (2.0 * n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dip_of_simple_samples() {
        let check = |values: &[f64], expected: f64| {
            let mut sorted = values.to_vec();
            sorted.sort_by(f64::total_cmp);
            let dip = dip_statistic(&sorted);
            assert!((dip - expected).abs() < 1e-12, "{values:?}: {dip} vs {expected}");
        };
        // Evenly spread values are as unimodal as a sample can be: dip = 1/(2n).
        check(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 0.05);
        check(&[3.0, 3.0, 3.0], 0.5 / 3.0);
    }

    #[test]
    fn dip_matches_the_diptest_package() {
        // Expected values from Python's `diptest` 0.12.0 (`diptest.dipstat`, a port of R's
        // diptest) on the same deterministic samples.
        let check = |mut values: Vec<f64>, expected: f64| {
            values.sort_by(f64::total_cmp);
            let dip = dip_statistic(&values);
            assert!((dip - expected).abs() < 1e-12, "{dip} vs {expected}");
        };
        let mut two_clusters: Vec<f64> = (0..200).map(|i| f64::from(i) / 1000.0).collect();
        two_clusters.extend((0..200).map(|i| 10.0 + f64::from(i) / 1000.0));
        check(two_clusters, 0.245_025);
        let mut bimodal: Vec<f64> = (0..500u64).map(|i| (i * 7919 % 1000) as f64 / 1000.0).collect();
        bimodal.extend((0..300u64).map(|i| 2.0 + ((i * 104_729) % 997) as f64 / 997.0 * 0.5));
        check(bimodal, 0.125_502_893_365_982_6);
        let spread: Vec<f64> =
            (0..700u64).map(|i| ((i * 7919) % 1000) as f64 / 1000.0 + ((i * 31) % 17) as f64 / 17.0).collect();
        check(spread, 0.002_357_371_063_441_330_3);
        let ties: Vec<f64> = (0..300u64).map(|i| ((i % 10) * (i % 10)) as f64 + (i % 7) as f64 * 0.1).collect();
        check(ties, 0.048_235_294_117_647_08);
    }
}
