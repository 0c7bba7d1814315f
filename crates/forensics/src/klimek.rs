//! The fraud model of Klimek, Yegorov, Hanel and Thurner (PNAS 109, 16469, 2012), fitted to
//! an election's fingerprint.
//!
//! The model: every station draws an honest turnout and leader's share from normal
//! distributions. With probability `f_i` ("incremental fraud") it then gives the leader a
//! fraction x ~ |N(0, σ_x)| of its non-voters (ballot stuffing) and the same fraction of the
//! other candidates' votes (rewriting); with probability `f_e` ("extreme fraud") it does the
//! same with x ~ 1 − |N(0, θ)|, which puts it near 100 % turnout and 100 % for the leader.
//! [`crate::synthetic`] injects fraud by exactly this rule, so the fit can be checked against
//! a known answer. `f_i`, `f_e` and σ_x are found, as in the paper, by minimising the
//! distance between the model's fingerprint and the data's (θ is fixed).
//!
//! The model's fingerprint is computed as an expectation, not simulated: for each honest
//! turnout (integrated in slices a quarter of a bin wide) and each fraud fraction (24 strata
//! of equal probability), the new share is an affine function of the honest share, so its
//! cells are exact normal probabilities. The fit is therefore deterministic, free of the
//! sampling noise that a simulated model adds, and a model costs about a millisecond.
//!
//! The honest parameters. The paper reads them from the data: the mode of each distribution
//! and the width of its lower side. Read directly, that estimate is pulled by the fraud
//! itself: x ~ |N(0, σ_x)| is most often small, so many falsified stations move only a little
//! and stay in the peak, shifting it up and to the right; a model with that shifted honest
//! cloud then needs little incremental fraud, and `f_i` collapses (to 0.0–0.2 for an injected
//! 0.3–0.5 in our tests). The fit therefore applies the same peak reading to the fitted
//! model's own distributions and moves the honest parameters until the model's peaks match
//! the data's (a few rounds of this correction, each followed by a new fit of the fractions):
//! the estimate the paper prescribes, made consistent with the fraud it is meant to exclude.
//!
//! Measured accuracy (synthetic elections of 100,000 stations in 10 regions, binomial counts,
//! incremental fraud with σ_x = 0.2, seeds 5–11, injected `f_i` of 0.1, 0.3 and 0.5 with `f_e`
//! of 0.03, 0.05 and 0.02): `f_i` within ±0.06 of the truth in 19 of 21 cases, the worst
//! −0.09 and −0.12; it leans low (mean error −0.025; the cause is not pinned down: the lean
//! remains in elections of a single region, so it is not the regional mixture). `f_e` within
//! ±0.005 in every case, σ_x within 0.016 of 0.2, and `f_i` ≤ 0.02 for a clean election. The
//! test `fit_recovers_injected_fractions` asserts |f_i − true| ≤ 0.07 and |f_e − true| ≤ 0.01
//! for seeds 5 and 6. With 20,000 stations the error of `f_i` grows to about ±0.1 (one seed).
//!
//! What the fit cannot do: fraud that moves stations by less than the honest spread (σ_x
//! below about the honest standard deviation, 0.08 in our tests) cannot be told apart from a
//! slightly wider and shifted honest cloud. Searched freely, σ_x of 0.05–0.07 then "finds"
//! `f_i` of 0.3–0.8 in a clean election, so σ_x is searched from [`MIN_INCREMENTAL_SD`] up;
//! and injected fraud with σ_x = 0.1 is fitted with `f_i` of 0.0–0.06 whatever its true share.
//! For such mild stuffing `f_i` is a lower bound, and `f_e` is unaffected. On small elections
//! (the report's test case has 300 stations) the correction can run to the degenerate answer
//! "almost every station stuffed, honest centre lower" (`f_i` ≈ 0.97 there): the peaks then
//! carry too little information to pin the honest centre.

use crate::fingerprint::{Histogram2d, bin_of};
use crate::stats::{normal_upper_tail, standard_normal};
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

