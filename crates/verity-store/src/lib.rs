//! Durable storage for the Verity transparency log, and the sequencer that appends to it.
//!
//! This crate is Verity's storage layer, so unlike the other library crates it does I/O (a
//! database); it does no other I/O and reads no clock: the sequencing time and the checkpoint
//! signer are passed in. The tree math lives in [`verity_log`] (RFC 9162 hashing, the Go
//! `sumdb/tlog` stored-hash layout, C2SP checkpoints) and the admission rules in
//! [`verity_core::Registry`]; this crate only decides *where bytes go and when they are durable*.
//!
//! One interface, [`LogStore`], two implementations:
//! * [`SqliteStore`] ([`open_sqlite`]): the embedded default, a single file
//!   `DATA_DIR/verity.sqlite3` in WAL mode with `synchronous=FULL`;
//! * [`PostgresStore`] ([`open_postgres`]): several server nodes may append to one database.
//!
//! # Notes on the interface
//!
//! * The origin of a new log must equal the operator key's name: C2SP checkpoints are opened
//!   with the log key whose name is the origin (`verity_log::checkpoint::open_checkpoint`), so
//!   any other origin would produce checkpoints nobody can open. `open_*` refuses it.
//! * `append`'s `now` is both the admission clock (the clock-skew rule) and the checkpoint
//!   time; `signer` must be the operator key the log was created with.
//! * [`LogStore::audit`] is part of the trait so a server holding `Arc<dyn LogStore>` can run it.
//! * Refused candidates never reach the database; an `Err(StoreError)` from `append` means
//!   the whole batch was rolled back (nothing of it is stored or acknowledged).
//!
//! # Schema (identical in both databases; SQLite `INTEGER`/`BLOB` = PostgreSQL `BIGINT`/`BYTEA`)
//!
//! | table         | columns                                                                    |
//! |---------------|----------------------------------------------------------------------------|
//! | `meta`        | `key TEXT PRIMARY KEY, value TEXT` — `origin`, `operator_vkey` (+ `schema_version` in PostgreSQL; SQLite uses `PRAGMA user_version`) |
//! | `entries`     | `idx PRIMARY KEY, data` (exact entry bytes = `SignedEnvelope::to_entry_bytes`), `leaf_hash, party, seq, treaty, kind, time` (the declaration's claimed time); `UNIQUE(party, seq)` |
//! | `hashes`      | `leaf PRIMARY KEY, hashes` — the stored hashes appended when leaf `leaf` arrived (`verity_log::stored_hashes_for_leaf`: its leaf hash, then each subtree it completes, 32 bytes each) |
//! | `checkpoints` | `size PRIMARY KEY, root, note` (the full signed C2SP checkpoint note), `time` (unix seconds of sequencing) |
//! | `keys`        | `key PRIMARY KEY` (`name+keyid`), `vkey, party, role, added_at, revoked_at` — the registry's keys except the operator's own |
//! | `parties`     | `party PRIMARY KEY, last_seq` |
//! | `log_head`    | PostgreSQL only: one row `(id = 1, size)`, the row the writers lock |
//!
//! Storing a leaf's stored hashes as one row keeps one row per entry; the flat stored-hash index
//! `i` of Go's layout maps back to its row: `(level, n) = split_stored_hash_index(i)` was
//! completed by leaf `m = (n+1)·2^level − 1`, at offset `level` within that row.
//!
//! # Transaction boundaries and durability
//!
//! [`LogStore::append`] runs in ONE transaction that holds the log's write lock (SQLite:
//! `BEGIN IMMEDIATE`, which takes the database's single writer lock; PostgreSQL:
//! `SELECT size FROM log_head WHERE id = 1 FOR UPDATE`). Inside it the sequencer reads the
//! current tree size, admits each candidate with the registry, inserts the admitted entries,
//! their stored hashes, the parties' last sequence numbers and any registry changes, computes
//! the new root, signs a checkpoint and inserts it, then commits. Results are returned only
//! after `COMMIT` has returned. With SQLite in WAL mode and `synchronous=FULL` the commit
//! fsyncs the WAL before returning; with PostgreSQL `synchronous_commit=on` (set on every
//! connection) the commit waits for the WAL flush. So:
//!
//! * an acknowledged entry is durable, and because entries, hashes and the checkpoint commit
//!   atomically, a crash (even `kill -9` mid-commit) leaves either the whole batch or none of
//!   it; a checkpoint never refers to a tree that is not fully stored;
//! * stored rows are never updated except `keys.revoked_at` and `parties.last_seq` (registry
//!   state that is itself derived from the log), so every stored checkpoint stays a prefix of
//!   every later one: the tree only grows by appending, and each new root is computed from the
//!   stored hashes of the previous tree.
//!
//! The crash test (`tests/crash.rs`) SIGKILLs a child process that appends in a loop, at
//! random moments, and checks every acknowledged entry and checkpoint after reopening.
//!
//! # Multiple writers
//!
//! Several handles may append to the same log: another process on the same SQLite data folder
//! (e.g. `verity party add --data DIR` while the server runs) or another node on the same
//! PostgreSQL database. The write lock serialises them, so the log stays linear. Each handle
//! caches the registry and the right edge of the tree (the hashes of the complete subtrees of
//! the current size, at most 64); inside the locked transaction it compares the database's tree
//! size with the size its caches describe and reloads them if another writer appended. SQLite
//! writers wait for the lock up to the busy timeout (10 s); SQLite's busy handler backs off by
//! sleeping, so a writer that appends back-to-back without pause can keep another waiting for
//! a while (the server's sequencer pauses between batches to collect submissions, so a
//! one-off `verity party add` gets in between). If the timeout expires, `append` returns
//! `StoreError::Sqlite` (database is locked) having written nothing.
//!
//! # Reads
//!
//! Readers use their own connections (a small pool), so tile and proof reads do not wait for
//! an append's transaction. [`LogStore::read_hashes`] serves from an in-memory mirror of all
//! stored hashes, filled lazily from the database the first time a hash beyond it is asked for
//! and extended after each local commit. Stored hashes are immutable once committed, so a
//! mirror of any committed prefix stays valid. Memory cost: `2n − popcount(n)` hashes of 32
//! bytes, i.e. about 64 MB at 1 million entries (in 2 MiB chunks, so growing never copies
//! it). [`StoreOptions::hash_mirror`] turns it off (reads then go to the database).
//!
//! # Integrity self-check
//!
//! [`LogStore::audit`] re-reads the whole log in one snapshot:
//! recompute every leaf hash from the entry bytes and every stored hash from the leaves,
//! recompute every checkpoint's root and verify its signature, origin and size, and replay the
//! registry from entry 0 with full signature verification ([`verity_core::Registry::admit`]),
//! comparing the result with the stored `keys` and `parties` tables. It reports the first
//! discrepancy: problems with the tree and checkpoints (what a client holding an old checkpoint
//! would notice) take precedence over registry replay problems. Signature verification, the
//! dominant cost, runs on all cores: each entry is verified against the key that the stored
//! `keys` table names for its key reference, and the replay uses `admit_preverified` only if
//! that is exactly the public key the replayed registry holds for the reference at that point
//! (otherwise it falls back to the full `Registry::admit`), so the stored tables are never
//! trusted. Replay uses each entry's first checkpoint time plus one second as "now" (the
//! checkpoint stores whole seconds; the sequencer's clock was within that second), so the
//! clock-skew rule is re-checked with a tolerance of under one second.
//!
//! # Benchmark
//!
//! `cargo run --release -p verity-store --example bench_append -- [ENTRIES] [BATCH]` parses
//! and verifies signed declarations on both cores, pipelined with durable appends of BATCH
//! entries per transaction, and reports entries/s (wall clock and per CPU-second, since the
//! machine may be shared), the CPU cost of `append` itself, inclusion proofs/s over
//! `read_hashes`, and the audit rate. `bench/store/run.sh` runs it next to a plain Python
//! sequencer on the same SQLite settings and prints the ratio.
//!
//! # Fuzzing
//!
//! `crates/verity-store/fuzz` (cargo-fuzz, target `open_and_audit`) patches random bytes of
//! a valid database file and opens and audits it: a damaged data folder must produce errors,
//! never a panic. `tests/sqlite.rs` runs the same idea with a fixed seed in `cargo test`.

