//! Place names (cities, police stations) as search keys: folded across scripts like names, so
//! that `Алматы` finds `Almaty`, and joined with the other names of a renamed place from
//! [`crate::rules::PLACE_NAMES`], so that `Астана` finds `Nur-Sultan`.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::fold::{split_words, word_keys};
use crate::rules::PLACE_NAMES;

/// The key of a place name: its words folded (first reading), in the order written, joined by
/// spaces; numbers are kept (`ОП-5` and `OP 5` give `op 5`, apart from `op 6`). Empty when the
/// text has no letter or digit.
pub fn place_key(place: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    for chunk in
        place.split(|c: char| !c.is_alphanumeric() && !crate::rules::SILENT_MARKS.contains(&c))
    {
        // Letters and digits written together (`ОП5`) are taken apart, keeping the number.
        let mut letters = String::new();
        let mut digits = String::new();
        let flush = |letters: &mut String, digits: &mut String, words: &mut Vec<String>| {
            for word in split_words(letters) {
                if let Some(key) = word_keys(&word.latin).into_iter().next() {
                    if !key.is_empty() {
                        words.push(key);
                    }
                }
            }
            if !digits.is_empty() {
                words.push(digits.trim_start_matches('0').to_owned());
            }
            letters.clear();
            digits.clear();
        };
        for c in chunk.chars() {
            if c.is_ascii_digit() {
                if !letters.is_empty() {
                    flush(&mut letters, &mut digits, &mut words);
                }
                digits.push(c);
            } else {
                if !digits.is_empty() {
                    flush(&mut letters, &mut digits, &mut words);
                }
                letters.push(c);
            }
        }
        flush(&mut letters, &mut digits, &mut words);
    }
    words.retain(|word| !word.is_empty());
    words.join(" ")
}

/// The keys under which a place is found: its own key and the keys of its other names in
/// [`PLACE_NAMES`].
pub fn place_keys(place: &str) -> Vec<String> {
    let key = place_key(place);
    if key.is_empty() {
        return Vec::new();
    }
    let mut keys = vec![key.clone()];
    if let Some(row) = place_rows().get(&key) {
        for name in PLACE_NAMES[*row] {
            let other = place_key(name);
            if !keys.contains(&other) {
                keys.push(other);
            }
        }
    }
    keys
}

/// The row of [`PLACE_NAMES`] each name's key is in.
fn place_rows() -> &'static HashMap<String, usize> {
    static ROWS: OnceLock<HashMap<String, usize>> = OnceLock::new();
    ROWS.get_or_init(|| {
        let mut rows = HashMap::new();
        for (index, names) in PLACE_NAMES.iter().enumerate() {
            for name in *names {
                rows.insert(place_key(name), index);
            }
        }
        rows
    })
}
