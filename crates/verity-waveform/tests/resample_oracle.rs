//! Resampling against SciPy 1.17 (`scipy.signal.resample`, `resample_poly`, `cheb2ord`,
//! `cheby2`) and ObsPy 1.5 (`Trace.resample`, `Trace.decimate`), run live through python3 on
//! real recordings shipped in the ObsPy wheel (copied to testdata/real; see tests/common).
//!
//! Tolerances: resampled series 1e-9 relative to each sample + 1e-9 × max|output| (FFT
//! libraries and summation orders differ only by rounding, observed ~1e-13); filter
//! coefficients 1e-9 relative + 1e-14 absolute; filter orders, output lengths exact.

mod common;
use common::*;
use verity_waveform::mseed::{DecodeOptions, read_traces};
use verity_waveform::resample::*;
use verity_waveform::signal::{Detrend, detrend};

/// (name, samples, sample rate): real recordings, demeaned.
fn datasets() -> Vec<(&'static str, Vec<f64>, f64)> {
    // NZ.CRLZ.10.HHZ, 100 Hz SAC (ObsPy's test data), 100 s window around the arrivals.
    let (crlz, _) = verity_waveform::sac::read_sac(
        &std::fs::read(format!("{TESTDATA}/real/CRLZ.HHZ.10.NZ.SAC")).unwrap(),
    )
    .unwrap();
    // IU.ULN.00.LH1, 1 Hz, the 2015-07-18 Santa Cruz Islands teleseism (odd length cut).
    let bytes =
        std::fs::read(format!("{TESTDATA}/real/IU_ULN_00_LH1_2015-07-18T02.mseed")).unwrap();
    let uln = read_traces(&bytes, DecodeOptions::default())
        .unwrap()
        .traces
        .remove(0);
    let mut sets = vec![
        ("CRLZ", crlz.samples, 100.0),
        ("ULN", uln.samples[..3001].to_vec(), 1.0),
    ];
    for s in &mut sets {
        detrend(&mut s.1, Detrend::Demean);
    }
    sets
}

fn peak(v: &[f64]) -> f64 {
    v.iter().fold(0.0f64, |m, x| m.max(x.abs()))
}

