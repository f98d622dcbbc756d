//! UTC epochs as split Julian dates, ISO 8601 parsing/formatting and Greenwich mean sidereal time.
//!
//! An [`Epoch`] keeps the Julian date as a whole part (midnight, `x.5`) and a day fraction, as
//! Vallado's 2006 code and python-sgp4 do (`jdsatepoch`, `jdsatepochF`), so that differences of
//! epochs a week apart keep microsecond resolution. Leap seconds are ignored (UTC is treated as a
//! uniform scale), as in SGP4 practice (Vallado et al. 2006, AIAA 2006-6753 §"Time").

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::error::SpaceError;

/// A UTC instant as a split Julian date: `jd` is a half-integer (midnight) and `fr` ∈ [0, 1).
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct Epoch {
    pub jd: f64,
    pub fr: f64,
}

/// Seconds per day.
pub const SECONDS_PER_DAY: f64 = 86_400.0;

impl Epoch {
    /// Builds a normalised epoch from any split (`fr` may be outside [0, 1)).
    pub fn from_jd(jd: f64, fr: f64) -> Epoch {
        // Move whole days from `fr` to `jd`, and keep `jd` on a midnight (x.5).
        let total_whole = (jd - 0.5).floor();
        let mut fr = fr + (jd - 0.5 - total_whole);
        let mut whole = total_whole;
        let shift = fr.floor();
        whole += shift;
        fr -= shift;
        Epoch {
            jd: whole + 0.5,
            fr,
        }
    }

    /// Julian date of 0h UTC on a Gregorian calendar date (Vallado 2013 Alg. 14, valid 1900–2100).
    pub fn julian_day_number(year: i32, month: u32, day: u32) -> f64 {
        let (y, m, d) = (year as f64, month as f64, day as f64);
        367.0 * y - ((7.0 * (y + ((m + 9.0) / 12.0).floor())) * 0.25).floor()
            + (275.0 * m / 9.0).floor()
            + d
            + 1_721_013.5
    }

    /// Epoch from calendar fields (UTC). `second` may carry a fraction.
    pub fn from_calendar(
        year: i32,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: f64,
    ) -> Epoch {
        let jd = Self::julian_day_number(year, month, day);
        let fr = (second + minute as f64 * 60.0 + hour as f64 * 3600.0) / SECONDS_PER_DAY;
        Epoch::from_jd(jd, fr)
    }

    /// Epoch from a TLE-style year and fractional day of year (1.0 = Jan 1 0h).
    /// The day fraction is rounded to the 1e-8 day resolution of the TLE field, as python-sgp4
    /// does, so both implementations propagate from the identical instant.
    pub fn from_year_day(year: i32, day_of_year: f64) -> Epoch {
        let jan0 = Self::julian_day_number(year, 1, 1) - 1.0;
        let whole = day_of_year.floor();
        let fr = ((day_of_year - whole) * 1e8).round() / 1e8;
        Epoch::from_jd(jan0 + whole, fr)
    }

    /// Single Julian date (loses sub-millisecond precision; for display and coarse arithmetic).
    pub fn jd_total(&self) -> f64 {
        self.jd + self.fr
    }

    /// Minutes from `other` to `self`.
    pub fn minutes_since(&self, other: &Epoch) -> f64 {
        (self.jd - other.jd) * 1440.0 + (self.fr - other.fr) * 1440.0
    }

    /// Seconds from `other` to `self`.
    pub fn seconds_since(&self, other: &Epoch) -> f64 {
        (self.jd - other.jd) * SECONDS_PER_DAY + (self.fr - other.fr) * SECONDS_PER_DAY
    }

    /// This epoch shifted by `seconds`.
    pub fn plus_seconds(&self, seconds: f64) -> Epoch {
        Epoch::from_jd(self.jd, self.fr + seconds / SECONDS_PER_DAY)
    }

    /// Julian years since J2000.0 (2000-01-01 12:00), the epoch argument the `sgp4` crate takes.
    pub fn years_since_j2000(&self) -> f64 {
        ((self.jd - 2_451_545.0) + self.fr) / 365.25
    }

