use super::*;
use crate::trace::parse_time;

fn ramp(n: usize) -> Vec<i32> {
    // Mixed magnitudes so every Steim-2 width is used, including ±2^29-sized jumps.
    (0..n)
        .map(|i| {
            let i = i as i64;
            let v = match i % 97 {
                0 => 250_000_000,
                1 => -250_000_000,
                _ => (i * 7919) % 2001 - 1000 + ((i / 50) % 3) * 40_000,
            };
            v as i32
        })
        .collect()
}

#[test]
fn steim2_writer_round_trips() {
    let start = parse_time("2024-02-29T23:59:58.123456Z").unwrap();
    for reclen in [256usize, 512, 4096] {
        let data = ramp(20_000);
        let w = Mseed2Writer {
            record_length: reclen,
            ..Mseed2Writer::new("XX", "TEST", "00", "HHZ", 100.0)
        };
        let bytes = w.write(start, &data, 1).unwrap();
        assert_eq!(bytes.len() % reclen, 0);
        let a = read_traces(&bytes, DecodeOptions::default()).unwrap();
        assert_eq!(a.traces.len(), 1, "reclen {reclen}");
        assert!(a.discontinuities.is_empty(), "{:?}", a.discontinuities);
        let t = &a.traces[0];
        assert_eq!(t.start, start);
        assert_eq!(t.sample_rate, 100.0);
        let back: Vec<i32> = t.samples.iter().map(|&v| v as i32).collect();
        assert_eq!(back, data, "reclen {reclen}");
        for r in RecordReader::new(&bytes) {
            let r = r.unwrap();
            assert!(r.steim_check.unwrap().matches);
            assert_eq!(r.encoding, 11);
        }
    }
}

#[test]
fn float64_writer_round_trips_exactly() {
    // Resampled traces are written as FLOAT64 records (encoding 5): every bit must survive,
    // including the 40 Hz rate and sub-second start time.
    let start = parse_time("2024-02-29T23:59:58.123456Z").unwrap();
    let data: Vec<f64> = (0..5000)
        .map(|i| (i as f64 * 0.731).sin() * 1e3 + 1.0 / (i as f64 + 3.0))
        .collect();
    for reclen in [256usize, 4096] {
        let w = Mseed2Writer {
            record_length: reclen,
            ..Mseed2Writer::new("XX", "TEST", "00", "HHZ", 40.0)
        };
        let bytes = w.write_f64(start, &data, 1).unwrap();
        assert_eq!(bytes.len() % reclen, 0);
        let a = read_traces(&bytes, DecodeOptions::default()).unwrap();
        assert_eq!(a.traces.len(), 1, "reclen {reclen}");
        assert!(a.discontinuities.is_empty(), "{:?}", a.discontinuities);
        assert_eq!(a.traces[0].start, start);
        assert_eq!(a.traces[0].sample_rate, 40.0);
        assert_eq!(a.traces[0].samples, data, "reclen {reclen}");
        for r in RecordReader::new(&bytes) {
            assert_eq!(r.unwrap().encoding, 5);
        }
    }
    let w = Mseed2Writer::new("XX", "TEST", "00", "HHZ", 40.0);
    assert_eq!(
        w.write_f64(start, &[1.0, f64::NAN], 1),
        Err(WriteError::NotFinite { index: 1 })
    );
}

#[test]
fn writer_with_fractional_rate_uses_blockette_100() {
    let w = Mseed2Writer::new("XX", "FRAC", "", "BHZ", 20.000221);
    let early = parse_time("1850-01-01T00:00:00Z").unwrap();
    // BTIME years outside 1900..=2100 would not be recognised by readers.
    assert_eq!(w.write(early, &[1, 2, 3], 1), Err(WriteError::Time(early)));
    let start = parse_time("1990-12-03T23:59:28.8725Z").unwrap();
    let bytes = w.write(start, &ramp(1000), 1).unwrap();
    let r = RecordReader::new(&bytes).next().unwrap().unwrap();
    assert!(r.blockettes.contains(&100));
    assert!((r.sample_rate - 20.000221).abs() < 1e-5);
}