#[test]
fn fft_poly_and_decimate_match_scipy_and_obspy() {
    let Some(o) = oracle(&["scipy", "obspy"]) else {
        return;
    };
    let sets = datasets();
    for (name, x, _) in &sets {
        o.write(&format!("{name}.bin"), x);
    }
    // Case tables. scipy.signal.resample(x, num): fractions of n (down, up; odd/even).
    let nums = |n: usize| [n * 2 / 5, n * 2 / 5 + 1, n / 3, n * 5 / 2, n * 5 / 2 + 1];
    // ObsPy Trace.resample targets (relative to the original rate): on-grid and off-grid.
    let rates = [0.5, 0.4, 0.333, 1.25, 2.0];
    let polys = [(2usize, 5usize), (3, 2), (1, 4), (5, 3), (4, 1)];
    let factors = [2usize, 4, 5, 10, 16];
    let mut script = String::from(
        "import numpy as np, scipy.signal as s, obspy\n\
         from scipy.signal import cheb2ord, cheby2\n\
         def out(name, v): np.asarray(v, dtype='<f8').tofile(name + '.bin')\n",
    );
    for (name, x, fs) in &sets {
        let n = x.len();
        script += &format!("x = np.fromfile('{name}.bin', '<f8')\n");
        for num in nums(n) {
            script += &format!(
                "out('{name}_fft_{num}_none', s.resample(x, {num}))\n\
                 out('{name}_fft_{num}_hann', s.resample(x, {num}, window='hann'))\n"
            );
        }
        for r in rates {
            let new = fs * r;
            for (w, wpy) in [("hann", "'hann'"), ("none", "None")] {
                script += &format!(
                    "tr = obspy.Trace(x.copy(), header={{'sampling_rate': {fs:?}}})\n\
                     tr.resample({new:?}, window={wpy}, no_filter=True)\n\
                     out('{name}_rate_{r}_{w}', tr.data)\n"
                );
            }
        }
        for (up, down) in polys {
            script +=
                &format!("out('{name}_poly_{up}_{down}', s.resample_poly(x, {up}, {down}))\n");
        }
        for f in factors {
            script += &format!(
                "tr = obspy.Trace(x.copy(), header={{'sampling_rate': {fs:?}}})\n\
                 tr.decimate({f})\n\
                 out('{name}_dec_{f}', tr.data)\n\
                 # ObsPy's lowpass_cheby_2 design loop, for the coefficients and order.\n\
                 nyq = {fs:?} * 0.5; ws = {fs:?} * 0.5 / {f} / nyq; wp = ws; order = 1e99\n\
                 while order > 12:\n\
                 \x20   wp = wp * 0.99\n\
                 \x20   order, wn = cheb2ord(wp, ws, 1, 96, analog=0)\n\
                 out('{name}_decsos_{f}', cheby2(order, 96, wn, btype='low', analog=0, output='sos').reshape(-1))\n\
                 out('{name}_decpar_{f}', [order, wn, wp * nyq])\n"
            );
        }
    }
    o.run(&script);

    let mut checked = 0;
    for (name, x, fs) in &sets {
        let n = x.len();
        for num in nums(n) {
            for (w, win) in [
                ("none", SpectralWindow::None),
                ("hann", SpectralWindow::Hann),
            ] {
                let theirs = o.read(&format!("{name}_fft_{num}_{w}.bin"));
                let ours = resample_fft(x, num, win).unwrap();
                assert_close(
                    &format!("{name} scipy.signal.resample num={num} window={w}"),
                    &ours,
                    &theirs,
                    1e-9,
                    1e-9 * peak(&theirs),
                );
                checked += 1;
            }
        }
        for r in rates {
            for (w, win) in [
                ("hann", SpectralWindow::Hann),
                ("none", SpectralWindow::None),
            ] {
                let theirs = o.read(&format!("{name}_rate_{r}_{w}.bin"));
                let ours = resample_rate(x, *fs, fs * r, win).unwrap();
                assert_close(
                    &format!("{name} Trace.resample {fs} -> {} Hz window={w}", fs * r),
                    &ours,
                    &theirs,
                    1e-9,
                    1e-9 * peak(&theirs),
                );
                checked += 1;
            }
        }
        for (up, down) in polys {
            let theirs = o.read(&format!("{name}_poly_{up}_{down}.bin"));
            let ours = resample_poly(x, up, down).unwrap();
            assert_close(
                &format!("{name} resample_poly up={up} down={down}"),
                &ours,
                &theirs,
                1e-9,
                1e-9 * peak(&theirs),
            );
            checked += 1;
        }
        for f in factors {
            let par = o.read(&format!("{name}_decpar_{f}.bin"));
            let (sos, passband) = cheby2_antialias(fs * 0.5 / f as f64, *fs, 12).unwrap();
            assert_eq!(
                sos.sections.len(),
                (par[0] as usize).div_ceil(2),
                "{name} factor {f}: order"
            );
            assert!(
                (passband - par[2]).abs() <= 1e-12 * par[2],
                "{name} factor {f}: pass band {passband} vs {}",
                par[2]
            );
            let flat: Vec<f64> = sos.sections.iter().flatten().copied().collect();
            assert_close(
                &format!("{name} cheby2 sos factor {f}"),
                &flat,
                &o.read(&format!("{name}_decsos_{f}.bin")),
                1e-9,
                1e-14,
            );
            let theirs = o.read(&format!("{name}_dec_{f}.bin"));
            let ours = decimate_obspy(x, *fs, f).unwrap();
            assert_close(
                &format!("{name} Trace.decimate({f})"),
                &ours,
                &theirs,
                1e-9,
                1e-9 * peak(&theirs),
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 2 * (10 + 10 + 5 + 5));
}

/// The FLOAT64 miniSEED written for resampled traces is read back by ObsPy (libmseed) with
/// the same samples (exact), start time and rate.
#[test]
fn float64_mseed_is_read_by_obspy() {
    let Some(o) = oracle(&["obspy"]) else { return };
    let (name, x, fs) = datasets().remove(0);
    let y = resample_rate(&x, fs, 40.0, SpectralWindow::Hann).unwrap();
    let start = verity_waveform::trace::parse_time("2024-01-02T03:04:05.678900Z").unwrap();
    let w = verity_waveform::mseed::Mseed2Writer::new("NZ", "CRLZ", "10", "HHZ", 40.0);
    std::fs::write(o.path("r.mseed"), w.write_f64(start, &y, 1).unwrap()).unwrap();
    let meta = o.run(
        "import obspy, numpy as np\n\
         st = obspy.read('r.mseed')\n\
         tr = st[0]\n\
         tr.data.astype('<f8').tofile('back.bin')\n\
         print(len(st), tr.stats.sampling_rate, tr.stats.starttime, tr.data.dtype)\n",
    );
    assert_eq!(
        meta.trim(),
        "1 40.0 2024-01-02T03:04:05.678900Z float64",
        "{name}"
    );
    assert_eq!(o.read("back.bin"), y);
}