/// Where a station with turnout `turnout` and leader's share `share` lands after a fraction
/// `x` of its non-voters and the same fraction of the other candidates' votes are given to the
/// leader: (new turnout, new share).
pub fn fraud_move(turnout: f64, share: f64, x: f64) -> (f64, f64) {
    let new_turnout = turnout + x * (1.0 - turnout);
    let leader = share * turnout * (1.0 - x) + x;
    (new_turnout, if new_turnout > 0.0 { leader / new_turnout } else { 0.0 })
}

/// The honest part of the model: normal turnout and leader's share.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HonestParameters {
    pub turnout_mean: f64,
    pub turnout_sd: f64,
    pub share_mean: f64,
    pub share_sd: f64,
}

/// What the fit searches and how.
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    /// Bins per axis of the fingerprints compared.
    pub bins: usize,
    /// σ_x fixed, or `None` to fit it with the fractions.
    pub incremental_sd: Option<f64>,
    /// θ, fixed.
    pub extreme_sd: f64,
    /// Largest `f_e` tried.
    pub extreme_max: f64,
    /// Honest parameters to start from instead of the data's peaks (and to use as they are
    /// when `refine_honest` is off).
    pub honest: Option<HonestParameters>,
    /// Correct the honest parameters for the pull of the fitted fraud on the peaks.
    pub refine_honest: bool,
    /// How the fingerprints are compared.
    pub distance: Distance,
    /// Most rounds of correcting the honest parameters.
    pub corrections: usize,
}

impl Default for FitOptions {
    fn default() -> FitOptions {
        FitOptions {
            bins: 50,
            incremental_sd: None,
            extreme_sd: FraudStrength::default().extreme_sd,
            extreme_max: 0.3,
            honest: None,
            refine_honest: true,
            distance: Distance::ChiSquare,
            corrections: 8,
        }
    }
}

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
    /// Distance between the normalised fingerprints of model and data ([`FitOptions::distance`]).
    pub distance: f64,
    /// The same distance for the fitted honest part alone (no fraud), to show what fraud explains.
    pub distance_without_fraud: f64,
    /// The data's fingerprint at the fit's resolution (weights: voters who came).
    pub data: Histogram2d,
    /// The fitted model's fingerprint at the same resolution.
    pub model: Histogram2d,
    pub explanation: Explanation,
}

