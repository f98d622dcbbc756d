//! C2SP tlog-witness v1.0.0 (<https://c2sp.org/tlog-witness@v1.0.0>), sans-IO: the
//! `add-checkpoint` request body and the witness's decision.
//!
//! Request body: `old <size>\n`, up to 63 base64 consistency-proof lines, a blank line, then the
//! signed checkpoint note. The decision function takes what the witness has stored for the
//! origin and returns the new state to store; the *server* must store it with an atomic
//! compare-and-swap from the state it passed in (tlog-witness §add-checkpoint: check and persist
//! atomically, or two racing requests can roll the witness back).
//!
//! Checks, in the order the spec lists them, with their HTTP status codes:
//! malformed body 400 → unknown origin 404 → no valid log signature 403 → old size greater than
//! checkpoint size 400 → old size differs from the stored size 409 (body: stored size) →
//! consistency proof fails 422 → same size but different root 409.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use crate::checkpoint::{self, CheckpointError, parse_decimal};
use crate::cosignature::{self, CosignatureSigner};
use crate::note::{NoteError, Verifier};
use crate::{Hash, verify_consistency};

/// The most consistency-proof lines a client may send (tlog-witness §add-checkpoint).
pub const MAX_PROOF_LINES: usize = 63;

/// Why a request was refused; [`WitnessError::status_code`] gives the HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    #[error("add-checkpoint body line {line}: {reason}")]
    Malformed { line: usize, reason: String },
    #[error("add-checkpoint body: {0}")]
    BadCheckpoint(CheckpointError),
    #[error("unknown log origin {origin:?}")]
    UnknownOrigin { origin: String },
    #[error("checkpoint is not signed by the log's key: {0}")]
    Unauthenticated(NoteError),
    #[error("old size {old_size} is greater than the checkpoint size {checkpoint_size}")]
    OldSizeGreater { old_size: u64, checkpoint_size: u64 },
    #[error("consistency proof from {old_size} to {new_size} does not verify: {reason}")]
    BadProof {
        old_size: u64,
        new_size: u64,
        reason: String,
    },
    #[error("cannot cosign: {0}")]
    Cosign(#[from] cosignature::CosignatureError),
}

impl WitnessError {
    /// The HTTP status tlog-witness assigns to this failure.
    pub fn status_code(&self) -> u16 {
        match self {
            WitnessError::Malformed { .. } | WitnessError::BadCheckpoint(_) => 400,
            WitnessError::OldSizeGreater { .. } => 400,
            WitnessError::UnknownOrigin { .. } => 404,
            WitnessError::Unauthenticated(_) => 403,
            WitnessError::BadProof { .. } => 422,
            WitnessError::Cosign(_) => 500,
        }
    }
}

/// An `add-checkpoint` request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddCheckpointRequest {
    pub old_size: u64,
    pub proof: Vec<Hash>,
    /// The signed checkpoint note, as sent.
    pub checkpoint: Vec<u8>,
}

impl AddCheckpointRequest {
    /// Parses a request body. Only the framing is checked here; the checkpoint is checked by
    /// [`add_checkpoint`].
    pub fn parse(body: &[u8]) -> Result<Self, WitnessError> {
        let bad = |line, reason: &str| WitnessError::Malformed {
            line,
            reason: reason.to_string(),
        };
        let mut rest = body;
        let mut next_line = |line_no: usize| -> Result<&[u8], WitnessError> {
            let nl = rest
                .iter()
                .position(|&b| b == b'\n')
                .ok_or_else(|| bad(line_no, "line does not end with a newline"))?;
            let (line, tail) = rest.split_at(nl);
            rest = &tail[1..];
            Ok(line)
        };
        let first = next_line(1)?;
        let old_text = std::str::from_utf8(first)
            .ok()
            .and_then(|s| s.strip_prefix("old "))
            .ok_or_else(|| bad(1, "expected \"old <size>\""))?;
        let old_size = parse_decimal(old_text).map_err(|r| bad(1, &format!("old size: {r}")))?;
        let mut proof = Vec::new();
        let mut line_no = 2;
        loop {
            let line = next_line(line_no)?;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_LINES {
                return Err(bad(line_no, "more than 63 consistency proof lines"));
            }
            let raw = B64
                .decode(line)
                .map_err(|e| bad(line_no, &format!("proof hash is not valid base64: {e}")))?;
            let h = Hash::try_from(raw.as_slice()).map_err(|_| {
                bad(
                    line_no,
                    &format!("proof hash decodes to {} bytes, expected 32", raw.len()),
                )
            })?;
            proof.push(h);
            line_no += 1;
        }
        if rest.is_empty() {
            return Err(bad(line_no + 1, "missing checkpoint after the blank line"));
        }
        Ok(AddCheckpointRequest {
            old_size,
            proof,
            checkpoint: rest.to_vec(),
        })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("old {}\n", self.old_size).into_bytes();
        for h in &self.proof {
            out.extend_from_slice(B64.encode(h).as_bytes());
            out.push(b'\n');
        }
        out.push(b'\n');
        out.extend_from_slice(&self.checkpoint);
        out
    }

