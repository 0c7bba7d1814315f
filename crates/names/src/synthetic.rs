//! Constructed names for tests and benchmarks: common Kazakh and Russian given names and
//! surnames combined at random, written in the spellings the register receives. No real person
//! is described; the combinations are synthetic and the generator is deterministic.
//!
//! The spellings are written forwards from Cyrillic by their own tables here (passport ICAO
//! 9303, BGN/PCGN, ISO 9, the 2021 Kazakh Latin alphabet, ad-hoc English), independently of
//! the folding rules, so that the name-pair test set checks the folding rather than repeating it.

use crate::duplicates::{Birth, PersonForMatching};

/// A small deterministic random generator (SplitMix64), so that data sets are reproducible
/// without a dependency.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Male given names, Kazakh (in Kazakh spelling) and Russian.
pub const MALE_GIVEN: &[&str] = &[
    "Ерлан",
    "Нұрлан",
    "Асқар",
    "Бауыржан",
    "Жандос",
    "Қайрат",
    "Ерболат",
    "Серік",
    "Ғалым",
    "Дәурен",
    "Мұрат",
    "Марат",
    "Әлібек",
    "Төлеген",
    "Өмірзақ",
    "Нұржан",
    "Ержан",
    "Арман",
    "Арсен",
    "Айдар",
    "Айдос",
    "Данияр",
    "Даниял",
    "Қанат",
    "Талғат",
    "Талант",
    "Бекзат",
    "Бекжан",
    "Олжас",
    "Жасұлан",
    "Мейрам",
    "Ғабит",
    "Руслан",
    "Тимур",
    "Ілияс",
    "Ербол",
    "Самат",
    "Азамат",
    "Бақыт",
    "Әділет",
    "Дидар",
    "Шыңғыс",
    "Жеңіс",
    "Медеу",
    "Динар",
    "Александр",
    "Сергей",
    "Дмитрий",
    "Андрей",
    "Алексей",
    "Евгений",
    "Юрий",
    "Артём",
    "Фёдор",
    "Максим",
    "Виктор",
    "Николай",
    "Владимир",
    "Павел",
    "Константин",
    "Вячеслав",
    "Семён",
    "Игорь",
    "Михаил",
    "Ян",
];

/// Female given names, Kazakh and Russian.
pub const FEMALE_GIVEN: &[&str] = &[
    "Айгүл",
    "Гүлнар",
    "Жанар",
    "Динара",
    "Әсел",
    "Әсем",
    "Сәуле",
    "Ақмарал",
    "Айжан",
    "Мөлдір",
    "Гүлмира",
    "Назерке",
    "Жұлдыз",
    "Ботагөз",
    "Ұлжан",
    "Шынар",
    "Дина",
    "Дана",
    "Алия",
    "Алина",
    "Мадина",
    "Жанна",
    "Аружан",
    "Балжан",
    "Зарина",
    "Іңкәр",
    "Меруерт",
    "Салтанат",
    "Үміт",
    "Әйгерім",
    "Перизат",
    "Руслана",
    "Ольга",
    "Наталья",
    "Юлия",
    "Татьяна",
    "Екатерина",
    "Ксения",
    "Мария",
    "Анастасия",
    "Ирина",
    "Арина",
    "Евгения",
    "Александра",
    "Яна",
    "Дарья",
    "Елена",
    "Светлана",
];

/// Surnames in their masculine form.
pub const SURNAMES: &[&str] = &[
    "Ахметов",
    "Жұмабаев",
    "Сәрсенбаев",
    "Қасымов",
    "Нұрғалиев",
    "Есенов",
    "Омаров",
    "Бекмұхамбетов",
    "Әбдірахманов",
    "Құдайбергенов",
    "Шәкенов",
    "Ысқақов",
    "Үсенов",
    "Исаев",
    "Жақсылықов",
    "Оспанов",
    "Серікбаев",
    "Ғабдуллин",
    "Мұхтаров",
    "Байжанов",
    "Төлеуов",
    "Ержанов",
    "Рахимов",
    "Сұлтанов",
    "Әлиев",
    "Иманғалиев",
    "Мамырбеков",
    "Дүйсенов",
    "Тұрсынов",
    "Жаңабаев",
    "Мыңбаев",
    "Теңізбаев",
    "Ахмедов",
    "Умаров",
    "Сериков",
    "Касенов",
    "Исабаев",
    "Жұмабеков",
    "Нұрланов",
    "Нұржанов",
    "Садықов",
    "Сабыров",
    "Иванов",
    "Кузнецов",
    "Смирнов",
    "Щербаков",
    "Воробьёв",
    "Яковлев",
    "Журавлёв",
    "Хохлов",
    "Цветков",
    "Чернышёв",
    "Юдин",
    "Фёдоров",
    "Соловьёв",
    "Зайцев",
    "Ковальчук",
    "Шевченко",
    "Ковальский",
    "Григорьев",
    "Васильев",
    "Ильин",
    "Киселёв",
    "Ефимов",
    "Щукин",
    "Хабибуллин",
    "Юсупов",
];

