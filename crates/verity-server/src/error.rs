//! JSON error bodies: `{"error": {"code": "...", "message": "..."}}` with the matching status.
//!
//! Refusals of a declaration reuse [`verity_core::Refusal::code`] and
//! [`verity_core::Refusal::http_status`], so the HTTP API, the CLI's `--json` output and the
//! store agree on one vocabulary. Codes the server adds itself are listed on [`ApiError`].

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use verity_core::Refusal;

/// An error answered to an HTTP client.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable machine-readable code: a [`Refusal::code`], or one of `not-found`,
    /// `bad-request`, `malformed`, `too-large`, `overloaded`, `store-error`, `timeout`,
    /// `too-many-requests`, `internal`.
    pub code: String,
    pub message: String,
}

/// The wire shape of an error body.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", message)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad-request", message)
    }

    pub fn overloaded(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "overloaded", message)
    }

    /// A storage failure. Its detail goes to the server log; the client learns only that
    /// nothing can be promised about the request (it was not acknowledged).
    pub fn store(err: impl std::fmt::Display) -> Self {
        eprintln!("verity: store error: {err}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "store-error",
            format!("the log store failed: {err}"),
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.clone(),
                message: self.message.clone(),
            },
        }
    }
}

impl From<&Refusal> for ApiError {
    fn from(r: &Refusal) -> Self {
        ApiError {
            // Invariant: Refusal::http_status only returns valid status codes (400..=422).
            status: StatusCode::from_u16(r.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
            code: r.code().to_owned(),
            message: r.to_string(),
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> Self {
        ApiError::from(&r)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.body()).unwrap_or_default();
        let mut resp = (self.status, body).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        resp
    }
}
