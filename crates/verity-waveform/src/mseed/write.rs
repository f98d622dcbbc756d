//! Writing miniSEED 2 records (big-endian, blockettes 1000 and 1001): Steim-2 compressed
//! integers for synthetic data and round-trip tests, and uncompressed FLOAT64 (SEED encoding 5)
//! for processed series such as resampled traces, which are not integers and must not lose
//! precision.

use super::encoding::steim2_encode;
use crate::trace::{civil_from_days, days_from_civil};

/// Errors writing miniSEED.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum WriteError {
    /// Record length not a power of two in 256..=65536.
    #[error("record length {0} is not a power of two between 256 and 65536")]
    RecordLength(usize),
    /// A code does not fit its fixed-width field.
    #[error("{field} {value:?} is longer than {max} characters")]
    Code {
        field: &'static str,
        value: String,
        max: usize,
    },
    /// Sample rate not representable.
    #[error("sample rate {0} Hz is not positive and finite")]
    SampleRate(f64),
    /// A first difference exceeds what Steim-2 can hold (±2^29).
    #[error("sample {index}: difference {diff} exceeds the Steim-2 range of ±2^29")]
    Range { index: usize, diff: i64 },
    /// A sample is NaN or infinite.
    #[error("sample {index} is not a finite number")]
    NotFinite { index: usize },
    /// Start time before 1900 or after 2100 cannot be written as SEED BTIME.
    #[error("start time {0} ns is outside the years 1900..=2100")]
    Time(i64),
}

/// Writes one channel as a sequence of Steim-2 miniSEED 2 records.
#[derive(Clone, Debug)]
pub struct Mseed2Writer {
    /// Network code (≤ 2 chars).
    pub network: String,
    /// Station code (≤ 5 chars).
    pub station: String,
    /// Location code (≤ 2 chars).
    pub location: String,
    /// Channel code (≤ 3 chars).
    pub channel: String,
    /// Sample rate (Hz).
    pub sample_rate: f64,
    /// Record length in bytes (power of two, e.g. 4096 or 512).
    pub record_length: usize,
    /// Data quality indicator (`D`, `R`, `Q`, `M`).
    pub quality: u8,
}

impl Mseed2Writer {
    /// A writer with 4096-byte records and quality `D`.
    pub fn new(network: &str, station: &str, location: &str, channel: &str, rate: f64) -> Self {
        Mseed2Writer {
            network: network.into(),
            station: station.into(),
            location: location.into(),
            channel: channel.into(),
            sample_rate: rate,
            record_length: 4096,
            quality: b'D',
        }
    }

    fn check(&self) -> Result<u8, WriteError> {
        let exp = self.record_length.trailing_zeros();
        if !self.record_length.is_power_of_two() || !(8..=16).contains(&exp) {
            return Err(WriteError::RecordLength(self.record_length));
        }
        for (field, value, max) in [
            ("network", &self.network, 2),
            ("station", &self.station, 5),
            ("location", &self.location, 2),
            ("channel", &self.channel, 3),
        ] {
            if value.len() > max {
                return Err(WriteError::Code {
                    field,
                    value: value.clone(),
                    max,
                });
            }
        }
        if !(self.sample_rate.is_finite() && self.sample_rate > 0.0) {
            return Err(WriteError::SampleRate(self.sample_rate));
        }
        Ok(exp as u8)
    }

    /// SEED factor/multiplier, plus whether a blockette 100 is needed for the exact rate.
    fn factor_mult(&self) -> (i16, i16, bool) {
        let r = self.sample_rate;
        if (1.0..=32767.0).contains(&r) && r.fract() == 0.0 {
            (r as i16, 1, false)
        } else if r < 1.0 && (1.0 / r).fract() == 0.0 && 1.0 / r <= 32767.0 {
            (-(1.0 / r) as i16, 1, false)
        } else if r >= 1.0 {
            (r.round().min(32767.0) as i16, 1, true)
        } else {
            (-((1.0 / r).round().min(32767.0)) as i16, 1, true)
        }
    }

    /// Encode `samples` starting at `start` (ns) into records. Sequence numbers start at
    /// `first_sequence`. Times are written with microsecond resolution (BTIME + blockette
    /// 1001), so sub-microsecond parts of `start` are rounded.
    pub fn write(
        &self,
        start: i64,
        samples: &[i32],
        first_sequence: u32,
    ) -> Result<Vec<u8>, WriteError> {
        let exp = self.check()?;
        for i in 0..samples.len() {
            let prev = if i == 0 { 0 } else { samples[i - 1] as i64 };
            let d = samples[i] as i64 - prev;
            if i > 0 && !(-(1i64 << 29)..(1i64 << 29)).contains(&d) {
                return Err(WriteError::Range { index: i, diff: d });
            }
        }
        let (factor, mult, need_b100) = self.factor_mult();
        // Blockette 100 (12 bytes at 64) carries a rate factor/multiplier cannot express.
        let data_offset = if need_b100 { 128 } else { 64 };
        let max_frames = (self.record_length - data_offset) / 64;
        let mut out = Vec::new();
        let mut i = 0;
        let mut seq = first_sequence;
        while i < samples.len() {
            let prev = if i == 0 { 0 } else { samples[i - 1] };
            let (frames, n) = steim2_encode(&samples[i..], prev, max_frames);
            if n == 0 {
                // Only reachable when a difference is out of range, which was checked above.
                return Err(WriteError::Range { index: i, diff: 0 });
            }
            let t = start + (i as f64 * 1e9 / self.sample_rate).round() as i64;
            let mut rec = vec![0u8; self.record_length];
            self.header(&mut rec, seq, t, n as u16, factor, mult, exp, need_b100, 11)?;
            rec[data_offset..data_offset + frames.len()].copy_from_slice(&frames);
            out.extend_from_slice(&rec);
            i += n;
            seq = if seq >= 999_999 { 1 } else { seq + 1 };
        }
        Ok(out)
    }

