//! Volunteers' spreadsheets of detained people, mapped to the register's domain values.
//!
//! A sheet read by [`crate::sheet::read_sheet`] goes through two steps. First its headers are
//! mapped to [`ImportField`]s by their English, Russian or Kazakh names ("ФИО", "Дата рождения",
//! "ОВД", "Решение суда"...), or by overrides the user gives. Then every data row is parsed into
//! `kuzet_register` values (a [`Person`], a [`Detention`], perhaps a [`Decision`], a [`Custody`]
//! and the [`Source`] of the facts). A row with any bad value is rejected as a whole, with one
//! [`RowError`] per bad cell naming the file, line, column and field; good rows are returned for
//! the store to write.
//!
//! This module never writes anything and never knows SQL: whether rejected rows stop the whole
//! import (the default) or are set aside in a report is the caller's decision.

use std::collections::HashMap;
use std::fmt;

use kuzet_register::{
    Article, BirthDate, City, Consent, Custody, Decision, Detention, Outcome, Person, PersonName, PersonRole,
    Source, SourceKind, TreatmentSet,
};
use time::{Date, Duration, PrimitiveDateTime, Time};

use crate::sheet::{Sheet, SheetError, SheetFormat, SheetRow, parse_date, parse_date_time, read_sheet};

/// A register field a spreadsheet column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportField {
    Name,
    BirthDate,
    City,
    Roles,
    Contact,
    Address,
    Consent,
    Notes,
    EventDate,
    EventCity,
    DetainedAt,
    ReleasedAt,
    HoursHeld,
    DetainedBy,
    PoliceStation,
    Treatment,
    Injuries,
    Court,
    DecisionDate,
    HearingMinutes,
    LawyerPresent,
    Article,
    Outcome,
    ArrestDays,
    FineAmount,
    CustodyPlace,
    CustodyRegion,
    CustodyFrom,
    CustodyUntil,
    Source,
    SourceKind,
    SourceAnonymous,
}

impl ImportField {
    pub const ALL: [ImportField; 32] = [
        ImportField::Name,
        ImportField::BirthDate,
        ImportField::City,
        ImportField::Roles,
        ImportField::Contact,
        ImportField::Address,
        ImportField::Consent,
        ImportField::Notes,
        ImportField::EventDate,
        ImportField::EventCity,
        ImportField::DetainedAt,
        ImportField::ReleasedAt,
        ImportField::HoursHeld,
        ImportField::DetainedBy,
        ImportField::PoliceStation,
        ImportField::Treatment,
        ImportField::Injuries,
        ImportField::Court,
        ImportField::DecisionDate,
        ImportField::HearingMinutes,
        ImportField::LawyerPresent,
        ImportField::Article,
        ImportField::Outcome,
        ImportField::ArrestDays,
        ImportField::FineAmount,
        ImportField::CustodyPlace,
        ImportField::CustodyRegion,
        ImportField::CustodyFrom,
        ImportField::CustodyUntil,
        ImportField::Source,
        ImportField::SourceKind,
        ImportField::SourceAnonymous,
    ];

