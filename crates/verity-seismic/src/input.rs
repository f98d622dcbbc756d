//! Parsers for the analyst inputs: picks CSV, stations CSV, StationXML (FDSN 1.x subset).
//!
//! All parsers are total: malformed input yields [`InputError`] naming the line (or byte
//! offset for XML) and the field; nothing here panics (property-tested in `tests/parsers_never_panic.rs`
//! and fuzzed by `fuzz/`).
use crate::traveltime::Phase;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Errors while reading picks, stations or StationXML.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum InputError {
    #[error("{what} line {line}: field {field}: {message}")]
    Field {
        what: &'static str,
        line: usize,
        field: &'static str,
        message: String,
    },
    #[error("{what} line {line}: expected {expected} comma-separated fields, found {found}")]
    FieldCount {
        what: &'static str,
        line: usize,
        expected: usize,
        found: usize,
    },
    #[error("StationXML at byte {offset}: {message}")]
    Xml { offset: u64, message: String },
    #[error("{what}: no records")]
    Empty { what: &'static str },
}

/// A seismic station (coordinates are geographic WGS84 degrees, elevation metres above sea level).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Station {
    /// FDSN network code (may be empty when read from the simple CSV).
    pub network: String,
    /// Station code.
    pub code: String,
    pub latitude: f64,
    pub longitude: f64,
    pub elevation_m: f64,
    /// Channel codes (e.g. "BHZ"), from StationXML only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<String>,
    /// Overall sensitivities (counts per unit of ground motion), from StationXML
    /// `InstrumentSensitivity` per channel, or one station-wide value from the CSV's optional
    /// fifth column. Needed only to turn waveform counts into nm for magnitudes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sensitivities: Vec<ChannelSensitivity>,
}

/// Which ground-motion quantity a sensor's counts are proportional to (StationXML `InputUnits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GroundMotion {
    Displacement,
    Velocity,
    Acceleration,
}

/// One channel's overall sensitivity: `counts_per_si` counts per metre, metre per second or
/// metre per second² (see `motion`), valid at `frequency_hz` (StationXML `InstrumentSensitivity`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ChannelSensitivity {
    /// Location code ("" if none); `*` in CSV input means "any".
    pub location: String,
    /// Channel code (e.g. "BHZ"); `*` means "any channel of the station" (CSV input).
    pub channel: String,
    pub counts_per_si: f64,
    pub motion: GroundMotion,
    /// Frequency at which the sensitivity is stated, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency_hz: Option<f64>,
}

impl ChannelSensitivity {
    /// Whether this entry describes channel `loc.cha` (`*` matches anything).
    pub fn matches(&self, location: &str, channel: &str) -> bool {
        (self.location == "*" || self.location == location)
            && (self.channel == "*" || self.channel == channel)
    }
}

impl Station {
    /// The sensitivity for `location.channel`: an exact entry first, then a wildcard one.
    pub fn sensitivity_for(&self, location: &str, channel: &str) -> Option<&ChannelSensitivity> {
        self.sensitivities
            .iter()
            .find(|s| s.location == location && s.channel == channel)
            .or_else(|| {
                self.sensitivities
                    .iter()
                    .find(|s| s.matches(location, channel))
            })
    }
}

/// Parse a StationXML unit name (`M/S`, `nm/s`, `M/S**2`, `m/s/s`, `M`, ...) into the ground-motion
/// quantity and the factor from that unit to SI (e.g. `NM/S` → (Velocity, 1e-9)).
pub fn parse_motion_unit(name: &str) -> Option<(GroundMotion, f64)> {
    let u: String = name
        .trim()
        .to_ascii_uppercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let (len, rest) = if let Some(r) = u.strip_prefix("NM") {
        (1e-9, r)
    } else if let Some(r) = u.strip_prefix("UM") {
        (1e-6, r)
    } else if let Some(r) = u.strip_prefix("MM") {
        (1e-3, r)
    } else if let Some(r) = u.strip_prefix("CM") {
        (1e-2, r)
    } else if let Some(r) = u.strip_prefix('M') {
        (1.0, r)
    } else {
        return None;
    };
    let motion = match rest {
        "" => GroundMotion::Displacement,
        "/S" | "/SEC" => GroundMotion::Velocity,
        "/S**2" | "/S^2" | "/S2" | "/S/S" | "/SEC**2" => GroundMotion::Acceleration,
        _ => return None,
    };
    Some((motion, len))
}

