//! The treaty definition format (TOML) and its compiled, validated model.
//!
//! A definition file has these tables (all names in the treaty's own vocabulary):
//!
//! * `[treaty]` — `id`, `name`, `short_name`, `source`, `signed`, `entry_into_force`, `expiry`,
//!   `default_kind`, `notes`.
//! * `[[party]]` — `id`, `name`, `roles` (e.g. `nuclear-weapon-state`), optional own
//!   `entry_into_force` (multilateral treaties: the date the treaty entered into force *for
//!   that party*).
//! * `[[event]]` — per-party effective-period events: `party`, `kind` = `withdrawal` (from its
//!   effective `date` the treaty is not in force for that party) or `suspension` (findings are
//!   still produced and carry a note: a suspension not provided for by the treaty does not
//!   release a party — the US position on Russia's 2023 New START "suspension"), optional
//!   `end`, `article`, `note`.
//! * `[[kind]]` — declaration kinds with `[[kind.quantity]]` (`name`, `unit`, `description`) and
//!   `[[kind.field]]` (`name`, `type` = `text` | `number` | `polygon`, `description`).
//! * `[[derived]]` — `name`, `kind`, `expression` over the kind's quantities, `unit`.
//! * `[[unit_conversion]]` — `from`, `to`, `factor` (1 `from` = `factor` `to`), `source`.
//! * `[[table]]` — data tables (e.g. CWC schedules by CAS number): `id`, `description`,
//!   `[[table.entry]]` with `key`, `name`, `note`.
//! * `[[rule]]` — `id`, `type`, `article` (cited), `description`, `declaration` (kind id),
//!   `parties` / `roles` (party-specific obligations), `binding_from` (limits must be met from
//!   this date: earlier figures are `not_binding`), `effective_from` / `until` (the obligation's
//!   own duration: outside it, `not_in_force`), `enabled` (configurable rules), `where`
//!   (category conditions), and the type's own keys — see [`RuleBody`].
//!
//! Errors point at `line:column` of the offending key or value.

use std::collections::HashMap;

use serde::Deserialize;
use serde_spanned::Spanned;
use time::Date;

use crate::error::DefinitionError;
use crate::expr::Expr;

/// A party to the treaty.
#[derive(Debug, Clone, PartialEq)]
pub struct Party {
    pub id: String,
    pub name: String,
    pub roles: Vec<String>,
    pub entry_into_force: Option<Date>,
}

/// What happened to a party's participation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Withdrawal,
    Suspension,
}

/// A per-party effective-period event.
#[derive(Debug, Clone, PartialEq)]
pub struct PartyEvent {
    pub party: usize,
    pub kind: EventKind,
    pub date: Date,
    pub end: Option<Date>,
    pub article: String,
    pub note: String,
}

/// A declared quantity of a declaration kind.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantityDef {
    pub name: String,
    pub unit: String,
    pub description: String,
}

/// The type of a declaration field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    Number,
    /// `lat lon; lat lon; ...` in decimal degrees.
    Polygon,
}

/// A non-quantity field of a declaration kind.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDef {
    pub name: String,
    pub ty: FieldType,
    pub description: String,
}

/// A kind of declaration (e.g. New START's biannual data exchange).
#[derive(Debug, Clone, PartialEq)]
pub struct DeclarationKind {
    pub id: String,
    pub description: String,
    pub quantities: Vec<QuantityDef>,
    pub fields: Vec<FieldDef>,
}

impl DeclarationKind {
    /// Slot of a quantity by name.
    pub fn quantity_slot(&self, name: &str) -> Option<usize> {
        self.quantities.iter().position(|q| q.name == name)
    }
    /// Index of a field by name.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }
}

/// A derived quantity.
#[derive(Debug, Clone, PartialEq)]
pub struct Derived {
    pub name: String,
    pub kind: usize,
    pub expr: Expr,
    pub unit: String,
}

/// A data table (e.g. a CWC schedule).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub id: String,
    pub description: String,
    pub entries: Vec<TableEntry>,
}

/// One row of a data table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableEntry {
    pub key: String,
    pub name: String,
    pub note: String,
}

/// A condition selecting a category of declared items (on a field).
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// Text field equals one of the values.
    In { field: usize, values: Vec<String> },
    /// Number field within the closed interval.
    Between { field: usize, lo: f64, hi: f64 },
    /// Text field is a key of the table.
    InTable { field: usize, table: usize },
}

/// Comparison of a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// value ≤ limit ("no more than").
    AtMost,
    /// value ≥ limit ("no fewer than").
    AtLeast,
}

impl Comparison {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::AtMost => "<=",
            Comparison::AtLeast => ">=",
        }
    }
}

/// Geometric measure checked by a geometry rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    /// Great-circle distance from a centre (declared in fields or fixed) to a declared point.
    DistanceFromCentre {
        lat: usize,
        lon: usize,
        centre: Centre,
    },
    /// Area of a declared polygon, km².
    PolygonArea { polygon: usize },
    /// Largest distance between two vertices of a declared polygon, km.
    PolygonMaxExtent { polygon: usize },
}

/// Where a distance is measured from.
#[derive(Debug, Clone, PartialEq)]
pub enum Centre {
    Fields { lat: usize, lon: usize },
    Fixed { lat: f64, lon: f64 },
}

/// When reports fall due.
#[derive(Debug, Clone, PartialEq)]
pub enum ScheduleMatch {
    /// The report's data date must equal the due date (New START data "as of" 1 March/1 September).
    AsOf,
    /// The report must be made in the window (previous due date, due date].
    Window,
}

