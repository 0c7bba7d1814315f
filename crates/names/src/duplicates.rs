//! Duplicate-person candidates: blocking, then pairwise scoring on names, birth, city, events
//! and police stations, with the evidence for every pair.
//!
//! Blocking puts two records in the same block when they share a folded word and the first
//! three letters of another word of their names (surname + given name, in either order), a
//! folded word and an initial one of them wrote (`Ахметов Е.`), or a folded word and the birth
//! year. Only pairs that share a block are scored, which keeps 100,000 records to seconds. A block that grows beyond [`Options::max_block_size`] is split by
//! birth year (records without a year are still compared with all of it), so no pair is lost
//! silently.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{Hash, Hasher};

use crate::fold::{FoldedName, fold};

/// A person as the duplicate finder needs them; the store provides rows of this shape.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PersonForMatching {
    pub id: i64,
    /// The name and every alias, as written.
    pub names: Vec<String>,
    pub birth: Option<Birth>,
    pub city: Option<String>,
    pub events: Vec<i64>,
    pub police_stations: Vec<String>,
}

/// A date of birth, or only its year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Birth {
    Year(i32),
    Date { year: i32, month: u8, day: u8 },
}

impl Birth {
    pub fn year(self) -> i32 {
        match self {
            Birth::Year(year) | Birth::Date { year, .. } => year,
        }
    }
}

/// How the finder works.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// The lowest final score reported.
    pub threshold: f64,
    /// Blocks larger than this are split by birth year.
    pub max_block_size: usize,
    /// How many threads score pairs (1 keeps the order of work fixed; results are the same).
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            threshold: DEFAULT_THRESHOLD,
            max_block_size: 2_000,
            threads: 2,
        }
    }
}

/// The default threshold for reporting a pair: the one at which the name-pair test set
/// reaches its precision and recall targets (see docs/benchmarks.md).
pub const DEFAULT_THRESHOLD: f64 = crate::NAME_MATCH_THRESHOLD;

/// Pairs whose best names score below this are not reported whatever else they share: places
/// and dates alone never make two people one.
pub const NAME_FLOOR: f64 = 0.7;

/// A pair of records that may describe one person.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The smaller id of the pair.
    pub a: i64,
    pub b: i64,
    /// The final score in `[0, 1]`: the name score moved up or down by the other evidence.
    pub score: f64,
    pub evidence: Vec<Evidence>,
}

/// One reason for or against a pair, to show a reviewer.
#[derive(Debug, Clone, PartialEq)]
pub enum Evidence {
    /// The most alike pair of names (or aliases) of the two records, as written.
    Names {
        a: String,
        b: String,
        score: f64,
    },
    SameBirthDate,
    SameBirthYear,
    /// Both dates known, same year, different day.
    DifferentBirthDates,
    BirthYearsDiffer {
        by: i32,
    },
    SameCity,
    DifferentCities,
    SharedEvents {
        count: usize,
    },
    SharedPoliceStation,
    /// The name is carried by this many records and nothing but the name (and perhaps the
    /// city) links the two.
    CommonName {
        records: usize,
    },
}

impl Evidence {
    /// How much the evidence moves the score. Birth facts weigh most: a differing year is the
    /// surest sign of two namesakes.
    pub fn weight(&self) -> f64 {
        match self {
            Evidence::Names { .. } => 0.0,
            Evidence::SameBirthDate => 0.10,
            Evidence::SameBirthYear => 0.05,
            Evidence::DifferentBirthDates => -0.30,
            Evidence::BirthYearsDiffer { by } if *by <= 1 => -0.15,
            Evidence::BirthYearsDiffer { .. } => -0.50,
            Evidence::SameCity => 0.02,
            Evidence::DifferentCities => -0.05,
            Evidence::SharedEvents { .. } => 0.05,
            Evidence::SharedPoliceStation => 0.05,
            Evidence::CommonName { .. } => -0.25,
        }
    }
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Evidence::Names { a, b, score } => write!(f, "names {score:.2}: {a} ~ {b}"),
            Evidence::SameBirthDate => f.write_str("same birth date"),
            Evidence::SameBirthYear => f.write_str("same birth year"),
            Evidence::DifferentBirthDates => f.write_str("different birth dates in the same year"),
            Evidence::BirthYearsDiffer { by } => write!(f, "birth years differ by {by}"),
            Evidence::SameCity => f.write_str("same city"),
            Evidence::DifferentCities => f.write_str("different cities"),
            Evidence::SharedEvents { count } => write!(f, "{count} shared event(s)"),
            Evidence::SharedPoliceStation => f.write_str("shared police station"),
            Evidence::CommonName { records } => {
                write!(f, "common name ({records} records) and nothing else shared")
            }
        }
    }
}

