//! Declarations: what a party states (or an inspectorate records), from CSV/JSON files or the log.
//!
//! * CSV (`verity check`): header `party,as_of,` then quantity and field names of the treaty's
//!   declaration kinds, optionally `kind`, `item`, `reference` columns. Lines starting with `#`
//!   are comments (sources). An empty cell is "not provided". Each row's reference is
//!   `file:<name>:<line>`.
//! * JSON: an array of [`Declaration`] objects.
//! * Log: a signed envelope `{"v":1,"party":..,"treaty":..,"kind":..,"seq":..,"time":..,
//!   "payload":{..},"key":..,"sig":..}`; payloads are documented on [`declaration_from_envelope`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::definition::{FieldType, Treaty, format_date, parse_date};
use crate::error::DeclarationError;

/// One declaration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declaration {
    /// Declaring party id (as in the treaty's `[[party]]`).
    pub party: String,
    /// The date the declared data are current as of (or the date of the act declared).
    #[serde(with = "date_text")]
    pub as_of: Date,
    /// Declaration kind id; `None` = the treaty's default kind; `"dispute"` for a dispute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The item declared (site, missile type, chemical …) when a party declares several per date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// Declared quantities; `null` = not provided.
    #[serde(default)]
    pub quantities: BTreeMap<String, Option<f64>>,
    /// Other fields (text; numbers and polygons as text, checked against the kind).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
    /// Where the declaration comes from: `log:<index>` or `file:<path>:<row>`.
    #[serde(default)]
    pub reference: String,
    /// Present on `kind = "dispute"` declarations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute: Option<Dispute>,
}

/// A party's dispute of another party's declared figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dispute {
    /// Reference of the disputed declaration (`log:<index>` or `file:…`).
    pub disputes: String,
    /// The quantity disputed.
    pub quantity: String,
    /// The disputing party's figure.
    pub alternative: f64,
    /// Its reasoning.
    pub reasoning: String,
}

impl Declaration {
    /// A plain declaration of the default kind.
    pub fn new(party: &str, as_of: Date, reference: &str) -> Declaration {
        Declaration {
            party: party.into(),
            as_of,
            kind: None,
            item: None,
            quantities: BTreeMap::new(),
            fields: BTreeMap::new(),
            reference: reference.into(),
            dispute: None,
        }
    }
}

mod date_text {
    use super::*;
    pub fn serialize<S: serde::Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_date(*d))
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        parse_date(&s).map_err(serde::de::Error::custom)
    }
}

