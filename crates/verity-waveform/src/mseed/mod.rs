//! miniSEED 2 and 3 records: detection, parsing, decoding, assembling into traces with gap,
//! overlap and clock-jump reporting, and writing miniSEED 2 with Steim-2.
//!
//! * miniSEED 2: SEED Reference Manual v2.4 (IRIS/FDSN 2012), chapter 8 (fixed section of data
//!   header, blockettes 100, 1000, 1001) and Appendix B (Steim compression).
//! * miniSEED 3: FDSN "miniSEED 3" specification (2023), fixed header, CRC-32C, FDSN Source
//!   Identifier, JSON extra headers.
//!
//! Behaviour where the standards leave room follows libmseed 3 (the library inside ObsPy),
//! and is checked against its regression listings: header byte order is detected from a
//! plausible year/day; data word order comes from blockette 1000 or, without it, equals the
//! header order; without blockette 1000 the record length is the distance to the next valid
//! header (or the rest of the input) and the encoding falls back to Steim-1, libmseed's
//! default fallback for legacy records; blockette 100 overrides the nominal sample rate;
//! blockette 1001 adds microseconds.

mod encoding;
mod mseed2;
mod mseed3;
mod stream;
mod write;

pub use encoding::{SteimCheck, encoding_name, steim2_encode};
pub use mseed2::parse_mseed2;
pub use mseed3::{crc32c, parse_mseed3};
pub use stream::{
    Discontinuity, DiscontinuityKind, RecordReader, TraceAssembly, assemble, read_traces,
};
pub use write::{Mseed2Writer, WriteError};

use serde::Serialize;

/// Decoded samples in their native type, for bit-exact comparison with libmseed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Samples {
    /// Integer encodings (INT16/24/32, Steim-1/2, CDSN, SRO, DWWSSN).
    Int(Vec<i32>),
    /// IEEE float32 and GEOSCOPE encodings.
    Float32(Vec<f32>),
    /// IEEE float64.
    Float64(Vec<f64>),
    /// Text (encoding 0): the raw bytes of the data section.
    Text(Vec<u8>),
}

impl Samples {
    /// Number of samples (bytes for text).
    pub fn len(&self) -> usize {
        match self {
            Samples::Int(v) => v.len(),
            Samples::Float32(v) => v.len(),
            Samples::Float64(v) => v.len(),
            Samples::Text(v) => v.len(),
        }
    }
    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Samples as `f64` (lossless for every numeric type); text gives nothing.
    pub fn to_f64(&self) -> Vec<f64> {
        match self {
            Samples::Int(v) => v.iter().map(|&x| x as f64).collect(),
            Samples::Float32(v) => v.iter().map(|&x| x as f64).collect(),
            Samples::Float64(v) => v.clone(),
            Samples::Text(_) => Vec::new(),
        }
    }
    /// Whether this is a numeric time series (not text).
    pub fn is_numeric(&self) -> bool {
        !matches!(self, Samples::Text(_))
    }
}

/// One decoded miniSEED record (version 2 or 3).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Record {
    /// 2 or 3.
    pub format_version: u8,
    /// Byte offset of the record in the input.
    pub offset: usize,
    /// Record length in bytes.
    pub length: usize,
    /// FDSN network code.
    pub network: String,
    /// Station code.
    pub station: String,
    /// Location code.
    pub location: String,
    /// Channel code (band + source + subsource).
    pub channel: String,
    /// Data quality indicator (`D`, `R`, `Q`, `M`) for v2; publication version for v3.
    pub quality: String,
    /// Sequence number (v2 only).
    pub sequence: Option<u32>,
    /// Number of samples the header declares.
    pub sample_count: usize,
    /// Start time, nanoseconds since the Unix epoch (time correction applied if requested).
    pub start: i64,
    /// Sample rate in Hz (0 for records without a time series).
    pub sample_rate: f64,
    /// Encoding code (SEED/FDSN table).
    pub encoding: u8,
    /// Whether the data payload is big-endian.
    pub big_endian: bool,
    /// Header time correction in units of 0.0001 s (v2 field 16).
    pub time_correction: i32,
    /// Whether the time correction has been added to `start`.
    pub time_correction_applied: bool,
    /// Timing quality percentage (blockette 1001 or v3 extra header), if present.
    pub timing_quality: Option<u8>,
    /// Blockette types present (v2).
    pub blockettes: Vec<u16>,
    /// Whether blockette 1000 was present (v2).
    pub has_blockette_1000: bool,
    /// Activity, I/O-and-clock and data-quality flag bytes (v2), or the v3 flags byte.
    pub flags: [u8; 3],
    /// JSON extra headers (v3).
    pub extra_headers: Option<serde_json::Value>,
    /// Steim integrity check (reverse integration constant), if Steim-encoded.
    pub steim_check: Option<SteimCheck>,
    /// Decoded samples.
    pub samples: Samples,
}

