//! The accountancy data model: material balance areas, key measurement points, measurement
//! methods, batches, and the three declaration payloads (inventory change report, physical
//! inventory listing, material balance report) that facilities sign and append to the log.
//!
//! Vocabulary follows INFCIRC/153 (Corr.) paras 56–58, 98–116 and the IAEA Safeguards Glossary
//! (2022 edition), chapter 6 ("Nuclear material accountancy"):
//! * a **material balance area** (MBA) is an area where the quantity of nuclear material in each
//!   transfer into or out of it, and the physical inventory in it, can be determined;
//! * a **key measurement point** (KMP) is a location where material appears in a form in which it
//!   can be measured: *flow* KMPs for inventory changes, *inventory* KMPs for the physical inventory;
//! * a **batch** is a portion of nuclear material handled as a unit, with element mass and, for
//!   uranium, the U-235 (enrichment) or U-233 content;
//! * an **inventory change report** (ICR) lists inventory changes (receipts, shipments, nuclear
//!   production and loss, discards, ...) with their IAEA code;
//! * a **physical inventory listing** (PIL) lists every batch present at a physical inventory
//!   taking (PIT);
//! * a **material balance report** (MBR) states beginning inventory, increases, decreases, book
//!   and physical ending inventories and MUF for a balance period.
//!
//! Measurement uncertainty follows the model of Jaech (1973) §3 and Avenhaus & Canty (1996) §3.2:
//! a measured value is x = μ(1 + ε_r + ε_s), with ε_r the random error (independent for every
//! measurement) and ε_s the systematic error of the measurement method (shared by all measurements
//! with that method; see [`SystematicModel`] for its extent in time). Both are stated as relative
//! standard deviations in percent, as in the IAEA International Target Values 2010 (STR-368).
//!
//! All payloads are JSON with `deny_unknown_fields`; dates are `YYYY-MM-DD`; masses are kilograms.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::error::{Result, SafeguardsError};

/// Treaty id of the safeguards accountancy declarations in the log envelope.
pub const TREATY_SAFEGUARDS: &str = "npt-safeguards";
/// Envelope `kind` of an [`InventoryChangeReport`] payload.
pub const KIND_INVENTORY_CHANGE_REPORT: &str = "inventory-change-report";
/// Envelope `kind` of a [`PhysicalInventoryListing`] payload.
pub const KIND_PHYSICAL_INVENTORY_LISTING: &str = "physical-inventory-listing";
/// Envelope `kind` of a [`MaterialBalanceReport`] payload.
pub const KIND_MATERIAL_BALANCE_REPORT: &str = "material-balance-report";

/// `YYYY-MM-DD` dates in JSON.
pub(crate) mod date_format {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _, ser::Error as _};
    use time::Date;
    use time::format_description::BorrowedFormatItem;
    use time::macros::format_description;

    pub(crate) const FORMAT: &[BorrowedFormatItem<'static>] =
        format_description!("[year]-[month]-[day]");

    pub fn serialize<S: Serializer>(date: &Date, s: S) -> std::result::Result<S::Ok, S::Error> {
        let text = date.format(FORMAT).map_err(S::Error::custom)?;
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Date, D::Error> {
        let text = String::deserialize(d)?;
        Date::parse(&text, FORMAT).map_err(|e| {
            D::Error::custom(format!("invalid date {text:?} (expected YYYY-MM-DD): {e}"))
        })
    }
}

/// Parse a `YYYY-MM-DD` date (for callers such as the CLI).
pub fn parse_date(text: &str) -> Result<Date> {
    Date::parse(text, date_format::FORMAT).map_err(|e| {
        SafeguardsError::parameter("date", format!("{text:?} is not a YYYY-MM-DD date: {e}"))
    })
}

/// Format a date as `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    // The format has only numeric components, which always format for any valid Date.
    date.format(date_format::FORMAT)
        .unwrap_or_else(|_| date.to_string())
}

/// Nuclear material element of a batch (INFCIRC/153 para 112: source and special fissionable
/// material are accounted by element, uranium additionally by isotope).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Element {
    /// Uranium (any enrichment).
    U,
    /// Plutonium.
    Pu,
    /// Thorium.
    Th,
}

