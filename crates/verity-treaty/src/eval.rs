//! Compliance evaluation: declarations in, findings out. Pure: no clock — the evaluation
//! horizon (the date up to which reports are due) is the latest date declared or a date given.
//!
//! A finding is per (party, date, rule[, item]). Status precedence:
//! `not_in_force` (treaty or obligation not in force for the party at that date) →
//! `missing` (a quantity not provided / a report not made) → `not_binding` (before the date by
//! which the limit must be met; value and limit still shown) → `compliant` / `violation`.
//! A value equal to a limit is compliant.
//!
//! Two paths share the per-finding computations: [`evaluate`] builds everything from scratch;
//! [`Evaluator`] keeps state and, for one new declaration, recomputes only the findings it can
//! change: the per-declaration rules on its (party, kind, date, item), the quota period and the
//! schedule slot it falls in, the findings of a declaration it disputes, and the schedule slots
//! that fall due when it moves the horizon. A property test checks both give the same findings.

use std::collections::BTreeMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: the index's keys are short strings and small integers chosen by declarants, and the
/// index is rebuilt per evaluation, so a fast non-keyed hash is adequate (no long-lived table
/// exposed to adversarial keys across requests). FNV-1a: Fowler, Noll, Vo (IETF draft
/// draft-eastlake-fnv).
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type HashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<Fnv>>;

use serde::Serialize;
use time::Date;

use crate::declaration::Declaration;
use crate::definition::{
    Centre, Comparison, Condition, EventKind, FieldType, Measure, QuotaPeriod, RuleBody,
    ScheduleMatch, Treaty, format_date,
};
use crate::error::{DeclarationError, EvalError};
use crate::geo::{self, LatLon};

/// Status of one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Compliant,
    Violation,
    Missing,
    NotBinding,
    NotInForce,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Compliant => "compliant",
            Status::Violation => "violation",
            Status::Missing => "missing",
            Status::NotBinding => "not_binding",
            Status::NotInForce => "not_in_force",
        }
    }
}

/// The other reading of a finding under a dispute.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContestedReading {
    /// Disputing party.
    pub by: String,
    /// Reference of the dispute declaration.
    pub reference: String,
    pub quantity: String,
    pub alternative: f64,
    /// The rule's value with the alternative figure substituted.
    pub value: Option<f64>,
    /// The status under that reading.
    pub status: Status,
    pub reasoning: String,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub treaty: String,
    pub party: String,
    /// Date of the declaration, the due date of a report, or the start of a quota period.
    pub as_of: String,
    pub rule: String,
    pub rule_type: String,
    pub article: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    pub status: Status,
    pub value: Option<f64>,
    pub limit: Option<f64>,
    /// `<=` or `>=`.
    pub op: Option<String>,
    /// Headroom: limit − value for `<=`, value − limit for `>=` (negative = violation).
    pub margin: Option<f64>,
    pub unit: Option<String>,
    /// References of the declarations used.
    pub references: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contested: Vec<ContestedReading>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Evaluation options.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Reports due up to this date are expected (defaults to the latest date declared).
    pub horizon: Option<Date>,
    /// Enable rules that are disabled in the file (configurable interpretations).
    pub enable: Vec<String>,
    /// Disable rules.
    pub disable: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// Internal compact forms.

#[derive(Debug, Clone)]
enum FieldVal {
    Text(String),
    Number(f64),
    Polygon(Vec<LatLon>),
}

#[derive(Debug, Clone)]
struct Decl {
    party: usize,
    /// `None` for a dispute.
    kind: Option<usize>,
    as_of: Date,
    item: Option<String>,
    values: Vec<Option<f64>>,
    /// Which quantities the declaration mentions (possibly as "not provided"). A rule whose
    /// quantities are not mentioned at all is not addressed by this declaration (e.g. a CSV
    /// without that column) and yields no finding.
    /// Bit i set = quantity slot i mentioned (a kind has at most 64 quantities).
    mentioned: u64,
    fields: Vec<Option<FieldVal>>,
    reference: String,
    dispute: Option<(String, String, f64, String)>,
}

type Key = (usize, Date, usize, Option<String>);

/// References of the declarations behind a finding: almost always exactly one, so that case
/// does not allocate.
#[derive(Debug, Clone, PartialEq)]
enum Refs {
    One(u32),
    Many(Vec<u32>),
}

