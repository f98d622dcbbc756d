//! Bit-exact decoding against ObsPy 1.5.1 (libmseed 3 inside; ObsPy's own SAC reader).
//!
//! `testdata/obspy_reference.json` is written by `testdata/gen_obspy_refs.py` from the files in
//! `testdata/obspy-mseed`, `testdata/sac` and `testdata/real` (copied from the ObsPy 1.5.1
//! wheel; see testdata/README.md). For every trace ObsPy builds we require the same id, start
//! time (to the nanosecond), sample count, and SHA-256 of the samples in ObsPy's dtype — i.e.
//! bit-exact samples. Sample rate: relative 1e-12 (ObsPy derives SAC rates as 1/delta too).
//! miniSEED 3 is checked the same way against `testdata/mseed3/reference.json` (pymseed 1.0.1,
//! libmseed 3.5.4), record by record, including CRC and extra headers.

use serde_json::Value;
use sha2::{Digest, Sha256};
use verity_waveform::Trace;
use verity_waveform::mseed::{DecodeOptions, RecordReader, Samples, assemble};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata");

fn load(rel: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}/{rel}")).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn sha(trace: &Trace, dtype: &str) -> String {
    let mut h = Sha256::new();
    for &v in &trace.samples {
        match dtype {
            "<i4" => h.update((v as i32).to_le_bytes()),
            "<f4" => h.update((v as f32).to_le_bytes()),
            _ => h.update(v.to_le_bytes()),
        }
    }
    hex::encode(h.finalize())
}

/// Decode as ObsPy does: records up to the first unreadable one.
fn our_traces(rel: &str) -> (Vec<Trace>, Option<String>) {
    let bytes = load(rel);
    if rel.to_ascii_lowercase().contains("sac") {
        return match verity_waveform::sac::read_sac(&bytes) {
            Ok((t, _)) => (vec![t], None),
            Err(e) => (vec![], Some(e.to_string())),
        };
    }
    let mut recs = Vec::new();
    let mut err = None;
    for (i, r) in RecordReader::new(&bytes).enumerate() {
        match r {
            Ok(r) => recs.push((i, r)),
            Err(e) => {
                err = Some(e.to_string());
                break;
            }
        }
    }
    (assemble(recs).traces, err)
}

#[test]
fn traces_match_obspy_bit_for_bit() {
    let refs: Value = serde_json::from_slice(&load("obspy_reference.json")).unwrap();
    let mut checked = 0;
    for f in refs["files"].as_array().unwrap() {
        let rel = f["file"].as_str().unwrap();
        let (ours, err) = our_traces(rel);
        let Some(expected) = f["traces"].as_array() else {
            // ObsPy rejects the file: so must we (with an error, not a panic).
            assert!(
                err.is_some() || ours.is_empty(),
                "{rel}: ObsPy fails ({}) but we read {} traces",
                f["error"],
                ours.len()
            );
            continue;
        };
        // ObsPy turns a record with zero samples into an empty trace; we count such records
        // as `non_data_records` instead, so empty ObsPy traces are not compared.
        let expected: Vec<&Value> = expected.iter().filter(|x| x["npts"] != 0).collect();
        assert_eq!(
            ours.len(),
            expected.len(),
            "{rel}: trace count (our error: {err:?})"
        );
        for (t, x) in ours.iter().zip(expected) {
            let ctx = format!("{rel} {}", t.id());
            assert_eq!(t.id(), x["id"].as_str().unwrap(), "{ctx}: id");
            assert_eq!(t.start, x["start_ns"].as_i64().unwrap(), "{ctx}: start");
            let rate = x["rate"].as_f64().unwrap();
            assert!(
                (t.sample_rate - rate).abs() <= 1e-12 * rate,
                "{ctx}: rate {} vs {rate}",
                t.sample_rate
            );
            assert_eq!(
                t.samples.len() as u64,
                x["npts"].as_u64().unwrap(),
                "{ctx}: npts"
            );
            assert_eq!(
                sha(t, x["dtype"].as_str().unwrap()),
                x["sha256"].as_str().unwrap(),
                "{ctx}: samples differ"
            );
            checked += 1;
        }
    }
    assert!(checked >= 35, "only {checked} traces compared");
}

#[test]
fn mseed3_matches_libmseed_record_by_record() {
    let refs: Value = serde_json::from_slice(&load("mseed3/reference.json")).unwrap();
    for f in refs["files"].as_array().unwrap() {
        let name = f["file"].as_str().unwrap();
        let bytes = load(&format!("mseed3/{name}"));
        let recs: Vec<_> = RecordReader::with_options(&bytes, DecodeOptions::default())
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let xs = f["records"].as_array().unwrap();
        assert_eq!(recs.len(), xs.len(), "{name}: record count");
        for (i, (r, x)) in recs.iter().zip(xs).enumerate() {
            let ctx = format!("{name} record {i}");
            assert_eq!(r.format_version, 3);
            assert_eq!(r.source_id(), x["sid"].as_str().unwrap(), "{ctx}");
            assert_eq!(r.start, x["start_ns"].as_i64().unwrap(), "{ctx}: start");
            assert_eq!(r.sample_rate, x["rate"].as_f64().unwrap(), "{ctx}: rate");
            assert_eq!(
                r.sample_count as u64,
                x["samples"].as_u64().unwrap(),
                "{ctx}: count"
            );
            assert_eq!(
                r.encoding as u64,
                x["encoding"].as_u64().unwrap(),
                "{ctx}: encoding"
            );
            assert_eq!(
                r.length as u64,
                x["reclen"].as_u64().unwrap(),
                "{ctx}: length"
            );
            let extra = if x["extra"].is_null() {
                None
            } else {
                Some(x["extra"].clone())
            };
            assert_eq!(r.extra_headers, extra, "{ctx}: extra headers");
            let mut h = Sha256::new();
            match &r.samples {
                Samples::Int(v) => v.iter().for_each(|s| h.update(s.to_le_bytes())),
                Samples::Float32(v) => v.iter().for_each(|s| h.update(s.to_le_bytes())),
                Samples::Float64(v) => v.iter().for_each(|s| h.update(s.to_le_bytes())),
                Samples::Text(t) => h.update(t),
            }
            assert_eq!(
                hex::encode(h.finalize()),
                x["sha256"].as_str().unwrap(),
                "{ctx}: samples"
            );
        }
    }
}

#[test]
fn mseed3_crc_mismatch_is_reported_with_offset() {
    let mut bytes = load("mseed3/steim1.ms3");
    let second = RecordReader::new(&bytes).next().unwrap().unwrap().length;
    bytes[second + 100] ^= 0x01; // flip one payload bit in record 1
    let res: Vec<_> = RecordReader::new(&bytes).collect();
    assert!(res[0].is_ok());
    let msg = res[1].as_ref().unwrap_err().to_string();
    assert!(
        msg.starts_with(&format!(
            "record 1 at byte offset {second}: CRC-32C mismatch"
        )),
        "{msg}"
    );
}
