//! # verity-safeguards: nuclear material accountancy for NPT safeguards and the JCPOA
//!
//! A library without I/O (no files, network, clock or global RNG: data, dates and random
//! generators are passed in) that closes material balances, propagates measurement errors,
//! decides whether a MUF signals a diversion, runs sequential tests over balance sequences,
//! accounts the JCPOA enriched-uranium stockpile, and derives weapons stationed abroad from NPT
//! deployment declarations.
//!
//! ## Modules
//! * [`model`]: material balance areas (MBAs), key measurement points (flow and inventory KMPs),
//!   measurement methods (random and systematic relative standard deviations, as in the IAEA
//!   International Target Values 2010, STR-368), batches (element mass, U-235 enrichment, U-233),
//!   and the signed-declaration payloads of treaty `npt-safeguards`:
//!   `inventory-change-report` ([`model::InventoryChangeReport`]), `physical-inventory-listing`
//!   ([`model::PhysicalInventoryListing`]), `material-balance-report`
//!   ([`model::MaterialBalanceReport`]); plus the accountancy bundle that groups one MBA's
//!   listings and reports for balance closing. [`parse_payload`] dispatches on the envelope's
//!   treaty and kind.
//! * [`balance`]: MUF = BI + R − S − EI per balance period and cumulative; σ_MUF from random
//!   errors (independent per measurement) and systematic errors (fully correlated across all
//!   measurements by one method, either for the whole campaign or per calibration period: see
//!   [`model::SystematicModel`]); the full MUF covariance matrix; shipper/receiver differences
//!   and their σ. References: J. L. Jaech, *Statistical Methods in Nuclear Material Control*,
//!   TID-26298 (1973); R. Avenhaus and M. J. Canty, *Compliance Quantified* (CUP 1996), ch. 3–4;
//!   IAEA Safeguards Glossary, 2022 edition, ch. 6.
//! * [`decision`]: one-sided MUF test at false-alarm probability α (threshold z_{1−α}·σ_MUF),
//!   detection probability of a significant quantity Φ(SQ/σ − z_{1−α}), the IAEA significant
//!   quantities (Pu 8 kg, U-233 8 kg, HEU 25 kg U-235, LEU 75 kg U-235, natural U 10 t,
//!   depleted U 20 t, Th 20 t) and timeliness goals (1 month unirradiated direct-use, 3 months
//!   irradiated direct-use, 1 year indirect-use) checked against a balance period.
//! * [`sequential`]: Cholesky/Gram–Schmidt independence transformation of the MUF sequence
//!   (standardised ITMUF), Page's CUSUM on MUF or standardised ITMUF, run lengths by Monte Carlo
//!   (seeded generator passed in) and by the CUSUM integral equation.
//! * [`jcpoa`]: uranium in any chemical form → kg U and UF6 equivalent with enrichment-dependent
//!   molar masses (300 kg UF6 at 3.67 % = 202.8 kg U), by enrichment level; the treaty quantities
//!   `enriched_uranium_stockpile_kg_u` and `max_enrichment_pct`.
//! * [`weapons`]: `weapons-deployment-declaration` payloads (treaty `npt`) and the treaty
//!   quantity `weapons_deployed_outside_territory`.
//! * [`plot`]: SVG charts of the MUF sequence with its thresholds and of Page's statistic.
//! * [`normal`]: Φ, φ and Φ⁻¹ (erfc from `libm`; quantile by Halley refinement, checked against
//!   AS241 and 40-digit values).
//!
//! ## Tolerances against references (see the tests)
//! * Normal quantiles: 4e-15 absolute vs mpmath 40-digit values; 1e-14 vs Python's AS241.
//! * σ_MUF: hand-computed textbook case to 1e-12 relative; Monte Carlo simulation of the
//!   measurement process (fixed seed) agrees with the propagated variance within 4 standard
//!   errors of a variance estimate; empirical false-alarm and detection probabilities within 4
//!   binomial standard errors of α and Φ(SQ/σ − z_{1−α}).
//! * Page ARL: integral equation within 0.5 % of published one-sided values (k = 0.5, h = 4: 336
//!   and 8.38; h = 5: 930 and 10.4); Monte Carlo within 4 standard errors of the integral equation.
//! * JCPOA: 300 kg UF6 at 3.67 % → 202.8 kg U within 0.05 kg.
//!
//! ## Benchmark
//! `bash bench/safeguards/run.sh` (from the repository root): balances a facility-year of 10⁶
//! batch measurements with full error propagation, and simulates 10,000 runs of Page's test over
//! 50 balance periods; prints the times (no peer implementation exists to compare with).

