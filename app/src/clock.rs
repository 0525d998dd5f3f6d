//! The one clock. Rules never read it: they take `now` as a parameter, so tests set the time.
//! Only the edges (server functions, the CLI) call [`now`].

use chrono::{DateTime, SubsecRound, Utc};

/// The current instant, to the millisecond: both databases store that exactly, so a value read
/// back equals the value written.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(3)
}
