//! The signed declaration envelope and its canonical encoding.
//!
//! # Wire and log format
//!
//! A declaration is a JSON object with exactly these members:
//!
//! ```json
//! {"v":1,"party":"US","treaty":"new-start","kind":"data-exchange","seq":5,
//!  "time":"2023-03-01T00:00:00Z","payload":{...},"key":"US+1a2b3c4d","sig":"<base64 Ed25519>"}
//! ```
//!
//! * `v` is the envelope version (always 1).
//! * `party` is the party speaking; `key` names the signing key as `<key name>+<hex key ID>`
//!   (the first two fields of its C2SP verifier key). The registry decides whether that key may
//!   speak for that party.
//! * `seq` is the party's own sequence number: 1 for its first entry, then exactly one more each
//!   time. A gap or a repeat is refused, so a party (or an auditor) can tell from the log alone
//!   that none of its declarations were dropped or replayed.
//! * `time` is the party's claimed signing time, RFC 3339 in UTC (`Z`).
//! * `payload` is any JSON value (I-JSON: integers beyond ±2^53 are refused because they do not
//!   survive a round trip through most JSON implementations, RFC 7493 §2.2).
//!
//! # What is signed
//!
//! The Ed25519 signature covers `"verity/envelope/v1\n"` followed by the RFC 8785 (JSON
//! Canonicalization Scheme) encoding of the object **without** `sig`. The prefix separates this
//! signature domain from every other use of a key: a C2SP checkpoint note body has a decimal
//! tree size on its second line, and a cosignature message starts with `cosignature/v1`, so no
//! envelope signature can be replayed as either (C2SP signed-note §"Signatures").
//!
//! # What is logged
//!
//! The log entry is the RFC 8785 encoding of the whole object, `sig` included. Parsing an entry
//! demands that its bytes are exactly canonical, so there is one byte string per declaration and
//! the leaf hash identifies it.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::names::{self, NameError};

/// Domain-separation prefix of the envelope signature (see the module docs).
pub const ENVELOPE_SIGNATURE_DOMAIN: &[u8] = b"verity/envelope/v1\n";

/// The largest entry the log accepts: C2SP tlog-tiles entry bundles prefix each entry with a
/// big-endian uint16 length, so 65,535 bytes is a hard ceiling of the format.
pub const MAX_ENTRY_BYTES: usize = 65_535;

/// The only envelope version defined so far.
pub const ENVELOPE_VERSION: u32 = 1;

/// Largest integer magnitude that I-JSON guarantees to round-trip (RFC 7493 §2.2).
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Why an envelope could not be parsed or built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EnvelopeError {
    #[error("envelope is {size} bytes; the log accepts at most {MAX_ENTRY_BYTES}")]
    TooLarge { size: usize },
    #[error("envelope is not valid JSON: {0}")]
    Json(String),
    #[error("envelope field `{field}`: {problem}")]
    Field {
        field: &'static str,
        problem: String,
    },
    #[error("envelope field `{field}`: {source}")]
    Name {
        field: &'static str,
        #[source]
        source: NameError,
    },
    #[error("envelope version {0} is not supported (expected 1)")]
    Version(u32),
    #[error(
        "payload has a number that does not survive a JSON round trip at {path} (integers must be within ±2^53, floats finite)"
    )]
    UnsafeNumber { path: String },
    #[error("entry bytes are not in RFC 8785 canonical form (first difference at byte {offset})")]
    NotCanonical { offset: usize },
}

/// The declaration a party signs: everything but the signature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    pub v: u32,
    pub party: String,
    pub treaty: String,
    pub kind: String,
    pub seq: u64,
    pub time: String,
    pub payload: Value,
    /// `<key name>+<hex8 key ID>` of the signing key.
    pub key: String,
}

/// A declaration with its signature, as submitted and as logged.
#[derive(Clone, Debug, PartialEq)]
pub struct SignedEnvelope {
    pub envelope: Envelope,
    pub signature: [u8; 64],
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireEnvelope {
    v: u32,
    party: String,
    treaty: String,
    kind: String,
    seq: u64,
    time: String,
    payload: Value,
    key: String,
    sig: String,
}

impl Envelope {
    /// Builds an envelope after validating every field.
    pub fn new(
        party: &str,
        treaty: &str,
        kind: &str,
        seq: u64,
        time: OffsetDateTime,
        payload: Value,
        key: &str,
    ) -> Result<Self, EnvelopeError> {
        let env = Envelope {
            v: ENVELOPE_VERSION,
            party: party.to_owned(),
            treaty: treaty.to_owned(),
            kind: kind.to_owned(),
            seq,
            time: format_time(time)?,
            payload,
            key: key.to_owned(),
        };
        env.validate()?;
        Ok(env)
    }

