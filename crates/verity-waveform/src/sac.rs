//! SAC binary files (Seismic Analysis Code, LLNL; header layout as in the SAC User Manual,
//! "SAC Data Format"): a 632-byte header of 70 floats, 40 integers and 24 eight-byte
//! strings (the event name takes two), then `npts` float32 samples. Either byte order: the
//! header version `nvhdr` (word 76) must read 6 or 7 in one of them.

use crate::trace::{NS_PER_SEC, Trace, from_year_doy};

/// Header length in bytes.
pub const HEADER_LEN: usize = 632;
const UNDEF_F: f32 = -12345.0;
const UNDEF_I: i32 = -12345;

/// Errors reading SAC, naming the field and its byte offset.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SacError {
    /// Input shorter than needed.
    #[error("SAC input truncated: {what} needs {needed} bytes, only {available} present")]
    Truncated {
        what: &'static str,
        needed: usize,
        available: usize,
    },
    /// Header version not 6 or 7 in either byte order.
    #[error(
        "not a SAC file: header version (nvhdr, byte 304) is {be} big-endian / {le} little-endian, expected 6 or 7"
    )]
    Version { be: i32, le: i32 },
    /// A header field has an unusable value.
    #[error("SAC header field {field} (byte {offset}): {reason}")]
    Field {
        field: &'static str,
        offset: usize,
        reason: String,
    },
}

/// Selected header values (undefined ones are `None`).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SacHeader {
    /// Sample interval (s).
    pub delta: f32,
    /// Begin time relative to the reference time (s).
    pub b: f32,
    /// Event origin time relative to the reference time (s).
    pub o: Option<f32>,
    /// First arrival time relative to the reference time (s).
    pub a: Option<f32>,
    /// Station latitude, longitude (deg) and elevation (m).
    pub stla: Option<f32>,
    pub stlo: Option<f32>,
    pub stel: Option<f32>,
    /// Event latitude, longitude (deg) and depth.
    pub evla: Option<f32>,
    pub evlo: Option<f32>,
    pub evdp: Option<f32>,
    /// Number of samples.
    pub npts: usize,
    /// Header version (6 or 7).
    pub nvhdr: i32,
    /// Whether the file is big-endian.
    pub big_endian: bool,
    /// Reference time in ns since the epoch, if all of nzyear..nzmsec are defined.
    pub reference_time: Option<i64>,
}

/// Read a SAC binary file (evenly spaced time series, `iftype = ITIME`) into a trace.
pub fn read_sac(buf: &[u8]) -> Result<(Trace, SacHeader), SacError> {
    if buf.len() < HEADER_LEN {
        return Err(SacError::Truncated {
            what: "header",
            needed: HEADER_LEN,
            available: buf.len(),
        });
    }
    let word = |i: usize| [buf[4 * i], buf[4 * i + 1], buf[4 * i + 2], buf[4 * i + 3]];
    let be = i32::from_be_bytes(word(76));
    let le = i32::from_le_bytes(word(76));
    let big = match (be, le) {
        (6 | 7, _) => true,
        (_, 6 | 7) => false,
        _ => return Err(SacError::Version { be, le }),
    };
    let f = |i: usize| {
        if big {
            f32::from_be_bytes(word(i))
        } else {
            f32::from_le_bytes(word(i))
        }
    };
    let n = |i: usize| {
        if big {
            i32::from_be_bytes(word(i))
        } else {
            i32::from_le_bytes(word(i))
        }
    };
    let opt = |i: usize| Some(f(i)).filter(|&v| v != UNDEF_F);
    let s = |off: usize, len: usize| -> String {
        let t = String::from_utf8_lossy(&buf[off..off + len])
            .trim_end_matches(['\0', ' '])
            .trim()
            .to_string();
        if t == "-12345" { String::new() } else { t }
    };
    let delta = f(0);
    if !(delta.is_finite() && delta > 0.0) {
        return Err(SacError::Field {
            field: "delta",
            offset: 0,
            reason: format!("sample interval {delta} is not positive"),
        });
    }
    let npts_i = n(79);
    if npts_i < 0 {
        return Err(SacError::Field {
            field: "npts",
            offset: 316,
            reason: format!("negative sample count {npts_i}"),
        });
    }
    let npts = npts_i as usize;
    let iftype = n(85);
    if iftype != 1 && iftype != UNDEF_I {
        return Err(SacError::Field {
            field: "iftype",
            offset: 340,
            reason: format!(
                "file type {iftype} is not ITIME (1): spectral or xy files are not time series"
            ),
        });
    }
    let leven = n(105);
    if leven == 0 {
        return Err(SacError::Field {
            field: "leven",
            offset: 420,
            reason: "unevenly spaced data are not supported".into(),
        });
    }
    let needed = HEADER_LEN + 4 * npts;
    if buf.len() < needed {
        return Err(SacError::Truncated {
            what: "data section",
            needed,
            available: buf.len(),
        });
    }
    let b = f(5);
    let (y, d, h, mi, se, ms) = (n(70), n(71), n(72), n(73), n(74), n(75));
    let reference_time = if [y, d, h, mi, se, ms].contains(&UNDEF_I) {
        None
    } else if !crate::trace::YEARS.contains(&(y as i64))
        || !(1..=366).contains(&d)
        || !(0..=23).contains(&h)
        || !(0..=59).contains(&mi)
        || !(0..=60).contains(&se)
        || !(0..=999).contains(&ms)
    {
        return Err(SacError::Field {
            field: "nzjday..nzmsec",
            offset: 284,
            reason: format!("reference time {y} day {d} {h}:{mi}:{se}.{ms:03} is not valid"),
        });
    } else {
        Some(from_year_doy(
            y as i64,
            d as u32,
            h as u32,
            mi as u32,
            se as u32,
            ms as i64 * 1_000_000,
        ))
    };
    // ObsPy: start = reference time + b (b as a double, rounded to the nanosecond).
    if !b.is_finite() {
        return Err(SacError::Field {
            field: "b",
            offset: 20,
            reason: format!("begin time {b} is not finite"),
        });
    }
    // `as` saturates for huge values, and the sum saturates too: no overflow on hostile input.
    let b_ns = if b == UNDEF_F {
        0
    } else {
        (b as f64 * NS_PER_SEC as f64).round() as i64
    };
    let start = reference_time.unwrap_or(0).saturating_add(b_ns);
    let samples: Vec<f64> = buf[HEADER_LEN..needed]
        .chunks_exact(4)
        .map(|c| {
            // chunks_exact(4) yields exactly four bytes.
            let a: [u8; 4] = c.try_into().expect("4-byte chunk");
            (if big {
                f32::from_be_bytes(a)
            } else {
                f32::from_le_bytes(a)
            }) as f64
        })
        .collect();
    let header = SacHeader {
        delta,
        b,
        o: opt(7),
        a: opt(8),
        stla: opt(31),
        stlo: opt(32),
        stel: opt(33),
        evla: opt(35),
        evlo: opt(36),
        evdp: opt(38),
        npts,
        nvhdr: if big { be } else { le },
        big_endian: big,
        reference_time,
    };
    let trace = Trace {
        network: s(608, 8),
        station: s(440, 8),
        location: s(464, 8),
        channel: s(600, 8),
        start,
        // float32 cannot hold 0.01 exactly (it stores 0.0099999998); rounding the interval to
        // whole microseconds before inverting recovers the intended rate, as ObsPy does
        // (ObsPy issue #3408, `round_sampling_interval=True`).
        sample_rate: 1.0 / ((delta as f64 * 1e6).round() / 1e6),
        samples,
    };
    Ok((trace, header))
}
