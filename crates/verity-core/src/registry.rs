//! The party registry and the admission rules for declarations.
//!
//! The registry says which keys speak for which party. It is not configuration: every change
//! to it is itself a logged declaration (treaty [`REGISTRY_TREATY`], kinds [`KIND_KEY_ADD`] and
//! [`KIND_KEY_REVOKE`]), so anyone holding the log can replay the registry from entry 0 and
//! re-check every signature ([`Registry::admit`] is that replay step, and the sequencer runs
//! the same code before it appends).
//!
//! Who may change it:
//! * the **log operator** (the key that signs the log's checkpoints, whose name is the party
//!   name of its declarations) may add a key for any party and revoke any key;
//! * a **party** may add a further key for itself (rotation) and revoke any of its own keys,
//!   signing with one of its active keys. A party that rotates adds the new key, then revokes
//!   the old one with either key.
//!
//! A key reference (`name+keyid`) is bound to one public key forever: adding a key whose
//! reference is already known, even revoked, is refused. This makes a signature checked against
//! a snapshot of the registry stay valid when the entry is admitted later, as long as the key is
//! still active then — which lets the sequencer verify signatures outside its critical section.
//!
//! Admission rules, each with a distinct refusal ([`Refusal`]):
//! 1. the envelope parses and is within size (else `malformed`/`too-large`);
//! 2. its key is known (`unknown-key`), active (`revoked-key`) and registered to the envelope's
//!    party (`party-mismatch`);
//! 3. the Ed25519 signature verifies under `verify_strict` (`bad-signature`);
//! 4. `seq` is exactly one more than the party's last admitted `seq` (`replayed-sequence` if
//!    not greater, `sequence-gap` if greater): replays and reordering are refused;
//! 5. `time` is not more than [`MAX_FUTURE_SKEW`] ahead of the sequencer's clock (`clock-skew`);
//! 6. registry declarations are well formed and authorised (`invalid-registry-change`,
//!    `unauthorized`).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use verity_log::note::Verifier;

use crate::envelope::{EnvelopeError, SignedEnvelope};
use crate::names::{self, key_ref};

/// Treaty ID of the log's own bookkeeping declarations.
pub const REGISTRY_TREATY: &str = "verity";
/// Kind of a declaration adding a key: payload `{"party": P, "role": R, "vkey": V}`.
pub const KIND_KEY_ADD: &str = "key-add";
/// Kind of a declaration revoking a key: payload `{"key": "name+keyid", "reason": "..."}`.
pub const KIND_KEY_REVOKE: &str = "key-revoke";
/// How far in the future a declaration's claimed time may be. Past times are fine: declarations
/// are often signed offline and submitted later; ordering comes from `seq` and the log.
pub const MAX_FUTURE_SKEW: Duration = Duration::minutes(5);

/// What a key is used for. Recorded in the registry and shown to readers; the admission rules
/// above do not depend on it except that only `party` keys may rotate themselves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// A state party to a treaty.
    Party,
    /// An inspectorate (IAEA, OPCW, a bilateral commission's inspection team).
    Inspectorate,
    /// A data centre publishing monitoring bulletins (e.g. a national data centre).
    DataCentre,
    /// A witness operator.
    Witness,
    /// The log operator.
    LogOperator,
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|_| {
            format!(
                "unknown role {s:?}; one of party, inspectorate, data-centre, witness, log-operator"
            )
        })
    }
}

/// One registered key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    /// The C2SP verifier key text.
    pub vkey: String,
    pub party: String,
    pub role: Role,
    /// Log index of the declaration that added it (`None` for the operator's own key).
    pub added_at: Option<u64>,
    /// Log index of the declaration that revoked it.
    pub revoked_at: Option<u64>,
}

/// Payload of a [`KIND_KEY_ADD`] declaration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyAdd {
    pub party: String,
    pub role: Role,
    pub vkey: String,
}

/// Payload of a [`KIND_KEY_REVOKE`] declaration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRevoke {
    pub key: String,
    #[serde(default)]
    pub reason: String,
}

/// A change to the registry made by an admitted declaration; storage persists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistryChange {
    Added { key: String, record: KeyRecord },
    Revoked { key: String, at: u64 },
}

