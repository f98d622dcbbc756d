//! The in-memory time series every other module works on.
//!
//! Time is an `i64` count of nanoseconds since 1970-01-01T00:00:00 UTC (leap seconds are not
//! counted, as in POSIX time and in libmseed's `nstime_t`), so that record start times survive
//! decoding without the rounding a floating-point epoch would introduce.

use serde::{Deserialize, Serialize};

/// Nanoseconds per second, the unit of [`Trace::start`].
pub const NS_PER_SEC: i64 = 1_000_000_000;

/// One contiguous, evenly sampled time series of one channel.
///
/// Samples are `f64` (every integer a 32-bit miniSEED or SAC encoding can hold is exactly
/// representable, so converting decoded counts to `f64` is lossless). For bit-exact access to
/// the decoded record payload see [`crate::mseed::Samples`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    /// FDSN network code (e.g. `IU`).
    pub network: String,
    /// Station code (e.g. `ANMO`).
    pub station: String,
    /// Location code, possibly empty.
    pub location: String,
    /// Channel code (band, instrument, orientation, e.g. `BHZ`).
    pub channel: String,
    /// Time of the first sample, nanoseconds since the Unix epoch, UTC.
    pub start: i64,
    /// Samples per second (Hz).
    pub sample_rate: f64,
    /// The samples, in counts or physical units depending on the source.
    pub samples: Vec<f64>,
}

impl Trace {
    /// `NET.STA.LOC.CHA`, the SEED-style identifier ObsPy prints as `trace.id`.
    pub fn id(&self) -> String {
        format!(
            "{}.{}.{}.{}",
            self.network, self.station, self.location, self.channel
        )
    }

    /// Sample interval in nanoseconds (as `f64`, because rates like 20.00022125 Hz do not give a
    /// whole number of nanoseconds).
    pub fn delta_ns(&self) -> f64 {
        if self.sample_rate > 0.0 {
            1e9 / self.sample_rate
        } else {
            0.0
        }
    }

    /// Time of sample `index`, nanoseconds since the epoch (rounded to the nearest nanosecond).
    pub fn time_of(&self, index: usize) -> i64 {
        self.start + (index as f64 * self.delta_ns()).round() as i64
    }

    /// Time of the last sample (equal to `start` for an empty or one-sample trace).
    pub fn end(&self) -> i64 {
        if self.samples.is_empty() {
            self.start
        } else {
            self.time_of(self.samples.len() - 1)
        }
    }

    /// Index of the sample nearest to `time` (may be out of range; callers check).
    pub fn index_at(&self, time: i64) -> i64 {
        let d = self.delta_ns();
        if d == 0.0 {
            return 0;
        }
        ((time - self.start) as f64 / d).round() as i64
    }
}

/// Format nanoseconds since the epoch as ISO 8601 UTC with microsecond precision,
/// e.g. `2010-02-27T06:50:00.069539Z` (the precision libmseed prints).
pub fn format_time(ns: i64) -> String {
    let secs = ns.div_euclid(NS_PER_SEC);
    let frac = ns.rem_euclid(NS_PER_SEC);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:06}Z",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60,
        frac / 1000
    )
}

/// Format as libmseed prints record start times: `YYYY,DDD,HH:MM:SS.ffffff`.
pub fn format_seed_time(ns: i64) -> String {
    let secs = ns.div_euclid(NS_PER_SEC);
    let frac = ns.rem_euclid(NS_PER_SEC);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, _, _) = civil_from_days(days);
    let doy = days - days_from_civil(y, 1, 1) + 1;
    format!(
        "{y:04},{doy:03},{:02}:{:02}:{:02}.{:06}",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60,
        frac / 1000
    )
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Years whose instants fit an `i64` nanosecond count (1677-09-21 to 2262-04-11), minus the
/// partial first and last years.
pub const YEARS: std::ops::RangeInclusive<i64> = 1678..=2261;

/// Nanoseconds since the epoch of a year / day-of-year / time-of-day (the SEED BTIME fields).
/// Parsers check the year against [`YEARS`] first; out-of-range years saturate rather than
/// overflow.
pub fn from_year_doy(year: i64, doy: u32, hour: u32, min: u32, sec: u32, nanos: i64) -> i64 {
    let year = year.clamp(*YEARS.start(), *YEARS.end());
    let days = days_from_civil(year, 1, 1) + doy as i64 - 1;
    let secs = days * 86_400 + hour as i64 * 3600 + min as i64 * 60 + sec as i64;
    secs.saturating_mul(NS_PER_SEC).saturating_add(nanos)
}

/// Parse an ISO 8601 UTC time `YYYY-MM-DDTHH:MM:SS[.fffffffff][Z]` into nanoseconds.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim().trim_end_matches('Z');
    let (date, time) = s.split_once(['T', ' '])?;
    let mut dp = date.split('-');
    let y: i64 = dp.next()?.parse().ok()?;
    let m: u32 = dp.next()?.parse().ok()?;
    let d: u32 = dp.next()?.parse().ok()?;
    if dp.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut tp = time.split(':');
    let hh: i64 = tp.next()?.parse().ok()?;
    let mm: i64 = tp.next()?.parse().ok()?;
    let sec_s = tp.next().unwrap_or("0");
    if tp.next().is_some() || hh > 23 || mm > 59 {
        return None;
    }
    let (ss, frac) = match sec_s.split_once('.') {
        Some((a, b)) => (a, b),
        None => (sec_s, ""),
    };
    let ss: i64 = ss.parse().ok()?;
    if ss > 60 || frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut nanos: i64 = 0;
    for (i, b) in frac.bytes().enumerate() {
        nanos += (b - b'0') as i64 * 10i64.pow(8 - i as u32);
    }
    let days = days_from_civil(y, m, d);
    Some((days * 86_400 + hh * 3600 + mm * 60 + ss) * NS_PER_SEC + nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_round_trip() {
        let t = parse_time("2010-02-27T06:50:00.069539Z").unwrap();
        assert_eq!(format_time(t), "2010-02-27T06:50:00.069539Z");
        assert_eq!(format_seed_time(t), "2010,058,06:50:00.069539");
        assert_eq!(from_year_doy(2010, 58, 6, 50, 0, 69_539_000), t);
        assert_eq!(parse_time("1970-01-01T00:00:00"), Some(0));
        assert_eq!(format_time(-1), "1969-12-31T23:59:59.999999Z");
    }
}
