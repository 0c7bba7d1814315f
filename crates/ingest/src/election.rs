//! Election result tables: the Russian CEC station files and the observers' protocol CSVs.
//!
//! Both readers take the file's bytes and a name for messages, and add one result set per
//! source to an [`Election`]. Every error names the file, the line, the column and the field.
//!
//! The Russian files (`../shared/data/ru/*.csv.zip`, 100,000 rows and 32 MB unpacked) are
//! parsed from bytes without a `String` per cell, in parallel chunks, because a whole national
//! verification should take well under a second.
//!
//! # Reading a Russian CEC file
//!
//! ```ignore
//! use kuzet_ingest::election::read_russian_cec;
//! let bytes = std::fs::read("../shared/data/ru/2018.csv.zip")?;
//! let election = read_russian_cec("2018.csv.zip", bytes)?;
//! let stations = &election.results()[0].stations; // one official result set
//! for station in stations {
//!     let registered: Option<i64> = election.registered(&station.counts);
//!     let issued = election.issued(&station.counts);   // early + in station + outside
//!     let cast = election.cast(&station.counts);       // mobile + stationary boxes ("came")
//!     let valid = election.valid(&station.counts);
//!     let votes: Vec<Option<i64>> = election.candidate_columns().map(|c| station.counts[c]).collect();
//!     let region: &str = election.areas.region_of(station.area).map_or("", |r| election.areas.name(r));
//!     let district: &str = election.areas.name(station.area); // the TIK
//!     let number: &str = &station.station;                     // the UIK
//! }
//! ```
//! Candidates' names are `election.candidates()`, in column order. A value is `None` when the
//! file leaves it empty (the 2,268 stations without results in 2024).

use crate::text::{DecodeError, unpack_if_zip};
use kuzet_protocol::{
    AreaAggregate, AreaId, Election, OFFICIAL, ProtocolDefinition, Provenance, ResultSet,
    StationResult,
};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

/// What went wrong, for callers that react differently (the CLI maps all of them to exit 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Not a zip, not text, or an empty file.
    Unreadable,
    MissingColumn,
    /// A header this format does not know (a protocol line not in the definition).
    UnknownColumn,
    DuplicateColumn,
    NotANumber,
    /// A row with more fields than the header.
    FieldCount,
    DuplicateStation,
    /// A value that cannot be right for its field (for example a station count of 0).
    BadValue,
    /// A station that the official results, which cover its region, do not have.
    UnknownStation,
    /// The file's lines do not belong to the election's protocol.
    WrongProtocol,
}

/// An input error located as precisely as the file allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ElectionError {
    pub file: String,
    /// 1-based line of the file (the header is line 1).
    pub line: Option<u64>,
    /// 1-based column.
    pub column: Option<usize>,
    /// The column's header.
    pub field: Option<String>,
    pub kind: ErrorKind,
    pub problem: String,
}

impl fmt::Display for ElectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(column) = self.column {
            write!(f, ", column {column}")?;
        }
        if let Some(field) = &self.field {
            write!(f, " ({field})")?;
        }
        write!(f, ": {}", self.problem)
    }
}

impl ElectionError {
    fn file(file: &str, kind: ErrorKind, problem: impl Into<String>) -> Self {
        ElectionError {
            file: file.to_owned(),
            line: None,
            column: None,
            field: None,
            kind,
            problem: problem.into(),
        }
    }

    fn at(
        file: &str,
        line: u64,
        column: Option<usize>,
        field: Option<&str>,
        kind: ErrorKind,
        problem: impl Into<String>,
    ) -> Self {
        ElectionError {
            file: file.to_owned(),
            line: Some(line),
            column,
            field: field.map(str::to_owned),
            kind,
            problem: problem.into(),
        }
    }
}

/// Reads a Russian CEC station file (a `.csv`, or a `.zip` holding one, as in
/// `../shared/data/ru/`) into a new election with one `official` result set whose provenance
/// origin is `file_name`. Areas are Russia / region / territorial commission (TIK); the station
/// is the UIK. See the module documentation for how to read the stations.
pub fn read_russian_cec(file_name: &str, bytes: Vec<u8>) -> Result<Election, ElectionError> {
    let protocol = ProtocolDefinition::russian_cec();
    let country = protocol.country.clone();
    let title = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let mut election = Election::new(title, protocol, &country);
    let provenance = Provenance {
        collected_by: None,
        collected_at: None,
        origin: file_name.to_owned(),
    };
    load_russian_cec(&mut election, file_name, bytes, OFFICIAL, provenance)?;
    Ok(election)
}