/// Pairs of distinct given names that differ by a letter or two.
pub const CONFUSABLE_GIVEN: &[(&str, &str)] = &[
    ("Нұрлан", "Нұржан"),
    ("Ерлан", "Ержан"),
    ("Әсел", "Әсем"),
    ("Дина", "Дана"),
    ("Марат", "Мұрат"),
    ("Айдар", "Айдос"),
    ("Алия", "Алина"),
    ("Арман", "Арсен"),
    ("Данияр", "Даниял"),
    ("Жанна", "Жанар"),
    ("Ирина", "Арина"),
    ("Қанат", "Қайрат"),
    ("Талғат", "Талант"),
    ("Бекзат", "Бекжан"),
    ("Ербол", "Ерболат"),
];

/// Pairs of distinct surnames that differ by a letter or two.
pub const CONFUSABLE_SURNAMES: &[(&str, &str)] = &[
    ("Ахметов", "Ахмедов"),
    ("Омаров", "Умаров"),
    ("Сериков", "Серікбаев"),
    ("Қасымов", "Касенов"),
    ("Исаев", "Исабаев"),
    ("Жұмабаев", "Жұмабеков"),
    ("Нұрланов", "Нұржанов"),
    ("Садықов", "Сабыров"),
    ("Есенов", "Үсенов"),
    ("Иванов", "Ильин"),
];

/// Masculine and feminine forms of one given name: relatives, never one person.
pub const GENDER_PAIRS: &[(&str, &str)] = &[
    ("Евгений", "Евгения"),
    ("Александр", "Александра"),
    ("Динар", "Динара"),
    ("Руслан", "Руслана"),
    ("Ян", "Яна"),
];

/// The ways a name reaches the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spelling {
    /// Cyrillic with the Kazakh letters.
    KazakhCyrillic,
    /// Cyrillic typed on a Russian keyboard: Kazakh letters replaced by look-alikes.
    RussianCyrillic,
    /// Kazakhstan passport (ICAO 9303), in capitals.
    Passport,
    /// BGN/PCGN romanisation of Russian and Kazakh.
    Bgn,
    /// ISO 9 (with the Kazakh additions).
    Iso9,
    /// The 2021 Kazakh Latin alphabet.
    Kazakh2021,
    /// Spellings from foreign media and volunteers: zh or j, kh or h, -off, doubled s.
    AdHoc,
}

pub const SPELLINGS: [Spelling; 7] = [
    Spelling::KazakhCyrillic,
    Spelling::RussianCyrillic,
    Spelling::Passport,
    Spelling::Bgn,
    Spelling::Iso9,
    Spelling::Kazakh2021,
    Spelling::AdHoc,
];

impl Spelling {
    pub fn as_str(self) -> &'static str {
        match self {
            Spelling::KazakhCyrillic => "kazakh-cyrillic",
            Spelling::RussianCyrillic => "russian-cyrillic",
            Spelling::Passport => "passport",
            Spelling::Bgn => "bgn-pcgn",
            Spelling::Iso9 => "iso9",
            Spelling::Kazakh2021 => "kazakh-latin-2021",
            Spelling::AdHoc => "ad-hoc",
        }
    }
}

const CYRILLIC_VOWELS: &str = "аеёиоуыэюяәөұүі";

/// Kazakh letters and the Russian letters typed in their place.
const RUSSIAN_LOOK_ALIKES: &[(char, char)] = &[
    ('ә', 'а'),
    ('ғ', 'г'),
    ('қ', 'к'),
    ('ң', 'н'),
    ('ө', 'о'),
    ('ұ', 'у'),
    ('ү', 'у'),
    ('һ', 'х'),
    ('і', 'и'),
];

/// Writes a Cyrillic name (words separated by spaces, `.` after initials) in `spelling`.
pub fn write(cyrillic: &str, spelling: Spelling, rng: &mut Rng) -> String {
    let words: Vec<String> = cyrillic
        .split(' ')
        .map(|word| write_word(word, spelling, rng))
        .collect();
    words.join(" ")
}

