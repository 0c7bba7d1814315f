//! The forensics report: one page with each test, its chart and a plain-language reading.
