//! Statistical decisions on a single balance: the one-sided MUF test, detection probability for
//! a significant quantity, IAEA significant quantities and timeliness goals.
//!
//! # One-sided MUF test (Avenhaus & Canty 1996, §3.3; Jaech 1973, §5)
//! Under the null hypothesis (no diversion) MUF ~ N(0, σ²); under a diversion of M kg,
//! MUF ~ N(M, σ²). The test that raises an alarm when MUF > z_{1−α}·σ has false-alarm probability
//! α, and detection probability 1 − β = Φ(M/σ − z_{1−α}). The IAEA's usual design point is
//! α = β = 0.05, i.e. M = (z_0.95 + z_0.95)·σ ≈ 3.29·σ: a significant quantity is detected with
//! 95 % probability when σ_MUF ≤ SQ/3.29.
//!
//! # Significant quantities and timeliness (IAEA Safeguards Glossary 2022, §3.14 and §3.20;
//! also Table II of the 2001 edition)
//! | material | SQ | in | timeliness goal |
//! |---|---|---|---|
//! | Pu (< 80 % Pu-238) | 8 kg | Pu element | 1 month unirradiated, 3 months irradiated |
//! | U-233 | 8 kg | U-233 isotope | 1 month / 3 months |
//! | HEU (≥ 20 % U-235) | 25 kg | U-235 isotope | 1 month / 3 months |
//! | LEU (< 20 %, incl. natural/depleted when enriched above natural) | 75 kg | U-235 isotope | 1 year |
//! | natural U | 10 t | U element | 1 year |
//! | depleted U | 20 t | U element | 1 year |
//! | Th | 20 t | Th element | 1 year |

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::error::{Result, SafeguardsError};
use crate::model::BalanceQuantity;
use crate::normal;

/// Natural uranium's U-235 content, weight percent (0.7204 atom % = 0.711 wt %; IAEA Glossary).
pub const NATURAL_U235_WT_PCT: f64 = 0.711;

/// Categories of nuclear material for significant quantities and timeliness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MaterialCategory {
    /// Plutonium (containing less than 80 % Pu-238).
    Plutonium,
    /// Uranium-233.
    Uranium233,
    /// High enriched uranium, ≥ 20 % U-235.
    HighEnrichedUranium,
    /// Low enriched uranium, above natural and below 20 % U-235.
    LowEnrichedUranium,
    /// Natural uranium.
    NaturalUranium,
    /// Depleted uranium.
    DepletedUranium,
    /// Thorium.
    Thorium,
}

impl MaterialCategory {
    /// All categories.
    pub const ALL: [MaterialCategory; 7] = [
        MaterialCategory::Plutonium,
        MaterialCategory::Uranium233,
        MaterialCategory::HighEnrichedUranium,
        MaterialCategory::LowEnrichedUranium,
        MaterialCategory::NaturalUranium,
        MaterialCategory::DepletedUranium,
        MaterialCategory::Thorium,
    ];

    /// The significant quantity in kg of [`Self::sq_quantity`].
    pub fn significant_quantity_kg(self) -> f64 {
        match self {
            MaterialCategory::Plutonium | MaterialCategory::Uranium233 => 8.0,
            MaterialCategory::HighEnrichedUranium => 25.0,
            MaterialCategory::LowEnrichedUranium => 75.0,
            MaterialCategory::NaturalUranium => 10_000.0,
            MaterialCategory::DepletedUranium | MaterialCategory::Thorium => 20_000.0,
        }
    }

    /// What the significant quantity is counted in.
    pub fn sq_quantity(self) -> BalanceQuantity {
        match self {
            MaterialCategory::Plutonium => BalanceQuantity::Plutonium,
            MaterialCategory::Uranium233 => BalanceQuantity::Uranium233,
            MaterialCategory::HighEnrichedUranium | MaterialCategory::LowEnrichedUranium => {
                BalanceQuantity::Uranium235
            }
            MaterialCategory::NaturalUranium | MaterialCategory::DepletedUranium => {
                BalanceQuantity::Uranium
            }
            MaterialCategory::Thorium => BalanceQuantity::Thorium,
        }
    }