/// Fits `f_i`, `f_e`, σ_x and the honest parameters to the fingerprint of `stations`.
pub fn fit_fraud_model(stations: &Stations, options: &FitOptions) -> FraudFit {
    let bins = options.bins.max(2);
    let data = data_histogram(stations, bins);
    let data_normalized = data.normalized().weights;
    let observed = options.honest.unwrap_or_else(|| estimate_honest(stations));
    let scale = stations.usable_count() as f64;
    let mut honest = observed;
    let mut fit = fit_fractions(&honest, options, &data_normalized, bins);
    let mut corrections = 0;
    if options.refine_honest {
        for _ in 0..options.corrections {
            let peaks = model_peaks(&honest, &fit, options.extreme_sd, scale);
            let next = HonestParameters {
                turnout_mean: (honest.turnout_mean + observed.turnout_mean - peaks.turnout_mean).clamp(0.0, 1.0),
                turnout_sd: (honest.turnout_sd + observed.turnout_sd - peaks.turnout_sd).clamp(0.003, 0.5),
                share_mean: (honest.share_mean + observed.share_mean - peaks.share_mean).clamp(0.0, 1.0),
                share_sd: (honest.share_sd + observed.share_sd - peaks.share_sd).clamp(0.003, 0.5),
            };
            let change = (next.turnout_mean - honest.turnout_mean)
                .abs()
                .max((next.turnout_sd - honest.turnout_sd).abs())
                .max((next.share_mean - honest.share_mean).abs())
                .max((next.share_sd - honest.share_sd).abs());
            honest = next;
            fit = fit_fractions(&honest, options, &data_normalized, bins);
            corrections += 1;
            if change < 2e-4 {
                break;
            }
        }
    }
    let model = mix(&fit.components, fit.incremental, fit.extreme);
    let distance_without_fraud = distance_of(&mix(&fit.components, 0.0, 0.0), &data_normalized, options.distance);
    FraudFit {
        incremental: fit.incremental,
        extreme: fit.extreme,
        incremental_sd: fit.incremental_sd,
        extreme_sd: options.extreme_sd,
        honest,
        distance: fit.distance,
        distance_without_fraud,
        data,
        model: Histogram2d { bins, weights: model },
        explanation: Explanation {
            title: "Fraud-model fit (Klimek et al. 2012)",
            shows: "How much of the fingerprint is explained by the paper's model of ballot \
                    stuffing: f_i is the share of stations that added a modest number of votes for \
                    the leader (a fraction of non-voters and of the others' votes, of typical size \
                    σ_x), f_e the share that reported nearly everyone voting for the leader. On \
                    synthetic elections of 100,000 stations the fit recovers injected f_i within \
                    about ±0.06 (tending to underestimate it; worst seen −0.12) and f_e within \
                    ±0.005. The model's fingerprint is drawn beside the data's \
                    so the fit can be judged by eye.",
            cannot_show: "Whether the model is the true cause: an honest election in which some \
                          regions vote unanimously with high turnout is also fitted with f_e > 0, \
                          and regional differences in turnout and support can look like \
                          incremental fraud. The fractions are the model's best description of \
                          the picture, not a count of falsified stations. Stuffing that moves \
                          stations by less than the honest spread (σ_x below about 0.15) cannot be \
                          told from a wider honest cloud: for it f_i is a lower bound. On small \
                          elections (a few thousand stations or fewer) the fit is unreliable and \
                          can drift to f_i near 1 with a lowered honest centre.",
            inputs: format!(
                "{} usable stations; honest turnout N({:.3}, {:.3}) and leader's share N({:.3}, {:.3}): \
                 the mode and lower-side width of each distribution, corrected in {corrections} \
                 rounds for the pull of the fitted fraud; {bins}×{bins} bins, voters as weights; \
                 distance Σ(m − d)²/(m + d); f_i in steps of 0.01, f_e in steps of 0.005 up to \
                 {:.2}; σ_x searched from {MIN_INCREMENTAL_SD}; θ = {}; the model's fingerprint \
                 is an exact expectation (no random draws)",
                stations.usable_count(),
                honest.turnout_mean,
                honest.turnout_sd,
                honest.share_mean,
                honest.share_sd,
                options.extreme_max,
                options.extreme_sd
            ),
        },
    }
}

/// The fractions and σ_x that fit best for given honest parameters.
struct FractionsFit {
    distance: f64,
    incremental: f64,
    extreme: f64,
    incremental_sd: f64,
    components: Components,
}

fn fit_fractions(honest: &HonestParameters, options: &FitOptions, data: &[f64], bins: usize) -> FractionsFit {
    let at = |sd: f64| -> FractionsFit {
        let components = components(honest, sd, options.extreme_sd, bins);
        let (distance, incremental, extreme) = best_fractions(&components, data, options.extreme_max, options.distance);
        FractionsFit { distance, incremental, extreme, incremental_sd: sd, components }
    };
    if let Some(sd) = options.incremental_sd {
        return at(sd);
    }
    // A coarse grid of σ_x, then a golden-section search on ln σ_x between the neighbours of
    // the best grid point.
    let grid = [MIN_INCREMENTAL_SD, 0.2, 0.28, 0.4, 0.55];
    let fits: Vec<FractionsFit> = grid.par_iter().map(|&sd| at(sd)).collect();
    let best = (0..grid.len()).fold(0, |best, k| if fits[k].distance < fits[best].distance { k } else { best });
    let (mut low, mut high) = (grid[best.saturating_sub(1)].ln(), grid[(best + 1).min(grid.len() - 1)].ln());
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let mut best_fit = fits.into_iter().nth(best).expect("grid is not empty");
    let (mut a, mut b) = (high - ratio * (high - low), low + ratio * (high - low));
    let (mut fa, mut fb) = (at(a.exp()), at(b.exp()));
    for _ in 0..10 {
        if fa.distance < fb.distance {
            high = b;
            b = a;
            a = high - ratio * (high - low);
            let fa_new = at(a.exp());
            fb = std::mem::replace(&mut fa, fa_new);
        } else {
            low = a;
            a = b;
            b = low + ratio * (high - low);
            let fb_new = at(b.exp());
            fa = std::mem::replace(&mut fb, fb_new);
        }
    }
    for candidate in [fa, fb] {
        if candidate.distance < best_fit.distance {
            best_fit = candidate;
        }
    }
    // Reported to three decimals, and fitted at the value reported.
    let rounded = (best_fit.incremental_sd * 1000.0).round() / 1000.0;
    if rounded == best_fit.incremental_sd { best_fit } else { at(rounded) }
}

