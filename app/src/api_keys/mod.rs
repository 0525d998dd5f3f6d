//! API keys: the domain of the guide's "Manage API keys" page. Each rule has one module.

pub mod attention;
pub mod bulk;
pub mod copy_name;
pub mod expiry;
pub mod held_key;
pub mod input;
pub mod key_list;
pub mod key_page;
pub mod lifecycle_filter;
pub mod model;
pub mod name;
pub mod permission;
pub mod query;
pub mod refusal;
pub mod restrictions;
pub mod rotation;
pub mod search;
pub mod secret;
pub mod server_fns;
pub mod status;
#[cfg(feature = "ssr")]
pub mod store;
pub mod usage_filter;
#[cfg(feature = "ssr")]
pub mod verification;

pub use input::{KeyChanges, NewKey};
pub use key_page::KeyPage;
pub use model::{ApiKey, CreatedKey, KeyRead};
pub use permission::Permission;
pub use query::{KeyQuery, SortColumn, SortDirection};
pub use status::{Status, StatusFilter};
pub use usage_filter::UsageFilter;
