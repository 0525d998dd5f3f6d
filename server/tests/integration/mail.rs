//! Mail about keys' ends, through a real SMTP server (aiosmtpd, started by the test; `make
//! test` installs it): who gets which mail, what it says and links to, once per warning; a
//! server that does not answer leaves the mail queued; bad addresses are refused.

use crate::processes::free_port;
use crate::support::{by, insert_key};
use app::api_keys::Permission;
use app::auth::Rights;
use chrono::Duration;
use sea_orm::{DatabaseConnection, EntityTrait};
use server::auth::users;
use server::entity::mail_message;
use server::mail::MailSettings;
use server::mail::sender::MailSender;
use server::message_state::OutboxWorker;
use server::webhooks::expiry_scan;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The SMTP sink, killed when dropped.
struct SmtpSink {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl SmtpSink {
    /// Starts `server/tests/tools/smtp_sink.py` with `KEYDESK_TEST_PYTHON` (default `python3`);
    /// `None` (after saying so, or failing under `KEYDESK_REQUIRE_SMTP_SINK=1`) if it cannot run.
    fn start() -> Option<SmtpSink> {
        let python = std::env::var("KEYDESK_TEST_PYTHON").unwrap_or_else(|_| "python3".to_owned());
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tools/smtp_sink.py");
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("keydesk-mail-{}", uuid::Uuid::new_v4().simple()));
        let child = Command::new(&python)
            .args([script, &port.to_string(), dir.to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match child {
            Ok(child) => child,
            Err(error) => return SmtpSink::missing(&format!("{python} does not start ({error})")),
        };
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        if line.trim() != "ready" {
            let _ = child.wait();
            return SmtpSink::missing(&format!("{python} cannot run the SMTP sink (is aiosmtpd installed?)"));
        }
        Some(SmtpSink { child, port, dir })
    }

    fn missing(why: &str) -> Option<SmtpSink> {
        if std::env::var("KEYDESK_REQUIRE_SMTP_SINK").is_ok_and(|v| v == "1") {
            panic!("the SMTP sink is required (KEYDESK_REQUIRE_SMTP_SINK=1) but {why}");
        }
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "\n!!! SKIPPED: {why}; the mail test did not run !!!\n");
        None
    }

