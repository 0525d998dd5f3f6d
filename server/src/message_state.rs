//! The states of an outbox message, webhook or mail: written beside the change that causes it,
//! `pending` until delivered or given up.

/// Waiting for its next try (or for its first).
pub const PENDING: &str = "pending";
/// Delivered (a 2xx answer; an SMTP server accepted it).
pub const DELIVERED: &str = "delivered";
/// Given up after its last try (a person may retry it).
pub const FAILED: &str = "failed";
