//! The folding rules, as tables a linguist can read and extend without reading the code.
//!
//! Folding runs in three steps, each driven by one table here:
//!
//! 1. [`LETTERS`]: every letter is lower-cased and written in plain Latin. Cyrillic (Russian,
//!    Kazakh, Ukrainian) and Latin letters with diacritics (ISO 9, the Kazakh Latin alphabets of
//!    2017–2021, Turkish-style letters) become the plain Latin spelling that the English-speaking
//!    world would most often use. Kazakh letters and their Russian look-alikes land on the same
//!    spelling (`қ` and `к` are both `k`).
//! 2. [`AMBIGUOUS_LETTERS`]: a few Latin letters are read two ways (`j` is `ж` in Kazakh
//!    practice and `й` in ISO 9 and German spellings). Such a word gets up to four variant
//!    spellings, and two words match when any variants match.
//! 3. [`REWRITES`]: the plain Latin spelling becomes the canonical key, longest match first:
//!    `shch`, `sch` and `sh` all become one letter, `kh` becomes `h`, `ye` and `yo` become `e`,
//!    and so on. The key uses single letters for sounds that Latin writes with two, so that
//!    similarity measures count one difference for one sound:
//!
//!    | key letter | sound | written as |
//!    |---|---|---|
//!    | `j` | ж, дж | zh, j, dzh, dj, ž |
//!    | `x` | ш, щ | sh, shch, sch, š, ŝ, ş |
//!    | `q` | ч | ch, tch, č, ç |
//!    | `c` | ц | ts, tz, c |
//!    | `h` | х, һ | kh, h |
//!
//! After the rewrites, doubled letters are written once ([`collapse_doubles`]) and the vowel
//! pairs in [`VOWEL_PAIRS`] are simplified. Patronymics are recognised by the endings in
//! [`PATRONYMIC_ENDINGS`]; Kazakh `ұлы`/`қызы` written as a separate word joins the word
//! before it ([`PATRONYMIC_WORDS`]).
//!
//! [`collapse_doubles`]: crate::fold

/// Step 1: one letter (already lower-cased) and its plain Latin spelling. Letters not listed
/// here that are ASCII letters stay as they are; anything else separates words.
pub const LETTERS: &[(char, &str)] = &[
    // Russian Cyrillic, in a broad English-style transliteration. The rewrites below merge the
    // other common spellings (passport ICAO, BGN/PCGN, ISO 9, ad-hoc) into the same key.
    ('а', "a"),
    ('б', "b"),
    ('в', "v"),
    ('г', "g"),
    ('д', "d"),
    ('е', "e"),
    ('ё', "yo"),
    ('ж', "zh"),
    ('з', "z"),
    ('и', "i"),
    ('й', "y"),
    ('к', "k"),
    ('л', "l"),
    ('м', "m"),
    ('н', "n"),
    ('о', "o"),
    ('п', "p"),
    ('р', "r"),
    ('с', "s"),
    ('т', "t"),
    ('у', "u"),
    ('ф', "f"),
    ('х', "kh"),
    ('ц', "ts"),
    ('ч', "ch"),
    ('ш', "sh"),
    ('щ', "shch"),
    // The hard and soft signs are not written in passports and mostly dropped by hand.
    ('ъ', ""),
    ('ы', "y"),
    ('ь', ""),
    ('э', "e"),
    ('ю', "yu"),
    ('я', "ya"),
    // Kazakh letters fold onto the Russian look-alikes that volunteers type when a keyboard
    // has no Kazakh layout (ә→а, ғ→г, қ→к, ң→н, ө→о, ұ→у, ү→у, һ→х, і→и).
    ('ә', "a"),
    ('ғ', "g"),
    ('қ', "k"),
    ('ң', "n"),
    ('ө', "o"),
    ('ұ', "u"),
    ('ү', "u"),
    ('һ', "h"),
    ('і', "i"),
    // Ukrainian and Belarusian letters that appear in names from the region.
    ('є', "ye"),
    ('ї', "yi"),
    ('ґ', "g"),
    ('ў', "u"),
    // ISO 9 letters that stand for two Latin letters in other systems.
    ('â', "ya"),
    ('û', "yu"),
    ('ŝ', "shch"),
    ('ž', "zh"),
    ('č', "ch"),
    ('š', "sh"),
    // The Kazakh Latin alphabet of 2021 (ä ğ ñ ö ş ç ü ū ı İ), of 2018 (á ǵ ń ó ú ý) and
    // Turkish-style spellings.
    ('ä', "a"),
    ('á', "a"),
    ('à', "a"),
    ('ã', "a"),
    ('å', "a"),
    ('ā', "a"),
    ('ğ', "g"),
    ('ǵ', "g"),
    ('ġ', "g"),
    ('ñ', "n"),
    ('ń', "n"),
    ('ṇ', "n"),
    ('ö', "o"),
    ('ó', "o"),
    ('ò', "o"),
    ('ô', "o"),
    ('ø', "o"),
    ('ş', "sh"),
    ('ç', "ch"),
    ('ü', "u"),
    ('ú', "u"),
    ('ù', "u"),
    ('ū', "u"),
    ('ī', "i"),
    ('ụ', "u"),
    // In the Kazakh 2018 alphabet ý is у; that use outweighs Czech ý in this register.
    ('ý', "u"),
    ('ı', "i"),
    ('ì', "i"),
    ('í', "i"),
    ('î', "i"),
    ('ï', "i"),
    ('ë', "yo"),
    ('è', "e"),
    ('é', "e"),
    ('ê', "e"),
    ('ė', "e"),
    ('ē', "e"),
    ('ķ', "k"),
    ('ḳ', "k"),
    ('ḥ', "h"),
    ('ł', "l"),
    ('ß', "ss"),
    ('æ', "ae"),
    ('œ', "oe"),
];

