//! Two-line and three-line element sets (TLE/3LE).
//!
//! Column layout and checksum rule from the NORAD two-line element set format (CelesTrak,
//! "NORAD Two-Line Element Set Format"; Vallado et al. 2006 Appendix A): the checksum in
//! column 69 is the sum of all digits in columns 1–68 plus one per minus sign, modulo 10.
//! Catalog numbers above 99,999 use the Alpha-5 scheme (first character A–Z without I and O
//! standing for 10–33). Every error names the record, the line in the input, the columns and
//! the field.

use crate::elements::ElementSet;
use crate::error::{Result, SpaceError};
use crate::time::Epoch;

/// How strict the parser is.
#[derive(Clone, Copy, Debug)]
pub struct TleOptions {
    /// Reject a line whose column-69 checksum does not match (default true).
    pub verify_checksum: bool,
    /// Accept text after column 69 (Vallado's verification file appends start/stop/step there).
    pub allow_trailing_text: bool,
}

impl Default for TleOptions {
    fn default() -> Self {
        TleOptions {
            verify_checksum: true,
            allow_trailing_text: false,
        }
    }
}

/// Computes the TLE checksum digit of columns 1–68 of `line`.
pub fn checksum(line: &[u8]) -> u8 {
    let sum: u32 = line
        .iter()
        .take(68)
        .map(|&b| match b {
            b'0'..=b'9' => (b - b'0') as u32,
            b'-' => 1,
            _ => 0,
        })
        .sum();
    (sum % 10) as u8
}

struct Line<'a> {
    bytes: &'a [u8],
    record: usize,
    line: usize,
}

impl<'a> Line<'a> {
    fn err(
        &self,
        start: usize,
        end: usize,
        field: &'static str,
        reason: impl Into<String>,
    ) -> SpaceError {
        SpaceError::Tle {
            record: self.record,
            line: self.line,
            start,
            end,
            field,
            reason: reason.into(),
        }
    }

