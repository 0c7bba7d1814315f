//! The fraud model of Klimek, Yegorov, Hanel and Thurner (PNAS 109, 16469, 2012), fitted to
//! an election's fingerprint.
//!
//! The model: every station draws an honest turnout and leader's share from normal
//! distributions whose centre and spread come from the data. With probability `f_i`
//! ("incremental fraud") a station then gives the leader a fraction x ~ |N(0, σ_x)| of its
//! non-voters (ballot stuffing) and the same fraction of the other candidates' votes
//! (rewriting); with probability `f_e` ("extreme fraud") it does the same with
//! x ~ 1 − |N(0, θ)|, which puts the station near 100 % turnout and 100 % for the leader.
//! As in the paper, `f_i` and `f_e` are found by a grid search that minimises the squared
//! distance between the model's fingerprint and the data's.
//!
//! The honest centre and spread are fitted to the lower side of each distribution's main
//! peak, because fraud only ever moves stations up: the lower half of the peak is the part
//! the model says is untouched.
//!
//! The search is fast because of common random numbers: every station's honest draw, fraud
//! magnitude and fraud lottery number `u` are drawn once, and a grid point (`f_e`, `f_i`)
//! only decides which stations are extreme (`u < f_e`), incremental (`f_e ≤ u < f_e + f_i`)
//! or honest. Summing the stations' cells by slices of `u` once makes each grid point a
//! few thousand additions.

use crate::fingerprint::{Histogram2d, bin_of};
use crate::stats::{seeded_rng, standard_normal};
use crate::{Explanation, Stations};
use rand::Rng;
use rayon::prelude::*;

/// How large a single station's fraud is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FraudStrength {
    /// σ_x: incremental fraud moves a fraction |N(0, σ_x)| of non-voters and other votes.
    pub incremental_sd: f64,
    /// θ: extreme fraud moves a fraction 1 − |N(0, θ)|.
    pub extreme_sd: f64,
}

impl Default for FraudStrength {
    fn default() -> FraudStrength {
        FraudStrength { incremental_sd: 0.1, extreme_sd: 0.05 }
    }
}

impl FraudStrength {
    /// One incremental-fraud fraction x in [0, 1].
    pub fn incremental(&self, rng: &mut impl Rng) -> f64 {
        (self.incremental_sd * standard_normal(rng)).abs().min(1.0)
    }

    /// One extreme-fraud fraction x in [0, 1].
    pub fn extreme(&self, rng: &mut impl Rng) -> f64 {
        (1.0 - (self.extreme_sd * standard_normal(rng)).abs()).max(0.0)
    }
}

/// The honest part of the model: normal turnout and leader's share.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HonestParameters {
    pub turnout_mean: f64,
    pub turnout_sd: f64,
    pub share_mean: f64,
    pub share_sd: f64,
}

/// The grid and resolution of the fit.
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    /// Bins per axis of the fingerprints compared.
    pub bins: usize,
    pub seed: u64,
    /// Candidate values of σ_x; the fit picks the best with `f_i` and `f_e`.
    pub incremental_sd_grid: Vec<f64>,
    /// θ, fixed.
    pub extreme_sd: f64,
    /// Largest `f_e` tried (steps of [`FRACTION_STEP`]).
    pub extreme_max: f64,
    /// Shifts of the honest share's centre tried around the estimate from the peak's lower
    /// side. Incremental fraud also moves stations a little, into the peak itself, which pulls
    /// that estimate up; searching the centre with the fractions undoes the pull.
    pub share_offsets: Vec<f64>,
    /// Honest parameters to use instead of estimating them from the data.
    pub honest: Option<HonestParameters>,
}

impl Default for FitOptions {
    fn default() -> FitOptions {
        FitOptions {
            bins: 50,
            seed: 1,
            incremental_sd_grid: vec![0.05, 0.1, 0.15, 0.2, 0.3],
            extreme_sd: FraudStrength::default().extreme_sd,
            extreme_max: 0.3,
            share_offsets: vec![-0.04, -0.03, -0.02, -0.01, 0.0, 0.01],
            honest: None,
        }
    }
}

