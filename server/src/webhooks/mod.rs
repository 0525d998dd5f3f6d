//! Webhooks' server half: the endpoints (`endpoints`, the Notifications page's store), the
//! outbox written beside each key change (`outbox`), the worker that signs and delivers
//! (`delivery`, through `client`), and the scan that warns of keys' ends (`expiry_scan`).
//! Secrets are sealed at rest (`sealing`); deliveries are signed as Standard Webhooks specifies
//! (`signing`). The rules (events, addresses, retries, warnings) are in `app::webhooks`.

pub mod client;
pub mod delivery;
pub mod endpoints;
pub mod expiry_scan;
pub mod outbox;
pub mod payload;
pub mod sealing;
pub mod signing;