/// The peaks (mode and lower-side width, as [`estimate_honest`] reads them from the data) of
/// the fitted model's turnout and share distributions, in stations.
fn model_peaks(honest: &HonestParameters, fit: &FractionsFit, extreme_sd: f64, stations: f64) -> HonestParameters {
    let strata = half_normal_strata(STRATA);
    let incremental: Vec<f64> = strata.iter().map(|m| (fit.incremental_sd * m).min(1.0)).collect();
    let extreme: Vec<f64> = strata.iter().map(|m| (1.0 - extreme_sd * m).max(0.0)).collect();
    let mut turnout = vec![0.0; PEAK_BINS];
    let mut share = vec![0.0; PEAK_BINS];
    let parts = [(1.0 - fit.incremental - fit.extreme, vec![0.0]), (fit.incremental, incremental), (fit.extreme, extreme)];
    for (fraction, xs) in parts {
        if fraction <= 0.0 {
            continue;
        }
        let cells = expected_fingerprint(honest, &xs, PEAK_BINS, false);
        for t in 0..PEAK_BINS {
            for v in 0..PEAK_BINS {
                let w = cells[t * PEAK_BINS + v] * fraction * stations;
                turnout[t] += w;
                share[v] += w;
            }
        }
    }
    honest_from_peaks(&turnout, &share)
}

fn distance_of(model: &[f64], data: &[f64], distance: Distance) -> f64 {
    model
        .iter()
        .zip(data)
        .map(|(&m, &d)| match distance {
            Distance::Squared => (m - d) * (m - d),
            Distance::ChiSquare => {
                if m + d > 0.0 { (m - d) * (m - d) / (m + d) } else { 0.0 }
            }
        })
        .sum()
}

/// How model and data fingerprints are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distance {
    /// Σ (m − d)², as in the paper.
    Squared,
    /// Σ (m − d)² / (m + d): each cell's difference relative to its height.
    ChiSquare,
}

/// The model's three expected fingerprints for given honest parameters and fraud strengths.
struct Components {
    honest: Vec<f64>,
    incremental: Vec<f64>,
    extreme: Vec<f64>,
}

fn components(honest: &HonestParameters, incremental_sd: f64, extreme_sd: f64, bins: usize) -> Components {
    let strata = half_normal_strata(STRATA);
    let incremental: Vec<f64> = strata.iter().map(|m| (incremental_sd * m).min(1.0)).collect();
    let extreme: Vec<f64> = strata.iter().map(|m| (1.0 - extreme_sd * m).max(0.0)).collect();
    Components {
        honest: expected_fingerprint(honest, &[0.0], bins, true),
        incremental: expected_fingerprint(honest, &incremental, bins, true),
        extreme: expected_fingerprint(honest, &extreme, bins, true),
    }
}

/// The smallest σ_x the fit considers. Fraud that moves a station by less than the honest
/// spread cannot be told apart from a wider honest cloud (on synthetic elections a fitted σ_x
/// of 0.05 to 0.07 "finds" f_i of 0.3 to 0.8 in a clean election), so the search stays above it.
pub const MIN_INCREMENTAL_SD: f64 = 0.15;

/// Strata of the fraud fractions' distributions.
const STRATA: usize = 24;

/// The normalised model fingerprint for fractions `f_i`, `f_e`.
fn mix(c: &Components, incremental: f64, extreme: f64) -> Vec<f64> {
    let honest = 1.0 - incremental - extreme;
    let cells: Vec<f64> = (0..c.honest.len())
        .map(|k| honest * c.honest[k] + incremental * c.incremental[k] + extreme * c.extreme[k])
        .collect();
    let total: f64 = cells.iter().sum();
    cells.into_iter().map(|m| if total > 0.0 { m / total } else { 0.0 }).collect()
}

