//! Protocol definitions as data: the lines of a polling-station protocol, the control relations
//! between them, and which lines play the roles of registered voters, ballots issued, ballots
//! cast and valid ballots.
//!
//! A definition is written in a small text format (see [`ProtocolDefinition::parse`]), so that
//! another country's protocol is a data change, not a code change. Two are built in: the Russian
//! CEC protocol ([`ProtocolDefinition::russian_cec`]) and the Kazakh one of 2019
//! ([`ProtocolDefinition::kazakhstan_2019`]).

use std::fmt;

/// One numbered line of a protocol, such as "registered voters" or "valid ballots".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineDefinition {
    /// A short stable identifier used in files and relations (`registered`, `valid`).
    pub key: String,
    /// The English name shown in reports.
    pub label: String,
    /// The Russian name, when the definition gives one.
    pub label_ru: Option<String>,
}

/// How the two sides of a control relation must compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Equal,
    AtMost,
    AtLeast,
}

impl Comparison {
    pub fn holds(self, left: i64, right: i64) -> bool {
        match self {
            Comparison::Equal => left == right,
            Comparison::AtMost => left <= right,
            Comparison::AtLeast => left >= right,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::Equal => "=",
            Comparison::AtMost => "<=",
            Comparison::AtLeast => ">=",
        }
    }
}

/// A term of a control relation: one protocol line, or the sum of all candidates' votes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operand {
    /// Index into [`ProtocolDefinition::lines`].
    Line(usize),
    Candidates,
}

/// A control relation: the sum of the left operands compared with the sum of the right ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlRelation {
    /// What a person calls this check ("ballots in boxes = valid + invalid").
    pub name: String,
    /// The Russian name, when the definition gives one.
    pub name_ru: Option<String>,
    /// The relation as written in the definition, with line keys.
    pub formula: String,
    pub left: Vec<Operand>,
    pub comparison: Comparison,
    pub right: Vec<Operand>,
}

/// Lines that statistics need to know the meaning of. Each is a sum of lines; empty when the
/// protocol has no such line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineRoles {
    pub registered: Vec<usize>,
    pub issued: Vec<usize>,
    pub cast: Vec<usize>,
    pub valid: Vec<usize>,
}

/// The structure of a country's polling-station protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolDefinition {
    pub name: String,
    /// The country whose protocol this is; the root of an election's areas.
    pub country: String,
    pub lines: Vec<LineDefinition>,
    pub relations: Vec<ControlRelation>,
    pub roles: LineRoles,
}

/// A definition text that cannot be used, with the 1-based line of the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("protocol definition, line {line}: {problem}")]
pub struct DefinitionError {
    pub line: usize,
    pub problem: String,
}

/// The Russian CEC polling-station protocol (presidential and State Duma elections, 2012-2024).
/// The absentee-certificate lines exist only in 2012; relations using a line that a file lacks
/// are reported as not applicable, not as violations.
pub const RUSSIAN_CEC: &str = include_str!("../definitions/russian-cec.txt");

/// The Kazakh polling-station protocol of the 2019 presidential election, as far as the
/// observers' copies show it.
pub const KAZAKHSTAN_2019: &str = include_str!("../definitions/kazakhstan-2019.txt");

