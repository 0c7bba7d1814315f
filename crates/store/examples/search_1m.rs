//! The register's name search at scale, through the path the web list takes: builds (or
//! reuses) a register of `--persons` synthetic persons (SQLite, or PostgreSQL with
//! `--database postgres://...`), then times a fixed, seeded set of 450 queries typed as users
//! type them (50 of each kind: surname; given name and surname; the other script; given name
//! and surname with one typing slip of each of four kinds; surname and initial; surname and
//! city) through `Store::list_persons` (candidates from the index, ranked by similarity;
//! default sort and page size of the web list) and reports latency percentiles and how often
//! the intended person is in the top 10 and on the first page.
//!
//! `cargo run --release -p kuzet-store --example search_1m -- [--persons N] [--database PATH]`
//! (defaults: 1,000,000 persons, `/tmp/kuzet-search-<N>.sqlite`). Every name is constructed
//! (`kuzet_names::synthetic`), never a real person's; the other facts (event, detention,
//! decisions, source) are the register demo generator's.

use std::time::Instant;

use kuzet_names::synthetic::{Layout, Rng, Spelling, SyntheticName, write};
use kuzet_register::{Actor, PersonName, demo};
use kuzet_store::{ImportRecord, NewDetention, NewPerson, PersonId, PersonQuery, Store};

/// Records per import call: each call is one transaction.
const BATCH: usize = 20_000;
/// Queries per kind.
const QUERIES_PER_KIND: usize = 50;
const NAME_SEED: u64 = 1_000_001;
const QUERY_SEED: u64 = 2026;

const CYRILLIC: [Spelling; 2] = [Spelling::KazakhCyrillic, Spelling::RussianCyrillic];
const LATIN: [Spelling; 5] = [
    Spelling::Passport,
    Spelling::Bgn,
    Spelling::Iso9,
    Spelling::Kazakh2021,
    Spelling::AdHoc,
];

/// One stored person's name: the constructed person and how the register wrote it.
struct StoredName {
    name: SyntheticName,
    text: String,
    latin: bool,
}

/// The names of the synthetic persons, in import order; the same for the same count, so that
/// a reused database is queried with the names it holds.
fn stored_names(count: usize) -> Vec<StoredName> {
    let mut rng = Rng::new(NAME_SEED);
    (0..count)
        .map(|_| {
            let name = SyntheticName::random_diverse(&mut rng);
            let layout = match rng.below(10) {
                0..=4 => Layout::SurnameGiven,
                5..=7 => Layout::GivenSurname,
                _ => Layout::SurnameGivenPatronymic {
                    kazakh: rng.chance(0.3),
                },
            };
            // Volunteers mostly type Cyrillic; foreign reports and court lists bring Latin.
            let latin = rng.chance(0.35);
            let spelling = if latin {
                *rng.pick(&LATIN)
            } else {
                *rng.pick(&CYRILLIC)
            };
            let text = write(&name.cyrillic(layout), spelling, &mut rng);
            StoredName { name, text, latin }
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Surname,
    GivenSurname,
    OtherScript,
    Slip(Slip),
    Initials,
    SurnameCity,
}

/// One typing slip in the surname: a letter missing, an extra letter, a wrong letter, or two
/// neighbouring letters swapped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Slip {
    Missing,
    Extra,
    Wrong,
    Swapped,
}

impl Kind {
    const ALL: [Kind; 9] = [
        Kind::Surname,
        Kind::GivenSurname,
        Kind::OtherScript,
        Kind::Slip(Slip::Missing),
        Kind::Slip(Slip::Extra),
        Kind::Slip(Slip::Wrong),
        Kind::Slip(Slip::Swapped),
        Kind::Initials,
        Kind::SurnameCity,
    ];

    fn label(self) -> &'static str {
        match self {
            Kind::Surname => "surname only",
            Kind::GivenSurname => "given + surname",
            Kind::OtherScript => "other script (Latin <-> Cyrillic)",
            Kind::Slip(Slip::Missing) => "given + surname, a letter missing",
            Kind::Slip(Slip::Extra) => "given + surname, an extra letter",
            Kind::Slip(Slip::Wrong) => "given + surname, a wrong letter",
            Kind::Slip(Slip::Swapped) => "given + surname, two letters swapped",
            Kind::Initials => "surname + initial",
            Kind::SurnameCity => "surname + city",
        }
    }
}

