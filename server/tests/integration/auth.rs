//! Sign-in, sessions and the five rights, in-process (`Router::oneshot`) on real databases:
//! the rights matrix over every server function, session expiry and sign-out, the brute-force
//! slow-down, cross-site request refusal, and no open redirect after sign-in.

use crate::support;

use app::api_keys::server_fns::{
    CreateKey, DeleteKey, GetKey, ListKeys, LoadChangedKey, LoadKeyList, LoadKeyNotices, LoadUsageSince, ProposeCopy,
    SetKeyEnabled, UpdateKey,
};
use app::api_keys::store::KeyStore;
use app::api_keys::{KeyQuery, NewKey};
use app::audit::AuditAction;
use app::auth::{Right, Rights};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use chrono::{Duration, Utc};
use leptos::server_fn::ServerFn;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};
use serde_json::{Value, json};
use server::auth::passwords::hash_password;
use server::auth::throttle::FREE_FAILURES;
use server::auth::users;
use server::entity::session;
use server::key_store::SeaKeyStore;
use tower::ServiceExt;

on_both_databases!(
    each_missing_right_refuses_its_server_functions_and_changes_nothing,
    sessions_end_by_idle_time_absolute_time_and_sign_out,
    background_reads_need_a_session_but_do_not_extend_it,
    someone_always_keeps_all_five_rights,
);

const PASSWORD: &str = "a long test password";

async fn send(app: &axum::Router, request: Request<Body>) -> Response {
    app.clone().oneshot(request).await.unwrap()
}

fn server_fn(path: &str, cookie: Option<&str>, body: Value) -> Request<Body> {
    let mut request = Request::post(path).header(header::CONTENT_TYPE, "application/json");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::from(body.to_string())).unwrap()
}

fn page(cookie: Option<&str>) -> Request<Body> {
    let mut request = Request::get("/provisioning/api-keys?q=chat");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::empty()).unwrap()
}