    /// The mails received so far, in order.
    fn mails(&self) -> Vec<serde_json::Value> {
        let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(&self.dir)
            .map(|entries| {
                entries
                    .filter_map(|entry| {
                        let path = entry.ok()?.path();
                        let n = path.file_name()?.to_str()?.strip_suffix(".json")?.parse().ok()?;
                        Some((n, path))
                    })
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files.iter().map(|(_, path)| serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()).collect()
    }
}

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$unknown";

async fn the_creator_and_subscribers_get_one_mail_each(db: DatabaseConnection) {
    let Some(sink) = SmtpSink::start() else { return };
    let ops = by("ops");
    let now = app::clock::now();
    users::add_user(&db, "alice", Rights::all(), HASH.into(), Some("alice@example.com"), &ops, now).await.unwrap();
    users::add_user(&db, "bob", Rights::all(), HASH.into(), None, &ops, now).await.unwrap();
    users::set_email(&db, "bob", Some(" bob@example.com "), &ops, now).await.unwrap();
    users::set_expiry_mail(&db, "bob", true).await.unwrap();
    // Subscribed without an address, and an address without interest: neither gets mail.
    users::add_user(&db, "carol", Rights::all(), HASH.into(), None, &ops, now).await.unwrap();
    users::set_expiry_mail(&db, "carol", true).await.unwrap();
    users::add_user(&db, "dave", Rights::all(), HASH.into(), Some("dave@example.com"), &ops, now).await.unwrap();
    // A bad address is refused and changes nothing.
    let refused = users::set_email(&db, "dave", Some("dave at example"), &ops, now).await.unwrap_err();
    assert_eq!(refused.to_string(), "\"dave at example\" is not an e-mail address");
    assert_eq!(users::mail_preference(&db, "dave").await.unwrap().0.as_deref(), Some("dave@example.com"));

    let key = insert_key(&db, "Chat widget", "alice", Permission::Chat, true, Some(now + Duration::days(3)), now).await;
    let settings = MailSettings::new(
        &format!("smtp://127.0.0.1:{}", sink.port),
        "Keydesk <keydesk@example.com>",
        "https://keys.example.com".into(),
    )
    .unwrap();
    assert_eq!(expiry_scan::scan(&db, now, Some(&settings)).await.unwrap(), 1);
    assert_eq!(expiry_scan::scan(&db, now, Some(&settings)).await.unwrap(), 0, "a warning is mailed once");
    let sender = MailSender::new(db.clone(), settings);
    assert_eq!(sender.run_once(now).await.unwrap(), 2);
    assert_eq!(sender.run_once(now).await.unwrap(), 0, "each mail is sent once");
    let mails = sink.mails();
    let mut to: Vec<String> = mails.iter().map(|mail| mail["rcpt"][0].as_str().unwrap().to_owned()).collect();
    to.sort();
    assert_eq!(to, ["alice@example.com", "bob@example.com"]);
    for mail in &mails {
        assert_eq!(mail["from"], "Keydesk <keydesk@example.com>");
        assert_eq!(mail["subject"], "API key “Chat widget” stops working within 7 days");
        let body = mail["body"].as_str().unwrap();
        assert!(body.contains("The API key “Chat widget” (chat) expires on"), "{body}");
        assert!(body.contains("It has never been used."), "{body}");
        assert!(body.contains(&format!("https://keys.example.com/provisioning/api-keys?panel=key:{key}")), "{body}");
    }
    let alice = mails.iter().find(|mail| mail["rcpt"][0] == "alice@example.com").unwrap();
    assert!(alice["body"].as_str().unwrap().contains("because you created this key"));
    // Sent mails are kept 30 days, then purged.
    assert_eq!(sender.purge(now + Duration::days(29)).await.unwrap(), 0);
    assert_eq!(sender.purge(now + Duration::days(31)).await.unwrap(), 2);
}

async fn a_mail_waits_while_the_smtp_server_is_down(db: DatabaseConnection) {
    let now = app::clock::now();
    users::add_user(&db, "alice", Rights::all(), HASH.into(), Some("alice@example.com"), &by("ops"), now)
        .await
        .unwrap();
    insert_key(&db, "Mail gateway", "alice", Permission::SecureMail, true, Some(now + Duration::hours(20)), now).await;
    // Nothing listens on this port.
    let settings =
        MailSettings::new(&format!("smtp://127.0.0.1:{}", free_port()), "keydesk@example.com", String::new()).unwrap();
    assert_eq!(expiry_scan::scan(&db, now, Some(&settings)).await.unwrap(), 1);
    assert_eq!(MailSender::new(db.clone(), settings).run_once(now).await.unwrap(), 1);
    let mails = mail_message::Entity::find().all(&db).await.unwrap();
    assert_eq!(mails.len(), 1);
    assert_eq!((mails[0].state.as_str(), mails[0].attempts), ("pending", 1), "tried again later");
    assert!(mails[0].next_attempt_at > now);
    assert_eq!(mails[0].subject, "API key “Mail gateway” stops working within a day");
    // Without SMTP settings the warning goes out (to webhooks) and no mail is queued.
    insert_key(&db, "Another", "alice", Permission::Chat, true, Some(now + Duration::days(2)), now).await;
    assert_eq!(expiry_scan::scan(&db, now, None).await.unwrap(), 1);
    assert_eq!(mail_message::Entity::find().all(&db).await.unwrap().len(), 1);
}

on_both_databases!(the_creator_and_subscribers_get_one_mail_each, a_mail_waits_while_the_smtp_server_is_down);

/// (The transport's connection pool lives on the runtime.)
#[tokio::test]
async fn smtp_settings_are_checked_and_never_repeat_the_password() {
    let error = MailSettings::new("mailto://user:hunter2@mail", "keydesk@example.com", String::new()).unwrap_err();
    assert!(!error.contains("hunter2"), "{error}");
    assert!(error.contains("--smtp-url"), "{error}");
    let settings =
        MailSettings::new("smtp://user:hunter2@mail.internal:587?tls=required", "Keydesk <k@example.com>", "x".into());
    assert!(!format!("{:?}", settings.unwrap()).contains("hunter2"));
    assert!(MailSettings::new("smtp://mail.internal", "not an address", String::new()).is_err());
}
