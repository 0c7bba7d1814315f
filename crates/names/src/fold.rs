//! Folding a name as written into tokens with canonical keys, and the search keys derived from
//! them. The rules themselves are the tables in [`crate::rules`].

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::rules::{
    AMBIGUOUS_LETTERS, C_SOFTENING_LETTERS, LETTERS, PATRONYMIC_ENDINGS, PATRONYMIC_WORDS,
    Position, REWRITES, SILENT_MARKS, VOWEL_PAIRS,
};

/// A name folded into its parts. Built by [`fold`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoldedName {
    tokens: Vec<FoldedToken>,
    patronymic: Option<Patronymic>,
}

/// One word of a name: a full word with its canonical key (and up to three variant keys when a
/// letter had two readings), or an initial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoldedToken {
    keys: Vec<String>,
    initial: bool,
}

/// A patronymic: the folded word and the father's name it is built from, so that the Russian
/// form (Серикович) and the Kazakh form (Серікұлы) of one patronymic compare equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patronymic {
    token: FoldedToken,
    roots: Vec<String>,
}

/// The most variant spellings kept for one word; more ambiguous letters take their first reading.
const MAX_VARIANTS: usize = 4;

/// Folds a name written in any script into tokens with canonical keys.
///
/// Words are surnames, given names, initials or a patronymic; the order in which they were
/// written is kept but carries no meaning for matching.
pub fn fold(name: &str) -> FoldedName {
    let mut words = split_words(name);
    join_patronymic_words(&mut words);
    let mut tokens = Vec::new();
    for word in &words {
        let keys = word_keys(&word.latin);
        if keys[0].is_empty() {
            continue;
        }
        if word.is_initial() {
            let first: String = keys[0].chars().take(1).collect();
            tokens.push(FoldedToken {
                keys: vec![first],
                initial: true,
            });
        } else {
            tokens.push(FoldedToken {
                keys,
                initial: false,
            });
        }
    }
    let patronymic = take_patronymic(&mut tokens);
    FoldedName { tokens, patronymic }
}

/// The keys under which a name is indexed for search, deduplicated: one per word (and per
/// variant spelling), one per pair of full words in either order (`ahmetov0erlan`), and one per
/// full word with the initial of each other word (`ahmetov1e`), so that `Ахметов Е.` finds
/// `Yerlan Akhmetov`, and one per spelling of the patronymic. Keys use only `a-z` and `0-9`, so SQLite FTS5's default tokenizer and
/// PostgreSQL `pg_trgm` see each as one word.
pub fn search_keys(name: &str) -> Vec<String> {
    fold(name).search_keys()
}

impl FoldedName {
    /// The words other than the patronymic, in the order written.
    pub fn tokens(&self) -> &[FoldedToken] {
        &self.tokens
    }

    pub fn patronymic(&self) -> Option<&Patronymic> {
        self.patronymic.as_ref()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The primary keys of the full words, sorted and joined by spaces: equal for two spellings
    /// of one name in any order (`Ахметов Ерлан` and `Yerlan Akhmetov` give `ahmetov erlan`).
    pub fn key(&self) -> String {
        let mut keys: Vec<&str> = self.full_tokens().map(FoldedToken::key).collect();
        keys.sort_unstable();
        keys.join(" ")
    }

    /// The full words (not initials, not the patronymic).
    pub fn full_tokens(&self) -> impl Iterator<Item = &FoldedToken> {
        self.tokens.iter().filter(|token| !token.initial)
    }

    /// See [`search_keys`].
    pub fn search_keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        for (index, token) in self.tokens.iter().enumerate() {
            if token.initial {
                continue;
            }
            for key in &token.keys {
                keys.push(key.clone());
            }
            for (other_index, other) in self.tokens.iter().enumerate() {
                if other_index == index {
                    continue;
                }
                for key in &token.keys {
                    for initial in other.initials() {
                        keys.push(format!("{key}1{initial}"));
                    }
                }
                if other.initial || other_index < index {
                    continue;
                }
                for key in &token.keys {
                    for other_key in &other.keys {
                        let (first, second) = if key <= other_key {
                            (key, other_key)
                        } else {
                            (other_key, key)
                        };
                        keys.push(format!("{first}0{second}"));
                    }
                }
            }
        }
        // The patronymic is a key of its own, so that `Serikovna` typed in Latin finds
        // `Сериковна`; it pairs with no other word, as it is left out of similarity's words.
        if let Some(patronymic) = &self.patronymic {
            keys.extend(patronymic.token.keys.iter().cloned());
        }
        keys.sort_unstable();
        keys.dedup();
        keys
    }
}

