//! `verity seismic ...`: waveform-level commands (trigger, inspect, detect, resample, plot) over
//! `verity-waveform`; event-level commands (travel times, location, magnitudes, screening,
//! bulletins) live in `seismic_locate.rs` and are flattened in.
//!
//! This module reads files and prints; decoding, filtering, detection and plotting are in the
//! library, which takes bytes and returns values.
use anyhow::{Context, Result, bail};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use verity_waveform::Trace;
use verity_waveform::detect::{classic_sta_lta, recursive_sta_lta, trigger_onset};
use verity_waveform::mseed::{DecodeOptions, Discontinuity, RecordReader, assemble, encoding_name};
use verity_waveform::pipeline::{Detector, DetectorConfig, Method};
use verity_waveform::plot::{Marker, render_svg};
use verity_waveform::signal::{Band, Phase, butterworth};
use verity_waveform::trace::format_time;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum MethodArg {
    Classic,
    Recursive,
}

impl From<MethodArg> for Method {
    fn from(m: MethodArg) -> Method {
        match m {
            MethodArg::Classic => Method::Classic,
            MethodArg::Recursive => Method::Recursive,
        }
    }
}

/// Resampling methods (see `verity_waveform::resample`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ResampleMethod {
    /// ObsPy `Trace.resample` (spectral; no anti-alias filter beyond the spectral cut).
    Fft,
    /// SciPy `resample_poly` (polyphase Kaiser FIR; the rate ratio must be a fraction
    /// up/down with up, down ≤ 1000).
    Poly,
    /// ObsPy `Trace.decimate` (causal Chebyshev II anti-alias filter, integer factor 2–16).
    Decimate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum WindowArg {
    Hann,
    None,
}

