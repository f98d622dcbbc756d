//! Earth orientation parameters (polar motion xp, yp; ΔUT1 = UT1 − UTC; excess length of day)
//! from the two files operators actually download, linearly interpolated in time.
//!
//! ## IERS `finals2000A.all` / `finals.all` (fixed width)
//! From the IERS Rapid Service/Prediction Centre (USNO), `readme.finals2000A` and
//! `readme.finals`. Both files share columns 1–93, which are the ones read here (columns are
//! 1-based, inclusive):
//!
//! | columns | format | quantity |
//! |---|---|---|
//! | 1–2, 3–4, 5–6 | 3×I2 | year (add 1900 for MJD ≤ 51543, 2000 for MJD ≥ 51544), month, day |
//! | 8–15 | F8.2 | MJD (UTC) |
//! | 17 | A1 | `I` (IERS) or `P` (prediction) flag for polar motion |
//! | 19–27 | F9.6 | Bulletin A PM-x (arcsec) |
//! | 38–46 | F9.6 | Bulletin A PM-y (arcsec) |
//! | 58 | A1 | `I`/`P` flag for UT1−UTC |
//! | 59–68 | F10.7 | Bulletin A UT1−UTC (s) |
//! | 80–86 | F7.4 | Bulletin A LOD (ms) — not always filled (read as 0 when blank) |
//!
//! Columns 98 onwards are nutation corrections (dX/dY in `finals2000A`, dψ/dε in `finals`)
//! and the Bulletin B values; they are not used (TEME→ITRF needs no nutation correction, and
//! Bulletin A fills every row up to the end of the predictions). Rows past the predictions
//! carry only the date and MJD and are skipped.
//!
//! ## CelesTrak `EOP-All.csv`
//! From <https://celestrak.org/SpaceData/EOP-format.php> ("CSV Data Format"): a header line
//! `DATE,MJD,X,Y,UT1-UTC,LOD,DPSI,DEPS,DX,DY,DAT,DATA_TYPE`, then one row per day:
//! DATE (ISO 8601), MJD (integer, 0h UTC), X and Y (arcsec), UT1-UTC (s), LOD (s), DPSI, DEPS,
//! DX, DY (arcsec), DAT (TAI−UTC, integer s), DATA_TYPE (`O` observed, `P` predicted).
//!
//! ## Interpolation
//! Linear in MJD (UTC) between the two rows around the instant, as Vallado 2013 §3.7 suggests
//! for daily values; no extrapolation (an instant outside the table is an error). Across a
//! leap second UT1−UTC jumps by 1 s between consecutive days; the later value is shifted by
//! ∓1 s before interpolating so that UT1 stays continuous through the day before the leap.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::frames::EarthOrientation;
use crate::time::Epoch;

/// Errors of the EOP readers and lookups.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum EopError {
    /// A row or field is malformed. Lines and columns are 1-based.
    #[error("{format} line {line}, {location}: {reason}")]
    Malformed {
        format: &'static str,
        line: usize,
        /// Column range and field name, e.g. `columns 19-27 (PM-x)` or `field 5 (UT1-UTC)`.
        location: String,
        reason: String,
    },
    /// The text holds no usable row.
    #[error("{0}: no Earth orientation rows")]
    Empty(&'static str),
    /// The instant is outside the table.
    #[error("{time} (MJD {mjd:.5}) is outside the EOP table (MJD {first} to {last})")]
    OutOfRange {
        time: String,
        mjd: f64,
        first: f64,
        last: f64,
    },
}

/// One day of Earth orientation.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EopRecord {
    /// Modified Julian Date (UTC) of the values, 0h.
    pub mjd: f64,
    pub eop: EarthOrientation,
    /// True when the values are predictions (flag `P`).
    pub predicted: bool,
}

/// A time-ordered table of daily Earth orientation values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EopTable {
    records: Vec<EopRecord>,
}

const FINALS: &str = "IERS finals";
const CSV: &str = "CelesTrak EOP CSV";
const CSV_HEADER: &str = "DATE,MJD,X,Y,UT1-UTC,LOD,DPSI,DEPS,DX,DY,DAT,DATA_TYPE";

/// MJD = JD − 2400000.5.
pub fn mjd(t: &Epoch) -> f64 {
    (t.jd - 2_400_000.5) + t.fr
}

impl EopTable {
    /// Reads either format: CelesTrak CSV when the first non-blank line is its header,
    /// otherwise IERS finals.
    pub fn parse(text: &str) -> Result<EopTable, EopError> {
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        if first.trim_start_matches('\u{feff}').starts_with("DATE,") {
            Self::parse_celestrak_csv(text)
        } else {
            Self::parse_finals(text)
        }
    }