impl Refs {
    fn as_slice(&self) -> &[u32] {
        match self {
            Refs::One(i) => std::slice::from_ref(i),
            Refs::Many(v) => v,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Core {
    status: Status,
    value: Option<f64>,
    limit: Option<f64>,
    refs: Refs,
    contested: Vec<(u32, Option<f64>, Status)>,
    notes: Vec<String>,
}

fn ingest(t: &Treaty, d: &Declaration) -> Result<Decl, DeclarationError> {
    let inv = |message: String| DeclarationError::Invalid {
        reference: d.reference.clone(),
        message,
    };
    let party = t
        .party_index(&d.party)
        .ok_or_else(|| inv(format!("unknown party `{}` for treaty `{}`", d.party, t.id)))?;
    if d.kind.as_deref() == Some("dispute") || d.dispute.is_some() {
        let Some(dp) = &d.dispute else {
            return Err(inv(
                "a `dispute` declaration needs the `dispute` object".into()
            ));
        };
        if d.kind.as_deref() != Some("dispute") {
            return Err(inv(
                "a declaration with a `dispute` object must have kind `dispute`".into(),
            ));
        }
        if !dp.alternative.is_finite() {
            return Err(inv("dispute alternative must be a finite number".into()));
        }
        return Ok(Decl {
            party,
            kind: None,
            as_of: d.as_of,
            item: None,
            values: Vec::new(),
            mentioned: 0,
            fields: Vec::new(),
            reference: d.reference.clone(),
            dispute: Some((
                dp.disputes.clone(),
                dp.quantity.clone(),
                dp.alternative,
                dp.reasoning.clone(),
            )),
        });
    }
    let kind = match &d.kind {
        None => t.default_kind,
        Some(k) => t.kind_index(k).ok_or_else(|| {
            inv(format!(
                "unknown declaration kind `{k}` for treaty `{}`",
                t.id
            ))
        })?,
    };
    let kd = &t.kinds[kind];
    let mut values = vec![None; kd.quantities.len()];
    let mut mentioned = 0u64;
    for (name, v) in &d.quantities {
        let slot = kd
            .quantity_slot(name)
            .ok_or_else(|| inv(format!("kind `{}` has no quantity `{name}`", kd.id)))?;
        if let Some(x) = v
            && !x.is_finite()
        {
            return Err(inv(format!("quantity `{name}` is not a finite number")));
        }
        values[slot] = *v;
        mentioned |= 1u64 << slot;
    }
    let mut fields = vec![None; kd.fields.len()];
    for (name, v) in &d.fields {
        let i = kd
            .field_index(name)
            .ok_or_else(|| inv(format!("kind `{}` has no field `{name}`", kd.id)))?;
        fields[i] = Some(match kd.fields[i].ty {
            FieldType::Text => FieldVal::Text(v.clone()),
            FieldType::Number => FieldVal::Number(
                v.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| inv(format!("field `{name}`: `{v}` is not a number")))?,
            ),
            FieldType::Polygon => FieldVal::Polygon(
                geo::parse_polygon(v).map_err(|e| inv(format!("field `{name}`: {e}")))?,
            ),
        });
    }
    Ok(Decl {
        party,
        kind: Some(kind),
        as_of: d.as_of,
        item: d.item.clone(),
        values,
        mentioned,
        fields,
        reference: d.reference.clone(),
        dispute: None,
    })
}

/// Append-only storage in fixed-size chunks: growing it never moves earlier elements, so one
/// more declaration never costs a copy of all previous ones (a `Vec` doubling would, which
/// shows as multi-millisecond outliers in incremental evaluation).
#[derive(Debug, Clone)]
struct Chunked<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

const CHUNK: usize = 4096;

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Chunked<T> {
    fn push(&mut self, v: T) {
        if self.len.is_multiple_of(CHUNK) {
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        // A chunk was just pushed if the last one was full, so `last_mut` exists.
        if let Some(c) = self.chunks.last_mut() {
            c.push(v);
            self.len += 1;
        }
    }
    fn len(&self) -> usize {
        self.len
    }
    fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<T> std::ops::Index<usize> for Chunked<T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        &self.chunks[i / CHUNK][i % CHUNK]
    }
}

/// (date, item) → index of the latest declaration for that key.
type ByDate = BTreeMap<(Date, Option<String>), u32>;

/// Declarations indexed for evaluation.
#[derive(Debug, Clone, Default)]
struct Index {
    decls: Chunked<Decl>,
    /// (party, kind) → (date, item) → latest declaration for that key.
    latest: HashMap<(usize, usize), ByDate>,
    by_ref: HashMap<String, u32>,
    /// disputed reference → dispute declarations.
    disputes: HashMap<String, Vec<u32>>,
    max_as_of: Option<Date>,
}

impl Index {
    /// Insert; returns the new index and, for a data declaration, the one it superseded.
    fn insert(&mut self, d: Decl) -> Result<u32, EvalError> {
        if !d.reference.is_empty() && self.by_ref.contains_key(&d.reference) {
            return Err(EvalError::DuplicateReference(d.reference.clone()));
        }
        let idx = self.decls.len() as u32;
        if !d.reference.is_empty() {
            self.by_ref.insert(d.reference.clone(), idx);
        }
        self.max_as_of = Some(self.max_as_of.map_or(d.as_of, |m| m.max(d.as_of)));
        if let Some((target, ..)) = &d.dispute {
            self.disputes.entry(target.clone()).or_default().push(idx);
        } else if let Some(k) = d.kind {
            self.latest
                .entry((d.party, k))
                .or_default()
                .insert((d.as_of, d.item.clone()), idx);
        }
        self.decls.push(d);
        Ok(idx)
    }

    fn is_latest(&self, idx: u32) -> bool {
        let d = &self.decls[idx as usize];
        match d.kind {
            Some(k) => self
                .latest
                .get(&(d.party, k))
                .and_then(|m| m.get(&(d.as_of, d.item.clone())))
                .is_some_and(|&i| i == idx),
            None => false,
        }
    }
}

/// Rule activation after options.
fn active_rules(t: &Treaty, opts: &Options) -> Result<Vec<bool>, EvalError> {
    let mut active: Vec<bool> = t.rules.iter().map(|r| r.enabled).collect();
    for (list, on) in [(&opts.enable, true), (&opts.disable, false)] {
        for id in list {
            let i = t.rule_index(id).ok_or_else(|| EvalError::UnknownRule {
                treaty: t.id.clone(),
                rule: id.clone(),
            })?;
            active[i] = on;
        }
    }
    Ok(active)
}

fn applies(t: &Treaty, rule: usize, party: usize) -> bool {
    let a = &t.rules[rule].applies;
    if a.parties.is_empty() && a.roles.is_empty() {
        return true;
    }
    a.parties.contains(&party) || t.parties[party].roles.iter().any(|r| a.roles.contains(r))
}

/// Why a rule is not in force for a party at a date. An enum (not text) because this is asked
/// for every finding; the text is only made when a finding is materialized.
#[derive(Debug, Clone, Copy)]
enum NotInForce {
    NotEntered,
    BeforeEntry(Date),
    BeforePartyEntry(Date),
    Expired(Date),
    Withdrew(usize),
    ObligationFrom(Date),
    ObligationEnded(Date),
}

impl NotInForce {
    fn text(self, t: &Treaty, party: usize) -> String {
        match self {
            NotInForce::NotEntered => format!("{} has not entered into force", t.short_name),
            NotInForce::BeforeEntry(d) => format!("before entry into force on {}", format_date(d)),
            NotInForce::BeforePartyEntry(d) => {
                format!(
                    "before entry into force for {} on {}",
                    t.parties[party].id,
                    format_date(d)
                )
            }
            NotInForce::Expired(d) => {
                format!("{} not in force from {}", t.short_name, format_date(d))
            }
            NotInForce::Withdrew(e) => {
                let ev = &t.events[e];
                format!(
                    "{} withdrew, effective {} {}",
                    t.parties[party].id,
                    format_date(ev.date),
                    ev.article
                )
                .trim_end()
                .to_string()
            }
            NotInForce::ObligationFrom(d) => format!("obligation applies from {}", format_date(d)),
            NotInForce::ObligationEnded(d) => format!("obligation ended on {}", format_date(d)),
        }
    }
}

/// Why the rule is not in force for the party at the date, if it is not.
fn not_in_force(t: &Treaty, rule: usize, party: usize, date: Date) -> Option<NotInForce> {
    let Some(eif) = t.entry_into_force else {
        return Some(NotInForce::NotEntered);
    };
    if date < eif {
        return Some(NotInForce::BeforeEntry(eif));
    }
    if let Some(p) = t.parties[party].entry_into_force
        && date < p
    {
        return Some(NotInForce::BeforePartyEntry(p));
    }
    if let Some(e) = t.expiry
        && date >= e
    {
        return Some(NotInForce::Expired(e));
    }
    for (i, ev) in t.events.iter().enumerate() {
        if ev.party == party && ev.kind == EventKind::Withdrawal && date >= ev.date {
            return Some(NotInForce::Withdrew(i));
        }
    }
    let r = &t.rules[rule];
    if let Some(f) = r.effective_from
        && date < f
    {
        return Some(NotInForce::ObligationFrom(f));
    }
    if let Some(u) = r.until
        && date >= u
    {
        return Some(NotInForce::ObligationEnded(u));
    }
    None
}

fn judge(nif: bool, value: Option<f64>, limit: f64, op: Comparison, binding: bool) -> Status {
    if nif {
        return Status::NotInForce;
    }
    let Some(v) = value else {
        return Status::Missing;
    };
    if !binding {
        return Status::NotBinding;
    }
    let ok = match op {
        Comparison::AtMost => v <= limit,
        Comparison::AtLeast => v >= limit,
    };
    if ok {
        Status::Compliant
    } else {
        Status::Violation
    }
}

fn matches_filter(t: &Treaty, rule: usize, d: &Decl) -> bool {
    t.rules[rule].filter.iter().all(|c| match c {
        Condition::In { field, values } => matches!(&d.fields[*field], Some(FieldVal::Text(s)) if values.iter().any(|v| v == s)),
        Condition::Between { field, lo, hi } => matches!(&d.fields[*field], Some(FieldVal::Number(x)) if *x >= *lo && *x <= *hi),
        Condition::InTable { field, table } => {
            matches!(&d.fields[*field], Some(FieldVal::Text(s)) if t.table_index[*table].contains_key(s.trim()))
        }
    })
}

fn num(d: &Decl, f: usize) -> Option<f64> {
    match d.fields.get(f)? {
        Some(FieldVal::Number(x)) => Some(*x),
        _ => None,
    }
}

fn truthy(d: &Decl, f: usize) -> bool {
    matches!(&d.fields[f], Some(FieldVal::Text(s)) if matches!(s.trim().to_ascii_lowercase().as_str(), "yes" | "true" | "y" | "1"))
}

/// A per-declaration rule on declaration `idx`. `None` if the rule does not concern it.
fn compute_decl(t: &Treaty, ix: &Index, rule: usize, idx: u32) -> Option<Core> {
    let d = &ix.decls[idx as usize];
    let r = &t.rules[rule];
    if !applies(t, rule, d.party) || !matches_filter(t, rule, d) {
        return None;
    }
    let expr_read = match &r.body {
        RuleBody::Limit { expr, .. } | RuleBody::Threshold { expr, .. } => Some(expr),
        RuleBody::Prohibited { count: Some(e), .. } => Some(e),
        _ => None,
    };
    if let Some(e) = expr_read
        && !e.vars.iter().any(|s| d.mentioned & (1u64 << s) != 0)
    {
        return None;
    }
    let nif = not_in_force(t, rule, d.party, d.as_of).is_some();
    let binding = r.binding_from.is_none_or(|b| d.as_of >= b);
    let mut notes = Vec::new();
    // value(subst) → (value, limit, op)
    let eval = |subst: Option<(usize, f64)>| -> (Option<f64>, f64, Comparison, Option<Status>) {
        match &r.body {
            RuleBody::Limit {
                expr, op, limit, ..
            } => (expr.eval(&d.values, subst), *limit, *op, None),
            RuleBody::Prohibited { count, .. } => {
                let v = match count {
                    Some(e) => e.eval(&d.values, subst),
                    None => Some(1.0),
                };
                (v, 0.0, Comparison::AtMost, None)
            }
            RuleBody::Geometry { measure, limit, .. } => {
                let v = match measure {
                    Measure::DistanceFromCentre { lat, lon, centre } => {
                        let p = num(d, *lat)
                            .zip(num(d, *lon))
                            .map(|(a, b)| LatLon { lat: a, lon: b });
                        let c = match centre {
                            Centre::Fixed { lat, lon } => Some(LatLon {
                                lat: *lat,
                                lon: *lon,
                            }),
                            Centre::Fields { lat, lon } => num(d, *lat)
                                .zip(num(d, *lon))
                                .map(|(a, b)| LatLon { lat: a, lon: b }),
                        };
                        p.zip(c).map(|(p, c)| geo::distance_km(p, c))
                    }
                    Measure::PolygonArea { polygon } => match &d.fields[*polygon] {
                        Some(FieldVal::Polygon(v)) => Some(geo::polygon_area_km2(v)),
                        _ => None,
                    },
                    Measure::PolygonMaxExtent { polygon } => match &d.fields[*polygon] {
                        Some(FieldVal::Polygon(v)) => Some(geo::max_extent_km(v)),
                        _ => None,
                    },
                };
                (v, *limit, Comparison::AtMost, None)
            }
            RuleBody::Threshold {
                expr,
                threshold,
                declared_field,
                ..
            } => {
                let v = expr.eval(&d.values, subst);
                // Above the threshold the item must be declared; at or below it there is no duty.
                let st = match v {
                    Some(x) if x > *threshold && !truthy(d, *declared_field) => {
                        Some(Status::Violation)
                    }
                    Some(_) => Some(Status::Compliant),
                    None => None,
                };
                (v, *threshold, Comparison::AtMost, st)
            }
            RuleBody::Schedule { .. } | RuleBody::Quota { .. } => {
                (None, 0.0, Comparison::AtMost, None)
            }
        }
    };
    let status_of =
        |(v, limit, op, special): (Option<f64>, f64, Comparison, Option<Status>)| -> Status {
            let s = judge(nif, v, limit, op, binding);
            match (s, special) {
                (Status::Compliant | Status::Violation, Some(sp)) => sp,
                _ => s,
            }
        };
    let base = eval(None);
    let status = status_of(base);
    if let (RuleBody::Threshold { threshold, .. }, Some(v)) = (&r.body, base.0)
        && v > *threshold
        && status == Status::Compliant
    {
        notes.push("above the declaration threshold: declared".to_string());
    }
    let mut contested = Vec::new();
    if let Some(ds) = ix.disputes.get(&d.reference) {
        let kind = d.kind.unwrap_or(0);
        for &di in ds {
            let Some((_, quantity, alt, _)) = &ix.decls[di as usize].dispute else {
                continue;
            };
            let Some(slot) = t.kinds[kind].quantity_slot(quantity) else {
                continue;
            };
            let reads = match &r.body {
                RuleBody::Limit { expr, .. } | RuleBody::Threshold { expr, .. } => expr.reads(slot),
                RuleBody::Prohibited { count: Some(e), .. } => e.reads(slot),
                _ => false,
            };
            if reads {
                let alt_eval = eval(Some((slot, *alt)));
                contested.push((di, alt_eval.0, status_of(alt_eval)));
            }
        }
    }
    Some(Core {
        status,
        value: base.0,
        limit: Some(base.1),
        refs: Refs::One(idx),
        contested,
        notes,
    })
}

/// Start of the quota period containing `d`.
fn period_start(t: &Treaty, p: QuotaPeriod, d: Date) -> Date {
    match p {
        QuotaPeriod::CalendarYear => {
            Date::from_calendar_date(d.year(), time::Month::January, 1).unwrap_or(d)
        }
        QuotaPeriod::TreatyYear => {
            // The definition guarantees entry_into_force exists for treaty_year quotas.
            let Some(eif) = t.entry_into_force else {
                return d;
            };
            let anniv = |y: i32| {
                Date::from_calendar_date(y, eif.month(), eif.day())
                    .or_else(|_| Date::from_calendar_date(y, eif.month(), eif.day() - 1))
                    .unwrap_or(eif)
            };
            let a = anniv(d.year());
            if a <= d { a } else { anniv(d.year() - 1) }
        }
    }
}

fn period_end(t: &Treaty, p: QuotaPeriod, start: Date) -> Date {
    let next = start.replace_year(start.year() + 1).unwrap_or(start);
    match p {
        QuotaPeriod::CalendarYear => next,
        QuotaPeriod::TreatyYear => period_start(t, p, next.saturating_add(time::Duration::days(1))),
    }
}

fn compute_quota(t: &Treaty, ix: &Index, rule: usize, party: usize, start: Date) -> Option<Core> {
    let r = &t.rules[rule];
    let RuleBody::Quota { period, limit } = &r.body else {
        return None;
    };
    if !applies(t, rule, party) {
        return None;
    }
    let end = period_end(t, *period, start);
    let map = ix.latest.get(&(party, r.kind))?;
    let refs: Vec<u32> = map
        .range((start, None)..)
        .take_while(|((d, _), _)| *d < end)
        .filter(|(_, i)| matches_filter(t, rule, &ix.decls[**i as usize]))
        .map(|(_, i)| *i)
        .collect();
    if refs.is_empty() {
        return None;
    }
    let v = refs.len() as f64;
    let nif = not_in_force(t, rule, party, start).is_some();
    let binding = r.binding_from.is_none_or(|b| start >= b);
    let status = judge(nif, Some(v), *limit, Comparison::AtMost, binding);
    Some(Core {
        status,
        value: Some(v),
        limit: Some(*limit),
        refs: Refs::Many(refs),
        contested: Vec::new(),
        notes: Vec::new(),
    })
}

/// Due dates of a schedule rule from `first_due` up to `until` inclusive.
fn due_dates(due: &[(u8, u8)], first_due: Date, from_excl: Option<Date>, until: Date) -> Vec<Date> {
    let mut out = Vec::new();
    let mut y = first_due.year();
    while y <= until.year() {
        for (m, d) in due {
            let Ok(month) = time::Month::try_from(*m) else {
                continue;
            };
            let Ok(date) = Date::from_calendar_date(y, month, *d) else {
                continue;
            };
            if date >= first_due && date <= until && from_excl.is_none_or(|f| date > f) {
                out.push(date);
            }
        }
        y += 1;
    }
    out
}

/// The due date before `due` (window start, exclusive).
fn previous_due(due: &[(u8, u8)], date: Date) -> Date {
    let mut best = date.replace_year(date.year() - 1).unwrap_or(date);
    for y in [date.year() - 1, date.year()] {
        for (m, d) in due {
            if let Ok(month) = time::Month::try_from(*m)
                && let Ok(c) = Date::from_calendar_date(y, month, *d)
                && c < date
                && c > best
            {
                best = c;
            }
        }
    }
    best
}

/// The slot a declaration dated `d` counts towards.
fn slot_for(due: &[(u8, u8)], first_due: Date, mode: &ScheduleMatch, d: Date) -> Option<Date> {
    match mode {
        ScheduleMatch::AsOf => {
            let is_due = due
                .iter()
                .any(|(m, dd)| u8::from(d.month()) == *m && d.day() == *dd);
            (is_due && d >= first_due).then_some(d)
        }
        ScheduleMatch::Window => {
            // A year ahead is enough to reach the next due date. Not `replace_year`: that fails
            // for 29 February, which silently skipped the slot's recomputation in the
            // incremental evaluator (regression test below).
            let end = d.saturating_add(time::Duration::days(366));
            due_dates(due, first_due, None, end)
                .into_iter()
                .find(|x| *x >= d)
        }
    }
}

fn slot_valid(t: &Treaty, rule: usize, party: usize, due: Date) -> bool {
    applies(t, rule, party) && not_in_force(t, rule, party, due).is_none()
}

fn compute_slot(t: &Treaty, ix: &Index, rule: usize, party: usize, due: Date) -> Option<Core> {
    let r = &t.rules[rule];
    let RuleBody::Schedule {
        due: dues,
        mode,
        items_field,
        required_items,
        ..
    } = &r.body
    else {
        return None;
    };
    if !slot_valid(t, rule, party, due) {
        return None;
    }
    let (from, to) = match mode {
        ScheduleMatch::AsOf => (due, due),
        ScheduleMatch::Window => (
            previous_due(dues, due).saturating_add(time::Duration::days(1)),
            due,
        ),
    };
    let refs: Vec<u32> = ix
        .latest
        .get(&(party, r.kind))
        .map(|m| {
            m.range((from, None)..)
                .take_while(|((d, _), _)| *d <= to)
                .map(|(_, i)| *i)
                .collect()
        })
        .unwrap_or_default();
    // A report whose quantities are all "not provided" is not a report.
    let provided: Vec<u32> = refs
        .iter()
        .copied()
        .filter(|i| {
            let d = &ix.decls[*i as usize];
            d.values.is_empty() || d.values.iter().any(|v| v.is_some())
        })
        .collect();
    let binding = r.binding_from.is_none_or(|b| due >= b);
    let mut notes = Vec::new();
    let (value, limit) = if let Some(f) = items_field {
        let got: Vec<&str> = required_items
            .iter()
            .filter(|it| {
                provided.iter().any(|i| matches!(&ix.decls[*i as usize].fields[*f], Some(FieldVal::Text(s)) if s == *it))
            })
            .map(|s| s.as_str())
            .collect();
        let missing: Vec<&str> = required_items
            .iter()
            .map(|s| s.as_str())
            .filter(|s| !got.contains(s))
            .collect();
        if !missing.is_empty() {
            notes.push(format!("not submitted: {}", missing.join(", ")));
        }
        (got.len() as f64, required_items.len() as f64)
    } else {
        ((!provided.is_empty()) as u8 as f64, 1.0)
    };
    let status = if value < limit {
        Status::Missing
    } else if !binding {
        Status::NotBinding
    } else {
        Status::Compliant
    };
    Some(Core {
        status,
        value: Some(value),
        limit: Some(limit),
        refs: Refs::Many(refs),
        contested: Vec::new(),
        notes,
    })
}

fn horizon(ix: &Index, opts: &Options) -> Option<Date> {
    match (ix.max_as_of, opts.horizon) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn materialize(t: &Treaty, ix: &Index, key: &Key, c: &Core) -> Finding {
    let (party, as_of, rule, item) = key;
    let r = &t.rules[*rule];
    let (op, unit) = match &r.body {
        RuleBody::Limit { op, unit, .. } => (Some(*op), Some(unit.clone())),
        RuleBody::Prohibited { unit, .. } => (Some(Comparison::AtMost), Some(unit.clone())),
        RuleBody::Geometry { unit, .. } => (Some(Comparison::AtMost), Some(unit.clone())),
        RuleBody::Threshold { unit, .. } => (Some(Comparison::AtMost), Some(unit.clone())),
        RuleBody::Quota { .. } => (Some(Comparison::AtMost), Some("declarations".into())),
        RuleBody::Schedule { items_field, .. } => (
            Some(Comparison::AtLeast),
            Some(if items_field.is_some() {
                "items".into()
            } else {
                "reports".into()
            }),
        ),
    };
    let margin = match (c.value, c.limit, op) {
        (Some(v), Some(l), Some(Comparison::AtMost)) => Some(l - v),
        (Some(v), Some(l), Some(Comparison::AtLeast)) => Some(v - l),
        _ => None,
    };
    let mut notes = c.notes.clone();
    if let Some(why) = not_in_force(t, *rule, *party, *as_of) {
        notes.push(why.text(t, *party));
    }
    if c.status == Status::NotBinding
        && let Some(b) = r.binding_from
    {
        notes.push(format!("limit binding from {}", format_date(b)));
    }
    if let RuleBody::Limit {
        stated: Some((v, u)),
        ..
    } = &r.body
    {
        notes.push(format!("treaty limit {v} {u}"));
    }
    for ev in &t.events {
        if ev.party == *party
            && ev.kind == EventKind::Suspension
            && *as_of >= ev.date
            && ev.end.is_none_or(|e| *as_of < e)
        {
            notes.push(
                format!(
                    "{} suspended implementation from {}: {}",
                    t.parties[*party].id,
                    format_date(ev.date),
                    ev.note
                )
                .trim_end_matches([' ', ':'])
                .to_string(),
            );
        }
    }
    let contested = c
        .contested
        .iter()
        .filter_map(|(di, v, s)| {
            let dd = &ix.decls[*di as usize];
            let (_, q, alt, why) = dd.dispute.as_ref()?;
            Some(ContestedReading {
                by: t.parties[dd.party].id.clone(),
                reference: dd.reference.clone(),
                quantity: q.clone(),
                alternative: *alt,
                value: *v,
                status: *s,
                reasoning: why.clone(),
            })
        })
        .collect();
    Finding {
        treaty: t.id.clone(),
        party: t.parties[*party].id.clone(),
        as_of: format_date(*as_of),
        rule: r.id.clone(),
        rule_type: r.type_name().to_string(),
        article: r.article.clone(),
        item: item.clone(),
        status: c.status,
        value: c.value,
        limit: c.limit,
        op: op.map(|o| o.symbol().to_string()),
        margin,
        unit,
        references: c
            .refs
            .as_slice()
            .iter()
            .map(|i| ix.decls[*i as usize].reference.clone())
            .collect(),
        contested,
        notes,
    }
}

/// Evaluate all declarations from scratch.
pub fn evaluate(
    t: &Treaty,
    decls: &[Declaration],
    opts: &Options,
) -> Result<Vec<Finding>, EvalError> {
    Ok(evaluate_compact(t, decls, opts)?.findings())
}

/// The result of an evaluation in compact form: statuses and values are computed; the
/// human-facing [`Finding`] records (strings, notes, references) are made on demand.
#[derive(Debug, Clone)]
pub struct Evaluation<'t> {
    t: &'t Treaty,
    ix: Index,
    out: Vec<(Key, Core)>,
}

impl Evaluation<'_> {
    /// Number of findings.
    pub fn len(&self) -> usize {
        self.out.len()
    }
    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }
    /// Number of findings with each status.
    pub fn status_counts(&self) -> BTreeMap<Status, usize> {
        let mut m = BTreeMap::new();
        for (_, c) in &self.out {
            *m.entry(c.status).or_default() += 1;
        }
        m
    }
    /// All findings, ordered by party, date, rule, item.
    pub fn findings(&self) -> Vec<Finding> {
        self.out
            .iter()
            .map(|(k, c)| materialize(self.t, &self.ix, k, c))
            .collect()
    }
}

