//! The SQLite store: one file `DATA_DIR/verity.sqlite3`, WAL mode, `synchronous=FULL`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{
    Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior, params,
};
use time::OffsetDateTime;
use verity_core::{KeyRecord, Registry, RegistryChange};
use verity_log::Hash;
use verity_log::note::{Signer, Verifier};

use crate::audit::{AuditReport, audit_in};
use crate::sequencer::{
    BatchWrite, EntryRow, RegistryParts, Shared, Tx, WriterState, append_in, parse_role, role_name,
    to_hash, to_i64, to_u64,
};
use crate::{
    AppendOutcome, Candidate, LogStore, SCHEMA_VERSION, StoreError, StoreOptions, StoredCheckpoint,
    corrupt,
};

/// File name of the database inside the data folder.
pub const SQLITE_FILE_NAME: &str = "verity.sqlite3";

/// How long a writer waits for another process's write transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

const SCHEMA: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE entries (
    idx INTEGER PRIMARY KEY,
    data BLOB NOT NULL,
    leaf_hash BLOB NOT NULL,
    party TEXT NOT NULL,
    seq INTEGER NOT NULL,
    treaty TEXT NOT NULL,
    kind TEXT NOT NULL,
    time TEXT NOT NULL,
    UNIQUE (party, seq)
);
CREATE TABLE hashes (leaf INTEGER PRIMARY KEY, hashes BLOB NOT NULL);
CREATE TABLE checkpoints (
    size INTEGER PRIMARY KEY,
    root BLOB NOT NULL,
    note TEXT NOT NULL,
    time INTEGER NOT NULL
);
CREATE TABLE keys (
    key TEXT PRIMARY KEY,
    vkey TEXT NOT NULL,
    party TEXT NOT NULL,
    role TEXT NOT NULL,
    added_at INTEGER,
    revoked_at INTEGER
);
CREATE TABLE parties (party TEXT PRIMARY KEY, last_seq INTEGER NOT NULL);
";

/// A log stored in SQLite. Cheap to share behind an `Arc`; all methods take `&self`.
pub struct SqliteStore {
    path: PathBuf,
    shared: Shared,
    writer: Mutex<Writer>,
    readers: Mutex<Vec<Connection>>,
    max_idle_readers: usize,
}

struct Writer {
    conn: Connection,
    state: Option<WriterState>,
}

/// Opens (creating if needed) the log stored in `data_dir`. A new log gets origin
/// `origin_if_new` and operator key `operator`; an existing one must have been created with
/// the same operator key and origin ([`StoreError::Mismatch`] otherwise).
pub fn open_sqlite(
    data_dir: &Path,
    origin_if_new: &str,
    operator: &Verifier,
) -> Result<SqliteStore, StoreError> {
    open_sqlite_with(data_dir, origin_if_new, operator, &StoreOptions::default())
}

/// [`open_sqlite`] with options.
pub fn open_sqlite_with(
    data_dir: &Path,
    origin_if_new: &str,
    operator: &Verifier,
    options: &StoreOptions,
) -> Result<SqliteStore, StoreError> {
    std::fs::create_dir_all(data_dir).map_err(|source| StoreError::Io {
        path: data_dir.to_owned(),
        source,
    })?;
    let path = data_dir.join(SQLITE_FILE_NAME);
    let mut conn = connect(&path, true)?;
    let origin = init_schema(&mut conn, origin_if_new, operator)?;
    Ok(SqliteStore {
        path,
        shared: Shared::new(origin, operator.clone(), options.hash_mirror),
        writer: Mutex::new(Writer { conn, state: None }),
        readers: Mutex::new(Vec::new()),
        max_idle_readers: options.max_idle_readers,
    })
}

fn connect(path: &Path, writer: bool) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // WAL: readers never block the writer nor wait for it; synchronous=FULL: every commit
    // fsyncs the WAL before returning, so an acknowledged append survives a crash or power
    // loss (https://www.sqlite.org/pragma.html#pragma_synchronous).
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(corrupt(format!(
            "{}: could not enable WAL (journal_mode is {mode})",
            path.display()
        )));
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    if writer {
        conn.pragma_update(None, "cache_size", -65536)?; // 64 MiB page cache
    }
    conn.set_prepared_statement_cache_capacity(32);
    Ok(conn)
}

