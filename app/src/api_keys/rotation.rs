//! Rotation: a key gets a successor with a new secret, and the old key keeps working for a grace
//! period (its expiry becomes the grace's end), so channels can switch without an outage. The
//! migration meter (usage of both keys since the rotation) tells when the switch is done.

use super::model::{ApiKey, CreatedKey};
use crate::error::{AppError, Field};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest grace a rotation may give the old key.
pub const MAX_GRACE_DAYS: i64 = 365;
/// How long the early stop waits after the later of the rotation and the old key's last use.
pub const UNUSED_FOR: Duration = Duration::hours(24);
/// How long after the grace's end the details still show the migration meter.
pub const METER_AFTER_GRACE: Duration = Duration::days(7);

/// How long the old key keeps working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grace {
    /// The old key stops at once.
    Now,
    /// For this many seconds from the rotation, cut short by the old key's own expiry.
    ForSeconds(i64),
    /// Until this instant, which must not be past the old key's own expiry.
    Until(#[serde(with = "chrono::serde::ts_milliseconds")] DateTime<Utc>),
}

impl Grace {
    /// The dialog's choices other than `Until a date`, with their labels.
    pub const PRESETS: [(Grace, &'static str); 5] = [
        (Grace::Now, "Stop it now"),
        (Grace::ForSeconds(3_600), "1 hour"),
        (Grace::ForSeconds(86_400), "24 hours"),
        (Grace::ForSeconds(7 * 86_400), "7 days"),
        (Grace::ForSeconds(30 * 86_400), "30 days"),
    ];
    /// The dialog's default: 7 days.
    pub const DEFAULT: Grace = Grace::ForSeconds(7 * 86_400);
}

/// What the Rotate dialog (or `server key rotate`) asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationRequest {
    pub grace: Grace,
    /// Stop the old key early once it has not been used for 24 hours.
    #[serde(default)]
    pub stop_when_unused: bool,
}

/// A rotation just made: the new key with its secret (shown once, like a new key's), and when
/// the old key stops.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotatedKey {
    pub created: CreatedKey,
    pub old_key_id: Uuid,
    pub grace_end: GraceEnd,
}

/// When the old key stops, and whether its own expiry cut the chosen grace short.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GraceEnd {
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub at: DateTime<Utc>,
    pub capped: bool,
}

fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The end of the grace `grace` gives a key expiring at `expires_at`, rotated at `now`.
pub fn grace_end(grace: Grace, expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<GraceEnd, AppError> {
    let chosen = match grace {
        Grace::Now => now,
        Grace::ForSeconds(seconds) if !(1..=MAX_GRACE_DAYS * 86_400).contains(&seconds) => {
            return Err(AppError::invalid(
                Field::Grace,
                format!("The grace period must be between 1 second and {MAX_GRACE_DAYS} days."),
            ));
        }
        Grace::ForSeconds(seconds) => now + Duration::seconds(seconds),
        Grace::Until(at) => {
            check_new_end(at, expires_at, now)?;
            at
        }
    };
    Ok(match expires_at {
        Some(expiry) if chosen > expiry => GraceEnd { at: expiry, capped: true },
        _ => GraceEnd { at: chosen, capped: false },
    })
}

/// A grace end asked for by date (rotation's `Until a date`, or `Extend`): in the future, within
/// `MAX_GRACE_DAYS`, and not past the old key's own expiry.
fn check_new_end(at: DateTime<Utc>, own_expiry: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<(), AppError> {
    if at <= now {
        return Err(AppError::invalid(
            Field::Grace,
            "The grace period must end in the future; to stop the old key at once, choose \"Stop it now\".",
        ));
    }
    if at > now + Duration::days(MAX_GRACE_DAYS) {
        return Err(AppError::invalid(
            Field::Grace,
            format!("The grace period can last at most {MAX_GRACE_DAYS} days."),
        ));
    }
    if let Some(expiry) = own_expiry
        && at > expiry
    {
        return Err(AppError::invalid(
            Field::Grace,
            format!("The grace period cannot run past the old key's own expiry ({}).", when(expiry)),
        ));
    }
    Ok(())
}

/// Why `key` cannot be rotated at `now`, if it cannot (the button's explanation, and the
/// server's refusal).
pub fn rotation_refusal(key: &ApiKey, now: DateTime<Utc>) -> Option<String> {
    if key.replaced_by.is_some() && !key.is_expired(now) {
        Some(format!("{} is already being replaced; finish or extend that rotation instead.", key.name))
    } else if key.is_expired(now) {
        Some(format!(
            "{} has expired; an expired key cannot be rotated. Extend it first if it is still needed.",
            key.name
        ))
    } else if !key.enabled {
        Some(format!("{} is disabled; a disabled key cannot be rotated. Enable it first.", key.name))
    } else {
        None
    }
}

/// Checks that `key` may be rotated at `now` (409 otherwise: the key's state, not the input).
pub fn check_rotatable(key: &ApiKey, now: DateTime<Utc>) -> Result<(), AppError> {
    rotation_refusal(key, now).map_or(Ok(()), |why| Err(AppError::Refused(why)))
}

/// The new grace end `Extend` asks for: later than the current end (or than `now`, once it has
/// passed), and not past the old key's expiry from before the rotation.
pub fn check_extension(
    requested: DateTime<Utc>,
    current_end: DateTime<Utc>,
    expiry_before_rotation: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    check_new_end(requested, expiry_before_rotation, now)?;
    if requested <= current_end {
        return Err(AppError::invalid(
            Field::Grace,
            format!("To extend the grace period, choose a date after its current end ({}).", when(current_end)),
        ));
    }
    Ok(())
}

/// A replaced key's expiry set in its details (rather than by `Extend`) is capped the same way:
/// it may not run past the key's expiry from before the rotation.
pub fn check_replaced_key_expiry(
    requested: Option<DateTime<Utc>>,
    expiry_before_rotation: Option<DateTime<Utc>>,
) -> Result<(), AppError> {
    let Some(before) = expiry_before_rotation else { return Ok(()) };
    if requested.is_some_and(|at| at <= before) {
        return Ok(());
    }
    Err(AppError::invalid(
        Field::ExpiresAt,
        format!("This key was replaced in a rotation; it cannot work past its own expiry ({}).", when(before)),
    ))
}

/// Whether the early stop is due: 24 hours since the later of the rotation and the old key's
/// last valid use.
pub fn early_stop_due(rotated_at: DateTime<Utc>, last_used_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    let quiet_since = last_used_at.map_or(rotated_at, |used| used.max(rotated_at));
    now >= quiet_since + UNUSED_FOR
}

/// A key named in a rotation; `name` is `None` once that key has been deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyLink {
    pub id: Uuid,
    pub name: Option<String>,
}

/// One origin's valid verifications since the rotation, by the old key and by the new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeterOrigin {
    pub origin: String,
    pub old_uses: u64,
    pub new_uses: u64,
    /// The start of the last hour in which the old key was used from this origin.
    #[serde(with = "chrono::serde::ts_milliseconds_option")]
    pub old_last_used: Option<DateTime<Utc>>,
}

/// The migration meter: how much traffic has moved from the old key to the new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meter {
    pub old_uses: u64,
    pub new_uses: u64,
    /// Busiest first.
    pub origins: Vec<MeterOrigin>,
}

/// One rotation as the details panel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationInfo {
    pub old: KeyLink,
    pub new: KeyLink,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub rotated_at: DateTime<Utc>,
    /// The old key's expiry now: the grace's end (earlier if finished early).
    #[serde(with = "chrono::serde::ts_milliseconds_option")]
    pub grace_end: Option<DateTime<Utc>>,
    /// The old key's expiry from before the rotation, which caps `Extend`.
    #[serde(with = "chrono::serde::ts_milliseconds_option")]
    pub expiry_before_rotation: Option<DateTime<Utc>>,
    pub stop_when_unused: bool,
    /// Present during the grace and for 7 days after it.
    pub meter: Option<Meter>,
}

/// Whether the meter is shown at `now` for a grace ending at `grace_end`.
pub fn meter_shown(grace_end: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    grace_end.is_none_or(|end| now < end + METER_AFTER_GRACE)
}

