//! Confidentiality levels of the register's fields. The level belongs to the field, not to the
//! screen that shows it, so every view and export filters through the same table.

/// How widely a field may be shown. Ordered from least to most sensitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Confidentiality {
    /// May appear in the public list once the person consented or a coordinator approved.
    Public,
    /// For the organisation's own workers (coordinators, volunteers, analysts).
    Internal,
    /// Contact details, address, full date of birth, health and injuries, anonymous sources:
    /// coordinators and admins, and the volunteer who recorded them.
    Restricted,
}

impl Confidentiality {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidentiality::Public => "public",
            Confidentiality::Internal => "internal",
            Confidentiality::Restricted => "restricted",
        }
    }
}

/// Every field that a view or an export may show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    PersonName,
    BirthYear,
    BirthDateFull,
    City,
    PersonRoles,
    Contact,
    Address,
    Consent,
    EventDate,
    EventCity,
    DetainedAt,
    ReleasedAt,
    HoursHeld,
    DetainedBy,
    PoliceStation,
    Treatment,
    Injuries,
    DecisionAuthority,
    DecisionDate,
    HearingMinutes,
    LawyerPresent,
    Article,
    Outcome,
    CustodyPlace,
    Transfer,
    RelativesToldOn,
    Status,
    SourceReference,
    AnonymousSource,
    Notes,
}

impl Field {
    pub const ALL: [Field; 30] = [
        Field::PersonName,
        Field::BirthYear,
        Field::BirthDateFull,
        Field::City,
        Field::PersonRoles,
        Field::Contact,
        Field::Address,
        Field::Consent,
        Field::EventDate,
        Field::EventCity,
        Field::DetainedAt,
        Field::ReleasedAt,
        Field::HoursHeld,
        Field::DetainedBy,
        Field::PoliceStation,
        Field::Treatment,
        Field::Injuries,
        Field::DecisionAuthority,
        Field::DecisionDate,
        Field::HearingMinutes,
        Field::LawyerPresent,
        Field::Article,
        Field::Outcome,
        Field::CustodyPlace,
        Field::Transfer,
        Field::RelativesToldOn,
        Field::Status,
        Field::SourceReference,
        Field::AnonymousSource,
        Field::Notes,
    ];

    /// The level of this field. The public list is exactly the fields whose level is `Public`.
    pub fn level(self) -> Confidentiality {
        use Confidentiality::*;
        match self {
            Field::PersonName
            | Field::BirthYear
            | Field::City
            | Field::PersonRoles
            | Field::EventDate
            | Field::EventCity
            | Field::DetainedAt
            | Field::ReleasedAt
            | Field::HoursHeld
            | Field::PoliceStation
            | Field::DecisionAuthority
            | Field::DecisionDate
            | Field::Article
            | Field::Outcome
            | Field::CustodyPlace
            | Field::Status => Public,
            Field::Consent
            | Field::DetainedBy
            | Field::Treatment
            | Field::HearingMinutes
            | Field::LawyerPresent
            | Field::Transfer
            | Field::RelativesToldOn
            | Field::SourceReference
            | Field::Notes => Internal,
            Field::BirthDateFull | Field::Contact | Field::Address | Field::Injuries | Field::AnonymousSource => {
                Restricted
            }
        }
    }

    /// A stable machine name, used as column name in exports.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::PersonName => "name",
            Field::BirthYear => "birth_year",
            Field::BirthDateFull => "birth_date",
            Field::City => "city",
            Field::PersonRoles => "roles",
            Field::Contact => "contact",
            Field::Address => "address",
            Field::Consent => "consent",
            Field::EventDate => "event_date",
            Field::EventCity => "event_city",
            Field::DetainedAt => "detained_at",
            Field::ReleasedAt => "released_at",
            Field::HoursHeld => "hours_held",
            Field::DetainedBy => "detained_by",
            Field::PoliceStation => "police_station",
            Field::Treatment => "treatment",
            Field::Injuries => "injuries",
            Field::DecisionAuthority => "decision_authority",
            Field::DecisionDate => "decision_date",
            Field::HearingMinutes => "hearing_minutes",
            Field::LawyerPresent => "lawyer_present",
            Field::Article => "article",
            Field::Outcome => "outcome",
            Field::CustodyPlace => "custody_place",
            Field::Transfer => "transfer",
            Field::RelativesToldOn => "relatives_told_on",
            Field::Status => "status",
            Field::SourceReference => "source",
            Field::AnonymousSource => "anonymous_source",
            Field::Notes => "notes",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(field: Field, expected: Confidentiality) {
        assert_eq!(field.level(), expected, "{field:?}");
    }

    #[test]
    fn sensitive_fields_are_restricted() {
        check(Field::Contact, Confidentiality::Restricted);
        check(Field::Address, Confidentiality::Restricted);
        check(Field::BirthDateFull, Confidentiality::Restricted);
        check(Field::Injuries, Confidentiality::Restricted);
        check(Field::AnonymousSource, Confidentiality::Restricted);
        check(Field::SourceReference, Confidentiality::Internal);
        check(Field::BirthYear, Confidentiality::Public);
        check(Field::PoliceStation, Confidentiality::Public);
    }

    #[test]
    fn public_fields_are_the_published_list() {
        let public: Vec<&str> =
            Field::ALL.iter().filter(|field| field.level() == Confidentiality::Public).map(|field| field.as_str()).collect();
        assert_eq!(
            public.join(","),
            "name,birth_year,city,roles,event_date,event_city,detained_at,released_at,hours_held,police_station,\
             decision_authority,decision_date,article,outcome,custody_place,status"
        );
    }
}