/// The best (distance, f_i, f_e) for given components: a coarse grid, then a fine one around
/// its best point (f_i in steps of 0.01, f_e in steps of 0.005).
fn best_fractions(c: &Components, data: &[f64], extreme_max: f64, distance: Distance) -> (f64, f64, f64) {
    let active: Vec<usize> = (0..data.len())
        .filter(|&k| data[k] > 0.0 || c.honest[k] > 1e-12 || c.incremental[k] > 1e-12 || c.extreme[k] > 1e-12)
        .collect();
    let (h, i, e, d): (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) = (
        active.iter().map(|&k| c.honest[k]).collect(),
        active.iter().map(|&k| c.incremental[k]).collect(),
        active.iter().map(|&k| c.extreme[k]).collect(),
        active.iter().map(|&k| data[k]).collect(),
    );
    let (th, ti, te) = (h.iter().sum::<f64>(), i.iter().sum::<f64>(), e.iter().sum::<f64>());
    let evaluate = |fi: f64, fe: f64| -> f64 {
        let fh = 1.0 - fi - fe;
        let scale = 1.0 / (fh * th + fi * ti + fe * te);
        let (a, b, g) = (fh * scale, fi * scale, fe * scale);
        let mut sum = 0.0;
        for k in 0..d.len() {
            let m = a * h[k] + b * i[k] + g * e[k];
            let diff = m - d[k];
            sum += match distance {
                Distance::Squared => diff * diff,
                Distance::ChiSquare => {
                    let s = m + d[k];
                    if s > 0.0 { diff * diff / s } else { 0.0 }
                }
            };
        }
        sum
    };
    let mut best = (f64::INFINITY, 0.0, 0.0);
    let extreme_steps = (extreme_max / 0.005).round() as usize;
    for e_step in (0..=extreme_steps).step_by(4) {
        let fe = e_step as f64 * 0.005;
        for i_step in (0..=100).step_by(5) {
            let fi = i_step as f64 * 0.01;
            if fi + fe <= 1.0 {
                let v = evaluate(fi, fe);
                if v < best.0 {
                    best = (v, fi, fe);
                }
            }
        }
    }
    let (_, fi0, fe0) = best;
    let (i0, e0) = ((fi0 / 0.01).round() as i64, (fe0 / 0.005).round() as i64);
    for e_step in (e0 - 4).max(0)..=(e0 + 4).min(extreme_steps as i64) {
        let fe = e_step as f64 * 0.005;
        for i_step in (i0 - 5).max(0)..=(i0 + 5).min(100) {
            let fi = i_step as f64 * 0.01;
            if fi + fe <= 1.0 {
                let v = evaluate(fi, fe);
                if v < best.0 {
                    best = (v, fi, fe);
                }
            }
        }
    }
    best
}

// ---------------------------------------------------------------------------------------
// The model's expected fingerprint.
// ---------------------------------------------------------------------------------------

/// Nodes and weights of a fraud fraction's distribution: `count` strata of equal probability
/// of |Z| (Z standard normal), each represented by its conditional mean, so that the mean is
/// exact and the tail keeps its weight.
fn half_normal_strata(count: usize) -> Vec<f64> {
    let count = count.max(1);
    let mut bounds = Vec::with_capacity(count + 1);
    bounds.push(0.0);
    for k in 1..count {
        // P(|Z| < z) = k / count  <=>  P(Z > z) = (1 - k / count) / 2.
        bounds.push(normal_upper_quantile((1.0 - k as f64 / count as f64) / 2.0));
    }
    bounds.push(f64::INFINITY);
    let density = |z: f64| if z.is_finite() { (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt() } else { 0.0 };
    // E[|Z| ; a < |Z| < b] / P(a < |Z| < b) = 2 (φ(a) − φ(b)) · count.
    bounds.windows(2).map(|w| 2.0 * (density(w[0]) - density(w[1])) * count as f64).collect()
}

/// The z with P(Z > z) = p, by bisection (only a few dozen are needed per fit).
fn normal_upper_quantile(p: f64) -> f64 {
    let (mut low, mut high) = (-40.0f64, 40.0f64);
    for _ in 0..100 {
        let middle = 0.5 * (low + high);
        if normal_upper_tail(middle) > p {
            low = middle;
        } else {
            high = middle;
        }
    }
    0.5 * (low + high)
}

/// Φ(z) from a table with linear interpolation (error below 1e-6), because the expected
/// fingerprint needs a few hundred thousand values per model.
fn normal_cdf(z: f64) -> f64 {
    const RANGE: f64 = 8.0;
    const STEPS_PER_UNIT: f64 = 256.0;
    static TABLE: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let n = (2.0 * RANGE * STEPS_PER_UNIT) as usize;
        (0..=n).map(|i| 1.0 - normal_upper_tail(-RANGE + i as f64 / STEPS_PER_UNIT)).collect()
    });
    if z <= -RANGE {
        return 0.0;
    }
    if z >= RANGE {
        return 1.0;
    }
    let position = (z + RANGE) * STEPS_PER_UNIT;
    let i = position as usize;
    let fraction = position - i as f64;
    table[i] + fraction * (table[i + 1] - table[i])
}

