//! The JSON API under `/api/v1` (described in `openapi.json`).
//!
//! Hashes are standard base64 (RFC 4648 §4), as in C2SP checkpoints; proofs are RFC 9162
//! §2.1.3 inclusion paths and §2.1.4 consistency paths, in order.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tokio::sync::{mpsc, oneshot};
use verity_core::{KeyRecord, Refusal, SignedEnvelope};
use verity_log::Hash;
use verity_store::{LogStore, StoreHashReader};

use crate::error::{ApiError, ErrorDetail};
use crate::sequencer::{Job, JobOutcome, preverify};
use crate::state::{AppState, Core};

/// Encodes a hash as standard base64.
pub fn b64(h: &Hash) -> String {
    B64.encode(h)
}

/// Runs a short store read (proofs, tiles, entries). The store serves hashes from memory and
/// reads rows through its reader pool; on the multi-threaded runtime the read runs in place
/// (`block_in_place` hands this worker's other tasks to another worker, which costs less than a
/// round trip through the blocking pool); elsewhere on the blocking pool.
pub(crate) async fn read<T: Send + 'static>(
    core: &Arc<Core>,
    f: impl FnOnce(&dyn LogStore) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    if tokio::runtime::Handle::current().runtime_flavor()
        == tokio::runtime::RuntimeFlavor::MultiThread
    {
        tokio::task::block_in_place(|| f(&*core.store))
    } else {
        blocking(core, f).await
    }
}

/// Runs a store call on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    core: &Arc<Core>,
    f: impl FnOnce(&dyn LogStore) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let c = core.clone();
    tokio::task::spawn_blocking(move || f(&*c.store))
        .await
        .map_err(|e| ApiError::internal(format!("worker failed: {e}")))?
}

fn body_or_error(body: Result<Bytes, BytesRejection>, limit: usize) -> Result<Bytes, ApiError> {
    body.map_err(|rej| {
        if rej.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                format!("request body exceeds {limit} bytes"),
            )
        } else {
            ApiError::bad_request(format!("cannot read request body: {rej}"))
        }
    })
}

/// Response of `POST /api/v1/declarations` (201).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubmitResponse {
    pub index: u64,
    pub leaf_hash: String,
    pub tree_size: u64,
    /// The signed checkpoint note that covers the entry.
    pub checkpoint: String,
    pub inclusion_proof: Vec<String>,
}

/// One item of a batch response: either admitted (`index` ...) or refused (`error`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchItem {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub index: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub leaf_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub inclusion_proof: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<ErrorDetail>,
}

/// Response of `POST /api/v1/declarations/batch` (200).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchResponse {
    pub accepted: usize,
    pub refused: usize,
    /// Size and note of the checkpoint covering the accepted items (absent if none).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tree_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub checkpoint: Option<String>,
    pub results: Vec<BatchItem>,
}

async fn enqueue(
    st: &AppState,
    candidates: Vec<verity_store::Candidate>,
) -> Result<JobOutcome, ApiError> {
    let (tx, rx) = oneshot::channel();
    st.submit
        .try_send(Job {
            candidates,
            reply: tx,
        })
        .map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => {
                ApiError::overloaded("the sequencer queue is full; retry shortly")
            }
            mpsc::error::TrySendError::Closed(_) => {
                ApiError::overloaded("the node is shutting down")
            }
        })?;
    rx.await
        .map_err(|_| ApiError::internal("the sequencer stopped before answering"))?
}

fn inclusion(store: &dyn LogStore, size: u64, index: u64) -> Result<Vec<String>, ApiError> {
    let proof = verity_log::prove_inclusion(size, index, &StoreHashReader(store))
        .map_err(ApiError::store)?;
    Ok(proof.iter().map(b64).collect())
}

/// `POST /api/v1/declarations`
pub async fn submit(
    State(st): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body_or_error(body, st.core.limits.single_body_bytes)?;
    let env = SignedEnvelope::from_json(&body).map_err(Refusal::Malformed)?;
    let leaf = env
        .to_entry_bytes()
        .map(|b| verity_log::leaf_hash(&b))
        .map_err(Refusal::Malformed)?;
    let reg = st.core.registry_snapshot();
    let candidate = tokio::task::spawn_blocking(move || preverify(&reg, env))
        .await
        .map_err(|e| ApiError::internal(format!("verifier failed: {e}")))??;
    let mut outcome = enqueue(&st, vec![candidate]).await?;
    let result = outcome
        .results
        .pop()
        .ok_or_else(|| ApiError::internal("the store returned no result"))?;
    let index = result?;
    let cp = outcome
        .checkpoint
        .ok_or_else(|| ApiError::internal("entry admitted without a checkpoint"))?;
    let (size, note) = (cp.size, cp.note.clone());
    let proof = blocking(&st.core, move |s| inclusion(s, size, index)).await?;
    let resp = SubmitResponse {
        index,
        leaf_hash: b64(&leaf),
        tree_size: size,
        checkpoint: note,
        inclusion_proof: proof,
    };
    Ok((StatusCode::CREATED, Json(resp)).into_response())
}