    /// Columns `start..=end` (1-based, inclusive) as text.
    fn cols(&self, start: usize, end: usize, field: &'static str) -> Result<&'a str> {
        let slice = self.bytes.get(start - 1..end).ok_or_else(|| {
            self.err(
                start,
                end,
                field,
                format!("line is only {} characters long", self.bytes.len()),
            )
        })?;
        // TLEs are ASCII; rejecting anything else here also keeps every later byte-offset
        // slice on a character boundary.
        if !slice.is_ascii() {
            return Err(self.err(start, end, field, "non-ASCII character"));
        }
        std::str::from_utf8(slice).map_err(|_| self.err(start, end, field, "not ASCII text"))
    }

    fn float(&self, start: usize, end: usize, field: &'static str) -> Result<f64> {
        let raw = self.cols(start, end, field)?;
        let t = raw.trim();
        let valid = !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+'))
            && t.bytes().filter(|&b| b == b'.').count() <= 1
            && t.bytes().skip(1).all(|b| b != b'-' && b != b'+');
        if !valid {
            return Err(self.err(
                start,
                end,
                field,
                format!("{raw:?} is not a decimal number"),
            ));
        }
        let t = if let Some(rest) = t.strip_prefix('+') {
            rest
        } else {
            t
        };
        let parsed = if let Some(rest) = t.strip_prefix("-.") {
            format!("-0.{rest}").parse::<f64>()
        } else if let Some(rest) = t.strip_prefix('.') {
            format!("0.{rest}").parse::<f64>()
        } else {
            t.parse::<f64>()
        };
        parsed.map_err(|_| {
            self.err(
                start,
                end,
                field,
                format!("{raw:?} is not a decimal number"),
            )
        })
    }

    fn uint(&self, start: usize, end: usize, field: &'static str) -> Result<u32> {
        let raw = self.cols(start, end, field)?;
        let t = raw.trim();
        if t.is_empty() {
            return Ok(0);
        }
        if !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.err(
                start,
                end,
                field,
                format!("{raw:?} is not an unsigned integer"),
            ));
        }
        t.parse::<u32>()
            .map_err(|_| self.err(start, end, field, format!("{raw:?} is out of range")))
    }

    /// The "assumed decimal point" exponential fields of line 1 (columns 45–52, 54–61):
    /// `sMMMMMsE` meaning ±0.MMMMM × 10^±E.
    fn implied_exponent(&self, start: usize, end: usize, field: &'static str) -> Result<f64> {
        let raw = self.cols(start, end, field)?;
        let b = raw.as_bytes();
        let bad = || {
            self.err(
                start,
                end,
                field,
                format!("{raw:?} is not of the form ±MMMMM±E"),
            )
        };
        // b has 8 bytes: sign, 5 mantissa digits, exponent sign, exponent digit.
        let sign = match b[0] {
            b' ' | b'+' => 1.0,
            b'-' => -1.0,
            b'0'..=b'9' => 1.0, // some producers omit the sign column's space
            _ => return Err(bad()),
        };
        let mant_str = if b[0].is_ascii_digit() {
            &raw[0..6]
        } else {
            &raw[1..6]
        };
        let mant_trim = mant_str.trim();
        if mant_trim.is_empty() {
            return Ok(0.0);
        }
        if !mant_trim.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let (exp_sign, exp_digit) = (b[6], b[7]);
        let esign = match exp_sign {
            b'-' => -1,
            b'+' | b' ' => 1,
            b'0' if mant_trim.chars().all(|c| c == '0') => 1,
            _ => return Err(bad()),
        };
        if !exp_digit.is_ascii_digit() {
            return Err(bad());
        }
        let mant: f64 = format!("0.{mant_trim}").parse().map_err(|_| bad())?;
        let exp = esign * (exp_digit - b'0') as i32;
        Ok(sign * mant * 10f64.powi(exp))
    }

    fn check_common(&self, number: u8, opts: &TleOptions) -> Result<()> {
        if self.bytes.first() != Some(&(b'0' + number)) {
            return Err(self.err(1, 1, "line number", format!("expected '{number}'")));
        }
        if self.bytes.len() < 68 {
            return Err(self.err(
                self.bytes.len().max(1),
                69,
                "line length",
                format!(
                    "line has {} characters, a TLE line has 69",
                    self.bytes.len()
                ),
            ));
        }
        if self.bytes.len() > 69 && !opts.allow_trailing_text {
            return Err(self.err(70, self.bytes.len(), "line length", "text after column 69"));
        }
        if opts.verify_checksum {
            let expected = checksum(self.bytes);
            match self.bytes.get(68) {
                Some(c) if c.is_ascii_digit() => {
                    if c - b'0' != expected {
                        return Err(self.err(
                            69,
                            69,
                            "checksum",
                            format!("checksum digit is {}, computed {expected}", (*c as char)),
                        ));
                    }
                }
                _ => return Err(self.err(69, 69, "checksum", "missing checksum digit")),
            }
        }
        Ok(())
    }
}

/// Decodes a 5-column catalog number, including Alpha-5 (`A0000` = 100000).
fn catalog_number(line: &Line<'_>) -> Result<u32> {
    let raw = line.cols(3, 7, "satellite number")?;
    let b = raw.as_bytes();
    let first = b[0];
    if first.is_ascii_uppercase() {
        if first == b'I' || first == b'O' {
            return Err(line.err(
                3,
                3,
                "satellite number",
                "Alpha-5 letters I and O are not used",
            ));
        }
        let mut v = (first - b'A') as u32 + 10;
        if first > b'I' {
            v -= 1;
        }
        if first > b'O' {
            v -= 1;
        }
        let rest = &raw[1..];
        if !rest.bytes().all(|c| c.is_ascii_digit()) {
            return Err(line.err(
                4,
                7,
                "satellite number",
                format!("{raw:?} is not an Alpha-5 number"),
            ));
        }
        let low: u32 = rest
            .parse()
            .map_err(|_| line.err(4, 7, "satellite number", "not a number"))?;
        Ok(v * 10_000 + low)
    } else {
        let t = raw.trim_start();
        if t.is_empty() || !t.bytes().all(|c| c.is_ascii_digit()) {
            return Err(line.err(
                3,
                7,
                "satellite number",
                format!("{raw:?} is not a catalog number"),
            ));
        }
        t.parse()
            .map_err(|_| line.err(3, 7, "satellite number", "not a number"))
    }
}