#[test]
fn writer_rejects_out_of_range_differences() {
    let w = Mseed2Writer::new("XX", "T", "", "HHZ", 100.0);
    let start = parse_time("2020-01-01T00:00:00Z").unwrap();
    assert!(matches!(
        w.write(start, &[i32::MIN, i32::MAX], 1),
        Err(WriteError::Range { index: 1, .. })
    ));
    let w = Mseed2Writer {
        record_length: 100,
        ..w
    };
    assert_eq!(w.write(start, &[1], 1), Err(WriteError::RecordLength(100)));
}

/// Writes records of one channel at the given start times (ns) with `n` samples each.
fn records_at(starts: &[i64], n: usize, rate: f64) -> Vec<u8> {
    let w = Mseed2Writer {
        record_length: 512,
        ..Mseed2Writer::new("XX", "GAPS", "", "HHZ", rate)
    };
    let mut out = Vec::new();
    for (k, &t) in starts.iter().enumerate() {
        // Small values: one 512-byte record holds all n samples.
        let data: Vec<i32> = (0..n as i32).map(|i| (i % 5) - 2).collect();
        let rec = w.write(t, &data, k as u32 + 1).unwrap();
        assert_eq!(rec.len(), 512);
        out.extend(rec);
    }
    out
}

#[test]
fn gaps_overlaps_and_clock_jumps_are_reported_not_merged() {
    let t0 = parse_time("2021-03-01T00:00:00Z").unwrap();
    let s = 1_000_000_000i64; // 100 samples at 100 Hz = 1 s per record
    let starts = [
        t0,
        t0 + s,                               // contiguous
        t0 + 2 * s + 2_500_000,               // 2.5 ms late: clock jump (< half a sample = 5 ms)
        t0 + 3 * s + 2_500_000 + 500_000_000, // 0.5 s gap
        t0 + 4 * s + 2_500_000 + 200_000_000, // 0.3 s overlap with the previous record
    ];
    let bytes = records_at(&starts, 100, 100.0);
    let a = read_traces(&bytes, DecodeOptions::default()).unwrap();
    let kinds: Vec<_> = a.discontinuities.iter().map(|d| d.kind).collect();
    assert_eq!(
        kinds,
        vec![
            DiscontinuityKind::ClockJump,
            DiscontinuityKind::Gap,
            DiscontinuityKind::Overlap
        ]
    );
    let d = &a.discontinuities;
    assert_eq!(d[0].shift_ns, 2_500_000);
    assert!((d[0].shift_samples - 0.25).abs() < 1e-9);
    assert_eq!(d[1].shift_ns, 500_000_000);
    assert_eq!(d[1].record, 3);
    assert_eq!(d[2].shift_ns, -300_000_000);
    assert!((d[2].shift_samples + 30.0).abs() < 1e-9);
    // Three segments: records 0-2 (the clock jump keeps continuity), 3, 4.
    assert_eq!(a.traces.len(), 3);
    assert_eq!(a.traces[0].samples.len(), 300);
    assert_eq!(a.traces[1].start, starts[3]);
    assert_eq!(a.traces[2].start, starts[4]);
}

#[test]
fn obspy_gaps_file_reports_three_gaps() {
    // ObsPy's gaps.mseed (BW.BGLD..EHE, 200 Hz): ObsPy's Stream.get_gaps() lists gaps after
    // 00:00:01.970 (to 04.035), 00:00:08.150 (to 10.215) and 00:00:14.330 (to 18.455).
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/obspy-mseed/gaps.mseed"
    ))
    .unwrap();
    let a = read_traces(&bytes, DecodeOptions::default()).unwrap();
    let gaps: Vec<_> = a
        .discontinuities
        .iter()
        .map(|d| {
            (
                d.kind,
                crate::trace::format_time(d.expected),
                crate::trace::format_time(d.actual),
            )
        })
        .collect();
    assert_eq!(
        gaps,
        vec![
            (
                DiscontinuityKind::Gap,
                "2008-01-01T00:00:01.975000Z".into(),
                "2008-01-01T00:00:04.035000Z".into()
            ),
            (
                DiscontinuityKind::Gap,
                "2008-01-01T00:00:08.155000Z".into(),
                "2008-01-01T00:00:10.215000Z".into()
            ),
            (
                DiscontinuityKind::Gap,
                "2008-01-01T00:00:14.335000Z".into(),
                "2008-01-01T00:00:18.455000Z".into()
            ),
        ]
    );
}

