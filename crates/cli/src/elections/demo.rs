//! The demo's elections: the Kazakhstan 2019 case study (Nur-Sultan's 74 constructed observer
//! protocols as submissions of a synthetic observer account, the official area totals the
//! report quotes, and three more copies from a second synthetic observer: two that conflict
//! with the first observer's, one of them also breaking the control relations, and one that
//! agrees), and the Russia 2018 official station results when the shared data is there.
//!
//! The conflicting stations are left out of the projection until a coordinator resolves them:
//! resolving both for the first observer's copies brings Nur-Sultan's projection back to the
//! report's 114,991 / 165,246 from 74 of 239 stations.

use std::path::Path;
use std::time::Instant;

use anyhow::Context as _;
use indicatif::ProgressBar;
use kuzet_ingest::election::{KZ_2019_OBSERVER_PROTOCOLS, KZ_2019_PUBLISHED_TOTALS};
use kuzet_protocol::definition::{KAZAKHSTAN_2019, RUSSIAN_CEC};
use kuzet_register::{Actor, Role, UserId};
use kuzet_store::election_files;
use kuzet_store::{Figures, NewSubmission, Store, SubmissionOrigin};

use super::{read_results, store_election, store_protocols};
use crate::user::store_error;

pub const KZ_SLUG: &str = "kz-2019";
pub const RU_SLUG: &str = "ru-2018";
/// The synthetic observers who send the demo's copies.
pub const OBSERVERS: [&str; 2] = ["demo-observer-1", "demo-observer-2"];