/// Whether bytes look like a Russian CEC file: a zip holding one CSV (not an Excel workbook,
/// which is a zip too), or a CSV whose header has `region`, `tik` and `uik` columns.
pub fn looks_like_russian_cec(bytes: &[u8]) -> bool {
    if bytes.starts_with(b"PK\x03\x04") {
        let Ok(archive) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
            return false;
        };
        let names: Vec<&str> = archive
            .file_names()
            .filter(|n| !n.starts_with("__MACOSX") && !n.ends_with('/'))
            .collect();
        return names.len() == 1 && names[0].to_lowercase().ends_with(".csv");
    }
    let header_end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len());
    let header = String::from_utf8_lossy(&bytes[..header_end]).to_lowercase();
    let names: Vec<&str> = header
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(|h| h.trim().trim_matches('"'))
        .collect();
    ["region", "tik", "uik"]
        .iter()
        .all(|wanted| names.contains(wanted))
}

/// What a column of a Russian file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RussianColumn {
    Region,
    Tik,
    Uik,
    /// The single-member district (2021); names the rows of remote electronic voting, which
    /// have no station number.
    Oik,
    Ignored,
    /// An election column (a protocol line or a candidate).
    Count(usize),
}

/// Russian header fragments (lower case, single spaces) and the line they name. The first
/// match wins, so "недействительных" comes before "действительных".
const RUSSIAN_LINES: &[(&str, &str)] = &[
    ("включенных в список", "registered"),
    ("внесенных в список", "registered"),
    ("полученных участковой", "received"),
    ("проголосовавшим досрочно", "issued_early"),
    ("выданных в помещении для голосования", "issued_in_station"),
    ("выданных вне помещения", "issued_outside"),
    ("погашенных", "cancelled"),
    ("переносных ящиках", "mobile_boxes"),
    ("стационарных ящиках", "stationary_boxes"),
    ("недействительных", "invalid"),
    ("действительных", "valid"),
    ("полученных открепительных", "absentee_received"),
    (
        "выданных избирателям на избирательном участке",
        "absentee_issued_at_station",
    ),
    ("проголосовавших по открепительным", "absentee_voted"),
    ("неиспользованных открепительных", "absentee_unused"),
    ("выданных избирателям тик", "absentee_issued_by_tik"),
    ("утраченных открепительных", "absentee_lost"),
    ("утраченных избирательных бюллетеней", "lost"),
    ("не учтенных при получении", "unaccounted"),
];

/// The protocol line a Russian header names, if any.
pub fn russian_line_key(header: &str) -> Option<&'static str> {
    let normal = header
        .to_lowercase()
        .replace('ё', "е")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    RUSSIAN_LINES
        .iter()
        .find(|(fragment, _)| normal.contains(fragment))
        .map(|(_, key)| *key)
}

