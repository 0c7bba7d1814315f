//! The web layer's errors and their one mapping to HTTP statuses.
//!
//! A handler returns `WebError`; its response carries the error kind as an extension and an
//! empty body, and the `error_pages` middleware renders it as a page in the visitor's language
//! (or as the JSON error envelope `{"errors":[{"detail":"…"}]}` under `/api/`). Internal
//! details are logged once here and never shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, Clone, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    /// Not signed in where a sign-in is needed.
    #[error("sign-in required")]
    NeedLogin,
    #[error("forbidden")]
    Forbidden,
    #[error("CSRF check failed")]
    Csrf,
    #[error("request too large")]
    TooLarge,
    #[error("bad request: {0}")]
    BadRequest(String),
    /// An edit based on an old version; the page shows it with the input kept.
    #[error("version conflict: current version is {current_version}")]
    Conflict { current_version: i64 },
    #[error("throttled for {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    #[error("internal error: {0}")]
    Internal(String),
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::NeedLogin => StatusCode::UNAUTHORIZED,
            WebError::Forbidden | WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Conflict { .. } => StatusCode::CONFLICT,
            WebError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The catalogue key of the message shown to the visitor.
    pub fn message_key(&self) -> &'static str {
        match self {
            WebError::NotFound => "error_not_found",
            WebError::NeedLogin | WebError::Forbidden => "error_forbidden",
            WebError::Csrf => "error_csrf",
            WebError::TooLarge => "error_too_large",
            WebError::BadRequest(_) => "error_bad_request",
            WebError::Conflict { .. } => "error_conflict",
            WebError::Throttled { .. } => "login_throttled",
            WebError::Internal(_) => "error_internal",
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::Internal(detail) = &self {
            // The one place an unexpected failure is logged; details never reach the visitor.
            // They never contain personal data: they are template, database or IO errors.
            tracing::error!(error.detail = %detail, "request failed");
        }
        let mut response = self.status().into_response();
        response.extensions_mut().insert(self);
        response
    }
}

impl From<kuzet_store::StoreError> for WebError {
    fn from(error: kuzet_store::StoreError) -> WebError {
        use kuzet_store::StoreError;
        match error {
            StoreError::NotFound => WebError::NotFound,
            StoreError::Forbidden => WebError::Forbidden,
            StoreError::Conflict { current_version } => WebError::Conflict { current_version },
            StoreError::Invalid { field, message } => WebError::BadRequest(format!("{field}: {message}")),
            StoreError::Throttled { retry_after_secs } => WebError::Throttled { retry_after_secs },
            StoreError::WrongCredentials => WebError::NeedLogin,
            other => WebError::Internal(other.to_string()),
        }
    }
}
