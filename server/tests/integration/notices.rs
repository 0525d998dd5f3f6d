//! The notices above the keys table: what each one counts, on both databases, and that each
//! count is the total of the view its link opens.

use crate::support;

use app::api_keys::Permission;
use app::api_keys::attention::{Attention, Notice};
use app::api_keys::store::KeyStore;
use chrono::{DateTime, Duration, TimeZone, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use server::entity::api_key;
use server::key_store::SeaKeyStore;
use uuid::Uuid;

on_both_databases!(each_notice_counts_the_keys_of_its_view);

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
}

/// A key expiring `expires_in` from now (`None`: never), last used `used_ago` before now.
async fn key(
    db: &DatabaseConnection,
    name: &str,
    enabled: bool,
    expires_in: Option<Duration>,
    used_ago: Option<Duration>,
    replaced: bool,
) -> Uuid {
    let created_at = now() - Duration::days(60);
    let expires_at = expires_in.map(|d| now() + d);
    let id = support::insert_key(db, name, "admin", Permission::Chat, enabled, expires_at, created_at).await;
    // A replaced key names its successor; itself will do for the notices.
    api_key::Entity::update_many()
        .col_expr(api_key::Column::LastUsedAt, Expr::value(used_ago.map(|d| now() - d)))
        .col_expr(api_key::Column::ReplacedBy, Expr::value(replaced.then_some(id)))
        .filter(api_key::Column::Id.eq(id))
        .exec(db)
        .await
        .unwrap();
    id
}

async fn each_notice_counts_the_keys_of_its_view(db: DatabaseConnection) {
    let store = SeaKeyStore::new(db.clone());
    assert_eq!(store.notices(now()).await.unwrap(), [], "nothing needs attention in an empty account");

    let day = Duration::days(1);
    let stops = key(&db, "Stops", true, Some(day * 3), Some(day), false).await;
    key(&db, "Stops, unused", true, Some(day * 3), Some(day * 8), false).await;
    key(&db, "Stops, disabled", false, Some(day * 3), Some(day), false).await;
    key(&db, "Stops later", true, Some(day * 8), Some(day), false).await;
    key(&db, "Retiring", true, Some(day * 3), Some(day), true).await;
    key(&db, "Retiring, unused", true, Some(day * 3), Some(day * 9), true).await;
    key(&db, "Expired", true, Some(-day * 2), Some(day * 3), false).await;
    key(&db, "Expired, disabled", false, Some(-day * 6), None, false).await;
    key(&db, "Expired long ago", true, Some(-day * 30), None, false).await;
    key(&db, "Never expires", true, None, Some(day), false).await;

    let notices = store.notices(now()).await.unwrap();
    let notice = |attention, count| Notice { attention, count };
    assert_eq!(
        notices,
        [notice(Attention::StopsSoon, 1), notice(Attention::ReplacedInUse, 1), notice(Attention::RecentlyExpired, 2)]
    );
    for notice in &notices {
        let view = store.list(&notice.attention.query(), now()).await.unwrap();
        assert_eq!(view.total, notice.count, "the view of {:?}", notice.attention);
    }
    let view = store.list(&Attention::StopsSoon.query(), now()).await.unwrap();
    assert_eq!(view.keys.iter().map(|k| k.id).collect::<Vec<_>>(), [stops]);

    // Extended past the window, the key needs no attention any more.
    api_key::Entity::update_many()
        .col_expr(api_key::Column::ExpiresAt, Expr::value(Some(now() + day * 30)))
        .filter(api_key::Column::Id.eq(stops))
        .exec(&db)
        .await
        .unwrap();
    let notices = store.notices(now()).await.unwrap();
    assert_eq!(
        notices.iter().map(|n| n.attention).collect::<Vec<_>>(),
        [Attention::ReplacedInUse, Attention::RecentlyExpired]
    );
}