use std::path::PathBuf;

use verity_core::{Refusal, Registry, SignedEnvelope};
use verity_log::Hash;
use verity_log::note::Signer;

mod audit;
mod mirror;
mod postgres_store;
mod sequencer;
mod sqlite_store;
#[cfg(feature = "testing")]
pub mod testing;

pub use audit::{AuditProblem, AuditReport};
pub use postgres_store::{PostgresStore, open_postgres, open_postgres_with};
pub use sqlite_store::{SQLITE_FILE_NAME, SqliteStore, open_sqlite, open_sqlite_with};

/// Version of the schema this crate writes (SQLite `PRAGMA user_version`, PostgreSQL
/// `meta.schema_version`). Opening a database with a newer version is refused.
pub const SCHEMA_VERSION: u32 = 1;

/// Durable storage of one log. See the crate docs for the transaction and durability rules.
pub trait LogStore: Send + Sync + 'static {
    /// Durably appends a batch in one transaction holding the log's write lock: admits each
    /// candidate in order (a refused one gets its [`Refusal`] and takes no index), stores the
    /// admitted entries, their stored hashes and registry changes, and signs and stores a new
    /// checkpoint. Returns only after the commit. If nothing was admitted no checkpoint is
    /// written. `signer` must be the log's operator key given at open
    /// ([`StoreError::Mismatch`] otherwise).
    fn append(
        &self,
        batch: &[Candidate],
        now: time::OffsetDateTime,
        signer: &Signer,
    ) -> Result<AppendOutcome, StoreError>;
    /// The latest stored checkpoint (`None` for an empty log).
    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError>;
    /// The checkpoint stored for exactly this tree size, if the log was ever checkpointed there.
    fn checkpoint_at_size(&self, size: u64) -> Result<Option<StoredCheckpoint>, StoreError>;
    /// Size of the latest checkpoint (0 for an empty log).
    fn tree_size(&self) -> Result<u64, StoreError>;
    /// The exact bytes of entry `index`.
    fn entry(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError>;
    /// Entries `start..end` (for entry bundles). All must exist
    /// ([`StoreError::OutOfRange`] otherwise).
    fn entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError>;
    /// The entry a party logged with sequence number `seq`: its index and bytes.
    fn entry_by_party_seq(
        &self,
        party: &str,
        seq: u64,
    ) -> Result<Option<(u64, Vec<u8>)>, StoreError>;
    /// Stored hashes by flat index (`verity_log::stored_hash_index`), one per index, in order.
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError>;
    /// The registry as of the latest checkpoint.
    fn registry(&self) -> Result<Registry, StoreError>;
    /// The log's origin line (written when the log was created).
    fn origin(&self) -> &str;
    /// Re-reads the whole log in one snapshot and checks it (see the crate docs, "Integrity
    /// self-check"). `Ok` with a problem in the report means the data is inconsistent;
    /// `Err` means it could not be read.
    fn audit(&self) -> Result<AuditReport, StoreError>;
}

