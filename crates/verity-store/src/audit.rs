//! The integrity self-check (see the crate docs, "Integrity self-check").

use std::collections::{BTreeMap, HashMap};

use time::OffsetDateTime;
use verity_core::{KeyRecord, Registry, SignedEnvelope};
use verity_log::note::Verifier;
use verity_log::{Hash, stored_hash_count, stored_hash_index, stored_hashes_for_leaf, tree_hash};

use crate::StoreError;
use crate::sequencer::{Tx, split_row};

/// What the audit found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditReport {
    /// Size of the latest checkpoint.
    pub tree_size: u64,
    pub entries_checked: u64,
    pub checkpoints_checked: u64,
    /// Registered keys (including the operator's) after replay.
    pub keys: usize,
    /// Parties with at least one entry.
    pub parties: usize,
    /// The first discrepancy, if any.
    pub problem: Option<AuditProblem>,
}

impl AuditReport {
    pub fn is_ok(&self) -> bool {
        self.problem.is_none()
    }
}

/// A discrepancy between the stored data and what it must be.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{what}", .index.map(|i| format!("entry {i}: ")).unwrap_or_default())]
pub struct AuditProblem {
    /// The log index concerned, if the problem is about one entry.
    pub index: Option<u64>,
    pub what: String,
}

/// Rows read per query while streaming the log.
const CHUNK: u64 = 4096;

/// The peaks of the tree built so far, as a [`verity_log::HashReader`]: exactly what
/// `stored_hashes_for_leaf` and `tree_hash` need, in constant memory.
#[derive(Default)]
struct Frontier(HashMap<u64, Hash>);

impl verity_log::HashReader for Frontier {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, verity_log::LogError> {
        indexes
            .iter()
            .map(|i| {
                self.0
                    .get(i)
                    .copied()
                    .ok_or(verity_log::LogError::HashNotStored {
                        index: *i,
                        stored: 0,
                    })
            })
            .collect()
    }
}

/// Audits the snapshot `tx`.
pub(crate) fn audit_in(
    tx: &mut impl Tx,
    origin: &str,
    operator: &Verifier,
) -> Result<AuditReport, StoreError> {
    let mut report = AuditReport {
        tree_size: 0,
        entries_checked: 0,
        checkpoints_checked: 0,
        keys: 0,
        parties: 0,
        problem: None,
    };
    let problem = run(tx, origin, operator, &mut report)?;
    report.problem = problem;
    Ok(report)
}

fn fail(index: Option<u64>, what: impl Into<String>) -> Option<AuditProblem> {
    Some(AuditProblem {
        index,
        what: what.into(),
    })
}