    /// The field's machine name, used in errors, reports and `--column HEADER=FIELD` overrides.
    pub fn key(self) -> &'static str {
        match self {
            ImportField::Name => "name",
            ImportField::BirthDate => "birth_date",
            ImportField::City => "city",
            ImportField::Roles => "roles",
            ImportField::Contact => "contact",
            ImportField::Address => "address",
            ImportField::Consent => "consent",
            ImportField::Notes => "notes",
            ImportField::EventDate => "event_date",
            ImportField::EventCity => "event_city",
            ImportField::DetainedAt => "detained_at",
            ImportField::ReleasedAt => "released_at",
            ImportField::HoursHeld => "hours_held",
            ImportField::DetainedBy => "detained_by",
            ImportField::PoliceStation => "police_station",
            ImportField::Treatment => "treatment",
            ImportField::Injuries => "injuries",
            ImportField::Court => "court",
            ImportField::DecisionDate => "decision_date",
            ImportField::HearingMinutes => "hearing_minutes",
            ImportField::LawyerPresent => "lawyer_present",
            ImportField::Article => "article",
            ImportField::Outcome => "decision",
            ImportField::ArrestDays => "arrest_days",
            ImportField::FineAmount => "fine",
            ImportField::CustodyPlace => "custody_place",
            ImportField::CustodyRegion => "custody_region",
            ImportField::CustodyFrom => "custody_from",
            ImportField::CustodyUntil => "custody_until",
            ImportField::Source => "source",
            ImportField::SourceKind => "source_kind",
            ImportField::SourceAnonymous => "source_anonymous",
        }
    }

    /// Header names volunteers use for this field, besides its key: English, Russian, Kazakh.
    /// Compared after [`normalize_header`], so case, `ё`, underscores and a hint in brackets
    /// ("Дата рождения (дд.мм.гггг)") do not matter.
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            ImportField::Name => &["name", "full name", "person", "фио", "ф.и.о", "имя", "полное имя", "аты-жөні", "аты жөні"],
            ImportField::BirthDate => &[
                "birth",
                "born",
                "date of birth",
                "birth year",
                "year of birth",
                "дата рождения",
                "год рождения",
                "д.р",
                "др",
                "туған күні",
                "туған жылы",
            ],
            ImportField::City => &["city", "home city", "город", "город проживания", "место жительства", "қала"],
            ImportField::Roles => &["role", "roles", "роль", "роли", "категория"],
            ImportField::Contact => &["contact", "contacts", "phone", "телефон", "контакт", "контакты"],
            ImportField::Address => &["address", "home address", "адрес", "адрес проживания", "мекенжай"],
            ImportField::Consent => &["consent", "consent to publication", "согласие", "согласие на публикацию", "келісім"],
            ImportField::Notes => &["note", "notes", "comment", "comments", "примечание", "примечания", "комментарий", "ескерту"],
            ImportField::EventDate => &["event date", "date of event", "rally date", "дата акции", "дата митинга", "дата события"],
            ImportField::EventCity => &["event city", "city of event", "город акции", "город митинга", "город задержания"],
            ImportField::DetainedAt => &[
                "detained",
                "detention",
                "detained on",
                "detention time",
                "detention date",
                "time of detention",
                "date of detention",
                "задержан",
                "дата задержания",
                "время задержания",
                "дата и время задержания",
                "ұсталған уақыты",
            ],
            ImportField::ReleasedAt => &[
                "released",
                "release",
                "release time",
                "time of release",
                "освобожден",
                "дата освобождения",
                "время освобождения",
                "вышел",
            ],
            ImportField::HoursHeld => &["hours", "hours held", "hours at police station", "часов", "часов в овд", "часов в ровд", "часы", "сколько часов"],
            ImportField::DetainedBy => &["detained by", "кем задержан", "задержали"],
            ImportField::PoliceStation => &[
                "police station",
                "station",
                "овд",
                "ровд",
                "рувд",
                "увд",
                "отдел полиции",
                "отделение полиции",
                "куда доставлен",
                "полиция бөлімі",
            ],
            ImportField::Treatment => &["treatment", "violations", "нарушения", "обращение"],
            ImportField::Injuries => &["injuries", "injury", "травмы", "телесные повреждения"],
            ImportField::Court => &["court", "authority", "суд", "орган", "сот"],
            ImportField::DecisionDate => &["decision date", "date of decision", "court date", "дата решения", "дата суда"],
            ImportField::HearingMinutes => &["hearing minutes", "hearing length", "минут заседания", "длительность заседания"],
            ImportField::LawyerPresent => &["lawyer", "lawyer present", "адвокат", "защитник"],
            ImportField::Article => &["article", "статья", "статья коап", "бап"],
            ImportField::Outcome => &[
                "outcome",
                "court decision",
                "sentence",
                "решение",
                "решение суда",
                "наказание",
                "мера наказания",
                "шешім",
            ],
            ImportField::ArrestDays => &["days", "arrest days", "days of arrest", "сутки", "суток", "сутки ареста", "срок ареста"],
            ImportField::FineAmount => &["fine amount", "штраф", "сумма штрафа", "айыппұл"],
            ImportField::CustodyPlace => &[
                "custody",
                "place of custody",
                "where held",
                "место отбывания",
                "где отбывает",
                "место содержания",
                "спецприемник",
            ],
            ImportField::CustodyRegion => &["custody region", "регион отбывания", "область отбывания"],
            ImportField::CustodyFrom => &["custody from", "отбывает с", "в спецприемнике с"],
            ImportField::CustodyUntil => &["custody until", "отбывает до", "в спецприемнике до"],
            ImportField::Source => &["source", "source url", "link", "источник", "ссылка", "дереккөз"],
            ImportField::SourceKind => &["source kind", "source type", "тип источника", "вид источника"],
            ImportField::SourceAnonymous => &["anonymous source", "source anonymous", "анонимный источник", "аноним"],
        }
    }

    /// The field whose key is `key` (`birth_date`, `police_station`...).
    pub fn from_key(key: &str) -> Option<ImportField> {
        let wanted = key.trim().to_lowercase().replace([' ', '-'], "_");
        ImportField::ALL.into_iter().find(|field| field.key() == wanted)
    }

    /// The field a header names, if any.
    pub fn from_header(header: &str) -> Option<ImportField> {
        let wanted = normalize_header(header);
        ImportField::ALL.into_iter().find(|field| {
            normalize_header(field.key()) == wanted || field.aliases().iter().any(|alias| normalize_header(alias) == wanted)
        })
    }
}

impl fmt::Display for ImportField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Lower case, `ё` as `е`, `_` and runs of spaces as one space, without a bracketed hint or
/// trailing `:`, `*` and `.`.
pub fn normalize_header(header: &str) -> String {
    let without_hint = header.split('(').next().unwrap_or("");
    let lowered: String = without_hint
        .chars()
        .map(|c| match c {
            'ё' | 'Ё' => 'е',
            '_' => ' ',
            c => c,
        })
        .collect::<String>()
        .to_lowercase();
    let joined = lowered.split_whitespace().collect::<Vec<_>>().join(" ");
    joined.trim_matches(|c: char| c == ':' || c == '*' || c == '.' || c.is_whitespace()).to_owned()
}

/// Which column (0-based) fills which field.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ColumnMapping {
    columns: HashMap<ImportField, usize>,
}

impl ColumnMapping {
    pub fn column(&self, field: ImportField) -> Option<usize> {
        self.columns.get(&field).copied()
    }

    /// The mapped fields in column order.
    pub fn fields(&self) -> Vec<(usize, ImportField)> {
        let mut fields: Vec<(usize, ImportField)> = self.columns.iter().map(|(f, c)| (*c, *f)).collect();
        fields.sort_by_key(|(column, _)| *column);
        fields
    }
}

/// An event that every row belongs to (`kuzet import --event`): rows without their own dates take
/// the event's date, and rows whose event date or city disagree with it are rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultEvent {
    pub date: Date,
    pub city: City,
}

/// What the caller knows beyond the sheet.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Headers mapped by hand, for names the aliases do not know: (header, field).
    pub column_overrides: Vec<(String, ImportField)>,
    /// Headers whose columns are not imported even though their name is a field's (the web's
    /// column-mapping step, where each header can be set to "ignore").
    pub ignored_columns: Vec<String>,
    pub default_event: Option<DefaultEvent>,
    /// The source of rows whose own source cell is empty (typically "this spreadsheet").
    /// Without it such rows are rejected: every fact in the register names where it came from.
    pub default_source: Option<Source>,
}

/// One accepted row, parsed into register values, with the line it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRow {
    pub line: usize,
    /// The row's cells as read, for a report should the caller reject the row later.
    pub cells: Vec<String>,
    pub person: Person,
    /// The event as the row names it; `None` leaves the choice to the event given by the caller.
    pub event_date: Option<Date>,
    pub event_city: Option<City>,
    pub detention: Detention,
    /// `false` when the sheet gave only a day for the detention: `detained_at` is then midnight
    /// and its time of day means nothing.
    pub detained_time_known: bool,
    pub decision: Option<Decision>,
    pub custody: Option<Custody>,
    pub source: Source,
}

impl ImportRow {
    /// The day the row's event took place, as far as the row knows it.
    pub fn event_day(&self) -> Date {
        self.event_date.unwrap_or(self.detained_at_date())
    }

