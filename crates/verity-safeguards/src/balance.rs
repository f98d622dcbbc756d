//! Closing material balances: MUF per balance period and cumulative, σ_MUF by propagating
//! random and systematic measurement errors, the full MUF covariance matrix of the sequence, and
//! shipper/receiver differences.
//!
//! # Balance equation
//! For balance period k (between physical inventories k−1 and k), IAEA Safeguards Glossary 2022
//! §6.44 ("material unaccounted for"), INFCIRC/153 para 98:
//!
//! MUF_k = BI_k + R_k − S_k − EI_k,
//!
//! with BI the beginning physical inventory, R the increases (receipts, nuclear production, ...),
//! S the decreases (shipments, losses, discards, ...), EI the ending physical inventory. The
//! ending inventory of period k is the beginning inventory of period k+1, so the cumulative MUF
//! over periods 1..k telescopes to BI_1 + ΣR − ΣS − EI_k.
//!
//! # Error propagation (Jaech 1973, ch. 3; Avenhaus & Canty 1996, §3.2)
//! Each measured amount x_i = μ_i(1 + Σ_c (ε_r,ic + ε_s,c)) over its error components c (the
//! element-mass method and, for isotope balances, the isotopic method: a U-235 mass is the product
//! U mass × enrichment, whose relative errors add to first order). MUF is linear in the x_i with
//! coefficients c_ki ∈ {−1, 0, +1}, so with x_i standing in for μ_i:
//!
//! * random part: Cov_r(MUF_k, MUF_l) = Σ_i c_ki c_li x_i² Σ_c σ_r,c²  — an inventory batch at
//!   PIT k enters MUF_k with −1 and MUF_{k+1} with +1, which gives the characteristic negative
//!   covariance −Var(I_k) between consecutive MUFs;
//! * systematic part: Cov_s(MUF_k, MUF_l) = Σ_g σ_s,g² (Σ_{i∈g} c_ki x_i)(Σ_{i∈g} c_li x_i) over
//!   groups g of measurements sharing one systematic error: one group per method
//!   ([`SystematicModel::Persistent`]) or per method and calibration period
//!   ([`SystematicModel::PerPeriod`]). With a persistent error, a method measuring both BI and EI
//!   contributes σ_s²(BI − EI)² rather than σ_s²(BI² + EI²): the terms partially cancel.
//!
//! σ_MUF² is the diagonal; cumulative variances are sums of the leading blocks. The cost is one
//! pass over the batches plus O(methods · periods²): a facility-year of 10⁶ batches takes well
//! under a second (see `bench/safeguards/run.sh`).
//!
//! # Shipper/receiver difference (Glossary 2022 §6.x "shipper/receiver difference")
//! For a receipt that carries the shipper's stated measurement: SRD = shipper − receiver (positive:
//! less arrived than was sent), with variance from both parties' methods; the receiver's value is
//! the one booked in the balance.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::error::Result;
use crate::model::{
    AccountancyBundle, BalanceQuantity, Batch, Direction, Element, MaterialBalanceLine,
    MaterialBalanceReport, SystematicModel, format_date,
};

/// One closed balance period for one quantity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BalancePeriod {
    /// 1-based period number.
    pub period: usize,
    /// Date of the beginning physical inventory.
    #[serde(with = "crate::model::date_format")]
    pub start: Date,
    /// Date of the ending physical inventory.
    #[serde(with = "crate::model::date_format")]
    pub end: Date,
    /// Beginning physical inventory BI, kg.
    pub beginning_inventory_kg: f64,
    /// Increases R, kg.
    pub increases_kg: f64,
    /// Decreases S, kg.
    pub decreases_kg: f64,
    /// Book ending inventory BI + R − S, kg.
    pub ending_book_inventory_kg: f64,
    /// Ending physical inventory EI, kg.
    pub ending_inventory_kg: f64,
    /// MUF = BI + R − S − EI, kg.
    pub muf_kg: f64,
    /// Standard deviation of MUF from random errors alone, kg.
    pub sigma_random_kg: f64,
    /// Standard deviation of MUF from systematic errors alone, kg.
    pub sigma_systematic_kg: f64,
    /// σ_MUF, kg.
    pub sigma_muf_kg: f64,
    /// Cumulative MUF over periods 1..=period, kg.
    pub cumulative_muf_kg: f64,
    /// Standard deviation of the cumulative MUF, kg.
    pub cumulative_sigma_kg: f64,
    /// Number of inventory changes in the period.
    pub inventory_changes: usize,
}

