//! Running Python reference implementations (SciPy, ObsPy) from tests.
//!
//! The oracle is used when `python3` can import the needed modules. If it cannot, the test is
//! skipped with a note — unless `VERITY_REQUIRE_ORACLES=1` (set in CI), in which case it fails
//! with instructions. Data are exchanged as raw little-endian float64 files.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A scratch directory with the Python oracle available, or `None` (test skipped).
pub struct Oracle {
    pub dir: tempfile::TempDir,
}

pub fn oracle(modules: &[&str]) -> Option<Oracle> {
    let probe = format!("import {}", modules.join(", "));
    let ok = Command::new("python3")
        .args(["-c", &probe])
        .current_dir(std::env::temp_dir())
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        let msg = format!("python3 with {modules:?} not available (pip install obspy scipy numpy)");
        if std::env::var("VERITY_REQUIRE_ORACLES").as_deref() == Ok("1") {
            panic!("VERITY_REQUIRE_ORACLES=1 but {msg}");
        }
        eprintln!("SKIPPED: {msg}");
        return None;
    }
    Some(Oracle {
        dir: tempfile::tempdir().expect("temp dir"),
    })
}

impl Oracle {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    pub fn write(&self, name: &str, v: &[f64]) -> PathBuf {
        let p = self.path(name);
        let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        std::fs::write(&p, bytes).expect("write oracle input");
        p
    }
    pub fn read(&self, name: &str) -> Vec<f64> {
        read_f64(&self.path(name))
    }
    /// Run a Python script with the scratch directory as working directory (outside any
    /// package directory, so `import signal` is the standard library's).
    pub fn run(&self, script: &str) -> String {
        let out = Command::new("python3")
            .args(["-W", "ignore", "-c", script])
            .current_dir(self.dir.path())
            .output()
            .expect("run python3");
        assert!(
            out.status.success(),
            "oracle script failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stderr),
            script
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

pub fn read_f64(p: &Path) -> Vec<f64> {
    std::fs::read(p)
        .expect("read oracle output")
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// Assert `a ≈ b` element-wise: |a − b| ≤ rel·|b| + abs.
pub fn assert_close(what: &str, a: &[f64], b: &[f64], rel: f64, abs: f64) {
    assert_eq!(a.len(), b.len(), "{what}: length");
    let mut worst = (0usize, 0.0f64);
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let err = (x - y).abs();
        let tol = rel * y.abs() + abs;
        // NaN on either side fails too.
        if err.is_nan() || err > tol {
            panic!("{what}: index {i}: {x} vs {y} (|diff| {err:e} > tol {tol:e})");
        }
        if err > worst.1 {
            worst = (i, err);
        }
    }
    eprintln!("{what}: max |diff| {:e} at {}", worst.1, worst.0);
}

/// Deterministic pseudo-random test signal (xorshift; no RNG crate needed): noise plus a
/// burst, `n` samples.
pub fn test_signal(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed | 1;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    (0..n)
        .map(|i| {
            let burst = if i > n / 2 && i < n / 2 + n / 10 {
                50.0 * ((i as f64) * 0.3).sin()
            } else {
                0.0
            };
            100.0 + 0.01 * i as f64 + 10.0 * next() + burst
        })
        .collect()
}

pub const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata");