    fn detained_at_date(&self) -> Date {
        self.detention.detained_at.date()
    }
}

/// Why one cell (or one row) was refused. Shown as
/// `list.csv: line 5, column C "Дата рождения", field birth_date: ...`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    pub file: String,
    pub line: usize,
    /// 1-based column number, when one cell is to blame.
    pub column: Option<usize>,
    /// The column's header as written in the file.
    pub header: Option<String>,
    pub field: &'static str,
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: line {}", self.file, self.line)?;
        if let Some(column) = self.column {
            write!(f, ", column {}", column_letters(column))?;
            if let Some(header) = &self.header {
                write!(f, " \"{header}\"")?;
            }
        }
        write!(f, ", field {}: {}", self.field, self.reason)
    }
}

/// `1` → `A`, `27` → `AA`: the column names a spreadsheet program shows.
pub fn column_letters(column: usize) -> String {
    let mut letters = Vec::new();
    let mut n = column;
    while n > 0 {
        let rest = (n - 1) % 26;
        letters.push(char::from(b'A' + rest as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// A rejected row: its line, its cells as read, and every reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    pub line: usize,
    pub cells: Vec<String>,
    pub errors: Vec<RowError>,
}

/// The outcome of reading a sheet: what would be imported and what was refused.
#[derive(Debug, Clone)]
pub struct ImportPlan {
    pub file: String,
    pub format: SheetFormat,
    pub headers: Vec<String>,
    pub mapping: ColumnMapping,
    /// Headers that name no register field; their cells are not imported.
    pub ignored_headers: Vec<String>,
    pub accepted: Vec<ImportRow>,
    pub rejected: Vec<RejectedRow>,
}

impl ImportPlan {
    /// Every row error, in line order.
    pub fn errors(&self) -> impl Iterator<Item = &RowError> {
        self.rejected.iter().flat_map(|row| row.errors.iter())
    }

    /// Gives each accepted row its event among `events`, by the row's event day (its event date,
    /// else the day of detention) and, when the row names one, its event city. A row that names
    /// an event (an event date or city) must match exactly one; a row that gives only the day of
    /// detention gets the one event of that day, or none when there is no event that day. Rows
    /// that cannot be matched are moved to `rejected`. Returns one entry per remaining accepted
    /// row, in order. Cities are compared by `city_key` (lower case at least; the CLI folds
    /// scripts too, so that «Алматы» in a sheet finds the event in "Almaty").
    pub fn assign_events<K: Copy>(&mut self, events: &[KnownEvent<K>], city_key: impl Fn(&str) -> String) -> Vec<Option<K>> {
        let event_keys: Vec<String> = events.iter().map(|event| city_key(&event.city)).collect();
        let mut keys = Vec::with_capacity(self.accepted.len());
        let mut kept = Vec::with_capacity(self.accepted.len());
        let mut newly_rejected = Vec::new();
        for row in std::mem::take(&mut self.accepted) {
            let day = row.event_day();
            let names_event = row.event_date.is_some() || row.event_city.is_some();
            let city = row.event_city.as_ref().map(|city| city_key(city.as_str()));
            let candidates: Vec<&KnownEvent<K>> = events
                .iter()
                .zip(&event_keys)
                .filter(|(event, key)| event.date == day && city.as_ref().is_none_or(|city| *key == city))
                .map(|(event, _)| event)
                .collect();
            let blame = if row.event_date.is_some() {
                ImportField::EventDate
            } else if row.event_city.is_some() {
                ImportField::EventCity
            } else {
                ImportField::DetainedAt
            };
            let reason = match (candidates.as_slice(), &row.event_city) {
                ([only], _) => {
                    keys.push(Some(only.key));
                    kept.push(row);
                    continue;
                }
                ([], _) if !names_event => {
                    keys.push(None);
                    kept.push(row);
                    continue;
                }
                ([], Some(city)) => format!(
                    "the register has no event on {day} in {}; add the event first or give it with --event",
                    city.as_str()
                ),
                ([], None) => format!("the register has no event on {day}; add the event first or give it with --event"),
                (several, _) => format!(
                    "the register has {} events on {day}; add an event city column or give the event with --event",
                    several.len()
                ),
            };
            let column = self.mapping.column(blame);
            let error = RowError {
                file: self.file.clone(),
                line: row.line,
                column: column.map(|c| c + 1),
                header: column.map(|c| self.headers[c].clone()),
                field: blame.key(),
                reason,
            };
            newly_rejected.push(RejectedRow { line: row.line, cells: row.cells, errors: vec![error] });
        }
        self.accepted = kept;
        self.rejected.extend(newly_rejected);
        self.rejected.sort_by_key(|row| row.line);
        keys
    }

    /// The rejected rows as CSV: `line` and `errors` first, then the original columns, so that a
    /// volunteer can fix the cells and import the same file again (the two extra columns are
    /// ignored on import).
    pub fn rejection_report_csv(&self) -> Vec<u8> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["line".to_owned(), "errors".to_owned()];
        header.extend(self.headers.iter().cloned());
        // Writing into a Vec cannot fail; the results are checked all the same.
        let mut ok = writer.write_record(&header).is_ok();
        for row in &self.rejected {
            let reasons: Vec<String> = row
                .errors
                .iter()
                .map(|error| match error.column {
                    Some(column) => format!("column {} ({}): {}", column_letters(column), error.field, error.reason),
                    None => format!("{}: {}", error.field, error.reason),
                })
                .collect();
            let mut record = vec![row.line.to_string(), reasons.join("; ")];
            record.extend(row.cells.iter().take(self.headers.len()).cloned());
            record.resize(self.headers.len() + 2, String::new());
            ok &= writer.write_record(&record).is_ok();
        }
        debug_assert!(ok, "writing CSV into memory failed");
        writer.into_inner().unwrap_or_default()
    }
}

/// An event already in the register, as [`ImportPlan::assign_events`] needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownEvent<K> {
    pub key: K,
    pub date: Date,
    pub city: String,
}

/// What stops a sheet from being read at all (as opposed to single rows).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImportError {
    #[error(transparent)]
    Sheet(#[from] SheetError),
    #[error("{file}: no column for the field {field}; name a column one of: {aliases}")]
    MissingColumn { file: String, field: &'static str, aliases: String },
    #[error(
        "{file}: no column gives the day of detention ({detained}, or {event}); add one or give the event with --event"
    )]
    NoDetentionDay { file: String, detained: String, event: String },
    /// `first` and `second` are the columns as shown: `B "ОВД"`.
    #[error("{file}: columns {first} and {second} both fill the field {field}; rename one or map it with --column")]
    DuplicateField { file: String, field: &'static str, first: String, second: String },
    #[error("{file}: --column names the header \"{header}\", which is not in the file")]
    UnknownOverrideHeader { file: String, header: String },
    #[error("{file}: the file has a header but no data rows")]
    NoRows { file: String },
}

/// Reads a spreadsheet's bytes and plans its import.
pub fn plan_import_bytes(file_name: &str, bytes: &[u8], options: &ImportOptions) -> Result<ImportPlan, ImportError> {
    let sheet = read_sheet(file_name, bytes)?;
    plan_import(file_name, &sheet, options)
}

/// Maps the columns of `sheet` and parses every row; see the module documentation.
pub fn plan_import(file: &str, sheet: &Sheet, options: &ImportOptions) -> Result<ImportPlan, ImportError> {
    let (mapping, ignored_headers) = map_columns(file, sheet, options)?;
    if sheet.rows.is_empty() {
        return Err(ImportError::NoRows { file: file.to_owned() });
    }
    let mut accepted: Vec<ImportRow> = Vec::with_capacity(sheet.rows.len());
    let mut rejected = Vec::new();
    // Identity of a row for spotting the same person entered twice in one sheet.
    let mut seen: HashMap<(String, String, Date), usize> = HashMap::new();
    for row in &sheet.rows {
        let mut reader = RowReader { file, sheet, mapping: &mapping, row, errors: Vec::new() };
        let parsed = reader.parse_row(options);
        let mut errors = reader.errors;
        if let Some(parsed) = parsed {
            let identity = (
                parsed.person.name.as_str().to_lowercase(),
                parsed.person.birth.map(|b| b.to_string()).unwrap_or_default(),
                parsed.detention.detained_at.date(),
            );
            match seen.get(&identity) {
                Some(first_line) => errors.push(RowError {
                    file: file.to_owned(),
                    line: row.line,
                    column: None,
                    header: None,
                    field: "row",
                    reason: format!("repeats line {first_line} (same name, birth date and day of detention)"),
                }),
                None => {
                    seen.insert(identity, row.line);
                    accepted.push(parsed);
                    continue;
                }
            }
        }
        rejected.push(RejectedRow { line: row.line, cells: row.cells.clone(), errors });
    }
    Ok(ImportPlan {
        file: file.to_owned(),
        format: sheet.format.clone(),
        headers: sheet.headers.clone(),
        mapping,
        ignored_headers,
        accepted,
        rejected,
    })
}

fn map_columns(file: &str, sheet: &Sheet, options: &ImportOptions) -> Result<(ColumnMapping, Vec<String>), ImportError> {
    let mut mapping = ColumnMapping::default();
    let mut ignored = Vec::new();
    for (header, _) in &options.column_overrides {
        if sheet.column(header).is_none() {
            return Err(ImportError::UnknownOverrideHeader { file: file.to_owned(), header: header.clone() });
        }
    }
    for header in &options.ignored_columns {
        if sheet.column(header).is_none() {
            return Err(ImportError::UnknownOverrideHeader { file: file.to_owned(), header: header.clone() });
        }
    }
    for (index, header) in sheet.headers.iter().enumerate() {
        let Some(field) = column_field(header, options) else {
            ignored.push(header.clone());
            continue;
        };
        if let Some(first) = mapping.columns.insert(field, index) {
            return Err(ImportError::DuplicateField {
                file: file.to_owned(),
                field: field.key(),
                first: format!("{} \"{}\"", column_letters(first + 1), sheet.headers[first]),
                second: format!("{} \"{header}\"", column_letters(index + 1)),
            });
        }
    }
    if mapping.column(ImportField::Name).is_none() {
        return Err(ImportError::MissingColumn {
            file: file.to_owned(),
            field: ImportField::Name.key(),
            aliases: aliases_for_message(ImportField::Name),
        });
    }
    let has_day = mapping.column(ImportField::DetainedAt).is_some() || mapping.column(ImportField::EventDate).is_some();
    if !has_day && options.default_event.is_none() {
        return Err(ImportError::NoDetentionDay {
            file: file.to_owned(),
            detained: aliases_for_message(ImportField::DetainedAt),
            event: aliases_for_message(ImportField::EventDate),
        });
    }
    Ok((mapping, ignored))
}

/// The field a column with this header fills under `options`: ignored by hand, mapped by hand,
/// or recognised by its name; `None` when the column is not imported.
pub fn column_field(header: &str, options: &ImportOptions) -> Option<ImportField> {
    let same = |name: &String| name.trim().to_lowercase() == header.trim().to_lowercase();
    if options.ignored_columns.iter().any(same) {
        return None;
    }
    options
        .column_overrides
        .iter()
        .find(|(name, _)| same(name))
        .map(|(_, field)| *field)
        .or_else(|| ImportField::from_header(header))
}

fn aliases_for_message(field: ImportField) -> String {
    let mut names = vec![field.key()];
    names.extend(field.aliases().iter().take(4));
    names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
}

/// Parses one row, collecting every error rather than stopping at the first.
struct RowReader<'a> {
    file: &'a str,
    sheet: &'a Sheet,
    mapping: &'a ColumnMapping,
    row: &'a SheetRow,
    errors: Vec<RowError>,
}

