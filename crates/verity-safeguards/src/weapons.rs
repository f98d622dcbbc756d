//! Declared nuclear-weapons deployments (NPT transparency): where a possessor state's weapons are
//! stationed, and the derived number outside its own territory, which feeds the treaty engine's
//! nuclear-sharing rule (NPT Articles I and II forbid transferring control of weapons; stationing
//! under the possessor's custody abroad is what the rule tracks).
//!
//! # Payload (treaty `npt`, kind `weapons-deployment-declaration`)
//! ```json
//! {"possessor": "USA", "as_of": "2024-01-01", "territories": ["GUM"],
//!  "deployments": [
//!    {"host_state": "USA", "site": "Minot AFB", "count": 300},
//!    {"host_state": "BEL", "site": "Kleine Brogel", "count": "undisclosed"}]}
//! ```
//! A declaration is a complete snapshot as of its date: the latest declaration at or before a date
//! is the one in force. `count` is a non-negative integer or `"undisclosed"`; an undisclosed count
//! at a declared site is taken as at least one weapon (a declared deployment of zero weapons is
//! written `0`). `territories` lists codes counted as the possessor's own territory besides its
//! own code (e.g. overseas territories).
//!
//! # Treaty quantity
//! `weapons_deployed_outside_territory`: the sum of declared counts at sites whose host state is
//! not the possessor's territory, plus one per such site with an undisclosed count; when any count
//! is undisclosed the value is a lower bound (`lower_bound: true`).

use std::collections::BTreeSet;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::Date;

use crate::error::{Result, SafeguardsError};
use crate::model::format_date;

/// Treaty id of weapons-deployment declarations.
pub const TREATY_NPT: &str = "npt";
/// Envelope kind of a [`WeaponsDeploymentDeclaration`].
pub const KIND_WEAPONS_DEPLOYMENT: &str = "weapons-deployment-declaration";

/// A number of weapons, or a refusal to state it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeaponCount {
    /// Declared number.
    Number(u64),
    /// Present but not stated.
    Undisclosed,
}

impl Serialize for WeaponCount {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            WeaponCount::Number(n) => s.serialize_u64(*n),
            WeaponCount::Undisclosed => s.serialize_str("undisclosed"),
        }
    }
}

