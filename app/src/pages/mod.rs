//! The pages of the console, one module each.

pub mod api_keys;
pub mod login;
