//! C2SP tlog-cosignature v1.0.1 (<https://c2sp.org/tlog-cosignature@v1.0.1>), Ed25519 type
//! `0x04`: a witness's timestamped signature over a checkpoint.
//!
//! The signature line is an ordinary note signature line whose signature bytes are
//! `u64 big-endian timestamp || 64-byte Ed25519 signature`, and the signed message is
//! `"cosignature/v1\ntime <timestamp>\n" || checkpoint note text`.
//!
//! Key text uses the same formats as [`crate::note`] with type byte `0x04`. (Go's x/mod knows no
//! private-key format for cosigners; `PRIVATE+KEY+…` with type `0x04` is Verity's convention.)

use ed25519_dalek::SigningKey;
use rand_core::CryptoRngCore;

use crate::note::{self, ALG_COSIGNATURE_V1, NoteError, SigLine, Verifier};

/// Errors from making or checking a cosignature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CosignatureError {
    #[error(transparent)]
    Note(#[from] NoteError),
    #[error("timestamp {0} exceeds 2^63-1 (tlog-cosignature §Format)")]
    TimestampTooLarge(u64),
    #[error("cosignature line is by {name}+{key_id:08x}, not by the expected witness {expected}")]
    WrongKey {
        name: String,
        key_id: u32,
        expected: String,
    },
    #[error("cosignature is {len} bytes after the key ID; an Ed25519 cosignature has 8 + 64")]
    WrongLength { len: usize },
    #[error("cosignature by {name} does not verify over this checkpoint")]
    BadSignature { name: String },
}

/// The message a v1 Ed25519 cosignature signs (tlog-cosignature §Ed25519 signed message).
pub fn cosigned_message(checkpoint_body: &[u8], timestamp: u64) -> Vec<u8> {
    let mut m = Vec::with_capacity(40 + checkpoint_body.len());
    m.extend_from_slice(b"cosignature/v1\ntime ");
    m.extend_from_slice(timestamp.to_string().as_bytes());
    m.push(b'\n');
    m.extend_from_slice(checkpoint_body);
    m
}

/// A witness signing key (type `0x04`).
#[derive(Clone)]
pub struct CosignatureSigner {
    name: String,
    key_id: u32,
    key: SigningKey,
}

impl std::fmt::Debug for CosignatureSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CosignatureSigner")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

impl CosignatureSigner {
    pub fn generate(name: &str, rng: &mut impl CryptoRngCore) -> Result<Self, NoteError> {
        note::check_key_name(name)?;
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        Ok(Self::from_seed(name, seed))
    }

    fn from_seed(name: &str, seed: [u8; 32]) -> Self {
        let key = SigningKey::from_bytes(&seed);
        CosignatureSigner {
            name: name.to_string(),
            key_id: note::key_id(name, ALG_COSIGNATURE_V1, key.verifying_key().as_bytes()),
            key,
        }
    }

    /// Parses `PRIVATE+KEY+<name>+<hex8>+<base64(0x04 || seed32)>`.
    pub fn from_skey(text: &str) -> Result<Self, NoteError> {
        let (name, seed) = note::parse_skey(
            "cosigner key",
            text.trim(),
            ALG_COSIGNATURE_V1,
            "0x04 (Ed25519 cosignature)",
        )?;
        Ok(Self::from_seed(&name, seed))
    }

