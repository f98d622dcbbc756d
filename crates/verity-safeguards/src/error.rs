//! The crate's error type.
//!
//! Every variant names WHAT went wrong and WHERE (document, JSON path, line/column), so that a
//! facility operator or inspector can find the offending record without a debugger.

use thiserror::Error;

/// Errors from parsing, validating and evaluating accountancy data.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum SafeguardsError {
    /// The bytes are not valid JSON for the expected document (serde_json's own location).
    #[error("{document}: malformed JSON at line {line}, column {column}: {message}")]
    Json {
        /// Which document was being read, e.g. "inventory-change-report payload".
        document: String,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// serde_json's description.
        message: String,
    },
    /// A well-formed document whose content breaks an accountancy rule.
    #[error("{location}: {message}")]
    Invalid {
        /// JSON path of the offending field, e.g. `physical_inventory_listings[2].batches[17].element_kg`.
        location: String,
        /// What is wrong with it.
        message: String,
    },
    /// A payload kind this crate does not know.
    #[error("unknown payload kind {kind:?} for treaty {treaty:?} (expected one of: {expected})")]
    UnknownKind {
        /// The treaty id of the envelope.
        treaty: String,
        /// The kind that was given.
        kind: String,
        /// The kinds accepted for that treaty.
        expected: String,
    },
    /// A caller-supplied parameter is out of its domain (probabilities, decision limits, ...).
    #[error("parameter {name}: {message}")]
    Parameter {
        /// Parameter name as the caller knows it.
        name: &'static str,
        /// Why it was rejected.
        message: String,
    },
    /// A covariance matrix that should be positive definite is not (e.g. all errors zero).
    #[error(
        "MUF covariance matrix is not positive definite at balance period {period} (pivot {pivot:e}); are all measurement uncertainties zero?"
    )]
    NotPositiveDefinite {
        /// 1-based balance period at which the Cholesky factorisation failed.
        period: usize,
        /// The non-positive pivot.
        pivot: f64,
    },
    /// Plot rendering failed (plotters' error text).
    #[error("plot: {0}")]
    Plot(String),
}

impl SafeguardsError {
    pub(crate) fn invalid(location: impl Into<String>, message: impl Into<String>) -> Self {
        SafeguardsError::Invalid {
            location: location.into(),
            message: message.into(),
        }
    }

    pub(crate) fn json(document: &str, err: &serde_json::Error) -> Self {
        SafeguardsError::Json {
            document: document.to_string(),
            line: err.line(),
            column: err.column(),
            message: err.to_string(),
        }
    }

    pub(crate) fn parameter(name: &'static str, message: impl Into<String>) -> Self {
        SafeguardsError::Parameter {
            name,
            message: message.into(),
        }
    }
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, SafeguardsError>;
