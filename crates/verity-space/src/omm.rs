//! CCSDS Orbit Mean-elements Messages (OMM, CCSDS 502.0-B-3 §4) in the three encodings
//! CelesTrak and Space-Track distribute: KVN (keyword = value), XML (NDM/XML schema) and JSON
//! (CelesTrak's flat objects with the OMM keywords as keys).
//!
//! Only `MEAN_ELEMENT_THEORY = SGP4` (or absent) is accepted: SGP4-XP and DSST mean elements
//! mean something else and must not be fed to SGP4. `REF_FRAME` must be TEME, `TIME_SYSTEM`
//! UTC and `CENTER_NAME` EARTH when present. Every error names the message, the keyword and
//! the line (KVN), line:column (XML) or record (JSON).

use std::collections::HashMap;

use crate::elements::ElementSet;
use crate::error::{Result, SpaceError};
use crate::time::Epoch;
use crate::tle::{TleOptions, parse_tle_text};

/// A keyword's value and where it was found.
#[derive(Debug, Clone)]
struct Field {
    value: String,
    location: String,
}

struct Fields {
    format: &'static str,
    message: String,
    map: HashMap<String, Field>,
}

impl Fields {
    fn err(&self, location: &str, reason: impl Into<String>) -> SpaceError {
        SpaceError::Omm {
            format: self.format,
            location: format!(
                "{}{}",
                self.message,
                if location.is_empty() {
                    String::new()
                } else {
                    format!(", {location}")
                }
            ),
            reason: reason.into(),
        }
    }

    fn get(&self, key: &str) -> Option<&Field> {
        self.map.get(key).filter(|f| !f.value.trim().is_empty())
    }

    fn required(&self, key: &str) -> Result<&Field> {
        self.get(key)
            .ok_or_else(|| self.err("", format!("required keyword {key} is missing")))
    }

    fn number(&self, key: &str) -> Result<Option<f64>> {
        match self.get(key) {
            None => Ok(None),
            Some(f) => {
                let v = f.value.trim();
                // CCSDS KVN allows a leading '+', and numbers like ".0014649".
                let ok = v
                    .bytes()
                    .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
                match v.parse::<f64>() {
                    Ok(x) if ok && x.is_finite() => Ok(Some(x)),
                    _ => Err(self.err(&f.location, format!("{key} = {v:?} is not a number"))),
                }
            }
        }
    }

    fn required_number(&self, key: &str) -> Result<f64> {
        self.number(key)?
            .ok_or_else(|| self.err("", format!("required keyword {key} is missing")))
    }

    fn ranged(&self, key: &str, lo: f64, hi: f64, hi_inclusive: bool) -> Result<f64> {
        let v = self.required_number(key)?;
        let ok = v >= lo && if hi_inclusive { v <= hi } else { v < hi };
        if !ok {
            let loc = self
                .get(key)
                .map(|f| f.location.clone())
                .unwrap_or_default();
            return Err(self.err(
                &loc,
                format!(
                    "{key} = {v} outside [{lo}, {hi}{}",
                    if hi_inclusive { "]" } else { ")" }
                ),
            ));
        }
        Ok(v)
    }

    fn unsigned(&self, key: &str) -> Result<u32> {
        match self.number(key)? {
            None => Ok(0),
            Some(v) if v >= 0.0 && v.fract() == 0.0 && v <= u32::MAX as f64 => Ok(v as u32),
            Some(v) => {
                let loc = self
                    .get(key)
                    .map(|f| f.location.clone())
                    .unwrap_or_default();
                Err(self.err(&loc, format!("{key} = {v} is not a non-negative integer")))
            }
        }
    }