#[test]
fn truncated_record_names_record_and_offset() {
    let t0 = parse_time("2021-03-01T00:00:00Z").unwrap();
    let bytes = records_at(&[t0, t0 + 1_000_000_000], 100, 100.0);
    let cut = &bytes[..512 + 300];
    let res: Vec<_> = RecordReader::new(cut).collect();
    assert!(res[0].is_ok());
    assert_eq!(
        res[1].as_ref().unwrap_err().to_string(),
        "record 1 at byte offset 512: truncated, needs 512 bytes but only 300 remain"
    );
    assert_eq!(res.len(), 2);
}

#[test]
fn short_trailing_fragment_is_reported_as_skipped() {
    let t0 = parse_time("2021-03-01T00:00:00Z").unwrap();
    let mut bytes = records_at(&[t0], 100, 100.0);
    bytes.push(0x41);
    let mut reader = RecordReader::new(&bytes);
    assert!(reader.next().unwrap().is_ok());
    assert!(reader.next().is_none());
    assert_eq!(reader.skipped(), &[(512, 1)]);
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    let res: Vec<_> = RecordReader::new(
        b"this is not miniSEED at all, just some text padding it out to more than 64 bytes....",
    )
    .collect();
    assert_eq!(res.len(), 1);
    assert!(matches!(
        res[0],
        Err(MseedError::NotARecord {
            record: 0,
            offset: 0,
            ..
        })
    ));
}

mod fuzz_like {
    //! Property tests: mutated, truncated and random inputs never panic any parser.
    use super::*;
    use proptest::prelude::*;

    fn seeds() -> Vec<Vec<u8>> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata");
        let files = [
            "libmseed/Steim1-AllDifferences-LE.mseed",
            "libmseed/Steim2-AllDifferences-BE.mseed",
            "libmseed/no-blockette1000-steim1.mseed",
            "libmseed/GEOSCOPE-16bit-3exp-encoded.mseed",
            "libmseed/SRO-encoded.mseed",
            "libmseed/CDSN-encoded.mseed",
            "libmseed/text-encoded.mseed",
            "libmseed/Float64-encoded.mseed",
            "mseed3/steim2.ms3",
            "mseed3/float32.ms3",
            "sac/test.sac",
            "sac/test.sac.swap",
        ];
        files
            .iter()
            .map(|f| std::fs::read(format!("{dir}/{f}")).unwrap())
            .collect()
    }

    fn exercise(bytes: &[u8]) {
        for opts in [
            DecodeOptions::default(),
            DecodeOptions {
                verify_crc: false,
                ..DecodeOptions::default()
            },
        ] {
            let mut recs = Vec::new();
            for (i, r) in RecordReader::with_options(bytes, opts).enumerate() {
                match r {
                    Ok(r) => recs.push((i, r)),
                    Err(e) => {
                        let _ = e.to_string();
                    }
                }
            }
            let _ = assemble(recs);
        }
        let _ = crate::sac::read_sac(bytes);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]
        #[test]
        fn mutated_real_records_never_panic(
            which in 0usize..12,
            flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..16),
            cut in any::<usize>(),
        ) {
            let mut b = seeds()[which].clone();
            for (pos, val) in flips {
                let n = b.len();
                b[pos % n] = val;
            }
            exercise(&b);
            let n = b.len();
            exercise(&b[..cut % (n + 1)]);
        }

        #[test]
        fn mutated_headers_never_panic(
            which in 0usize..12,
            flips in proptest::collection::vec((0usize..128, any::<u8>()), 1..8),
        ) {
            // Concentrate mutations on the fixed header and first blockettes.
            let mut b = seeds()[which].clone();
            for (pos, val) in flips {
                if pos < b.len() { b[pos] = val; }
            }
            exercise(&b);
        }

        #[test]
        fn random_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..2048)) {
            exercise(&b);
            // And random bytes behind a valid header prefix.
            let mut s = seeds()[1][..64.min(seeds()[1].len())].to_vec();
            s.extend_from_slice(&b);
            exercise(&s);
        }
    }
}