/// Evaluate all declarations from scratch, keeping the result compact (see [`Evaluation`]).
pub fn evaluate_compact<'t>(
    t: &'t Treaty,
    decls: &[Declaration],
    opts: &Options,
) -> Result<Evaluation<'t>, EvalError> {
    let active = active_rules(t, opts)?;
    let mut ix = Index::default();
    for d in decls {
        ix.insert(ingest(t, d)?)?;
    }
    let mut out: Vec<(Key, Core)> = Vec::new();
    let by_kind = rules_by_kind(t, &active);
    for (&(party, kind), map) in &ix.latest {
        for ((date, item), &idx) in map {
            for &rule in &by_kind[kind] {
                if t.rules[rule].per_declaration()
                    && let Some(c) = compute_decl(t, &ix, rule, idx)
                {
                    out.push(((party, *date, rule, item.clone()), c));
                }
            }
        }
        for &rule in &by_kind[kind] {
            if let RuleBody::Quota { period, .. } = &t.rules[rule].body {
                let mut starts: Vec<Date> = map
                    .keys()
                    .map(|(d, _)| period_start(t, *period, *d))
                    .collect();
                starts.dedup();
                for s in starts {
                    if let Some(c) = compute_quota(t, &ix, rule, party, s) {
                        out.push(((party, s, rule, None), c));
                    }
                }
            }
        }
    }
    if let Some(h) = horizon(&ix, opts) {
        for (rule, r) in t.rules.iter().enumerate() {
            if !active[rule] {
                continue;
            }
            if let RuleBody::Schedule { due, first_due, .. } = &r.body {
                for due_date in due_dates(due, *first_due, None, h) {
                    for party in 0..t.parties.len() {
                        if let Some(c) = compute_slot(t, &ix, rule, party, due_date) {
                            out.push(((party, due_date, rule, None), c));
                        }
                    }
                }
            }
        }
    }
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(Evaluation { t, ix, out })
}

