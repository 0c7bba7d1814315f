//! `kuzet import election|official|protocols`: elections into the store from the files
//! `kuzet verify` reads (Russian CEC zipped CSVs, protocol tables in CSV, XLSX or JSON).
//!
//! - `election` creates an election (or adds stations to an existing one) from a results
//!   file: its protocol, candidates, areas and stations with registered voters;
//!   `--with-official` also stores the file's official figures in the same run.
//! - `official` imports official figures per station or per area; every import is kept with
//!   its time, source and SHA-256, and the figures it changed are listed.
//! - `protocols` stores an observers' protocol table as submissions of the acting user, each
//!   keyed by the file's digest and the station, so importing the same file again adds nothing.
//!
//! Without one of these words, `kuzet import FILE` is the register's spreadsheet import
//! (`import.rs`). Files are read with `kuzet_ingest` exactly as `kuzet verify` reads them and
//! turned into store inputs by `kuzet_store::election_files`, so the web's comparison of an
//! imported election is the CLI's verification of the same files.

pub mod demo;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use kuzet_ingest::election::{
    ElectionError, load_protocol_table, looks_like_russian_cec, read_russian_cec,
};
use kuzet_protocol::definition::{KAZAKHSTAN_2019, RUSSIAN_CEC};
use kuzet_protocol::{Election, ProtocolDefinition};
use kuzet_register::Actor;
use kuzet_store::election_files::{self, StationCodes};
use kuzet_store::{
    ElectionRow, NewElection, NewOfficialImport, NewStation, NewSubmission, OfficialLevel,
    OfficialRow, Store, SubmissionOrigin,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::exit::InputError;
use crate::user::{DatabaseArg, acting_user, open_store, runtime, store_error};

/// `kuzet import`: the register's spreadsheet import, or one of the election imports.
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ImportArgs {
    #[command(subcommand)]
    kind: Option<ImportKind>,
    #[command(flatten)]
    register: Option<crate::import::Args>,
}

#[derive(clap::Subcommand)]
enum ImportKind {
    /// Create an election (or add stations to one) from a results file: a Russian CEC file
    /// (`.csv.zip`) or a protocol table (CSV, XLSX, JSON).
    Election(ElectionArgs),
    /// Import official results (per station or per area) into an election.
    Official(OfficialArgs),
    /// Import an observers' protocol table as submissions of the acting user.
    Protocols(ProtocolsArgs),
}

#[derive(clap::Args)]
struct ElectionArgs {
    /// The results file with the stations.
    file: PathBuf,
    #[command(flatten)]
    database: DatabaseArg,
    /// The user the import is recorded by (a coordinator or admin).
    #[arg(long = "as", value_name = "USERNAME")]
    acting_as: String,
    /// The election's address: lower-case letters, digits and `-`.
    #[arg(long)]
    slug: String,
    /// The election's name (default: the file's name).
    #[arg(long)]
    name: Option<String>,
    /// The day of the vote, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    held_on: Option<String>,
    /// The protocol: `russian-cec` (`ru`), `kazakhstan-2019` (`kz`), or a definition file.
    /// Russian CEC files always use `russian-cec`; protocol tables default to `kazakhstan-2019`.
    #[arg(long, value_name = "PROTOCOL")]
    protocol: Option<String>,
    /// Also store the file's official figures (one import, as `kuzet import official` would).
    #[arg(long)]
    with_official: bool,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct OfficialArgs {
    /// The file with the official figures.
    file: PathBuf,
    #[command(flatten)]
    database: DatabaseArg,
    #[arg(long = "as", value_name = "USERNAME")]
    acting_as: String,
    /// The election's address.
    #[arg(long)]
    slug: String,
    /// `station` or `area`; by default whichever rows the file has.
    #[arg(long, value_name = "LEVEL")]
    level: Option<String>,
    /// Where the figures come from (default: the file's name).
    #[arg(long)]
    source: Option<String>,
    /// How many changed figures the text output lists.
    #[arg(long, default_value_t = 20)]
    limit: usize,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
struct ProtocolsArgs {
    /// The observers' protocol table (rows whose source is not `official`).
    file: PathBuf,
    #[command(flatten)]
    database: DatabaseArg,
    /// The observer (or coordinator) the copies are submitted as.
    #[arg(long = "as", value_name = "USERNAME")]
    acting_as: String,
    #[arg(long)]
    slug: String,
    #[arg(long)]
    json: bool,
}

pub fn run(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let Some(kind) = args.kind else {
        let register = args
            .register
            .context("kuzet import: give a spreadsheet FILE, or election, official or protocols")?;
        return crate::import::run(register);
    };
    runtime()?.block_on(async move {
        let database = match &kind {
            ImportKind::Election(a) => &a.database.database,
            ImportKind::Official(a) => &a.database.database,
            ImportKind::Protocols(a) => &a.database.database,
        };
        let store = open_store(database, false).await?;
        let result = match &kind {
            ImportKind::Election(a) => election(&store, a).await,
            ImportKind::Official(a) => official(&store, a).await,
            ImportKind::Protocols(a) => protocols(&store, a).await,
        };
        store.close().await;
        result
    })
}

/// A results file read as `kuzet verify` reads it.
pub struct ResultsFile {
    pub name: String,
    pub sha256: String,
    pub election: Election,
    pub definition_text: String,
    /// Russian CEC station numbers repeat across regions, so their codes name the region.
    pub codes: StationCodes,
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn input(error: ElectionError) -> anyhow::Error {
    InputError(error.to_string()).into()
}

/// The definition text named by `--protocol`.
fn protocol_text(name: &str) -> anyhow::Result<String> {
    match name {
        "russian-cec" | "ru" => Ok(RUSSIAN_CEC.to_owned()),
        "kazakhstan-2019" | "kz" => Ok(KAZAKHSTAN_2019.to_owned()),
        path => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                InputError(format!("--protocol: \"{path}\" is neither russian-cec, kazakhstan-2019 nor a readable definition file: {e}"))
            })?;
            ProtocolDefinition::parse(&text).map_err(|e| InputError(format!("{path}: {e}")))?;
            Ok(text)
        }
    }
}

/// Reads a results file. `definition_text` is the protocol of a protocol table (a Russian CEC
/// file brings its own); `candidates` are put first, in order, so that a file for an
/// existing election lays its columns out as the election does.
pub fn read_results(
    name: &str,
    bytes: Vec<u8>,
    definition_text: &str,
    candidates: &[String],
) -> anyhow::Result<ResultsFile> {
    let sha256 = format!("{:x}", Sha256::digest(&bytes));
    let reading = spinner(bytes.len() > 1 << 20, &format!("reading {name}"));
    let file = if looks_like_russian_cec(&bytes) {
        if definition_text != RUSSIAN_CEC {
            return Err(InputError(format!(
                "{name}: a Russian CEC file, but the election's protocol is not russian-cec"
            ))
            .into());
        }
        ResultsFile {
            name: name.to_owned(),
            sha256,
            election: read_russian_cec(name, bytes).map_err(input)?,
            definition_text: RUSSIAN_CEC.to_owned(),
            codes: StationCodes::RegionPrefixed,
        }
    } else {
        let definition = ProtocolDefinition::parse(definition_text)
            .map_err(|e| InputError(format!("protocol: {e}")))?;
        let country = definition.country.clone();
        let mut election = Election::new(name, definition, &country);
        for candidate in candidates {
            election.add_candidate(candidate);
        }
        load_protocol_table(&mut election, name, &bytes).map_err(input)?;
        ResultsFile {
            name: name.to_owned(),
            sha256,
            election,
            definition_text: definition_text.to_owned(),
            codes: StationCodes::Plain,
        }
    };
    reading.finish_and_clear();
    Ok(file)
}

impl ResultsFile {
    /// Every station of every result set, once (first appearance wins), and the areas of
    /// area totals.
    pub fn stations(&self) -> (Vec<Vec<String>>, Vec<NewStation>) {
        let mut seen = std::collections::HashSet::new();
        let mut stations = Vec::new();
        let mut areas = Vec::new();
        for set in 0..self.election.results().len() {
            for station in election_files::stations_of(&self.election, set, self.codes) {
                if seen.insert(station.code.clone()) {
                    stations.push(station);
                }
            }
            for aggregate in &self.election.results()[set].aggregates {
                areas.push(election_files::area_path(&self.election, aggregate.area));
            }
        }
        (areas, stations)
    }

    /// The official rows of the file at `level` (`None`: whichever the file has, refusing a
    /// file with both).
    pub fn official_rows(
        &self,
        level: Option<OfficialLevel>,
    ) -> anyhow::Result<(OfficialLevel, Vec<OfficialRow>)> {
        let sets: Vec<usize> = (0..self.election.results().len())
            .filter(|&s| self.election.results()[s].is_official())
            .collect();
        let stations: Vec<OfficialRow> = sets
            .iter()
            .flat_map(|&s| election_files::official_station_rows(&self.election, s, self.codes))
            .collect();
        let areas: Vec<OfficialRow> = sets
            .iter()
            .flat_map(|&s| election_files::official_area_rows(&self.election, s))
            .collect();
        let level = match level {
            Some(level) => level,
            None if !stations.is_empty() && !areas.is_empty() => {
                return Err(InputError(format!(
                    "{}: the file has official station rows ({}) and area totals ({}); choose one with --level station or --level area",
                    self.name,
                    stations.len(),
                    areas.len()
                ))
                .into());
            }
            None if areas.is_empty() => OfficialLevel::Station,
            None => OfficialLevel::Area,
        };
        let rows = match level {
            OfficialLevel::Station => stations,
            OfficialLevel::Area => areas,
        };
        if rows.is_empty() {
            return Err(InputError(format!(
                "{}: no official {} rows (rows whose source is `official`)",
                self.name,
                level.as_str()
            ))
            .into());
        }
        Ok((level, rows))
    }
}

fn read_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path)
        .map_err(|e| InputError(format!("{}: cannot read the file: {e}", path.display())).into())
}

