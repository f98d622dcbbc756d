//! Treaty compliance commands: `verity check`, `verity treaty list|show`, `verity report`.
//!
//! Thin shell over `verity-treaty` (pure evaluation) and `verity-log` (checkpoint and tile
//! formats). This module reads files and talks HTTP; the libraries do neither.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use verity_treaty::definition::{Centre, Measure, RuleBody, ScheduleMatch};
use verity_treaty::{Declaration, Finding, Options, Status, Treaty};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Check declarations (CSV or JSON file) against a treaty, offline.
    ///
    /// CSV header: `party,as_of,` then quantity (and field) names of the treaty — see
    /// `verity treaty show ID`. An empty cell means "not provided".
    Check {
        /// Bundled treaty id (see `verity treaty list`) or path to a treaty TOML file.
        #[arg(long)]
        treaty: String,
        /// Declarations: `.csv` or `.json` (array of declarations).
        data: PathBuf,
        /// Print findings as JSON (an array of findings).
        #[arg(long)]
        json: bool,
        /// Reports due up to this date (YYYY-MM-DD) are expected; default: latest date in the data.
        #[arg(long)]
        horizon: Option<String>,
        /// Enable a rule that is disabled by default (configurable interpretation). Repeatable.
        #[arg(long = "enable-rule")]
        enable_rule: Vec<String>,
        /// Disable a rule. Repeatable.
        #[arg(long = "disable-rule")]
        disable_rule: Vec<String>,
        /// Exit with status 1 if any finding is a violation or missing.
        #[arg(long)]
        fail_on_finding: bool,
    },
    /// Treaty definitions: list the bundled regimes, show one.
    #[command(subcommand)]
    Treaty(TreatyCommand),
    /// Compliance report over a Verity log (C2SP tlog-tiles read API), verified against the
    /// signed checkpoint.
    Report {
        /// Base URL of a Verity server (http://host:port).
        #[arg(long)]
        server: String,
        /// File holding the log's verifier key (`<name>+<hex8>+<base64>`).
        #[arg(long = "log-key")]
        log_key: PathBuf,
        /// Only this treaty (bundled id or TOML path); default: every bundled treaty in the log.
        #[arg(long)]
        treaty: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Subcommand)]
pub enum TreatyCommand {
    /// List the bundled treaty regimes.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show a treaty: parties, declaration kinds (the CSV columns), rules and articles.
    Show {
        /// Bundled treaty id or path to a treaty TOML file.
        id: String,
    },
}