/// Marks written inside a word that carry no letter: apostrophes of the 2017 Kazakh alphabet
/// (`Qasym'`), ISO 9 hard and soft signs (`ʺ`, `ʹ`), BGN/PCGN's `'` for ь. They are dropped,
/// not treated as word breaks.
pub const SILENT_MARKS: &[char] = &['\'', '’', '‘', 'ʹ', 'ʺ', '`', '´', 'ʼ', '"', '\u{301}'];

/// Step 2: Latin letters with two readings. `before_vowel` lists the spellings tried when the
/// letter stands before a vowel, `otherwise` those tried elsewhere (first is the primary).
pub struct AmbiguousLetter {
    pub letter: char,
    pub before_vowel: &'static [&'static str],
    pub otherwise: &'static [&'static str],
    pub why: &'static str,
}

pub const AMBIGUOUS_LETTERS: &[AmbiguousLetter] = &[
    AmbiguousLetter {
        letter: 'j',
        before_vowel: &["zh", "y"],
        otherwise: &["y"],
        why: "Kazakh practice and the 2021 alphabet write ж as j (Janar, Jumabaev); ISO 9 and German \
              spellings write й, я, ю as j, ja, ju (Sergej, Jana, Julija).",
    },
    AmbiguousLetter {
        letter: 'c',
        before_vowel: &["k", "ts"],
        otherwise: &["k", "ts"],
        why: "English spellings write к as c (Victor, Nicolai); ISO 9 writes ц as c (Cvetkov).",
    },
];

/// Before these letters `c` is read as ц only (ISO 9 `Cezar`, ad-hoc `Cinara`), and `ch`/`ck`
/// are digraphs handled by [`REWRITES`].
pub const C_SOFTENING_LETTERS: &[char] = &['e', 'i', 'y'];

/// Where a rewrite applies within a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    Anywhere,
    /// Only when the match ends the word.
    WordEnd,
}

