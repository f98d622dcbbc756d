//! Filter design and filtering against SciPy (`scipy.signal.butter`, `sosfilt`,
//! `sosfiltfilt`, `detrend`) and ObsPy (`obspy.signal.filter.bandpass`, `Trace.taper`), run
//! live through python3 (see tests/common). Tolerances: coefficients 1e-9 relative (+1e-14
//! absolute for coefficients that are zero in exact arithmetic); filter outputs 1e-9 relative
//! to each sample + 1e-9 × max|output| (accumulated rounding in long recursions).

mod common;
use common::*;
use verity_waveform::signal::*;

/// (order, band, sample rate)
const DESIGNS: &[(usize, Band, f64)] = &[
    (2, Band::Lowpass(5.0), 100.0),
    (4, Band::Lowpass(1.0), 20.0),
    (5, Band::Lowpass(30.0), 100.0),
    (3, Band::Highpass(0.5), 40.0),
    (4, Band::Highpass(2.0), 100.0),
    (2, Band::Bandpass(1.0, 5.0), 100.0),
    (4, Band::Bandpass(0.8, 4.5), 40.0),
    (4, Band::Bandpass(0.05, 0.4), 1.0),
    (3, Band::Bandpass(2.0, 8.0), 100.0),
    (8, Band::Bandpass(0.5, 20.0), 200.0),
];

fn scipy_band(band: Band, fs: f64) -> String {
    let nyq = fs / 2.0;
    match band {
        Band::Lowpass(f) => format!("({:?}, 'lowpass')", f / nyq),
        Band::Highpass(f) => format!("({:?}, 'highpass')", f / nyq),
        Band::Bandpass(a, b) => format!("([{:?}, {:?}], 'bandpass')", a / nyq, b / nyq),
    }
}

fn obspy_call(band: Band) -> String {
    match band {
        Band::Bandpass(a, b) => format!("('bandpass', dict(freqmin={a:?}, freqmax={b:?}))"),
        Band::Lowpass(f) => format!("('lowpass', dict(freq={f:?}))"),
        Band::Highpass(f) => format!("('highpass', dict(freq={f:?}))"),
    }
}

/// One Python run for every design (interpreter start-up and imports dominate the cost).
fn run_all(o: &Oracle) {
    let designs: Vec<String> = DESIGNS
        .iter()
        .map(|&(order, band, fs)| {
            format!(
                "({order}, {}, {fs:?}, {})",
                scipy_band(band, fs),
                obspy_call(band)
            )
        })
        .collect();
    o.run(&format!(
        "import numpy as np, scipy.signal as s\n\
         import obspy.signal.filter as f\n\
         x = np.fromfile('x.bin', '<f8')\n\
         for k, (order, (wn, btype), fs, (name, kw)) in enumerate([{}]):\n\
         \x20   sos = s.butter(order, wn, btype, output='sos')\n\
         \x20   sos.astype('<f8').tofile(f'sos{{k}}.bin')\n\
         \x20   s.sosfilt(sos, x).astype('<f8').tofile(f'causal{{k}}.bin')\n\
         \x20   s.sosfiltfilt(sos, x).astype('<f8').tofile(f'zero{{k}}.bin')\n\
         \x20   getattr(f, name)(x, df=fs, corners=order, zerophase=True, **kw).astype('<f8').tofile(f'fb{{k}}.bin')\n",
        designs.join(", ")
    ));
}

#[test]
fn butterworth_matches_scipy_and_obspy() {
    let Some(o) = oracle(&["scipy", "obspy"]) else {
        return;
    };
    let x = test_signal(5000, 7);
    o.write("x.bin", &x);
    run_all(&o);
    for (k, &(order, band, fs)) in DESIGNS.iter().enumerate() {
        let sos = butterworth(order, band, fs).unwrap();
        let flat: Vec<f64> = sos.sections.iter().flatten().copied().collect();
        assert_close(
            &format!("design {k} {band:?} coefficients"),
            &flat,
            &o.read(&format!("sos{k}.bin")),
            1e-9,
            1e-14,
        );
        let mut causal = x.clone();
        sos.filter(&mut causal);
        let mut zero = x.clone();
        sos.filtfilt(&mut zero);
        let mut fb = x.clone();
        sos.forward_backward(&mut fb);
        for (name, ours) in [("causal", &causal), ("zero", &zero), ("fb", &fb)] {
            let theirs = o.read(&format!("{name}{k}.bin"));
            let peak = theirs.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            assert_close(
                &format!("design {k} {name}"),
                ours,
                &theirs,
                1e-9,
                1e-9 * peak,
            );
        }
    }
}

#[test]
fn detrend_taper_decimate_match_references() {
    let Some(o) = oracle(&["scipy", "obspy"]) else {
        return;
    };
    let x = test_signal(3001, 11);
    o.write("x.bin", &x);
    o.run(
        "import numpy as np, scipy.signal as s, obspy\n\
         x = np.fromfile('x.bin', '<f8')\n\
         s.detrend(x, type='linear').astype('<f8').tofile('lin.bin')\n\
         s.detrend(x, type='constant').astype('<f8').tofile('mean.bin')\n\
         for p in (0.05, 0.5, 0.0):\n\
         \x20   tr = obspy.Trace(x.copy()); tr.taper(p, type='hann')\n\
         \x20   tr.data.astype('<f8').tofile(f'taper{p}.bin')\n\
         for q in (2, 5):\n\
         \x20   sos = s.butter(10, 0.8 / q, output='sos')\n\
         \x20   s.sosfiltfilt(sos, x)[::q].astype('<f8').tofile(f'dec{q}.bin')\n",
    );
    let mut lin = x.clone();
    detrend(&mut lin, Detrend::Linear);
    assert_close("linear detrend", &lin, &o.read("lin.bin"), 1e-9, 1e-9);
    let mut mean = x.clone();
    detrend(&mut mean, Detrend::Demean);
    assert_close("demean", &mean, &o.read("mean.bin"), 1e-9, 1e-9);
    for p in [0.05, 0.5, 0.0] {
        let mut t = x.clone();
        taper(&mut t, p).unwrap();
        let name = if p == 0.0 {
            "taper0.0.bin".to_string()
        } else {
            format!("taper{p}.bin")
        };
        assert_close(&format!("taper {p}"), &t, &o.read(&name), 1e-12, 1e-12);
    }
    for q in [2usize, 5] {
        let d = decimate(&x, 100.0, q).unwrap();
        let theirs = o.read(&format!("dec{q}.bin"));
        let peak = theirs.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert_close(&format!("decimate {q}"), &d, &theirs, 1e-9, 1e-9 * peak);
    }
}

#[test]
fn bad_designs_are_errors() {
    assert!(matches!(
        butterworth(4, Band::Bandpass(5.0, 1.0), 100.0),
        Err(SignalError::BadBand { .. })
    ));
    assert!(matches!(
        butterworth(4, Band::Lowpass(60.0), 100.0),
        Err(SignalError::CornerOutOfRange { .. })
    ));
    assert!(matches!(
        butterworth(0, Band::Lowpass(1.0), 100.0),
        Err(SignalError::BadOrder(0))
    ));
    assert!(matches!(
        butterworth(2, Band::Lowpass(1.0), f64::NAN),
        Err(SignalError::BadSampleRate(_))
    ));
    assert!(taper(&mut [1.0, 2.0], 0.7).is_err());
    assert!(decimate(&[1.0; 10], 100.0, 0).is_err());
}