    /// Direct-use material (usable for nuclear explosives without transmutation or further
    /// enrichment): Pu, U-233, HEU.
    pub fn is_direct_use(self) -> bool {
        matches!(
            self,
            MaterialCategory::Plutonium
                | MaterialCategory::Uranium233
                | MaterialCategory::HighEnrichedUranium
        )
    }

    /// The timeliness detection goal in months: 1 for unirradiated direct-use material, 3 for
    /// irradiated direct-use material, 12 for indirect-use material.
    pub fn timeliness_goal_months(self, irradiated: bool) -> u32 {
        match (self.is_direct_use(), irradiated) {
            (true, false) => 1,
            (true, true) => 3,
            (false, _) => 12,
        }
    }

    /// Classify uranium by its U-235 weight percent: ≥ 20 HEU, above natural LEU, within
    /// `natural_band_pct` of 0.711 natural, below depleted.
    pub fn classify_uranium(enrichment_pct: f64, natural_band_pct: f64) -> Result<Self> {
        if !(enrichment_pct.is_finite() && (0.0..=100.0).contains(&enrichment_pct)) {
            return Err(SafeguardsError::parameter(
                "enrichment_pct",
                format!("{enrichment_pct} is outside 0..=100"),
            ));
        }
        Ok(if enrichment_pct >= 20.0 {
            MaterialCategory::HighEnrichedUranium
        } else if enrichment_pct > NATURAL_U235_WT_PCT + natural_band_pct {
            MaterialCategory::LowEnrichedUranium
        } else if enrichment_pct >= NATURAL_U235_WT_PCT - natural_band_pct {
            MaterialCategory::NaturalUranium
        } else {
            MaterialCategory::DepletedUranium
        })
    }

    /// Parse a kebab-case name (`plutonium`, `heu`/`high-enriched-uranium`, `leu`, ...).
    pub fn from_name(text: &str) -> Result<Self> {
        let t = text.to_ascii_lowercase();
        Ok(match t.as_str() {
            "pu" | "plutonium" => MaterialCategory::Plutonium,
            "u-233" | "u233" | "uranium-233" => MaterialCategory::Uranium233,
            "heu" | "high-enriched-uranium" => MaterialCategory::HighEnrichedUranium,
            "leu" | "low-enriched-uranium" => MaterialCategory::LowEnrichedUranium,
            "nu" | "natural-uranium" => MaterialCategory::NaturalUranium,
            "du" | "depleted-uranium" => MaterialCategory::DepletedUranium,
            "th" | "thorium" => MaterialCategory::Thorium,
            _ => {
                return Err(SafeguardsError::parameter(
                    "category",
                    format!("{text:?} is not one of pu, u-233, heu, leu, nu, du, th"),
                ));
            }
        })
    }
}

/// Outcome of the one-sided MUF test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MufTest {
    /// The MUF tested, kg.
    pub muf_kg: f64,
    /// Its standard deviation, kg.
    pub sigma_kg: f64,
    /// False-alarm probability α.
    pub alpha: f64,
    /// z_{1−α}.
    pub z: f64,
    /// Alarm threshold z_{1−α}·σ, kg.
    pub threshold_kg: f64,
    /// MUF / σ.
    pub standardized: f64,
    /// Whether MUF exceeds the threshold.
    pub alarm: bool,
}

/// The one-sided test MUF > z_{1−α}·σ.
pub fn muf_test(muf_kg: f64, sigma_kg: f64, alpha: f64) -> Result<MufTest> {
    check_sigma(sigma_kg)?;
    let z = normal::upper_critical(alpha)?;
    let threshold_kg = z * sigma_kg;
    Ok(MufTest {
        muf_kg,
        sigma_kg,
        alpha,
        z,
        threshold_kg,
        standardized: muf_kg / sigma_kg,
        alarm: muf_kg > threshold_kg,
    })
}

fn check_sigma(sigma_kg: f64) -> Result<()> {
    if !(sigma_kg.is_finite() && sigma_kg > 0.0) {
        return Err(SafeguardsError::parameter(
            "sigma_kg",
            format!("{sigma_kg} is not a positive standard deviation"),
        ));
    }
    Ok(())
}

