//! `kuzet verify`: reads result files, checks every protocol's arithmetic, compares sources,
//! projects area totals from observed samples and lists stations off the trend.
//!
//! Input files are recognised by content: a `.zip`, or a CSV with `region`, `tik` and `uik`
//! columns, is a Russian CEC file; anything else is a protocol table (CSV, XLSX or JSON; the
//! format is documented in `examples/kz-2019/README.md`). All files go into one election, so
//! an observers' table can be checked against an official file.

use crate::exit::{FINDINGS, InputError};
use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use kuzet_ingest::election::{
    ElectionError, load_protocol_table, load_russian_cec, looks_like_russian_cec, read_russian_cec,
};
use kuzet_protocol::{
    AreaId, Election, OFFICIAL, ProtocolDefinition, Provenance, VerifyOptions, project::ProjectionOptions,
};
use kuzet_report::verify as report;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// Result files: Russian CEC files (`.csv.zip` or `.csv`), protocol tables (CSV, XLSX, JSON).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Print the report as JSON (every violation and outlier, not only the first ones).
    #[arg(long)]
    pub json: bool,
    /// Also write the report as a self-contained HTML page to this file.
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
    /// Only stations and totals inside this area: names from the region down, joined by `/`.
    #[arg(long, value_name = "AREA")]
    pub area: Option<String>,
    /// Exit with code 3 when the verification finds these.
    #[arg(long, value_enum, value_name = "FINDING")]
    pub fail_on: Vec<FailOn>,
    /// The protocol of protocol tables: `kz` (Kazakhstan 2019), `ru` (Russian CEC), or a
    /// definition file like `crates/protocol/definitions/kazakhstan-2019.txt` (its first lines
    /// explain the format). Russian CEC files always use `ru`.
    #[arg(long, default_value = "kz", value_name = "PROTOCOL")]
    pub protocol: String,
    /// How many violations, differing stations and outliers the text and HTML reports list.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// The report's title (default: the first file's name).
    #[arg(long)]
    pub title: Option<String>,
    /// The language of the report: `en` or `ru`.
    #[arg(long, default_value = "en", value_name = "LANG")]
    pub lang: String,
    /// Below this many observed stations in an area no projection is made.
    #[arg(long, value_name = "N", default_value_t = ProjectionOptions::default().minimum_stations)]
    pub min_stations: usize,
    /// Bootstrap replicates for the projection intervals.
    #[arg(long, value_name = "N", default_value_t = ProjectionOptions::default().bootstrap_replicates)]
    pub replicates: usize,
    /// Seed of the bootstrap; the same seed gives the same intervals.
    #[arg(long, value_name = "N", default_value_t = ProjectionOptions::default().seed)]
    pub seed: u64,
    /// Robust z-score above which a station is listed as breaking the trend.
    #[arg(long, value_name = "Z", default_value_t = VerifyOptions::default().outlier_threshold)]
    pub outlier_threshold: f64,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// A control relation broken or a negative number.
    Violations,
    /// An observer's figure that differs from the official one.
    Differences,
    /// An official figure outside a projection's 95% interval.
    Projections,
    /// A station off its group's trend.
    Outliers,
}

/// Files above this size get a progress spinner while they are read and parsed.
const LARGE_FILE: u64 = 1 << 20;

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let language = report::Language::from_code(&args.lang).ok_or_else(|| {
        InputError(format!(
            "--lang: \"{}\" is not a report language; use en or ru",
            args.lang
        ))
    })?;
    let election = load(&args)?;
    let scope = match &args.area {
        Some(path) => Some(find_area(&election, path)?),
        None => None,
    };
    check_stations_are_known(&election)?;

    let spinner = spinner(
        election
            .results()
            .iter()
            .map(|s| s.stations.len())
            .sum::<usize>()
            > 10_000,
        "verifying",
    );
    let verification = kuzet_protocol::verify(
        &election,
        &VerifyOptions {
            scope,
            projection: ProjectionOptions {
                minimum_stations: args.min_stations,
                bootstrap_replicates: args.replicates,
                seed: args.seed,
                ..ProjectionOptions::default()
            },
            outlier_threshold: args.outlier_threshold,
        },
    );
    spinner.finish_and_clear();

    let scope_name = scope.map(|s| election.areas.display(s));
    if args.json {
        let full = report::build_in(
            &election,
            &verification,
            scope_name.as_deref(),
            None,
            language,
        );
        println!(
            "{}",
            serde_json::to_string_pretty(&report::render_json(&full))?
        );
    } else {
        let short = report::build_in(
            &election,
            &verification,
            scope_name.as_deref(),
            Some(args.limit),
            language,
        );
        print!("{}", report::render_text(&short));
    }
    if let Some(path) = &args.report {
        let page = report::build_in(
            &election,
            &verification,
            scope_name.as_deref(),
            Some(args.limit.max(500)),
            language,
        );
        std::fs::write(path, report::render_html(&page))
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
        if !args.json {
            let written = if language == report::Language::Russian {
                "Отчёт записан в"
            } else {
                "Report written to"
            };
            println!("\n{written} {}", path.display());
        }
    }

    let found = |finding: FailOn| match finding {
        FailOn::Violations => !verification.arithmetic.violations.is_empty(),
        FailOn::Differences => verification
            .comparisons
            .iter()
            .any(|c| c.total.stations_differing > 0),
        FailOn::Projections => verification.projections.iter().any(|p| {
            p.candidates
                .iter()
                .any(|c| c.official_outside() == Some(true))
        }),
        FailOn::Outliers => verification
            .outliers
            .iter()
            .any(|o| !o.scan.outliers.is_empty()),
    };
    Ok(if args.fail_on.iter().any(|f| found(*f)) {
        ExitCode::from(FINDINGS)
    } else {
        ExitCode::SUCCESS
    })
}

