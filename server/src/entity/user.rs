//! The `users` table: who may sign in to the console, and with which rights.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub name: String,
    /// Argon2id, as a PHC string.
    pub password_hash: String,
    /// `app::auth::Rights::to_list()`.
    pub rights: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Where mail about keys' ends goes, if anywhere.
    pub email: Option<String>,
    /// Mail about every key that is about to expire, not only the user's own.
    pub expiry_mail: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
