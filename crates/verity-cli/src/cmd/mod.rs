//! One module per domain; each exposes `Command` (a clap subcommand enum) and `run`.
//! `run` returns the process exit code so that verification commands can report a mismatch
//! (exit 1) distinctly from an operational error.

pub mod ledger;
pub mod safeguards;
pub mod seismic;
pub mod seismic_locate;
pub mod space;
pub mod treaty;