fn rules_by_kind(t: &Treaty, active: &[bool]) -> Vec<Vec<usize>> {
    let mut v = vec![Vec::new(); t.kinds.len()];
    for (i, r) in t.rules.iter().enumerate() {
        if active[i] {
            v[r.kind].push(i);
        }
    }
    v
}

/// Incremental evaluator: add declarations one at a time (e.g. as the log grows).
#[derive(Debug, Clone)]
pub struct Evaluator<'t> {
    t: &'t Treaty,
    opts: Options,
    by_kind: Vec<Vec<usize>>,
    active: Vec<bool>,
    ix: Index,
    findings: BTreeMap<Key, Core>,
    horizon: Option<Date>,
}

impl<'t> Evaluator<'t> {
    pub fn new(t: &'t Treaty, opts: Options) -> Result<Self, EvalError> {
        let active = active_rules(t, &opts)?;
        let mut e = Evaluator {
            t,
            by_kind: rules_by_kind(t, &active),
            active,
            opts,
            ix: Index::default(),
            findings: BTreeMap::new(),
            horizon: None,
        };
        e.advance_horizon();
        Ok(e)
    }

    /// Number of declarations added.
    pub fn len(&self) -> usize {
        self.ix.decls.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ix.decls.is_empty()
    }

    fn set(&mut self, key: Key, c: Option<Core>) -> usize {
        match c {
            Some(c) => {
                self.findings.insert(key, c);
            }
            None => {
                self.findings.remove(&key);
            }
        }
        1
    }

