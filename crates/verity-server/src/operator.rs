//! Operator actions that write to the store directly (not over HTTP): `verity party add` and
//! `verity party revoke`, signed by the log (operator) key of a data folder. They work while
//! the server runs: the store serialises writers (SQLite `BEGIN IMMEDIATE`, PostgreSQL row
//! lock) and the running node picks the new entries up (see [`crate::sequencer`]'s refresher).

use std::path::Path;

use anyhow::Context;
use serde_json::json;
use verity_core::registry::{KIND_KEY_ADD, KIND_KEY_REVOKE, REGISTRY_TREATY};
use verity_core::{Envelope, Role, SignedEnvelope, names};
use verity_log::note::{Signer, Verifier};
use verity_store::{Candidate, LogStore};

/// The outcome of an operator action.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OperatorEntry {
    pub index: u64,
    pub party: String,
    pub seq: u64,
    pub tree_size: u64,
}

/// Appends one declaration signed by the operator key, retrying if another writer took the
/// operator's next sequence number meanwhile.
fn append_operator(
    store: &dyn LogStore,
    signer: &Signer,
    kind: &str,
    payload: serde_json::Value,
) -> anyhow::Result<OperatorEntry> {
    let party = signer.name().to_owned();
    let key = names::key_ref(signer.name(), signer.key_id());
    for _attempt in 0..5 {
        let seq = store
            .registry()
            .context("reading the registry")?
            .last_seq(&party)
            + 1;
        let now = time::OffsetDateTime::now_utc();
        let env: SignedEnvelope = Envelope::new(
            &party,
            REGISTRY_TREATY,
            kind,
            seq,
            now,
            payload.clone(),
            &key,
        )
        .context("building the registry declaration")?
        .sign(signer)
        .context("signing the registry declaration")?;
        let outcome = store
            .append(
                &[Candidate {
                    envelope: env,
                    verified: false,
                }],
                now,
                signer,
            )
            .context("appending to the log")?;
        let result = outcome
            .results
            .into_iter()
            .next()
            .context("the store returned no result")?;
        match result {
            Ok(index) => {
                return Ok(OperatorEntry {
                    index,
                    party,
                    seq,
                    tree_size: outcome.checkpoint.map(|c| c.size).unwrap_or(index + 1),
                });
            }
            Err(verity_core::Refusal::ReplayedSequence { .. }) => continue,
            Err(r) => anyhow::bail!("the log refused the declaration ({}): {r}", r.code()),
        }
    }
    anyhow::bail!("another writer kept taking the operator's sequence numbers; try again")
}

/// Registers `vkey` as a key of `party` with `role` (a logged `key-add` entry).
pub fn party_add(
    store: &dyn LogStore,
    operator: &Signer,
    party: &str,
    vkey: &Verifier,
    role: Role,
) -> anyhow::Result<OperatorEntry> {
    names::check_party(party).with_context(|| format!("party name {party:?}"))?;
    append_operator(
        store,
        operator,
        KIND_KEY_ADD,
        json!({"party": party, "role": role, "vkey": vkey.to_vkey()}),
    )
}

/// Revokes key `key_ref` (`name+hex8`), a logged `key-revoke` entry.
pub fn party_revoke(
    store: &dyn LogStore,
    operator: &Signer,
    key_ref: &str,
    reason: &str,
) -> anyhow::Result<OperatorEntry> {
    names::check_key_ref(key_ref).with_context(|| format!("key reference {key_ref:?}"))?;
    append_operator(
        store,
        operator,
        KIND_KEY_REVOKE,
        json!({"key": key_ref, "reason": reason}),
    )
}

/// Opens the store of a data folder with its log key (for operator commands).
pub fn open_operator(
    data_dir: &Path,
    postgres: Option<&str>,
) -> anyhow::Result<(std::sync::Arc<dyn LogStore>, Signer)> {
    let signer = crate::keys::load_log_key(data_dir)?;
    let store = crate::open_store(data_dir, postgres, &signer)?;
    Ok((store, signer))
}
