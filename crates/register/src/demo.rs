//! A seeded, synthetic demo register for the Kazakhstan 2019 case: the events and official
//! claims from the founding report, and invented people whose totals follow the report's
//! figures (203 named detainees in Almaty and 461 in Nur-Sultan on 9 June; 638 arrestees with
//! case data: 71 + 379 + 4 on 9 June, 121 + 63 on 10 June; 13 journalists and 7 human-rights
//! defenders).
//!
//! Every name is an invented combination of syllables (three-syllable surnames that no
//! registry of real people is meant to contain); contacts use the non-existent `+7 000`
//! prefix and sources the `example.invalid` domain. The same seed always gives the same
//! register.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::macros::{date, datetime};
use time::{Date, Duration, PrimitiveDateTime};

use crate::custody::Transfer;
use crate::decision::{AppealResult, Article, Code, Decision, Outcome};
use crate::detention::{Detention, Treatment, TreatmentSet};
use crate::event::{City, ClaimedCount, Event, OfficialClaim};
use crate::person::{BirthDate, Consent, Person, PersonName, PersonRole};
use crate::source::{Source, SourceKind};

/// The whole demo register, ready to be stored.
#[derive(Debug, Clone)]
pub struct DemoRegister {
    pub events: Vec<Event>,
    /// Claims with the index of the event they are about; `None` for nation-wide claims.
    pub claims: Vec<(Option<usize>, OfficialClaim)>,
    pub people: Vec<DemoPerson>,
}

/// One synthetic person with their detention at one event and what followed.
#[derive(Debug, Clone)]
pub struct DemoPerson {
    pub person: Person,
    /// Index into `DemoRegister::events`.
    pub event_index: usize,
    pub detention: Detention,
    pub decisions: Vec<Decision>,
    pub transfer: Option<Transfer>,
    pub source: Source,
}

/// How many named detainees and arrestees with case data the report gives per event.
struct EventFigures {
    title: &'static str,
    date: Date,
    city: &'static str,
    description: &'static str,
    named_detainees: usize,
    arrestees: usize,
    stations: &'static [&'static str],
}

const ALMATY_STATIONS: &[&str] = &[
    "Bostandyk district police department",
    "Turksib district police department",
    "Almaly district police department",
    "Auezov district police department",
    "Medeu district police department",
    "Zhetysu district police department",
];
const NUR_SULTAN_STATIONS: &[&str] = &[
    "Yesil district police department",
    "Baikonur district police department",
    "Almaty district police department (Nur-Sultan)",
    "Saryarka district police department",
];
const AKTOBE_STATIONS: &[&str] = &["Aktobe city police department"];

