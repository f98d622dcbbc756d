//! miniSEED 2 (SEED 2.4 data-only records).

use super::encoding::decode;
use super::{DecodeOptions, MseedError, Record};
use crate::trace::from_year_doy;

/// Fixed section of data header: 48 bytes (SEED 2.4 §8).
pub(crate) const FIXED: usize = 48;

fn year_day(buf: &[u8], big: bool) -> (u16, u16) {
    let r = |i: usize| {
        if big {
            u16::from_be_bytes([buf[i], buf[i + 1]])
        } else {
            u16::from_le_bytes([buf[i], buf[i + 1]])
        }
    };
    (r(20), r(22))
}

fn plausible(year: u16, day: u16) -> bool {
    (1900..=2100).contains(&year) && (1..=366).contains(&day)
}

/// libmseed's test for a SEED 2 fixed header: sequence number of digits/space/NUL, a data
/// quality indicator, a space or NUL, and a plausible BTIME (in either byte order).
pub(crate) fn is_valid_header(buf: &[u8]) -> bool {
    if buf.len() < FIXED {
        return false;
    }
    let seq_ok = buf[..6]
        .iter()
        .all(|&c| c.is_ascii_digit() || c == b' ' || c == 0);
    let dq_ok = matches!(buf[6], b'D' | b'R' | b'Q' | b'M');
    let sp_ok = buf[7] == b' ' || buf[7] == 0;
    let time_ok = buf[24] <= 23 && buf[25] <= 59 && buf[26] <= 60;
    let (yb, db) = year_day(buf, true);
    let (yl, dl) = year_day(buf, false);
    seq_ok && dq_ok && sp_ok && time_ok && (plausible(yb, db) || plausible(yl, dl))
}

fn text(field: &[u8]) -> String {
    String::from_utf8_lossy(field)
        .trim_matches(|c: char| c == ' ' || c == '\0')
        .to_string()
}

/// Nominal sample rate from SEED factor and multiplier (SEED 2.4 §8 fields 10–11).
pub(crate) fn nominal_rate(factor: i16, mult: i16) -> f64 {
    let (f, m) = (factor as f64, mult as f64);
    match (factor.signum(), mult.signum()) {
        (1, 1) => f * m,
        (1, -1) => -f / m,
        (-1, 1) => -m / f,
        (-1, -1) => 1.0 / (f * m),
        _ => 0.0,
    }
}

