//! JCPOA enriched-uranium stockpile accounting: uranium in any chemical form converted to
//! uranium mass and to UF6 equivalent, grouped by enrichment level, producing the quantities the
//! treaty engine's JCPOA regime checks.
//!
//! # The limit
//! JCPOA Annex I §56: Iran's enriched uranium stockpile is to stay under 300 kg of up to 3.67 %
//! enriched UF6 "or the equivalent in different chemical forms"; the Joint Commission expressed
//! it as 202.8 kg of uranium (300 kg UF6 × U mass fraction of UF6). IAEA verification reports
//! (GOV/20xx/nn) state the stockpile in kg of uranium by enrichment level.
//!
//! # Conversion (stated assumptions)
//! * Uranium is a binary mixture of U-235 and U-238: the molar mass of uranium at U-235 weight
//!   fraction w is M_U = 1 / (w/M_235 + (1 − w)/M_238). U-234 and U-236 are neglected: at
//!   ≤ 90 % enrichment U-234 is ≲ 1 wt % and changes M_U by < 0.01 %.
//! * Isotope masses: AME2020 (Wang et al. 2021, Chinese Phys. C 45, 030003): U-235
//!   235.043 928 2 u, U-238 238.050 786 9 u. Elements: IUPAC/CIAAW 2021 conventional standard
//!   atomic weights F 18.998 403 163, O 15.999, N 14.007, H 1.008.
//! * Compound formulas are the stoichiometric ones below; scrap, solutions, waste and anything else
//!   use the declared uranium mass fraction ([`ChemicalForm::Other`]).
//! * UF6 equivalent of an item = its uranium mass × M(UF6)/M(U) at the item's enrichment.
//! * The enriched stockpile counts items enriched above natural (> 0.711 wt % + band) that are not
//!   marked exempt (the Joint Commission exempted some material, e.g. unrecoverable waste); exempt
//!   and non-enriched items are reported separately.
//!
//! With these, 300 kg UF6 at 3.67 % is 202.83 kg U, agreeing with the 202.8 kg figure (tested).
//!
//! # Treaty quantities (names agreed with verity-treaty's `jcpoa` regime)
//! * `enriched_uranium_stockpile_kg_u`: enriched stockpile, kg U;
//! * `max_enrichment_pct`: highest U-235 weight percent among non-exempt enriched items;
//! * `enriched_uranium_stockpile_kg_uf6`: the same stockpile as UF6 equivalent (informative).

use std::collections::BTreeMap;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::decision::NATURAL_U235_WT_PCT;
use crate::error::{Result, SafeguardsError};

/// U-235 atomic mass, u (AME2020).
pub const M_U235: f64 = 235.043_928_2;
/// U-238 atomic mass, u (AME2020).
pub const M_U238: f64 = 238.050_786_9;
/// Fluorine standard atomic weight (CIAAW).
pub const M_F: f64 = 18.998_403_163;
/// Oxygen conventional atomic weight (CIAAW).
pub const M_O: f64 = 15.999;
/// Nitrogen conventional atomic weight (CIAAW).
pub const M_N: f64 = 14.007;
/// Hydrogen conventional atomic weight (CIAAW).
pub const M_H: f64 = 1.008;

/// Molar mass of uranium with `enrichment_pct` U-235 by weight (binary U-235/U-238 mixture).
pub fn uranium_molar_mass(enrichment_pct: f64) -> f64 {
    let w = enrichment_pct / 100.0;
    1.0 / (w / M_U235 + (1.0 - w) / M_U238)
}

/// Chemical form of a stockpile item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ChemicalForm {
    /// Uranium hexafluoride UF6.
    Uf6,
    /// Uranium tetrafluoride UF4.
    Uf4,
    /// Uranium dioxide UO2 (powder, pellets).
    Uo2,
    /// Uranium trioxide UO3.
    Uo3,
    /// Triuranium octoxide U3O8.
    U3o8,
    /// Uranyl fluoride UO2F2.
    Uo2f2,
    /// Uranium metal.
    Metal,
    /// Uranyl nitrate hexahydrate UO2(NO3)2·6H2O.
    UranylNitrateHexahydrate,
    /// Ammonium diuranate (NH4)2U2O7.
    AmmoniumDiuranate,
    /// Anything else (scrap, solutions, waste, targets): uranium mass fraction declared.
    Other {
        /// Uranium mass per unit item mass, 0 < f ≤ 1.
        uranium_mass_fraction: f64,
    },
}