/// Finds pairs of records that may be one person, best first (then by ids).
pub fn find_candidates(persons: &[PersonForMatching], options: &Options) -> Vec<Candidate> {
    find_candidates_except(persons, options, &HashSet::new())
}

/// As [`find_candidates`], leaving out the pairs a reviewer already decided are not the same
/// person (`known_different` holds them with the smaller id first).
pub fn find_candidates_except(
    persons: &[PersonForMatching],
    options: &Options,
    known_different: &HashSet<(i64, i64)>,
) -> Vec<Candidate> {
    let threads = options.threads.max(1);
    let prepared: Vec<Prepared> = parallel_map(persons, threads, Prepared::new);
    let pairs = blocked_pairs(&prepared, options.max_block_size);
    let name_counts = name_counts(&prepared);
    let mut candidates: Vec<Candidate> = parallel_map(&pairs, threads, |&pair| {
        let (i, j) = ((pair >> 32) as usize, (pair & 0xffff_ffff) as usize);
        let ids = (
            persons[i].id.min(persons[j].id),
            persons[i].id.max(persons[j].id),
        );
        if known_different.contains(&ids) {
            return None;
        }
        score_pair(
            &persons[i],
            &prepared[i],
            &persons[j],
            &prepared[j],
            options.threshold,
            Some(&name_counts),
        )
    })
    .into_iter()
    .flatten()
    .collect();
    candidates.sort_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then(x.a.cmp(&y.a))
            .then(x.b.cmp(&y.b))
    });
    candidates
}

/// Scores one pair of records on their own (without knowing how common their names are in a
/// larger set); `None` below the threshold or the name floor.
pub fn score_pair_of(
    a: &PersonForMatching,
    b: &PersonForMatching,
    threshold: f64,
) -> Option<Candidate> {
    score_pair(a, &Prepared::new(a), b, &Prepared::new(b), threshold, None)
}

/// Records sharing a name this often are namesakes more often than duplicates, unless
/// something besides the name says otherwise.
pub const COMMON_NAME_RECORDS: usize = 5;

/// How many records carry each folded name (words sorted, no patronymic or initials).
fn name_counts(prepared: &[Prepared]) -> HashMap<String, usize> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for person in prepared {
        let mut keys: Vec<String> = person
            .names
            .iter()
            .map(|(_, name)| name.key())
            .filter(|key| key.contains(' '))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            *counts.entry(key).or_default() += 1;
        }
    }
    counts
}

/// What is computed once per record: folded names, city and station keys.
struct Prepared {
    /// Folded names with their index in `PersonForMatching::names` (empty names are left out).
    names: Vec<(usize, FoldedName)>,
    birth_year: Option<i32>,
    city: Option<String>,
    stations: Vec<String>,
}

impl Prepared {
    fn new(person: &PersonForMatching) -> Prepared {
        let place = |text: &str| place_key(text);
        Prepared {
            names: person
                .names
                .iter()
                .enumerate()
                .map(|(index, name)| (index, fold(name)))
                .filter(|(_, name)| !name.is_empty())
                .collect(),
            birth_year: person.birth.map(Birth::year),
            city: person
                .city
                .as_deref()
                .map(place)
                .filter(|key| !key.is_empty()),
            stations: person
                .police_stations
                .iter()
                .map(|station| place(station))
                .filter(|key| !key.is_empty())
                .collect(),
        }
    }