impl RowReader<'_> {
    fn text(&self, field: ImportField) -> &str {
        self.mapping.column(field).map_or("", |column| self.row.cell(column))
    }

    fn fail(&mut self, field: ImportField, reason: impl Into<String>) {
        let column = self.mapping.column(field);
        self.errors.push(RowError {
            file: self.file.to_owned(),
            line: self.row.line,
            column: column.map(|c| c + 1),
            header: column.map(|c| self.sheet.headers[c].clone()),
            field: field.key(),
            reason: reason.into(),
        });
    }

    /// Parses a non-empty cell; an empty cell is `None` without error, a bad one is `None` with
    /// an error recorded.
    fn parse<T>(&mut self, field: ImportField, parse: impl FnOnce(&str) -> Result<T, String>) -> Option<T> {
        let text = self.text(field);
        if text.is_empty() {
            return None;
        }
        match parse(text) {
            Ok(value) => Some(value),
            Err(reason) => {
                self.fail(field, reason);
                None
            }
        }
    }

    fn parse_row(&mut self, options: &ImportOptions) -> Option<ImportRow> {
        if !self.sheet.field_count_matches(self.row) {
            let used = self.row.cells.iter().rposition(|c| !c.is_empty()).map_or(0, |i| i + 1);
            self.errors.push(RowError {
                file: self.file.to_owned(),
                line: self.row.line,
                column: Some(self.sheet.headers.len() + 1),
                header: None,
                field: "row",
                reason: format!(
                    "has {used} cells but the header names {} columns; a separator inside a value needs quotes",
                    self.sheet.headers.len()
                ),
            });
        }
        let person = self.parse_person();
        let event_date = self.parse(ImportField::EventDate, |t| parse_date(t).map_err(|e| e.to_string()));
        let event_city = self.parse(ImportField::EventCity, |t| City::parse(t).map_err(|e| e.reason));
        if let Some(event) = &options.default_event {
            if let Some(date) = event_date
                && date != event.date
            {
                self.fail(ImportField::EventDate, format!("is {date}, but the event given with --event is on {}", event.date));
            }
            if let Some(city) = &event_city
                && city.as_str().to_lowercase() != event.city.as_str().to_lowercase()
            {
                self.fail(
                    ImportField::EventCity,
                    format!("is {}, but the event given with --event is in {}", city.as_str(), event.city.as_str()),
                );
            }
        }
        let event_day = event_date.or(options.default_event.as_ref().map(|e| e.date));
        let detention = self.parse_detention(event_day);
        let decision = self.parse_decision(detention.as_ref().map(|(d, _)| d.detained_at.date()));
        let custody = self.parse_custody(decision.as_ref());
        let source = self.parse_source(options.default_source.as_ref());

        if !self.errors.is_empty() {
            return None;
        }
        let (person, (detention, detained_time_known), source) = (person?, detention?, source?);
        Some(ImportRow {
            line: self.row.line,
            cells: self.row.cells.clone(),
            person,
            event_date,
            event_city,
            detention,
            detained_time_known,
            decision,
            custody,
            source,
        })
    }

    fn parse_person(&mut self) -> Option<Person> {
        let name = match PersonName::parse(self.text(ImportField::Name)) {
            Ok(name) => Some(name),
            Err(error) => {
                self.fail(ImportField::Name, error.reason);
                None
            }
        };
        let birth = self.parse(ImportField::BirthDate, parse_birth);
        let city = self.parse(ImportField::City, |t| City::parse(t).map_err(|e| e.reason));
        let roles = self.parse(ImportField::Roles, parse_roles).unwrap_or_default();
        let consent = self.parse(ImportField::Consent, |t| Consent::parse(t).map_err(|e| e.reason));
        let mut person = Person::new(name?);
        person.birth = birth;
        person.city = city;
        person.roles = roles;
        person.contact = self.text(ImportField::Contact).to_owned();
        person.address = self.text(ImportField::Address).to_owned();
        person.consent = consent.unwrap_or(Consent::NotAsked);
        person.notes = self.text(ImportField::Notes).to_owned();
        Some(person)
    }

    /// The detention and whether its time of day is known.
    fn parse_detention(&mut self, event_day: Option<Date>) -> Option<(Detention, bool)> {
        let detained = self.parse(ImportField::DetainedAt, |t| parse_moment(t, event_day));
        let released_text_given = !self.text(ImportField::ReleasedAt).is_empty();
        let hours = self.parse(ImportField::HoursHeld, parse_hours);
        let (detained_at, time_known) = match (detained, event_day) {
            (Some(moment), _) => moment,
            (None, Some(day)) if self.text(ImportField::DetainedAt).is_empty() => {
                (PrimitiveDateTime::new(day, Time::MIDNIGHT), false)
            }
            (None, None) if self.text(ImportField::DetainedAt).is_empty() => {
                self.fail(ImportField::DetainedAt, "is empty, and the row has no event date; give the day of detention");
                return None;
            }
            // The detention cell was bad and has been reported.
            (None, _) => return None,
        };
        let released = self.parse(ImportField::ReleasedAt, |t| parse_moment(t, Some(detained_at.date())));
        let mut detention = Detention::new(detained_at);
        detention.detained_by = self.text(ImportField::DetainedBy).to_owned();
        detention.police_station = self.text(ImportField::PoliceStation).to_owned();
        detention.injuries = self.text(ImportField::Injuries).to_owned();
        if let Some(treatment) = self.parse(ImportField::Treatment, parse_treatment) {
            detention.treatment = treatment;
        }
        let needs_time = |what: &str| {
            format!("{what} needs the time of detention, but the detention cell gives only a day; write it as 09.06.2019 14:30")
        };
        if let Some((_, false)) = released {
            self.fail(
                ImportField::ReleasedAt,
                "gives only a day; write the time of release too (10.06.2019 03:00), or the hours held would be wrong",
            );
            return None;
        }
        if !time_known && (released.is_some() || hours.is_some()) {
            let (field, what) = if released.is_some() {
                (ImportField::ReleasedAt, "a release time")
            } else {
                (ImportField::HoursHeld, "hours held")
            };
            self.fail(field, needs_time(what));
            return None;
        }
        let released_at = match (released, hours) {
            (Some((released, _)), Some(hours)) => {
                // Both given: they must agree to within half an hour, or one of them is a typo.
                let implied = detained_at + Duration::minutes((hours * 60.0).round() as i64);
                if (implied - released).whole_minutes().abs() > 30 {
                    self.fail(
                        ImportField::HoursHeld,
                        format!(
                            "says {hours} hours, but the detention and release times give {:.1}",
                            hours_between(detained_at, released)
                        ),
                    );
                    return None;
                }
                Some(released)
            }
            (Some((released, _)), None) => Some(released),
            (None, Some(hours)) => Some(detained_at + Duration::minutes((hours * 60.0).round() as i64)),
            (None, None) => None,
        };
        if released_text_given && released_at.is_none() {
            return None;
        }
        if let Err(error) = detention.set_released_at(released_at) {
            let field = if released_text_given { ImportField::ReleasedAt } else { ImportField::HoursHeld };
            self.fail(field, error.reason);
            return None;
        }
        Some((detention, time_known))
    }

    fn parse_decision(&mut self, detention_day: Option<Date>) -> Option<Decision> {
        let days = self.parse(ImportField::ArrestDays, parse_count);
        let fine = self.parse(ImportField::FineAmount, parse_count);
        let outcome_text = self.text(ImportField::Outcome).to_owned();
        let article = self.parse(ImportField::Article, parse_article);
        let decided_on = self.parse(ImportField::DecisionDate, |t| parse_date(t).map_err(|e| e.to_string()));
        let hearing_minutes = self.parse(ImportField::HearingMinutes, |t| {
            parse_count(t).and_then(|n| u16::try_from(n).map_err(|_| format!("{n} minutes is too long for a hearing")))
        });
        let lawyer_present = self.parse(ImportField::LawyerPresent, parse_yes_no);
        let authority = self.text(ImportField::Court).to_owned();

        let outcome = match outcome_from_cells(&outcome_text, days, fine) {
            Ok(outcome) => outcome,
            Err((field, reason)) => {
                self.fail(field, reason);
                return None;
            }
        };
        let Some(outcome) = outcome else {
            let details_given = article.is_some() || decided_on.is_some() || !authority.is_empty();
            if details_given {
                self.fail(ImportField::Outcome, "is empty, but the row gives a court, article or decision date; write the decision, e.g. «арест 15 суток» or «штраф 126250»");
            }
            return None;
        };
        let Some(decided_on) = decided_on else {
            if self.text(ImportField::DecisionDate).is_empty() {
                self.fail(ImportField::DecisionDate, "is empty; a decision needs its date");
            }
            return None;
        };
        if let Some(day) = detention_day
            && decided_on < day
        {
            self.fail(ImportField::DecisionDate, format!("{decided_on} is before the detention on {day}"));
            return None;
        }
        Some(Decision { authority, decided_on, hearing_minutes, lawyer_present, article, outcome })
    }

    fn parse_custody(&mut self, decision: Option<&Decision>) -> Option<Custody> {
        let from = self.parse(ImportField::CustodyFrom, |t| parse_date(t).map_err(|e| e.to_string()));
        let until = self.parse(ImportField::CustodyUntil, |t| parse_date(t).map_err(|e| e.to_string()));
        let place = self.text(ImportField::CustodyPlace).to_owned();
        let region = self.text(ImportField::CustodyRegion).to_owned();
        if place.is_empty() {
            if !region.is_empty() || from.is_some() || until.is_some() {
                self.fail(ImportField::CustodyPlace, "is empty, but the row gives a custody region or dates");
            }
            return None;
        }
        // A sentence is served from the day it was decided unless the sheet says otherwise.
        let Some(from) = from.or(decision.map(|d| d.decided_on)) else {
            if self.text(ImportField::CustodyFrom).is_empty() {
                self.fail(ImportField::CustodyFrom, "is empty and the row has no decision date to start the custody from");
            }
            return None;
        };
        if let Some(until) = until
            && until < from
        {
            self.fail(ImportField::CustodyUntil, format!("{until} is before the custody began on {from}"));
            return None;
        }
        Some(Custody { place, region, from, until })
    }

    fn parse_source(&mut self, default: Option<&Source>) -> Option<Source> {
        let reference = self.text(ImportField::Source).to_owned();
        let kind = self.parse(ImportField::SourceKind, parse_source_kind);
        let anonymous = self.parse(ImportField::SourceAnonymous, parse_yes_no).unwrap_or(false);
        if reference.is_empty() {
            if let Some(default) = default {
                return Some(default.clone());
            }
            self.fail(ImportField::Source, "is empty; every fact needs its source (a link, or who told you)");
            return None;
        }
        if !self.text(ImportField::SourceKind).is_empty() && kind.is_none() {
            return None;
        }
        let looks_like_link = reference.starts_with("http://") || reference.starts_with("https://");
        let kind = kind.unwrap_or(if looks_like_link { SourceKind::Post } else { SourceKind::Volunteer });
        match Source::new(kind, &reference, anonymous) {
            Ok(source) => Some(source),
            Err(error) => {
                self.fail(ImportField::Source, error.reason);
                None
            }
        }
    }
}