fn write_word(word: &str, spelling: Spelling, rng: &mut Rng) -> String {
    let lower: Vec<char> = word.to_lowercase().chars().collect();
    let mut out = String::new();
    if spelling == Spelling::KazakhCyrillic {
        out = lower.iter().collect();
    } else if spelling == Spelling::RussianCyrillic {
        for (index, &c) in lower.iter().enumerate() {
            let c = RUSSIAN_LOOK_ALIKES
                .iter()
                .find(|(kazakh, _)| *kazakh == c)
                .map_or(c, |&(_, russian)| russian);
            out.push(c);
            // Russian spelling softens a final л of Kazakh names: Әсел → Асель, Айгүл → Айгуль.
            if c == 'л' && index + 1 == lower.len() && lower.len() > 3 && rng.chance(0.5) {
                out.push('ь');
            }
        }
    } else {
        for (index, &c) in lower.iter().enumerate() {
            let previous = if index == 0 {
                None
            } else {
                Some(lower[index - 1])
            };
            let next = lower.get(index + 1).copied();
            out.push_str(&latin_letter(
                c,
                previous,
                next,
                index + 1 == lower.len(),
                spelling,
                rng,
            ));
        }
    }
    if spelling == Spelling::Passport {
        return out.to_uppercase();
    }
    capitalise(&out)
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn is_cyrillic_vowel(c: Option<char>) -> bool {
    c.is_some_and(|c| CYRILLIC_VOWELS.contains(c))
}

/// One Cyrillic letter in a Latin spelling, given its neighbours.
fn latin_letter(
    c: char,
    previous: Option<char>,
    next: Option<char>,
    last: bool,
    spelling: Spelling,
    rng: &mut Rng,
) -> String {
    let after_vowel_or_start =
        previous.is_none() || is_cyrillic_vowel(previous) || matches!(previous, Some('ь' | 'ъ'));
    let s: &str = match spelling {
        Spelling::Passport => match c {
            'ж' => "zh",
            'й' => "i",
            'х' => "kh",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ъ' => "ie",
            'ь' => "",
            'ы' => "y",
            'э' => "e",
            'ю' => "iu",
            'я' => "ia",
            'ё' => "e",
            'һ' => "h",
            _ => common_letter(c),
        },
        Spelling::Bgn => match c {
            'е' if after_vowel_or_start => "ye",
            'ё' if after_vowel_or_start => "yë",
            'ё' => "ë",
            'ж' => "zh",
            'й' => "y",
            'х' => "kh",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ъ' => "\"",
            'ь' => "'",
            'ы' => "y",
            'ю' => "yu",
            'я' => "ya",
            'ә' => "ä",
            'ғ' => "gh",
            'қ' => "q",
            'ң' => "ng",
            'ө' => "ö",
            'ұ' => "ū",
            'ү' => "ü",
            'һ' => "h",
            'і' => "ī",
            _ => common_letter(c),
        },
        Spelling::Iso9 => match c {
            'ё' => "ë",
            'ж' => "ž",
            'й' => "j",
            'х' => "h",
            'ц' => "c",
            'ч' => "č",
            'ш' => "š",
            'щ' => "ŝ",
            'ъ' => "ʺ",
            'ь' => "ʹ",
            'ы' => "y",
            'э' => "è",
            'ю' => "û",
            'я' => "â",
            'ә' => "a\u{30b}",
            'ғ' => "ġ",
            'қ' => "ķ",
            'ң' => "ṇ",
            'ө' => "ô",
            'ұ' => "ù",
            'ү' => "ụ",
            'һ' => "ḥ",
            'і' => "ì",
            _ => common_letter(c),
        },
        Spelling::Kazakh2021 => match c {
            'ә' => "ä",
            'ғ' => "ğ",
            'ё' => "io",
            'ж' => "j",
            'и' | 'й' => "i",
            'қ' => "q",
            'ң' => "ñ",
            'ө' => "ö",
            'ү' => "ü",
            'у' => "u",
            'х' | 'һ' => "h",
            'ц' => "ts",
            'ч' => "ç",
            'ш' | 'щ' => "ş",
            'ъ' | 'ь' => "",
            'ы' => "y",
            'і' => "ı",
            'ю' => "iu",
            'я' => "ia",
            _ => common_letter(c),
        },
        Spelling::AdHoc => {
            return ad_hoc_letter(c, previous, next, last, after_vowel_or_start, rng);
        }
        Spelling::KazakhCyrillic | Spelling::RussianCyrillic => {
            unreachable!("Cyrillic is not romanised")
        }
    };
    s.to_owned()
}

/// Letters that every Latin spelling writes alike.
fn common_letter(c: char) -> &'static str {
    match c {
        'а' | 'ә' => "a",
        'б' => "b",
        'в' => "v",
        'г' | 'ғ' => "g",
        'д' => "d",
        'е' | 'э' | 'ё' => "e",
        'з' => "z",
        'и' | 'і' => "i",
        'к' | 'қ' => "k",
        'л' => "l",
        'м' => "m",
        'н' | 'ң' => "n",
        'о' | 'ө' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' | 'ұ' | 'ү' => "u",
        'ф' => "f",
        '.' => ".",
        _ => "",
    }
}