    fn into_elements(self) -> Result<ElementSet> {
        for (key, allowed) in [
            ("MEAN_ELEMENT_THEORY", &["SGP4", "SGP/SGP4"][..]),
            ("REF_FRAME", &["TEME"][..]),
            ("TIME_SYSTEM", &["UTC"][..]),
            ("CENTER_NAME", &["EARTH"][..]),
        ] {
            if let Some(f) = self.get(key) {
                let v = f.value.trim().to_ascii_uppercase();
                if !allowed.contains(&v.as_str()) {
                    return Err(self.err(
                        &f.location,
                        format!(
                            "{key} = {v:?} is not supported (expected {})",
                            allowed.join(" or ")
                        ),
                    ));
                }
            }
        }
        let epoch_field = self.required("EPOCH")?;
        let epoch = Epoch::parse_iso8601(&epoch_field.value)
            .map_err(|e| self.err(&epoch_field.location, format!("EPOCH: {e}")))?;
        let mean_motion = match self.number("MEAN_MOTION")? {
            Some(n) => n,
            None => {
                // OMM allows SEMI_MAJOR_AXIS (km) instead of MEAN_MOTION (CCSDS 502.0-B-3 §4.2.4).
                let a = self.number("SEMI_MAJOR_AXIS")?.ok_or_else(|| {
                    self.err(
                        "",
                        "required keyword MEAN_MOTION (or SEMI_MAJOR_AXIS) is missing",
                    )
                })?;
                if a <= 0.0 {
                    return Err(self.err("", "SEMI_MAJOR_AXIS must be positive"));
                }
                let gm = self.number("GM")?.unwrap_or(crate::elements::MU_WGS72);
                (gm / (a * a * a)).sqrt() * 86_400.0 / std::f64::consts::TAU
            }
        };
        if !(mean_motion > 0.0 && mean_motion < 20.0) {
            let loc = self
                .get("MEAN_MOTION")
                .map(|f| f.location.clone())
                .unwrap_or_default();
            return Err(self.err(
                &loc,
                format!("MEAN_MOTION = {mean_motion} rev/day outside (0, 20)"),
            ));
        }
        let eccentricity = self.ranged("ECCENTRICITY", 0.0, 1.0, false)?;
        let inclination = self.ranged("INCLINATION", 0.0, 180.0, true)?;
        let raan = self.ranged("RA_OF_ASC_NODE", 0.0, 360.0, true)?;
        let argp = self.ranged("ARG_OF_PERICENTER", 0.0, 360.0, true)?;
        let ma = self.ranged("MEAN_ANOMALY", 0.0, 360.0, true)?;
        let norad = self.required("NORAD_CAT_ID")?;
        let catalog_number = self.unsigned("NORAD_CAT_ID")?;
        if catalog_number == 0 || catalog_number > 999_999_999 {
            return Err(self.err(&norad.location, "NORAD_CAT_ID must be a positive integer"));
        }
        let classification = match self.get("CLASSIFICATION_TYPE") {
            None => 'U',
            Some(f) => match f.value.trim() {
                "U" => 'U',
                "C" => 'C',
                "S" => 'S',
                other => {
                    return Err(self.err(
                        &f.location,
                        format!("CLASSIFICATION_TYPE {other:?} is not U, C or S"),
                    ));
                }
            },
        };
        let ephemeris_type = self.unsigned("EPHEMERIS_TYPE")?;
        if ephemeris_type > 9 {
            return Err(self.err("", "EPHEMERIS_TYPE must be one digit"));
        }
        Ok(ElementSet {
            name: self.get("OBJECT_NAME").map(|f| f.value.trim().to_string()),
            catalog_number,
            classification,
            international_designator: self.get("OBJECT_ID").map(|f| f.value.trim().to_string()),
            epoch,
            mean_motion_dot: self.number("MEAN_MOTION_DOT")?.unwrap_or(0.0),
            mean_motion_ddot: self.number("MEAN_MOTION_DDOT")?.unwrap_or(0.0),
            bstar: self.number("BSTAR")?.unwrap_or(0.0),
            ephemeris_type: ephemeris_type as u8,
            element_set_number: self.unsigned("ELEMENT_SET_NO")?,
            inclination_deg: inclination,
            raan_deg: raan,
            eccentricity,
            arg_perigee_deg: argp,
            mean_anomaly_deg: ma,
            mean_motion_rev_per_day: mean_motion,
            revolution_number: self.unsigned("REV_AT_EPOCH")?,
        })
    }
}

/// Parses one or more OMMs in KVN. A new message starts at each `CCSDS_OMM_VERS` line.
pub fn parse_omm_kvn(text: &str) -> Result<Vec<ElementSet>> {
    let mut messages: Vec<Fields> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with("COMMENT") {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(SpaceError::Omm {
                format: "KVN",
                location: format!("line {line_no}"),
                reason: format!("expected KEYWORD = value, found {line:?}"),
            });
        };
        let key = key.trim().to_string();
        if key.is_empty()
            || !key
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(SpaceError::Omm {
                format: "KVN",
                location: format!("line {line_no}"),
                reason: format!("{key:?} is not a KVN keyword"),
            });
        }
        // Strip an optional unit in square brackets (CCSDS 502.0-B-3 §7.4.7).
        let mut value = value.trim();
        if let Some(idx) = value.find('[')
            && value.ends_with(']')
        {
            value = value[..idx].trim();
        }
        if key == "CCSDS_OMM_VERS" {
            messages.push(Fields {
                format: "KVN",
                message: format!("message {} (line {line_no})", messages.len() + 1),
                map: HashMap::new(),
            });
        }
        let Some(msg) = messages.last_mut() else {
            return Err(SpaceError::Omm {
                format: "KVN",
                location: format!("line {line_no}"),
                reason: "content before the first CCSDS_OMM_VERS line".into(),
            });
        };
        let location = format!("line {line_no} ({key})");
        if msg.map.contains_key(&key) {
            return Err(SpaceError::Omm {
                format: "KVN",
                location,
                reason: format!("keyword {key} repeated in one message"),
            });
        }
        msg.map.insert(
            key,
            Field {
                value: value.to_string(),
                location,
            },
        );
    }
    if messages.is_empty() {
        return Err(SpaceError::Omm {
            format: "KVN",
            location: "line 1".into(),
            reason: "no CCSDS_OMM_VERS line: not an OMM".into(),
        });
    }
    messages.into_iter().map(Fields::into_elements).collect()
}

