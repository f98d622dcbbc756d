//! Sample payload decoders (SEED 2.4 manual, Appendix B and chapter 8 "Data Encoding
//! Formats"; miniSEED 3 specification §"Data encodings").

use super::{DecodeError, Samples};

/// Steim-1 and Steim-2 frames are 64 bytes = 16 32-bit words (SEED 2.4 Appendix B).
const FRAME: usize = 64;

fn word(data: &[u8], i: usize, big_endian: bool) -> u32 {
    let b = [data[i], data[i + 1], data[i + 2], data[i + 3]];
    if big_endian {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    }
}

/// Sign-extend the low `bits` bits of `v`.
#[inline]
fn sext(v: u32, bits: u32) -> i32 {
    ((v << (32 - bits)) as i32) >> (32 - bits)
}

/// Decoding diagnostics that do not prevent decoding.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct SteimCheck {
    /// The reverse integration constant (last sample) stored in frame 0.
    pub reverse_constant: i32,
    /// Whether the decoded last sample equals `reverse_constant`.
    pub matches: bool,
}

/// Decode Steim-1 (`level == 1`) or Steim-2 (`level == 2`) frames into `n` samples.
///
/// Each frame holds a control word of sixteen 2-bit nibbles describing the other fifteen
/// words. Frame 0 words 1 and 2 are the forward (first sample) and reverse (last sample)
/// integration constants. The first difference in a record refers to the previous record and
/// is skipped: sample 0 is the forward constant (SEED 2.4 Appendix B).
///
/// Differences are unpacked first and integrated in a second, branch-free pass.
pub fn steim(
    data: &[u8],
    n: usize,
    big_endian: bool,
    level: u8,
) -> Result<(Vec<i32>, SteimCheck), DecodeError> {
    if n == 0 {
        return Ok((Vec::new(), SteimCheck::default()));
    }
    let frames = data.len() / FRAME;
    if frames == 0 {
        return Err(DecodeError::Payload(format!(
            "Steim-{level} payload of {} bytes holds no complete 64-byte frame",
            data.len()
        )));
    }
    // At most 7 differences per word, 15 words per frame: never more than this many values.
    let cap = n.min(frames * 15 * 7) + 7;
    let mut out: Vec<i32> = Vec::with_capacity(cap);
    let mut x0 = 0i32;
    let mut xn = 0i32;
    'frames: for f in 0..frames {
        let base = f * FRAME;
        let ctrl = word(data, base, big_endian);
        for w in 1..16 {
            let nib = (ctrl >> (30 - 2 * w)) & 3;
            let at = base + 4 * w;
            let v = word(data, at, big_endian);
            if f == 0 && w == 1 {
                x0 = v as i32;
                continue;
            }
            if f == 0 && w == 2 {
                xn = v as i32;
                continue;
            }
            match (level, nib) {
                (_, 0) => continue,
                (_, 1) => {
                    // Four 8-bit differences: in memory order, whatever the word order.
                    out.extend_from_slice(&[
                        data[at] as i8 as i32,
                        data[at + 1] as i8 as i32,
                        data[at + 2] as i8 as i32,
                        data[at + 3] as i8 as i32,
                    ]);
                }
                (1, 2) => {
                    // Steim-1 stores two 16-bit differences as separate 16-bit values, each in
                    // the record's byte order (libmseed's Steim-1 little-endian listings).
                    let h = |i: usize| {
                        let b = [data[i], data[i + 1]];
                        if big_endian {
                            i16::from_be_bytes(b)
                        } else {
                            i16::from_le_bytes(b)
                        }
                    };
                    out.extend_from_slice(&[h(at) as i32, h(at + 2) as i32]);
                }
                (1, _) => out.push(v as i32),
                (_, 2) => match v >> 30 {
                    1 => out.push(sext(v, 30)),
                    2 => out.extend_from_slice(&[sext(v >> 15, 15), sext(v, 15)]),
                    3 => {
                        out.extend_from_slice(&[sext(v >> 20, 10), sext(v >> 10, 10), sext(v, 10)])
                    }
                    _ => {
                        return Err(DecodeError::Payload(format!(
                            "Steim-2 frame {f} word {w}: invalid dnib 00 for nibble 10"
                        )));
                    }
                },
                _ => match v >> 30 {
                    0 => out.extend_from_slice(&[
                        sext(v >> 24, 6),
                        sext(v >> 18, 6),
                        sext(v >> 12, 6),
                        sext(v >> 6, 6),
                        sext(v, 6),
                    ]),
                    1 => out.extend_from_slice(&[
                        sext(v >> 25, 5),
                        sext(v >> 20, 5),
                        sext(v >> 15, 5),
                        sext(v >> 10, 5),
                        sext(v >> 5, 5),
                        sext(v, 5),
                    ]),
                    2 => out.extend_from_slice(&[
                        sext(v >> 24, 4),
                        sext(v >> 20, 4),
                        sext(v >> 16, 4),
                        sext(v >> 12, 4),
                        sext(v >> 8, 4),
                        sext(v >> 4, 4),
                        sext(v, 4),
                    ]),
                    _ => {
                        return Err(DecodeError::Payload(format!(
                            "Steim-2 frame {f} word {w}: invalid dnib 11 for nibble 11"
                        )));
                    }
                },
            }
            if out.len() >= n {
                break 'frames;
            }
        }
    }
    if out.len() < n {
        return Err(DecodeError::Payload(format!(
            "Steim-{level} frames hold {} samples but the header declares {n}",
            out.len()
        )));
    }
    out.truncate(n);
    // Integrate: the first difference links to the previous record, so sample 0 is x0.
    out[0] = x0;
    for i in 1..n {
        out[i] = out[i - 1].wrapping_add(out[i]);
    }
    let check = SteimCheck {
        reverse_constant: xn,
        matches: out[n - 1] == xn,
    };
    Ok((out, check))
}

