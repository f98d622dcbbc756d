//! CCSDS Conjunction Data Messages (CDM, CCSDS 508.0-B-1) in KVN.
//!
//! The parser reads the header, the relative-metadata section (TCA, miss distance, relative
//! state in RTN, provider collision probability) and the two object sections (metadata, state
//! vector at TCA, and the 6×6 RTN covariance lower triangle `CR_R … CNDOT_NDOT`). The hard-body
//! radius is not a CDM 1.0 keyword; CARA writes it as `COMMENT HBR = <m> [m]`, which is read when
//! present. Every error names the line and keyword.

use serde::{Deserialize, Serialize};

use crate::error::{Result, SpaceError};
use crate::time::Epoch;

/// One object's section of a CDM.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CdmObject {
    /// `OBJECT1` or `OBJECT2`.
    pub object: String,
    pub designator: String,
    pub name: Option<String>,
    pub international_designator: Option<String>,
    pub ref_frame: String,
    pub maneuverable: Option<String>,
    /// Position (km) and velocity (km/s) at TCA in `ref_frame`.
    pub position_km: [f64; 3],
    pub velocity_km_s: [f64; 3],
    /// RTN covariance of position/velocity (m², m²/s, m²/s²), full symmetric 6×6.
    pub covariance_rtn: [[f64; 6]; 6],
}

/// A parsed CDM.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Cdm {
    pub version: String,
    pub creation_date: Epoch,
    pub originator: String,
    pub message_id: String,
    pub tca: Epoch,
    pub miss_distance_m: f64,
    pub relative_speed_m_s: Option<f64>,
    pub collision_probability: Option<f64>,
    pub collision_probability_method: Option<String>,
    /// Combined hard-body radius (m) from a `COMMENT HBR = ...` line, if any.
    pub hard_body_radius_m: Option<f64>,
    pub objects: [CdmObject; 2],
}

const COV_KEYS: [&str; 21] = [
    "CR_R",
    "CT_R",
    "CT_T",
    "CN_R",
    "CN_T",
    "CN_N",
    "CRDOT_R",
    "CRDOT_T",
    "CRDOT_N",
    "CRDOT_RDOT",
    "CTDOT_R",
    "CTDOT_T",
    "CTDOT_N",
    "CTDOT_RDOT",
    "CTDOT_TDOT",
    "CNDOT_R",
    "CNDOT_T",
    "CNDOT_N",
    "CNDOT_RDOT",
    "CNDOT_TDOT",
    "CNDOT_NDOT",
];

#[derive(Default)]
struct Section {
    fields: Vec<(String, String, usize)>,
}

impl Section {
    fn get(&self, key: &str) -> Option<(&str, usize)> {
        self.fields
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, v, l)| (v.as_str(), *l))
    }
}

fn err(line: usize, keyword: &str, reason: impl Into<String>) -> SpaceError {
    SpaceError::Cdm {
        line,
        keyword: keyword.to_string(),
        reason: reason.into(),
    }
}

fn required<'a>(s: &'a Section, key: &str, section: &str) -> Result<(&'a str, usize)> {
    s.get(key)
        .ok_or_else(|| err(0, key, format!("required keyword missing from {section}")))
}

fn number(s: &Section, key: &str, section: &str) -> Result<f64> {
    let (v, line) = required(s, key, section)?;
    parse_number(v, line, key)
}

fn parse_number(v: &str, line: usize, key: &str) -> Result<f64> {
    let ok = !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    match v.parse::<f64>() {
        Ok(x) if ok && x.is_finite() => Ok(x),
        _ => Err(err(line, key, format!("{v:?} is not a number"))),
    }
}

