//! `kuzet export`: the public list, or the register as one user may see it, as CSV or JSON.
//!
//! `--public` exports only persons who consented or whose publication a coordinator approved,
//! and only public fields (the store's `public_persons`). `--as USERNAME` exports what that
//! user's role may see: the store leaves out, for example, every contact detail for an analyst.
//! A non-public export is written readable by its owner only.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use kuzet_register::{Action, Resource, ResourceKind, can};
use kuzet_store::{PersonPage, PersonQuery, PersonSort, PublicPersonRow, Store};
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
    /// Write here instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Json,
}

const PAGE: u32 = 500;

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
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
        for row in &page.items {
            let person = store.person(&actor, row.id).await.map_err(store_error)?;
            records.push(flatten_person(&person, args.format)?);
        }
        if query.page >= page.pages {
            break;
        }
        query.page += 1;
    }
    Ok((records, true))
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
/// custody, transfers, sources) nested; CSV gets the person's fields and their latest
/// detention and decision, one row per person. The audit history is left out of both.
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

/// A CSV with the union of the records' keys as columns, in first-seen order. Arrays are
/// joined with `;`, absent and hidden values are empty cells.
fn to_csv(records: &[Map<String, Value>]) -> anyhow::Result<Vec<u8>> {
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let mut columns: Vec<String> = Vec::new();
    for record in records {
        for key in record.keys() {
            if !columns.contains(key) {
                columns.push(key.clone());
            }
        }
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&columns)?;
    for record in records {
        let cells = columns.iter().map(|column| match record.get(column) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(text)) => text.clone(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(";"),
            Some(other) => other.to_string(),
        });
        writer.write_record(cells)?;
    }
    writer.into_inner().map_err(|error| anyhow::anyhow!("writing CSV: {error}"))
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
