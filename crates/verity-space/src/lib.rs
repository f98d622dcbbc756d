//! # verity-space — outer-space transparency analytics
//!
//! A library without I/O (no files, network, clock or global RNG: data, times and seeds are
//! passed in) for the space part of Verity (issue 5): who declared which object, which launches
//! were notified, which objects come close to others or manoeuvre in ways their declarations do
//! not explain.
//!
//! | module | what |
//! |---|---|
//! | [`registry`] | Registration Convention Art. IV(1) declarations + TCBM extras, HCoC-style pre-launch notifications, launch reports, no-first-placement pledges, with field-precise validation |
//! | [`log_entry`] | each declaration as a signed `ppwt` log entry the treaty engine reads (counting view + `detail`), the inverse, and the cross-checks the engine cannot make (notification references, unreported launches) |
//! | [`bulletin`] | the screening JSON (one definition for CLI and node) and the signed close-approach/manoeuvre bulletin (schema version 1) |
//! | [`eop`] | Earth orientation (xp, yp, ΔUT1, LOD) from IERS `finals2000A.all`/`finals.all` and CelesTrak `EOP-All.csv`, linear interpolation, leap-second aware |
//! | [`tle`], [`omm`] | TLE/3LE (checksums, Alpha-5, column-precise errors) and CCSDS OMM in KVN, XML and JSON |
//! | [`propagate`] | SGP4/SDP4 through the `sgp4` crate (2.4, MIT), Vallado 2006 improved mode, decay check |
//! | [`frames`] | TEME → PEF (GMST 1982) → ITRF (polar motion) → WGS-84 geodetic, for ground tracks |
//! | [`screen`] | all-vs-all close-approach screening: apogee/perigee filter, spatio-temporal grid, SGP4 TCA refinement, RIC miss components; brute-force reference |
//! | [`cdm`], [`pc`] | CCSDS CDM (KVN) parser; Foster-1992 2-D collision probability |
//! | [`manoeuvre`] | manoeuvre detection from successive element sets (Δa, Δi, ΔΩ, implied Δv); proximity operations |
//! | [`reconcile`] | declared versus observed: undeclared objects, orbit mismatches, unnotified launches, notified launches that did not occur |
//! | [`catalog`] | seeded synthetic catalogue with realistic LEO/SSO/MEO/GEO/HEO populations (screening tests and benchmark) |
//! | [`plot`] | SVG ground tracks and range-over-time plots (plotters, rendered to a string) |
//!
//! ## Accuracy against independent references (all in `cargo test`)
//! * **Vallado's verification set** (SGP4-VER.TLE / tcppver.out, AIAA 2006-6753, from the PyPI
//!   `sgp4` package): all 666 reference states of 33 element sets, position and velocity within
//!   2e-7 km and 2e-7 km/s (python-sgp4's own tolerance), except two extreme deep-space cases
//!   (20413, 23333) where the `sgp4` crate differs by ≤ 4.2e-6 km (held to 5e-6 km); propagation
//!   fails exactly where the reference listing stops.
//! * **python-sgp4 oracle** over a real catalogue (the 33 Vallado sets + 6 operational sets from
//!   PyPI packages' tests), 81 times each over −2…+3 days: ≤ 5e-5 km / 2e-9 km/s (tolerance
//!   1e-4 km, 1e-8 km/s); identical failure pattern.
//! * **TEME → ITRF**: Vallado 2013 Example 3-15 within 2e-5 km and 1e-8 km/s, both with the
//!   values given directly and read through the EOP table (the example's values in the IERS
//!   finals layout); real IERS finals2000A rows of 2004-04-04…08 and the same values in
//!   CelesTrak's CSV layout give identical tables; skyfield's
//!   `TEME_to_ITRF` on 120 SGP4 states within 7e-7 km (velocity 3e-7 km/s: skyfield's rotation
//!   rate differs); geodetic conversion: Vallado Example 3-3 within its printed digits.
//! * **Screening vs brute force** on a random 150-object sample of an 800-object catalogue
//!   (12 h, 50 km): all 97 brute-force approaches found, none spurious, TCA within 0.5 s, miss
//!   within 1 m; the grid examined 8e5 pair-steps where brute force at the same step needs 3.5e8.
//! * **Collision probability** on 11 real NASA CARA CDMs: Foster Pc within 1.8e-4 relative of the
//!   provider's value on 10 (to 3.9e-168), 2.3e-3 on one (see tests/cdm.rs).
//! * **Manoeuvres**: synthetic tangential/normal burns of 0.5–10 m/s recovered within 0.5 %.
//!
//! ## Declarations in the log (treaty `ppwt`)
//! [`log_entry::to_log_entry`] maps a validated declaration to (treaty `ppwt`, entry kind,
//! payload `{"as_of","item","quantities","fields","detail"}`): a registration is a
//! `space-object` (objects = 1, function = its `function_category`), a pre-launch notification
//! is a `launch` with `notified = yes` and no payload count, a launch report is a `launch` with
//! `payloads` = its payload count and `notified` derived from its reference to the notification
//! entry; a pledge is logged for the record and skipped by the engine. The model regime's rules
//! `no-first-placement` and `pre-launch-notification` then evaluate them. Why launches take
//! two entries, and what only `reconcile --from-log` can check, is in [`log_entry`].
//!
//! ## Bulletins
//! [`bulletin::bulletin_json`] builds the signed bulletin (treaty `ppwt`, kind `bulletin`):
//! schema version, producer, catalogue source + SHA-256, window, threshold, the element sets
//! of the objects named (epochs), conjunctions (pair, TCA, miss, relative speed, RIC) and
//! manoeuvres (Δa, Δi, ΔΩ, Δv). The treaty engine skips it (it has no `as_of`). A result
//! larger than one 64 KiB log entry is split by [`bulletin::bulletin_parts`].
//!
//! ## Earth orientation
//! [`eop::EopTable`] reads IERS `finals2000A.all`/`finals.all` (fixed width) and CelesTrak
//! `EOP-All.csv`, with line/column errors, and interpolates xp, yp, ΔUT1 and LOD linearly in
//! time (continuously across leap seconds) for [`frames::teme_to_itrf`].
//!
//! ## Screening algorithm
//! See [`screen`]: SGP4 knots with a Hermite error bound, Hoots' apogee/perigee filter, an
//! exact straight-line closest-approach test over each step (vectorised in f32, re-checked in
//! f64) whose allowance covers interpolation error and curvature, a spatio-temporal grid sized
//! for the common (LEO) speeds with the few faster objects searched over a wider block, so the
//! cost grows with n + close pairs rather than n², then Newton/golden-section refinement with
//! SGP4. The module docs carry the argument that no pair closer than the threshold is skipped.
//!
//! ## Benchmark
//! `bash bench/space/run.sh` (from the repository root) builds in release, installs python-sgp4
//! and numpy if missing, and prints propagation throughput side by side with python-sgp4's
//! `SatrecArray`, plus the 30,000-object/7-day/10-km screening time and its brute-force check.

// `!(x > 0.0)` is used on purpose: it also rejects NaN, which `x <= 0.0` would let through.
#![allow(clippy::neg_cmp_op_on_partial_ord, clippy::nonminimal_bool)]
// Numerical kernels index several arrays in lockstep; iterator chains would obscure them.
#![allow(clippy::needless_range_loop)]

pub mod bulletin;
pub mod catalog;
pub mod cdm;
pub mod elements;
pub mod eop;
pub mod error;
pub mod frames;
pub mod log_entry;
pub mod manoeuvre;
pub mod omm;
pub mod pc;
pub mod plot;
pub mod propagate;
pub mod reconcile;
pub mod registry;
pub mod screen;
pub mod time;
pub mod tle;

pub use elements::ElementSet;
pub use error::{Result, SpaceError};
pub use time::Epoch;