impl<'de> Deserialize<'de> for WeaponCount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = WeaponCount;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a non-negative integer or the string \"undisclosed\"")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<WeaponCount, E> {
                Ok(WeaponCount::Number(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<WeaponCount, E> {
                u64::try_from(v)
                    .map(WeaponCount::Number)
                    .map_err(|_| E::custom(format!("weapon count {v} is negative")))
            }
            fn visit_str<E: serde::de::Error>(
                self,
                v: &str,
            ) -> std::result::Result<WeaponCount, E> {
                if v == "undisclosed" {
                    Ok(WeaponCount::Undisclosed)
                } else {
                    Err(E::custom(format!(
                        "weapon count {v:?} is neither a number nor \"undisclosed\""
                    )))
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// One declared deployment site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    /// State on whose territory the weapons are (same code system as `possessor`).
    pub host_state: String,
    /// Site name.
    pub site: String,
    /// Number of weapons.
    pub count: WeaponCount,
}

/// Payload of kind `weapons-deployment-declaration` (treaty `npt`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeaponsDeploymentDeclaration {
    /// The possessor state.
    pub possessor: String,
    /// Date the snapshot describes.
    #[serde(with = "crate::model::date_format")]
    pub as_of: Date,
    /// Additional codes that count as the possessor's own territory.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub territories: Vec<String>,
    /// Sites.
    pub deployments: Vec<Deployment>,
}

impl WeaponsDeploymentDeclaration {
    /// Check codes and site names are present and sites are not repeated.
    pub fn validate(&self, at: &str) -> Result<()> {
        if self.possessor.trim().is_empty() {
            return Err(SafeguardsError::invalid(
                format!("{at}.possessor"),
                "empty state code",
            ));
        }
        let mut seen = BTreeSet::new();
        for (i, d) in self.deployments.iter().enumerate() {
            let here = format!("{at}.deployments[{i}]");
            if d.host_state.trim().is_empty() {
                return Err(SafeguardsError::invalid(
                    format!("{here}.host_state"),
                    "empty state code",
                ));
            }
            if d.site.trim().is_empty() {
                return Err(SafeguardsError::invalid(
                    format!("{here}.site"),
                    "empty site name",
                ));
            }
            if !seen.insert((d.host_state.as_str(), d.site.as_str())) {
                return Err(SafeguardsError::invalid(
                    format!("{here}.site"),
                    format!("site {:?} in {:?} is declared twice", d.site, d.host_state),
                ));
            }
        }
        Ok(())
    }

    fn is_own_territory(&self, state: &str) -> bool {
        state == self.possessor || self.territories.iter().any(|t| t == state)
    }
}

/// Parse and validate a weapons-deployment declaration payload.
pub fn parse_weapons_declaration(bytes: &[u8]) -> Result<WeaponsDeploymentDeclaration> {
    let d: WeaponsDeploymentDeclaration = serde_json::from_slice(bytes)
        .map_err(|e| SafeguardsError::json("weapons-deployment-declaration payload", &e))?;
    d.validate("payload")?;
    Ok(d)
}

/// Weapons outside the possessor's territory at a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutsideTerritory {
    /// Possessor.
    pub possessor: String,
    /// Date asked about.
    #[serde(with = "crate::model::date_format")]
    pub date: Date,
    /// Date of the declaration in force.
    #[serde(with = "crate::model::date_format")]
    pub declaration_as_of: Date,
    /// The treaty quantity (see the module docs).
    pub weapons_deployed_outside_territory: u64,
    /// Whether any count outside was undisclosed (the quantity is then a lower bound).
    pub lower_bound: bool,
    /// Host states with weapons of the possessor, sorted.
    pub host_states: Vec<String>,
    /// Sites abroad with undisclosed counts.
    pub undisclosed_sites: Vec<String>,
}

/// Derive, for `possessor` at `date`, the weapons outside its territory from the latest
/// declaration dated on or before `date`. `None` if there is no such declaration.
///
/// Two declarations by the same possessor with the same date are ambiguous: an error.
pub fn weapons_outside_territory(
    declarations: &[WeaponsDeploymentDeclaration],
    possessor: &str,
    date: Date,
) -> Result<Option<OutsideTerritory>> {
    let mut best: Option<&WeaponsDeploymentDeclaration> = None;
    for d in declarations
        .iter()
        .filter(|d| d.possessor == possessor && d.as_of <= date)
    {
        match best {
            Some(b) if b.as_of == d.as_of => {
                return Err(SafeguardsError::invalid(
                    format!("declarations of {possessor}"),
                    format!(
                        "two declarations as of {}: which one is in force is ambiguous",
                        format_date(d.as_of)
                    ),
                ));
            }
            Some(b) if b.as_of > d.as_of => {}
            _ => best = Some(d),
        }
    }
    let Some(d) = best else { return Ok(None) };
    let mut count = 0u64;
    let mut lower_bound = false;
    let mut hosts = BTreeSet::new();
    let mut undisclosed = Vec::new();
    for dep in d
        .deployments
        .iter()
        .filter(|dep| !d.is_own_territory(&dep.host_state))
    {
        match dep.count {
            WeaponCount::Number(0) => continue,
            WeaponCount::Number(n) => count = count.saturating_add(n),
            WeaponCount::Undisclosed => {
                count = count.saturating_add(1);
                lower_bound = true;
                undisclosed.push(format!("{} ({})", dep.site, dep.host_state));
            }
        }
        hosts.insert(dep.host_state.clone());
    }
    Ok(Some(OutsideTerritory {
        possessor: possessor.to_string(),
        date,
        declaration_as_of: d.as_of,
        weapons_deployed_outside_territory: count,
        lower_bound,
        host_states: hosts.into_iter().collect(),
        undisclosed_sites: undisclosed,
    }))
}

/// One row per (possessor, declaration date): the series the treaty engine evaluates.
pub fn outside_territory_series(
    declarations: &[WeaponsDeploymentDeclaration],
) -> Result<Vec<OutsideTerritory>> {
    let keys: BTreeSet<(String, Date)> = declarations
        .iter()
        .map(|d| (d.possessor.clone(), d.as_of))
        .collect();
    let mut rows = Vec::with_capacity(keys.len());
    for (p, date) in keys {
        if let Some(row) = weapons_outside_territory(declarations, &p, date)? {
            rows.push(row);
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn decl(json: &str) -> WeaponsDeploymentDeclaration {
        parse_weapons_declaration(json.as_bytes()).unwrap()
    }

    #[test]
    fn outside_territory_counts_and_lower_bound() {
        let d1 = decl(
            r#"{"possessor":"USA","as_of":"2020-01-01","territories":["GUM"],
            "deployments":[{"host_state":"USA","site":"Minot","count":300},
                           {"host_state":"GUM","site":"Andersen","count":10},
                           {"host_state":"BEL","site":"Kleine Brogel","count":20},
                           {"host_state":"ITA","site":"Aviano","count":"undisclosed"},
                           {"host_state":"TUR","site":"Incirlik","count":0}]}"#,
        );
        let d2 = decl(
            r#"{"possessor":"USA","as_of":"2022-01-01","deployments":[{"host_state":"USA","site":"Minot","count":300}]}"#,
        );
        let all = [d1, d2];
        let r = weapons_outside_territory(&all, "USA", date!(2021 - 06 - 01))
            .unwrap()
            .unwrap();
        assert_eq!(r.weapons_deployed_outside_territory, 21);
        assert!(r.lower_bound);
        assert_eq!(r.host_states, vec!["BEL", "ITA"]);
        assert_eq!(r.declaration_as_of, date!(2020 - 01 - 01));
        let r = weapons_outside_territory(&all, "USA", date!(2022 - 01 - 01))
            .unwrap()
            .unwrap();
        assert_eq!(r.weapons_deployed_outside_territory, 0);
        assert!(!r.lower_bound);
        assert!(
            weapons_outside_territory(&all, "USA", date!(2019 - 01 - 01))
                .unwrap()
                .is_none()
        );
        assert!(
            weapons_outside_territory(&all, "FRA", date!(2023 - 01 - 01))
                .unwrap()
                .is_none()
        );
        assert_eq!(outside_territory_series(&all).unwrap().len(), 2);
    }

    #[test]
    fn rejects_bad_counts_and_duplicates() {
        for bad in [
            r#"{"possessor":"X","as_of":"2020-01-01","deployments":[{"host_state":"Y","site":"s","count":-1}]}"#,
            r#"{"possessor":"X","as_of":"2020-01-01","deployments":[{"host_state":"Y","site":"s","count":"some"}]}"#,
            r#"{"possessor":"X","as_of":"2020-01-01","deployments":[{"host_state":"Y","site":"s","count":1.5}]}"#,
            r#"{"possessor":"X","as_of":"2020-13-01","deployments":[]}"#,
            r#"{"possessor":"","as_of":"2020-01-01","deployments":[]}"#,
            r#"{"possessor":"X","as_of":"2020-01-01","deployments":[{"host_state":"Y","site":"s","count":1},{"host_state":"Y","site":"s","count":2}]}"#,
        ] {
            assert!(parse_weapons_declaration(bad.as_bytes()).is_err(), "{bad}");
        }
        let e = parse_weapons_declaration(br#"{"possessor":"X","as_of":"2020-01-01","deployments":[{"host_state":"Y","site":"s","count":"some"}]}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 1") && e.contains("undisclosed"), "{e}");
    }

    #[test]
    fn same_date_twice_is_ambiguous() {
        let a = decl(r#"{"possessor":"X","as_of":"2020-01-01","deployments":[]}"#);
        assert!(weapons_outside_territory(&[a.clone(), a], "X", date!(2020 - 02 - 01)).is_err());
    }
}