/// Resolution of the fitted fractions: `f_e` moves in steps of 0.005, `f_i` in steps of 0.01.
pub const FRACTION_STEP: f64 = 0.005;

/// Model stations simulated at least (real stations are replicated up to 20 times).
pub const MODEL_STATIONS: usize = 400_000;

/// The result of the fit.
#[derive(Debug, Clone, PartialEq)]
pub struct FraudFit {
    /// Fitted share of stations with incremental fraud.
    pub incremental: f64,
    /// Fitted share of stations with extreme fraud.
    pub extreme: f64,
    /// Fitted σ_x.
    pub incremental_sd: f64,
    pub extreme_sd: f64,
    pub honest: HonestParameters,
    /// Symmetric chi-square distance Σ (m − d)² / (m + d) between the normalised fingerprints.
    pub distance: f64,
    /// The same distance for the best model without any fraud, to show what fraud explains.
    pub distance_without_fraud: f64,
    /// The data's fingerprint at the fit's resolution (weights: voters who came).
    pub data: Histogram2d,
    /// The fitted model's fingerprint at the same resolution.
    pub model: Histogram2d,
    pub seed: u64,
    pub explanation: Explanation,
}

/// Fits `f_i`, `f_e`, σ_x and the honest share's centre to the fingerprint of `stations`.
pub fn fit_fraud_model(stations: &Stations, options: &FitOptions) -> FraudFit {
    let bins = options.bins.max(2);
    let estimated = options.honest.unwrap_or_else(|| estimate_honest(stations));
    let data = data_histogram(stations, bins);
    let offsets = if options.share_offsets.is_empty() { vec![0.0] } else { options.share_offsets.clone() };
    let fits: Vec<InnerFit> = offsets
        .par_iter()
        .map(|offset| {
            let honest = HonestParameters { share_mean: (estimated.share_mean + offset).clamp(0.0, 1.0), ..estimated };
            fit_with_honest(stations, options, honest, &data)
        })
        .collect();
    let best = fits
        .iter()
        .fold(&fits[0], |best, fit| if fit.distance < best.distance { fit } else { best })
        .clone();
    let distance_without_fraud = fits.iter().map(|f| f.distance_without_fraud).fold(f64::INFINITY, f64::min);
    let honest = best.honest;
    let sds = &options.incremental_sd_grid;
    FraudFit {
        incremental: best.incremental,
        extreme: best.extreme,
        incremental_sd: best.incremental_sd,
        extreme_sd: options.extreme_sd,
        honest,
        distance: best.distance,
        distance_without_fraud,
        data,
        model: best.model,
        seed: options.seed,
        explanation: Explanation {
            title: "Fraud-model fit (Klimek et al. 2012)",
            shows: "How much of the fingerprint is explained by a simple model of ballot stuffing: \
                    f_i is the share of stations that added a modest number of votes for the \
                    leader, f_e the share that reported nearly everyone voting for the leader. \
                    The model's fingerprint is drawn beside the data's so the fit can be judged by eye.",
            cannot_show: "Whether the model is the true cause: an honest election in which some \
                          regions vote unanimously with high turnout is also fitted with f_e > 0. \
                          The fractions are the model's best description of the picture, not a \
                          count of falsified stations. f_i is only weakly determined: modest \
                          stuffing at many stations looks like a wider honest cloud, so on \
                          synthetic tests it is underestimated; read it as a lower bound at best.",
            inputs: format!(
                "{} usable stations with their registered voters; honest turnout N({:.3}, {:.3}) and \
                 leader's share N({:.3}, {:.3}) fitted to the lower side of each peak (the share's \
                 centre also searched with the fractions, shifts {:?}); {bins}×{bins} bins; f_e in \
                 steps of 0.005 up to {:.2}, f_i in steps of 0.01, σ_x from {:?}, θ = {}; seed {}",
                stations.usable_count(),
                honest.turnout_mean,
                honest.turnout_sd,
                honest.share_mean,
                honest.share_sd,
                offsets,
                options.extreme_max,
                sds,
                options.extreme_sd,
                options.seed
            ),
        },
    }
}