/// A birth year (`1990`) or a full date in any of the accepted date formats.
fn parse_birth(text: &str) -> Result<BirthDate, String> {
    if text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()) {
        return BirthDate::parse(text).map_err(|e| e.reason);
    }
    let date = parse_date(text).map_err(|e| e.to_string())?;
    // The register checks the range of years; it reads the ISO form we hand it.
    BirthDate::parse(&date.to_string()).map_err(|e| e.reason)
}

/// A moment: a date with an optional time, or a bare time (`14:30`) on `day`.
/// Returns the moment and whether a time of day was given.
fn parse_moment(text: &str, day: Option<Date>) -> Result<(PrimitiveDateTime, bool), String> {
    let is_bare_time = text.contains(':') && !text.contains(['.', '-', '/', ' ', 'T']);
    if is_bare_time {
        let Some(day) = day else {
            return Err(format!("\"{text}\" is a time without a day, and the row has no event date; write 09.06.2019 {text}"));
        };
        let with_day = format!("{day} {text}");
        return parse_date_time(&with_day).map_err(|_| format!("\"{text}\" is not a time like 14:30"));
    }
    parse_date_time(text).map_err(|e| e.to_string())
}

fn hours_between(from: PrimitiveDateTime, to: PrimitiveDateTime) -> f64 {
    (to - from).whole_minutes() as f64 / 60.0
}

