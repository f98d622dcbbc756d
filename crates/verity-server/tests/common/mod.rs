//! Test harness: a real node on 127.0.0.1 (random port) over a temporary data folder, run on
//! its own tokio runtime thread so tests can use the blocking client.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use verity_core::{Envelope, names};
use verity_log::note::Signer;
use verity_server::{Config, Limits, WitnessTarget};
use verity_store::LogStore;

pub struct TestNode {
    pub url: String,
    pub data: PathBuf,
    pub store: Arc<dyn LogStore>,
    pub log_key: Signer,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _tmp: Option<tempfile::TempDir>,
}

pub fn test_limits() -> Limits {
    Limits {
        refresh_interval: Duration::from_millis(50),
        ..Limits::default()
    }
}

impl TestNode {
    pub fn start() -> TestNode {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let mut n = Self::start_in(&data, Vec::new(), test_limits());
        n._tmp = Some(tmp);
        n
    }

    pub fn start_in(data: &Path, witnesses: Vec<WitnessTarget>, limits: Limits) -> TestNode {
        let mut config = Config::new(data, "127.0.0.1:0");
        config.origin = Some("test.example/log".into());
        config.witnesses = witnesses;
        config.limits = limits;
        let (tx, rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let node = verity_server::start(&config).await.unwrap();
                let core = node.state.core.clone();
                tx.send((node.addr, core.store.clone(), core.signer.clone()))
                    .unwrap();
                verity_server::run(node, async {
                    let _ = stop_rx.await;
                })
                .await
                .unwrap();
            });
        });
        let (addr, store, log_key) = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("node started");
        TestNode {
            url: format!("http://{addr}"),
            data: data.to_path_buf(),
            store,
            log_key,
            shutdown: Some(stop_tx),
            thread: Some(thread),
            _tmp: None,
        }
    }

    pub fn client(&self) -> verity_server::client::Client {
        verity_server::client::Client::new(&self.url).unwrap()
    }

    pub fn tree_size(&self) -> u64 {
        let v: Value = self.client().get_json("/api/v1/checkpoint").unwrap();
        v["size"].as_u64().unwrap()
    }

    /// Registers a key over HTTP with a key-add entry signed by the log (operator) key.
    pub fn register(&self, party: &str, key: &Signer, role: &str) -> u64 {
        let op = &self.log_key;
        let seq = self.last_seq(op.name()) + 1;
        let body = sign(
            op,
            op.name(),
            "verity",
            "key-add",
            seq,
            json!({"party": party, "role": role, "vkey": key.verifier().to_vkey()}),
        );
        let (status, v) = post(&self.url, "/api/v1/declarations", &body);
        assert_eq!(status, 201, "{v}");
        v["index"].as_u64().unwrap()
    }

    pub fn revoke(&self, key: &Signer) -> u64 {
        let op = &self.log_key;
        let seq = self.last_seq(op.name()) + 1;
        let body = sign(
            op,
            op.name(),
            "verity",
            "key-revoke",
            seq,
            json!({"key": names::key_ref(key.name(), key.key_id()), "reason": "test"}),
        );
        let (status, v) = post(&self.url, "/api/v1/declarations", &body);
        assert_eq!(status, 201, "{v}");
        v["index"].as_u64().unwrap()
    }

    pub fn last_seq(&self, party: &str) -> u64 {
        let p: Value = self.client().get_json("/api/v1/parties").unwrap();
        p["last_seq"][party].as_u64().unwrap_or(0)
    }

    pub fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for TestNode {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn key(name: &str) -> Signer {
    Signer::generate(name, &mut rand::rngs::OsRng).unwrap()
}

pub fn sign_at(
    s: &Signer,
    party: &str,
    treaty: &str,
    kind: &str,
    seq: u64,
    time: time::OffsetDateTime,
    payload: Value,
) -> Vec<u8> {
    Envelope::new(
        party,
        treaty,
        kind,
        seq,
        time,
        payload,
        &names::key_ref(s.name(), s.key_id()),
    )
    .unwrap()
    .sign(s)
    .unwrap()
    .to_entry_bytes()
    .unwrap()
}

pub fn sign(
    s: &Signer,
    party: &str,
    treaty: &str,
    kind: &str,
    seq: u64,
    payload: Value,
) -> Vec<u8> {
    sign_at(
        s,
        party,
        treaty,
        kind,
        seq,
        time::OffsetDateTime::now_utc(),
        payload,
    )
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// POST raw bytes; returns (status, JSON body or Null).
pub fn post(url: &str, path: &str, body: &[u8]) -> (u16, Value) {
    let mut resp = agent()
        .post(&format!("{url}{path}"))
        .header("Content-Type", "application/json")
        .send(body)
        .unwrap();
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .with_config()
        .limit(1 << 30)
        .read_to_vec()
        .unwrap();
    (status, serde_json::from_slice(&text).unwrap_or(Value::Null))
}

/// GET; returns (status, headers as (name, value) pairs, body).
pub fn get(url: &str, path: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut resp = agent().get(&format!("{url}{path}")).call().unwrap();
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let body = resp
        .body_mut()
        .with_config()
        .limit(1 << 30)
        .read_to_vec()
        .unwrap();
    (status, headers, body)
}

pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}