#[derive(Clone)]
struct InnerFit {
    incremental: f64,
    extreme: f64,
    incremental_sd: f64,
    honest: HonestParameters,
    distance: f64,
    distance_without_fraud: f64,
    model: Histogram2d,
}

/// The grid search for given honest parameters.
fn fit_with_honest(stations: &Stations, options: &FitOptions, honest: HonestParameters, data: &Histogram2d) -> InnerFit {
    let bins = data.bins;
    let cells = bins * bins;
    let data_normalized = data.normalized();

    let slices = (1.0 / FRACTION_STEP).round() as usize;
    let sds = &options.incremental_sd_grid;
    // Per slice of u: summed cells of the honest, extreme and (per σ_x) incremental outcomes.
    let mut honest_slices = vec![0.0; slices * cells];
    let mut extreme_slices = vec![0.0; slices * cells];
    let mut incremental_slices = vec![vec![0.0; slices * cells]; sds.len()];
    let mut rng = seeded_rng(options.seed, 1_000_003);
    let extreme_strength = FraudStrength { incremental_sd: 0.0, extreme_sd: options.extreme_sd };
    // Several model stations per real one, so that the model's own sampling noise stays well
    // below the differences the search must tell apart.
    let replicas = (MODEL_STATIONS / stations.usable_count().max(1)).clamp(1, 20);
    for station in 0..stations.len() {
        if !stations.usable()[station] {
            continue;
        }
        let size = f64::from(stations.registered()[station]) / replicas as f64;
        for _ in 0..replicas {
            let turnout = (honest.turnout_mean + honest.turnout_sd * standard_normal(&mut rng)).clamp(0.0, 1.0);
            let share = (honest.share_mean + honest.share_sd * standard_normal(&mut rng)).clamp(0.0, 1.0);
            let u: f64 = rng.random();
            let slice = ((u / FRACTION_STEP) as usize).min(slices - 1);
            let z_incremental = standard_normal(&mut rng).abs();
            let x_extreme = extreme_strength.extreme(&mut rng);

            let base = slice * cells;
            let (cell, weight) = model_cell(turnout, share, 0.0, size, bins);
            honest_slices[base + cell] += weight;
            let (cell, weight) = model_cell(turnout, share, x_extreme, size, bins);
            extreme_slices[base + cell] += weight;
            for (k, sd) in sds.iter().enumerate() {
                let (cell, weight) = model_cell(turnout, share, (sd * z_incremental).min(1.0), size, bins);
                incremental_slices[k][base + cell] += weight;
            }
        }
    }
    let honest_prefix = prefix_sums(&honest_slices, slices, cells);
    let extreme_prefix = prefix_sums(&extreme_slices, slices, cells);
    let incremental_prefix: Vec<Vec<f64>> =
        incremental_slices.iter().map(|s| prefix_sums(s, slices, cells)).collect();

    let extreme_steps = ((options.extreme_max / FRACTION_STEP).round() as usize).min(slices);
    // Only cells where the data or some model outcome has weight can add to the distance.
    let full = slices * cells;
    let active: Vec<usize> = (0..cells)
        .filter(|&c| {
            data_normalized.weights[c] > 0.0
                || honest_prefix[full + c] > 0.0
                || extreme_prefix[full + c] > 0.0
                || incremental_prefix.iter().any(|p| p[full + c] > 0.0)
        })
        .collect();
    let width = active.len();
    let compact = |prefix: &[f64]| -> Vec<f64> {
        (0..=slices).flat_map(|j| active.iter().map(move |&c| prefix[j * cells + c])).collect()
    };
    let honest_c = compact(&honest_prefix);
    let extreme_c = compact(&extreme_prefix);
    // D = incremental − honest: the change when the stations of a slice turn from honest to
    // incremental, so a model is base(f_e) + D[f_e + f_i].
    let difference_c: Vec<Vec<f64>> = incremental_prefix
        .iter()
        .map(|p| compact(p).iter().zip(&honest_c).map(|(i, h)| i - h).collect())
        .collect();
    let data_c: Vec<f64> = active.iter().map(|&c| data_normalized.weights[c]).collect();
    let totals = |rows: &[f64]| -> Vec<f64> { rows.chunks(width.max(1)).map(|r| r.iter().sum()).collect() };
    let (honest_t, extreme_t) = (totals(&honest_c), totals(&extreme_c));
    let difference_t: Vec<Vec<f64>> = difference_c.iter().map(|d| totals(d)).collect();

    // Model with stations in slices [0, e) extreme, [e, ie) incremental (σ_x index k), rest honest:
    // extreme[e] + (incremental[ie] − incremental[e]) + (honest[S] − honest[ie])
    // = extreme[e] − D[e] − honest[e] + honest[S] + D[ie].
    let model_into = |k: usize, e: usize, ie: usize, out: &mut Vec<f64>| {
        let d = &difference_c[k];
        out.clear();
        out.extend((0..width).map(|c| {
            extreme_c[e * width + c] - d[e * width + c] - honest_c[e * width + c]
                + honest_c[slices * width + c]
                + d[ie * width + c]
        }));
    };
    let evaluate = |k: usize, e: usize, ie: usize| -> f64 {
        let d = &difference_c[k];
        let total = extreme_t[e] - difference_t[k][e] - honest_t[e] + honest_t[slices] + difference_t[k][ie];
        if total <= 0.0 {
            return f64::INFINITY;
        }
        let scale = 1.0 / total;
        // Symmetric chi-square distance: a cell's difference counts relative to its height,
        // so the sparse upper-right region where fraud leaves its trace is not drowned by the
        // sampling noise of the dense honest peak.
        let mut distance = 0.0;
        for c in 0..width {
            let m = (extreme_c[e * width + c] - d[e * width + c] - honest_c[e * width + c]
                + honest_c[slices * width + c]
                + d[ie * width + c])
                * scale;
            let sum = m + data_c[c];
            if sum > 0.0 {
                distance += (m - data_c[c]) * (m - data_c[c]) / sum;
            }
        }
        distance
    };
    // Coarse pass: f_e in steps of 0.01, f_i in steps of 0.02, every σ_x.
    let mut best = (f64::INFINITY, 0usize, 0usize, 0usize);
    let consider = |k: usize, e: usize, ie: usize, best: &mut (f64, usize, usize, usize)| {
        let distance = evaluate(k, e, ie);
        if distance < best.0 {
            *best = (distance, k, e, ie);
        }
    };
    for k in 0..sds.len() {
        for e in (0..=extreme_steps).step_by(2) {
            for ie in (e..=slices).step_by(4) {
                consider(k, e, ie, &mut best);
            }
        }
    }
    // Fine pass around the best: f_e in steps of 0.005, f_i in steps of 0.01, neighbouring σ_x.
    let (_, k0, e0, ie0) = best;
    let fraud0 = ie0 - e0;
    for k in k0.saturating_sub(1)..=(k0 + 1).min(sds.len() - 1) {
        for e in e0.saturating_sub(2)..=(e0 + 2).min(extreme_steps) {
            for fraud in (fraud0.saturating_sub(4)..=fraud0 + 4).step_by(2) {
                if e + fraud <= slices {
                    consider(k, e, e + fraud, &mut best);
                }
            }
        }
    }
    let (distance, k, e, ie) = best;
    let mut compact_model = Vec::with_capacity(width);
    model_into(k, e, ie, &mut compact_model);
    let mut model = vec![0.0; cells];
    for (&c, &m) in active.iter().zip(&compact_model) {
        model[c] = m;
    }
    let distance_without_fraud = (0..sds.len()).map(|k| evaluate(k, 0, 0)).fold(f64::INFINITY, f64::min);

    InnerFit {
        incremental: (ie - e) as f64 * FRACTION_STEP,
        extreme: e as f64 * FRACTION_STEP,
        incremental_sd: sds.get(k).copied().unwrap_or(0.0),
        honest,
        distance,
        distance_without_fraud,
        model: Histogram2d { bins, weights: model },
    }
}

