//! The client side: a blocking HTTP client for a Verity node (`ureq`), and the verification
//! procedure of `verity verify` (also used by `verity submit` to check the proof it gets).
//!
//! # What `verify` checks, and in which order
//!
//! 1. **Log key.** `--log-key FILE`, else the key pinned for this origin in the state folder,
//!    else `/log/key` is fetched and pinned (trust on first use, with a printed warning).
//! 2. **Checkpoint signature.** `/log/checkpoint` must carry a valid signature by the log key
//!    and its origin must be the key's name (C2SP tlog-checkpoint, signed-note).
//! 3. **Consistency with the trusted checkpoint** (the last one this client accepted for the
//!    origin, kept in `STATE/logs/<origin>/checkpoint`): a smaller tree means the log shrank;
//!    otherwise an RFC 9162 §2.1.4 consistency proof is computed client-side from the log's
//!    tiles ([`verity_log::tile::TileHashReader`] verifies every tile against the new
//!    checkpoint before using it) and must lead to the trusted root. A failure means a forked
//!    or rewritten log; the offending checkpoint is saved as evidence.
//! 4. **Inclusion** (`--index` or `--party/--seq`): the entry's exact bytes are taken from its
//!    entry bundle, hashed (RFC 9162 §2.1.1 leaf hash) and proven against the checkpoint root.
//! 5. **Full audit** (`--full`): every entry bundle is downloaded; every leaf hash is compared
//!    with the level-0 tiles (to name the first edited entry), the root is recomputed with
//!    [`verity_log::CompactTree`] and compared with the checkpoint, and the registry is replayed
//!    from entry 0 with [`verity_core::Registry::admit`] (every signature and every sequence
//!    number re-checked).
//!
//! Only when every check passes does the new checkpoint become the trusted one.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Serialize;
use serde::de::DeserializeOwned;
use verity_core::{Registry, SignedEnvelope};
use verity_log::checkpoint::{Checkpoint, open_checkpoint};
use verity_log::note::Verifier;
use verity_log::tile::{EntryBundle, Tile, TileHashReader, decode_entry_bundle_exact};
use verity_log::{CompactTree, Hash, LogError};

use crate::api::{EntryResponse, PartiesResponse, SubmitResponse};
use crate::error::ErrorBody;

/// An error answer from the server (a JSON error body).
#[derive(Debug, thiserror::Error)]
#[error("the server refused ({status} {code}): {message}")]
pub struct ServerError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

/// A blocking client of one Verity node.
#[derive(Clone)]
pub struct Client {
    base: String,
    agent: ureq::Agent,
}

const MAX_BODY: u64 = 64 << 20;