/// The election with `slug`, or an input error.
async fn find_election(store: &Store, actor: &Actor, slug: &str) -> anyhow::Result<ElectionRow> {
    store
        .election(actor, slug)
        .await
        .map_err(store_error)?
        .ok_or_else(|| {
            InputError(format!(
                "--slug: no election `{slug}` (create it with `kuzet import election`)"
            ))
            .into()
        })
}

/// What `import election` stored.
#[derive(Debug)]
pub struct ElectionLoad {
    pub election: ElectionRow,
    pub created: bool,
    pub areas_created: usize,
    pub stations_created: usize,
    pub stations_updated: usize,
    pub official: Option<kuzet_store::OfficialImportSummary>,
}

/// Creates the election (or finds it) and stores the file's areas and stations, and its
/// official figures when `with_official`.
pub async fn store_election(
    store: &Store,
    actor: &Actor,
    file: &ResultsFile,
    slug: &str,
    name: &str,
    held_on: Option<time::Date>,
    with_official: bool,
) -> anyhow::Result<ElectionLoad> {
    let existing = store.election(actor, slug).await.map_err(store_error)?;
    let created = existing.is_none();
    let election = match existing {
        Some(row) => {
            if row.definition_text != file.definition_text
                || row.candidates != file.election.candidates()
            {
                return Err(InputError(format!(
                    "--slug: the election `{slug}` exists with another protocol or other candidates ({}) than {} ({})",
                    row.candidates.join(", "),
                    file.name,
                    file.election.candidates().join(", ")
                ))
                .into());
            }
            row
        }
        None => store
            .create_election(
                actor,
                NewElection {
                    slug: slug.to_owned(),
                    name: name.to_owned(),
                    held_on,
                    definition_text: file.definition_text.clone(),
                    candidates: file.election.candidates().to_vec(),
                },
            )
            .await
            .map_err(store_error)?,
    };
    let (areas, stations) = file.stations();
    let storing = spinner(
        stations.len() > 10_000,
        &format!("storing {} stations", stations.len()),
    );
    let areas_only = store
        .import_areas(actor, election.id, areas)
        .await
        .map_err(store_error)?;
    let summary = store
        .import_stations(actor, election.id, stations)
        .await
        .map_err(store_error)?;
    storing.finish_and_clear();
    let official = if with_official {
        let (level, rows) = file.official_rows(None)?;
        let storing = spinner(
            rows.len() > 10_000,
            &format!("storing {} official rows", rows.len()),
        );
        let summary = store
            .import_official(
                actor,
                election.id,
                NewOfficialImport {
                    source: file.name.clone(),
                    file_sha256: file.sha256.clone(),
                    level,
                    rows,
                },
            )
            .await
            .map_err(store_error)?;
        storing.finish_and_clear();
        Some(summary)
    } else {
        None
    };
    let election = find_election(store, actor, slug).await?;
    Ok(ElectionLoad {
        election,
        created,
        areas_created: areas_only + summary.areas_created,
        stations_created: summary.stations_created,
        stations_updated: summary.stations_updated,
        official,
    })
}