    /// Encode floating-point `samples` as FLOAT64 records (SEED encoding 5, big-endian, exact).
    /// Times as in [`Mseed2Writer::write`]. Non-finite samples are rejected.
    pub fn write_f64(
        &self,
        start: i64,
        samples: &[f64],
        first_sequence: u32,
    ) -> Result<Vec<u8>, WriteError> {
        let exp = self.check()?;
        if let Some(index) = samples.iter().position(|v| !v.is_finite()) {
            return Err(WriteError::NotFinite { index });
        }
        let (factor, mult, need_b100) = self.factor_mult();
        let data_offset = if need_b100 { 128 } else { 64 };
        let per_record = (self.record_length - data_offset) / 8;
        let mut out = Vec::with_capacity(samples.len().div_ceil(per_record) * self.record_length);
        let mut seq = first_sequence;
        for (k, chunk) in samples.chunks(per_record).enumerate() {
            let i = k * per_record;
            let t = start + (i as f64 * 1e9 / self.sample_rate).round() as i64;
            let mut rec = vec![0u8; self.record_length];
            self.header(
                &mut rec,
                seq,
                t,
                chunk.len() as u16,
                factor,
                mult,
                exp,
                need_b100,
                5,
            )?;
            for (dst, v) in rec[data_offset..].chunks_exact_mut(8).zip(chunk) {
                dst.copy_from_slice(&v.to_be_bytes());
            }
            out.extend_from_slice(&rec);
            seq = if seq >= 999_999 { 1 } else { seq + 1 };
        }
        Ok(out)
    }

    #[allow(clippy::too_many_arguments)]
    fn header(
        &self,
        rec: &mut [u8],
        seq: u32,
        t: i64,
        n: u16,
        factor: i16,
        mult: i16,
        exp: u8,
        b100: bool,
        encoding: u8,
    ) -> Result<(), WriteError> {
        // Microseconds, rounded half up, in integers (an f64 cannot hold today's epoch in ns).
        let us_total = (t + 500).div_euclid(1000);
        let secs = us_total.div_euclid(1_000_000);
        let us = us_total.rem_euclid(1_000_000);
        let days = secs.div_euclid(86_400);
        let sod = secs.rem_euclid(86_400);
        let (y, _, _) = civil_from_days(days);
        if !(1900..=2100).contains(&y) {
            return Err(WriteError::Time(t));
        }
        let doy = days - days_from_civil(y, 1, 1) + 1;
        let pad = |s: &str, w: usize| format!("{s:<w$}").into_bytes();
        rec[0..6].copy_from_slice(format!("{seq:06}").as_bytes());
        rec[6] = self.quality;
        rec[7] = b' ';
        rec[8..13].copy_from_slice(&pad(&self.station, 5));
        rec[13..15].copy_from_slice(&pad(&self.location, 2));
        rec[15..18].copy_from_slice(&pad(&self.channel, 3));
        rec[18..20].copy_from_slice(&pad(&self.network, 2));
        rec[20..22].copy_from_slice(&(y as u16).to_be_bytes());
        rec[22..24].copy_from_slice(&(doy as u16).to_be_bytes());
        rec[24] = (sod / 3600) as u8;
        rec[25] = ((sod / 60) % 60) as u8;
        rec[26] = (sod % 60) as u8;
        rec[28..30].copy_from_slice(&((us / 100) as u16).to_be_bytes());
        rec[30..32].copy_from_slice(&n.to_be_bytes());
        rec[32..34].copy_from_slice(&factor.to_be_bytes());
        rec[34..36].copy_from_slice(&mult.to_be_bytes());
        rec[39] = if b100 { 3 } else { 2 };
        rec[44..46].copy_from_slice(&64u16.to_be_bytes());
        rec[46..48].copy_from_slice(&48u16.to_be_bytes());
        // Blockette 1000 at 48: encoding (11 Steim-2, 5 FLOAT64), word order 1 (big endian),
        // record length 2^exp.
        rec[48..50].copy_from_slice(&1000u16.to_be_bytes());
        rec[50..52].copy_from_slice(&56u16.to_be_bytes());
        rec[52] = encoding;
        rec[53] = 1;
        rec[54] = exp;
        // Blockette 1001 at 56: timing quality unknown (0), microseconds beyond BTIME.
        rec[56..58].copy_from_slice(&1001u16.to_be_bytes());
        let next = if b100 { 64u16 } else { 0 };
        rec[58..60].copy_from_slice(&next.to_be_bytes());
        rec[61] = (us % 100) as u8;
        if b100 {
            rec[44..46].copy_from_slice(&128u16.to_be_bytes());
            rec[64..66].copy_from_slice(&100u16.to_be_bytes());
            rec[68..72].copy_from_slice(&(self.sample_rate as f32).to_be_bytes());
        }
        Ok(())
    }
}
