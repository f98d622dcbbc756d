//! Shared server state: the store, the log key, the registry snapshot used for parallel
//! signature pre-verification, and the latest published checkpoint with its cosignatures.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use verity_core::Registry;
use verity_log::Hash;
use verity_log::note::{Signer, Verifier};
use verity_store::{LogStore, StoredCheckpoint};

use crate::sequencer::{self, Job};

/// Tunables of the node. The defaults are what `verity serve` uses.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest body of `POST /api/v1/declarations`.
    pub single_body_bytes: usize,
    /// Largest body of `POST /api/v1/declarations/batch`.
    pub batch_body_bytes: usize,
    /// Most declarations in one batch request.
    pub batch_items: usize,
    /// Most candidates the sequencer appends in one store transaction.
    pub sequencer_batch: usize,
    /// How long the sequencer waits for more submissions once it has one (0 = append what is
    /// queued right away; under load batches still grow while the previous append commits).
    pub sequencer_wait: Duration,
    /// Submissions (requests) that may wait for the sequencer; beyond this: 503.
    pub queue_capacity: usize,
    /// Whole-request timeout.
    pub request_timeout: Duration,
    /// Requests in flight per client IP; beyond this: 429.
    pub per_ip_concurrency: usize,
    /// How often the node looks for entries appended by other writers (another process on the
    /// same SQLite folder, another node on the same PostgreSQL database).
    pub refresh_interval: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            single_body_bytes: 256 * 1024,
            batch_body_bytes: 32 * 1024 * 1024,
            batch_items: 1000,
            sequencer_batch: 4096,
            sequencer_wait: Duration::from_millis(5),
            queue_capacity: 1024,
            request_timeout: Duration::from_secs(30),
            per_ip_concurrency: 1024,
            refresh_interval: Duration::from_millis(500),
        }
    }
}

/// A checkpoint as the node publishes it at `/log/checkpoint`.
#[derive(Clone, Debug)]
pub struct Published {
    pub size: u64,
    pub root: Hash,
    /// The signed note (log signature only), ending in a newline.
    pub note: String,
    /// Witness cosignature lines (each ending in a newline) by witness name.
    pub cosignatures: BTreeMap<String, String>,
}

impl Published {
    pub(crate) fn from_stored(cp: &StoredCheckpoint) -> Self {
        Published {
            size: cp.size,
            root: cp.root,
            note: cp.note.clone(),
            cosignatures: BTreeMap::new(),
        }
    }

    /// The note with the cosignatures appended (a valid signed note: signature lines follow
    /// one another after the blank line, C2SP signed-note §Format).
    pub fn served_note(&self) -> String {
        let mut s = self.note.clone();
        for line in self.cosignatures.values() {
            s.push_str(line);
        }
        s
    }

    /// The checkpoint body (the text the signatures cover).
    pub fn body(&self) -> &str {
        // The note is `body \n signatures`; the body ends at the first blank line.
        match self.note.find("\n\n") {
            Some(i) => &self.note[..i + 1],
            None => &self.note,
        }
    }
}

/// State shared by the sequencer and the request handlers.
pub struct Core {
    pub store: Arc<dyn LogStore>,
    pub signer: Signer,
    pub log_verifier: Verifier,
    pub limits: Limits,
    registry: RwLock<Arc<Registry>>,
    published: watch::Sender<Arc<Published>>,
    /// The treaty findings over the log so far, brought up to the published size on each
    /// `GET /api/v1/findings` (each entry is read and evaluated once per process).
    pub(crate) findings: std::sync::Mutex<verity_treaty::log::LogEvaluator<'static>>,
}

impl Core {
    /// The registry snapshot used to pre-verify signatures (keys only are trusted from it;
    /// sequence numbers are checked by the store under its write lock).
    pub fn registry_snapshot(&self) -> Arc<Registry> {
        // A poisoned lock only means a writer panicked mid-assignment of an Arc, which cannot
        // leave a torn value; keep serving.
        self.registry
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(crate) fn set_registry(&self, reg: Registry) {
        *self.registry.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(reg);
    }

    /// The latest published checkpoint.
    pub fn published(&self) -> Arc<Published> {
        self.published.borrow().clone()
    }

    /// Watch for new checkpoints (used by the witness client).
    pub fn subscribe(&self) -> watch::Receiver<Arc<Published>> {
        self.published.subscribe()
    }

    /// Publishes a checkpoint if it is newer than the current one.
    pub(crate) fn publish(&self, cp: &StoredCheckpoint) {
        self.published.send_if_modified(|cur| {
            if cp.size > cur.size {
                *cur = Arc::new(Published::from_stored(cp));
                true
            } else {
                false
            }
        });
    }

    /// Attaches a witness cosignature to the published checkpoint if it is still current.
    pub(crate) fn add_cosignature(&self, size: u64, root: &Hash, witness: &str, line: String) {
        self.published.send_if_modified(|cur| {
            if cur.size == size && &cur.root == root {
                let mut next = (**cur).clone();
                next.cosignatures.insert(witness.to_owned(), line);
                *cur = Arc::new(next);
                // Cosignatures do not make a new checkpoint: do not wake the witness tasks.
                false
            } else {
                false
            }
        });
    }
}

/// What the router serves: the core plus the sequencer's queue.
#[derive(Clone)]
pub struct AppState {
    pub core: Arc<Core>,
    pub(crate) submit: mpsc::Sender<Job>,
}

impl AppState {
    /// Starts a node over an opened store: loads the registry and the latest checkpoint,
    /// spawns the sequencer and the refresher. Must be called inside a tokio runtime.
    pub async fn start(
        store: Arc<dyn LogStore>,
        signer: Signer,
        limits: Limits,
    ) -> anyhow::Result<AppState> {
        let s2 = store.clone();
        let (registry, latest) = tokio::task::spawn_blocking(move || {
            anyhow::Ok((s2.registry()?, s2.latest_checkpoint()?))
        })
        .await??;
        let published = match &latest {
            Some(cp) => Published::from_stored(cp),
            // An empty log still publishes a signed checkpoint (size 0, the empty-tree hash):
            // it is consistent with every later one, and clients can pin the key against it.
            None => {
                let cp = verity_log::checkpoint::Checkpoint {
                    origin: signer.name().to_owned(),
                    size: 0,
                    root: verity_log::empty_root(),
                };
                Published {
                    size: 0,
                    root: cp.root,
                    note: verity_log::checkpoint::try_sign_checkpoint(&cp, &signer)?,
                    cosignatures: BTreeMap::new(),
                }
            }
        };
        let (published_tx, _) = watch::channel(Arc::new(published));
        let core = Arc::new(Core {
            store,
            log_verifier: signer.verifier(),
            signer,
            registry: RwLock::new(Arc::new(registry)),
            published: published_tx,
            limits: limits.clone(),
            findings: std::sync::Mutex::new(verity_treaty::log::LogEvaluator::bundled()),
        });
        let (tx, rx) = mpsc::channel(limits.queue_capacity.max(1));
        tokio::spawn(sequencer::run(core.clone(), rx));
        tokio::spawn(sequencer::refresh(Arc::downgrade(&core)));
        Ok(AppState { core, submit: tx })
    }
}
