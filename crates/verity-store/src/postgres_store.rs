//! The PostgreSQL store: same schema and semantics as SQLite; several nodes may append to one
//! database (their appends serialise on the `log_head` row lock).

use std::collections::HashMap;
use std::sync::Mutex;

use postgres::types::ToSql;
use postgres::{Client, IsolationLevel, NoTls, Row, Statement, Transaction};
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

/// Arbitrary constant naming the advisory lock that serialises schema creation.
const INIT_LOCK: i64 = 0x7665_7269_7479; // "verity"

const SCHEMA: &str = "
CREATE TABLE entries (
    idx BIGINT PRIMARY KEY,
    data BYTEA NOT NULL,
    leaf_hash BYTEA NOT NULL,
    party TEXT NOT NULL,
    seq BIGINT NOT NULL,
    treaty TEXT NOT NULL,
    kind TEXT NOT NULL,
    time TEXT NOT NULL,
    UNIQUE (party, seq)
);
CREATE TABLE hashes (leaf BIGINT PRIMARY KEY, hashes BYTEA NOT NULL);
CREATE TABLE checkpoints (
    size BIGINT PRIMARY KEY,
    root BYTEA NOT NULL,
    note TEXT NOT NULL,
    time BIGINT NOT NULL
);
CREATE TABLE keys (
    key TEXT PRIMARY KEY,
    vkey TEXT NOT NULL,
    party TEXT NOT NULL,
    role TEXT NOT NULL,
    added_at BIGINT,
    revoked_at BIGINT
);
CREATE TABLE parties (party TEXT PRIMARY KEY, last_seq BIGINT NOT NULL);
CREATE TABLE log_head (id INTEGER PRIMARY KEY CHECK (id = 1), size BIGINT NOT NULL);
INSERT INTO log_head (id, size) VALUES (1, 0);
";

/// A log stored in PostgreSQL. All methods take `&self`.
pub struct PostgresStore {
    conn_str: String,
    shared: Shared,
    writer: Mutex<Writer>,
    readers: Mutex<Vec<PgConn>>,
    max_idle_readers: usize,
}

struct Writer {
    conn: PgConn,
    state: Option<WriterState>,
}

/// A connection with its prepared statements.
struct PgConn {
    client: Client,
    stmts: HashMap<&'static str, Statement>,
}

fn connect(conn_str: &str) -> Result<PgConn, StoreError> {
    let mut client = Client::connect(conn_str, NoTls)?;
    // Commit waits for the WAL flush: an acknowledged append is durable. This is the server
    // default; set explicitly so a database-level override cannot weaken it.
    client.batch_execute("SET synchronous_commit = on")?;
    Ok(PgConn {
        client,
        stmts: HashMap::new(),
    })
}

/// Opens (creating the schema if needed) the log in the PostgreSQL database at `conn_str`
/// (a libpq-style connection string, e.g. `host=/run/postgresql user=verity dbname=verity`).
/// An existing log must have the same operator key and origin ([`StoreError::Mismatch`]).
pub fn open_postgres(
    conn_str: &str,
    origin_if_new: &str,
    operator: &Verifier,
) -> Result<PostgresStore, StoreError> {
    open_postgres_with(conn_str, origin_if_new, operator, &StoreOptions::default())
}

/// [`open_postgres`] with options.
pub fn open_postgres_with(
    conn_str: &str,
    origin_if_new: &str,
    operator: &Verifier,
    options: &StoreOptions,
) -> Result<PostgresStore, StoreError> {
    let mut conn = connect(conn_str)?;
    let origin = init_schema(&mut conn.client, origin_if_new, operator)?;
    Ok(PostgresStore {
        conn_str: conn_str.to_owned(),
        shared: Shared::new(origin, operator.clone(), options.hash_mirror),
        writer: Mutex::new(Writer { conn, state: None }),
        readers: Mutex::new(Vec::new()),
        max_idle_readers: options.max_idle_readers,
    })
}