/// Encodes a catalog number in 5 columns (Alpha-5 above 99,999). `None` above 339,999.
pub fn encode_catalog_number(n: u32) -> Option<String> {
    if n < 100_000 {
        return Some(format!("{n:05}"));
    }
    if n > 339_999 {
        return None;
    }
    let mut v = (n / 10_000) as u8 - 10;
    // Letters skip I and O.
    let mut letter = b'A' + v;
    if letter >= b'I' {
        v += 1;
        letter = b'A' + v;
    }
    if letter >= b'O' {
        letter += 1;
    }
    Some(format!("{}{:04}", letter as char, n % 10_000))
}

/// Parses one TLE from its two lines. `record` and `first_line` only label errors.
pub fn parse_tle(
    name: Option<&str>,
    line1: &str,
    line2: &str,
    opts: &TleOptions,
    record: usize,
    first_line: usize,
) -> Result<ElementSet> {
    let l1 = Line {
        bytes: line1.trim_end_matches(['\r', '\n']).as_bytes(),
        record,
        line: first_line,
    };
    let l2 = Line {
        bytes: line2.trim_end_matches(['\r', '\n']).as_bytes(),
        record,
        line: first_line + 1,
    };
    l1.check_common(1, opts)?;
    l2.check_common(2, opts)?;

    let catalog = catalog_number(&l1)?;
    let catalog2 = catalog_number(&l2)?;
    if catalog != catalog2 {
        return Err(l2.err(
            3,
            7,
            "satellite number",
            format!("line 2 has {catalog2}, line 1 has {catalog}"),
        ));
    }
    let class = l1
        .cols(8, 8, "classification")?
        .chars()
        .next()
        .unwrap_or(' ');
    if !matches!(class, 'U' | 'C' | 'S' | ' ') {
        return Err(l1.err(
            8,
            8,
            "classification",
            format!("{class:?} is not U, C or S"),
        ));
    }
    let designator_raw = l1.cols(10, 17, "international designator")?.trim();
    let international_designator = if designator_raw.is_empty() {
        None
    } else {
        let year = designator_raw
            .get(0..2)
            .filter(|y| y.bytes().all(|b| b.is_ascii_digit()));
        match year {
            Some(y) => {
                let yy: u32 = y.parse().unwrap_or(0); // two ASCII digits checked just above
                let full = if yy < 57 { 2000 + yy } else { 1900 + yy };
                Some(format!("{full}-{}", &designator_raw[2..]))
            }
            None => {
                return Err(l1.err(
                    10,
                    17,
                    "international designator",
                    format!("{designator_raw:?} does not start with a 2-digit launch year"),
                ));
            }
        }
    };
    let yy = l1.uint(19, 20, "epoch year")?;
    let year = if yy < 57 { 2000 + yy } else { 1900 + yy } as i32;
    let day = l1.float(21, 32, "epoch day")?;
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if !(1.0..(if leap { 367.0 } else { 366.0 })).contains(&day) {
        return Err(l1.err(
            21,
            32,
            "epoch day",
            format!(
                "day of year {day} outside 1–{}",
                if leap { 366 } else { 365 }
            ),
        ));
    }
    let mean_motion_dot = l1.float(34, 43, "mean motion first derivative")?;
    let mean_motion_ddot = l1.implied_exponent(45, 52, "mean motion second derivative")?;
    let bstar = l1.implied_exponent(54, 61, "BSTAR drag term")?;
    let eph = l1.cols(63, 63, "ephemeris type")?.trim();
    let ephemeris_type = if eph.is_empty() {
        0
    } else {
        eph.parse::<u8>()
            .map_err(|_| l1.err(63, 63, "ephemeris type", format!("{eph:?} is not a digit")))?
    };
    let element_set_number = l1.uint(65, 68, "element set number")?;

    let inclination_deg = l2.float(9, 16, "inclination")?;
    if !(0.0..=180.0).contains(&inclination_deg) {
        return Err(l2.err(
            9,
            16,
            "inclination",
            format!("{inclination_deg} outside 0–180 deg"),
        ));
    }
    let raan_deg = l2.float(18, 25, "right ascension of ascending node")?;
    if !(0.0..=360.0).contains(&raan_deg) {
        return Err(l2.err(
            18,
            25,
            "right ascension of ascending node",
            format!("{raan_deg} outside 0–360 deg"),
        ));
    }
    let ecc_raw = l2.cols(27, 33, "eccentricity")?;
    let ecc_t = ecc_raw.trim();
    if ecc_t.is_empty() || !ecc_t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(l2.err(
            27,
            33,
            "eccentricity",
            format!("{ecc_raw:?} is not 7 digits (assumed leading decimal point)"),
        ));
    }
    let eccentricity: f64 = format!("0.{ecc_t}")
        .parse()
        .map_err(|_| l2.err(27, 33, "eccentricity", "not a number"))?;
    let arg_perigee_deg = l2.float(35, 42, "argument of perigee")?;
    if !(0.0..=360.0).contains(&arg_perigee_deg) {
        return Err(l2.err(
            35,
            42,
            "argument of perigee",
            format!("{arg_perigee_deg} outside 0–360 deg"),
        ));
    }
    let mean_anomaly_deg = l2.float(44, 51, "mean anomaly")?;
    if !(0.0..=360.0).contains(&mean_anomaly_deg) {
        return Err(l2.err(
            44,
            51,
            "mean anomaly",
            format!("{mean_anomaly_deg} outside 0–360 deg"),
        ));
    }
    let mean_motion = l2.float(53, 63, "mean motion")?;
    if !(mean_motion > 0.0 && mean_motion < 20.0) {
        return Err(l2.err(
            53,
            63,
            "mean motion",
            format!("{mean_motion} rev/day outside (0, 20)"),
        ));
    }
    let revolution_number = l2.uint(64, 68, "revolution number")?;

    Ok(ElementSet {
        name: name
            .map(|n| n.trim().trim_start_matches("0 ").trim().to_string())
            .filter(|n| !n.is_empty()),
        catalog_number: catalog,
        classification: if class == ' ' { 'U' } else { class },
        international_designator,
        epoch: Epoch::from_year_day(year, day),
        mean_motion_dot,
        mean_motion_ddot,
        bstar,
        ephemeris_type,
        element_set_number,
        inclination_deg,
        raan_deg,
        eccentricity,
        arg_perigee_deg,
        mean_anomaly_deg,
        mean_motion_rev_per_day: mean_motion,
        revolution_number,
    })
}