/// Parses an NDM/XML document holding one or more `<omm>` elements (or a bare `<omm>`).
pub fn parse_omm_xml(text: &str) -> Result<Vec<ElementSet>> {
    let doc = roxmltree::Document::parse(text).map_err(|e| SpaceError::Omm {
        format: "XML",
        location: format!("line {}:{}", e.pos().row, e.pos().col),
        reason: e.to_string(),
    })?;
    let omms: Vec<_> = doc
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name().eq_ignore_ascii_case("omm"))
        .collect();
    if omms.is_empty() {
        return Err(SpaceError::Omm {
            format: "XML",
            location: "document".into(),
            reason: "no <omm> element".into(),
        });
    }
    let mut out = Vec::new();
    for (i, omm) in omms.iter().enumerate() {
        let pos = doc.text_pos_at(omm.range().start);
        let mut map = HashMap::new();
        for n in omm
            .descendants()
            .filter(|n| n.is_element() && !n.children().any(|c| c.is_element()))
        {
            let key = n.tag_name().name().to_string();
            if key == "COMMENT" {
                continue;
            }
            let p = doc.text_pos_at(n.range().start);
            let location = format!("line {}:{} <{key}>", p.row, p.col);
            if map.contains_key(&key) {
                return Err(SpaceError::Omm {
                    format: "XML",
                    location,
                    reason: format!("element <{key}> repeated in one message"),
                });
            }
            map.insert(
                key,
                Field {
                    value: n.text().unwrap_or("").to_string(),
                    location,
                },
            );
        }
        out.push(
            Fields {
                format: "XML",
                message: format!("<omm> {} at line {}", i + 1, pos.row),
                map,
            }
            .into_elements()?,
        );
    }
    Ok(out)
}

/// Parses CelesTrak-style OMM JSON: an array of objects (or one object) keyed by OMM keywords,
/// values as numbers or strings.
pub fn parse_omm_json(text: &str) -> Result<Vec<ElementSet>> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| SpaceError::Omm {
        format: "JSON",
        location: format!("line {}:{}", e.line(), e.column()),
        reason: e.to_string(),
    })?;
    let records = match value {
        serde_json::Value::Array(a) => a,
        o @ serde_json::Value::Object(_) => vec![o],
        _ => {
            return Err(SpaceError::Omm {
                format: "JSON",
                location: "document".into(),
                reason: "expected an array of OMM objects or one object".into(),
            });
        }
    };
    records
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let serde_json::Value::Object(obj) = r else {
                return Err(SpaceError::Omm {
                    format: "JSON",
                    location: format!("record {}", i + 1),
                    reason: "not an object".into(),
                });
            };
            let mut map = HashMap::new();
            for (k, v) in obj {
                let value = match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Number(n) => n.to_string(),
                    serde_json::Value::Null => continue,
                    other => {
                        return Err(SpaceError::Omm {
                            format: "JSON",
                            location: format!("record {}, key {k}", i + 1),
                            reason: format!("value {other} is neither a number nor a string"),
                        });
                    }
                };
                let location = format!("key {k}");
                map.insert(k, Field { value, location });
            }
            Fields {
                format: "JSON",
                message: format!("record {}", i + 1),
                map,
            }
            .into_elements()
        })
        .collect()
}

/// Input formats for element sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElementFormat {
    Tle,
    OmmKvn,
    OmmXml,
    OmmJson,
}

/// Guesses the format from the first non-blank character/line.
pub fn detect_format(text: &str) -> ElementFormat {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with('[') || t.starts_with('{') {
        ElementFormat::OmmJson
    } else if t.starts_with('<') {
        ElementFormat::OmmXml
    } else if t
        .lines()
        .take(50)
        .any(|l| l.trim_start().starts_with("CCSDS_OMM_VERS"))
    {
        ElementFormat::OmmKvn
    } else {
        ElementFormat::Tle
    }
}

/// Parses element sets in any supported format (detected from the content). TLEs are checked
/// strictly (checksums on, nothing after column 69).
pub fn parse_elements(text: &str) -> Result<Vec<ElementSet>> {
    let text = text.trim_start_matches('\u{feff}');
    match detect_format(text) {
        ElementFormat::Tle => parse_tle_text(text, &TleOptions::default()),
        ElementFormat::OmmKvn => parse_omm_kvn(text),
        ElementFormat::OmmXml => parse_omm_xml(text),
        ElementFormat::OmmJson => parse_omm_json(text),
    }
}