    /// Calendar fields (year, month, day, hour, minute, second) — Vallado 2013 Alg. 22 (invjday).
    pub fn to_calendar(&self) -> (i32, u32, u32, u32, u32, f64) {
        // Round to the microsecond first so that 59.9999999 s never prints as 60.
        let micros_in_day = (self.fr * 86_400e6).round();
        let (jd, micros) = if micros_in_day >= 86_400e6 {
            (self.jd + 1.0, micros_in_day - 86_400e6)
        } else {
            (self.jd, micros_in_day)
        };
        // Fliegel & Van Flandern integer algorithm on the civil day number.
        let jdn = (jd + 0.5) as i64; // jd is x.5, so this is the civil day's JDN (noon-based).
        let l = jdn + 68_569;
        let n = 4 * l / 146_097;
        let l = l - (146_097 * n + 3) / 4;
        let i = 4000 * (l + 1) / 1_461_001;
        let l = l - 1461 * i / 4 + 31;
        let j = 80 * l / 2447;
        let day = l - 2447 * j / 80;
        let l = j / 11;
        let month = j + 2 - 12 * l;
        let year = 100 * (n - 49) + i + l;
        let total_s = micros / 1e6;
        let hour = (total_s / 3600.0).floor();
        let minute = ((total_s - hour * 3600.0) / 60.0).floor();
        let second = total_s - hour * 3600.0 - minute * 60.0;
        (
            year as i32,
            month as u32,
            day as u32,
            hour as u32,
            minute as u32,
            second,
        )
    }

    /// Parses ISO 8601 `YYYY-MM-DD[THH:MM[:SS[.fff]]][Z]` (also `YYYY-DDDTHH:MM:SS`, the CCSDS
    /// day-of-year form). Time zone offsets other than `Z` are rejected: CCSDS messages are UTC.
    pub fn parse_iso8601(text: &str) -> Result<Epoch, SpaceError> {
        let err = |what: &str| SpaceError::Time(format!("time {text:?}: {what}"));
        let s = text.trim();
        let s = s.strip_suffix('Z').unwrap_or(s);
        let (date, time) = match s.split_once(['T', ' ']) {
            Some((d, t)) => (d, Some(t)),
            None => (s, None),
        };
        let parts: Vec<&str> = date.split('-').collect();
        let num = |p: &str, what: &str| -> Result<u32, SpaceError> {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 4 {
                return Err(err(&format!("{what} {p:?} is not a number")));
            }
            p.parse::<u32>()
                .map_err(|_| err(&format!("{what} {p:?} is not a number")))
        };
        let (year, month, day) = match parts.as_slice() {
            [y, m, d] if y.len() == 4 => (num(y, "year")? as i32, num(m, "month")?, num(d, "day")?),
            [y, doy] if y.len() == 4 && doy.len() == 3 => {
                let year = num(y, "year")? as i32;
                let doy = num(doy, "day of year")?;
                let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
                if doy == 0 || doy > if leap { 366 } else { 365 } {
                    return Err(err("day of year out of range"));
                }
                let jd = Self::julian_day_number(year, 1, 1) + (doy - 1) as f64;
                let e = Epoch::from_jd(jd, 0.0);
                let (y, m, d, ..) = e.to_calendar();
                (y, m, d)
            }
            _ => return Err(err("expected YYYY-MM-DD or YYYY-DDD")),
        };
        if !(1900..=2100).contains(&year) {
            return Err(err("year outside 1900–2100"));
        }
        if !(1..=12).contains(&month) {
            return Err(err("month outside 1–12"));
        }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let mdays = [
            31,
            if leap { 29 } else { 28 },
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ];
        if day == 0 || day > mdays[(month - 1) as usize] {
            return Err(err("day outside the month"));
        }
        let (mut hour, mut minute, mut second) = (0u32, 0u32, 0.0f64);
        if let Some(t) = time {
            let tp: Vec<&str> = t.split(':').collect();
            if tp.len() < 2 || tp.len() > 3 {
                return Err(err("expected HH:MM[:SS[.fff]]"));
            }
            hour = num(tp[0], "hour")?;
            minute = num(tp[1], "minute")?;
            if let Some(sec) = tp.get(2) {
                let ok = !sec.is_empty()
                    && sec.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                    && sec.bytes().filter(|&b| b == b'.').count() <= 1
                    && !sec.starts_with('.');
                if !ok {
                    return Err(err(&format!("second {sec:?} is not a number")));
                }
                second = sec
                    .parse::<f64>()
                    .map_err(|_| err("second is not a number"))?;
            }
            if hour > 23 || minute > 59 || !(0.0..60.0).contains(&second) {
                return Err(err("time of day out of range"));
            }
        }
        Ok(Epoch::from_calendar(year, month, day, hour, minute, second))
    }