async fn election(store: &Store, args: &ElectionArgs) -> anyhow::Result<ExitCode> {
    let actor = acting_user(store, &args.acting_as).await?;
    let held_on = match &args.held_on {
        Some(text) => Some(
            kuzet_register::parse_date(text).map_err(|e| InputError(format!("--held-on: {e}")))?,
        ),
        None => None,
    };
    let bytes = read_file(&args.file)?;
    let name = file_name(&args.file);
    let definition = if looks_like_russian_cec(&bytes) {
        match args.protocol.as_deref() {
            None | Some("russian-cec" | "ru") => RUSSIAN_CEC.to_owned(),
            Some(other) => {
                return Err(InputError(format!(
                    "--protocol {other}: {name} is a Russian CEC file, which uses russian-cec"
                ))
                .into());
            }
        }
    } else {
        protocol_text(args.protocol.as_deref().unwrap_or("kazakhstan-2019"))?
    };
    let existing = store
        .election(&actor, &args.slug)
        .await
        .map_err(store_error)?;
    let candidates = existing.map(|e| e.candidates).unwrap_or_default();
    let file = read_results(&name, bytes, &definition, &candidates)?;
    let started = Instant::now();
    let display_name = args.name.clone().unwrap_or_else(|| name.clone());
    let load = store_election(
        store,
        &actor,
        &file,
        &args.slug,
        &display_name,
        held_on,
        args.with_official,
    )
    .await?;
    let seconds = started.elapsed().as_secs_f64();
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "election": load.election.slug,
                "created": load.created,
                "candidates": load.election.candidates,
                "areas_created": load.areas_created,
                "stations_created": load.stations_created,
                "stations_updated": load.stations_updated,
                "stations": load.election.station_count,
                "official": load.official,
                "file_sha256": file.sha256,
            }))?
        );
    } else {
        println!(
            "{} election `{}` ({}): {} areas and {} stations added, {} stations updated; {} stations in all; candidates: {}.",
            if load.created { "Created" } else { "Updated" },
            load.election.slug,
            load.election.name,
            load.areas_created,
            load.stations_created,
            load.stations_updated,
            load.election.station_count,
            load.election.candidates.join(", ")
        );
        if let Some(official) = &load.official {
            println!(
                "Official figures imported (import {}): {} new, {} changed, {} unchanged.",
                official.import_id, official.new, official.changed, official.unchanged
            );
        }
        println!("Stored in {seconds:.1} s.");
    }
    Ok(ExitCode::SUCCESS)
}