/// The type-specific part of a rule.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleBody {
    /// `type = "limit"`: `quantity` (declared or derived), `op` (`<=`/`>=`), `limit`,
    /// optional `limit_unit` converted through `[[unit_conversion]]`.
    Limit {
        expr: Expr,
        quantity: String,
        op: Comparison,
        /// Limit in the quantity's unit (after conversion).
        limit: f64,
        unit: String,
        /// The limit as written in the treaty (value, unit) when a conversion was applied.
        stated: Option<(f64, String)>,
    },
    /// `type = "prohibited"`: items matching `where` are prohibited; the optional `quantity`
    /// counts them (must be 0), otherwise a matching declaration is itself a violation.
    Prohibited { count: Option<Expr>, unit: String },
    /// `type = "geometry"`: `measure` ≤ `limit` (km or km²).
    Geometry {
        measure: Measure,
        limit: f64,
        unit: String,
    },
    /// `type = "schedule"`: reports of the declaration kind are due on `due` (MM-DD, every year)
    /// from `first_due`; with `required_items` + `items_field`, completeness is checked.
    Schedule {
        due: Vec<(u8, u8)>,
        first_due: Date,
        mode: ScheduleMatch,
        items_field: Option<usize>,
        required_items: Vec<String>,
    },
    /// `type = "quota"`: at most `limit` declarations matching `where` per `period`.
    Quota { period: QuotaPeriod, limit: f64 },
    /// `type = "threshold"`: an item whose `quantity` exceeds `threshold` must be declared
    /// (field `declared_field` = yes/true). CWC Verification Annex declaration thresholds.
    Threshold {
        expr: Expr,
        quantity: String,
        threshold: f64,
        unit: String,
        declared_field: usize,
    },
}

/// Period of a quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaPeriod {
    /// Years counted from entry into force (New START Protocol Part One: "treaty year").
    TreatyYear,
    /// Calendar years.
    CalendarYear,
}

/// Who a rule applies to.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Applicability {
    pub parties: Vec<usize>,
    pub roles: Vec<String>,
}

/// One compiled rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: String,
    pub article: String,
    pub description: String,
    pub kind: usize,
    pub applies: Applicability,
    pub binding_from: Option<Date>,
    pub effective_from: Option<Date>,
    pub until: Option<Date>,
    pub enabled: bool,
    pub filter: Vec<Condition>,
    pub body: RuleBody,
}

impl Rule {
    /// The rule type name as written in the file.
    pub fn type_name(&self) -> &'static str {
        match self.body {
            RuleBody::Limit { .. } => "limit",
            RuleBody::Prohibited { .. } => "prohibited",
            RuleBody::Geometry { .. } => "geometry",
            RuleBody::Schedule { .. } => "schedule",
            RuleBody::Quota { .. } => "quota",
            RuleBody::Threshold { .. } => "threshold",
        }
    }
    /// Is the rule evaluated per declaration (as opposed to per period/slot)?
    pub(crate) fn per_declaration(&self) -> bool {
        !matches!(
            self.body,
            RuleBody::Schedule { .. } | RuleBody::Quota { .. }
        )
    }
}

/// A compiled, validated treaty definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Treaty {
    pub id: String,
    pub name: String,
    pub short_name: String,
    pub source: String,
    pub notes: String,
    pub signed: Option<Date>,
    pub entry_into_force: Option<Date>,
    pub expiry: Option<Date>,
    pub default_kind: usize,
    pub parties: Vec<Party>,
    pub events: Vec<PartyEvent>,
    pub kinds: Vec<DeclarationKind>,
    pub derived: Vec<Derived>,
    pub tables: Vec<Table>,
    pub rules: Vec<Rule>,
    /// Per table: key → row, for `in_table` conditions.
    pub(crate) table_index: Vec<HashMap<String, usize>>,
}

impl Treaty {
    /// Parse and validate a definition. `source_name` is used in error messages.
    pub fn from_toml(text: &str, source_name: &str) -> Result<Treaty, DefinitionError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            DefinitionError {
                source_name: source_name.to_string(),
                line,
                column,
                message: e.message().trim().to_string(),
            }
        })?;
        Compiler { text, source_name }.compile(raw)
    }

    pub fn party_index(&self, id: &str) -> Option<usize> {
        self.parties.iter().position(|p| p.id == id)
    }
    pub fn kind_index(&self, id: &str) -> Option<usize> {
        self.kinds.iter().position(|k| k.id == id)
    }
    pub fn rule_index(&self, id: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.id == id)
    }
    /// Unit of a declared or derived quantity of a kind.
    pub fn quantity_unit(&self, kind: usize, name: &str) -> Option<&str> {
        let k = self.kinds.get(kind)?;
        if let Some(s) = k.quantity_slot(name) {
            return Some(&k.quantities[s].unit);
        }
        self.derived
            .iter()
            .find(|d| d.kind == kind && d.name == name)
            .map(|d| d.unit.as_str())
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let mut line = 1;
    let mut col = 1;
    for (i, c) in text.char_indices() {
        if i >= offset {
            break;
        }
        if c == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    (line, col)
}

/// Parse `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<Date, String> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &fmt).map_err(|_| format!("`{s}` is not a date YYYY-MM-DD"))
}

/// Format a date as `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

// ---------------------------------------------------------------------------------------------
// Raw (serde) layer: mirrors the file, with spans for precise errors.