/// Hours as a number, with `.` or `,` as the decimal mark: `3`, `2.5`, `17,5`.
fn parse_hours(text: &str) -> Result<f64, String> {
    let cleaned = strip_unit(text).replace(',', ".");
    match cleaned.parse::<f64>() {
        Ok(hours) if hours.is_finite() && (0.0..=24.0 * 90.0).contains(&hours) => Ok(hours),
        _ => Err(format!("\"{text}\" is not a number of hours like 3 or 2.5")),
    }
}

/// A whole number, allowing spaces between thousands and a unit after it: `126 250 тг`, `15 суток`.
fn parse_count(text: &str) -> Result<u32, String> {
    let cleaned: String = strip_unit(text).chars().filter(|c| !c.is_whitespace()).collect();
    if cleaned.is_empty() || !cleaned.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("\"{text}\" is not a whole number"));
    }
    cleaned.parse().map_err(|_| format!("\"{text}\" is too large"))
}

/// The text without a trailing unit in letters (`тг`, `KZT`, `суток`, `min.`).
fn strip_unit(text: &str) -> &str {
    text.trim_end_matches(|c: char| c.is_alphabetic() || c == '.' || c.is_whitespace()).trim()
}

fn parse_yes_no(text: &str) -> Result<bool, String> {
    match text.trim().to_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "+" | "да" | "д" | "был" | "была" | "есть" | "иә" => Ok(true),
        "no" | "n" | "false" | "0" | "-" | "нет" | "н" | "не было" | "жоқ" => Ok(false),
        _ => Err(format!("\"{text}\" is not yes or no (да/нет)")),
    }
}

