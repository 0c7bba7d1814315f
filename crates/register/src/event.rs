//! Events (a rally on a day in a city) and the official claims made about them.

use time::Date;

use crate::text::{InvalidValue, required_text};

/// A city or town name as written, trimmed and non-empty.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct City(String);

impl City {
    pub fn parse(raw: &str) -> Result<City, InvalidValue> {
        required_text("city", raw, 100).map(City)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A rally or another occasion on which people were detained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub title: String,
    pub date: Date,
    pub city: City,
    /// Where in the city, as written ("Astana Square"), possibly empty.
    pub place: String,
    pub description: String,
}

impl Event {
    pub fn new(title: &str, date: Date, city: City, place: &str) -> Result<Event, InvalidValue> {
        Ok(Event {
            title: required_text("title", title, 200)?,
            date,
            city,
            place: place.trim().to_owned(),
            description: String::new(),
        })
    }
}

/// A number as an official stated it: exact, approximate, a lower bound, or a denial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimedCount {
    Exactly(u32),
    About(u32),
    AtLeast(u32),
    /// "No detentions": the official denied that any took place.
    None,
}

impl ClaimedCount {
    /// The number to chart beside the register's counts.
    pub fn value(self) -> u32 {
        match self {
            ClaimedCount::Exactly(n) | ClaimedCount::About(n) | ClaimedCount::AtLeast(n) => n,
            ClaimedCount::None => 0,
        }
    }

    /// `exactly`, `about`, `at_least` or `none`, for storage.
    pub fn qualifier(self) -> &'static str {
        match self {
            ClaimedCount::Exactly(_) => "exactly",
            ClaimedCount::About(_) => "about",
            ClaimedCount::AtLeast(_) => "at_least",
            ClaimedCount::None => "none",
        }
    }

    pub fn from_parts(qualifier: &str, value: u32) -> Result<ClaimedCount, InvalidValue> {
        match qualifier {
            "exactly" => Ok(ClaimedCount::Exactly(value)),
            "about" => Ok(ClaimedCount::About(value)),
            "at_least" => Ok(ClaimedCount::AtLeast(value)),
            "none" => Ok(ClaimedCount::None),
            other => Err(InvalidValue::new("claim", format!("`{other}` is not exactly, about, at_least or none"))),
        }
    }
}

impl std::fmt::Display for ClaimedCount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClaimedCount::Exactly(n) => write!(f, "{n}"),
            ClaimedCount::About(n) => write!(f, "≈{n}"),
            ClaimedCount::AtLeast(n) => write!(f, "≥{n}"),
            ClaimedCount::None => write!(f, "none"),
        }
    }
}

/// Something an authority said about an event: who, when, what number and about what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficialClaim {
    pub said_by: String,
    pub said_on: Date,
    pub count: ClaimedCount,
    /// What was counted, as said: "detained in Almaty and Nur-Sultan".
    pub subject: String,
    pub source_url: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claimed_counts_display_and_round_trip() {
        let cases = [
            (ClaimedCount::About(500), "≈500"),
            (ClaimedCount::AtLeast(1000), "≥1000"),
            (ClaimedCount::Exactly(677), "677"),
            (ClaimedCount::None, "none"),
        ];
        for (count, shown) in cases {
            assert_eq!(count.to_string(), shown);
            assert_eq!(ClaimedCount::from_parts(count.qualifier(), count.value()), Ok(count));
        }
    }

    #[test]
    fn city_must_not_be_empty() {
        assert_eq!(City::parse("  Almaty ").unwrap().as_str(), "Almaty");
        assert_eq!(City::parse(" ").unwrap_err().to_string(), "city: is empty");
    }
}