/// Probability that the one-sided test at level α detects a diversion of `diversion_kg`:
/// Φ(M/σ − z_{1−α}).
pub fn detection_probability(diversion_kg: f64, sigma_kg: f64, alpha: f64) -> Result<f64> {
    check_sigma(sigma_kg)?;
    let z = normal::upper_critical(alpha)?;
    Ok(normal::cdf(diversion_kg / sigma_kg - z))
}

/// Largest σ_MUF for which a diversion of `diversion_kg` is detected with probability ≥ 1 − β at
/// false-alarm probability α: M / (z_{1−α} + z_{1−β}).
pub fn max_sigma_for_detection(diversion_kg: f64, alpha: f64, beta: f64) -> Result<f64> {
    let za = normal::upper_critical(alpha)?;
    let zb = normal::upper_critical(beta)?;
    if za + zb <= 0.0 {
        return Err(SafeguardsError::parameter(
            "alpha, beta",
            "α + β must be below 1",
        ));
    }
    Ok(diversion_kg / (za + zb))
}

/// Evaluation of a balance against the significant quantity of a material category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SqAssessment {
    /// The category.
    pub category: MaterialCategory,
    /// Its significant quantity, kg.
    pub significant_quantity_kg: f64,
    /// The MUF test.
    pub test: MufTest,
    /// Detection probability of one SQ in one period at this σ and α.
    pub detection_probability: f64,
    /// σ_MUF / SQ: the IAEA "relative σ_MUF"; ≤ 1/3.29 meets the 95 %/5 % goal.
    pub sigma_over_sq: f64,
}

/// Test a MUF and state the detection probability for one SQ of `category`.
pub fn assess(
    category: MaterialCategory,
    muf_kg: f64,
    sigma_kg: f64,
    alpha: f64,
) -> Result<SqAssessment> {
    let sq = category.significant_quantity_kg();
    Ok(SqAssessment {
        category,
        significant_quantity_kg: sq,
        test: muf_test(muf_kg, sigma_kg, alpha)?,
        detection_probability: detection_probability(sq, sigma_kg, alpha)?,
        sigma_over_sq: sigma_kg / sq,
    })
}

/// Whether a balance period meets a timeliness goal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelinessCheck {
    /// Goal in months.
    pub goal_months: u32,
    /// Period length in days.
    pub period_days: i64,
    /// Latest end date meeting the goal (start + goal months, clamped to month end).
    #[serde(with = "crate::model::date_format")]
    pub latest_end: Date,
    /// Whether the period ends no later than `latest_end`.
    pub met: bool,
}

/// Check a balance period (start, end] against the timeliness goal of `category`.
///
/// The goal is measured in calendar months from the beginning physical inventory: a material
/// balance closed by `start + goal months` can detect a diversion within the goal.
pub fn check_timeliness(
    category: MaterialCategory,
    irradiated: bool,
    start: Date,
    end: Date,
) -> TimelinessCheck {
    let goal = category.timeliness_goal_months(irradiated);
    let latest = add_months(start, goal);
    TimelinessCheck {
        goal_months: goal,
        period_days: (end - start).whole_days(),
        latest_end: latest,
        met: end <= latest,
    }
}

/// `date` plus `months` calendar months, clamped to the last day of the target month.
pub fn add_months(date: Date, months: u32) -> Date {
    let total = date.year() as i64 * 12 + (date.month() as u8 as i64 - 1) + months as i64;
    let year = (total.div_euclid(12)) as i32;
    let month_index = total.rem_euclid(12) as u8 + 1;
    // month_index is 1..=12 by construction (rem_euclid(12) + 1).
    let month = Month::try_from(month_index).unwrap_or(Month::December);
    let last = time::util::days_in_month(month, year);
    let day = date.day().min(last);
    Date::from_calendar_date(year, month, day).unwrap_or(date)
}