    /// The origin line of the enclosed checkpoint, so a server can look up the log key and the
    /// stored state before calling [`add_checkpoint`]. Unauthenticated: use only as a lookup key.
    pub fn origin(&self) -> Result<String, WitnessError> {
        let first = self
            .checkpoint
            .split(|&b| b == b'\n')
            .next()
            .unwrap_or_default();
        match std::str::from_utf8(first) {
            Ok(s) if !s.is_empty() => Ok(s.to_string()),
            _ => Err(WitnessError::BadCheckpoint(CheckpointError::Malformed {
                line: 1,
                field: "origin",
                reason: "empty or not UTF-8".into(),
            })),
        }
    }
}

/// The witness's answer to a well-formed, authenticated request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WitnessOutcome {
    /// 200: store `new_state` (atomically, see the module docs) and return `cosignature_line`.
    Cosigned {
        new_state: (u64, Hash),
        cosignature_line: String,
    },
    /// 409: the client's old size is not the size the witness last cosigned.
    Conflict { current_size: u64 },
    /// 409: same size as the stored checkpoint but a different root — two signed views of the
    /// log at one size, evidence of a split view worth keeping.
    RootMismatch {
        current_size: u64,
        stored_root: Hash,
        checkpoint_root: Hash,
    },
}

impl WitnessOutcome {
    pub fn status_code(&self) -> u16 {
        match self {
            WitnessOutcome::Cosigned { .. } => 200,
            WitnessOutcome::Conflict { .. } | WitnessOutcome::RootMismatch { .. } => 409,
        }
    }

    /// The HTTP response body: the cosignature line (200) or the witness's current size
    /// followed by a newline (409, `Content-Type: text/x.tlog.size`).
    pub fn response_body(&self) -> Vec<u8> {
        match self {
            WitnessOutcome::Cosigned {
                cosignature_line, ..
            } => cosignature_line.clone().into_bytes(),
            WitnessOutcome::Conflict { current_size }
            | WitnessOutcome::RootMismatch { current_size, .. } => {
                format!("{current_size}\n").into_bytes()
            }
        }
    }
}

/// Decides an `add-checkpoint` request for the log whose key is `log_key`, given the witness's
/// stored `(size, root)` for that origin (`None` if it never cosigned one), cosigning with
/// `witness` at `now_unix` (POSIX seconds, supplied by the caller).
///
/// The server finds `log_key` and `stored` by [`AddCheckpointRequest::origin`]; when it knows
/// no log of that origin it answers 404 itself ([`WitnessError::UnknownOrigin`]). Here, a
/// checkpoint whose origin differs from the key's name is also reported as an unknown origin.
pub fn add_checkpoint(
    stored: Option<(u64, Hash)>,
    req: &AddCheckpointRequest,
    log_key: &Verifier,
    witness: &CosignatureSigner,
    now_unix: u64,
) -> Result<WitnessOutcome, WitnessError> {
    // Authenticate first: nothing about an unauthenticated checkpoint is trusted.
    let (cp, note) = match checkpoint::open_checkpoint(&req.checkpoint, log_key) {
        Ok(x) => x,
        Err(CheckpointError::OriginMismatch { origin, .. }) => {
            return Err(WitnessError::UnknownOrigin { origin });
        }
        Err(CheckpointError::Note(e)) => {
            return Err(match e {
                NoteError::NoVerifiedSignature { .. } | NoteError::InvalidSignature { .. } => {
                    WitnessError::Unauthenticated(e)
                }
                other => WitnessError::BadCheckpoint(CheckpointError::Note(other)),
            });
        }
        Err(e) => return Err(WitnessError::BadCheckpoint(e)),
    };
    if req.old_size > cp.size {
        return Err(WitnessError::OldSizeGreater {
            old_size: req.old_size,
            checkpoint_size: cp.size,
        });
    }
    if cp.size == 0 && cp.root != crate::empty_root() {
        // RFC 9162 §2.1.1: the empty tree's hash is SHA-256 of the empty string.
        return Err(WitnessError::BadProof {
            old_size: req.old_size,
            new_size: 0,
            reason: "a checkpoint of size 0 must carry the empty-tree root".into(),
        });
    }
    let (stored_size, stored_root) = stored.unwrap_or((0, crate::empty_root()));
    if req.old_size != stored_size {
        return Ok(WitnessOutcome::Conflict {
            current_size: stored_size,
        });
    }
    if req.old_size == cp.size {
        // tlog-witness: same size must mean the same root.
        if !req.proof.is_empty() {
            return Err(WitnessError::BadProof {
                old_size: req.old_size,
                new_size: cp.size,
                reason: "proof must be empty when the sizes are equal".into(),
            });
        }
        if stored.is_some() && cp.root != stored_root {
            return Ok(WitnessOutcome::RootMismatch {
                current_size: stored_size,
                stored_root,
                checkpoint_root: cp.root,
            });
        }
    } else {
        // For old size 0 this requires an empty proof (tlog-witness: "MUST be empty").
        verify_consistency(req.old_size, cp.size, &stored_root, &cp.root, &req.proof).map_err(
            |e| WitnessError::BadProof {
                old_size: req.old_size,
                new_size: cp.size,
                reason: e.to_string(),
            },
        )?;
    }
    let line = cosignature::try_cosign(&note.text, now_unix, witness)?;
    Ok(WitnessOutcome::Cosigned {
        new_state: (cp.size, cp.root),
        cosignature_line: line,
    })
}