impl Client {
    /// `base` is the node's URL, e.g. `http://127.0.0.1:8080`.
    pub fn new(base: &str) -> anyhow::Result<Self> {
        let base = base.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            bail!("server URL {base:?} must start with http:// or https://");
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Ok(Client { base, agent })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn finish(
        &self,
        what: &str,
        resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> anyhow::Result<Vec<u8>> {
        let mut resp = resp.map_err(|e| {
            anyhow::anyhow!(
                "cannot reach the Verity server at {} ({what}): {e}",
                self.base
            )
        })?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .with_context(|| format!("reading the answer to {what} from {}", self.base))?;
        if (200..300).contains(&status) {
            return Ok(body);
        }
        match serde_json::from_slice::<ErrorBody>(&body) {
            Ok(e) => Err(ServerError {
                status,
                code: e.error.code,
                message: e.error.message,
            }
            .into()),
            Err(_) => Err(ServerError {
                status,
                code: "http".into(),
                message: format!(
                    "{what}: HTTP {status}: {}",
                    String::from_utf8_lossy(&body[..body.len().min(300)]).trim()
                ),
            }
            .into()),
        }
    }

    /// GET a path (starting with `/`), returning the body of a 2xx answer.
    pub fn get_bytes(&self, path: &str) -> anyhow::Result<Vec<u8>> {
        let url = format!("{}{path}", self.base);
        self.finish(&format!("GET {path}"), self.agent.get(&url).call())
    }

    pub fn get_json<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        let body = self.get_bytes(path)?;
        serde_json::from_slice(&body)
            .with_context(|| format!("GET {path}: the answer is not the expected JSON"))
    }

    pub fn post_json<T: DeserializeOwned>(&self, path: &str, body: &[u8]) -> anyhow::Result<T> {
        let url = format!("{}{path}", self.base);
        let resp = self
            .agent
            .post(&url)
            .header("Content-Type", "application/json")
            .send(body);
        let body = self.finish(&format!("POST {path}"), resp)?;
        serde_json::from_slice(&body)
            .with_context(|| format!("POST {path}: the answer is not the expected JSON"))
    }

    /// The log's verifier key from `/log/key`.
    pub fn log_key(&self) -> anyhow::Result<Verifier> {
        let text =
            String::from_utf8(self.get_bytes("/log/key")?).context("/log/key is not text")?;
        Verifier::from_vkey(text.trim()).context("/log/key is not a verifier key")
    }

    pub fn checkpoint_note(&self) -> anyhow::Result<Vec<u8>> {
        self.get_bytes("/log/checkpoint")
    }

    pub fn parties(&self) -> anyhow::Result<PartiesResponse> {
        self.get_json("/api/v1/parties")
    }

    pub fn entry(&self, index: u64) -> anyhow::Result<EntryResponse> {
        self.get_json(&format!("/api/v1/entries/{index}"))
    }

    pub fn entry_by_party_seq(&self, party: &str, seq: u64) -> anyhow::Result<EntryResponse> {
        self.get_json(&format!(
            "/api/v1/parties/{}/declarations/{seq}",
            percent_encode_segment(party)
        ))
    }

    pub fn submit(&self, envelope_json: &[u8]) -> anyhow::Result<SubmitResponse> {
        self.post_json("/api/v1/declarations", envelope_json)
    }

    /// Fetches tiles (for [`TileHashReader`]).
    pub fn tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, LogError> {
        tiles
            .iter()
            .map(|t| {
                self.get_bytes(&format!("/log/{}", t.path()))
                    .map_err(|e| LogError::Storage(e.into()))
            })
            .collect()
    }

    /// Fetches and decodes an entry bundle of the given width.
    pub fn entry_bundle(&self, bundle: EntryBundle) -> anyhow::Result<Vec<Vec<u8>>> {
        let path = bundle.path();
        let bytes = self.get_bytes(&format!("/log/{path}"))?;
        decode_entry_bundle_exact(&bytes, bundle.width)
            .with_context(|| format!("/log/{path} is not a valid entry bundle"))
    }
}

/// Percent-encodes a path segment (party names may contain `/`).
pub fn percent_encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The client's state folder: pinned log keys and trusted checkpoints, per origin.
pub struct TrustStore {
    dir: PathBuf,
}

impl TrustStore {
    /// `$VERITY_STATE`, else `~/.config/verity`.
    pub fn default_dir() -> anyhow::Result<PathBuf> {
        if let Some(d) = std::env::var_os("VERITY_STATE") {
            return Ok(PathBuf::from(d));
        }
        let home = std::env::var_os("HOME").context(
            "neither VERITY_STATE nor HOME is set: pass --state DIR to say where trusted checkpoints are kept",
        )?;
        Ok(PathBuf::from(home).join(".config").join("verity"))
    }

    pub fn open(dir: &Path) -> Self {
        TrustStore {
            dir: dir.to_path_buf(),
        }
    }

    /// `STATE/logs/<origin with unsafe characters as _>-<hash prefix>`.
    fn log_dir(&self, origin: &str) -> PathBuf {
        let safe: String = origin
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let h = verity_log::leaf_hash(origin.as_bytes());
        self.dir
            .join("logs")
            .join(format!("{safe}-{}", hex::encode(&h[..4])))
    }

    pub fn pinned_key(&self, origin: &str) -> anyhow::Result<Option<Verifier>> {
        let p = self.log_dir(origin).join("log.vkey");
        if !p.exists() {
            return Ok(None);
        }
        crate::keys::read_verifier_key(&p).map(Some)
    }

    pub fn pin_key(&self, origin: &str, key: &Verifier) -> anyhow::Result<()> {
        let d = self.log_dir(origin);
        std::fs::create_dir_all(&d).with_context(|| format!("cannot create {}", d.display()))?;
        let p = d.join("log.vkey");
        std::fs::write(&p, format!("{}\n", key.to_vkey()))
            .with_context(|| format!("cannot write {}", p.display()))
    }