    fn recompute_decl(&mut self, idx: u32) -> usize {
        let d = &self.ix.decls[idx as usize];
        let Some(kind) = d.kind else { return 0 };
        let (party, date, item) = (d.party, d.as_of, d.item.clone());
        let mut n = 0;
        for k in 0..self.by_kind[kind].len() {
            let rule = self.by_kind[kind][k];
            if self.t.rules[rule].per_declaration() {
                let c = compute_decl(self.t, &self.ix, rule, idx);
                n += self.set((party, date, rule, item.clone()), c);
            }
        }
        n
    }

    fn advance_horizon(&mut self) -> usize {
        let new = horizon(&self.ix, &self.opts);
        if new == self.horizon {
            return 0;
        }
        let old = self.horizon;
        self.horizon = new;
        let Some(h) = new else { return 0 };
        let mut n = 0;
        for rule in 0..self.t.rules.len() {
            if !self.active[rule] {
                continue;
            }
            if let RuleBody::Schedule { due, first_due, .. } = &self.t.rules[rule].body {
                for due_date in due_dates(due, *first_due, old, h) {
                    for party in 0..self.t.parties.len() {
                        let c = compute_slot(self.t, &self.ix, rule, party, due_date);
                        n += self.set((party, due_date, rule, None), c);
                    }
                }
            }
        }
        n
    }