/// The quantity a material balance is drawn up for: an element mass or a fissile isotope mass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum BalanceQuantity {
    /// Uranium element mass.
    #[serde(rename = "U")]
    Uranium,
    /// U-235 isotope mass (enriched uranium is accounted in U-235 as well as U element).
    #[serde(rename = "U-235")]
    Uranium235,
    /// U-233 isotope mass.
    #[serde(rename = "U-233")]
    Uranium233,
    /// Plutonium element mass.
    #[serde(rename = "Pu")]
    Plutonium,
    /// Thorium element mass.
    #[serde(rename = "Th")]
    Thorium,
}

impl BalanceQuantity {
    /// All quantities, in report order.
    pub const ALL: [BalanceQuantity; 5] = [
        BalanceQuantity::Uranium,
        BalanceQuantity::Uranium235,
        BalanceQuantity::Uranium233,
        BalanceQuantity::Plutonium,
        BalanceQuantity::Thorium,
    ];

    /// The label used in JSON and reports.
    pub fn label(self) -> &'static str {
        match self {
            BalanceQuantity::Uranium => "U",
            BalanceQuantity::Uranium235 => "U-235",
            BalanceQuantity::Uranium233 => "U-233",
            BalanceQuantity::Plutonium => "Pu",
            BalanceQuantity::Thorium => "Th",
        }
    }

    /// Parse a label (`U`, `U-235`, `U-233`, `Pu`, `Th`).
    pub fn from_label(text: &str) -> Result<Self> {
        BalanceQuantity::ALL
            .into_iter()
            .find(|q| q.label().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                SafeguardsError::parameter(
                    "quantity",
                    format!("{text:?} is not one of U, U-235, U-233, Pu, Th"),
                )
            })
    }

    /// Whether the isotope content (and so an isotopic measurement) is involved.
    pub fn is_isotope(self) -> bool {
        matches!(
            self,
            BalanceQuantity::Uranium235 | BalanceQuantity::Uranium233
        )
    }
}

/// Kind of key measurement point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KmpKind {
    /// Flow KMP: where inventory changes (receipts, shipments, discards, ...) are measured.
    Flow,
    /// Inventory KMP: where the physical inventory is measured.
    Inventory,
}

impl KmpKind {
    /// "flow" or "inventory".
    pub fn name(self) -> &'static str {
        match self {
            KmpKind::Flow => "flow",
            KmpKind::Inventory => "inventory",
        }
    }
}

/// A key measurement point of a material balance area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyMeasurementPoint {
    /// KMP code as in the facility attachment (e.g. "A", "1").
    pub code: String,
    /// Flow or inventory KMP.
    pub kind: KmpKind,
    /// What is measured there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A material balance area and its key measurement points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialBalanceArea {
    /// MBA code (four characters in IAEA practice, e.g. "XAAB"; any non-empty code is accepted).
    pub code: String,
    /// Facility name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility: Option<String>,
    /// State (ISO 3166 alpha-3 or the treaty's party code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Its key measurement points.
    pub kmps: Vec<KeyMeasurementPoint>,
}

/// A measurement method with its relative standard deviations (percent of the measured value).
///
/// For an element mass the method combines bulk (weight/volume), sampling and analysis; for an
/// isotope it is the isotopic (enrichment) measurement. Realistic values are the International
/// Target Values 2010 (IAEA STR-368) for the method class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasurementMethod {
    /// Identifier referenced by batches.
    pub id: String,
    /// Human description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Random-error relative standard deviation, percent (independent for every measurement).
    pub random_rsd_pct: f64,
    /// Systematic-error relative standard deviation, percent (common to measurements by this
    /// method; see [`SystematicModel`]).
    pub systematic_rsd_pct: f64,
    /// Where the figures come from (e.g. "ITV 2010 (STR-368) Table ...").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// One batch as measured: element mass and, for uranium, isotope content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    /// Batch identifier (unique within one listing).
    pub batch: String,
    /// KMP code where it was measured.
    pub kmp: String,
    /// Element.
    pub element: Element,
    /// Element mass, kg.
    pub element_kg: f64,
    /// Method id of the element-mass measurement.
    pub method: String,
    /// U-235 weight percent of the uranium (uranium batches only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrichment_pct: Option<f64>,
    /// U-233 weight percent of the uranium (uranium batches only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub u233_pct: Option<f64>,
    /// Method id of the isotopic measurement; required when an isotope content is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isotope_method: Option<String>,
    /// Physical/chemical form (free text, e.g. "UF6", "UO2 pellets").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<String>,
}

