//! Custody: where a sentence is served, and transfers between places (in 2019 arrestees were
//! driven 100–200 km to neighbouring regions, and relatives learned where days later).

use time::{Date, PrimitiveDateTime};

/// A place of custody from a day on (a special detention centre, a temporary holding facility).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Custody {
    pub place: String,
    pub region: String,
    pub from: Date,
    pub until: Option<Date>,
}

/// A transfer of a person from one place to another.
#[derive(Debug, Clone, PartialEq)]
pub struct Transfer {
    pub from_place: String,
    pub to_place: String,
    pub departed_at: Option<PrimitiveDateTime>,
    pub distance_km: Option<u32>,
    pub hours_in_transport: Option<f64>,
    /// The day relatives were told where the person is.
    pub relatives_told_on: Option<Date>,
}

impl Transfer {
    /// Days between the transfer and the day relatives learned of it, when both are known.
    pub fn days_until_relatives_told(&self) -> Option<i64> {
        let departed = self.departed_at?.date();
        Some((self.relatives_told_on? - departed).whole_days())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{parse_date, parse_date_time};

    #[test]
    fn days_until_relatives_told() {
        let transfer = Transfer {
            from_place: "Yesil police station".into(),
            to_place: "Special detention centre, Karaganda region".into(),
            departed_at: Some(parse_date_time("10.06.2019 08:00").unwrap()),
            distance_km: Some(200),
            hours_in_transport: Some(6.5),
            relatives_told_on: Some(parse_date("13.06.2019").unwrap()),
        };
        assert_eq!(transfer.days_until_relatives_told(), Some(3));
        let unknown = Transfer { relatives_told_on: None, ..transfer };
        assert_eq!(unknown.days_until_relatives_told(), None);
    }
}