/// `POST /api/v1/declarations/batch`: a JSON array of envelopes. Each item is admitted or
/// refused on its own; refused items take no index and write nothing.
#[derive(Debug, Deserialize)]
pub struct BatchQuery {
    /// `false` leaves the inclusion proofs out of the answer (a bulk loader that fetches proofs
    /// later saves ~1 KB of JSON per item).
    pub proofs: Option<bool>,
}

pub async fn submit_batch(
    State(st): State<AppState>,
    Query(q): Query<BatchQuery>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let want_proofs = q.proofs.unwrap_or(true);
    let body = body_or_error(body, st.core.limits.batch_body_bytes)?;
    let items: Vec<&RawValue> = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed",
            format!("batch body is not a JSON array of envelopes: {e}"),
        )
    })?;
    if items.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed",
            "batch is empty",
        ));
    }
    let max = st.core.limits.batch_items;
    if items.len() > max {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            format!(
                "batch has {} declarations; at most {max} per request",
                items.len()
            ),
        ));
    }
    let raws: Vec<Vec<u8>> = items.iter().map(|r| r.get().as_bytes().to_vec()).collect();
    let reg = st.core.registry_snapshot();
    // Parse, canonicalise and verify in parallel across cores (rayon), off the async workers.
    let checked: Vec<Result<(verity_store::Candidate, Hash), Refusal>> =
        tokio::task::spawn_blocking(move || {
            raws.par_iter()
                .map(|raw| {
                    let env = SignedEnvelope::from_json(raw)?;
                    let leaf = verity_log::leaf_hash(&env.to_entry_bytes()?);
                    Ok((preverify(&reg, env)?, leaf))
                })
                .collect()
        })
        .await
        .map_err(|e| ApiError::internal(format!("verifier failed: {e}")))?;

    let mut results: Vec<Option<Result<(u64, Hash), Refusal>>> = Vec::with_capacity(checked.len());
    let mut candidates = Vec::new();
    let mut leaves = Vec::new();
    let mut slots = Vec::new();
    for (i, c) in checked.into_iter().enumerate() {
        match c {
            Ok((cand, leaf)) => {
                candidates.push(cand);
                leaves.push(leaf);
                slots.push(i);
                results.push(None);
            }
            Err(r) => results.push(Some(Err(r))),
        }
    }
    let mut checkpoint = None;
    if !candidates.is_empty() {
        let outcome = enqueue(&st, candidates).await?;
        for ((slot, r), leaf) in slots.into_iter().zip(outcome.results).zip(leaves) {
            results[slot] = Some(r.map(|idx| (idx, leaf)));
        }
        checkpoint = outcome.checkpoint;
    }
    let size = checkpoint.as_ref().map(|c| c.size);
    let admitted: Vec<u64> = results
        .iter()
        .filter_map(|r| match r {
            Some(Ok((i, _))) => Some(*i),
            _ => None,
        })
        .collect();
    let proofs: Vec<Vec<String>> = match size {
        Some(size) if want_proofs && !admitted.is_empty() => {
            blocking(&st.core, move |s| {
                admitted.iter().map(|&i| inclusion(s, size, i)).collect()
            })
            .await?
        }
        _ => Vec::new(),
    };
    let mut proofs = proofs.into_iter();
    let mut accepted = 0;
    let items: Vec<BatchItem> = results
        .into_iter()
        .map(|r| match r {
            Some(Ok((index, leaf))) => {
                accepted += 1;
                BatchItem {
                    index: Some(index),
                    leaf_hash: Some(b64(&leaf)),
                    inclusion_proof: proofs.next(),
                    error: None,
                }
            }
            Some(Err(refusal)) => BatchItem {
                index: None,
                leaf_hash: None,
                inclusion_proof: None,
                error: Some(ApiError::from(&refusal).body().error),
            },
            None => BatchItem {
                index: None,
                leaf_hash: None,
                inclusion_proof: None,
                error: Some(ErrorDetail {
                    code: "internal".into(),
                    message: "the store returned no result for this item".into(),
                }),
            },
        })
        .collect();
    let resp = BatchResponse {
        accepted,
        refused: items.len() - accepted,
        tree_size: size,
        checkpoint: checkpoint.map(|c| c.note.clone()),
        results: items,
    };
    Ok(Json(resp).into_response())
}

