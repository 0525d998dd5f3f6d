//! The key store against real databases: every test runs on in-memory SQLite and on PostgreSQL.

use crate::support;

use app::api_keys::query::PAGE_SIZE;
use app::api_keys::secret::{hash_secret, parse_secret};
use app::api_keys::store::KeyStore;
use app::api_keys::{KeyChanges, KeyQuery, NewKey, Permission, SortColumn, SortDirection, Status, StatusFilter};
use app::error::{AppError, Field};
use app::relative_time::relative_time;
use chrono::{DateTime, Duration, TimeZone, Utc};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use server::entity::api_key;
use server::key_store::SeaKeyStore;
use support::insert_key;

on_both_databases!(
    create_shows_the_secret_once_and_stores_only_its_hash,
    bad_input_is_refused_and_changes_nothing,
    updates_apply_the_rules_and_detect_conflicts,
    an_expired_key_can_be_extended_and_a_live_one_expired_now,
    toggling_and_deleting,
    search_is_case_insensitive_and_literal,
    status_and_permission_filters,
    sorting_and_paging,
    copies_are_numbered_from_the_largest_in_use,
    concurrent_copies_get_distinct_names,
    demo_data_loads_once,
    the_audit_trail_records_every_change_and_outlives_the_key,
);

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap()
}

fn new_key(name: &str) -> NewKey {
    NewKey { name: name.to_owned(), ..NewKey::blank() }
}

fn view(search: &str) -> KeyQuery {
    KeyQuery { search: search.to_owned(), ..KeyQuery::default() }
}

async fn names(store: &SeaKeyStore, query: &KeyQuery) -> Vec<String> {
    store.list(query, now()).await.unwrap().keys.into_iter().map(|k| k.name).collect()
}

async fn key_count(db: &DatabaseConnection) -> u64 {
    api_key::Entity::find().count(db).await.unwrap()
}

async fn create_shows_the_secret_once_and_stores_only_its_hash(db: DatabaseConnection) {
    let store = SeaKeyStore::new(db.clone());
    let mut new = new_key("  Chat widget ");
    new.permission = Permission::SecureMail;
    let created = store.create(new, &support::by("nexus"), now()).await.unwrap();
    let secret = created.secret.expose();
    assert_eq!(parse_secret(secret), Ok(Permission::SecureMail));
    assert_eq!(created.key.name, "Chat widget", "names are trimmed");
    assert_eq!(created.key.created_by, "nexus");
    assert_eq!((created.key.created_at, created.key.version), (now(), 1));
    assert!(secret.starts_with(&created.key.display_prefix));

    let row = api_key::Entity::find_by_id(created.key.id).one(&db).await.unwrap().unwrap();
    assert_eq!(row.secret_hash, hash_secret(secret).to_vec());
    let stored = format!("{row:?}");
    assert!(!stored.contains(secret), "the secret itself is nowhere in the row");

    assert_eq!(store.get(created.key.id).await.unwrap(), created.key);
    let other = store.create(new_key("Chat widget"), &support::by("nexus"), now()).await.unwrap();
    assert_ne!(other.secret, created.secret, "each key gets its own secret; names may repeat");
}

async fn bad_input_is_refused_and_changes_nothing(db: DatabaseConnection) {
    let store = SeaKeyStore::new(db.clone());
    let blank = store.create(new_key("   "), &support::by("nexus"), now()).await;
    assert!(matches!(blank, Err(AppError::Invalid { field: Field::Name, .. })));
    let mut past = new_key("past");
    past.expires_at = Some(now() - Duration::seconds(1));
    assert!(matches!(
        store.create(past, &support::by("nexus"), now()).await,
        Err(AppError::Invalid { field: Field::ExpiresAt, .. })
    ));
    let mut long = new_key(&"x".repeat(101));
    long.permission = Permission::Chat;
    assert!(matches!(
        store.create(long, &support::by("nexus"), now()).await,
        Err(AppError::Invalid { field: Field::Name, .. })
    ));
    let mut orphan_copy = new_key("gone_1");
    orphan_copy.copied_from = Some(uuid::Uuid::new_v4());
    assert!(store.create(orphan_copy, &support::by("nexus"), now()).await.is_err());
    assert_eq!(key_count(&db).await, 0);

    let unknown = uuid::Uuid::new_v4();
    assert_eq!(store.get(unknown).await, Err(AppError::NotFound));
    assert_eq!(store.delete(unknown, &support::by("admin"), Utc::now()).await, Err(AppError::NotFound));
    assert_eq!(store.set_enabled(unknown, false, &support::by("admin"), now()).await, Err(AppError::NotFound));
}