/// Estimates the honest distributions from the lower side of each quantity's main peak
/// (stations counted once).
pub fn estimate_honest(stations: &Stations) -> HonestParameters {
    let usable: Vec<usize> = (0..stations.len()).filter(|&i| stations.usable()[i]).collect();
    let turnout: Vec<f64> = usable.iter().map(|&i| stations.turnout(i).min(1.0)).collect();
    let share: Vec<f64> = usable.iter().map(|&i| stations.leader_share(i)).collect();
    let (turnout_mean, turnout_sd) = mode_and_lower_spread(&turnout);
    let (share_mean, share_sd) = mode_and_lower_spread(&share);
    HonestParameters { turnout_mean, turnout_sd, share_mean, share_sd }
}

/// The centre and spread of the main peak of values in [0, 1], from its lower side.
///
/// Starts from the smoothed mode and the root mean square distance to it of the values
/// below, then fits a normal curve to the histogram (0.5 % bins) from 2.5 spreads below the
/// peak to a quarter spread above it: a parabola fitted to the logarithm of the counts,
/// weighted by the counts. The fit uses dozens of bins, so it is far steadier than the mode.
pub fn mode_and_lower_spread(values: &[f64]) -> (f64, f64) {
    let mode = smoothed_mode(values, 0.05, 0.95);
    let (sum, count) = values
        .iter()
        .filter(|&&v| v < mode)
        .fold((0.0, 0usize), |(sum, count), &v| (sum + (v - mode) * (v - mode), count + 1));
    let spread = if count > 1 { (sum / count as f64).sqrt() } else { 0.01 };
    let (mut centre, mut spread) = (mode, spread.max(0.005));
    const BINS: usize = 200;
    let mut counts = [0.0f64; BINS];
    for &v in values {
        counts[bin_of(v, BINS)] += 1.0;
    }
    for _ in 0..3 {
        match fit_log_parabola(&counts, centre - 2.5 * spread, centre + 0.25 * spread) {
            Some((c, s)) if (0.0..=1.0).contains(&c) && s > 0.002 && s < 0.5 => {
                centre = c;
                spread = s;
            }
            _ => break,
        }
    }
    (centre, spread)
}

