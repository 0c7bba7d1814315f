//! Volunteers' spreadsheets: CSV (UTF-8 with or without BOM, Windows-1251, `,` `;` or tab) and
//! Excel `.xlsx`, read into a header row plus data rows that remember their line in the file.
//!
//! This module does not know what the columns mean: mapping them to register fields, and
//! rejecting rows, is the caller's job. It only guarantees that every row can be traced back to
//! the line a person sees in their spreadsheet program, so that an error can say where it is.

use crate::text::{decode_text, sniff_delimiter, DecodeError, SourceEncoding};
use std::io::Cursor;
use time::{Date, Month, PrimitiveDateTime, Time};

/// A spreadsheet as read: its header and its non-empty data rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub format: SheetFormat,
    /// Header cells, trimmed; unique (a repeated header is an error).
    pub headers: Vec<String>,
    pub rows: Vec<SheetRow>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SheetFormat {
    Csv { encoding: SourceEncoding, delimiter: u8 },
    Xlsx { sheet_name: String },
}

/// One data row. `line` is the 1-based line (CSV) or row number (Excel) a person sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    pub line: usize,
    /// Cells as text, trimmed. May be shorter or longer than the header; see `field_count_matches`.
    pub cells: Vec<String>,
}

impl SheetRow {
    /// The cell in `column` (0-based), or `""` when the row is shorter.
    pub fn cell(&self, column: usize) -> &str {
        self.cells.get(column).map(String::as_str).unwrap_or("")
    }
}

impl Sheet {
    /// The 0-based index of a header, compared case-insensitively and ignoring surrounding spaces.
    pub fn column(&self, header: &str) -> Option<usize> {
        let wanted = header.trim().to_lowercase();
        self.headers.iter().position(|h| h.to_lowercase() == wanted)
    }

    /// Whether a row has exactly as many cells as the header (trailing empty cells aside).
    pub fn field_count_matches(&self, row: &SheetRow) -> bool {
        let used = row.cells.iter().rposition(|c| !c.is_empty()).map_or(0, |i| i + 1);
        used <= self.headers.len()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SheetError {
    #[error("{file}: {source}")]
    Decode { file: String, source: DecodeError },
    #[error("{file}: line {line}: {message}")]
    Csv { file: String, line: usize, message: String },
    #[error("{file}: cannot read the Excel workbook: {message}")]
    Xlsx { file: String, message: String },
    #[error("{file}: the file is empty; the first line must name the columns")]
    Empty { file: String },
    #[error("{file}: line {line}, column {column}: the header \"{header}\" appears twice")]
    DuplicateHeader { file: String, line: usize, column: usize, header: String },
    #[error("{file}: line {line}, column {column}: a column has no header")]
    BlankHeader { file: String, line: usize, column: usize },
}

/// Reads a spreadsheet from its bytes; `file_name` is used for the format (`.xlsx`) and in errors.
pub fn read_sheet(file_name: &str, bytes: &[u8]) -> Result<Sheet, SheetError> {
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    if is_zip || file_name.to_lowercase().ends_with(".xlsx") {
        read_xlsx(file_name, bytes)
    } else {
        read_csv(file_name, bytes)
    }
}

/// Turns byte offsets into 1-based line numbers, for offsets asked in increasing order.
struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a [u8]) -> Self {
        LineCounter { text, offset: 0, line: 1 }
    }

    fn line_at(&mut self, byte: usize) -> usize {
        // With CRLF endings the csv crate places a record after the `\r`, before the `\n`; a
        // record never starts with a line break, so skip them to reach its first character.
        let mut byte = byte.min(self.text.len());
        while byte < self.text.len() && matches!(self.text[byte], b'\r' | b'\n') {
            byte += 1;
        }
        if byte < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        self.line += self.text[self.offset..byte].iter().filter(|&&b| b == b'\n').count();
        self.offset = byte;
        self.line
    }
}

fn read_csv(file_name: &str, bytes: &[u8]) -> Result<Sheet, SheetError> {
    let file = file_name.to_owned();
    let (text, encoding) =
        decode_text(bytes).map_err(|source| SheetError::Decode { file: file.clone(), source })?;
    let delimiter = sniff_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    // Lines are counted from byte offsets rather than taken from the csv crate, whose count
    // drifts by one on Windows (CRLF) line endings; a volunteer must find the row we name.
    let mut lines = LineCounter::new(text.as_bytes());
    let mut records = Vec::new();
    for result in reader.records() {
        let record = result.map_err(|error| SheetError::Csv {
            file: file.clone(),
            line: error.position().map_or(0, |p| lines.line_at(p.byte() as usize)),
            message: error.to_string(),
        })?;
        let line = record.position().map_or(0, |p| lines.line_at(p.byte() as usize));
        records.push((line, record.iter().map(|c| c.trim().to_owned()).collect::<Vec<_>>()));
    }
    build_sheet(file, SheetFormat::Csv { encoding, delimiter }, records)
}