/// Adds the stations of a Russian CEC file to `election` (whose protocol must have the file's
/// lines) as a result set from `source`. Returns the set's index.
pub fn load_russian_cec(
    election: &mut Election,
    file_name: &str,
    bytes: Vec<u8>,
    source: &str,
    provenance: Provenance,
) -> Result<usize, ElectionError> {
    let data = unpack_if_zip(bytes).map_err(|e| decode_error(file_name, e))?;
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&data);
    let header_end = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let header_line = std::str::from_utf8(&data[..header_end]).map_err(|_| {
        ElectionError::at(
            file_name,
            1,
            None,
            None,
            ErrorKind::Unreadable,
            "the header is not UTF-8 text",
        )
    })?;
    let headers: Vec<String> = split_fields(header_line.trim_end_matches('\r').as_bytes())
        .map_err(|problem| {
            ElectionError::at(file_name, 1, None, None, ErrorKind::Unreadable, problem)
        })?
        .into_iter()
        .map(|f| f.trim().to_owned())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(ElectionError::file(
            file_name,
            ErrorKind::Unreadable,
            "the file is empty; the first line must name the columns",
        ));
    }

    let mut columns = Vec::with_capacity(headers.len());
    for (index, header) in headers.iter().enumerate() {
        let here = |kind, problem: String| {
            ElectionError::at(file_name, 1, Some(index + 1), Some(header), kind, problem)
        };
        let column = match header.to_lowercase().as_str() {
            "region" => RussianColumn::Region,
            "tik" => RussianColumn::Tik,
            "uik" => RussianColumn::Uik,
            "oik" => RussianColumn::Oik,
            "level" | "url" => RussianColumn::Ignored,
            lower if lower.starts_with("число") => {
                let key = russian_line_key(header).ok_or_else(|| {
                    here(
                        ErrorKind::UnknownColumn,
                        "this protocol line is not one Kuzet knows".to_owned(),
                    )
                })?;
                let line = election.line_column(key).ok_or_else(|| {
                    here(
                        ErrorKind::WrongProtocol,
                        format!(
                            "the election's protocol ({}) has no line \"{key}\"",
                            election.protocol.name
                        ),
                    )
                })?;
                RussianColumn::Count(line)
            }
            "" => {
                return Err(here(
                    ErrorKind::MissingColumn,
                    "a column has no header".to_owned(),
                ));
            }
            _ => RussianColumn::Count(usize::MAX), // a candidate; its column is known once all are added
        };
        if let RussianColumn::Count(line) = column
            && line != usize::MAX
            && columns.contains(&column)
        {
            return Err(here(
                ErrorKind::DuplicateColumn,
                format!(
                    "a second column for the line \"{}\"",
                    election.column_key(line)
                ),
            ));
        }
        columns.push(column);
    }
    for (index, header) in headers.iter().enumerate() {
        if columns[index] == RussianColumn::Count(usize::MAX) {
            let candidate = election.add_candidate(header);
            columns[index] = RussianColumn::Count(election.candidate_column(candidate));
        }
    }
    for (wanted, name) in [
        (RussianColumn::Region, "region"),
        (RussianColumn::Tik, "tik"),
        (RussianColumn::Uik, "uik"),
    ] {
        if !columns.contains(&wanted) {
            return Err(ElectionError::at(
                file_name,
                1,
                None,
                Some(name),
                ErrorKind::MissingColumn,
                format!("the column \"{name}\" is missing"),
            ));
        }
    }

    let body = &data[(header_end + 1).min(data.len())..];
    let layout = Layout {
        file: file_name,
        headers: &headers,
        columns: &columns,
        width: election.width(),
    };
    let chunks = split_at_lines(body, rayon::current_num_threads() * 8);
    let parsed: Vec<Result<ParsedChunk<'_>, ElectionError>> = chunks
        .par_iter()
        .map(|chunk| layout.parse_chunk(chunk))
        .collect();

    // Rows are numbered within their chunk; turn them into file lines (the header is line 1).
    let mut set = ResultSet::new(source, provenance);
    set.stations.reserve(
        parsed
            .iter()
            .map(|c| c.as_ref().map_or(0, |c| c.rows.len()))
            .sum(),
    );
    let mut first_line = 2u64;
    let mut seen: HashMap<(AreaId, Cow<'_, str>), u64> =
        HashMap::with_capacity(set.stations.capacity());
    // Rows of one region and one commission come together, so the last lookups are remembered.
    let mut last_region: Option<(Cow<'_, str>, AreaId)> = None;
    let mut last_district: Option<(AreaId, Cow<'_, str>, AreaId)> = None;
    for chunk in parsed {
        let chunk = chunk.map_err(|mut error| {
            error.line = error.line.map(|l| l + first_line - 1);
            error
        })?;
        for row in chunk.rows {
            let line = first_line + row.line as u64 - 1;
            let region = match &last_region {
                Some((name, id)) if *name == row.region => *id,
                _ => {
                    let root = election.areas.root();
                    let id = election.areas.child(root, &row.region);
                    last_region = Some((row.region, id));
                    id
                }
            };
            let district = match &last_district {
                Some((parent, name, id)) if *parent == region && *name == row.tik => *id,
                _ => {
                    let id = election.areas.child(region, &row.tik);
                    last_district = Some((region, row.tik, id));
                    id
                }
            };
            let station = row.uik.to_string();
            if let Some(first) = seen.insert((district, row.uik), line) {
                return Err(ElectionError::at(
                    file_name,
                    line,
                    None,
                    Some("uik"),
                    ErrorKind::DuplicateStation,
                    format!(
                        "station \"{station}\" of {} appears twice (first on line {first})",
                        election.areas.display(district)
                    ),
                ));
            }
            set.stations.push(StationResult {
                area: district,
                station,
                counts: row.counts,
                provenance: None,
                line: line.min(u32::MAX as u64) as u32,
            });
        }
        first_line += chunk.lines;
    }
    Ok(election.add_results(set))
}

struct Layout<'a> {
    file: &'a str,
    headers: &'a [String],
    columns: &'a [RussianColumn],
    width: usize,
}

struct ParsedRow<'a> {
    /// 1-based within the chunk.
    line: u32,
    region: Cow<'a, str>,
    tik: Cow<'a, str>,
    uik: Cow<'a, str>,
    oik: Cow<'a, str>,
    counts: Vec<Option<i64>>,
}

