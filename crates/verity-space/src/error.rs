//! The crate's error type. Every parser error names WHAT failed and WHERE (line, columns, field,
//! record, byte offset) so an operator can fix the input without reading code.

use thiserror::Error;

/// Errors returned by `verity-space`.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum SpaceError {
    /// A TLE/3LE field is malformed. Lines and columns are 1-based, as in the format's
    /// definition (CelesTrak "NORAD Two-Line Element Set Format").
    #[error("TLE record {record}, line {line}, columns {start}-{end} ({field}): {reason}")]
    Tle {
        record: usize,
        line: usize,
        start: usize,
        end: usize,
        field: &'static str,
        reason: String,
    },
    /// A CCSDS OMM (KVN, XML or JSON) is malformed.
    #[error("OMM {format} {location}: {reason}")]
    Omm {
        format: &'static str,
        location: String,
        reason: String,
    },
    /// A CCSDS CDM (KVN) is malformed.
    #[error("CDM line {line} ({keyword}): {reason}")]
    Cdm {
        line: usize,
        keyword: String,
        reason: String,
    },
    /// A date/time could not be parsed.
    #[error("{0}")]
    Time(String),
    /// The SGP4 model rejected an element set at initialisation.
    #[error("element set of object {object}: {reason}")]
    Elements { object: String, reason: String },
    /// SGP4 propagation failed (decay, divergent eccentricity...).
    #[error("propagating object {object} {minutes:.3} min from epoch: {reason}")]
    Propagation {
        object: String,
        minutes: f64,
        reason: String,
    },
    /// A registry declaration, notification or pledge fails validation.
    #[error("{kind} field {field}: {reason}")]
    Declaration {
        kind: &'static str,
        field: String,
        reason: String,
    },
    /// A numerical computation could not be carried out on the given input.
    #[error("{0}")]
    Invalid(String),
}

/// Result alias.
pub type Result<T> = std::result::Result<T, SpaceError>;