fn changes_to(key: &app::api_keys::ApiKey) -> KeyChanges {
    KeyChanges {
        name: key.name.clone(),
        enabled: key.enabled,
        expires_at: key.expires_at,
        permission: Some(key.permission),
        expected_version: key.version,
        expire_now: false,
        restrictions: None,
    }
}

async fn updates_apply_the_rules_and_detect_conflicts(db: DatabaseConnection) {
    let store = SeaKeyStore::new(db.clone());
    let key = store.create(new_key("before"), &support::by("nexus"), now()).await.unwrap().key;
    let later = now() + Duration::hours(1);

    let mut rename = changes_to(&key);
    rename.name = "after".into();
    let renamed = store.update(key.id, rename.clone(), &support::by("admin"), later).await.unwrap();
    assert_eq!((renamed.name.as_str(), renamed.version, renamed.updated_at), ("after", 2, later));
    assert_eq!(renamed.created_at, now());

    // A second admin still holding version 1 is told, and shown the current key.
    let mut stale = rename;
    stale.name = "lost update".into();
    match store.update(key.id, stale, &support::by("admin"), later).await {
        Err(AppError::Conflict { current }) => assert_eq!(*current, renamed),
        other => panic!("expected a conflict, got {other:?}"),
    }

    let mut other_permission = changes_to(&renamed);
    other_permission.permission = Some(Permission::SecureMail);
    let refused = store.update(key.id, other_permission, &support::by("admin"), later).await.unwrap_err();
    assert_eq!(refused.to_string(), "Permissions of existing API key cannot be changed.");
    let mut blank = changes_to(&renamed);
    blank.name = " ".into();
    assert!(matches!(
        store.update(key.id, blank, &support::by("admin"), later).await,
        Err(AppError::Invalid { field: Field::Name, .. })
    ));
    assert_eq!(store.get(key.id).await.unwrap(), renamed, "refused updates change nothing");

    let unchanged =
        store.update(key.id, changes_to(&renamed), &support::by("admin"), later + Duration::hours(1)).await.unwrap();
    assert_eq!(unchanged, renamed, "saving without changes does not bump the version");
    assert_eq!(
        store.update(uuid::Uuid::new_v4(), changes_to(&renamed), &support::by("admin"), later).await,
        Err(AppError::NotFound)
    );
}

async fn an_expired_key_can_be_extended_and_a_live_one_expired_now(db: DatabaseConnection) {
    let store = SeaKeyStore::new(db.clone());
    let expired_at = now() - Duration::days(10);
    let id =
        insert_key(&db, "old", "nexus", Permission::Chat, true, Some(expired_at), now() - Duration::days(400)).await;
    let key = store.get(id).await.unwrap();
    assert_eq!(key.status(now()), Status::Unavailable);

    // Renaming keeps the past expiry: an unchanged expiry is not checked again.
    let mut rename = changes_to(&key);
    rename.name = "old but renamed".into();
    let key = store.update(id, rename, &support::by("admin"), now()).await.unwrap();
    assert_eq!(key.expires_at, Some(expired_at));

    let mut other_past = changes_to(&key);
    other_past.expires_at = Some(now() - Duration::days(1));
    assert!(matches!(
        store.update(id, other_past, &support::by("admin"), now()).await,
        Err(AppError::Invalid { field: Field::ExpiresAt, .. })
    ));

    let mut extend = changes_to(&key);
    extend.expires_at = Some(now() + Duration::days(90));
    let key = store.update(id, extend, &support::by("admin"), now()).await.unwrap();
    assert_eq!(key.status(now()), Status::Available);

    let mut expire_now = changes_to(&key);
    expire_now.expires_at = Some(now());
    let key = store.update(id, expire_now, &support::by("admin"), now()).await.unwrap();
    assert!(key.is_expired(now()));
    assert_eq!(key.version, 4);
}

async fn toggling_and_deleting(db: DatabaseConnection) {
    let store = SeaKeyStore::new(db.clone());
    let key = store.create(new_key("toggle me"), &support::by("nexus"), now()).await.unwrap().key;
    let off = store.set_enabled(key.id, false, &support::by("admin"), now()).await.unwrap();
    assert!(!off.enabled);
    assert_eq!(off.version, 2);
    assert_eq!(off.status(now()), Status::Unavailable);
    let again = store.set_enabled(key.id, false, &support::by("admin"), now()).await.unwrap();
    assert_eq!(again.version, 2, "toggling to the current state changes nothing");
    assert!(store.set_enabled(key.id, true, &support::by("admin"), now()).await.unwrap().enabled);

    store.delete(key.id, &support::by("admin"), Utc::now()).await.unwrap();
    assert_eq!(store.get(key.id).await, Err(AppError::NotFound));
    assert_eq!(store.delete(key.id, &support::by("admin"), Utc::now()).await, Err(AppError::NotFound));
    assert_eq!(key_count(&db).await, 0);
}