impl Batch {
    /// The measured amount of `quantity` in this batch, kg (0 if the batch does not contain it).
    pub fn amount_kg(&self, quantity: BalanceQuantity) -> f64 {
        match (quantity, self.element) {
            (BalanceQuantity::Uranium, Element::U) => self.element_kg,
            (BalanceQuantity::Uranium235, Element::U) => {
                self.element_kg * self.enrichment_pct.unwrap_or(0.0) / 100.0
            }
            (BalanceQuantity::Uranium233, Element::U) => {
                self.element_kg * self.u233_pct.unwrap_or(0.0) / 100.0
            }
            (BalanceQuantity::Plutonium, Element::Pu) => self.element_kg,
            (BalanceQuantity::Thorium, Element::Th) => self.element_kg,
            _ => 0.0,
        }
    }

    /// Check the batch's own fields; `at` yields the JSON path used in error messages (only
    /// called on error, so validating a million batches allocates nothing).
    pub fn validate(&self, at: impl Fn() -> String) -> Result<()> {
        match self.check() {
            Ok(()) => Ok(()),
            Err((field, message)) => {
                let location = if field.is_empty() {
                    format!("{} (batch {:?})", at(), self.batch)
                } else {
                    format!("{} (batch {:?}).{field}", at(), self.batch)
                };
                Err(SafeguardsError::invalid(location, message))
            }
        }
    }

    /// The first problem as (field, message).
    fn check(&self) -> std::result::Result<(), (&'static str, String)> {
        if self.batch.trim().is_empty() {
            return Err(("batch", "empty batch identifier".into()));
        }
        if self.kmp.trim().is_empty() {
            return Err(("kmp", "empty KMP code".into()));
        }
        if self.method.trim().is_empty() {
            return Err(("method", "empty method id".into()));
        }
        if !(self.element_kg.is_finite() && self.element_kg >= 0.0) {
            return Err((
                "element_kg",
                format!("{} is not a finite, non-negative mass", self.element_kg),
            ));
        }
        let mut isotope_sum = 0.0;
        for (name, value) in [
            ("enrichment_pct", self.enrichment_pct),
            ("u233_pct", self.u233_pct),
        ] {
            let Some(v) = value else { continue };
            if self.element != Element::U {
                return Err((
                    name,
                    format!(
                        "only uranium batches carry {name}, this batch is {:?}",
                        self.element
                    ),
                ));
            }
            if !(v.is_finite() && (0.0..=100.0).contains(&v)) {
                return Err((name, format!("{v} is outside 0..=100 percent")));
            }
            isotope_sum += v;
            if self.isotope_method.is_none() {
                return Err((
                    "isotope_method",
                    format!("{name} is given but no isotope_method says how it was measured"),
                ));
            }
        }
        if isotope_sum > 100.0 {
            return Err((
                "",
                format!("enrichment_pct + u233_pct = {isotope_sum} exceeds 100 percent"),
            ));
        }
        if self.isotope_method.is_some() && self.enrichment_pct.is_none() && self.u233_pct.is_none()
        {
            return Err((
                "isotope_method",
                "isotope_method given without enrichment_pct or u233_pct".into(),
            ));
        }
        Ok(())
    }
}

/// Whether an inventory change increases or decreases the book inventory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Receipts, production, gains: enter the balance with +.
    Increase,
    /// Shipments, losses, discards: enter the balance with −.
    Decrease,
}

