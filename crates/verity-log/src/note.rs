//! C2SP signed-note v1.0.0 (<https://c2sp.org/signed-note@v1.0.0>): text signed by one or more
//! keys, with Ed25519 signatures (type `0x01`) and, for verification, timestamped Ed25519 witness
//! cosignatures (type `0x04`, C2SP tlog-cosignature v1.0.1).
//!
//! Wire format: the text (ending in `\n`), a blank line, then one line per signature:
//! `— <key name> <base64(4-byte big-endian key ID || signature)>\n`.
//!
//! Key text formats follow Go's `golang.org/x/mod/sumdb/note`, so keys interoperate with it:
//! verifier key `<name>+<hex8 key ID>+<base64(type || public key)>`, signer key
//! `PRIVATE+KEY+<name>+<hex8 key ID>+<base64(type || 32-byte Ed25519 seed)>`.
//!
//! **Ed25519 acceptance rule.** Signatures are checked with ed25519-dalek's `verify_strict`:
//! RFC 8032 cofactorless verification that additionally rejects non-canonical `S`, and public
//! keys or `R` points of small order. Honest signers (RFC 8032 / Go's `crypto/ed25519`) never
//! produce what this rejects, so every note Go's `note.Open` accepts from an honest key is
//! accepted here; we refuse the malleable/weak-key edge cases on which Ed25519 implementations
//! disagree, so two Verity verifiers can never disagree about a signature. Batch verification
//! is not used for the same reason.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use rand_core::CryptoRngCore;
use sha2::{Digest, Sha256};

/// Signature type byte for Ed25519 note signatures (signed-note §Signature types).
pub const ALG_ED25519: u8 = 0x01;
/// Signature type byte for timestamped Ed25519 cosignatures (tlog-cosignature v1.0.1).
pub const ALG_COSIGNATURE_V1: u8 = 0x04;
/// At most this many signature lines are parsed; the spec requires accepting at least 16, Go's
/// implementation stops at 100, and so do we.
pub const MAX_SIGNATURES: usize = 100;

/// The em dash and space that start every signature line.
const SIG_PREFIX: &str = "\u{2014} ";

/// Errors from key parsing, signing and note opening. Each names what was wrong and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("invalid key name {name:?}: {reason}")]
    InvalidKeyName { name: String, reason: &'static str },
    #[error("malformed {what}: field {field}: {reason}")]
    MalformedKey {
        what: &'static str,
        field: &'static str,
        reason: String,
    },
    #[error("{what} for {name:?} states key ID {stated:08x} but the key hashes to {computed:08x}")]
    KeyIdMismatch {
        what: &'static str,
        name: String,
        stated: u32,
        computed: u32,
    },
    #[error("unsupported signature type 0x{alg:02x} in {what} (expected {expected})")]
    UnsupportedKeyType {
        what: &'static str,
        alg: u8,
        expected: &'static str,
    },
    #[error("note text must end with a newline")]
    TextNotTerminated,
    #[error("a note needs at least one signer")]
    NoSigners,
    #[error("note is not valid UTF-8 at byte {offset}")]
    InvalidUtf8 { offset: usize },
    #[error(
        "note contains control character 0x{byte:02x} at byte {offset} (only newline is allowed)"
    )]
    ControlCharacter { byte: u8, offset: usize },
    #[error("note has no blank line separating the text from the signatures")]
    NoSignatureBlock,
    #[error("signature block (byte {offset}) is empty or does not end with a newline")]
    UnterminatedSignatureBlock { offset: usize },
    #[error("signature line {line} (byte {offset}): {reason}")]
    MalformedSignatureLine {
        line: usize,
        offset: usize,
        reason: String,
    },
    #[error("note has more than {max} signatures")]
    TooManySignatures { max: usize },
    #[error("signature by known key {name}+{key_id:08x} does not verify")]
    InvalidSignature { name: String, key_id: u32 },
    #[error("no signature from a known key ({unverified} signatures from unknown keys)")]
    NoVerifiedSignature { unverified: usize },
    #[error("two verifiers share key name {name:?} and key ID {key_id:08x}")]
    AmbiguousVerifiers { name: String, key_id: u32 },
}