/// Step 3: plain Latin spelling → canonical key, longest match first (the table is searched in
/// order, so longer patterns come before their prefixes). Letters that match no rule are copied.
pub const REWRITES: &[(&str, &str, Position)] = &[
    // Щ: BGN/PCGN shch, German-style sch, and the common shortening to sh.
    ("shch", "x", Position::Anywhere),
    ("sch", "x", Position::Anywhere),
    ("sh", "x", Position::Anywhere),
    // Ч: ch, French/English tch.
    ("tch", "q", Position::Anywhere),
    ("ch", "q", Position::Anywhere),
    // Ж and дж: zh, dzh, dj (the j itself is spelled zh by step 2).
    ("dzh", "j", Position::Anywhere),
    ("zh", "j", Position::Anywhere),
    // Х and һ: kh or h.
    ("kh", "h", Position::Anywhere),
    // Ц: ts, tz (the c itself is spelled ts by step 2).
    ("ts", "c", Position::Anywhere),
    ("tz", "c", Position::Anywhere),
    // Ғ is sometimes written gh; ф sometimes ph.
    ("gh", "g", Position::Anywhere),
    ("ph", "f", Position::Anywhere),
    ("ck", "k", Position::Anywhere),
    // ң is ng in BGN/PCGN Kazakh and in some English spellings (Zhangabayev = Жаңабаев).
    // н + ғ written n + gh (Imanghaliev) folds like Cyrillic Иманғалиев, where ng became n.
    // ң + ғ: Шыңғыс is Shyngys, Shynggys or Shyngghys; all lose the g, as Cyrillic does above.
    ("nggh", "n", Position::Anywhere),
    ("ngg", "n", Position::Anywhere),
    ("ngh", "n", Position::Anywhere),
    ("ng", "n", Position::Anywhere),
    // Қ in the Kazakh Latin alphabets.
    ("q", "k", Position::Anywhere),
    // German and Polish spellings (Wladimir, Iwanow).
    ("w", "v", Position::Anywhere),
    // Alexander, Maxim, Xenia.
    ("x", "ks", Position::Anywhere),
    // Surname endings spelled the French or German way: Ivanoff, Sergeeff.
    ("off", "ov", Position::WordEnd),
    ("eff", "ev", Position::WordEnd),
    // Александр is Alexander in English and Aleksandr in passports.
    ("ander", "andr", Position::WordEnd),
    // ы, й and the glide in я, ю, е, ё all become i; see VOWEL_PAIRS for what follows.
    ("y", "i", Position::Anywhere),
];

/// Applied after doubled letters are collapsed: `ie` (from ye, ie, ье) and `io` (from yo, ё,
/// io) become `e`, so Yerlan = Erlan, Fyodor = Fedor = Fiodor, Vasilyev = Vasiliev = Vasilev.
/// `ia` and `iu` stay, so Maria ≠ Mara.
pub const VOWEL_PAIRS: &[(&str, &str)] = &[("ie", "e"), ("io", "e")];

/// Endings of a folded word that make it a patronymic, with the part that is removed to find
/// the father's name. Russian -ович/-евич/-овна/-евна/-ич/-ична, Kazakh -ұлы/-қызы (written
/// -uly, -uli, -kyzy, -qyzy), Azerbaijani and Turkic -оглы/-кызы. Keys are already folded:
/// `q` is ч, so -ovich is `oviq`.
pub const PATRONYMIC_ENDINGS: &[&str] = &[
    "oviq", "eviq", "ovna", "evna", "iqna", "uli", "kizi", "ogli", "iq",
];

/// Patronymic markers written as a separate word after the father's name (`Серік ұлы`).
pub const PATRONYMIC_WORDS: &[&str] = &["uli", "kizi", "ogli"];

/// Letters that are vowels in the canonical key.
pub const VOWELS: &[char] = &['a', 'e', 'i', 'o', 'u'];

/// Places known under more than one name: each row lists names of one place (a city renamed,
/// or its Russian and Kazakh names where they are not spellings of one word). A place typed
/// under any of these names finds records written with any other; spellings of one name
/// (Алматы, Almaty) need no row, since folding already makes them equal. Add a row for
/// another renamed place; the first name is the current one.
pub const PLACE_NAMES: &[&[&str]] = &[
    &["Astana", "Nur-Sultan", "Akmola", "Akmolinsk", "Tselinograd"],
    &["Almaty", "Alma-Ata", "Verny"],
    &["Oral", "Uralsk"],
    &["Oskemen", "Ust-Kamenogorsk"],
    &["Semey", "Semipalatinsk"],
    &["Kostanay", "Kustanai"],
    &["Aktobe", "Aktyubinsk"],
    &["Atyrau", "Guryev"],
    &["Kyzylorda", "Kzyl-Orda"],
    &["Taraz", "Zhambyl", "Dzhambul", "Aulie-Ata"],
    &["Konaev", "Kapchagay"],
    &["Petropavl", "Petropavlovsk"],
    &["Pavlodar"],
    &["Shymkent", "Chimkent"],
    &["Turkistan", "Turkestan"],
    &["Taldykorgan", "Taldy-Kurgan"],
    &["Zhezkazgan", "Dzhezkazgan"],
    &["Aktau", "Shevchenko"],
    &["Kokshetau", "Kokchetav"],
    &[
        "Saint Petersburg",
        "Sankt-Peterburg",
        "Leningrad",
        "Petrograd",
    ],
    &["Yekaterinburg", "Sverdlovsk"],
    &["Nizhny Novgorod", "Gorky"],
    &["Samara", "Kuibyshev"],
    &["Volgograd", "Stalingrad", "Tsaritsyn"],
];