fn run(
    tx: &mut impl Tx,
    origin: &str,
    operator: &Verifier,
    report: &mut AuditReport,
) -> Result<Option<AuditProblem>, StoreError> {
    let head = tx.head()?;
    report.tree_size = head;
    let checkpoints = tx.checkpoints()?;
    let [(entry_rows, entry_end), (hash_rows, hash_end)] = tx.table_bounds()?;
    if entry_rows != head || entry_end != head {
        return Ok(fail(
            None,
            format!(
                "the latest checkpoint has size {head}, but {entry_rows} entry rows are stored \
                 with indexes up to {}",
                entry_end.saturating_sub(1)
            ),
        ));
    }
    if hash_rows != head || hash_end != head {
        return Ok(fail(
            None,
            format!(
                "the latest checkpoint has size {head}, but {hash_rows} leaves have stored hashes"
            ),
        ));
    }

    // Each checkpoint: signature, origin, size, root as stored. Roots are compared with the
    // recomputed tree below.
    for cp in &checkpoints {
        match verity_log::checkpoint::open_checkpoint(cp.note.as_bytes(), operator) {
            Ok((body, _)) => {
                if body.origin != origin || body.size != cp.size || body.root != cp.root {
                    return Ok(fail(
                        None,
                        format!(
                            "checkpoint {} says origin {:?}, size {}, root {}, but is stored as size {}, root {}",
                            cp.size,
                            body.origin,
                            body.size,
                            hex32(&body.root),
                            cp.size,
                            hex32(&cp.root)
                        ),
                    ));
                }
            }
            Err(e) => {
                return Ok(fail(
                    None,
                    format!(
                        "checkpoint {} does not verify under the log key: {e}",
                        cp.size
                    ),
                ));
            }
        }
    }

    if let Some(cp) = checkpoints.iter().find(|c| c.size == 0 || c.size > head) {
        return Ok(fail(
            None,
            format!("checkpoint of size {} is beyond the log", cp.size),
        ));
    }

    // Signature verification dominates the audit; it runs on all cores against the keys
    // the stored registry tables name (a hint only: see `replay`).
    let (hint_keys, _) = tx.registry_parts()?;
    let mut hints: HashMap<String, Verifier> = hint_keys
        .into_iter()
        .filter_map(|(k, r)| Some((k, Verifier::from_vkey(&r.vkey).ok()?)))
        .collect();
    hints.insert(crate::sequencer::key_ref_of(operator), operator.clone());

    let mut registry = Registry::new(operator.clone());
    let mut frontier = Frontier::default();
    let mut cps = checkpoints.iter().peekable();
    let mut roots = checkpoints.iter().peekable();
    let mut replay_problem = None;
    let mut start = 0;
    while start < head {
        let end = head.min(start + CHUNK);
        let rows = tx.entry_rows(start, end)?;
        let hash_rows = tx.leaf_hash_rows(start, end)?;
        if rows.len() as u64 != end - start || hash_rows.len() as u64 != end - start {
            let missing = (start..end)
                .find(|i| {
                    !rows.iter().any(|r| r.index == *i) || !hash_rows.iter().any(|(l, _)| l == i)
                })
                .unwrap_or(start);
            return Ok(fail(Some(missing), "missing from the database"));
        }
        let parsed = if replay_problem.is_none() {
            parse_and_verify(&rows, &hints)
        } else {
            Vec::new()
        };
        for (k, (row, (hleaf, blob))) in rows.iter().zip(&hash_rows).enumerate() {
            let n = row.index;
            if *hleaf != n {
                return Ok(fail(Some(n), "stored hashes are out of order"));
            }
            // Leaf and stored hashes recomputed from the entry bytes.
            let leaf = verity_log::leaf_hash(&row.data);
            if leaf != row.leaf_hash {
                return Ok(fail(
                    Some(n),
                    "entry bytes do not match the stored leaf hash (the entry was altered)",
                ));
            }
            let want = stored_hashes_for_leaf(n, &leaf, &frontier)?;
            match split_row(n, blob) {
                Ok(stored) if stored == want => {}
                Ok(_) => {
                    return Ok(fail(
                        Some(n),
                        "stored tree hashes differ from those recomputed",
                    ));
                }
                Err(e) => return Ok(fail(Some(n), e.to_string())),
            }
            for l in 0..n.trailing_ones() {
                frontier.0.remove(&stored_hash_index(l as u8, (n >> l) - 1));
            }
            let top = want.len() - 1;
            frontier
                .0
                .insert(stored_hash_count(n) + top as u64, want[top]);
            // Every checkpoint's root against the tree recomputed from the entries.
            while let Some(cp) = roots.next_if(|c| c.size == n + 1) {
                let root = tree_hash(n + 1, &frontier)?;
                if root != cp.root {
                    return Ok(fail(
                        None,
                        format!(
                            "checkpoint {} root {} differs from the root {} recomputed from the entries",
                            cp.size,
                            hex32(&cp.root),
                            hex32(&root)
                        ),
                    ));
                }
                report.checkpoints_checked += 1;
            }

            // The first checkpoint including this entry gives the sequencing time.
            while cps.peek().is_some_and(|c| c.size <= n) {
                cps.next();
            }
            let Some(cp) = cps.peek() else {
                return Ok(fail(Some(n), "no checkpoint includes this entry"));
            };
            report.entries_checked += 1;
            if replay_problem.is_none() {
                // Invariant: `parsed` has one item per row whenever replay_problem is None.
                let (env, verified_under) = &parsed[k];
                replay_problem = replay(
                    &mut registry,
                    row,
                    env,
                    verified_under.as_deref(),
                    cp.time,
                    n,
                )?;
            }
        }
        start = end;
    }

    // Tree problems (what any client holding an old checkpoint would see) are reported
    // first; then the first entry the registry replay refused.
    if replay_problem.is_some() {
        return Ok(replay_problem);
    }

    // The replayed registry against the stored tables.
    let (keys, seqs) = tx.registry_parts()?;
    let stored_keys: BTreeMap<String, KeyRecord> = keys.into_iter().collect();
    let mut replay_keys = registry.keys().clone();
    replay_keys.retain(|_, r| r.added_at.is_some()); // the operator's own key is not stored
    if stored_keys != replay_keys {
        let which = stored_keys
            .iter()
            .find(|(k, r)| replay_keys.get(*k) != Some(r))
            .map(|(k, _)| k.clone())
            .or_else(|| {
                replay_keys
                    .keys()
                    .find(|k| !stored_keys.contains_key(*k))
                    .cloned()
            })
            .unwrap_or_default();
        return Ok(fail(
            None,
            format!("stored key table differs from the replayed registry at key {which}"),
        ));
    }
    let stored_seqs: BTreeMap<String, u64> = seqs.into_iter().collect();
    let replay_seqs: BTreeMap<String, u64> = registry
        .last_seqs()
        .iter()
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    if stored_seqs != replay_seqs {
        return Ok(fail(
            None,
            "stored parties' last sequence numbers differ from the replayed log",
        ));
    }
    report.keys = registry.keys().len();
    report.parties = replay_seqs.len();
    Ok(None)
}