    /// Checks every field against the format rules in the module docs.
    pub fn validate(&self) -> Result<(), EnvelopeError> {
        if self.v != ENVELOPE_VERSION {
            return Err(EnvelopeError::Version(self.v));
        }
        names::check_party(&self.party).map_err(|source| EnvelopeError::Name {
            field: "party",
            source,
        })?;
        names::check_identifier(&self.treaty).map_err(|source| EnvelopeError::Name {
            field: "treaty",
            source,
        })?;
        names::check_identifier(&self.kind).map_err(|source| EnvelopeError::Name {
            field: "kind",
            source,
        })?;
        if self.seq == 0 {
            return Err(EnvelopeError::Field {
                field: "seq",
                problem: "sequence numbers start at 1".into(),
            });
        }
        if self.seq > MAX_SAFE_INTEGER {
            return Err(EnvelopeError::Field {
                field: "seq",
                problem: format!("{} exceeds 2^53-1", self.seq),
            });
        }
        parse_time(&self.time)?;
        names::check_key_ref(&self.key).map_err(|source| EnvelopeError::Name {
            field: "key",
            source,
        })?;
        check_numbers(&self.payload, &mut String::from("payload"))?;
        Ok(())
    }

    /// The claimed signing time.
    pub fn time(&self) -> Result<OffsetDateTime, EnvelopeError> {
        parse_time(&self.time)
    }

    /// The exact bytes the party's key signs.
    pub fn signing_input(&self) -> Result<Vec<u8>, EnvelopeError> {
        let mut out = ENVELOPE_SIGNATURE_DOMAIN.to_vec();
        out.extend(canonical(self)?);
        Ok(out)
    }

    /// Signs the envelope with a party key. The key's `name+id` must be the envelope's `key`.
    pub fn sign(self, signer: &verity_log::note::Signer) -> Result<SignedEnvelope, EnvelopeError> {
        let expected = names::key_ref(signer.name(), signer.key_id());
        if self.key != expected {
            return Err(EnvelopeError::Field {
                field: "key",
                problem: format!(
                    "envelope names key {} but is signed by {expected}",
                    self.key
                ),
            });
        }
        let signature = signer.sign_raw(&self.signing_input()?);
        let signed = SignedEnvelope {
            envelope: self,
            signature,
        };
        // Refuse to produce something the log would refuse for size.
        signed.to_entry_bytes()?;
        Ok(signed)
    }
}

impl SignedEnvelope {
    /// Parses a submitted envelope (any JSON formatting) and validates its fields.
    /// The signature is *not* checked here: that needs the registry.
    pub fn from_json(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        if bytes.len() > MAX_ENTRY_BYTES * 2 {
            // Whitespace may make a submission larger than its canonical form, but not by
            // more than this before we stop spending effort on it.
            return Err(EnvelopeError::TooLarge { size: bytes.len() });
        }
        let wire: WireEnvelope =
            serde_json::from_slice(bytes).map_err(|e| EnvelopeError::Json(e.to_string()))?;
        let sig_bytes = B64
            .decode(wire.sig.as_bytes())
            .map_err(|e| EnvelopeError::Field {
                field: "sig",
                problem: format!("not base64: {e}"),
            })?;
        let signature: [u8; 64] =
            sig_bytes
                .try_into()
                .map_err(|v: Vec<u8>| EnvelopeError::Field {
                    field: "sig",
                    problem: format!("Ed25519 signatures are 64 bytes, got {}", v.len()),
                })?;
        let envelope = Envelope {
            v: wire.v,
            party: wire.party,
            treaty: wire.treaty,
            kind: wire.kind,
            seq: wire.seq,
            time: wire.time,
            payload: wire.payload,
            key: wire.key,
        };
        envelope.validate()?;
        let signed = SignedEnvelope {
            envelope,
            signature,
        };
        signed.to_entry_bytes()?;
        Ok(signed)
    }