/// Reads every file into one election: Russian CEC files first (they fix the protocol), then
/// protocol tables.
fn load(args: &Args) -> anyhow::Result<Election> {
    let mut files = Vec::with_capacity(args.files.len());
    for path in &args.files {
        let bytes = std::fs::read(path)
            .map_err(|e| InputError(format!("{}: cannot read the file: {e}", path.display())))?;
        let russian = looks_like_russian_cec(&bytes);
        files.push((path, bytes, russian));
    }
    files.sort_by_key(|(_, _, russian)| !russian);

    let mut election: Option<Election> = None;
    for (path, bytes, russian) in files {
        let name = path.display().to_string();
        let spinner = spinner(bytes.len() as u64 > LARGE_FILE, &format!("reading {name}"));
        if russian {
            match &mut election {
                None => election = Some(read_russian_cec(&name, bytes).map_err(input)?),
                Some(election) => {
                    let provenance = Provenance {
                        collected_by: None,
                        collected_at: None,
                        origin: name.clone(),
                    };
                    load_russian_cec(election, &name, bytes, OFFICIAL, provenance)
                        .map_err(input)?;
                }
            }
        } else {
            let election = match &mut election {
                Some(election) => election,
                None => {
                    let protocol = protocol(&args.protocol)?;
                    let country = protocol.country.clone();
                    election.insert(Election::new(&file_title(path), protocol, &country))
                }
            };
            load_protocol_table(election, &name, &bytes).map_err(input)?;
        }
        spinner.finish_and_clear();
    }
    let mut election = election.context("no input files")?;
    if let Some(title) = &args.title {
        election.title = title.clone();
    }
    Ok(election)
}

fn input(error: ElectionError) -> anyhow::Error {
    InputError(error.to_string()).into()
}

fn protocol(name: &str) -> anyhow::Result<ProtocolDefinition> {
    match name {
        "kz" => Ok(ProtocolDefinition::kazakhstan_2019()),
        "ru" => Ok(ProtocolDefinition::russian_cec()),
        path => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                InputError(format!(
                    "--protocol: \"{path}\" is neither kz, ru nor a readable definition file: {e}"
                ))
            })?;
            ProtocolDefinition::parse(&text).map_err(|e| InputError(format!("{path}: {e}")).into())
        }
    }
}

fn file_title(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The area named by `path` (names from the region down, joined by `/`).
fn find_area(election: &Election, path: &str) -> anyhow::Result<AreaId> {
    let areas = &election.areas;
    let mut id = areas.root();
    for name in path.split('/').map(str::trim).filter(|n| !n.is_empty()) {
        id = match areas.find_child(id, name) {
            Some(child) => child,
            None => {
                let known: Vec<&str> = (0..areas.len() as u32)
                    .map(AreaId)
                    .filter(|a| areas.get(*a).parent == Some(id))
                    .map(|a| areas.name(a))
                    .take(12)
                    .collect();
                return Err(InputError(format!(
                    "--area: no area \"{name}\" in {}; known: {}",
                    areas.display(id),
                    known.join(", ")
                ))
                .into());
            }
        };
    }
    Ok(id)
}

/// An observer's station that is not among the official stations of a region the official
/// files cover is almost always a typo in the station or area; it is refused with its line.
fn check_stations_are_known(election: &Election) -> anyhow::Result<()> {
    let covered: std::collections::HashSet<AreaId> = election
        .results()
        .iter()
        .filter(|s| s.is_official())
        .flat_map(|s| {
            s.stations
                .iter()
                .filter_map(|st| election.areas.region_of(st.area))
        })
        .collect();
    if covered.is_empty() {
        return Ok(());
    }
    for comparison in kuzet_protocol::compare::compare_sources(election, None) {
        for &(set, row) in &comparison.unmatched {
            let set = &election.results()[set];
            let station = &set.stations[row];
            if election
                .areas
                .region_of(station.area)
                .is_some_and(|r| covered.contains(&r))
            {
                return Err(InputError(format!(
                    "{}, line {} (station): unknown station \"{}\" in {}: the official results have no such station there",
                    set.provenance.origin,
                    station.line,
                    station.station,
                    election.areas.display(station.area)
                ))
                .into());
            }
        }
    }
    Ok(())
}

/// A spinner on stderr for long steps; invisible when `show` is false or stderr is not a
/// terminal.
fn spinner(show: bool, message: &str) -> ProgressBar {
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
