//! The labels usage counts under when there is no real origin or network to name: shared by the
//! server's counters and the pages that word them.

/// No origin (or address) was given.
pub const NONE: &str = "(none)";
/// Something was given that is not an origin (or address).
pub const INVALID: &str = "(invalid)";
/// Past the cap of distinct values per key and day.
pub const OTHER: &str = "(other)";