async fn search_is_case_insensitive_and_literal(db: DatabaseConnection) {
    let store = SeaKeyStore::new(db.clone());
    for (name, creator) in [
        ("Securemail", "nexus_qa@example.com"),
        ("Clé d'ÉTÉ", "nexus"),
        ("100% chat", "Admin.Team@example.com"),
        ("plain", "testBackUp"),
        ("a_b", "x"),
        ("axb", "x"),
    ] {
        store.create(new_key(name), &support::by(creator), now()).await.unwrap();
    }
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(names(&store, &view("SECURE")).await, vec!["Securemail"]);
    assert_eq!(names(&store, &view("été")).await, vec!["Clé d'ÉTÉ"], "folding beyond ASCII");
    assert_eq!(names(&store, &view("admin.team")).await, vec!["100% chat"], "by creator");
    assert_eq!(sorted(names(&store, &view("NEXUS")).await), vec!["Clé d'ÉTÉ", "Securemail"]);
    assert_eq!(names(&store, &view("%")).await, vec!["100% chat"], "% is a literal");
    assert_eq!(names(&store, &view("a_b")).await, vec!["a_b"], "_ is a literal");
    assert_eq!(store.list(&view("  "), now()).await.unwrap().total, 6, "blank search = everything");
    assert_eq!(store.list(&view("nothing like it"), now()).await.unwrap().total, 0);
}

async fn status_and_permission_filters(db: DatabaseConnection) {
    let store = SeaKeyStore::new(db.clone());
    let created = now() - Duration::days(1);
    insert_key(&db, "never", "a", Permission::Chat, true, None, created).await;
    insert_key(&db, "soon", "a", Permission::SecureMail, true, Some(now() + Duration::days(30)), created).await;
    insert_key(
        &db,
        "later",
        "a",
        Permission::Chat,
        true,
        Some(now() + Duration::days(30) + Duration::milliseconds(1)),
        created,
    )
    .await;
    insert_key(&db, "expiring now", "a", Permission::Chat, true, Some(now()), created).await;
    insert_key(&db, "off", "a", Permission::SecureMail, false, None, created).await;
    insert_key(&db, "off soon", "a", Permission::Chat, false, Some(now() + Duration::days(2)), created).await;

    let with = |toggles: &[Status]| KeyQuery {
        status: toggles.iter().fold(StatusFilter::default(), |f, &s| f.with(s, true)),
        sort: SortColumn::Name,
        direction: SortDirection::Asc,
        ..KeyQuery::default()
    };
    assert_eq!(names(&store, &with(&[Status::Available])).await, vec!["later", "never", "soon"]);
    assert_eq!(names(&store, &with(&[Status::SoonUnavailable])).await, vec!["soon"]);
    assert_eq!(names(&store, &with(&[Status::Unavailable])).await, vec!["expiring now", "off", "off soon"]);
    assert_eq!(
        names(&store, &with(&[Status::Unavailable, Status::SoonUnavailable])).await,
        vec!["expiring now", "off", "off soon", "soon"]
    );
    assert_eq!(names(&store, &with(&[])).await.len(), 6);

    let secure_mail = KeyQuery { permission: Some(Permission::SecureMail), ..with(&[]) };
    assert_eq!(names(&store, &secure_mail).await, vec!["off", "soon"]);
    let available_secure_mail = KeyQuery { permission: Some(Permission::SecureMail), ..with(&[Status::Available]) };
    assert_eq!(names(&store, &available_secure_mail).await, vec!["soon"]);
}