/// Shipper/receiver difference aggregated over the receipts of one period (or all periods).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShipperReceiverSummary {
    /// 1-based period, or `None` for the total over all periods.
    pub period: Option<usize>,
    /// Number of receipts with a shipper's measurement.
    pub receipts: usize,
    /// Sum of the shippers' values, kg.
    pub shipper_kg: f64,
    /// Sum of the receiver's values, kg.
    pub receiver_kg: f64,
    /// Shipper − receiver, kg.
    pub difference_kg: f64,
    /// Standard deviation of the difference, kg.
    pub sigma_kg: f64,
}

/// Shipper/receiver difference of one receipt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShipperReceiverBatch {
    /// 1-based period.
    pub period: usize,
    /// Batch identifier (receiver's).
    pub batch: String,
    /// Shipper's value, kg.
    pub shipper_kg: f64,
    /// Receiver's value, kg.
    pub receiver_kg: f64,
    /// Shipper − receiver, kg.
    pub difference_kg: f64,
    /// Standard deviation of the difference, kg.
    pub sigma_kg: f64,
}

/// The balance sequence of one quantity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuantityBalance {
    /// The quantity.
    pub quantity: BalanceQuantity,
    /// One entry per balance period.
    pub periods: Vec<BalancePeriod>,
    /// Covariance matrix of (MUF_1, ..., MUF_n), kg², row-major rows.
    pub covariance: Vec<Vec<f64>>,
    /// Shipper/receiver differences per period that has any, then the total (period `None`).
    pub shipper_receiver: Vec<ShipperReceiverSummary>,
    /// Per-receipt shipper/receiver differences.
    pub shipper_receiver_batches: Vec<ShipperReceiverBatch>,
}

impl QuantityBalance {
    /// The MUF sequence, kg.
    pub fn muf_sequence(&self) -> Vec<f64> {
        self.periods.iter().map(|p| p.muf_kg).collect()
    }

    /// The material balance report this balance implies for period `period` (1-based).
    pub fn report_line(&self, period: usize) -> Option<MaterialBalanceLine> {
        let p = self.periods.get(period.checked_sub(1)?)?;
        Some(MaterialBalanceLine {
            quantity: self.quantity,
            beginning_inventory_kg: p.beginning_inventory_kg,
            increases_kg: p.increases_kg,
            decreases_kg: p.decreases_kg,
            ending_book_inventory_kg: p.ending_book_inventory_kg,
            physical_ending_inventory_kg: p.ending_inventory_kg,
            muf_kg: p.muf_kg,
        })
    }
}

/// Closed balances of an MBA for every quantity present in its data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaterialBalance {
    /// The MBA code.
    pub mba: String,
    /// The systematic-error assumption used.
    pub systematic_errors: SystematicModel,
    /// One balance sequence per quantity present, in [`BalanceQuantity::ALL`] order.
    pub quantities: Vec<QuantityBalance>,
}

impl MaterialBalance {
    /// The balance of one quantity, if present.
    pub fn quantity(&self, q: BalanceQuantity) -> Option<&QuantityBalance> {
        self.quantities.iter().find(|b| b.quantity == q)
    }

    /// The material balance report for `period` (1-based) as the facility should declare it.
    pub fn report(&self, period: usize) -> Option<MaterialBalanceReport> {
        let first = self.quantities.first()?;
        let p = first.periods.get(period.checked_sub(1)?)?;
        Some(MaterialBalanceReport {
            mba: self.mba.clone(),
            period_start: p.start,
            period_end: p.end,
            lines: self
                .quantities
                .iter()
                .filter_map(|q| q.report_line(period))
                .collect(),
        })
    }