    /// The trusted checkpoint note for an origin, if any.
    pub fn trusted_note(&self, origin: &str) -> anyhow::Result<Option<Vec<u8>>> {
        let p = self.log_dir(origin).join("checkpoint");
        match std::fs::read(&p) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", p.display())),
        }
    }

    pub fn save_trusted(&self, origin: &str, note: &[u8]) -> anyhow::Result<()> {
        let d = self.log_dir(origin);
        std::fs::create_dir_all(&d).with_context(|| format!("cannot create {}", d.display()))?;
        let tmp = d.join("checkpoint.tmp");
        let p = d.join("checkpoint");
        std::fs::write(&tmp, note).with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, &p).with_context(|| format!("cannot replace {}", p.display()))
    }

    /// Keeps a checkpoint that failed a check, as evidence; returns where.
    pub fn save_evidence(&self, origin: &str, size: u64, note: &[u8]) -> Option<PathBuf> {
        let d = self.log_dir(origin);
        std::fs::create_dir_all(&d).ok()?;
        let p = d.join(format!("evidence-checkpoint-{size}.txt"));
        std::fs::write(&p, note).ok()?;
        Some(p)
    }
}

/// What to check besides the checkpoint.
#[derive(Clone, Debug, Default)]
pub struct VerifyRequest {
    pub log_key: Option<Verifier>,
    pub index: Option<u64>,
    pub party_seq: Option<(String, u64)>,
    pub full: bool,
    /// Witnesses whose cosignatures this client trusts (C2SP tlog-cosignature keys).
    pub witnesses: Vec<verity_log::cosignature::CosignatureVerifier>,
    /// How many of `witnesses` must have cosigned the checkpoint (0 = none required).
    pub quorum: usize,
}

/// What `verify` found (all checks passed).
#[derive(Clone, Debug, Serialize)]
pub struct VerifyReport {
    pub server: String,
    pub origin: String,
    pub log_key: String,
    /// The key was pinned now (first use).
    pub pinned_now: bool,
    pub tree_size: u64,
    pub root: String,
    /// Size of the checkpoint trusted before this run.
    pub previous_size: Option<u64>,
    /// "first use", "unchanged", or "consistent".
    pub consistency: String,
    pub witnesses: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<EntryCheck>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full: Option<FullCheck>,
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct EntryCheck {
    pub index: u64,
    pub leaf_hash: String,
    pub party: String,
    pub seq: u64,
    pub treaty: String,
    pub kind: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct FullCheck {
    pub entries: u64,
    pub parties: usize,
    pub keys: usize,
}

/// Why a log failed verification. Each message says what is wrong in words a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("the log's checkpoint is not validly signed by the log key {key}: {reason}")]
    BadCheckpointSignature { key: String, reason: String },
    #[error(
        "the checkpoint at size {size} is cosigned by {have} of the trusted witnesses ({names}), {need} required: the log may be showing this client a view other parties have not seen"
    )]
    WitnessQuorum {
        size: u64,
        have: usize,
        need: usize,
        names: String,
    },
    #[error("a witness cosignature on the checkpoint does not verify: {reason}")]
    BadCosignature { reason: String },
    #[error(
        "the log shrank: it now publishes {new_size} entries, but a checkpoint with {old_size} entries was trusted before — entries were dropped or the log was rewritten (evidence: {evidence})"
    )]
    Shrank {
        old_size: u64,
        new_size: u64,
        evidence: String,
    },
    #[error(
        "the log's checkpoint at size {new_size} is inconsistent with the checkpoint trusted at size {old_size} — a forked or rewritten log ({reason}; evidence: {evidence})"
    )]
    Inconsistent {
        old_size: u64,
        new_size: u64,
        reason: String,
        evidence: String,
    },
    #[error(
        "the tiles served by the log do not match its signed checkpoint (size {size}): {reason}"
    )]
    TilesMismatch { size: u64, reason: String },
    #[error("entry {index}'s bytes do not match the tree — an edited entry ({reason})")]
    EntryMismatch { index: u64, reason: String },
    #[error("entry {index} is not in the log (tree size {size})")]
    NoSuchEntry { index: u64, size: u64 },
    #[error(
        "the tree recomputed from all {size} entries has root {computed}, but the checkpoint says {claimed}"
    )]
    RootMismatch {
        size: u64,
        computed: String,
        claimed: String,
    },
    #[error("entry {index} is not a valid declaration: {reason}")]
    BadEntry { index: u64, reason: String },
    #[error("entry {index} fails the admission rules on replay ({code}): {reason}")]
    ReplayRefused {
        index: u64,
        code: String,
        reason: String,
    },
    #[error(
        "the server says ({party}, {seq}) is entry {index}, but entry {index} is ({found_party}, {found_seq})"
    )]
    WrongIndex {
        party: String,
        seq: u64,
        index: u64,
        found_party: String,
        found_seq: u64,
    },
}