/// The material category whose significant quantity applies to a balance of `quantity`;
/// `max_enrichment_pct` decides HEU vs LEU for U-235. For a uranium *element* balance of
/// enriched material the SQ is stated in U-235, so `None` is returned when enrichment is known
/// to be above natural.
pub fn default_category(
    quantity: BalanceQuantity,
    max_enrichment_pct: Option<f64>,
) -> Option<MaterialCategory> {
    match quantity {
        BalanceQuantity::Plutonium => Some(MaterialCategory::Plutonium),
        BalanceQuantity::Uranium233 => Some(MaterialCategory::Uranium233),
        BalanceQuantity::Thorium => Some(MaterialCategory::Thorium),
        BalanceQuantity::Uranium235 => Some(match max_enrichment_pct {
            Some(e) if e >= 20.0 => MaterialCategory::HighEnrichedUranium,
            _ => MaterialCategory::LowEnrichedUranium,
        }),
        BalanceQuantity::Uranium => match max_enrichment_pct {
            None => Some(MaterialCategory::NaturalUranium),
            Some(e) => match MaterialCategory::classify_uranium(e, 0.005).ok()? {
                c @ (MaterialCategory::NaturalUranium | MaterialCategory::DepletedUranium) => {
                    Some(c)
                }
                _ => None,
            },
        },
    }
}

/// Decision results for one balance period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodDecision {
    /// 1-based period.
    pub period: usize,
    /// One-sided test of this period's MUF.
    pub test: MufTest,
    /// One-sided test of the cumulative MUF up to this period.
    pub cumulative_test: MufTest,
    /// Detection probability of one SQ diverted in this period (if a category applies).
    pub detection_probability_one_sq: Option<f64>,
    /// Timeliness of the period for the category (unirradiated material assumed).
    pub timeliness: Option<TimelinessCheck>,
}

/// Decisions for every period of one quantity's balance sequence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuantityDecisions {
    /// Quantity.
    pub quantity: BalanceQuantity,
    /// SQ category applied, if any.
    pub category: Option<MaterialCategory>,
    /// SQ in kg, if a category applies.
    pub significant_quantity_kg: Option<f64>,
    /// Per period.
    pub periods: Vec<PeriodDecision>,
}

