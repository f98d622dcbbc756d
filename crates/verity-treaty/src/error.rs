//! Error types. One enum per concern: treaty definitions, declarations, evaluation.
//! Every variant names WHAT went wrong and WHERE (file line:column, CSV line and column name,
//! JSON record index) so that a treaty author or a data clerk can fix the input.

use thiserror::Error;

/// A treaty definition (TOML) that is not well-formed or not schema-valid.
#[derive(Debug, Error, Clone, PartialEq)]
#[error("{source_name}:{line}:{column}: {message}")]
pub struct DefinitionError {
    /// The name of the definition (file path or bundled id) for messages.
    pub source_name: String,
    /// 1-based line of the offending text.
    pub line: usize,
    /// 1-based column (in characters) of the offending text.
    pub column: usize,
    /// What is wrong, naming the field.
    pub message: String,
}

/// A declaration (CSV row, JSON record, log entry) that cannot be read or does not fit the treaty.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum DeclarationError {
    /// CSV-level problem at a line (1-based, counting the header and comment lines).
    #[error("{source_name}: line {line}: {message}")]
    Csv {
        source_name: String,
        line: u64,
        message: String,
    },
    /// A value in a named CSV column could not be read.
    #[error("{source_name}: line {line}, column `{column}`: {message}")]
    CsvField {
        source_name: String,
        line: u64,
        column: String,
        message: String,
    },
    /// A JSON declarations file (array of records) problem at a record.
    #[error("{source_name}: record {record}: {message}")]
    Json {
        source_name: String,
        record: usize,
        message: String,
    },
    /// A log entry (signed envelope) that is not a usable declaration.
    #[error("log entry {index}: {message}")]
    LogEntry { index: u64, message: String },
    /// A declaration that does not fit the treaty definition.
    #[error("declaration {reference}: {message}")]
    Invalid { reference: String, message: String },
}

/// Errors raised while evaluating (all are about inconsistent inputs, never internal states).
#[derive(Debug, Error, Clone, PartialEq)]
pub enum EvalError {
    /// The same reference was used for two declarations, so disputes could not name one.
    #[error("duplicate declaration reference `{0}`")]
    DuplicateReference(String),
    /// A declaration that does not fit the treaty.
    #[error(transparent)]
    Declaration(#[from] DeclarationError),
    /// An option names a rule that the treaty does not define.
    #[error("treaty `{treaty}` has no rule `{rule}`")]
    UnknownRule { treaty: String, rule: String },
}
