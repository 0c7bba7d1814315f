//! Decisions of courts and authorities: the article, the hearing and the outcome.

use time::Date;

use crate::text::InvalidValue;

/// Which code an article belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// Code of Administrative Offences (488: peaceful assemblies; 667: disobeying police).
    Administrative,
    /// Criminal Code (405: participation in an organisation found extremist).
    Criminal,
}

/// An article of a code, e.g. Administrative Code 488.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Article {
    pub code: Code,
    pub number: u16,
}

impl Article {
    /// Parses `AC 488`, `КоАП 488`, `CC 405`, `УК 405`, `ст. 488 КоАП`; a bare number is taken
    /// as the Administrative Code, where almost all of the 2019 cases were.
    pub fn parse(raw: &str) -> Result<Article, InvalidValue> {
        let text = raw.trim().to_lowercase();
        let invalid = || InvalidValue::new("article", format!("`{}` is not an article like AC 488 or CC 405", raw.trim()));
        let digits: String = text.chars().filter(|c| c.is_ascii_digit()).collect();
        let letters: String = text.chars().filter(|c| c.is_alphabetic()).collect();
        let letters = letters.trim_start_matches("ст").trim_start_matches("art").trim_end_matches("рк");
        let code = match letters {
            "" | "ac" | "коап" | "әқбтк" => Code::Administrative,
            "cc" | "ук" | "қк" => Code::Criminal,
            _ => return Err(invalid()),
        };
        let number: u16 = digits.parse().map_err(|_| invalid())?;
        if number == 0 {
            return Err(invalid());
        }
        Ok(Article { code, number })
    }
}

impl std::fmt::Display for Article {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.code {
            Code::Administrative => write!(f, "AC {}", self.number),
            Code::Criminal => write!(f, "CC {}", self.number),
        }
    }
}

/// What became of an appeal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppealResult {
    Pending,
    Upheld,
    /// The arrest was shortened to this many days (the prosecutor's office did so for 311 people).
    Reduced { days: u16 },
    Overturned,
}

/// What a decision did to the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    AdministrativeArrest { days: u16 },
    /// A fine, in tenge.
    Fine { amount: u32 },
    Warning,
    /// Released without a penalty (case closed).
    Released,
    CriminalCase,
    Appeal { result: AppealResult },
}

impl Outcome {
    /// A short machine name for filters and counts: `arrest`, `fine`, `warning`, `released`,
    /// `criminal_case`, `appeal`.
    pub fn kind(self) -> &'static str {
        match self {
            Outcome::AdministrativeArrest { .. } => "arrest",
            Outcome::Fine { .. } => "fine",
            Outcome::Warning => "warning",
            Outcome::Released => "released",
            Outcome::CriminalCase => "criminal_case",
            Outcome::Appeal { .. } => "appeal",
        }
    }

    /// The one number that goes with the kind: days of arrest, fine amount, reduced days.
    pub fn amount(self) -> Option<u32> {
        match self {
            Outcome::AdministrativeArrest { days } => Some(u32::from(days)),
            Outcome::Fine { amount } => Some(amount),
            Outcome::Appeal { result: AppealResult::Reduced { days } } => Some(u32::from(days)),
            _ => None,
        }
    }

    /// For appeals, `pending`, `upheld`, `reduced` or `overturned`.
    pub fn appeal_result(self) -> Option<&'static str> {
        match self {
            Outcome::Appeal { result } => Some(match result {
                AppealResult::Pending => "pending",
                AppealResult::Upheld => "upheld",
                AppealResult::Reduced { .. } => "reduced",
                AppealResult::Overturned => "overturned",
            }),
            _ => None,
        }
    }

    /// Rebuilds an outcome from its stored parts.
    pub fn from_parts(kind: &str, amount: Option<u32>, appeal_result: Option<&str>) -> Result<Outcome, InvalidValue> {
        let need = |what: &str| InvalidValue::new("outcome", format!("`{kind}` needs {what}"));
        let outcome = match kind.trim().to_lowercase().as_str() {
            "arrest" => {
                let days = amount.ok_or_else(|| need("a number of days"))?;
                if !(1..=90).contains(&days) {
                    return Err(InvalidValue::new("outcome", format!("an arrest of {days} days is outside 1–90")));
                }
                Outcome::AdministrativeArrest { days: days as u16 }
            }
            "fine" => Outcome::Fine { amount: amount.ok_or_else(|| need("an amount"))? },
            "warning" => Outcome::Warning,
            "released" => Outcome::Released,
            "criminal_case" => Outcome::CriminalCase,
            "appeal" => Outcome::Appeal {
                result: match appeal_result.unwrap_or("pending") {
                    "pending" => AppealResult::Pending,
                    "upheld" => AppealResult::Upheld,
                    "reduced" => AppealResult::Reduced { days: amount.ok_or_else(|| need("the reduced days"))? as u16 },
                    "overturned" => AppealResult::Overturned,
                    other => {
                        return Err(InvalidValue::new("outcome", format!("`{other}` is not an appeal result")));
                    }
                },
            },
            other => {
                return Err(InvalidValue::new(
                    "outcome",
                    format!("`{other}` is not one of arrest, fine, warning, released, criminal_case, appeal"),
                ));
            }
        };
        Ok(outcome)
    }

    /// Parses a volunteer's wording: `arrest 15`, `15 days`, `fine 126250`, `warning`.
    pub fn parse(raw: &str) -> Result<Outcome, InvalidValue> {
        let text = raw.trim().to_lowercase();
        let number: Option<u32> = {
            let digits: String = text.chars().filter(|c| c.is_ascii_digit()).collect();
            digits.parse().ok()
        };
        let kind = if text.starts_with("arrest") || text.contains("day") || text.contains("сут") || text.starts_with("арест") {
            "arrest"
        } else if text.starts_with("fine") || text.starts_with("штраф") {
            "fine"
        } else if text.starts_with("warning") || text.starts_with("предупр") {
            "warning"
        } else if text.starts_with("criminal") || text.starts_with("уголов") {
            "criminal_case"
        } else {
            text.split_whitespace().next().unwrap_or("")
        };
        Outcome::from_parts(kind, number, None)
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::AdministrativeArrest { days } => write!(f, "arrest {days} days"),
            Outcome::Fine { amount } => write!(f, "fine {amount} KZT"),
            Outcome::Warning => f.write_str("warning"),
            Outcome::Released => f.write_str("released"),
            Outcome::CriminalCase => f.write_str("criminal case"),
            Outcome::Appeal { result: AppealResult::Pending } => f.write_str("appeal pending"),
            Outcome::Appeal { result: AppealResult::Upheld } => f.write_str("appeal upheld"),
            Outcome::Appeal { result: AppealResult::Reduced { days } } => write!(f, "appeal: reduced to {days} days"),
            Outcome::Appeal { result: AppealResult::Overturned } => f.write_str("appeal: overturned"),
        }
    }
}