/// Apply the one-sided test (per period and cumulative), SQ detection probability and timeliness
/// to every balance of `mb`. Periods whose σ is zero (perfect measurements) are skipped.
pub fn evaluate_balances(
    mb: &crate::balance::MaterialBalance,
    alpha: f64,
    max_enrichment_pct: Option<f64>,
    irradiated: bool,
) -> Result<Vec<QuantityDecisions>> {
    normal::upper_critical(alpha)?;
    let mut out = Vec::new();
    for q in &mb.quantities {
        let category = default_category(q.quantity, max_enrichment_pct);
        let mut periods = Vec::new();
        for p in &q.periods {
            if !(p.sigma_muf_kg > 0.0 && p.cumulative_sigma_kg > 0.0) {
                continue;
            }
            periods.push(PeriodDecision {
                period: p.period,
                test: muf_test(p.muf_kg, p.sigma_muf_kg, alpha)?,
                cumulative_test: muf_test(p.cumulative_muf_kg, p.cumulative_sigma_kg, alpha)?,
                detection_probability_one_sq: category
                    .map(|c| {
                        detection_probability(c.significant_quantity_kg(), p.sigma_muf_kg, alpha)
                    })
                    .transpose()?,
                timeliness: category.map(|c| check_timeliness(c, irradiated, p.start, p.end)),
            });
        }
        out.push(QuantityDecisions {
            quantity: q.quantity,
            category,
            significant_quantity_kg: category.map(|c| c.significant_quantity_kg()),
            periods,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    /// The IAEA design point: σ = SQ/3.29 gives 95 % detection at α = 5 %
    /// (Avenhaus & Canty 1996 §3.3; IAEA Safeguards Glossary 2022 §3.x "detection probability").
    #[test]
    fn design_point_95_percent() {
        let sigma = max_sigma_for_detection(8.0, 0.05, 0.05).unwrap();
        assert!((sigma - 8.0 / 3.289_707_253_902_945).abs() < 1e-12);
        let pd = detection_probability(8.0, sigma, 0.05).unwrap();
        assert!((pd - 0.95).abs() < 1e-12, "pd = {pd}");
        // No diversion: detection probability equals α.
        assert!((detection_probability(0.0, 1.0, 0.05).unwrap() - 0.05).abs() < 1e-15);
    }

    #[test]
    fn sq_table() {
        let table = [
            (
                MaterialCategory::Plutonium,
                8.0,
                BalanceQuantity::Plutonium,
                1,
                3,
            ),
            (
                MaterialCategory::Uranium233,
                8.0,
                BalanceQuantity::Uranium233,
                1,
                3,
            ),
            (
                MaterialCategory::HighEnrichedUranium,
                25.0,
                BalanceQuantity::Uranium235,
                1,
                3,
            ),
            (
                MaterialCategory::LowEnrichedUranium,
                75.0,
                BalanceQuantity::Uranium235,
                12,
                12,
            ),
            (
                MaterialCategory::NaturalUranium,
                10_000.0,
                BalanceQuantity::Uranium,
                12,
                12,
            ),
            (
                MaterialCategory::DepletedUranium,
                20_000.0,
                BalanceQuantity::Uranium,
                12,
                12,
            ),
            (
                MaterialCategory::Thorium,
                20_000.0,
                BalanceQuantity::Thorium,
                12,
                12,
            ),
        ];
        for (c, sq, q, unirr, irr) in table {
            assert_eq!(c.significant_quantity_kg(), sq, "{c:?}");
            assert_eq!(c.sq_quantity(), q, "{c:?}");
            assert_eq!(c.timeliness_goal_months(false), unirr, "{c:?}");
            assert_eq!(c.timeliness_goal_months(true), irr, "{c:?}");
        }
    }

    #[test]
    fn classify_uranium_boundaries() {
        let c = |e| MaterialCategory::classify_uranium(e, 0.005).unwrap();
        assert_eq!(c(93.0), MaterialCategory::HighEnrichedUranium);
        assert_eq!(c(20.0), MaterialCategory::HighEnrichedUranium);
        assert_eq!(c(19.75), MaterialCategory::LowEnrichedUranium);
        assert_eq!(c(3.67), MaterialCategory::LowEnrichedUranium);
        assert_eq!(c(0.711), MaterialCategory::NaturalUranium);
        assert_eq!(c(0.25), MaterialCategory::DepletedUranium);
        assert!(MaterialCategory::classify_uranium(f64::NAN, 0.005).is_err());
    }

    #[test]
    fn muf_test_threshold() {
        let t = muf_test(5.0, 2.0, 0.05).unwrap();
        assert!((t.threshold_kg - 2.0 * 1.644_853_626_951_472_7).abs() < 1e-12);
        assert!(t.alarm);
        assert!(!muf_test(3.0, 2.0, 0.05).unwrap().alarm);
        assert!(muf_test(1.0, 0.0, 0.05).is_err());
        assert!(muf_test(1.0, 1.0, 1.0).is_err());
    }

    #[test]
    fn timeliness_calendar_months() {
        let t = check_timeliness(
            MaterialCategory::Plutonium,
            false,
            date!(2024 - 01 - 31),
            date!(2024 - 02 - 29),
        );
        assert_eq!(t.latest_end, date!(2024 - 02 - 29));
        assert!(t.met);
        let t = check_timeliness(
            MaterialCategory::Plutonium,
            false,
            date!(2024 - 01 - 31),
            date!(2024 - 03 - 01),
        );
        assert!(!t.met);
        let t = check_timeliness(
            MaterialCategory::LowEnrichedUranium,
            false,
            date!(2023 - 01 - 01),
            date!(2024 - 01 - 01),
        );
        assert!(t.met);
        assert_eq!(t.period_days, 365);
        let t = check_timeliness(
            MaterialCategory::Plutonium,
            true,
            date!(2023 - 11 - 30),
            date!(2024 - 02 - 29),
        );
        assert!(t.met);
        assert_eq!(add_months(date!(2023 - 12 - 15), 1), date!(2024 - 01 - 15));
    }
}
