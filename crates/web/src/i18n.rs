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
    /// Russian wording of the domain's validation messages, as (English pattern, Russian).
    reasons_ru: Arc<Vec<(String, String)>>,
}

impl Catalogues {
    pub fn load() -> Catalogues {
        let en = parse(include_str!("../i18n/en.txt"));
        let merged = |own: &str| {
            let mut messages = en.clone();
            messages.extend(parse(own));
            Arc::new(messages)
        };
        let reasons_ru = include_str!("../i18n/reasons.ru.txt")
            .lines()
            .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
            .filter_map(|line| line.split_once(" => "))
            .map(|(english, russian)| (english.trim().to_owned(), russian.trim().to_owned()))
            .collect();
        Catalogues {
            ru: merged(include_str!("../i18n/ru.txt")),
            kk: merged(include_str!("../i18n/kk.txt")),
            en: Arc::new(en),
            reasons_ru: Arc::new(reasons_ru),
        }
    }

    /// A validation message from the domain (always English) in `lang`, when the catalogue
    /// knows its wording; otherwise as it is.
    pub fn reason(&self, lang: Lang, message: &str) -> String {
        if lang != Lang::Ru {
            return message.to_owned();
        }
        self.reasons_ru
            .iter()
            .find_map(|(pattern, russian)| match_pattern(pattern, message).map(|parts| fill_numbered(russian, &parts)))
            .unwrap_or_else(|| message.to_owned())
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

/// Matches `message` against a pattern with `{1}`, `{2}` holes; returns the holes' text.
fn match_pattern(pattern: &str, message: &str) -> Option<Vec<String>> {
    // Literal pieces between the holes, in order.
    let mut pieces = Vec::new();
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}')? + start;
        pieces.push(&rest[..start]);
        rest = &rest[end + 1..];
    }
    pieces.push(rest);
    let mut remaining = message.strip_prefix(pieces[0])?;
    let mut holes = Vec::new();
    for (index, piece) in pieces.iter().enumerate().skip(1) {
        let is_last = index == pieces.len() - 1;
        let at =
            if is_last { remaining.strip_suffix(piece).map(str::len)? } else { remaining.find(piece).filter(|_| !piece.is_empty())? };
        holes.push(remaining[..at].to_owned());
        remaining = &remaining[at + piece.len()..];
    }
    (pieces.len() > 1 || remaining.is_empty()).then_some(holes)
}

fn fill_numbered(template: &str, parts: &[String]) -> String {
    let mut text = template.to_owned();
    for (index, part) in parts.iter().enumerate() {
        text = text.replace(&format!("{{{}}}", index + 1), part);
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

    fn check_reason(english: &str, expected: &str) {
        assert_eq!(Catalogues::load().reason(Lang::Ru, english), expected, "{english}");
        assert_eq!(Catalogues::load().reason(Lang::En, english), english);
    }

    #[test]
    fn validation_messages_in_russian() {
        check_reason("is empty", "не заполнено");
        check_reason("`31.02.1990` is not a day of the calendar", "«31.02.1990» — такого дня нет в календаре");
        check_reason("year 1850 is outside 1900–2019", "год 1850 вне 1900–2019");
        check_reason(
            "2019-06-09 13:00:00.0 is before the detention at 2019-06-09 14:00:00.0",
            "2019-06-09 13:00:00.0 раньше задержания (2019-06-09 14:00:00.0)",
        );
        check_reason("is 201 characters long; at most 200 are allowed", "длина 201 символов; можно не больше 200");
        check_reason("`spy` is not one of journalist, minor", "«spy» — не одно из: journalist, minor");
        check_reason("something new", "something new");
        check_reason("is empty, really", "is empty, really");
    }

    #[test]
    fn placeholders_fill() {
        assert_eq!(fill("Page {page} of {pages}", &[("page", "2"), ("pages", "9")]), "Page 2 of 9");
    }
}
