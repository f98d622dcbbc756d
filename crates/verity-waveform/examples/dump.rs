//! Print every record of a miniSEED file (debugging aid): `cargo run --example dump FILE`.
fn main() {
    let path = std::env::args().nth(1).expect("usage: dump FILE");
    let bytes = std::fs::read(&path).expect("read file");
    for r in verity_waveform::mseed::RecordReader::new(&bytes) {
        match r {
            Ok(r) => println!(
                "{} off={} len={} enc={} n={} rate={} start={} blk={:?}",
                r.nslc(),
                r.offset,
                r.length,
                r.encoding,
                r.samples.len(),
                r.sample_rate,
                verity_waveform::trace::format_time(r.start),
                r.blockettes
            ),
            Err(e) => println!("ERROR {e}"),
        }
    }
}
