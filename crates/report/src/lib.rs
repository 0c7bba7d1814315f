//! Rendering of verification and forensics results for people: self-contained HTML pages
//! with SVG charts (and PNG where a file is asked for).
//!
//! It must never read files or the network: callers pass results in and get bytes out.
//! Pages carry no script and request nothing from another origin, so a report can be opened
//! offline or mailed as one file.

pub mod forensics;
pub mod page;
pub mod svg;
pub mod verify;