/// The spellings of foreign media and volunteers, chosen at random letter by letter.
fn ad_hoc_letter(
    c: char,
    previous: Option<char>,
    next: Option<char>,
    last: bool,
    after_vowel_or_start: bool,
    rng: &mut Rng,
) -> String {
    let either = |rng: &mut Rng, p: f64, a: &str, b: &str| {
        if rng.chance(p) {
            a.to_owned()
        } else {
            b.to_owned()
        }
    };
    match c {
        'ж' => either(rng, 0.6, "zh", "j"),
        'х' | 'һ' => either(rng, 0.6, "kh", "h"),
        'ы' => either(rng, 0.6, "y", "i"),
        'й' if last => either(rng, 0.6, "y", "i"),
        'й' => either(rng, 0.5, "y", "i"),
        'я' => either(rng, 0.6, "ya", "ia"),
        'ю' => either(rng, 0.6, "yu", "iu"),
        'ё' => either(rng, 0.5, "yo", "e"),
        'е' if after_vowel_or_start => either(rng, 0.6, "ye", "e"),
        'ц' => either(rng, 0.8, "ts", "tz"),
        'ч' => "ch".to_owned(),
        'ш' => "sh".to_owned(),
        'щ' => {
            let choice = rng.below(3);
            ["shch", "sch", "sh"][choice].to_owned()
        }
        // Before е, ё, ю, я the vowel brings its own y (Solovyov, Tatyana); before others
        // ь is written y (Ilyin).
        'ь' if matches!(next, Some('е' | 'ё' | 'ю' | 'я')) => String::new(),
        'ь' if is_cyrillic_vowel(next) => "y".to_owned(),
        'ъ' | 'ь' => String::new(),
        'қ' => either(rng, 0.8, "k", "q"),
        'ғ' => either(rng, 0.8, "g", "gh"),
        'ң' => either(rng, 0.8, "n", "ng"),
        // Doubled s between vowels is how Kazakh names are often written in English:
        // Kassymov, Yessenov, Assel.
        'с' if is_cyrillic_vowel(previous) && is_cyrillic_vowel(next) && rng.chance(0.4) => {
            "ss".to_owned()
        }
        'в' if last && previous == Some('о') && rng.chance(0.15) => "ff".to_owned(),
        'в' if last && previous == Some('е') && rng.chance(0.1) => "ff".to_owned(),
        _ => common_letter(c).to_owned(),
    }
}

/// The feminine form of a surname (Ахметов → Ахметова, Ковальский → Ковальская); surnames
/// without a gendered ending (Ковальчук, Шевченко) stay as they are.
pub fn feminine_surname(surname: &str) -> String {
    if let Some(stem) = surname.strip_suffix("ий") {
        return format!("{stem}ая");
    }
    if ["ов", "ев", "ёв", "ин", "ын"]
        .iter()
        .any(|ending| surname.ends_with(ending))
    {
        return format!("{surname}а");
    }
    surname.to_owned()
}

/// A patronymic from the father's given name in the Russian form (Серік → Серикович) or the
/// Kazakh form (Серік → Серікұлы), or `None` for fathers' names these rules do not cover.
pub fn patronymic(father: &str, female: bool, kazakh_form: bool) -> Option<String> {
    if kazakh_form {
        return Some(format!("{father}{}", if female { "қызы" } else { "ұлы" }));
    }
    let russian: String = father
        .chars()
        .map(|c| {
            RUSSIAN_LOOK_ALIKES
                .iter()
                .find(|(kazakh, _)| *kazakh == c)
                .map_or(c, |&(_, r)| r)
        })
        .collect();
    let (stem, soft) = if let Some(stem) = russian.strip_suffix('й') {
        (stem.to_owned(), true)
    } else if russian.ends_with(['а', 'я', 'ь', 'о', 'е', 'у']) {
        return None;
    } else {
        (russian.clone(), false)
    };
    let ending = match (soft, female) {
        (true, false) => "евич",
        (true, true) => "евна",
        (false, false) => "ович",
        (false, true) => "овна",
    };
    Some(format!("{stem}{ending}"))
}

/// A constructed person: given name, surname (already in the right gender) and, when known,
/// the father's given name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticName {
    pub given: String,
    pub surname: String,
    pub father: Option<String>,
    pub female: bool,
}

impl SyntheticName {
    pub fn random(rng: &mut Rng) -> SyntheticName {
        let female = rng.chance(0.45);
        let given = if female {
            rng.pick(FEMALE_GIVEN)
        } else {
            rng.pick(MALE_GIVEN)
        };
        let surname = rng.pick(SURNAMES);
        let father = loop {
            let father = *rng.pick(MALE_GIVEN);
            if patronymic(father, false, false).is_some() {
                break father;
            }
        };
        SyntheticName {
            given: (*given).to_owned(),
            surname: if female {
                feminine_surname(surname)
            } else {
                (*surname).to_owned()
            },
            father: Some(father.to_owned()),
            female,
        }
    }

