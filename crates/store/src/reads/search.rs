//! The search box of the register list: one text that may hold a name in any script or
//! spelling, with typing slips, initials or a patronymic, and a place (city or police
//! station), answered with persons best match first.
//!
//! The database narrows and the names crate ranks. Candidates are gathered in tiers, the
//! better kind first, so that when more match than [`MAX_RANKED`] the ones kept are the best
//! kind rather than whichever the index returns first: a typed word with an initial as one
//! index key (`ahmetov1n`), then every word matching a whole key, then every word starting a
//! key, and only when those find fewer than [`FEW`], every word matching with one typing slip
//! (the words of the register's vocabulary `search_words` one slip away from it, each then
//! looked up as a whole key, so both backends gather the same candidates), and when that
//! still finds fewer, with up to two slips for words of seven letters or more. When the
//! text names a place, each tier is asked first for persons of that place. The kept
//! candidates are then scored with `kuzet_names` similarity (plus one for the place) and
//! sorted; both backends rank in this one place, in Rust.

use std::collections::{HashMap, HashSet};

use kuzet_names::{FoldedName, fold, place_key, place_keys};

use super::{Value, bind_values, conditions, word_search_keys};
use crate::PersonQuery;
use crate::db::{self, Exec};
use crate::error::StoreError;

/// At most this many matches are ranked by similarity; the total shown is capped here.
pub(super) const MAX_RANKED: usize = 2_000;

/// Below this many candidates from whole words and prefixes, words are also matched with a
/// typing slip: a correct spelling usually finds more, a misspelt word usually none.
const FEW: usize = 10;

/// The longest place name, in words, looked for in the text.
const MAX_PLACE_WORDS: usize = 5;

/// The outcome of a ranked search: person ids best first, and whether more matched.
pub(super) struct Ranked {
    pub(super) ids: Vec<i64>,
    pub(super) capped: bool,
}

/// The search text taken apart: the words that must match the index, the initials and
/// patronymic left to the scoring, and the places named.
#[derive(Debug, Default)]
struct Parsed {
    /// The name part as typed (without the place), for the scoring.
    name: String,
    /// Words of two letters or more that are neither initials nor the patronymic.
    words: Vec<String>,
    /// The first letters (folded) of the initials.
    initials: Vec<char>,
    /// The raw city and police station values the place words stand for.
    cities: Vec<String>,
    stations: Vec<String>,
    /// For the slip tier, per word: whether it starts a key as typed (checked only when that
    /// tier runs). Such a word gets no slip alternatives unless every word does: the names one
    /// slip from a correct name would bring their bearers to the candidates, crowding out the
    /// person meant, and a word typed right is rarely the misspelt one. When all words are real keys, nothing says which one is
    /// wrong, and all get alternatives. Empty: every word gets them.
    intact: Vec<bool>,
    /// For the slip tiers, per word: the vocabulary's words it is with one (or two) typing
    /// slips (read only when such a tier runs, only for words that may be misspelt).
    near: Vec<Vec<String>>,
}

impl Parsed {
    /// Whether the slip tiers should look for `index`'s word with typing slips.
    fn may_be_misspelt(&self, index: usize) -> bool {
        let all_intact = !self.intact.is_empty() && self.intact.iter().all(|intact| *intact);
        all_intact || !self.intact.get(index).copied().unwrap_or(false)
    }
}

/// How a tier matches the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    /// One word with an initial, as the index key `word1initial`.
    Key,
    /// Every word is a whole key.
    Exact,
    /// Every word starts a key.
    Prefix,
    /// Every word starts a key or matches one with one typing slip.
    Slip,
    /// The same with up to two slips, for words of [`MIN_TWO_SLIP_LETTERS`] or more: one
    /// letter typed wrong in Cyrillic can be two in the folded key (`ю` folds to `yu`, and
    /// `алиекова` to `alekova`, two from `alibekova`).
    TwoSlips,
    /// No name: the place alone.
    Place,
}