/// Parses one CDM in KVN.
pub fn parse_cdm_kvn(text: &str) -> Result<Cdm> {
    let mut header = Section::default();
    let mut objects: Vec<Section> = Vec::new();
    let mut hbr: Option<f64> = None;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix("COMMENT") {
            // CARA convention: `COMMENT HBR = 10 [m]`.
            let c = comment.trim();
            if let Some(rest) = c.strip_prefix("HBR") {
                let v = rest.trim_start().trim_start_matches('=').trim();
                let v = v.split('[').next().unwrap_or("").trim();
                hbr = Some(parse_number(v, line_no, "COMMENT HBR")?);
            }
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(err(
                line_no,
                "",
                format!("expected KEYWORD = value, found {line:?}"),
            ));
        };
        let key = key.trim();
        if key.is_empty()
            || !key
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(err(line_no, key, "not a KVN keyword"));
        }
        let mut value = value.trim();
        if let Some(idx) = value.find('[') {
            if value.ends_with(']') {
                value = value[..idx].trim();
            } else {
                return Err(err(line_no, key, "unterminated unit bracket"));
            }
        }
        if key == "OBJECT" {
            let expected = format!("OBJECT{}", objects.len() + 1);
            if value != expected {
                return Err(err(
                    line_no,
                    key,
                    format!("expected {expected}, found {value:?}"),
                ));
            }
            if objects.len() == 2 {
                return Err(err(line_no, key, "more than two objects"));
            }
            objects.push(Section::default());
        }
        let section = objects.last_mut().unwrap_or(&mut header);
        if section.get(key).is_some() {
            return Err(err(line_no, key, "keyword repeated in one section"));
        }
        section
            .fields
            .push((key.to_string(), value.to_string(), line_no));
    }
    if objects.len() != 2 {
        return Err(err(
            0,
            "OBJECT",
            format!("a CDM has two object sections, found {}", objects.len()),
        ));
    }
    let (version, _) = required(&header, "CCSDS_CDM_VERS", "the header")?;
    let time = |key: &str| -> Result<Epoch> {
        let (v, line) = required(&header, key, "the header")?;
        Epoch::parse_iso8601(v).map_err(|e| err(line, key, e.to_string()))
    };
    let miss = number(&header, "MISS_DISTANCE", "the relative metadata")?;
    if miss < 0.0 {
        return Err(err(
            header.get("MISS_DISTANCE").map(|x| x.1).unwrap_or(0),
            "MISS_DISTANCE",
            "negative",
        ));
    }
    let pc = match header.get("COLLISION_PROBABILITY") {
        Some((v, line)) => {
            let p = parse_number(v, line, "COLLISION_PROBABILITY")?;
            if !(0.0..=1.0).contains(&p) {
                return Err(err(
                    line,
                    "COLLISION_PROBABILITY",
                    format!("{p} outside [0, 1]"),
                ));
            }
            Some(p)
        }
        None => None,
    };
    let mut objs = Vec::new();
    for s in &objects {
        let label = s.get("OBJECT").map(|x| x.0.to_string()).unwrap_or_default();
        let sec = format!("the {label} section");
        let mut cov = [[0.0; 6]; 6];
        let mut k = 0;
        for row in 0..6 {
            for col in 0..=row {
                let v = number(s, COV_KEYS[k], &sec)?;
                cov[row][col] = v;
                cov[col][row] = v;
                k += 1;
            }
        }
        for d in 0..6 {
            if cov[d][d] < 0.0 {
                return Err(err(
                    s.get(COV_KEYS[[0, 2, 5, 9, 14, 20][d]])
                        .map(|x| x.1)
                        .unwrap_or(0),
                    COV_KEYS[[0, 2, 5, 9, 14, 20][d]],
                    "negative variance",
                ));
            }
        }
        objs.push(CdmObject {
            object: label,
            designator: required(s, "OBJECT_DESIGNATOR", &sec)?.0.to_string(),
            name: s.get("OBJECT_NAME").map(|x| x.0.to_string()),
            international_designator: s.get("INTERNATIONAL_DESIGNATOR").map(|x| x.0.to_string()),
            ref_frame: required(s, "REF_FRAME", &sec)?.0.to_string(),
            maneuverable: s.get("MANEUVERABLE").map(|x| x.0.to_string()),
            position_km: [
                number(s, "X", &sec)?,
                number(s, "Y", &sec)?,
                number(s, "Z", &sec)?,
            ],
            velocity_km_s: [
                number(s, "X_DOT", &sec)?,
                number(s, "Y_DOT", &sec)?,
                number(s, "Z_DOT", &sec)?,
            ],
            covariance_rtn: cov,
        });
    }
    let o2 = objs.pop().expect("two objects checked above");
    let o1 = objs.pop().expect("two objects checked above");
    Ok(Cdm {
        version: version.to_string(),
        creation_date: time("CREATION_DATE")?,
        originator: required(&header, "ORIGINATOR", "the header")?.0.to_string(),
        message_id: required(&header, "MESSAGE_ID", "the header")?.0.to_string(),
        tca: time("TCA")?,
        miss_distance_m: miss,
        relative_speed_m_s: match header.get("RELATIVE_SPEED") {
            Some((v, l)) => Some(parse_number(v, l, "RELATIVE_SPEED")?),
            None => None,
        },
        collision_probability: pc,
        collision_probability_method: header
            .get("COLLISION_PROBABILITY_METHOD")
            .map(|x| x.0.to_string()),
        hard_body_radius_m: hbr,
        objects: [o1, o2],
    })
}