    pub fn to_skey(&self) -> String {
        note::format_skey(
            &self.name,
            self.key_id,
            ALG_COSIGNATURE_V1,
            &self.key.to_bytes(),
        )
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    pub fn verifier(&self) -> CosignatureVerifier {
        CosignatureVerifier(
            Verifier::from_ed25519(
                &self.name,
                ALG_COSIGNATURE_V1,
                self.key.verifying_key().to_bytes(),
            )
            // Invariant: the name was validated when this signer was built, the type is 0x04,
            // and the key is the public half of a valid signing key.
            .expect("signer's own name and key are valid"),
        )
    }

    /// The `timestamp || signature` bytes (72) of a cosignature over `checkpoint_body`.
    pub fn sign_timestamped(
        &self,
        checkpoint_body: &str,
        timestamp: u64,
    ) -> Result<[u8; 72], CosignatureError> {
        use ed25519_dalek::Signer as _;
        if timestamp > i64::MAX as u64 {
            return Err(CosignatureError::TimestampTooLarge(timestamp));
        }
        let sig = self
            .key
            .sign(&cosigned_message(checkpoint_body.as_bytes(), timestamp));
        let mut out = [0u8; 72];
        out[..8].copy_from_slice(&timestamp.to_be_bytes());
        out[8..].copy_from_slice(&sig.to_bytes());
        Ok(out)
    }
}

/// A witness public key (type `0x04`), usable directly with [`note::open`] via
/// [`CosignatureVerifier::as_note_verifier`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CosignatureVerifier(Verifier);

impl CosignatureVerifier {
    /// Parses `<name>+<hex8>+<base64(0x04 || pubkey32)>`.
    pub fn from_vkey(text: &str) -> Result<Self, NoteError> {
        let v = Verifier::from_vkey(text)?;
        if v.alg_type() != ALG_COSIGNATURE_V1 {
            return Err(NoteError::UnsupportedKeyType {
                what: "cosigner verifier key",
                alg: v.alg_type(),
                expected: "0x04 (Ed25519 cosignature)",
            });
        }
        Ok(CosignatureVerifier(v))
    }

    pub fn to_vkey(&self) -> String {
        self.0.to_vkey()
    }

    pub fn name(&self) -> &str {
        self.0.name()
    }

    pub fn key_id(&self) -> u32 {
        self.0.key_id()
    }

    pub fn as_note_verifier(&self) -> &Verifier {
        &self.0
    }
}

/// Cosigns a checkpoint body (the note text, ending in newline) at `timestamp` (POSIX seconds,
/// passed in: this crate reads no clock). Returns the signature line, newline-terminated, ready
/// to append to the checkpoint note or to send as a tlog-witness response.
///
/// Timestamps above 2^63−1 are outside the spec; use [`try_cosign`] to get an error for them
/// (this function then returns a line that every verifier rejects).
pub fn cosign(cp_body: &str, timestamp: u64, s: &CosignatureSigner) -> String {
    match try_cosign(cp_body, timestamp, s) {
        Ok(line) => line,
        Err(_) => {
            // Out-of-spec timestamp: emit the raw timestamp with a zero signature, which
            // verify_cosignature and note::open reject, rather than panicking.
            let mut sig = vec![0u8; 72];
            sig[..8].copy_from_slice(&timestamp.to_be_bytes());
            SigLine {
                name: s.name.clone(),
                key_id: s.key_id,
                signature: sig,
            }
            .to_line()
        }
    }
}

/// Like [`cosign`], but refuses timestamps above 2^63−1.
pub fn try_cosign(
    cp_body: &str,
    timestamp: u64,
    s: &CosignatureSigner,
) -> Result<String, CosignatureError> {
    let sig = s.sign_timestamped(cp_body, timestamp)?;
    Ok(SigLine {
        name: s.name.clone(),
        key_id: s.key_id,
        signature: sig.to_vec(),
    }
    .to_line())
}

/// Verifies one cosignature line (with or without its newline) by witness `v` over `cp_body`;
/// returns the signed timestamp.
pub fn verify_cosignature(
    cp_body: &str,
    sig_line: &str,
    v: &CosignatureVerifier,
) -> Result<u64, CosignatureError> {
    let line = SigLine::parse(sig_line, 1, 0)?;
    if line.name != v.name() || line.key_id != v.key_id() {
        return Err(CosignatureError::WrongKey {
            name: line.name,
            key_id: line.key_id,
            expected: format!("{}+{:08x}", v.name(), v.key_id()),
        });
    }
    if line.signature.len() != 72 {
        return Err(CosignatureError::WrongLength {
            len: line.signature.len(),
        });
    }
    let ts = u64::from_be_bytes(line.signature[..8].try_into().map_err(|_| {
        CosignatureError::WrongLength {
            len: line.signature.len(),
        }
    })?);
    if ts > i64::MAX as u64 {
        return Err(CosignatureError::TimestampTooLarge(ts));
    }
    v.0.cosignature_timestamp(cp_body.as_bytes(), &line.signature)
        .ok_or(CosignatureError::BadSignature { name: line.name })
}
