//! The ledger commands: keys, the log node, party registration, submission, retrieval and
//! client-side verification. Thin: the work is in `verity_server` (node, client, verify) and
//! the library crates it drives.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use verity_core::{Envelope, Role, names};
use verity_server::client::{self, Client, TrustStore, VerifyRequest};
use verity_server::{Config, WitnessConfig, WitnessTarget, keys};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Make an Ed25519 signing key (C2SP signed-note format, file mode 0600) and print its
    /// verifier key.
    Keygen {
        /// Key name: for a party key, the party's name (e.g. US).
        #[arg(long)]
        name: String,
        /// Where to write the signer (private) key.
        #[arg(long)]
        out: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
        #[arg(long)]
        json: bool,
    },
    /// Run a log node (axum on loopback by default). On first start creates the log key
    /// DATA/log.key (0600) and writes DATA/log.vkey.
    Serve {
        #[arg(long)]
        data: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Store the log in PostgreSQL instead of SQLite in DATA (several nodes may share it).
        #[arg(long, value_name = "CONNSTR")]
        postgres: Option<String>,
        /// Origin (and log key name) of a new log.
        #[arg(long)]
        origin: Option<String>,
        /// Ask this witness for cosignatures: URL=VKEY (VKEY may be a file). Repeatable.
        #[arg(long = "witness", value_name = "URL=VKEY")]
        witnesses: Vec<String>,
        /// How long the sequencer waits to fill a batch once it has a submission.
        #[arg(long, default_value_t = 5, hide = true)]
        batch_wait_ms: u64,
    },
    /// Manage the party registry (key additions and revocations are logged entries).
    #[command(subcommand)]
    Party(PartyCommand),
    /// Sign a JSON payload as a declaration and submit it; prints the entry index after
    /// checking the returned inclusion proof against the signed checkpoint.
    Submit {
        #[arg(long)]
        server: String,
        /// The party's signer key file (from `verity keygen`).
        #[arg(long)]
        key: PathBuf,
        #[arg(long)]
        treaty: String,
        #[arg(long)]
        kind: String,
        /// The payload: a JSON file.
        payload: PathBuf,
        /// Party name (default: the key's name).
        #[arg(long)]
        party: Option<String>,
        /// Sequence number (default: one more than the party's last, asked from the server).
        #[arg(long)]
        seq: Option<u64>,
        /// The log's verifier key (default: the pinned one, pinned on first use).
        #[arg(long)]
        log_key: Option<String>,
        /// Where trusted checkpoints are kept (default $VERITY_STATE or ~/.config/verity).
        #[arg(long)]
        state: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Fetch an entry by index or by (party, sequence number).
    Get {
        #[arg(long)]
        server: String,
        #[arg(required_unless_present = "party", conflicts_with_all = ["party", "seq"])]
        index: Option<u64>,
        #[arg(long, requires = "seq")]
        party: Option<String>,
        #[arg(long, requires = "party")]
        seq: Option<u64>,
        #[arg(long)]
        json: bool,
    },
    /// Verify the log as a client: checkpoint signature, consistency with the checkpoint
    /// trusted last time, inclusion of an entry, or (--full) every entry and signature.
    Verify {
        #[arg(long)]
        server: String,
        /// The log's verifier key file or text (default: pinned; first use pins /log/key).
        #[arg(long)]
        log_key: Option<String>,
        /// State folder (default $VERITY_STATE or ~/.config/verity).
        #[arg(long)]
        state: Option<PathBuf>,
        #[arg(long, conflicts_with_all = ["party", "seq"])]
        index: Option<u64>,
        #[arg(long, requires = "seq")]
        party: Option<String>,
        #[arg(long, requires = "party")]
        seq: Option<u64>,
        /// Download every entry, recompute the tree and replay the registry.
        #[arg(long)]
        full: bool,
        /// A witness whose cosignature to check (its C2SP cosignature verifier key, text or
        /// file). Repeatable.
        #[arg(long = "witness-key", value_name = "VKEY")]
        witness_keys: Vec<String>,
        /// How many of the --witness-key witnesses must have cosigned (default: all of them).
        #[arg(long)]
        quorum: Option<usize>,
        #[arg(long)]
        json: bool,
    },
    /// Start a node with a seeded scenario on the embedded default and print where to look.
    Demo {
        #[arg(long, default_value = "verity-demo")]
        data: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
    },
    /// Run a C2SP tlog-witness node.
    #[command(subcommand)]
    Witness(WitnessCommand),
}