/// Creates or checks the schema and the log identity. Returns the stored origin.
fn init_schema(
    conn: &mut Connection,
    origin_if_new: &str,
    operator: &Verifier,
) -> Result<String, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    if version == 0 {
        crate::sequencer::check_new_log(origin_if_new, operator)?;
        // Migrations from older versions go here, one step per version.
        tx.execute_batch(SCHEMA)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('origin', ?1), ('operator_vkey', ?2)",
            params![origin_if_new, operator.to_vkey()],
        )?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    }
    let meta = |key: &str| -> Result<String, StoreError> {
        tx.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?
            .ok_or_else(|| corrupt(format!("meta.{key} is missing")))
    };
    let origin = meta("origin")?;
    let stored_op = meta("operator_vkey")?;
    if stored_op != operator.to_vkey() {
        return Err(StoreError::Mismatch {
            what: "log operator key",
            stored: stored_op,
            given: operator.to_vkey(),
        });
    }
    if origin != origin_if_new {
        return Err(StoreError::Mismatch {
            what: "log origin",
            stored: origin,
            given: origin_if_new.to_owned(),
        });
    }
    tx.commit()?;
    Ok(origin)
}

impl SqliteStore {
    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The log operator's verifier key.
    pub fn operator(&self) -> &Verifier {
        &self.shared.operator
    }

    /// Runs `f` on a pooled reader connection inside one read transaction (one snapshot).
    fn read<R>(
        &self,
        f: impl FnOnce(&mut SqlTx<'_>) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let pooled = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut conn = match pooled {
            Some(c) => c,
            None => connect(&self.path, false)?,
        };
        let result = {
            let tx = conn.transaction()?;
            let r = f(&mut SqlTx(&tx));
            // A read transaction changes nothing; ending it releases the snapshot.
            tx.finish()?;
            r
        };
        let mut pool = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if pool.len() < self.max_idle_readers {
            pool.push(conn);
        }
        result
    }
}

impl LogStore for SqliteStore {
    fn append(
        &self,
        batch: &[Candidate],
        now: OffsetDateTime,
        signer: &Signer,
    ) -> Result<AppendOutcome, StoreError> {
        let mut guard = match self.writer.lock() {
            Ok(g) => g,
            Err(poisoned) => {
                // A panic during an earlier append may have left the cached registry ahead
                // of the (rolled back) database: forget the caches.
                self.writer.clear_poison();
                let mut g = poisoned.into_inner();
                g.state = None;
                g
            }
        };
        let Writer { conn, state } = &mut *guard;
        let result = (|| {
            // BEGIN IMMEDIATE takes SQLite's write lock now, so the size read below cannot
            // change before COMMIT (another process waits up to the busy timeout).
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let prepared = append_in(&self.shared, &mut SqlTx(&tx), state, batch, now, signer)?;
            if prepared.write.is_some() {
                tx.commit()?;
            } else {
                tx.rollback()?;
            }
            Ok(prepared)
        })();
        match result {
            Ok(prepared) => Ok(self.shared.after_commit(state, prepared)),
            Err(e) => {
                // The transaction rolled back; the in-memory registry may hold admissions
                // that were never stored. Reload on the next append.
                *state = None;
                Err(e)
            }
        }
    }

    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        self.read(|tx| tx.checkpoint_where("ORDER BY size DESC LIMIT 1", []))
    }

    fn checkpoint_at_size(&self, size: u64) -> Result<Option<StoredCheckpoint>, StoreError> {
        let size = to_i64(size)?;
        self.read(|tx| tx.checkpoint_where("WHERE size = ?1", [size]))
    }

    fn tree_size(&self) -> Result<u64, StoreError> {
        self.read(|tx| tx.head())
    }

    fn entry(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let Ok(index) = i64::try_from(index) else {
            return Ok(None);
        };
        self.read(|tx| {
            Ok(tx
                .0
                .prepare_cached("SELECT data FROM entries WHERE idx = ?1")?
                .query_row([index], |r| r.get(0))
                .optional()?)
        })
    }

    fn entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        self.read(|tx| {
            let size = tx.head()?;
            if start > end || end > size {
                return Err(StoreError::OutOfRange { start, end, size });
            }
            let mut stmt = tx.0.prepare_cached(
                "SELECT data FROM entries WHERE idx >= ?1 AND idx < ?2 ORDER BY idx",
            )?;
            let rows = stmt
                .query_map([to_i64(start)?, to_i64(end)?], |r| r.get::<_, Vec<u8>>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            if rows.len() as u64 != end - start {
                return Err(corrupt(format!(
                    "entries {start}..{end} are within the checkpoint but only {} are stored",
                    rows.len()
                )));
            }
            Ok(rows)
        })
    }

    fn entry_by_party_seq(
        &self,
        party: &str,
        seq: u64,
    ) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
        let Ok(seq) = i64::try_from(seq) else {
            return Ok(None);
        };
        self.read(|tx| {
            let row: Option<(i64, Vec<u8>)> =
                tx.0.prepare_cached("SELECT idx, data FROM entries WHERE party = ?1 AND seq = ?2")?
                    .query_row(params![party, seq], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
            row.map(|(i, d)| Ok((to_u64(i, "entries.idx")?, d)))
                .transpose()
        })
    }

    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError> {
        if self.shared.use_mirror
            && let Some(h) = self.shared.mirrored(indexes)
        {
            return Ok(h);
        }
        self.read(|tx| self.shared.read_hashes(tx, indexes))
    }

    fn registry(&self) -> Result<Registry, StoreError> {
        self.read(|tx| self.shared.registry_at_head(tx))
    }

    fn origin(&self) -> &str {
        &self.shared.origin
    }

    fn audit(&self) -> Result<AuditReport, StoreError> {
        self.read(|tx| audit_in(tx, &self.shared.origin, &self.shared.operator))
    }
}