/// Fits ln(count) = a + b·x + c·x² over the bins whose centres lie in [from, to], weighted by
/// the counts, and returns the normal curve's centre −b/(2c) and spread √(−1/(2c)).
fn fit_log_parabola(counts: &[f64], from: f64, to: f64) -> Option<(f64, f64)> {
    let bins = counts.len();
    // Weighted normal equations of the least-squares fit, in x centred on the window.
    let middle = (from + to) / 2.0;
    let mut m = [[0.0f64; 3]; 3];
    let mut r = [0.0f64; 3];
    let mut used = 0;
    for (b, &count) in counts.iter().enumerate() {
        let x = (b as f64 + 0.5) / bins as f64;
        if x < from || x > to || count < 1.0 {
            continue;
        }
        used += 1;
        let dx = x - middle;
        let basis = [1.0, dx, dx * dx];
        let y = count.ln();
        for i in 0..3 {
            for j in 0..3 {
                m[i][j] += count * basis[i] * basis[j];
            }
            r[i] += count * basis[i] * y;
        }
    }
    if used < 5 {
        return None;
    }
    let [_, b, c] = solve3(m, r)?;
    if c >= 0.0 {
        return None;
    }
    Some((middle - b / (2.0 * c), (-1.0 / (2.0 * c)).sqrt()))
}