#[derive(clap::Subcommand)]
pub enum PartyCommand {
    /// Register a key for a party (a key-add entry signed by the operator key in DATA).
    Add {
        #[arg(long)]
        data: PathBuf,
        #[arg(long, value_name = "CONNSTR")]
        postgres: Option<String>,
        /// Party name.
        name: String,
        /// The party's verifier key (text, or a file holding it).
        vkey: String,
        #[arg(long, default_value = "party")]
        role: String,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a key (`name+hex8`), a key-revoke entry signed by the operator key in DATA.
    Revoke {
        #[arg(long)]
        data: PathBuf,
        #[arg(long, value_name = "CONNSTR")]
        postgres: Option<String>,
        keyref: String,
        #[arg(long, default_value = "")]
        reason: String,
        #[arg(long)]
        json: bool,
    },
    /// List the registry of a running node.
    List {
        #[arg(long)]
        server: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Subcommand)]
pub enum WitnessCommand {
    /// Serve `POST /add-checkpoint` for the given logs; state in DATA/witness.sqlite3, key in
    /// DATA/witness.key (created on first start, verifier key in DATA/witness.vkey).
    Serve {
        #[arg(long)]
        data: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8090")]
        listen: String,
        /// Verifier key file of a log to witness. Repeatable.
        #[arg(long = "log", value_name = "VKEY_FILE", required = true)]
        logs: Vec<PathBuf>,
        /// Name of the witness key (used when it is created).
        #[arg(long, default_value = "verity-witness")]
        name: String,
    },
}

/// Where and as whom a command that produces a declaration (a seismic or space bulletin, a
/// space-object registration) signs it and appends it to a log. Flattened into those commands
/// so that every producer speaks for its party the same way `verity submit` does.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct SubmitArgs {
    /// Sign the result and append it to the log at this node (e.g. http://127.0.0.1:8080).
    #[arg(long = "submit-to", value_name = "URL", requires = "key")]
    pub submit_to: Option<String>,
    /// The producing party's signer key file (from `verity keygen`).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Party name (default: the key's name).
    #[arg(long)]
    pub party: Option<String>,
    /// The log's verifier key (default: the pinned one, pinned on first use).
    #[arg(long)]
    pub log_key: Option<String>,
    /// Where trusted checkpoints are kept (default $VERITY_STATE or ~/.config/verity).
    #[arg(long)]
    pub state: Option<PathBuf>,
}

/// A declaration the log has taken, with its inclusion proof checked.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub index: u64,
    pub party: String,
    pub seq: u64,
    pub leaf_hash: String,
    pub tree_size: u64,
    pub checkpoint: String,
}

impl Submitted {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "index": self.index, "party": self.party, "seq": self.seq,
            "leaf_hash": self.leaf_hash, "tree_size": self.tree_size,
            "inclusion_verified": true, "checkpoint": self.checkpoint,
        })
    }

    pub fn describe(&self) -> String {
        format!(
            "entry {} ({} seq {}) is in the log: inclusion proof verified against the checkpoint signed at size {}",
            self.index, self.party, self.seq, self.tree_size
        )
    }
}

/// Signs `payload` as the party of `target.key` (next sequence number, asked from the node),
/// submits it, and checks the node's inclusion proof against its signed checkpoint (pinning
/// the log key on first use). `Ok(None)` when `target` names no node.
pub fn sign_and_submit(
    target: &SubmitArgs,
    treaty: &str,
    kind: &str,
    payload: serde_json::Value,
) -> anyhow::Result<Option<Submitted>> {
    if target.submit_to.is_none() {
        return Ok(None);
    }
    sign_and_submit_with_seq(target, treaty, kind, payload, None).map(Some)
}