type S<T> = Spanned<T>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    treaty: RawTreaty,
    #[serde(default)]
    party: Vec<S<RawParty>>,
    #[serde(default)]
    event: Vec<S<RawEvent>>,
    #[serde(default)]
    kind: Vec<S<RawKind>>,
    #[serde(default)]
    derived: Vec<S<RawDerived>>,
    #[serde(default)]
    unit_conversion: Vec<S<RawConversion>>,
    #[serde(default)]
    table: Vec<S<RawTable>>,
    #[serde(default)]
    rule: Vec<S<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTreaty {
    id: S<String>,
    name: String,
    #[serde(default)]
    short_name: Option<String>,
    #[serde(default)]
    source: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    signed: Option<S<toml::Value>>,
    #[serde(default)]
    entry_into_force: Option<S<toml::Value>>,
    #[serde(default)]
    expiry: Option<S<toml::Value>>,
    #[serde(default)]
    default_kind: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParty {
    id: S<String>,
    name: String,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    entry_into_force: Option<S<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    party: S<String>,
    kind: S<String>,
    date: S<toml::Value>,
    #[serde(default)]
    end: Option<S<toml::Value>>,
    #[serde(default)]
    article: String,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKind {
    id: S<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    quantity: Vec<S<RawQuantity>>,
    #[serde(default)]
    field: Vec<S<RawField>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuantity {
    name: S<String>,
    unit: String,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    name: S<String>,
    #[serde(rename = "type", default)]
    ty: Option<S<String>>,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDerived {
    name: S<String>,
    #[serde(default)]
    kind: Option<S<String>>,
    expression: S<String>,
    unit: String,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConversion {
    from: String,
    to: String,
    factor: S<f64>,
    #[serde(default)]
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    id: S<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    entry: Vec<S<RawEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    key: S<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    field: S<String>,
    #[serde(default, rename = "in")]
    in_: Option<Vec<String>>,
    #[serde(default)]
    between: Option<S<Vec<f64>>>,
    #[serde(default)]
    in_table: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: S<String>,
    #[serde(rename = "type")]
    ty: S<String>,
    article: S<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    declaration: Option<S<String>>,
    #[serde(default)]
    parties: Option<S<Vec<String>>>,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    binding_from: Option<S<toml::Value>>,
    #[serde(default)]
    effective_from: Option<S<toml::Value>>,
    #[serde(default)]
    until: Option<S<toml::Value>>,
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default, rename = "where")]
    where_: Vec<S<RawCondition>>,
    // limit / threshold / prohibited
    #[serde(default)]
    quantity: Option<S<String>>,
    #[serde(default)]
    op: Option<S<String>>,
    #[serde(default)]
    limit: Option<S<f64>>,
    #[serde(default)]
    limit_unit: Option<S<String>>,
    #[serde(default)]
    threshold: Option<S<f64>>,
    #[serde(default)]
    declared_field: Option<S<String>>,
    // geometry
    #[serde(default)]
    measure: Option<S<String>>,
    #[serde(default)]
    lat_field: Option<S<String>>,
    #[serde(default)]
    lon_field: Option<S<String>>,
    #[serde(default)]
    centre_lat_field: Option<S<String>>,
    #[serde(default)]
    centre_lon_field: Option<S<String>>,
    #[serde(default)]
    centre: Option<S<Vec<f64>>>,
    #[serde(default)]
    polygon_field: Option<S<String>>,
    // schedule
    #[serde(default)]
    due: Option<S<Vec<String>>>,
    #[serde(default)]
    first_due: Option<S<toml::Value>>,
    #[serde(default, rename = "match")]
    match_: Option<S<String>>,
    #[serde(default)]
    items_field: Option<S<String>>,
    #[serde(default)]
    required_items: Vec<String>,
    // quota
    #[serde(default)]
    period: Option<S<String>>,
}

struct Compiler<'a> {
    text: &'a str,
    source_name: &'a str,
}

impl Compiler<'_> {
    fn err(&self, offset: usize, message: impl Into<String>) -> DefinitionError {
        let (line, column) = line_col(self.text, offset);
        DefinitionError {
            source_name: self.source_name.to_string(),
            line,
            column,
            message: message.into(),
        }
    }

    fn date(&self, v: &S<toml::Value>, what: &str) -> Result<Date, DefinitionError> {
        let text = match v.get_ref() {
            toml::Value::String(s) => s.clone(),
            toml::Value::Datetime(d) => d.to_string(),
            other => {
                return Err(self.err(
                    v.span().start,
                    format!(
                        "`{what}`: expected a date YYYY-MM-DD, found {}",
                        other.type_str()
                    ),
                ));
            }
        };
        parse_date(&text).map_err(|e| self.err(v.span().start, format!("`{what}`: {e}")))
    }

    fn opt_date(
        &self,
        v: &Option<S<toml::Value>>,
        what: &str,
    ) -> Result<Option<Date>, DefinitionError> {
        v.as_ref().map(|v| self.date(v, what)).transpose()
    }

    fn compile(&self, raw: RawFile) -> Result<Treaty, DefinitionError> {
        let t = &raw.treaty;
        let id = t.id.get_ref().clone();
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(self.err(
                t.id.span().start,
                format!("`treaty.id`: `{id}` must be non-empty and use only letters, digits, `-` and `_`"),
            ));
        }
        let entry_into_force = self.opt_date(&t.entry_into_force, "treaty.entry_into_force")?;
        let expiry = self.opt_date(&t.expiry, "treaty.expiry")?;
        let signed = self.opt_date(&t.signed, "treaty.signed")?;

        // Parties.
        let mut parties: Vec<Party> = Vec::new();
        for p in &raw.party {
            let rp = p.get_ref();
            if parties.iter().any(|q| &q.id == rp.id.get_ref()) {
                return Err(self.err(
                    rp.id.span().start,
                    format!("`party.id`: duplicate party `{}`", rp.id.get_ref()),
                ));
            }
            parties.push(Party {
                id: rp.id.get_ref().clone(),
                name: rp.name.clone(),
                roles: rp.roles.clone(),
                entry_into_force: self.opt_date(&rp.entry_into_force, "party.entry_into_force")?,
            });
        }
        if parties.is_empty() {
            return Err(self.err(0, "the treaty defines no `[[party]]`"));
        }
        let party_of = |s: &S<String>, what: &str| -> Result<usize, DefinitionError> {
            parties
                .iter()
                .position(|p| &p.id == s.get_ref())
                .ok_or_else(|| {
                    self.err(
                        s.span().start,
                        format!("`{what}`: unknown party `{}`", s.get_ref()),
                    )
                })
        };

        // Events.
        let mut events = Vec::new();
        for e in &raw.event {
            let re = e.get_ref();
            let kind = match re.kind.get_ref().as_str() {
                "withdrawal" => EventKind::Withdrawal,
                "suspension" => EventKind::Suspension,
                other => {
                    return Err(self.err(
                        re.kind.span().start,
                        format!("`event.kind`: `{other}` is not one of `withdrawal`, `suspension`"),
                    ));
                }
            };
            events.push(PartyEvent {
                party: party_of(&re.party, "event.party")?,
                kind,
                date: self.date(&re.date, "event.date")?,
                end: self.opt_date(&re.end, "event.end")?,
                article: re.article.clone(),
                note: re.note.clone(),
            });
        }

        // Declaration kinds.
        let mut kinds: Vec<DeclarationKind> = Vec::new();
        for k in &raw.kind {
            let rk = k.get_ref();
            let kid = rk.id.get_ref();
            if kid == "dispute" {
                return Err(self.err(
                    rk.id.span().start,
                    "`kind.id`: `dispute` is reserved for contested-declaration records",
                ));
            }
            if kinds.iter().any(|x| &x.id == kid) {
                return Err(self.err(
                    rk.id.span().start,
                    format!("`kind.id`: duplicate kind `{kid}`"),
                ));
            }
            let mut quantities: Vec<QuantityDef> = Vec::new();
            for q in &rk.quantity {
                let rq = q.get_ref();
                let name = rq.name.get_ref();
                check_name(name).map_err(|m| {
                    self.err(rq.name.span().start, format!("`kind.quantity.name`: {m}"))
                })?;
                if quantities.iter().any(|x| &x.name == name) {
                    return Err(self.err(
                        rq.name.span().start,
                        format!("`kind.quantity.name`: duplicate quantity `{name}`"),
                    ));
                }
                quantities.push(QuantityDef {
                    name: name.clone(),
                    unit: rq.unit.clone(),
                    description: rq.description.clone(),
                });
            }
            if quantities.len() > 64 {
                return Err(self.err(
                    rk.id.span().start,
                    format!(
                        "kind `{kid}` declares {} quantities; at most 64 are supported",
                        quantities.len()
                    ),
                ));
            }
            let mut fields: Vec<FieldDef> = Vec::new();
            for f in &rk.field {
                let rf = f.get_ref();
                let name = rf.name.get_ref();
                check_name(name).map_err(|m| {
                    self.err(rf.name.span().start, format!("`kind.field.name`: {m}"))
                })?;
                if fields.iter().any(|x| &x.name == name)
                    || quantities.iter().any(|x| &x.name == name)
                {
                    return Err(self.err(rf.name.span().start, format!("`kind.field.name`: `{name}` is already a quantity or field of kind `{kid}`")));
                }
                let ty = match rf.ty.as_ref().map(|t| t.get_ref().as_str()) {
                    None | Some("text") => FieldType::Text,
                    Some("number") => FieldType::Number,
                    Some("polygon") => FieldType::Polygon,
                    Some(other) => {
                        // The span exists because `ty` is Some in this arm.
                        let off = rf.ty.as_ref().map(|t| t.span().start).unwrap_or(0);
                        return Err(self.err(off, format!("`kind.field.type`: `{other}` is not one of `text`, `number`, `polygon`")));
                    }
                };
                fields.push(FieldDef {
                    name: name.clone(),
                    ty,
                    description: rf.description.clone(),
                });
            }
            kinds.push(DeclarationKind {
                id: kid.clone(),
                description: rk.description.clone(),
                quantities,
                fields,
            });
        }
        if kinds.is_empty() {
            return Err(self.err(0, "the treaty defines no declaration `[[kind]]`"));
        }
        let default_kind = match &t.default_kind {
            Some(dk) => kinds
                .iter()
                .position(|k| &k.id == dk.get_ref())
                .ok_or_else(|| {
                    self.err(
                        dk.span().start,
                        format!("`treaty.default_kind`: unknown kind `{}`", dk.get_ref()),
                    )
                })?,
            None => 0,
        };
        let kind_of = |s: &Option<S<String>>, what: &str| -> Result<usize, DefinitionError> {
            match s {
                None => Ok(default_kind),
                Some(s) => kinds
                    .iter()
                    .position(|k| &k.id == s.get_ref())
                    .ok_or_else(|| {
                        self.err(
                            s.span().start,
                            format!("`{what}`: unknown declaration kind `{}`", s.get_ref()),
                        )
                    }),
            }
        };

        // Derived quantities.
        let mut derived: Vec<Derived> = Vec::new();
        for d in &raw.derived {
            let rd = d.get_ref();
            let kind = kind_of(&rd.kind, "derived.kind")?;
            let name = rd.name.get_ref();
            check_name(name)
                .map_err(|m| self.err(rd.name.span().start, format!("`derived.name`: {m}")))?;
            if kinds[kind].quantity_slot(name).is_some()
                || derived.iter().any(|x| x.kind == kind && &x.name == name)
            {
                return Err(self.err(
                    rd.name.span().start,
                    format!(
                        "`derived.name`: `{name}` is already defined for kind `{}`",
                        kinds[kind].id
                    ),
                ));
            }
            let expr = Expr::compile(rd.expression.get_ref(), |n| kinds[kind].quantity_slot(n))
                .map_err(|e| {
                    // +1 for the opening quote of the TOML string.
                    let off = rd.expression.span().start
                        + 1
                        + byte_offset_of_char(rd.expression.get_ref(), e.offset);
                    self.err(
                        off,
                        format!(
                            "`derived.expression`: {} (kind `{}`)",
                            e.message, kinds[kind].id
                        ),
                    )
                })?;
            let _ = &rd.description;
            derived.push(Derived {
                name: name.clone(),
                kind,
                expr,
                unit: rd.unit.clone(),
            });
        }

        // Unit conversions.
        let mut conversions: Vec<(String, String, f64)> = Vec::new();
        for c in &raw.unit_conversion {
            let rc = c.get_ref();
            let f = *rc.factor.get_ref();
            if !(f.is_finite() && f > 0.0) {
                return Err(self.err(
                    rc.factor.span().start,
                    format!("`unit_conversion.factor`: {f} must be a positive number"),
                ));
            }
            let _ = &rc.source;
            conversions.push((rc.from.clone(), rc.to.clone(), f));
        }

        // Tables.
        let mut tables: Vec<Table> = Vec::new();
        let mut table_index = Vec::new();
        for tb in &raw.table {
            let rt = tb.get_ref();
            if tables.iter().any(|x| &x.id == rt.id.get_ref()) {
                return Err(self.err(
                    rt.id.span().start,
                    format!("`table.id`: duplicate table `{}`", rt.id.get_ref()),
                ));
            }
            let mut idx = HashMap::new();
            let mut entries = Vec::new();
            for e in &rt.entry {
                let re = e.get_ref();
                let key = re.key.get_ref().trim().to_string();
                if idx.insert(key.clone(), entries.len()).is_some() {
                    return Err(self.err(
                        re.key.span().start,
                        format!(
                            "`table.entry.key`: duplicate key `{key}` in table `{}`",
                            rt.id.get_ref()
                        ),
                    ));
                }
                entries.push(TableEntry {
                    key,
                    name: re.name.clone(),
                    note: re.note.clone(),
                });
            }
            tables.push(Table {
                id: rt.id.get_ref().clone(),
                description: rt.description.clone(),
                entries,
            });
            table_index.push(idx);
        }

        // Rules.
        let mut rules: Vec<Rule> = Vec::new();
        for r in &raw.rule {
            let rr = r.get_ref();
            let rid = rr.id.get_ref();
            if rules.iter().any(|x| &x.id == rid) {
                return Err(self.err(
                    rr.id.span().start,
                    format!("`rule.id`: duplicate rule `{rid}`"),
                ));
            }
            if rr.article.get_ref().trim().is_empty() {
                return Err(self.err(
                    rr.article.span().start,
                    format!("`rule.article`: rule `{rid}` must cite the article it implements"),
                ));
            }
            let kind = kind_of(&rr.declaration, "rule.declaration")?;
            let k = &kinds[kind];
            let field_of = |s: &S<String>,
                            what: &str,
                            want: Option<FieldType>|
             -> Result<usize, DefinitionError> {
                let i = k.field_index(s.get_ref()).ok_or_else(|| {
                    self.err(
                        s.span().start,
                        format!(
                            "`rule.{what}`: kind `{}` has no field `{}`",
                            k.id,
                            s.get_ref()
                        ),
                    )
                })?;
                if let Some(w) = want
                    && k.fields[i].ty != w
                {
                    return Err(self.err(
                        s.span().start,
                        format!(
                            "`rule.{what}`: field `{}` must be of type {:?}",
                            s.get_ref(),
                            w
                        )
                        .to_lowercase(),
                    ));
                }
                Ok(i)
            };
            let req = |o: &Option<S<String>>, what: &str| -> Result<S<String>, DefinitionError> {
                o.clone().ok_or_else(|| {
                    self.err(
                        r.span().start,
                        format!("rule `{rid}` of type `{}` needs `{what}`", rr.ty.get_ref()),
                    )
                })
            };
            let req_f = |o: &Option<S<f64>>, what: &str| -> Result<f64, DefinitionError> {
                let v = o.as_ref().ok_or_else(|| {
                    self.err(
                        r.span().start,
                        format!("rule `{rid}` of type `{}` needs `{what}`", rr.ty.get_ref()),
                    )
                })?;
                if !v.get_ref().is_finite() {
                    return Err(self.err(
                        v.span().start,
                        format!("`rule.{what}`: must be a finite number"),
                    ));
                }
                Ok(*v.get_ref())
            };
            // Resolve a quantity name (declared or derived) of this kind.
            let quantity_of = |s: &S<String>| -> Result<(Expr, String), DefinitionError> {
                let name = s.get_ref();
                if let Some(slot) = k.quantity_slot(name) {
                    return Ok((Expr::var(slot, name), k.quantities[slot].unit.clone()));
                }
                if let Some(d) = derived.iter().find(|d| d.kind == kind && &d.name == name) {
                    return Ok((d.expr.clone(), d.unit.clone()));
                }
                Err(self.err(
                    s.span().start,
                    format!(
                        "`rule.quantity`: kind `{}` has no declared or derived quantity `{name}`",
                        k.id
                    ),
                ))
            };

            let mut filter = Vec::new();
            for c in &rr.where_ {
                let rc = c.get_ref();
                let set = [
                    rc.in_.is_some(),
                    rc.between.is_some(),
                    rc.in_table.is_some(),
                ]
                .iter()
                .filter(|x| **x)
                .count();
                if set != 1 {
                    return Err(self.err(
                        c.span().start,
                        "`rule.where`: give exactly one of `in`, `between`, `in_table`",
                    ));
                }
                if let Some(values) = &rc.in_ {
                    filter.push(Condition::In {
                        field: field_of(&rc.field, "where.field", Some(FieldType::Text))?,
                        values: values.clone(),
                    });
                } else if let Some(b) = &rc.between {
                    let v = b.get_ref();
                    if v.len() != 2 || v[0] > v[1] {
                        return Err(self.err(
                            b.span().start,
                            "`rule.where.between`: expected [low, high] with low <= high",
                        ));
                    }
                    filter.push(Condition::Between {
                        field: field_of(&rc.field, "where.field", Some(FieldType::Number))?,
                        lo: v[0],
                        hi: v[1],
                    });
                } else if let Some(tn) = &rc.in_table {
                    let table = tables
                        .iter()
                        .position(|x| &x.id == tn.get_ref())
                        .ok_or_else(|| {
                            self.err(
                                tn.span().start,
                                format!("`rule.where.in_table`: unknown table `{}`", tn.get_ref()),
                            )
                        })?;
                    filter.push(Condition::InTable {
                        field: field_of(&rc.field, "where.field", Some(FieldType::Text))?,
                        table,
                    });
                }
            }

            // Keys that belong to other rule types are rejected so that typos and copy-paste
            // errors do not silently do nothing.
            let ty = rr.ty.get_ref().as_str();
            let used: &[&str] = match ty {
                "limit" => &["quantity", "op", "limit", "limit_unit"],
                "prohibited" => &["quantity"],
                "geometry" => &[
                    "measure",
                    "limit",
                    "lat_field",
                    "lon_field",
                    "centre_lat_field",
                    "centre_lon_field",
                    "centre",
                    "polygon_field",
                ],
                "schedule" => &["due", "first_due", "match", "items_field", "required_items"],
                "quota" => &["limit", "period"],
                "threshold" => &["quantity", "threshold", "declared_field"],
                other => {
                    return Err(self.err(
                        rr.ty.span().start,
                        format!("`rule.type`: `{other}` is not one of `limit`, `prohibited`, `geometry`, `schedule`, `quota`, `threshold`"),
                    ));
                }
            };
            let present: [(&str, Option<usize>); 18] = [
                ("quantity", rr.quantity.as_ref().map(|x| x.span().start)),
                ("op", rr.op.as_ref().map(|x| x.span().start)),
                ("limit", rr.limit.as_ref().map(|x| x.span().start)),
                ("limit_unit", rr.limit_unit.as_ref().map(|x| x.span().start)),
                ("threshold", rr.threshold.as_ref().map(|x| x.span().start)),
                (
                    "declared_field",
                    rr.declared_field.as_ref().map(|x| x.span().start),
                ),
                ("measure", rr.measure.as_ref().map(|x| x.span().start)),
                ("lat_field", rr.lat_field.as_ref().map(|x| x.span().start)),
                ("lon_field", rr.lon_field.as_ref().map(|x| x.span().start)),
                (
                    "centre_lat_field",
                    rr.centre_lat_field.as_ref().map(|x| x.span().start),
                ),
                (
                    "centre_lon_field",
                    rr.centre_lon_field.as_ref().map(|x| x.span().start),
                ),
                ("centre", rr.centre.as_ref().map(|x| x.span().start)),
                (
                    "polygon_field",
                    rr.polygon_field.as_ref().map(|x| x.span().start),
                ),
                ("due", rr.due.as_ref().map(|x| x.span().start)),
                ("first_due", rr.first_due.as_ref().map(|x| x.span().start)),
                ("match", rr.match_.as_ref().map(|x| x.span().start)),
                (
                    "items_field",
                    rr.items_field.as_ref().map(|x| x.span().start),
                ),
                ("period", rr.period.as_ref().map(|x| x.span().start)),
            ];
            for (key, at) in present {
                if let Some(at) = at
                    && !used.contains(&key)
                {
                    return Err(self.err(
                        at,
                        format!("`rule.{key}` is not used by rules of type `{ty}` (rule `{rid}`)"),
                    ));
                }
            }
            if !rr.required_items.is_empty() && ty != "schedule" {
                return Err(self.err(
                    r.span().start,
                    format!(
                        "`rule.required_items` is not used by rules of type `{ty}` (rule `{rid}`)"
                    ),
                ));
            }

            let body = match ty {
                "limit" => {
                    let qs = req(&rr.quantity, "quantity")?;
                    let (expr, unit) = quantity_of(&qs)?;
                    let op = match rr.op.as_ref().map(|o| o.get_ref().as_str()) {
                        Some("<=") | None => Comparison::AtMost,
                        Some(">=") => Comparison::AtLeast,
                        Some(other) => {
                            let off = rr.op.as_ref().map(|o| o.span().start).unwrap_or(0);
                            return Err(
                                self.err(off, format!("`rule.op`: `{other}` is not `<=` or `>=`"))
                            );
                        }
                    };
                    let stated_limit = req_f(&rr.limit, "limit")?;
                    let (limit, stated) = match &rr.limit_unit {
                        Some(lu) if lu.get_ref() != &unit => {
                            let f = conversion(&conversions, lu.get_ref(), &unit).ok_or_else(|| {
                                self.err(lu.span().start, format!("`rule.limit_unit`: no `[[unit_conversion]]` between `{}` and `{unit}`", lu.get_ref()))
                            })?;
                            (
                                round_converted(stated_limit * f),
                                Some((stated_limit, lu.get_ref().clone())),
                            )
                        }
                        _ => (stated_limit, None),
                    };
                    RuleBody::Limit {
                        expr,
                        quantity: qs.get_ref().clone(),
                        op,
                        limit,
                        unit,
                        stated,
                    }
                }
                "prohibited" => {
                    if filter.is_empty() {
                        return Err(self.err(r.span().start, format!("rule `{rid}` of type `prohibited` needs `where` conditions defining the category")));
                    }
                    match &rr.quantity {
                        Some(qs) => {
                            let (expr, unit) = quantity_of(qs)?;
                            RuleBody::Prohibited {
                                count: Some(expr),
                                unit,
                            }
                        }
                        None => RuleBody::Prohibited {
                            count: None,
                            unit: "items".into(),
                        },
                    }
                }
                "geometry" => {
                    let ms = req(&rr.measure, "measure")?;
                    let limit = req_f(&rr.limit, "limit")?;
                    let (measure, unit) = match ms.get_ref().as_str() {
                        "distance_from_centre" => {
                            let lat = field_of(
                                &req(&rr.lat_field, "lat_field")?,
                                "lat_field",
                                Some(FieldType::Number),
                            )?;
                            let lon = field_of(
                                &req(&rr.lon_field, "lon_field")?,
                                "lon_field",
                                Some(FieldType::Number),
                            )?;
                            let centre = match (
                                &rr.centre,
                                &rr.centre_lat_field,
                                &rr.centre_lon_field,
                            ) {
                                (Some(c), None, None) => {
                                    let v = c.get_ref();
                                    if v.len() != 2 || v[0].abs() > 90.0 || v[1].abs() > 180.0 {
                                        return Err(self.err(
                                            c.span().start,
                                            "`rule.centre`: expected [lat, lon] in degrees",
                                        ));
                                    }
                                    Centre::Fixed {
                                        lat: v[0],
                                        lon: v[1],
                                    }
                                }
                                (None, Some(a), Some(b)) => Centre::Fields {
                                    lat: field_of(a, "centre_lat_field", Some(FieldType::Number))?,
                                    lon: field_of(b, "centre_lon_field", Some(FieldType::Number))?,
                                },
                                _ => {
                                    return Err(self.err(r.span().start, format!("rule `{rid}`: give either `centre = [lat, lon]` or both `centre_lat_field` and `centre_lon_field`")));
                                }
                            };
                            (Measure::DistanceFromCentre { lat, lon, centre }, "km")
                        }
                        "polygon_area" => (
                            Measure::PolygonArea {
                                polygon: field_of(
                                    &req(&rr.polygon_field, "polygon_field")?,
                                    "polygon_field",
                                    Some(FieldType::Polygon),
                                )?,
                            },
                            "km2",
                        ),
                        "polygon_max_extent" => (
                            Measure::PolygonMaxExtent {
                                polygon: field_of(
                                    &req(&rr.polygon_field, "polygon_field")?,
                                    "polygon_field",
                                    Some(FieldType::Polygon),
                                )?,
                            },
                            "km",
                        ),
                        other => {
                            return Err(self.err(ms.span().start, format!("`rule.measure`: `{other}` is not one of `distance_from_centre`, `polygon_area`, `polygon_max_extent`")));
                        }
                    };
                    RuleBody::Geometry {
                        measure,
                        limit,
                        unit: unit.into(),
                    }
                }
                "schedule" => {
                    let due_s = rr.due.as_ref().ok_or_else(|| {
                        self.err(
                            r.span().start,
                            format!("rule `{rid}` of type `schedule` needs `due`"),
                        )
                    })?;
                    let mut due = Vec::new();
                    for d in due_s.get_ref() {
                        let parsed = parse_month_day(d).ok_or_else(|| {
                            self.err(
                                due_s.span().start,
                                format!("`rule.due`: `{d}` is not a month-day MM-DD"),
                            )
                        })?;
                        due.push(parsed);
                    }
                    if due.is_empty() {
                        return Err(self.err(
                            due_s.span().start,
                            "`rule.due`: at least one MM-DD is needed",
                        ));
                    }
                    due.sort();
                    due.dedup();
                    let first_due = match &rr.first_due {
                        Some(v) => self.date(v, "rule.first_due")?,
                        None => entry_into_force.ok_or_else(|| self.err(r.span().start, format!("rule `{rid}`: `first_due` is needed when the treaty has no entry_into_force")))?,
                    };
                    let mode = match rr.match_.as_ref().map(|m| m.get_ref().as_str()) {
                        None | Some("window") => ScheduleMatch::Window,
                        Some("as_of") => ScheduleMatch::AsOf,
                        Some(other) => {
                            let off = rr.match_.as_ref().map(|m| m.span().start).unwrap_or(0);
                            return Err(self.err(
                                off,
                                format!("`rule.match`: `{other}` is not `as_of` or `window`"),
                            ));
                        }
                    };
                    let items_field = rr
                        .items_field
                        .as_ref()
                        .map(|f| field_of(f, "items_field", Some(FieldType::Text)))
                        .transpose()?;
                    if items_field.is_some() == rr.required_items.is_empty() {
                        return Err(self.err(
                            r.span().start,
                            format!("rule `{rid}`: `items_field` and `required_items` go together"),
                        ));
                    }
                    RuleBody::Schedule {
                        due,
                        first_due,
                        mode,
                        items_field,
                        required_items: rr.required_items.clone(),
                    }
                }
                "quota" => {
                    let limit = req_f(&rr.limit, "limit")?;
                    let period = match rr.period.as_ref().map(|m| m.get_ref().as_str()) {
                        None | Some("treaty_year") => QuotaPeriod::TreatyYear,
                        Some("calendar_year") => QuotaPeriod::CalendarYear,
                        Some(other) => {
                            let off = rr.period.as_ref().map(|m| m.span().start).unwrap_or(0);
                            return Err(self.err(off, format!("`rule.period`: `{other}` is not `treaty_year` or `calendar_year`")));
                        }
                    };
                    if period == QuotaPeriod::TreatyYear && entry_into_force.is_none() {
                        return Err(self.err(r.span().start, format!("rule `{rid}`: a `treaty_year` quota needs the treaty's entry_into_force")));
                    }
                    RuleBody::Quota { period, limit }
                }
                "threshold" => {
                    let qs = req(&rr.quantity, "quantity")?;
                    let (expr, unit) = quantity_of(&qs)?;
                    let threshold = req_f(&rr.threshold, "threshold")?;
                    let declared_field = field_of(
                        &req(&rr.declared_field, "declared_field")?,
                        "declared_field",
                        Some(FieldType::Text),
                    )?;
                    RuleBody::Threshold {
                        expr,
                        quantity: qs.get_ref().clone(),
                        threshold,
                        unit,
                        declared_field,
                    }
                }
                _ => unreachable!("rule type was matched against the same list above"),
            };

            let mut applies = Applicability {
                parties: Vec::new(),
                roles: rr.roles.clone(),
            };
            if let Some(ps) = &rr.parties {
                for p in ps.get_ref() {
                    let i = parties.iter().position(|x| &x.id == p).ok_or_else(|| {
                        self.err(
                            ps.span().start,
                            format!("`rule.parties`: unknown party `{p}`"),
                        )
                    })?;
                    applies.parties.push(i);
                }
            }
            rules.push(Rule {
                id: rid.clone(),
                article: rr.article.get_ref().clone(),
                description: rr.description.clone(),
                kind,
                applies,
                binding_from: self.opt_date(&rr.binding_from, "rule.binding_from")?,
                effective_from: self.opt_date(&rr.effective_from, "rule.effective_from")?,
                until: self.opt_date(&rr.until, "rule.until")?,
                enabled: rr.enabled.unwrap_or(true),
                filter,
                body,
            });
        }

        Ok(Treaty {
            id,
            name: t.name.clone(),
            short_name: t.short_name.clone().unwrap_or_else(|| t.name.clone()),
            source: t.source.clone(),
            notes: t.notes.clone(),
            signed,
            entry_into_force,
            expiry,
            default_kind,
            parties,
            events,
            kinds,
            derived,
            tables,
            rules,
            table_index,
        })
    }
}

fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        return Err(format!(
            "`{name}` must start with a letter and use only letters, digits and `_`"
        ));
    }
    if matches!(name, "party" | "as_of" | "kind" | "item" | "reference") {
        return Err(format!("`{name}` is a reserved column name"));
    }
    Ok(())
}

fn parse_month_day(s: &str) -> Option<(u8, u8)> {
    let (m, d) = s.trim().split_once('-')?;
    let m: u8 = m.parse().ok()?;
    let d: u8 = d.parse().ok()?;
    // Reject days that do not exist in every year (29 Feb) so every year has the due date.
    let month = time::Month::try_from(m).ok()?;
    Date::from_calendar_date(2001, month, d).ok()?;
    Some((m, d))
}

/// Factor converting a value in `from` to `to`, through a direct or inverse conversion.
fn conversion(conv: &[(String, String, f64)], from: &str, to: &str) -> Option<f64> {
    for (a, b, f) in conv {
        if a == from && b == to {
            return Some(*f);
        }
        if a == to && b == from {
            return Some(1.0 / f);
        }
    }
    None
}

/// Converted limits are rounded to 9 decimal places so that a conversion such as
/// 300 kg UF6 × 0.676 gives exactly the 202.8 kg U the parties use, not 202.79999999999998
/// (which would turn a declared 202.8 into a violation).
fn round_converted(x: f64) -> f64 {
    (x * 1e9).round() / 1e9
}

fn byte_offset_of_char(s: &str, char_offset: usize) -> usize {
    s.char_indices()
        .nth(char_offset)
        .map(|(i, _)| i)
        .unwrap_or(s.len())
}
