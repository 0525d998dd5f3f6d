//! Dates as the guide writes them (`31-12-2023 23:59`), in UTC on the server and in the
//! administrator's own time zone once the page runs in the browser.

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};

/// `DD-MM-YYYY HH:mm` in the given offset from UTC.
pub fn format_datetime(at: DateTime<Utc>, offset: FixedOffset) -> String {
    at.with_timezone(&offset).format("%d-%m-%Y %H:%M").to_string()
}

/// The value of an `<input type="datetime-local">` (`YYYY-MM-DDTHH:MM`) for `at`.
pub fn to_datetime_local(at: DateTime<Utc>, offset: FixedOffset) -> String {
    at.with_timezone(&offset).format("%Y-%m-%dT%H:%M").to_string()
}

/// Reads an `<input type="datetime-local">` value given in `offset`; `None` when it is not one.
pub fn from_datetime_local(value: &str, offset: FixedOffset) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    offset.from_local_datetime(&naive).single().map(|at| at.with_timezone(&Utc))
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
        assert_eq!(from_datetime_local("tomorrow", utc()), None);
        assert_eq!(from_datetime_local("", utc()), None);
    }
}
