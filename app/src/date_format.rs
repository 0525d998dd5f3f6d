//! Dates as the guide writes them (`31-12-2023 23:59`), in UTC on the server and in the
//! administrator's own time zone once the page runs in the browser.
//!
//! Written out by hand rather than with chrono's `format`/`parse_from_str`: their format-string
//! machinery was most of the 23 KB chrono added to the browser's wasm (5 KB now).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Timelike, Utc};

/// `DD-MM-YYYY HH:mm` in the given offset from UTC.
pub fn format_datetime(at: DateTime<Utc>, offset: FixedOffset) -> String {
    let at = at.with_timezone(&offset);
    format!("{:02}-{:02}-{:04} {:02}:{:02}", at.day(), at.month(), at.year(), at.hour(), at.minute())
}

/// `at` as a page shows it: `DD-MM-YYYY HH:mm` in the browser's time zone (`local`, once the
/// page runs in the browser), or followed by `UTC` (the server's HTML).
pub fn shown_datetime(at: DateTime<Utc>, local: bool) -> String {
    if local { format_datetime(at, local_offset(at)) } else { format!("{} UTC", format_datetime(at, utc())) }
}

/// The value of an `<input type="datetime-local">` (`YYYY-MM-DDTHH:MM`) for `at`.
pub fn to_datetime_local(at: DateTime<Utc>, offset: FixedOffset) -> String {
    let at = at.with_timezone(&offset);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}", at.year(), at.month(), at.day(), at.hour(), at.minute())
}

/// Reads an `<input type="datetime-local">` value (`YYYY-MM-DDTHH:MM`, optionally `:SS`) given in
/// `offset`; `None` when it is not one.
pub fn from_datetime_local(value: &str, offset: FixedOffset) -> Option<DateTime<Utc>> {
    let (date, time) = value.split_once('T')?;
    let mut date = date.splitn(3, '-');
    let mut time = time.splitn(3, ':');
    let (year, month, day) = (number(date.next(), 4)?, number(date.next(), 2)?, number(date.next(), 2)?);
    let (hour, minute) = (number(time.next(), 2)?, number(time.next(), 2)?);
    let second = match time.next() {
        None => 0,
        seconds => number(seconds, 2)?,
    };
    let naive = NaiveDate::from_ymd_opt(year as i32, month, day)?.and_hms_opt(hour, minute, second)?;
    offset.from_local_datetime(&naive).single().map(|at| at.with_timezone(&Utc))
}

/// `part` as a number when it is exactly `digits` ASCII digits.
fn number(part: Option<&str>, digits: usize) -> Option<u32> {
    part.filter(|p| p.len() == digits && p.bytes().all(|b| b.is_ascii_digit()))?.parse().ok()
}

/// Reads an `<input type="datetime-local">` value as the administrator's local time, with the
/// offset in force at that moment (not today's: the date may lie across a daylight-saving change).
pub fn from_local_input(value: &str) -> Option<DateTime<Utc>> {
    let guess = from_datetime_local(value, utc())?;
    let first = from_datetime_local(value, local_offset(guess))?;
    from_datetime_local(value, local_offset(first))
}

/// The browser's offset from UTC at `at` (it changes with daylight saving time); UTC on the server.
pub fn local_offset(at: DateTime<Utc>) -> FixedOffset {
    #[cfg(feature = "hydrate")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.timestamp_millis() as f64));
        // getTimezoneOffset is UTC minus local, in minutes.
        let west_seconds = (date.get_timezone_offset() * 60.0) as i32;
        FixedOffset::west_opt(west_seconds).unwrap_or(utc())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = at;
        utc()
    }
}

pub fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).expect("zero is a valid offset")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_dates_like_the_guide() {
        let at = Utc.with_ymd_and_hms(2023, 12, 31, 23, 59, 0).unwrap();
        assert_eq!(format_datetime(at, utc()), "31-12-2023 23:59");
        let plus_two = FixedOffset::east_opt(2 * 3600).unwrap();
        assert_eq!(format_datetime(at, plus_two), "01-01-2024 01:59");
    }

    #[test]
    fn datetime_local_round_trips_through_an_offset() {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 8, 30, 0).unwrap();
        let minus_five = FixedOffset::west_opt(5 * 3600).unwrap();
        let value = to_datetime_local(at, minus_five);
        assert_eq!(value, "2026-03-01T03:30");
        assert_eq!(from_datetime_local(&value, minus_five), Some(at));
        assert_eq!(from_datetime_local("2026-03-01T03:30:00", minus_five), Some(at));
        for not_one in [
            "tomorrow",
            "",
            "2026-03-01",
            "2026-3-01T03:30",
            "2026-03-01T3:30",
            "2026-02-30T03:30",
            "2026-03-01T24:00",
            "2026-03-01T03:30:",
            "2026-03-01T03:30:0",
            "2026-03-01T03:30:00Z",
            "+026-03-01T03:30",
            "2026-03-01 03:30",
        ] {
            assert_eq!(from_datetime_local(not_one, utc()), None, "{not_one:?}");
        }
    }
}