    /// Cyrillic text of the name in one layout.
    pub fn cyrillic(&self, layout: Layout) -> String {
        let patronymic = |kazakh: bool| {
            self.father
                .as_deref()
                .and_then(|father| patronymic(father, self.female, kazakh))
                .unwrap_or_default()
        };
        let initial = |word: &str| format!("{}.", word.chars().next().unwrap_or(' '));
        let parts: Vec<String> = match layout {
            Layout::GivenSurname => vec![self.given.clone(), self.surname.clone()],
            Layout::SurnameGiven => vec![self.surname.clone(), self.given.clone()],
            Layout::SurnameGivenPatronymic { kazakh } => {
                vec![self.surname.clone(), self.given.clone(), patronymic(kazakh)]
            }
            Layout::GivenPatronymicSurname { kazakh } => {
                vec![self.given.clone(), patronymic(kazakh), self.surname.clone()]
            }
            Layout::SurnameInitial => vec![self.surname.clone(), initial(&self.given)],
            Layout::SurnameInitials => vec![
                self.surname.clone(),
                initial(&self.given),
                initial(&patronymic(false)),
            ],
        };
        parts
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Stems and middles of Kazakh surnames built the usual way (stem + middle + -ов/-ев), to give
/// the large synthetic registers a realistic number of distinct surnames.
const SURNAME_STEMS: &[&str] = &[
    "Жақсы",
    "Нұр",
    "Ақ",
    "Қара",
    "Есен",
    "Төле",
    "Сейіт",
    "Жұма",
    "Ораз",
    "Бай",
    "Қожа",
    "Ысқақ",
    "Тұрар",
    "Әбіл",
    "Сағын",
    "Мұса",
    "Ерме",
    "Омар",
    "Шоқан",
    "Дәулет",
    "Серік",
    "Қайыр",
    "Әміре",
    "Бекет",
];
const SURNAME_MIDDLES: &[&str] = &[
    "", "бай", "бек", "жан", "ғали", "тай", "бол", "хан", "құл", "ғазы",
];

/// A surname from a stem, a middle and the Russian-style ending.
fn composed_surname(stem: &str, middle: &str) -> String {
    let base = format!("{stem}{middle}");
    if let Some(without) = base.strip_suffix('й') {
        format!("{without}ев")
    } else if base.ends_with(|c: char| CYRILLIC_VOWELS.contains(c)) {
        format!("{base}ев")
    } else {
        format!("{base}ов")
    }
}

impl SyntheticName {
    /// A person drawn from a larger name space than [`SyntheticName::random`]: besides the
    /// surname table, surnames composed from Kazakh stems and surnames made from given names
    /// (Ерланов), about 370 in all.
    pub fn random_diverse(rng: &mut Rng) -> SyntheticName {
        let mut name = SyntheticName::random(rng);
        let masculine = match rng.below(3) {
            0 => return name,
            1 => {
                let stem = *rng.pick(SURNAME_STEMS);
                let middle = *rng.pick(SURNAME_MIDDLES);
                composed_surname(stem, middle)
            }
            _ => {
                let given = *rng.pick(MALE_GIVEN);
                composed_surname(given, "")
            }
        };
        name.surname = if name.female {
            feminine_surname(&masculine)
        } else {
            masculine
        };
        name
    }
}

/// The order and parts in which a name is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    GivenSurname,
    SurnameGiven,
    SurnameGivenPatronymic {
        kazakh: bool,
    },
    GivenPatronymicSurname {
        kazakh: bool,
    },
    /// `Ахметов Е.` as court lists write.
    SurnameInitial,
    /// `Ахметов Е. С.`
    SurnameInitials,
}

/// One labelled pair of the test set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamePair {
    pub left: String,
    pub right: String,
    pub same: bool,
    pub kind: &'static str,
}

fn random_spelling(rng: &mut Rng) -> Spelling {
    *rng.pick(&SPELLINGS)
}

fn short_layout(rng: &mut Rng) -> Layout {
    if rng.chance(0.5) {
        Layout::GivenSurname
    } else {
        Layout::SurnameGiven
    }
}

fn full_layout(rng: &mut Rng) -> Layout {
    let kazakh = rng.chance(0.4);
    if rng.chance(0.5) {
        Layout::SurnameGivenPatronymic { kazakh }
    } else {
        Layout::GivenPatronymicSurname { kazakh }
    }
}

