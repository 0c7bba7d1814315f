//! `kuzet export`: the public list, or the register as one user may see it, as CSV, XLSX or
//! JSON.
//!
//! `--public` exports only persons who consented or whose publication a coordinator approved,
//! and only public fields (the store's `public_persons`). `--as USERNAME` exports what that
//! user's role may see: the store leaves out, for example, every contact detail for an analyst.
//! A non-public export is written readable by its owner only.
//!
//! CSV and XLSX files are opened in spreadsheet programs, which run a cell that starts with
//! `=`, `+`, `-` or `@` as a formula: such text cells get a leading `'` (OWASP's advice on CSV
//! injection), so a name or a police station typed as `=HYPERLINK(...)` stays text. Numbers
//! stay numbers.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use kuzet_register::{Action, Actor, Resource, ResourceKind, can};
use kuzet_store::{PersonId, PersonPage, PersonQuery, PersonSort, Store, StoreError};
use serde_json::{Map, Value};

use crate::exit::InputError;
use crate::user::{DatabaseArg, acting_user, open_store, runtime, store_error};

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("view").required(true).args(["public", "acting_as"])))]
pub struct Args {
    #[command(flatten)]
    database: DatabaseArg,
    /// The published list: consenting or approved persons, public fields only.
    #[arg(long)]
    public: bool,
    /// Export what this user's role may see.
    #[arg(long = "as", value_name = "USERNAME")]
    acting_as: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    format: Format,
    /// Write here instead of standard output (required for xlsx).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Json,
    Xlsx,
}