    /// Parses a log entry, demanding exactly canonical bytes.
    pub fn from_entry_bytes(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        if bytes.len() > MAX_ENTRY_BYTES {
            return Err(EnvelopeError::TooLarge { size: bytes.len() });
        }
        let signed = Self::from_json(bytes)?;
        let canonical = signed.to_entry_bytes()?;
        if canonical != bytes {
            let offset = canonical
                .iter()
                .zip(bytes)
                .position(|(a, b)| a != b)
                .unwrap_or(canonical.len().min(bytes.len()));
            return Err(EnvelopeError::NotCanonical { offset });
        }
        Ok(signed)
    }

    /// The canonical bytes stored in the log (RFC 8785, `sig` included).
    pub fn to_entry_bytes(&self) -> Result<Vec<u8>, EnvelopeError> {
        let e = &self.envelope;
        let wire = WireEnvelope {
            v: e.v,
            party: e.party.clone(),
            treaty: e.treaty.clone(),
            kind: e.kind.clone(),
            seq: e.seq,
            time: e.time.clone(),
            payload: e.payload.clone(),
            key: e.key.clone(),
            sig: B64.encode(self.signature),
        };
        let bytes = canonical(&wire)?;
        if bytes.len() > MAX_ENTRY_BYTES {
            return Err(EnvelopeError::TooLarge { size: bytes.len() });
        }
        Ok(bytes)
    }