    /// The records, in increasing MJD.
    pub fn records(&self) -> &[EopRecord] {
        &self.records
    }

    fn from_records(records: Vec<EopRecord>, format: &'static str) -> Result<Self, EopError> {
        if records.is_empty() {
            return Err(EopError::Empty(format));
        }
        Ok(EopTable { records })
    }

    /// Reads IERS `finals2000A.all`/`finals.all` (also `.data`/`.daily`).
    pub fn parse_finals(text: &str) -> Result<EopTable, EopError> {
        let mut records: Vec<EopRecord> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let l = raw.trim_end_matches('\r');
            if l.trim().is_empty() {
                continue;
            }
            let err = |cols: &str, name: &str, reason: String| EopError::Malformed {
                format: FINALS,
                line,
                location: format!("columns {cols} ({name})"),
                reason,
            };
            if !l.is_ascii() {
                return Err(EopError::Malformed {
                    format: FINALS,
                    line,
                    location: "whole line".into(),
                    reason: "non-ASCII text in a fixed-width file".into(),
                });
            }
            // 1-based inclusive columns; a short line reads as blanks.
            let col = |a: usize, b: usize| -> &str {
                let end = b.min(l.len());
                if a > end { "" } else { l[a - 1..end].trim() }
            };
            let num = |a: usize, b: usize, name: &str| -> Result<Option<f64>, EopError> {
                let s = col(a, b);
                if s.is_empty() {
                    return Ok(None);
                }
                match s.parse::<f64>() {
                    Ok(v) if v.is_finite() => Ok(Some(v)),
                    _ => Err(err(
                        &format!("{a}-{b}"),
                        name,
                        format!("{s:?} is not a number"),
                    )),
                }
            };
            let mjd = num(8, 15, "MJD")?.ok_or_else(|| err("8-15", "MJD", "blank".into()))?;
            let (y, m, d) = (num(1, 2, "year")?, num(3, 4, "month")?, num(5, 6, "day")?);
            let (Some(y), Some(m), Some(d)) = (y, m, d) else {
                return Err(err("1-6", "date", format!("{:?} is not YYMMDD", col(1, 6))));
            };
            // Cross-check the calendar date against the MJD (catches shifted columns).
            let year = y as i32 + if mjd <= 51_543.0 { 1900 } else { 2000 };
            if !(1.0..=12.0).contains(&m) || !(1.0..=31.0).contains(&d) {
                return Err(err("1-6", "date", format!("{:?} is not YYMMDD", col(1, 6))));
            }
            let expect = Epoch::julian_day_number(year, m as u32, d as u32) - 2_400_000.5;
            if (expect - mjd).abs() > 1e-6 {
                return Err(err(
                    "8-15",
                    "MJD",
                    format!("{mjd} does not match the date {year}-{m:02}-{d:02} (MJD {expect})"),
                ));
            }
            let xp = num(19, 27, "PM-x")?;
            let yp = num(38, 46, "PM-y")?;
            let dut1 = num(59, 68, "UT1-UTC")?;
            let (xp, yp, dut1) = match (xp, yp, dut1) {
                // Rows beyond the predictions carry only the date.
                (None, None, None) => continue,
                (Some(a), Some(b), Some(c)) => (a, b, c),
                _ => {
                    return Err(err(
                        "19-68",
                        "PM-x, PM-y, UT1-UTC",
                        "some but not all of polar motion and UT1-UTC are given".into(),
                    ));
                }
            };
            if xp.abs() > 2.0 || yp.abs() > 2.0 {
                return Err(err(
                    "19-46",
                    "polar motion",
                    format!("{xp}, {yp} arcsec is implausible (> 2″)"),
                ));
            }
            if dut1.abs() > 1.0 {
                return Err(err("59-68", "UT1-UTC", format!("{dut1} s exceeds 1 s")));
            }
            let lod_ms = num(80, 86, "LOD")?.unwrap_or(0.0);
            let predicted = col(17, 17) == "P" || col(58, 58) == "P";
            push(
                &mut records,
                EopRecord {
                    mjd,
                    eop: EarthOrientation {
                        dut1_s: dut1,
                        xp_arcsec: xp,
                        yp_arcsec: yp,
                        lod_s: lod_ms / 1000.0,
                    },
                    predicted,
                },
                || err("8-15", "MJD", "not after the previous row's MJD".into()),
            )?;
        }
        Self::from_records(records, FINALS)
    }

    /// Reads CelesTrak `EOP-All.csv` / `EOP-Last5Years.csv`.
    pub fn parse_celestrak_csv(text: &str) -> Result<EopTable, EopError> {
        let mut records: Vec<EopRecord> = Vec::new();
        let mut header_seen = false;
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let l = raw.trim_end_matches('\r').trim_start_matches('\u{feff}');
            if l.trim().is_empty() {
                continue;
            }
            if !header_seen {
                if l.trim() != CSV_HEADER {
                    return Err(EopError::Malformed {
                        format: CSV,
                        line,
                        location: "header".into(),
                        reason: format!("expected {CSV_HEADER:?}, found {:?}", l.trim()),
                    });
                }
                header_seen = true;
                continue;
            }
            let fields: Vec<&str> = l.split(',').map(str::trim).collect();
            let names = CSV_HEADER.split(',').collect::<Vec<_>>();
            let err = |k: usize, reason: String| EopError::Malformed {
                format: CSV,
                line,
                location: format!("field {} ({})", k + 1, names.get(k).copied().unwrap_or("?")),
                reason,
            };
            if fields.len() != names.len() {
                return Err(EopError::Malformed {
                    format: CSV,
                    line,
                    location: "row".into(),
                    reason: format!("{} fields, expected {}", fields.len(), names.len()),
                });
            }
            let num = |k: usize| -> Result<f64, EopError> {
                match fields[k].parse::<f64>() {
                    Ok(v) if v.is_finite() => Ok(v),
                    _ => Err(err(k, format!("{:?} is not a number", fields[k]))),
                }
            };
            let date = Epoch::parse_iso8601(fields[0])
                .ok()
                .filter(|_| fields[0].len() == 10)
                .ok_or_else(|| err(0, format!("{:?} is not YYYY-MM-DD", fields[0])))?;
            let mjd = num(1)?;
            if (date.jd - 2_400_000.5 - mjd).abs() > 1e-6 {
                return Err(err(1, format!("{mjd} does not match DATE {}", fields[0])));
            }
            let (xp, yp, dut1, lod) = (num(2)?, num(3)?, num(4)?, num(5)?);
            if xp.abs() > 2.0 {
                return Err(err(2, format!("{xp} arcsec is implausible (> 2″)")));
            }
            if yp.abs() > 2.0 {
                return Err(err(3, format!("{yp} arcsec is implausible (> 2″)")));
            }
            if dut1.abs() > 1.0 {
                return Err(err(4, format!("{dut1} s exceeds 1 s")));
            }
            for k in 6..=10 {
                num(k)?;
            }
            let predicted = match fields[11] {
                "O" => false,
                "P" => true,
                other => return Err(err(11, format!("{other:?} is neither O nor P"))),
            };
            push(
                &mut records,
                EopRecord {
                    mjd,
                    eop: EarthOrientation {
                        dut1_s: dut1,
                        xp_arcsec: xp,
                        yp_arcsec: yp,
                        lod_s: lod,
                    },
                    predicted,
                },
                || err(1, "not after the previous row's MJD".into()),
            )?;
        }
        if !header_seen {
            return Err(EopError::Empty(CSV));
        }
        Self::from_records(records, CSV)
    }

    /// Earth orientation at UTC instant `t`, linearly interpolated between the daily rows.
    pub fn at(&self, t: &Epoch) -> Result<EarthOrientation, EopError> {
        let x = mjd(t);
        let (first, last) = (
            self.records[0].mjd,
            self.records[self.records.len() - 1].mjd,
        );
        if !(x >= first && x <= last) {
            return Err(EopError::OutOfRange {
                time: t.to_iso8601(),
                mjd: x,
                first,
                last,
            });
        }
        // First row with mjd > x; records is non-empty and x ≤ last, so 1 ≤ k ≤ len.
        let k = self.records.partition_point(|r| r.mjd <= x);
        if k >= self.records.len() {
            return Ok(self.records[self.records.len() - 1].eop);
        }
        let (a, b) = (&self.records[k - 1], &self.records[k]);
        let u = (x - a.mjd) / (b.mjd - a.mjd);
        let mut dut1_b = b.eop.dut1_s;
        // A leap second between the rows: keep UT1 continuous (see module docs).
        if dut1_b - a.eop.dut1_s > 0.5 {
            dut1_b -= 1.0;
        } else if dut1_b - a.eop.dut1_s < -0.5 {
            dut1_b += 1.0;
        }
        let lerp = |p: f64, q: f64| p + u * (q - p);
        Ok(EarthOrientation {
            dut1_s: lerp(a.eop.dut1_s, dut1_b),
            xp_arcsec: lerp(a.eop.xp_arcsec, b.eop.xp_arcsec),
            yp_arcsec: lerp(a.eop.yp_arcsec, b.eop.yp_arcsec),
            lod_s: lerp(a.eop.lod_s, b.eop.lod_s),
        })
    }
}