fn sign_and_submit_with_seq(
    target: &SubmitArgs,
    treaty: &str,
    kind: &str,
    payload: serde_json::Value,
    seq: Option<u64>,
) -> anyhow::Result<Submitted> {
    let server = target
        .submit_to
        .as_deref()
        .context("no node to submit to (--submit-to URL)")?;
    let key = target
        .key
        .as_deref()
        .context("signing needs the party's key (--key FILE)")?;
    let signer = keys::read_signer_key(key)?;
    let party = target
        .party
        .clone()
        .unwrap_or_else(|| signer.name().to_owned());
    let client = Client::new(server)?;
    let seq = match seq {
        Some(s) => s,
        None => {
            let parties = client
                .parties()
                .context("asking the server for the party's last sequence number")?;
            parties.last_seq.get(&party).copied().unwrap_or(0) + 1
        }
    };
    let env = Envelope::new(
        &party,
        treaty,
        kind,
        seq,
        verity_server::time::OffsetDateTime::now_utc(),
        payload,
        &names::key_ref(signer.name(), signer.key_id()),
    )
    .context("building the declaration")?
    .sign(&signer)
    .context("signing the declaration")?;
    let bytes = env.to_entry_bytes().context("encoding the declaration")?;
    let resp = client
        .submit(&bytes)
        .context("submitting the declaration")?;
    let trust = trust_store(target.state.as_deref())?;
    let given = target
        .log_key
        .as_deref()
        .map(keys::verifier_from_arg)
        .transpose()?;
    let (cp, warnings) = client::check_submission(&client, &trust, given.as_ref(), &bytes, &resp)
        .context("checking the server's answer")?;
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    Ok(Submitted {
        index: resp.index,
        party,
        seq,
        leaf_hash: resp.leaf_hash.clone(),
        tree_size: cp.size,
        checkpoint: resp.checkpoint.clone(),
    })
}

/// Fetches the whole log at `server` and audits it as `verity verify --full` does (every entry's
/// bytes against the tree, the root against the checkpoint signed by `log_key`, every signature
/// and sequence number by replaying the registry), with a progress bar. Returns the checkpoint
/// and each entry's exact bytes in log order; nothing is returned unless all of it verifies.
/// Used by every command that reads declarations back out of a log (`report`,
/// `space reconcile --from-log`).
pub fn audited_log(
    server: &str,
    log_key: &verity_log::note::Verifier,
) -> anyhow::Result<(verity_log::checkpoint::Checkpoint, Vec<Vec<u8>>)> {
    let client = Client::new(server)?;
    let cp = client::open_log_checkpoint(&client.checkpoint_note()?, log_key)?;
    let mut entries: Vec<Vec<u8>> = Vec::with_capacity(cp.size as usize);
    let pb = indicatif::ProgressBar::new(cp.size);
    client::full_audit(
        &client,
        &cp,
        log_key,
        verity_server::time::OffsetDateTime::now_utc(),
        &mut |done| pb.set_position(done),
        &mut |_, bytes| entries.push(bytes.to_vec()),
    )
    .with_context(|| format!("verifying the log at {server}"))?;
    pb.finish_and_clear();
    Ok((cp, entries))
}