/// Roles in English or Russian, separated by `,`, `;` or `|`.
fn parse_roles(text: &str) -> Result<Vec<PersonRole>, String> {
    let mut roles = Vec::new();
    for part in text.split([',', ';', '|']).map(str::trim).filter(|p| !p.is_empty()) {
        let lower = part.to_lowercase().replace('ё', "е");
        let english = match lower.as_str() {
            s if s.starts_with("журналист") || s.starts_with("журналис") => "journalist",
            s if s.starts_with("правозащит") || s == "пзд" => "human_rights_defender",
            s if s.starts_with("наблюдател") || s.starts_with("бақылаушы") => "observer",
            s if s.starts_with("активист") => "activist",
            s if s.starts_with("несовершеннолет") || s == "минор" => "minor",
            s if s.starts_with("прохож") || s.starts_with("случайн") => "passer_by",
            _ => part,
        };
        let role = PersonRole::parse(english).map_err(|_| {
            format!(
                "\"{part}\" is not a role; use journalist, human_rights_defender, observer, activist, minor, passer_by \
                 (журналист, правозащитник, наблюдатель, активист, несовершеннолетний, прохожий)"
            )
        })?;
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    roles.sort();
    Ok(roles)
}

/// Treatments in English or Russian, separated by `,`, `;` or `|`.
fn parse_treatment(text: &str) -> Result<TreatmentSet, String> {
    let mut english = Vec::new();
    for part in text.split([',', ';', '|']).map(str::trim).filter(|p| !p.is_empty()) {
        let lower = part.to_lowercase().replace('ё', "е");
        let key = match lower.as_str() {
            s if s.starts_with("избит") || s.starts_with("побои") => "beaten",
            s if s.starts_with("травм") || s.starts_with("ранен") => "injured",
            s if s.contains("вод") => "denied_water",
            s if s.contains("еды") || s.contains("пищ") || s.contains("еда") => "denied_food",
            s if s.contains("туалет") => "denied_toilet",
            s if s.contains("адвокат") || s.contains("защитник") => "denied_lawyer",
            s if s.contains("телефон") => "phone_seized",
            s if s.contains("взгляд") => "questioned_on_views",
            _ => part,
        };
        english.push(key.to_owned());
    }
    TreatmentSet::parse(&english.join(";")).map_err(|_| {
        format!(
            "\"{text}\" names a treatment Kuzet does not know; use injured, beaten, denied_water, denied_food, \
             denied_toilet, denied_lawyer, phone_seized, questioned_on_views"
        )
    })
}

fn parse_source_kind(text: &str) -> Result<SourceKind, String> {
    let lower = text.trim().to_lowercase().replace('ё', "е");
    let english = match lower.as_str() {
        s if s.starts_with("волонт") => "volunteer",
        s if s.starts_with("пост") || s.starts_with("соцсет") => "post",
        s if s.starts_with("сми") || s.starts_with("медиа") => "media",
        s if s.starts_with("адвокат") || s.starts_with("юрист") => "lawyer",
        s if s.starts_with("родств") || s.starts_with("родн") => "relative",
        s if s.starts_with("официальн") => "official",
        s if s.starts_with("сам") || s.starts_with("задержанн") => "person",
        s => s,
    };
    SourceKind::parse(english).map_err(|e| e.reason)
}

/// An article, refusing texts with several numbers (`ч.1 ст.488`) unless one follows `ст`/`art`,
/// because joining the digits would silently make a different article.
fn parse_article(text: &str) -> Result<Article, String> {
    let lower = text.to_lowercase();
    let groups = digit_groups(&lower);
    let refuse = || format!("\"{text}\" is not an article like «КоАП 488», «УК 405», AC 488 or CC 405");
    match groups.len() {
        0 => Err(refuse()),
        1 => Article::parse(text).map_err(|_| refuse()),
        _ => {
            let article_number = groups.iter().find(|(start, _)| {
                let before = lower[..*start].trim_end().trim_end_matches('.').trim_end();
                before.ends_with("ст") || before.ends_with("статья") || before.ends_with("art") || before.ends_with("article")
            });
            let Some((_, number)) = article_number else {
                return Err(format!("\"{text}\" has several numbers; write the article as «ст. 488 КоАП» or «КоАП 488»"));
            };
            let letters: String = lower
                .split(|c: char| !c.is_alphabetic())
                .filter(|w| matches!(*w, "коап" | "ук" | "ac" | "cc" | "әқбтк" | "қк"))
                .collect::<Vec<_>>()
                .join("");
            Article::parse(&format!("{letters} {number}")).map_err(|_| refuse())
        }
    }
}

/// Runs of ASCII digits with their byte offsets.
fn digit_groups(text: &str) -> Vec<(usize, String)> {
    let mut groups = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (index, c) in text.char_indices() {
        if c.is_ascii_digit() {
            current.get_or_insert_with(|| (index, String::new())).1.push(c);
        } else if let Some(group) = current.take() {
            groups.push(group);
        }
    }
    groups.extend(current);
    groups
}

/// The decision's outcome from the decision cell and the arrest-days and fine cells, which may
/// each be used alone ("15" in «Сутки» is an arrest of 15 days). `Ok(None)` means no decision.
fn outcome_from_cells(
    text: &str,
    days: Option<u32>,
    fine: Option<u32>,
) -> Result<Option<Outcome>, (ImportField, String)> {
    let lower = text.trim().to_lowercase().replace('ё', "е");
    if lower.is_empty() {
        return match (days, fine) {
            (None, None) => Ok(None),
            (Some(days), None) => Outcome::from_parts("arrest", Some(days), None)
                .map(Some)
                .map_err(|e| (ImportField::ArrestDays, e.reason)),
            (None, Some(amount)) => Ok(Some(Outcome::Fine { amount })),
            (Some(_), Some(_)) => Err((
                ImportField::Outcome,
                "is empty, but the row gives both arrest days and a fine; write the decision".to_owned(),
            )),
        };
    }
    let kind = if lower.starts_with("arrest") || lower.starts_with("арест") || lower.contains("day") || lower.contains("сут") {
        "arrest"
    } else if lower.starts_with("fine") || lower.starts_with("штраф") || lower.starts_with("айыппұл") {
        "fine"
    } else if lower.starts_with("warning") || lower.starts_with("предупрежд") || lower.starts_with("ескерту") {
        "warning"
    } else if lower.starts_with("criminal") || lower.starts_with("уголовн") {
        "criminal_case"
    } else if lower.starts_with("released") || lower.starts_with("освобожд") || lower.starts_with("прекращ") || lower.starts_with("отпущ") {
        "released"
    } else if lower.starts_with("appeal") || lower.starts_with("апелляц") || lower.starts_with("обжал") {
        "appeal"
    } else {
        return Err((
            ImportField::Outcome,
            format!(
                "\"{}\" is not a decision Kuzet knows; write arrest 15, fine 126250, warning, released, criminal case, appeal \
                 (арест 15 суток, штраф 126250, предупреждение, освобожден, уголовное дело, апелляция)",
                text.trim()
            ),
        ));
    };
    let in_text = {
        let digits: String = lower.chars().filter(|c| c.is_ascii_digit()).collect();
        digits.parse::<u32>().ok()
    };
    let (column_value, column_field) = match kind {
        "arrest" => (days, ImportField::ArrestDays),
        "fine" => (fine, ImportField::FineAmount),
        _ => (None, ImportField::Outcome),
    };
    for (other_value, other_field) in [(days, ImportField::ArrestDays), (fine, ImportField::FineAmount)] {
        if other_value.is_some() && other_field != column_field {
            return Err((other_field, format!("is given, but the decision \"{}\" is not an arrest or fine of that kind", text.trim())));
        }
    }
    if let (Some(written), Some(column)) = (in_text, column_value)
        && written != column
    {
        return Err((column_field, format!("says {column}, but the decision cell says {written}")));
    }
    let amount = in_text.or(column_value);
    let outcome = Outcome::from_parts(kind, amount, None).map_err(|e| (ImportField::Outcome, e.reason))?;
    Ok(Some(outcome))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_normalise() {
        let check = |header: &str, expected: Option<ImportField>| {
            assert_eq!(ImportField::from_header(header), expected, "{header:?}");
        };
        check("ФИО", Some(ImportField::Name));
        check(" Ф.И.О. ", Some(ImportField::Name));
        check("Дата рождения (дд.мм.гггг)", Some(ImportField::BirthDate));
        check("Освобождён", Some(ImportField::ReleasedAt));
        check("РУВД", Some(ImportField::PoliceStation));
        check("police_station", Some(ImportField::PoliceStation));
        check("Решение суда:", Some(ImportField::Outcome));
        check("Статус", None);
    }

    #[test]
    fn column_letters_follow_spreadsheets() {
        let letters: Vec<String> = [1, 3, 26, 27, 52, 703].into_iter().map(column_letters).collect();
        assert_eq!(letters, ["A", "C", "Z", "AA", "AZ", "AAA"]);
    }

    #[test]
    fn articles_with_parts_are_not_glued_together() {
        let check = |text: &str, expected: &str| {
            let found = match parse_article(text) {
                Ok(article) => article.to_string(),
                Err(error) => format!("error: {error}"),
            };
            assert_eq!(found, expected, "{text:?}");
        };
        check("КоАП 488", "AC 488");
        check("ч.1 ст.488 КоАП", "AC 488");
        check("ч. 2 ст. 405 УК", "CC 405");
        check("488", "AC 488");
        check("488 ч.1", "error: \"488 ч.1\" has several numbers; write the article as «ст. 488 КоАП» or «КоАП 488»");
        check("закон", "error: \"закон\" is not an article like «КоАП 488», «УК 405», AC 488 or CC 405");
    }

    #[test]
    fn outcomes_from_the_decision_and_number_cells() {
        let check = |text: &str, days: Option<u32>, fine: Option<u32>, expected: &str| {
            let found = match outcome_from_cells(text, days, fine) {
                Ok(Some(outcome)) => outcome.to_string(),
                Ok(None) => "none".to_owned(),
                Err((field, reason)) => format!("error {field}: {reason}"),
            };
            assert_eq!(found, expected, "{text:?} {days:?} {fine:?}");
        };
        check("арест 15 суток", None, None, "arrest 15 days");
        check("Арест", Some(10), None, "arrest 10 days");
        check("", Some(7), None, "arrest 7 days");
        check("штраф", None, Some(126_250), "fine 126250 KZT");
        check("", None, None, "none");
        check("Освобождён", None, None, "released");
        check("предупреждение", None, None, "warning");
        check("арест 15", Some(10), None, "error arrest_days: says 10, but the decision cell says 15");
        check("штраф", Some(10), None, "error arrest_days: is given, but the decision \"штраф\" is not an arrest or fine of that kind");
        check("арест", None, None, "error decision: `arrest` needs a number of days");
        check("", Some(120), None, "error arrest_days: an arrest of 120 days is outside 1–90");
    }
}