#[derive(clap::Subcommand)]
pub enum Command {
    /// STA/LTA trigger on every trace of a miniSEED or SAC file (ObsPy `classic_sta_lta` /
    /// `recursive_sta_lta` + `trigger_onset` definitions): on/off sample indices and times.
    Trigger {
        file: PathBuf,
        /// Short-term window, seconds.
        #[arg(long)]
        sta: f64,
        /// Long-term window, seconds.
        #[arg(long)]
        lta: f64,
        /// Trigger-on threshold (STA/LTA ratio).
        #[arg(long)]
        on: f64,
        /// Trigger-off threshold.
        #[arg(long)]
        off: f64,
        #[arg(long, value_enum, default_value = "classic")]
        method: MethodArg,
        /// Optional causal Butterworth band-pass before the STA/LTA, e.g. `1-5` (Hz).
        #[arg(long)]
        band: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Records, encodings, traces, and gaps / overlaps / clock jumps of a waveform file.
    Inspect {
        file: PathBuf,
        /// List every record.
        #[arg(long)]
        records: bool,
        #[arg(long)]
        json: bool,
    },
    /// Band-pass, STA/LTA trigger and AIC onset pick over one or more files; writes picks
    /// (station,phase,time) usable by `verity seismic locate`.
    Detect {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Band-pass corners in Hz, e.g. `2-8`.
        #[arg(long, default_value = "2-8")]
        band: String,
        /// Butterworth order of the (causal) band-pass.
        #[arg(long, default_value_t = 4)]
        order: usize,
        #[arg(long, default_value_t = 1.0)]
        sta: f64,
        #[arg(long, default_value_t = 30.0)]
        lta: f64,
        #[arg(long, default_value_t = 3.5)]
        on: f64,
        #[arg(long, default_value_t = 1.5)]
        off: f64,
        #[arg(long, value_enum, default_value = "recursive")]
        method: MethodArg,
        /// AIC window before each trigger, seconds.
        #[arg(long, default_value_t = 5.0)]
        pick_before: f64,
        /// AIC window after each trigger, seconds.
        #[arg(long, default_value_t = 2.0)]
        pick_after: f64,
        /// Write the picks CSV here (default: print it).
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Resample every trace of a miniSEED or SAC file to a new rate and write the result as
    /// miniSEED 2 with FLOAT64 samples (lossless; read by ObsPy/libmseed).
    Resample {
        file: PathBuf,
        /// New sample rate, Hz.
        #[arg(long)]
        rate: f64,
        #[arg(long, value_enum, default_value = "fft")]
        method: ResampleMethod,
        /// Spectral window for `--method fft` (ObsPy's default is hann).
        #[arg(long, value_enum, default_value = "hann")]
        window: WindowArg,
        /// Output miniSEED file.
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// SVG plot of a waveform with its trigger windows and picks.
    Plot {
        file: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Which trace (NET.STA.LOC.CHA); default the first.
        #[arg(long)]
        trace: Option<String>,
        /// Band-pass for plotting and detection, e.g. `2-8`; default raw data, no detection.
        #[arg(long)]
        band: Option<String>,
        #[arg(long, default_value_t = 1.0)]
        sta: f64,
        #[arg(long, default_value_t = 30.0)]
        lta: f64,
        #[arg(long, default_value_t = 3.5)]
        on: f64,
        #[arg(long, default_value_t = 1.5)]
        off: f64,
        #[arg(long, default_value_t = 1200)]
        width: u32,
        #[arg(long, default_value_t = 400)]
        height: u32,
    },
    #[command(flatten)]
    Event(super::seismic_locate::Command),
}

pub fn run(cmd: Command) -> Result<ExitCode> {
    match cmd {
        Command::Trigger {
            file,
            sta,
            lta,
            on,
            off,
            method,
            band,
            json,
        } => trigger(
            &file,
            sta,
            lta,
            on,
            off,
            method.into(),
            band.as_deref(),
            json,
        ),
        Command::Inspect {
            file,
            records,
            json,
        } => inspect(&file, records, json),
        Command::Detect {
            files,
            band,
            order,
            sta,
            lta,
            on,
            off,
            method,
            pick_before,
            pick_after,
            out,
            json,
        } => {
            let (lo, hi) = parse_band(&band)?;
            let cfg = DetectorConfig {
                band: Some((lo, hi, order)),
                sta,
                lta,
                on,
                off,
                method: method.into(),
                pick_before,
                pick_after,
            };
            detect(&files, &cfg, out.as_deref(), json)
        }
        Command::Resample {
            file,
            rate,
            method,
            window,
            out,
            json,
        } => resample(&file, rate, method, window, &out, json),
        Command::Plot {
            file,
            out,
            trace,
            band,
            sta,
            lta,
            on,
            off,
            width,
            height,
        } => plot(
            &file,
            &out,
            trace.as_deref(),
            band.as_deref(),
            (sta, lta, on, off),
            (width, height),
        ),
        Command::Event(c) => super::seismic_locate::run(c),
    }
}

/// `new / old` as a fraction `up / down` in lowest terms with both at most 1000.
fn rate_fraction(old: f64, new: f64) -> Option<(usize, usize)> {
    let gcd = |mut a: usize, mut b: usize| {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    };
    for den in 1..=1000usize {
        let num = (new / old * den as f64).round();
        if (1.0..=1000.0).contains(&num) && (num / den as f64 * old - new).abs() <= 1e-9 * new {
            let (u, d) = (num as usize, den);
            let g = gcd(u, d);
            return Some((u / g, d / g));
        }
    }
    None
}

fn resample(
    file: &Path,
    rate: f64,
    method: ResampleMethod,
    window: WindowArg,
    out: &Path,
    json: bool,
) -> Result<ExitCode> {
    use verity_waveform::resample::{SpectralWindow, decimate_obspy, resample_poly, resample_rate};
    if !(rate.is_finite() && rate > 0.0) {
        bail!("--rate {rate}: the new sample rate must be a positive number of Hz");
    }
    let loaded = load(file, false, true)?;
    let mut bytes = Vec::new();
    let mut rows = Vec::new();
    for t in &loaded.traces {
        let y = match method {
            ResampleMethod::Fft => {
                let w = match window {
                    WindowArg::Hann => SpectralWindow::Hann,
                    WindowArg::None => SpectralWindow::None,
                };
                resample_rate(&t.samples, t.sample_rate, rate, w)
            }
            ResampleMethod::Poly => {
                let (up, down) = rate_fraction(t.sample_rate, rate).with_context(|| {
                    format!(
                        "{}: {} Hz -> {rate} Hz is not a ratio up/down with up, down <= 1000 (use --method fft)",
                        t.id(),
                        t.sample_rate
                    )
                })?;
                resample_poly(&t.samples, up, down)
            }
            ResampleMethod::Decimate => {
                let f = t.sample_rate / rate;
                if (f - f.round()).abs() > 1e-9 * f {
                    bail!(
                        "{}: {} Hz / {rate} Hz = {f} is not an integer decimation factor (use --method fft or poly)",
                        t.id(),
                        t.sample_rate
                    );
                }
                decimate_obspy(&t.samples, t.sample_rate, f.round() as usize)
            }
        }
        .with_context(|| format!("resampling {} of {}", t.id(), file.display()))?;
        let w = verity_waveform::mseed::Mseed2Writer::new(
            &t.network,
            &t.station,
            &t.location,
            &t.channel,
            rate,
        );
        bytes.extend(
            w.write_f64(t.start, &y, 1)
                .with_context(|| format!("encoding {} as miniSEED", t.id()))?,
        );
        rows.push(json!({
            "id": t.id(), "start": format_time(t.start),
            "input_samples": t.samples.len(), "input_rate": t.sample_rate,
            "output_samples": y.len(), "output_rate": rate,
        }));
    }
    std::fs::write(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "file": file.display().to_string(), "out": out.display().to_string(),
                "method": format!("{method:?}").to_lowercase(), "traces": rows,
            }))?
        );
    } else {
        for r in &rows {
            println!(
                "{}  {} samples at {} Hz -> {} samples at {} Hz",
                r["id"].as_str().unwrap_or(""),
                r["input_samples"],
                r["input_rate"],
                r["output_samples"],
                r["output_rate"]
            );
        }
        println!("wrote {} (miniSEED 2, FLOAT64)", out.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `F1-F2` in Hz.
fn parse_band(s: &str) -> Result<(f64, f64)> {
    let (a, b) = s
        .split_once('-')
        .with_context(|| format!("band {s:?} is not of the form F1-F2 (Hz), e.g. 2-8"))?;
    let lo: f64 = a
        .trim()
        .parse()
        .with_context(|| format!("band low corner {a:?} is not a number"))?;
    let hi: f64 = b
        .trim()
        .parse()
        .with_context(|| format!("band high corner {b:?} is not a number"))?;
    if !(lo > 0.0 && hi > lo) {
        bail!("band {s:?}: need 0 < F1 < F2");
    }
    Ok((lo, hi))
}

/// What a file held: traces, discontinuities, plus record-level facts for `inspect`.
struct Loaded {
    format: &'static str,
    traces: Vec<Trace>,
    discontinuities: Vec<Discontinuity>,
    records: Vec<verity_waveform::mseed::Record>,
    non_data_records: usize,
    skipped: Vec<(usize, usize)>,
    error: Option<String>,
}

fn is_sac(bytes: &[u8]) -> bool {
    if bytes.len() < verity_waveform::sac::HEADER_LEN {
        return false;
    }
    let w: [u8; 4] = [bytes[304], bytes[305], bytes[306], bytes[307]];
    matches!(i32::from_be_bytes(w), 6 | 7) || matches!(i32::from_le_bytes(w), 6 | 7)
}

/// Read a miniSEED 2/3 or SAC file. A malformed record ends reading; what came before it is
/// kept and the error is returned alongside (`strict` turns it into a failure).
fn load(path: &Path, keep_records: bool, strict: bool) -> Result<Loaded> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if verity_waveform::mseed::detect(&bytes).is_none() && is_sac(&bytes) {
        let (t, _) = verity_waveform::sac::read_sac(&bytes)
            .with_context(|| format!("decoding SAC file {}", path.display()))?;
        return Ok(Loaded {
            format: "SAC",
            traces: vec![t],
            discontinuities: vec![],
            records: vec![],
            non_data_records: 0,
            skipped: vec![],
            error: None,
        });
    }
    let mut reader = RecordReader::with_options(&bytes, DecodeOptions::default());
    let mut recs = Vec::new();
    let mut kept = Vec::new();
    let mut error = None;
    for (i, r) in (&mut reader).enumerate() {
        match r {
            Ok(r) => {
                if keep_records {
                    let mut header = r.clone();
                    header.samples = verity_waveform::mseed::Samples::Int(vec![]);
                    kept.push(header);
                }
                recs.push((i, r));
            }
            Err(e) => {
                if strict {
                    return Err(e)
                        .with_context(|| format!("decoding miniSEED file {}", path.display()));
                }
                error = Some(e.to_string());
            }
        }
    }
    let skipped = reader.skipped().to_vec();
    if recs.is_empty() && error.is_none() {
        bail!("{}: no miniSEED records found", path.display());
    }
    let format = match (
        recs.iter().any(|r| r.1.format_version == 2),
        recs.iter().any(|r| r.1.format_version == 3),
    ) {
        (true, true) => "miniSEED 2+3",
        (false, true) => "miniSEED 3",
        _ => "miniSEED 2",
    };
    let a = assemble(recs);
    Ok(Loaded {
        format,
        traces: a.traces,
        discontinuities: a.discontinuities,
        records: kept,
        non_data_records: a.non_data_records,
        skipped,
        error,
    })
}

#[allow(clippy::too_many_arguments)]
fn trigger(
    file: &Path,
    sta: f64,
    lta: f64,
    on: f64,
    off: f64,
    method: Method,
    band: Option<&str>,
    json: bool,
) -> Result<ExitCode> {
    let loaded = load(file, false, true)?;
    let band = band.map(parse_band).transpose()?;
    let mut out = Vec::new();
    for t in &loaded.traces {
        let nsta = (sta * t.sample_rate).round() as usize;
        let nlta = (lta * t.sample_rate).round() as usize;
        let mut x = t.samples.clone();
        if let Some((lo, hi)) = band {
            butterworth(4, Band::Bandpass(lo, hi), t.sample_rate)
                .with_context(|| format!("designing the {lo}-{hi} Hz band-pass for {}", t.id()))?
                .apply(&mut x, Phase::Causal);
        }
        let cf = match method {
            Method::Classic => classic_sta_lta(&x, nsta, nlta),
            Method::Recursive => recursive_sta_lta(&x, nsta, nlta),
        }
        .with_context(|| {
            format!(
                "STA/LTA on {} ({} samples at {} Hz)",
                t.id(),
                x.len(),
                t.sample_rate
            )
        })?;
        let trig = trigger_onset(&cf, on, off, None, false).context("trigger on/off")?;
        out.push((t, nsta, nlta, trig, cf));
    }
    if json {
        let traces: Vec<_> = out
            .iter()
            .map(|(t, nsta, nlta, trig, cf)| {
                json!({
                    "id": t.id(),
                    "start": format_time(t.start),
                    "sample_rate": t.sample_rate,
                    "samples": t.samples.len(),
                    "nsta": nsta,
                    "nlta": nlta,
                    "triggers": trig.iter().map(|&(a, b)| json!({
                        "on": a,
                        "off": b,
                        "on_time": format_time(t.time_of(a)),
                        "off_time": format_time(t.time_of(b)),
                        "peak": cf[a..=b.min(cf.len() - 1)].iter().cloned().fold(0.0, f64::max),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        let method_name = match method {
            Method::Classic => "classic",
            Method::Recursive => "recursive",
        };
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "file": file.display().to_string(),
                "method": method_name,
                "sta_s": sta, "lta_s": lta, "on": on, "off": off,
                "traces": traces,
            }))?
        );
    } else {
        for (t, nsta, nlta, trig, _) in &out {
            println!(
                "{}  {} samples at {} Hz from {}  (nsta {nsta}, nlta {nlta}): {} trigger(s)",
                t.id(),
                t.samples.len(),
                t.sample_rate,
                format_time(t.start),
                trig.len()
            );
            for &(a, b) in trig {
                println!(
                    "  on {a:>9}  {}   off {b:>9}  {}",
                    format_time(t.time_of(a)),
                    format_time(t.time_of(b))
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn inspect(file: &Path, list_records: bool, json: bool) -> Result<ExitCode> {
    let l = load(file, true, false)?;
    let mut encodings: std::collections::BTreeMap<String, usize> = Default::default();
    for r in &l.records {
        *encodings
            .entry(format!("{} ({})", encoding_name(r.encoding), r.encoding))
            .or_default() += 1;
    }
    if json {
        let v = json!({
            "file": file.display().to_string(),
            "format": l.format,
            "records": l.records.len(),
            "non_data_records": l.non_data_records,
            "encodings": encodings,
            "record_list": if list_records { serde_json::to_value(&l.records)? } else { serde_json::Value::Null },
            "traces": l.traces.iter().map(|t| json!({
                "id": t.id(), "start": format_time(t.start), "end": format_time(t.end()),
                "sample_rate": t.sample_rate, "samples": t.samples.len(),
            })).collect::<Vec<_>>(),
            "discontinuities": l.discontinuities.iter().map(|d| json!({
                "id": d.id, "kind": d.kind, "from": format_time(d.expected), "to": format_time(d.actual),
                "shift_s": d.shift_ns as f64 / 1e9, "shift_samples": d.shift_samples, "record": d.record,
            })).collect::<Vec<_>>(),
            "skipped_bytes": l.skipped.iter().map(|&(o, n)| json!({"offset": o, "length": n})).collect::<Vec<_>>(),
            "error": l.error,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!("{}: {}", file.display(), l.format);
        if !l.records.is_empty() {
            println!(
                "  {} records ({} without a time series); encodings: {}",
                l.records.len(),
                l.non_data_records,
                encodings
                    .iter()
                    .map(|(k, v)| format!("{k} ×{v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        if list_records {
            for r in &l.records {
                println!(
                    "  record @{:>8}  v{} {:>5} B  {}  {}  {} samples  {} Hz  {}",
                    r.offset,
                    r.format_version,
                    r.length,
                    r.nslc(),
                    format_time(r.start),
                    r.sample_count,
                    r.sample_rate,
                    encoding_name(r.encoding)
                );
            }
        }
        println!("  {} trace segment(s):", l.traces.len());
        for t in &l.traces {
            println!(
                "    {}  {} .. {}  {} Hz  {} samples",
                t.id(),
                format_time(t.start),
                format_time(t.end()),
                t.sample_rate,
                t.samples.len()
            );
        }
        if l.discontinuities.is_empty() {
            println!("  no gaps, overlaps or clock jumps");
        }
        for d in &l.discontinuities {
            println!(
                "  {:?} in {} from {} to {}: {:+.6} s ({:+.2} samples), at record {}",
                d.kind,
                d.id,
                format_time(d.expected),
                format_time(d.actual),
                d.shift_ns as f64 / 1e9,
                d.shift_samples,
                d.record
            );
        }
        for (o, n) in &l.skipped {
            println!("  skipped {n} non-record bytes at offset {o}");
        }
        if let Some(e) = &l.error {
            println!("  ERROR: {e}");
        }
    }
    Ok(if l.error.is_some() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

struct PickRow {
    trace: String,
    station: String,
    time: i64,
    on: i64,
    off: i64,
    peak: f64,
}

fn detect(
    files: &[PathBuf],
    cfg: &DetectorConfig,
    out: Option<&Path>,
    json: bool,
) -> Result<ExitCode> {
    let bar = indicatif::ProgressBar::new(files.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:30} [{bar:40}] {pos}/{len} files ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    if files.len() < 2 {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let mut rows = Vec::new();
    for f in files {
        bar.set_message(
            f.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        let l = load(f, false, true)?;
        for t in &l.traces {
            let mut d = Detector::new(cfg, t.sample_rate).with_context(|| {
                format!(
                    "configuring the detector for {} ({} Hz) in {}",
                    t.id(),
                    t.sample_rate,
                    f.display()
                )
            })?;
            d.push(&t.samples);
            for det in d.finish() {
                // A trigger without a pick (window cut by the trace end) has no onset time.
                let Some(p) = det.pick else { continue };
                rows.push(PickRow {
                    trace: t.id(),
                    station: t.station.clone(),
                    time: t.time_of(p),
                    on: t.time_of(det.on),
                    off: t.time_of(det.off),
                    peak: det.peak,
                });
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    rows.sort_by_key(|r| r.time);
    // First-arrival picker: every onset is labelled P; phase identification beyond the first
    // arrival is the associator's job.
    let mut csv = String::from("station,phase,time\n");
    for r in &rows {
        csv.push_str(&format!("{},P,{}\n", r.station, format_time(r.time)));
    }
    if let Some(p) = out {
        std::fs::write(p, &csv).with_context(|| format!("writing picks to {}", p.display()))?;
    }
    if json {
        let v: Vec<_> = rows
            .iter()
            .map(|r| json!({
                "station": r.station, "trace": r.trace, "phase": "P", "time": format_time(r.time),
                "trigger_on": format_time(r.on), "trigger_off": format_time(r.off), "peak_ratio": r.peak,
            }))
            .collect();
        println!("{}", serde_json::to_string_pretty(&json!({ "picks": v }))?);
    } else if out.is_none() {
        print!("{csv}");
    } else {
        eprintln!("{} pick(s) written", rows.len());
    }
    Ok(ExitCode::SUCCESS)
}

fn plot(
    file: &Path,
    out: &Path,
    which: Option<&str>,
    band: Option<&str>,
    (sta, lta, on, off): (f64, f64, f64, f64),
    (width, height): (u32, u32),
) -> Result<ExitCode> {
    let l = load(file, false, true)?;
    let t = match which {
        Some(id) => l
            .traces
            .iter()
            .find(|t| t.id() == id)
            .with_context(|| format!("no trace {id} in {}", file.display()))?,
        None => l
            .traces
            .first()
            .with_context(|| format!("no traces in {}", file.display()))?,
    };
    let mut shown = t.clone();
    let mut triggers = Vec::new();
    let mut picks = Vec::new();
    if let Some(b) = band {
        let (lo, hi) = parse_band(b)?;
        butterworth(4, Band::Bandpass(lo, hi), t.sample_rate)
            .with_context(|| format!("designing the {lo}-{hi} Hz band-pass"))?
            .apply(&mut shown.samples, Phase::Causal);
        let cfg = DetectorConfig {
            band: Some((lo, hi, 4)),
            sta,
            lta,
            on,
            off,
            method: Method::Recursive,
            pick_before: 5.0_f64.min(lta),
            pick_after: 2.0,
        };
        let mut d = Detector::new(&cfg, t.sample_rate).context("configuring the detector")?;
        d.push(&t.samples);
        for det in d.finish() {
            triggers.push((det.on, det.off));
            if let Some(p) = det.pick {
                picks.push(Marker {
                    time: t.time_of(p),
                    label: format!("P {}", format_time(t.time_of(p))),
                });
            }
        }
    }
    let svg = render_svg(&shown, &triggers, &picks, width, height).context("rendering the plot")?;
    std::fs::write(out, svg).with_context(|| format!("writing {}", out.display()))?;
    eprintln!(
        "wrote {} ({}, {} trigger(s), {} pick(s))",
        out.display(),
        t.id(),
        triggers.len(),
        picks.len()
    );
    Ok(ExitCode::SUCCESS)
}
