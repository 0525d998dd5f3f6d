//! The errors a person sees: each says what went wrong in words, and none carries a secret or
//! a database message (the server logs causes; the browser gets only these).

use crate::api_keys::model::ApiKey;
use serde::{Deserialize, Serialize};
use server_fn::error::{FromServerFnError, ServerFnErrorErr};
use std::fmt;

/// The field an error or a change concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
    Permission,
    Enabled,
    ExpiresAt,
    /// How long the old key keeps working after a rotation.
    Grace,
    /// Where the key may be used from: its mode and its allowed origins or networks.
    Restrictions,
    /// A filter of a view (the Audit Log's actions and dates).
    Filter,
    /// A webhook endpoint's URL.
    Url,
    /// A webhook endpoint's description.
    Description,
    /// The events a webhook endpoint takes.
    Events,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Name => "Name",
            Field::Permission => "Permissions",
            Field::Enabled => "Enabled",
            Field::ExpiresAt => "Expiration Date",
            Field::Grace => "Keep the old key working for",
            Field::Restrictions => "Restrictions",
            Field::Filter => "Filter",
            Field::Url => "URL",
            Field::Description => "Description",
            Field::Events => "Events",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Bad input; nothing was changed.
    #[error("{message}")]
    Invalid { field: Field, message: String },
    #[error("This API key does not exist; it may have been deleted.")]
    NotFound,
    /// The key changed after the administrator opened it; `current` is how it is now.
    #[error(
        "Someone else changed this API key after you opened it. Its current values are shown; review them and save again."
    )]
    Conflict { current: Box<ApiKey> },
    /// The key's state does not allow this now (e.g. rotating a disabled key); the text says why.
    #[error("{0}")]
    Refused(String),
    /// Signed in, but without the right this needs; the text says which right.
    #[error("{0}")]
    Forbidden(String),
    /// Not signed in, or the session has ended.
    #[error("Your session has ended. Sign in again to continue.")]
    Unauthenticated,
    /// A failure on the server; the cause is in the server's log, never in this message.
    #[error("Something went wrong on the server and nothing was changed. Please try again.")]
    Internal,
    /// The request reached the server but its arguments could not be read (a client bug or a
    /// hand-made request); nothing was changed.
    #[error("The request was not understood: {0}")]
    Malformed(String),
    /// The request did not reach the server function or its answer could not be read.
    #[error("The server could not be reached: {0}")]
    Transport(String),
}

impl AppError {
    pub fn invalid(field: Field, message: impl ToString) -> Self {
        AppError::Invalid { field, message: message.to_string() }
    }

    /// The HTTP status a server function answers with when it fails this way.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Invalid { .. } | AppError::Malformed(_) => 400,
            AppError::Unauthenticated => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound => 404,
            AppError::Conflict { .. } | AppError::Refused(_) => 409,
            AppError::Internal => 500,
            AppError::Transport(_) => 502,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = crate::wire::JsonWireEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::Deserialization(m) | ServerFnErrorErr::MissingArg(m) => {
                AppError::Malformed(m)
            }
            other => AppError::Transport(other.to_string()),
        }
    }
}