/// Why a declaration was refused. `code()` is the stable machine-readable name.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
    #[error("malformed declaration: {0}")]
    Malformed(#[from] EnvelopeError),
    #[error("key {key} is not registered")]
    UnknownKey { key: String },
    #[error("key {key} was revoked at log index {at}")]
    RevokedKey { key: String, at: u64 },
    #[error("key {key} speaks for {registered}, not for {claimed}")]
    PartyMismatch {
        key: String,
        registered: String,
        claimed: String,
    },
    #[error("signature does not verify under key {key}")]
    BadSignature { key: String },
    #[error("{party} sequence {seq} was already used (last admitted: {last})")]
    ReplayedSequence { party: String, seq: u64, last: u64 },
    #[error("{party} sequence {seq} skips ahead (expected {expected})")]
    SequenceGap {
        party: String,
        seq: u64,
        expected: u64,
    },
    #[error("declaration time {time} is more than 5 minutes ahead of the log's clock ({now})")]
    ClockSkew { time: String, now: String },
    #[error("invalid registry change: {0}")]
    InvalidRegistryChange(String),
    #[error("{signer} may not {action}")]
    Unauthorized { signer: String, action: String },
}

impl Refusal {
    /// Stable error code used in HTTP error bodies and CLI `--json` output.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Malformed(EnvelopeError::TooLarge { .. }) => "too-large",
            Refusal::Malformed(_) => "malformed",
            Refusal::UnknownKey { .. } => "unknown-key",
            Refusal::RevokedKey { .. } => "revoked-key",
            Refusal::PartyMismatch { .. } => "party-mismatch",
            Refusal::BadSignature { .. } => "bad-signature",
            Refusal::ReplayedSequence { .. } => "replayed-sequence",
            Refusal::SequenceGap { .. } => "sequence-gap",
            Refusal::ClockSkew { .. } => "clock-skew",
            Refusal::InvalidRegistryChange(_) => "invalid-registry-change",
            Refusal::Unauthorized { .. } => "unauthorized",
        }
    }

    /// The HTTP status a server should answer with.
    pub fn http_status(&self) -> u16 {
        match self {
            Refusal::Malformed(EnvelopeError::TooLarge { .. }) => 413,
            Refusal::Malformed(_) | Refusal::ClockSkew { .. } => 400,
            Refusal::UnknownKey { .. }
            | Refusal::RevokedKey { .. }
            | Refusal::PartyMismatch { .. }
            | Refusal::BadSignature { .. }
            | Refusal::Unauthorized { .. } => 403,
            Refusal::ReplayedSequence { .. } | Refusal::SequenceGap { .. } => 409,
            Refusal::InvalidRegistryChange(_) => 422,
        }
    }
}

/// The registry state: keys and each party's last admitted sequence number.
#[derive(Clone, Debug)]
pub struct Registry {
    operator: Verifier,
    keys: BTreeMap<String, KeyRecord>,
    verifiers: HashMap<String, Verifier>,
    last_seq: HashMap<String, u64>,
}

impl Registry {
    /// An empty registry for a log whose operator key is `operator` (the checkpoint key).
    pub fn new(operator: Verifier) -> Self {
        let op_ref = key_ref(operator.name(), operator.key_id());
        let record = KeyRecord {
            vkey: operator.to_vkey(),
            party: operator.name().to_owned(),
            role: Role::LogOperator,
            added_at: None,
            revoked_at: None,
        };
        let mut verifiers = HashMap::new();
        verifiers.insert(op_ref.clone(), operator.clone());
        Registry {
            operator,
            keys: BTreeMap::from([(op_ref, record)]),
            verifiers,
            last_seq: HashMap::new(),
        }
    }

    /// Rebuilds a registry from persisted parts (keys and last sequence numbers).
    pub fn from_parts(
        operator: Verifier,
        keys: impl IntoIterator<Item = (String, KeyRecord)>,
        last_seq: impl IntoIterator<Item = (String, u64)>,
    ) -> Result<Self, Refusal> {
        let mut reg = Registry::new(operator);
        for (key, record) in keys {
            let verifier = Verifier::from_vkey(&record.vkey)
                .map_err(|e| Refusal::InvalidRegistryChange(format!("stored key {key}: {e}")))?;
            reg.verifiers.insert(key.clone(), verifier);
            reg.keys.insert(key, record);
        }
        reg.last_seq.extend(last_seq);
        Ok(reg)
    }

