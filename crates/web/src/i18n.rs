//! Interface languages: message catalogues kept as data (`i18n/<lang>.txt`, one `key = text`
//! a line), and the choice of language for a request from `?lang=`, the `kuzet_lang` cookie
//! and `Accept-Language`.
//!
//! English is complete and is the fallback: a key missing from another catalogue shows in
//! English rather than failing the page.

use std::collections::BTreeMap;
use std::sync::Arc;

/// A supported interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ru,
    Kk,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::En, Lang::Ru, Lang::Kk];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
            Lang::Kk => "kk",
        }
    }

    /// The language's own name, as shown in the language switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ru => "Русский",
            Lang::Kk => "Қазақша",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        Lang::ALL.into_iter().find(|lang| lang.code() == primary)
    }

    /// The first supported language in an `Accept-Language` header, honouring `q` weights.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut choices: Vec<(f32, Lang)> = header
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.split(';');
                let lang = Lang::from_code(pieces.next()?)?;
                let weight =
                    pieces.find_map(|piece| piece.trim().strip_prefix("q=")).and_then(|q| q.trim().parse::<f32>().ok()).unwrap_or(1.0);
                Some((weight, lang))
            })
            .collect();
        // A stable sort keeps the header's order among equal weights.
        choices.sort_by(|a, b| b.0.total_cmp(&a.0));
        choices.first().filter(|(weight, _)| *weight > 0.0).map(|(_, lang)| *lang)
    }
}

/// The messages of one language, with English filled in for missing keys.
pub type Messages = Arc<BTreeMap<String, String>>;

/// All catalogues, parsed once at start-up.
#[derive(Debug, Clone)]
pub struct Catalogues {
    en: Messages,
    ru: Messages,
    kk: Messages,
}

impl Catalogues {
    pub fn load() -> Catalogues {
        let en = parse(include_str!("../i18n/en.txt"));
        let merged = |own: &str| {
            let mut messages = en.clone();
            messages.extend(parse(own));
            Arc::new(messages)
        };
        Catalogues { ru: merged(include_str!("../i18n/ru.txt")), kk: merged(include_str!("../i18n/kk.txt")), en: Arc::new(en) }
    }

    pub fn messages(&self, lang: Lang) -> &Messages {
        match lang {
            Lang::En => &self.en,
            Lang::Ru => &self.ru,
            Lang::Kk => &self.kk,
        }
    }

    /// One message with `{name}` placeholders filled from `args`.
    pub fn text(&self, lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
        let template = self.messages(lang).get(key).map(String::as_str).unwrap_or(key);
        fill(template, args)
    }
}

/// Replaces `{name}` in `template` by the matching value of `args`.
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut text = template.to_owned();
    for (name, value) in args {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

fn parse(source: &str) -> BTreeMap<String, String> {
    source
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(key, text)| (key.trim().to_owned(), text.trim().to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(header: &str, expected: Option<&str>) {
        assert_eq!(Lang::from_accept_language(header).map(Lang::code), expected, "{header}");
    }

    #[test]
    fn accept_language() {
        check("ru-RU,ru;q=0.9,en;q=0.8", Some("ru"));
        check("de-DE, en;q=0.5, ru;q=0.7", Some("ru"));
        check("kk", Some("kk"));
        check("de, fr", None);
        check("ru;q=0", None);
    }

    #[test]
    fn every_russian_key_exists_in_english_and_russian_is_complete() {
        let en = parse(include_str!("../i18n/en.txt"));
        let ru = parse(include_str!("../i18n/ru.txt"));
        let kk = parse(include_str!("../i18n/kk.txt"));
        let missing_in_ru: Vec<&String> = en.keys().filter(|key| !ru.contains_key(*key)).collect();
        assert!(missing_in_ru.is_empty(), "Russian misses {missing_in_ru:?}");
        let unknown: Vec<&String> = ru.keys().chain(kk.keys()).filter(|key| !en.contains_key(*key)).collect();
        assert!(unknown.is_empty(), "keys not in English: {unknown:?}");
    }

    #[test]
    fn placeholders_fill() {
        assert_eq!(fill("Page {page} of {pages}", &[("page", "2"), ("pages", "9")]), "Page 2 of 9");
    }
}