fn hash_b64(h: &Hash) -> String {
    B64.encode(h)
}

fn first_line(note: &[u8]) -> anyhow::Result<String> {
    let line = note.split(|&b| b == b'\n').next().unwrap_or_default();
    let s = std::str::from_utf8(line).context("the checkpoint's origin line is not UTF-8")?;
    if s.is_empty() {
        bail!("the log served an empty checkpoint");
    }
    Ok(s.to_owned())
}

/// The log key to use for an origin: given, pinned, or fetched and pinned now.
pub fn resolve_log_key(
    client: &Client,
    trust: &TrustStore,
    origin: &str,
    given: Option<&Verifier>,
    warnings: &mut Vec<String>,
) -> anyhow::Result<(Verifier, bool)> {
    let pinned = trust.pinned_key(origin)?;
    if let Some(k) = given {
        if let Some(p) = &pinned
            && p != k
        {
            warnings.push(format!(
                "--log-key {} differs from the key pinned for {origin} ({}); using --log-key",
                k.to_vkey(),
                p.to_vkey()
            ));
        }
        if pinned.is_none() {
            trust.pin_key(origin, k)?;
        }
        return Ok((k.clone(), false));
    }
    if let Some(p) = pinned {
        return Ok((p, false));
    }
    let k = client.log_key()?;
    warnings.push(format!(
        "first use of log {origin}: pinned its key {} as served by {}/log/key (trust on first use; pass --log-key FILE with a key obtained out of band to check it)",
        k.to_vkey(),
        client.base()
    ));
    trust.pin_key(origin, &k)?;
    Ok((k, true))
}

/// Opens a checkpoint with the log key, mapping failures to [`VerifyError::BadCheckpointSignature`].
pub fn open_log_checkpoint(note: &[u8], key: &Verifier) -> Result<Checkpoint, VerifyError> {
    open_checkpoint(note, key)
        .map(|(cp, _)| cp)
        .map_err(|e| VerifyError::BadCheckpointSignature {
            key: key.to_vkey(),
            reason: e.to_string(),
        })
}

/// Checks that `new` (already signature-checked) is consistent with the trusted checkpoint for
/// its origin. Returns (previous size, description). Does not save anything.
pub fn check_consistency(
    client: &Client,
    trust: &TrustStore,
    key: &Verifier,
    new: &Checkpoint,
    new_note: &[u8],
) -> anyhow::Result<(Option<u64>, String)> {
    let Some(old_note) = trust.trusted_note(&new.origin)? else {
        return Ok((None, "first use".into()));
    };
    let old = open_checkpoint(&old_note, key)
        .map(|(cp, _)| cp)
        .with_context(|| {
            format!(
                "the checkpoint trusted for {} in the state folder does not verify under the log key",
                new.origin
            )
        })?;
    let evidence = || {
        trust
            .save_evidence(&new.origin, new.size, new_note)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "not saved".into())
    };
    if new.size < old.size {
        return Err(VerifyError::Shrank {
            old_size: old.size,
            new_size: new.size,
            evidence: evidence(),
        }
        .into());
    }
    if new.size == old.size {
        if new.root != old.root {
            return Err(VerifyError::Inconsistent {
                old_size: old.size,
                new_size: new.size,
                reason: format!(
                    "same size, different root: trusted {}, now {}",
                    hash_b64(&old.root),
                    hash_b64(&new.root)
                ),
                evidence: evidence(),
            }
            .into());
        }
        return Ok((Some(old.size), "unchanged".into()));
    }
    if old.size == 0 {
        return Ok((Some(0), "consistent".into()));
    }
    let fetch = |tiles: &[Tile]| client.tiles(tiles);
    let reader = TileHashReader::new(new.size, new.root, &fetch);
    let proof = match verity_log::prove_consistency(new.size, old.size, &reader) {
        Ok(p) => p,
        Err(LogError::Storage(e)) => return Err(anyhow::anyhow!("fetching tiles: {e}")),
        Err(e) => {
            return Err(VerifyError::TilesMismatch {
                size: new.size,
                reason: e.to_string(),
            }
            .into());
        }
    };
    verity_log::verify_consistency(old.size, new.size, &old.root, &new.root, &proof).map_err(
        |e| VerifyError::Inconsistent {
            old_size: old.size,
            new_size: new.size,
            reason: e.to_string(),
            evidence: evidence(),
        },
    )?;
    Ok((Some(old.size), "consistent".into()))
}

