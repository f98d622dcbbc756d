//! The sequencer: the part of `append` that is the same for every database. A backend opens
//! its locked transaction, hands it to [`append_in`] as a [`Tx`], commits, then calls
//! [`Shared::after_commit`].

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, RwLock};

use time::OffsetDateTime;
use verity_core::{KeyRecord, Refusal, Registry, RegistryChange, Role};
use verity_log::note::{Signer, Verifier};
use verity_log::{
    Hash, HashReader, LogError, split_stored_hash_index, stored_hash_count, stored_hash_index,
    stored_hashes_for_leaf, tree_hash,
};

use crate::mirror::HashMirror;
use crate::{AppendOutcome, Candidate, StoreError, StoredCheckpoint, corrupt};

/// One entry row.
#[derive(Clone, Debug)]
pub(crate) struct EntryRow {
    pub index: u64,
    pub data: Vec<u8>,
    pub leaf_hash: Hash,
    pub party: String,
    pub seq: u64,
    pub treaty: String,
    pub kind: String,
    pub time: String,
}

/// An admitted entry with the stored hashes its leaf adds.
pub(crate) struct NewEntry {
    pub row: EntryRow,
    pub hashes: Vec<Hash>,
}

/// Everything one append writes.
pub(crate) struct BatchWrite {
    pub entries: Vec<NewEntry>,
    pub last_seqs: Vec<(String, u64)>,
    pub changes: Vec<RegistryChange>,
    pub checkpoint: StoredCheckpoint,
}

/// Stored registry parts: keys (without the operator's) and parties' last sequence numbers.
pub(crate) type RegistryParts = (Vec<(String, KeyRecord)>, Vec<(String, u64)>);

/// Database access inside one transaction (a locked write transaction for `append`, a read
/// snapshot for readers and the audit).
pub(crate) trait Tx {
    /// Size of the latest checkpoint (0 when none).
    fn head(&mut self) -> Result<u64, StoreError>;
    fn registry_parts(&mut self) -> Result<RegistryParts, StoreError>;
    /// The `hashes` row of one leaf.
    fn leaf_hashes(&mut self, leaf: u64) -> Result<Option<Vec<u8>>, StoreError>;
    /// `hashes` rows of leaves `start..end`, in leaf order (missing rows are simply absent).
    fn leaf_hash_rows(&mut self, start: u64, end: u64) -> Result<Vec<(u64, Vec<u8>)>, StoreError>;
    /// Entry rows `start..end`, in index order (missing rows are simply absent).
    fn entry_rows(&mut self, start: u64, end: u64) -> Result<Vec<EntryRow>, StoreError>;
    /// All checkpoints, by increasing size.
    fn checkpoints(&mut self) -> Result<Vec<StoredCheckpoint>, StoreError>;
    /// `(number of rows, 1 + largest key)` of `entries` and of `hashes` (`(0, 0)` if empty).
    fn table_bounds(&mut self) -> Result<[(u64, u64); 2], StoreError>;
    fn write_batch(&mut self, w: &BatchWrite) -> Result<(), StoreError>;
}

/// What the writer knows about the log as of tree size `size`.
pub(crate) struct WriterState {
    size: u64,
    registry: Registry,
    /// The stored hashes of the complete subtrees of `size` (flat index → hash): all that
    /// appending and computing the next root needs.
    frontier: HashMap<u64, Hash>,
}

/// State shared by a store's writer and readers.
pub(crate) struct Shared {
    pub origin: String,
    pub operator: Verifier,
    pub operator_vkey: String,
    pub use_mirror: bool,
    pub mirror: RwLock<HashMirror>,
    /// Serialises mirror fills so concurrent readers do not all load the same rows.
    pub mirror_fill: Mutex<()>,
    /// The registry as of a tree size.
    pub registry_cache: RwLock<Option<(u64, Registry)>>,
}

/// The result of sequencing a batch inside the transaction, before commit.
pub(crate) struct Prepared {
    pub outcome: AppendOutcome,
    pub write: Option<PendingCommit>,
}

