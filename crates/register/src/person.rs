//! Persons: names as written in any script, birth date or year, city, roles, contact details
//! and consent to publication.

use time::Date;

use crate::event::City;
use crate::text::{InvalidValue, parse_date, required_text};

/// A person's full name exactly as a source wrote it (Cyrillic, Latin, Kazakh letters).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<PersonName, InvalidValue> {
        let name = required_text("name", raw, 200)?;
        if name.chars().any(|c| c.is_control()) {
            return Err(InvalidValue::new("name", "contains control characters"));
        }
        // Whitespace runs collapse so that one person is not recorded twice by a stray space.
        Ok(PersonName(name.split_whitespace().collect::<Vec<_>>().join(" ")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A date of birth, or only its year when that is all a source knew.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BirthDate {
    Full(Date),
    Year(i32),
}

impl BirthDate {
    /// Parses `1990`, `09.06.1990` or `1990-06-09`. Years outside 1900..=2019 are refused.
    pub fn parse(raw: &str) -> Result<BirthDate, InvalidValue> {
        let text = raw.trim();
        let birth = if text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()) {
            BirthDate::Year(text.parse().map_err(|_| InvalidValue::new("birth_date", "is not a year"))?)
        } else {
            BirthDate::Full(parse_date(text).map_err(|error| InvalidValue::new("birth_date", error.reason))?)
        };
        if !(1900..=2019).contains(&birth.year()) {
            return Err(InvalidValue::new("birth_date", format!("year {} is outside 1900–2019", birth.year())));
        }
        Ok(birth)
    }

    pub fn year(self) -> i32 {
        match self {
            BirthDate::Full(date) => date.year(),
            BirthDate::Year(year) => year,
        }
    }

    /// The full date when known; this is a restricted field.
    pub fn full(self) -> Option<Date> {
        match self {
            BirthDate::Full(date) => Some(date),
            BirthDate::Year(_) => None,
        }
    }
}

impl std::fmt::Display for BirthDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BirthDate::Full(date) => write!(f, "{date}"),
            BirthDate::Year(year) => write!(f, "{year}"),
        }
    }
}

/// Why a person matters beyond being detained: the report counts journalists and human-rights
/// defenders separately, and minors need special care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PersonRole {
    Journalist,
    HumanRightsDefender,
    Observer,
    Activist,
    Minor,
    PasserBy,
}

impl PersonRole {
    pub const ALL: [PersonRole; 6] = [
        PersonRole::Journalist,
        PersonRole::HumanRightsDefender,
        PersonRole::Observer,
        PersonRole::Activist,
        PersonRole::Minor,
        PersonRole::PasserBy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PersonRole::Journalist => "journalist",
            PersonRole::HumanRightsDefender => "human_rights_defender",
            PersonRole::Observer => "observer",
            PersonRole::Activist => "activist",
            PersonRole::Minor => "minor",
            PersonRole::PasserBy => "passer_by",
        }
    }

    pub fn parse(raw: &str) -> Result<PersonRole, InvalidValue> {
        let key = raw.trim().to_lowercase().replace([' ', '-'], "_");
        PersonRole::ALL.into_iter().find(|role| role.as_str() == key).ok_or_else(|| {
            InvalidValue::new(
                "roles",
                format!("`{raw}` is not one of journalist, human_rights_defender, observer, activist, minor, passer_by"),
            )
        })
    }

    /// Parses a list separated by `,` or `;` or `|`; an empty text is no roles.
    pub fn parse_list(raw: &str) -> Result<Vec<PersonRole>, InvalidValue> {
        let mut roles = Vec::new();
        for part in raw.split([',', ';', '|']).filter(|part| !part.trim().is_empty()) {
            let role = PersonRole::parse(part)?;
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
        roles.sort();
        Ok(roles)
    }
}

/// Whether the person agreed to appear in the public list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    NotAsked,
    Given,
    Refused,
}

