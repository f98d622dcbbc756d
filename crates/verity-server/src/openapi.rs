//! The OpenAPI 3.1 document served at `/openapi.json` (hand-written: `openapi.json` beside
//! this file), and the list of routes it must describe.

/// The document, verbatim.
pub const OPENAPI_JSON: &str = include_str!("openapi.json");

/// Every route the node serves: (method, OpenAPI path template). A test checks that each one
/// is in the document and answered by the router.
pub const ROUTES: &[(&str, &str)] = &[
    ("post", "/api/v1/declarations"),
    ("post", "/api/v1/declarations/batch"),
    ("get", "/api/v1/entries/{index}"),
    ("get", "/api/v1/parties"),
    ("get", "/api/v1/parties/{party}/declarations/{seq}"),
    ("get", "/api/v1/proofs/inclusion"),
    ("get", "/api/v1/proofs/consistency"),
    ("get", "/api/v1/checkpoint"),
    ("get", "/api/v1/checkpoints/{size}"),
    ("get", "/api/v1/treaties"),
    ("post", "/api/v1/treaties/{id}/check"),
    ("get", "/api/v1/findings"),
    ("post", "/api/v1/safeguards/balance"),
    ("post", "/api/v1/seismic/locate"),
    ("post", "/api/v1/space/propagate"),
    ("post", "/api/v1/space/screen"),
    ("get", "/healthz"),
    ("get", "/openapi.json"),
    ("get", "/log/checkpoint"),
    ("get", "/log/key"),
    ("get", "/log/tile/{level}/{index}"),
    ("get", "/log/tile/entries/{index}"),
];