/// Loads the elections not yet in the store; returns lines saying what was loaded and what
/// was skipped.
pub async fn load(store: &Store, russia: &Path, skip_russia: bool) -> anyhow::Result<Vec<String>> {
    let system = Actor::system();
    let mut lines = Vec::new();
    if store
        .election(&system, KZ_SLUG)
        .await
        .map_err(store_error)?
        .is_some()
    {
        lines.push(format!(
            "Kazakhstan 2019 ({KZ_SLUG}): already in the database, kept as it is."
        ));
    } else {
        let started = Instant::now();
        let summary = load_kazakhstan(store)
            .await
            .context("loading the Kazakhstan 2019 case study")?;
        lines.push(format!(
            "{summary} ({:.1} s)",
            started.elapsed().as_secs_f64()
        ));
    }
    if store
        .election(&system, RU_SLUG)
        .await
        .map_err(store_error)?
        .is_some()
    {
        lines.push(format!(
            "Russia 2018 ({RU_SLUG}): already in the database, kept as it is."
        ));
    } else if skip_russia {
        lines.push("Russia 2018: skipped (--skip-russia).".to_owned());
    } else if !russia.exists() {
        lines.push(format!(
            "Russia 2018: skipped, {} not found.",
            russia.display()
        ));
    } else {
        let started = Instant::now();
        let bytes =
            std::fs::read(russia).with_context(|| format!("reading {}", russia.display()))?;
        let name = russia.file_name().map_or_else(
            || russia.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let file = read_results(&name, bytes, RUSSIAN_CEC, &[])?;
        let read = started.elapsed().as_secs_f64();
        let held_on = kuzet_register::parse_date("2018-03-18").ok();
        let load = store_election(
            store,
            &system,
            &file,
            RU_SLUG,
            "Russia, presidential election of 18 March 2018",
            held_on,
            true,
        )
        .await?;
        store
            .set_election_published(&system, load.election.id, true)
            .await
            .map_err(store_error)?;
        lines.push(format!(
            "Russia 2018 ({RU_SLUG}): {} areas, {} stations with their official figures from {name}, published (read in {read:.1} s, stored in {:.1} s); no observers' copies.",
            load.areas_created,
            load.stations_created,
            started.elapsed().as_secs_f64() - read
        ));
    }
    Ok(lines)
}

/// A synthetic observer's account (created with a random password that is never shown: the
/// account only signs the demo's copies).
async fn observer(store: &Store, username: &str) -> anyhow::Result<Actor> {
    let system = Actor::system();
    let id = match store
        .find_user(&system, username)
        .await
        .map_err(store_error)?
    {
        Some(user) => UserId(user.id),
        None => {
            let password = crate::demo::random_password()?;
            store
                .add_user(&system, username, &password, Role::Volunteer)
                .await
                .map_err(store_error)?
        }
    };
    Ok(Actor::user(id, Role::Volunteer))
}

async fn load_kazakhstan(store: &Store) -> anyhow::Result<String> {
    let system = Actor::system();
    let protocols = read_results(
        "examples/kz-2019/observer-protocols.csv",
        KZ_2019_OBSERVER_PROTOCOLS.as_bytes().to_vec(),
        KAZAKHSTAN_2019,
        &[],
    )?;
    let held_on = kuzet_register::parse_date("2019-06-09").ok();
    let name = "Kazakhstan, presidential election of 9 June 2019";
    let load = store_election(store, &system, &protocols, KZ_SLUG, name, held_on, false).await?;
    // The report's published totals: official area totals (Nur-Sultan with its 239
    // stations, West Kazakhstan Region); the observers' Almaty totals in the same file are
    // not station copies and are not stored.
    let totals = read_results(
        "examples/kz-2019/published-totals.csv",
        KZ_2019_PUBLISHED_TOTALS.as_bytes().to_vec(),
        KAZAKHSTAN_2019,
        &load.election.candidates,
    )?;
    let official = store_election(store, &system, &totals, KZ_SLUG, name, held_on, true).await?;
    let official = official
        .official
        .context("the published totals have official rows")?;

    let first = observer(store, OBSERVERS[0]).await?;
    let sent = store_protocols(
        store,
        &first,
        load.election.id,
        &protocols,
        &ProgressBar::hidden(),
    )
    .await?;

    // The second observer's copies: station 07 with Tokayev's votes mistyped (the valid
    // ballots no longer add up: flagged, and in conflict), station 31 with 50 votes moved
    // from Kosanov to Tokayev (arithmetic holds, in conflict), station 12 as the first
    // observer has it (agrees: no conflict).
    let second = observer(store, OBSERVERS[1]).await?;
    let election = &protocols.election;
    let observed = &election.results()[0].stations;
    let copy = |code: &str| -> anyhow::Result<Figures> {
        let station = observed
            .iter()
            .find(|s| s.station == code)
            .with_context(|| format!("the example has no station {code}"))?;
        Ok(election_files::figures_of(election, &station.counts))
    };
    let (kosanov, tokayev) = (
        election.candidates()[0].clone(),
        election.candidates()[1].clone(),
    );
    let mut mistyped = copy("synthetic-07")?;
    *mistyped.entry(tokayev.clone()).or_default() += 100;
    let mut moved = copy("synthetic-31")?;
    *moved.entry(kosanov).or_default() -= 50;
    *moved.entry(tokayev).or_default() += 50;
    let agreeing = copy("synthetic-12")?;
    let mut flagged = 0;
    for (code, figures, note) in [
        (
            "synthetic-07",
            mistyped,
            "photo blurred, figures read off the screen",
        ),
        (
            "synthetic-31",
            moved,
            "copy from the station's notice board",
        ),
        ("synthetic-12", agreeing, "second copy"),
    ] {
        let outcome = store
            .submit_protocol(
                &second,
                NewSubmission {
                    election_id: load.election.id,
                    station_code: code.to_owned(),
                    idempotency_key: format!("demo:{code}"),
                    figures,
                    note: Some(note.to_owned()),
                    origin: SubmissionOrigin::Import,
                    photos: Vec::new(),
                },
            )
            .await
            .map_err(store_error)?;
        flagged += usize::from(!outcome.submission.violations.is_empty());
    }
    let conflicts = store
        .conflicts(&system, load.election.id)
        .await
        .map_err(store_error)?;
    store
        .set_election_published(&system, load.election.id, true)
        .await
        .map_err(store_error)?;
    Ok(format!(
        "Kazakhstan 2019 ({KZ_SLUG}): {} stations of Nur-Sultan, official area totals for {} areas (import {}), {} observer protocols from {} and 3 copies from {} ({} conflicting: {}; {flagged} flagged for broken control relations); published. Resolve the conflicts to bring the projection back to the report's.",
        load.stations_created,
        official.new,
        official.import_id,
        sent.submitted + sent.already_there,
        OBSERVERS[0],
        OBSERVERS[1],
        conflicts.len(),
        conflicts
            .iter()
            .map(|c| c.station_code.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    ))
}