    /// Block keys, each with whether this record's side of it is abbreviated:
    /// - a word with the first three letters of each other full word (surname + given name, in
    ///   either order);
    /// - a word with the initial of each other word, marked [`INITIAL_KEY`]: such a block only
    ///   pairs records where at least one side wrote an initial (`Ахметов Е.`), because two full
    ///   names already meet in the block above;
    /// - a word with the birth year, which catches a slip in the other word;
    /// - a one-word name by itself.
    fn block_keys(&self, keys: &mut Vec<(u64, bool)>) {
        for (_, name) in &self.names {
            let tokens = name.tokens();
            for (index, token) in tokens.iter().enumerate() {
                if token.is_initial() {
                    continue;
                }
                for variant in token.variants() {
                    if tokens.len() == 1 {
                        keys.push((hash(&(variant, '-')) & !INITIAL_KEY, false));
                    }
                    for (other_index, other) in tokens.iter().enumerate() {
                        if other_index == index {
                            continue;
                        }
                        for initial in other.initials() {
                            keys.push((
                                hash(&(variant, initial)) | INITIAL_KEY,
                                other.is_initial(),
                            ));
                        }
                        if !other.is_initial() {
                            for other_variant in other.variants() {
                                let prefix: String = other_variant.chars().take(3).collect();
                                keys.push((hash(&(variant, prefix)) & !INITIAL_KEY, false));
                            }
                        }
                    }
                    if let Some(year) = self.birth_year {
                        keys.push((hash(&(variant, year)) & !INITIAL_KEY, false));
                    }
                }
            }
        }
        keys.sort_unstable();
        // One key with both flags (a name and an abbreviated alias) counts as abbreviated.
        keys.dedup_by(|later, earlier| {
            if later.0 == earlier.0 {
                earlier.1 |= later.1;
                true
            } else {
                false
            }
        });
    }
}

/// The lowest bit of a block key marks a block of word + initial.
const INITIAL_KEY: u64 = 1;

/// A city or police station folded for comparison: letters folded like names (Алматы = Almaty),
/// numbers kept (ОП-3 ≠ ОП-4).
fn place_key(text: &str) -> String {
    let mut parts = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits > 0 {
            parts.push(rest[..digits].to_owned());
            rest = &rest[digits..];
            continue;
        }
        let letters = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let key = fold(&rest[..letters]).key();
        if !key.is_empty() {
            parts.push(key);
        }
        rest = &rest[letters..];
    }
    parts.join(" ")
}

