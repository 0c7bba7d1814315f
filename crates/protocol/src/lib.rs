//! Election protocols and their verification: the pure core of `kuzet verify`.
//!
//! An election has a protocol definition (its lines and the control relations between them),
//! an area hierarchy, and results from named sources (`official`, `observer`, ...).
//! This crate checks protocol arithmetic, compares sources, projects area totals from an
//! observed sample with confidence intervals and flags stations that break the trend.
//!
//! It must never do IO, async, or know about file formats, SQL or HTTP; bad data yields
//! diagnostics, never a panic.

pub mod area;
pub mod check;
pub mod compare;
pub mod definition;
pub mod election;
pub mod outlier;
pub mod project;
pub mod stats;
pub mod verify;

pub use area::{Area, AreaId, AreaLevel, AreaTree};
pub use definition::{
    Comparison, ControlRelation, LineDefinition, LineRoles, Operand, ProtocolDefinition,
};
pub use election::{
    AreaAggregate, Election, OBSERVER, OFFICIAL, Provenance, ResultSet, StationResult,
};
pub use verify::{Verification, VerifyOptions, verify};