async fn sorting_and_paging(db: DatabaseConnection) {
    let store = SeaKeyStore::new(db.clone());
    let total = PAGE_SIZE + 7;
    for i in 0..total {
        let expires = (i % 3 == 0).then(|| now() + Duration::days(i as i64));
        insert_key(
            &db,
            &format!("key {i:03}"),
            if i % 2 == 0 { "even" } else { "Odd" },
            Permission::Chat,
            i % 5 != 0,
            expires,
            now() - Duration::hours(i as i64),
        )
        .await;
    }
    let first = store.list(&KeyQuery::default(), now()).await.unwrap();
    assert_eq!((first.total, first.keys.len() as u64, first.page_size), (total, PAGE_SIZE, PAGE_SIZE));
    assert_eq!(first.keys[0].name, "key 000", "newest first by default");
    let second = store.list(&KeyQuery { page: 1, ..KeyQuery::default() }, now()).await.unwrap();
    assert_eq!(second.keys.len() as u64, total - PAGE_SIZE);
    let beyond = store.list(&KeyQuery { page: u64::MAX, ..KeyQuery::default() }, now()).await.unwrap();
    assert_eq!((beyond.page, beyond.keys), (1, second.keys.clone()), "a page past the end shows the last page");
    assert_eq!(second.keys.last().unwrap().name, format!("key {:03}", total - 1));

    let by = |sort, direction| KeyQuery { sort, direction, ..KeyQuery::default() };
    for name in ["key 0-x", "key0", "key 0 y"] {
        insert_key(&db, name, "punctuation", Permission::Chat, true, None, now()).await;
    }
    let asc = store.list(&by(SortColumn::Name, SortDirection::Asc), now()).await.unwrap().keys;
    assert!(asc.windows(2).all(|w| w[0].name < w[1].name), "code-point order on both databases, whatever the locale");
    let by_status = store.list(&by(SortColumn::Status, SortDirection::Asc), now()).await.unwrap().keys;
    let ranks: Vec<_> = by_status.iter().map(|k| (k.status(now()), k.expires_at.is_none(), k.expires_at)).collect();
    assert!(
        ranks.windows(2).all(|w| w[0] <= w[1]),
        "Available, Soon Unavailable, Unavailable; within each, expiring first, never last"
    );
    let desc: Vec<Status> = store
        .list(&by(SortColumn::Status, SortDirection::Desc), now())
        .await
        .unwrap()
        .keys
        .iter()
        .map(|k| k.status(now()))
        .collect();
    assert_eq!(desc[0], Status::Unavailable);
    let expiring = store.list(&by(SortColumn::Expires, SortDirection::Asc), now()).await.unwrap().keys;
    let dates: Vec<_> = expiring.iter().map(|k| k.expires_at).collect();
    let dated = dates.iter().take_while(|d| d.is_some()).count();
    assert!(dated > 0 && dates[dated..].iter().all(Option::is_none), "never-expiring keys come last");
    assert!(dates[..dated].windows(2).all(|w| w[0] <= w[1]));
    let creators = store.list(&by(SortColumn::CreatedBy, SortDirection::Asc), now()).await.unwrap().keys;
    assert_eq!(creators.first().unwrap().created_by, "even", "creator order ignores case");
}

async fn copies_are_numbered_from_the_largest_in_use(db: DatabaseConnection) {
    let store = SeaKeyStore::new(db.clone());
    let mut source = new_key("APIKEYtest");
    source.permission = Permission::SecureMail;
    source.enabled = false;
    source.expires_at = Some(now() + Duration::days(5));
    let source = store.create(source, &support::by("nexus"), now()).await.unwrap().key;

    let proposal = store.propose_copy(source.id, now()).await.unwrap();
    assert_eq!(proposal.name, "APIKEYtest_1");
    assert_eq!(
        (proposal.permission, proposal.enabled, proposal.expires_at),
        (Permission::SecureMail, false, source.expires_at)
    );
    let first = store.create(proposal, &support::by("copier"), now()).await.unwrap();
    assert_eq!(first.key.name, "APIKEYtest_1");
    assert_eq!(
        parse_secret(first.secret.expose()),
        Ok(Permission::SecureMail),
        "a copy gets a fresh secret of its permission"
    );

    let second =
        store.create(store.propose_copy(source.id, now()).await.unwrap(), &support::by("copier"), now()).await.unwrap();
    assert_eq!(second.key.name, "APIKEYtest_2");
    let third = store
        .create(store.propose_copy(first.key.id, now()).await.unwrap(), &support::by("copier"), now())
        .await
        .unwrap();
    assert_eq!(third.key.name, "APIKEYtest_3", "copying _1 while _2 exists gives _3");

    // A stale proposal still gets the next free number; a name the admin typed is kept.
    let mut stale = store.propose_copy(source.id, now()).await.unwrap();
    stale.name = "APIKEYtest_2".into();
    assert_eq!(store.create(stale, &support::by("copier"), now()).await.unwrap().key.name, "APIKEYtest_4");
    let mut own = store.propose_copy(source.id, now()).await.unwrap();
    own.name = "Something else".into();
    assert_eq!(store.create(own, &support::by("copier"), now()).await.unwrap().key.name, "Something else");
    // Same-looking names with another base do not count.
    store.create(new_key("APIKEYtest_x_9"), &support::by("n"), now()).await.unwrap();
    assert_eq!(store.propose_copy(source.id, now()).await.unwrap().name, "APIKEYtest_5");
}

