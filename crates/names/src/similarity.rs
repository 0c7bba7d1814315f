//! How alike two names are, in `[0, 1]`, after folding.
//!
//! The words of the two names are aligned as sets (so word order does not matter), each pair of
//! words scored with Jaro–Winkler on their canonical keys. An initial matches a word that starts
//! with the same letter, at a little less than a full match. A patronymic counts only when both
//! names have one; when only one has it, an initial on the other side may match it. Words left
//! without a partner lower the score, half as much as a mismatched pair.

use crate::fold::{FoldedName, FoldedToken, Patronymic, fold};

/// What a matched initial is worth compared with a matched word: `Ахметов Е.` could be Ерлан
/// or his brother Ермек.
const INITIAL_MATCH: f64 = 0.9;
/// What a word without a partner costs, compared with a pair of different words (cost 1).
const UNMATCHED_WORD_COST: f64 = 0.5;
/// Jaro–Winkler similarities below this are no evidence at all; above it they rise steeply to
/// 1, so that one letter in a long surname (a typing slip) costs little while one letter in a
/// short given name (Нұрлан, Нұржан: different names) costs a lot.
const JARO_WINKLER_FLOOR: f64 = 0.88;
/// A name of one word (`Ерлан`) says little even when it matches exactly.
const SINGLE_WORD_FACTOR: f64 = 0.75;
/// Two names matched only through initials are weak evidence.
const INITIALS_ONLY_FACTOR: f64 = 0.5;
/// Only this many words of a name take part in the alignment (the search is exponential).
const MAX_WORDS: usize = 6;

/// The similarity of two names as written, in `[0, 1]`. See the module documentation.
pub fn similarity(a: &str, b: &str) -> f64 {
    fold(a).similarity(&fold(b))
}

impl FoldedName {
    /// The similarity of two folded names, in `[0, 1]`. See [`similarity`].
    pub fn similarity(&self, other: &FoldedName) -> f64 {
        if self.is_empty() || other.is_empty() {
            return 0.0;
        }
        let mut fixed_sum = 0.0;
        let mut fixed_cost = 0.0;
        let both_patronymics = match (self.patronymic(), other.patronymic()) {
            (Some(mine), Some(theirs)) => {
                fixed_sum += patronymic_similarity(mine, theirs);
                fixed_cost += 1.0;
                true
            }
            _ => false,
        };
        let left = items(self, !both_patronymics);
        let right = items(other, !both_patronymics);
        let mut matrix = [[0.0f64; MAX_WORDS + 1]; MAX_WORDS + 1];
        for (i, x) in left.iter().enumerate() {
            for (j, y) in right.iter().enumerate() {
                matrix[i][j] = item_similarity(x, y);
            }
        }
        let mut search = Alignment {
            left: &left,
            right: &right,
            matrix: &matrix,
            used: [false; MAX_WORDS + 1],
            pairs: Vec::with_capacity(MAX_WORDS),
            fixed_sum,
            fixed_cost,
            best: 0.0,
        };
        search.explore(0);
        let mut score = search.best;
        if self.tokens().len() == 1 || other.tokens().len() == 1 {
            score *= SINGLE_WORD_FACTOR;
        }
        score.clamp(0.0, 1.0)
    }
}

/// One thing to align: a word, an initial, or (when the other name has none) a patronymic that
/// only an initial may match.
#[derive(Clone, Copy)]
enum Item<'a> {
    Word(&'a FoldedToken),
    Initial(&'a FoldedToken),
    Patronymic(&'a Patronymic),
}

fn items(name: &FoldedName, with_patronymic: bool) -> Vec<Item<'_>> {
    let mut items: Vec<Item<'_>> = name
        .tokens()
        .iter()
        .take(MAX_WORDS)
        .map(|token| {
            if token.is_initial() {
                Item::Initial(token)
            } else {
                Item::Word(token)
            }
        })
        .collect();
    if with_patronymic && let Some(patronymic) = name.patronymic() {
        items.push(Item::Patronymic(patronymic));
    }
    items
}

fn item_similarity(x: &Item<'_>, y: &Item<'_>) -> f64 {
    match (x, y) {
        (Item::Word(a), Item::Word(b)) => word_similarity(a, b),
        (Item::Word(word), Item::Initial(initial)) | (Item::Initial(initial), Item::Word(word)) => {
            initial_matches(initial, &word.initials())
        }
        (Item::Initial(a), Item::Initial(b)) => initial_matches(a, &b.initials()),
        (Item::Patronymic(patronymic), Item::Initial(initial))
        | (Item::Initial(initial), Item::Patronymic(patronymic)) => {
            initial_matches(initial, &patronymic.token().initials())
        }
        _ => 0.0,
    }
}

fn initial_matches(initial: &FoldedToken, letters: &[char]) -> f64 {
    if initial
        .initials()
        .iter()
        .any(|letter| letters.contains(letter))
    {
        INITIAL_MATCH
    } else {
        0.0
    }
}

/// The best similarity over the variant readings of two words; a masculine and a feminine form
/// of one name (Александр, Александра; Ахметов, Ахметова) are different people.
pub fn word_similarity(a: &FoldedToken, b: &FoldedToken) -> f64 {
    let mut best: f64 = 0.0;
    for x in a.variants() {
        for y in b.variants() {
            if is_gender_pair(x, y) {
                continue;
            }
            best = best.max(steepen(jaro_winkler(x.as_bytes(), y.as_bytes())));
        }
    }
    best
}

fn patronymic_similarity(a: &Patronymic, b: &Patronymic) -> f64 {
    let mut best: f64 = 0.0;
    for x in a.roots() {
        for y in b.roots() {
            best = best.max(steepen(jaro_winkler(x.as_bytes(), y.as_bytes())));
        }
    }
    best
}

fn steepen(jaro_winkler: f64) -> f64 {
    if jaro_winkler >= 1.0 {
        return 1.0;
    }
    ((jaro_winkler - JARO_WINKLER_FLOOR) / (1.0 - JARO_WINKLER_FLOOR))
        .clamp(0.0, 1.0)
        .powf(1.5)
}

/// Masculine and feminine forms: `x` + `a` (Ахметов/Ахметова, Евгений/Евгения after folding),
/// and -ский/-ская (`kovalski`/`kovalskaia`).
fn is_gender_pair(a: &str, b: &str) -> bool {
    let one_way = |short: &str, long: &str| {
        (long.len() == short.len() + 1 && long.ends_with('a') && long.starts_with(short))
            || short
                .strip_suffix('i')
                .is_some_and(|stem| long.strip_suffix("aia") == Some(stem))
    };
    one_way(a, b) || one_way(b, a)
}

struct Alignment<'s, 'a> {
    left: &'s [Item<'a>],
    right: &'s [Item<'a>],
    matrix: &'s [[f64; MAX_WORDS + 1]; MAX_WORDS + 1],
    used: [bool; MAX_WORDS + 1],
    pairs: Vec<(usize, usize)>,
    fixed_sum: f64,
    fixed_cost: f64,
    best: f64,
}