fn init_schema(
    client: &mut Client,
    origin_if_new: &str,
    operator: &Verifier,
) -> Result<String, StoreError> {
    let mut tx = client.transaction()?;
    // Two nodes starting at once on an empty database: one creates, the other then sees it.
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&INIT_LOCK])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    )?;
    let meta = |tx: &mut Transaction<'_>, key: &str| -> Result<Option<String>, StoreError> {
        Ok(tx
            .query_opt("SELECT value FROM meta WHERE key = $1", &[&key])?
            .map(|r| r.get(0)))
    };
    match meta(&mut tx, "schema_version")? {
        None => {
            crate::sequencer::check_new_log(origin_if_new, operator)?;
            tx.batch_execute(SCHEMA)?;
            let version = SCHEMA_VERSION.to_string();
            let op = operator.to_vkey();
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', $1), ('origin', $2), ('operator_vkey', $3)",
                &[&version, &origin_if_new, &op],
            )?;
        }
        Some(v) => {
            let found: u32 = v
                .parse()
                .map_err(|_| corrupt(format!("meta.schema_version is {v:?}")))?;
            if found > SCHEMA_VERSION {
                return Err(StoreError::SchemaTooNew {
                    found,
                    supported: SCHEMA_VERSION,
                });
            }
            // Migrations from older versions go here, one step per version.
        }
    }
    let origin = meta(&mut tx, "origin")?.ok_or_else(|| corrupt("meta.origin is missing"))?;
    let stored_op =
        meta(&mut tx, "operator_vkey")?.ok_or_else(|| corrupt("meta.operator_vkey is missing"))?;
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

impl PostgresStore {
    /// The log operator's verifier key.
    pub fn operator(&self) -> &Verifier {
        &self.shared.operator
    }

    /// Runs `f` in one read-only REPEATABLE READ transaction (one snapshot) on a pooled
    /// reader connection.
    fn read<R>(
        &self,
        f: impl FnOnce(&mut PgTx<'_, '_>) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let pooled = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let mut conn = match pooled {
            Some(c) => c,
            None => connect(&self.conn_str)?,
        };
        let result = (|| {
            let PgConn { client, stmts } = &mut conn;
            let mut tx = client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()?;
            let r = f(&mut PgTx { tx: &mut tx, stmts })?;
            tx.commit()?;
            Ok(r)
        })();
        // A connection whose last use failed may be broken; only pool healthy ones.
        if result.is_ok() || !conn.client.is_closed() {
            let mut pool = self.readers.lock().unwrap_or_else(|p| p.into_inner());
            if pool.len() < self.max_idle_readers && !conn.client.is_closed() {
                pool.push(conn);
            }
        }
        result
    }
}