fn sign_in_form(username: &str, password: &str, next: &str) -> Request<Body> {
    let form = format!("username={}&password={}&next={}", urlencode(username), urlencode(password), urlencode(next));
    Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap()
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

fn location(response: &Response) -> &str {
    response.headers().get(header::LOCATION).map_or("", |v| v.to_str().unwrap())
}

/// The `name=value` part of the session cookie a response sets.
fn session_cookie(response: &Response) -> Option<String> {
    let set_cookie = response.headers().get(header::SET_COOKIE)?.to_str().ok()?;
    let pair = set_cookie.split(';').next()?.to_owned();
    (!pair.ends_with('=')).then_some(pair)
}

/// Everything a change could touch, to compare before and after a refused call.
async fn snapshot(db: &DatabaseConnection) -> String {
    let keys = server::entity::api_key::Entity::find().all(db).await.unwrap();
    format!("{keys:?}")
}

async fn each_missing_right_refuses_its_server_functions_and_changes_nothing(db: DatabaseConnection) {
    let (app, _) = support::router_on(&db).await;
    let store = SeaKeyStore::new(db.clone());
    let key = store
        .create(NewKey { name: "Widget".into(), ..NewKey::blank() }, &support::by("admin"), Utc::now())
        .await
        .unwrap()
        .key;
    let changes = json!({ "name": "Renamed", "enabled": false, "expires_at": null, "permission": null, "expected_version": key.version });
    let calls: [(&str, Value, &[Right]); 8] = [
        (ListKeys::PATH, json!({ "query": KeyQuery::default() }), &[Right::CanView, Right::CanRead]),
        (LoadKeyNotices::PATH, json!({}), &[Right::CanView, Right::CanRead]),
        (GetKey::PATH, json!({ "id": key.id }), &[Right::CanView, Right::CanRead]),
        // Answers that carry a key's details need canView and canRead besides their own right.
        (ProposeCopy::PATH, json!({ "id": key.id }), &[Right::CanCreate, Right::CanView, Right::CanRead]),
        (CreateKey::PATH, json!({ "new": NewKey { name: "New".into(), ..NewKey::blank() } }), &[Right::CanCreate]),
        (
            UpdateKey::PATH,
            json!({ "id": key.id, "changes": changes }),
            &[Right::CanUpdate, Right::CanView, Right::CanRead],
        ),
        (
            SetKeyEnabled::PATH,
            json!({ "id": key.id, "enabled": false }),
            &[Right::CanUpdate, Right::CanView, Right::CanRead],
        ),
        (DeleteKey::PATH, json!({ "id": key.id }), &[Right::CanDelete]),
    ];
    let before = snapshot(&db).await;
    for missing in Right::ALL {
        let name = format!("without-{}", missing.as_str());
        let cookie = support::signed_in(&db, &name, Rights::all().without(missing)).await;
        for (path, body, needs) in &calls {
            if !needs.contains(&missing) {
                continue;
            }
            let response = send(&app, server_fn(path, Some(&cookie), body.clone())).await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path} without {missing}");
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains("Widget"),
                "{path} without {missing} tells nothing of the key"
            );
            let error: app::error::AppError = serde_json::from_slice(&bytes).unwrap();
            assert!(error.to_string().contains(missing.as_str()), "{path}: {error} names the missing right");
            assert_eq!(snapshot(&db).await, before, "{path} without {missing} changed nothing");
        }
    }
    // Not signed in: every server function answers 401, and the page sends the browser to sign in.
    for (path, body, _) in &calls {
        assert_eq!(send(&app, server_fn(path, None, body.clone())).await.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    assert_eq!(snapshot(&db).await, before);
    // An editor without canView and canRead learns nothing from a conflicting save either.
    let editor = support::signed_in(&db, "editor", Rights::none().with(Right::CanUpdate)).await;
    let stale = json!({ "id": key.id, "changes": { "name": "X", "enabled": true, "expires_at": null, "permission": null, "expected_version": key.version - 1 } });
    let conflict = send(&app, server_fn(UpdateKey::PATH, Some(&editor), stale)).await;
    assert_eq!(conflict.status(), StatusCode::FORBIDDEN);
    let bytes = axum::body::to_bytes(conflict.into_body(), usize::MAX).await.unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains("Widget"));
    let response = send(&app, page(None)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/login?next=/provisioning/api-keys%3Fq%3Dchat");

    // With all five rights, the same calls go through (the matrix is not refusing everything).
    let cookie = support::signed_in(&db, "everything", Rights::all()).await;
    for (path, body, _) in &calls {
        let status = send(&app, server_fn(path, Some(&cookie), body.clone())).await.status();
        assert!(status.is_success(), "{path}: {status}");
    }
    let created_by = store.list(&KeyQuery::default(), Utc::now()).await.unwrap().keys[0].created_by.clone();
    assert_eq!(created_by, "everything", "Created By is the signed-in user");
}

async fn sessions_end_by_idle_time_absolute_time_and_sign_out(db: DatabaseConnection) {
    let (app, _) = support::router_on(&db).await;
    let hash = hash_password(PASSWORD.into()).await;
    users::add_user(&db, "ann", Rights::all(), hash, None, &support::by("ops"), Utc::now()).await.unwrap();

    let signed_in = send(&app, sign_in_form("ann", PASSWORD, "/provisioning/api-keys?status=available")).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&signed_in), "/provisioning/api-keys?status=available", "back to the deep link");
    let set_cookie = signed_in.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap().to_owned();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(!set_cookie.contains("Secure"), "plain HTTP from an untrusted peer: no Secure flag");
    let cookie = session_cookie(&signed_in).unwrap();
    assert_eq!(send(&app, page(Some(&cookie))).await.status(), StatusCode::OK);

    // The database holds only a hash of the session id.
    let value = cookie.split_once('=').unwrap().1;
    let rows = session::Entity::find().all(&db).await.unwrap();
    assert!(rows.iter().all(|row| !String::from_utf8_lossy(&row.id_hash).contains(value)));

    // Signing in again gives a new id and ends the old session.
    let mut again = sign_in_form("ann", PASSWORD, "/");
    again.headers_mut().insert(header::COOKIE, cookie.parse().unwrap());
    let second = session_cookie(&send(&app, again).await).unwrap();
    assert_ne!(second, cookie);
    assert_eq!(send(&app, page(Some(&cookie))).await.status(), StatusCode::SEE_OTHER, "the old session ended");

    // Idle for longer than the idle limit: the session is over.
    let age = |column: &str, by: Duration| {
        let at = Utc::now() - by;
        let backend = db.get_database_backend();
        sea_orm::Statement::from_sql_and_values(
            backend,
            match backend {
                sea_orm::DatabaseBackend::Postgres => format!("UPDATE sessions SET {column} = $1"),
                _ => format!("UPDATE sessions SET {column} = ?"),
            },
            [at.into()],
        )
    };
    db.execute_raw(age("last_seen_at", Duration::minutes(31))).await.unwrap();
    assert_eq!(send(&app, page(Some(&second))).await.status(), StatusCode::SEE_OTHER, "idle too long");

    // Past its absolute end, however active.
    let third = session_cookie(&send(&app, sign_in_form("ann", PASSWORD, "/")).await).unwrap();
    db.execute_raw(age("expires_at", Duration::seconds(1))).await.unwrap();
    assert_eq!(send(&app, page(Some(&third))).await.status(), StatusCode::SEE_OTHER, "past its absolute end");

    // Sign-out ends the session on the server: a copy of the cookie is useless afterwards.
    let fourth = session_cookie(&send(&app, sign_in_form("ann", PASSWORD, "/")).await).unwrap();
    let stolen = fourth.clone();
    let sign_out = Request::post("/logout").header(header::COOKIE, &fourth).body(Body::empty()).unwrap();
    let signed_out = send(&app, sign_out).await;
    assert_eq!((signed_out.status(), location(&signed_out)), (StatusCode::SEE_OTHER, "/login"));
    assert!(signed_out.headers().get(header::SET_COOKIE).unwrap().to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(send(&app, page(Some(&stolen))).await.status(), StatusCode::SEE_OTHER);
    let call = server_fn(ListKeys::PATH, Some(&stolen), json!({ "query": KeyQuery::default() }));
    assert_eq!(send(&app, call).await.status(), StatusCode::UNAUTHORIZED);
}

