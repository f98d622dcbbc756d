//! Witnessing (C2SP tlog-witness v1.0.0, tlog-cosignature v1.0.1), both sides:
//!
//! * the **log side** ([`WitnessTarget`], started by `verity serve --witness URL=VKEY`): after
//!   each new checkpoint the node POSTs `add-checkpoint` to every witness with a consistency
//!   proof from the size that witness last cosigned, verifies the returned cosignature with the
//!   witness's key, and attaches it to the checkpoint served at `/log/checkpoint`. A 409 tells
//!   the node the witness's real size (`text/x.tlog.size`); it retries from there.
//! * the **witness node** ([`serve_witness`], `verity witness serve`): `POST /add-checkpoint`
//!   for the logs whose keys it was given. Per origin it stores the latest cosigned
//!   `(size, root)` in SQLite; the decision ([`verity_log::witness::add_checkpoint`]) and the
//!   update happen inside one `BEGIN IMMEDIATE` transaction, so two racing requests cannot roll
//!   the witness back (tlog-witness §add-checkpoint, last paragraph).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use verity_log::Hash;
use verity_log::cosignature::{CosignatureSigner, CosignatureVerifier, verify_cosignature};
use verity_log::note::Verifier;
use verity_log::witness::{AddCheckpointRequest, WitnessOutcome, add_checkpoint};
use verity_store::StoreHashReader;

use crate::state::{Core, Published};

/// A witness the log asks for cosignatures: `URL=VKEY` on the command line.
#[derive(Clone, Debug)]
pub struct WitnessTarget {
    /// The witness's submission prefix; the node POSTs to `<url>/add-checkpoint`.
    pub url: String,
    pub verifier: CosignatureVerifier,
}

impl FromStr for WitnessTarget {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> anyhow::Result<Self> {
        let (url, key) = s
            .split_once('=')
            .with_context(|| format!("--witness {s:?}: expected URL=VKEY (VKEY may be a file)"))?;
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            anyhow::bail!("--witness {s:?}: {url:?} is not an http(s) URL");
        }
        let verifier = crate::keys::cosignature_verifier_from_arg(key)
            .with_context(|| format!("--witness {url}"))?;
        Ok(WitnessTarget {
            url: url.trim_end_matches('/').to_owned(),
            verifier,
        })
    }
}

/// Spawns one task per witness.
pub(crate) fn spawn_clients(core: &Arc<Core>, targets: Vec<WitnessTarget>) {
    for t in targets {
        tokio::spawn(witness_client(Arc::downgrade(core), core.subscribe(), t));
    }
}

enum Attempt {
    Cosigned(String),
    Conflict(u64),
}

fn post_add_checkpoint(agent: &ureq::Agent, url: &str, body: Vec<u8>) -> anyhow::Result<Attempt> {
    let mut resp = agent
        .post(&format!("{url}/add-checkpoint"))
        .header("Content-Type", "text/plain")
        .send(&body[..])
        .with_context(|| format!("POST {url}/add-checkpoint"))?;
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .read_to_string()
        .with_context(|| format!("reading the answer of {url}"))?;
    match status {
        200 => Ok(Attempt::Cosigned(text)),
        409 => {
            let size = text.trim().parse::<u64>().with_context(|| {
                format!("{url} answered 409 without a tree size (body {text:?})")
            })?;
            Ok(Attempt::Conflict(size))
        }
        other => anyhow::bail!("{url} answered {other}: {}", text.trim()),
    }
}