fn read_xlsx(file_name: &str, bytes: &[u8]) -> Result<Sheet, SheetError> {
    use calamine::{Data, Reader, Xlsx};
    let file = file_name.to_owned();
    let xlsx_error = |message: String| SheetError::Xlsx { file: file.clone(), message };
    let mut workbook: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| xlsx_error(e.to_string()))?;
    let sheet_name = workbook
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| xlsx_error("the workbook has no sheets".into()))?;
    let range = workbook.worksheet_range(&sheet_name).map_err(|e| xlsx_error(e.to_string()))?;
    // Row numbers are those Excel shows: the range may start below row 1.
    let first_row = range.start().map_or(0, |(row, _)| row as usize);
    let first_column = range.start().map_or(0, |(_, column)| column as usize);
    let mut records = Vec::new();
    for (offset, row) in range.rows().enumerate() {
        let mut cells: Vec<String> = vec![String::new(); first_column];
        cells.extend(row.iter().map(|cell| match cell {
            Data::Empty => String::new(),
            Data::String(s) => s.trim().to_owned(),
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            Data::Float(f) => f.to_string(),
            Data::Int(i) => i.to_string(),
            Data::Bool(b) => b.to_string(),
            Data::DateTime(dt) => excel_serial_to_text(dt.as_f64()),
            Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
            Data::Error(e) => format!("#{e:?}"),
        }));
        records.push((first_row + offset + 1, cells));
    }
    build_sheet(file, SheetFormat::Xlsx { sheet_name }, records)
}

fn build_sheet(
    file: String,
    format: SheetFormat,
    records: Vec<(usize, Vec<String>)>,
) -> Result<Sheet, SheetError> {
    let mut records = records.into_iter().filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()));
    let Some((header_line, mut headers)) = records.next() else {
        return Err(SheetError::Empty { file });
    };
    while headers.last().is_some_and(String::is_empty) {
        headers.pop();
    }
    for (index, header) in headers.iter().enumerate() {
        if header.is_empty() {
            return Err(SheetError::BlankHeader { file, line: header_line, column: index + 1 });
        }
        let lower = header.to_lowercase();
        if headers[..index].iter().any(|h| h.to_lowercase() == lower) {
            return Err(SheetError::DuplicateHeader {
                file,
                line: header_line,
                column: index + 1,
                header: header.clone(),
            });
        }
    }
    let rows = records.map(|(line, cells)| SheetRow { line, cells }).collect();
    Ok(Sheet { format, headers, rows })
}

/// Excel stores dates as days since 1899-12-30 (the 1900 leap-year bug included); we turn them
/// into ISO text so that dates typed as text and dates stored as numbers parse the same way.
fn excel_serial_to_text(serial: f64) -> String {
    let epoch = Date::from_calendar_date(1899, Month::December, 30).expect("valid epoch");
    let days = serial.floor() as i64;
    let seconds = ((serial - serial.floor()) * 86_400.0).round() as i64;
    let Some(date) = epoch.checked_add(time::Duration::days(days)) else {
        return serial.to_string();
    };
    if seconds == 0 {
        date.to_string()
    } else {
        let time = Time::MIDNIGHT + time::Duration::seconds(seconds.min(86_399));
        format!("{date} {:02}:{:02}", time.hour(), time.minute())
    }
}

/// Why a date could not be read; the message is written for the volunteer who typed it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DateError {
    #[error("\"{0}\" is not a date; write it as 09.06.2019 or 2019-06-09")]
    Format(String),
    #[error("\"{0}\" is not a real calendar date")]
    Calendar(String),
    #[error("\"{0}\" has a time that is not valid; write it as 14:30")]
    Time(String),
}

