//! The store's input and output types. Inputs carry already-parsed domain values from
//! `kuzet_register`; outputs are plain rows deriving `Serialize` for templates and the JSON
//! API, with confidentiality applied for the actor who asked (a hidden field is `None`).
//! Dates are ISO text (`2019-06-09`), local date-times `2019-06-09T14:30:00`.

use kuzet_register::{Detention, Person, PersonName, PersonRole};
use serde::Serialize;
use time::Date;

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    )*};
}

id_type!(
    /// An event (a rally on a day in a city).
    EventId,
    /// An official claim about an event or the whole country.
    ClaimId,
    PersonId,
    DetentionId,
    DecisionId,
    CustodyId,
    TransferId,
    SourceId,
    ApiTokenId,
);

/// A person as entered: the domain person plus other spellings of the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPerson {
    pub person: Person,
    pub aliases: Vec<PersonName>,
}

impl NewPerson {
    pub fn new(person: Person) -> NewPerson {
        NewPerson {
            person,
            aliases: Vec::new(),
        }
    }
}

/// A detention as entered, with the event it happened at when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDetention {
    pub event_id: Option<EventId>,
    pub detention: Detention,
}

/// The fact a source is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum FactRef {
    Event(EventId),
    Claim(ClaimId),
    Person(PersonId),
    Detention(DetentionId),
    Decision(DecisionId),
    Custody(CustodyId),
    Transfer(TransferId),
}

impl FactRef {
    /// The stored name of the fact's kind (also the audit log's entity name).
    pub fn kind(self) -> &'static str {
        match self {
            FactRef::Event(_) => "event",
            FactRef::Claim(_) => "claim",
            FactRef::Person(_) => "person",
            FactRef::Detention(_) => "detention",
            FactRef::Decision(_) => "decision",
            FactRef::Custody(_) => "custody",
            FactRef::Transfer(_) => "transfer",
        }
    }

    pub fn id(self) -> i64 {
        match self {
            FactRef::Event(id) => id.0,
            FactRef::Claim(id) => id.0,
            FactRef::Person(id) => id.0,
            FactRef::Detention(id) => id.0,
            FactRef::Decision(id) => id.0,
            FactRef::Custody(id) => id.0,
            FactRef::Transfer(id) => id.0,
        }
    }

    pub(crate) fn from_parts(kind: &str, id: i64) -> Option<FactRef> {
        Some(match kind {
            "event" => FactRef::Event(EventId(id)),
            "claim" => FactRef::Claim(ClaimId(id)),
            "person" => FactRef::Person(PersonId(id)),
            "detention" => FactRef::Detention(DetentionId(id)),
            "decision" => FactRef::Decision(DecisionId(id)),
            "custody" => FactRef::Custody(CustodyId(id)),
            "transfer" => FactRef::Transfer(TransferId(id)),
            _ => return None,
        })
    }
}

/// An event with the register's count of detentions at it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRow {
    pub id: EventId,
    pub title: String,
    pub date: String,
    pub city: String,
    pub place: String,
    pub description: String,
    pub detentions: i64,
}

/// An official claim, with the number as said (`≈500`) and as a value to chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaimRow {
    pub id: ClaimId,
    pub event_id: Option<EventId>,
    pub said_by: String,
    pub said_on: String,
    /// `exactly`, `about`, `at_least` or `none`.
    pub qualifier: String,
    pub value: u32,
    /// As said: `≈500`, `≥1000`, `677`, `none`.
    pub shown: String,
    pub subject: String,
    pub source_url: String,
}

/// An event page: the event, its claims and the register's counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventPage {
    pub event: EventRow,
    pub claims: Vec<ClaimRow>,
    pub by_outcome: Vec<Count>,
    pub by_status: Vec<Count>,
    pub by_police_station: Vec<Count>,
}

/// A person's own record, for the person page and the edit form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonView {
    pub id: PersonId,
    /// Pass back to `update_person` to detect concurrent edits.
    pub version: i64,
    pub name: String,
    pub aliases: Vec<String>,
    pub birth_year: Option<i32>,
    /// Restricted.
    pub birth_date: Option<String>,
    pub city: Option<String>,
    pub roles: Vec<String>,
    /// Restricted.
    pub contact: Option<String>,
    /// Restricted.
    pub address: Option<String>,
    /// Internal: `not_asked`, `given` or `refused`.
    pub consent: Option<String>,
    pub publication_approved: bool,
    /// Whether the person appears in the public list.
    pub publishable: bool,
    /// Internal.
    pub notes: Option<String>,
    pub is_draft: bool,
    pub created_by: Option<i64>,
    /// Derived from the latest facts: one of `DetentionStatus::ALL_NAMES`, or `unknown`.
    pub status: String,
    /// The day a `serving_arrest` ends.
    pub status_until: Option<String>,
    /// Where the person is held, when known.
    pub status_place: Option<String>,
}