/// The expected fingerprint (unnormalised: expected voters per station, by cell) of stations
/// whose honest turnout and share follow `honest` and which then move a fraction x of their
/// non-voters and of the other candidates' votes to the leader, x taking the values `xs` with
/// equal probability (x = 0: honest stations).
///
/// For a given honest turnout t and fraction x the new share is an affine function of the
/// honest share, v' = (v·t·(1 − x) + x) / t', so its cells are normal probabilities computed
/// exactly; only the turnout is integrated numerically, in slices a quarter of a bin wide.
pub fn expected_fingerprint(honest: &HonestParameters, xs: &[f64], bins: usize, by_voters: bool) -> Vec<f64> {
    let mut cells = vec![0.0; bins * bins];
    let bin_width = 1.0 / bins as f64;
    // Honest turnout: slices a quarter of a bin wide, aligned with the bins, each carrying its
    // exact normal probability (the first and last slices also carry what lies beyond 0 and 1,
    // as the model clamps) and standing at its middle. The honest marginal is then exact.
    let slices = 4 * bins;
    let slice_width = 1.0 / slices as f64;
    let turnout_cdf = |y: f64| normal_cdf((y - honest.turnout_mean) / honest.turnout_sd);
    let first = bin_of(honest.turnout_mean - 6.0 * honest.turnout_sd, slices);
    let last = bin_of(honest.turnout_mean + 6.0 * honest.turnout_sd, slices);
    let nodes: Vec<(f64, f64)> = (first..=last)
        .map(|j| {
            let low = if j == 0 { 0.0 } else { turnout_cdf(j as f64 * slice_width) };
            let high = if j + 1 == slices { 1.0 } else { turnout_cdf((j + 1) as f64 * slice_width) };
            ((j as f64 + 0.5) * slice_width, high - low)
        })
        .collect();
    let total: f64 = nodes.iter().map(|n| n.1).sum::<f64>() * xs.len() as f64;
    let clamped_cdf = |y: f64| -> f64 {
        if y <= 0.0 {
            0.0
        } else if y > 1.0 {
            1.0
        } else {
            normal_cdf((y - honest.share_mean) / honest.share_sd)
        }
    };
    for &(t, node_weight) in &nodes {
        for &x in xs {
            let new_turnout = t + x * (1.0 - t);
            if new_turnout <= 0.0 {
                continue;
            }
            let weight = if by_voters { node_weight / total * new_turnout } else { node_weight / total };
            let row = bin_of(new_turnout, bins) * bins;
            let slope = t * (1.0 - x) / new_turnout;
            let offset = x / new_turnout;
            if slope <= 1e-12 {
                cells[row + bin_of(offset, bins)] += weight;
                continue;
            }
            // Share cells reachable: honest share within 6 sd (and clamped to [0, 1]).
            let low = offset + slope * (honest.share_mean - 6.0 * honest.share_sd).max(0.0);
            let high = offset + slope * (honest.share_mean + 6.0 * honest.share_sd).min(1.0);
            let (first, last) = (bin_of(low, bins), bin_of(high, bins));
            let mut below = 0.0;
            for k in first..=last {
                let upper = if k + 1 == bins { 1.0 } else { clamped_cdf(((k + 1) as f64 * bin_width - offset) / slope) };
                let upper = if k == last { 1.0 } else { upper };
                cells[row + k] += weight * (upper - below);
                below = upper;
            }
        }
    }
    cells
}

