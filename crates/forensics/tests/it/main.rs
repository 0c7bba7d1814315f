//! Integration tests of the forensics suite: synthetic elections with a known answer, and the
//! four Russian federal elections against the independent Python/NumPy implementation in
//! `bench/`.

mod real_data;
mod synthetic;
