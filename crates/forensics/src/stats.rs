//! Small numerical building blocks: distribution functions, seeded random draws, moments.
//!
//! Written here rather than taken from a statistics crate because the suite needs only a
//! handful of functions and every one of them is tested against hand-computed values.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The random stream for one independent part of a computation (one Monte-Carlo draw, one
/// bootstrap replicate batch, ...). The same `(seed, stream)` always gives the same numbers,
/// whatever the number of threads.
pub fn seeded_rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// A small, fast generator (xoshiro256++, Blackman and Vigna) for the hot Monte-Carlo loop,
/// seeded from `(seed, stream)` by SplitMix64. Written out here so that its numbers never
/// change with a dependency's version: the same seed gives the same report for good.
#[derive(Debug, Clone)]
pub struct FastRng {
    state: [u64; 4],
}

impl FastRng {
    pub fn new(seed: u64, stream: u64) -> FastRng {
        let mut mix = seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17);
        let mut next = || {
            mix = mix.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = mix;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        FastRng { state: [next(), next(), next(), next()] }
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.state;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }
}

/// Natural logarithm of the gamma function (Lanczos approximation, g = 7, 9 terms; relative
/// error below 1e-13 for positive arguments).
pub fn ln_gamma(x: f64) -> f64 {
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection formula keeps the approximation in its accurate range.
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEFFICIENTS[0];
    for (i, &c) in COEFFICIENTS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// Regularized upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a).
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    let log_prefix = -x + a * x.ln() - ln_gamma(a);
    if x < a + 1.0 {
        // Series for P(a, x), then Q = 1 - P.
        let mut term = 1.0 / a;
        let mut sum = term;
        let mut n = a;
        for _ in 0..10_000 {
            n += 1.0;
            term *= x / n;
            sum += term;
            if term.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        (1.0 - sum * log_prefix.exp()).clamp(0.0, 1.0)
    } else {
        // Continued fraction for Q (modified Lentz).
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        (log_prefix.exp() * h).clamp(0.0, 1.0)
    }
}

/// Probability that a chi-square variable with `degrees` degrees of freedom exceeds `statistic`.
pub fn chi_square_p_value(statistic: f64, degrees: u32) -> f64 {
    gamma_q(f64::from(degrees) / 2.0, statistic / 2.0)
}

/// Standard normal upper tail P(Z > z), via the complementary error function.
pub fn normal_upper_tail(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// Complementary error function (Numerical Recipes' Chebyshev fit, relative error < 1.2e-7).
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// Chi-square statistic of observed counts against expected proportions.
pub fn chi_square(observed: &[u64], expected_proportions: &[f64]) -> f64 {
    let total: u64 = observed.iter().sum();
    let total = total as f64;
    observed
        .iter()
        .zip(expected_proportions)
        .map(|(&o, &p)| {
            let e = total * p;
            if e > 0.0 { (o as f64 - e).powi(2) / e } else { 0.0 }
        })
        .sum()
}

/// One standard normal draw (Box–Muller).
pub fn standard_normal(rng: &mut impl Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// One binomial draw: exact inversion when the mean of the rarer outcome is below 30,
/// otherwise the normal approximation rounded to the nearest count (its error there is far
/// below the Monte-Carlo noise of the tests that use it).
pub fn binomial(rng: &mut impl Rng, n: u32, p: f64) -> u32 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    if p > 0.5 {
        return n - binomial(rng, n, 1.0 - p);
    }
    let nf = f64::from(n);
    let mean = nf * p;
    if mean < 30.0 {
        let q = 1.0 - p;
        let ratio = p / q;
        let mut probability = (nf * q.ln()).exp();
        let mut cumulative = probability;
        let u: f64 = rng.random::<f64>();
        let mut k = 0u32;
        while u > cumulative && k < n {
            probability *= ratio * f64::from(n - k) / f64::from(k + 1);
            k += 1;
            cumulative += probability;
            if probability < 1e-300 && cumulative < u {
                // Rounding left a sliver of probability: the remaining mass is negligible.
                break;
            }
        }
        k
    } else {
        let sd = (mean * (1.0 - p)).sqrt();
        let draw = (mean + sd * standard_normal(rng)).round();
        draw.clamp(0.0, nf) as u32
    }
}

/// Log of the binomial probability of `k` successes in `n` trials.
pub fn ln_binomial_pmf(n: u32, k: u32, p: f64) -> f64 {
    if p <= 0.0 {
        return if k == 0 { 0.0 } else { f64::NEG_INFINITY };
    }
    if p >= 1.0 {
        return if k == n { 0.0 } else { f64::NEG_INFINITY };
    }
    let (n, k) = (f64::from(n), f64::from(k));
    ln_gamma(n + 1.0) - ln_gamma(k + 1.0) - ln_gamma(n - k + 1.0) + k * p.ln() + (n - k) * (1.0 - p).ln()
}

/// Mean, sample skewness (g1) and excess kurtosis (g2) of a sample, computed from central
/// moments (the population definitions, as `scipy.stats.skew`/`kurtosis` with `bias=True`).
pub fn moments(values: &[f64]) -> (f64, f64, f64) {
    let n = values.len() as f64;
    if values.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let mean = values.iter().sum::<f64>() / n;
    let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
    for &v in values {
        let d = v - mean;
        let d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    m2 /= n;
    m3 /= n;
    m4 /= n;
    (mean, m3 / m2.powf(1.5), m4 / (m2 * m2) - 3.0)
}

/// Pearson correlation of two equally long samples; NaN when either is constant.
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (&a, &b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    sxy / (sxx * syy).sqrt()
}

/// The `q`-quantile of already sorted values (linear interpolation between order statistics,
/// as NumPy's default).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let position = q * (sorted.len() - 1) as f64;
    let low = position.floor() as usize;
    let high = position.ceil() as usize;
    let fraction = position - low as f64;
    sorted[low] + (sorted[high] - sorted[low]) * fraction
}

/// Greatest common divisor.
pub fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(actual: f64, expected: f64, tolerance: f64) {
        assert!((actual - expected).abs() <= tolerance, "got {actual}, expected {expected} ± {tolerance}");
    }

    #[test]
    fn fast_rng_is_seeded_and_uniform() {
        let mut a = FastRng::new(1, 2);
        let mut b = FastRng::new(1, 2);
        let mut c = FastRng::new(1, 3);
        let first: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        assert_eq!(first, (0..4).map(|_| b.next_u64()).collect::<Vec<_>>());
        assert_ne!(first, (0..4).map(|_| c.next_u64()).collect::<Vec<_>>());
        // The top bit is set about half of the time.
        let ones = (0..100_000).filter(|_| a.next_u64() >> 63 == 1).count();
        assert!((49_000..51_000).contains(&ones), "{ones}");
    }

    #[test]
    fn ln_gamma_matches_factorials() {
        check(ln_gamma(1.0), 0.0, 1e-12);
        check(ln_gamma(5.0), 24f64.ln(), 1e-12);
        check(ln_gamma(11.0), 3_628_800f64.ln(), 1e-10);
        check(ln_gamma(0.5), std::f64::consts::PI.sqrt().ln(), 1e-12);
    }

    #[test]
    fn chi_square_p_values_match_tables() {
        // Critical values from standard chi-square tables.
        check(chi_square_p_value(3.841_459, 1), 0.05, 1e-6);
        check(chi_square_p_value(16.918_98, 9), 0.05, 1e-6);
        check(chi_square_p_value(21.665_99, 9), 0.01, 1e-6);
        check(chi_square_p_value(2.0, 2), (-1.0f64).exp(), 1e-12);
        check(chi_square_p_value(0.0, 9), 1.0, 0.0);
    }

    #[test]
    fn normal_tail_matches_tables() {
        check(normal_upper_tail(0.0), 0.5, 1e-7);
        check(normal_upper_tail(1.959_964), 0.025, 1e-7);
        check(normal_upper_tail(-1.644_854), 0.95, 1e-7);
    }

    #[test]
    fn chi_square_of_hand_counts() {
        // Observed 30/70 against 50/50: (20²/50)·2 = 16.
        check(chi_square(&[30, 70], &[0.5, 0.5]), 16.0, 1e-12);
    }

    #[test]
    fn moments_of_hand_samples() {
        let (mean, skew, kurt) = moments(&[1.0, 2.0, 3.0, 4.0]);
        check(mean, 2.5, 1e-12);
        check(skew, 0.0, 1e-12);
        // m2 = 1.25, m4 = (2·5.0625 + 2·0.0625)/4 = 2.5625; 2.5625/1.5625 − 3 = −1.36.
        check(kurt, -1.36, 1e-12);
        let (_, skew, _) = moments(&[0.0, 0.0, 0.0, 1.0]);
        // m2 = 3/16, m3 = (3·(−1/4)³ + (3/4)³)/4 = 0.09375; 0.09375 / (3/16)^1.5.
        check(skew, 0.093_75 / (0.1875f64).powf(1.5), 1e-12);
    }

    #[test]
    fn pearson_and_quantiles() {
        check(pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]), 1.0, 1e-12);
        check(pearson(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), -1.0, 1e-12);
        check(quantile_sorted(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.5, 1e-12);
        check(quantile_sorted(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.25), 2.0, 1e-12);
        assert_eq!(gcd(1234, 100), 2);
        assert_eq!(gcd(2000, 100), 100);
    }

    #[test]
    fn binomial_draws_have_the_right_mean_and_spread() {
        for (n, p) in [(20u32, 0.3), (2000, 0.65), (5, 0.9), (100_000, 0.0001)] {
            let mut rng = seeded_rng(7, 0);
            let draws: Vec<f64> = (0..20_000).map(|_| f64::from(binomial(&mut rng, n, p))).collect();
            let (mean, _, _) = moments(&draws);
            let expected = f64::from(n) * p;
            let sd = (expected * (1.0 - p)).sqrt();
            check(mean, expected, 5.0 * sd / (20_000f64).sqrt());
        }
    }
}