/// Parses a date as volunteers write it: `09.06.2019`, `9.6.2019`, `09/06/2019` (day first, as in
/// Kazakhstan and Russia), `2019-06-09`, or a two-digit year `09.06.19` (taken as 20xx).
pub fn parse_date(text: &str) -> Result<Date, DateError> {
    let trimmed = text.trim();
    let format_error = || DateError::Format(trimmed.to_owned());
    let parts: Vec<&str> = trimmed.split(['.', '/', '-']).collect();
    let [a, b, c] = parts[..] else {
        return Err(format_error());
    };
    let number = |s: &str| -> Result<i32, DateError> {
        if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format_error());
        }
        s.parse().map_err(|_| format_error())
    };
    let (year, month, day) = if a.len() == 4 {
        (number(a)?, number(b)?, number(c)?)
    } else if c.len() == 4 || c.len() == 2 {
        let year = number(c)?;
        (if c.len() == 2 { 2000 + year } else { year }, number(b)?, number(a)?)
    } else {
        return Err(format_error());
    };
    let calendar_error = || DateError::Calendar(trimmed.to_owned());
    let month = u8::try_from(month).ok().and_then(|m| Month::try_from(m).ok()).ok_or_else(calendar_error)?;
    let day = u8::try_from(day).map_err(|_| calendar_error())?;
    Date::from_calendar_date(year, month, day).map_err(|_| calendar_error())
}

