//! # verity-seismic — CTBT event analytics without I/O
//!
//! From phase picks to a bulletin: travel times, association, location with error ellipses,
//! magnitudes, IDC-style screening, radioxenon screening, QuakeML/JSON bulletins and an SVG map.
//! The crate does no I/O (no files, network, clock or global RNG): text, times and random
//! generators are passed in; the `verity seismic ...` CLI is the shell around it.
//!
//! ## Modules and methods
//! * [`traveltime`] — IASP91 and ak135 first-arriving P and S tables (0–180°, 0–700 km) generated
//!   with ObsPy TauPy by `tables/gen_tables.py` (ObsPy 1.5.1), embedded. Along distance the
//!   time is a cubic Hermite through TauP's times and ray parameters within a branch, and the
//!   nearer (or, at a triplication crossover, the earlier) branch is extrapolated with its own
//!   slope where the first arrival changes branch; linear in depth. Tolerances vs TauP:
//!   on-grid ≤ 1.5 ms (table rounding); off-grid maxima per distance range are asserted in
//!   `tests/traveltime_taup.rs` (1,600 random points: ≤ 0.04 s P / 0.07 s S at 20–180°,
//!   ≤ 0.13 s P / 0.34 s S within 20°). Branch changes (p→Pn, Pdiff→PKIKP, Sdiff→SKS) use
//!   switch distances bisected with TauP (`tables/gen_branch_ends.py`).
//! * [`geodesy`] — geocentric latitude (WGS84), great-circle distance and azimuth.
//! * [`input`] — picks CSV (`station,phase,time[,sigma]`), stations CSV
//!   (`code,lat,lon,elev_m[,sensitivity]`), StationXML (quick-xml; coordinates, channels and
//!   `InstrumentSensitivity`). Every parser reports line/field or byte offset and never panics.
//! * [`locate`](mod@locate) — grid search + damped Geiger least squares; 90 % ellipse scaled after
//!   Jordan & Sverdrup (1981) with K = ∞ by default (IDC coverage ellipse, Bratt & Bache 1988).
//! * [`associate`](mod@associate) — grid back-projection associator producing located events from a network's
//!   picks (the network-day benchmark's association/location stage).
//! * [`magnitude`] — IDC mb = log10(A/T) + Q(Δ, h) with the Veith & Clawson (1972) Q table as
//!   tabulated by the IDC, embedded (`tables/vc72_q.csv`, source and transcription check in its
//!   header; bilinear between the 1° × depth grid points; a caller's table may replace it),
//!   and IASPEI Ms_20; network means with median and spread.
//! * [`amplitude`] — mb measured on waveforms, IDC style: causal 3rd-order Butterworth
//!   0.8–4.5 Hz, largest half peak-to-peak swing in 5.5 s after the P onset (picked or
//!   predicted), corrected for the filter's gain at the measured period and converted to nm of
//!   displacement with the channel's overall sensitivity (StationXML `InstrumentSensitivity` or
//!   the stations CSV's fifth column; flat-response simplification stated in the module).
//! * [`screening`] — mb:Ms (Selby et al. 2012 revised line and the older line) and depth criteria.
//! * [`xenon`] — decay correction and the Kalinowski et al. (2010) four-isotope discrimination line.
//! * [`bulletin`] — JSON payload (kind "bulletin", treaty "ctbt"; every time as RFC 3339 text so
//!   the payload is exact in any JSON reader and can be signed into the log) and QuakeML 1.2 BED.
//! * [`map`] — SVG map of an epicentre, its ellipse and the stations (plotters).
//!
//! ## Tested against
//! * TauP (ObsPy 1.5.1) travel times on- and off-grid (`tests/traveltime_taup.rs`).
//! * Synthetic picks computed with TauP by `tests/fixtures/gen_location_fixtures.py`, with
//!   seeded Gaussian noise (σ = 1 s P, 2 s S): noise-free sources recovered within 1 km; with
//!   noise the truth lies inside the reported 90 % ellipse in 348 of 400 trials (0.87; the test
//!   accepts 0.855–0.945, the binomial 3σ band) (`tests/location_synthetic.rs`).
//! * Association on a synthetic 50-station day (12 events, 1 false trigger per station-hour):
//!   every event found once within 25 km, no false events (`tests/associate_synthetic.rs`);
//!   the same day and one with S picks and mislabelled S-as-P picks give the events of the
//!   associator before its speed-up (pick sets exact, hypocentres within 1e-9; bit-identical
//!   when measured), for 1, 2 and 4 threads alike (`tests/associate_regression.rs`);
//!   the benchmark example runs 24 events with 2 and 10 false triggers per station-hour and
//!   reports found/true events (24/24 in both when measured).
//! * SciPy for the χ²/F quantiles (`stats`), ObsPy's QuakeML reader for the bulletin when present.
//! * VC72 Q: grid values read independently from the IDC file, bilinear midpoints, a worked mb
//!   example (`magnitude` unit tests).
//! * Waveform mb: a synthetic sine of known displacement and period through the whole chain
//!   (A within 0.2 %, T within 0.02 s, mb within 0.01), and on the real II.TLY.00.BHZ record of
//!   the 2011 Tohoku earthquake (ObsPy test data) the amplitude agrees with ObsPy's own
//!   band-pass plus an independent NumPy extremum search to 1e-4 relative, same period
//!   (`tests/mb_waveform.rs`). No sensitivity ships for that record, so its mb is not asserted.
//!
//! ## Benchmark
//! `cargo run --release -p verity-seismic --example bench_locate [events] [false triggers per
//! station-hour]` associates and locates a synthetic 50-station network day
//! ([`associate::associate`]) and prints wall and CPU seconds per run. The whole network-day
//! (decode → filter → detect → pick → associate → locate) is `bash bench/seismic/run.sh`;
//! `verity-bench-netday associate DIR [ROUNDS]` (bench/seismic/netday) times association
//! alone on the picks its last `run DIR` wrote (DIR/picks.csv).

// `!(x > 0.0)` is deliberate throughout: it rejects NaN as well as non-positive values.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod amplitude;
pub mod associate;
pub mod bulletin;
pub mod geodesy;
pub mod input;
pub mod locate;
pub mod magnitude;
pub mod map;
pub mod screening;
pub mod stats;
pub mod traveltime;
pub mod xenon;

pub use associate::{AssociatedEvent, Association, AssociatorConfig, associate};
pub use input::{
    ChannelSensitivity, GroundMotion, Pick, Station, parse_picks_csv, parse_stations_csv,
    parse_stationxml,
};
pub use locate::{
    ErrorEllipse, Hypocentre, Location, LocatorConfig, locate, locate_from, location_json,
};
pub use traveltime::{EarthModel, Phase, TravelTime, travel_time};
