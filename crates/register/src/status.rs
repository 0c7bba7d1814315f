//! The current status of a detained person, derived from the latest facts rather than typed
//! in, so that it cannot disagree with the record.

use time::{Date, Duration, PrimitiveDateTime};

use crate::custody::Transfer;
use crate::decision::{AppealResult, Decision, Outcome};
use crate::detention::Detention;

/// Where a person stands now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DetentionStatus {
    /// At the police station, no decision yet.
    HeldAtPoliceStation,
    /// Left the police station with no decision recorded.
    ReleasedWithoutDecision,
    /// Serving an administrative arrest until (and including) the day before `until`.
    ServingArrest { until: Date, place: Option<String> },
    ArrestServed,
    Fined,
    Warned,
    /// Released by a decision, or the decision was overturned.
    Released,
    CriminalCase,
    AppealPending,
}

impl DetentionStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            DetentionStatus::HeldAtPoliceStation => "held",
            DetentionStatus::ReleasedWithoutDecision => "released_without_decision",
            DetentionStatus::ServingArrest { .. } => "serving_arrest",
            DetentionStatus::ArrestServed => "arrest_served",
            DetentionStatus::Fined => "fined",
            DetentionStatus::Warned => "warned",
            DetentionStatus::Released => "released",
            DetentionStatus::CriminalCase => "criminal_case",
            DetentionStatus::AppealPending => "appeal_pending",
        }
    }

    pub const ALL_NAMES: [&'static str; 9] = [
        "held",
        "released_without_decision",
        "serving_arrest",
        "arrest_served",
        "fined",
        "warned",
        "released",
        "criminal_case",
        "appeal_pending",
    ];
}