struct ParsedChunk<'a> {
    rows: Vec<ParsedRow<'a>>,
    /// How many lines the chunk spans (including blank ones).
    lines: u64,
}

impl Layout<'_> {
    fn parse_chunk<'b>(&self, chunk: &'b [u8]) -> Result<ParsedChunk<'b>, ElectionError> {
        let mut rows = Vec::with_capacity(chunk.len() / 300 + 1);
        let mut lines = 0u64;
        for raw in chunk.split(|&b| b == b'\n') {
            lines += 1;
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            if raw.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            rows.push(self.parse_row(raw, lines)?);
        }
        // A chunk ends with its newline, which `split` reports as one more (empty) piece.
        if chunk.ends_with(b"\n") {
            lines -= 1;
        }
        Ok(ParsedChunk { rows, lines })
    }

    fn parse_row<'b>(&self, raw: &'b [u8], line: u64) -> Result<ParsedRow<'b>, ElectionError> {
        let error = |column: Option<usize>, kind, problem: String| {
            ElectionError::at(
                self.file,
                line,
                column.map(|c| c + 1),
                column.map(|c| self.headers[c].as_str()),
                kind,
                problem,
            )
        };
        let mut row = ParsedRow {
            line: line as u32,
            region: Cow::Borrowed(""),
            tik: Cow::Borrowed(""),
            uik: Cow::Borrowed(""),
            oik: Cow::Borrowed(""),
            counts: vec![None; self.width],
        };
        let mut index = 0;
        let mut rest = raw;
        loop {
            let (field, next) = next_field(rest).map_err(|problem| {
                error(
                    Some(index.min(self.headers.len() - 1)),
                    ErrorKind::Unreadable,
                    problem,
                )
            })?;
            let Some(&column) = self.columns.get(index) else {
                if field.iter().all(|b| b.is_ascii_whitespace()) && next.is_none() {
                    break;
                }
                return Err(error(
                    None,
                    ErrorKind::FieldCount,
                    format!(
                        "the row has more than the header's {} fields",
                        self.headers.len()
                    ),
                ));
            };
            match column {
                RussianColumn::Region => {
                    row.region =
                        text(field).map_err(|p| error(Some(index), ErrorKind::Unreadable, p))?
                }
                RussianColumn::Tik => {
                    row.tik =
                        text(field).map_err(|p| error(Some(index), ErrorKind::Unreadable, p))?
                }
                RussianColumn::Uik => {
                    row.uik =
                        text(field).map_err(|p| error(Some(index), ErrorKind::Unreadable, p))?
                }
                RussianColumn::Oik => {
                    row.oik =
                        text(field).map_err(|p| error(Some(index), ErrorKind::Unreadable, p))?
                }
                RussianColumn::Ignored => {}
                RussianColumn::Count(target) => {
                    row.counts[target] = parse_count(field)
                        .map_err(|p| error(Some(index), ErrorKind::NotANumber, p))?;
                }
            }
            index += 1;
            match next {
                Some(next) => rest = next,
                None => break,
            }
        }
        if index < self.headers.len() {
            return Err(error(
                None,
                ErrorKind::FieldCount,
                format!(
                    "the row has {index} fields but the header has {}; it may be cut short",
                    self.headers.len()
                ),
            ));
        }
        // In 2021 the remote electronic votes of each single-member district are a row whose
        // commission is "Дистанционное электронное голосование" and whose station is empty; the
        // district names that row.
        if row.uik.trim().is_empty() && !row.oik.trim().is_empty() {
            row.uik = std::mem::take(&mut row.oik);
        }
        if row.uik.trim().is_empty() {
            let column = self.columns.iter().position(|c| *c == RussianColumn::Uik);
            return Err(error(
                column,
                ErrorKind::BadValue,
                "the station has no number or name".to_owned(),
            ));
        }
        Ok(row)
    }
}