    /// Verifies the signature against a verifier key (Ed25519 `verify_strict`, see
    /// [`verity_log::note::Verifier::verify_raw`]). Checks that the verifier is the key the
    /// envelope names.
    pub fn verify_signature(&self, verifier: &verity_log::note::Verifier) -> bool {
        if self.envelope.key != names::key_ref(verifier.name(), verifier.key_id()) {
            return false;
        }
        match self.envelope.signing_input() {
            Ok(input) => verifier.verify_raw(&input, &self.signature),
            Err(_) => false,
        }
    }
}

fn canonical<T: Serialize>(value: &T) -> Result<Vec<u8>, EnvelopeError> {
    serde_json_canonicalizer::to_vec(value).map_err(|e| EnvelopeError::Json(e.to_string()))
}

/// Formats a time as RFC 3339 UTC with a `Z` suffix.
pub fn format_time(t: OffsetDateTime) -> Result<String, EnvelopeError> {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .map_err(|e| EnvelopeError::Field {
            field: "time",
            problem: e.to_string(),
        })
}

fn parse_time(s: &str) -> Result<OffsetDateTime, EnvelopeError> {
    if !s.ends_with('Z') {
        return Err(EnvelopeError::Field {
            field: "time",
            problem: format!("{s:?} must be RFC 3339 in UTC ending in Z"),
        });
    }
    OffsetDateTime::parse(s, &Rfc3339).map_err(|e| EnvelopeError::Field {
        field: "time",
        problem: format!("{s:?} is not RFC 3339: {e}"),
    })
}

fn check_numbers(v: &Value, path: &mut String) -> Result<(), EnvelopeError> {
    match v {
        Value::Number(n) => {
            let ok = if let Some(u) = n.as_u64() {
                u <= MAX_SAFE_INTEGER
            } else if let Some(i) = n.as_i64() {
                i.unsigned_abs() <= MAX_SAFE_INTEGER
            } else {
                n.as_f64().is_some_and(f64::is_finite)
            };
            if ok {
                Ok(())
            } else {
                Err(EnvelopeError::UnsafeNumber { path: path.clone() })
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                check_numbers(item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Object(map) => {
            for (k, item) in map {
                let len = path.len();
                path.push('.');
                path.push_str(k);
                check_numbers(item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use verity_log::note::Signer;

    fn signer(name: &str) -> Signer {
        let mut rng = rand::rngs::OsRng;
        Signer::generate(name, &mut rng).expect("valid key name")
    }

    fn sample(s: &Signer, seq: u64) -> SignedEnvelope {
        Envelope::new(
            "US",
            "new-start",
            "data-exchange",
            seq,
            time::macros::datetime!(2023-03-01 00:00:00 UTC),
            json!({"as_of":"2023-03-01","quantities":{"deployed_warheads":1419,"ratio":0.5}}),
            &names::key_ref(s.name(), s.key_id()),
        )
        .expect("valid envelope")
        .sign(s)
        .expect("signable")
    }

    /// RFC 8785 §3.2.2 sample input and its canonical output (the RFC's own example), so the
    /// canonicalizer we depend on is pinned to the standard, not to itself.
    #[test]
    fn canonical_form_matches_rfc8785_example() {
        let input = r#"{
          "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }"#;
        let expected = r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#;
        let value: Value = serde_json::from_str(input).unwrap();
        assert_eq!(
            String::from_utf8(canonical(&value).unwrap()).unwrap(),
            expected
        );
    }

    #[test]
    fn round_trip_through_entry_bytes_is_exact() {
        let s = signer("US");
        let signed = sample(&s, 1);
        let bytes = signed.to_entry_bytes().unwrap();
        let back = SignedEnvelope::from_entry_bytes(&bytes).unwrap();
        assert_eq!(back, signed);
        assert!(back.verify_signature(&s.verifier()));
        // Keys are sorted (RFC 8785 §3.2.3): "key" < "kind" < "party" < ...
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("{\"key\":\"US+"), "{text}");
    }

    #[test]
    fn signature_binds_every_field() {
        let s = signer("US");
        let signed = sample(&s, 1);
        let mutations: Vec<Box<dyn Fn(&mut Envelope)>> = vec![
            Box::new(|e| e.party = "RU".into()),
            Box::new(|e| e.treaty = "inf".into()),
            Box::new(|e| e.kind = "notification".into()),
            Box::new(|e| e.seq = 2),
            Box::new(|e| e.time = "2023-03-01T00:00:01Z".into()),
            Box::new(|e| e.payload = json!({"as_of":"2023-03-01"})),
        ];
        for m in mutations {
            let mut tampered = signed.clone();
            m(&mut tampered.envelope);
            assert!(!tampered.verify_signature(&s.verifier()));
        }
        let other = signer("US");
        assert!(!signed.verify_signature(&other.verifier()));
    }

    #[test]
    fn non_canonical_entry_bytes_are_refused() {
        let s = signer("US");
        let bytes = sample(&s, 1).to_entry_bytes().unwrap();
        let mut spaced = b" ".to_vec();
        spaced.extend(&bytes);
        assert!(matches!(
            SignedEnvelope::from_entry_bytes(&spaced),
            Err(EnvelopeError::NotCanonical { offset: 0 })
        ));
        // ...but a submission may be formatted freely.
        assert!(SignedEnvelope::from_json(&spaced).is_ok());
    }

    #[test]
    fn malformed_envelopes_name_the_field() {
        let s = signer("US");
        let good: Value = serde_json::from_slice(&sample(&s, 1).to_entry_bytes().unwrap()).unwrap();
        let cases: &[(&str, Value, &str)] = &[
            ("seq", json!(0), "seq"),
            ("seq", json!(-1), "invalid value"),
            ("time", json!("2023-03-01T00:00:00+01:00"), "time"),
            ("time", json!("yesterday"), "time"),
            ("party", json!(""), "party"),
            ("party", json!("U S"), "party"),
            ("kind", json!("Data Exchange"), "kind"),
            ("key", json!("US"), "key"),
            ("sig", json!("AAAA"), "64 bytes"),
            ("sig", json!("!!"), "base64"),
            ("v", json!(2), "version 2"),
            (
                "payload",
                json!({"big": 9007199254740993u64}),
                "payload.big",
            ),
            ("extra", json!(1), "unknown field"),
        ];
        for (field, value, expected) in cases {
            let mut v = good.clone();
            v[*field] = value.clone();
            let err = SignedEnvelope::from_json(&serde_json::to_vec(&v).unwrap())
                .expect_err(field)
                .to_string();
            assert!(err.contains(expected), "{field}: {err}");
        }
    }

    #[test]
    fn oversized_payload_is_refused() {
        let s = signer("US");
        let env = Envelope::new(
            "US",
            "new-start",
            "notification",
            1,
            OffsetDateTime::UNIX_EPOCH,
            json!({"text": "x".repeat(70_000)}),
            &names::key_ref(s.name(), s.key_id()),
        )
        .unwrap();
        assert!(matches!(env.sign(&s), Err(EnvelopeError::TooLarge { .. })));
    }

    proptest::proptest! {
        #[test]
        fn parser_never_panics_on_mutations(pos in 0usize..600, byte in proptest::num::u8::ANY, cut in 0usize..600) {
            let s = signer("US");
            let mut bytes = sample(&s, 1).to_entry_bytes().unwrap();
            if pos < bytes.len() { bytes[pos] = byte; }
            bytes.truncate(cut.max(1));
            let _ = SignedEnvelope::from_entry_bytes(&bytes);
            let _ = SignedEnvelope::from_json(&bytes);
        }
    }
}
