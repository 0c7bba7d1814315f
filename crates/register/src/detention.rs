//! Detentions: when, by whom, where a person was held, for how long (against the legal limit of
//! three hours for an administrative offence), and how they were treated.

use time::PrimitiveDateTime;

use crate::text::InvalidValue;

/// Kazakh law: detention for an administrative offence may not last more than three hours.
pub const LEGAL_LIMIT_HOURS: f64 = 3.0;

/// Ill-treatment and violations that volunteers record, as the report lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Treatment {
    Injured,
    Beaten,
    DeniedWater,
    DeniedFood,
    DeniedToilet,
    DeniedLawyer,
    PhoneSeized,
    QuestionedOnPoliticalViews,
}

impl Treatment {
    pub const ALL: [Treatment; 8] = [
        Treatment::Injured,
        Treatment::Beaten,
        Treatment::DeniedWater,
        Treatment::DeniedFood,
        Treatment::DeniedToilet,
        Treatment::DeniedLawyer,
        Treatment::PhoneSeized,
        Treatment::QuestionedOnPoliticalViews,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Treatment::Injured => "injured",
            Treatment::Beaten => "beaten",
            Treatment::DeniedWater => "denied_water",
            Treatment::DeniedFood => "denied_food",
            Treatment::DeniedToilet => "denied_toilet",
            Treatment::DeniedLawyer => "denied_lawyer",
            Treatment::PhoneSeized => "phone_seized",
            Treatment::QuestionedOnPoliticalViews => "questioned_on_views",
        }
    }

    fn bit(self) -> u16 {
        1 << Treatment::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

/// A set of `Treatment`s, stored as bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct TreatmentSet(u16);

impl TreatmentSet {
    pub fn empty() -> TreatmentSet {
        TreatmentSet(0)
    }

    pub fn from_bits(bits: u16) -> TreatmentSet {
        TreatmentSet(bits & ((1 << Treatment::ALL.len()) - 1))
    }

    pub fn bits(self) -> u16 {
        self.0
    }

    pub fn with(self, treatment: Treatment) -> TreatmentSet {
        TreatmentSet(self.0 | treatment.bit())
    }

    pub fn contains(self, treatment: Treatment) -> bool {
        self.0 & treatment.bit() != 0
    }

    pub fn iter(self) -> impl Iterator<Item = Treatment> {
        Treatment::ALL.into_iter().filter(move |t| self.contains(*t))
    }

    /// Parses names separated by `,`, `;` or `|`, e.g. `beaten; denied_water`.
    pub fn parse(raw: &str) -> Result<TreatmentSet, InvalidValue> {
        let mut set = TreatmentSet::empty();
        for part in raw.split([',', ';', '|']).map(str::trim).filter(|part| !part.is_empty()) {
            let key = part.to_lowercase().replace([' ', '-'], "_");
            let treatment = Treatment::ALL
                .into_iter()
                .find(|t| t.as_str() == key)
                .ok_or_else(|| InvalidValue::new("treatment", format!("`{part}` is not a known treatment")))?;
            set = set.with(treatment);
        }
        Ok(set)
    }
}

impl std::fmt::Display for TreatmentSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.iter().map(Treatment::as_str).collect();
        f.write_str(&names.join(";"))
    }
}

/// One detention of one person at one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detention {
    /// Local time in the city where it happened.
    pub detained_at: PrimitiveDateTime,
    /// When the person left the police station; `None` while held or unknown.
    released_at: Option<PrimitiveDateTime>,
    /// "police", "special forces", "plain-clothes officers", as written.
    pub detained_by: String,
    pub police_station: String,
    pub treatment: TreatmentSet,
    /// Free text about injuries: a restricted field.
    pub injuries: String,
}

impl Detention {
    pub fn new(detained_at: PrimitiveDateTime) -> Detention {
        Detention {
            detained_at,
            released_at: None,
            detained_by: String::new(),
            police_station: String::new(),
            treatment: TreatmentSet::empty(),
            injuries: String::new(),
        }
    }

    pub fn released_at(&self) -> Option<PrimitiveDateTime> {
        self.released_at
    }

    /// Records the release; refuses a release before the detention.
    pub fn set_released_at(&mut self, released_at: Option<PrimitiveDateTime>) -> Result<(), InvalidValue> {
        if let Some(released) = released_at
            && released < self.detained_at
        {
            return Err(InvalidValue::new(
                "released_at",
                format!("{released} is before the detention at {}", self.detained_at),
            ));
        }
        self.released_at = released_at;
        Ok(())
    }

    /// Hours held at the police station, when the release is known, rounded to tenths.
    pub fn hours_held(&self) -> Option<f64> {
        let released = self.released_at?;
        let minutes = (released - self.detained_at).whole_minutes();
        Some((minutes as f64 / 6.0).round() / 10.0)
    }

    /// Whether the detention lasted longer than the legal limit. Still held counts from `now`.
    pub fn exceeds_legal_limit(&self, now: PrimitiveDateTime) -> bool {
        let end = self.released_at.unwrap_or(now);
        (end - self.detained_at).whole_minutes() as f64 > LEGAL_LIMIT_HOURS * 60.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::parse_date_time;

    fn check(detained: &str, released: &str, expected_hours: &str, expected_over_limit: bool) {
        let mut detention = Detention::new(parse_date_time(detained).unwrap());
        let released = if released.is_empty() { None } else { Some(parse_date_time(released).unwrap()) };
        detention.set_released_at(released).unwrap();
        let hours = detention.hours_held().map(|h| h.to_string()).unwrap_or_else(|| "-".into());
        assert_eq!(hours, expected_hours, "{detained} → {released:?}");
        let now = parse_date_time("2019-06-12 12:00").unwrap();
        assert_eq!(detention.exceeds_legal_limit(now), expected_over_limit, "{detained} → {released:?}");
    }

    #[test]
    fn hours_held_and_the_three_hour_limit() {
        check("09.06.2019 14:00", "09.06.2019 17:00", "3", false);
        check("09.06.2019 14:00", "09.06.2019 17:01", "3", true);
        check("09.06.2019 14:00", "10.06.2019 07:30", "17.5", true);
        check("09.06.2019 14:00", "09.06.2019 15:20", "1.3", false);
        check("09.06.2019 14:00", "", "-", true);
    }

    #[test]
    fn release_before_detention_is_refused() {
        let mut detention = Detention::new(parse_date_time("09.06.2019 14:00").unwrap());
        let error = detention.set_released_at(Some(parse_date_time("09.06.2019 13:00").unwrap())).unwrap_err();
        assert_eq!(error.to_string(), "released_at: 2019-06-09 13:00:00.0 is before the detention at 2019-06-09 14:00:00.0");
    }

    #[test]
    fn treatment_sets() {
        let set = TreatmentSet::parse("Beaten; denied water,phone-seized").unwrap();
        assert_eq!(set.to_string(), "beaten;denied_water;phone_seized");
        assert_eq!(TreatmentSet::from_bits(set.bits()), set);
        assert_eq!(TreatmentSet::parse("tortured").unwrap_err().to_string(), "treatment: `tortured` is not a known treatment");
        assert_eq!(TreatmentSet::parse("").unwrap(), TreatmentSet::empty());
    }
}
