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
    // The real New START aggregate data exchanges (US State Department fact sheets, Feb 2011 –
    // Mar 2023, bundled with verity-treaty), each signed by the party that declared it. A row
    // whose figures were not provided (Russia, 2023-03-01) is not declared at all: the treaty
    // engine reports it as missing.
    let new_start =
        verity_treaty::bundled("new-start").context("the bundled New START regime")??;
    let csv = verity_treaty::PUBLIC_DATA
        .iter()
        .find(|(id, _)| *id == "new-start")
        .map(|(_, text)| *text)
        .context("the bundled New START data series")?;
    let rows = verity_treaty::parse_csv(csv, "new-start-aggregate.csv", &new_start)?;
    let mut seq: std::collections::HashMap<String, u64> = Default::default();
    let mut batch = Vec::new();
    let mut us_exchange_2022 = None;
    for row in rows {
        if row.quantities.values().all(Option::is_none) {
            continue;
        }
        let signer = match row.party.as_str() {
            "US" => &us,
            "RU" => &ru,
            other => anyhow::bail!("unexpected party {other} in the New START series"),
        };
        let n = seq.entry(row.party.clone()).or_insert(0);
        *n += 1;
        if row.party == "US" && verity_treaty::format_date(row.as_of) == "2022-03-01" {
            // The entry Russia's dispute below refers to (batch position = log index offset).
            us_exchange_2022 = Some(batch.len());
        }
        batch.push(decl(
            signer,
            "new-start",
            "data-exchange",
            *n,
            json!({"as_of": verity_treaty::format_date(row.as_of), "quantities": row.quantities}),
        )?);
    }
    let first_index = store.tree_size()?;
    if let Some(pos) = us_exchange_2022 {
        let n = seq.entry("RU".into()).or_insert(0);
        *n += 1;
        batch.push(decl(
            &ru,
            "new-start",
            "dispute",
            *n,
            json!({
                "disputes": format!("log:{}", first_index + pos as u64),
                "quantity": "deployed_nondeployed_launchers",
                "alternative": 901,
                "reasoning": "Russian MFA, March 2022: launchers converted by the US (56 Trident II SLBM launchers, 41 B-52H) cannot be confirmed as removed from accountability; the Art. II.1(c) limit is exceeded by 101 units"
            }),
        )?);
    }
    let (us_seq, ru_seq) = (
        seq.get("US").copied().unwrap_or(0),
        seq.get("RU").copied().unwrap_or(0),
    );
    batch.extend([
        decl(
            &us,
            "new-start",
            "notification",
            us_seq + 1,
            json!({
                "format": "3.1", "subject": "conversion or elimination of a heavy bomber",
                "base": "Davis-Monthan", "count": 1
            }),
        )?,
        decl(
            &ru,
            "new-start",
            "notification",
            ru_seq + 1,
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
    ]);
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
    println!(
        "  findings:      {url}/api/v1/findings?treaty=new-start   (New START 2011-2023, each finding citing log:<index>)"
    );
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
    println!(
        "  verity report --server {url} --log-key {}/log.vkey --treaty new-start",
        data_dir.display()
    );
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