/// Parses a date with an optional time: `09.06.2019 14:30`, `2019-06-09T14:30:00`, or a bare date
/// (taken as midnight, and reported as such by the `bool`: `false` means no time was given).
pub fn parse_date_time(text: &str) -> Result<(PrimitiveDateTime, bool), DateError> {
    let trimmed = text.trim();
    let (date_part, time_part) = match trimmed.split_once([' ', 'T']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (trimmed, None),
    };
    let date = parse_date(date_part)?;
    let Some(time_text) = time_part else {
        return Ok((PrimitiveDateTime::new(date, Time::MIDNIGHT), false));
    };
    let time_error = || DateError::Time(trimmed.to_owned());
    let pieces: Vec<&str> = time_text.split(':').collect();
    if !(2..=3).contains(&pieces.len()) {
        return Err(time_error());
    }
    let mut values = [0u8; 3];
    for (slot, piece) in values.iter_mut().zip(&pieces) {
        if piece.is_empty() || piece.len() > 2 || !piece.bytes().all(|b| b.is_ascii_digit()) {
            return Err(time_error());
        }
        *slot = piece.parse().map_err(|_| time_error())?;
    }
    let time = Time::from_hms(values[0], values[1], values[2]).map_err(|_| time_error())?;
    Ok((PrimitiveDateTime::new(date, time), true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_date(input: &str, expected: &str) {
        let found = match parse_date(input) {
            Ok(date) => date.to_string(),
            Err(error) => format!("error: {error}"),
        };
        assert_eq!(found, expected, "parse_date({input:?})");
    }

    #[test]
    fn dates_as_volunteers_write_them() {
        check_date("09.06.2019", "2019-06-09");
        check_date("9.6.2019", "2019-06-09");
        check_date(" 2019-06-09 ", "2019-06-09");
        check_date("09/06/2019", "2019-06-09");
        check_date("09.06.19", "2019-06-09");
        check_date("31.06.2019", "error: \"31.06.2019\" is not a real calendar date");
        check_date("29.02.2019", "error: \"29.02.2019\" is not a real calendar date");
        check_date("29.02.2020", "2020-02-29");
        check_date("2019-13-01", "error: \"2019-13-01\" is not a real calendar date");
        check_date("June 9", "error: \"June 9\" is not a date; write it as 09.06.2019 or 2019-06-09");
        check_date("", "error: \"\" is not a date; write it as 09.06.2019 or 2019-06-09");
        check_date("09.06.2019.", "error: \"09.06.2019.\" is not a date; write it as 09.06.2019 or 2019-06-09");
        check_date("+9.06.2019", "error: \"+9.06.2019\" is not a date; write it as 09.06.2019 or 2019-06-09");
    }

    fn check_date_time(input: &str, expected: &str) {
        let found = match parse_date_time(input) {
            Ok((value, has_time)) => format!("{value} {has_time}"),
            Err(error) => format!("error: {error}"),
        };
        assert_eq!(found, expected, "parse_date_time({input:?})");
    }

    #[test]
    fn date_times() {
        check_date_time("09.06.2019 14:30", "2019-06-09 14:30:00.0 true");
        check_date_time("2019-06-09T23:05:10", "2019-06-09 23:05:10.0 true");
        check_date_time("09.06.2019", "2019-06-09 0:00:00.0 false");
        check_date_time("09.06.2019 25:00", "error: \"09.06.2019 25:00\" has a time that is not valid; write it as 14:30");
        check_date_time("09.06.2019 14h", "error: \"09.06.2019 14h\" has a time that is not valid; write it as 14:30");
    }

    fn lines_and_cells(sheet: &Sheet) -> Vec<(usize, Vec<&str>)> {
        sheet.rows.iter().map(|r| (r.line, r.cells.iter().map(String::as_str).collect())).collect()
    }

    #[test]
    fn csv_with_bom_semicolons_and_quoted_newlines_keeps_line_numbers() {
        let text = "\u{feff}Имя;Город\n\"Ерлан\nБекұлы\";Алматы\n\n ;  \nАйгүл ; Нур-Султан\n";
        let sheet = read_sheet("list.csv", text.as_bytes()).unwrap();
        assert_eq!(sheet.format, SheetFormat::Csv { encoding: SourceEncoding::Utf8WithBom, delimiter: b';' });
        assert_eq!(sheet.headers, ["Имя", "Город"]);
        assert_eq!(
            lines_and_cells(&sheet),
            [(2, vec!["Ерлан\nБекұлы", "Алматы"]), (6, vec!["Айгүл", "Нур-Султан"])]
        );
        assert_eq!(sheet.column("город"), Some(1));
    }

    #[test]
    fn windows_line_endings_keep_line_numbers() {
        let text = "name,city\r\nAsem,Almaty\r\n\r\n\"Erlan\r\nB\",Astana\r\nAigul,Aktobe\r\n";
        let sheet = read_sheet("list.csv", text.as_bytes()).unwrap();
        let lines: Vec<usize> = sheet.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 4, 6]);
    }

    #[test]
    fn csv_in_windows_1251() {
        // "Имя,Город\nАсем,Алматы" encoded in Windows-1251.
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode("Имя,Город\nАсем,Алматы\n");
        let sheet = read_sheet("list.csv", &bytes).unwrap();
        assert_eq!(sheet.format, SheetFormat::Csv { encoding: SourceEncoding::Windows1251, delimiter: b',' });
        assert_eq!(lines_and_cells(&sheet), [(2, vec!["Асем", "Алматы"])]);
    }

    #[test]
    fn header_problems_are_named_with_their_place() {
        let check = |text: &str, expected: &str| {
            assert_eq!(read_sheet("list.csv", text.as_bytes()).unwrap_err().to_string(), expected);
        };
        check("", "list.csv: the file is empty; the first line must name the columns");
        check("\n\n", "list.csv: the file is empty; the first line must name the columns");
        check("name,city,Name\n", "list.csv: line 1, column 3: the header \"Name\" appears twice");
        check("name,,city\n", "list.csv: line 1, column 2: a column has no header");
    }

    #[test]
    fn short_and_long_rows_are_kept_for_the_caller_to_judge() {
        let sheet = read_sheet("x.csv", b"a,b,c\n1,2\n1,2,3,4\n1,2,3,,\n").unwrap();
        let verdicts: Vec<bool> = sheet.rows.iter().map(|r| sheet.field_count_matches(r)).collect();
        assert_eq!(verdicts, [true, false, true]);
        assert_eq!(sheet.rows[0].cell(2), "");
    }

    #[test]
    fn xlsx_with_dates_numbers_and_text() {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name("Задержанные").unwrap();
        let date_format = Format::new().set_num_format("dd.mm.yyyy");
        sheet.write_string(0, 0, "ФИО").unwrap();
        sheet.write_string(0, 1, "Дата").unwrap();
        sheet.write_string(0, 2, "Часы").unwrap();
        sheet.write_string(1, 0, " Синтетический Тест ").unwrap();
        let date = ExcelDateTime::from_ymd(2019, 6, 9).unwrap();
        sheet.write_datetime_with_format(1, 1, &date, &date_format).unwrap();
        sheet.write_number(1, 2, 14.0).unwrap();
        sheet.write_string(3, 0, "Второй").unwrap();
        sheet.write_string(3, 1, "10.06.2019").unwrap();
        sheet.write_number(3, 2, 2.5).unwrap();
        let bytes = workbook.save_to_buffer().unwrap();

        let read = read_sheet("list.xlsx", &bytes).unwrap();
        assert_eq!(read.format, SheetFormat::Xlsx { sheet_name: "Задержанные".into() });
        assert_eq!(read.headers, ["ФИО", "Дата", "Часы"]);
        assert_eq!(
            lines_and_cells(&read),
            [(2, vec!["Синтетический Тест", "2019-06-09", "14"]), (4, vec!["Второй", "10.06.2019", "2.5"])]
        );
        assert_eq!(parse_date(read.rows[0].cell(1)).unwrap().to_string(), "2019-06-09");
    }

    #[test]
    fn a_broken_workbook_is_a_clear_error() {
        let error = read_sheet("list.xlsx", b"PK\x03\x04not really a zip").unwrap_err();
        assert!(matches!(error, SheetError::Xlsx { ref file, .. } if file == "list.xlsx"), "{error}");
    }
}