fn need(data: &[u8], n: usize, width: usize, what: &str) -> Result<(), DecodeError> {
    match n.checked_mul(width) {
        Some(b) if b <= data.len() => Ok(()),
        _ => Err(DecodeError::Payload(format!(
            "{what}: {n} samples need {} bytes but the payload has {}",
            n.saturating_mul(width),
            data.len()
        ))),
    }
}

/// Decode an encoding code into samples. `big_endian` is the data word order.
pub fn decode(
    encoding: u8,
    data: &[u8],
    n: usize,
    big_endian: bool,
) -> Result<(Samples, Option<SteimCheck>), DecodeError> {
    macro_rules! fixed {
        ($t:ty, $w:expr, $name:expr) => {{
            need(data, n, $w, $name)?;
            data[..n * $w]
                .chunks_exact($w)
                .map(|c| {
                    // chunks_exact guarantees exactly $w bytes per chunk.
                    let a: [u8; $w] = c.try_into().expect("chunk of exact width");
                    if big_endian {
                        <$t>::from_be_bytes(a)
                    } else {
                        <$t>::from_le_bytes(a)
                    }
                })
                .collect::<Vec<$t>>()
        }};
    }
    let i16s = |name: &str| -> Result<Vec<u16>, DecodeError> {
        need(data, n, 2, name)?;
        Ok(data[..2 * n]
            .chunks_exact(2)
            .map(|c| {
                if big_endian {
                    u16::from_be_bytes([c[0], c[1]])
                } else {
                    u16::from_le_bytes([c[0], c[1]])
                }
            })
            .collect())
    };
    Ok(match encoding {
        0 => {
            need(data, n, 1, "Text")?;
            (Samples::Text(data[..n].to_vec()), None)
        }
        1 => {
            let v = fixed!(i16, 2, "INT16");
            (Samples::Int(v.into_iter().map(i32::from).collect()), None)
        }
        2 => {
            need(data, n, 3, "INT24")?;
            let v = data[..3 * n]
                .chunks_exact(3)
                .map(|c| {
                    let u = if big_endian {
                        (c[0] as u32) << 16 | (c[1] as u32) << 8 | c[2] as u32
                    } else {
                        (c[2] as u32) << 16 | (c[1] as u32) << 8 | c[0] as u32
                    };
                    sext(u, 24)
                })
                .collect();
            (Samples::Int(v), None)
        }
        3 => (Samples::Int(fixed!(i32, 4, "INT32")), None),
        4 => (Samples::Float32(fixed!(f32, 4, "FLOAT32")), None),
        5 => (Samples::Float64(fixed!(f64, 8, "FLOAT64")), None),
        10 | 11 => {
            let (v, c) = steim(data, n, big_endian, encoding - 9)?;
            (Samples::Int(v), Some(c))
        }
        12 => {
            // GEOSCOPE multiplexed 24-bit integer, one channel.
            need(data, n, 3, "GEOSCOPE 24-bit")?;
            let v = data[..3 * n]
                .chunks_exact(3)
                .map(|c| {
                    let u = if big_endian {
                        (c[0] as u32) << 16 | (c[1] as u32) << 8 | c[2] as u32
                    } else {
                        (c[2] as u32) << 16 | (c[1] as u32) << 8 | c[0] as u32
                    };
                    sext(u, 24) as f32
                })
                .collect();
            (Samples::Float32(v), None)
        }
        13 | 14 => {
            // GEOSCOPE gain-ranged: 12-bit offset-binary mantissa, 3- or 4-bit exponent;
            // value = (mantissa − 2048) / 2^exponent.
            let mask: u16 = if encoding == 13 { 0x7000 } else { 0xf000 };
            let v = i16s("GEOSCOPE 16-bit")?
                .into_iter()
                .map(|w| {
                    let mantissa = (w & 0x0fff) as i32 - 2048;
                    let exp = ((w & mask) >> 12) as i32;
                    (mantissa as f64 / f64::powi(2.0, exp)) as f32
                })
                .collect();
            (Samples::Float32(v), None)
        }
        16 => {
            // CDSN: 14-bit offset-binary mantissa, 2-bit gain code → multiplier 1, 4, 16, 128.
            let v = i16s("CDSN")?
                .into_iter()
                .map(|w| {
                    let mantissa = (w & 0x3fff) as i32 - 0x1fff;
                    let mult = [1, 4, 16, 128][((w & 0xc000) >> 14) as usize];
                    mantissa * mult
                })
                .collect();
            (Samples::Int(v), None)
        }
        30 => {
            // SRO: 12-bit two's-complement mantissa, 4-bit gain range; value = m · 2^(10 − gr).
            let mut v = Vec::with_capacity(n);
            for (k, w) in i16s("SRO")?.into_iter().enumerate() {
                let mantissa = sext((w & 0x0fff) as u32, 12);
                let gr = ((w & 0xf000) >> 12) as i32;
                let exp = 10 - gr;
                if !(0..=10).contains(&exp) {
                    return Err(DecodeError::Payload(format!(
                        "SRO sample {k}: gain range {gr} gives exponent {exp} outside 0..=10"
                    )));
                }
                v.push(mantissa << exp);
            }
            (Samples::Int(v), None)
        }
        32 => {
            // DWWSSN: 16-bit two's-complement integers.
            let v = i16s("DWWSSN")?
                .into_iter()
                .map(|w| w as i16 as i32)
                .collect();
            (Samples::Int(v), None)
        }
        other => return Err(DecodeError::UnsupportedEncoding(other)),
    })
}