impl ChemicalForm {
    /// Name as written in JSON and on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            ChemicalForm::Uf6 => "UF6",
            ChemicalForm::Uf4 => "UF4",
            ChemicalForm::Uo2 => "UO2",
            ChemicalForm::Uo3 => "UO3",
            ChemicalForm::U3o8 => "U3O8",
            ChemicalForm::Uo2f2 => "UO2F2",
            ChemicalForm::Metal => "U-metal",
            ChemicalForm::UranylNitrateHexahydrate => "UNH",
            ChemicalForm::AmmoniumDiuranate => "ADU",
            ChemicalForm::Other { .. } => "other",
        }
    }

    /// (uranium atoms, mass of the other atoms in u) per formula unit.
    fn formula(&self) -> Option<(f64, f64)> {
        Some(match self {
            ChemicalForm::Uf6 => (1.0, 6.0 * M_F),
            ChemicalForm::Uf4 => (1.0, 4.0 * M_F),
            ChemicalForm::Uo2 => (1.0, 2.0 * M_O),
            ChemicalForm::Uo3 => (1.0, 3.0 * M_O),
            ChemicalForm::U3o8 => (3.0, 8.0 * M_O),
            ChemicalForm::Uo2f2 => (1.0, 2.0 * M_O + 2.0 * M_F),
            ChemicalForm::Metal => (1.0, 0.0),
            // UO2(NO3)2·6H2O = U N2 O14 H12.
            ChemicalForm::UranylNitrateHexahydrate => (1.0, 2.0 * M_N + 14.0 * M_O + 12.0 * M_H),
            // (NH4)2U2O7 = U2 N2 H8 O7.
            ChemicalForm::AmmoniumDiuranate => (2.0, 2.0 * M_N + 8.0 * M_H + 7.0 * M_O),
            ChemicalForm::Other { .. } => return None,
        })
    }

    /// Uranium mass fraction of the compound at the given enrichment.
    pub fn uranium_mass_fraction(&self, enrichment_pct: f64) -> f64 {
        match (self, self.formula()) {
            (
                ChemicalForm::Other {
                    uranium_mass_fraction,
                },
                _,
            ) => *uranium_mass_fraction,
            (_, Some((n_u, rest))) => {
                let mu = n_u * uranium_molar_mass(enrichment_pct);
                mu / (mu + rest)
            }
            // formula() is None only for Other, handled above.
            (_, None) => 1.0,
        }
    }

    /// Parse a stoichiometric form name (`other` needs a fraction: use [`ChemicalForm::Other`]).
    pub fn parse_with_fraction(text: &str, fraction: Option<f64>) -> Result<Self> {
        let form = match text.to_ascii_uppercase().as_str() {
            "UF6" => ChemicalForm::Uf6,
            "UF4" => ChemicalForm::Uf4,
            "UO2" => ChemicalForm::Uo2,
            "UO3" => ChemicalForm::Uo3,
            "U3O8" => ChemicalForm::U3o8,
            "UO2F2" => ChemicalForm::Uo2f2,
            "U" | "U-METAL" | "METAL" => ChemicalForm::Metal,
            "UNH" | "URANYL-NITRATE" | "UO2(NO3)2" | "UO2(NO3)2.6H2O" => {
                ChemicalForm::UranylNitrateHexahydrate
            }
            "ADU" | "(NH4)2U2O7" => ChemicalForm::AmmoniumDiuranate,
            "OTHER" | "SCRAP" | "SOLUTION" | "WASTE" => {
                let f = fraction.ok_or_else(|| {
                    SafeguardsError::parameter(
                        "uranium_mass_fraction",
                        format!("form {text:?} needs the declared uranium mass fraction"),
                    )
                })?;
                ChemicalForm::Other {
                    uranium_mass_fraction: f,
                }
            }
            _ => {
                return Err(SafeguardsError::parameter(
                    "form",
                    format!(
                        "{text:?} is not one of UF6, UF4, UO2, UO3, U3O8, UO2F2, U-metal, UNH, ADU, other"
                    ),
                ));
            }
        };
        form.validate("form")?;
        Ok(form)
    }

    fn validate(&self, at: &str) -> Result<()> {
        if let ChemicalForm::Other {
            uranium_mass_fraction: f,
        } = self
            && !(f.is_finite() && *f > 0.0 && *f <= 1.0)
        {
            return Err(SafeguardsError::invalid(
                format!("{at}.uranium_mass_fraction"),
                format!("{f} is outside (0, 1]"),
            ));
        }
        Ok(())
    }
}