/// Derives the status at `now` from a detention, its decisions (any order) and transfers.
///
/// The latest decision decides; an appeal that reduced an arrest shortens the arrest it
/// appealed; an overturned decision releases; a criminal case outweighs everything after it.
pub fn derive_status(
    detention: &Detention,
    decisions: &[Decision],
    transfers: &[Transfer],
    now: PrimitiveDateTime,
) -> DetentionStatus {
    let mut ordered: Vec<&Decision> = decisions.iter().collect();
    ordered.sort_by_key(|decision| decision.decided_on);
    if ordered.iter().any(|decision| decision.outcome == Outcome::CriminalCase) {
        return DetentionStatus::CriminalCase;
    }
    let Some(latest) = ordered.last() else {
        return match detention.released_at() {
            Some(_) => DetentionStatus::ReleasedWithoutDecision,
            None => DetentionStatus::HeldAtPoliceStation,
        };
    };
    // The arrest in force: the latest arrest, shortened by any later reducing appeal.
    let arrest = ordered.iter().rev().find_map(|decision| match decision.outcome {
        Outcome::AdministrativeArrest { days } => Some((decision.decided_on, days)),
        _ => None,
    });
    let arrest_status = |start: Date, days: u16| {
        let until = start + Duration::days(i64::from(days));
        if now.date() < until {
            let place = transfers.iter().filter(|t| t.departed_at.is_none_or(|at| at <= now)).last().map(|t| t.to_place.clone());
            DetentionStatus::ServingArrest { until, place }
        } else {
            DetentionStatus::ArrestServed
        }
    };
    match latest.outcome {
        Outcome::AdministrativeArrest { days } => arrest_status(latest.decided_on, days),
        Outcome::Fine { .. } => DetentionStatus::Fined,
        Outcome::Warning => DetentionStatus::Warned,
        Outcome::Released => DetentionStatus::Released,
        Outcome::CriminalCase => DetentionStatus::CriminalCase,
        Outcome::Appeal { result } => match (result, arrest) {
            (AppealResult::Overturned, _) => DetentionStatus::Released,
            (AppealResult::Reduced { days }, Some((start, _))) => arrest_status(start, days),
            (AppealResult::Upheld, Some((start, days))) => arrest_status(start, days),
            (AppealResult::Pending, Some((start, days))) => arrest_status(start, days),
            (AppealResult::Pending, None) => DetentionStatus::AppealPending,
            (AppealResult::Upheld | AppealResult::Reduced { .. }, None) => {
                // An appeal of a fine or warning that stood: the earlier decision still holds.
                match ordered.iter().rev().find(|d| !matches!(d.outcome, Outcome::Appeal { .. })).map(|d| d.outcome) {
                    Some(Outcome::Fine { .. }) => DetentionStatus::Fined,
                    Some(Outcome::Warning) => DetentionStatus::Warned,
                    _ => DetentionStatus::AppealPending,
                }
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{parse_date, parse_date_time};

    fn decision(on: &str, outcome: &str) -> Decision {
        let outcome = match outcome {
            "appeal reduced 5" => Outcome::Appeal { result: AppealResult::Reduced { days: 5 } },
            "appeal overturned" => Outcome::Appeal { result: AppealResult::Overturned },
            "appeal pending" => Outcome::Appeal { result: AppealResult::Pending },
            other => Outcome::parse(other).unwrap(),
        };
        Decision {
            authority: "court".into(),
            decided_on: parse_date(on).unwrap(),
            hearing_minutes: None,
            lawyer_present: None,
            article: None,
            outcome,
        }
    }

    /// `released` may be empty; `decisions` are `date=outcome` separated by `|`; `now` a date.
    fn check(released: &str, decisions: &str, now: &str, expected: &str) {
        let mut detention = Detention::new(parse_date_time("09.06.2019 14:00").unwrap());
        if !released.is_empty() {
            detention.set_released_at(Some(parse_date_time(released).unwrap())).unwrap();
        }
        let decisions: Vec<Decision> = decisions
            .split('|')
            .filter(|part| !part.is_empty())
            .map(|part| {
                let (on, outcome) = part.split_once('=').unwrap();
                decision(on, outcome)
            })
            .collect();
        let transfers = [Transfer {
            from_place: "police station".into(),
            to_place: "detention centre, Akmola region".into(),
            departed_at: Some(parse_date_time("10.06.2019 08:00").unwrap()),
            distance_km: Some(150),
            hours_in_transport: Some(5.0),
            relatives_told_on: None,
        }];
        let status = derive_status(&detention, &decisions, &transfers, parse_date_time(now).unwrap());
        let actual = match &status {
            DetentionStatus::ServingArrest { until, place } => {
                format!("serving_arrest until {until} at {}", place.as_deref().unwrap_or("?"))
            }
            other => other.as_str().to_owned(),
        };
        assert_eq!(actual, expected, "released {released:?}, decisions {decisions:?}, now {now}");
    }

    #[test]
    fn statuses() {
        check("", "", "09.06.2019 20:00", "held");
        check("10.06.2019 07:00", "", "10.06.2019 12:00", "released_without_decision");
        check("", "10.06.2019=arrest 15", "12.06.2019 12:00", "serving_arrest until 2019-06-25 at detention centre, Akmola region");
        check("", "10.06.2019=arrest 15", "10.06.2019 07:00", "serving_arrest until 2019-06-25 at ?");
        check("", "10.06.2019=arrest 15", "25.06.2019 00:00", "arrest_served");
        check("", "10.06.2019=arrest 15|12.06.2019=appeal reduced 5", "14.06.2019 12:00", "serving_arrest until 2019-06-15 at detention centre, Akmola region");
        check("", "10.06.2019=arrest 15|12.06.2019=appeal reduced 5", "16.06.2019 12:00", "arrest_served");
        check("", "12.06.2019=appeal overturned|10.06.2019=arrest 15", "14.06.2019 12:00", "released");
        check("", "10.06.2019=fine 126250", "14.06.2019 12:00", "fined");
        check("", "10.06.2019=fine 126250|11.06.2019=appeal pending", "14.06.2019 12:00", "appeal_pending");
        check("", "10.06.2019=warning", "14.06.2019 12:00", "warned");
        check("", "10.06.2019=criminal case|11.06.2019=warning", "14.06.2019 12:00", "criminal_case");
    }
}