    /// Compare a declared material balance report with the recomputed one: returns one message per
    /// line and figure that differs by more than `tolerance_kg`, or that is missing.
    pub fn check_report(&self, declared: &MaterialBalanceReport, tolerance_kg: f64) -> Vec<String> {
        let mut issues = Vec::new();
        if declared.mba != self.mba {
            issues.push(format!(
                "report is for MBA {:?}, balances are for {:?}",
                declared.mba, self.mba
            ));
            return issues;
        }
        let Some(first) = self.quantities.first() else {
            issues.push("no balances to compare with".into());
            return issues;
        };
        let Some(period) = first
            .periods
            .iter()
            .find(|p| p.start == declared.period_start && p.end == declared.period_end)
            .map(|p| p.period)
        else {
            issues.push(format!(
                "no balance period {} .. {} in the listings",
                format_date(declared.period_start),
                format_date(declared.period_end)
            ));
            return issues;
        };
        for q in &self.quantities {
            let Some(computed) = q.report_line(period) else {
                continue;
            };
            let Some(line) = declared.lines.iter().find(|l| l.quantity == q.quantity) else {
                issues.push(format!(
                    "{}: line missing from the declared report",
                    q.quantity.label()
                ));
                continue;
            };
            for (name, d, c) in [
                (
                    "beginning_inventory_kg",
                    line.beginning_inventory_kg,
                    computed.beginning_inventory_kg,
                ),
                ("increases_kg", line.increases_kg, computed.increases_kg),
                ("decreases_kg", line.decreases_kg, computed.decreases_kg),
                (
                    "ending_book_inventory_kg",
                    line.ending_book_inventory_kg,
                    computed.ending_book_inventory_kg,
                ),
                (
                    "physical_ending_inventory_kg",
                    line.physical_ending_inventory_kg,
                    computed.physical_ending_inventory_kg,
                ),
                ("muf_kg", line.muf_kg, computed.muf_kg),
            ] {
                // NaN-safe: a NaN difference is reported too.
                let diff = (d - c).abs();
                if diff > tolerance_kg || diff.is_nan() {
                    issues.push(format!(
                        "{} {name}: declared {d}, recomputed {c}",
                        q.quantity.label()
                    ));
                }
            }
        }
        issues
    }
}

/// Relative standard deviations as fractions (not percent), per method index.
#[derive(Debug, Clone, Copy)]
struct Rsd {
    random: f64,
    systematic: f64,
}

/// Where a measured amount enters the balance sequence (0-based indices).
#[derive(Debug, Clone, Copy)]
enum Placement {
    /// An inventory change in period `period` with sign `sign`.
    Flow { period: usize, sign: f64 },
    /// A physical inventory batch at PIT `pit` (0..=n).
    Inventory { pit: usize },
}

/// Accumulates the MUF sequence and its covariance for one quantity.
struct Propagator {
    n: usize,
    model: SystematicModel,
    bi: Vec<f64>,
    inc: Vec<f64>,
    dec: Vec<f64>,
    ei: Vec<f64>,
    changes: Vec<usize>,
    /// Random variance on the diagonal.
    random_diag: Vec<f64>,
    /// Random covariance between periods k and k+1.
    random_off: Vec<f64>,
    /// Persistent model: Σ_{i∈m} c_ki x_i, indexed m·n + k.
    persistent: Vec<f64>,
    /// Per-period model: for method m and calibration epoch e (= PIT index that closes the epoch's
    /// period), the linear sums in period e−1 (slot 0) and period e (slot 1); indexed m·(n+1)+e.
    epochs: Vec<[f64; 2]>,
}

impl Propagator {
    fn new(n: usize, methods: usize, model: SystematicModel) -> Self {
        let (persistent, epochs) = match model {
            SystematicModel::Persistent => (vec![0.0; methods * n], Vec::new()),
            SystematicModel::PerPeriod => (Vec::new(), vec![[0.0; 2]; methods * (n + 1)]),
        };
        Propagator {
            n,
            model,
            bi: vec![0.0; n],
            inc: vec![0.0; n],
            dec: vec![0.0; n],
            ei: vec![0.0; n],
            changes: vec![0; n],
            random_diag: vec![0.0; n],
            random_off: vec![0.0; n.saturating_sub(1)],
            persistent,
            epochs,
        }
    }

