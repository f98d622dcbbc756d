//! Evaluating the declarations held in a log.
//!
//! Shared by `verity report` (which fetches and verifies the log over HTTP first) and the
//! node's `GET /api/v1/findings` (which reads its own store): both hand over the entries in
//! log order and get the same findings, each referencing the entries it used as `log:<index>`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::declaration::{Declaration, declaration_from_envelope};
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
    let mut per_treaty: BTreeMap<String, Vec<Declaration>> = BTreeMap::new();
    let mut skipped_entries = 0usize;
    for (index, bytes) in entries {
        // Only canonical signed envelopes are declarations (verity-core's rule for log entries).
        if verity_core::SignedEnvelope::from_entry_bytes(bytes).is_err() {
            skipped_entries += 1;
            continue;
        }
        match declaration_from_envelope(index, bytes) {
            Ok(rec) => match rec.declaration {
                Some(d) => per_treaty.entry(rec.treaty).or_default().push(d),
                None => skipped_entries += 1,
            },
            Err(_) => skipped_entries += 1,
        }
    }
    let treaties: Vec<Treaty> = match only {
        Some(t) => vec![t.clone()],
        None => per_treaty
            .keys()
            .filter_map(|id| crate::bundled(id).and_then(|r| r.ok()))
            .collect(),
    };
    let mut out = Vec::new();
    for t in &treaties {
        let mut ev = Evaluator::new(t, Options::default())?;
        let mut rejected = Vec::new();
        for d in per_treaty.get(&t.id).into_iter().flatten() {
            if let Err(e) = ev.add(d) {
                rejected.push(e.to_string());
            }
        }
        out.push(TreatyFindings {
            treaty: t.id.clone(),
            findings: ev.findings(),
            rejected,
        });
    }
    Ok(LogEvaluation {
        skipped_entries,
        treaties: out,
    })
}
