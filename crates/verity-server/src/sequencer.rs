//! The sequencer: one task that turns queued, pre-verified submissions into durable batches.
//!
//! Request handlers verify signatures in parallel against a registry snapshot (see
//! [`preverify`]) and queue a [`Job`] on a bounded channel (full → 503, back-pressure). This
//! task takes the first queued job, gathers more until [`Limits::sequencer_batch`] candidates
//! or [`Limits::sequencer_wait`] have passed, and calls [`LogStore::append`] on a blocking
//! thread. The store checks the state rules (sequence, clock skew, registry changes) under its
//! write lock, commits the entries with a signed checkpoint, and only then does this task answer
//! each waiting request, so a 201 always means "durably appended and covered by a signed
//! checkpoint". While one append commits, new submissions queue up, so batches grow with load
//! (group commit) and the latency stays near one commit.
//!
//! [`Limits::sequencer_batch`]: crate::state::Limits::sequencer_batch
//! [`Limits::sequencer_wait`]: crate::state::Limits::sequencer_wait

use std::sync::{Arc, Weak};

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use verity_core::registry::REGISTRY_TREATY;
use verity_core::{Refusal, Registry, SignedEnvelope};
use verity_store::{Candidate, StoredCheckpoint};

use crate::error::ApiError;
use crate::state::Core;

/// One submission request waiting for the sequencer.
pub(crate) struct Job {
    pub candidates: Vec<Candidate>,
    pub reply: oneshot::Sender<Result<JobOutcome, ApiError>>,
}

/// The sequencer's answer to one job: one result per candidate, in order, and the checkpoint
/// that covers the admitted ones.
pub(crate) struct JobOutcome {
    pub results: Vec<Result<u64, Refusal>>,
    pub checkpoint: Option<Arc<StoredCheckpoint>>,
}

/// Checks key status and signature against the registry snapshot.
///
/// A key the snapshot does not know may have been added since (by `verity party add` in
/// another process, or another node): such a candidate goes to the store unverified and the
/// store checks it against the current registry. Every other refusal is final, because a key
/// reference is bound to one public key forever and revocation is permanent (verity-core
/// registry docs), so a stale snapshot cannot wrongly refuse.
pub fn preverify(reg: &Registry, envelope: SignedEnvelope) -> Result<Candidate, Refusal> {
    match reg.check_signature(&envelope) {
        Ok(()) => Ok(Candidate {
            envelope,
            verified: true,
        }),
        Err(Refusal::UnknownKey { .. }) => Ok(Candidate {
            envelope,
            verified: false,
        }),
        Err(r) => Err(r),
    }
}

/// The sequencer task. Ends when every sender is gone (server shut down) after draining.
pub(crate) async fn run(core: Arc<Core>, mut rx: mpsc::Receiver<Job>) {
    let max = core.limits.sequencer_batch.max(1);
    let wait = core.limits.sequencer_wait;
    while let Some(first) = rx.recv().await {
        let mut count = first.candidates.len();
        let mut jobs = vec![first];
        let deadline = Instant::now() + wait;
        while count < max {
            match rx.try_recv() {
                Ok(job) => {
                    count += job.candidates.len();
                    jobs.push(job);
                }
                Err(mpsc::error::TryRecvError::Disconnected) => break,
                Err(mpsc::error::TryRecvError::Empty) => {
                    if wait.is_zero() {
                        break;
                    }
                    match tokio::time::timeout_at(deadline, rx.recv()).await {
                        Ok(Some(job)) => {
                            count += job.candidates.len();
                            jobs.push(job);
                        }
                        Ok(None) | Err(_) => break,
                    }
                }
            }
        }
        append_jobs(&core, jobs).await;
    }
}

async fn append_jobs(core: &Arc<Core>, mut jobs: Vec<Job>) {
    // Requests whose client went away still get appended: they were accepted into the queue
    // and the client may retry and be told `replayed-sequence`, which is the truth.
    let lens: Vec<usize> = jobs.iter().map(|j| j.candidates.len()).collect();
    let candidates: Vec<Candidate> = jobs
        .iter_mut()
        .flat_map(|j| std::mem::take(&mut j.candidates))
        .collect();
    let c2 = core.clone();
    let joined = tokio::task::spawn_blocking(move || {
        let now = time::OffsetDateTime::now_utc();
        let outcome = c2.store.append(&candidates, now, &c2.signer);
        // A registry change (key added or revoked) must reach the snapshot before the next
        // submissions are pre-verified against it.
        let registry_changed = match &outcome {
            Ok(o) => o
                .results
                .iter()
                .zip(&candidates)
                .any(|(r, c)| r.is_ok() && c.envelope.envelope.treaty == REGISTRY_TREATY),
            Err(_) => true,
        };
        let registry = if registry_changed {
            c2.store.registry().ok()
        } else {
            None
        };
        (outcome, registry)
    })
    .await;
    let (outcome, registry) = match joined {
        Ok(x) => x,
        Err(e) => {
            let err = ApiError::internal(format!("sequencer task failed: {e}"));
            for job in jobs {
                let _ = job.reply.send(Err(err.clone()));
            }
            return;
        }
    };
    if let Some(reg) = registry {
        core.set_registry(reg);
    }
    match outcome {
        Ok(outcome) => {
            let checkpoint = outcome.checkpoint.map(Arc::new);
            if let Some(cp) = &checkpoint {
                core.publish(cp);
            }
            let mut results = outcome.results.into_iter();
            for (job, n) in jobs.into_iter().zip(lens) {
                let mine: Vec<_> = results.by_ref().take(n).collect();
                let _ = job.reply.send(Ok(JobOutcome {
                    results: mine,
                    checkpoint: checkpoint.clone(),
                }));
            }
        }
        Err(e) => {
            let err = ApiError::store(&e);
            for job in jobs {
                let _ = job.reply.send(Err(err.clone()));
            }
        }
    }
}

/// Picks up entries appended by other writers (another process on the same SQLite folder,
/// e.g. `verity party add`, or another node on the same PostgreSQL database): publishes their
/// checkpoint and reloads the registry snapshot. Ends when the node is dropped.
pub(crate) async fn refresh(core: Weak<Core>) {
    let interval = match core.upgrade() {
        Some(c) => c.limits.refresh_interval,
        None => return,
    };
    loop {
        tokio::time::sleep(interval).await;
        let Some(c) = core.upgrade() else { return };
        let known = c.published().size;
        let c2 = c.clone();
        let res = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let latest = c2.store.latest_checkpoint()?;
            match latest {
                Some(cp) if cp.size > known => Ok(Some((cp, c2.store.registry()?))),
                _ => Ok(None),
            }
        })
        .await;
        match res {
            Ok(Ok(Some((cp, reg)))) => {
                c.set_registry(reg);
                c.publish(&cp);
            }
            Ok(Ok(None)) => {}
            Ok(Err(e)) => eprintln!("verity: refreshing from the store failed: {e:#}"),
            Err(e) => eprintln!("verity: refresh task failed: {e}"),
        }
    }
}
