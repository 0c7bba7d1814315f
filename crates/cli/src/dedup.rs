//! `kuzet dedup`: duplicate-person candidates with scores and evidence, from a spreadsheet or
//! from the register database.
//!
//! The spreadsheet (CSV in any common encoding and separator, or XLSX) has a header row with
//! these columns, in any order, case-insensitive:
//!
//! | column | required | content |
//! |---|---|---|
//! | `id` | yes | a whole number, unique in the file |
//! | `name` | yes | the name as written; aliases separated by `\|` |
//! | `birth` | no | `1990`, `09.06.1990` or `1990-06-09` |
//! | `city` | no | the city of the person |
//! | `event` | no | event names or numbers, several separated by `\|` |
//! | `police_station` | no | police stations, several separated by `\|` |
//!
//! Every bad row is reported (file, line, column, field) and nothing is matched until the file
//! is clean (exit code 2).
//!
//! Output, best candidate first: CSV with columns `a,b,score,name_score,name_a,name_b,evidence`
//! (ids as written in the file, the final score, the score of the most alike names, those two
//! names, and the other evidence joined by `; `), or with `--json` an object
//! `{"candidates": [{"a", "b", "score", "name_score", "name_a", "name_b", "evidence": [..]}]}`.
//! With `--database`, ids are the register's person ids, and pairs a reviewer marked "not the
//! same person" (in the web review queue) are left out.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use kuzet_names::{Birth, Candidate, Options, PersonForMatching, find_candidates};

use crate::exit::{FINDINGS, InputError};

#[derive(clap::Args)]
pub struct Args {
    /// CSV or XLSX file with columns id, name, birth, city, event, police_station.
    #[arg(required_unless_present = "database", conflicts_with = "database")]
    file: Option<PathBuf>,
    /// Read persons from this register database (SQLite file) instead of a file.
    #[arg(long, value_name = "PATH")]
    database: Option<PathBuf>,
    /// Print JSON instead of CSV.
    #[arg(long)]
    json: bool,
    /// The lowest score reported, between 0 and 1.
    #[arg(long, default_value_t = kuzet_names::DEFAULT_THRESHOLD)]
    threshold: f64,
    /// Exit with code 3 when any candidate is found.
    #[arg(long)]
    fail_on_candidates: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !(0.0..=1.0).contains(&args.threshold) {
        return Err(InputError(format!(
            "--threshold {} is not between 0 and 1",
            args.threshold
        ))
        .into());
    }
    let (candidates, labels) = match (&args.file, &args.database) {
        (Some(file), _) => {
            let (persons, labels) = read_persons(file)?;
            let options = Options {
                threshold: args.threshold,
                threads: available_threads(),
                ..Options::default()
            };
            (find_candidates(&persons, &options), labels)
        }
        (None, Some(database)) => (
            candidates_from_database(database, args.threshold)?,
            HashMap::new(),
        ),
        (None, None) => return Err(InputError("give a FILE or --database PATH".to_owned()).into()),
    };
    let output = if args.json {
        to_json(&candidates, &labels)
    } else {
        to_csv(&candidates, &labels)
    };
    print!("{output}");
    if args.fail_on_candidates && !candidates.is_empty() {
        return Ok(ExitCode::from(FINDINGS));
    }
    Ok(ExitCode::SUCCESS)
}

fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Reads the spreadsheet; returns the persons and the id of each as written in the file.
fn read_persons(path: &Path) -> anyhow::Result<(Vec<PersonForMatching>, HashMap<i64, String>)> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path)
        .map_err(|error| InputError(format!("{file}: cannot read the file: {error}")))?;
    let sheet = kuzet_ingest::sheet::read_sheet(&file, &bytes)
        .map_err(|error| InputError(error.to_string()))?;
    let column = |name: &str| sheet.column(name);
    let (Some(id_column), Some(name_column)) = (column("id"), column("name")) else {
        let missing: Vec<&str> = ["id", "name"]
            .into_iter()
            .filter(|name| column(name).is_none())
            .collect();
        return Err(InputError(format!(
            "{file}: line 1: the column(s) {} are missing; the header must name id, name and optionally birth, city, event, police_station",
            missing.join(", ")
        ))
        .into());
    };
    let birth_column = column("birth");
    let city_column = column("city");
    let event_column = column("event");
    let station_column = column("police_station");
    let mut problems = Vec::new();
    let mut persons = Vec::with_capacity(sheet.rows.len());
    let mut labels = HashMap::new();
    let mut events: HashMap<String, i64> = HashMap::new();
    let mut seen_ids: HashMap<i64, usize> = HashMap::new();
    let problem = |line: usize, column: usize, field: &str, message: String| {
        format!(
            "{file}: line {line}, column {}, field {field}: {message}",
            column + 1
        )
    };
    for row in &sheet.rows {
        let raw_id = row.cell(id_column);
        let id = match raw_id.parse::<i64>() {
            Ok(id) => id,
            Err(_) => {
                problems.push(problem(
                    row.line,
                    id_column,
                    "id",
                    format!("\"{raw_id}\" is not a whole number"),
                ));
                continue;
            }
        };
        if let Some(first) = seen_ids.insert(id, row.line) {
            problems.push(problem(
                row.line,
                id_column,
                "id",
                format!("{id} was already used on line {first}"),
            ));
        }
        let names: Vec<String> = row
            .cell(name_column)
            .split('|')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .collect();
        if names.is_empty() {
            problems.push(problem(
                row.line,
                name_column,
                "name",
                "is empty".to_owned(),
            ));
        }
        let birth = match birth_column.map(|column| (column, row.cell(column))) {
            Some((column, text)) if !text.is_empty() => match parse_birth(text) {
                Ok(birth) => Some(birth),
                Err(message) => {
                    problems.push(problem(row.line, column, "birth", message));
                    None
                }
            },
            _ => None,
        };
        let list = |column: Option<usize>| -> Vec<String> {
            column
                .map(|column| {
                    row.cell(column)
                        .split('|')
                        .map(str::trim)
                        .filter(|part| !part.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let event_ids = list(event_column)
            .into_iter()
            .map(|event| {
                let next = events.len() as i64 + 1;
                *events.entry(event).or_insert(next)
            })
            .collect();
        let city = city_column
            .map(|column| row.cell(column).to_owned())
            .filter(|city| !city.is_empty());
        labels.insert(id, raw_id.to_owned());
        persons.push(PersonForMatching {
            id,
            names,
            birth,
            city,
            events: event_ids,
            police_stations: list(station_column),
        });
    }
    if !problems.is_empty() {
        let count = problems.len();
        return Err(InputError(format!(
            "{count} row problem(s), nothing was matched:\n{}",
            problems.join("\n")
        ))
        .into());
    }
    Ok((persons, labels))
}

/// `1990`, or a full date as volunteers write it.
fn parse_birth(text: &str) -> Result<Birth, String> {
    if text.len() == 4 && text.bytes().all(|byte| byte.is_ascii_digit()) {
        let year: i32 = text
            .parse()
            .map_err(|_| format!("\"{text}\" is not a year"))?;
        return Ok(Birth::Year(year));
    }
    let date = kuzet_ingest::sheet::parse_date(text).map_err(|error| error.to_string())?;
    Ok(Birth::Date {
        year: date.year(),
        month: u8::from(date.month()),
        day: date.day(),
    })
}

/// The register's review queue, read as a local operator (the command runs with access to the
/// database file, so it sees what an administrator sees): the same candidates as the web
/// queue, without the pairs a reviewer marked "not the same person".
fn candidates_from_database(path: &Path, threshold: f64) -> anyhow::Result<Vec<Candidate>> {
    if !path.exists() {
        return Err(InputError(format!("{}: no such database file", path.display())).into());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let actor = kuzet_register::Actor {
        user_id: None,
        role: kuzet_register::Role::Admin,
    };
    let pairs = runtime.block_on(async {
        let store = kuzet_store::Store::open(&path.display().to_string()).await?;
        store.duplicate_candidates(&actor, threshold).await
    });
    let pairs = pairs.with_context(|| format!("reading persons from {}", path.display()))?;
    Ok(pairs.iter().map(|pair| pair.candidate()).collect())
}

fn label(labels: &HashMap<i64, String>, id: i64) -> String {
    labels.get(&id).cloned().unwrap_or_else(|| id.to_string())
}

/// The names compared, from the first piece of evidence.
fn names_of(candidate: &Candidate) -> (String, String, f64) {
    candidate
        .evidence
        .iter()
        .find_map(|evidence| match evidence {
            kuzet_names::Evidence::Names { a, b, score } => Some((a.clone(), b.clone(), *score)),
            _ => None,
        })
        .unwrap_or_default()
}

fn to_csv(candidates: &[Candidate], labels: &HashMap<i64, String>) -> String {
    let mut out = String::from("a,b,score,name_score,name_a,name_b,evidence\n");
    for candidate in candidates {
        let (name_a, name_b, name_score) = names_of(candidate);
        let evidence: Vec<String> = candidate
            .evidence
            .iter()
            .filter(|evidence| !matches!(evidence, kuzet_names::Evidence::Names { .. }))
            .map(ToString::to_string)
            .collect();
        let _ = writeln!(
            out,
            "{},{},{:.3},{:.3},{},{},{}",
            csv_field(&label(labels, candidate.a)),
            csv_field(&label(labels, candidate.b)),
            candidate.score,
            name_score,
            csv_field(&name_a),
            csv_field(&name_b),
            csv_field(&evidence.join("; "))
        );
    }
    out
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn to_json(candidates: &[Candidate], labels: &HashMap<i64, String>) -> String {
    let list: Vec<serde_json::Value> = candidates
        .iter()
        .map(|candidate| {
            let (name_a, name_b, name_score) = names_of(candidate);
            let evidence: Vec<String> = candidate
                .evidence
                .iter()
                .filter(|evidence| !matches!(evidence, kuzet_names::Evidence::Names { .. }))
                .map(ToString::to_string)
                .collect();
            serde_json::json!({
                "a": label(labels, candidate.a),
                "b": label(labels, candidate.b),
                "score": round(candidate.score),
                "name_score": round(name_score),
                "name_a": name_a,
                "name_b": name_b,
                "evidence": evidence,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&serde_json::json!({ "candidates": list }))
        .expect("JSON of strings and numbers");
    text.push('\n');
    text
}

fn round(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}