/// Replays entry `n` (sequenced at checkpoint time `cp_time`) through the registry.
fn replay(
    registry: &mut Registry,
    row: &crate::sequencer::EntryRow,
    env: &Result<SignedEnvelope, verity_core::EnvelopeError>,
    verified_under: Option<&str>,
    cp_time: i64,
    n: u64,
) -> Result<Option<AuditProblem>, StoreError> {
    let env = match env {
        Ok(env) => env,
        Err(e) => return Ok(fail(Some(n), format!("entry does not parse: {e}"))),
    };
    let e = &env.envelope;
    if (
        e.party.as_str(),
        e.seq,
        e.treaty.as_str(),
        e.kind.as_str(),
        e.time.as_str(),
    ) != (
        row.party.as_str(),
        row.seq,
        row.treaty.as_str(),
        row.kind.as_str(),
        row.time.as_str(),
    ) {
        return Ok(fail(
            Some(n),
            "index columns (party, seq, treaty, kind, time) differ from the entry",
        ));
    }
    // The sequencer's clock was within [cp_time, cp_time + 1) when it admitted the entry.
    let now = OffsetDateTime::from_unix_timestamp(cp_time.saturating_add(1))
        .map_err(|_| crate::corrupt(format!("checkpoint time {cp_time} is out of range")))?;
    // The pre-verified path is taken only if the signature verified under exactly the public
    // key the replayed registry holds for this key reference; otherwise full `admit`.
    let preverified = verified_under.is_some_and(|v| {
        registry
            .keys()
            .get(&env.envelope.key)
            .is_some_and(|r| r.vkey == v)
    });
    let admitted = if preverified {
        registry.admit_preverified(env, n, now)
    } else {
        registry.admit(env, n, now)
    };
    if let Err(r) = admitted {
        return Ok(fail(
            Some(n),
            format!("replaying the registry refuses it: {r}"),
        ));
    }
    Ok(None)
}

/// Parses each entry and verifies its signature under the hinted key for its key reference,
/// on all available cores. Returns, per row, the parsed envelope and the verifier key text
/// under which the signature verified (if it did).
fn parse_and_verify(
    rows: &[crate::sequencer::EntryRow],
    hints: &HashMap<String, Verifier>,
) -> Vec<ParsedEntry> {
    let one = |row: &crate::sequencer::EntryRow| -> ParsedEntry {
        let env = SignedEnvelope::from_entry_bytes(&row.data);
        let verified = env.as_ref().ok().and_then(|env| {
            let v = hints.get(&env.envelope.key)?;
            env.verify_signature(v).then(|| v.to_vkey())
        });
        (env, verified)
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if threads < 2 || rows.len() < 64 {
        return rows.iter().map(one).collect();
    }
    let per = rows.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = rows
            .chunks(per)
            .map(|part| s.spawn(move || part.iter().map(one).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            // A worker only parses and verifies; neither panics on any input (both return
            // errors/false), so join cannot fail.
            .flat_map(|h| h.join().expect("audit worker"))
            .collect()
    })
}

type ParsedEntry = (
    Result<SignedEnvelope, verity_core::EnvelopeError>,
    Option<String>,
);

fn hex32(h: &Hash) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}