/// Parses a text of TLEs or 3LEs (a name line before each pair is optional, `0 ` prefix
/// allowed). Blank lines and lines starting with `#` are skipped.
pub fn parse_tle_text(text: &str, opts: &TleOptions) -> Result<Vec<ElementSet>> {
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut pending_name: Option<&str> = None;
    while i < lines.len() {
        let (no, l) = lines[i];
        let record = out.len() + 1;
        if l.starts_with("1 ") || (l.starts_with('1') && l.len() >= 68) {
            let Some(&(no2, l2)) = lines.get(i + 1) else {
                return Err(SpaceError::Tle {
                    record,
                    line: no,
                    start: 1,
                    end: 1,
                    field: "line 2",
                    reason: "line 1 without a following line 2".into(),
                });
            };
            if !l2.starts_with('2') {
                return Err(SpaceError::Tle {
                    record,
                    line: no2,
                    start: 1,
                    end: 1,
                    field: "line number",
                    reason: "expected line 2 after line 1".into(),
                });
            }
            out.push(parse_tle(pending_name.take(), l, l2, opts, record, no)?);
            i += 2;
        } else if l.starts_with("2 ") {
            return Err(SpaceError::Tle {
                record,
                line: no,
                start: 1,
                end: 1,
                field: "line number",
                reason: "line 2 without a preceding line 1".into(),
            });
        } else {
            if pending_name.is_some() {
                return Err(SpaceError::Tle {
                    record,
                    line: no,
                    start: 1,
                    end: l.len().max(1),
                    field: "name line",
                    reason: "two name lines in a row (expected line 1)".into(),
                });
            }
            if l.len() > 69 {
                return Err(SpaceError::Tle {
                    record,
                    line: no,
                    start: 70,
                    end: l.len(),
                    field: "name line",
                    reason: "name line longer than 69 characters".into(),
                });
            }
            pending_name = Some(l);
            i += 1;
        }
    }
    if let Some(name) = pending_name {
        let (no, _) = lines[lines.len() - 1];
        return Err(SpaceError::Tle {
            record: out.len() + 1,
            line: no,
            start: 1,
            end: name.len().max(1),
            field: "name line",
            reason: "name line without element lines".into(),
        });
    }
    Ok(out)
}