    /// ISO 8601 with microseconds and a `Z`.
    pub fn to_iso8601(&self) -> String {
        let (y, mo, d, h, mi, s) = self.to_calendar();
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:09.6}Z")
    }
}

impl fmt::Display for Epoch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso8601())
    }
}

/// Greenwich mean sidereal time (radians), IAU 1982 model (Vallado 2013 Eq. 3-45), as used for
/// the TEME→PEF rotation (Vallado et al. 2006, AIAA 2006-6753 §"Coordinate systems"). `jd_ut1`
/// is split like [`Epoch`]; pass UTC when ΔUT1 is unknown (error ≤ 0.9 s of rotation ≈ 0.4 km
/// at GEO, 0.4 km × r/42164 elsewhere).
pub fn gmst_1982(jd_ut1: &Epoch) -> f64 {
    let tut1 = ((jd_ut1.jd - 2_451_545.0) + jd_ut1.fr) / 36_525.0;
    let seconds = -6.2e-6 * tut1 * tut1 * tut1
        + 0.093_104 * tut1 * tut1
        + (876_600.0 * 3600.0 + 8_640_184.812_866) * tut1
        + 67_310.548_41;

    (seconds * (std::f64::consts::PI / 180.0) / 240.0).rem_euclid(std::f64::consts::TAU)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_round_trip_table() {
        // (iso, jd whole, fraction): JD values from Vallado 2013 Example 3-4 and the USNO
        // Julian date converter definition (J2000 = 2451545.0 = 2000-01-01 12:00).
        let table = [
            ("2000-01-01T12:00:00Z", 2_451_544.5, 0.5),
            ("1996-10-26T14:20:00Z", 2_450_382.5, 0.597_222_222_2),
            (
                "2004-04-06T07:51:28.386009Z",
                2_453_101.5,
                0.327_411_875_104_166_7,
            ),
        ];
        for (iso, jd, fr) in table {
            let e = Epoch::parse_iso8601(iso).unwrap();
            assert_eq!(e.jd, jd, "{iso}");
            assert!((e.fr - fr).abs() < 1e-10, "{iso}: {} vs {fr}", e.fr);
            assert_eq!(
                e.to_iso8601(),
                if iso.contains('.') {
                    iso.to_string()
                } else {
                    iso.replace(":00Z", ":00.000000Z")
                }
            );
        }
    }

    #[test]
    fn tle_day_of_year() {
        // 00179.78495062 → 2000-06-27 18:50:19.733568 (python-sgp4 test_sat_epoch_datetime).
        let e = Epoch::from_year_day(2000, 179.784_950_62);
        assert_eq!(e.to_iso8601(), "2000-06-27T18:50:19.733568Z");
    }

    #[test]
    fn rejects_malformed_times() {
        for bad in [
            "",
            "2024",
            "2024-13-01",
            "2024-02-30",
            "2024-01-01T25:00",
            "2024-01-01T10:00:6x",
            "2024-01-01T10:00:60",
            "99999-01-01",
        ] {
            assert!(Epoch::parse_iso8601(bad).is_err(), "{bad}");
        }
        assert!(Epoch::parse_iso8601("2024-366T00:00:00").is_ok());
        assert!(Epoch::parse_iso8601("2023-366T00:00:00").is_err());
    }
}