/// Parse one miniSEED 2 record at the start of `buf` (`offset`/`record` give context for
/// errors).
pub fn parse_mseed2(
    buf: &[u8],
    offset: usize,
    record: usize,
    opts: &DecodeOptions,
) -> Result<Record, MseedError> {
    if buf.len() < FIXED {
        return Err(MseedError::Truncated {
            record,
            offset,
            needed: FIXED,
            available: buf.len(),
        });
    }
    if !is_valid_header(buf) {
        return Err(MseedError::NotARecord {
            record,
            offset,
            reason: "fixed header fails the SEED 2 plausibility checks".into(),
        });
    }
    let (yb, db) = year_day(buf, true);
    let hbig = plausible(yb, db);
    let u16_at = |i: usize| {
        if hbig {
            u16::from_be_bytes([buf[i], buf[i + 1]])
        } else {
            u16::from_le_bytes([buf[i], buf[i + 1]])
        }
    };
    let i32_at = |i: usize| {
        let b = [buf[i], buf[i + 1], buf[i + 2], buf[i + 3]];
        if hbig {
            i32::from_be_bytes(b)
        } else {
            i32::from_le_bytes(b)
        }
    };
    let seq_text = text(&buf[0..6]);
    let sequence = seq_text.parse::<u32>().ok();
    let quality = (buf[6] as char).to_string();
    let station = text(&buf[8..13]);
    let location = text(&buf[13..15]);
    let channel = text(&buf[15..18]);
    let network = text(&buf[18..20]);
    let (year, day) = (u16_at(20), u16_at(22));
    let (hour, min, sec) = (buf[24], buf[25], buf[26]);
    let fract = u16_at(28);
    // A fraction of 10000 or more is accepted and carries into the seconds, as libmseed does
    // (ObsPy's microsecond_wrap.mseed has exactly 10000).
    let nsamp = u16_at(30) as usize;
    let factor = u16_at(32) as i16;
    let mult = u16_at(34) as i16;
    let flags = [buf[36], buf[37], buf[38]];
    let nblk = buf[39];
    let time_correction = i32_at(40);
    let data_offset = u16_at(44) as usize;
    let first_blk = u16_at(46) as usize;

    // Blockettes: walk the chain. Each starts with a type and the offset of the next one.
    let mut blockettes = Vec::new();
    let mut reclen: Option<usize> = None;
    let mut encoding: Option<u8> = None;
    let mut data_big = hbig;
    let mut b100_rate: Option<f32> = None;
    let mut usec: i64 = 0;
    let mut timing_quality = None;
    let mut pos = first_blk;
    let mut prev = 0usize;
    let mut guard = 0;
    while pos != 0 {
        guard += 1;
        let bad = |reason: String| MseedError::BadBlockette {
            record,
            offset,
            blockette_offset: pos,
            reason,
        };
        if pos < FIXED {
            return Err(bad(format!(
                "offset {pos} points into the 48-byte fixed header"
            )));
        }
        if pos <= prev {
            return Err(bad(format!(
                "invalid blockette offset ({pos}) less than or equal to current offset ({prev})"
            )));
        }
        if guard > 64 {
            return Err(bad("more than 64 blockettes".into()));
        }
        if pos + 4 > buf.len() || reclen.is_some_and(|l| pos + 4 > l) {
            return Err(bad(format!(
                "blockette header extends beyond the {} available bytes",
                reclen.unwrap_or(buf.len()).min(buf.len())
            )));
        }
        let btype = u16_at(pos);
        let next = u16_at(pos + 2) as usize;
        let need = |len: usize| -> Result<(), MseedError> {
            if pos + len > buf.len() {
                Err(MseedError::Truncated {
                    record,
                    offset,
                    needed: pos + len,
                    available: buf.len(),
                })
            } else {
                Ok(())
            }
        };
        match btype {
            1000 => {
                need(8)?;
                encoding = Some(buf[pos + 4]);
                // 0 = little endian, 1 = big endian. Other values occur in the wild (ObsPy's
                // record_with_invalid_word_order.mseed); like libmseed, treat them as big endian.
                data_big = buf[pos + 5] != 0;
                let exp = buf[pos + 6];
                if !(7..=16).contains(&exp) {
                    return Err(bad(format!(
                        "blockette 1000 record length exponent {exp} is outside 7..=16 (128..65536 bytes)"
                    )));
                }
                reclen = Some(1usize << exp);
            }
            1001 => {
                need(8)?;
                timing_quality = Some(buf[pos + 4]);
                usec = buf[pos + 5] as i8 as i64;
            }
            100 => {
                need(12)?;
                let b = [buf[pos + 4], buf[pos + 5], buf[pos + 6], buf[pos + 7]];
                b100_rate = Some(if hbig {
                    f32::from_be_bytes(b)
                } else {
                    f32::from_le_bytes(b)
                });
            }
            _ => {}
        }
        blockettes.push(btype);
        prev = pos;
        pos = next;
    }
    let has_b1000 = encoding.is_some();
    let length = match reclen {
        Some(l) => l,
        None => legacy_length(buf),
    };
    if length > buf.len() {
        return Err(MseedError::Truncated {
            record,
            offset,
            needed: length,
            available: buf.len(),
        });
    }
    let _ = nblk; // the count field is advisory: libmseed follows the chain, as we do.
    // Without blockette 1000, libmseed's default fallback encoding is Steim-1 (code 10).
    let encoding = encoding.unwrap_or(10);

    let mut start = from_year_doy(
        year as i64,
        day as u32,
        hour as u32,
        min as u32,
        sec as u32,
        fract as i64 * 100_000,
    ) + usec * 1000;
    let applied_flag = flags[0] & 0x02 != 0;
    let mut time_correction_applied = applied_flag;
    if opts.apply_time_correction && !applied_flag && time_correction != 0 {
        start += time_correction as i64 * 100_000;
        time_correction_applied = true;
    }
    let sample_rate = match b100_rate {
        Some(r) if r.is_finite() && r != 0.0 => r as f64,
        _ => nominal_rate(factor, mult),
    };
    if !(sample_rate.is_finite()) || sample_rate < 0.0 {
        return Err(MseedError::BadField {
            record,
            offset,
            field: "sample rate",
            reason: format!("{sample_rate} is not a non-negative finite number"),
        });
    }

    let (samples, steim_check) = if nsamp == 0 || !opts.unpack_data {
        (super::Samples::Int(Vec::new()), None)
    } else {
        if data_offset < FIXED || data_offset >= length {
            return Err(MseedError::BadField {
                record,
                offset,
                field: "data offset (byte 44)",
                reason: format!(
                    "{data_offset} is outside the record body 48..{length} although {nsamp} samples are declared"
                ),
            });
        }
        let payload = &buf[data_offset..length];
        decode(encoding, payload, nsamp, data_big).map_err(|e| MseedError::Data {
            record,
            offset,
            data_offset: offset + data_offset,
            source: e,
        })?
    };
    Ok(Record {
        format_version: 2,
        offset,
        length,
        network,
        station,
        location,
        channel,
        quality,
        sequence,
        sample_count: nsamp,
        start,
        sample_rate,
        encoding,
        big_endian: data_big,
        time_correction,
        time_correction_applied,
        timing_quality,
        blockettes,
        has_blockette_1000: has_b1000,
        flags,
        extra_headers: None,
        steim_check,
        samples,
    })
}

/// Record length of a record without blockette 1000: the distance to the next valid header,
/// probing at 64-byte steps from 128 bytes (the smallest SEED record) as libmseed does, or
/// the rest of the input if no further header follows.
fn legacy_length(buf: &[u8]) -> usize {
    let mut next = 128;
    while next + FIXED <= buf.len() && next <= 65536 {
        if is_valid_header(&buf[next..]) || buf[next..].starts_with(b"MS\x03") {
            return next;
        }
        next += 64;
    }
    buf.len()
}