impl ProtocolDefinition {
    /// Parses a definition. Each non-empty line is one of:
    /// `name: TEXT`, `country: TEXT`, `line KEY: LABEL`, `relation NAME: SUM OP SUM` (OP is
    /// `=`, `<=` or `>=`; a SUM is line keys and the word `candidates` joined by `+`), or
    /// `role registered|issued|cast|valid: SUM`. A LABEL or NAME may add its Russian form
    /// after ` | `. Lines starting with `#` are comments.
    pub fn parse(text: &str) -> Result<Self, DefinitionError> {
        let mut definition = ProtocolDefinition {
            name: String::new(),
            country: String::new(),
            lines: Vec::new(),
            relations: Vec::new(),
            roles: LineRoles::default(),
        };
        // Relations and roles may name lines defined after them, so they are resolved last.
        let mut pending_relations = Vec::new();
        let mut pending_roles = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let number = index + 1;
            let fail = |problem: String| DefinitionError {
                line: number,
                problem,
            };
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((head, value)) = line.split_once(':') else {
                return Err(fail(format!(
                    "expected `KIND NAME: VALUE`, found \"{line}\""
                )));
            };
            let value = value.trim();
            let (kind, name) = head.trim().split_once(' ').unwrap_or((head.trim(), ""));
            match kind {
                "name" => definition.name = value.to_owned(),
                "country" => definition.country = value.to_owned(),
                "line" => {
                    let key = name.trim();
                    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    {
                        return Err(fail(format!(
                            "a line key must be letters, digits and `_`, found \"{key}\""
                        )));
                    }
                    if key == "candidates" || definition.lines.iter().any(|l| l.key == key) {
                        return Err(fail(format!(
                            "the line key \"{key}\" is used twice or reserved"
                        )));
                    }
                    let (label, label_ru) = split_translation(value);
                    definition.lines.push(LineDefinition {
                        key: key.to_owned(),
                        label,
                        label_ru,
                    });
                }
                "relation" => {
                    pending_relations.push((number, name.trim().to_owned(), value.to_owned()))
                }
                "role" => pending_roles.push((number, name.trim().to_owned(), value.to_owned())),
                other => {
                    return Err(fail(format!(
                        "unknown entry \"{other}\"; expected name, country, line, relation or role"
                    )));
                }
            }
        }
        for (number, name, formula) in pending_relations {
            let relation = definition
                .parse_relation(&name, &formula)
                .map_err(|problem| DefinitionError {
                    line: number,
                    problem,
                })?;
            definition.relations.push(relation);
        }
        for (number, role, sum) in pending_roles {
            let fail = |problem: String| DefinitionError {
                line: number,
                problem,
            };
            let operands = definition.parse_sum(&sum).map_err(fail)?;
            let mut lines = Vec::new();
            for operand in operands {
                match operand {
                    Operand::Line(i) => lines.push(i),
                    Operand::Candidates => {
                        return Err(fail("a role cannot be `candidates`".to_owned()));
                    }
                }
            }
            let slot = match role.as_str() {
                "registered" => &mut definition.roles.registered,
                "issued" => &mut definition.roles.issued,
                "cast" => &mut definition.roles.cast,
                "valid" => &mut definition.roles.valid,
                other => {
                    return Err(fail(format!(
                        "unknown role \"{other}\"; expected registered, issued, cast or valid"
                    )));
                }
            };
            *slot = lines;
        }
        if definition.name.is_empty() {
            return Err(DefinitionError {
                line: 1,
                problem: "the definition has no `name:`".to_owned(),
            });
        }
        Ok(definition)
    }

    /// The Russian CEC protocol, from [`RUSSIAN_CEC`].
    pub fn russian_cec() -> Self {
        Self::parse(RUSSIAN_CEC).expect("the built-in Russian definition parses")
    }

    /// The Kazakh 2019 protocol, from [`KAZAKHSTAN_2019`].
    pub fn kazakhstan_2019() -> Self {
        Self::parse(KAZAKHSTAN_2019).expect("the built-in Kazakh definition parses")
    }

    /// The index of the line with `key`.
    pub fn line_index(&self, key: &str) -> Option<usize> {
        self.lines.iter().position(|line| line.key == key)
    }

    /// The relation written in words, with line labels instead of keys.
    pub fn describe(&self, relation: &ControlRelation) -> String {
        self.describe_with(relation, |line| &line.label, "sum of candidates' votes")
    }

    /// The relation written in words with the labels `label` picks (for another language) and
    /// `candidates` for the sum of the candidates' votes.
    pub fn describe_with(
        &self,
        relation: &ControlRelation,
        label: impl Fn(&LineDefinition) -> &str,
        candidates: &str,
    ) -> String {
        let side = |operands: &[Operand]| {
            operands
                .iter()
                .map(|operand| match operand {
                    Operand::Line(i) => label(&self.lines[*i]).to_lowercase(),
                    Operand::Candidates => candidates.to_owned(),
                })
                .collect::<Vec<_>>()
                .join(" + ")
        };
        format!(
            "{} {} {}",
            side(&relation.left),
            relation.comparison.symbol(),
            side(&relation.right)
        )
    }

    fn parse_relation(&self, name: &str, formula: &str) -> Result<ControlRelation, String> {
        let (left, comparison, right) = if let Some((l, r)) = formula.split_once("<=") {
            (l, Comparison::AtMost, r)
        } else if let Some((l, r)) = formula.split_once(">=") {
            (l, Comparison::AtLeast, r)
        } else if let Some((l, r)) = formula.split_once('=') {
            (l, Comparison::Equal, r)
        } else {
            return Err(format!(
                "the relation \"{formula}\" has no `=`, `<=` or `>=`"
            ));
        };
        if name.is_empty() {
            return Err("a relation needs a name before `:`".to_owned());
        }
        let (name, name_ru) = split_translation(name);
        Ok(ControlRelation {
            name,
            name_ru,
            formula: formula.to_owned(),
            left: self.parse_sum(left)?,
            comparison,
            right: self.parse_sum(right)?,
        })
    }

    fn parse_sum(&self, sum: &str) -> Result<Vec<Operand>, String> {
        let mut operands = Vec::new();
        for term in sum.split('+') {
            let key = term.trim();
            if key == "candidates" {
                operands.push(Operand::Candidates);
            } else if let Some(index) = self.line_index(key) {
                operands.push(Operand::Line(index));
            } else {
                return Err(format!("unknown line \"{key}\" in \"{}\"", sum.trim()));
            }
        }
        Ok(operands)
    }
}

/// Splits "English | Russian" into its two parts.
fn split_translation(text: &str) -> (String, Option<String>) {
    match text.split_once(" | ") {
        Some((english, russian)) => (english.trim().to_owned(), Some(russian.trim().to_owned())),
        None => (text.trim().to_owned(), None),
    }
}

impl fmt::Display for ControlRelation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}