fn push(
    records: &mut Vec<EopRecord>,
    r: EopRecord,
    not_increasing: impl Fn() -> EopError,
) -> Result<(), EopError> {
    if let Some(prev) = records.last()
        && !(r.mjd > prev.mjd)
    {
        return Err(not_increasing());
    }
    records.push(r);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows of IERS finals2000A.all for 2016-12-31 and 2017-01-01 (the leap second at the end
    /// of 2016-12-31), verbatim from astropy-iers-data 0.2026.11.2 (BSD-3-Clause), which copies
    /// the USNO file.
    const LEAP: &str = "161231 57753.00 I  0.081400 0.000052  0.263094 0.000039  I-0.4077601 0.0000078  0.8842 0.0055  I     0.025    0.119    -0.169    0.024  0.081318  0.262990 -0.4077600    -0.021    -0.048  \n\
17 1 1 57754.00 I  0.080504 0.000028  0.263145 0.000028  I 0.5912821 0.0000077  1.0342 0.0050  I     0.012    0.119    -0.168    0.018  0.080450  0.263074  0.5912975    -0.019    -0.057  \n";

    /// Regression: interpolating UT1−UTC straight across a leap second would put UT1 off by
    /// up to 0.5 s in the day before it.
    #[test]
    fn leap_second_keeps_ut1_continuous() {
        let t = EopTable::parse(LEAP).unwrap();
        let noon = Epoch::parse_iso8601("2016-12-31T12:00:00Z").unwrap();
        let e = t.at(&noon).unwrap();
        // Halfway between −0.4077601 and (0.5912821 − 1).
        let want = 0.5 * (-0.4077601 + (0.5912821 - 1.0));
        assert!((e.dut1_s - want).abs() < 1e-12, "{}", e.dut1_s);
        assert!((e.xp_arcsec - 0.5 * (0.081400 + 0.080504)).abs() < 1e-12);
        assert!((e.lod_s - 0.5 * (0.8842 + 1.0342) / 1000.0).abs() < 1e-15);
        let at_row = t
            .at(&Epoch::parse_iso8601("2017-01-01T00:00:00Z").unwrap())
            .unwrap();
        assert_eq!(at_row.dut1_s, 0.5912821);
    }

    #[test]
    fn outside_the_table_is_an_error() {
        let t = EopTable::parse(LEAP).unwrap();
        let err = t
            .at(&Epoch::parse_iso8601("2017-01-02T00:00:01Z").unwrap())
            .unwrap_err();
        assert!(matches!(err, EopError::OutOfRange { .. }), "{err}");
    }

    #[test]
    fn malformed_rows_name_line_and_columns() {
        let good = LEAP.lines().next().unwrap();
        let mut bad_pm = good.to_string();
        bad_pm.replace_range(18..27, " 0.08x400");
        let mut bad_mjd = good.to_string();
        bad_mjd.replace_range(7..15, "57754.00");
        let partial = format!("{:<58}", &good[..40]);
        let cases: Vec<(String, &str)> = vec![
            (format!("{good}\n{bad_pm}\n"), "line 2, columns 19-27 (PM-x)"),
            (bad_mjd, "line 1, columns 8-15 (MJD)"),
            (partial, "columns 19-68"),
            (format!("{good}\n{good}\n"), "line 2, columns 8-15 (MJD): not after"),
            ("".into(), "no Earth orientation rows"),
            (
                "DATE,MJD,X,Y,UT1-UTC,LOD,DPSI,DEPS,DX,DY,DAT,DATA_TYPE\n2004-04-06,53101,-0.140722,0.333536,-0.4399498,0.0015244,0,0,0,0,32,Q\n".into(),
                "line 2, field 12 (DATA_TYPE)",
            ),
            (
                "DATE,MJD,X,Y,UT1-UTC,LOD,DPSI,DEPS,DX,DY,DAT,DATA_TYPE\n2004-04-06,53102,-0.140722,0.333536,-0.4399498,0.0015244,0,0,0,0,32,O\n".into(),
                "line 2, field 2 (MJD)",
            ),
            (
                "DATE,MJD,X,Y,UT1-UTC,LOD,DPSI,DEPS,DX,DY,DAT,DATA_TYPE\n2004-04-06,53101,-0.140722,0.333536\n".into(),
                "line 2, row: 4 fields",
            ),
            (
                "DATE,MJD,X,Y,UT1-UTC,LOD,DPSI,DEPS,DX,DY,DAT\n".into(),
                "line 1, header",
            ),
        ];
        for (text, want) in cases {
            let err = EopTable::parse(&text).unwrap_err().to_string();
            assert!(err.contains(want), "want {want:?}, got {err}");
        }
    }
}