/// A declaration offered to [`LogStore::append`].
#[derive(Clone, Debug)]
pub struct Candidate {
    pub envelope: SignedEnvelope,
    /// The caller already checked the signature against a registry snapshot
    /// (`Registry::check_signature`); admission then uses `Registry::admit_preverified`, which
    /// re-checks the key's status. `false`: the signature is verified here (`Registry::admit`).
    pub verified: bool,
}

/// What [`LogStore::append`] did with each candidate.
#[derive(Debug)]
pub struct AppendOutcome {
    /// Per candidate, in order: its log index, or why it was refused.
    pub results: Vec<Result<u64, Refusal>>,
    /// The new checkpoint, if anything was admitted.
    pub checkpoint: Option<StoredCheckpoint>,
}

/// A signed checkpoint as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub size: u64,
    pub root: Hash,
    /// The full C2SP signed note (checkpoint body, blank line, signature line).
    pub note: String,
    /// Sequencing time, unix seconds.
    pub time: i64,
}

/// Tuning knobs for opening a store.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// Keep all stored hashes in memory for `read_hashes` (≈ 64 MB per million entries).
    pub hash_mirror: bool,
    /// How many idle reader connections to keep.
    pub max_idle_readers: usize,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            hash_mirror: true,
            max_idle_readers: 8,
        }
    }
}

/// Storage errors.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] postgres::Error),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The stored data contradicts itself or the log's rules.
    #[error("store is corrupt: {what}")]
    Corrupt { what: String },
    #[error("log: {0}")]
    Log(#[from] verity_log::LogError),
    /// The database belongs to another log, or the wrong key was offered.
    #[error("{what}: the store has {stored}, but {given} was given")]
    Mismatch {
        what: &'static str,
        stored: String,
        given: String,
    },
    #[error("database schema version {found} is newer than this program supports ({supported})")]
    SchemaTooNew { found: u32, supported: u32 },
    #[error("entries {start}..{end} requested, but the log has {size}")]
    OutOfRange { start: u64, end: u64, size: u64 },
    #[error("stored hash {index} requested, but only {stored} hashes are stored")]
    HashNotStored { index: u64, stored: u64 },
    #[error("signing the checkpoint: {0}")]
    Checkpoint(String),
}

/// A [`verity_log::HashReader`] over a store, for proofs and tiles:
/// `verity_log::prove_inclusion(size, i, &StoreHashReader(&store))`.
pub struct StoreHashReader<'a>(pub &'a dyn LogStore);

impl verity_log::HashReader for StoreHashReader<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, verity_log::LogError> {
        self.0.read_hashes(indexes).map_err(|e| match e {
            StoreError::HashNotStored { index, stored } => {
                verity_log::LogError::HashNotStored { index, stored }
            }
            StoreError::Log(l) => l,
            other => verity_log::LogError::Storage(Box::new(other)),
        })
    }
}

pub(crate) fn corrupt(what: impl Into<String>) -> StoreError {
    StoreError::Corrupt { what: what.into() }
}