/// A phase pick: station, phase label and arrival time.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Pick {
    pub station: String,
    /// Phase family used for location.
    pub phase: Phase,
    /// Arrival time, nanoseconds since 1970-01-01T00:00:00 UTC.
    pub time_ns: i64,
    /// A-priori pick standard error in seconds, if given (4th CSV column).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncertainty_s: Option<f64>,
}

/// Parse a UTC time: RFC 3339 (`2024-03-01T12:00:05.25Z`), the same without offset (taken as UTC),
/// or decimal seconds since the Unix epoch.
pub fn parse_time_ns(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty time".into());
    }
    if s.bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return parse_epoch_seconds(s);
    }
    let parsed = OffsetDateTime::parse(s, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(&format!("{s}Z"), &Rfc3339));
    match parsed {
        Ok(t) => {
            i64::try_from(t.unix_timestamp_nanos()).map_err(|_| format!("time out of range: {s:?}"))
        }
        Err(e) => Err(format!(
            "not an RFC 3339 UTC time or epoch seconds: {s:?} ({e})"
        )),
    }
}

/// Exact decimal epoch seconds (`-?digits[.digits]`, at most 9 fractional digits) → ns.
fn parse_epoch_seconds(s: &str) -> Result<i64, String> {
    let bad = || format!("not a decimal epoch time: {s:?}");
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 9
    {
        return Err(bad());
    }
    let secs: i64 = int.parse().map_err(|_| bad())?;
    if secs > 9_000_000_000 {
        return Err(format!("epoch seconds out of range: {s:?}"));
    }
    let mut frac_ns: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| bad())?
    };
    for _ in frac.len()..9 {
        frac_ns *= 10;
    }
    let ns = secs * 1_000_000_000 + frac_ns;
    Ok(if neg { -ns } else { ns })
}

/// Format nanoseconds since the epoch as RFC 3339 UTC with microseconds.
pub fn format_time_ns(ns: i64) -> String {
    match OffsetDateTime::from_unix_timestamp_nanos(ns as i128) {
        Ok(t) => {
            let us = (ns.rem_euclid(1_000_000_000)) / 1000;
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second(),
                us
            )
        }
        Err(_) => format!("{ns}ns"),
    }
}

/// The data records of a small CSV as (1-based line number, trimmed fields): blank lines, `#`
/// comments and a header line (starting with `header`, any case, before the first record) are
/// skipped.
fn csv_records<'a>(
    text: &'a str,
    header: &'static str,
) -> impl Iterator<Item = (usize, Vec<&'a str>)> + 'a {
    let mut before_first_record = true;
    text.lines().enumerate().filter_map(move |(i, raw)| {
        let l = raw.trim();
        if l.is_empty()
            || l.starts_with('#')
            || (before_first_record && l.to_ascii_lowercase().starts_with(header))
        {
            return None;
        }
        before_first_record = false;
        Some((i + 1, split_fields(l)))
    })
}

fn split_fields(l: &str) -> Vec<&str> {
    l.split(',').map(str::trim).collect()
}

fn parse_f64(
    what: &'static str,
    line: usize,
    field: &'static str,
    s: &str,
) -> Result<f64, InputError> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(InputError::Field {
            what,
            line,
            field,
            message: format!("not a finite number: {s:?}"),
        }),
    }
}

