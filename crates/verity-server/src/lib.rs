//! The Verity log node: an axum HTTP server over a [`verity_store::LogStore`], serving the
//! JSON API (`/api/v1/...`, described by `/openapi.json`), the C2SP tlog-tiles read API under
//! `/log/`, and pushing checkpoints to C2SP tlog-witness witnesses; plus a witness node and the
//! blocking HTTP client that `verity submit/get/verify` use.
//!
//! This crate is a shell: the tree math and formats are [`verity_log`]'s, the admission rules
//! [`verity_core`]'s and durability [`verity_store`]'s. What it adds is concurrency:
//!
//! * **Pre-verification** — a submission is parsed and its Ed25519 signature checked on the
//!   blocking pool (a batch request in parallel with rayon) against a snapshot of the registry,
//!   outside the sequencer's critical section ([`sequencer::preverify`]).
//! * **Sequencer** — one task gathers queued submissions (bounded queue → 503 when full) into
//!   a batch of up to 4096 and calls `LogStore::append` once per batch; the store commits the
//!   entries with a signed checkpoint and only then are the requests answered (201). See
//!   [`sequencer`].
//! * **Tiles** — `/log/tile/...` and `/log/checkpoint` ([`tiles`]); full tiles are immutable.
//! * **Witnesses** — [`witness`].
//!
//! Limits: 256 KiB per single submission body, 32 MiB per batch body (≤ 1000 items), 30 s per
//! request, 1024 requests in flight per client IP (429 beyond), and JSON errors
//! `{"error": {"code", "message"}}` everywhere ([`error`]).
//!
//! Client side ([`client`]): the `verify` procedure keeps the last trusted checkpoint per log
//! origin in a state folder and checks the log signature, consistency with the trusted
//! checkpoint (computed client-side from tiles verified against the new checkpoint, with
//! [`verity_log::tile::TileHashReader`]), inclusion of an entry (leaf hash of the exact bytes
//! from the entry bundle), and with `--full` recomputes the whole tree from every entry bundle
//! and replays the registry.
//!
//! Benchmark: `bench/ledger/run.sh` (release `verity serve` + `examples/loadgen.rs`).

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use verity_log::note::Signer;
use verity_store::LogStore;

pub mod analytics;
pub mod api;
pub mod client;
pub mod demo;
pub mod error;
pub mod keys;
mod limits;
pub mod openapi;
pub mod operator;
pub mod sequencer;
pub mod state;
pub mod tiles;
pub mod witness;

pub use error::ApiError;

/// Crates whose types appear in this crate's API, re-exported so the CLI and its tests use the
/// same versions.
pub use {rusqlite, time, tokio};

/// Runs a future on a new multi-threaded tokio runtime (for the CLI's blocking `main`).
pub fn block_on<T>(f: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(f)
}

/// Makes a new Ed25519 signer key (C2SP signed-note, type 0x01) from the OS random source.
pub fn generate_signer(name: &str) -> anyhow::Result<Signer> {
    Signer::generate(name, &mut rand_core::OsRng)
        .with_context(|| format!("cannot make a key named {name:?}"))
}
pub use state::{AppState, Limits};
pub use witness::{WitnessConfig, WitnessTarget};

/// How `verity serve` is configured.
#[derive(Clone, Debug)]
pub struct Config {
    /// The data folder: log key (`log.key`, `log.vkey`) and the SQLite store.
    pub data_dir: PathBuf,
    /// `HOST:PORT` to listen on (loopback by default; port 0 picks a free port).
    pub listen: String,
    /// Use PostgreSQL at this connection string instead of SQLite in the data folder.
    pub postgres: Option<String>,
    /// The log origin (= log key name) for a new data folder.
    pub origin: Option<String>,
    pub witnesses: Vec<WitnessTarget>,
    pub limits: Limits,
}

impl Config {
    pub fn new(data_dir: impl Into<PathBuf>, listen: impl Into<String>) -> Self {
        Config {
            data_dir: data_dir.into(),
            listen: listen.into(),
            postgres: None,
            origin: None,
            witnesses: Vec::new(),
            limits: Limits::default(),
        }
    }
}

async fn openapi_doc() -> Response {
    let mut resp = openapi::OPENAPI_JSON.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint; see /openapi.json")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "method not allowed on this endpoint; see /openapi.json",
    )
}