/// The rotations a key's details show: the one that made it (it `replaces` a key) and the one
/// replacing it, each if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationsOfKey {
    pub made_by: Option<RotationInfo>,
    pub replaced_in: Option<RotationInfo>,
    /// When the server read them: the page decides "still running" against at least this.
    #[serde(with = "chrono::serde::ts_milliseconds")]
    pub read_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_keys::Permission;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
    }

    fn key(enabled: bool, expires_at: Option<DateTime<Utc>>) -> ApiKey {
        ApiKey {
            restrictions: Default::default(),
            id: Uuid::nil(),
            name: "Chat widget".into(),
            permission: Permission::Chat,
            enabled,
            expires_at,
            created_at: now() - Duration::days(100),
            created_by: "admin".into(),
            updated_at: now() - Duration::days(1),
            last_used_at: None,
            display_prefix: "kd_chat_abcd".into(),
            version: 3,
            replaces: None,
            replaced_by: None,
        }
    }

    #[test]
    fn presets_run_from_now_and_stop_at_the_old_keys_expiry() {
        let week = grace_end(Grace::DEFAULT, None, now()).unwrap();
        assert_eq!(week, GraceEnd { at: now() + Duration::days(7), capped: false });
        assert_eq!(grace_end(Grace::Now, None, now()).unwrap().at, now());
        let soon = now() + Duration::days(2);
        assert_eq!(grace_end(Grace::DEFAULT, Some(soon), now()).unwrap(), GraceEnd { at: soon, capped: true });
        assert!(!grace_end(Grace::ForSeconds(3_600), Some(soon), now()).unwrap().capped);
    }

    #[test]
    fn a_chosen_date_must_be_ahead_and_within_the_old_expiry() {
        let expiry = Some(now() + Duration::days(10));
        let fine = now() + Duration::days(3);
        assert_eq!(grace_end(Grace::Until(fine), expiry, now()).unwrap(), GraceEnd { at: fine, capped: false });
        for bad in [now(), now() - Duration::hours(1), now() + Duration::days(11)] {
            let error = grace_end(Grace::Until(bad), expiry, now()).unwrap_err();
            assert!(matches!(error, AppError::Invalid { field: Field::Grace, .. }), "{bad}: {error:?}");
        }
        assert!(grace_end(Grace::Until(now() + Duration::days(400)), None, now()).is_err());
        assert!(grace_end(Grace::ForSeconds(0), None, now()).is_err());
        assert!(grace_end(Grace::ForSeconds(-5), None, now()).is_err());
    }

    #[test]
    fn expired_disabled_and_pending_keys_are_not_rotated() {
        assert_eq!(check_rotatable(&key(true, None), now()), Ok(()));
        let expired = key(true, Some(now() - Duration::seconds(1)));
        assert!(rotation_refusal(&expired, now()).unwrap().contains("expired"));
        assert!(rotation_refusal(&key(false, None), now()).unwrap().contains("disabled"));
        let pending = ApiKey { replaced_by: Some(Uuid::new_v4()), ..key(true, Some(now() + Duration::days(1))) };
        let refusal = check_rotatable(&pending, now()).unwrap_err();
        assert!(matches!(&refusal, AppError::Refused(why) if why.contains("already being replaced")));
        assert_eq!(refusal.status_code(), 409);
    }

    #[test]
    fn extending_moves_the_end_later_within_the_old_expiry() {
        let end = now() + Duration::days(1);
        let before = Some(now() + Duration::days(20));
        assert_eq!(check_extension(now() + Duration::days(5), end, before, now()), Ok(()));
        assert!(check_extension(end, end, before, now()).is_err(), "not later");
        assert!(check_extension(now() + Duration::days(21), end, before, now()).is_err(), "past the old expiry");
        // Once the grace has ended, any later date revives the old key, within the same caps.
        let ended = now() - Duration::hours(2);
        assert_eq!(check_extension(now() + Duration::hours(1), ended, None, now()), Ok(()));
    }

    #[test]
    fn the_early_stop_waits_a_quiet_day() {
        let rotated = now() - Duration::hours(30);
        assert!(early_stop_due(rotated, None, now()));
        assert!(!early_stop_due(rotated, Some(now() - Duration::hours(23)), now()));
        assert!(early_stop_due(rotated, Some(now() - Duration::hours(24)), now()));
        assert!(!early_stop_due(now() - Duration::hours(23), Some(now() - Duration::days(9)), now()));
    }

    #[test]
    fn the_meter_shows_for_a_week_after_the_grace() {
        assert!(meter_shown(Some(now() - Duration::days(6)), now()));
        assert!(!meter_shown(Some(now() - Duration::days(7)), now()));
        assert!(meter_shown(None, now()));
    }

    #[test]
    fn the_request_reads_as_older_callers_send_it() {
        let request: RotationRequest = serde_json::from_str(r#"{"grace":{"for_seconds":3600}}"#).unwrap();
        assert_eq!(request, RotationRequest { grace: Grace::ForSeconds(3_600), stop_when_unused: false });
        let now_request: RotationRequest = serde_json::from_str(r#"{"grace":"now"}"#).unwrap();
        assert_eq!(now_request.grace, Grace::Now);
    }
}