/// Checks that entry `index` is in the tree `(cp.size, cp.root)`, from its entry bundle and
/// the tiles; returns the entry bytes.
pub fn check_inclusion(client: &Client, cp: &Checkpoint, index: u64) -> anyhow::Result<Vec<u8>> {
    let bundle = EntryBundle::for_entry(index, cp.size).ok_or(VerifyError::NoSuchEntry {
        index,
        size: cp.size,
    })?;
    let entries = client.entry_bundle(bundle)?;
    let bytes = entries
        .into_iter()
        .nth((index % 256) as usize)
        .context("entry bundle is shorter than its width")?;
    let leaf = verity_log::leaf_hash(&bytes);
    let fetch = |tiles: &[Tile]| client.tiles(tiles);
    let reader = TileHashReader::new(cp.size, cp.root, &fetch);
    let proof = match verity_log::prove_inclusion(cp.size, index, &reader) {
        Ok(p) => p,
        Err(LogError::Storage(e)) => return Err(anyhow::anyhow!("fetching tiles: {e}")),
        Err(e) => {
            return Err(VerifyError::TilesMismatch {
                size: cp.size,
                reason: e.to_string(),
            }
            .into());
        }
    };
    verity_log::verify_inclusion(index, cp.size, &leaf, &proof, &cp.root).map_err(|e| {
        VerifyError::EntryMismatch {
            index,
            reason: format!("its leaf hash {} is not in the tree: {e}", hash_b64(&leaf)),
        }
    })?;
    Ok(bytes)
}

/// Downloads every entry and checks them against the tree, recomputes the root and replays the
/// registry. `progress` is called with the number of entries done; `on_entry` with each entry
/// (index, exact bytes) once it has passed every check (readers such as `verity report` use it
/// to evaluate only verified declarations).
pub fn full_audit(
    client: &Client,
    cp: &Checkpoint,
    log_key: &Verifier,
    now: time::OffsetDateTime,
    progress: &mut dyn FnMut(u64),
    on_entry: &mut dyn FnMut(u64, &[u8]),
) -> anyhow::Result<FullCheck> {
    let fetch = |tiles: &[Tile]| client.tiles(tiles);
    let reader = TileHashReader::new(cp.size, cp.root, &fetch);
    let mut tree = CompactTree::new();
    let mut registry = Registry::new(log_key.clone());
    let mut index = 0u64;
    while index < cp.size {
        let bundle = EntryBundle::for_entry(index, cp.size).context("bundle index within tree")?;
        let entries = client.entry_bundle(bundle)?;
        // The tree's leaf hashes for this bundle: level-0 hashes, verified against the root.
        let idx: Vec<u64> = (0..u64::from(bundle.width))
            .map(|i| verity_log::stored_hash_index(0, bundle.index * 256 + i))
            .collect();
        let tree_leaves = match verity_log::HashReader::read_hashes(&reader, &idx) {
            Ok(h) => h,
            Err(LogError::Storage(e)) => return Err(anyhow::anyhow!("fetching tiles: {e}")),
            Err(e) => {
                return Err(VerifyError::TilesMismatch {
                    size: cp.size,
                    reason: e.to_string(),
                }
                .into());
            }
        };
        for (bytes, tree_leaf) in entries.iter().zip(tree_leaves) {
            let leaf = verity_log::leaf_hash(bytes);
            if leaf != tree_leaf {
                return Err(VerifyError::EntryMismatch {
                    index,
                    reason: format!(
                        "the entry bundle's bytes hash to {}, the tree has {}",
                        hash_b64(&leaf),
                        hash_b64(&tree_leaf)
                    ),
                }
                .into());
            }
            tree.append(leaf);
            let env =
                SignedEnvelope::from_entry_bytes(bytes).map_err(|e| VerifyError::BadEntry {
                    index,
                    reason: e.to_string(),
                })?;
            registry
                .admit(&env, index, now)
                .map_err(|r| VerifyError::ReplayRefused {
                    index,
                    code: r.code().to_owned(),
                    reason: r.to_string(),
                })?;
            on_entry(index, bytes);
            index += 1;
        }
        progress(index);
    }
    let root = tree.root();
    if root != cp.root {
        return Err(VerifyError::RootMismatch {
            size: cp.size,
            computed: hash_b64(&root),
            claimed: hash_b64(&cp.root),
        }
        .into());
    }
    Ok(FullCheck {
        entries: cp.size,
        parties: registry.last_seqs().len(),
        keys: registry.keys().len(),
    })
}

