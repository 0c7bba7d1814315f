//! The one error type of the store. Variants separate what the caller did wrong (not found,
//! forbidden, conflict, invalid, throttled: shown to the user) from what went wrong inside
//! (`Database`: logged once at the boundary, shown as a generic failure).

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// The record changed since the caller read it; `current_version` is what it is now.
    #[error("the record was changed by someone else (now at version {current_version})")]
    Conflict { current_version: i64 },
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// Unknown user, wrong password or disabled account: one answer for all three.
    #[error("unknown user or wrong password")]
    WrongCredentials,
    /// Too many failed logins; try again after this many seconds.
    #[error("too many failed attempts; try again in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    /// The operation is not available on this database backend (PostgreSQL is partial);
    /// `what` names the operation and `advice` says what to do instead.
    #[error("{what} is not available on PostgreSQL: {advice}")]
    Unsupported {
        what: &'static str,
        advice: &'static str,
    },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    pub(crate) fn invalid(field: &str, message: impl Into<String>) -> StoreError {
        StoreError::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// An operation not yet ported to the PostgreSQL backend.
    pub(crate) fn not_ported(what: &'static str) -> StoreError {
        StoreError::Unsupported {
            what,
            advice: "not ported to the PostgreSQL backend yet; use a SQLite database for it",
        }
    }

    /// A value read from the database that does not parse: the file was edited by hand or a
    /// migration is missing.
    pub(crate) fn corrupt(what: impl Into<String>) -> StoreError {
        StoreError::Database(sqlx::Error::Decode(what.into().into()))
    }
}

impl From<kuzet_register::InvalidValue> for StoreError {
    fn from(error: kuzet_register::InvalidValue) -> StoreError {
        StoreError::Invalid {
            field: error.field.to_owned(),
            message: error.reason,
        }
    }
}