/// Key ID as signed-note recommends (and tlog-cosignature requires):
/// `SHA-256(name || 0x0A || type || public key)[:4]` read big-endian.
pub fn key_id(name: &str, alg_type: u8, public_key: &[u8]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', alg_type]);
    h.update(public_key);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// Key names must be non-empty and contain no Unicode spaces and no `+` (signed-note §Format);
/// we also refuse control characters, which would make any note carrying the name malformed.
pub fn check_key_name(name: &str) -> Result<(), NoteError> {
    let bad = |reason| {
        Err(NoteError::InvalidKeyName {
            name: name.to_string(),
            reason,
        })
    };
    if name.is_empty() {
        return bad("empty");
    }
    if name.chars().any(char::is_whitespace) {
        return bad("contains a Unicode space");
    }
    if name.contains('+') {
        return bad("contains '+'");
    }
    if name.chars().any(char::is_control) {
        return bad("contains a control character");
    }
    Ok(())
}

/// Splits `<name>+<hex8>+<base64>` and checks name and key-ID syntax.
pub(crate) fn split_key_text<'a>(
    what: &'static str,
    text: &'a str,
) -> Result<(&'a str, u32, Vec<u8>), NoteError> {
    let malformed = |field, reason: &str| NoteError::MalformedKey {
        what,
        field,
        reason: reason.to_string(),
    };
    // Names cannot contain '+', base64 can: split at the first two '+'.
    let (name, rest) = text
        .split_once('+')
        .ok_or_else(|| malformed("key name", "missing '+' after the key name"))?;
    let (id_hex, key_b64) = rest
        .split_once('+')
        .ok_or_else(|| malformed("key ID", "missing '+' after the key ID"))?;
    check_key_name(name)?;
    if id_hex.len() != 8 || !id_hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(malformed("key ID", "must be exactly 8 hexadecimal digits"));
    }
    let id = u32::from_str_radix(id_hex, 16).map_err(|e| malformed("key ID", &e.to_string()))?;
    let key = B64
        .decode(key_b64)
        .map_err(|e| malformed("key", &format!("bad base64: {e}")))?;
    if key.is_empty() {
        return Err(malformed("key", "empty"));
    }
    Ok((name, id, key))
}

/// Decodes the 32-byte key material that must follow the type byte.
pub(crate) fn key32(what: &'static str, key: &[u8]) -> Result<[u8; 32], NoteError> {
    <[u8; 32]>::try_from(&key[1..]).map_err(|_| NoteError::MalformedKey {
        what,
        field: "key",
        reason: format!(
            "expected 1 type byte and 32 key bytes, found {} bytes",
            key.len()
        ),
    })
}

/// An Ed25519 note signer (signature type `0x01`).
#[derive(Clone)]
pub struct Signer {
    name: String,
    key_id: u32,
    key: SigningKey,
}

impl std::fmt::Debug for Signer {
    // Never print the private key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// A new random key named `name`; randomness comes from the caller.
    pub fn generate(name: &str, rng: &mut impl CryptoRngCore) -> Result<Signer, NoteError> {
        check_key_name(name)?;
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        Ok(Self::from_seed(name, seed))
    }

    fn from_seed(name: &str, seed: [u8; 32]) -> Signer {
        let key = SigningKey::from_bytes(&seed);
        let key_id = key_id(name, ALG_ED25519, key.verifying_key().as_bytes());
        Signer {
            name: name.to_string(),
            key_id,
            key,
        }
    }

    /// Parses `PRIVATE+KEY+<name>+<hex8>+<base64(0x01 || seed32)>` (surrounding whitespace is
    /// ignored). The key ID must match the key.
    pub fn from_skey(text: &str) -> Result<Signer, NoteError> {
        let (name, seed) = parse_skey("signer key", text.trim(), ALG_ED25519, "0x01 (Ed25519)")?;
        Ok(Self::from_seed(&name, seed))
    }