impl Consent {
    pub fn as_str(self) -> &'static str {
        match self {
            Consent::NotAsked => "not_asked",
            Consent::Given => "given",
            Consent::Refused => "refused",
        }
    }

    pub fn parse(raw: &str) -> Result<Consent, InvalidValue> {
        match raw.trim().to_lowercase().as_str() {
            "" | "not_asked" | "unknown" => Ok(Consent::NotAsked),
            "given" | "yes" | "да" | "иә" => Ok(Consent::Given),
            "refused" | "no" | "нет" | "жоқ" => Ok(Consent::Refused),
            _ => Err(InvalidValue::new("consent", format!("`{raw}` is not yes, no or empty"))),
        }
    }
}

/// A person in the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: PersonName,
    pub birth: Option<BirthDate>,
    pub city: Option<City>,
    pub roles: Vec<PersonRole>,
    /// Phone, messenger or e-mail of the person or a relative: restricted.
    pub contact: String,
    /// Home address: restricted.
    pub address: String,
    pub consent: Consent,
    /// A coordinator approved publication even without explicit consent (e.g. a public figure).
    pub publication_approved: bool,
    pub notes: String,
}

impl Person {
    pub fn new(name: PersonName) -> Person {
        Person {
            name,
            birth: None,
            city: None,
            roles: Vec::new(),
            contact: String::new(),
            address: String::new(),
            consent: Consent::NotAsked,
            publication_approved: false,
            notes: String::new(),
        }
    }

    /// Whether the person's public fields may appear in the public list. A refusal wins over
    /// an approval: nobody is published against their stated will.
    pub fn is_publishable(&self) -> bool {
        match self.consent {
            Consent::Given => true,
            Consent::Refused => false,
            Consent::NotAsked => self.publication_approved,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_birth(input: &str, expected: &str) {
        let actual = match BirthDate::parse(input) {
            Ok(birth) => birth.to_string(),
            Err(error) => format!("error: {error}"),
        };
        assert_eq!(actual, expected, "input {input:?}");
    }

    #[test]
    fn birth_dates() {
        check_birth("1990", "1990");
        check_birth("14.02.1987", "1987-02-14");
        check_birth("1987-02-14", "1987-02-14");
        check_birth("1890", "error: birth_date: year 1890 is outside 1900–2019");
        check_birth("2031-01-01", "error: birth_date: year 2031 is outside 1900–2019");
        check_birth("31.02.1987", "error: birth_date: `31.02.1987` is not a day of the calendar");
    }

    #[test]
    fn names_keep_script_and_collapse_spaces() {
        assert_eq!(PersonName::parse("  Тоқтар   Әлімжанов ").unwrap().as_str(), "Тоқтар Әлімжанов");
        assert_eq!(PersonName::parse("").unwrap_err().to_string(), "name: is empty");
        assert_eq!(PersonName::parse("a\u{7}b").unwrap_err().to_string(), "name: contains control characters");
        assert_eq!(PersonName::parse("<script>").unwrap().as_str(), "<script>");
    }

    #[test]
    fn roles_and_consent() {
        assert_eq!(
            PersonRole::parse_list("Journalist; human rights defender, journalist"),
            Ok(vec![PersonRole::Journalist, PersonRole::HumanRightsDefender])
        );
        assert_eq!(PersonRole::parse_list(""), Ok(vec![]));
        assert!(PersonRole::parse_list("spy").is_err());
        assert_eq!(Consent::parse("Да"), Ok(Consent::Given));
        assert_eq!(Consent::parse(""), Ok(Consent::NotAsked));
    }

    #[test]
    fn publishable_only_with_consent_or_approval_and_never_after_refusal() {
        let cases = [
            (Consent::Given, false, true),
            (Consent::NotAsked, false, false),
            (Consent::NotAsked, true, true),
            (Consent::Refused, true, false),
        ];
        for (consent, approved, expected) in cases {
            let mut person = Person::new(PersonName::parse("Test Person").unwrap());
            person.consent = consent;
            person.publication_approved = approved;
            assert_eq!(person.is_publishable(), expected, "{consent:?} {approved}");
        }
    }
}