/// [`Tx`] over a rusqlite transaction.
pub(crate) struct SqlTx<'a>(&'a Transaction<'a>);

impl SqlTx<'_> {
    fn checkpoint_where<P: rusqlite::Params>(
        &mut self,
        clause: &str,
        p: P,
    ) -> Result<Option<StoredCheckpoint>, StoreError> {
        let sql = format!("SELECT size, root, note, time FROM checkpoints {clause}");
        let row: Option<(i64, Vec<u8>, String, i64)> = self
            .0
            .prepare_cached(&sql)?
            .query_row(p, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .optional()?;
        row.map(checkpoint_from_row).transpose()
    }
}

fn checkpoint_from_row(
    (size, root, note, time): (i64, Vec<u8>, String, i64),
) -> Result<StoredCheckpoint, StoreError> {
    Ok(StoredCheckpoint {
        size: to_u64(size, "checkpoints.size")?,
        root: to_hash(&root, "checkpoints.root")?,
        note,
        time,
    })
}

impl Tx for SqlTx<'_> {
    fn head(&mut self) -> Result<u64, StoreError> {
        let size: Option<i64> = self
            .0
            .prepare_cached("SELECT MAX(size) FROM checkpoints")?
            .query_row([], |r| r.get(0))?;
        size.map_or(Ok(0), |s| to_u64(s, "checkpoints.size"))
    }

    fn registry_parts(&mut self) -> Result<RegistryParts, StoreError> {
        let mut stmt = self
            .0
            .prepare_cached("SELECT key, vkey, party, role, added_at, revoked_at FROM keys")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                    r.get::<_, Option<i64>>(5)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut keys = Vec::with_capacity(rows.len());
        for (key, vkey, party, role, added, revoked) in rows {
            keys.push((
                key,
                KeyRecord {
                    vkey,
                    party,
                    role: parse_role(&role)?,
                    added_at: added.map(|v| to_u64(v, "keys.added_at")).transpose()?,
                    revoked_at: revoked.map(|v| to_u64(v, "keys.revoked_at")).transpose()?,
                },
            ));
        }
        let mut stmt = self
            .0
            .prepare_cached("SELECT party, last_seq FROM parties")?;
        let seqs = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .map(|(p, s)| Ok((p, to_u64(s, "parties.last_seq")?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((keys, seqs))
    }

    fn leaf_hashes(&mut self, leaf: u64) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .0
            .prepare_cached("SELECT hashes FROM hashes WHERE leaf = ?1")?
            .query_row([to_i64(leaf)?], |r| r.get(0))
            .optional()?)
    }

    fn leaf_hash_rows(&mut self, start: u64, end: u64) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT leaf, hashes FROM hashes WHERE leaf >= ?1 AND leaf < ?2 ORDER BY leaf",
        )?;
        let rows = stmt
            .query_map([to_i64(start)?, to_i64(end)?], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(l, h)| Ok((to_u64(l, "hashes.leaf")?, h)))
            .collect()
    }

    fn entry_rows(&mut self, start: u64, end: u64) -> Result<Vec<EntryRow>, StoreError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT idx, data, leaf_hash, party, seq, treaty, kind, time FROM entries \
             WHERE idx >= ?1 AND idx < ?2 ORDER BY idx",
        )?;
        let rows = stmt
            .query_map([to_i64(start)?, to_i64(end)?], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(idx, data, leaf, party, seq, treaty, kind, time)| {
                Ok(EntryRow {
                    index: to_u64(idx, "entries.idx")?,
                    data,
                    leaf_hash: to_hash(&leaf, "entries.leaf_hash")?,
                    party,
                    seq: to_u64(seq, "entries.seq")?,
                    treaty,
                    kind,
                    time,
                })
            })
            .collect()
    }

    fn checkpoints(&mut self) -> Result<Vec<StoredCheckpoint>, StoreError> {
        let mut stmt = self
            .0
            .prepare_cached("SELECT size, root, note, time FROM checkpoints ORDER BY size")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(checkpoint_from_row).collect()
    }

    fn table_bounds(&mut self) -> Result<[(u64, u64); 2], StoreError> {
        let mut out = [(0, 0); 2];
        for (i, sql) in [
            "SELECT COUNT(*), COALESCE(MAX(idx) + 1, 0) FROM entries",
            "SELECT COUNT(*), COALESCE(MAX(leaf) + 1, 0) FROM hashes",
        ]
        .into_iter()
        .enumerate()
        {
            let (c, m): (i64, i64) = self.0.query_row(sql, [], |r| Ok((r.get(0)?, r.get(1)?)))?;
            out[i] = (to_u64(c, "row count")?, to_u64(m, "largest index")?);
        }
        Ok(out)
    }

    fn write_batch(&mut self, w: &BatchWrite) -> Result<(), StoreError> {
        {
            let mut ins_entry = self.0.prepare_cached(
                "INSERT INTO entries (idx, data, leaf_hash, party, seq, treaty, kind, time) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            let mut ins_hashes = self
                .0
                .prepare_cached("INSERT INTO hashes (leaf, hashes) VALUES (?1, ?2)")?;
            let mut blob = Vec::with_capacity(64 * 32);
            for e in &w.entries {
                let r = &e.row;
                ins_entry.execute(params![
                    to_i64(r.index)?,
                    r.data,
                    r.leaf_hash.as_slice(),
                    r.party,
                    to_i64(r.seq)?,
                    r.treaty,
                    r.kind,
                    r.time
                ])?;
                blob.clear();
                e.hashes.iter().for_each(|h| blob.extend_from_slice(h));
                ins_hashes.execute(params![to_i64(r.index)?, blob])?;
            }
        }
        let mut upsert = self.0.prepare_cached(
            "INSERT INTO parties (party, last_seq) VALUES (?1, ?2) \
             ON CONFLICT (party) DO UPDATE SET last_seq = excluded.last_seq",
        )?;
        for (party, seq) in &w.last_seqs {
            upsert.execute(params![party, to_i64(*seq)?])?;
        }
        for c in &w.changes {
            match c {
                RegistryChange::Added { key, record } => {
                    self.0.execute(
                        "INSERT INTO keys (key, vkey, party, role, added_at, revoked_at) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![
                            key,
                            record.vkey,
                            record.party,
                            role_name(record.role),
                            record.added_at.map(to_i64).transpose()?,
                            record.revoked_at.map(to_i64).transpose()?
                        ],
                    )?;
                }
                RegistryChange::Revoked { key, at } => {
                    let n = self.0.execute(
                        "UPDATE keys SET revoked_at = ?2 WHERE key = ?1",
                        params![key, to_i64(*at)?],
                    )?;
                    if n != 1 {
                        return Err(corrupt(format!("revoking {key}: no such row in keys")));
                    }
                }
            }
        }
        let cp = &w.checkpoint;
        self.0
            .prepare_cached(
                "INSERT INTO checkpoints (size, root, note, time) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                to_i64(cp.size)?,
                cp.root.as_slice(),
                cp.note,
                cp.time
            ])?;
        Ok(())
    }
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .field("origin", &self.shared.origin)
            .finish_non_exhaustive()
    }
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn f<T: Send + Sync>() {}
    f::<SqliteStore>();
}
