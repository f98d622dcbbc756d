//! `verity demo`: a node on the embedded default (SQLite in a data folder) seeded with a small
//! New START–style scenario, so a newcomer has something to fetch and verify at once.
//!
//! The figures are the aggregate numbers the two parties published for their last data
//! exchanges before New START's suspension (United States, as of 1 March 2023: 662 deployed
//! ICBMs, SLBMs and heavy bombers, 1,419 deployed warheads, 800 deployed and non-deployed
//! launchers — US State Department fact sheet; Russian Federation, as of 1 September 2022:
//! 540, 1,549, 759); they are illustrative here, not an official record.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use serde_json::json;
use verity_core::{Envelope, Role, names};
use verity_log::note::Signer;
use verity_store::{Candidate, LogStore};

use crate::keys;
use crate::state::{AppState, Limits};

/// Where the demo's party keys are written.
pub fn keys_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("keys")
}

fn party_key(data_dir: &Path, name: &str) -> anyhow::Result<Signer> {
    let dir = keys_dir(data_dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(format!("{name}.key"));
    if path.exists() {
        return keys::read_signer_key(&path);
    }
    let s = Signer::generate(name, &mut rand_core::OsRng).with_context(|| format!("key {name}"))?;
    keys::write_secret_file(&path, &format!("{}\n", s.to_skey()), false)?;
    std::fs::write(
        dir.join(format!("{name}.vkey")),
        format!("{}\n", s.verifier().to_vkey()),
    )
    .with_context(|| format!("cannot write {name}.vkey"))?;
    Ok(s)
}

/// Seeds an empty log: three registered keys and six declarations. Returns the entry count.
pub fn seed(store: &dyn LogStore, operator: &Signer, data_dir: &Path) -> anyhow::Result<u64> {
    let us = party_key(data_dir, "US")?;
    let ru = party_key(data_dir, "RU")?;
    let iaea = party_key(data_dir, "IAEA")?;
    for (party, key, role) in [
        ("US", &us, Role::Party),
        ("RU", &ru, Role::Party),
        ("IAEA", &iaea, Role::Inspectorate),
    ] {
        crate::operator::party_add(store, operator, party, &key.verifier(), role)?;
    }
    let now = time::OffsetDateTime::now_utc();
    let decl = |s: &Signer,
                treaty: &str,
                kind: &str,
                seq: u64,
                payload: serde_json::Value|
     -> anyhow::Result<Candidate> {
        let env = Envelope::new(
            s.name(),
            treaty,
            kind,
            seq,
            now,
            payload,
            &names::key_ref(s.name(), s.key_id()),
        )?
        .sign(s)?;
        Ok(Candidate {
            envelope: env,
            verified: false,
        })
    };
    let batch = vec![
        decl(
            &us,
            "new-start",
            "data-exchange",
            1,
            json!({
                "as_of": "2023-03-01",
                "deployed_icbms_slbms_heavy_bombers": 662,
                "deployed_warheads": 1419,
                "deployed_and_non_deployed_launchers": 800
            }),
        )?,
        decl(
            &ru,
            "new-start",
            "data-exchange",
            1,
            json!({
                "as_of": "2022-09-01",
                "deployed_icbms_slbms_heavy_bombers": 540,
                "deployed_warheads": 1549,
                "deployed_and_non_deployed_launchers": 759
            }),
        )?,
        decl(
            &us,
            "new-start",
            "notification",
            2,
            json!({
                "format": "3.1", "subject": "conversion or elimination of a heavy bomber",
                "base": "Davis-Monthan", "count": 1
            }),
        )?,
        decl(
            &ru,
            "new-start",
            "notification",
            2,
            json!({
                "format": "4.2", "subject": "movement of a mobile ICBM launcher", "count": 1
            }),
        )?,
        decl(
            &iaea,
            "npt-safeguards",
            "inspection-report",
            1,
            json!({
                "facility": "LEU fuel fabrication plant (illustrative)", "material_balance_area": "MBA-1",
                "period": "2025", "finding": "no anomaly"
            }),
        )?,
    ];
    let outcome = store
        .append(&batch, now, operator)
        .context("seeding the demo log")?;
    for (i, r) in outcome.results.iter().enumerate() {
        if let Err(r) = r {
            anyhow::bail!("seed declaration {i} refused: {r}");
        }
    }
    Ok(store.tree_size()?)
}

/// Runs the demo node until Ctrl-C.
pub async fn run_demo(data_dir: &Path, listen: &str) -> anyhow::Result<()> {
    let (signer, _) = keys::load_or_create_log_key(data_dir, None, &mut rand_core::OsRng)?;
    let (d2, s2) = (data_dir.to_path_buf(), signer.clone());
    let (store, seeded) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let store = crate::open_store(&d2, None, &s2)?;
        let seeded = if store.tree_size()? == 0 {
            Some(seed(&*store, &s2, &d2)?)
        } else {
            None
        };
        Ok((store, seeded))
    })
    .await??;
    let store: Arc<dyn LogStore> = store;
    let state = AppState::start(store, signer, Limits::default()).await?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}");
    let size = state.core.published().size;
    let kd = keys_dir(data_dir);
    println!(
        "Verity demo: log {} ({} entries{})",
        state.core.signer.name(),
        size,
        if seeded.is_some() { ", seeded now" } else { "" }
    );
    println!("  data folder:   {}", data_dir.display());
    println!("  checkpoint:    {url}/log/checkpoint");
    println!("  log key:       {url}/log/key");
    println!("  parties:       {url}/api/v1/parties");
    println!("  first entry:   {url}/api/v1/entries/0");
    println!("  API document:  {url}/openapi.json");
    println!("  party keys:    {}/{{US,RU,IAEA}}.key", kd.display());
    println!("Try, in another terminal:");
    println!("  verity verify --server {url} --full");
    println!("  verity get --server {url} --party US --seq 1");
    println!("  echo '{{\"subject\":\"test\"}}' > /tmp/p.json");
    println!(
        "  verity submit --server {url} --key {}/US.key --treaty new-start --kind notification /tmp/p.json",
        kd.display()
    );
    println!("  verity verify --server {url} --party US --seq 3");
    println!("verity: listening on {url} (Ctrl-C to stop)");
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    crate::run(
        crate::Node {
            state,
            listener,
            addr,
            created_key: false,
        },
        crate::shutdown_signal(),
    )
    .await
}