/// A different name from `names` than `other`.
fn other_than<'a>(rng: &mut Rng, names: &'a [&'a str], other: &str) -> &'a str {
    loop {
        let name = *rng.pick(names);
        if name != other {
            return name;
        }
    }
}

/// Drops one letter inside a long word, or swaps two neighbours: a typing slip.
fn typing_slip(word: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    let at = 2 + rng.below(chars.len().saturating_sub(4).max(1));
    if rng.chance(0.5) {
        chars.remove(at);
    } else {
        chars.swap(at, at + 1);
    }
    chars.into_iter().collect()
}

/// The name-pair test set: same person in two spellings, layouts and scripts, and different
/// people who share a surname, a given name, a patronymic or nearly a name.
pub fn name_pairs(seed: u64) -> Vec<NamePair> {
    let mut rng = Rng::new(seed);
    let mut pairs = Vec::new();
    let push =
        |pairs: &mut Vec<NamePair>, left: String, right: String, same: bool, kind: &'static str| {
            pairs.push(NamePair {
                left,
                right,
                same,
                kind,
            });
        };
    let spell = |rng: &mut Rng, name: &SyntheticName, layout: Layout| {
        let spelling = random_spelling(rng);
        write(&name.cyrillic(layout), spelling, rng)
    };

    // Same person, different script or romanisation, same layout.
    for _ in 0..50 {
        let name = SyntheticName::random(&mut rng);
        let layout = short_layout(&mut rng);
        let cyrillic = name.cyrillic(layout);
        let latin = *rng.pick(&SPELLINGS[2..]);
        let left = write(&cyrillic, *rng.pick(&SPELLINGS[..2]), &mut rng);
        let right = write(&cyrillic, latin, &mut rng);
        push(&mut pairs, left, right, true, "same:script");
    }
    for _ in 0..20 {
        let mut name = SyntheticName::random(&mut rng);
        while !format!("{}{}", name.given, name.surname)
            .chars()
            .any(|c| RUSSIAN_LOOK_ALIKES.iter().any(|(k, _)| *k == c))
        {
            name = SyntheticName::random(&mut rng);
        }
        let cyrillic = name.cyrillic(short_layout(&mut rng));
        let left = write(&cyrillic, Spelling::KazakhCyrillic, &mut rng);
        let right = write(&cyrillic, Spelling::RussianCyrillic, &mut rng);
        push(&mut pairs, left, right, true, "same:kazakh-letters");
    }
    for _ in 0..40 {
        let name = SyntheticName::random(&mut rng);
        let cyrillic = name.cyrillic(short_layout(&mut rng));
        let left = write(&cyrillic, *rng.pick(&SPELLINGS[2..]), &mut rng);
        let right = write(&cyrillic, *rng.pick(&SPELLINGS[2..]), &mut rng);
        push(&mut pairs, left, right, true, "same:latin-latin");
    }
    for _ in 0..25 {
        let name = SyntheticName::random(&mut rng);
        let left = spell(&mut rng, &name, Layout::GivenSurname);
        let right = spell(&mut rng, &name, Layout::SurnameGiven);
        push(&mut pairs, left, right, true, "same:word-order");
    }
    for _ in 0..15 {
        let name = SyntheticName::random(&mut rng);
        let layout = full_layout(&mut rng);
        let left = spell(&mut rng, &name, layout);
        let right = {
            let layout = short_layout(&mut rng);
            spell(&mut rng, &name, layout)
        };
        push(&mut pairs, left, right, true, "same:patronymic-one-side");
    }
    for _ in 0..8 {
        let name = SyntheticName::random(&mut rng);
        let left = spell(
            &mut rng,
            &name,
            Layout::SurnameGivenPatronymic { kazakh: false },
        );
        let right = spell(
            &mut rng,
            &name,
            Layout::GivenPatronymicSurname { kazakh: true },
        );
        push(
            &mut pairs,
            left,
            right,
            true,
            "same:patronymic-russian-kazakh",
        );
    }
    for _ in 0..15 {
        let name = SyntheticName::random(&mut rng);
        let layout = if rng.chance(0.5) {
            Layout::SurnameInitial
        } else {
            Layout::SurnameInitials
        };
        let full = if layout == Layout::SurnameInitials {
            full_layout(&mut rng)
        } else {
            short_layout(&mut rng)
        };
        let left = spell(&mut rng, &name, layout);
        let right = spell(&mut rng, &name, full);
        push(&mut pairs, left, right, true, "same:initials");
    }
    for _ in 0..7 {
        let mut name = SyntheticName::random(&mut rng);
        while name.surname.chars().count() < 8 {
            name = SyntheticName::random(&mut rng);
        }
        let left = {
            let layout = short_layout(&mut rng);
            spell(&mut rng, &name, layout)
        };
        let slipped = SyntheticName {
            surname: typing_slip(&name.surname, &mut rng),
            ..name.clone()
        };
        let right = {
            let layout = short_layout(&mut rng);
            spell(&mut rng, &slipped, layout)
        };
        push(&mut pairs, left, right, true, "same:typing-slip");
    }

    // Different people.
    for _ in 0..45 {
        let name = SyntheticName::random(&mut rng);
        let mut relative = SyntheticName::random(&mut rng);
        let masculine = SURNAMES
            .iter()
            .find(|s| **s == name.surname || feminine_surname(s) == name.surname)
            .expect("surname");
        relative.surname = if relative.female {
            feminine_surname(masculine)
        } else {
            (*masculine).to_owned()
        };
        if relative.given == name.given {
            continue;
        }
        let left = {
            let layout = short_layout(&mut rng);
            spell(&mut rng, &name, layout)
        };
        let right = {
            let layout = short_layout(&mut rng);
            spell(&mut rng, &relative, layout)
        };
        push(
            &mut pairs,
            left,
            right,
            false,
            "different:relatives-sharing-surname",
        );
    }
    for _ in 0..35 {
        let name = SyntheticName::random(&mut rng);
        let mut namesake = name.clone();
        let masculine = SURNAMES
            .iter()
            .find(|s| **s == name.surname || feminine_surname(s) == name.surname)
            .expect("surname");
        let other = other_than(&mut rng, SURNAMES, masculine);
        namesake.surname = if name.female {
            feminine_surname(other)
        } else {
            other.to_owned()
        };
        let left = {
            let layout = short_layout(&mut rng);
            spell(&mut rng, &name, layout)
        };
        let right = {
            let layout = short_layout(&mut rng);
            spell(&mut rng, &namesake, layout)
        };
        push(&mut pairs, left, right, false, "different:same-given-name");
    }
    for _ in 0..25 {
        let name = SyntheticName::random(&mut rng);
        let mut sibling = name.clone();
        sibling.female = rng.chance(0.4);
        let given_names = if sibling.female {
            FEMALE_GIVEN
        } else {
            MALE_GIVEN
        };
        sibling.given = other_than(&mut rng, given_names, &name.given).to_owned();
        let masculine = SURNAMES
            .iter()
            .find(|s| **s == name.surname || feminine_surname(s) == name.surname)
            .expect("surname");
        sibling.surname = if sibling.female {
            feminine_surname(masculine)
        } else {
            (*masculine).to_owned()
        };
        let layout = full_layout(&mut rng);
        let left = spell(&mut rng, &name, layout);
        let right = {
            let layout = full_layout(&mut rng);
            spell(&mut rng, &sibling, layout)
        };
        push(
            &mut pairs,
            left,
            right,
            false,
            "different:siblings-with-patronymic",
        );
    }
    for index in 0..15 {
        let (male, female) = GENDER_PAIRS[index % GENDER_PAIRS.len()];
        let surname = *rng.pick(SURNAMES);
        let him = SyntheticName {
            given: male.to_owned(),
            surname: surname.to_owned(),
            father: None,
            female: false,
        };
        let her = SyntheticName {
            given: female.to_owned(),
            surname: feminine_surname(surname),
            father: None,
            female: true,
        };
        let left = {
            let layout = short_layout(&mut rng);
            spell(&mut rng, &him, layout)
        };
        let right = {
            let layout = short_layout(&mut rng);
            spell(&mut rng, &her, layout)
        };
        push(
            &mut pairs,
            left,
            right,
            false,
            "different:masculine-feminine",
        );
    }
    for index in 0..25 {
        let (first, second) = CONFUSABLE_GIVEN[index % CONFUSABLE_GIVEN.len()];
        let mut name = SyntheticName::random(&mut rng);
        let female = FEMALE_GIVEN.contains(&first);
        let masculine = SURNAMES
            .iter()
            .find(|s| **s == name.surname || feminine_surname(s) == name.surname)
            .expect("surname");
        name.surname = if female {
            feminine_surname(masculine)
        } else {
            (*masculine).to_owned()
        };
        name.female = female;
        name.given = first.to_owned();
        let other = SyntheticName {
            given: second.to_owned(),
            ..name.clone()
        };
        let left = {
            let layout = short_layout(&mut rng);
            spell(&mut rng, &name, layout)
        };
        let right = {
            let layout = short_layout(&mut rng);
            spell(&mut rng, &other, layout)
        };
        push(&mut pairs, left, right, false, "different:near-given-name");
    }
    for index in 0..15 {
        let (first, second) = CONFUSABLE_SURNAMES[index % CONFUSABLE_SURNAMES.len()];
        let name = SyntheticName::random(&mut rng);
        let gendered = |surname: &str| {
            if name.female {
                feminine_surname(surname)
            } else {
                surname.to_owned()
            }
        };
        let one = SyntheticName {
            surname: gendered(first),
            ..name.clone()
        };
        let other = SyntheticName {
            surname: gendered(second),
            ..name.clone()
        };
        let left = {
            let layout = short_layout(&mut rng);
            spell(&mut rng, &one, layout)
        };
        let right = {
            let layout = short_layout(&mut rng);
            spell(&mut rng, &other, layout)
        };
        push(&mut pairs, left, right, false, "different:near-surname");
    }
    for _ in 0..10 {
        let name = SyntheticName::random(&mut rng);
        let father = name.father.clone().expect("father");
        let other_father = loop {
            let candidate = other_than(&mut rng, MALE_GIVEN, &father);
            if patronymic(candidate, false, false).is_some() {
                break candidate;
            }
        };
        let namesake = SyntheticName {
            father: Some(other_father.to_owned()),
            ..name.clone()
        };
        let left = {
            let layout = full_layout(&mut rng);
            spell(&mut rng, &name, layout)
        };
        let right = {
            let layout = full_layout(&mut rng);
            spell(&mut rng, &namesake, layout)
        };
        push(
            &mut pairs,
            left,
            right,
            false,
            "different:namesakes-other-father",
        );
    }
    pairs
}