/// A row of the register list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonRow {
    pub id: PersonId,
    pub version: i64,
    pub name: String,
    pub birth_year: Option<i32>,
    pub city: Option<String>,
    pub roles: Vec<String>,
    pub event_id: Option<EventId>,
    pub event_title: Option<String>,
    pub detained_at: Option<String>,
    pub police_station: Option<String>,
    pub hours_held: Option<f64>,
    pub status: String,
    /// Machine name of the latest decision's outcome (`arrest`, `fine`, ...).
    pub outcome: Option<String>,
    /// The latest outcome as words: `arrest 15 days`.
    pub outcome_text: Option<String>,
    pub is_draft: bool,
    pub publishable: bool,
}

/// A row of the public list: only public fields of published persons.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicPersonRow {
    pub id: PersonId,
    pub name: String,
    pub birth_year: Option<i32>,
    pub city: Option<String>,
    pub roles: Vec<String>,
    pub event_title: Option<String>,
    pub event_date: Option<String>,
    pub event_city: Option<String>,
    pub detained_at: Option<String>,
    pub released_at: Option<String>,
    pub hours_held: Option<f64>,
    pub police_station: Option<String>,
    pub outcome: Option<String>,
    pub outcome_text: Option<String>,
    pub status: String,
    pub custody_place: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetentionView {
    pub id: DetentionId,
    pub person_id: PersonId,
    pub event_id: Option<EventId>,
    pub event_title: Option<String>,
    pub detained_at: String,
    pub released_at: Option<String>,
    pub hours_held: Option<f64>,
    /// Held longer than the legal three hours (still held counts until the status moment).
    pub over_legal_limit: bool,
    /// Internal.
    pub detained_by: Option<String>,
    pub police_station: String,
    /// Internal: treatment names (`beaten`, `denied_water`, ...).
    pub treatment: Option<Vec<String>>,
    /// Restricted.
    pub injuries: Option<String>,
    /// The status this detention alone gives.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionView {
    pub id: DecisionId,
    pub detention_id: DetentionId,
    pub authority: String,
    pub decided_on: String,
    /// Internal.
    pub hearing_minutes: Option<u16>,
    /// Internal; `None` also when unknown.
    pub lawyer_present: Option<bool>,
    /// `AC 488`, `CC 405`.
    pub article: Option<String>,
    pub outcome_kind: String,
    pub outcome_amount: Option<u32>,
    pub appeal_result: Option<String>,
    /// As words: `arrest 15 days`.
    pub outcome: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustodyView {
    pub id: CustodyId,
    pub detention_id: DetentionId,
    pub place: String,
    pub region: String,
    pub from: String,
    pub until: Option<String>,
}

/// A transfer; internal, so the public never sees one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransferView {
    pub id: TransferId,
    pub detention_id: DetentionId,
    pub from_place: String,
    pub to_place: String,
    pub departed_at: Option<String>,
    pub distance_km: Option<u32>,
    pub hours_in_transport: Option<f64>,
    pub relatives_told_on: Option<String>,
    pub days_until_relatives_told: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceView {
    pub id: SourceId,
    pub fact: FactRef,
    /// `volunteer`, `post`, `media`, `lawyer`, `relative`, `official`, `person`.
    pub kind: String,
    /// Internal; restricted when the source is anonymous.
    pub reference: Option<String>,
    pub anonymous: bool,
}

/// One fact on a person's timeline, oldest first, with the sources of that fact.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEntry {
    /// `2019-06-09T14:30:00` or a date `2019-06-10`.
    pub at: String,
    /// `detained`, `released`, `decision`, `custody`, `transfer`, `relatives_told`.
    pub kind: String,
    /// English words for the fact (pages may render their own from `fact` and `kind`).
    pub summary: String,
    pub fact: FactRef,
    pub sources: Vec<SourceView>,
}

/// Everything the person page shows, filtered for the actor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonPage {
    pub person: PersonView,
    pub detentions: Vec<DetentionView>,
    pub decisions: Vec<DecisionView>,
    pub custody: Vec<CustodyView>,
    pub transfers: Vec<TransferView>,
    pub sources: Vec<SourceView>,
    pub timeline: Vec<TimelineEntry>,
    /// Audit records about this person and their facts, newest first; empty for actors who may
    /// not read the audit log.
    pub history: Vec<crate::AuditRecord>,
}

/// How to order the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PersonSort {
    /// With search text: best match first (see `Store::list_persons`); without: as
    /// `DetainedDesc`. The default.
    #[default]
    Relevance,
    DetainedDesc,
    DetainedAsc,
    NameAsc,
    NameDesc,
    HoursHeldDesc,
    CityAsc,
    StatusAsc,
}

