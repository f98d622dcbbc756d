//! Streaming over records and assembling them into continuous traces, reporting every
//! discontinuity instead of merging it silently.

use super::{DecodeOptions, MseedError, Record, parse_record};
use crate::trace::Trace;
use serde::Serialize;

/// Iterator over the records in a byte slice (no I/O: the caller supplies the bytes, e.g. a
/// memory-mapped or read file). Yields `Err` once for the first malformed record and then
/// stops, because after a corrupt record the position of the next one is unknown.
pub struct RecordReader<'a> {
    input: &'a [u8],
    pos: usize,
    index: usize,
    opts: DecodeOptions,
    failed: bool,
    skipped: Vec<(usize, usize)>,
}

impl<'a> RecordReader<'a> {
    /// Read records from `input` with default options.
    pub fn new(input: &'a [u8]) -> Self {
        Self::with_options(input, DecodeOptions::default())
    }
    /// Read records with explicit options.
    pub fn with_options(input: &'a [u8], opts: DecodeOptions) -> Self {
        RecordReader {
            input,
            pos: 0,
            index: 0,
            opts,
            failed: false,
            skipped: Vec::new(),
        }
    }
    /// Byte offset of the next record.
    pub fn position(&self) -> usize {
        self.pos
    }
    /// Spans `(offset, length)` of non-record bytes skipped so far (see
    /// [`DecodeOptions::resync`]).
    pub fn skipped(&self) -> &[(usize, usize)] {
        &self.skipped
    }
}

impl Iterator for RecordReader<'_> {
    type Item = Result<Record, MseedError>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.input.len() {
            return None;
        }
        // Zero padding after the last record (common when files are block-aligned) ends input.
        if self.input[self.pos..].iter().all(|&b| b == 0) {
            return None;
        }
        let rest = self.input.len() - self.pos;
        if self.opts.resync && rest < 40 {
            // A tail too short for any record header (e.g. a stray byte, as in ObsPy's
            // corrupt_one_extra_byte_at_end.mseed) is reported as skipped, like noise.
            self.skipped.push((self.pos, rest));
            self.pos = self.input.len();
            return None;
        }
        if self.opts.resync && super::detect(&self.input[self.pos..]).is_none() {
            let mut next = self.pos + 64;
            while next + 40 <= self.input.len() {
                if super::detect(&self.input[next..]).is_some() {
                    self.skipped.push((self.pos, next - self.pos));
                    self.pos = next;
                    break;
                }
                next += 64;
            }
        }
        match parse_record(self.input, self.pos, self.index, &self.opts) {
            Ok(r) => {
                self.pos += r.length.max(1);
                self.index += 1;
                Some(Ok(r))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

/// What kind of discontinuity lies between two consecutive records of one channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscontinuityKind {
    /// The next record starts more than half a sample later than expected: data missing.
    Gap,
    /// The next record starts more than half a sample earlier than expected: data repeated.
    Overlap,
    /// The time tag moved by more than two BTIME ticks (0.2 ms) but less than half a sample.
    /// libmseed's default tolerance merges such records silently; the trace stays continuous
    /// here too, but the jump is reported, because a digitiser clock re-synchronising is
    /// evidence about timing quality.
    ClockJump,
    /// The sample rate changed (relative difference above 1e-4, libmseed's tolerance).
    RateChange,
}

/// A reported discontinuity between consecutive records of one channel.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Discontinuity {
    /// `NET.STA.LOC.CHA`.
    pub id: String,
    /// Kind.
    pub kind: DiscontinuityKind,
    /// Where the previous record's data ends (time of its last sample + one interval), ns.
    pub expected: i64,
    /// Where the next record actually starts, ns.
    pub actual: i64,
    /// `actual − expected` in nanoseconds (positive = gap, negative = overlap).
    pub shift_ns: i64,
    /// Shift in samples (`shift / interval`).
    pub shift_samples: f64,
    /// Index of the record after the discontinuity.
    pub record: usize,
}

/// Traces built from records, plus everything that interrupted them.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TraceAssembly {
    /// Continuous segments, ordered by id then start time.
    pub traces: Vec<Trace>,
    /// Gaps, overlaps, clock jumps and rate changes, ordered by id then time.
    pub discontinuities: Vec<Discontinuity>,
    /// Records that carry no time series (text/log records, zero samples): count.
    pub non_data_records: usize,
}

/// Two BTIME ticks: below this a time-tag difference is rounding, not a clock jump.
const CLOCK_JITTER_NS: i64 = 200_000;