fn implied_exponent_field(v: f64) -> String {
    // ±0.MMMMM × 10^E with one exponent digit; TLE fields carry 5 significant digits.
    if v == 0.0 {
        return " 00000-0".to_string();
    }
    let sign = if v < 0.0 { '-' } else { ' ' };
    let a = v.abs();
    let mut exp = a.log10().floor() as i32 + 1;
    let mut mant = (a / 10f64.powi(exp) * 1e5).round() as i64;
    if mant >= 100_000 {
        mant /= 10;
        exp += 1;
    }
    let exp = exp.clamp(-9, 9);
    format!(
        "{sign}{mant:05}{}{}",
        if exp < 0 { '-' } else { '+' },
        exp.abs()
    )
}

/// Formats an element set as two TLE lines with valid checksums (3LE name not included).
/// Returns `None` if a value cannot be represented (catalog number > 339,999).
pub fn format_tle(e: &ElementSet) -> Option<(String, String)> {
    let cat = encode_catalog_number(e.catalog_number)?;
    let desig = e
        .international_designator
        .as_deref()
        .and_then(|d| {
            d.split_once('-')
                .map(|(y, rest)| format!("{}{}", &y[y.len().saturating_sub(2)..], rest))
        })
        .unwrap_or_default();
    let (y, ..) = e.epoch.to_calendar();
    let jan0 = Epoch::julian_day_number(y, 1, 1) - 1.0;
    let doy = (e.epoch.jd - jan0) + e.epoch.fr;
    let ndot = format!("{:.8}", e.mean_motion_dot);
    let ndot = if let Some(r) = ndot.strip_prefix("-0") {
        format!("-{r}")
    } else {
        format!(" {}", ndot.trim_start_matches('0'))
    };
    let mut l1 = format!(
        "1 {cat}{} {:<8} {:02}{:012.8} {:>10} {} {} {} {:>4}",
        e.classification,
        desig,
        y % 100,
        doy,
        ndot,
        implied_exponent_field(e.mean_motion_ddot),
        implied_exponent_field(e.bstar),
        e.ephemeris_type % 10,
        e.element_set_number % 10_000
    );
    let ecc = format!("{:.7}", e.eccentricity);
    let mut l2 = format!(
        "2 {cat} {:8.4} {:8.4} {} {:8.4} {:8.4} {:11.8}{:>5}",
        e.inclination_deg,
        e.raan_deg,
        &ecc[2..9],
        e.arg_perigee_deg,
        e.mean_anomaly_deg,
        e.mean_motion_rev_per_day,
        e.revolution_number % 100_000
    );
    let c1 = checksum(l1.as_bytes());
    l1.push((b'0' + c1) as char);
    let c2 = checksum(l2.as_bytes());
    l2.push((b'0' + c2) as char);
    Some((l1, l2))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISS1: &str = "1 25544U 98067A   20194.88612269 -.00002218  00000-0 -31515-4 0  9992";
    const ISS2: &str = "2 25544  51.6461 221.2784 0001413  89.1723 280.4612 15.49507896236008";

    #[test]
    fn parses_iss() {
        let e = parse_tle(
            Some("ISS (ZARYA)"),
            ISS1,
            ISS2,
            &TleOptions::default(),
            1,
            1,
        )
        .unwrap();
        assert_eq!(e.catalog_number, 25544);
        assert_eq!(e.international_designator.as_deref(), Some("1998-067A"));
        assert_eq!(e.bstar, -0.31515e-4);
        assert_eq!(e.mean_motion_dot, -0.00002218);
        assert_eq!(e.eccentricity, 0.0001413);
        assert_eq!(e.revolution_number, 23600);
        assert_eq!(e.name.as_deref(), Some("ISS (ZARYA)"));
    }

    #[test]
    fn format_round_trips() {
        let e = parse_tle(None, ISS1, ISS2, &TleOptions::default(), 1, 1).unwrap();
        let (a, b) = format_tle(&e).unwrap();
        assert_eq!(a, ISS1);
        assert_eq!(b, ISS2);
    }

    #[test]
    fn alpha5() {
        // Alpha-5 table from the 18 SDS definition: A0000 = 100000, J0000 = 180000 (I skipped),
        // P0000 = 230000 (O skipped), Z9999 = 339999.
        for (n, s) in [
            (100_000, "A0000"),
            (180_000, "J0000"),
            (230_000, "P0000"),
            (339_999, "Z9999"),
            (5, "00005"),
        ] {
            assert_eq!(encode_catalog_number(n).as_deref(), Some(s));
            let l1 = format!("1 {s}U 98067A   20194.88612269 -.00002218  00000-0 -31515-4 0  999");
            let l1 = format!("{l1}{}", checksum(l1.as_bytes()));
            let l2 = format!("2 {s}  51.6461 221.2784 0001413  89.1723 280.4612 15.4950789623600");
            let l2 = format!("{l2}{}", checksum(l2.as_bytes()));
            assert_eq!(
                parse_tle(None, &l1, &l2, &TleOptions::default(), 1, 1)
                    .unwrap()
                    .catalog_number,
                n
            );
        }
    }

    /// Table of malformed inputs with the column range and field the error must name.
    #[test]
    fn errors_name_the_column() {
        let cases: &[(&str, &str, usize, usize, usize, &str)] = &[
            // (line1, line2, error line, start col, end col, field)
            (&ISS1.replace("9992", "9993"), ISS2, 1, 69, 69, "checksum"),
            (&ISS1[..60], ISS2, 1, 60, 69, "line length"),
            (
                ISS1,
                &ISS2.replace("2 25544", "2 25545"),
                2,
                69,
                69,
                "checksum",
            ),
            (
                ISS1,
                &ISS2.replace(" 51.6461", " 5x.6461"),
                2,
                9,
                16,
                "inclination",
            ),
            (
                ISS1,
                &ISS2.replace("0001413", "00014-3"),
                2,
                27,
                33,
                "eccentricity",
            ),
            (
                &ISS1.replace("20194.88612269", "20394.88612269"),
                ISS2,
                1,
                21,
                32,
                "epoch day",
            ),
        ];
        for (l1, l2, line, start, end, field) in cases {
            let opts = if *field == "checksum" {
                TleOptions::default()
            } else {
                TleOptions {
                    verify_checksum: false,
                    ..Default::default()
                }
            };
            match parse_tle(None, l1, l2, &opts, 1, 1) {
                Err(SpaceError::Tle {
                    line: el,
                    start: s,
                    end: e,
                    field: f,
                    ..
                }) => {
                    assert_eq!((el, s, e, f), (*line, *start, *end, *field), "{l1}\n{l2}");
                }
                other => panic!("expected a TLE error for {field}, got {other:?}"),
            }
        }
    }

    /// Regression: a multi-byte UTF-8 character inside the BSTAR columns made the field parser
    /// slice inside the character and panic (found by the mutation property test).
    #[test]
    fn non_ascii_in_implied_exponent_field_is_an_error_not_a_panic() {
        let l1 = ISS1.replace("-31515-4", " 4856\u{fffd}");
        let r = parse_tle(
            None,
            &l1,
            ISS2,
            &TleOptions {
                verify_checksum: false,
                allow_trailing_text: true,
            },
            1,
            1,
        );
        assert!(matches!(r, Err(SpaceError::Tle { .. })), "{r:?}");
    }

    #[test]
    fn three_line_text_with_comments() {
        let text = format!("# comment\nISS (ZARYA)\n{ISS1}\n{ISS2}\n\n0 ISS\n{ISS1}\n{ISS2}\n");
        let v = parse_tle_text(&text, &TleOptions::default()).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[1].name.as_deref(), Some("ISS"));
        let bad = format!("NAME\n{ISS1}\n");
        assert!(matches!(
            parse_tle_text(&bad, &TleOptions::default()),
            Err(SpaceError::Tle { line: 2, .. })
        ));
    }
}