async fn official(store: &Store, args: &OfficialArgs) -> anyhow::Result<ExitCode> {
    let actor = acting_user(store, &args.acting_as).await?;
    let level = match args.level.as_deref() {
        Some(text) => Some(OfficialLevel::parse(text).ok_or_else(|| {
            InputError(format!("--level: \"{text}\" is neither station nor area"))
        })?),
        None => None,
    };
    let row = find_election(store, &actor, &args.slug).await?;
    let name = file_name(&args.file);
    let file = read_results(
        &name,
        read_file(&args.file)?,
        &row.definition_text,
        &row.candidates,
    )?;
    let (level, rows) = file.official_rows(level)?;
    let count = rows.len();
    let storing = spinner(count > 10_000, &format!("storing {count} official rows"));
    let summary = store
        .import_official(
            &actor,
            row.id,
            NewOfficialImport {
                source: args.source.clone().unwrap_or(name),
                file_sha256: file.sha256.clone(),
                level,
                rows,
            },
        )
        .await
        .map_err(store_error)?;
    storing.finish_and_clear();
    let changes = store
        .official_changes(&actor, summary.import_id)
        .await
        .map_err(store_error)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "election": row.slug,
                "import_id": summary.import_id,
                "level": level,
                "rows": count,
                "new": summary.new,
                "changed": summary.changed,
                "unchanged": summary.unchanged,
                "file_sha256": file.sha256,
                "changes": changes,
            }))?
        );
    } else {
        println!(
            "Official {} figures for `{}` imported (import {}): {count} rows, {} new, {} changed, {} unchanged.",
            level.as_str(),
            row.slug,
            summary.import_id,
            summary.new,
            summary.changed,
            summary.unchanged
        );
        for change in changes.iter().take(args.limit) {
            let show = |v: Option<i64>| v.map_or_else(|| "-".to_owned(), |v| v.to_string());
            println!(
                "  {}: {} {} -> {}",
                change.target,
                change.line_key,
                show(change.before),
                show(change.after)
            );
        }
        if changes.len() > args.limit {
            println!(
                "  ... and {} more changed figures (--json lists all)",
                changes.len() - args.limit
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What `import protocols` stored.
#[derive(Debug, Default)]
pub struct ProtocolsLoad {
    pub submitted: usize,
    pub already_there: usize,
    pub flagged: usize,
}

/// Submits every non-official station row of the file as a copy from `actor`, keyed by the
/// file's digest and the station so that a second run adds nothing.
pub async fn store_protocols(
    store: &Store,
    actor: &Actor,
    election_id: i64,
    file: &ResultsFile,
    progress: &ProgressBar,
) -> anyhow::Result<ProtocolsLoad> {
    let mut load = ProtocolsLoad::default();
    for (index, set) in file.election.results().iter().enumerate() {
        if set.is_official() {
            continue;
        }
        for station in &set.stations {
            let code = election_files::station_code(&file.election, station, file.codes);
            let outcome = store
                .submit_protocol(
                    actor,
                    NewSubmission {
                        election_id,
                        station_code: code.clone(),
                        idempotency_key: format!("import:{}:{index}:{code}", &file.sha256[..16]),
                        figures: election_files::figures_of(&file.election, &station.counts),
                        note: None,
                        origin: SubmissionOrigin::Import,
                        photos: Vec::new(),
                    },
                )
                .await
                .map_err(store_error)
                .with_context(|| {
                    format!("{}, line {} (station {code})", file.name, station.line)
                })?;
            if outcome.created {
                load.submitted += 1;
            } else {
                load.already_there += 1;
            }
            if !outcome.submission.violations.is_empty() {
                load.flagged += 1;
            }
            progress.inc(1);
        }
    }
    Ok(load)
}

async fn protocols(store: &Store, args: &ProtocolsArgs) -> anyhow::Result<ExitCode> {
    let actor = acting_user(store, &args.acting_as).await?;
    let row = find_election(store, &actor, &args.slug).await?;
    let name = file_name(&args.file);
    let file = read_results(
        &name,
        read_file(&args.file)?,
        &row.definition_text,
        &row.candidates,
    )?;
    let total: usize = file
        .election
        .results()
        .iter()
        .filter(|s| !s.is_official())
        .map(|s| s.stations.len())
        .sum();
    if total == 0 {
        return Err(InputError(format!(
            "{name}: no observers' station rows (rows whose source is not `official`)"
        ))
        .into());
    }
    let progress = bar(total as u64, !args.json && total > 200);
    let load = store_protocols(store, &actor, row.id, &file, &progress).await?;
    progress.finish_and_clear();
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({ "election": row.slug, "rows": total, "submitted": load.submitted, "already_there": load.already_there, "flagged": load.flagged })
            )?
        );
    } else {
        println!(
            "{total} protocols from {name} into `{}`: {} submitted, {} were already there, {} flagged for broken control relations.",
            row.slug, load.submitted, load.already_there, load.flagged
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A spinner on stderr for long steps; hidden when `show` is false (indicatif hides it when
/// stderr is not a terminal).
pub fn spinner(show: bool, message: &str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner().with_message(message.to_owned());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("a valid template"),
    );
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

/// A progress bar of `total` steps, or a hidden one.
pub fn bar(total: u64, show: bool) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed}").expect("a valid template"),
    );
    bar
}