/// Parse picks CSV: `station,phase,time[,uncertainty_s]`, optional header line starting with
/// `station`, `#` comments and blank lines ignored.
pub fn parse_picks_csv(text: &str) -> Result<Vec<Pick>, InputError> {
    const WHAT: &str = "picks CSV";
    let mut out = Vec::new();
    for (line, f) in csv_records(text, "station") {
        if f.len() != 3 && f.len() != 4 {
            return Err(InputError::FieldCount {
                what: WHAT,
                line,
                expected: 3,
                found: f.len(),
            });
        }
        if f[0].is_empty() {
            return Err(InputError::Field {
                what: WHAT,
                line,
                field: "station",
                message: "empty station code".into(),
            });
        }
        let phase = Phase::from_label(f[1]).map_err(|e| InputError::Field {
            what: WHAT,
            line,
            field: "phase",
            message: e.to_string(),
        })?;
        let time_ns = parse_time_ns(f[2]).map_err(|message| InputError::Field {
            what: WHAT,
            line,
            field: "time",
            message,
        })?;
        let uncertainty_s = match f.get(3) {
            Some(s) if !s.is_empty() => {
                let u = parse_f64(WHAT, line, "uncertainty_s", s)?;
                if u <= 0.0 {
                    return Err(InputError::Field {
                        what: WHAT,
                        line,
                        field: "uncertainty_s",
                        message: "must be > 0".into(),
                    });
                }
                Some(u)
            }
            _ => None,
        };
        out.push(Pick {
            station: f[0].to_string(),
            phase,
            time_ns,
            uncertainty_s,
        });
    }
    if out.is_empty() {
        return Err(InputError::Empty { what: WHAT });
    }
    Ok(out)
}

fn check_coords(what: &'static str, line: usize, lat: f64, lon: f64) -> Result<(), InputError> {
    if !(-90.0..=90.0).contains(&lat) {
        return Err(InputError::Field {
            what,
            line,
            field: "lat",
            message: format!("{lat} outside -90..90"),
        });
    }
    if !(-180.0..=360.0).contains(&lon) {
        return Err(InputError::Field {
            what,
            line,
            field: "lon",
            message: format!("{lon} outside -180..360"),
        });
    }
    Ok(())
}

/// Parse stations CSV: `code,lat,lon,elev_m[,sensitivity]` (code may be `NET.STA`), optional
/// header line starting with `code`. The optional fifth column is the vertical sensor's overall
/// sensitivity in counts per m/s of ground velocity (flat-velocity broadband/short-period
/// seismometer), used for waveform magnitudes; it applies to every channel of the station.
pub fn parse_stations_csv(text: &str) -> Result<Vec<Station>, InputError> {
    const WHAT: &str = "stations CSV";
    let mut out = Vec::new();
    for (line, f) in csv_records(text, "code") {
        if f.len() != 4 && f.len() != 5 {
            return Err(InputError::FieldCount {
                what: WHAT,
                line,
                expected: 4,
                found: f.len(),
            });
        }
        if f[0].is_empty() {
            return Err(InputError::Field {
                what: WHAT,
                line,
                field: "code",
                message: "empty station code".into(),
            });
        }
        let lat = parse_f64(WHAT, line, "lat", f[1])?;
        let lon = parse_f64(WHAT, line, "lon", f[2])?;
        let elevation_m = parse_f64(WHAT, line, "elev_m", f[3])?;
        check_coords(WHAT, line, lat, lon)?;
        let mut sensitivities = Vec::new();
        if let Some(v) = f.get(4).filter(|v| !v.is_empty()) {
            let v = parse_f64(WHAT, line, "sensitivity", v)?;
            if !(v > 0.0) {
                return Err(InputError::Field {
                    what: WHAT,
                    line,
                    field: "sensitivity",
                    message: format!("{v} is not a positive number of counts per m/s"),
                });
            }
            sensitivities.push(ChannelSensitivity {
                location: "*".into(),
                channel: "*".into(),
                counts_per_si: v,
                motion: GroundMotion::Velocity,
                frequency_hz: None,
            });
        }
        let (network, code) = match f[0].split_once('.') {
            Some((n, s)) => (n.to_string(), s.to_string()),
            None => (String::new(), f[0].to_string()),
        };
        out.push(Station {
            network,
            code,
            latitude: lat,
            longitude: lon,
            elevation_m,
            channels: Vec::new(),
            sensitivities,
        });
    }
    if out.is_empty() {
        return Err(InputError::Empty { what: WHAT });
    }
    Ok(out)
}