/// Assemble decoded records into traces. Records are grouped by channel and ordered by start
/// time (stable, so equal times keep input order); consecutive records are joined when the
/// next starts within half a sample of where the previous ends and the rates agree (libmseed's
/// default tolerances), and every other case starts a new segment and is reported.
pub fn assemble(records: Vec<(usize, Record)>) -> TraceAssembly {
    let mut out = TraceAssembly::default();
    let mut data: Vec<(usize, Record)> = Vec::with_capacity(records.len());
    for (i, r) in records {
        if r.samples.is_numeric() && !r.samples.is_empty() && r.sample_rate > 0.0 {
            data.push((i, r));
        } else {
            out.non_data_records += 1;
        }
    }
    data.sort_by(|a, b| {
        (
            &a.1.network,
            &a.1.station,
            &a.1.location,
            &a.1.channel,
            a.1.start,
        )
            .cmp(&(
                &b.1.network,
                &b.1.station,
                &b.1.location,
                &b.1.channel,
                b.1.start,
            ))
    });
    // The trace being built, and the last record's start (ns) and duration (ns, fractional):
    // differences are taken in integers first because an f64 cannot hold epoch nanoseconds.
    let mut current: Option<(Trace, (i64, f64))> = None;
    // Samples left to append per channel, to size each trace's buffer once.
    let mut remaining: std::collections::HashMap<(String, String, String, String), usize> =
        std::collections::HashMap::new();
    for (_, r) in &data {
        *remaining
            .entry((
                r.network.clone(),
                r.station.clone(),
                r.location.clone(),
                r.channel.clone(),
            ))
            .or_default() += r.samples.len();
    }
    for (idx, r) in data {
        let key = (
            r.network.clone(),
            r.station.clone(),
            r.location.clone(),
            r.channel.clone(),
        );
        let left = remaining.get_mut(&key).map(|v| {
            let l = *v;
            *v -= r.samples.len();
            l
        });
        let nvals = r.samples.len();
        if let Some((tr, (prev_start, prev_dur))) = current.as_mut() {
            let same = tr.network == r.network
                && tr.station == r.station
                && tr.location == r.location
                && tr.channel == r.channel;
            if same {
                let rate_ok = (1.0 - tr.sample_rate / r.sample_rate).abs() <= 1e-4;
                let interval = 1e9 / tr.sample_rate;
                // Saturating: mutated or absurd headers must not overflow (found by the property test).
                let shift = r.start.saturating_sub(*prev_start) as f64 - *prev_dur;
                let kind = if !rate_ok {
                    Some(DiscontinuityKind::RateChange)
                } else if shift > interval / 2.0 {
                    Some(DiscontinuityKind::Gap)
                } else if shift < -interval / 2.0 {
                    Some(DiscontinuityKind::Overlap)
                } else if shift.abs() > CLOCK_JITTER_NS as f64 {
                    Some(DiscontinuityKind::ClockJump)
                } else {
                    None
                };
                if let Some(kind) = kind {
                    out.discontinuities.push(Discontinuity {
                        id: tr.id(),
                        kind,
                        expected: prev_start.saturating_add(prev_dur.round() as i64),
                        actual: r.start,
                        shift_ns: (shift).round() as i64,
                        shift_samples: shift / interval,
                        record: idx,
                    });
                }
                if matches!(kind, None | Some(DiscontinuityKind::ClockJump)) {
                    append(&mut tr.samples, &r.samples);
                    // Compare the next record with this record's own end, as libmseed does,
                    // so that one clock jump is reported once and not at every later record.
                    *prev_start = r.start;
                    *prev_dur = nvals as f64 * interval;
                    continue;
                }
            }
            // Start a new segment: push the finished one.
            if let Some((t, _)) = current.take() {
                out.traces.push(t);
            }
        }
        let dur = nvals as f64 * 1e9 / r.sample_rate;
        let start = r.start;
        let mut vals = crate::mem::with_capacity(left.unwrap_or(nvals));
        append(&mut vals, &r.samples);
        current = Some((
            Trace {
                network: r.network,
                station: r.station,
                location: r.location,
                channel: r.channel,
                start: r.start,
                sample_rate: r.sample_rate,
                samples: vals,
            },
            (start, dur),
        ));
    }
    if let Some((t, _)) = current {
        out.traces.push(t);
    }
    out
}

/// Append samples as `f64` without an intermediate vector.
fn append(dst: &mut Vec<f64>, s: &super::Samples) {
    match s {
        super::Samples::Int(v) => dst.extend(v.iter().map(|&x| x as f64)),
        super::Samples::Float32(v) => dst.extend(v.iter().map(|&x| x as f64)),
        super::Samples::Float64(v) => dst.extend_from_slice(v),
        super::Samples::Text(_) => {}
    }
}

/// Decode every record of a miniSEED (2 or 3, may be mixed) byte buffer and assemble traces.
pub fn read_traces(input: &[u8], opts: DecodeOptions) -> Result<TraceAssembly, MseedError> {
    let mut recs = Vec::new();
    for (i, r) in RecordReader::with_options(input, opts).enumerate() {
        recs.push((i, r?));
    }
    Ok(assemble(recs))
}