    /// The Go-compatible private key text. Keep it secret.
    pub fn to_skey(&self) -> String {
        format_skey(&self.name, self.key_id, ALG_ED25519, &self.key.to_bytes())
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    pub fn verifier(&self) -> Verifier {
        Verifier {
            name: self.name.clone(),
            key_id: self.key_id,
            alg: ALG_ED25519,
            key: self.key.verifying_key(),
        }
    }

    /// RFC 8032 Ed25519 signature of `msg`.
    pub fn sign_raw(&self, msg: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer as _;
        self.key.sign(msg).to_bytes()
    }
}

pub(crate) fn parse_skey(
    what: &'static str,
    text: &str,
    alg: u8,
    expected: &'static str,
) -> Result<(String, [u8; 32]), NoteError> {
    let rest = text
        .strip_prefix("PRIVATE+KEY+")
        .ok_or_else(|| NoteError::MalformedKey {
            what,
            field: "prefix",
            reason: "must start with PRIVATE+KEY+".into(),
        })?;
    let (name, id, key) = split_key_text(what, rest)?;
    if key[0] != alg {
        return Err(NoteError::UnsupportedKeyType {
            what,
            alg: key[0],
            expected,
        });
    }
    let seed = key32(what, &key)?;
    let public = SigningKey::from_bytes(&seed).verifying_key();
    let computed = key_id(name, alg, public.as_bytes());
    if computed != id {
        return Err(NoteError::KeyIdMismatch {
            what,
            name: name.to_string(),
            stated: id,
            computed,
        });
    }
    Ok((name.to_string(), seed))
}

pub(crate) fn format_skey(name: &str, id: u32, alg: u8, seed: &[u8; 32]) -> String {
    let mut raw = Vec::with_capacity(33);
    raw.push(alg);
    raw.extend_from_slice(seed);
    format!("PRIVATE+KEY+{name}+{id:08x}+{}", B64.encode(raw))
}

/// A note verifier: an Ed25519 public key with its name and key ID, for signature type `0x01`
/// (note signatures) or `0x04` (witness cosignatures, verified over the tlog-cosignature
/// message).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    key_id: u32,
    alg: u8,
    key: VerifyingKey,
}

impl Verifier {
    /// Parses `<name>+<hex8>+<base64(type || pubkey32)>` with type `0x01` or `0x04`
    /// (surrounding whitespace is ignored). The key ID must match the key.
    pub fn from_vkey(text: &str) -> Result<Verifier, NoteError> {
        const WHAT: &str = "verifier key";
        let (name, id, key) = split_key_text(WHAT, text.trim())?;
        let alg = key[0];
        if alg != ALG_ED25519 && alg != ALG_COSIGNATURE_V1 {
            return Err(NoteError::UnsupportedKeyType {
                what: WHAT,
                alg,
                expected: "0x01 (Ed25519) or 0x04 (Ed25519 cosignature)",
            });
        }
        let bytes = key32(WHAT, &key)?;
        let vk = VerifyingKey::from_bytes(&bytes).map_err(|e| NoteError::MalformedKey {
            what: WHAT,
            field: "key",
            reason: format!("not an Ed25519 public key: {e}"),
        })?;
        let computed = key_id(name, alg, &bytes);
        if computed != id {
            return Err(NoteError::KeyIdMismatch {
                what: WHAT,
                name: name.to_string(),
                stated: id,
                computed,
            });
        }
        Ok(Verifier {
            name: name.to_string(),
            key_id: id,
            alg,
            key: vk,
        })
    }

    /// A verifier from raw parts (computes the key ID).
    pub fn from_ed25519(name: &str, alg: u8, public_key: [u8; 32]) -> Result<Verifier, NoteError> {
        check_key_name(name)?;
        if alg != ALG_ED25519 && alg != ALG_COSIGNATURE_V1 {
            return Err(NoteError::UnsupportedKeyType {
                what: "verifier",
                alg,
                expected: "0x01 or 0x04",
            });
        }
        let key = VerifyingKey::from_bytes(&public_key).map_err(|e| NoteError::MalformedKey {
            what: "verifier",
            field: "key",
            reason: format!("not an Ed25519 public key: {e}"),
        })?;
        Ok(Verifier {
            name: name.to_string(),
            key_id: key_id(name, alg, &public_key),
            alg,
            key,
        })
    }

    pub fn to_vkey(&self) -> String {
        let mut raw = Vec::with_capacity(33);
        raw.push(self.alg);
        raw.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.key_id, B64.encode(raw))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The signature type byte: [`ALG_ED25519`] or [`ALG_COSIGNATURE_V1`].
    pub fn alg_type(&self) -> u8 {
        self.alg
    }

    /// The 32-byte Ed25519 public key (both supported types are Ed25519).
    pub fn ed25519_public_key(&self) -> Option<[u8; 32]> {
        Some(self.key.to_bytes())
    }

