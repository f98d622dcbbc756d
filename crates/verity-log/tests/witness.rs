//! tlog-witness v1.0.0 add-checkpoint: request framing and every decision branch with the
//! status code the spec assigns.

mod common;

use common::{Rng, build_log};
use verity_log::checkpoint::{Checkpoint, sign_checkpoint};
use verity_log::cosignature::{CosignatureSigner, verify_cosignature};
use verity_log::note::Signer;
use verity_log::witness::{AddCheckpointRequest, WitnessError, WitnessOutcome, add_checkpoint};
use verity_log::{Hash, prove_consistency, tree_hash};

struct Fixture {
    log: Signer,
    witness: CosignatureSigner,
    stored: Vec<Hash>,
}

impl Fixture {
    fn new() -> Self {
        let mut rng = Rng(21);
        let entries: Vec<Vec<u8>> = (0..100)
            .map(|i| format!("entry {i}").into_bytes())
            .collect();
        Fixture {
            log: Signer::generate("verity.example/log", &mut rng).unwrap(),
            witness: CosignatureSigner::generate("witness.example/w", &mut rng).unwrap(),
            stored: build_log(&entries).0,
        }
    }
    fn cp(&self, size: u64) -> Checkpoint {
        Checkpoint {
            origin: "verity.example/log".into(),
            size,
            root: tree_hash(size, &self.stored).unwrap(),
        }
    }
    fn req(&self, old: u64, new: u64) -> AddCheckpointRequest {
        AddCheckpointRequest {
            old_size: old,
            proof: prove_consistency(new, old, &self.stored).unwrap(),
            checkpoint: sign_checkpoint(&self.cp(new), &self.log).into_bytes(),
        }
    }
    fn state(&self, size: u64) -> Option<(u64, Hash)> {
        Some((size, tree_hash(size, &self.stored).unwrap()))
    }
    fn decide(
        &self,
        stored: Option<(u64, Hash)>,
        req: &AddCheckpointRequest,
    ) -> Result<WitnessOutcome, WitnessError> {
        add_checkpoint(
            stored,
            req,
            &self.log.verifier(),
            &self.witness,
            1_700_000_000,
        )
    }
}

#[test]
fn request_round_trip_and_spec_example_framing() {
    let f = Fixture::new();
    let req = f.req(10, 50);
    let bytes = req.to_bytes();
    assert!(bytes.starts_with(b"old 10\n"));
    assert_eq!(AddCheckpointRequest::parse(&bytes).unwrap(), req);
    assert_eq!(req.origin().unwrap(), "verity.example/log");
    // The tlog-witness spec's example body parses (its signatures are not ours to check here).
    let example = "old 20852014\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\njrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";
    let r = AddCheckpointRequest::parse(example.as_bytes()).unwrap();
    assert_eq!((r.old_size, r.proof.len()), (20852014, 4));
    assert_eq!(r.origin().unwrap(), "example.com/behind-the-sofa");
}

#[test]
fn malformed_requests_are_400_with_the_line() {
    let table: &[(&[u8], usize)] = &[
        (b"", 1),
        (b"old 5", 1),
        (b"new 5\n\ncp\n", 1),
        (b"old 05\n\ncp\n", 1),
        (b"old -5\n\ncp\n", 1),
        (b"old 5\nnot base64!\n\ncp\n", 2),
        (b"old 5\nAAAA\n\ncp\n", 2),
        (b"old 5\n", 2),
        (b"old 5\n\n", 3),
    ];
    for (body, line) in table {
        match AddCheckpointRequest::parse(body) {
            Err(e @ WitnessError::Malformed { line: l, .. }) => {
                assert_eq!(l, *line, "{:?}", String::from_utf8_lossy(body));
                assert_eq!(e.status_code(), 400);
            }
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(body)),
        }
    }
    // 64 proof lines is one too many.
    let mut body = b"old 1\n".to_vec();
    for _ in 0..64 {
        body.extend_from_slice(b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
    }
    body.extend_from_slice(b"\ncp\n");
    assert!(matches!(
        AddCheckpointRequest::parse(&body),
        Err(WitnessError::Malformed { line: 65, .. })
    ));
}

#[test]
fn happy_path_first_checkpoint_then_growth() {
    let f = Fixture::new();
    // Never cosigned: old size 0, empty proof.
    let out = f.decide(None, &f.req(0, 10)).unwrap();
    let WitnessOutcome::Cosigned {
        new_state,
        cosignature_line,
    } = &out
    else {
        panic!("{out:?}")
    };
    assert_eq!(out.status_code(), 200);
    assert_eq!(*new_state, f.state(10).unwrap());
    assert_eq!(
        verify_cosignature(&f.cp(10).to_body(), cosignature_line, &f.witness.verifier()),
        Ok(1_700_000_000)
    );
    assert_eq!(out.response_body(), cosignature_line.as_bytes());
    // Grow 10 -> 77 with a consistency proof.
    let out = f.decide(f.state(10), &f.req(10, 77)).unwrap();
    assert!(matches!(
        out,
        WitnessOutcome::Cosigned {
            new_state: (77, _),
            ..
        }
    ));
    // Same size, same root: cosigned again.
    let out = f.decide(f.state(77), &f.req(77, 77)).unwrap();
    assert!(matches!(
        out,
        WitnessOutcome::Cosigned {
            new_state: (77, _),
            ..
        }
    ));
}