/// The browser table's loads (after hydration, every 30 s, after each change elsewhere) must
/// not keep a page left open signed in forever.
async fn background_reads_need_a_session_but_do_not_extend_it(db: DatabaseConnection) {
    let (app, _) = support::router_on(&db).await;
    let hash = hash_password(PASSWORD.into()).await;
    users::add_user(&db, "ann", Rights::all(), hash, None, &support::by("ops"), Utc::now()).await.unwrap();
    let key = SeaKeyStore::new(db.clone())
        .create(NewKey { name: "Watched".into(), ..NewKey::blank() }, &support::by("ann"), Utc::now())
        .await
        .unwrap()
        .key;
    let cookie = session_cookie(&send(&app, sign_in_form("ann", PASSWORD, "/")).await).unwrap();
    let last_seen = || async { session::Entity::find().one(&db).await.unwrap().unwrap().last_seen_at };
    let idle_for = |minutes: i64| {
        let backend = db.get_database_backend();
        let sql = match backend {
            sea_orm::DatabaseBackend::Postgres => "UPDATE sessions SET last_seen_at = $1",
            _ => "UPDATE sessions SET last_seen_at = ?",
        };
        sea_orm::Statement::from_sql_and_values(backend, sql, [(Utc::now() - Duration::minutes(minutes)).into()])
    };
    db.execute_raw(idle_for(5)).await.unwrap();
    let before = last_seen().await;

    let list = send(&app, server_fn(LoadKeyList::PATH, Some(&cookie), json!({}))).await;
    assert_eq!(list.status(), StatusCode::OK);
    let changed = send(&app, server_fn(LoadChangedKey::PATH, Some(&cookie), json!({ "id": key.id }))).await;
    assert_eq!(changed.status(), StatusCode::OK);
    let usage = send(&app, server_fn(LoadUsageSince::PATH, Some(&cookie), json!({ "since_ms": 0 }))).await;
    assert_eq!(usage.status(), StatusCode::OK);
    let notices = send(&app, server_fn(LoadKeyNotices::PATH, Some(&cookie), json!({}))).await;
    assert_eq!(notices.status(), StatusCode::OK);
    assert_eq!(last_seen().await, before, "background reads leave the idle clock alone");

    let list = send(&app, server_fn(ListKeys::PATH, Some(&cookie), json!({ "query": KeyQuery::default() }))).await;
    assert_eq!(list.status(), StatusCode::OK);
    assert!(last_seen().await > before, "what the user does keeps the session alive");

    // An idle session is over for background reads too.
    db.execute_raw(idle_for(31)).await.unwrap();
    let late = send(&app, server_fn(LoadKeyList::PATH, Some(&cookie), json!({}))).await;
    assert_eq!(late.status(), StatusCode::UNAUTHORIZED);
    let anonymous = send(&app, server_fn(LoadChangedKey::PATH, None, json!({ "id": key.id }))).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn repeated_failures_slow_sign_in_down_without_saying_who_exists() {
    let db = support::sqlite().await;
    let (app, _) = support::router_on(&db).await;
    let hash = hash_password(PASSWORD.into()).await;
    users::add_user(&db, "ann", Rights::all(), hash, None, &support::by("ops"), Utc::now()).await.unwrap();

    let unknown = send(&app, sign_in_form("nobody", PASSWORD, "/")).await;
    let wrong = send(&app, sign_in_form("ann", "wrong password", "/")).await;
    assert_eq!(location(&unknown), location(&wrong), "an unknown user and a wrong password read the same");
    assert!(location(&wrong).contains("failed=1"));
    for _ in 1..FREE_FAILURES {
        assert!(session_cookie(&send(&app, sign_in_form("ann", "wrong password", "/")).await).is_none());
    }
    // Now even the right password is held back for a while, and no session is made.
    let held = send(&app, sign_in_form("ann", PASSWORD, "/")).await;
    assert!(location(&held).contains("wait="), "{}", location(&held));
    assert!(session_cookie(&held).is_none());
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let after_the_wait = send(&app, sign_in_form("ann", PASSWORD, "/")).await;
    assert!(session_cookie(&after_the_wait).is_some(), "{}", location(&after_the_wait));

    // Every attempt that reached the password check is in the audit trail, with its address.
    let trail = server::audit::since(&db, Utc::now() - Duration::hours(1)).await.unwrap();
    let count = |action| trail.iter().filter(|e| e.action == action).count();
    assert_eq!(count(AuditAction::SignInFailed), FREE_FAILURES as usize);
    assert_eq!(count(AuditAction::SignedIn), 1);
    assert!(trail.iter().all(|e| e.address.is_some()));
    assert!(trail.iter().all(|e| !format!("{e:?}").contains(PASSWORD) && !format!("{e:?}").contains("wrong password")));
}

#[tokio::test]
async fn cross_site_posts_and_open_redirects_are_refused() {
    let db = support::sqlite().await;
    let (app, _) = support::router_on(&db).await;
    let cookie = support::signed_in(&db, "ann", Rights::all()).await;
    let before = snapshot(&db).await;
    let mut forged =
        server_fn(CreateKey::PATH, Some(&cookie), json!({ "new": NewKey { name: "csrf".into(), ..NewKey::blank() } }));
    forged.headers_mut().insert(header::ORIGIN, "https://evil.example".parse().unwrap());
    assert_eq!(send(&app, forged).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(snapshot(&db).await, before, "nothing was created");
    let mut same_site =
        server_fn(CreateKey::PATH, Some(&cookie), json!({ "new": NewKey { name: "mine".into(), ..NewKey::blank() } }));
    same_site.headers_mut().insert(header::ORIGIN, support::ORIGIN.parse().unwrap());
    assert_eq!(send(&app, same_site).await.status(), StatusCode::OK);

    let hash = hash_password(PASSWORD.into()).await;
    users::add_user(&db, "bob", Rights::all(), hash, None, &support::by("ops"), Utc::now()).await.unwrap();
    for hostile in ["//evil.example/x", "https://evil.example/", "/\\evil.example"] {
        let response = send(&app, sign_in_form("bob", PASSWORD, hostile)).await;
        assert_eq!(location(&response), app::API_KEYS_PATH, "{hostile}");
    }
}

async fn someone_always_keeps_all_five_rights(db: DatabaseConnection) {
    let ops = support::by("ops");
    let hash = || "$argon2id$v=19$m=19456,t=2,p=1$unknown".to_owned();
    users::add_user(&db, "root", Rights::all(), hash(), None, &ops, Utc::now()).await.unwrap();
    let viewer = users::parse_rights("canView,Nexus.ApiKeys.canRead").unwrap();
    users::add_user(&db, "vera", viewer, hash(), None, &ops, Utc::now()).await.unwrap();
    assert!(matches!(
        users::add_user(&db, "vera", viewer, hash(), None, &ops, Utc::now()).await,
        Err(users::UserError::Exists(_))
    ));
    assert!(matches!(
        users::add_user(&db, "bad name", viewer, hash(), None, &ops, Utc::now()).await,
        Err(users::UserError::BadName)
    ));
    assert!(matches!(users::parse_rights("canView,canFly"), Err(users::UserError::BadRights(_))));

    // The only holder of all five rights can neither lose one nor be removed.
    let fewer = Rights::all().without(Right::CanDelete);
    assert!(matches!(
        users::set_rights(&db, "root", fewer, &ops, Utc::now()).await,
        Err(users::UserError::LastAdministrator(_))
    ));
    assert!(matches!(
        users::remove_user(&db, "root", &ops, Utc::now()).await,
        Err(users::UserError::LastAdministrator(_))
    ));
    // Once someone else holds them too, they can.
    users::set_rights(&db, "vera", Rights::all(), &ops, Utc::now()).await.unwrap();
    users::set_rights(&db, "root", fewer, &ops, Utc::now()).await.unwrap();
    // set-rights replaces: root now has exactly the four.
    let listed = users::list_users(&db).await.unwrap();
    let root = listed.iter().find(|u| u.name == "root").unwrap();
    assert_eq!(root.rights, fewer);
    users::remove_user(&db, "root", &ops, Utc::now()).await.unwrap();
    assert!(matches!(
        users::remove_user(&db, "vera", &ops, Utc::now()).await,
        Err(users::UserError::LastAdministrator(_))
    ));
    assert!(matches!(users::remove_user(&db, "nobody", &ops, Utc::now()).await, Err(users::UserError::NotFound(_))));

    let trail = server::audit::since(&db, Utc::now() - Duration::hours(1)).await.unwrap();
    let actions: Vec<AuditAction> = trail.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            AuditAction::UserAdded,
            AuditAction::UserAdded,
            AuditAction::UserRightsSet,
            AuditAction::UserRightsSet,
            AuditAction::UserRemoved
        ],
        "refused changes record nothing"
    );
}