/// What the caches learn once the batch is committed.
pub(crate) struct PendingCommit {
    pub write: BatchWrite,
    /// Tree size before the batch.
    pub old_size: u64,
    /// Frontier of the new tree.
    pub frontier: HashMap<u64, Hash>,
    /// The stored hashes the batch added, flat indexes from `stored_hash_count(old_size)`.
    pub flat: Vec<Hash>,
}

/// Checks the identity of a new log: C2SP checkpoints are opened with the log key whose name
/// must be the origin (`verity_log::checkpoint::open_checkpoint`), so the two must agree.
pub(crate) fn check_new_log(origin: &str, operator: &Verifier) -> Result<(), StoreError> {
    if origin != operator.name() {
        return Err(StoreError::Mismatch {
            what: "log origin (must equal the operator key's name)",
            stored: operator.name().to_owned(),
            given: origin.to_owned(),
        });
    }
    verity_log::checkpoint::Checkpoint {
        origin: origin.to_owned(),
        size: 0,
        root: verity_log::empty_root(),
    }
    .validate()
    .map_err(|e| StoreError::Checkpoint(e.to_string()))
}

impl Shared {
    pub(crate) fn new(origin: String, operator: Verifier, use_mirror: bool) -> Self {
        Shared {
            origin,
            operator_vkey: operator.to_vkey(),
            operator,
            use_mirror,
            mirror: RwLock::new(HashMirror::default()),
            mirror_fill: Mutex::new(()),
            registry_cache: RwLock::new(None),
        }
    }

    /// Called after the commit of `prepared`: moves the writer's state forward and feeds the
    /// caches.
    pub(crate) fn after_commit(
        &self,
        state: &mut Option<WriterState>,
        prepared: Prepared,
    ) -> AppendOutcome {
        if let Some(PendingCommit {
            write,
            old_size,
            frontier,
            flat,
        }) = prepared.write
        {
            let new_size = write.checkpoint.size;
            if self.use_mirror {
                // A poisoned lock only means a reader panicked mid-read; the mirror itself is
                // only mutated by `extend`, which leaves it consistent at every step.
                let mut m = self.mirror.write().unwrap_or_else(|p| p.into_inner());
                m.extend(old_size, new_size, &flat);
            }
            if let Some(s) = state.as_mut() {
                s.size = new_size;
                s.frontier = frontier;
                let mut cache = self
                    .registry_cache
                    .write()
                    .unwrap_or_else(|p| p.into_inner());
                if cache.as_ref().is_none_or(|(sz, _)| *sz < new_size) {
                    *cache = Some((new_size, s.registry.clone()));
                }
            }
        }
        prepared.outcome
    }

    /// Loads the registry from a transaction's snapshot.
    pub(crate) fn load_registry(&self, tx: &mut impl Tx) -> Result<Registry, StoreError> {
        let (keys, seqs) = tx.registry_parts()?;
        Registry::from_parts(self.operator.clone(), keys, seqs)
            .map_err(|e| corrupt(format!("registry tables: {e}")))
    }

    /// The registry at the snapshot's head, from the cache if it is for that size.
    pub(crate) fn registry_at_head(&self, tx: &mut impl Tx) -> Result<Registry, StoreError> {
        let head = tx.head()?;
        if let Some((size, reg)) = &*self
            .registry_cache
            .read()
            .unwrap_or_else(|p| p.into_inner())
            && *size == head
        {
            return Ok(reg.clone());
        }
        let reg = self.load_registry(tx)?;
        let mut cache = self
            .registry_cache
            .write()
            .unwrap_or_else(|p| p.into_inner());
        if cache.as_ref().is_none_or(|(sz, _)| *sz < head) {
            *cache = Some((head, reg.clone()));
        }
        Ok(reg)
    }

    /// Hashes from the mirror if it holds them all.
    pub(crate) fn mirrored(&self, indexes: &[u64]) -> Option<Vec<Hash>> {
        let m = self.mirror.read().unwrap_or_else(|p| p.into_inner());
        indexes.iter().map(|&i| m.get(i).copied()).collect()
    }

