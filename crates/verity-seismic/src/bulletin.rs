//! Event bulletins: JSON payload (document kind "bulletin", treaty "ctbt") and QuakeML 1.2.
//!
//! The QuakeML follows the Basic Event Description (BED) schema of QuakeML 1.2 (Schorlemmer et
//! al. 2011, quakeml.org/xmlns/bed/1.2): `eventParameters/event` with `pick`, `origin`
//! (`arrival`s with residuals, `quality`, `originUncertainty` holding the 90 % ellipse as
//! min/max horizontal uncertainty in metres and the major-axis azimuth) and `magnitude`.
//! Screening results, which BED has no element for, go into an event `comment`.
//! [`check_well_formed`] re-reads the document with quick-xml (tags balanced, one root).
use crate::input::format_time_ns;
use crate::locate::Location;
use crate::magnitude::NetworkMagnitude;
use crate::screening::{Decision, ScreeningResult};
use std::fmt::Write as _;

/// Document kind under which a bulletin is logged.
pub const DOCUMENT_KIND: &str = "bulletin";
/// Treaty identifier for bulletins.
pub const TREATY: &str = "ctbt";

/// Errors building or checking a bulletin.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum BulletinError {
    #[error("QuakeML not well-formed at byte {offset}: {message}")]
    NotWellFormed { offset: u64, message: String },
    #[error("invalid identifier {0:?}: use letters, digits, '.', '-', '_' or '/'")]
    BadId(String),
}

/// One bulletin event.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BulletinEvent {
    /// Event identifier, unique within the agency (e.g. "20240101.0001").
    pub id: String,
    pub location: Location,
    pub magnitudes: Vec<NetworkMagnitude>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub screening: Option<ScreeningResult>,
}

/// A bulletin from one data centre.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Bulletin {
    /// Producing agency (data centre) identifier, e.g. "NDC-XX".
    pub agency: String,
    /// Creation time (ns since the epoch), passed in by the caller.
    pub creation_time_ns: i64,
    pub events: Vec<BulletinEvent>,
}

fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/'))
}

/// Replace every `…_ns` integer (nanoseconds since the epoch, ~1.7e18) by RFC 3339 text with
/// nanoseconds under the key without `_ns` (`origin_time_ns` → `origin_time`, `time_ns` →
/// `time`). Why: a signed log payload must survive any JSON reader, and integers beyond ±2^53
/// do not (RFC 8259 §6; verity-core rejects them). Regression:
/// `regression_bulletin_payload_had_ns_integers_beyond_2_pow_53`.
fn times_as_text(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Array(a) => a.iter_mut().for_each(times_as_text),
        serde_json::Value::Object(m) => {
            let keys: Vec<String> = m
                .keys()
                .filter(|k| k.ends_with("_ns") && m[*k].is_i64())
                .cloned()
                .collect();
            for k in keys {
                if let Some(ns) = m.remove(&k).and_then(|x| x.as_i64()) {
                    m.insert(
                        k.trim_end_matches("_ns").to_string(),
                        serde_json::Value::String(format_time_ns_exact(ns)),
                    );
                }
            }
            m.values_mut().for_each(times_as_text);
        }
        _ => {}
    }
}

/// RFC 3339 UTC with all nine fractional digits (format_time_ns keeps microseconds).
fn format_time_ns_exact(ns: i64) -> String {
    let us = format_time_ns(ns);
    // "YYYY-MM-DDTHH:MM:SS.ffffffZ" → replace the fraction by the exact nanoseconds
    match us.split_once('.') {
        Some((head, _)) => format!("{head}.{:09}Z", ns.rem_euclid(1_000_000_000)),
        None => us,
    }
}