async fn concurrent_copies_get_distinct_names(db: DatabaseConnection) {
    let store = SeaKeyStore::new(db.clone());
    let source = store.create(new_key("Busy"), &support::by("nexus"), now()).await.unwrap().key;
    let proposal = store.propose_copy(source.id, now()).await.unwrap();
    let copies = (0..20).map(|_| {
        let store = store.clone();
        let proposal = proposal.clone();
        tokio::spawn(async move { store.create(proposal, &support::by("copier"), now()).await })
    });
    let mut names: Vec<String> = Vec::new();
    for copy in copies {
        names.push(copy.await.unwrap().unwrap().key.name);
    }
    names.sort_by_key(|n| n.trim_start_matches("Busy_").parse::<u32>().unwrap());
    let expected: Vec<String> = (1..=20).map(|n| format!("Busy_{n}")).collect();
    assert_eq!(names, expected);
}

async fn demo_data_loads_once(db: DatabaseConnection) {
    let store = SeaKeyStore::new(db.clone());
    assert_eq!(store.load_demo_data(now()).await.unwrap(), 10);
    assert_eq!(store.load_demo_data(now()).await.unwrap(), 0, "a second run adds nothing");
    let page = store
        .list(&KeyQuery { sort: SortColumn::Name, direction: SortDirection::Asc, ..KeyQuery::default() }, now())
        .await
        .unwrap();
    assert_eq!(page.total, 10);
    let designer = page.keys.iter().find(|k| k.name == "Designer 35-05").unwrap();
    assert_eq!(designer.created_by, "admin.team@example.com");
    assert_eq!(relative_time(designer.created_at, now()), "4 years ago");
    assert!(page.keys.iter().all(|k| k.enabled && k.expires_at.is_none()));
    let secure_mail = page.keys.iter().filter(|k| k.permission == Permission::SecureMail).count();
    assert_eq!(secure_mail, 2);
}

async fn the_audit_trail_records_every_change_and_outlives_the_key(db: DatabaseConnection) {
    use app::audit::AuditAction;
    let store = SeaKeyStore::new(db.clone());
    let ann = support::by("ann");
    let created = store.create(new_key("Audited"), &ann, now()).await.unwrap();
    let key = created.key.clone();
    let copy_created = store.create(store.propose_copy(key.id, now()).await.unwrap(), &ann, now()).await.unwrap();
    let copy = copy_created.key.clone();
    let later = now() + Duration::minutes(5);
    let rename = KeyChanges {
        name: "Audited twice".into(),
        enabled: true,
        expires_at: None,
        permission: None,
        expected_version: key.version,
        expire_now: false,
        restrictions: None,
    };
    store.update(key.id, rename.clone(), &support::by("bob"), later).await.unwrap();
    // Refused changes record nothing.
    assert!(store.update(key.id, rename, &ann, later).await.is_err(), "stale version");
    store.set_enabled(key.id, false, &ann, later).await.unwrap();
    store.delete(key.id, &ann, later).await.unwrap();

    let history = store.history(key.id).await.unwrap();
    let actions: Vec<AuditAction> = history.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [AuditAction::KeyDeleted, AuditAction::KeyDisabled, AuditAction::KeyUpdated, AuditAction::KeyCreated],
        "newest first, and still there after the delete"
    );
    let updated = &history[2];
    assert_eq!((updated.actor.as_str(), updated.address.as_deref()), ("bob", Some("127.0.0.1")));
    assert_eq!(updated.at, later);
    assert_eq!(updated.changes.len(), 1);
    assert_eq!(
        (updated.changes[0].field, updated.changes[0].old.as_str(), updated.changes[0].new.as_str()),
        (Field::Name, "Audited", "Audited twice")
    );
    assert_eq!((history[1].changes[0].old.as_str(), history[1].changes[0].new.as_str()), ("true", "false"));
    let copied = store.history(copy.id).await.unwrap();
    assert_eq!(copied[0].action, AuditAction::KeyCopied);
    assert!(copied[0].note.as_deref().unwrap().contains(&key.id.to_string()), "names the source");
    let everything = server::audit::since(&db, now() - Duration::days(1)).await.unwrap();
    assert_eq!(everything.len(), 5);
    for secret in [created.secret.expose(), copy_created.secret.expose()] {
        assert!(everything.iter().all(|e| !format!("{e:?}").contains(secret)), "never a secret");
    }
}
