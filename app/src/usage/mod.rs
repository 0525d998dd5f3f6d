//! Key usage: what the verification API answered for each key, counted per minute, result,
//! origin and network, and how the console words and charts it.
//!
//! - [`result`]: the disjoint results a verification of a known key can have, and which count as
//!   a use;
//! - [`buckets`]: time buckets (minute, hour, day, UTC), what is kept how long, the chart ranges;
//! - [`placeholder`]: the labels counted when there is no real origin or network to name;
//! - [`source`] (server only): where a verification came from, normalised and capped, so that
//!   attacker-chosen text cannot grow memory;
//! - [`summary`]: a key's usage over a range, and the impact sentence the dialogs show;
//! - [`server_fns`]: what the page asks the server for.

pub mod buckets;
pub mod placeholder;
pub mod result;
pub mod server_fns;
#[cfg(feature = "ssr")]
pub mod source;
pub mod summary;

pub use buckets::{Range, Resolution};
pub use result::UsageResult;
pub use summary::{UsageBucket, UsageImpact, UsageReport};