    /// Add one measured amount `x` with error components `methods` at `place`.
    #[inline]
    fn add(&mut self, x: f64, place: Placement, methods: &[usize], rsd: &[Rsd]) {
        let mut rel_random_var = 0.0;
        for &m in methods {
            rel_random_var += rsd[m].random * rsd[m].random;
        }
        let var = x * x * rel_random_var;
        let n = self.n;
        match place {
            Placement::Flow { period, sign } => {
                if sign > 0.0 {
                    self.inc[period] += x;
                } else {
                    self.dec[period] += x;
                }
                self.changes[period] += 1;
                self.random_diag[period] += var;
                for &m in methods {
                    match self.model {
                        SystematicModel::Persistent => self.persistent[m * n + period] += sign * x,
                        // A flow of period k is measured in calibration epoch k+1 (closed by PIT k+1).
                        SystematicModel::PerPeriod => {
                            self.epochs[m * (n + 1) + period + 1][0] += sign * x
                        }
                    }
                }
            }
            Placement::Inventory { pit } => {
                // EI of period pit−1 (coefficient −1), BI of period pit (coefficient +1).
                if pit >= 1 {
                    self.ei[pit - 1] += x;
                    self.random_diag[pit - 1] += var;
                }
                if pit < n {
                    self.bi[pit] += x;
                    self.random_diag[pit] += var;
                }
                if pit >= 1 && pit < n {
                    self.random_off[pit - 1] -= var;
                }
                for &m in methods {
                    match self.model {
                        SystematicModel::Persistent => {
                            if pit >= 1 {
                                self.persistent[m * n + pit - 1] -= x;
                            }
                            if pit < n {
                                self.persistent[m * n + pit] += x;
                            }
                        }
                        SystematicModel::PerPeriod => {
                            let slot = &mut self.epochs[m * (n + 1) + pit];
                            slot[0] -= x;
                            slot[1] += x;
                        }
                    }
                }
            }
        }
    }

    /// Systematic covariance matrix (n×n, row-major).
    fn systematic_covariance(&self, rsd: &[Rsd]) -> Vec<f64> {
        let n = self.n;
        let mut cov = vec![0.0; n * n];
        match self.model {
            SystematicModel::Persistent => {
                for (m, r) in rsd.iter().enumerate() {
                    let s2 = r.systematic * r.systematic;
                    if s2 == 0.0 {
                        continue;
                    }
                    let a = &self.persistent[m * n..(m + 1) * n];
                    for k in 0..n {
                        if a[k] == 0.0 {
                            continue;
                        }
                        for l in 0..n {
                            cov[k * n + l] += s2 * a[k] * a[l];
                        }
                    }
                }
            }
            SystematicModel::PerPeriod => {
                for (m, r) in rsd.iter().enumerate() {
                    let s2 = r.systematic * r.systematic;
                    if s2 == 0.0 {
                        continue;
                    }
                    for e in 0..=n {
                        let [own, next] = self.epochs[m * (n + 1) + e];
                        // slot 0 lives in period e−1, slot 1 in period e (0-based).
                        let own = if e >= 1 { own } else { 0.0 };
                        let next = if e < n { next } else { 0.0 };
                        if e >= 1 {
                            cov[(e - 1) * n + (e - 1)] += s2 * own * own;
                        }
                        if e < n {
                            cov[e * n + e] += s2 * next * next;
                        }
                        if e >= 1 && e < n {
                            cov[(e - 1) * n + e] += s2 * own * next;
                            cov[e * n + (e - 1)] += s2 * own * next;
                        }
                    }
                }
            }
        }
        cov
    }

    fn finish(self, quantity: BalanceQuantity, rsd: &[Rsd], dates: &[Date]) -> QuantityBalance {
        let n = self.n;
        let sys = self.systematic_covariance(rsd);
        let mut cov = sys.clone();
        for k in 0..n {
            cov[k * n + k] += self.random_diag[k];
            if k + 1 < n {
                cov[k * n + k + 1] += self.random_off[k];
                cov[(k + 1) * n + k] += self.random_off[k];
            }
        }
        let mut periods = Vec::with_capacity(n);
        let mut cumulative = 0.0;
        // Running sum of the leading k×k block: add row/column k each step.
        let mut block = 0.0;
        for k in 0..n {
            let muf = self.bi[k] + self.inc[k] - self.dec[k] - self.ei[k];
            cumulative += muf;
            let mut cross = 0.0;
            for l in 0..k {
                cross += cov[k * n + l];
            }
            block += 2.0 * cross + cov[k * n + k];
            periods.push(BalancePeriod {
                period: k + 1,
                start: dates[k],
                end: dates[k + 1],
                beginning_inventory_kg: self.bi[k],
                increases_kg: self.inc[k],
                decreases_kg: self.dec[k],
                ending_book_inventory_kg: self.bi[k] + self.inc[k] - self.dec[k],
                ending_inventory_kg: self.ei[k],
                muf_kg: muf,
                sigma_random_kg: self.random_diag[k].max(0.0).sqrt(),
                sigma_systematic_kg: sys[k * n + k].max(0.0).sqrt(),
                sigma_muf_kg: cov[k * n + k].max(0.0).sqrt(),
                cumulative_muf_kg: cumulative,
                // Rounding can leave a tiny negative value when intermediate inventories cancel.
                cumulative_sigma_kg: block.max(0.0).sqrt(),
                inventory_changes: self.changes[k],
            });
        }
        QuantityBalance {
            quantity,
            periods,
            covariance: (0..n).map(|k| cov[k * n..(k + 1) * n].to_vec()).collect(),
            shipper_receiver: Vec::new(),
            shipper_receiver_batches: Vec::new(),
        }
    }
}