fn print_json(v: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

fn trust_store(state: Option<&Path>) -> anyhow::Result<TrustStore> {
    let dir = match state {
        Some(d) => d.to_path_buf(),
        None => TrustStore::default_dir()?,
    };
    Ok(TrustStore::open(&dir))
}

pub fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Keygen {
            name,
            out,
            force,
            json,
        } => {
            names::check_party(&name).with_context(|| format!("key name {name:?}"))?;
            let signer = verity_server::generate_signer(&name)?;
            keys::write_secret_file(&out, &format!("{}\n", signer.to_skey()), force)?;
            let vkey = signer.verifier().to_vkey();
            if json {
                print_json(&serde_json::json!({
                    "name": name, "key_file": out, "vkey": vkey,
                    "key": names::key_ref(signer.name(), signer.key_id()),
                }))?;
            } else {
                eprintln!(
                    "wrote signer key {} (mode 0600); its verifier key:",
                    out.display()
                );
                println!("{vkey}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            data,
            listen,
            postgres,
            origin,
            witnesses,
            batch_wait_ms,
        } => {
            let mut config = Config::new(data, listen);
            config.postgres = postgres;
            config.origin = origin;
            config.limits.sequencer_wait = Duration::from_millis(batch_wait_ms);
            config.witnesses = witnesses
                .iter()
                .map(|w| w.parse::<WitnessTarget>())
                .collect::<anyhow::Result<_>>()?;
            verity_server::block_on(verity_server::serve(config))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Party(p) => party(p),
        Command::Submit {
            server,
            key,
            treaty,
            kind,
            payload,
            party,
            seq,
            log_key,
            state,
            json,
        } => {
            let text = std::fs::read(&payload)
                .with_context(|| format!("cannot read payload file {}", payload.display()))?;
            let value: serde_json::Value = serde_json::from_slice(&text).map_err(|e| {
                anyhow::anyhow!(
                    "payload file {} is not valid JSON: {e} (line {}, column {})",
                    payload.display(),
                    e.line(),
                    e.column()
                )
            })?;
            let target = SubmitArgs {
                submit_to: Some(server),
                key: Some(key),
                party,
                log_key,
                state,
            };
            let s = sign_and_submit_with_seq(&target, &treaty, &kind, value, seq)?;
            if json {
                print_json(&s.to_json())?;
            } else {
                println!("{}", s.index);
                eprintln!("{}", s.describe());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Get {
            server,
            index,
            party,
            seq,
            json,
        } => {
            let client = Client::new(&server)?;
            let entry = match (index, party, seq) {
                (Some(i), _, _) => client.entry(i)?,
                (None, Some(p), Some(s)) => client.entry_by_party_seq(&p, s)?,
                _ => anyhow::bail!("give an INDEX or --party P --seq N"),
            };
            if json {
                print_json(&entry)?;
            } else {
                println!("entry {} (leaf hash {})", entry.index, entry.leaf_hash);
                println!("{}", serde_json::to_string_pretty(&entry.envelope)?);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify {
            server,
            log_key,
            state,
            index,
            party,
            seq,
            full,
            witness_keys,
            quorum,
            json,
        } => {
            let client = Client::new(&server)?;
            let trust = trust_store(state.as_deref())?;
            let req = VerifyRequest {
                log_key: log_key
                    .as_deref()
                    .map(keys::verifier_from_arg)
                    .transpose()?,
                index,
                party_seq: party.zip(seq),
                full,
                quorum: quorum.unwrap_or(witness_keys.len()),
                witnesses: witness_keys
                    .iter()
                    .map(|k| keys::cosignature_verifier_from_arg(k))
                    .collect::<anyhow::Result<_>>()?,
            };
            let bar = indicatif::ProgressBar::hidden();
            if full && !json {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                bar.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{msg} [{bar:40}] {pos}/{len} entries ({per_sec})",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                bar.set_message("downloading and re-checking");
            }
            let result = client::verify(&client, &trust, &req, &mut |done, total| {
                bar.set_length(total);
                bar.set_position(done);
            });
            bar.finish_and_clear();
            match result {
                Ok(report) => {
                    for w in &report.warnings {
                        eprintln!("warning: {w}");
                    }
                    if json {
                        print_json(&serde_json::json!({"ok": true, "report": report}))?;
                    } else {
                        println!("log {} (key {})", report.origin, report.log_key);
                        println!(
                            "checkpoint: size {}, root {} — signature valid",
                            report.tree_size, report.root
                        );
                        match report.previous_size {
                            None => {
                                println!("consistency: first use; this checkpoint is now trusted")
                            }
                            Some(n) if report.consistency == "unchanged" => {
                                println!(
                                    "consistency: unchanged since the trusted checkpoint (size {n})"
                                )
                            }
                            Some(n) => println!(
                                "consistency: consistent with the checkpoint trusted at size {n}"
                            ),
                        }
                        if !report.witnesses.is_empty() {
                            println!(
                                "cosigned by (unverified here): {}",
                                report.witnesses.join(", ")
                            );
                        }
                        if let Some(e) = &report.entry {
                            println!(
                                "entry {}: included ({} seq {}, {} {}, leaf hash {})",
                                e.index, e.party, e.seq, e.treaty, e.kind, e.leaf_hash
                            );
                        }
                        if let Some(f) = &report.full {
                            println!(
                                "full audit: {} entries re-hashed, root matches; registry replayed ({} keys, {} parties), every signature and sequence number valid",
                                f.entries, f.keys, f.parties
                            );
                        }
                        println!("OK");
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    if json {
                        print_json(&serde_json::json!({"ok": false, "error": format!("{e:#}")}))?;
                    }
                    eprintln!("verification FAILED: {e:#}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Demo { data, listen } => {
            verity_server::block_on(verity_server::demo::run_demo(&data, &listen))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Witness(WitnessCommand::Serve {
            data,
            listen,
            logs,
            name,
        }) => {
            let logs = logs
                .iter()
                .map(|p| keys::read_verifier_key(p))
                .collect::<anyhow::Result<Vec<_>>>()?;
            verity_server::block_on(verity_server::witness::serve_witness(WitnessConfig {
                data_dir: data,
                listen,
                name,
                logs,
            }))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn party(cmd: PartyCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        PartyCommand::Add {
            data,
            postgres,
            name,
            vkey,
            role,
            json,
        } => {
            let role: Role = role
                .parse()
                .map_err(|e: String| anyhow::anyhow!("--role: {e}"))?;
            let verifier = keys::verifier_from_arg(&vkey)?;
            let (store, signer) =
                verity_server::operator::open_operator(&data, postgres.as_deref())?;
            let e = verity_server::operator::party_add(&*store, &signer, &name, &verifier, role)?;
            let key = names::key_ref(verifier.name(), verifier.key_id());
            if json {
                print_json(
                    &serde_json::json!({"index": e.index, "key": key, "party": name, "role": role, "tree_size": e.tree_size}),
                )?;
            } else {
                println!("{}", e.index);
                eprintln!(
                    "registered key {key} for {name} (role {role:?}) at log index {}",
                    e.index
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        PartyCommand::Revoke {
            data,
            postgres,
            keyref,
            reason,
            json,
        } => {
            // Accept a whole verifier key too: its `name+keyid` prefix is the key reference.
            // (Splitting on the last '+' would be wrong: base64 may contain '+'.)
            let keyref = match verity_log::note::Verifier::from_vkey(&keyref) {
                Ok(v) => verity_core::names::key_ref(v.name(), v.key_id()),
                Err(_) => keyref,
            };
            let (store, signer) =
                verity_server::operator::open_operator(&data, postgres.as_deref())?;
            let e = verity_server::operator::party_revoke(&*store, &signer, &keyref, &reason)?;
            if json {
                print_json(
                    &serde_json::json!({"index": e.index, "key": keyref, "tree_size": e.tree_size}),
                )?;
            } else {
                println!("{}", e.index);
                eprintln!("revoked key {keyref} at log index {}", e.index);
            }
            Ok(ExitCode::SUCCESS)
        }
        PartyCommand::List { server, json } => {
            let p = Client::new(&server)?.parties()?;
            if json {
                print_json(&p)?;
            } else {
                let mut out = std::io::stdout().lock();
                writeln!(out, "operator: {} (tree size {})", p.operator, p.tree_size)?;
                writeln!(
                    out,
                    "{:<24} {:<16} {:<13} {:>8} {:>8} {:>8}",
                    "KEY", "PARTY", "ROLE", "ADDED", "REVOKED", "LASTSEQ"
                )?;
                for k in &p.keys {
                    let role = serde_json::to_value(k.record.role)?
                        .as_str()
                        .unwrap_or("?")
                        .to_owned();
                    let opt =
                        |o: Option<u64>| o.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
                    writeln!(
                        out,
                        "{:<24} {:<16} {:<13} {:>8} {:>8} {:>8}",
                        k.key,
                        k.record.party,
                        role,
                        opt(k.record.added_at),
                        opt(k.record.revoked_at),
                        p.last_seq.get(&k.record.party).copied().unwrap_or(0)
                    )?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