    /// Add one declaration; returns how many findings were recomputed.
    pub fn add(&mut self, d: &Declaration) -> Result<usize, EvalError> {
        let decl = ingest(self.t, d)?;
        let idx = self.ix.insert(decl)?;
        let mut n = 0;
        let (party, date, kind, target) = {
            let d = &self.ix.decls[idx as usize];
            (
                d.party,
                d.as_of,
                d.kind,
                d.dispute.as_ref().map(|x| x.0.clone()),
            )
        };
        if let Some(target) = target
            && let Some(&ti) = self.ix.by_ref.get(&target)
            && self.ix.is_latest(ti)
        {
            n += self.recompute_decl(ti);
        }
        if let Some(kind) = kind {
            n += self.recompute_decl(idx);
            for k in 0..self.by_kind[kind].len() {
                let rule = self.by_kind[kind][k];
                match &self.t.rules[rule].body {
                    RuleBody::Quota { period, .. } => {
                        let s = period_start(self.t, *period, date);
                        let c = compute_quota(self.t, &self.ix, rule, party, s);
                        n += self.set((party, s, rule, None), c);
                    }
                    RuleBody::Schedule {
                        due,
                        first_due,
                        mode,
                        ..
                    } => {
                        if let (Some(slot), Some(h)) =
                            (slot_for(due, *first_due, mode, date), self.horizon)
                            && slot <= h
                        {
                            let c = compute_slot(self.t, &self.ix, rule, party, slot);
                            n += self.set((party, slot, rule, None), c);
                        }
                    }
                    _ => {}
                }
            }
        }
        n += self.advance_horizon();
        Ok(n)
    }

    /// Current findings, ordered by party, date, rule, item.
    pub fn findings(&self) -> Vec<Finding> {
        self.findings
            .iter()
            .map(|(k, c)| materialize(self.t, &self.ix, k, c))
            .collect()
    }
}
