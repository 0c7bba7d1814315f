//! The small statistics, against values computed by hand or from tables.

use kuzet_protocol::stats::{
    median, quantile_of_sorted, robust_z_scores, sample_variance, t_quantile_975,
};

fn close(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} is not within {tolerance} of {expected}"
    );
}

#[test]
fn t_quantiles_match_the_tables() {
    for (df, expected) in [
        (1, 12.7062),
        (2, 4.3027),
        (10, 2.2281),
        (30, 2.0423),
        (40, 2.0211),
        (73, 1.9930),
        (120, 1.9799),
        (1000, 1.9623),
    ] {
        close(t_quantile_975(df), expected, 0.0005);
    }
    assert!(t_quantile_975(0).is_infinite());
}

#[test]
fn medians_variances_and_quantiles() {
    assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
    assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    assert_eq!(median(&[]), None);
    close(sample_variance(&[10.0, 20.0, 30.0]), 100.0, 1e-12);
    assert_eq!(sample_variance(&[5.0]), 0.0);
    let sorted = [1.0, 2.0, 3.0, 4.0, 5.0];
    close(quantile_of_sorted(&sorted, 0.5), 3.0, 1e-12);
    close(quantile_of_sorted(&sorted, 0.025), 1.1, 1e-12);
    close(quantile_of_sorted(&sorted, 0.975), 4.9, 1e-12);
}

#[test]
fn robust_z_scores_by_hand() {
    // Median 3, absolute deviations 2 1 0 1 97, MAD 1: z = 0.6745 (x - 3).
    let (centre, scale, z) = robust_z_scores(&[1.0, 2.0, 3.0, 4.0, 100.0]).unwrap();
    close(centre, 3.0, 1e-12);
    close(scale, 1.0 / 0.6745, 1e-12);
    close(z[4], 97.0 * 0.6745, 1e-9);
    close(z[0], -2.0 * 0.6745, 1e-9);
    // MAD 0 (four equal values): the mean absolute deviation 0.8 times 1.2533 is the scale.
    let (_, scale, z) = robust_z_scores(&[5.0, 5.0, 5.0, 5.0, 9.0]).unwrap();
    close(scale, 0.8 * 1.253_314, 1e-12);
    close(z[4], 4.0 / (0.8 * 1.253_314), 1e-9);
    assert!(robust_z_scores(&[2.0, 2.0, 2.0]).is_none());
}