/// The distinct values of one column of `persons`, read by skipping through its index: one
/// seek per distinct value, whatever the number of persons. `column` is a fixed name.
async fn distinct_values(
    mut connection: Exec<'_>,
    column: &str,
) -> Result<Vec<String>, StoreError> {
    let sql = format!(
        "WITH RECURSIVE places(value) AS (
             SELECT MIN({column}) FROM persons
             UNION ALL
             SELECT (SELECT MIN({column}) FROM persons WHERE {column} > places.value)
             FROM places WHERE places.value IS NOT NULL
         )
         SELECT value FROM places WHERE value IS NOT NULL"
    );
    let rows = db::query(sql).fetch_all(connection.reborrow()).await?;
    rows.iter()
        .map(|row| Ok(row.try_get::<String, _>("value")?))
        .collect()
}

/// Place keys (see `kuzet_names::place_keys`) to the raw values of one column they stand for.
fn place_index(values: &[String]) -> HashMap<String, Vec<String>> {
    let mut index: HashMap<String, Vec<String>> = HashMap::new();
    for value in values {
        for key in place_keys(value) {
            index.entry(key).or_default().push(value.clone());
        }
    }
    index
}

/// Takes the text apart. A run of words whose place key is a city's or police station's is a
/// place (the longest run first); the rest is the name.
fn parse(text: &str, cities: &[String], stations: &[String]) -> Parsed {
    let raw: Vec<&str> = text.split_whitespace().collect();
    let mut parsed = Parsed::default();
    let mut is_place = vec![false; raw.len()];
    if !cities.is_empty() || !stations.is_empty() {
        let city_index = place_index(cities);
        let station_index = place_index(stations);
        for length in (1..=MAX_PLACE_WORDS.min(raw.len())).rev() {
            for start in 0..=raw.len() - length {
                if is_place[start..start + length].iter().any(|taken| *taken) {
                    continue;
                }
                let key = place_key(&raw[start..start + length].join(" "));
                if key.is_empty() {
                    continue;
                }
                let found_city = city_index.get(&key);
                let found_station = station_index.get(&key);
                if found_city.is_none() && found_station.is_none() {
                    continue;
                }
                for value in found_city.into_iter().flatten() {
                    if !parsed.cities.contains(value) {
                        parsed.cities.push(value.clone());
                    }
                }
                for value in found_station.into_iter().flatten() {
                    if !parsed.stations.contains(value) {
                        parsed.stations.push(value.clone());
                    }
                }
                is_place[start..start + length].fill(true);
            }
        }
    }
    let name_words: Vec<&str> = raw
        .iter()
        .zip(&is_place)
        .filter(|(_, place)| !**place)
        .map(|(word, _)| *word)
        .collect();
    parsed.name = name_words.join(" ");
    let folded = fold(&parsed.name);
    let patronymic = folded.patronymic().map(|p| p.token().key().to_owned());
    for word in name_words {
        if word.chars().filter(|c| c.is_alphanumeric()).count() == 0 {
            continue;
        }
        let alone = fold(word);
        match alone.tokens() {
            [token] if token.is_initial() => {
                parsed.initials.extend(token.initials().first().copied());
                continue;
            }
            [token] if patronymic.as_deref() == Some(token.key()) => continue,
            _ => {}
        }
        if word.chars().filter(|c| c.is_alphanumeric()).count() > 1 {
            parsed.words.push(word.to_owned());
        } else if let Some(letter) = alone
            .tokens()
            .first()
            .and_then(|t| t.initials().first().copied())
        {
            parsed.initials.push(letter);
        }
    }
    parsed
}

/// How well a folded name answers a folded query, in `[0, 1]`: their similarity, halved for
/// each initial of the query that starts no word of the name.
fn relevance(query: &FoldedName, name: &FoldedName) -> f64 {
    let mut score = query.similarity(name);
    let firsts: Vec<char> = name
        .tokens()
        .iter()
        .chain(name.patronymic().map(|p| p.token()))
        .flat_map(|token| token.initials())
        .collect();
    for token in query.tokens().iter().filter(|token| token.is_initial()) {
        if !token
            .initials()
            .iter()
            .any(|letter| firsts.contains(letter))
        {
            score *= 0.5;
        }
    }
    score
}

/// The keys of a typed word, as written and folded, that can be looked up: with a letter or
/// digit, without quotes.
fn word_keys(word: &str) -> Vec<String> {
    word_search_keys(word)
        .into_iter()
        .map(|key| key.replace('"', ""))
        .filter(|key| key.chars().any(char::is_alphanumeric))
        .collect()
}

/// Words shorter than this get no slip alternatives: too many words are one slip away from
/// a short one. It also keeps the guarantee of [`near_words`]: a word of five letters or more
/// with one slip keeps its first two or its last two letters.
const MIN_SLIP_LETTERS: usize = 5;