/// Splits `body` into about `parts` pieces, each ending just after a newline that is not
/// inside quotes (the last piece may end without one).
fn split_at_lines(body: &[u8], parts: usize) -> Vec<&[u8]> {
    let target = (body.len() / parts.max(1)).max(64 * 1024);
    let mut chunks = Vec::with_capacity(parts + 1);
    let mut start = 0;
    while start < body.len() {
        let mut end = (start + target).min(body.len());
        // Move to the end of the current line. A quoted field never spans lines in these
        // files; a quote left open is reported by the row parser.
        while end < body.len() && body[end - 1] != b'\n' {
            end += 1;
        }
        chunks.push(&body[start..end]);
        start = end;
    }
    chunks
}

/// The first field of `rest` and what follows its separator (`None` at the end of the line).
fn next_field(rest: &[u8]) -> Result<(&[u8], Option<&[u8]>), String> {
    if rest.first() == Some(&b'"') {
        // A quoted field: runs to the quote that is not doubled.
        let mut i = 1;
        while i < rest.len() {
            if rest[i] == b'"' {
                if rest.get(i + 1) == Some(&b'"') {
                    i += 2;
                    continue;
                }
                let after = &rest[i + 1..];
                return match after.first() {
                    None => Ok((&rest[..=i], None)),
                    Some(b',') => Ok((&rest[..=i], Some(&after[1..]))),
                    Some(_) => Err("text after a closing quote".to_owned()),
                };
            }
            i += 1;
        }
        return Err("a quote is not closed on this line".to_owned());
    }
    match rest.iter().position(|&b| b == b',') {
        Some(comma) => Ok((&rest[..comma], Some(&rest[comma + 1..]))),
        None => Ok((rest, None)),
    }
}

/// Splits a whole line into fields (used for the header).
fn split_fields(line: &[u8]) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut rest = line;
    loop {
        let (field, next) = next_field(rest)?;
        fields.push(text(field)?.into_owned());
        match next {
            Some(next) => rest = next,
            None => return Ok(fields),
        }
    }
}

/// A field as text, without its quotes.
fn text(field: &[u8]) -> Result<Cow<'_, str>, String> {
    let field = std::str::from_utf8(field).map_err(|_| "the text is not UTF-8".to_owned())?;
    match field.strip_prefix('"').and_then(|f| f.strip_suffix('"')) {
        Some(inner) if inner.contains("\"\"") => Ok(Cow::Owned(inner.replace("\"\"", "\""))),
        Some(inner) => Ok(Cow::Borrowed(inner)),
        None => Ok(Cow::Borrowed(field.trim())),
    }
}

/// A count: digits with an optional minus sign; empty means "not given".
fn parse_count(field: &[u8]) -> Result<Option<i64>, String> {
    let mut digits = field.trim_ascii();
    if let Some(inner) = digits
        .strip_prefix(b"\"")
        .and_then(|d| d.strip_suffix(b"\""))
    {
        digits = inner.trim_ascii();
    }
    if digits.is_empty() {
        return Ok(None);
    }
    let (negative, unsigned) = match digits.strip_prefix(b"-") {
        Some(rest) => (true, rest),
        None => (false, digits),
    };
    if unsigned.is_empty() || unsigned.len() > 15 || !unsigned.iter().all(u8::is_ascii_digit) {
        return Err(format!(
            "\"{}\" is not a whole number",
            String::from_utf8_lossy(field)
        ));
    }
    let value = unsigned
        .iter()
        .fold(0i64, |v, d| v * 10 + (d - b'0') as i64);
    Ok(Some(if negative { -value } else { value }))
}

fn decode_error(file: &str, error: DecodeError) -> ElectionError {
    ElectionError::file(file, ErrorKind::Unreadable, error.to_string())
}

/// Columns of a protocol CSV that are not protocol lines or candidates.
const PROTOCOL_CSV_FIELDS: &[&str] = &[
    "source",
    "area",
    "station",
    "stations",
    "collected_by",
    "collected_at",
    "origin",
    "note",
];

