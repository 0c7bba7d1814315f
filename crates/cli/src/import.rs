//! `kuzet import`: a volunteers' spreadsheet (CSV or XLSX) into the register.
//!
//! Every row is parsed and checked first (`kuzet_ingest::register_import`); every rejected row
//! is printed with its file, line, column and field. By default nothing is written when any row
//! is rejected (exit code 2); `--skip-invalid` writes the good rows and puts the rejected ones
//! in a CSV report that can be corrected and imported again. `--dry-run` writes nothing.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use kuzet_ingest::register_import::{
    DefaultEvent, ImportField, ImportOptions, ImportPlan, ImportRow, KnownEvent, column_letters, plan_import_bytes,
};
use kuzet_register::{Action, Actor, City, Resource, ResourceKind, Source, SourceKind, can, parse_date};
use kuzet_store::{EventId, ImportRecord, NewDetention, NewPerson, Store};
use serde_json::json;

use crate::exit::InputError;
use crate::user::{acting_user, open_store, runtime, store_error};

#[derive(clap::Args)]
pub struct Args {
    /// The spreadsheet: .csv (UTF-8 or Windows-1251, `,` `;` or tab) or .xlsx.
    file: PathBuf,
    /// The SQLite database file.
    // Spelt out rather than the shared `DatabaseArg` flattened: these arguments are themselves
    // flattened as an `Option` beside `kuzet import`'s subcommands, and clap leaves such an
    // `Option` empty when it holds a nested flatten, whatever was given.
    #[arg(long, env = "KUZET_DATABASE", value_name = "PATH")]
    database: PathBuf,
    /// The user the rows are recorded by (their role must allow imports).
    #[arg(long = "as", value_name = "USERNAME")]
    acting_as: String,
    /// Put every row at this event (its id); rows then need no event columns.
    #[arg(long, value_name = "EVENT_ID")]
    event: Option<i64>,
    /// Map a header the import does not know: `--column "Кто=name"`. Repeatable.
    #[arg(long, value_name = "HEADER=FIELD")]
    column: Vec<String>,
    /// Check every row and report, but write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Import the good rows and write the rejected ones to a CSV report.
    #[arg(long)]
    skip_invalid: bool,
    /// Where the report of rejected rows goes (default: FILE.rejected.csv).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.file).map_err(|error| InputError(format!("{}: {error}", args.file.display())))?;
    let file_name = args.file.file_name().map_or_else(|| args.file.display().to_string(), |n| n.to_string_lossy().into_owned());
    let column_overrides = args.column.iter().map(|text| parse_override(text)).collect::<anyhow::Result<Vec<_>>>()?;
    runtime()?.block_on(async move {
        let store = open_store(&args.database, false).await?;
        let result = import(&store, &args, &file_name, &bytes, column_overrides).await;
        store.close().await;
        result
    })
}

