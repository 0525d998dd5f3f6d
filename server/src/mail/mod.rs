//! E-mail about keys that are about to stop working: each `key.expiring` and `key.grace_ending`
//! warning the expiry scan sends is also mailed to the key's creator (when that user has an
//! address) and to every user who asked for mail about all keys (the Notifications page). The
//! mails are written to an outbox in the scan's transaction ([`outbox`]) and sent over SMTP by a
//! worker on every instance ([`sender`], with `lettre`); without SMTP settings nothing is queued
//! and everything else works.

pub mod compose;
pub mod outbox;
pub mod sender;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, Tokio1Executor};

/// Where mail goes out, and what it links to.
#[derive(Clone)]
pub struct MailSettings {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The console's public origin (`--public-url`), for links to a key's details.
    pub console: String,
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds the SMTP password: never printed.
        f.debug_struct("MailSettings").field("from", &self.from.to_string()).field("console", &self.console).finish()
    }
}

impl MailSettings {
    /// From `--smtp-url` (`smtp://[user:password@]host[:port][?tls=required]` or `smtps://...`)
    /// and `--smtp-from`. Errors never repeat the URL: it may hold a password.
    pub fn new(smtp_url: &str, from: &str, console: String) -> Result<MailSettings, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|_| {
                "--smtp-url (KEYDESK_SMTP_URL) is not an SMTP URL like smtp://user:password@mail.internal:587?tls=required"
                    .to_owned()
            })?
            .timeout(Some(std::time::Duration::from_secs(30)))
            .build();
        let from = from
            .parse::<Mailbox>()
            .map_err(|_| format!("--smtp-from (KEYDESK_SMTP_FROM): {from:?} is not an e-mail address"))?;
        Ok(MailSettings { transport, from, console })
    }
}