pub mod balance;
pub mod decision;
pub mod error;
pub mod jcpoa;
pub mod model;
pub mod normal;
pub mod plot;
pub mod sequential;
pub mod weapons;

pub use error::{Result, SafeguardsError};
pub use rand::SeedableRng;
/// Seeded, reproducible generator for the Monte Carlo functions (`ChaCha8Rng::seed_from_u64`).
pub use rand_chacha::ChaCha8Rng;

use model::{
    InventoryChangeReport, KIND_INVENTORY_CHANGE_REPORT, KIND_MATERIAL_BALANCE_REPORT,
    KIND_PHYSICAL_INVENTORY_LISTING, MaterialBalanceReport, PhysicalInventoryListing,
    TREATY_SAFEGUARDS,
};
use weapons::{KIND_WEAPONS_DEPLOYMENT, TREATY_NPT, WeaponsDeploymentDeclaration};

/// A parsed and validated payload of one of this crate's declaration kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// `npt-safeguards` / `inventory-change-report`.
    InventoryChangeReport(InventoryChangeReport),
    /// `npt-safeguards` / `physical-inventory-listing`.
    PhysicalInventoryListing(PhysicalInventoryListing),
    /// `npt-safeguards` / `material-balance-report`.
    MaterialBalanceReport(MaterialBalanceReport),
    /// `npt` / `weapons-deployment-declaration`.
    WeaponsDeployment(WeaponsDeploymentDeclaration),
}

/// Parse the payload of a log envelope with `treaty` and `kind` (the JSON of its `payload` field).
pub fn parse_payload(treaty: &str, kind: &str, payload: &[u8]) -> Result<Payload> {
    fn json<T: serde::de::DeserializeOwned>(kind: &str, bytes: &[u8]) -> Result<T> {
        serde_json::from_slice(bytes)
            .map_err(|e| SafeguardsError::json(&format!("{kind} payload"), &e))
    }
    match (treaty, kind) {
        (TREATY_SAFEGUARDS, KIND_INVENTORY_CHANGE_REPORT) => {
            let p: InventoryChangeReport = json(kind, payload)?;
            p.validate("payload")?;
            Ok(Payload::InventoryChangeReport(p))
        }
        (TREATY_SAFEGUARDS, KIND_PHYSICAL_INVENTORY_LISTING) => {
            let p: PhysicalInventoryListing = json(kind, payload)?;
            p.validate("payload")?;
            Ok(Payload::PhysicalInventoryListing(p))
        }
        (TREATY_SAFEGUARDS, KIND_MATERIAL_BALANCE_REPORT) => {
            let p: MaterialBalanceReport = json(kind, payload)?;
            p.validate("payload")?;
            Ok(Payload::MaterialBalanceReport(p))
        }
        (TREATY_SAFEGUARDS, _) => Err(SafeguardsError::UnknownKind {
            treaty: treaty.to_string(),
            kind: kind.to_string(),
            expected: format!(
                "{KIND_INVENTORY_CHANGE_REPORT}, {KIND_PHYSICAL_INVENTORY_LISTING}, {KIND_MATERIAL_BALANCE_REPORT}"
            ),
        }),
        (TREATY_NPT, KIND_WEAPONS_DEPLOYMENT) => Ok(Payload::WeaponsDeployment(
            weapons::parse_weapons_declaration(payload)?,
        )),
        _ => Err(SafeguardsError::UnknownKind {
            treaty: treaty.to_string(),
            kind: kind.to_string(),
            expected: format!(
                "{TREATY_SAFEGUARDS}: {KIND_INVENTORY_CHANGE_REPORT}, {KIND_PHYSICAL_INVENTORY_LISTING}, \
                 {KIND_MATERIAL_BALANCE_REPORT}; {TREATY_NPT}: {KIND_WEAPONS_DEPLOYMENT}"
            ),
        }),
    }
}