impl Bulletin {
    /// JSON payload for the log: `{"kind": "bulletin", "treaty": "ctbt", ...}`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "kind": DOCUMENT_KIND,
            "treaty": TREATY,
            "agency": self.agency,
            "creation_time": format_time_ns(self.creation_time_ns),
        });
        // Serialising these plain data structs cannot fail (no maps with non-string keys).
        let mut events = serde_json::to_value(&self.events).unwrap_or(serde_json::Value::Null);
        times_as_text(&mut events);
        v["events"] = events;
        for (k, e) in self.events.iter().enumerate() {
            v["events"][k]["origin_time"] =
                serde_json::Value::String(format_time_ns(e.location.hypocentre.origin_time_ns));
        }
        v
    }

    /// QuakeML 1.2 document.
    pub fn to_quakeml(&self) -> Result<String, BulletinError> {
        if !valid_id(&self.agency) {
            return Err(BulletinError::BadId(self.agency.clone()));
        }
        let ag = &self.agency;
        let mut x = String::new();
        let w = &mut x;
        // fmt::Write into a String never fails.
        let _ = writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        let _ = writeln!(
            w,
            r#"<q:quakeml xmlns:q="http://quakeml.org/xmlns/quakeml/1.2" xmlns="http://quakeml.org/xmlns/bed/1.2">"#
        );
        let _ = writeln!(
            w,
            r#"  <eventParameters publicID="smi:{ag}/bulletin/{}">"#,
            self.creation_time_ns
        );
        let _ = writeln!(
            w,
            "    <creationInfo><agencyID>{}</agencyID><creationTime>{}</creationTime></creationInfo>",
            esc(ag),
            format_time_ns(self.creation_time_ns)
        );
        for e in &self.events {
            if !valid_id(&e.id) {
                return Err(BulletinError::BadId(e.id.clone()));
            }
            let base = format!("smi:{ag}/event/{}", e.id);
            let l = &e.location;
            let h = &l.hypocentre;
            let _ = writeln!(w, r#"    <event publicID="{base}">"#);
            let _ = writeln!(
                w,
                "      <preferredOriginID>{base}/origin</preferredOriginID>"
            );
            if let Some(m) = e.magnitudes.first() {
                let _ = writeln!(
                    w,
                    "      <preferredMagnitudeID>{base}/magnitude/{}</preferredMagnitudeID>",
                    m.kind.as_str()
                );
            }
            let etype = match e.screening.as_ref().map(|s| s.decision) {
                Some(Decision::ScreenedOut) => "earthquake",
                _ => "not reported",
            };
            let _ = writeln!(w, "      <type>{etype}</type>");
            if let Some(s) = &e.screening {
                let _ = writeln!(
                    w,
                    "      <comment id=\"{base}/screening\"><text>{}</text></comment>",
                    esc(&screening_text(s))
                );
            }
            for a in &l.arrivals {
                let (net, sta) = a
                    .station
                    .split_once('.')
                    .unwrap_or(("", a.station.as_str()));
                let _ = writeln!(
                    w,
                    r#"      <pick publicID="{base}/pick/{}"><time><value>{}</value><uncertainty>{}</uncertainty></time><waveformID networkCode="{}" stationCode="{}"/><phaseHint>{}</phaseHint><evaluationMode>automatic</evaluationMode></pick>"#,
                    a.pick_index,
                    format_time_ns(a.time_ns),
                    a.sigma_s,
                    esc(net),
                    esc(sta),
                    a.phase
                );
            }
            let _ = writeln!(w, r#"      <origin publicID="{base}/origin">"#);
            let _ = writeln!(
                w,
                "        <time><value>{}</value><uncertainty>{:.3}</uncertainty></time>",
                format_time_ns(h.origin_time_ns),
                l.origin_time_uncertainty_s
            );
            let _ = writeln!(
                w,
                "        <latitude><value>{:.5}</value></latitude>",
                h.latitude
            );
            let _ = writeln!(
                w,
                "        <longitude><value>{:.5}</value></longitude>",
                h.longitude
            );
            match l.depth_uncertainty_km {
                Some(u) => {
                    let _ = writeln!(
                        w,
                        "        <depth><value>{:.0}</value><uncertainty>{:.0}</uncertainty></depth>",
                        h.depth_km * 1000.0,
                        u * 1000.0
                    );
                }
                None => {
                    let _ = writeln!(
                        w,
                        "        <depth><value>{:.0}</value></depth>",
                        h.depth_km * 1000.0
                    );
                }
            }
            let _ = writeln!(
                w,
                "        <depthType>{}</depthType>",
                if l.depth_fixed {
                    "operator assigned"
                } else {
                    "from location"
                }
            );
            let _ = writeln!(
                w,
                "        <methodID>smi:verity/locator/geiger-lm</methodID><earthModelID>smi:verity/earthmodel/{}</earthModelID>",
                l.model
            );
            let (dmin, dmax) = l.arrivals.iter().fold((f64::MAX, 0.0f64), |(a, b), r| {
                (a.min(r.distance_deg), b.max(r.distance_deg))
            });
            let _ = writeln!(
                w,
                "        <quality><associatedPhaseCount>{n}</associatedPhaseCount><usedPhaseCount>{n}</usedPhaseCount><associatedStationCount>{s}</associatedStationCount><usedStationCount>{s}</usedStationCount><standardError>{:.3}</standardError><azimuthalGap>{:.1}</azimuthalGap><minimumDistance>{:.3}</minimumDistance><maximumDistance>{:.3}</maximumDistance></quality>",
                l.rms_s,
                l.azimuthal_gap_deg,
                if dmin == f64::MAX { 0.0 } else { dmin },
                dmax,
                n = l.n_defining,
                s = l.n_stations
            );
            let el = &l.ellipse;
            let _ = writeln!(
                w,
                "        <originUncertainty><minHorizontalUncertainty>{:.0}</minHorizontalUncertainty><maxHorizontalUncertainty>{:.0}</maxHorizontalUncertainty><azimuthMaxHorizontalUncertainty>{:.1}</azimuthMaxHorizontalUncertainty><preferredDescription>uncertainty ellipse</preferredDescription><confidenceLevel>{:.0}</confidenceLevel></originUncertainty>",
                el.semi_minor_km * 1000.0,
                el.semi_major_km * 1000.0,
                el.major_azimuth_deg,
                el.confidence * 100.0
            );
            for a in &l.arrivals {
                let _ = writeln!(
                    w,
                    r#"        <arrival publicID="{base}/arrival/{}"><pickID>{base}/pick/{}</pickID><phase>{}</phase><azimuth>{:.2}</azimuth><distance>{:.4}</distance><timeResidual>{:.3}</timeResidual><timeWeight>{}</timeWeight></arrival>"#,
                    a.pick_index,
                    a.pick_index,
                    esc(if a.branch.is_empty() {
                        a.phase.as_str()
                    } else {
                        &a.branch
                    }),
                    a.azimuth_deg,
                    a.distance_deg,
                    a.residual_s,
                    if a.defining { 1 } else { 0 }
                );
            }
            let _ = writeln!(w, "      </origin>");
            for m in &e.magnitudes {
                let _ = writeln!(
                    w,
                    "      <magnitude publicID=\"{base}/magnitude/{k}\"><mag><value>{:.2}</value><uncertainty>{:.2}</uncertainty></mag><type>{k}</type><originID>{base}/origin</originID><stationCount>{}</stationCount></magnitude>",
                    m.value,
                    m.std_dev,
                    m.station_count,
                    k = m.kind.as_str()
                );
            }
            let _ = writeln!(w, "    </event>");
        }
        let _ = writeln!(w, "  </eventParameters>");
        let _ = writeln!(w, "</q:quakeml>");
        check_well_formed(&x)?;
        Ok(x)
    }
}

fn screening_text(s: &ScreeningResult) -> String {
    let mut t = format!("screening: {}", s.summary);
    for c in &s.criteria {
        let _ = write!(t, " | {}: {}", c.criterion, c.explanation);
    }
    t
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Check that `xml` is well-formed: balanced tags, a single root, parseable attributes.
pub fn check_well_formed(xml: &str) -> Result<(), BulletinError> {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(xml);
    r.config_mut().check_end_names = true;
    let mut depth = 0usize;
    let mut roots = 0usize;
    loop {
        let offset = r.buffer_position();
        match r.read_event() {
            Err(e) => {
                return Err(BulletinError::NotWellFormed {
                    offset,
                    message: e.to_string(),
                });
            }
            Ok(Event::Start(e)) => {
                if depth == 0 {
                    roots += 1;
                }
                depth += 1;
                for a in e.attributes() {
                    a.map_err(|e| BulletinError::NotWellFormed {
                        offset,
                        message: e.to_string(),
                    })?;
                }
            }
            Ok(Event::Empty(_)) if depth == 0 => roots += 1,
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Eof) => break,
            Ok(_) => {}
        }
    }
    if depth != 0 || roots != 1 {
        return Err(BulletinError::NotWellFormed {
            offset: r.buffer_position(),
            message: format!("{roots} root elements, {depth} unclosed"),
        });
    }
    Ok(())
}