/// Parse a CSV of declarations for `treaty`. `source_name` names the file in references and errors.
pub fn parse_csv(
    text: &str,
    source_name: &str,
    treaty: &Treaty,
) -> Result<Vec<Declaration>, DeclarationError> {
    let csv_err = |line: u64, message: String| DeclarationError::Csv {
        source_name: source_name.to_string(),
        line,
        message,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| {
            csv_err(
                csv_line(&e).unwrap_or(1),
                format!("cannot read the header: {}", csv_msg(&e)),
            )
        })?
        .clone();
    let header_line = headers.position().map(|p| p.line()).unwrap_or(1).max(1);
    let cols: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    if cols.len() < 2 || cols[0] != "party" || cols[1] != "as_of" {
        return Err(csv_err(
            header_line,
            format!(
                "the header must start with `party,as_of`, found `{}`",
                cols.iter().take(2).cloned().collect::<Vec<_>>().join(",")
            ),
        ));
    }
    #[derive(Clone, Copy, PartialEq)]
    enum Col {
        Kind,
        Item,
        Reference,
        Quantity,
        Field,
    }
    let mut roles = Vec::new();
    for (i, c) in cols.iter().enumerate().skip(2) {
        if cols[..i].contains(c) {
            return Err(csv_err(header_line, format!("column `{c}` appears twice")));
        }
        let role = match c.as_str() {
            "kind" => Col::Kind,
            "item" => Col::Item,
            "reference" => Col::Reference,
            _ if treaty.kinds.iter().any(|k| k.quantity_slot(c).is_some()) => Col::Quantity,
            _ if treaty.kinds.iter().any(|k| k.field_index(c).is_some()) => Col::Field,
            _ => {
                let known: Vec<&str> = treaty.kinds[treaty.default_kind]
                    .quantities
                    .iter()
                    .map(|q| q.name.as_str())
                    .collect();
                return Err(csv_err(
                    header_line,
                    format!(
                        "column `{c}` is not a quantity or field of treaty `{}` (quantities of `{}`: {})",
                        treaty.id,
                        treaty.kinds[treaty.default_kind].id,
                        known.join(", ")
                    ),
                ));
            }
        };
        roles.push((i, role));
    }
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| csv_err(csv_line(&e).unwrap_or(0), csv_msg(&e)))?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let field_err = |column: &str, message: String| DeclarationError::CsvField {
            source_name: source_name.to_string(),
            line,
            column: column.to_string(),
            message,
        };
        let party = rec.get(0).unwrap_or("").to_string();
        if party.is_empty() {
            return Err(field_err("party", "empty party".into()));
        }
        let as_of = parse_date(rec.get(1).unwrap_or("")).map_err(|e| field_err("as_of", e))?;
        let mut d = Declaration::new(&party, as_of, &format!("file:{source_name}:{line}"));
        // The kind first: it decides which quantity columns belong to this row.
        for (i, role) in &roles {
            if *role == Col::Kind {
                let v = rec.get(*i).unwrap_or("");
                if !v.is_empty() {
                    d.kind = Some(v.to_string());
                }
            }
        }
        let kind_idx =
            match &d.kind {
                None => treaty.default_kind,
                Some(k) if k == "dispute" => return Err(field_err(
                    "kind",
                    "disputes cannot be written in CSV; use a JSON declarations file or the log"
                        .into(),
                )),
                Some(k) => treaty.kind_index(k).ok_or_else(|| {
                    field_err(
                        "kind",
                        format!("unknown declaration kind `{k}` for treaty `{}`", treaty.id),
                    )
                })?,
            };
        let kind = &treaty.kinds[kind_idx];
        for (i, role) in &roles {
            let col = &cols[*i];
            let v = rec.get(*i).unwrap_or("");
            match role {
                Col::Kind => {}
                Col::Item => {
                    if !v.is_empty() {
                        d.item = Some(v.to_string());
                    }
                }
                Col::Reference => {
                    if !v.is_empty() {
                        d.reference = v.to_string();
                    }
                }
                Col::Quantity => {
                    if kind.quantity_slot(col).is_none() {
                        if !v.is_empty() {
                            return Err(field_err(
                                col,
                                format!("`{col}` is not a quantity of kind `{}`", kind.id),
                            ));
                        }
                        continue;
                    }
                    let q = if v.is_empty() {
                        None
                    } else {
                        let x: f64 = v
                            .parse()
                            .map_err(|_| field_err(col, format!("`{v}` is not a number")))?;
                        if !x.is_finite() {
                            return Err(field_err(col, format!("`{v}` is not a finite number")));
                        }
                        Some(x)
                    };
                    d.quantities.insert(col.clone(), q);
                }
                Col::Field => {
                    if kind.field_index(col).is_none() {
                        if !v.is_empty() {
                            return Err(field_err(
                                col,
                                format!("`{col}` is not a field of kind `{}`", kind.id),
                            ));
                        }
                        continue;
                    }
                    if !v.is_empty() {
                        check_field(treaty, kind_idx, col, v).map_err(|m| field_err(col, m))?;
                        d.fields.insert(col.clone(), v.to_string());
                    }
                }
            }
        }
        out.push(d);
    }
    Ok(out)
}

fn csv_line(e: &csv::Error) -> Option<u64> {
    e.position().map(|p| p.line())
}

fn csv_msg(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("expected {expected_len} columns as in the header, found {len}")
        }
        csv::ErrorKind::Utf8 { err, .. } => format!("invalid UTF-8 in field {}", err.field() + 1),
        _ => e.to_string(),
    }
}

/// Check a field value against its declared type. Used by every reader.
pub(crate) fn check_field(
    treaty: &Treaty,
    kind: usize,
    name: &str,
    value: &str,
) -> Result<(), String> {
    let k = &treaty.kinds[kind];
    let f = k
        .field_index(name)
        .ok_or_else(|| format!("kind `{}` has no field `{name}`", k.id))?;
    match k.fields[f].ty {
        FieldType::Text => Ok(()),
        FieldType::Number => match value.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(()),
            _ => Err(format!("field `{name}`: `{value}` is not a number")),
        },
        FieldType::Polygon => crate::geo::parse_polygon(value)
            .map(|_| ())
            .map_err(|e| format!("field `{name}`: {e}")),
    }
}

