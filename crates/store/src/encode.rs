//! How domain values are written to and read from columns: dates as `2019-06-09`, local
//! date-times as `2019-06-09T14:30:00`, moments in UTC as `2026-11-25T09:00:00Z`, and random
//! tokens with their SHA-256 digests.

use sha2::{Digest, Sha256};
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

use crate::error::StoreError;

const DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]");
const DATE_TIME: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");

// Written by hand for the years people live in: the format machinery of `time` was a
// noticeable share of a 100,000-row import, which writes several of these per row.
pub(crate) fn date(value: Date) -> String {
    if (0..=9999).contains(&value.year()) {
        format!(
            "{:04}-{:02}-{:02}",
            value.year(),
            u8::from(value.month()),
            value.day()
        )
    } else {
        value.format(DATE).unwrap_or_default()
    }
}

pub(crate) fn date_time(value: PrimitiveDateTime) -> String {
    if (0..=9999).contains(&value.year()) {
        format!(
            "{}T{:02}:{:02}:{:02}",
            date(value.date()),
            value.hour(),
            value.minute(),
            value.second()
        )
    } else {
        value.format(DATE_TIME).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    #[test]
    fn dates_written_by_hand_are_what_the_format_writes() {
        for moment in [
            datetime!(2019-06-09 14:30:05),
            datetime!(0001-01-01 00:00:00),
            datetime!(1999-12-31 23:59:59),
            datetime!(9999-12-31 23:59:59),
        ] {
            assert_eq!(
                super::date_time(moment),
                moment.format(super::DATE_TIME).unwrap()
            );
            assert_eq!(
                super::date(moment.date()),
                moment.date().format(super::DATE).unwrap()
            );
        }
    }
}

/// A UTC moment with whole seconds, so that stored moments sort as text.
pub(crate) fn moment(value: OffsetDateTime) -> String {
    let utc = value.to_offset(time::UtcOffset::UTC);
    format!(
        "{}Z",
        date_time(PrimitiveDateTime::new(utc.date(), utc.time()))
    )
}

pub(crate) fn parse_date(text: &str) -> Result<Date, StoreError> {
    Date::parse(text, DATE)
        .map_err(|_| StoreError::corrupt(format!("stored date `{text}` does not parse")))
}

pub(crate) fn parse_date_time(text: &str) -> Result<PrimitiveDateTime, StoreError> {
    PrimitiveDateTime::parse(text, DATE_TIME)
        .map_err(|_| StoreError::corrupt(format!("stored date-time `{text}` does not parse")))
}

/// 32 random bytes from the operating system, hex-encoded.
pub(crate) fn random_token() -> Result<String, StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|error| StoreError::corrupt(format!("no randomness from the system: {error}")))?;
    Ok(hex::encode(bytes))
}

pub(crate) fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}
