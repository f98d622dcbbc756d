//! Signed notes, checkpoints and cosignatures against published vectors:
//!
//! * C2SP signed-note v1.0.0 test vector (quoted in /work/shared/reference.md, from the C2SP
//!   signed-note spec's example key `example.com/foo`).
//! * Go `golang.org/x/mod/sumdb/note` note_test.go `TestSign`: the `PeterNeumann` private key and
//!   the exact signed output (BSD-3-Clause; data only). Ed25519 is deterministic (RFC 8032), so
//!   our signature must equal Go's byte for byte.

mod common;

use common::Rng;
use verity_log::checkpoint::{self, Checkpoint, CheckpointError};
use verity_log::cosignature::{self, CosignatureError, CosignatureSigner, CosignatureVerifier};
use verity_log::note::{self, NoteError, Signer, Verifier};

const C2SP_VKEY: &str = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
const C2SP_NOTE: &str = "This is an example message.\n\n\u{2014} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

const GO_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_SIGNED: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

#[test]
fn c2sp_signed_note_vector_verifies() {
    let v = Verifier::from_vkey(C2SP_VKEY).unwrap();
    assert_eq!(v.name(), "example.com/foo");
    assert_eq!(v.key_id(), 0x530d903a);
    assert_eq!(v.to_vkey(), C2SP_VKEY);
    // Key ID recomputed from the spec formula.
    let pk = v.ed25519_public_key().unwrap();
    assert_eq!(note::key_id("example.com/foo", 0x01, &pk), 0x530d903a);
    let n = note::open(C2SP_NOTE.as_bytes(), &[&v]).unwrap();
    assert_eq!(n.text, "This is an example message.\n");
    assert_eq!(n.verified.len(), 1);
    assert!(n.unverified.is_empty());
}

#[test]
fn c2sp_vector_tampered_text_or_signature_fails() {
    let v = Verifier::from_vkey(C2SP_VKEY).unwrap();
    let tampered_text = C2SP_NOTE.replace("example message", "exemple message");
    assert!(matches!(
        note::open(tampered_text.as_bytes(), &[&v]),
        Err(NoteError::InvalidSignature { .. })
    ));
    // Flip one bit in every byte of the signature's base64 in turn (skipping the key ID part,
    // which turns the line into an unknown key's signature).
    let sig_start = C2SP_NOTE.find("Uw2Q").unwrap();
    let b = C2SP_NOTE.as_bytes();
    for i in sig_start + 8..b.len() - 2 {
        let mut m = b.to_vec();
        m[i] = if m[i] == b'A' { b'B' } else { b'A' };
        assert!(
            note::open(&m, &[&v]).is_err(),
            "mutation at byte {i} accepted"
        );
    }
    // A note with only an unknown key's signature is rejected.
    let other = Verifier::from_vkey(
        &Signer::generate("example.com/foo", &mut Rng(1))
            .unwrap()
            .verifier()
            .to_vkey(),
    )
    .unwrap();
    assert!(matches!(
        note::open(C2SP_NOTE.as_bytes(), &[&other]),
        Err(NoteError::NoVerifiedSignature { unverified: 1 })
    ));
}

#[test]
fn go_x_mod_sign_vector_byte_for_byte() {
    let s = Signer::from_skey(GO_SKEY).unwrap();
    assert_eq!(s.name(), "PeterNeumann");
    assert_eq!(s.key_id(), 0xc74f20a3);
    assert_eq!(s.to_skey(), GO_SKEY);
    let signed = note::sign(GO_TEXT, &[&s]).unwrap();
    assert_eq!(signed, GO_SIGNED);
    let n = note::open(signed.as_bytes(), &[&s.verifier()]).unwrap();
    assert_eq!(n.text, GO_TEXT);
}