/// Shipper/receiver difference accumulator: linear sums per systematic group.
#[derive(Default)]
struct SrdAcc {
    receipts: usize,
    shipper: f64,
    receiver: f64,
    random_var: f64,
    groups: HashMap<usize, f64>,
}

impl SrdAcc {
    fn variance(&self, rsd_of_group: impl Fn(usize) -> f64) -> f64 {
        self.random_var
            + self
                .groups
                .iter()
                .map(|(g, a)| {
                    let s = rsd_of_group(*g);
                    s * s * a * a
                })
                .sum::<f64>()
    }
}

/// Method indices of the error components of `batch` for `quantity`.
fn components(
    batch: &Batch,
    quantity: BalanceQuantity,
    index: &HashMap<&str, usize>,
) -> Option<([usize; 2], usize)> {
    // Validation guarantees every referenced method id is in the index.
    let m = *index.get(batch.method.as_str())?;
    if quantity.is_isotope() {
        let iso = *index.get(batch.isotope_method.as_deref()?)?;
        Some(([m, iso], 2))
    } else {
        Some(([m, 0], 1))
    }
}

/// Which quantities a batch contributes to.
fn contributes(batch: &Batch, q: BalanceQuantity) -> bool {
    match q {
        BalanceQuantity::Uranium => batch.element == Element::U,
        BalanceQuantity::Uranium235 => {
            batch.element == Element::U && batch.enrichment_pct.is_some()
        }
        BalanceQuantity::Uranium233 => batch.element == Element::U && batch.u233_pct.is_some(),
        BalanceQuantity::Plutonium => batch.element == Element::Pu,
        BalanceQuantity::Thorium => batch.element == Element::Th,
    }
}