/// Bins of the one-dimensional distributions the honest peak is read from.
const PEAK_BINS: usize = 200;

/// Estimates the honest distributions from the main peak of each quantity (stations counted
/// once): its mode and the width of its lower side, as the paper does.
pub fn estimate_honest(stations: &Stations) -> HonestParameters {
    let (mut turnout, mut share) = (vec![0.0; PEAK_BINS], vec![0.0; PEAK_BINS]);
    for i in (0..stations.len()).filter(|&i| stations.usable()[i]) {
        turnout[bin_of(stations.turnout(i), PEAK_BINS)] += 1.0;
        share[bin_of(stations.leader_share(i), PEAK_BINS)] += 1.0;
    }
    honest_from_peaks(&turnout, &share)
}

fn honest_from_peaks(turnout: &[f64], share: &[f64]) -> HonestParameters {
    let (turnout_mean, turnout_sd) = peak_of_counts(turnout);
    let (share_mean, share_sd) = peak_of_counts(share);
    HonestParameters { turnout_mean, turnout_sd, share_mean, share_sd }
}

/// The centre and spread of the main peak of values in [0, 1], from its lower side.
pub fn mode_and_lower_spread(values: &[f64]) -> (f64, f64) {
    let mut counts = vec![0.0; PEAK_BINS];
    for &v in values {
        counts[bin_of(v, PEAK_BINS)] += 1.0;
    }
    peak_of_counts(&counts)
}