impl FromStr for ChemicalForm {
    type Err = SafeguardsError;
    fn from_str(s: &str) -> Result<Self> {
        ChemicalForm::parse_with_fraction(s, None)
    }
}

/// Result of converting one quantity of a uranium compound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversion {
    /// Form converted (name as in [`ChemicalForm::name`]).
    pub form: String,
    /// Compound mass, kg.
    pub mass_kg: f64,
    /// U-235 weight percent.
    pub enrichment_pct: f64,
    /// Uranium mass fraction used.
    pub uranium_mass_fraction: f64,
    /// Uranium mass, kg.
    pub uranium_kg: f64,
    /// U-235 mass, kg.
    pub u235_kg: f64,
    /// UF6 equivalent at the same enrichment, kg.
    pub uf6_equivalent_kg: f64,
}

/// Convert `mass_kg` of `form` at `enrichment_pct` to uranium and UF6 equivalent.
pub fn convert(form: ChemicalForm, mass_kg: f64, enrichment_pct: f64) -> Result<Conversion> {
    form.validate("form")?;
    if !(mass_kg.is_finite() && mass_kg >= 0.0) {
        return Err(SafeguardsError::parameter(
            "mass_kg",
            format!("{mass_kg} is not a finite, non-negative mass"),
        ));
    }
    if !(enrichment_pct.is_finite() && (0.0..=100.0).contains(&enrichment_pct)) {
        return Err(SafeguardsError::parameter(
            "enrichment_pct",
            format!("{enrichment_pct} is outside 0..=100"),
        ));
    }
    let f = form.uranium_mass_fraction(enrichment_pct);
    let uranium_kg = mass_kg * f;
    Ok(Conversion {
        form: form.name().to_string(),
        mass_kg,
        enrichment_pct,
        uranium_mass_fraction: f,
        uranium_kg,
        u235_kg: uranium_kg * enrichment_pct / 100.0,
        uf6_equivalent_kg: uranium_kg / ChemicalForm::Uf6.uranium_mass_fraction(enrichment_pct),
    })
}

/// One declared stockpile item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockpileItem {
    /// Identifier or description (cylinder number, "scrap drum 12", ...).
    pub item: String,
    /// Chemical form name: UF6, UF4, UO2, UO3, U3O8, UO2F2, U-metal, UNH, ADU, or `other`
    /// (also `scrap`, `solution`, `waste`) with `uranium_mass_fraction`.
    pub form: String,
    /// Declared uranium mass fraction, required for `other` forms, not allowed otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uranium_mass_fraction: Option<f64>,
    /// Item mass (compound, solution or scrap), kg.
    pub mass_kg: f64,
    /// U-235 weight percent.
    pub enrichment_pct: f64,
    /// Location (facility), informative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Reason the item does not count towards the limit (e.g. a Joint Commission decision).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exempt: Option<String>,
}

