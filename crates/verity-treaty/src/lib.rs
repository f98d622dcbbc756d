//! # verity-treaty — treaty rules as data
//!
//! Arms-control obligations are written as TOML files ([`definition`]) and evaluated, purely,
//! against declarations ([`declaration`]) into findings ([`eval`]): per party, per date, per
//! rule, a status — `compliant`, `violation`, `missing`, `not_binding`, `not_in_force` — with
//! the value, the limit, the margin, the unit and the references of the declarations used, and
//! both readings when a party disputes another's figure.
//!
//! ## Rule types
//! `limit` (≤/≥ on a declared or derived quantity, with unit conversion), `prohibited`
//! (a category selected by field conditions, e.g. ground-launched missiles of 500–5,500 km),
//! `geometry` (distance from a declared centre by haversine; polygon area and maximum linear
//! extent — see [`geo`]), `schedule` (reports due on given days; completeness of required
//! forms), `quota` (declarations per treaty or calendar year), `threshold` (an item above a
//! threshold must be declared — CWC). Effective periods: treaty entry into force and expiry,
//! per-party entry into force, withdrawal and suspension events, per-rule `binding_from`
//! (deadline by which limits are met), `effective_from` and `until` (the obligation's duration),
//! party- and role-specific rules, and rules disabled by default (configurable interpretations).
//!
//! ## Bundled regimes
//! [`bundled`] returns the regimes embedded from `regimes/*.toml` (article cited beside each
//! rule): `new-start`, `inf`, `abm`, `jcpoa`, `npt`, `cwc` (schedules as CAS tables incl. the 2020
//! Schedule 1 additions), `bwc`, `ctbt`, `ppwt`. Any other regime is a file:
//! [`Treaty::from_toml`]; no code change is needed (tested with an emerging-technologies regime
//! that ships only as a test data file).
//!
//! ## Public data
//! `data/new-start-aggregate.csv` (US State Department aggregate numbers, Feb 2011 – Mar 2023)
//! and `data/jcpoa-iaea.csv` (IAEA GOV/ reports from 2016), each row citing its source, are
//! embedded as [`NEW_START_AGGREGATE_CSV`] and [`JCPOA_IAEA_CSV`].
//!
//! ## Evaluation
//! [`eval::evaluate`] (from scratch) and [`eval::Evaluator`] (incremental: one new declaration
//! recomputes only the findings it can change) give identical results (property test).
//! No I/O, no clock: the horizon up to which reports are due is the latest date declared, or given.
//!
//! ## Tolerances
//! Comparisons are exact (a value equal to a limit is compliant); converted limits are rounded
//! to 1e-9 (300 kg UF6 × 0.676 = 202.8 kg U). Geometry uses a sphere of radius 6371.0088 km:
//! tested against the Rosetta Code haversine reference (1e-6 km) and the analytic area of a
//! latitude–longitude rectangle (1e-9 relative).
//!
//! ## Benchmark
//! `bash bench/treaty/run.sh` (from the workspace root): 1 million declarations against all
//! bundled regimes, and incremental re-evaluation after one new declaration.

pub mod declaration;
pub mod definition;
pub mod error;
pub mod eval;
pub mod expr;
pub mod geo;
pub mod log;

pub use declaration::{
    Declaration, Dispute, LogRecord, declaration_from_envelope, parse_csv, parse_json,
};
pub use definition::{Treaty, format_date, parse_date};
pub use error::{DeclarationError, DefinitionError, EvalError};
pub use eval::{
    ContestedReading, Evaluation, Evaluator, Finding, Options, Status, evaluate, evaluate_compact,
};
pub use time::Date;

/// The bundled public data series as CSV text (`party,as_of,<quantities>,source`), each row
/// citing its source: (treaty id, CSV).
pub const PUBLIC_DATA: &[(&str, &str)] = &[
    ("new-start", include_str!("../data/new-start-aggregate.csv")),
    ("jcpoa", include_str!("../data/jcpoa-iaea.csv")),
];

/// The bundled regime files: (id, TOML text).
pub const BUNDLED: &[(&str, &str)] = &[
    ("new-start", include_str!("../regimes/new-start.toml")),
    ("inf", include_str!("../regimes/inf.toml")),
    ("abm", include_str!("../regimes/abm.toml")),
    ("jcpoa", include_str!("../regimes/jcpoa.toml")),
    ("npt", include_str!("../regimes/npt.toml")),
    ("cwc", include_str!("../regimes/cwc.toml")),
    ("bwc", include_str!("../regimes/bwc.toml")),
    ("ctbt", include_str!("../regimes/ctbt.toml")),
    ("ppwt", include_str!("../regimes/ppwt.toml")),
];

/// New START aggregate numbers, Feb 2011 – Mar 2023 (source cited per row).
pub const NEW_START_AGGREGATE_CSV: &str = include_str!("../data/new-start-aggregate.csv");
/// IAEA-reported JCPOA quantities from 2016 (GOV/ document cited per row).
pub const JCPOA_IAEA_CSV: &str = include_str!("../data/jcpoa-iaea.csv");

/// Load a bundled regime by id.
pub fn bundled(id: &str) -> Option<Result<Treaty, DefinitionError>> {
    BUNDLED
        .iter()
        .find(|(i, _)| *i == id)
        .map(|(i, text)| Treaty::from_toml(text, &format!("regimes/{i}.toml")))
}

/// A bundled regime, parsed once per process (for evaluators that live as long as a node).
/// `None` for an unknown id; the bundled files all parse (`tests/regimes.rs`).
pub fn bundled_static(id: &str) -> Option<&'static Treaty> {
    static PARSED: std::sync::OnceLock<Vec<Treaty>> = std::sync::OnceLock::new();
    PARSED
        .get_or_init(|| all_bundled().unwrap_or_default())
        .iter()
        .find(|t| t.id == id)
}

/// All bundled regimes, parsed.
pub fn all_bundled() -> Result<Vec<Treaty>, DefinitionError> {
    BUNDLED
        .iter()
        .map(|(i, text)| Treaty::from_toml(text, &format!("regimes/{i}.toml")))
        .collect()
}