const EVENTS: &[EventFigures] = &[
    EventFigures {
        title: "Election-day protest, Almaty",
        date: date!(2019 - 06 - 09),
        city: "Almaty",
        description: "Human-rights defenders' estimate: at least 400–500 detained.",
        named_detainees: 203,
        arrestees: 71,
        stations: ALMATY_STATIONS,
    },
    EventFigures {
        title: "Election-day protest, Nur-Sultan",
        date: date!(2019 - 06 - 09),
        city: "Nur-Sultan",
        description: "Human-rights defenders' estimate: at least 1,000 detained.",
        named_detainees: 461,
        arrestees: 379,
        stations: NUR_SULTAN_STATIONS,
    },
    EventFigures {
        title: "Election-day protest, Aktobe",
        date: date!(2019 - 06 - 09),
        city: "Aktobe",
        description: "Human-rights defenders' estimate: about 60 detained.",
        named_detainees: 4,
        arrestees: 4,
        stations: AKTOBE_STATIONS,
    },
    EventFigures {
        title: "Election-day protest, Shymkent",
        date: date!(2019 - 06 - 09),
        city: "Shymkent",
        description: "Human-rights defenders' estimate: about 20 detained.",
        named_detainees: 0,
        arrestees: 0,
        stations: &[],
    },
    EventFigures {
        title: "Election-day protest, Kostanay",
        date: date!(2019 - 06 - 09),
        city: "Kostanay",
        description: "Human-rights defenders' estimate: several dozen detained.",
        named_detainees: 0,
        arrestees: 0,
        stations: &[],
    },
    EventFigures {
        title: "Protest against the election results, Almaty",
        date: date!(2019 - 06 - 10),
        city: "Almaty",
        description: "About 100 detained by day and more than 100 at night.",
        named_detainees: 140,
        arrestees: 121,
        stations: ALMATY_STATIONS,
    },
    EventFigures {
        title: "Protest against the election results, Nur-Sultan",
        date: date!(2019 - 06 - 10),
        city: "Nur-Sultan",
        description: "",
        named_detainees: 272,
        arrestees: 63,
        stations: NUR_SULTAN_STATIONS,
    },
    EventFigures {
        title: "Protest against the election results, Shymkent",
        date: date!(2019 - 06 - 10),
        city: "Shymkent",
        description: "Human-rights defenders' estimate: about 20 detained.",
        named_detainees: 0,
        arrestees: 0,
        stations: &[],
    },
    EventFigures {
        title: "Inauguration-day protest, Almaty",
        date: date!(2019 - 06 - 12),
        city: "Almaty",
        description: "More than 200 detained, passers-by included.",
        named_detainees: 0,
        arrestees: 0,
        stations: &[],
    },
    EventFigures {
        title: "Inauguration-day protest, Uralsk",
        date: date!(2019 - 06 - 12),
        city: "Uralsk",
        description: "15 detained, journalists among them.",
        named_detainees: 0,
        arrestees: 0,
        stations: &[],
    },
    EventFigures {
        title: "Inauguration-day protest, Nur-Sultan",
        date: date!(2019 - 06 - 12),
        city: "Nur-Sultan",
        description: "More than 20 detained in Nur-Sultan and Shymkent.",
        named_detainees: 0,
        arrestees: 0,
        stations: &[],
    },
];

/// Syllables with their Latin and Cyrillic spellings; names are written in either script, as
/// volunteers' spreadsheets mix them.
const FIRST_SYLLABLES: &[(&str, &str)] = &[
    ("Ar", "Ар"),
    ("Bek", "Бек"),
    ("Dau", "Дау"),
    ("Er", "Ер"),
    ("Kai", "Кай"),
    ("Mir", "Мир"),
    ("Ora", "Ора"),
    ("Sag", "Саг"),
    ("Tal", "Тал"),
    ("Zhan", "Жан"),
    ("Ai", "Ай"),
    ("Nur", "Нур"),
];
const MALE_ENDINGS: &[(&str, &str)] =
    &[("dar", "дар"), ("bol", "бол"), ("tay", "тай"), ("mek", "мек"), ("zhol", "жол"), ("sen", "сен"), ("rat", "рат")];
const FEMALE_ENDINGS: &[(&str, &str)] = &[("gul", "гуль"), ("ira", "ира"), ("ana", "ана"), ("zhana", "жана"), ("sel", "сель")];
const SURNAME_ROOTS: &[(&str, &str)] = &[
    ("Tol", "Тол"),
    ("Zhu", "Жу"),
    ("Kam", "Кам"),
    ("Bay", "Бай"),
    ("Ses", "Сес"),
    ("Ork", "Орк"),
    ("Ylm", "Ылм"),
    ("Dos", "Дос"),
    ("Tem", "Тем"),
    ("Kur", "Кур"),
];
const SURNAME_MIDDLES: &[(&str, &str)] =
    &[("ym", "ым"), ("ar", "ар"), ("uz", "уз"), ("ek", "ек"), ("ash", "аш"), ("ib", "иб"), ("on", "он")];

/// Builds the demo register from `seed`.
pub fn generate(seed: u64) -> DemoRegister {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let events: Vec<Event> = EVENTS
        .iter()
        .map(|figures| {
            let mut event = Event::new(figures.title, figures.date, City::parse(figures.city).expect("city"), "city centre")
                .expect("demo event");
            event.description = figures.description.to_owned();
            event
        })
        .collect();
    let claims = official_claims();

    let mut people = Vec::new();
    for (event_index, figures) in EVENTS.iter().enumerate() {
        for number in 0..figures.named_detainees {
            let arrested = number < figures.arrestees;
            people.push(synthetic_person(&mut rng, event_index, figures, arrested));
        }
    }
    assign_special_roles(&mut rng, &mut people);
    DemoRegister { events, claims, people }
}

