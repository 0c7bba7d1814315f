//! Small text rules shared by the domain types: trimming, required text and the date
//! formats volunteers write (`09.06.2019`, `2019-06-09`, with an optional `HH:MM` time).

use time::{Date, Month, PrimitiveDateTime, Time};

/// A value that does not satisfy a domain rule. `field` names what was wrong, `reason` says why
/// in words a volunteer can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct InvalidValue {
    pub field: &'static str,
    pub reason: String,
}

impl InvalidValue {
    pub fn new(field: &'static str, reason: impl Into<String>) -> InvalidValue {
        InvalidValue { field, reason: reason.into() }
    }
}

/// Trims `raw` and refuses it when empty or longer than `max_chars` characters.
pub(crate) fn required_text(field: &'static str, raw: &str, max_chars: usize) -> Result<String, InvalidValue> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(InvalidValue::new(field, "is empty"));
    }
    let length = trimmed.chars().count();
    if length > max_chars {
        return Err(InvalidValue::new(field, format!("is {length} characters long; at most {max_chars} are allowed")));
    }
    Ok(trimmed.to_owned())
}

/// Parses a calendar date written as `DD.MM.YYYY` (as in Kazakh and Russian documents) or
/// `YYYY-MM-DD` (ISO 8601).
pub fn parse_date(raw: &str) -> Result<Date, InvalidValue> {
    let text = raw.trim();
    let invalid = || InvalidValue::new("date", format!("`{text}` is not a date like 09.06.2019 or 2019-06-09"));
    let (year, month, day) = if let Some((day, rest)) = text.split_once('.') {
        let (month, year) = rest.split_once('.').ok_or_else(invalid)?;
        (year, month, day)
    } else {
        let mut parts = text.splitn(3, '-');
        let year = parts.next().ok_or_else(invalid)?;
        let month = parts.next().ok_or_else(invalid)?;
        let day = parts.next().ok_or_else(invalid)?;
        (year, month, day)
    };
    let number = |part: &str, digits: std::ops::RangeInclusive<usize>| -> Result<u16, InvalidValue> {
        if !digits.contains(&part.len()) || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        part.parse().map_err(|_| invalid())
    };
    let year = number(year, 4..=4)?;
    let month = number(month, 1..=2)?;
    let day = number(day, 1..=2)?;
    let month = Month::try_from(month as u8).map_err(|_| invalid())?;
    Date::from_calendar_date(i32::from(year), month, day as u8)
        .map_err(|_| InvalidValue::new("date", format!("`{text}` is not a day of the calendar")))
}

/// Parses a date with an optional time of day: `09.06.2019 14:30`, `2019-06-09T14:30`,
/// `2019-06-09 14:30:00`. A date alone means midnight.
pub fn parse_date_time(raw: &str) -> Result<PrimitiveDateTime, InvalidValue> {
    let text = raw.trim();
    let (date_part, time_part) = match text.split_once(['T', ' ']) {
        Some((date, time)) => (date, Some(time.trim())),
        None => (text, None),
    };
    let date = parse_date(date_part)?;
    let time = match time_part {
        None => Time::MIDNIGHT,
        Some(time_text) => parse_time(time_text)
            .ok_or_else(|| InvalidValue::new("time", format!("`{time_text}` is not a time like 14:30")))?,
    };
    Ok(PrimitiveDateTime::new(date, time))
}

fn parse_time(text: &str) -> Option<Time> {
    let mut parts = text.split(':');
    let hour: u8 = parts.next()?.parse().ok()?;
    let minute: u8 = parts.next()?.parse().ok()?;
    let second: u8 = match parts.next() {
        Some(second) => second.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    Time::from_hms(hour, minute, second).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_date(input: &str, expected: &str) {
        let actual = match parse_date(input) {
            Ok(date) => date.to_string(),
            Err(error) => format!("error: {error}"),
        };
        assert_eq!(actual, expected, "input {input:?}");
    }

    #[test]
    fn dates() {
        check_date("09.06.2019", "2019-06-09");
        check_date("9.6.2019", "2019-06-09");
        check_date(" 2019-06-09 ", "2019-06-09");
        check_date("2019-6-9", "2019-06-09");
        check_date("31.06.2019", "error: date: `31.06.2019` is not a day of the calendar");
        check_date("09/06/2019", "error: date: `09/06/2019` is not a date like 09.06.2019 or 2019-06-09");
        check_date("09.06.19", "error: date: `09.06.19` is not a date like 09.06.2019 or 2019-06-09");
        check_date("", "error: date: `` is not a date like 09.06.2019 or 2019-06-09");
        check_date("2019-13-01", "error: date: `2019-13-01` is not a date like 09.06.2019 or 2019-06-09");
    }

    fn check_date_time(input: &str, expected: &str) {
        let actual = match parse_date_time(input) {
            Ok(value) => value.to_string(),
            Err(error) => format!("error: {error}"),
        };
        assert_eq!(actual, expected, "input {input:?}");
    }

    #[test]
    fn date_times() {
        check_date_time("09.06.2019 14:30", "2019-06-09 14:30:00.0");
        check_date_time("2019-06-09T14:30:15", "2019-06-09 14:30:15.0");
        check_date_time("2019-06-09", "2019-06-09 0:00:00.0");
        check_date_time("2019-06-09 25:00", "error: time: `25:00` is not a time like 14:30");
    }
}