/// The seed of the committed test set.
pub const NAME_PAIRS_SEED: u64 = 20_190_609;

/// The test set as committed in crates/names/tests/data/name-pairs.csv.
pub fn name_pairs_csv() -> String {
    let mut csv = String::from(
        "# Name pairs for testing kuzet-names: CONSTRUCTED, no real persons.\n\
         # Common Kazakh and Russian given names and surnames combined at random by\n\
         # kuzet_names::synthetic::name_pairs (seed 20190609) and written in the spellings the\n\
         # register receives. Regenerate: cargo run -p kuzet-names --example name_pairs\n\
         left,right,same,kind\n",
    );
    for pair in name_pairs(NAME_PAIRS_SEED) {
        csv.push_str(&format!(
            "{},{},{},{}\n",
            pair.left, pair.right, pair.same, pair.kind
        ));
    }
    csv
}

/// Synthetic register records for the duplicate-finder benchmark: `count` records, about
/// `duplicate_share` of them another record of an earlier person in a different spelling.
pub fn persons(count: usize, duplicate_share: f64, seed: u64) -> Vec<PersonForMatching> {
    persons_with_originals(count, duplicate_share, seed)
        .into_iter()
        .map(|(record, _)| record)
        .collect()
}

/// As [`persons`], with the id of the first record of the same person beside each record (its
/// own id for an original): the truth against which duplicate finding is measured.
pub fn persons_with_originals(
    count: usize,
    duplicate_share: f64,
    seed: u64,
) -> Vec<(PersonForMatching, i64)> {
    const CITIES: &[&str] = &[
        "Алматы",
        "Нур-Султан",
        "Шымкент",
        "Актобе",
        "Караганда",
        "Атырау",
        "Павлодар",
        "Актау",
    ];
    let mut rng = Rng::new(seed);
    let mut people: Vec<(SyntheticName, PersonForMatching, i64)> = Vec::with_capacity(count);
    for index in 0..count {
        let id = index as i64 + 1;
        if index > 0 && rng.chance(duplicate_share) {
            let (name, original, root) = people[rng.below(people.len())].clone();
            let layout = if rng.chance(0.2) {
                full_layout(&mut rng)
            } else {
                short_layout(&mut rng)
            };
            let text = write(&name.cyrillic(layout), random_spelling(&mut rng), &mut rng);
            let birth = original.birth.map(|birth| {
                if rng.chance(0.5) {
                    Birth::Year(birth.year())
                } else {
                    birth
                }
            });
            let record = PersonForMatching {
                id,
                names: vec![text],
                birth,
                ..original
            };
            people.push((name, record, root));
            continue;
        }
        let name = SyntheticName::random_diverse(&mut rng);
        let layout = if rng.chance(0.2) {
            full_layout(&mut rng)
        } else {
            short_layout(&mut rng)
        };
        let text = write(&name.cyrillic(layout), random_spelling(&mut rng), &mut rng);
        let year = 1950 + rng.below(55) as i32;
        let birth = match rng.below(10) {
            0..=4 => Some(Birth::Date {
                year,
                month: 1 + rng.below(12) as u8,
                day: 1 + rng.below(28) as u8,
            }),
            5..=7 => Some(Birth::Year(year)),
            _ => None,
        };
        let city = *rng.pick(CITIES);
        let record = PersonForMatching {
            id,
            names: vec![text],
            birth,
            city: Some(city.to_owned()),
            events: vec![1 + rng.below(40) as i64],
            police_stations: vec![format!("{city} ОП-{}", 1 + rng.below(12))],
        };
        people.push((name, record, id));
    }
    people
        .into_iter()
        .map(|(_, record, root)| (record, root))
        .collect()
}

