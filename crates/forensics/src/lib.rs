//! Election forensics: the statistical tests of the literature on station-level results.
//!
//! Fingerprints (Klimek et al. 2012), the fraud-model fit, integer-percentage peaks
//! (Kobak et al. 2016), excess-vote estimates, digit tests (Mebane) and distribution tests.
//! Usable on its own by a data journalist: plain vectors in, plain results out.
//!
//! It must never do IO or know about files, SQL or HTTP. Randomness always comes from an
//! explicit seed so every result is reproducible.
