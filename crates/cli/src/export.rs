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
use kuzet_store::{PersonId, PersonPage, PersonQuery, PersonSort, PublicPersonRow, Store, StoreError};
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
        let (records, private) = result?;
        let bytes = match args.format {
            Format::Json => {
                let mut bytes = serde_json::to_vec_pretty(&records)?;
                bytes.push(b'\n');
                bytes
            }
            Format::Csv => to_csv(&records)?,
            Format::Xlsx => to_xlsx(&records, if private { "register" } else { "public list" })?,
        };
        match &args.out {
            Some(path) => write_file(path, &bytes, private)?,
            None => std::io::stdout().lock().write_all(&bytes)?,
        }
        if let Some(path) = &args.out {
            eprintln!("exported {} persons to {}", records.len(), path.display());
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// The records as flat JSON objects, and whether they may hold non-public data.
async fn export(store: &Store, args: &Args) -> anyhow::Result<(Vec<Map<String, Value>>, bool)> {
    let Some(username) = &args.acting_as else {
        let rows = public_rows(store).await?;
        let records = rows.iter().map(|row| to_object(serde_json::to_value(row)?)).collect::<anyhow::Result<Vec<_>>>()?;
        return Ok((records, false));
    };
    let actor = acting_user(store, username).await?;
    if !can(&actor, Action::Export, &Resource::of(ResourceKind::Register)) {
        return Err(InputError(format!("the role of `{username}` does not allow exports")).into());
    }
    let mut records = Vec::new();
    let mut query = PersonQuery { sort: PersonSort::NameAsc, per_page: PAGE, page: 1, ..PersonQuery::default() };
    loop {
        let page = store.list_persons(&actor, &query).await.map_err(store_error)?;
        let ids: Vec<PersonId> = page.items.iter().map(|row| row.id).collect();
        for person in person_records(store, actor, &ids).await? {
            records.push(flatten_person(&person, args.format)?);
        }
        if query.page >= page.pages {
            break;
        }
        query.page += 1;
    }
    Ok((records, true))
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

async fn public_rows(store: &Store) -> anyhow::Result<Vec<PublicPersonRow>> {
    let mut rows = Vec::new();
    let mut query = PersonQuery { sort: PersonSort::NameAsc, per_page: PAGE, page: 1, ..PersonQuery::default() };
    loop {
        let page = store.public_persons(&query).await.map_err(store_error)?;
        rows.extend(page.items);
        if query.page >= page.pages {
            break;
        }
        query.page += 1;
    }
    Ok(rows)
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

/// The union of the records' keys, in first-seen order: the columns of a CSV or XLSX export.
fn columns(records: &[Map<String, Value>]) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    for record in records {
        for key in record.keys() {
            if !columns.contains(key) {
                columns.push(key.clone());
            }
        }
    }
    columns
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

/// A CSV with the union of the records' keys as columns. Arrays are joined with `;`, absent
/// and hidden values are empty cells.
fn to_csv(records: &[Map<String, Value>]) -> anyhow::Result<Vec<u8>> {
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let columns = columns(records);
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&columns)?;
    for record in records {
        writer.write_record(columns.iter().map(|column| Cell::of(record.get(column)).to_text()))?;
    }
    writer.into_inner().map_err(|error| anyhow::anyhow!("writing CSV: {error}"))
}

/// A workbook of one sheet with the same columns and cells as the CSV; numbers are numeric
/// cells, the header row is bold and stays in view. An empty export is a header-less sheet.
fn to_xlsx(records: &[Map<String, Value>], sheet_name: &str) -> anyhow::Result<Vec<u8>> {
    use rust_xlsxwriter::{Format as CellFormat, Workbook};
    let columns = columns(records);
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name)?;
    let bold = CellFormat::new().set_bold();
    for (index, column) in columns.iter().enumerate() {
        let index = u16::try_from(index).context("too many columns for a worksheet")?;
        sheet.write_string_with_format(0, index, column, &bold)?;
    }
    if !columns.is_empty() {
        sheet.set_freeze_panes(1, 0)?;
    }
    for (row, record) in records.iter().enumerate() {
        let row = u32::try_from(row + 1).context("too many rows for a worksheet")?;
        for (index, column) in columns.iter().enumerate() {
            let index = index as u16;
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
    }
    Ok(workbook.save_to_buffer()?)
}

fn write_file(path: &Path, bytes: &[u8], private: bool) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path).with_context(|| format!("creating {}", path.display()))?;
    file.write_all(bytes).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