    /// Extends the mirror with every committed leaf in the snapshot beyond it.
    pub(crate) fn fill_mirror(&self, tx: &mut impl Tx) -> Result<(), StoreError> {
        let _fill = self.mirror_fill.lock().unwrap_or_else(|p| p.into_inner());
        let head = tx.head()?;
        let mut start = self
            .mirror
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .leaves();
        const ROWS: u64 = 1 << 16;
        while start < head {
            let end = head.min(start + ROWS);
            let rows = tx.leaf_hash_rows(start, end)?;
            let flat = flatten_rows(start, end, rows)?;
            self.mirror
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .extend(start, end, &flat);
            start = end;
        }
        Ok(())
    }

    /// Reads stored hashes: from the mirror (filling it if needed) or from the database.
    pub(crate) fn read_hashes(
        &self,
        tx: &mut impl Tx,
        indexes: &[u64],
    ) -> Result<Vec<Hash>, StoreError> {
        if indexes.is_empty() {
            return Ok(Vec::new());
        }
        if self.use_mirror {
            if let Some(h) = self.mirrored(indexes) {
                return Ok(h);
            }
            self.fill_mirror(tx)?;
            let m = self.mirror.read().unwrap_or_else(|p| p.into_inner());
            return indexes
                .iter()
                .map(|&i| {
                    m.get(i).copied().ok_or(StoreError::HashNotStored {
                        index: i,
                        stored: m.len(),
                    })
                })
                .collect();
        }
        let head = tx.head()?;
        read_flat(tx, indexes, stored_hash_count(head))
    }
}

/// Concatenates `hashes` rows of leaves `start..end` into the flat run, checking that every
/// row is present and has the right length.
pub(crate) fn flatten_rows(
    start: u64,
    end: u64,
    rows: Vec<(u64, Vec<u8>)>,
) -> Result<Vec<Hash>, StoreError> {
    let mut flat = Vec::with_capacity((stored_hash_count(end) - stored_hash_count(start)) as usize);
    let mut expect = start;
    for (leaf, blob) in rows {
        if leaf != expect {
            return Err(corrupt(format!("hashes row for leaf {expect} is missing")));
        }
        flat.extend(split_row(leaf, &blob)?);
        expect += 1;
    }
    if expect != end {
        return Err(corrupt(format!("hashes row for leaf {expect} is missing")));
    }
    Ok(flat)
}

/// Number of stored hashes leaf `leaf` adds: itself and one per subtree it completes.
pub(crate) fn hashes_per_leaf(leaf: u64) -> usize {
    1 + leaf.trailing_ones() as usize
}

/// Splits a `hashes` row into its hashes, checking its length.
pub(crate) fn split_row(leaf: u64, blob: &[u8]) -> Result<Vec<Hash>, StoreError> {
    let want = hashes_per_leaf(leaf);
    if blob.len() != want * 32 {
        return Err(corrupt(format!(
            "hashes row of leaf {leaf} has {} bytes, expected {}",
            blob.len(),
            want * 32
        )));
    }
    Ok(blob
        .chunks_exact(32)
        // Invariant: chunks_exact(32) yields 32-byte slices.
        .map(|c| <Hash>::try_from(c).expect("32-byte chunk"))
        .collect())
}

