//! Webhooks' server half. So far: how endpoints' signing secrets are kept at rest
//! ([`sealing`]). The rules (events, addresses, retries, warnings) are in `app::webhooks`.

pub mod sealing;