async fn witness_client(
    core: std::sync::Weak<Core>,
    mut rx: tokio::sync::watch::Receiver<Arc<Published>>,
    target: WitnessTarget,
) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    // What the node believes the witness last cosigned; learned from 409s and 200s.
    let mut known: Option<u64> = None;
    loop {
        let published = rx.borrow_and_update().clone();
        if published.size > 0 {
            let Some(c) = core.upgrade() else { return };
            let mut tries = 0;
            loop {
                tries += 1;
                let old = known.unwrap_or(0);
                if old > published.size {
                    // The witness has seen a larger tree (e.g. from another node of this log):
                    // wait until we publish at least that much.
                    break;
                }
                let size = published.size;
                let c2 = c.clone();
                let note = published.note.clone();
                let agent2 = agent.clone();
                let url = target.url.clone();
                let res = tokio::task::spawn_blocking(move || -> anyhow::Result<Attempt> {
                    let proof = if old == 0 || old == size {
                        Vec::new()
                    } else {
                        verity_log::prove_consistency(size, old, &StoreHashReader(&*c2.store))
                            .with_context(|| format!("consistency proof {old} -> {size}"))?
                    };
                    let req = AddCheckpointRequest {
                        old_size: old,
                        proof,
                        checkpoint: note.into_bytes(),
                    };
                    post_add_checkpoint(&agent2, &url, req.to_bytes())
                })
                .await;
                match res {
                    Ok(Ok(Attempt::Cosigned(lines))) => {
                        known = Some(size);
                        let body = published.body();
                        let mut attached = false;
                        for line in lines.lines().filter(|l| !l.is_empty()) {
                            match verify_cosignature(body, line, &target.verifier) {
                                Ok(_) => {
                                    c.add_cosignature(
                                        size,
                                        &published.root,
                                        target.verifier.name(),
                                        format!("{line}\n"),
                                    );
                                    attached = true;
                                }
                                Err(e) => eprintln!(
                                    "verity: ignoring a cosignature line from {}: {e}",
                                    target.url
                                ),
                            }
                        }
                        if !attached {
                            eprintln!(
                                "verity: witness {} answered 200 without a valid cosignature by {}",
                                target.url,
                                target.verifier.to_vkey()
                            );
                        }
                        break;
                    }
                    Ok(Ok(Attempt::Conflict(size_there))) => {
                        known = Some(size_there);
                        if tries >= 3 {
                            eprintln!(
                                "verity: witness {} keeps answering 409 (its size {size_there}, ours {size})",
                                target.url
                            );
                            break;
                        }
                    }
                    Ok(Err(e)) => {
                        eprintln!("verity: witness {}: {e:#}", target.url);
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        break;
                    }
                    Err(e) => {
                        eprintln!("verity: witness task failed: {e}");
                        break;
                    }
                }
            }
        }
        if rx.changed().await.is_err() {
            return;
        }
    }
}

/// Configuration of a witness node.
pub struct WitnessConfig {
    pub data_dir: PathBuf,
    pub listen: String,
    /// The witness key's name (used only when the key is created).
    pub name: String,
    /// Verifier keys of the logs this witness cosigns (key name = origin).
    pub logs: Vec<Verifier>,
}

/// The witness node's state.
#[derive(Clone)]
pub struct WitnessNode {
    signer: Arc<CosignatureSigner>,
    logs: Arc<HashMap<String, Verifier>>,
    db: Arc<Mutex<rusqlite::Connection>>,
}

/// The witness database file inside its data folder.
pub const WITNESS_DB_FILE: &str = "witness.sqlite3";