const PAGE: u32 = 500;

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.format == Format::Xlsx && args.out.is_none() {
        return Err(InputError("--format xlsx writes a workbook: give the file with --out FILE".to_owned()).into());
    }
    runtime()?.block_on(async move {
        let store = open_store(&args.database.database, false).await?;
        let result = export(&store, &args).await;
        store.close().await;
        let count = result?;
        if let Some(path) = &args.out {
            eprintln!("exported {count} persons to {}", path.display());
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Writes the export page by page, so that memory holds one page of records (500) rather than
/// the whole register; returns the number of persons written. A file is written under a
/// temporary name beside it and renamed when complete, so a failed export leaves no half file.
async fn export(store: &Store, args: &Args) -> anyhow::Result<usize> {
    let private = args.acting_as.is_some();
    let actor = match &args.acting_as {
        None => None,
        Some(username) => {
            let actor = acting_user(store, username).await?;
            if !can(&actor, Action::Export, &Resource::of(ResourceKind::Register)) {
                return Err(InputError(format!("the role of `{username}` does not allow exports")).into());
            }
            Some(actor)
        }
    };
    let (output, partial): (Box<dyn Write>, Option<PathBuf>) = match &args.out {
        Some(path) => {
            let partial = partial_path(path);
            (Box::new(create_file(&partial, private)?), Some(partial))
        }
        None => (Box::new(std::io::stdout().lock()), None),
    };
    let sheet_name = if private { "register" } else { "public list" };
    let mut sink = Sink::new(args.format, std::io::BufWriter::with_capacity(1 << 16, output), sheet_name);
    let written = write_records(store, actor, args.format, &mut sink).await.and_then(|count| sink.finish().map(|()| count));
    match (written, &partial, &args.out) {
        (Ok(count), Some(partial), Some(path)) => {
            std::fs::rename(partial, path).with_context(|| format!("renaming {} to {}", partial.display(), path.display()))?;
            Ok(count)
        }
        (Ok(count), _, _) => Ok(count),
        (Err(error), partial, _) => {
            if let Some(partial) = partial {
                let _ = std::fs::remove_file(partial);
            }
            Err(error)
        }
    }
}

/// Reads the records a page at a time (sorted by name) and hands each to `sink`.
async fn write_records(store: &Store, actor: Option<Actor>, format: Format, sink: &mut Sink) -> anyhow::Result<usize> {
    let mut count = 0;
    let mut query = PersonQuery { sort: PersonSort::NameAsc, per_page: PAGE, page: 1, ..PersonQuery::default() };
    loop {
        let pages = match actor {
            None => {
                let page = store.public_persons(&query).await.map_err(store_error)?;
                for row in &page.items {
                    sink.push(to_object(serde_json::to_value(row)?)?)?;
                }
                count += page.items.len();
                page.pages
            }
            Some(actor) => {
                let page = store.list_persons(&actor, &query).await.map_err(store_error)?;
                let ids: Vec<PersonId> = page.items.iter().map(|row| row.id).collect();
                for person in person_records(store, actor, &ids).await? {
                    sink.push(flatten_person(&person, format)?)?;
                }
                count += ids.len();
                page.pages
            }
        };
        if query.page >= pages {
            return Ok(count);
        }
        query.page += 1;
    }
}

/// Where an export goes, record by record. CSV and JSON are written as the records come; a
/// workbook is built in memory (its cells only, not the records) and written at the end,
/// because the XLSX format is a zip whose sheet must be complete before it is compressed.
enum Sink {
    Csv { writer: csv::Writer<std::io::BufWriter<Box<dyn Write>>>, columns: Option<Vec<String>> },
    Json { out: std::io::BufWriter<Box<dyn Write>>, first: bool },
    Xlsx { out: std::io::BufWriter<Box<dyn Write>>, workbook: Box<rust_xlsxwriter::Workbook>, columns: Option<Vec<String>>, rows: u32 },
}

impl Sink {
    fn new(format: Format, out: std::io::BufWriter<Box<dyn Write>>, sheet_name: &str) -> Sink {
        match format {
            Format::Csv => Sink::Csv { writer: csv::Writer::from_writer(out), columns: None },
            Format::Json => Sink::Json { out, first: true },
            Format::Xlsx => {
                let mut workbook = rust_xlsxwriter::Workbook::new();
                // The name is one of two constants, both valid sheet names.
                let _ = workbook.add_worksheet().set_name(sheet_name);
                Sink::Xlsx { out, workbook: Box::new(workbook), columns: None, rows: 0 }
            }
        }
    }

    fn push(&mut self, record: Map<String, Value>) -> anyhow::Result<()> {
        match self {
            Sink::Csv { writer, columns } => {
                if columns.is_none() {
                    let header: Vec<String> = record.keys().cloned().collect();
                    writer.write_record(&header)?;
                    *columns = Some(header);
                }
                let columns = columns.get_or_insert_with(Vec::new);
                same_columns(columns, &record)?;
                writer.write_record(columns.iter().map(|column| Cell::of(record.get(column)).to_text()))?;
            }
            Sink::Json { out, first } => {
                // The same text as pretty-printing the whole array at once: items indented by
                // two spaces, separated by commas.
                out.write_all(if *first { b"[\n  " } else { b",\n  " })?;
                *first = false;
                let text = serde_json::to_string_pretty(&record)?;
                out.write_all(text.replace('\n', "\n  ").as_bytes())?;
            }
            Sink::Xlsx { workbook, columns, rows, .. } => {
                let sheet = workbook.worksheet_from_index(0)?;
                if columns.is_none() {
                    let header: Vec<String> = record.keys().cloned().collect();
                    write_xlsx_header(sheet, &header)?;
                    *columns = Some(header);
                }
                let columns = columns.get_or_insert_with(Vec::new);
                same_columns(columns, &record)?;
                *rows += 1;
                write_xlsx_row(sheet, *rows, columns, &record)?;
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> anyhow::Result<()> {
        match self {
            Sink::Csv { writer, .. } => writer.flush()?,
            Sink::Json { out, first } => {
                out.write_all(if *first { b"[]\n" } else { b"\n]\n" })?;
                out.flush()?;
            }
            Sink::Xlsx { out, workbook, .. } => {
                out.write_all(&workbook.save_to_buffer()?)?;
                out.flush()?;
            }
        }
        Ok(())
    }
}

/// Every record of an export has the keys of the first (the store's row types have fixed
/// fields); a record with another key would have no column, so it is an error, not a loss.
fn same_columns(columns: &[String], record: &Map<String, Value>) -> anyhow::Result<()> {
    match record.keys().find(|key| !columns.contains(key)) {
        Some(key) => anyhow::bail!("a record has the field `{key}`, which the export's first record did not"),
        None => Ok(()),
    }
}

/// `FILE.partial` beside `FILE`.
fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|name| name.to_os_string()).unwrap_or_default();
    name.push(".partial");
    path.with_file_name(name)
}

/// How many persons are read at once: the store reads on several connections, and SQLite's
/// work for one person can run on one core while another's runs on the other.
const READS_IN_FLIGHT: usize = 8;

/// The records of `ids` in their order, read a few at a time. Each is the record without its
/// audit history, which an export leaves out anyway.
async fn person_records(store: &Store, actor: Actor, ids: &[PersonId]) -> anyhow::Result<Vec<PersonPage>> {
    let mut pages: Vec<Option<PersonPage>> = ids.iter().map(|_| None).collect();
    let mut reads: tokio::task::JoinSet<(usize, Result<PersonPage, StoreError>)> = tokio::task::JoinSet::new();
    for (index, &id) in ids.iter().enumerate() {
        if reads.len() >= READS_IN_FLIGHT
            && let Some(done) = reads.join_next().await
        {
            let (done_index, page) = done?;
            pages[done_index] = Some(page.map_err(store_error)?);
        }
        let store = store.clone();
        reads.spawn(async move { (index, store.person_record(&actor, id).await) });
    }
    while let Some(done) = reads.join_next().await {
        let (done_index, page) = done?;
        pages[done_index] = Some(page.map_err(store_error)?);
    }
    Ok(pages.into_iter().flatten().collect())
}

fn to_object(value: Value) -> anyhow::Result<Map<String, Value>> {
    match value {
        Value::Object(map) => Ok(map),
        other => anyhow::bail!("expected an object, got {other}"),
    }
}

/// One person as the actor may see them. JSON keeps every fact (detentions, decisions,
/// custody, transfers, sources) nested; CSV and XLSX get the person's fields and their latest
/// detention and decision, one row per person. The audit history is left out of all three.
fn flatten_person(page: &PersonPage, format: Format) -> anyhow::Result<Map<String, Value>> {
    let mut record = to_object(serde_json::to_value(&page.person)?)?;
    if format == Format::Json {
        for (key, value) in [
            ("detentions", serde_json::to_value(&page.detentions)?),
            ("decisions", serde_json::to_value(&page.decisions)?),
            ("custody", serde_json::to_value(&page.custody)?),
            ("transfers", serde_json::to_value(&page.transfers)?),
            ("sources", serde_json::to_value(&page.sources)?),
        ] {
            record.insert(key.to_owned(), value);
        }
        return Ok(record);
    }
    let latest_detention = page.detentions.iter().max_by(|a, b| a.detained_at.cmp(&b.detained_at));
    let detention = latest_detention.map(|d| to_object(serde_json::to_value(d)?)).transpose()?.unwrap_or_default();
    for key in ["event_title", "detained_at", "released_at", "hours_held", "over_legal_limit", "detained_by", "police_station", "treatment", "injuries"] {
        record.insert(key.to_owned(), detention.get(key).cloned().unwrap_or(Value::Null));
    }
    let latest_decision = latest_detention.and_then(|detention| {
        page.decisions.iter().filter(|d| d.detention_id == detention.id).max_by(|a, b| a.decided_on.cmp(&b.decided_on))
    });
    let decision = latest_decision.map(|d| to_object(serde_json::to_value(d)?)).transpose()?.unwrap_or_default();
    for (key, column) in [("authority", "court"), ("decided_on", "decided_on"), ("article", "article"), ("outcome", "outcome")] {
        record.insert(column.to_owned(), decision.get(key).cloned().unwrap_or(Value::Null));
    }
    Ok(record)
}

/// One cell of a flat export: text (already defused), a number, a yes/no, or nothing.
#[derive(Debug, PartialEq)]
enum Cell {
    Empty,
    Text(String),
    Number(serde_json::Number),
    Bool(bool),
}

impl Cell {
    fn of(value: Option<&Value>) -> Cell {
        match value {
            None | Some(Value::Null) => Cell::Empty,
            Some(Value::String(text)) => Cell::Text(defuse(text)),
            Some(Value::Array(items)) => Cell::Text(defuse(
                &items
                    .iter()
                    .map(|item| match item {
                        Value::String(text) => text.clone(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(";"),
            )),
            Some(Value::Number(number)) => Cell::Number(number.clone()),
            Some(Value::Bool(flag)) => Cell::Bool(*flag),
            Some(other @ Value::Object(_)) => Cell::Text(defuse(&other.to_string())),
        }
    }

    fn to_text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(text) => text.clone(),
            Cell::Number(number) => number.to_string(),
            Cell::Bool(flag) => flag.to_string(),
        }
    }
}

/// Text that a spreadsheet program would run as a formula (`=`, `+`, `-`, `@`, or a tab or
/// carriage return before one) gets a leading `'`, which keeps it text.
fn defuse(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The bold header row of a workbook, kept in view when scrolling.
fn write_xlsx_header(sheet: &mut rust_xlsxwriter::Worksheet, columns: &[String]) -> anyhow::Result<()> {
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (index, column) in columns.iter().enumerate() {
        let index = u16::try_from(index).context("too many columns for a worksheet")?;
        sheet.write_string_with_format(0, index, column, &bold)?;
    }
    if !columns.is_empty() {
        sheet.set_freeze_panes(1, 0)?;
    }
    Ok(())
}

/// One record as a row of the workbook: the same cells as the CSV, numbers as numeric cells.
fn write_xlsx_row(sheet: &mut rust_xlsxwriter::Worksheet, row: u32, columns: &[String], record: &Map<String, Value>) -> anyhow::Result<()> {
    for (index, column) in columns.iter().enumerate() {
        let index = u16::try_from(index).context("too many columns for a worksheet")?;
        match Cell::of(record.get(column)) {
            Cell::Empty => {}
            Cell::Text(text) => {
                sheet.write_string(row, index, text).with_context(|| format!("row {row}, column {column}"))?;
            }
            Cell::Number(number) => match number.as_f64() {
                Some(number) => {
                    sheet.write_number(row, index, number)?;
                }
                None => {
                    sheet.write_string(row, index, number.to_string())?;
                }
            },
            Cell::Bool(flag) => {
                sheet.write_boolean(row, index, flag)?;
            }
        }
    }
    Ok(())
}

/// Creates (or truncates) the file an export is written to; a non-public export is readable by
/// its owner only.
fn create_file(path: &Path, private: bool) -> anyhow::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    options.open(path).with_context(|| format!("creating {}", path.display()))
}
