//! Webhooks' server half. So far: how endpoints' signing secrets are kept at rest
//! ([`sealing`]) and how a delivery is signed ([`signing`]). The rules (events, addresses,
//! retries, warnings) are in `app::webhooks`.

pub mod sealing;
pub mod signing;