/// `count` synthetic names in random spellings and layouts, for the search benchmark.
pub fn names(count: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|_| {
            let name = SyntheticName::random_diverse(&mut rng);
            let layout = if rng.chance(0.2) {
                full_layout(&mut rng)
            } else {
                short_layout(&mut rng)
            };
            write(&name.cyrillic(layout), random_spelling(&mut rng), &mut rng)
        })
        .collect()
}

/// How well candidates found among [`persons_with_originals`] records match the truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchQuality {
    /// Pairs of records of one person.
    pub true_pairs: usize,
    /// Reported pairs that are records of one person.
    pub found_true: usize,
    /// Reported pairs in all.
    pub reported: usize,
}

impl MatchQuality {
    pub fn recall(&self) -> f64 {
        self.found_true as f64 / self.true_pairs.max(1) as f64
    }

    pub fn precision(&self) -> f64 {
        self.found_true as f64 / self.reported.max(1) as f64
    }
}

/// Compares reported candidates with the generator's truth.
pub fn match_quality(
    records: &[(PersonForMatching, i64)],
    candidates: &[crate::Candidate],
) -> MatchQuality {
    let root: std::collections::HashMap<i64, i64> = records
        .iter()
        .map(|(person, root)| (person.id, *root))
        .collect();
    let mut group_sizes: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    for (_, root) in records {
        *group_sizes.entry(*root).or_default() += 1;
    }
    let true_pairs = group_sizes
        .values()
        .map(|&size| size * (size - 1) / 2)
        .sum();
    let found_true = candidates
        .iter()
        .filter(|candidate| root.get(&candidate.a) == root.get(&candidate.b))
        .count();
    MatchQuality {
        true_pairs,
        found_true,
        reported: candidates.len(),
    }
}