    /// The operator's party name (its key name).
    pub fn operator_party(&self) -> &str {
        self.operator.name()
    }

    /// All keys, active and revoked, by reference.
    pub fn keys(&self) -> &BTreeMap<String, KeyRecord> {
        &self.keys
    }

    /// The last admitted sequence number of a party (0 if none).
    pub fn last_seq(&self, party: &str) -> u64 {
        self.last_seq.get(party).copied().unwrap_or(0)
    }

    /// Every party's last admitted sequence number.
    pub fn last_seqs(&self) -> &HashMap<String, u64> {
        &self.last_seq
    }

    /// Looks up the envelope's key and checks that it is active and speaks for the party.
    pub fn resolve(&self, env: &SignedEnvelope) -> Result<&Verifier, Refusal> {
        let e = &env.envelope;
        let record = self
            .keys
            .get(&e.key)
            .ok_or_else(|| Refusal::UnknownKey { key: e.key.clone() })?;
        if let Some(at) = record.revoked_at {
            return Err(Refusal::RevokedKey {
                key: e.key.clone(),
                at,
            });
        }
        if record.party != e.party {
            return Err(Refusal::PartyMismatch {
                key: e.key.clone(),
                registered: record.party.clone(),
                claimed: e.party.clone(),
            });
        }
        // Invariant: `verifiers` has an entry for every key in `keys` (both maps are only
        // written together, in `new`, `from_parts` and `apply`).
        Ok(&self.verifiers[&e.key])
    }

    /// Rules 2 and 3: key status and signature. Read-only, so it can run in parallel on a
    /// snapshot while the sequencer is busy.
    pub fn check_signature(&self, env: &SignedEnvelope) -> Result<(), Refusal> {
        let verifier = self.resolve(env)?;
        if env.verify_signature(verifier) {
            Ok(())
        } else {
            Err(Refusal::BadSignature {
                key: env.envelope.key.clone(),
            })
        }
    }

    /// Every rule, without changing the registry.
    pub fn check(&self, env: &SignedEnvelope, now: OffsetDateTime) -> Result<(), Refusal> {
        self.check_signature(env)?;
        self.check_state(env, now)?;
        Ok(())
    }

    /// Checks every rule and, if the declaration is admitted at log index `index`, updates the
    /// registry. Returns the registry change it made, if any.
    pub fn admit(
        &mut self,
        env: &SignedEnvelope,
        index: u64,
        now: OffsetDateTime,
    ) -> Result<Option<RegistryChange>, Refusal> {
        self.check_signature(env)?;
        self.admit_preverified(env, index, now)
    }

    /// As [`admit`](Self::admit) for an envelope whose signature the caller has already
    /// verified against this registry's key of the same reference (key references are bound to
    /// one public key forever, see the module docs). Key status is checked again here.
    pub fn admit_preverified(
        &mut self,
        env: &SignedEnvelope,
        index: u64,
        now: OffsetDateTime,
    ) -> Result<Option<RegistryChange>, Refusal> {
        self.resolve(env)?;
        let change = self.check_state(env, now)?;
        let e = &env.envelope;
        self.last_seq.insert(e.party.clone(), e.seq);
        Ok(change.map(|c| self.apply(c, index)))
    }