impl FoldedToken {
    /// The canonical key (the first reading when a letter had two).
    pub fn key(&self) -> &str {
        &self.keys[0]
    }

    /// Every reading of the word; the first is [`FoldedToken::key`].
    pub fn variants(&self) -> &[String] {
        &self.keys
    }

    pub fn is_initial(&self) -> bool {
        self.initial
    }

    /// The first letter of each reading, deduplicated.
    pub fn initials(&self) -> Vec<char> {
        let mut initials: Vec<char> = self
            .keys
            .iter()
            .filter_map(|key| key.chars().next())
            .collect();
        initials.dedup();
        initials
    }
}

impl Patronymic {
    pub fn token(&self) -> &FoldedToken {
        &self.token
    }

    /// The father's name as folded (`serik` for Серикович and Серікұлы).
    pub fn roots(&self) -> &[String] {
        &self.roots
    }
}

/// A word as written, in plain Latin (step 1 of the rules) but not yet rewritten.
pub(crate) struct RawWord {
    pub(crate) latin: String,
    source_letters: usize,
    followed_by_dot: bool,
}

impl RawWord {
    /// One letter, or a short abbreviation with a dot (`Zh.`, `Ye.`, `Sh.`), is an initial.
    fn is_initial(&self) -> bool {
        self.source_letters == 1 || (self.followed_by_dot && self.source_letters <= 3)
    }
}

fn letter_table() -> &'static HashMap<char, &'static str> {
    static TABLE: OnceLock<HashMap<char, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| LETTERS.iter().copied().collect())
}

