//! miniSEED 3 (FDSN 2023): little-endian fixed header of 40 bytes, FDSN Source Identifier,
//! JSON extra headers, data payload; CRC-32C over the whole record with the CRC field zeroed.

use super::encoding::decode;
use super::{DecodeOptions, MseedError, Record};
use crate::trace::from_year_doy;

const FIXED: usize = 40;

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as the miniSEED 3 specification
/// requires (§"CRC"). Table-driven, one byte per step.
pub fn crc32c(data: &[u8]) -> u32 {
    const fn table() -> [u32; 256] {
        let mut t = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    (c >> 1) ^ 0x82F6_3B78
                } else {
                    c >> 1
                };
                k += 1;
            }
            t[i] = c;
            i += 1;
        }
        t
    }
    static TABLE: [u32; 256] = table();
    let mut crc = !0u32;
    for &b in data {
        crc = TABLE[((crc ^ b as u32) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

/// Split an FDSN Source Identifier `FDSN:NET_STA_LOC_B_S_SS` into network, station, location
/// and channel (band+source+subsource concatenated when each is one character, as SEED 2
/// channel codes are).
fn split_sid(sid: &str) -> Option<(String, String, String, String)> {
    let rest = sid.strip_prefix("FDSN:")?;
    let parts: Vec<&str> = rest.split('_').collect();
    if parts.len() < 6 {
        return None;
    }
    let n = parts.len();
    let (b, s, ss) = (parts[n - 3], parts[n - 2], parts[n - 1]);
    let loc = parts[2..n - 3].join("_");
    let channel = if b.len() <= 1 && s.len() <= 1 && ss.len() <= 1 {
        format!("{b}{s}{ss}")
    } else {
        format!("{b}_{s}_{ss}")
    };
    Some((parts[0].into(), parts[1].into(), loc, channel))
}

/// Parse one miniSEED 3 record at the start of `buf`.
pub fn parse_mseed3(
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
    if &buf[0..2] != b"MS" || buf[2] != 3 {
        return Err(MseedError::NotARecord {
            record,
            offset,
            reason: "missing 'MS' signature with format version 3".into(),
        });
    }
    let u16_at = |i: usize| u16::from_le_bytes([buf[i], buf[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes([buf[i], buf[i + 1], buf[i + 2], buf[i + 3]]);
    let field = |field: &'static str, reason: String| MseedError::BadField {
        record,
        offset,
        field,
        reason,
    };
    let flags = buf[3];
    let nanos = u32_at(4);
    let year = u16_at(8);
    let doy = u16_at(10);
    let (hour, min, sec) = (buf[12], buf[13], buf[14]);
    let encoding = buf[15];
    let rate_raw = f64::from_le_bytes(buf[16..24].try_into().expect("8-byte slice"));
    let nsamp = u32_at(24) as usize;
    let stored_crc = u32_at(28);
    let pubver = buf[32];
    let sid_len = buf[33] as usize;
    let extra_len = u16_at(34) as usize;
    let data_len = u32_at(36) as usize;
    if nanos > 999_999_999 {
        return Err(field(
            "nanosecond (byte 4)",
            format!("{nanos} exceeds 999999999"),
        ));
    }
    if !crate::trace::YEARS.contains(&(year as i64)) {
        return Err(field(
            "year (byte 8)",
            format!("{year} is outside the representable years 1678..=2261"),
        ));
    }
    if !(1..=366).contains(&doy) || hour > 23 || min > 59 || sec > 60 {
        return Err(field(
            "start time (bytes 8-14)",
            format!("day {doy} {hour:02}:{min:02}:{sec:02} is not a valid time"),
        ));
    }
    let length = FIXED + sid_len + extra_len + data_len;
    if length > buf.len() {
        return Err(MseedError::Truncated {
            record,
            offset,
            needed: length,
            available: buf.len(),
        });
    }
    let rec = &buf[..length];
    if opts.verify_crc {
        // CRC of the whole record with the CRC field (bytes 28..32) taken as zero.
        let mut tmp = Vec::with_capacity(length);
        tmp.extend_from_slice(&rec[..28]);
        tmp.extend_from_slice(&[0; 4]);
        tmp.extend_from_slice(&rec[32..]);
        let h = crc32c(&tmp);
        if h != stored_crc {
            return Err(MseedError::Crc {
                record,
                offset,
                stored: stored_crc,
                computed: h,
            });
        }
    }
    let sid_bytes = &rec[FIXED..FIXED + sid_len];
    let sid = std::str::from_utf8(sid_bytes)
        .map_err(|e| field("source identifier (byte 40)", format!("not UTF-8: {e}")))?;
    let (network, station, location, channel) = split_sid(sid).ok_or_else(|| {
        field(
            "source identifier (byte 40)",
            format!("{sid:?} is not an FDSN:NET_STA_LOC_B_S_SS identifier"),
        )
    })?;
    let eh_start = FIXED + sid_len;
    let extra_headers = if extra_len > 0 {
        let v: serde_json::Value = serde_json::from_slice(&rec[eh_start..eh_start + extra_len])
            .map_err(|e| {
                field(
                    "extra headers",
                    format!(
                        "invalid JSON at byte {}: {e}",
                        offset + eh_start + e.column()
                    ),
                )
            })?;
        if !v.is_object() {
            return Err(field("extra headers", "JSON is not an object".into()));
        }
        Some(v)
    } else {
        None
    };
    let timing_quality = extra_headers
        .as_ref()
        .and_then(|v| v.pointer("/FDSN/Time/Quality"))
        .and_then(|q| q.as_u64())
        .and_then(|q| u8::try_from(q).ok());
    let sample_rate = if rate_raw < 0.0 {
        -1.0 / rate_raw
    } else {
        rate_raw
    };
    if !sample_rate.is_finite() {
        return Err(field(
            "sample rate/period (byte 16)",
            format!("{rate_raw} is not finite"),
        ));
    }
    let data_start = eh_start + extra_len;
    let payload = &rec[data_start..];
    // miniSEED 3: Steim frames are big-endian, all other encodings little-endian.
    let big = matches!(encoding, 10 | 11);
    let (samples, steim_check) = if nsamp == 0 || !opts.unpack_data {
        (super::Samples::Int(Vec::new()), None)
    } else {
        decode(encoding, payload, nsamp, big).map_err(|e| MseedError::Data {
            record,
            offset,
            data_offset: offset + data_start,
            source: e,
        })?
    };
    let start = from_year_doy(
        year as i64,
        doy as u32,
        hour as u32,
        min as u32,
        sec as u32,
        nanos as i64,
    );
    Ok(Record {
        format_version: 3,
        offset,
        length,
        network,
        station,
        location,
        channel,
        quality: pubver.to_string(),
        sequence: None,
        sample_count: nsamp,
        start,
        sample_rate,
        encoding,
        big_endian: big,
        time_correction: 0,
        time_correction_applied: false,
        timing_quality,
        blockettes: Vec::new(),
        has_blockette_1000: false,
        flags: [flags, 0, 0],
        extra_headers,
        steim_check,
        samples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn crc32c_check_value() {
        // RFC 3720 Appendix B.4 / the standard CRC-32C check value of "123456789".
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
    }
    #[test]
    fn sid_split() {
        assert_eq!(
            split_sid("FDSN:XX_TEST_00_L_H_Z"),
            Some(("XX".into(), "TEST".into(), "00".into(), "LHZ".into()))
        );
        assert_eq!(
            split_sid("FDSN:XX_TEST__B_H_E"),
            Some(("XX".into(), "TEST".into(), "".into(), "BHE".into()))
        );
        assert_eq!(split_sid("XX_TEST"), None);
    }
}