    /// Rules 4–6. Returns the registry change the declaration would make (with no index yet).
    fn check_state(
        &self,
        env: &SignedEnvelope,
        now: OffsetDateTime,
    ) -> Result<Option<PendingChange>, Refusal> {
        let e = &env.envelope;
        let last = self.last_seq(&e.party);
        if e.seq <= last {
            return Err(Refusal::ReplayedSequence {
                party: e.party.clone(),
                seq: e.seq,
                last,
            });
        }
        if e.seq != last + 1 {
            return Err(Refusal::SequenceGap {
                party: e.party.clone(),
                seq: e.seq,
                expected: last + 1,
            });
        }
        let time = e.time()?;
        if time > now + MAX_FUTURE_SKEW {
            return Err(Refusal::ClockSkew {
                time: e.time.clone(),
                now: crate::envelope::format_time(now).unwrap_or_default(),
            });
        }
        if e.treaty != REGISTRY_TREATY {
            return Ok(None);
        }
        let signer_is_operator = e.party == self.operator.name();
        let signer_record = &self.keys[&e.key]; // Invariant: resolve() succeeded for this key.
        match e.kind.as_str() {
            KIND_KEY_ADD => {
                let add: KeyAdd = serde_json::from_value(e.payload.clone()).map_err(|err| {
                    Refusal::InvalidRegistryChange(format!("key-add payload: {err}"))
                })?;
                names::check_party(&add.party)
                    .map_err(|err| Refusal::InvalidRegistryChange(format!("party: {err}")))?;
                let verifier = Verifier::from_vkey(&add.vkey)
                    .map_err(|err| Refusal::InvalidRegistryChange(format!("vkey: {err}")))?;
                if verifier.ed25519_public_key().is_none() {
                    return Err(Refusal::InvalidRegistryChange(
                        "only Ed25519 (type 0x01) keys can sign declarations".into(),
                    ));
                }
                names::check_party(verifier.name())
                    .map_err(|err| Refusal::InvalidRegistryChange(format!("key name: {err}")))?;
                let key = key_ref(verifier.name(), verifier.key_id());
                if self.keys.contains_key(&key) {
                    return Err(Refusal::InvalidRegistryChange(format!(
                        "key {key} is already registered; a key reference is never reused"
                    )));
                }
                if add.role == Role::LogOperator {
                    return Err(Refusal::InvalidRegistryChange(
                        "the log-operator role belongs to the checkpoint key alone".into(),
                    ));
                }
                let self_rotation = add.party == e.party && signer_record.role == Role::Party;
                if !(signer_is_operator || self_rotation) {
                    return Err(Refusal::Unauthorized {
                        signer: e.key.clone(),
                        action: format!("add a key for {}", add.party),
                    });
                }
                Ok(Some(PendingChange::Add {
                    key,
                    record: KeyRecord {
                        vkey: verifier.to_vkey(),
                        party: add.party,
                        role: add.role,
                        added_at: None,
                        revoked_at: None,
                    },
                    verifier: Box::new(verifier),
                }))
            }
            KIND_KEY_REVOKE => {
                let rev: KeyRevoke = serde_json::from_value(e.payload.clone()).map_err(|err| {
                    Refusal::InvalidRegistryChange(format!("key-revoke payload: {err}"))
                })?;
                let Some(target) = self.keys.get(&rev.key) else {
                    return Err(Refusal::InvalidRegistryChange(format!(
                        "key {} is not registered",
                        rev.key
                    )));
                };
                if target.revoked_at.is_some() {
                    return Err(Refusal::InvalidRegistryChange(format!(
                        "key {} is already revoked",
                        rev.key
                    )));
                }
                if target.role == Role::LogOperator {
                    return Err(Refusal::InvalidRegistryChange(
                        "the checkpoint key cannot be revoked inside its own log".into(),
                    ));
                }
                if !(signer_is_operator || target.party == e.party) {
                    return Err(Refusal::Unauthorized {
                        signer: e.key.clone(),
                        action: format!("revoke {}", rev.key),
                    });
                }
                Ok(Some(PendingChange::Revoke { key: rev.key }))
            }
            other => Err(Refusal::InvalidRegistryChange(format!(
                "unknown registry kind {other:?} (expected {KIND_KEY_ADD} or {KIND_KEY_REVOKE})"
            ))),
        }
    }

    fn apply(&mut self, change: PendingChange, index: u64) -> RegistryChange {
        match change {
            PendingChange::Add {
                key,
                mut record,
                verifier,
            } => {
                record.added_at = Some(index);
                self.verifiers.insert(key.clone(), *verifier);
                self.keys.insert(key.clone(), record.clone());
                RegistryChange::Added { key, record }
            }
            PendingChange::Revoke { key } => {
                if let Some(r) = self.keys.get_mut(&key) {
                    r.revoked_at = Some(index);
                }
                RegistryChange::Revoked { key, at: index }
            }
        }
    }
}