impl StockpileItem {
    /// The item's chemical form.
    pub fn chemical_form(&self) -> Result<ChemicalForm> {
        let form = ChemicalForm::parse_with_fraction(&self.form, self.uranium_mass_fraction)?;
        if self.uranium_mass_fraction.is_some() && !matches!(form, ChemicalForm::Other { .. }) {
            return Err(SafeguardsError::parameter(
                "uranium_mass_fraction",
                format!(
                    "given for the stoichiometric form {}, whose fraction follows from its formula",
                    form.name()
                ),
            ));
        }
        Ok(form)
    }
}

/// A party's declared enriched-uranium inventory at a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockpileDeclaration {
    /// Party code.
    pub party: String,
    /// Date of the inventory.
    #[serde(with = "crate::model::date_format")]
    pub as_of: Date,
    /// Items.
    pub items: Vec<StockpileItem>,
}

/// Parse a stockpile declaration (JSON), validating every item.
pub fn parse_stockpile(bytes: &[u8]) -> Result<StockpileDeclaration> {
    let d: StockpileDeclaration = serde_json::from_slice(bytes)
        .map_err(|e| SafeguardsError::json("stockpile declaration", &e))?;
    d.validate()?;
    Ok(d)
}

impl StockpileDeclaration {
    /// Check every item.
    pub fn validate(&self) -> Result<()> {
        if self.party.trim().is_empty() {
            return Err(SafeguardsError::invalid("party", "empty party code"));
        }
        for (i, it) in self.items.iter().enumerate() {
            let at = format!("items[{i}] ({:?})", it.item);
            it.chemical_form()
                .map_err(|e| SafeguardsError::invalid(format!("{at}.form"), e.to_string()))?;
            if !(it.mass_kg.is_finite() && it.mass_kg >= 0.0) {
                return Err(SafeguardsError::invalid(
                    format!("{at}.mass_kg"),
                    format!("{} is not a finite, non-negative mass", it.mass_kg),
                ));
            }
            if !(it.enrichment_pct.is_finite() && (0.0..=100.0).contains(&it.enrichment_pct)) {
                return Err(SafeguardsError::invalid(
                    format!("{at}.enrichment_pct"),
                    format!("{} is outside 0..=100", it.enrichment_pct),
                ));
            }
        }
        Ok(())
    }
}

/// Stockpile in one enrichment band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrichmentLevel {
    /// Band label, e.g. "> 3.67 % ≤ 5 %".
    pub label: String,
    /// Lower bound (exclusive), weight percent.
    pub above_pct: f64,
    /// Upper bound (inclusive), weight percent.
    pub up_to_pct: f64,
    /// Items in the band.
    pub items: usize,
    /// Uranium, kg.
    pub uranium_kg: f64,
    /// U-235, kg.
    pub u235_kg: f64,
    /// UF6 equivalent, kg.
    pub uf6_equivalent_kg: f64,
}

/// The quantities the treaty engine's JCPOA regime reads (names are the contract).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JcpoaQuantities {
    /// Enriched uranium stockpile, kg U (non-exempt items enriched above natural).
    pub enriched_uranium_stockpile_kg_u: f64,
    /// Same, as UF6 equivalent, kg.
    pub enriched_uranium_stockpile_kg_uf6: f64,
    /// Highest enrichment among non-exempt enriched items, weight percent (0 if none).
    pub max_enrichment_pct: f64,
}

/// Full stockpile evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockpileSummary {
    /// Party.
    pub party: String,
    /// Date.
    #[serde(with = "crate::model::date_format")]
    pub as_of: Date,
    /// Treaty quantities.
    pub quantities: JcpoaQuantities,
    /// Enriched stockpile by enrichment band (non-empty bands only).
    pub by_enrichment: Vec<EnrichmentLevel>,
    /// By chemical form name: uranium kg of the enriched stockpile.
    pub by_form_kg_u: BTreeMap<String, f64>,
    /// Exempt items' uranium, kg.
    pub exempt_kg_u: f64,
    /// Natural and depleted uranium (not part of the enriched stockpile), kg.
    pub non_enriched_kg_u: f64,
    /// Per-item conversions in input order.
    pub items: Vec<Conversion>,
}