/// Reads a protocol table (the observers' format documented in `examples/kz-2019/README.md`)
/// into `election`. Accepted: CSV in any encoding and separator that [`crate::sheet`] reads,
/// `.xlsx`, or a JSON array of objects with the same keys.
///
/// Columns: `source` and `area` (names joined by `/`, from the region down) are required;
/// `station` (empty for a row of area totals), `stations` (how many stations area totals
/// cover), `collected_by`, `collected_at`, `origin` and `note` are optional; a column named
/// like a line of the election's protocol (`registered`, `valid`, ...) holds that line; every
/// other column is a candidate. Numbers may use spaces as thousands separators; an empty cell
/// means "not given".
///
/// One result set is added per distinct source, in order of first appearance; their indices
/// are returned. Nothing is added when any row is wrong.
pub fn load_protocol_table(
    election: &mut Election,
    file_name: &str,
    bytes: &[u8],
) -> Result<Vec<usize>, ElectionError> {
    let table = read_table(file_name, bytes)?;
    let find = |name: &str| {
        table
            .headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
    };
    let missing = |name: &str| {
        ElectionError::at(
            file_name,
            table.header_line,
            None,
            Some(name),
            ErrorKind::MissingColumn,
            format!("the column \"{name}\" is missing"),
        )
    };
    let source_column = find("source").ok_or_else(|| missing("source"))?;
    let area_column = find("area").ok_or_else(|| missing("area"))?;
    let station_column = find("station");
    let stations_column = find("stations");
    let provenance_columns = [find("collected_by"), find("collected_at"), find("origin")];

    // Work on a copy so that a bad row leaves the election as it was.
    let mut staged = election.clone();
    let mut count_columns: Vec<(usize, usize)> = Vec::new();
    for (index, header) in table.headers.iter().enumerate() {
        if PROTOCOL_CSV_FIELDS
            .iter()
            .any(|f| header.eq_ignore_ascii_case(f))
        {
            continue;
        }
        let column = match staged
            .protocol
            .lines
            .iter()
            .position(|l| l.key.eq_ignore_ascii_case(header))
        {
            Some(line) => line,
            None if is_line_of_another_protocol(header) => {
                return Err(ElectionError::at(
                    file_name,
                    table.header_line,
                    Some(index + 1),
                    Some(header),
                    ErrorKind::WrongProtocol,
                    format!(
                        "\"{header}\" is a protocol line, but not one of the {} this election uses (choose the protocol with --protocol)",
                        staged.protocol.name
                    ),
                ));
            }
            None => {
                let candidate = staged.add_candidate(header);
                staged.candidate_column(candidate)
            }
        };
        count_columns.push((index, column));
    }

    let width = staged.width();
    let mut sets: Vec<ResultSet> = Vec::new();
    // Where each station and area total was first seen: (earlier result set, line); the set is
    // `None` for this file. A source's protocols may be spread over several files, but each
    // station only once.
    let mut seen_stations: HashMap<(String, AreaId, String), (Option<usize>, u64)> = HashMap::new();
    let mut seen_aggregates: HashMap<(String, AreaId), (Option<usize>, u64)> = HashMap::new();
    for (index, set) in staged.results().iter().enumerate() {
        for station in &set.stations {
            seen_stations.insert(
                (set.source.clone(), station.area, station.station.clone()),
                (Some(index), station.line as u64),
            );
        }
        for aggregate in &set.aggregates {
            seen_aggregates.insert(
                (set.source.clone(), aggregate.area),
                (Some(index), aggregate.line as u64),
            );
        }
    }
    // Official stations already loaded, and the regions they cover: another source's station in
    // such a region must be one of them, or it is most likely a typo in its number or area.
    let official_stations: std::collections::HashSet<(AreaId, String)> = staged
        .results()
        .iter()
        .filter(|set| set.is_official())
        .flat_map(|set| {
            set.stations
                .iter()
                .map(|s| (s.area, s.station.trim().to_owned()))
        })
        .collect();
    let covered_regions: std::collections::HashSet<AreaId> = official_stations
        .iter()
        .filter_map(|(area, _)| staged.areas.region_of(*area))
        .collect();
    let first_seen = |election: &Election, (set, line): (Option<usize>, u64)| match set {
        None => format!("first on line {line}"),
        Some(set) => format!(
            "first in {}, line {line}",
            election.results()[set].provenance.origin
        ),
    };
    for row in &table.rows {
        let line = row.line;
        let cell = |index: usize| row.cells.get(index).map(|c| c.trim()).unwrap_or("");
        let error = |index: usize, kind, problem: String| {
            let mut e = ElectionError::at(
                file_name,
                line,
                Some(index + 1),
                Some(&table.headers[index]),
                kind,
                problem,
            );
            if table.is_json {
                e.line = None;
                e.problem = format!("record {line}: {}", e.problem);
            }
            e
        };
        if row.cells.len() > table.headers.len()
            && row.cells[table.headers.len()..]
                .iter()
                .any(|c| !c.trim().is_empty())
        {
            return Err(ElectionError::at(
                file_name,
                line,
                None,
                None,
                ErrorKind::FieldCount,
                "the row has more cells than the header".to_owned(),
            ));
        }
        let source = cell(source_column);
        if source.is_empty() {
            return Err(error(
                source_column,
                ErrorKind::BadValue,
                "the source is empty (official, observer, ...)".to_owned(),
            ));
        }
        let path: Vec<&str> = cell(area_column)
            .split('/')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        if path.is_empty() {
            return Err(error(
                area_column,
                ErrorKind::BadValue,
                "the area is empty".to_owned(),
            ));
        }
        let area = staged.areas.path_to(&path);
        let mut counts = vec![None; width];
        for &(index, column) in &count_columns {
            counts[column] = parse_count_text(cell(index))
                .map_err(|p| error(index, ErrorKind::NotANumber, p))?;
        }
        let provenance = {
            let [by, at, origin] = provenance_columns.map(|c| c.map(cell).unwrap_or(""));
            (!(by.is_empty() && at.is_empty() && origin.is_empty())).then(|| {
                Box::new(Provenance {
                    collected_by: (!by.is_empty()).then(|| by.to_owned()),
                    collected_at: (!at.is_empty()).then(|| at.to_owned()),
                    origin: origin.to_owned(),
                })
            })
        };
        let set = match sets.iter().position(|s| s.source == source) {
            Some(i) => i,
            None => {
                let origin = Provenance {
                    collected_by: None,
                    collected_at: None,
                    origin: file_name.to_owned(),
                };
                sets.push(ResultSet::new(source, origin));
                sets.len() - 1
            }
        };
        let station = station_column.map(cell).unwrap_or("");
        let stations_text = stations_column.map(cell).unwrap_or("");
        let line32 = line.min(u32::MAX as u64) as u32;
        if station.is_empty() {
            let stations = match parse_count_text(stations_text) {
                Ok(None) => None,
                Ok(Some(n)) if n > 0 && n <= u32::MAX as i64 => Some(n as u32),
                Ok(Some(_)) => {
                    let index = stations_column.unwrap_or(0);
                    return Err(error(
                        index,
                        ErrorKind::BadValue,
                        "an area covers at least one station".to_owned(),
                    ));
                }
                Err(problem) => {
                    return Err(error(
                        stations_column.unwrap_or(0),
                        ErrorKind::NotANumber,
                        problem,
                    ));
                }
            };
            if let Some(first) = seen_aggregates.insert((source.to_owned(), area), (None, line)) {
                return Err(error(
                    area_column,
                    ErrorKind::DuplicateStation,
                    format!(
                        "the {source} totals of {} appear twice ({})",
                        staged.areas.display(area),
                        first_seen(&staged, first)
                    ),
                ));
            }
            sets[set].aggregates.push(AreaAggregate {
                area,
                stations,
                counts,
                provenance,
                line: line32,
            });
        } else {
            if !stations_text.is_empty() {
                let index = stations_column.unwrap_or(0);
                return Err(error(
                    index,
                    ErrorKind::BadValue,
                    "a station row cannot give a number of stations".to_owned(),
                ));
            }
            let region = staged.areas.region_of(area);
            if source != OFFICIAL
                && region.is_some_and(|r| covered_regions.contains(&r))
                && !official_stations.contains(&(area, station.to_owned()))
            {
                return Err(error(
                    station_column.unwrap_or(0),
                    ErrorKind::UnknownStation,
                    format!(
                        "unknown station \"{station}\" in {}: the official results have no such station there",
                        staged.areas.display(area)
                    ),
                ));
            }
            if let Some(first) =
                seen_stations.insert((source.to_owned(), area, station.to_owned()), (None, line))
            {
                return Err(error(
                    station_column.unwrap_or(0),
                    ErrorKind::DuplicateStation,
                    format!(
                        "the {source} protocol of station \"{station}\" in {} appears twice ({})",
                        staged.areas.display(area),
                        first_seen(&staged, first)
                    ),
                ));
            }
            sets[set].stations.push(StationResult {
                area,
                station: station.to_owned(),
                counts,
                provenance,
                line: line32,
            });
        }
    }
    let indices = sets
        .into_iter()
        .map(|set| staged.add_results(set))
        .collect();
    *election = staged;
    Ok(indices)
}