fn hash<T: Hash>(value: &T) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// Every pair of record indexes sharing a block, as `i << 32 | j` with `i < j`, deduplicated.
fn blocked_pairs(prepared: &[Prepared], max_block_size: usize) -> Vec<u64> {
    let mut entries: Vec<(u64, u32, bool)> = Vec::new();
    let mut keys = Vec::new();
    for (index, person) in prepared.iter().enumerate() {
        keys.clear();
        person.block_keys(&mut keys);
        entries.extend(
            keys.iter()
                .map(|&(key, abbreviated)| (key, index as u32, abbreviated)),
        );
    }
    entries.sort_unstable();
    let mut pairs: Vec<u64> = Vec::new();
    let mut start = 0;
    while start < entries.len() {
        let mut end = start + 1;
        while end < entries.len() && entries[end].0 == entries[start].0 {
            end += 1;
        }
        let block = &entries[start..end];
        if block.len() > 1 {
            if block[0].0 & INITIAL_KEY != 0 {
                push_initial_block_pairs(block, &mut pairs);
            } else {
                let members: Vec<u32> = block.iter().map(|&(_, index, _)| index).collect();
                push_block_pairs(prepared, members, max_block_size, &mut pairs);
            }
        }
        start = end;
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// Pairs of a word + initial block in which at least one side wrote the initial.
fn push_initial_block_pairs(block: &[(u64, u32, bool)], pairs: &mut Vec<u64>) {
    for (position, &(_, i, abbreviated)) in block.iter().enumerate() {
        if !abbreviated {
            continue;
        }
        for (other_position, &(_, j, _)) in block.iter().enumerate() {
            if other_position != position {
                push_pair(i, j, pairs);
            }
        }
    }
}

fn push_pair(i: u32, j: u32, pairs: &mut Vec<u64>) {
    pairs.push((u64::from(i.min(j)) << 32) | u64::from(i.max(j)));
}

/// All pairs of a block; an oversized block only pairs records of the same birth year, and
/// records without a year with everyone in it.
fn push_block_pairs(
    prepared: &[Prepared],
    mut members: Vec<u32>,
    max_block_size: usize,
    pairs: &mut Vec<u64>,
) {
    if members.len() <= max_block_size {
        for (position, &i) in members.iter().enumerate() {
            for &j in &members[position + 1..] {
                push_pair(i, j, pairs);
            }
        }
        return;
    }
    members.sort_by_key(|&index| {
        (
            prepared[index as usize].birth_year.unwrap_or(i32::MIN),
            index,
        )
    });
    let unknown = members
        .iter()
        .take_while(|&&index| prepared[index as usize].birth_year.is_none())
        .count();
    for (position, &i) in members[..unknown].iter().enumerate() {
        for &j in &members[position + 1..] {
            push_pair(i, j, pairs);
        }
    }
    let known = &members[unknown..];
    let mut start = 0;
    while start < known.len() {
        let year = prepared[known[start] as usize].birth_year;
        let mut end = start + 1;
        while end < known.len() && prepared[known[end] as usize].birth_year == year {
            end += 1;
        }
        for (position, &i) in known[start..end].iter().enumerate() {
            for &j in &known[start + position + 1..end] {
                push_pair(i, j, pairs);
            }
        }
        start = end;
    }
}

fn score_pair(
    a: &PersonForMatching,
    prepared_a: &Prepared,
    b: &PersonForMatching,
    prepared_b: &Prepared,
    threshold: f64,
    name_counts: Option<&HashMap<String, usize>>,
) -> Option<Candidate> {
    let mut best = (0.0, 0, 0);
    for (i, x) in &prepared_a.names {
        for (j, y) in &prepared_b.names {
            let score = x.similarity(y);
            if score > best.0 {
                best = (score, *i, *j);
            }
        }
    }
    let (name_score, i, j) = best;
    if name_score < NAME_FLOOR {
        return None;
    }
    let mut evidence = Vec::new();
    match (a.birth, b.birth) {
        (Some(Birth::Date { .. }), Some(Birth::Date { .. })) if a.birth == b.birth => {
            evidence.push(Evidence::SameBirthDate)
        }
        (Some(x), Some(y)) if x.year() != y.year() => evidence.push(Evidence::BirthYearsDiffer {
            by: (x.year() - y.year()).abs(),
        }),
        (Some(Birth::Date { .. }), Some(Birth::Date { .. })) => {
            evidence.push(Evidence::DifferentBirthDates)
        }
        (Some(_), Some(_)) => evidence.push(Evidence::SameBirthYear),
        _ => {}
    }
    if let (Some(x), Some(y)) = (&prepared_a.city, &prepared_b.city) {
        evidence.push(if x == y {
            Evidence::SameCity
        } else {
            Evidence::DifferentCities
        });
    }
    let shared_events = a
        .events
        .iter()
        .filter(|event| b.events.contains(event))
        .count();
    if shared_events > 0 {
        evidence.push(Evidence::SharedEvents {
            count: shared_events,
        });
    }
    if prepared_a
        .stations
        .iter()
        .any(|station| prepared_b.stations.contains(station))
    {
        evidence.push(Evidence::SharedPoliceStation);
    }
    let corroborated = evidence.iter().any(|evidence| {
        matches!(
            evidence,
            Evidence::SameBirthDate
                | Evidence::SameBirthYear
                | Evidence::SharedEvents { .. }
                | Evidence::SharedPoliceStation
        )
    });
    if let Some(counts) = name_counts
        && !corroborated
    {
        let name_of = |prepared: &Prepared, index: usize| {
            prepared
                .names
                .iter()
                .find(|(position, _)| *position == index)
                .map(|(_, name)| name.key())
                .unwrap_or_default()
        };
        let records = [name_of(prepared_a, i), name_of(prepared_b, j)]
            .iter()
            .map(|key| counts.get(key).copied().unwrap_or(0))
            .max()
            .unwrap_or(0);
        if records > COMMON_NAME_RECORDS {
            evidence.push(Evidence::CommonName { records });
        }
    }
    let score = (name_score + evidence.iter().map(Evidence::weight).sum::<f64>()).clamp(0.0, 1.0);
    if score < threshold {
        return None;
    }
    evidence.insert(
        0,
        Evidence::Names {
            a: a.names[i].clone(),
            b: b.names[j].clone(),
            score: name_score,
        },
    );
    let (a_id, b_id) = if a.id <= b.id {
        (a.id, b.id)
    } else {
        (b.id, a.id)
    };
    Some(Candidate {
        a: a_id,
        b: b_id,
        score,
        evidence,
    })
}

/// Maps `items` with `f` on `threads` scoped threads, keeping the order.
fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    if threads <= 1 || items.len() < 1_000 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().expect("a scoring thread panicked"))
            .collect()
    })
}