impl StockpileSummary {
    /// The treaty engine's data-exchange payload: `{"as_of": ..., "quantities": {...}}`.
    pub fn data_exchange_payload(&self) -> serde_json::Value {
        serde_json::json!({
            "as_of": crate::model::format_date(self.as_of),
            "quantities": {
                "enriched_uranium_stockpile_kg_u": self.quantities.enriched_uranium_stockpile_kg_u,
                "max_enrichment_pct": self.quantities.max_enrichment_pct,
            }
        })
    }
}

/// Default enrichment band upper bounds (weight percent): the IAEA's verification reports group
/// the stockpile "up to 2 %, 5 %, 20 %, 60 %"; 3.67 % is the JCPOA ceiling.
pub const DEFAULT_LEVELS_PCT: [f64; 6] = [2.0, 3.67, 5.0, 20.0, 60.0, 100.0];

/// Natural band used to decide "enriched": strictly above 0.711 + this (weight percent).
pub const NATURAL_BAND_PCT: f64 = 0.005;

/// Evaluate a stockpile declaration with band upper bounds `levels_pct` (increasing, last 100).
pub fn evaluate_stockpile(
    decl: &StockpileDeclaration,
    levels_pct: &[f64],
) -> Result<StockpileSummary> {
    decl.validate()?;
    if levels_pct.is_empty()
        || levels_pct
            .windows(2)
            .any(|w| w[0].partial_cmp(&w[1]) != Some(std::cmp::Ordering::Less))
        || levels_pct.last().copied() != Some(100.0)
        || levels_pct.iter().any(|v| !v.is_finite() || *v <= 0.0)
    {
        return Err(SafeguardsError::parameter(
            "levels_pct",
            format!("{levels_pct:?} must increase strictly and end at 100"),
        ));
    }
    let enriched_above = NATURAL_U235_WT_PCT + NATURAL_BAND_PCT;
    let mut bands: Vec<EnrichmentLevel> = levels_pct
        .iter()
        .enumerate()
        .map(|(i, &up)| {
            let lo = if i == 0 {
                enriched_above
            } else {
                levels_pct[i - 1]
            };
            EnrichmentLevel {
                label: format!("> {lo} % ≤ {up} %"),
                above_pct: lo,
                up_to_pct: up,
                items: 0,
                uranium_kg: 0.0,
                u235_kg: 0.0,
                uf6_equivalent_kg: 0.0,
            }
        })
        .collect();
    let mut q = JcpoaQuantities {
        enriched_uranium_stockpile_kg_u: 0.0,
        enriched_uranium_stockpile_kg_uf6: 0.0,
        max_enrichment_pct: 0.0,
    };
    let mut by_form = BTreeMap::new();
    let mut exempt = 0.0;
    let mut non_enriched = 0.0;
    let mut items = Vec::with_capacity(decl.items.len());
    for it in &decl.items {
        let form = it.chemical_form()?;
        let c = convert(form, it.mass_kg, it.enrichment_pct)?;
        items.push(c.clone());
        if it.exempt.is_some() {
            exempt += c.uranium_kg;
            continue;
        }
        if it.enrichment_pct <= enriched_above {
            non_enriched += c.uranium_kg;
            continue;
        }
        q.enriched_uranium_stockpile_kg_u += c.uranium_kg;
        q.enriched_uranium_stockpile_kg_uf6 += c.uf6_equivalent_kg;
        q.max_enrichment_pct = q.max_enrichment_pct.max(it.enrichment_pct);
        *by_form.entry(form.name().to_string()).or_insert(0.0) += c.uranium_kg;
        // First band whose upper bound covers the enrichment (the last is 100, so one exists).
        let band = levels_pct
            .iter()
            .position(|&up| it.enrichment_pct <= up)
            .unwrap_or(levels_pct.len() - 1);
        let b = &mut bands[band];
        b.items += 1;
        b.uranium_kg += c.uranium_kg;
        b.u235_kg += c.u235_kg;
        b.uf6_equivalent_kg += c.uf6_equivalent_kg;
    }
    bands.retain(|b| b.items > 0);
    Ok(StockpileSummary {
        party: decl.party.clone(),
        as_of: decl.as_of,
        quantities: q,
        by_enrichment: bands,
        by_form_kg_u: by_form,
        exempt_kg_u: exempt,
        non_enriched_kg_u: non_enriched,
        items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// JCPOA Annex I §56 / Joint Commission: 300 kg UF6 (≤ 3.67 %) = 202.8 kg U. Tolerance 0.05 kg
    /// (the published figure has one decimal).
    #[test]
    fn jcpoa_300_kg_uf6_is_202_8_kg_u() {
        let c = convert(ChemicalForm::Uf6, 300.0, 3.67).unwrap();
        assert!((c.uranium_kg - 202.8).abs() < 0.05, "{}", c.uranium_kg);
        assert!((c.uf6_equivalent_kg - 300.0).abs() < 1e-9);
    }

    /// Uranium mass fractions of natural-uranium compounds from the standard atomic weight of U
    /// (238.028 91, CIAAW): UF6 0.676 18, UO2 0.881 50, U3O8 0.848 00 (computed by hand from the
    /// formulas). The binary-mixture molar mass at 0.711 % is 238.0287, within 0.001 % of the
    /// standard atomic weight; tolerance 2e-5 absolute.
    #[test]
    fn natural_uranium_mass_fractions() {
        let m_u = 238.028_91;
        assert!((uranium_molar_mass(0.711) - m_u).abs() / m_u < 1e-5);
        let table = [
            (ChemicalForm::Uf6, m_u / (m_u + 6.0 * M_F)),
            (ChemicalForm::Uo2, m_u / (m_u + 2.0 * M_O)),
            (ChemicalForm::U3o8, 3.0 * m_u / (3.0 * m_u + 8.0 * M_O)),
            (ChemicalForm::Uo2f2, m_u / (m_u + 2.0 * M_O + 2.0 * M_F)),
            (ChemicalForm::Metal, 1.0),
        ];
        for (form, want) in table {
            let got = form.uranium_mass_fraction(0.711);
            assert!((got - want).abs() < 2e-5, "{form:?}: {got} vs {want}");
        }
        assert!((ChemicalForm::Uf6.uranium_mass_fraction(0.711) - 0.67618).abs() < 2e-5);
        assert!((ChemicalForm::Uo2.uranium_mass_fraction(0.711) - 0.88150).abs() < 2e-5);
        assert!((ChemicalForm::U3o8.uranium_mass_fraction(0.711) - 0.84800).abs() < 2e-5);
    }

    /// Enrichment lowers M_U and so the uranium fraction: 90 % HEU UF6 holds less uranium per kg.
    #[test]
    fn fraction_decreases_with_enrichment() {
        let lo = ChemicalForm::Uf6.uranium_mass_fraction(0.2);
        let hi = ChemicalForm::Uf6.uranium_mass_fraction(90.0);
        assert!(hi < lo);
        // M_U at 90 %: 1/(0.9/235.0439 + 0.1/238.0508) = 235.34; fraction 235.34/(235.34+113.99).
        let m = uranium_molar_mass(90.0);
        assert!((m - 235.34).abs() < 0.01, "{m}");
    }

    #[test]
    fn other_form_needs_fraction() {
        assert!(ChemicalForm::parse_with_fraction("scrap", None).is_err());
        assert!(ChemicalForm::parse_with_fraction("scrap", Some(1.5)).is_err());
        let f = ChemicalForm::parse_with_fraction("scrap", Some(0.4)).unwrap();
        assert_eq!(convert(f, 10.0, 4.0).unwrap().uranium_kg, 4.0);
        assert!("UF7".parse::<ChemicalForm>().is_err());
        assert!(convert(ChemicalForm::Uf6, -1.0, 3.0).is_err());
        assert!(convert(ChemicalForm::Uf6, 1.0, 101.0).is_err());
    }
}