fn official_claims() -> Vec<(Option<usize>, OfficialClaim)> {
    let claim = |said_by: &str, said_on: Date, count: ClaimedCount, subject: &str| OfficialClaim {
        said_by: said_by.to_owned(),
        said_on,
        count,
        subject: subject.to_owned(),
        source_url: String::new(),
    };
    let ministry = "Ministry of Internal Affairs (M. Kozhaev)";
    vec![
        (Some(1), claim(ministry, date!(2019 - 06 - 09), ClaimedCount::About(100), "detained in Almaty and Nur-Sultan (daytime)")),
        (Some(1), claim(ministry, date!(2019 - 06 - 09), ClaimedCount::About(500), "detained (evening)")),
        (Some(6), claim("Ministry of Internal Affairs", date!(2019 - 06 - 10), ClaimedCount::About(200), "detained on 10 June")),
        (Some(8), claim("Ministry of Internal Affairs", date!(2019 - 06 - 12), ClaimedCount::None, "detained in Almaty: \"no detentions\", only \"preventive talks\"")),
        (None, claim("Minister of Internal Affairs", date!(2019 - 06 - 13), ClaimedCount::About(4000), "detained in Kazakhstan, 9–13 June")),
        (None, claim("Courts (official figures)", date!(2019 - 06 - 13), ClaimedCount::Exactly(677), "sentenced to administrative arrest of up to 15 days")),
        (None, claim("Courts (official figures)", date!(2019 - 06 - 13), ClaimedCount::Exactly(305), "fined")),
        (None, claim("Courts (official figures)", date!(2019 - 06 - 13), ClaimedCount::Exactly(172), "warned")),
        (None, claim("Prosecutor's office", date!(2019 - 06 - 19), ClaimedCount::Exactly(311), "arrest terms reduced; none acquitted")),
    ]
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn synthetic_name(rng: &mut ChaCha8Rng) -> (PersonName, bool) {
    let female = rng.random_bool(0.4);
    let cyrillic = rng.random_bool(0.35);
    let spell = |pair: &(&'static str, &'static str)| if cyrillic { pair.1 } else { pair.0 };
    let first = spell(pick(rng, FIRST_SYLLABLES));
    let ending = spell(pick(rng, if female { FEMALE_ENDINGS } else { MALE_ENDINGS }));
    let root = spell(pick(rng, SURNAME_ROOTS));
    let middle = spell(pick(rng, SURNAME_MIDDLES));
    let second = spell(pick(rng, SURNAME_ROOTS)).to_lowercase();
    let suffix = match (cyrillic, female) {
        (false, false) => "ov",
        (false, true) => "ova",
        (true, false) => "ов",
        (true, true) => "ова",
    };
    let given = format!("{first}{ending}");
    let surname = format!("{root}{middle}{second}{suffix}");
    // Spreadsheets write surname first about half of the time.
    let full = if rng.random_bool(0.5) { format!("{surname} {given}") } else { format!("{given} {surname}") };
    (PersonName::parse(&full).expect("synthetic name"), female)
}

fn synthetic_person(rng: &mut ChaCha8Rng, event_index: usize, figures: &EventFigures, arrested: bool) -> DemoPerson {
    let (name, _female) = synthetic_name(rng);
    let mut person = Person::new(name);
    let year = rng.random_range(1950..=2001);
    person.birth = Some(if rng.random_bool(0.6) {
        let day = Date::from_ordinal_date(year, rng.random_range(1..=365)).expect("ordinal day");
        BirthDate::Full(day)
    } else {
        BirthDate::Year(year)
    });
    person.city = Some(City::parse(figures.city).expect("city"));
    if year >= 2001 && rng.random_bool(0.5) {
        person.roles.push(PersonRole::Minor);
    } else if rng.random_bool(0.05) {
        person.roles.push(PersonRole::PasserBy);
    } else if rng.random_bool(0.3) {
        person.roles.push(PersonRole::Activist);
    }
    if rng.random_bool(0.7) {
        person.contact = format!("+7 000 {:03} {:02} {:02}", rng.random_range(0..1000), rng.random_range(0..100), rng.random_range(0..100));
    }
    person.consent = match rng.random_range(0..10) {
        0..5 => Consent::Given,
        5 => Consent::Refused,
        _ => Consent::NotAsked,
    };

    // Detained in the afternoon or evening of the event day.
    let detained_at = PrimitiveDateTime::new(figures.date, time::Time::MIDNIGHT)
        + Duration::minutes(rng.random_range(11 * 60..21 * 60));
    let mut detention = Detention::new(detained_at);
    detention.detained_by = (*pick(rng, &["police", "special forces", "police and special forces"])).to_owned();
    let station = *pick(rng, figures.stations);
    detention.police_station = station.to_owned();
    // Several hundred were held 10–17 hours; the rest were let go sooner, some within the limit.
    let minutes_held = if arrested || rng.random_bool(0.5) {
        rng.random_range(10 * 60..=17 * 60)
    } else {
        rng.random_range(60..10 * 60)
    };
    detention.set_released_at(Some(detained_at + Duration::minutes(minutes_held))).expect("release after detention");
    let mut treatment = TreatmentSet::empty();
    for (treatment_kind, probability) in [
        (Treatment::QuestionedOnPoliticalViews, 0.6),
        (Treatment::PhoneSeized, 0.5),
        (Treatment::DeniedLawyer, 0.7),
        (Treatment::DeniedWater, 0.4),
        (Treatment::DeniedFood, 0.4),
        (Treatment::DeniedToilet, 0.3),
        (Treatment::Beaten, 0.03),
    ] {
        if rng.random_bool(probability) {
            treatment = treatment.with(treatment_kind);
        }
    }
    if treatment.contains(Treatment::Beaten) && rng.random_bool(0.5) {
        treatment = treatment.with(Treatment::Injured);
        detention.injuries = (*pick(rng, &["bruised hands", "head injury", "dislocated arm"])).to_owned();
    }
    detention.treatment = treatment;

    // Night courts at the police station, mostly without a lawyer and in under five minutes.
    let decided_on = figures.date + Duration::days(1);
    let court = |outcome: Outcome, rng: &mut ChaCha8Rng| Decision {
        authority: format!("Specialised administrative court, session at the {station}"),
        decided_on,
        hearing_minutes: Some(if rng.random_bool(0.7) { rng.random_range(2..5) } else { rng.random_range(5..30) }),
        lawyer_present: Some(rng.random_bool(0.1)),
        article: Some(Article { code: Code::Administrative, number: if rng.random_bool(0.9) { 488 } else { 667 } }),
        outcome,
    };
    let mut decisions = Vec::new();
    let mut transfer = None;
    if arrested {
        let days = *pick(rng, &[3u16, 5, 7, 10, 10, 15, 15, 15]);
        decisions.push(court(Outcome::AdministrativeArrest { days }, rng));
        // The prosecutor's office reduced 311 of 677 arrests.
        if days > 3 && rng.random_bool(0.46) {
            decisions.push(Decision {
                authority: "Prosecutor's office protest, appeal court".to_owned(),
                decided_on: date!(2019 - 06 - 14),
                hearing_minutes: None,
                lawyer_present: None,
                article: None,
                outcome: Outcome::Appeal { result: AppealResult::Reduced { days: rng.random_range(2..days) } },
            });
        }
        // Nur-Sultan had no room: about 200 arrestees were driven to neighbouring regions.
        if figures.city == "Nur-Sultan" && rng.random_bool(0.45) {
            let region = *pick(rng, &["Akmola region", "Karaganda region"]);
            let departed = PrimitiveDateTime::new(decided_on, time::Time::MIDNIGHT) + Duration::hours(rng.random_range(6..12));
            transfer = Some(Transfer {
                from_place: station.to_owned(),
                to_place: format!("Special detention centre, {region}"),
                departed_at: Some(departed),
                distance_km: Some(rng.random_range(100..=200)),
                hours_in_transport: Some(f64::from(rng.random_range(10..=20u32)) / 2.0),
                relatives_told_on: Some(decided_on + Duration::days(rng.random_range(3..=4))),
            });
        }
    } else {
        match rng.random_range(0..10) {
            0..5 => {
                let amount = *pick(rng, &[63_125u32, 126_250, 252_500]);
                decisions.push(court(Outcome::Fine { amount }, rng));
            }
            5..8 => decisions.push(court(Outcome::Warning, rng)),
            _ => {}
        }
    }
    let source = match rng.random_range(0..10) {
        0..5 => Source::new(SourceKind::Post, &format!("https://example.invalid/group/posts/{}", rng.random_range(10_000..99_999)), false),
        5..7 => Source::new(SourceKind::Volunteer, "volunteer at the police station", false),
        7..9 => Source::new(SourceKind::Relative, "relative, by phone", true),
        _ => Source::new(SourceKind::Lawyer, "lawyer of the detainee", false),
    }
    .expect("demo source");
    DemoPerson { person, event_index, detention, decisions, transfer, source }
}

/// At least 13 journalists and 7 human-rights defenders were detained (section 1); three
/// observers were taken from the Baikonur police station (section 4).
fn assign_special_roles(rng: &mut ChaCha8Rng, people: &mut [DemoPerson]) {
    let mut assign = |role: PersonRole, count: usize, rng: &mut ChaCha8Rng| {
        let mut assigned = 0;
        while assigned < count {
            let person = &mut people[rng.random_range(0..people.len())].person;
            if person.roles.iter().all(|r| matches!(r, PersonRole::Activist)) {
                person.roles = vec![role];
                // Journalists and defenders are public figures: publication approved.
                person.publication_approved = true;
                assigned += 1;
            }
        }
    };
    assign(PersonRole::Journalist, 13, rng);
    assign(PersonRole::HumanRightsDefender, 7, rng);
    assign(PersonRole::Observer, 3, rng);
}

/// The moment the demo register is "now" for derived statuses: 12 June 2019, noon.
pub const DEMO_NOW: PrimitiveDateTime = datetime!(2019-06-12 12:00);

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn totals_follow_the_report() {
        let register = generate(2019);
        let mut named: BTreeMap<&str, usize> = BTreeMap::new();
        let mut arrested: BTreeMap<&str, usize> = BTreeMap::new();
        for person in &register.people {
            let city = register.events[person.event_index].city.as_str();
            *named.entry(city).or_default() += 1;
            if person.decisions.iter().any(|d| matches!(d.outcome, Outcome::AdministrativeArrest { .. })) {
                *arrested.entry(city).or_default() += 1;
            }
        }
        assert_eq!(format!("{named:?}"), r#"{"Aktobe": 4, "Almaty": 343, "Nur-Sultan": 733}"#);
        assert_eq!(format!("{arrested:?}"), r#"{"Aktobe": 4, "Almaty": 192, "Nur-Sultan": 442}"#);
        assert_eq!(arrested.values().sum::<usize>(), 638);
        let almaty_9_june = register.people.iter().filter(|p| p.event_index == 0).count();
        let nur_sultan_9_june = register.people.iter().filter(|p| p.event_index == 1).count();
        assert_eq!((almaty_9_june, nur_sultan_9_june), (203, 461));
        let with_role = |role| register.people.iter().filter(|p| p.person.roles.contains(&role)).count();
        assert_eq!(with_role(PersonRole::Journalist), 13);
        assert_eq!(with_role(PersonRole::HumanRightsDefender), 7);
        assert_eq!(register.events.len(), 11);
        assert_eq!(register.claims.len(), 9);
    }

    #[test]
    fn the_same_seed_gives_the_same_register() {
        let first = generate(7);
        let second = generate(7);
        let names = |register: &DemoRegister| register.people.iter().map(|p| p.person.name.as_str().to_owned()).collect::<Vec<_>>();
        assert_eq!(names(&first), names(&second));
        assert_ne!(names(&first), names(&generate(8)));
    }

    #[test]
    fn names_are_synthetic_and_contacts_unreachable() {
        let register = generate(2019);
        for person in &register.people {
            let words: Vec<&str> = person.person.name.as_str().split(' ').collect();
            assert_eq!(words.len(), 2, "{}", person.person.name.as_str());
            assert!(person.person.contact.is_empty() || person.person.contact.starts_with("+7 000 "));
        }
    }
}
