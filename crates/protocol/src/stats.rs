//! Small statistics used by projections and outlier detection: means, variances, medians,
//! the t distribution's 97.5% quantile, and percentiles.

/// The arithmetic mean; `NaN` for no values.
pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// The sample variance (divisor n - 1); 0 for fewer than two values.
pub fn sample_variance(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let m = mean(values);
    values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (values.len() - 1) as f64
}

/// The median; `None` for no values. Sorts a copy.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    Some(if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    })
}

/// The quantile `p` of already sorted values, interpolating linearly between order statistics
/// (the usual "type 7" definition).
pub fn quantile_of_sorted(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let position = p * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    sorted[below] + (sorted[above] - sorted[below]) * (position - below as f64)
}

/// The two-sided 95% critical value of Student's t with `df` degrees of freedom: tabulated up
/// to 30, then the Cornish-Fisher expansion around the normal quantile (error below 0.0005).
pub fn t_quantile_975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010,
        2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739,
        2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
    ];
    if df == 0 {
        return f64::INFINITY;
    }
    if df <= 30 {
        return TABLE[df - 1];
    }
    let z = 1.959_963_984_540_054_f64;
    let v = df as f64;
    z + (z.powi(3) + z) / (4.0 * v)
        + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * v * v)
        + (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z) / (384.0 * v * v * v)
}

/// Robust z-scores: `0.6745 (x - median) / MAD`. When more than half the values are equal
/// (MAD = 0) the mean absolute deviation scaled by 1.2533 is used instead, as Iglewicz and
/// Hoaglin suggest; when every value is equal there is no spread and `None` is returned.
/// Returns the median, the scale in use (the MAD or the scaled mean absolute deviation, in the
/// units of the values, such that z = (x - median) / scale) and the scores.
pub fn robust_z_scores(values: &[f64]) -> Option<(f64, f64, Vec<f64>)> {
    let centre = median(values)?;
    let deviations: Vec<f64> = values.iter().map(|v| (v - centre).abs()).collect();
    let mad = median(&deviations)?;
    let scale = if mad > 0.0 {
        mad / 0.6745
    } else {
        let mean_deviation = mean(&deviations);
        if mean_deviation <= 0.0 {
            return None;
        }
        mean_deviation * 1.253_314
    };
    Some((
        centre,
        scale,
        values.iter().map(|v| (v - centre) / scale).collect(),
    ))
}