/// Parse a JSON array of declarations.
pub fn parse_json(text: &str, source_name: &str) -> Result<Vec<Declaration>, DeclarationError> {
    let values: Vec<serde_json::Value> =
        serde_json::from_str(text).map_err(|e| DeclarationError::Json {
            source_name: source_name.to_string(),
            record: 0,
            message: format!("line {} column {}: {e}", e.line(), e.column()),
        })?;
    let mut out = Vec::with_capacity(values.len());
    for (i, v) in values.into_iter().enumerate() {
        let mut d: Declaration = serde_json::from_value(v).map_err(|e| DeclarationError::Json {
            source_name: source_name.to_string(),
            record: i + 1,
            message: e.to_string(),
        })?;
        if d.reference.is_empty() {
            d.reference = format!("file:{source_name}:{}", i + 1);
        }
        out.push(d);
    }
    Ok(out)
}

/// A log entry read as a treaty record.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRecord {
    /// Treaty id of the envelope.
    pub treaty: String,
    /// Envelope kind.
    pub kind: String,
    /// The declaration, for data kinds and disputes; `None` for `finding-report` (an
    /// inspectorate's signed report, which is not itself a declaration).
    pub declaration: Option<Declaration>,
}

#[derive(Deserialize)]
struct Envelope {
    party: String,
    treaty: String,
    kind: String,
    time: String,
    payload: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DataPayload {
    as_of: String,
    #[serde(default)]
    item: Option<String>,
    #[serde(default)]
    quantities: BTreeMap<String, Option<f64>>,
    #[serde(default)]
    fields: BTreeMap<String, String>,
    /// The domain record the counting view was derived from (e.g. a space-object registration
    /// in the fields of the Registration Convention). The engine does not interpret it; it is
    /// carried so that one signed entry serves both the treaty engine and the domain tools.
    #[serde(default, rename = "detail")]
    _detail: Option<serde_json::Value>,
}

/// Read a log entry (a signed envelope, canonical JSON) as a treaty record. The signature is
/// NOT checked here: the caller verifies envelopes with `verity-core` and the log's inclusion
/// proofs; this function only interprets the payload.
///
/// Payloads:
/// * any declaration kind of the treaty (e.g. `data-exchange`):
///   `{"as_of":"2023-03-01","quantities":{"<name>":<number|null>,…},"item":"…","fields":{…}}`
///   (`item` and `fields` optional; an optional `detail` object carries the domain record
///   the counting view was derived from and is not interpreted here);
/// * `dispute`: `{"disputes":"log:<index>","quantity":"<name>","alternative":<number>,
///   "reasoning":"…"}`; its date is the date of the envelope `time`;
/// * `finding-report`: an inspectorate's report JSON (as printed by `verity check --json`).
///
/// The reference of the resulting declaration is `log:<index>`.
pub fn declaration_from_envelope(index: u64, entry: &[u8]) -> Result<LogRecord, DeclarationError> {
    let err = |message: String| DeclarationError::LogEntry { index, message };
    let env: Envelope =
        serde_json::from_slice(entry).map_err(|e| err(format!("not a signed envelope: {e}")))?;
    let reference = format!("log:{index}");
    match env.kind.as_str() {
        "finding-report" => Ok(LogRecord {
            treaty: env.treaty,
            kind: env.kind,
            declaration: None,
        }),
        "dispute" => {
            let dispute: Dispute = serde_json::from_value(env.payload)
                .map_err(|e| err(format!("dispute payload: {e}")))?;
            let date = env
                .time
                .get(..10)
                .ok_or_else(|| err(format!("time `{}` is not RFC 3339", env.time)))?;
            let as_of = parse_date(date).map_err(|e| err(format!("time: {e}")))?;
            let mut d = Declaration::new(&env.party, as_of, &reference);
            d.kind = Some("dispute".into());
            d.dispute = Some(dispute);
            Ok(LogRecord {
                treaty: env.treaty,
                kind: env.kind,
                declaration: Some(d),
            })
        }
        _ => {
            let p: DataPayload = serde_json::from_value(env.payload)
                .map_err(|e| err(format!("`{}` payload: {e}", env.kind)))?;
            let as_of = parse_date(&p.as_of).map_err(|e| err(format!("payload.as_of: {e}")))?;
            let mut d = Declaration::new(&env.party, as_of, &reference);
            d.kind = Some(env.kind.clone());
            d.item = p.item;
            d.quantities = p.quantities;
            d.fields = p.fields;
            Ok(LogRecord {
                treaty: env.treaty,
                kind: env.kind,
                declaration: Some(d),
            })
        }
    }
}
