//! Well-known declaration kinds. Any identifier matching the name rules is accepted by the
//! log; these are the ones Verity's own tools produce and read.

/// A treaty notification (e.g. New START's notifications of movement, conversion, elimination).
pub const NOTIFICATION: &str = "notification";
/// A periodic data exchange of aggregate figures (e.g. New START's biannual exchange).
pub const DATA_EXCHANGE: &str = "data-exchange";
/// An inspection finding or report.
pub const INSPECTION_REPORT: &str = "inspection-report";
/// A monitoring bulletin (e.g. a seismic event bulletin from a data centre).
pub const BULLETIN: &str = "bulletin";
/// A dispute of another party's declared figure.
pub const DISPUTE: &str = "dispute";
/// A signed compliance report by an inspectorate.
pub const FINDING_REPORT: &str = "finding-report";
