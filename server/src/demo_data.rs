//! The guide's ten sample keys, for a first look at a new database (`server demo-data`).

use crate::key_store::{SeaKeyStore, internal};
use app::api_keys::secret::generate_secret;
use app::api_keys::{NewKey, Permission};
use app::error::AppError;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{EntityTrait, PaginatorTrait};

/// Name, permission, age in years (of 365 days), creator: the rows of the guide's screenshot.
const SAMPLES: [(&str, Permission, i64, &str); 10] = [
    ("1", Permission::Chat, 1, "nexus"),
    ("123", Permission::Chat, 1, "nexus"),
    ("Designer 35-05", Permission::Chat, 4, "admin.team@example.com"),
    ("Default 35-05", Permission::Chat, 4, "admin.team@example.com"),
    ("Securemail", Permission::SecureMail, 3, "nexus_qa@example.com"),
    ("db1ee708-e922-4443-a80b-48c47b0a0af6", Permission::Chat, 3, "testBackUp"),
    ("a209f9ec-5806-45b6-84ad-ccb7426a1630", Permission::Chat, 1, "nexus"),
    ("902388c1-0511-42c8-bd0b-aba561ca3617", Permission::Chat, 1, "nexus"),
    ("Securemail", Permission::SecureMail, 1, "nexus"),
    ("b87f50ce-96d4-4de8-b7df-8f24a7a8efba", Permission::Chat, 2, "test"),
];

impl SeaKeyStore {
    /// Loads the samples, all enabled and never expiring, if the database has no keys at all;
    /// returns how many were added (0 when keys already exist). Their secrets are thrown away:
    /// nobody can use a sample key.
    pub async fn load_demo_data(&self, now: DateTime<Utc>) -> Result<usize, AppError> {
        let txn = self.begin_write().await?;
        if crate::entity::api_key::Entity::find().count(&txn).await.map_err(internal)? > 0 {
            return Ok(0);
        }
        for (name, permission, years, created_by) in SAMPLES {
            let new = NewKey { name: name.to_owned(), permission, ..NewKey::blank() };
            let secret = generate_secret(permission);
            let created_at = now - Duration::days(365 * years);
            Self::insert(&txn, &new, secret.display_prefix(), secret.hash().to_vec(), created_by, created_at).await?;
        }
        txn.commit().await.map_err(internal)?;
        Ok(SAMPLES.len())
    }
}