struct Query {
    kind: Kind,
    text: String,
    /// Index into the stored names.
    target: usize,
}

/// Russian letters a slip may bring in.
const LETTERS: &[char] = &[
    'а', 'б', 'в', 'г', 'д', 'е', 'ж', 'з', 'и', 'й', 'к', 'л', 'м', 'н', 'о', 'п', 'р', 'с', 'т',
    'у', 'ф', 'х', 'ц', 'ч', 'ш', 'ы', 'ь', 'э', 'ю', 'я',
];

/// One typing slip in a word, never in the first letter (people rarely get that wrong): a
/// letter dropped, an extra letter, a letter replaced by another (any, not only a look-alike),
/// or two neighbouring letters swapped (two different letters, so the word changes).
fn misspell(word: &str, slip: Slip, rng: &mut Rng) -> String {
    let mut letters: Vec<char> = word.chars().collect();
    if letters.len() < 4 {
        return word.to_owned();
    }
    let at = 1 + rng.below(letters.len() - 2);
    match slip {
        Slip::Missing => {
            letters.remove(at);
        }
        Slip::Extra => letters.insert(at, *rng.pick(LETTERS)),
        Slip::Wrong => {
            let current = letters[at];
            letters[at] = loop {
                let letter = *rng.pick(LETTERS);
                if letter != current {
                    break letter;
                }
            };
        }
        Slip::Swapped => {
            let at = (1..letters.len() - 1)
                .map(|offset| 1 + (at - 1 + offset) % (letters.len() - 2))
                .find(|&i| letters[i] != letters[i + 1])
                .unwrap_or(at);
            letters.swap(at, at + 1);
        }
    }
    letters.into_iter().collect()
}

/// The fixed query set: the targets are drawn from the synthetic persons, each query written
/// from the target's constructed name the way a user would type it.
fn queries(names: &[StoredName], cities: &[Option<String>]) -> Vec<Query> {
    let mut rng = Rng::new(QUERY_SEED);
    let mut out = Vec::new();
    for kind in Kind::ALL {
        for _ in 0..QUERIES_PER_KIND {
            let target = rng.below(names.len());
            let stored = &names[target];
            let name = &stored.name;
            // Searchers type on a Russian keyboard unless they copy a Latin spelling.
            let typed = |text: &str, rng: &mut Rng| write(text, Spelling::RussianCyrillic, rng);
            let text = match kind {
                Kind::Surname => typed(&name.surname, &mut rng),
                Kind::GivenSurname => typed(&name.cyrillic(Layout::GivenSurname), &mut rng),
                Kind::OtherScript => {
                    let spelling = if stored.latin {
                        *rng.pick(&CYRILLIC)
                    } else {
                        *rng.pick(&LATIN)
                    };
                    write(&name.cyrillic(Layout::GivenSurname), spelling, &mut rng)
                }
                Kind::Slip(slip) => {
                    let surname = typed(&name.surname, &mut rng).to_lowercase();
                    let given = typed(&name.given, &mut rng);
                    format!("{given} {}", misspell(&surname, slip, &mut rng))
                }
                Kind::Initials => typed(&name.cyrillic(Layout::SurnameInitial), &mut rng),
                // The city as the register writes it (the demo's Latin spelling).
                Kind::SurnameCity => format!(
                    "{} {}",
                    typed(&name.surname, &mut rng),
                    cities[target].as_deref().unwrap_or("")
                ),
            };
            out.push(Query { kind, text, target });
        }
    }
    out
}