#[test]
fn stale_old_size_is_409_with_current_size() {
    let f = Fixture::new();
    let out = f.decide(f.state(50), &f.req(10, 77)).unwrap();
    assert_eq!(out, WitnessOutcome::Conflict { current_size: 50 });
    assert_eq!(out.status_code(), 409);
    assert_eq!(out.response_body(), b"50\n");
    // A client that knows nothing starts with old 0 and learns the size.
    assert_eq!(
        f.decide(f.state(50), &f.req(0, 77)).unwrap(),
        WitnessOutcome::Conflict { current_size: 50 }
    );
    // A witness that never cosigned reports size 0.
    assert_eq!(
        f.decide(None, &f.req(10, 77)).unwrap(),
        WitnessOutcome::Conflict { current_size: 0 }
    );
}

#[test]
fn rollback_is_refused() {
    let f = Fixture::new();
    // The client claims the stored size but presents a smaller checkpoint: 400.
    let mut req = f.req(40, 40);
    req.old_size = 50;
    let e = f.decide(f.state(50), &req).unwrap_err();
    assert!(matches!(
        e,
        WitnessError::OldSizeGreater {
            old_size: 50,
            checkpoint_size: 40
        }
    ));
    assert_eq!(e.status_code(), 400);
    // Or the honest old size for the smaller checkpoint: 409, nothing stored changes.
    assert_eq!(
        f.decide(f.state(50), &f.req(30, 40)).unwrap(),
        WitnessOutcome::Conflict { current_size: 50 }
    );
}

#[test]
fn bad_proof_is_422() {
    let f = Fixture::new();
    let mut req = f.req(10, 77);
    req.proof[1][0] ^= 1;
    let e = f.decide(f.state(10), &req).unwrap_err();
    assert!(matches!(e, WitnessError::BadProof { .. }));
    assert_eq!(e.status_code(), 422);
    // A proof from old size 0 must be empty.
    let mut req = f.req(0, 10);
    req.proof.push([0; 32]);
    assert_eq!(f.decide(None, &req).unwrap_err().status_code(), 422);
    // A valid proof for a different (forked) stored root does not verify either.
    let forked = Some((10, [9u8; 32]));
    assert_eq!(
        f.decide(forked, &f.req(10, 77)).unwrap_err().status_code(),
        422
    );
}

#[test]
fn same_size_different_root_is_409_split_view() {
    let f = Fixture::new();
    let out = f.decide(Some((77, [9u8; 32])), &f.req(77, 77)).unwrap();
    assert!(matches!(
        out,
        WitnessOutcome::RootMismatch {
            current_size: 77,
            ..
        }
    ));
    assert_eq!(out.status_code(), 409);
    assert_eq!(out.response_body(), b"77\n");
}

#[test]
fn unknown_key_is_403_and_unknown_origin_404() {
    let f = Fixture::new();
    let mut rng = Rng(22);
    // Signed by a different key with the same name: no known signature verifies.
    let impostor = Signer::generate("verity.example/log", &mut rng).unwrap();
    let mut req = f.req(0, 10);
    req.checkpoint = sign_checkpoint(&f.cp(10), &impostor).into_bytes();
    let e = f.decide(None, &req).unwrap_err();
    assert!(matches!(e, WitnessError::Unauthenticated(_)), "{e:?}");
    assert_eq!(e.status_code(), 403);
    // Tampered checkpoint text under the real key's signature: 403.
    let mut req = f.req(0, 10);
    let s = String::from_utf8(req.checkpoint.clone())
        .unwrap()
        .replacen("\n10\n", "\n11\n", 1);
    req.checkpoint = s.into_bytes();
    assert_eq!(f.decide(None, &req).unwrap_err().status_code(), 403);
    // A checkpoint for another origin, checked against this log's key: 404.
    let other = Signer::generate("verity.example/other", &mut rng).unwrap();
    let mut cp = f.cp(10);
    cp.origin = "verity.example/other".into();
    let mut req = f.req(0, 10);
    req.checkpoint = sign_checkpoint(&cp, &other).into_bytes();
    let r = add_checkpoint(None, &req, &other.verifier(), &f.witness, 1);
    assert!(r.is_ok());
    let e = add_checkpoint(None, &req, &f.log.verifier(), &f.witness, 1).unwrap_err();
    assert!(matches!(
        e,
        WitnessError::Unauthenticated(_) | WitnessError::UnknownOrigin { .. }
    ));
    // Origin mismatch with a key whose name differs from the origin: 404.
    let mismatched = Signer::generate("verity.example/log-old-key", &mut rng).unwrap();
    let mut req = f.req(0, 10);
    req.checkpoint = verity_log::note::sign(&f.cp(10).to_body(), &[&mismatched])
        .unwrap()
        .into_bytes();
    let e = add_checkpoint(None, &req, &mismatched.verifier(), &f.witness, 1).unwrap_err();
    assert_eq!(e.status_code(), 404);
    // Garbage checkpoint: 400.
    let mut req = f.req(0, 10);
    req.checkpoint = b"not a note".to_vec();
    assert_eq!(f.decide(None, &req).unwrap_err().status_code(), 400);
}

#[test]
fn empty_tree_checkpoint_must_carry_the_empty_root() {
    let f = Fixture::new();
    let mut cp = f.cp(0);
    assert_eq!(cp.root, verity_log::empty_root());
    let mut req = f.req(0, 0);
    assert!(matches!(
        f.decide(None, &req).unwrap(),
        WitnessOutcome::Cosigned { .. }
    ));
    cp.root = [1; 32];
    req.checkpoint = sign_checkpoint(&cp, &f.log).into_bytes();
    assert_eq!(f.decide(None, &req).unwrap_err().status_code(), 422);
}