/// Reads flat-indexed stored hashes from the database, `stored` being the number committed.
pub(crate) fn read_flat(
    tx: &mut impl Tx,
    indexes: &[u64],
    stored: u64,
) -> Result<Vec<Hash>, StoreError> {
    let mut rows: HashMap<u64, Vec<Hash>> = HashMap::new();
    let mut out = Vec::with_capacity(indexes.len());
    for &i in indexes {
        if i >= stored {
            return Err(StoreError::HashNotStored { index: i, stored });
        }
        let (level, n) = split_stored_hash_index(i);
        // The leaf whose arrival stored hash (level, n): the last leaf of that subtree.
        let leaf = ((n + 1) << level) - 1;
        let row = match rows.entry(leaf) {
            std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                let blob = tx
                    .leaf_hashes(leaf)?
                    .ok_or_else(|| corrupt(format!("hashes row for leaf {leaf} is missing")))?;
                v.insert(split_row(leaf, &blob)?)
            }
        };
        // Invariant: leaf m completes `trailing_ones(m)` subtrees and split_row checked the
        // row holds 1 + trailing_ones(m) hashes; `level` <= trailing_ones(m) by construction.
        out.push(row[level as usize]);
    }
    Ok(out)
}

/// Flat indexes of the complete subtrees of a tree of `size` leaves, largest first.
pub(crate) fn frontier_indexes(size: u64) -> Vec<u64> {
    (0..64u8)
        .rev()
        .filter(|&l| size >> l & 1 == 1)
        .map(|l| stored_hash_index(l, (size >> l) - 1))
        .collect()
}

/// Answers the sequencer's hash reads: the frontier of the tree before the batch, the hashes
/// added so far in this batch, and (should the tree math ever ask for anything else) the
/// database.
struct AppendReader<'f, 'p, 'c, 't, T: Tx> {
    frontier: &'f HashMap<u64, Hash>,
    pending_base: u64,
    pending: &'p [Hash],
    tx: &'c RefCell<&'t mut T>,
}

impl<T: Tx> HashReader for AppendReader<'_, '_, '_, '_, T> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, LogError> {
        let mut out = Vec::with_capacity(indexes.len());
        for &i in indexes {
            if let Some(h) = self.frontier.get(&i) {
                out.push(*h);
            } else if i >= self.pending_base && i - self.pending_base < self.pending.len() as u64 {
                out.push(self.pending[(i - self.pending_base) as usize]);
            } else if i < self.pending_base {
                let mut tx = self.tx.borrow_mut();
                let h = read_flat(&mut **tx, &[i], self.pending_base)
                    .map_err(|e| LogError::Storage(Box::new(e)))?;
                out.push(h[0]);
            } else {
                return Err(LogError::HashNotStored {
                    index: i,
                    stored: self.pending_base + self.pending.len() as u64,
                });
            }
        }
        Ok(out)
    }
}