impl PersonSort {
    pub const ALL: [PersonSort; 8] = [
        PersonSort::Relevance,
        PersonSort::DetainedDesc,
        PersonSort::DetainedAsc,
        PersonSort::NameAsc,
        PersonSort::NameDesc,
        PersonSort::HoursHeldDesc,
        PersonSort::CityAsc,
        PersonSort::StatusAsc,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PersonSort::Relevance => "relevance",
            PersonSort::DetainedDesc => "detained_desc",
            PersonSort::DetainedAsc => "detained_asc",
            PersonSort::NameAsc => "name_asc",
            PersonSort::NameDesc => "name_desc",
            PersonSort::HoursHeldDesc => "hours_held_desc",
            PersonSort::CityAsc => "city_asc",
            PersonSort::StatusAsc => "status_asc",
        }
    }

    /// Parses a sort name as in query strings; an unknown name is `None`.
    pub fn parse(raw: &str) -> Option<PersonSort> {
        PersonSort::ALL
            .into_iter()
            .find(|sort| sort.as_str() == raw.trim())
    }

    /// The ORDER BY clause. PostgreSQL sorts NULLs first when descending and last when
    /// ascending, SQLite the other way round, and has no NOCASE collation: its clauses say
    /// SQLite's order explicitly (and use `lower(name)`, which its indexes cover).
    pub(crate) fn order_by(self, postgres: bool) -> &'static str {
        if postgres {
            return match self {
                PersonSort::Relevance | PersonSort::DetainedDesc => {
                    "p.latest_detained_at DESC NULLS LAST, p.id DESC"
                }
                PersonSort::DetainedAsc => "p.latest_detained_at ASC NULLS FIRST, p.id ASC",
                PersonSort::NameAsc => "lower(p.name) ASC, p.id ASC",
                PersonSort::NameDesc => "lower(p.name) DESC, p.id DESC",
                PersonSort::HoursHeldDesc => {
                    "p.latest_hours_held IS NULL, p.latest_hours_held DESC, p.id ASC"
                }
                PersonSort::CityAsc => "p.city IS NULL, p.city ASC, lower(p.name) ASC, p.id ASC",
                PersonSort::StatusAsc => "effective_status ASC, p.id ASC",
            };
        }
        match self {
            PersonSort::Relevance | PersonSort::DetainedDesc => {
                "p.latest_detained_at DESC, p.id DESC"
            }
            PersonSort::DetainedAsc => "p.latest_detained_at ASC, p.id ASC",
            PersonSort::NameAsc => "p.name COLLATE NOCASE ASC, p.id ASC",
            PersonSort::NameDesc => "p.name COLLATE NOCASE DESC, p.id DESC",
            PersonSort::HoursHeldDesc => {
                "p.latest_hours_held IS NULL, p.latest_hours_held DESC, p.id ASC"
            }
            PersonSort::CityAsc => {
                "p.city IS NULL, p.city ASC, p.name COLLATE NOCASE ASC, p.id ASC"
            }
            PersonSort::StatusAsc => "effective_status ASC, p.id ASC",
        }
    }
}

/// Filters, sort and page of the register list. `Default` is everything, newest first,
/// page 1 of 50.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PersonQuery {
    pub event: Option<EventId>,
    pub city: Option<String>,
    /// Detained on or after this day.
    pub date_from: Option<Date>,
    /// Detained on or before this day.
    pub date_to: Option<Date>,
    /// A status name (`DetentionStatus::ALL_NAMES`).
    pub status: Option<String>,
    /// The latest outcome's kind: `arrest`, `fine`, `warning`, `released`, `criminal_case`, `appeal`.
    pub outcome: Option<String>,
    pub role: Option<PersonRole>,
    /// Words of the name or an alias, in any script; each word matches as a prefix.
    pub text: Option<String>,
    pub sort: PersonSort,
    /// 1-based; 0 is taken as 1.
    pub page: u32,
    /// 1..=500; 0 is taken as 50.
    pub per_page: u32,
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    /// More matched than `total`: a ranked search keeps only its best candidates (see
    /// `Store::list_persons`), and the list should say "more than `total` — refine".
    pub capped: bool,
    pub page: u32,
    pub per_page: u32,
    pub pages: u32,
}

/// A count under a key (a city, a day, an outcome).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub key: String,
    pub count: i64,
}

/// Detentions at one event beside what officials claimed about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventCount {
    pub event_id: EventId,
    pub title: String,
    pub date: String,
    pub city: String,
    pub detentions: i64,
    /// Persons at this event whose latest outcome is an arrest.
    pub arrests: i64,
    pub claims: Vec<ClaimRow>,
}

/// The dashboard: the register's counts beside the official claims.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    pub persons: i64,
    pub detentions: i64,
    /// Detentions longer than the legal three hours.
    pub over_legal_limit: i64,
    pub by_event: Vec<EventCount>,
    /// Detentions by the event's city (or `unknown` without an event).
    pub by_city: Vec<Count>,
    /// Detentions by day (`2019-06-09`).
    pub by_day: Vec<Count>,
    /// Persons by latest outcome kind (`none` without a decision).
    pub by_outcome: Vec<Count>,
    /// Persons by current status.
    pub by_status: Vec<Count>,
    /// Persons by role (`journalist`, ...).
    pub by_role: Vec<Count>,
    /// Every claim, nation-wide ones included.
    pub official_claims: Vec<ClaimRow>,
}

/// What `load_demo` stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DemoSummary {
    pub events: usize,
    pub claims: usize,
    pub persons: usize,
    pub detentions: usize,
    pub decisions: usize,
    pub transfers: usize,
    pub sources: usize,
}

/// The moment statuses are derived at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusMoment {
    /// `2019-06-12T12:00:00`.
    pub as_of: String,
    /// Fixed by a setting (the demo), rather than now.
    pub fixed: bool,
}