fn is_combining_mark(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

pub(crate) fn split_words(name: &str) -> Vec<RawWord> {
    let table = letter_table();
    let mut words = Vec::new();
    let mut current = RawWord {
        latin: String::new(),
        source_letters: 0,
        followed_by_dot: false,
    };
    let finish = |current: &mut RawWord, dot: bool, words: &mut Vec<RawWord>| {
        if current.source_letters > 0 {
            current.followed_by_dot = dot;
            words.push(std::mem::replace(
                current,
                RawWord {
                    latin: String::new(),
                    source_letters: 0,
                    followed_by_dot: false,
                },
            ));
        }
    };
    for original in name.chars() {
        for c in original.to_lowercase() {
            if is_combining_mark(c) || SILENT_MARKS.contains(&c) {
                continue;
            }
            if c.is_ascii_lowercase() {
                current.latin.push(c);
                current.source_letters += 1;
            } else if let Some(latin) = table.get(&c) {
                current.latin.push_str(latin);
                current.source_letters += 1;
            } else if c.is_alphabetic() {
                // A letter from a script the tables do not know is kept, so that two names in
                // that script can still be compared with each other.
                current.latin.push(c);
                current.source_letters += 1;
            } else {
                finish(&mut current, c == '.', &mut words);
            }
        }
    }
    finish(&mut current, false, &mut words);
    words
}

/// Joins Kazakh `ұлы`/`қызы` written as a separate word to the father's name before it.
fn join_patronymic_words(words: &mut Vec<RawWord>) {
    let mut index = 1;
    while index < words.len() {
        let key = word_keys(&words[index].latin).swap_remove(0);
        if PATRONYMIC_WORDS.contains(&key.as_str()) && !words[index - 1].is_initial() {
            let word = words.remove(index);
            words[index - 1].latin.push_str(&word.latin);
            words[index - 1].source_letters += word.source_letters;
        } else {
            index += 1;
        }
    }
}

/// Finds the patronymic among the words. Only names of three or more full words have one: in
/// two-word names a word ending in -ович is a surname (Rabinovich), and a -ұлы word stands in
/// for the surname in modern Kazakh practice. A patronymic is never the first word; when two
/// words qualify, the second word of the name (Ivan Petrovich Babich) is preferred.
fn take_patronymic(tokens: &mut Vec<FoldedToken>) -> Option<Patronymic> {
    let full_count = tokens.iter().filter(|token| !token.initial).count();
    if full_count < 3 {
        return None;
    }
    let qualifies = |token: &FoldedToken| !token.initial && patronymic_roots(token).is_some();
    let chosen = if tokens.len() > 1 && qualifies(&tokens[1]) {
        1
    } else {
        (1..tokens.len())
            .rev()
            .find(|&index| qualifies(&tokens[index]))?
    };
    let token = tokens.remove(chosen);
    let roots = patronymic_roots(&token)?;
    Some(Patronymic { token, roots })
}

fn patronymic_roots(token: &FoldedToken) -> Option<Vec<String>> {
    let mut roots = Vec::new();
    for key in &token.keys {
        for ending in PATRONYMIC_ENDINGS {
            if let Some(root) = key.strip_suffix(ending)
                && root.len() >= 3
            {
                roots.push(root.to_owned());
                // Doubled letters were collapsed: Серікқызы folds to `serikizi`, so the
                // father's name may have ended with the ending's first letter.
                let first = ending.chars().next().unwrap_or('a');
                if !crate::rules::VOWELS.contains(&first) && !root.ends_with(first) {
                    roots.push(format!("{root}{first}"));
                }
                break;
            }
        }
    }
    if roots.is_empty() {
        return None;
    }
    roots.dedup();
    Some(roots)
}

/// The canonical keys of one word: the first reading, then variants for ambiguous letters.
pub(crate) fn word_keys(latin: &str) -> Vec<String> {
    let mut keys: Vec<String> = Vec::with_capacity(1);
    for spelling in spellings(latin) {
        let key = canonical(&spelling);
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

/// Step 2: the plain spellings of a word with ambiguous letters, first reading first.
fn spellings(latin: &str) -> Vec<String> {
    let bytes = latin.as_bytes();
    let mut spellings = vec![String::with_capacity(latin.len() + 4)];
    let is_vowel = |byte: Option<&u8>| {
        byte.is_some_and(|b| matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y'))
    };
    for (index, ch) in latin.char_indices() {
        let next = bytes.get(index + ch.len_utf8());
        let rule = AMBIGUOUS_LETTERS.iter().find(|rule| rule.letter == ch);
        let Some(rule) = rule else {
            spellings.iter_mut().for_each(|spelling| spelling.push(ch));
            continue;
        };
        // ch and ck are digraphs for the rewrites; c before e, i, y is ц.
        if ch == 'c' {
            if next.is_some_and(|&b| b == b'h' || b == b'k') {
                spellings.iter_mut().for_each(|spelling| spelling.push('c'));
                continue;
            }
            if next.is_some_and(|&b| C_SOFTENING_LETTERS.contains(&char::from(b))) {
                spellings
                    .iter_mut()
                    .for_each(|spelling| spelling.push_str("ts"));
                continue;
            }
        }
        // dj is дж, whatever follows.
        if ch == 'j' && index > 0 && bytes[index - 1] == b'd' {
            spellings
                .iter_mut()
                .for_each(|spelling| spelling.push_str("zh"));
            continue;
        }
        let readings: &[&str] = if is_vowel(next) {
            rule.before_vowel
        } else {
            rule.otherwise
        };
        if spellings.len() * readings.len() > MAX_VARIANTS {
            spellings
                .iter_mut()
                .for_each(|spelling| spelling.push_str(readings[0]));
            continue;
        }
        let mut expanded = Vec::with_capacity(spellings.len() * readings.len());
        for reading in readings {
            for spelling in &spellings {
                let mut spelling = spelling.clone();
                spelling.push_str(reading);
                expanded.push(spelling);
            }
        }
        spellings = expanded;
    }
    spellings
}

/// Step 3: the rewrites, collapsing doubled letters, and the vowel pairs.
fn canonical(spelling: &str) -> String {
    let mut rewritten = String::with_capacity(spelling.len());
    let mut rest = spelling;
    'scan: while let Some(ch) = rest.chars().next() {
        for (from, to, position) in REWRITES {
            if rest.starts_with(from)
                && (*position == Position::Anywhere || rest.len() == from.len())
            {
                rewritten.push_str(to);
                rest = &rest[from.len()..];
                continue 'scan;
            }
        }
        rewritten.push(ch);
        rest = &rest[ch.len_utf8()..];
    }
    let collapsed = collapse_doubles(&rewritten);
    let mut simplified = String::with_capacity(collapsed.len());
    let mut rest = collapsed.as_str();
    'pairs: while let Some(ch) = rest.chars().next() {
        for (from, to) in VOWEL_PAIRS {
            if rest.starts_with(from) {
                simplified.push_str(to);
                rest = &rest[from.len()..];
                continue 'pairs;
            }
        }
        simplified.push(ch);
        rest = &rest[ch.len_utf8()..];
    }
    collapse_doubles(&simplified)
}

/// Writes doubled letters once: Kassymov = Kasymov, Anna = Ana, Dmitrii = Dmitri.
fn collapse_doubles(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous = None;
    for ch in text.chars() {
        if previous != Some(ch) {
            out.push(ch);
        }
        previous = Some(ch);
    }
    out
}
