//! The verification report: arithmetic violations, observer vs official, projections, outliers.
