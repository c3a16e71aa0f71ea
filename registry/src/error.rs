//! The registry's errors. On the server each maps to an HTTP status with a
//! JSON message; bad input is always a 4xx, never a 5xx.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request is malformed (400).
    #[error("{0}")]
    BadRequest(String),
    /// No token, or one that is unknown or revoked (401).
    #[error("{0}")]
    Unauthorized(String),
    /// The caller sees the template but may not change it (403).
    #[error("{0}")]
    Forbidden(String),
    /// Absent, or invisible to the caller: the two are never told apart (404).
    #[error("{0}")]
    NotFound(String),
    /// The version exists already (409).
    #[error("{0}")]
    Conflict(String),
    /// The archive is over the size limit (413).
    #[error("{0}")]
    TooLarge(String),
    /// The template in the archive does not load (422).
    #[error("{0}")]
    Invalid(String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("archive storage: {0}")]
    Storage(String),
    #[error("{0}")]
    Client(String),
}

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest(_) | Error::Client(_) => StatusCode::BAD_REQUEST,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Database(_) | Error::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The answer for a template the caller may not see, or that does not exist.
    pub fn template_not_found(group: &str, name: &str) -> Error {
        Error::NotFound(format!("template {group}/{name} not found"))
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            // The detail of a server failure stays in the server's log.
            eprintln!("registry: {self}");
        }
        let message = if status.is_server_error() {
            "internal error; see the registry's log".to_string()
        } else {
            self.to_string()
        };
        (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
    }
}