pub fn run(cmd: Command) -> Result<ExitCode> {
    match cmd {
        Command::Check {
            treaty,
            data,
            json,
            horizon,
            enable_rule,
            disable_rule,
            fail_on_finding,
        } => {
            let t = load_treaty(&treaty)?;
            let decls = read_declarations(&data, &t)?;
            let opts = Options {
                horizon: horizon
                    .map(|h| verity_treaty::parse_date(&h).map_err(|e| anyhow!("--horizon: {e}")))
                    .transpose()?,
                enable: enable_rule,
                disable: disable_rule,
            };
            let findings = verity_treaty::evaluate(&t, &decls, &opts).with_context(|| {
                format!("evaluating {} against treaty `{}`", data.display(), t.id)
            })?;
            if json {
                emit(&(serde_json::to_string_pretty(&findings)? + "\n"));
            } else {
                emit(&print_table(&t, &findings));
            }
            let bad = findings
                .iter()
                .any(|f| matches!(f.status, Status::Violation | Status::Missing));
            Ok(if fail_on_finding && bad {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Treaty(TreatyCommand::List { json }) => {
            let all = verity_treaty::all_bundled().context("loading the bundled regimes")?;
            if json {
                let v: Vec<_> = all
                    .iter()
                    .map(|t| serde_json::json!({"id": t.id, "short_name": t.short_name, "name": t.name, "rules": t.rules.len()}))
                    .collect();
                emit(&(serde_json::to_string_pretty(&v)? + "\n"));
            } else {
                println!("{:<10} {:<12} {:>5}  NAME", "ID", "SHORT", "RULES");
                for t in &all {
                    println!(
                        "{:<10} {:<12} {:>5}  {}",
                        t.id,
                        t.short_name,
                        t.rules.len(),
                        t.name
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Treaty(TreatyCommand::Show { id }) => {
            let t = load_treaty(&id)?;
            emit(&describe(&t));
            Ok(ExitCode::SUCCESS)
        }
        Command::Report {
            server,
            log_key,
            treaty,
            json,
        } => report(&server, &log_key, treaty.as_deref(), json),
    }
}

/// A bundled id, or a path to a TOML file.
fn load_treaty(arg: &str) -> Result<Treaty> {
    if let Some(r) = verity_treaty::bundled(arg) {
        return r.with_context(|| format!("bundled treaty `{arg}`"));
    }
    let p = Path::new(arg);
    if p.exists() {
        let text = std::fs::read_to_string(p)
            .with_context(|| format!("reading treaty file {}", p.display()))?;
        return Treaty::from_toml(&text, &p.display().to_string()).map_err(|e| anyhow!("{e}"));
    }
    let ids: Vec<&str> = verity_treaty::BUNDLED.iter().map(|(i, _)| *i).collect();
    bail!(
        "unknown treaty `{arg}`: not a bundled id ({}) nor an existing file",
        ids.join(", ")
    )
}

fn read_declarations(path: &Path, t: &Treaty) -> Result<Vec<Declaration>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let name = path.display().to_string();
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let decls = if is_json {
        verity_treaty::parse_json(&text, &name)?
    } else {
        verity_treaty::parse_csv(&text, &name, t)?
    };
    Ok(decls)
}

/// Write to stdout; a closed pipe (`verity check … | head`) is not an error.
fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}

fn fmt_num(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(x) if x == x.trunc() && x.abs() < 1e15 => format!("{}", x as i64),
        Some(x) => format!("{x:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string(),
    }
}

fn print_table(t: &Treaty, findings: &[Finding]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "{} — {} findings", t.short_name, findings.len());
    let _ = writeln!(
        out,
        "{:<6} {:<10} {:<32} {:<12} {:>10} {:>4} {:>10} {:>10}  {:<16} REFERENCES",
        "PARTY", "AS OF", "RULE", "STATUS", "VALUE", "", "LIMIT", "MARGIN", "UNIT"
    );
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for f in findings {
        *counts.entry(f.status.as_str()).or_default() += 1;
        let rule = match &f.item {
            Some(i) => format!("{} [{i}]", f.rule),
            None => f.rule.clone(),
        };
        let _ = writeln!(
            out,
            "{:<6} {:<10} {:<32} {:<12} {:>10} {:>4} {:>10} {:>10}  {:<16} {}",
            f.party,
            f.as_of,
            rule,
            f.status.as_str(),
            fmt_num(f.value),
            f.op.as_deref().unwrap_or(""),
            fmt_num(f.limit),
            fmt_num(f.margin),
            f.unit.as_deref().unwrap_or(""),
            f.references.join(" ")
        );
        for c in &f.contested {
            let _ = writeln!(
                out,
                "{:<6} {:<10}   contested by {} ({}): {} = {} → {} {} — {}",
                "",
                "",
                c.by,
                c.reference,
                c.quantity,
                fmt_num(Some(c.alternative)),
                fmt_num(c.value),
                c.status.as_str(),
                c.reasoning
            );
        }
        for n in &f.notes {
            let _ = writeln!(out, "{:<6} {:<10}   note: {n}", "", "");
        }
    }
    let summary: Vec<String> = counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let _ = writeln!(out, "summary: {}", summary.join(", "));
    out
}

fn describe(t: &Treaty) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let d = |x: Option<verity_treaty::Date>| {
        x.map(verity_treaty::format_date)
            .unwrap_or_else(|| "-".into())
    };
    let _ = writeln!(s, "{} ({})\n{}", t.short_name, t.id, t.name);
    let _ = writeln!(
        s,
        "signed {}, entry into force {}, expiry {}",
        d(t.signed),
        d(t.entry_into_force),
        d(t.expiry)
    );
    if !t.source.is_empty() {
        let _ = writeln!(s, "source: {}", t.source);
    }
    if !t.notes.is_empty() {
        let _ = writeln!(s, "notes: {}", t.notes);
    }
    let _ = writeln!(s, "\nParties:");
    for p in &t.parties {
        let _ = writeln!(
            s,
            "  {:<4} {} [{}]{}",
            p.id,
            p.name,
            p.roles.join(", "),
            p.entry_into_force
                .map(|e| format!(" (in force for it from {})", verity_treaty::format_date(e)))
                .unwrap_or_default()
        );
    }
    for e in &t.events {
        let _ = writeln!(
            s,
            "  event: {} {:?} {} {} {}",
            t.parties[e.party].id,
            e.kind,
            verity_treaty::format_date(e.date),
            e.article,
            e.note
        );
    }
    let _ = writeln!(
        s,
        "\nDeclaration kinds (CSV columns after `party,as_of`; add `kind` and `item` columns to mix kinds):"
    );
    for (i, k) in t.kinds.iter().enumerate() {
        let _ = writeln!(
            s,
            "  {}{} — {}",
            k.id,
            if i == t.default_kind {
                " (default)"
            } else {
                ""
            },
            k.description
        );
        for q in &k.quantities {
            let _ = writeln!(
                s,
                "    quantity {:<34} [{}] {}",
                q.name, q.unit, q.description
            );
        }
        for f in &k.fields {
            let _ = writeln!(
                s,
                "    field    {:<34} ({:?}) {}",
                f.name, f.ty, f.description
            );
        }
    }
    let dk = &t.kinds[t.default_kind];
    let mut header = vec!["party".to_string(), "as_of".to_string()];
    header.extend(dk.quantities.iter().map(|q| q.name.clone()));
    let _ = writeln!(s, "  CSV header for `{}`: {}", dk.id, header.join(","));
    if !t.derived.is_empty() {
        let _ = writeln!(s, "\nDerived quantities:");
        for dq in &t.derived {
            let _ = writeln!(
                s,
                "  {} = {} [{}] (kind {})",
                dq.name, dq.expr.text, dq.unit, t.kinds[dq.kind].id
            );
        }
    }
    let _ = writeln!(s, "\nRules:");
    for r in &t.rules {
        let what = match &r.body {
            RuleBody::Limit {
                quantity,
                op,
                limit,
                unit,
                stated,
                ..
            } => format!(
                "{quantity} {} {} {unit}{}",
                op.symbol(),
                fmt_num(Some(*limit)),
                stated
                    .as_ref()
                    .map(|(v, u)| format!(" (treaty: {v} {u})"))
                    .unwrap_or_default()
            ),
            RuleBody::Prohibited { count, .. } => format!(
                "prohibited category{}",
                count
                    .as_ref()
                    .map(|c| format!(", count {} must be 0", c.text))
                    .unwrap_or_default()
            ),
            RuleBody::Geometry {
                measure,
                limit,
                unit,
            } => match measure {
                Measure::DistanceFromCentre { centre, .. } => format!(
                    "distance from {} <= {} {unit}",
                    match centre {
                        Centre::Fixed { lat, lon } => format!("({lat}, {lon})"),
                        Centre::Fields { .. } => "declared centre".into(),
                    },
                    fmt_num(Some(*limit))
                ),
                Measure::PolygonArea { .. } => {
                    format!("polygon area <= {} {unit}", fmt_num(Some(*limit)))
                }
                Measure::PolygonMaxExtent { .. } => {
                    format!("max linear extent <= {} {unit}", fmt_num(Some(*limit)))
                }
            },
            RuleBody::Schedule {
                due,
                mode,
                required_items,
                ..
            } => format!(
                "due every {} ({}){}",
                due.iter()
                    .map(|(m, d)| format!("{m:02}-{d:02}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                match mode {
                    ScheduleMatch::AsOf => "data as of the due date",
                    ScheduleMatch::Window => "made since the previous due date",
                },
                if required_items.is_empty() {
                    String::new()
                } else {
                    format!("; required: {}", required_items.join(", "))
                }
            ),
            RuleBody::Quota { period, limit } => {
                format!("at most {} per {:?}", fmt_num(Some(*limit)), period)
            }
            RuleBody::Threshold {
                quantity,
                threshold,
                unit,
                ..
            } => format!(
                "above {} {unit} of {quantity} must be declared",
                fmt_num(Some(*threshold))
            ),
        };
        let mut when = Vec::new();
        if let Some(b) = r.binding_from {
            when.push(format!("binding from {}", verity_treaty::format_date(b)));
        }
        if let Some(b) = r.until {
            when.push(format!("until {}", verity_treaty::format_date(b)));
        }
        if !r.enabled {
            when.push("disabled by default (--enable-rule)".into());
        }
        let who = if r.applies.parties.is_empty() && r.applies.roles.is_empty() {
            String::new()
        } else {
            let mut v: Vec<String> = r
                .applies
                .parties
                .iter()
                .map(|p| t.parties[*p].id.clone())
                .collect();
            v.extend(r.applies.roles.iter().map(|x| format!("role {x}")));
            format!(" [applies to {}]", v.join(", "))
        };
        let _ = writeln!(
            s,
            "  {:<34} {:<10} {} — {}{}{}",
            r.id,
            r.type_name(),
            r.article,
            what,
            who,
            if when.is_empty() {
                String::new()
            } else {
                format!(" ({})", when.join("; "))
            }
        );
    }
    for tb in &t.tables {
        let _ = writeln!(
            s,
            "\nTable {} — {} ({} entries)",
            tb.id,
            tb.description,
            tb.entries.len()
        );
        for e in &tb.entries {
            let _ = writeln!(s, "  {:<14} {} {}", e.key, e.name, e.note);
        }
    }
    s
}

// -------------------------------------------------------------------------------------------
// `verity report`: read the log through the tlog-tiles API and evaluate it.

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn report(server: &str, log_key: &Path, only: Option<&str>, json: bool) -> Result<ExitCode> {
    let key_text = std::fs::read_to_string(log_key)
        .with_context(|| format!("reading log key {}", log_key.display()))?;
    let verifier = verity_log::note::Verifier::from_vkey(key_text.trim())
        .map_err(|e| anyhow!("log key {}: {e}", log_key.display()))?;
    // The same audit as `verity verify --full`; only entries that pass are evaluated.
    let (cp, entries) = super::ledger::audited_log(server, &verifier)?;

    let only_treaty = only.map(load_treaty).transpose()?;
    let evaluation = verity_treaty::log::evaluate_log(
        entries
            .iter()
            .enumerate()
            .map(|(i, e)| (i as u64, e.as_slice())),
        only_treaty.as_ref(),
    )?;
    let skipped = evaluation.skipped_entries;
    let mut out = Vec::new();
    let mut bad = false;
    for tf in evaluation.treaties {
        let t = match &only_treaty {
            Some(t) => t.clone(),
            None => load_treaty(&tf.treaty)?,
        };
        bad |= tf
            .findings
            .iter()
            .any(|f| matches!(f.status, Status::Violation | Status::Missing));
        out.push((t, tf.findings, tf.rejected));
    }
    if json {
        let v = serde_json::json!({
            "log": {"origin": cp.origin, "size": cp.size, "root": to_hex(&cp.root), "verified": true},
            "skipped_entries": skipped,
            "treaties": out.iter().map(|(t, f, r)| serde_json::json!({"treaty": t.id, "findings": f, "rejected": r})).collect::<Vec<_>>(),
        });
        emit(&(serde_json::to_string_pretty(&v)? + "\n"));
    } else {
        println!(
            "log {} size {} root {} — checkpoint signature, every entry, signature and sequence number verified",
            cp.origin,
            cp.size,
            to_hex(&cp.root)
        );
        if skipped > 0 {
            println!("{skipped} entries are not treaty declarations (skipped)");
        }
        for (t, f, r) in &out {
            println!();
            emit(&print_table(t, f));
            for e in r {
                println!("rejected: {e}");
            }
        }
    }
    let _ = bad;
    Ok(ExitCode::SUCCESS)
}