impl WitnessNode {
    /// Opens (or creates) the witness state in `data_dir`.
    pub fn open(
        data_dir: &Path,
        signer: CosignatureSigner,
        logs: Vec<Verifier>,
    ) -> anyhow::Result<Self> {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create {}", data_dir.display()))?;
        let path = data_dir.join(WITNESS_DB_FILE);
        let conn = rusqlite::Connection::open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;
             CREATE TABLE IF NOT EXISTS witness_state (
                 origin TEXT PRIMARY KEY, size INTEGER NOT NULL, root BLOB NOT NULL);",
        )
        .with_context(|| format!("cannot initialise {}", path.display()))?;
        let logs = logs.into_iter().map(|v| (v.name().to_owned(), v)).collect();
        Ok(WitnessNode {
            signer: Arc::new(signer),
            logs: Arc::new(logs),
            db: Arc::new(Mutex::new(conn)),
        })
    }

    /// Handles one `add-checkpoint` body: returns (status, content type, body).
    pub fn handle(&self, body: &[u8], now_unix: u64) -> (u16, &'static str, Vec<u8>) {
        let req = match AddCheckpointRequest::parse(body) {
            Ok(r) => r,
            Err(e) => return (e.status_code(), "text/plain", format!("{e}\n").into_bytes()),
        };
        let origin = match req.origin() {
            Ok(o) => o,
            Err(e) => return (e.status_code(), "text/plain", format!("{e}\n").into_bytes()),
        };
        let Some(log_key) = self.logs.get(&origin) else {
            return (
                404,
                "text/plain",
                format!("unknown log origin {origin:?}\n").into_bytes(),
            );
        };
        let mut conn = self.db.lock().unwrap_or_else(|e| e.into_inner());
        match Self::decide_and_store(&mut conn, &origin, &req, log_key, &self.signer, now_unix) {
            Ok(Ok(outcome)) => {
                let ct = match outcome {
                    WitnessOutcome::Cosigned { .. } => "text/plain",
                    _ => "text/x.tlog.size",
                };
                (outcome.status_code(), ct, outcome.response_body())
            }
            Ok(Err(e)) => (e.status_code(), "text/plain", format!("{e}\n").into_bytes()),
            Err(e) => (
                500,
                "text/plain",
                format!("witness storage: {e}\n").into_bytes(),
            ),
        }
    }

    /// The check and the update in one `BEGIN IMMEDIATE` transaction (the write lock is taken
    /// before the stored state is read).
    fn decide_and_store(
        conn: &mut rusqlite::Connection,
        origin: &str,
        req: &AddCheckpointRequest,
        log_key: &Verifier,
        signer: &CosignatureSigner,
        now_unix: u64,
    ) -> rusqlite::Result<Result<WitnessOutcome, verity_log::WitnessError>> {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let stored: Option<(u64, Hash)> = {
            let mut stmt = tx.prepare("SELECT size, root FROM witness_state WHERE origin = ?1")?;
            let mut rows = stmt.query([origin])?;
            match rows.next()? {
                Some(row) => {
                    let size: i64 = row.get(0)?;
                    let root: Vec<u8> = row.get(1)?;
                    let root: Hash = root.as_slice().try_into().map_err(|_| {
                        rusqlite::Error::InvalidColumnType(
                            1,
                            "root".into(),
                            rusqlite::types::Type::Blob,
                        )
                    })?;
                    Some((size as u64, root))
                }
                None => None,
            }
        };
        let outcome = match add_checkpoint(stored, req, log_key, signer, now_unix) {
            Ok(o) => o,
            Err(e) => return Ok(Err(e)),
        };
        if let WitnessOutcome::Cosigned {
            new_state: (size, root),
            ..
        } = &outcome
        {
            let size = i64::try_from(*size)
                .map_err(|_| rusqlite::Error::IntegralValueOutOfRange(0, *size as i64))?;
            tx.execute(
                "INSERT INTO witness_state (origin, size, root) VALUES (?1, ?2, ?3)
                 ON CONFLICT(origin) DO UPDATE SET size = excluded.size, root = excluded.root",
                rusqlite::params![origin, size, root.as_slice()],
            )?;
        }
        tx.commit()?;
        Ok(Ok(outcome))
    }

    /// The latest cosigned (size, root) per origin.
    pub fn state(&self) -> anyhow::Result<Vec<(String, u64, Hash)>> {
        let conn = self.db.lock().unwrap_or_else(|e| e.into_inner());
        let mut stmt =
            conn.prepare("SELECT origin, size, root FROM witness_state ORDER BY origin")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (o, s, r) = row?;
            let root: Hash = r
                .as_slice()
                .try_into()
                .context("stored root is not 32 bytes")?;
            out.push((o, s as u64, root));
        }
        Ok(out)
    }
}

async fn add_checkpoint_handler(State(node): State<WitnessNode>, body: Bytes) -> Response {
    let now = time::OffsetDateTime::now_utc().unix_timestamp().max(0) as u64;
    let (status, ct, body) =
        match tokio::task::spawn_blocking(move || node.handle(&body, now)).await {
            Ok(x) => x,
            Err(e) => (
                500,
                "text/plain",
                format!("witness failed: {e}\n").into_bytes(),
            ),
        };
    let mut resp = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        body,
    )
        .into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    resp
}

/// The witness node's router: `POST /add-checkpoint`.
pub fn witness_router(node: WitnessNode) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint_handler))
        .layer(DefaultBodyLimit::max(64 * 1024))
        .with_state(node)
}

/// Runs a witness node until Ctrl-C / SIGTERM.
pub async fn serve_witness(cfg: WitnessConfig) -> anyhow::Result<()> {
    let signer =
        crate::keys::load_or_create_witness_key(&cfg.data_dir, &cfg.name, &mut rand_core::OsRng)?;
    let vkey = signer.verifier().to_vkey();
    let node = WitnessNode::open(&cfg.data_dir, signer, cfg.logs.clone())?;
    let listener = tokio::net::TcpListener::bind(&cfg.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.listen))?;
    let addr: SocketAddr = listener.local_addr()?;
    println!("verity witness: listening on http://{addr}");
    println!("verity witness: key {vkey}");
    for l in &cfg.logs {
        println!("verity witness: cosigning log {}", l.to_vkey());
    }
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    axum::serve(listener, witness_router(node))
        .with_graceful_shutdown(crate::shutdown_signal())
        .await
        .context("witness server failed")?;
    Ok(())
}
