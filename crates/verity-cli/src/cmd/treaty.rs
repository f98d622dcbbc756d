//! Treaty compliance commands: `verity check`, `verity treaty list|show`, `verity report`.
//!
//! Thin shell over `verity-treaty` (pure evaluation) and `verity-log` (checkpoint and tile
//! formats). This module reads files and talks HTTP; the libraries do neither.

use std::collections::BTreeMap;
use std::io::{Read, Write};
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

/// Minimal blocking HTTP/1.1 GET for `http://` URLs (the Verity server's read API).
fn http_get(url: &str) -> Result<Vec<u8>> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| anyhow!("{url}: only http:// URLs are supported by `verity report`"))?;
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let addr = if hostport.contains(':') {
        hostport.to_string()
    } else {
        format!("{hostport}:80")
    };
    let mut stream =
        std::net::TcpStream::connect(&addr).with_context(|| format!("connecting to {addr}"))?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
    // One write: a server may answer (and close) as soon as it has the request head.
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {hostport}\r\nConnection: close\r\nAccept-Encoding: identity\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .with_context(|| format!("sending GET {url}"))?;
    let mut buf = Vec::new();
    stream
        .read_to_end(&mut buf)
        .with_context(|| format!("reading the response to GET {url}"))?;
    let head_end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| anyhow!("GET {url}: malformed HTTP response"))?;
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let body = buf[head_end + 4..].to_vec();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow!("GET {url}: malformed status line"))?;
    if status != 200 {
        bail!("GET {url}: HTTP {status}");
    }
    let chunked = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    if !chunked {
        return Ok(body);
    }
    // RFC 9112 §7.1 chunked transfer coding.
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        let line_end = body[i..]
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| anyhow!("GET {url}: bad chunk"))?
            + i;
        let size_text = String::from_utf8_lossy(&body[i..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| anyhow!("GET {url}: bad chunk size `{size_text}`"))?;
        i = line_end + 2;
        if size == 0 {
            return Ok(out);
        }
        let end = i
            .checked_add(size)
            .filter(|e| *e <= body.len())
            .ok_or_else(|| anyhow!("GET {url}: truncated chunk"))?;
        out.extend_from_slice(&body[i..end]);
        i = end + 2;
    }
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn report(server: &str, log_key: &Path, only: Option<&str>, json: bool) -> Result<ExitCode> {
    let base = server.trim_end_matches('/');
    let key_text = std::fs::read_to_string(log_key)
        .with_context(|| format!("reading log key {}", log_key.display()))?;
    let verifier = verity_log::note::Verifier::from_vkey(key_text.trim())
        .map_err(|e| anyhow!("log key {}: {e}", log_key.display()))?;
    let cp_bytes = http_get(&format!("{base}/log/checkpoint"))?;
    let (cp, _note) = verity_log::checkpoint::open_checkpoint(&cp_bytes, &verifier)
        .map_err(|e| anyhow!("checkpoint from {base}: {e}"))?;

    // Fetch every entry bundle, recompute the tree and require the checkpoint root.
    let mut entries: Vec<Vec<u8>> = Vec::with_capacity(cp.size as usize);
    let mut tree = verity_log::CompactTree::new();
    let bundles = cp.size.div_ceil(256);
    let pb = indicatif::ProgressBar::new(bundles);
    for n in 0..bundles {
        let width = (cp.size - n * 256).min(256) as u16;
        let path = verity_log::tile::entry_bundle_path(n, width);
        let bytes = http_get(&format!("{base}/log/{path}"))?;
        let got =
            verity_log::tile::decode_entry_bundle(&bytes).map_err(|e| anyhow!("{path}: {e}"))?;
        if got.len() != width as usize {
            bail!("{path}: {} entries, expected {width}", got.len());
        }
        for e in got {
            tree.append(verity_log::leaf_hash(&e));
            entries.push(e);
        }
        pb.inc(1);
    }
    pb.finish_and_clear();
    if tree.root() != cp.root {
        bail!(
            "log integrity: the root recomputed over {} entries does not equal the signed checkpoint root",
            cp.size
        );
    }

    // Group declarations per treaty.
    let mut per_treaty: BTreeMap<String, Vec<Declaration>> = BTreeMap::new();
    let mut skipped = 0usize;
    for (i, e) in entries.iter().enumerate() {
        // The canonical-envelope check of verity-core: a non-canonical entry is not a declaration.
        if verity_core::SignedEnvelope::from_entry_bytes(e).is_err() {
            skipped += 1;
            continue;
        }
        match verity_treaty::declaration_from_envelope(i as u64, e) {
            Ok(rec) => {
                if let Some(d) = rec.declaration {
                    per_treaty.entry(rec.treaty).or_default().push(d);
                }
            }
            Err(_) => skipped += 1,
        }
    }
    let treaties: Vec<Treaty> = match only {
        Some(id) => vec![load_treaty(id)?],
        None => per_treaty
            .keys()
            .filter_map(|id| verity_treaty::bundled(id).and_then(|r| r.ok()))
            .collect(),
    };
    let mut out = Vec::new();
    let mut bad = false;
    for t in &treaties {
        let decls = per_treaty.get(&t.id).cloned().unwrap_or_default();
        // Declarations that do not fit the treaty are reported, not fatal: the log is append-only.
        let mut ev = verity_treaty::Evaluator::new(t, Options::default())?;
        let mut rejected = Vec::new();
        for d in &decls {
            if let Err(e) = ev.add(d) {
                rejected.push(e.to_string());
            }
        }
        let findings = ev.findings();
        bad |= findings
            .iter()
            .any(|f| matches!(f.status, Status::Violation | Status::Missing));
        out.push((t, findings, rejected));
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
            "log {} size {} root {} — checkpoint signature and root verified",
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