/// Human-readable encoding name (libmseed's wording).
pub fn encoding_name(code: u8) -> &'static str {
    match code {
        0 => "Text",
        1 => "INT16",
        2 => "INT24",
        3 => "INT32",
        4 => "FLOAT32",
        5 => "FLOAT64",
        10 => "STEIM1",
        11 => "STEIM2",
        12 => "GEOSCOPE24",
        13 => "GEOSCOPE16-3",
        14 => "GEOSCOPE16-4",
        16 => "CDSN",
        30 => "SRO",
        32 => "DWWSSN",
        _ => "unknown",
    }
}

/// Steim-2 encoder: pack `samples` into as many 64-byte big-endian frames as `max_frames`
/// allows. Returns the frames and how many samples they hold. `previous` is the last sample
/// of the preceding record (for the first difference), 0 at the start of a series.
pub fn steim2_encode(samples: &[i32], previous: i32, max_frames: usize) -> (Vec<u8>, usize) {
    if samples.is_empty() || max_frames == 0 {
        return (Vec::new(), 0);
    }
    // Differences as i64 so that wrap-around is detected and packed as 30-bit failures.
    let diff = |i: usize| -> i64 {
        let prev = if i == 0 { previous } else { samples[i - 1] };
        samples[i] as i64 - prev as i64
    };
    let fits = |d: i64, bits: u32| -> bool {
        let lim = 1i64 << (bits - 1);
        d >= -lim && d < lim
    };
    let mut out: Vec<u8> = Vec::with_capacity(max_frames * FRAME);
    let mut i = 0usize; // next sample whose difference is to be packed
    let mut frame = 0;
    while frame < max_frames && i < samples.len() {
        let mut words = [0u32; 16];
        let mut ctrl: u32 = 0;
        let first_word = if frame == 0 { 3 } else { 1 };
        let mut w = first_word;
        while w < 16 && i < samples.len() {
            let remaining = samples.len() - i;
            // Try the densest packing first: 7×4, 6×5, 5×6, 4×8, 3×10, 2×15, 1×30 bits.
            let choices: [(u32, usize, u32, u32); 7] = [
                (4, 7, 3, 2),
                (5, 6, 3, 1),
                (6, 5, 3, 0),
                (8, 4, 1, 0),
                (10, 3, 2, 3),
                (15, 2, 2, 2),
                (30, 1, 2, 1),
            ];
            let mut packed = false;
            for &(bits, count, nib, dnib) in &choices {
                if count > remaining || !(0..count).all(|k| fits(diff(i + k), bits)) {
                    continue;
                }
                let mask = if bits == 32 {
                    u32::MAX
                } else {
                    (1u32 << bits) - 1
                };
                let mut v: u32 = 0;
                for k in 0..count {
                    v = (v << bits) | (diff(i + k) as u32 & mask);
                }
                if bits != 8 {
                    v |= dnib << 30;
                }
                words[w] = v;
                ctrl |= nib << (30 - 2 * w as u32);
                i += count;
                packed = true;
                break;
            }
            if !packed {
                // A difference beyond ±2^29 cannot be represented in Steim-2; stop this record
                // here (the caller switches encoding). Only possible with extreme inputs.
                break;
            }
            w += 1;
        }
        if frame == 0 {
            words[1] = samples[0] as u32;
        }
        words[0] = ctrl;
        for x in words {
            out.extend_from_slice(&x.to_be_bytes());
        }
        frame += 1;
        if w < 16 && i < samples.len() {
            break;
        }
    }
    // Reverse integration constant: last sample packed.
    if i > 0 {
        out[8..12].copy_from_slice(&(samples[i - 1] as u32).to_be_bytes());
    }
    (out, i)
}