enum PendingChange {
    Add {
        key: String,
        record: KeyRecord,
        // Boxed: a verifier is much larger than the other variant (clippy::large_enum_variant).
        verifier: Box<Verifier>,
    },
    Revoke {
        key: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::Envelope;
    use serde_json::json;
    use verity_log::note::Signer;

    const NOW: OffsetDateTime = time::macros::datetime!(2026-11-25 12:00:00 UTC);

    fn key(name: &str) -> Signer {
        Signer::generate(name, &mut rand::rngs::OsRng).unwrap()
    }

    fn decl(
        s: &Signer,
        party: &str,
        treaty: &str,
        kind: &str,
        seq: u64,
        payload: serde_json::Value,
    ) -> SignedEnvelope {
        Envelope::new(
            party,
            treaty,
            kind,
            seq,
            NOW,
            payload,
            &key_ref(s.name(), s.key_id()),
        )
        .unwrap()
        .sign(s)
        .unwrap()
    }

    struct World {
        reg: Registry,
        op: Signer,
        op_seq: u64,
        index: u64,
    }

    impl World {
        fn new() -> Self {
            let op = key("log.example");
            World {
                reg: Registry::new(op.verifier()),
                op,
                op_seq: 0,
                index: 0,
            }
        }
        fn submit(&mut self, env: &SignedEnvelope) -> Result<Option<RegistryChange>, Refusal> {
            let r = self.reg.admit(env, self.index, NOW);
            if r.is_ok() {
                self.index += 1;
            }
            r
        }
        fn register(&mut self, party: &str, role: Role, k: &Signer) {
            self.op_seq += 1;
            let party_name = self.op.name().to_owned();
            let env = decl(
                &self.op,
                &party_name,
                REGISTRY_TREATY,
                KIND_KEY_ADD,
                self.op_seq,
                json!({"party": party, "role": role, "vkey": k.verifier().to_vkey()}),
            );
            self.submit(&env).unwrap();
        }
    }

    #[test]
    fn admits_in_order_and_refuses_replay_gap_and_reorder() {
        let mut w = World::new();
        let us = key("US");
        w.register("US", Role::Party, &us);
        let d1 = decl(&us, "US", "new-start", "notification", 1, json!({}));
        let d2 = decl(&us, "US", "new-start", "notification", 2, json!({}));
        let d3 = decl(&us, "US", "new-start", "notification", 3, json!({}));
        assert_eq!(w.submit(&d2).unwrap_err().code(), "sequence-gap");
        w.submit(&d1).unwrap();
        assert_eq!(w.submit(&d1).unwrap_err().code(), "replayed-sequence");
        w.submit(&d2).unwrap();
        w.submit(&d3).unwrap();
        assert_eq!(w.submit(&d2).unwrap_err().code(), "replayed-sequence");
        assert_eq!(w.reg.last_seq("US"), 3);
    }

    #[test]
    fn every_refusal_has_its_code() {
        let mut w = World::new();
        let us = key("US");
        let ru = key("RU");
        let stranger = key("US");
        w.register("US", Role::Party, &us);
        w.register("RU", Role::Party, &ru);

        // Forged: signed by an unregistered key with the same name.
        let forged = decl(&stranger, "US", "new-start", "notification", 1, json!({}));
        assert_eq!(w.submit(&forged).unwrap_err().code(), "unknown-key");

        // RU's key claiming to speak for US.
        let impersonation = decl(&ru, "US", "new-start", "notification", 1, json!({}));
        assert_eq!(
            w.submit(&impersonation).unwrap_err().code(),
            "party-mismatch"
        );

        // Tampered after signing.
        let mut tampered = decl(&us, "US", "new-start", "notification", 1, json!({"n": 1}));
        tampered.envelope.payload = json!({"n": 2});
        assert_eq!(w.submit(&tampered).unwrap_err().code(), "bad-signature");

        // From the future.
        let future = Envelope::new(
            "US",
            "new-start",
            "notification",
            1,
            NOW + Duration::hours(1),
            json!({}),
            &key_ref(us.name(), us.key_id()),
        )
        .unwrap()
        .sign(&us)
        .unwrap();
        assert_eq!(w.submit(&future).unwrap_err().code(), "clock-skew");

        // A party may not register keys for another party.
        let grab = decl(
            &us,
            "US",
            REGISTRY_TREATY,
            KIND_KEY_ADD,
            1,
            json!({"party": "RU", "role": "party", "vkey": key("RU2").verifier().to_vkey()}),
        );
        assert_eq!(w.submit(&grab).unwrap_err().code(), "unauthorized");
        // Nor revoke another party's key.
        let revoke_other = decl(
            &us,
            "US",
            REGISTRY_TREATY,
            KIND_KEY_REVOKE,
            1,
            json!({"key": key_ref(ru.name(), ru.key_id())}),
        );
        assert_eq!(w.submit(&revoke_other).unwrap_err().code(), "unauthorized");
        // Garbage registry payloads.
        let bad = decl(
            &us,
            "US",
            REGISTRY_TREATY,
            KIND_KEY_ADD,
            1,
            json!({"party": "US"}),
        );
        assert_eq!(
            w.submit(&bad).unwrap_err().code(),
            "invalid-registry-change"
        );
        // None of the refusals consumed a sequence number.
        assert_eq!(w.reg.last_seq("US"), 0);
    }

    #[test]
    fn rotation_then_revocation() {
        let mut w = World::new();
        let old = key("US");
        let new = key("US-2027");
        w.register("US", Role::Party, &old);
        let add = decl(
            &old,
            "US",
            REGISTRY_TREATY,
            KIND_KEY_ADD,
            1,
            json!({"party": "US", "role": "party", "vkey": new.verifier().to_vkey()}),
        );
        assert!(matches!(
            w.submit(&add).unwrap(),
            Some(RegistryChange::Added { .. })
        ));
        let revoke = decl(
            &new,
            "US",
            REGISTRY_TREATY,
            KIND_KEY_REVOKE,
            2,
            json!({"key": key_ref(old.name(), old.key_id()), "reason": "rotation"}),
        );
        assert!(matches!(
            w.submit(&revoke).unwrap(),
            Some(RegistryChange::Revoked { .. })
        ));
        let late = decl(&old, "US", "new-start", "notification", 3, json!({}));
        assert_eq!(w.submit(&late).unwrap_err().code(), "revoked-key");
        let fine = decl(&new, "US", "new-start", "notification", 3, json!({}));
        w.submit(&fine).unwrap();
        // A key reference is never reused, even after revocation.
        w.op_seq += 1;
        let again = decl(
            &w.op,
            "log.example",
            REGISTRY_TREATY,
            KIND_KEY_ADD,
            w.op_seq,
            json!({"party": "US", "role": "party", "vkey": old.verifier().to_vkey()}),
        );
        assert_eq!(
            w.submit(&again).unwrap_err().code(),
            "invalid-registry-change"
        );
    }

    #[test]
    fn registry_rebuilt_from_parts_behaves_the_same() {
        let mut w = World::new();
        let us = key("US");
        w.register("US", Role::Party, &us);
        w.submit(&decl(&us, "US", "new-start", "notification", 1, json!({})))
            .unwrap();
        let rebuilt = Registry::from_parts(
            w.op.verifier(),
            w.reg.keys().clone(),
            w.reg.last_seqs().clone(),
        )
        .unwrap();
        let next = decl(&us, "US", "new-start", "notification", 2, json!({}));
        let replay = decl(&us, "US", "new-start", "notification", 1, json!({}));
        assert!(rebuilt.check(&next, NOW).is_ok());
        assert_eq!(
            rebuilt.check(&replay, NOW).unwrap_err().code(),
            "replayed-sequence"
        );
    }

    #[test]
    fn roles_parse() {
        assert_eq!("data-centre".parse::<Role>().unwrap(), Role::DataCentre);
        assert!("king".parse::<Role>().is_err());
    }
}