async fn import(
    store: &Store,
    args: &Args,
    file_name: &str,
    bytes: &[u8],
    column_overrides: Vec<(String, ImportField)>,
) -> anyhow::Result<ExitCode> {
    let actor = acting_user(store, &args.acting_as).await?;
    if !can(&actor, Action::Import, &Resource::of(ResourceKind::Register)) {
        return Err(InputError(format!("the role of `{}` does not allow imports", args.acting_as)).into());
    }
    let default_event = match args.event {
        Some(id) => {
            let event = store.event(EventId(id)).await.map_err(store_error)?;
            let date = parse_date(&event.date).map_err(|error| anyhow::anyhow!("stored event date: {error}"))?;
            let city = City::parse(&event.city).map_err(|error| anyhow::anyhow!("stored event city: {error}"))?;
            Some(DefaultEvent { date, city })
        }
        None => None,
    };
    let default_source = Source::new(SourceKind::Volunteer, &format!("spreadsheet {file_name}, imported by {}", args.acting_as), false)
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    let options = ImportOptions { column_overrides, ignored_columns: Vec::new(), default_event, default_source: Some(default_source) };
    let mut plan = plan_import_bytes(file_name, bytes, &options).map_err(|error| InputError(error.to_string()))?;
    let event_ids: Vec<Option<EventId>> = match args.event {
        Some(id) => vec![Some(EventId(id)); plan.accepted.len()],
        None => {
            let events = store.events().await.map_err(store_error)?;
            let known: Vec<KnownEvent<EventId>> = events
                .iter()
                .filter_map(|event| Some(KnownEvent { key: event.id, date: parse_date(&event.date).ok()?, city: event.city.clone() }))
                .collect();
            plan.assign_events(&known, city_key)
        }
    };

    let rejected_rows = plan.rejected.len();
    let report_path = if rejected_rows > 0 && args.skip_invalid {
        let path = args.report.clone().unwrap_or_else(|| default_report_path(&args.file));
        write_private(&path, &plan.rejection_report_csv())?;
        Some(path)
    } else {
        None
    };
    let refuse = rejected_rows > 0 && !args.skip_invalid;
    let accepted = plan.accepted.len();
    let written = if args.dry_run || refuse {
        0
    } else {
        // The rows move into the store's records: a second copy of 100,000 rows would cost
        // time and memory for nothing.
        write_rows(store, &actor, std::mem::take(&mut plan.accepted), &event_ids).await?
    };

    if args.json {
        print_json(&plan, accepted, written, args.dry_run, refuse, report_path.as_deref())?;
    } else {
        print_text(&plan, accepted, written, args.dry_run, refuse, report_path.as_deref())?;
    }
    if refuse {
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the checked rows in one transaction: all of them, or (on any failure) none.
async fn write_rows(store: &Store, actor: &Actor, rows: Vec<ImportRow>, events: &[Option<EventId>]) -> anyhow::Result<usize> {
    let records: Vec<ImportRecord> = rows
        .into_iter()
        .zip(events)
        .map(|(row, event_id)| ImportRecord {
            person: NewPerson::new(row.person),
            detention: Some(NewDetention { event_id: *event_id, detention: row.detention }),
            decisions: row.decision.into_iter().collect(),
            custody: row.custody,
            transfer: None,
            source: Some(row.source),
        })
        .collect();
    let progress = ProgressBar::new(records.len() as u64);
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} rows {elapsed_precise} (eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let bar = progress.clone();
    let result = store.import_records(actor, &records, move |done| bar.set_position(done as u64)).await;
    match result {
        Ok(summary) => {
            progress.finish_and_clear();
            Ok(summary.persons)
        }
        Err(error) => {
            progress.abandon();
            Err(store_error(error).context("the import failed and nothing was written"))
        }
    }
}

/// Cities compare across scripts and spellings: «Алматы» and "Almaty" are one city.
fn city_key(city: &str) -> String {
    let folded = kuzet_names::fold(city).key();
    if folded.is_empty() { city.trim().to_lowercase() } else { folded }
}

fn parse_override(text: &str) -> anyhow::Result<(String, ImportField)> {
    let (header, field) = text
        .rsplit_once('=')
        .ok_or_else(|| InputError(format!("--column \"{text}\": write it as HEADER=FIELD, e.g. \"Кто=name\"")))?;
    let field = ImportField::from_key(field).ok_or_else(|| {
        let keys: Vec<&str> = ImportField::ALL.iter().map(|f| f.key()).collect();
        InputError(format!("--column \"{text}\": `{field}` is not a field; use one of {}", keys.join(", ")))
    })?;
    Ok((header.trim().to_owned(), field))
}

fn default_report_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".rejected.csv");
    PathBuf::from(name)
}

/// Writes a file only its owner can read: a report of rejected rows holds personal data.
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| format!("creating {}", path.display()))?;
    file.write_all(bytes).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// `accepted` is the number of rows that passed the checks (they may have moved out of the plan
/// into the store).
fn print_text(plan: &ImportPlan, accepted: usize, written: usize, dry_run: bool, refused: bool, report: Option<&Path>) -> anyhow::Result<()> {
    let mut err = std::io::stderr().lock();
    for error in plan.errors() {
        writeln!(err, "{error}")?;
    }
    if !plan.ignored_headers.is_empty() {
        writeln!(err, "note: these columns are not imported (no register field has that name): {}", plan.ignored_headers.join(", "))?;
    }
    let mut out = std::io::stdout().lock();
    let mapped: Vec<String> = plan
        .mapping
        .fields()
        .iter()
        .map(|(column, field)| format!("{} \"{}\" → {field}", column_letters(column + 1), plan.headers[*column]))
        .collect();
    writeln!(out, "{}: columns {}", plan.file, mapped.join(", "))?;
    let rejected = plan.rejected.len();
    if refused {
        writeln!(
            out,
            "{rejected} of {} rows rejected; nothing was imported. Fix them, or import the other {accepted} with --skip-invalid.",
            accepted + rejected
        )?;
    } else if dry_run {
        writeln!(out, "dry run: {accepted} rows would be imported, {rejected} rejected; nothing was written")?;
    } else {
        writeln!(out, "imported {written} rows; {rejected} rejected")?;
    }
    if let Some(report) = report {
        writeln!(out, "rejected rows written to {}", report.display())?;
    }
    Ok(())
}

fn print_json(plan: &ImportPlan, accepted: usize, written: usize, dry_run: bool, refused: bool, report: Option<&Path>) -> anyhow::Result<()> {
    let errors: Vec<_> = plan.errors().collect();
    let value = json!({
        "file": plan.file,
        "accepted": accepted,
        "rejected": plan.rejected.len(),
        "written": written,
        "dry_run": dry_run,
        "refused": refused,
        "report": report.map(|path| path.display().to_string()),
        "ignored_columns": plan.ignored_headers,
        "errors": errors,
    });
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &value)?;
    writeln!(out)?;
    Ok(())
}