/// Solves a 3×3 linear system by Cramer's rule.
fn solve3(m: [[f64; 3]; 3], r: [f64; 3]) -> Option<[f64; 3]> {
    let det = |a: [[f64; 3]; 3]| {
        a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
            + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
    };
    let d = det(m);
    if d.abs() < 1e-300 {
        return None;
    }
    let mut out = [0.0; 3];
    for (k, slot) in out.iter_mut().enumerate() {
        let mut a = m;
        for i in 0..3 {
            a[i][k] = r[i];
        }
        *slot = det(a) / d;
    }
    Some(out)
}

/// The centre of the fullest 1 % bin between `low` and `high` after a 5-bin moving average.
pub fn smoothed_mode(values: &[f64], low: f64, high: f64) -> f64 {
    let mut counts = [0.0f64; 100];
    for &v in values {
        counts[bin_of(v, 100)] += 1.0;
    }
    let smoothed: Vec<f64> = (0..100usize)
        .map(|b| {
            let from = b.saturating_sub(2);
            let to = (b + 2).min(99);
            counts[from..=to].iter().sum::<f64>() / (to - from + 1) as f64
        })
        .collect();
    let from = (low * 100.0) as usize;
    let to = ((high * 100.0) as usize).min(99);
    let best = (from..=to).fold(from, |best, b| if smoothed[b] > smoothed[best] { b } else { best });
    (best as f64 + 0.5) / 100.0
}

/// The data's fingerprint at `bins` per axis, weighted by voters who came.
fn data_histogram(stations: &Stations, bins: usize) -> Histogram2d {
    let mut histogram = Histogram2d::new(bins);
    for i in 0..stations.len() {
        if stations.usable()[i] {
            histogram.add(stations.turnout(i), stations.leader_share(i), f64::from(stations.came()[i]));
        }
    }
    histogram
}

/// Where a model station lands after moving a fraction `x` of its non-voters and of the
/// other candidates' votes to the leader, and how many voters it then reports.
fn model_cell(turnout: f64, share: f64, x: f64, size: f64, bins: usize) -> (usize, f64) {
    let new_turnout = turnout + x * (1.0 - turnout);
    let leader = share * turnout + x * (1.0 - turnout) + x * turnout * (1.0 - share);
    let new_share = if new_turnout > 0.0 { leader / new_turnout } else { 0.0 };
    (bin_of(new_turnout, bins) * bins + bin_of(new_share, bins), size * new_turnout)
}

/// Cumulative sums over slices: row j holds the sum of slices 0..j (j = 0..=slices).
fn prefix_sums(per_slice: &[f64], slices: usize, cells: usize) -> Vec<f64> {
    let mut prefix = vec![0.0; (slices + 1) * cells];
    for j in 0..slices {
        for c in 0..cells {
            prefix[(j + 1) * cells + c] = prefix[j * cells + c] + per_slice[j * cells + c];
        }
    }
    prefix
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fraud_moves_stations_up_and_right() {
        // Honest 50 % turnout, 40 % share: moving half of the non-voters and half of the
        // others' votes gives turnout 0.75 and share (0.2 + 0.25 + 0.15) / 0.75 = 0.8.
        let (cell, weight) = model_cell(0.5, 0.4, 0.5, 1000.0, 100);
        assert_eq!(cell, 75 * 100 + 80);
        assert!((weight - 750.0).abs() < 1e-9);
        let (cell, _) = model_cell(0.5, 0.4, 1.0, 1000.0, 100);
        assert_eq!(cell, 99 * 100 + 99);
    }

    #[test]
    fn mode_ignores_a_spike_beyond_the_search_range() {
        let mut values: Vec<f64> = (0..1000).map(|i| 0.4 + 0.2 * (i as f64 / 1000.0)).collect();
        values.extend(std::iter::repeat_n(0.99, 3000));
        let mode = smoothed_mode(&values, 0.05, 0.95);
        assert!((0.39..0.61).contains(&mode), "{mode}");
    }
}