/// Words shorter than this are not looked up with two slips.
const MIN_TWO_SLIP_LETTERS: usize = 7;

/// Whether `typed` is `word` with one to `slips` typing slips: letters wrong, extra or missing,
/// or two neighbouring letters swapped (the optimal string alignment distance).
fn within_slips(typed: &[char], word: &[char], slips: usize) -> bool {
    let (n, m) = (typed.len(), word.len());
    if n.abs_diff(m) > slips || typed == word {
        return false;
    }
    // The common start and end need no edit; the distance of what is left is computed.
    let start = typed.iter().zip(word).take_while(|(a, b)| a == b).count();
    let end = typed[start..]
        .iter()
        .rev()
        .zip(word[start..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    slips_between(&typed[start..n - end], &word[start..m - end]) <= slips
}

/// The optimal string alignment distance of two short strings: the fewest wrong, extra or
/// missing letters and swaps of neighbours that turn one into the other.
fn slips_between(a: &[char], b: &[char]) -> usize {
    let width = b.len() + 1;
    let mut table = vec![0usize; (a.len() + 1) * width];
    let at = |i: usize, j: usize| i * width + j;
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            table[at(i, j)] = if i == 0 || j == 0 {
                i + j
            } else {
                let wrong = usize::from(a[i - 1] != b[j - 1]);
                let mut best = (table[at(i - 1, j)] + 1)
                    .min(table[at(i, j - 1)] + 1)
                    .min(table[at(i - 1, j - 1)] + wrong);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(table[at(i - 2, j - 2)] + 1);
                }
                best
            };
        }
    }
    table[at(a.len(), b.len())]
}

/// The words of the register's vocabulary (`search_words`, every distinct folded key) that
/// `key` is with one to `slips` typing slips. A slip leaves a word of [`MIN_SLIP_LETTERS`] or
/// more with its first two letters (a slip after them) or its last two (a slip before them,
/// which shifts no letter after it), and changes its length by one at most (two slips, by
/// two): the words with the same head or tail and such a length are read through the two
/// indexes, and checked here. Two slips leave one of the ends whole unless one is at each end, which this misses.
async fn near_words(
    mut connection: Exec<'_>,
    key: &str,
    slips: usize,
) -> Result<Vec<String>, StoreError> {
    let letters: Vec<char> = key.chars().collect();
    let n = letters.len();
    let shortest_key = if slips > 1 {
        MIN_TWO_SLIP_LETTERS
    } else {
        MIN_SLIP_LETTERS
    };
    if n < shortest_key || !letters.iter().all(char::is_ascii_lowercase) {
        return Ok(Vec::new());
    }
    let head: String = letters[..2].iter().collect();
    let tail: String = letters[n - 2..].iter().collect();
    let (shortest, longest) = ((n - slips) as i64, (n + slips) as i64);
    let rows = db::query(
        "SELECT word FROM search_words
         WHERE (head = ? AND length BETWEEN ? AND ?) OR (tail = ? AND length BETWEEN ? AND ?)",
    )
    .bind(head)
    .bind(shortest)
    .bind(longest)
    .bind(tail)
    .bind(shortest)
    .bind(longest)
    .fetch_all(connection.reborrow())
    .await?;
    let mut near = Vec::new();
    for row in &rows {
        let word: String = row.try_get("word")?;
        let word_letters: Vec<char> = word.chars().collect();
        if within_slips(&letters, &word_letters, slips) {
            near.push(word);
        }
    }
    near.sort();
    Ok(near)
}

