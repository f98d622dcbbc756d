//! miniSEED 2: any bytes through the streaming reader and trace assembly must not panic.
//! Seed corpus: crates/verity-waveform/testdata/libmseed/*.mseed.
#![no_main]
use libfuzzer_sys::fuzz_target;
use verity_waveform::mseed::{DecodeOptions, RecordReader, assemble, parse_mseed2};

fuzz_target!(|data: &[u8]| {
    let _ = parse_mseed2(data, 0, 0, &DecodeOptions::default());
    let recs: Vec<_> = RecordReader::new(data)
        .enumerate()
        .filter_map(|(i, r)| r.ok().map(|r| (i, r)))
        .collect();
    let _ = assemble(recs);
});