/// A decision of a court or authority about one detention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// "Specialised administrative court, at the Yesil police station", as written.
    pub authority: String,
    pub decided_on: Date,
    pub hearing_minutes: Option<u16>,
    pub lawyer_present: Option<bool>,
    pub article: Option<Article>,
    pub outcome: Outcome,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_article(input: &str, expected: &str) {
        let actual = match Article::parse(input) {
            Ok(article) => article.to_string(),
            Err(error) => format!("error: {error}"),
        };
        assert_eq!(actual, expected, "input {input:?}");
    }

    #[test]
    fn articles() {
        check_article("AC 488", "AC 488");
        check_article("488", "AC 488");
        check_article("КоАП 667", "AC 667");
        check_article("ст. 488 КоАП РК", "AC 488");
        check_article("CC 405", "CC 405");
        check_article("УК 405", "CC 405");
        check_article("XYZ 1", "error: article: `XYZ 1` is not an article like AC 488 or CC 405");
        check_article("AC", "error: article: `AC` is not an article like AC 488 or CC 405");
    }

    fn check_outcome(input: &str, expected: &str) {
        let actual = match Outcome::parse(input) {
            Ok(outcome) => outcome.to_string(),
            Err(error) => format!("error: {error}"),
        };
        assert_eq!(actual, expected, "input {input:?}");
    }

    #[test]
    fn outcomes() {
        check_outcome("arrest 15", "arrest 15 days");
        check_outcome("15 days", "arrest 15 days");
        check_outcome("арест 10 суток", "arrest 10 days");
        check_outcome("fine 126250", "fine 126250 KZT");
        check_outcome("Warning", "warning");
        check_outcome("criminal case", "criminal case");
        check_outcome("arrest", "error: outcome: `arrest` needs a number of days");
        check_outcome("arrest 400", "error: outcome: an arrest of 400 days is outside 1–90");
        check_outcome("pardon", "error: outcome: `pardon` is not one of arrest, fine, warning, released, criminal_case, appeal");
    }

    #[test]
    fn outcomes_round_trip_through_parts() {
        let outcomes = [
            Outcome::AdministrativeArrest { days: 15 },
            Outcome::Fine { amount: 126_250 },
            Outcome::Warning,
            Outcome::Released,
            Outcome::CriminalCase,
            Outcome::Appeal { result: AppealResult::Reduced { days: 5 } },
            Outcome::Appeal { result: AppealResult::Overturned },
        ];
        for outcome in outcomes {
            assert_eq!(Outcome::from_parts(outcome.kind(), outcome.amount(), outcome.appeal_result()), Ok(outcome));
        }
    }
}