/// Inventory change codes (IAEA "Code 10" accounting reports; INFCIRC/153 paras 98–100 and
/// Safeguards Glossary 2022 §6.x). The subset that changes a material balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ChangeCode {
    /// Domestic receipt.
    RD,
    /// Import (foreign receipt).
    RF,
    /// Nuclear production (e.g. Pu bred in a reactor).
    NP,
    /// Accidental gain.
    GA,
    /// De-exemption (material returned to safeguards).
    DE,
    /// Domestic shipment.
    SD,
    /// Export (foreign shipment).
    SF,
    /// Nuclear loss (burn-up, decay).
    LN,
    /// Measured discard.
    LD,
    /// Transfer to retained waste.
    TW,
    /// Accidental loss.
    LA,
    /// Exemption (use).
    EU,
}

impl ChangeCode {
    /// The sign with which the change enters the balance.
    pub fn direction(self) -> Direction {
        match self {
            ChangeCode::RD | ChangeCode::RF | ChangeCode::NP | ChangeCode::GA | ChangeCode::DE => {
                Direction::Increase
            }
            _ => Direction::Decrease,
        }
    }

    /// Whether the change is a receipt (and so may carry the shipper's measurement).
    pub fn is_receipt(self) -> bool {
        matches!(self, ChangeCode::RD | ChangeCode::RF)
    }
}

/// One line of an inventory change report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventoryChange {
    /// Date of the change.
    #[serde(with = "date_format")]
    pub date: Date,
    /// IAEA inventory change code.
    pub code: ChangeCode,
    /// The batch as measured by this MBA.
    pub batch: Batch,
    /// The other MBA of a transfer (shipper for receipts, receiver for shipments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterpart_mba: Option<String>,
    /// For receipts: the batch as measured and stated by the shipper, for the shipper/receiver
    /// difference (Safeguards Glossary 2022: "shipper/receiver difference").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipper_measurement: Option<Batch>,
}

/// Inventory change report: payload of kind `inventory-change-report`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InventoryChangeReport {
    /// The reporting MBA.
    pub mba: String,
    /// Report sequence number of the facility.
    pub report_no: u64,
    /// The changes.
    pub changes: Vec<InventoryChange>,
}

