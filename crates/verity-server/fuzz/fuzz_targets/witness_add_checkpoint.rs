//! The witness node's request handler on arbitrary bodies: it must answer a status for every
//! input (never panic) and only cosign checkpoints signed by the configured log key.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use verity_log::cosignature::CosignatureSigner;
use verity_log::note::Signer;
use verity_server::witness::WitnessNode;

struct World {
    _dir: tempfile::TempDir,
    node: WitnessNode,
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = Signer::generate("fuzz.example/log", &mut rand_core::OsRng).expect("key");
        let w = CosignatureSigner::generate("fuzz.example/w", &mut rand_core::OsRng).expect("key");
        let node = WitnessNode::open(dir.path(), w, vec![log.verifier()]).expect("open");
        World { _dir: dir, node }
    })
}

fuzz_target!(|data: &[u8]| {
    let (status, _, _) = world().node.handle(data, 1_700_000_000);
    // Without the log key nothing can be cosigned.
    assert_ne!(status, 200);
});
