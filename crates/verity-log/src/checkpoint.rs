//! C2SP tlog-checkpoint v1.0.0 (<https://c2sp.org/tlog-checkpoint@v1.0.0>): the signed tree head
//! of a log, as a signed note whose text is
//!
//! ```text
//! <origin>\n<tree size in decimal>\n<base64 root hash>\n
//! ```
//!
//! The spec allows opaque extension lines after the root hash but does not recommend them
//! (monitors cannot audit them). Verity never emits them, and — so that every checkpoint Verity
//! accepts is fully described by `(origin, size, root)` — refuses checkpoints that carry them.
//!
//! Verity also requires the log key's name to equal the origin (the spec's SHOULD), so a key
//! for one log can never vouch for a checkpoint claiming to be another.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use crate::Hash;
use crate::note::{self, Note, NoteError, Signer, Verifier};

/// Errors parsing or opening a checkpoint; `line` is 1-based within the note text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("checkpoint line {line} ({field}): {reason}")]
    Malformed {
        line: usize,
        field: &'static str,
        reason: String,
    },
    #[error("checkpoint line {line}: extension lines are not accepted by Verity")]
    ExtensionLine { line: usize },
    #[error("checkpoint origin {origin:?} does not match the log key name {key_name:?}")]
    OriginMismatch { origin: String, key_name: String },
    #[error("checkpoint note: {0}")]
    Note(#[from] NoteError),
}

/// A log's tree head.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

impl Checkpoint {
    /// The note text: three newline-terminated lines.
    pub fn to_body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        )
    }

    /// Checks the origin can be written as a checkpoint line (non-empty, no control characters).
    pub fn validate(&self) -> Result<(), CheckpointError> {
        check_origin(&self.origin)
    }

    /// Parses a checkpoint note text (without signatures).
    pub fn parse_body(text: &str) -> Result<Checkpoint, CheckpointError> {
        let bad = |line, field, reason: &str| CheckpointError::Malformed {
            line,
            field,
            reason: reason.to_string(),
        };
        let Some(body) = text.strip_suffix('\n') else {
            return Err(bad(
                text.matches('\n').count() + 1,
                "end",
                "text does not end with a newline",
            ));
        };
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or_default();
        check_origin(origin)?;
        let size_text = lines.next().ok_or_else(|| bad(2, "tree size", "missing"))?;
        let size = parse_decimal(size_text).map_err(|r| bad(2, "tree size", r))?;
        let root_text = lines.next().ok_or_else(|| bad(3, "root hash", "missing"))?;
        let root_bytes = B64
            .decode(root_text)
            .map_err(|e| bad(3, "root hash", &format!("not valid base64: {e}")))?;
        let root = Hash::try_from(root_bytes.as_slice()).map_err(|_| {
            bad(
                3,
                "root hash",
                &format!("decodes to {} bytes, expected 32", root_bytes.len()),
            )
        })?;
        if lines.next().is_some() {
            return Err(CheckpointError::ExtensionLine { line: 4 });
        }
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
        })
    }
}

fn check_origin(origin: &str) -> Result<(), CheckpointError> {
    let reason = if origin.is_empty() {
        "empty"
    } else if origin.contains('\n') {
        "contains a newline"
    } else if origin.chars().any(char::is_control) {
        "contains a control character"
    } else {
        return Ok(());
    };
    Err(CheckpointError::Malformed {
        line: 1,
        field: "origin",
        reason: reason.to_string(),
    })
}

/// ASCII decimal with no leading zeroes (tlog-checkpoint §Note text, tlog-witness old size).
pub(crate) fn parse_decimal(s: &str) -> Result<u64, &'static str> {
    if s.is_empty() {
        return Err("empty");
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err("not an ASCII decimal number");
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err("leading zero");
    }
    s.parse::<u64>().map_err(|_| "does not fit in 64 bits")
}

/// Signs a checkpoint: returns the full signed note. Use [`try_sign_checkpoint`] when the origin
/// is not known to be valid; with an invalid origin this returns a note that no verifier opens.
pub fn sign_checkpoint(cp: &Checkpoint, signer: &Signer) -> String {
    match try_sign_checkpoint(cp, signer) {
        Ok(n) => n,
        Err(_) => {
            // Sign the raw body anyway; open_checkpoint rejects it (bad origin) — no panic.
            let body = cp.to_body();
            let line = note::SigLine {
                name: signer.name().to_string(),
                key_id: signer.key_id(),
                signature: signer.sign_raw(body.as_bytes()).to_vec(),
            };
            format!("{body}\n{}", line.to_line())
        }
    }
}

/// Signs a checkpoint after validating its origin.
pub fn try_sign_checkpoint(cp: &Checkpoint, signer: &Signer) -> Result<String, CheckpointError> {
    cp.validate()?;
    Ok(note::sign(&cp.to_body(), &[signer])?)
}

/// Opens a signed checkpoint with the log's key: the note must carry a valid signature by
/// `log_key`, the origin must equal the key name, and the text must be a checkpoint.
/// Other signatures (e.g. witness cosignatures) are returned unverified in the [`Note`].
pub fn open_checkpoint(
    note: &[u8],
    log_key: &Verifier,
) -> Result<(Checkpoint, Note), CheckpointError> {
    let opened = note::open(note, &[log_key])?;
    let cp = Checkpoint::parse_body(&opened.text)?;
    if cp.origin != log_key.name() {
        return Err(CheckpointError::OriginMismatch {
            origin: cp.origin,
            key_name: log_key.name().to_string(),
        });
    }
    Ok((cp, opened))
}

/// Opens a checkpoint and additionally verifies cosignatures from `witnesses`, returning those
/// that verified with their timestamps. Witness lines that fail to verify are an error (as for
/// any known key); unknown lines are ignored.
pub fn open_cosigned_checkpoint(
    note_bytes: &[u8],
    log_key: &Verifier,
    witnesses: &[&crate::cosignature::CosignatureVerifier],
) -> Result<(Checkpoint, Note), CheckpointError> {
    let mut all: Vec<&Verifier> = vec![log_key];
    all.extend(witnesses.iter().map(|w| w.as_note_verifier()));
    let opened = note::open(note_bytes, &all)?;
    if !opened
        .verified
        .iter()
        .any(|s| s.name == log_key.name() && s.key_id == log_key.key_id())
    {
        return Err(CheckpointError::Note(NoteError::NoVerifiedSignature {
            unverified: opened.unverified.len(),
        }));
    }
    let cp = Checkpoint::parse_body(&opened.text)?;
    if cp.origin != log_key.name() {
        return Err(CheckpointError::OriginMismatch {
            origin: cp.origin,
            key_name: log_key.name().to_string(),
        });
    }
    Ok((cp, opened))
}