/// Parse FDSN StationXML, keeping network code, station code, latitude, longitude, elevation
/// and channel codes (FDSN StationXML 1.1 schema: Network/Station/{Latitude,Longitude,Elevation,Channel}).
pub fn parse_stationxml(text: &str) -> Result<Vec<Station>, InputError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    let mut network = String::new();
    let mut current: Option<Station> = None;
    let mut have = [false; 3];
    let mut out = Vec::new();
    let mut saw_root = false;
    // The channel being read (location code, channel code) and its InstrumentSensitivity
    // (Value, Frequency, InputUnits/Name) as far as seen.
    let mut channel: Option<(String, String)> = None;
    let mut sensitivity: (Option<f64>, Option<f64>, Option<String>) = (None, None, None);
    loop {
        let offset = reader.buffer_position();
        let ev = reader.read_event().map_err(|e| InputError::Xml {
            offset,
            message: e.to_string(),
        })?;
        let code_attr = |e: &quick_xml::events::BytesStart| -> Result<String, InputError> {
            for a in e.attributes() {
                let a = a.map_err(|err| InputError::Xml {
                    offset,
                    message: err.to_string(),
                })?;
                if a.key.local_name().as_ref() == b"code" {
                    let v = a.unescape_value().map_err(|err| InputError::Xml {
                        offset,
                        message: err.to_string(),
                    })?;
                    return Ok(v.trim().to_string());
                }
            }
            Err(InputError::Xml {
                offset,
                message: format!(
                    "<{}> without code attribute",
                    String::from_utf8_lossy(e.local_name().as_ref())
                ),
            })
        };
        let location_attr = |e: &quick_xml::events::BytesStart| -> Result<String, InputError> {
            for a in e.attributes() {
                let a = a.map_err(|err| InputError::Xml {
                    offset,
                    message: err.to_string(),
                })?;
                if a.key.local_name().as_ref() == b"locationCode" {
                    let v = a.unescape_value().map_err(|err| InputError::Xml {
                        offset,
                        message: err.to_string(),
                    })?;
                    return Ok(v.trim().to_string());
                }
            }
            Ok(String::new())
        };
        match ev {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if path.is_empty() {
                    if name != "FDSNStationXML" {
                        return Err(InputError::Xml {
                            offset,
                            message: format!("root element is <{name}>, expected <FDSNStationXML>"),
                        });
                    }
                    saw_root = true;
                }
                match name.as_str() {
                    "Network" if path.len() == 1 => network = code_attr(&e)?,
                    "Station" if path.len() == 2 => {
                        current = Some(Station {
                            network: network.clone(),
                            code: code_attr(&e)?,
                            latitude: 0.0,
                            longitude: 0.0,
                            elevation_m: 0.0,
                            channels: Vec::new(),
                            sensitivities: Vec::new(),
                        });
                        have = [false; 3];
                    }
                    "Channel" if path.len() == 3 => {
                        let c = code_attr(&e)?;
                        channel = Some((location_attr(&e)?, c.clone()));
                        if let Some(s) = current.as_mut()
                            && !s.channels.contains(&c)
                        {
                            s.channels.push(c);
                        }
                    }
                    "InstrumentSensitivity" if path.len() == 5 && path[4] == "Response" => {
                        sensitivity = (None, None, None);
                    }
                    _ => {}
                }
                path.push(name);
            }
            Event::Empty(e) if path.len() == 3 && e.local_name().as_ref() == b"Channel" => {
                let c = code_attr(&e)?;
                if let Some(s) = current.as_mut()
                    && !s.channels.contains(&c)
                {
                    s.channels.push(c);
                }
            }
            Event::Text(t)
                if path.len() >= 7
                    && path[3] == "Channel"
                    && path[4] == "Response"
                    && path[5] == "InstrumentSensitivity" =>
            {
                let txt = t.decode().map_err(|e| InputError::Xml {
                    offset,
                    message: e.to_string(),
                })?;
                let txt = txt.trim();
                let chan = channel.as_ref().map(|c| c.1.as_str()).unwrap_or("?");
                let number = |field: &str| {
                    txt.parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite())
                        .ok_or_else(|| InputError::Xml {
                            offset,
                            message: format!(
                                "channel {chan}: InstrumentSensitivity {field} is not a number: {txt:?}"
                            ),
                        })
                };
                match (path.len(), path[6].as_str()) {
                    (7, "Value") => sensitivity.0 = Some(number("Value")?),
                    (7, "Frequency") => sensitivity.1 = Some(number("Frequency")?),
                    (8, "InputUnits") if path[7] == "Name" => sensitivity.2 = Some(txt.to_string()),
                    _ => {}
                }
            }
            Event::Text(t) => {
                if path.len() == 4
                    && path[2] == "Station"
                    && let Some(s) = current.as_mut()
                {
                    let field = path[3].as_str();
                    let k = match field {
                        "Latitude" => 0,
                        "Longitude" => 1,
                        "Elevation" => 2,
                        _ => continue,
                    };
                    let txt = t.decode().map_err(|e| InputError::Xml {
                        offset,
                        message: e.to_string(),
                    })?;
                    let v: f64 = txt
                        .trim()
                        .parse()
                        .ok()
                        .filter(|v: &f64| v.is_finite())
                        .ok_or_else(|| InputError::Xml {
                            offset,
                            message: format!(
                                "station {}: {field} is not a number: {:?}",
                                s.code,
                                txt.trim()
                            ),
                        })?;
                    match k {
                        0 => s.latitude = v,
                        1 => s.longitude = v,
                        _ => s.elevation_m = v,
                    }
                    have[k] = true;
                }
            }
            Event::End(_) => {
                let closed = path.pop();
                if path.len() == 5
                    && closed.as_deref() == Some("InstrumentSensitivity")
                    && let (Some(s), Some((loc, cha))) = (current.as_mut(), channel.as_ref())
                    && let (Some(value), freq, Some(units)) = std::mem::take(&mut sensitivity)
                    // Units other than ground motion (COUNTS, PA for infrasound, ...) are not
                    // usable for seismic magnitudes and are skipped, not rejected.
                    && let Some((motion, to_si)) = parse_motion_unit(&units)
                    && value != 0.0
                {
                    // counts per unit → counts per SI unit; the sign is polarity only.
                    s.sensitivities.push(ChannelSensitivity {
                        location: loc.clone(),
                        channel: cha.clone(),
                        counts_per_si: value.abs() / to_si,
                        motion,
                        frequency_hz: freq,
                    });
                }
                if path.len() == 3 && closed.as_deref() == Some("Channel") {
                    channel = None;
                }
                if path.len() == 2
                    && closed.as_deref() == Some("Station")
                    && let Some(s) = current.take()
                {
                    if have != [true; 3] {
                        return Err(InputError::Xml {
                            offset,
                            message: format!(
                                "station {}: missing Latitude, Longitude or Elevation",
                                s.code
                            ),
                        });
                    }
                    if !(-90.0..=90.0).contains(&s.latitude)
                        || !(-180.0..=360.0).contains(&s.longitude)
                    {
                        return Err(InputError::Xml {
                            offset,
                            message: format!("station {}: coordinates out of range", s.code),
                        });
                    }
                    out.push(s);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root || !path.is_empty() {
        return Err(InputError::Xml {
            offset: reader.buffer_position(),
            message: "document truncated or without <FDSNStationXML>".into(),
        });
    }
    if out.is_empty() {
        return Err(InputError::Empty { what: "StationXML" });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_round_trip_and_errors() {
        let p = parse_picks_csv(
            "station,phase,time\nABC,P,2024-01-01T00:00:10.5Z\nDEF,Pn,1704067211.25,0.3\n",
        )
        .unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].time_ns, 1_704_067_210_500_000_000);
        assert_eq!(p[1].time_ns, 1_704_067_211_250_000_000);
        assert_eq!(p[1].uncertainty_s, Some(0.3));
        assert_eq!(format_time_ns(p[0].time_ns), "2024-01-01T00:00:10.500000Z");
        let e = parse_picks_csv("ABC,P,2024-01-01T00:00:10Z\nX,Q,1\n").unwrap_err();
        assert!(
            e.to_string().contains("line 2") && e.to_string().contains("phase"),
            "{e}"
        );
        let e = parse_picks_csv("ABC,P,yesterday").unwrap_err();
        assert!(
            e.to_string().contains("line 1") && e.to_string().contains("time"),
            "{e}"
        );
    }

    /// Regression: epoch seconds were parsed through f64, turning 1704067211.25 into
    /// ...211.249999872 s. They are now parsed as exact decimals.
    #[test]
    fn regression_epoch_seconds_parsed_via_f64_lost_precision() {
        assert_eq!(
            parse_time_ns("1704067211.25"),
            Ok(1_704_067_211_250_000_000)
        );
        assert_eq!(
            parse_time_ns("1704067211.123456789"),
            Ok(1_704_067_211_123_456_789)
        );
        assert!(parse_time_ns("1.2.3").is_err());
        assert!(parse_time_ns("1.1234567891").is_err());
        assert!(parse_time_ns("-").is_err());
    }

    #[test]
    fn stations_csv_and_xml() {
        let s =
            parse_stations_csv("code,lat,lon,elev_m\nIU.ANMO,34.9459,-106.4572,1850\n").unwrap();
        assert_eq!(s[0].network, "IU");
        assert_eq!(s[0].code, "ANMO");
        let e = parse_stations_csv("A,95,0,0").unwrap_err();
        assert!(e.to_string().contains("lat"), "{e}");
        let xml = r#"<?xml version="1.0"?><FDSNStationXML xmlns="http://www.fdsn.org/xml/station/1" schemaVersion="1.1">
<Source>x</Source><Network code="IU"><Station code="ANMO"><Latitude>34.9459</Latitude><Longitude>-106.4572</Longitude>
<Elevation>1850.0</Elevation><Channel code="BHZ" locationCode="00"><Latitude>1</Latitude></Channel><Channel code="BHN" locationCode="00"/></Station></Network></FDSNStationXML>"#;
        let s = parse_stationxml(xml).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].network.as_str(), s[0].code.as_str()), ("IU", "ANMO"));
        assert_eq!(s[0].latitude, 34.9459);
        assert_eq!(s[0].channels, vec!["BHZ", "BHN"]);
        assert!(parse_stationxml(&xml[..200]).is_err());
    }

    #[test]
    fn sensitivities_from_csv_and_stationxml() {
        let s = parse_stations_csv(
            "code,lat,lon,elev_m,sensitivity\nII.TLY,51.68,103.64,579,2.5e9\nXX.A,0,0,0\n",
        )
        .unwrap();
        let c = s[0].sensitivity_for("00", "BHZ").unwrap();
        assert_eq!((c.counts_per_si, c.motion), (2.5e9, GroundMotion::Velocity));
        assert!(s[1].sensitivity_for("", "BHZ").is_none());
        let e = parse_stations_csv("A,0,0,0,-3").unwrap_err();
        assert!(e.to_string().contains("sensitivity"), "{e}");
        // StationXML: nm/s units are converted to counts per m/s; infrasound (PA) is skipped.
        let xml = r#"<FDSNStationXML><Network code="IU"><Station code="ANMO"><Latitude>34.9</Latitude>
<Longitude>-106.4</Longitude><Elevation>1850</Elevation>
<Channel code="BHZ" locationCode="00"><Response><InstrumentSensitivity><Value>-3.3</Value>
<Frequency>0.02</Frequency><InputUnits><Name>nm/s</Name></InputUnits><OutputUnits><Name>COUNTS</Name></OutputUnits>
</InstrumentSensitivity><Stage number="1"><PolesZeros><InputUnits><Name>M/S</Name></InputUnits></PolesZeros></Stage></Response></Channel>
<Channel code="BDF" locationCode="10"><Response><InstrumentSensitivity><Value>5</Value><Frequency>1</Frequency>
<InputUnits><Name>PA</Name></InputUnits></InstrumentSensitivity></Response></Channel>
</Station></Network></FDSNStationXML>"#;
        let s = parse_stationxml(xml).unwrap();
        assert_eq!(s[0].sensitivities.len(), 1);
        let c = s[0].sensitivity_for("00", "BHZ").unwrap();
        assert!((c.counts_per_si - 3.3e9).abs() < 1.0, "{c:?}");
        assert_eq!(c.frequency_hz, Some(0.02));
        assert!(s[0].sensitivity_for("10", "BDF").is_none());
        let bad = xml.replace("<Value>-3.3</Value>", "<Value>x</Value>");
        let e = parse_stationxml(&bad).unwrap_err();
        assert!(e.to_string().contains("InstrumentSensitivity Value"), "{e}");
        assert_eq!(
            parse_motion_unit("M/S**2"),
            Some((GroundMotion::Acceleration, 1.0))
        );
        assert_eq!(
            parse_motion_unit("m"),
            Some((GroundMotion::Displacement, 1.0))
        );
        assert_eq!(parse_motion_unit("COUNTS"), None);
    }
}
