//! The streaming detector reproduces the batch functions (which are checked against ObsPy in
//! obspy_trigger.rs) exactly: same trigger pairs and same AIC picks, whatever the block size.

use verity_waveform::detect::{aic_pick, classic_sta_lta, recursive_sta_lta, trigger_onset};
use verity_waveform::mseed::{DecodeOptions, read_traces};
use verity_waveform::pipeline::{Detector, DetectorConfig, Method};
use verity_waveform::signal::{Band, butterworth};

const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata");

fn batch(x: &[f64], fs: f64, cfg: &DetectorConfig) -> Vec<(usize, usize, Option<usize>)> {
    let mut y = x.to_vec();
    if let Some((lo, hi, order)) = cfg.band {
        let sos = butterworth(order, Band::Bandpass(lo, hi), fs).unwrap();
        let mut zi: Vec<[f64; 2]> = sos
            .steady_state()
            .iter()
            .map(|z| [z[0] * x[0], z[1] * x[0]])
            .collect();
        sos.filter_with_state(&mut y, &mut zi);
    }
    let (nsta, nlta) = (
        (cfg.sta * fs).round() as usize,
        (cfg.lta * fs).round() as usize,
    );
    let cf = match cfg.method {
        Method::Classic => classic_sta_lta(&y, nsta, nlta).unwrap(),
        Method::Recursive => recursive_sta_lta(&y, nsta, nlta).unwrap(),
    };
    let (pre, post) = (
        (cfg.pick_before * fs).round() as usize,
        (cfg.pick_after * fs).round() as usize,
    );
    trigger_onset(&cf, cfg.on, cfg.off, None, false)
        .unwrap()
        .into_iter()
        .map(|(on, off)| {
            let lo = on.saturating_sub(pre);
            let hi = (on + post + 1).min(y.len());
            (on, off, aic_pick(&y[lo..hi]).map(|k| lo + k))
        })
        .collect()
}

#[test]
fn streaming_equals_batch_on_real_data() {
    let cases: Vec<(&str, DetectorConfig)> = vec![
        (
            "real/IU_ULN_00_LH1_2015-07-18T02.mseed",
            DetectorConfig {
                band: Some((0.05, 0.4, 4)),
                sta: 10.0,
                lta: 100.0,
                on: 3.0,
                off: 1.5,
                method: Method::Classic,
                pick_before: 60.0,
                pick_after: 20.0,
            },
        ),
        (
            "real/IU_ULN_00_LH1_2015-07-18T02.mseed",
            DetectorConfig {
                band: Some((0.05, 0.4, 4)),
                sta: 10.0,
                lta: 100.0,
                on: 2.5,
                off: 1.2,
                method: Method::Recursive,
                pick_before: 60.0,
                pick_after: 20.0,
            },
        ),
        (
            "real/CRLZ.HHZ.10.NZ.SAC",
            DetectorConfig {
                band: Some((1.0, 10.0, 3)),
                sta: 1.0,
                lta: 10.0,
                on: 2.0,
                off: 1.2,
                method: Method::Recursive,
                pick_before: 2.0,
                pick_after: 0.5,
            },
        ),
        (
            "real/CRLZ.HHZ.10.NZ.SAC",
            DetectorConfig {
                band: None,
                sta: 1.0,
                lta: 10.0,
                on: 2.0,
                off: 1.2,
                method: Method::Classic,
                pick_before: 1.0,
                pick_after: 0.5,
            },
        ),
    ];
    let mut total = 0;
    for (file, cfg) in cases {
        let bytes = std::fs::read(format!("{TESTDATA}/{file}")).unwrap();
        let tr = if file.ends_with(".SAC") {
            verity_waveform::sac::read_sac(&bytes).unwrap().0
        } else {
            read_traces(&bytes, DecodeOptions::default())
                .unwrap()
                .traces
                .remove(0)
        };
        let expect = batch(&tr.samples, tr.sample_rate, &cfg);
        assert!(!expect.is_empty(), "{file}: no triggers to compare");
        for block in [1usize, 7, 412, 100_000] {
            let mut d = Detector::new(&cfg, tr.sample_rate).unwrap();
            for chunk in tr.samples.chunks(block) {
                d.push(chunk);
            }
            let got: Vec<_> = d
                .finish()
                .into_iter()
                .map(|d| (d.on, d.off, d.pick))
                .collect();
            assert_eq!(got, expect, "{file} {:?} block {block}", cfg.method);
        }
        total += expect.len();
    }
    assert!(total >= 4);
}
