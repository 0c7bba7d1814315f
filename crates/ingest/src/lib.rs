//! Reading the files people bring: election result tables (CSV, zipped CSV, JSON) and
//! volunteers' spreadsheets. Every error names the file, line, column and field.
//!
//! It knows file formats and text encodings; it must never know SQL or HTTP.

pub mod election;
pub mod photo;
pub mod register_import;
pub mod sheet;
pub mod text;