/// An entry as served by the JSON API.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EntryResponse {
    pub index: u64,
    pub leaf_hash: String,
    /// The declaration, parsed.
    pub envelope: serde_json::Value,
    /// The exact entry bytes (RFC 8785 canonical JSON), base64.
    pub entry: String,
}

fn entry_response(index: u64, bytes: Vec<u8>) -> Result<EntryResponse, ApiError> {
    let envelope = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::store(format!("entry {index} is not JSON: {e}")))?;
    Ok(EntryResponse {
        index,
        leaf_hash: b64(&verity_log::leaf_hash(&bytes)),
        envelope,
        entry: B64.encode(&bytes),
    })
}

/// `GET /api/v1/entries/{index}`
pub async fn get_entry(
    State(st): State<AppState>,
    Path(index): Path<String>,
) -> Result<Json<EntryResponse>, ApiError> {
    let index: u64 = index.parse().map_err(|_| {
        ApiError::bad_request(format!(
            "entry index {index:?} is not a non-negative integer"
        ))
    })?;
    let size = st.core.published().size;
    if index >= size {
        return Err(ApiError::not_found(format!(
            "no entry {index}: the log has {size} entries"
        )));
    }
    let bytes = read(&st.core, move |s| s.entry(index).map_err(ApiError::store)).await?;
    let bytes = bytes.ok_or_else(|| ApiError::not_found(format!("no entry {index}")))?;
    Ok(Json(entry_response(index, bytes)?))
}

/// `GET /api/v1/parties/{party}/declarations/{seq}`
pub async fn get_by_party_seq(
    State(st): State<AppState>,
    Path((party, seq)): Path<(String, String)>,
) -> Result<Json<EntryResponse>, ApiError> {
    let seq: u64 = seq.parse().map_err(|_| {
        ApiError::bad_request(format!(
            "sequence number {seq:?} is not a non-negative integer"
        ))
    })?;
    let p2 = party.clone();
    let found = read(&st.core, move |s| {
        s.entry_by_party_seq(&p2, seq).map_err(ApiError::store)
    })
    .await?;
    let (index, bytes) = found.ok_or_else(|| {
        ApiError::not_found(format!(
            "{party} has no declaration with sequence number {seq}"
        ))
    })?;
    Ok(Json(entry_response(index, bytes)?))
}

#[derive(Debug, Deserialize)]
pub struct InclusionQuery {
    pub index: Option<String>,
    pub size: Option<String>,
}

/// Response of `GET /api/v1/proofs/inclusion`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InclusionResponse {
    pub index: u64,
    pub tree_size: u64,
    pub leaf_hash: String,
    pub proof: Vec<String>,
}

fn parse_u64(name: &str, v: Option<&String>) -> Result<Option<u64>, ApiError> {
    v.map(|s| {
        s.parse::<u64>().map_err(|_| {
            ApiError::bad_request(format!(
                "query parameter {name}={s:?} is not a non-negative integer"
            ))
        })
    })
    .transpose()
}

/// `GET /api/v1/proofs/inclusion?index=&size=` (size defaults to the latest checkpoint).
pub async fn inclusion_proof(
    State(st): State<AppState>,
    Query(q): Query<InclusionQuery>,
) -> Result<Json<InclusionResponse>, ApiError> {
    let latest = st.core.published().size;
    let index = parse_u64("index", q.index.as_ref())?
        .ok_or_else(|| ApiError::bad_request("query parameter index is required"))?;
    let size = parse_u64("size", q.size.as_ref())?.unwrap_or(latest);
    if size > latest {
        return Err(ApiError::not_found(format!(
            "tree size {size} is beyond the latest checkpoint ({latest})"
        )));
    }
    if index >= size {
        return Err(ApiError::bad_request(format!(
            "index {index} is not in a tree of size {size}"
        )));
    }
    let (leaf, proof) = read(&st.core, move |s| {
        let leaf = s
            .read_hashes(&[verity_log::stored_hash_index(0, index)])
            .map_err(ApiError::store)?
            .pop()
            .ok_or_else(|| ApiError::store("no leaf hash returned"))?;
        Ok((leaf, inclusion(s, size, index)?))
    })
    .await?;
    Ok(Json(InclusionResponse {
        index,
        tree_size: size,
        leaf_hash: b64(&leaf),
        proof,
    }))
}

#[derive(Debug, Deserialize)]
pub struct ConsistencyQuery {
    pub old: Option<String>,
    pub new: Option<String>,
}