impl Alignment<'_, '_> {
    /// Tries every way of pairing the left items with right items (pairs of similarity 0 are
    /// never worth making: two unmatched words cost as much as one mismatched pair).
    fn explore(&mut self, index: usize) {
        if index == self.left.len() {
            let score = self.score();
            if score > self.best {
                self.best = score;
            }
            return;
        }
        self.explore(index + 1);
        for j in 0..self.right.len() {
            if !self.used[j] && self.matrix[index][j] > 0.0 {
                self.used[j] = true;
                self.pairs.push((index, j));
                self.explore(index + 1);
                self.pairs.pop();
                self.used[j] = false;
            }
        }
    }

    fn score(&self) -> f64 {
        let mut sum = self.fixed_sum;
        let mut cost = self.fixed_cost;
        let mut word_pairs = 0;
        let mut left_used = [false; MAX_WORDS + 1];
        for &(i, j) in &self.pairs {
            sum += self.matrix[i][j];
            cost += 1.0;
            left_used[i] = true;
            if matches!(
                (self.left[i], self.right[j]),
                (Item::Word(_), Item::Word(_))
            ) {
                word_pairs += 1;
            }
        }
        cost += unmatched_cost(self.left, &left_used, self.right, &self.used);
        cost += unmatched_cost(self.right, &self.used, self.left, &left_used);
        if cost == 0.0 {
            return 0.0;
        }
        let score = sum / cost;
        if word_pairs == 0 {
            score * INITIALS_ONLY_FACTOR
        } else {
            score
        }
    }
}

/// Unmatched words cost half a pair; an unmatched initial costs a full pair when the other name
/// has a patronymic it failed to match (Ахметов Ерлан Б. against Ахметов Ерлан Серикович),
/// nothing otherwise (the initial is probably of a patronymic the other name does not give).
fn unmatched_cost(
    items: &[Item<'_>],
    used: &[bool],
    others: &[Item<'_>],
    others_used: &[bool],
) -> f64 {
    let other_has_free_patronymic = others
        .iter()
        .zip(others_used)
        .any(|(item, used)| !used && matches!(item, Item::Patronymic(_)));
    items
        .iter()
        .zip(used)
        .filter(|(_, used)| !**used)
        .map(|(item, _)| match item {
            Item::Word(_) => UNMATCHED_WORD_COST,
            Item::Initial(_) if other_has_free_patronymic => 1.0,
            Item::Initial(_) | Item::Patronymic(_) => 0.0,
        })
        .sum()
}

/// Jaro–Winkler similarity of two byte strings (prefix scale 0.1, up to four letters).
pub fn jaro_winkler(a: &[u8], b: &[u8]) -> f64 {
    let a = &a[..a.len().min(64)];
    let b = &b[..b.len().min(64)];
    if a.is_empty() || b.is_empty() {
        return if a == b { 1.0 } else { 0.0 };
    }
    if a == b {
        return 1.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut a_matched: u64 = 0;
    let mut b_matched: u64 = 0;
    let mut matches = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        let start = i.saturating_sub(window);
        let end = (i + window + 1).min(b.len());
        for (j, &cb) in b.iter().enumerate().take(end).skip(start) {
            if b_matched & (1 << j) == 0 && cb == ca {
                a_matched |= 1 << i;
                b_matched |= 1 << j;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut j = 0usize;
    for (i, &ca) in a.iter().enumerate() {
        if a_matched & (1 << i) == 0 {
            continue;
        }
        while b_matched & (1 << j) == 0 {
            j += 1;
        }
        if ca != b[j] {
            transpositions += 1;
        }
        j += 1;
    }
    let m = matches as f64;
    let jaro =
        (m / a.len() as f64 + m / b.len() as f64 + (m - (transpositions / 2) as f64) / m) / 3.0;
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count() as f64;
    jaro + prefix * 0.1 * (1.0 - jaro)
}