/// Whether `header` is a line key of a built-in protocol: such a column read as a candidate
/// would silently turn a protocol line into votes.
fn is_line_of_another_protocol(header: &str) -> bool {
    [
        ProtocolDefinition::kazakhstan_2019(),
        ProtocolDefinition::russian_cec(),
    ]
    .iter()
    .any(|p| p.lines.iter().any(|l| l.key.eq_ignore_ascii_case(header)))
}

/// A table as read from CSV, XLSX or JSON: headers and rows with the line (or record) number.
struct Table {
    headers: Vec<String>,
    header_line: u64,
    rows: Vec<TableRow>,
    is_json: bool,
}

struct TableRow {
    line: u64,
    cells: Vec<String>,
}

fn read_table(file_name: &str, bytes: &[u8]) -> Result<Table, ElectionError> {
    let start = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(bytes)
        .trim_ascii_start();
    if start.starts_with(b"[") {
        return read_json_table(file_name, start);
    }
    let sheet = crate::sheet::read_sheet(file_name, bytes).map_err(|e| {
        let mut error = ElectionError::file(file_name, ErrorKind::Unreadable, e.to_string());
        // The sheet error already names the file.
        error.problem = error
            .problem
            .strip_prefix(&format!("{file_name}: "))
            .unwrap_or(&error.problem)
            .to_owned();
        error
    })?;
    let header_line = sheet
        .rows
        .first()
        .map_or(1, |r| r.line as u64)
        .saturating_sub(1)
        .max(1);
    Ok(Table {
        headers: sheet.headers,
        header_line,
        rows: sheet
            .rows
            .into_iter()
            .map(|r| TableRow {
                line: r.line as u64,
                cells: r.cells,
            })
            .collect(),
        is_json: false,
    })
}