/// The centre and spread of the main peak of a histogram over [0, 1] ([`PEAK_BINS`] bins).
///
/// Starts from the smoothed mode and the root mean square distance to it of the values
/// below, then fits a normal curve to the histogram from 2.5 spreads below the peak to a
/// quarter spread above it: a parabola fitted to the logarithm of the counts, weighted by the
/// counts. The fit uses dozens of bins, so it is far steadier than the mode.
fn peak_of_counts(counts: &[f64]) -> (f64, f64) {
    let coarse: Vec<f64> = counts.chunks(2).map(|pair| pair.iter().sum()).collect();
    let mode = smoothed_mode_of_counts(&coarse, 0.05, 0.95);
    let (mut sum, mut count) = (0.0, 0.0);
    for (b, &c) in counts.iter().enumerate() {
        let v = (b as f64 + 0.5) / PEAK_BINS as f64;
        if v < mode {
            sum += c * (v - mode) * (v - mode);
            count += c;
        }
    }
    let spread = if count > 1.0 { (sum / count).sqrt() } else { 0.01 };
    let (mut centre, mut spread) = (mode, spread.max(0.005));
    for _ in 0..3 {
        match fit_log_parabola(counts, centre - 2.5 * spread, centre + 0.25 * spread) {
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
    smoothed_mode_of_counts(&counts, low, high)
}

/// [`smoothed_mode`] of a histogram of 100 bins over [0, 1].
fn smoothed_mode_of_counts(counts: &[f64], low: f64, high: f64) -> f64 {
    let bins = counts.len();
    let smoothed: Vec<f64> = (0..bins)
        .map(|b| {
            let from = b.saturating_sub(2);
            let to = (b + 2).min(bins - 1);
            counts[from..=to].iter().sum::<f64>() / (to - from + 1) as f64
        })
        .collect();
    let from = (low * bins as f64) as usize;
    let to = ((high * bins as f64) as usize).min(bins - 1);
    let best = (from..=to).fold(from, |best, b| if smoothed[b] > smoothed[best] { b } else { best });
    (best as f64 + 0.5) / bins as f64
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fraud_moves_stations_up_and_right() {
        // Honest 50 % turnout, 40 % share: moving half of the non-voters and half of the
        // others' votes gives turnout 0.75 and share (0.2 + 0.25 + 0.15) / 0.75 = 0.8.
        let (turnout, share) = fraud_move(0.5, 0.4, 0.5);
        assert!((turnout - 0.75).abs() < 1e-12 && (share - 0.8).abs() < 1e-12, "{turnout} {share}");
        assert_eq!(fraud_move(0.5, 0.4, 1.0), (1.0, 1.0));
        assert_eq!(fraud_move(0.5, 0.4, 0.0), (0.5, 0.4));
    }

    #[test]
    fn strata_keep_the_half_normal_mean_and_rise() {
        let strata = half_normal_strata(STRATA);
        let mean = strata.iter().sum::<f64>() / strata.len() as f64;
        assert!((mean - (2.0 / std::f64::consts::PI).sqrt()).abs() < 1e-6, "{mean}");
        assert!(strata.windows(2).all(|w| w[0] < w[1]), "{strata:?}");
    }

    #[test]
    fn tabulated_normal_cdf_matches_the_error_function() {
        for z in [-7.5, -3.0, -1.0, -0.3, 0.0, 0.77, 2.0, 5.0] {
            let exact = 1.0 - normal_upper_tail(z);
            assert!((normal_cdf(z) - exact).abs() < 1e-6, "Φ({z}) = {} vs {exact}", normal_cdf(z));
        }
    }

    #[test]
    fn honest_expected_fingerprint_is_the_product_of_normals() {
        // Turnout N(0.5, 0.05) and share N(0.4, 0.05): cell [0.5, 0.6) × [0.4, 0.5) holds
        // (Φ(2) − Φ(0))² of the stations.
        let honest = HonestParameters { turnout_mean: 0.5, turnout_sd: 0.05, share_mean: 0.4, share_sd: 0.05 };
        let cells = expected_fingerprint(&honest, &[0.0], 10, false);
        let expected = (normal_cdf(2.0) - 0.5).powi(2);
        assert!((cells[5 * 10 + 4] - expected).abs() < 2e-3, "{} vs {expected}", cells[5 * 10 + 4]);
        assert!((cells.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        // Weighted by voters, the total is the mean turnout.
        let weighted = expected_fingerprint(&honest, &[0.0], 10, true);
        assert!((weighted.iter().sum::<f64>() - 0.5).abs() < 1e-3);
    }

    #[test]
    fn expected_fingerprint_moves_stations_as_fraud_does() {
        // A tight honest cloud at (0.5, 0.4) with x = 0.3 lands at (0.65, 0.677): cell (6, 6).
        let honest = HonestParameters { turnout_mean: 0.5, turnout_sd: 0.001, share_mean: 0.4, share_sd: 0.001 };
        let (turnout, share) = fraud_move(0.5, 0.4, 0.3);
        assert_eq!((bin_of(turnout, 10), bin_of(share, 10)), (6, 6));
        let cells = expected_fingerprint(&honest, &[0.3], 10, false);
        assert!((cells[6 * 10 + 6] - 1.0).abs() < 1e-9, "{}", cells[6 * 10 + 6]);
    }

    #[test]
    fn peaks_of_a_normal_histogram_are_its_centre_and_spread() {
        let honest = HonestParameters { turnout_mean: 0.6, turnout_sd: 0.08, share_mean: 0.55, share_sd: 0.06 };
        let cells = expected_fingerprint(&honest, &[0.0], PEAK_BINS, false);
        let turnout: Vec<f64> = (0..PEAK_BINS).map(|t| 1e5 * cells[t * PEAK_BINS..(t + 1) * PEAK_BINS].iter().sum::<f64>()).collect();
        let share: Vec<f64> = (0..PEAK_BINS).map(|v| 1e5 * (0..PEAK_BINS).map(|t| cells[t * PEAK_BINS + v]).sum::<f64>()).collect();
        let read = honest_from_peaks(&turnout, &share);
        for (name, got, want) in [
            ("turnout mean", read.turnout_mean, 0.6),
            ("turnout sd", read.turnout_sd, 0.08),
            ("share mean", read.share_mean, 0.55),
            ("share sd", read.share_sd, 0.06),
        ] {
            assert!((got - want).abs() < 0.003, "{name}: {got} vs {want}");
        }
    }

    #[test]
    fn mode_ignores_a_spike_beyond_the_search_range() {
        let mut values: Vec<f64> = (0..1000).map(|i| 0.4 + 0.2 * (i as f64 / 1000.0)).collect();
        values.extend(std::iter::repeat_n(0.99, 3000));
        let mode = smoothed_mode(&values, 0.05, 0.95);
        assert!((0.39..0.61).contains(&mode), "{mode}");
    }
}