struct Timing {
    kind: Kind,
    millis: f64,
    total: u64,
    capped: bool,
    /// Where the target is on the first page (0 = first), if it is there.
    position: Option<usize>,
    on_first_page: bool,
    /// Among all matches at all (looked up afterwards, 500 a page, not timed).
    matched: bool,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

fn summary(label: &str, timings: &[&Timing]) {
    let mut millis: Vec<f64> = timings.iter().map(|t| t.millis).collect();
    millis.sort_by(f64::total_cmp);
    let found = timings.iter().filter(|t| t.on_first_page).count();
    let top10 = timings
        .iter()
        .filter(|t| t.position.is_some_and(|p| p < 10))
        .count();
    let capped = timings.iter().filter(|t| t.capped).count();
    let matched = timings.iter().filter(|t| t.matched).count();
    let mut totals: Vec<u64> = timings.iter().map(|t| t.total).collect();
    totals.sort_unstable();
    println!(
        "| {label} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {} ({:.0} %) | {} ({:.0} %) | {} ({:.0} %) | {} | {} |",
        timings.len(),
        percentile(&millis, 0.50),
        percentile(&millis, 0.95),
        percentile(&millis, 0.99),
        millis[millis.len() - 1],
        top10,
        100.0 * top10 as f64 / timings.len() as f64,
        found,
        100.0 * found as f64 / timings.len() as f64,
        matched,
        100.0 * matched as f64 / timings.len() as f64,
        totals[totals.len() / 2],
        capped,
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut persons = 1_000_000usize;
    let mut database: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--persons" => persons = args.next().ok_or("--persons needs a number")?.parse()?,
            "--database" => database = Some(args.next().ok_or("--database needs a path")?),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let path = database.unwrap_or_else(|| format!("/tmp/kuzet-search-{persons}.sqlite"));
    let system = Actor::system();
    let first = demo::generate(1);
    let demo_persons = first.people.len();
    let mine = persons.checked_sub(demo_persons).ok_or("too few persons")?;
    let names = stored_names(mine);
    let file_exists = std::path::Path::new(&path).exists();
    let store = Store::open(&path).await?;
    // A PostgreSQL database given by URL is built once, when empty.
    let exists = if path.starts_with("postgres") {
        store
            .list_persons(&system, &PersonQuery::default())
            .await?
            .total
            > 0
    } else {
        file_exists
    };
    if !exists {
        let started = Instant::now();
        store.load_demo(&first).await?;
        let events = store.events().await?;
        let mut stored = 0usize;
        let mut seed = 2;
        let mut pending: Vec<ImportRecord> = Vec::with_capacity(BATCH);
        while stored + pending.len() < mine {
            // The other facts come from the demo generator; only the names are replaced.
            let register = demo::generate(seed);
            seed += 1;
            for demo in &register.people {
                if stored + pending.len() == mine {
                    break;
                }
                let mut person = demo.person.clone();
                person.name = PersonName::parse(&names[stored + pending.len()].text)?;
                pending.push(ImportRecord {
                    person: NewPerson::new(person),
                    detention: Some(NewDetention {
                        event_id: events.get(demo.event_index).map(|event| event.id),
                        detention: demo.detention.clone(),
                    }),
                    decisions: demo.decisions.clone(),
                    custody: None,
                    transfer: demo.transfer.clone(),
                    source: Some(demo.source.clone()),
                });
                if pending.len() == BATCH {
                    stored += store
                        .import_records(&system, &pending, |_| {})
                        .await?
                        .persons;
                    pending.clear();
                    eprintln!(
                        "{} persons, {:.0} s",
                        demo_persons + stored,
                        started.elapsed().as_secs_f64()
                    );
                }
            }
        }
        if !pending.is_empty() {
            stored += store
                .import_records(&system, &pending, |_| {})
                .await?
                .persons;
        }
        println!(
            "built {path}: {} persons in {:.0} s",
            demo_persons + stored,
            started.elapsed().as_secs_f64()
        );
    }
    let total = store
        .list_persons(&system, &PersonQuery::default())
        .await?
        .total;
    if total != persons as u64 {
        return Err(format!("{path} holds {total} persons, not {persons}").into());
    }
    match std::fs::metadata(&path) {
        Ok(metadata) => println!(
            "{path}: {total} persons, {:.0} MB",
            metadata.len() as f64 / 1e6
        ),
        Err(_) => println!("{total} persons"),
    }

    // The synthetic persons were imported after the demo's, with consecutive ids; checked
    // below against each target's stored name.
    let id_of = |target: usize| PersonId((demo_persons + target + 1) as i64);
    // The targets' cities, for the queries with a city (drawn like the others, so read for
    // every possible target of the seeded draw: the draw is repeated without them first).
    let draft = queries(&names, &vec![None; names.len()]);
    let mut cities = vec![None; names.len()];
    for query in &draft {
        let page = store.person(&system, id_of(query.target)).await?;
        if page.person.name != names[query.target].text {
            return Err(
                format!("person {} is not the expected target", id_of(query.target)).into(),
            );
        }
        cities[query.target] = page.person.city.clone();
    }
    let queries = queries(&names, &cities);

    // Two passes: the first warms SQLite's page cache as a running server's would be; the
    // second is reported.
    let mut passes = Vec::new();
    for _ in 0..2 {
        let mut timings = Vec::with_capacity(queries.len());
        for query in &queries {
            let request = PersonQuery {
                text: Some(query.text.clone()),
                ..PersonQuery::default()
            };
            let started = Instant::now();
            let page = store.list_persons(&system, &request).await?;
            let millis = started.elapsed().as_secs_f64() * 1000.0;
            let position = page
                .items
                .iter()
                .position(|row| row.id == id_of(query.target));
            timings.push(Timing {
                kind: query.kind,
                millis,
                total: page.total,
                capped: page.capped,
                position,
                on_first_page: position.is_some(),
                matched: false,
            });
        }
        passes.push(timings);
    }
    for (query, timing) in queries.iter().zip(passes[1].iter_mut()) {
        let mut request = PersonQuery {
            text: Some(query.text.clone()),
            per_page: 500,
            ..PersonQuery::default()
        };
        for page in 1..=40 {
            request.page = page;
            let found = store.list_persons(&system, &request).await?;
            if found.items.iter().any(|row| row.id == id_of(query.target)) {
                timing.matched = true;
            }
            if timing.matched || page >= found.pages {
                break;
            }
        }
    }
    let mut first_pass: Vec<f64> = passes[0].iter().map(|t| t.millis).collect();
    first_pass.sort_by(f64::total_cmp);
    println!(
        "first (cold) pass: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        percentile(&first_pass, 0.5),
        percentile(&first_pass, 0.95),
        first_pass[first_pass.len() - 1]
    );
    println!(
        "second pass, list_persons(text), default sort (ranked by similarity, up to 2,000 matches), 50 per page:"
    );
    println!(
        "| queries | n | p50 ms | p95 ms | p99 ms | max ms | target in top 10 | target on page 1 | target matched | median matches | capped |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    let timings = &passes[1];
    summary("all", &timings.iter().collect::<Vec<_>>());
    for kind in Kind::ALL {
        summary(
            kind.label(),
            &timings
                .iter()
                .filter(|t| t.kind == kind)
                .collect::<Vec<_>>(),
        );
    }
    if std::env::var_os("SEARCH_1M_SHOW").is_some() {
        for (query, timing) in queries.iter().zip(timings) {
            println!(
                "{:>8.1} ms {:>7} {} | {} -> {}",
                timing.millis,
                timing.total,
                match (timing.on_first_page, timing.matched) {
                    (true, _) => "page-1",
                    (false, true) => "later ",
                    (false, false) => "absent",
                },
                query.text,
                names[query.target].text
            );
        }
    }
    store.close().await;
    Ok(())
}