/// Sequences a batch inside the backend's locked transaction. Mutates `state.registry` as
/// entries are admitted; on any error the caller must drop `state` (set it to `None`), since
/// the transaction is rolled back.
pub(crate) fn append_in<T: Tx>(
    shared: &Shared,
    tx: &mut T,
    state: &mut Option<WriterState>,
    batch: &[Candidate],
    now: OffsetDateTime,
    signer: &Signer,
) -> Result<Prepared, StoreError> {
    if signer.verifier().to_vkey() != shared.operator_vkey {
        return Err(StoreError::Mismatch {
            what: "checkpoint signer",
            stored: shared.operator_vkey.clone(),
            given: signer.verifier().to_vkey(),
        });
    }
    let head = tx.head()?;
    // Another writer appended since this handle last looked (or this is the first append):
    // reload the registry and the frontier inside the lock.
    if state.as_ref().is_none_or(|s| s.size != head) {
        let registry = shared.load_registry(tx)?;
        let idx = frontier_indexes(head);
        let hashes = read_flat(tx, &idx, stored_hash_count(head))?;
        *state = Some(WriterState {
            size: head,
            registry,
            frontier: idx.into_iter().zip(hashes).collect(),
        });
    }
    // Invariant: set just above when it was None.
    let st = state.as_mut().expect("writer state loaded");

    let pending_base = stored_hash_count(head);
    let mut pending: Vec<Hash> = Vec::new();
    let mut entries = Vec::new();
    let mut results = Vec::with_capacity(batch.len());
    let mut last_seqs: BTreeMap<String, u64> = BTreeMap::new();
    let mut changes = Vec::new();
    let mut next = head;
    let tx_cell = RefCell::new(tx);
    for cand in batch {
        let env = &cand.envelope;
        // Entry bytes first: an envelope that cannot be encoded must not touch the registry.
        let data = match env.to_entry_bytes() {
            Ok(d) => d,
            Err(e) => {
                results.push(Err(Refusal::Malformed(e)));
                continue;
            }
        };
        let admitted = if cand.verified {
            st.registry.admit_preverified(env, next, now)
        } else {
            st.registry.admit(env, next, now)
        };
        let change = match admitted {
            Ok(c) => c,
            Err(r) => {
                results.push(Err(r));
                continue;
            }
        };
        let leaf = verity_log::leaf_hash(&data);
        let reader = AppendReader {
            frontier: &st.frontier,
            pending_base,
            pending: &pending,
            tx: &tx_cell,
        };
        let hashes = stored_hashes_for_leaf(next, &leaf, &reader)?;
        pending.extend_from_slice(&hashes);
        let e = &env.envelope;
        last_seqs.insert(e.party.clone(), e.seq);
        changes.extend(change);
        entries.push(NewEntry {
            row: EntryRow {
                index: next,
                data,
                leaf_hash: leaf,
                party: e.party.clone(),
                seq: e.seq,
                treaty: e.treaty.clone(),
                kind: e.kind.clone(),
                time: e.time.clone(),
            },
            hashes,
        });
        results.push(Ok(next));
        next += 1;
    }
    if entries.is_empty() {
        return Ok(Prepared {
            outcome: AppendOutcome {
                results,
                checkpoint: None,
            },
            write: None,
        });
    }
    let reader = AppendReader {
        frontier: &st.frontier,
        pending_base,
        pending: &pending,
        tx: &tx_cell,
    };
    let root = tree_hash(next, &reader)?;
    let fidx = frontier_indexes(next);
    let fh = reader.read_hashes(&fidx)?;
    let new_frontier: HashMap<u64, Hash> = fidx.into_iter().zip(fh).collect();
    let cp = verity_log::checkpoint::Checkpoint {
        origin: shared.origin.clone(),
        size: next,
        root,
    };
    let note = verity_log::checkpoint::try_sign_checkpoint(&cp, signer)
        .map_err(|e| StoreError::Checkpoint(e.to_string()))?;
    let checkpoint = StoredCheckpoint {
        size: next,
        root,
        note,
        time: now.unix_timestamp(),
    };
    let write = BatchWrite {
        entries,
        last_seqs: last_seqs.into_iter().collect(),
        changes,
        checkpoint: checkpoint.clone(),
    };
    tx_cell.into_inner().write_batch(&write)?;
    Ok(Prepared {
        outcome: AppendOutcome {
            results,
            checkpoint: Some(checkpoint),
        },
        write: Some(PendingCommit {
            write,
            old_size: head,
            frontier: new_frontier,
            flat: pending,
        }),
    })
}

/// `name+keyid` of a verifier key, as envelopes and the registry name keys.
pub(crate) fn key_ref_of(v: &Verifier) -> String {
    verity_core::names::key_ref(v.name(), v.key_id())
}

/// Role as stored (its serde name, e.g. `data-centre`).
pub(crate) fn role_name(role: Role) -> String {
    match serde_json::to_value(role) {
        Ok(serde_json::Value::String(s)) => s,
        // Role serialises as a string (serde rename_all on a unit enum).
        _ => format!("{role:?}"),
    }
}

pub(crate) fn parse_role(s: &str) -> Result<Role, StoreError> {
    s.parse::<Role>()
        .map_err(|e| corrupt(format!("keys.role: {e}")))
}

pub(crate) fn to_u64(v: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| corrupt(format!("{what} is negative ({v})")))
}

pub(crate) fn to_i64(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| corrupt(format!("value {v} does not fit a database integer")))
}

pub(crate) fn to_hash(b: &[u8], what: &str) -> Result<Hash, StoreError> {
    Hash::try_from(b).map_err(|_| corrupt(format!("{what} is {} bytes, not 32", b.len())))
}