#[test]
fn skey_manglings_are_rejected() {
    // Mirrors Go's TestNewSigner: every proper substring and every single-byte increment fails.
    let b = GO_SKEY.as_bytes();
    for i in 0..=b.len() {
        for j in i + 1..=b.len() {
            if i == 0 && j == b.len() {
                continue;
            }
            let Ok(sub) = std::str::from_utf8(&b[i..j]) else {
                continue;
            };
            // Trimming whitespace is allowed, so substrings differing only by it are the same key.
            assert!(Signer::from_skey(sub).is_err(), "accepted {sub:?}");
        }
    }
    for i in 0..b.len() {
        let mut m = b.to_vec();
        m[i] = m[i].wrapping_add(1);
        if let Ok(s) = std::str::from_utf8(&m) {
            assert!(Signer::from_skey(s).is_err(), "accepted {s:?}");
        }
    }
}

#[test]
fn vkey_errors_name_the_field() {
    let cases = [
        ("", "key name"),
        ("name", "key name"),
        ("name+530d903a", "key ID"),
        ("name+53+AQ==", "key ID"),
        ("name+530d903z+AQ==", "key ID"),
        ("name+530d903a+!!!", "key"),
        ("name+530d903a+AQ==", "key"),
    ];
    for (text, field) in cases {
        match Verifier::from_vkey(text) {
            Err(NoteError::MalformedKey { field: f, .. }) => assert_eq!(f, field, "{text:?}"),
            other => panic!("{text:?}: expected malformed {field}, got {other:?}"),
        }
    }
    // Valid key, wrong ID.
    let bad = C2SP_VKEY.replace("530d903a", "530d903b");
    assert!(matches!(
        Verifier::from_vkey(&bad),
        Err(NoteError::KeyIdMismatch { .. })
    ));
    // Name rules: spaces and '+' are not allowed.
    assert!(matches!(
        Signer::generate("a b", &mut Rng(1)),
        Err(NoteError::InvalidKeyName { .. })
    ));
    assert!(matches!(
        Signer::generate("a\u{00a0}b", &mut Rng(1)),
        Err(NoteError::InvalidKeyName { .. })
    ));
    // Unknown signature type (Go's "unknown algorithm" vector shape).
    assert!(matches!(
        Verifier::from_vkey("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        Err(NoteError::UnsupportedKeyType { alg: 0x65, .. })
    ));
}

#[test]
fn note_syntax_errors_say_where() {
    let s = Signer::generate("log.example/a", &mut Rng(2)).unwrap();
    let v = s.verifier();
    assert_eq!(
        note::sign("no newline", &[&s]),
        Err(NoteError::TextNotTerminated)
    );
    assert_eq!(note::sign("no signer\n", &[]), Err(NoteError::NoSigners));
    assert_eq!(
        note::sign("tab\there\n", &[&s]),
        Err(NoteError::ControlCharacter { byte: 9, offset: 3 })
    );
    let good = note::sign("hello\n\nworld\n", &[&s]).unwrap();
    // Blank lines inside the text are fine: the last blank line separates.
    assert_eq!(
        note::open(good.as_bytes(), &[&v]).unwrap().text,
        "hello\n\nworld\n"
    );
    assert_eq!(
        note::open(b"hello\n", &[&v]),
        Err(NoteError::NoSignatureBlock)
    );
    assert!(matches!(
        note::open(b"a\n\n\xff\n", &[&v]),
        Err(NoteError::InvalidUtf8 { offset: 3 })
    ));
    let no_dash = good.replace('\u{2014}', "-");
    assert!(matches!(
        note::open(no_dash.as_bytes(), &[&v]),
        Err(NoteError::MalformedSignatureLine { line: 5, .. })
    ));
    let unterminated = good.trim_end_matches('\n');
    assert!(matches!(
        note::open(unterminated.as_bytes(), &[&v]),
        Err(NoteError::UnterminatedSignatureBlock { .. })
    ));
    // Too many signatures.
    let line = good.lines().last().unwrap().to_string() + "\n";
    let many = format!("hello\n\nworld\n\n{}", line.repeat(101));
    assert_eq!(
        note::open(many.as_bytes(), &[&v]),
        Err(NoteError::TooManySignatures { max: 100 })
    );
}

#[test]
fn unknown_signatures_are_kept_and_known_bad_ones_reject() {
    let mut rng = Rng(3);
    let log = Signer::generate("log.example/a", &mut rng).unwrap();
    let other = Signer::generate("other.example/b", &mut rng).unwrap();
    // Same name as the log, different key: "share a name but not an ID" must be ignored.
    let impostor = Signer::generate("log.example/a", &mut rng).unwrap();
    let signed = note::sign("text\n", &[&log, &other, &impostor]).unwrap();
    let n = note::open(signed.as_bytes(), &[&log.verifier()]).unwrap();
    assert_eq!(n.verified.len(), 1);
    assert_eq!(n.unverified.len(), 2);
    // A line claiming the log's name and key ID with a signature from a different key.
    let forged = format!(
        "text\n\n{}",
        note::SigLine {
            name: log.name().into(),
            key_id: log.key_id(),
            signature: impostor.sign_raw(b"text\n").to_vec()
        }
        .to_line()
    );
    assert!(matches!(
        note::open(forged.as_bytes(), &[&log.verifier()]),
        Err(NoteError::InvalidSignature { .. })
    ));
    // Two signature lines from the same known key: the second is verified too.
    let good_line = signed.lines().nth(2).unwrap().to_string() + "\n";
    let bad_line = forged.lines().nth(2).unwrap().to_string() + "\n";
    let dup = format!("text\n\n{good_line}{bad_line}");
    assert!(note::open(dup.as_bytes(), &[&log.verifier()]).is_err());
    let dup_ok = format!("text\n\n{good_line}{good_line}");
    assert_eq!(
        note::open(dup_ok.as_bytes(), &[&log.verifier()])
            .unwrap()
            .verified
            .len(),
        1
    );
}

#[test]
fn checkpoint_round_trip_and_parse_errors() {
    let mut rng = Rng(4);
    let log = Signer::generate("verity.example/log", &mut rng).unwrap();
    let cp = Checkpoint {
        origin: "verity.example/log".into(),
        size: 20852163,
        root: common::h("0ac5186a91863e8e1d90c808014aa89bf5da8e3ee1d9f07630f0378f68f1ab62"),
    };
    let body = cp.to_body();
    assert_eq!(
        body,
        "verity.example/log\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    );
    assert_eq!(Checkpoint::parse_body(&body).unwrap(), cp);
    let signed = checkpoint::sign_checkpoint(&cp, &log);
    let (got, n) = checkpoint::open_checkpoint(signed.as_bytes(), &log.verifier()).unwrap();
    assert_eq!(got, cp);
    assert_eq!(n.text, body);

    let table: &[(&str, usize, &str)] = &[
        ("o\n1\n", 3, "root hash"),
        (
            "o\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
            2,
            "tree size",
        ),
        (
            "o\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
            2,
            "tree size",
        ),
        (
            "o\n99999999999999999999\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
            2,
            "tree size",
        ),
        (
            "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2\n",
            3,
            "root hash",
        ),
        ("o\n1\nAAAA\n", 3, "root hash"),
        (
            "\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
            1,
            "origin",
        ),
        (
            "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",
            3,
            "end",
        ),
    ];
    for (text, line, field) in table {
        match Checkpoint::parse_body(text) {
            Err(CheckpointError::Malformed {
                line: l, field: f, ..
            }) => {
                assert_eq!((l, f), (*line, *field), "{text:?}")
            }
            other => panic!("{text:?}: {other:?}"),
        }
    }
    assert_eq!(
        Checkpoint::parse_body("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\next\n"),
        Err(CheckpointError::ExtensionLine { line: 4 })
    );
    // A key for another origin cannot vouch for this checkpoint.
    let other = Signer::generate("verity.example/other", &mut rng).unwrap();
    let signed_other = checkpoint::sign_checkpoint(&cp, &other);
    assert!(matches!(
        checkpoint::open_checkpoint(signed_other.as_bytes(), &other.verifier()),
        Err(CheckpointError::OriginMismatch { .. })
    ));
    // Bad origins are refused by try_sign and produce unopenable notes from sign.
    let bad = Checkpoint {
        origin: "a\nb".into(),
        ..cp.clone()
    };
    assert!(checkpoint::try_sign_checkpoint(&bad, &log).is_err());
    assert!(
        checkpoint::open_checkpoint(
            checkpoint::sign_checkpoint(&bad, &log).as_bytes(),
            &log.verifier()
        )
        .is_err()
    );
}

#[test]
fn cosignatures_round_trip_and_reject_tampering() {
    let mut rng = Rng(5);
    let log = Signer::generate("verity.example/log", &mut rng).unwrap();
    let w = CosignatureSigner::generate("witness.example/w1", &mut rng).unwrap();
    let wv = w.verifier();
    assert_eq!(CosignatureVerifier::from_vkey(&wv.to_vkey()).unwrap(), wv);
    assert_eq!(
        CosignatureSigner::from_skey(&w.to_skey())
            .unwrap()
            .verifier(),
        wv
    );
    // Key ID per tlog-cosignature: SHA-256(name || "\n" || 0x04 || key)[:4].
    let pk = wv.as_note_verifier().ed25519_public_key().unwrap();
    assert_eq!(note::key_id("witness.example/w1", 0x04, &pk), wv.key_id());
    // A type-0x04 key is not a log (0x01) key and vice versa.
    assert!(CosignatureVerifier::from_vkey(&log.verifier().to_vkey()).is_err());
    assert!(Signer::from_skey(&w.to_skey()).is_err());

    let cp = Checkpoint {
        origin: "verity.example/log".into(),
        size: 5,
        root: [7; 32],
    };
    let body = cp.to_body();
    let line = cosignature::cosign(&body, 1_679_315_147, &w);
    assert!(line.ends_with('\n'));
    assert_eq!(
        cosignature::verify_cosignature(&body, &line, &wv),
        Ok(1_679_315_147)
    );
    // Another body, another witness, a changed timestamp: all rejected.
    let other_body = Checkpoint {
        size: 6,
        ..cp.clone()
    }
    .to_body();
    assert!(matches!(
        cosignature::verify_cosignature(&other_body, &line, &wv),
        Err(CosignatureError::BadSignature { .. })
    ));
    let w2 = CosignatureSigner::generate("witness.example/w2", &mut rng).unwrap();
    assert!(matches!(
        cosignature::verify_cosignature(&body, &line, &w2.verifier()),
        Err(CosignatureError::WrongKey { .. })
    ));
    let sig = w.sign_timestamped(&body, 100).unwrap();
    let mut moved = sig;
    moved[7] = 101;
    let moved_line = note::SigLine {
        name: w.name().into(),
        key_id: w.key_id(),
        signature: moved.to_vec(),
    }
    .to_line();
    assert!(cosignature::verify_cosignature(&body, &moved_line, &wv).is_err());
    // Timestamps above 2^63-1 are out of spec.
    assert_eq!(
        cosignature::try_cosign(&body, 1 << 63, &w),
        Err(CosignatureError::TimestampTooLarge(1 << 63))
    );
    assert!(
        cosignature::verify_cosignature(&body, &cosignature::cosign(&body, 1 << 63, &w), &wv)
            .is_err()
    );

    // A checkpoint carrying the log signature plus the cosignature opens with both keys, and
    // the cosignature's timestamp is reported.
    let signed = checkpoint::sign_checkpoint(&cp, &log) + &line;
    let (got, n) =
        checkpoint::open_cosigned_checkpoint(signed.as_bytes(), &log.verifier(), &[&wv]).unwrap();
    assert_eq!(got, cp);
    assert_eq!(n.verified.len(), 2);
    assert_eq!(n.verified[1].timestamp, Some(1_679_315_147));
    // Without the witness key the cosignature is an unknown signature.
    let (_, n) = checkpoint::open_checkpoint(signed.as_bytes(), &log.verifier()).unwrap();
    assert_eq!(n.unverified.len(), 1);
    // A witness signature alone does not authenticate the checkpoint.
    let only_witness = format!("{body}\n{line}");
    assert!(
        checkpoint::open_cosigned_checkpoint(only_witness.as_bytes(), &log.verifier(), &[&wv])
            .is_err()
    );
}