impl LogStore for PostgresStore {
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
        if conn.client.is_closed() {
            *conn = connect(&self.conn_str)?;
        }
        let result = (|| {
            let PgConn { client, stmts } = conn;
            let mut tx = client.transaction()?;
            // The log's write lock: every writer locks this row first, so appends from all
            // nodes are serialised and each sees the previous one's commit (READ COMMITTED
            // takes a fresh snapshot per statement after the lock is granted).
            tx.query_one("SELECT size FROM log_head WHERE id = 1 FOR UPDATE", &[])?;
            let prepared = append_in(
                &self.shared,
                &mut PgTx { tx: &mut tx, stmts },
                state,
                batch,
                now,
                signer,
            )?;
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
                *state = None;
                Err(e)
            }
        }
    }

    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        self.read(|tx| {
            let rows = tx.query(
                "SELECT size, root, note, time FROM checkpoints ORDER BY size DESC LIMIT 1",
                &[],
            )?;
            rows.first().map(checkpoint_from_row).transpose()
        })
    }

    fn checkpoint_at_size(&self, size: u64) -> Result<Option<StoredCheckpoint>, StoreError> {
        let size = to_i64(size)?;
        self.read(|tx| {
            let rows = tx.query(
                "SELECT size, root, note, time FROM checkpoints WHERE size = $1",
                &[&size],
            )?;
            rows.first().map(checkpoint_from_row).transpose()
        })
    }

    fn tree_size(&self) -> Result<u64, StoreError> {
        self.read(|tx| tx.head())
    }

    fn entry(&self, index: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let Ok(index) = i64::try_from(index) else {
            return Ok(None);
        };
        self.read(|tx| {
            let rows = tx.query("SELECT data FROM entries WHERE idx = $1", &[&index])?;
            Ok(rows.first().map(|r| r.get(0)))
        })
    }

    fn entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        self.read(|tx| {
            let size = tx.head()?;
            if start > end || end > size {
                return Err(StoreError::OutOfRange { start, end, size });
            }
            let rows = tx.query(
                "SELECT data FROM entries WHERE idx >= $1 AND idx < $2 ORDER BY idx",
                &[&to_i64(start)?, &to_i64(end)?],
            )?;
            if rows.len() as u64 != end - start {
                return Err(corrupt(format!(
                    "entries {start}..{end} are within the checkpoint but only {} are stored",
                    rows.len()
                )));
            }
            Ok(rows.iter().map(|r| r.get(0)).collect())
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
            let rows = tx.query(
                "SELECT idx, data FROM entries WHERE party = $1 AND seq = $2",
                &[&party, &seq],
            )?;
            rows.first()
                .map(|r| Ok((to_u64(r.get(0), "entries.idx")?, r.get(1))))
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

fn checkpoint_from_row(r: &Row) -> Result<StoredCheckpoint, StoreError> {
    Ok(StoredCheckpoint {
        size: to_u64(r.get(0), "checkpoints.size")?,
        root: to_hash(r.get::<_, &[u8]>(1), "checkpoints.root")?,
        note: r.get(2),
        time: r.get(3),
    })
}

/// [`Tx`] over a postgres transaction, with the connection's statement cache.
pub(crate) struct PgTx<'a, 'c> {
    tx: &'a mut Transaction<'c>,
    stmts: &'a mut HashMap<&'static str, Statement>,
}

impl PgTx<'_, '_> {
    fn stmt(&mut self, sql: &'static str) -> Result<Statement, StoreError> {
        if let Some(s) = self.stmts.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql)?;
        self.stmts.insert(sql, s.clone());
        Ok(s)
    }

    fn query(
        &mut self,
        sql: &'static str,
        p: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, StoreError> {
        let s = self.stmt(sql)?;
        Ok(self.tx.query(&s, p)?)
    }

    fn execute(&mut self, sql: &'static str, p: &[&(dyn ToSql + Sync)]) -> Result<u64, StoreError> {
        let s = self.stmt(sql)?;
        Ok(self.tx.execute(&s, p)?)
    }
}

impl Tx for PgTx<'_, '_> {
    fn head(&mut self) -> Result<u64, StoreError> {
        let rows = self.query("SELECT size FROM log_head WHERE id = 1", &[])?;
        let row = rows
            .first()
            .ok_or_else(|| corrupt("log_head row is missing"))?;
        to_u64(row.get(0), "log_head.size")
    }

    fn registry_parts(&mut self) -> Result<RegistryParts, StoreError> {
        let rows = self.query(
            "SELECT key, vkey, party, role, added_at, revoked_at FROM keys",
            &[],
        )?;
        let mut keys = Vec::with_capacity(rows.len());
        for r in &rows {
            keys.push((
                r.get::<_, String>(0),
                KeyRecord {
                    vkey: r.get(1),
                    party: r.get(2),
                    role: parse_role(r.get(3))?,
                    added_at: r
                        .get::<_, Option<i64>>(4)
                        .map(|v| to_u64(v, "keys.added_at"))
                        .transpose()?,
                    revoked_at: r
                        .get::<_, Option<i64>>(5)
                        .map(|v| to_u64(v, "keys.revoked_at"))
                        .transpose()?,
                },
            ));
        }
        let rows = self.query("SELECT party, last_seq FROM parties", &[])?;
        let seqs = rows
            .iter()
            .map(|r| Ok((r.get::<_, String>(0), to_u64(r.get(1), "parties.last_seq")?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((keys, seqs))
    }

    fn leaf_hashes(&mut self, leaf: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let rows = self.query(
            "SELECT hashes FROM hashes WHERE leaf = $1",
            &[&to_i64(leaf)?],
        )?;
        Ok(rows.first().map(|r| r.get(0)))
    }

    fn leaf_hash_rows(&mut self, start: u64, end: u64) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let rows = self.query(
            "SELECT leaf, hashes FROM hashes WHERE leaf >= $1 AND leaf < $2 ORDER BY leaf",
            &[&to_i64(start)?, &to_i64(end)?],
        )?;
        rows.iter()
            .map(|r| Ok((to_u64(r.get(0), "hashes.leaf")?, r.get(1))))
            .collect()
    }

    fn entry_rows(&mut self, start: u64, end: u64) -> Result<Vec<EntryRow>, StoreError> {
        let rows = self.query(
            "SELECT idx, data, leaf_hash, party, seq, treaty, kind, time FROM entries \
             WHERE idx >= $1 AND idx < $2 ORDER BY idx",
            &[&to_i64(start)?, &to_i64(end)?],
        )?;
        rows.iter()
            .map(|r| {
                Ok(EntryRow {
                    index: to_u64(r.get(0), "entries.idx")?,
                    data: r.get(1),
                    leaf_hash: to_hash(r.get::<_, &[u8]>(2), "entries.leaf_hash")?,
                    party: r.get(3),
                    seq: to_u64(r.get(4), "entries.seq")?,
                    treaty: r.get(5),
                    kind: r.get(6),
                    time: r.get(7),
                })
            })
            .collect()
    }

    fn checkpoints(&mut self) -> Result<Vec<StoredCheckpoint>, StoreError> {
        let rows = self.query(
            "SELECT size, root, note, time FROM checkpoints ORDER BY size",
            &[],
        )?;
        rows.iter().map(checkpoint_from_row).collect()
    }

    fn table_bounds(&mut self) -> Result<[(u64, u64); 2], StoreError> {
        let e = self.query(
            "SELECT COUNT(*), COALESCE(MAX(idx) + 1, 0) FROM entries",
            &[],
        )?;
        let h = self.query(
            "SELECT COUNT(*), COALESCE(MAX(leaf) + 1, 0) FROM hashes",
            &[],
        )?;
        let pair = |r: &Row| -> Result<(u64, u64), StoreError> {
            Ok((
                to_u64(r.get(0), "row count")?,
                to_u64(r.get(1), "largest index")?,
            ))
        };
        Ok([pair(&e[0])?, pair(&h[0])?])
    }

    fn write_batch(&mut self, w: &BatchWrite) -> Result<(), StoreError> {
        // One statement per table per batch: arrays unnested server-side, so a batch of
        // thousands of entries is a handful of round trips.
        let n = w.entries.len();
        let mut idx = Vec::with_capacity(n);
        let mut data = Vec::with_capacity(n);
        let mut leaf = Vec::with_capacity(n);
        let mut party = Vec::with_capacity(n);
        let mut seq = Vec::with_capacity(n);
        let mut treaty = Vec::with_capacity(n);
        let mut kind = Vec::with_capacity(n);
        let mut time = Vec::with_capacity(n);
        let mut blobs = Vec::with_capacity(n);
        for e in &w.entries {
            let r = &e.row;
            idx.push(to_i64(r.index)?);
            data.push(r.data.as_slice());
            leaf.push(r.leaf_hash.as_slice());
            party.push(r.party.as_str());
            seq.push(to_i64(r.seq)?);
            treaty.push(r.treaty.as_str());
            kind.push(r.kind.as_str());
            time.push(r.time.as_str());
            blobs.push(e.hashes.concat());
        }
        self.execute(
            "INSERT INTO entries (idx, data, leaf_hash, party, seq, treaty, kind, time) \
             SELECT * FROM unnest($1::BIGINT[], $2::BYTEA[], $3::BYTEA[], $4::TEXT[], $5::BIGINT[], \
             $6::TEXT[], $7::TEXT[], $8::TEXT[])",
            &[&idx, &data, &leaf, &party, &seq, &treaty, &kind, &time],
        )?;
        self.execute(
            "INSERT INTO hashes (leaf, hashes) SELECT * FROM unnest($1::BIGINT[], $2::BYTEA[])",
            &[&idx, &blobs],
        )?;
        let parties: Vec<&str> = w.last_seqs.iter().map(|(p, _)| p.as_str()).collect();
        let seqs = w
            .last_seqs
            .iter()
            .map(|(_, s)| to_i64(*s))
            .collect::<Result<Vec<_>, _>>()?;
        self.execute(
            "INSERT INTO parties (party, last_seq) SELECT * FROM unnest($1::TEXT[], $2::BIGINT[]) \
             ON CONFLICT (party) DO UPDATE SET last_seq = excluded.last_seq",
            &[&parties, &seqs],
        )?;
        for c in &w.changes {
            match c {
                RegistryChange::Added { key, record } => {
                    let role = role_name(record.role);
                    let added = record.added_at.map(to_i64).transpose()?;
                    let revoked = record.revoked_at.map(to_i64).transpose()?;
                    self.execute(
                        "INSERT INTO keys (key, vkey, party, role, added_at, revoked_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                        &[key, &record.vkey, &record.party, &role, &added, &revoked],
                    )?;
                }
                RegistryChange::Revoked { key, at } => {
                    let n = self.execute(
                        "UPDATE keys SET revoked_at = $2 WHERE key = $1",
                        &[key, &to_i64(*at)?],
                    )?;
                    if n != 1 {
                        return Err(corrupt(format!("revoking {key}: no such row in keys")));
                    }
                }
            }
        }
        let cp = &w.checkpoint;
        let size = to_i64(cp.size)?;
        self.execute(
            "INSERT INTO checkpoints (size, root, note, time) VALUES ($1, $2, $3, $4)",
            &[&size, &cp.root.as_slice(), &cp.note, &cp.time],
        )?;
        self.execute("UPDATE log_head SET size = $1 WHERE id = 1", &[&size])?;
        Ok(())
    }
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("origin", &self.shared.origin)
            .finish_non_exhaustive()
    }
}