impl Record {
    /// FDSN Source Identifier, `FDSN:NET_STA_LOC_B_S_SS` (FDSN Source Identifiers v1.0).
    pub fn source_id(&self) -> String {
        let c: Vec<char> = self.channel.chars().collect();
        let ch = if c.len() == 3 {
            format!("{}_{}_{}", c[0], c[1], c[2])
        } else {
            self.channel.clone()
        };
        format!(
            "FDSN:{}_{}_{}_{}",
            self.network, self.station, self.location, ch
        )
    }

    /// `NET.STA.LOC.CHA`.
    pub fn nslc(&self) -> String {
        format!(
            "{}.{}.{}.{}",
            self.network, self.station, self.location, self.channel
        )
    }

    /// Time just after the last sample (start + n / rate), nanoseconds.
    pub fn end_exclusive(&self) -> i64 {
        if self.sample_rate > 0.0 {
            self.start + (self.samples.len() as f64 * 1e9 / self.sample_rate).round() as i64
        } else {
            self.start
        }
    }
}

/// Options for decoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Add the v2 header time correction when activity flag bit 1 ("time correction applied")
    /// is clear, as SEED 2.4 §8 field 16 prescribes. libmseed 3 (and ObsPy 1.5) report the
    /// corrected time too (checked against `read-unapplied-timecorrection`).
    pub apply_time_correction: bool,
    /// Verify the miniSEED 3 CRC-32C.
    pub verify_crc: bool,
    /// Decode the data payload (libmseed's `MSF_UNPACKDATA`). When `false` only headers are
    /// parsed and `samples` is empty (`sample_count` still holds the declared count).
    pub unpack_data: bool,
    /// When no record header is found where one should start, look for the next valid
    /// header at 64-byte steps and skip the bytes in between (libmseed skips such noise the
    /// same way). Skipped spans are listed by [`RecordReader::skipped`]; input with no header
    /// at all is still an error.
    pub resync: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            apply_time_correction: true,
            verify_crc: true,
            unpack_data: true,
            resync: true,
        }
    }
}

/// What went wrong decoding a payload (wrapped with record context in [`MseedError`]).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DecodeError {
    /// The payload is inconsistent with the header.
    #[error("{0}")]
    Payload(String),
    /// Encoding code not supported.
    #[error("unsupported data encoding {0}")]
    UnsupportedEncoding(u8),
}

/// Errors reading miniSEED, each naming the record (0-based index in the input) and the byte
/// offset where the problem is.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MseedError {
    /// No miniSEED record header at this offset.
    #[error("record {record} at byte offset {offset}: not a miniSEED record header ({reason})")]
    NotARecord {
        record: usize,
        offset: usize,
        reason: String,
    },
    /// The input ends inside a record.
    #[error(
        "record {record} at byte offset {offset}: truncated, needs {needed} bytes but only {available} remain"
    )]
    Truncated {
        record: usize,
        offset: usize,
        needed: usize,
        available: usize,
    },
    /// A header field is invalid.
    #[error("record {record} at byte offset {offset}: invalid {field}: {reason}")]
    BadField {
        record: usize,
        offset: usize,
        field: &'static str,
        reason: String,
    },
    /// A blockette chain is broken.
    #[error(
        "record {record} at byte offset {offset}: blockette at byte {blockette_offset}: {reason}"
    )]
    BadBlockette {
        record: usize,
        offset: usize,
        blockette_offset: usize,
        reason: String,
    },
    /// The miniSEED 3 CRC does not match.
    #[error(
        "record {record} at byte offset {offset}: CRC-32C mismatch (header {stored:#010x}, computed {computed:#010x})"
    )]
    Crc {
        record: usize,
        offset: usize,
        stored: u32,
        computed: u32,
    },
    /// The data payload could not be decoded.
    #[error(
        "record {record} at byte offset {offset}: data section at byte {data_offset}: {source}"
    )]
    Data {
        record: usize,
        offset: usize,
        data_offset: usize,
        source: DecodeError,
    },
}

/// Which miniSEED version, if any, starts at the beginning of `buf`.
pub fn detect(buf: &[u8]) -> Option<u8> {
    if buf.len() >= 40 && buf[0] == b'M' && buf[1] == b'S' && buf[2] == 3 {
        return Some(3);
    }
    if mseed2::is_valid_header(buf) {
        return Some(2);
    }
    None
}

/// Parse the record that starts at `offset` in `input` (either version). Returns the record;
/// its `length` tells where the next one starts.
pub fn parse_record(
    input: &[u8],
    offset: usize,
    record: usize,
    opts: &DecodeOptions,
) -> Result<Record, MseedError> {
    let buf = &input[offset.min(input.len())..];
    match detect(buf) {
        Some(3) => parse_mseed3(buf, offset, record, opts),
        Some(_) => parse_mseed2(buf, offset, record, opts),
        None => Err(MseedError::NotARecord {
            record,
            offset,
            reason: if buf.len() < 48 {
                format!(
                    "only {} bytes remain, a header needs at least 40",
                    buf.len()
                )
            } else {
                "no 'MS3' signature and no valid SEED 2 fixed header".into()
            },
        }),
    }
}

#[cfg(test)]
mod tests;