/// Close the balances of a validated bundle (see [`crate::model::parse_bundle`]).
///
/// Validates again (cheap relative to the propagation) so that a hand-built bundle cannot reach
/// the arithmetic with dangling references.
pub fn close_balances(bundle: &AccountancyBundle) -> Result<MaterialBalance> {
    bundle.validate()?;
    let pils = &bundle.physical_inventory_listings;
    let n = pils.len() - 1;
    let dates: Vec<Date> = pils.iter().map(|p| p.date).collect();
    let index: HashMap<&str, usize> = bundle
        .methods
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id.as_str(), i))
        .collect();
    let rsd: Vec<Rsd> = bundle
        .methods
        .iter()
        .map(|m| Rsd {
            random: m.random_rsd_pct / 100.0,
            systematic: m.systematic_rsd_pct / 100.0,
        })
        .collect();
    let model = bundle.systematic_errors;

    // Which quantities appear anywhere.
    let mut present = [false; 5];
    let all_batches = pils.iter().flat_map(|p| p.batches.iter()).chain(
        bundle
            .inventory_change_reports
            .iter()
            .flat_map(|r| r.changes.iter().map(|c| &c.batch)),
    );
    for b in all_batches {
        for (qi, q) in BalanceQuantity::ALL.iter().enumerate() {
            present[qi] |= contributes(b, *q);
        }
        if present.iter().all(|p| *p) {
            break;
        }
    }
    let mut props: Vec<Option<Propagator>> = present
        .iter()
        .map(|&p| p.then(|| Propagator::new(n, rsd.len(), model)))
        .collect();

    let add_batch = |props: &mut Vec<Option<Propagator>>, b: &Batch, place: Placement| {
        // Resolve the method ids once per batch (validation guarantees they are known).
        let Some(&m) = index.get(b.method.as_str()) else {
            return;
        };
        let iso = b
            .isotope_method
            .as_deref()
            .and_then(|id| index.get(id).copied());
        for (qi, q) in BalanceQuantity::ALL.iter().enumerate() {
            let Some(prop) = props[qi].as_mut() else {
                continue;
            };
            if !contributes(b, *q) {
                continue;
            }
            let comps = if q.is_isotope() {
                match iso {
                    Some(i) => [m, i],
                    None => continue,
                }
            } else {
                [m, 0]
            };
            let len = if q.is_isotope() { 2 } else { 1 };
            prop.add(b.amount_kg(*q), place, &comps[..len], &rsd);
        }
    };
    for (pit, pil) in pils.iter().enumerate() {
        for b in &pil.batches {
            add_batch(&mut props, b, Placement::Inventory { pit });
        }
    }

    // Shipper/receiver accumulators: per quantity, per period (index n = total).
    let mut srd: Vec<Vec<SrdAcc>> = (0..5)
        .map(|_| (0..=n).map(|_| SrdAcc::default()).collect())
        .collect();
    let mut srd_batches: Vec<Vec<ShipperReceiverBatch>> = (0..5).map(|_| Vec::new()).collect();
    let methods_count = rsd.len();
    let group_of = |m: usize, period: usize| match model {
        SystematicModel::Persistent => m,
        SystematicModel::PerPeriod => m + methods_count * (period + 1),
    };

    for icr in &bundle.inventory_change_reports {
        for c in &icr.changes {
            // Period k (0-based) covers (dates[k], dates[k+1]]; validation guarantees the date is
            // in (dates[0], dates[n]].
            let period = dates
                .partition_point(|d| *d < c.date)
                .saturating_sub(1)
                .min(n - 1);
            let sign = match c.code.direction() {
                Direction::Increase => 1.0,
                Direction::Decrease => -1.0,
            };
            add_batch(&mut props, &c.batch, Placement::Flow { period, sign });
            let Some(shipper) = &c.shipper_measurement else {
                continue;
            };
            for (qi, q) in BalanceQuantity::ALL.iter().enumerate() {
                if !(contributes(&c.batch, *q) && contributes(shipper, *q)) {
                    continue;
                }
                let (Some((ms, ls)), Some((mr, lr))) = (
                    components(shipper, *q, &index),
                    components(&c.batch, *q, &index),
                ) else {
                    continue;
                };
                let xs = shipper.amount_kg(*q);
                let xr = c.batch.amount_kg(*q);
                let mut single = SrdAcc::default();
                for (x, ms, sign) in [(xs, &ms[..ls], 1.0), (xr, &mr[..lr], -1.0)] {
                    for &m in ms {
                        single.random_var += x * x * rsd[m].random * rsd[m].random;
                        *single.groups.entry(group_of(m, period)).or_insert(0.0) += sign * x;
                    }
                }
                let sys_of = |g: usize| rsd[g % methods_count].systematic;
                srd_batches[qi].push(ShipperReceiverBatch {
                    period: period + 1,
                    batch: c.batch.batch.clone(),
                    shipper_kg: xs,
                    receiver_kg: xr,
                    difference_kg: xs - xr,
                    sigma_kg: single.variance(sys_of).sqrt(),
                });
                for slot in [period, n] {
                    let acc = &mut srd[qi][slot];
                    acc.receipts += 1;
                    acc.shipper += xs;
                    acc.receiver += xr;
                    acc.random_var += single.random_var;
                    for (g, a) in &single.groups {
                        *acc.groups.entry(*g).or_insert(0.0) += a;
                    }
                }
            }
        }
    }

    let mut quantities = Vec::new();
    for (qi, prop) in props.into_iter().enumerate() {
        let Some(prop) = prop else { continue };
        let q = BalanceQuantity::ALL[qi];
        let mut qb = prop.finish(q, &rsd, &dates);
        let sys_of = |g: usize| rsd[g % methods_count.max(1)].systematic;
        for (slot, acc) in srd[qi].iter().enumerate() {
            if acc.receipts == 0 {
                continue;
            }
            qb.shipper_receiver.push(ShipperReceiverSummary {
                period: (slot < n).then_some(slot + 1),
                receipts: acc.receipts,
                shipper_kg: acc.shipper,
                receiver_kg: acc.receiver,
                difference_kg: acc.shipper - acc.receiver,
                sigma_kg: acc.variance(sys_of).sqrt(),
            });
        }
        qb.shipper_receiver_batches = std::mem::take(&mut srd_batches[qi]);
        quantities.push(qb);
    }
    Ok(MaterialBalance {
        mba: bundle.mba.code.clone(),
        systematic_errors: model,
        quantities,
    })
}