impl InventoryChangeReport {
    /// Check the report's own content; `at` prefixes error locations.
    pub fn validate(&self, at: &str) -> Result<()> {
        if self.mba.trim().is_empty() {
            return Err(SafeguardsError::invalid(
                format!("{at}.mba"),
                "empty MBA code",
            ));
        }
        for (j, change) in self.changes.iter().enumerate() {
            change
                .batch
                .validate(|| format!("{at}.changes[{j}].batch"))?;
            if let Some(shipper) = &change.shipper_measurement {
                let here = format!("{at}.changes[{j}]");
                if !change.code.is_receipt() {
                    return Err(SafeguardsError::invalid(
                        format!("{here}.shipper_measurement"),
                        format!(
                            "only receipts (RD, RF) carry a shipper measurement, this change is {:?}",
                            change.code
                        ),
                    ));
                }
                shipper.validate(|| format!("{here}.shipper_measurement"))?;
                if shipper.element != change.batch.element {
                    return Err(SafeguardsError::invalid(
                        format!("{here}.shipper_measurement.element"),
                        format!(
                            "shipper states {:?} but the receiver measured {:?}",
                            shipper.element, change.batch.element
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Physical inventory listing: payload of kind `physical-inventory-listing`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhysicalInventoryListing {
    /// The MBA.
    pub mba: String,
    /// Date of the physical inventory taking (the inventory is taken at the end of that day).
    #[serde(with = "date_format")]
    pub date: Date,
    /// Every batch present.
    pub batches: Vec<Batch>,
}

impl PhysicalInventoryListing {
    /// Check the listing's own content; `at` prefixes error locations.
    pub fn validate(&self, at: &str) -> Result<()> {
        if self.mba.trim().is_empty() {
            return Err(SafeguardsError::invalid(
                format!("{at}.mba"),
                "empty MBA code",
            ));
        }
        let mut seen = std::collections::HashMap::with_capacity(self.batches.len());
        for (j, batch) in self.batches.iter().enumerate() {
            batch.validate(|| format!("{at}.batches[{j}]"))?;
            if let Some(first) = seen.insert(batch.batch.as_str(), j) {
                return Err(SafeguardsError::invalid(
                    format!("{at}.batches[{j}].batch"),
                    format!(
                        "batch {:?} is listed twice (also at batches[{first}])",
                        batch.batch
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// One quantity line of a material balance report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialBalanceLine {
    /// The quantity balanced.
    pub quantity: BalanceQuantity,
    /// Physical beginning inventory, kg.
    pub beginning_inventory_kg: f64,
    /// Sum of increases, kg.
    pub increases_kg: f64,
    /// Sum of decreases, kg.
    pub decreases_kg: f64,
    /// Book ending inventory = beginning + increases − decreases, kg.
    pub ending_book_inventory_kg: f64,
    /// Physical ending inventory, kg.
    pub physical_ending_inventory_kg: f64,
    /// Material unaccounted for = book − physical ending inventory, kg.
    pub muf_kg: f64,
}

/// Material balance report: payload of kind `material-balance-report`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialBalanceReport {
    /// The MBA.
    pub mba: String,
    /// Date of the physical inventory that begins the period.
    #[serde(with = "date_format")]
    pub period_start: Date,
    /// Date of the physical inventory that ends the period.
    #[serde(with = "date_format")]
    pub period_end: Date,
    /// One line per quantity.
    pub lines: Vec<MaterialBalanceLine>,
}

impl MaterialBalanceReport {
    /// Check internal consistency: finite numbers, dates in order, the balance equation holds
    /// on each line within `1e-9` relative.
    pub fn validate(&self, at: &str) -> Result<()> {
        if self.mba.trim().is_empty() {
            return Err(SafeguardsError::invalid(
                format!("{at}.mba"),
                "empty MBA code",
            ));
        }
        if self.period_end <= self.period_start {
            return Err(SafeguardsError::invalid(
                format!("{at}.period_end"),
                format!(
                    "{} is not after period_start {}",
                    format_date(self.period_end),
                    format_date(self.period_start)
                ),
            ));
        }
        for (j, l) in self.lines.iter().enumerate() {
            let here = format!("{at}.lines[{j}] ({})", l.quantity.label());
            for (name, v) in [
                ("beginning_inventory_kg", l.beginning_inventory_kg),
                ("increases_kg", l.increases_kg),
                ("decreases_kg", l.decreases_kg),
                ("ending_book_inventory_kg", l.ending_book_inventory_kg),
                (
                    "physical_ending_inventory_kg",
                    l.physical_ending_inventory_kg,
                ),
                ("muf_kg", l.muf_kg),
            ] {
                if !v.is_finite() {
                    return Err(SafeguardsError::invalid(
                        format!("{here}.{name}"),
                        "not a finite number",
                    ));
                }
            }
            let scale =
                l.beginning_inventory_kg.abs() + l.increases_kg.abs() + l.decreases_kg.abs() + 1.0;
            let book = l.beginning_inventory_kg + l.increases_kg - l.decreases_kg;
            if (book - l.ending_book_inventory_kg).abs() > 1e-9 * scale {
                return Err(SafeguardsError::invalid(
                    format!("{here}.ending_book_inventory_kg"),
                    format!(
                        "{} ≠ beginning + increases − decreases = {book}",
                        l.ending_book_inventory_kg
                    ),
                ));
            }
            let muf = l.ending_book_inventory_kg - l.physical_ending_inventory_kg;
            if (muf - l.muf_kg).abs() > 1e-9 * (scale + l.physical_ending_inventory_kg.abs()) {
                return Err(SafeguardsError::invalid(
                    format!("{here}.muf_kg"),
                    format!("{} ≠ book − physical ending inventory = {muf}", l.muf_kg),
                ));
            }
        }
        Ok(())
    }
}

/// How long a method's systematic error stays the same (an assumption the analyst states).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SystematicModel {
    /// One systematic error per method for the whole sequence of balance periods (the method is
    /// calibrated once for the campaign). Within a period the beginning and ending inventories
    /// measured by the same method share the error and, entering with opposite signs, cancel
    /// to the extent that they are equal; across periods the MUFs are correlated through it
    /// (Avenhaus & Canty 1996, §3.2 and §4.1). The default.
    #[default]
    Persistent,
    /// Methods are recalibrated at every physical inventory taking: the systematic error of a
    /// measurement belongs to the calibration period in which it was made. Flows of period k and
    /// its ending inventory share period k's error; its beginning inventory (measured at the
    /// previous PIT) carries period k−1's error, so BI and EI do not cancel.
    PerPeriod,
}

/// Everything needed to close the balances of one MBA over a sequence of balance periods.
///
/// The balance periods are the intervals between consecutive physical inventory listings; every
/// inventory change is dated and falls in exactly one of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountancyBundle {
    /// The MBA and its KMPs.
    pub mba: MaterialBalanceArea,
    /// Measurement methods referenced by batches.
    pub methods: Vec<MeasurementMethod>,
    /// At least two listings, in strictly increasing date order.
    pub physical_inventory_listings: Vec<PhysicalInventoryListing>,
    /// Inventory change reports (any order; changes are placed by date).
    #[serde(default)]
    pub inventory_change_reports: Vec<InventoryChangeReport>,
    /// Extent of systematic errors in time (default `persistent`).
    #[serde(default)]
    pub systematic_errors: SystematicModel,
}

impl AccountancyBundle {
    /// Highest U-235 enrichment (weight percent) of any uranium batch, if any carries one.
    pub fn max_enrichment_pct(&self) -> Option<f64> {
        self.physical_inventory_listings
            .iter()
            .flat_map(|p| p.batches.iter())
            .chain(
                self.inventory_change_reports
                    .iter()
                    .flat_map(|r| r.changes.iter().map(|c| &c.batch)),
            )
            .filter_map(|b| b.enrichment_pct)
            .fold(None, |m: Option<f64>, e| Some(m.map_or(e, |m| m.max(e))))
    }
}

/// Parse and fully validate an accountancy bundle (JSON bytes).
pub fn parse_bundle(bytes: &[u8]) -> Result<AccountancyBundle> {
    let bundle: AccountancyBundle = serde_json::from_slice(bytes)
        .map_err(|e| SafeguardsError::json("accountancy bundle", &e))?;
    bundle.validate()?;
    Ok(bundle)
}

impl AccountancyBundle {
    /// Validate cross references (MBA codes, KMPs and their kinds, method ids), value ranges and
    /// date order. The balance computation relies on a validated bundle.
    pub fn validate(&self) -> Result<()> {
        if self.mba.code.trim().is_empty() {
            return Err(SafeguardsError::invalid("mba.code", "empty MBA code"));
        }
        let mut kmps = std::collections::HashMap::new();
        for (i, k) in self.mba.kmps.iter().enumerate() {
            if k.code.trim().is_empty() {
                return Err(SafeguardsError::invalid(
                    format!("mba.kmps[{i}].code"),
                    "empty KMP code",
                ));
            }
            if kmps.insert(k.code.as_str(), k.kind).is_some() {
                return Err(SafeguardsError::invalid(
                    format!("mba.kmps[{i}].code"),
                    format!("KMP {:?} defined twice", k.code),
                ));
            }
        }
        let mut methods = std::collections::HashSet::new();
        for (i, m) in self.methods.iter().enumerate() {
            let at = format!("methods[{i}] ({:?})", m.id);
            if m.id.trim().is_empty() {
                return Err(SafeguardsError::invalid(
                    format!("methods[{i}].id"),
                    "empty method id",
                ));
            }
            if !methods.insert(m.id.as_str()) {
                return Err(SafeguardsError::invalid(
                    format!("{at}.id"),
                    "method defined twice",
                ));
            }
            for (name, v) in [
                ("random_rsd_pct", m.random_rsd_pct),
                ("systematic_rsd_pct", m.systematic_rsd_pct),
            ] {
                // 100 % is far beyond any accountancy method; above it the linear propagation
                // (first-order in the relative errors) is meaningless.
                if !(v.is_finite() && (0.0..=100.0).contains(&v)) {
                    return Err(SafeguardsError::invalid(
                        format!("{at}.{name}"),
                        format!("{v} is outside 0..=100 percent"),
                    ));
                }
            }
        }
        if self.physical_inventory_listings.len() < 2 {
            return Err(SafeguardsError::invalid(
                "physical_inventory_listings",
                format!(
                    "{} listing(s): a balance period needs a beginning and an ending physical inventory",
                    self.physical_inventory_listings.len()
                ),
            ));
        }
        let check_batch = |batch: &Batch, at: &dyn Fn() -> String, want: KmpKind| -> Result<()> {
            let at = || format!("{} (batch {:?})", at(), batch.batch);
            match kmps.get(batch.kmp.as_str()) {
                None => {
                    return Err(SafeguardsError::invalid(
                        format!("{}.kmp", at()),
                        format!(
                            "KMP {:?} is not a KMP of MBA {:?}",
                            batch.kmp, self.mba.code
                        ),
                    ));
                }
                Some(kind) if *kind != want => {
                    return Err(SafeguardsError::invalid(
                        format!("{}.kmp", at()),
                        format!(
                            "KMP {:?} is a {} KMP, expected a KMP of kind {} here",
                            batch.kmp,
                            kind.name(),
                            want.name()
                        ),
                    ));
                }
                Some(_) => {}
            }
            for (name, id) in [
                ("method", Some(&batch.method)),
                ("isotope_method", batch.isotope_method.as_ref()),
            ] {
                if let Some(id) = id
                    && !methods.contains(id.as_str())
                {
                    return Err(SafeguardsError::invalid(
                        format!("{}.{name}", at()),
                        format!("unknown measurement method {id:?}"),
                    ));
                }
            }
            Ok(())
        };
        let mut previous: Option<Date> = None;
        for (i, pil) in self.physical_inventory_listings.iter().enumerate() {
            let at = format!("physical_inventory_listings[{i}]");
            pil.validate(&at)?;
            if pil.mba != self.mba.code {
                return Err(SafeguardsError::invalid(
                    format!("{at}.mba"),
                    format!(
                        "listing is for MBA {:?}, the bundle is for {:?}",
                        pil.mba, self.mba.code
                    ),
                ));
            }
            if let Some(prev) = previous
                && pil.date <= prev
            {
                return Err(SafeguardsError::invalid(
                    format!("{at}.date"),
                    format!(
                        "{} is not after the previous listing's date {}",
                        format_date(pil.date),
                        format_date(prev)
                    ),
                ));
            }
            previous = Some(pil.date);
            for (j, b) in pil.batches.iter().enumerate() {
                check_batch(b, &|| format!("{at}.batches[{j}]"), KmpKind::Inventory)?;
            }
        }
        let first = self.physical_inventory_listings[0].date;
        let last =
            self.physical_inventory_listings[self.physical_inventory_listings.len() - 1].date;
        for (i, icr) in self.inventory_change_reports.iter().enumerate() {
            let at = format!("inventory_change_reports[{i}]");
            icr.validate(&at)?;
            if icr.mba != self.mba.code {
                return Err(SafeguardsError::invalid(
                    format!("{at}.mba"),
                    format!(
                        "report is for MBA {:?}, the bundle is for {:?}",
                        icr.mba, self.mba.code
                    ),
                ));
            }
            for (j, c) in icr.changes.iter().enumerate() {
                let here = || format!("{at}.changes[{j}]");
                if c.date <= first || c.date > last {
                    return Err(SafeguardsError::invalid(
                        format!("{}.date", here()),
                        format!(
                            "{} is outside every balance period ({} exclusive .. {} inclusive; \
                             a physical inventory is taken at the end of its day)",
                            format_date(c.date),
                            format_date(first),
                            format_date(last)
                        ),
                    ));
                }
                check_batch(&c.batch, &|| format!("{}.batch", here()), KmpKind::Flow)?;
                if let Some(s) = &c.shipper_measurement {
                    // The shipper's KMP belongs to the shipper's MBA: only its methods are checked.
                    for (name, id) in [
                        ("method", Some(&s.method)),
                        ("isotope_method", s.isotope_method.as_ref()),
                    ] {
                        if let Some(id) = id
                            && !methods.contains(id.as_str())
                        {
                            return Err(SafeguardsError::invalid(
                                format!("{}.shipper_measurement.{name}", here()),
                                format!("unknown measurement method {id:?}"),
                            ));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