/// The node's HTTP routes over a started [`AppState`].
pub fn router(state: AppState) -> Router {
    let l = state.core.limits.clone();
    let timeout = tower_http::timeout::TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        l.request_timeout,
    );
    Router::new()
        .route(
            "/api/v1/declarations",
            post(api::submit).layer(DefaultBodyLimit::max(l.single_body_bytes)),
        )
        .route(
            "/api/v1/declarations/batch",
            post(api::submit_batch).layer(DefaultBodyLimit::max(l.batch_body_bytes)),
        )
        .route("/api/v1/entries/{index}", get(api::get_entry))
        .route("/api/v1/parties", get(api::parties))
        .route(
            "/api/v1/parties/{party}/declarations/{seq}",
            get(api::get_by_party_seq),
        )
        .route("/api/v1/proofs/inclusion", get(api::inclusion_proof))
        .route("/api/v1/proofs/consistency", get(api::consistency_proof))
        .route("/api/v1/checkpoint", get(api::latest_checkpoint))
        .route("/api/v1/checkpoints/{size}", get(api::checkpoint_at))
        .route("/api/v1/treaties", get(analytics::treaties))
        .route(
            "/api/v1/treaties/{id}/check",
            post(analytics::check).layer(DefaultBodyLimit::max(l.batch_body_bytes)),
        )
        .route("/api/v1/findings", get(analytics::findings))
        .route(
            "/api/v1/safeguards/balance",
            post(analytics::safeguards_balance).layer(DefaultBodyLimit::max(l.batch_body_bytes)),
        )
        .route(
            "/api/v1/seismic/locate",
            post(analytics::seismic_locate).layer(DefaultBodyLimit::max(l.batch_body_bytes)),
        )
        .route(
            "/api/v1/space/propagate",
            post(analytics::space_propagate).layer(DefaultBodyLimit::max(l.batch_body_bytes)),
        )
        .route(
            "/api/v1/space/screen",
            post(analytics::space_screen).layer(DefaultBodyLimit::max(l.batch_body_bytes)),
        )
        .route("/healthz", get(api::healthz))
        .route("/openapi.json", get(openapi_doc))
        .route("/log/checkpoint", get(tiles::checkpoint))
        .route("/log/key", get(tiles::key))
        .route("/log/tile/{*rest}", get(tiles::tile))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(timeout)
        .layer(axum::middleware::from_fn_with_state(
            limits::IpLimiter::new(l.per_ip_concurrency),
            limits::limit_per_ip,
        ))
        .with_state(state)
}

/// Opens the store of a data folder (SQLite) or a PostgreSQL database, for the log whose
/// operator key is `signer`.
pub fn open_store(
    data_dir: &Path,
    postgres: Option<&str>,
    signer: &Signer,
) -> anyhow::Result<Arc<dyn LogStore>> {
    let verifier = signer.verifier();
    Ok(match postgres {
        Some(conn) => Arc::new(
            verity_store::open_postgres(conn, signer.name(), &verifier)
                .context("cannot open the PostgreSQL store")?,
        ),
        None => Arc::new(
            verity_store::open_sqlite(data_dir, signer.name(), &verifier).with_context(|| {
                format!("cannot open the SQLite store in {}", data_dir.display())
            })?,
        ),
    })
}

/// Resolves when the process gets Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// A node ready to serve: the state and the bound listener.
pub struct Node {
    pub state: AppState,
    pub listener: tokio::net::TcpListener,
    pub addr: SocketAddr,
    /// Whether the log key was created by this start.
    pub created_key: bool,
}

/// Loads or creates the log key, opens the store, starts the sequencer and witness clients
/// and binds the listener.
pub async fn start(config: &Config) -> anyhow::Result<Node> {
    let (signer, created_key) = keys::load_or_create_log_key(
        &config.data_dir,
        config.origin.as_deref(),
        &mut rand_core::OsRng,
    )?;
    let data_dir = config.data_dir.clone();
    let pg = config.postgres.clone();
    let s2 = signer.clone();
    let store = tokio::task::spawn_blocking(move || open_store(&data_dir, pg.as_deref(), &s2))
        .await
        .context("store opener failed")??;
    let state = AppState::start(store, signer, config.limits.clone()).await?;
    witness::spawn_clients(&state.core, config.witnesses.clone());
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    Ok(Node {
        state,
        listener,
        addr,
        created_key,
    })
}

/// Serves a started node until `shutdown` resolves, then finishes in-flight requests.
pub async fn run(
    node: Node,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = router(node.state);
    axum::serve(
        node.listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .context("HTTP server failed")
}

/// `verity serve`: start, print where it listens, serve until Ctrl-C / SIGTERM.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let node = start(&config).await?;
    let core = &node.state.core;
    if node.created_key {
        println!(
            "verity: created log key {} (verifier key in {})",
            config.data_dir.join(keys::LOG_KEY_FILE).display(),
            config.data_dir.join(keys::LOG_VKEY_FILE).display()
        );
    }
    println!("verity: log {}", core.log_verifier.to_vkey());
    println!(
        "verity: tree size {}, store {}",
        core.published().size,
        match &config.postgres {
            Some(_) => "PostgreSQL".to_owned(),
            None => config.data_dir.display().to_string(),
        }
    );
    println!("verity: listening on http://{}", node.addr);
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    run(node, shutdown_signal()).await
}