/// The whole `verify` procedure (see the module docs).
pub fn verify(
    client: &Client,
    trust: &TrustStore,
    req: &VerifyRequest,
    progress: &mut dyn FnMut(u64, u64),
) -> anyhow::Result<VerifyReport> {
    let note = client.checkpoint_note()?;
    let origin = first_line(&note)?;
    let mut warnings = Vec::new();
    let (key, pinned_now) =
        resolve_log_key(client, trust, &origin, req.log_key.as_ref(), &mut warnings)?;
    let cp = open_log_checkpoint(&note, &key)?;
    // Cosignatures: with trusted witness keys, each present cosignature must verify and at
    // least `quorum` must be present (C2SP tlog-cosignature; a split view shown to this client
    // alone would lack them). Without, the names on unverified lines are only reported.
    let witnesses = if req.witnesses.is_empty() {
        verity_log::note::open(&note, &[&key])
            .map(|n| {
                n.unverified
                    .iter()
                    .map(|s| format!("{} (not checked)", s.name))
                    .collect()
            })
            .unwrap_or_default()
    } else {
        let refs: Vec<&verity_log::cosignature::CosignatureVerifier> =
            req.witnesses.iter().collect();
        let (_, opened) = verity_log::checkpoint::open_cosigned_checkpoint(&note, &key, &refs)
            .map_err(|e| VerifyError::BadCosignature {
                reason: e.to_string(),
            })?;
        let cosigned: Vec<String> = opened
            .verified
            .iter()
            .filter(|v| req.witnesses.iter().any(|w| w.name() == v.name))
            .map(|v| v.name.clone())
            .collect();
        if cosigned.len() < req.quorum {
            return Err(VerifyError::WitnessQuorum {
                size: cp.size,
                have: cosigned.len(),
                need: req.quorum,
                names: if cosigned.is_empty() {
                    "none".into()
                } else {
                    cosigned.join(", ")
                },
            }
            .into());
        }
        cosigned
            .into_iter()
            .map(|n| format!("{n} (cosignature verified)"))
            .collect()
    };
    let (previous_size, consistency) = check_consistency(client, trust, &key, &cp, &note)?;

    let mut entry = None;
    let target = match (&req.index, &req.party_seq) {
        (Some(i), _) => Some((*i, None)),
        (None, Some((party, seq))) => {
            let e = client
                .entry_by_party_seq(party, *seq)
                .with_context(|| format!("looking up {party}'s declaration {seq}"))?;
            Some((e.index, Some((party.clone(), *seq))))
        }
        _ => None,
    };
    if let Some((index, expected)) = target {
        let bytes = check_inclusion(client, &cp, index)?;
        let env = SignedEnvelope::from_entry_bytes(&bytes).map_err(|e| VerifyError::BadEntry {
            index,
            reason: e.to_string(),
        })?;
        let e = &env.envelope;
        if let Some((party, seq)) = expected
            && (e.party != party || e.seq != seq)
        {
            return Err(VerifyError::WrongIndex {
                party,
                seq,
                index,
                found_party: e.party.clone(),
                found_seq: e.seq,
            }
            .into());
        }
        entry = Some(EntryCheck {
            index,
            leaf_hash: hash_b64(&verity_log::leaf_hash(&bytes)),
            party: e.party.clone(),
            seq: e.seq,
            treaty: e.treaty.clone(),
            kind: e.kind.clone(),
        });
    }
    let full = if req.full {
        let size = cp.size;
        Some(full_audit(
            client,
            &cp,
            &key,
            time::OffsetDateTime::now_utc(),
            &mut |done| progress(done, size),
            &mut |_, _| {},
        )?)
    } else {
        None
    };
    trust.save_trusted(&origin, &note)?;
    Ok(VerifyReport {
        server: client.base().to_owned(),
        origin,
        log_key: key.to_vkey(),
        pinned_now,
        tree_size: cp.size,
        root: hash_b64(&cp.root),
        previous_size,
        consistency,
        witnesses,
        entry,
        full,
        warnings,
    })
}

