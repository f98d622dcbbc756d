//! Evaluating the declarations held in a log.
//!
//! Shared by `verity report` (which fetches and verifies the log over HTTP first) and the
//! node's `GET /api/v1/findings` (which reads its own store): both hand over the entries in
//! log order and get the same findings, each referencing the entries it used as `log:<index>`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::declaration::{LogRecord, declaration_from_envelope};
use crate::definition::Treaty;
use crate::error::EvalError;
use crate::eval::{Evaluator, Finding, Options};

/// Findings of one treaty over a log.
#[derive(Debug, Clone, Serialize)]
pub struct TreatyFindings {
    pub treaty: String,
    pub findings: Vec<Finding>,
    /// Declarations that name this treaty but do not fit it (wrong quantity names, bad dates):
    /// reported, not fatal, because the log is append-only.
    pub rejected: Vec<String>,
}

/// The evaluation of a whole log.
#[derive(Debug, Clone, Serialize)]
pub struct LogEvaluation {
    /// Entries that are not treaty declarations (registry changes, bulletins of other kinds,
    /// non-canonical bytes).
    pub skipped_entries: usize,
    pub treaties: Vec<TreatyFindings>,
}

/// Evaluates the entries `(index, exact entry bytes)` of a log. With `only`, just that treaty;
/// otherwise every bundled treaty that some entry names.
pub fn evaluate_log<'a>(
    entries: impl IntoIterator<Item = (u64, &'a [u8])>,
    only: Option<&Treaty>,
) -> Result<LogEvaluation, EvalError> {
    let mut ev = match only {
        Some(t) => LogEvaluator::only(t)?,
        None => LogEvaluator::bundled(),
    };
    for (index, bytes) in entries {
        ev.add_entry(index, bytes)?;
    }
    Ok(ev.evaluation())
}

/// The evaluation of a log kept up to date as the log grows: each entry is read once and fed
/// to the incremental [`Evaluator`] of the treaty it names (median ~0.1 ms per declaration,
/// BENCHMARKS.md), so a node answers "findings now" without re-reading its log. Gives exactly
/// what [`evaluate_log`] gives over the same entries (the incremental evaluator equals the
/// from-scratch one; `tests/properties.rs`).
pub struct LogEvaluator<'t> {
    /// `Some`: evaluate this treaty only. `None`: every bundled treaty some entry names.
    only: Option<&'t Treaty>,
    treaties: BTreeMap<String, TreatyState<'t>>,
    skipped_entries: usize,
    next_index: u64,
}

struct TreatyState<'t> {
    evaluator: Evaluator<'t>,
    rejected: Vec<String>,
}

impl<'t> TreatyState<'t> {
    fn new(t: &'t Treaty) -> Result<Self, EvalError> {
        Ok(TreatyState {
            evaluator: Evaluator::new(t, Options::default())?,
            rejected: Vec::new(),
        })
    }

    fn findings(&self, id: &str) -> TreatyFindings {
        TreatyFindings {
            treaty: id.to_owned(),
            findings: self.evaluator.findings(),
            rejected: self.rejected.clone(),
        }
    }
}

impl LogEvaluator<'static> {
    /// Evaluates every bundled treaty that some entry names.
    pub fn bundled() -> Self {
        LogEvaluator {
            only: None,
            treaties: BTreeMap::new(),
            skipped_entries: 0,
            next_index: 0,
        }
    }
}

impl<'t> LogEvaluator<'t> {
    /// Evaluates `t` only; entries naming other treaties are ignored.
    pub fn only(t: &'t Treaty) -> Result<Self, EvalError> {
        let mut treaties = BTreeMap::new();
        treaties.insert(t.id.clone(), TreatyState::new(t)?);
        Ok(LogEvaluator {
            only: Some(t),
            treaties,
            skipped_entries: 0,
            next_index: 0,
        })
    }

    /// The index of the next entry this evaluation expects (the log size it has seen).
    pub fn next_index(&self) -> u64 {
        self.next_index
    }

    /// Reads one entry. Entries must come in log order, each once: a node feeds
    /// `next_index()..size` after each new checkpoint.
    pub fn add_entry(&mut self, index: u64, bytes: &[u8]) -> Result<(), EvalError> {
        self.next_index = index + 1;
        // Only canonical signed envelopes are declarations (verity-core's rule for log entries).
        if verity_core::SignedEnvelope::from_entry_bytes(bytes).is_err() {
            self.skipped_entries += 1;
            return Ok(());
        }
        let (treaty, declaration) = match declaration_from_envelope(index, bytes) {
            Ok(LogRecord {
                treaty,
                declaration: Some(d),
                ..
            }) => (treaty, d),
            _ => {
                self.skipped_entries += 1;
                return Ok(());
            }
        };
        let state = match (self.treaties.get_mut(&treaty), self.only) {
            (Some(s), _) => s,
            // Evaluating one treaty: a declaration under another is not ours to count.
            (None, Some(_)) => return Ok(()),
            (None, None) => match crate::bundled_static(&treaty) {
                Some(t) => self.treaties.entry(treaty).or_insert(TreatyState::new(t)?),
                // A treaty this node has no rules for: carried in the log, not evaluated.
                None => return Ok(()),
            },
        };
        if let Err(e) = state.evaluator.add(&declaration) {
            state.rejected.push(e.to_string());
        }
        Ok(())
    }

    /// The findings so far, treaties in id order.
    pub fn evaluation(&self) -> LogEvaluation {
        LogEvaluation {
            skipped_entries: self.skipped_entries,
            treaties: self.treaties.iter().map(|(id, s)| s.findings(id)).collect(),
        }
    }

    /// The findings of one treaty so far (empty if no entry has named it yet).
    pub fn treaty_findings(&self, t: &Treaty) -> Result<TreatyFindings, EvalError> {
        match self.treaties.get(&t.id) {
            Some(s) => Ok(s.findings(&t.id)),
            None => Ok(TreatyState::new(t)?.findings(&t.id)),
        }
    }
}
