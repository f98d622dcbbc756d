//! Verity's core vocabulary: parties and their keys, the signed declaration envelope with its
//! canonical encoding, and the admission rules that the log's sequencer and every auditor apply.
//!
//! This crate does no I/O: time is passed in, keys are passed in, bytes in and bytes out.
//!
//! * [`envelope`]: the signed declaration (RFC 8785 canonical JSON, Ed25519, a domain prefix).
//! * [`registry`]: which keys speak for which party, kept as logged declarations; the
//!   admission rules (signature, key status, per-party sequence, clock skew) with a distinct
//!   refusal code for each.
//! * [`names`]: the rules for party, treaty, kind and key names.
//! * [`kinds`]: the well-known declaration kinds.
//!
//! # Ed25519 acceptance rule
//! Signatures are checked with `ed25519-dalek`'s `verify_strict` (no small-order keys or `R`,
//! canonical `S`), one at a time. Batch verification is deliberately not used for admission:
//! it may accept signatures that strict single verification rejects, and every auditor must
//! reach the same verdict as the sequencer did.

pub mod envelope;
pub mod kinds;
pub mod names;
pub mod registry;

pub use envelope::{Envelope, EnvelopeError, MAX_ENTRY_BYTES, SignedEnvelope};
pub use registry::{KeyRecord, Refusal, Registry, RegistryChange, Role};