    /// Verifies signature bytes (without the 4-byte key ID) over the note text `msg`.
    ///
    /// Type `0x01`: `sig` is a 64-byte Ed25519 signature of `msg`. Type `0x04`: `sig` is
    /// `u64 big-endian timestamp || 64-byte signature` over the tlog-cosignature v1 message
    /// built from `msg`; timestamps above 2^63−1 are rejected (tlog-cosignature §Format).
    /// Ed25519 is checked with `verify_strict` (see the module docs).
    pub fn verify_raw(&self, msg: &[u8], sig: &[u8]) -> bool {
        match self.alg {
            ALG_ED25519 => self.verify_ed25519(msg, sig),
            ALG_COSIGNATURE_V1 => self.cosignature_timestamp(msg, sig).is_some(),
            _ => false,
        }
    }

    fn verify_ed25519(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Ok(sig) = <[u8; 64]>::try_from(sig) else {
            return false;
        };
        self.key
            .verify_strict(msg, &Signature::from_bytes(&sig))
            .is_ok()
    }

    /// For a type-0x04 verifier: the timestamp of a valid cosignature, else `None`.
    pub(crate) fn cosignature_timestamp(&self, body: &[u8], sig: &[u8]) -> Option<u64> {
        if self.alg != ALG_COSIGNATURE_V1 || sig.len() != 72 {
            return None;
        }
        let ts = u64::from_be_bytes(sig[..8].try_into().ok()?);
        if ts > i64::MAX as u64 {
            return None;
        }
        let msg = crate::cosignature::cosigned_message(body, ts);
        self.verify_ed25519(&msg, &sig[8..]).then_some(ts)
    }
}

/// A signature line as it appears in a note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigLine {
    pub name: String,
    pub key_id: u32,
    /// The signature bytes after the key ID.
    pub signature: Vec<u8>,
}

impl SigLine {
    /// `— <name> <base64(key ID || signature)>\n`.
    pub fn to_line(&self) -> String {
        let mut raw = Vec::with_capacity(4 + self.signature.len());
        raw.extend_from_slice(&self.key_id.to_be_bytes());
        raw.extend_from_slice(&self.signature);
        format!("{SIG_PREFIX}{} {}\n", self.name, B64.encode(raw))
    }

    /// Parses one signature line (without or with its trailing newline). `line_no` and `offset`
    /// only label errors.
    pub fn parse(line: &str, line_no: usize, offset: usize) -> Result<SigLine, NoteError> {
        let bad = |reason: String| NoteError::MalformedSignatureLine {
            line: line_no,
            offset,
            reason,
        };
        let line = line.strip_suffix('\n').unwrap_or(line);
        let rest = line
            .strip_prefix(SIG_PREFIX)
            .ok_or_else(|| bad("does not start with an em dash (U+2014) and a space".into()))?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or_else(|| bad("no space between key name and signature".into()))?;
        check_key_name(name).map_err(|e| bad(e.to_string()))?;
        let raw = B64
            .decode(b64)
            .map_err(|e| bad(format!("signature is not valid base64: {e}")))?;
        if raw.len() < 5 {
            return Err(bad(format!(
                "signature decodes to {} bytes; need a 4-byte key ID and a signature",
                raw.len()
            )));
        }
        Ok(SigLine {
            name: name.to_string(),
            key_id: u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]),
            signature: raw[4..].to_vec(),
        })
    }
}

/// A signature that verified under one of the caller's verifiers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedSig {
    pub name: String,
    pub key_id: u32,
    pub signature: Vec<u8>,
    /// The signature type of the verifier that accepted it.
    pub alg: u8,
    /// For cosignatures (type `0x04`), the signed timestamp (POSIX seconds).
    pub timestamp: Option<u64>,
}

/// An opened note: its text and which signatures verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The note text, including its final newline.
    pub text: String,
    pub verified: Vec<VerifiedSig>,
    /// Signatures from keys the caller did not supply (ignored, as the spec requires).
    pub unverified: Vec<SigLine>,
}