fn read_json_table(file_name: &str, bytes: &[u8]) -> Result<Table, ElectionError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        ElectionError::at(
            file_name,
            e.line() as u64,
            Some(e.column()),
            None,
            ErrorKind::Unreadable,
            format!("not valid JSON: {e}"),
        )
    })?;
    let records = value.as_array().map(Vec::as_slice).unwrap_or_default();
    let mut headers: Vec<String> = Vec::new();
    for record in records {
        if let Some(object) = record.as_object() {
            for key in object.keys() {
                if !headers.contains(key) {
                    headers.push(key.clone());
                }
            }
        }
    }
    let mut rows = Vec::with_capacity(records.len());
    for (index, record) in records.iter().enumerate() {
        let Some(object) = record.as_object() else {
            return Err(ElectionError::file(
                file_name,
                ErrorKind::Unreadable,
                format!("record {}: expected an object", index + 1),
            ));
        };
        let cells = headers
            .iter()
            .map(|h| match object.get(h) {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            })
            .collect();
        rows.push(TableRow {
            line: index as u64 + 1,
            cells,
        });
    }
    Ok(Table {
        headers,
        header_line: 0,
        rows,
        is_json: true,
    })
}

/// A count as people type it: digits, maybe a minus sign, maybe spaces between thousands.
fn parse_count_text(text: &str) -> Result<Option<i64>, String> {
    let compact: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    parse_count(compact.as_bytes()).map_err(|_| format!("\"{text}\" is not a whole number"))
}

/// The observers' constructed Nur-Sultan sample of `examples/kz-2019/`, embedded.
pub const KZ_2019_OBSERVER_PROTOCOLS: &str =
    include_str!("../../../examples/kz-2019/observer-protocols.csv");
/// The area totals the report publishes (official and observers'), embedded.
pub const KZ_2019_PUBLISHED_TOTALS: &str =
    include_str!("../../../examples/kz-2019/published-totals.csv");

/// The Kazakhstan 2019 case study (`examples/kz-2019/`) as an election: the observers'
/// sample of 74 Nur-Sultan stations (synthetic, constructed to match the report's totals) and
/// the published area totals.
pub fn kz_2019_case_study() -> Election {
    let protocol = ProtocolDefinition::kazakhstan_2019();
    let country = protocol.country.clone();
    let mut election = Election::new(
        "Kazakhstan, presidential election of 9 June 2019",
        protocol,
        &country,
    );
    load_protocol_table(
        &mut election,
        "examples/kz-2019/observer-protocols.csv",
        KZ_2019_OBSERVER_PROTOCOLS.as_bytes(),
    )
    .expect("the embedded observer sample loads");
    load_protocol_table(
        &mut election,
        "examples/kz-2019/published-totals.csv",
        KZ_2019_PUBLISHED_TOTALS.as_bytes(),
    )
    .expect("the embedded published totals load");
    election
}