/// Checks a submission's answer: the checkpoint is signed by the log key, the inclusion proof
/// of our own entry bytes leads to its root, and it is consistent with the trusted checkpoint
/// (which it then replaces).
pub fn check_submission(
    client: &Client,
    trust: &TrustStore,
    log_key: Option<&Verifier>,
    entry_bytes: &[u8],
    resp: &SubmitResponse,
) -> anyhow::Result<(Checkpoint, Vec<String>)> {
    let note = resp.checkpoint.as_bytes();
    let origin = first_line(note)?;
    let mut warnings = Vec::new();
    let (key, _) = resolve_log_key(client, trust, &origin, log_key, &mut warnings)?;
    let cp = open_log_checkpoint(note, &key)?;
    let leaf = verity_log::leaf_hash(entry_bytes);
    if resp.leaf_hash != hash_b64(&leaf) {
        bail!(
            "the server reports leaf hash {} for our entry, but its bytes hash to {}",
            resp.leaf_hash,
            hash_b64(&leaf)
        );
    }
    let proof = resp
        .inclusion_proof
        .iter()
        .map(|h| {
            B64.decode(h)
                .ok()
                .and_then(|v| Hash::try_from(v.as_slice()).ok())
                .with_context(|| format!("inclusion proof hash {h:?} is not base64 of 32 bytes"))
        })
        .collect::<anyhow::Result<Vec<Hash>>>()?;
    if cp.size != resp.tree_size {
        bail!(
            "the answer's tree size {} differs from its checkpoint's {}",
            resp.tree_size,
            cp.size
        );
    }
    verity_log::verify_inclusion(resp.index, cp.size, &leaf, &proof, &cp.root).map_err(|e| {
        anyhow::anyhow!(
            "the inclusion proof for entry {} does not lead to the checkpoint root: {e}",
            resp.index
        )
    })?;
    check_consistency(client, trust, &key, &cp, note)?;
    // Only move the trusted checkpoint forward.
    let newer = match trust.trusted_note(&origin)? {
        Some(old) => open_checkpoint(&old, &key)
            .map(|(o, _)| cp.size > o.size)
            .unwrap_or(true),
        None => true,
    };
    if newer {
        trust.save_trusted(&origin, note)?;
    }
    Ok((cp, warnings))
}

/// Decodes standard base64 (as the JSON API encodes entry bytes and hashes).
pub fn decode_b64(s: &str) -> anyhow::Result<Vec<u8>> {
    B64.decode(s)
        .with_context(|| format!("{s:?} is not base64"))
}

/// Decodes a JSON array of base64 hashes (a proof).
pub fn decode_hashes(v: &serde_json::Value) -> anyhow::Result<Vec<Hash>> {
    v.as_array()
        .context("expected a JSON array of base64 hashes")?
        .iter()
        .map(|h| {
            let s = h.as_str().context("hash is not a string")?;
            Hash::try_from(decode_b64(s)?.as_slice())
                .map_err(|_| anyhow::anyhow!("{s:?} is not 32 bytes"))
        })
        .collect()
}
