//! Shared helpers of the ledger CLI tests: spawning `verity serve` / `verity witness serve`
//! as real processes on 127.0.0.1 with a free port, and signing declarations.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;
use verity_core::{Envelope, names};
use verity_log::note::Signer;

pub fn verity() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("verity"))
}

/// A running `verity` server process (killed on drop).
pub struct Proc {
    pub child: Child,
    pub url: String,
}

impl Proc {
    /// Spawns `verity ARGS...` and waits for its "listening on http://..." line.
    pub fn spawn(args: &[&str]) -> Proc {
        let mut child = verity()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn verity");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(i) = line.find("listening on http://")
                    && let Some(tx) = tx.take()
                {
                    let url = line[i + "listening on ".len()..]
                        .split_whitespace()
                        .next()
                        .unwrap()
                        .to_owned();
                    let _ = tx.send(url);
                }
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(u) => u,
            Err(_) => {
                let _ = child.kill();
                panic!("verity {args:?} did not start listening");
            }
        };
        Proc { child, url }
    }

    pub fn serve(data: &Path, extra: &[&str]) -> Proc {
        let d = data.to_str().unwrap();
        let mut args = vec![
            "serve",
            "--data",
            d,
            "--listen",
            "127.0.0.1:0",
            "--origin",
            "cli.test/log",
        ];
        args.extend_from_slice(extra);
        Proc::spawn(&args)
    }

    /// SIGKILL (Child::kill sends SIGKILL on Unix).
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then wait for the graceful shutdown.
    pub fn terminate(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }

    pub fn client(&self) -> verity_server::client::Client {
        verity_server::client::Client::new(&self.url).unwrap()
    }

    pub fn tree_size(&self) -> u64 {
        let v: Value = self.client().get_json("/api/v1/checkpoint").unwrap();
        v["size"].as_u64().unwrap()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill9();
    }
}

pub fn key(name: &str) -> Signer {
    verity_server::generate_signer(name).unwrap()
}

pub fn sign(s: &Signer, seq: u64, payload: Value) -> Vec<u8> {
    Envelope::new(
        s.name(),
        "new-start",
        "notification",
        seq,
        verity_server::time::OffsetDateTime::now_utc(),
        payload,
        &names::key_ref(s.name(), s.key_id()),
    )
    .unwrap()
    .sign(s)
    .unwrap()
    .to_entry_bytes()
    .unwrap()
}

/// Runs `verity ARGS` to completion: (success, stdout, stderr).
pub fn run(args: &[&str], env: &[(&str, &Path)]) -> (bool, String, String) {
    let mut c = verity();
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("run verity");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