/// Checks signed-note's character rules; returns the offending byte offset.
fn check_note_chars(msg: &[u8]) -> Result<&str, NoteError> {
    let s = std::str::from_utf8(msg).map_err(|e| NoteError::InvalidUtf8 {
        offset: e.valid_up_to(),
    })?;
    if let Some(offset) = s.bytes().position(|b| b < 0x20 && b != b'\n') {
        return Err(NoteError::ControlCharacter {
            byte: msg[offset],
            offset,
        });
    }
    Ok(s)
}

/// Signs `text` (which must end in a newline and obey the note character rules) with every
/// signer, returning the full note.
pub fn sign(text: &str, signers: &[&Signer]) -> Result<String, NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::TextNotTerminated);
    }
    if signers.is_empty() {
        return Err(NoteError::NoSigners);
    }
    check_note_chars(text.as_bytes())?;
    let mut out = String::with_capacity(text.len() + 1 + signers.len() * 110);
    out.push_str(text);
    out.push('\n');
    for s in signers {
        out.push_str(
            &SigLine {
                name: s.name.clone(),
                key_id: s.key_id,
                signature: s.sign_raw(text.as_bytes()).to_vec(),
            }
            .to_line(),
        );
    }
    Ok(out)
}

/// Opens a signed note: checks its syntax, verifies every signature whose key name *and* key ID
/// match a supplied verifier, and requires at least one to verify (signed-note §Signatures).
/// A signature from a known key that fails to verify rejects the whole note. Signatures from
/// unknown keys are returned in [`Note::unverified`]; exact duplicate lines are dropped.
pub fn open(msg: &[u8], verifiers: &[&Verifier]) -> Result<Note, NoteError> {
    for (i, a) in verifiers.iter().enumerate() {
        if verifiers[..i]
            .iter()
            .any(|b| b.name == a.name && b.key_id == a.key_id)
        {
            return Err(NoteError::AmbiguousVerifiers {
                name: a.name.clone(),
                key_id: a.key_id,
            });
        }
    }
    let s = check_note_chars(msg)?;
    // The text is separated from the signatures by the *last* blank line.
    let split = s.rfind("\n\n").ok_or(NoteError::NoSignatureBlock)?;
    let text = &s[..split + 1];
    let sig_start = split + 2;
    let sigs = &s[sig_start..];
    if sigs.is_empty() || !sigs.ends_with('\n') {
        return Err(NoteError::UnterminatedSignatureBlock { offset: sig_start });
    }
    // Bound the work before verifying anything.
    if sigs.matches('\n').count() > MAX_SIGNATURES {
        return Err(NoteError::TooManySignatures {
            max: MAX_SIGNATURES,
        });
    }
    let text_lines = text.matches('\n').count();
    let mut note = Note {
        text: text.to_string(),
        verified: Vec::new(),
        unverified: Vec::new(),
    };
    let mut offset = sig_start;
    for (i, line) in sigs.split_terminator('\n').enumerate() {
        // Line numbers are 1-based over the whole note: text lines, the blank line, then this.
        let sig = SigLine::parse(line, text_lines + 2 + i, offset)?;
        offset += line.len() + 1;
        match verifiers
            .iter()
            .find(|v| v.name == sig.name && v.key_id == sig.key_id)
        {
            None => {
                if !note.unverified.contains(&sig) {
                    note.unverified.push(sig);
                }
            }
            Some(v) => {
                let timestamp = match v.alg {
                    ALG_COSIGNATURE_V1 => v.cosignature_timestamp(text.as_bytes(), &sig.signature),
                    _ => v
                        .verify_ed25519(text.as_bytes(), &sig.signature)
                        .then_some(0),
                };
                let Some(ts) = timestamp else {
                    return Err(NoteError::InvalidSignature {
                        name: sig.name,
                        key_id: sig.key_id,
                    });
                };
                // Every signature from a known key is verified (the spec's MUST), but each key
                // is recorded once.
                if !note
                    .verified
                    .iter()
                    .any(|s| s.name == sig.name && s.key_id == sig.key_id)
                {
                    note.verified.push(VerifiedSig {
                        name: sig.name,
                        key_id: sig.key_id,
                        signature: sig.signature,
                        alg: v.alg,
                        timestamp: (v.alg == ALG_COSIGNATURE_V1).then_some(ts),
                    });
                }
            }
        }
    }
    if note.verified.is_empty() {
        return Err(NoteError::NoVerifiedSignature {
            unverified: note.unverified.len(),
        });
    }
    Ok(note)
}