/// The condition of a tier on `p` and its values, or `None` when the tier does not apply.
fn tier_condition(tier: Tier, parsed: &Parsed, postgres: bool) -> Option<(String, Vec<Value>)> {
    let mut values = Vec::new();
    let condition = match tier {
        Tier::Place => return Some(("1 = 1".to_owned(), values)),
        Tier::Key => {
            let ([word], [initial]) = (parsed.words.as_slice(), parsed.initials.as_slice()) else {
                return None;
            };
            let folded = fold(word);
            let [token] = folded.tokens() else {
                return None;
            };
            // Keys are `a-z` and `0-9` only: nothing to quote or escape.
            let key = format!("{}1{initial}", token.key());
            if postgres {
                values.push(Value::Text(format!("%{key}%")));
                values.push(Value::Text(format!("% {key} %")));
                "(p.search_keys LIKE ? AND (' ' || p.search_keys || ' ') LIKE ?)".to_owned()
            } else {
                values.push(Value::Text(format!("\"{key}\"")));
                "p.id IN (SELECT rowid FROM persons_fts WHERE persons_fts MATCH ?)".to_owned()
            }
        }
        Tier::Exact | Tier::Prefix | Tier::Slip | Tier::TwoSlips => {
            if parsed.words.is_empty() {
                return None;
            }
            let slip_tier = matches!(tier, Tier::Slip | Tier::TwoSlips);
            let mut groups: Vec<String> = Vec::new();
            let mut any_slip = false;
            for (index, word) in parsed.words.iter().enumerate() {
                let keys = word_keys(word);
                if keys.is_empty() {
                    continue;
                }
                let mut alternatives: Vec<String> = Vec::new();
                for key in &keys {
                    let edge = if tier == Tier::Exact { " " } else { "" };
                    if postgres {
                        let escaped = escape_like(key);
                        alternatives.push(
                            "(p.search_keys LIKE ? AND (' ' || p.search_keys || ' ') LIKE ?)"
                                .to_owned(),
                        );
                        values.push(Value::Text(format!("%{escaped}%")));
                        values.push(Value::Text(format!("% {escaped}{edge}%")));
                    } else {
                        let star = if tier == Tier::Exact { "" } else { "*" };
                        alternatives.push(format!("\"{key}\"{star}"));
                    }
                }
                if slip_tier && parsed.may_be_misspelt(index) {
                    // The vocabulary's words a slip or two away, each a whole key.
                    for near in parsed.near.get(index).into_iter().flatten() {
                        any_slip = true;
                        if postgres {
                            alternatives.push(
                                "(p.search_keys LIKE ? AND (' ' || p.search_keys || ' ') LIKE ?)"
                                    .to_owned(),
                            );
                            values.push(Value::Text(format!("%{near}%")));
                            values.push(Value::Text(format!("% {near} %")));
                        } else {
                            alternatives.push(format!("\"{near}\""));
                        }
                    }
                }
                groups.push(format!("({})", alternatives.join(" OR ")));
            }
            if groups.is_empty() || (slip_tier && !any_slip) {
                return None;
            }
            if postgres {
                groups.join(" AND ")
            } else {
                values.push(Value::Text(groups.join(" AND ")));
                "p.id IN (SELECT rowid FROM persons_fts WHERE persons_fts MATCH ?)".to_owned()
            }
        }
    };
    Some((condition, values))
}

/// Per word of `parsed`: whether it starts a key of some person as typed (the prefix tier's
/// test for that word alone, over all persons, one indexed lookup each).
async fn intact_words(
    mut connection: Exec<'_>,
    parsed: &Parsed,
    postgres: bool,
) -> Result<Vec<bool>, StoreError> {
    let mut intact = Vec::with_capacity(parsed.words.len());
    for word in &parsed.words {
        let alone = Parsed {
            words: vec![word.clone()],
            ..Parsed::default()
        };
        let Some((condition, values)) = tier_condition(Tier::Prefix, &alone, postgres) else {
            intact.push(false);
            continue;
        };
        let sql = format!("SELECT p.id FROM persons p WHERE {condition} LIMIT 1");
        let found = bind_values(db::query(sql), &values)
            .fetch_optional(connection.reborrow())
            .await?;
        intact.push(found.is_some());
    }
    Ok(intact)
}

/// A LIKE pattern's literal text: `\`, `%` and `_` escaped (PostgreSQL's default escape).
fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// One gathered candidate.
struct Candidate {
    id: i64,
    tier: usize,
    names: Vec<String>,
    in_place: bool,
}