/// Response of `GET /api/v1/proofs/consistency`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConsistencyResponse {
    pub old_size: u64,
    pub new_size: u64,
    pub proof: Vec<String>,
}

/// `GET /api/v1/proofs/consistency?old=&new=` (new defaults to the latest checkpoint).
pub async fn consistency_proof(
    State(st): State<AppState>,
    Query(q): Query<ConsistencyQuery>,
) -> Result<Json<ConsistencyResponse>, ApiError> {
    let latest = st.core.published().size;
    let old = parse_u64("old", q.old.as_ref())?
        .ok_or_else(|| ApiError::bad_request("query parameter old is required"))?;
    let new = parse_u64("new", q.new.as_ref())?.unwrap_or(latest);
    if new > latest {
        return Err(ApiError::not_found(format!(
            "tree size {new} is beyond the latest checkpoint ({latest})"
        )));
    }
    if old > new {
        return Err(ApiError::bad_request(format!(
            "old size {old} is larger than new size {new}"
        )));
    }
    let proof = if old == 0 || old == new {
        // RFC 9162 §2.1.4: the proof between equal sizes is empty; from the empty tree
        // there is nothing to prove.
        Vec::new()
    } else {
        read(&st.core, move |s| {
            verity_log::prove_consistency(new, old, &StoreHashReader(s)).map_err(ApiError::store)
        })
        .await?
    };
    Ok(Json(ConsistencyResponse {
        old_size: old,
        new_size: new,
        proof: proof.iter().map(b64).collect(),
    }))
}

/// A stored checkpoint as served by the JSON API.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CheckpointResponse {
    pub size: u64,
    pub root: String,
    /// The signed note (with any witness cosignatures for the latest one).
    pub note: String,
    /// When it was signed (Unix seconds); absent for the empty log's checkpoint.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub time: Option<i64>,
}

/// `GET /api/v1/checkpoint`: the latest checkpoint.
pub async fn latest_checkpoint(State(st): State<AppState>) -> Json<CheckpointResponse> {
    let p = st.core.published();
    Json(CheckpointResponse {
        size: p.size,
        root: b64(&p.root),
        note: p.served_note(),
        time: None,
    })
}

/// `GET /api/v1/checkpoints/{size}`: a historical checkpoint (one exists for every size at
/// which a batch was committed).
pub async fn checkpoint_at(
    State(st): State<AppState>,
    Path(size): Path<String>,
) -> Result<Json<CheckpointResponse>, ApiError> {
    let size: u64 = size.parse().map_err(|_| {
        ApiError::bad_request(format!("tree size {size:?} is not a non-negative integer"))
    })?;
    let cp = read(&st.core, move |s| {
        s.checkpoint_at_size(size).map_err(ApiError::store)
    })
    .await?;
    let cp = cp.ok_or_else(|| {
        ApiError::not_found(format!("no checkpoint was signed at tree size {size}"))
    })?;
    Ok(Json(CheckpointResponse {
        size: cp.size,
        root: b64(&cp.root),
        note: cp.note,
        time: Some(cp.time),
    }))
}

/// One key of the registry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyInfo {
    /// `<name>+<hex8>` as envelopes name it.
    pub key: String,
    #[serde(flatten)]
    pub record: KeyRecord,
}

/// Response of `GET /api/v1/parties`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartiesResponse {
    /// The operator's party name (the log key's name).
    pub operator: String,
    pub tree_size: u64,
    pub keys: Vec<KeyInfo>,
    /// Each party's last admitted sequence number.
    pub last_seq: std::collections::BTreeMap<String, u64>,
}

/// `GET /api/v1/parties`: the current registry (read from the store, so `last_seq` is exact).
pub async fn parties(State(st): State<AppState>) -> Result<Json<PartiesResponse>, ApiError> {
    let size = st.core.published().size;
    let reg = blocking(&st.core, |s| s.registry().map_err(ApiError::store)).await?;
    Ok(Json(PartiesResponse {
        operator: reg.operator_party().to_owned(),
        tree_size: size,
        keys: reg
            .keys()
            .iter()
            .map(|(k, r)| KeyInfo {
                key: k.clone(),
                record: r.clone(),
            })
            .collect(),
        last_seq: reg
            .last_seqs()
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect(),
    }))
}

/// `GET /healthz`
pub async fn healthz(State(st): State<AppState>) -> Json<serde_json::Value> {
    let p = st.core.published();
    Json(serde_json::json!({
        "status": "ok",
        "origin": st.core.signer.name(),
        "tree_size": p.size,
    }))
}