/// Ranks the persons answering `text` under the other filters of `query`: candidates
/// gathered in tiers (see the module doc), at most [`MAX_RANKED`], scored in Rust.
pub(super) async fn rank(
    mut connection: Exec<'_>,
    query: &PersonQuery,
    today: &str,
    text: &str,
    postgres: bool,
) -> Result<Ranked, StoreError> {
    let cities = distinct_values(connection.reborrow(), "city").await?;
    let stations = distinct_values(connection.reborrow(), "latest_police_station").await?;
    let parsed = parse(text, &cities, &stations);
    let has_place = !parsed.cities.is_empty() || !parsed.stations.is_empty();
    let mut filters = query.clone();
    filters.text = None;
    let (base, base_values) = conditions(&filters, today, false, postgres);
    let tiers: Vec<Tier> = if parsed.words.is_empty() && parsed.initials.is_empty() {
        if has_place {
            vec![Tier::Place]
        } else {
            Vec::new()
        }
    } else if parsed.words.is_empty() {
        // Initials alone: each a one-letter prefix, as typed.
        vec![Tier::Prefix]
    } else {
        vec![
            Tier::Key,
            Tier::Exact,
            Tier::Prefix,
            Tier::Slip,
            Tier::TwoSlips,
        ]
    };
    let mut parsed = parsed;
    if parsed.words.is_empty() && !parsed.initials.is_empty() {
        parsed.words = parsed.initials.iter().map(char::to_string).collect();
    }
    let mut gathered: Vec<Candidate> = Vec::new();
    let mut seen: HashSet<i64> = HashSet::new();
    let mut capped = false;
    'tiers: for (tier_index, tier) in tiers.iter().copied().enumerate() {
        let slips = match tier {
            Tier::Slip => 1,
            Tier::TwoSlips => 2,
            _ => 0,
        };
        if slips > 0 && gathered.len() >= FEW {
            break;
        }
        if tier == Tier::Slip && parsed.words.len() > 1 {
            parsed.intact = intact_words(connection.reborrow(), &parsed, postgres).await?;
        }
        if slips > 0 {
            let mut near = Vec::with_capacity(parsed.words.len());
            for (index, word) in parsed.words.iter().enumerate() {
                let words = match fold(word).tokens() {
                    [token] if !token.is_initial() && parsed.may_be_misspelt(index) => {
                        near_words(connection.reborrow(), token.key(), slips).await?
                    }
                    _ => Vec::new(),
                };
                near.push(words);
            }
            parsed.near = near;
        }
        if tier == Tier::Exact && !gathered.is_empty() {
            // The word with its initial found persons: the word alone would bury them.
            break;
        }
        let Some((condition, values)) = tier_condition(tier, &parsed, postgres) else {
            continue;
        };
        let place_passes: &[bool] = if has_place { &[true, false] } else { &[false] };
        for &in_place in place_passes {
            let mut sql = format!(
                "SELECT p.id, p.name, p.aliases, p.city, p.latest_police_station FROM persons p
                 WHERE {base} AND {condition}"
            );
            let mut place_values = Vec::new();
            if in_place {
                let mut any = Vec::new();
                if !parsed.cities.is_empty() {
                    any.push(format!(
                        "p.city IN ({})",
                        vec!["?"; parsed.cities.len()].join(", ")
                    ));
                    place_values.extend(parsed.cities.iter().cloned().map(Value::Text));
                }
                if !parsed.stations.is_empty() {
                    any.push(format!(
                        "p.latest_police_station IN ({})",
                        vec!["?"; parsed.stations.len()].join(", ")
                    ));
                    place_values.extend(parsed.stations.iter().cloned().map(Value::Text));
                }
                sql.push_str(&format!(" AND ({})", any.join(" OR ")));
            } else if tier == Tier::Place {
                continue;
            }
            // Enough rows to fill the cap with new ones (the rows of earlier tiers come again)
            // and to see whether more are left.
            sql.push_str(&format!(" LIMIT {}", MAX_RANKED + 1 + seen.len()));
            let statement = bind_values(db::query(sql), &base_values);
            let statement = bind_values(statement, &values);
            let statement = bind_values(statement, &place_values);
            let rows = statement.fetch_all(connection.reborrow()).await?;
            for row in &rows {
                let id: i64 = row.try_get("id")?;
                if !seen.insert(id) {
                    continue;
                }
                if gathered.len() == MAX_RANKED {
                    capped = true;
                    break 'tiers;
                }
                let name: String = row.try_get("name")?;
                let aliases: String = row.try_get("aliases")?;
                let aliases: Vec<String> = serde_json::from_str(&aliases).unwrap_or_default();
                let city: Option<String> = row.try_get("city")?;
                let station: Option<String> = row.try_get("latest_police_station")?;
                let matches_place = city.is_some_and(|city| parsed.cities.contains(&city))
                    || station.is_some_and(|station| parsed.stations.contains(&station));
                gathered.push(Candidate {
                    id,
                    tier: tier_index,
                    names: std::iter::once(name).chain(aliases).collect(),
                    in_place: matches_place,
                });
            }
        }
    }
    let folded_query = fold(&parsed.name);
    // Every candidate is kept: each typed word starts one of its keys or is a slip or two
    // from one, so none is far from what was typed; similarity only orders them.
    let mut scored: Vec<(f64, usize, i64)> = gathered
        .iter()
        .map(|candidate| {
            let name_score = if folded_query.is_empty() {
                0.0
            } else {
                candidate
                    .names
                    .iter()
                    .map(|name| relevance(&folded_query, &fold(name)))
                    .fold(0.0f64, f64::max)
            };
            let place_score = if candidate.in_place { 1.0 } else { 0.0 };
            (name_score + place_score, candidate.tier, candidate.id)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    Ok(Ranked {
        ids: scored.into_iter().map(|(_, _, id)| id).collect(),
        capped,
    })
}

#[cfg(test)]
mod tests {
    use super::{MIN_SLIP_LETTERS, within_slips};

    /// Every single slip of `word`: a letter wrong, extra or missing at every position, or two
    /// neighbours swapped.
    fn single_slips(word: &str) -> Vec<String> {
        let letters: Vec<char> = word.chars().collect();
        let mut typos: Vec<String> = Vec::new();
        for at in 0..=letters.len() {
            let (before, after) = letters.split_at(at);
            typos.push(before.iter().chain(['q'].iter()).chain(after).collect());
            if at < letters.len() {
                typos.push(before.iter().chain(&after[1..]).collect());
                typos.push(
                    before
                        .iter()
                        .chain(['q'].iter())
                        .chain(&after[1..])
                        .collect(),
                );
            }
            if at + 1 < letters.len() && letters[at] != letters[at + 1] {
                let mut swapped = letters.clone();
                swapped.swap(at, at + 1);
                typos.push(swapped.into_iter().collect());
            }
        }
        typos
    }

    /// Whether `typed` is `word` with one slip, and whether with one or two.
    fn check_slips(typed: &str, word: &str, one: bool, two: bool) {
        let typed_letters: Vec<char> = typed.chars().collect();
        let word_letters: Vec<char> = word.chars().collect();
        assert_eq!(
            (
                within_slips(&typed_letters, &word_letters, 1),
                within_slips(&typed_letters, &word_letters, 2)
            ),
            (one, two),
            "{typed} against {word}"
        );
    }

    #[test]
    fn a_slip_is_a_wrong_extra_missing_or_swapped_letter() {
        check_slips("ahmedov", "ahmetov", true, true);
        check_slips("ahmeetov", "ahmetov", true, true);
        check_slips("ahmtov", "ahmetov", true, true);
        check_slips("ahemtov", "ahmetov", true, true);
        check_slips("hametov", "ahmetov", true, true);
        check_slips("ahmetvo", "ahmetov", true, true);
        // The same word is no slip; two slips, then three.
        check_slips("ahmetov", "ahmetov", false, false);
        check_slips("ahmedova", "ahmetov", false, true);
        check_slips("amhetvo", "ahmetov", false, true);
        check_slips("ahmetyuov", "ahmetov", false, true);
        check_slips("alekova", "alibekova", false, true);
        check_slips("axmedyuov", "ahmetov", false, false);
        check_slips("zhaksybekov", "zhaksybaev", false, false);
    }

    /// Every slip anywhere in a word of five letters or more is found by the vocabulary's
    /// lookup: one slip away, and the same first two or last two letters, and a length
    /// within one.
    #[test]
    fn every_slip_keeps_the_head_or_the_tail() {
        for word in [
            "erlan",
            "ahmetov",
            "alzhanova",
            "nurlanovna",
            "zhaksyzhanov",
        ] {
            assert!(word.chars().count() >= MIN_SLIP_LETTERS);
            for typo in single_slips(word) {
                check_slips(&typo, word, true, true);
                let kept_head = typo.get(..2) == word.get(..2);
                let kept_tail = typo.get(typo.len() - 2..) == word.get(word.len() - 2..);
                assert!(kept_head || kept_tail, "{typo} keeps neither end of {word}");
                assert!(typo.len().abs_diff(word.len()) <= 1);
            }
        }
    }
}
