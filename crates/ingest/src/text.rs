//! Text decoding shared by every reader: byte-order marks, UTF-8 or Windows-1251, the field
//! separator, and the single CSV inside a `.zip`.

use std::io::Read;

/// The encoding a file was decoded from, reported back to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceEncoding {
    Utf8,
    Utf8WithBom,
    Windows1251,
}

/// Decodes a whole file into text. UTF-8 (with or without a BOM) is taken as it is; bytes that
/// are not valid UTF-8 are read as Windows-1251, the usual encoding of spreadsheets saved by
/// Russian-language Excel. A UTF-16 BOM is refused with a clear message rather than misread.
pub fn decode_text(bytes: &[u8]) -> Result<(String, SourceEncoding), DecodeError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(DecodeError::Utf16);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok((text.to_owned(), SourceEncoding::Utf8WithBom)),
            Err(error) => Err(DecodeError::InvalidUtf8 { byte_offset: error.valid_up_to() + 3 }),
        };
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok((text.to_owned(), SourceEncoding::Utf8)),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1251.decode(bytes);
            Ok((text.into_owned(), SourceEncoding::Windows1251))
        }
    }
}

/// Guesses the field separator from the header line: the most frequent of `,`, `;` and tab
/// outside quotes. Ties go to `,`.
pub fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let mut in_quotes = false;
    let mut counts = [0usize; 3];
    for ch in header.chars() {
        match ch {
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => counts[0] += 1,
            ';' if !in_quotes => counts[1] += 1,
            '\t' if !in_quotes => counts[2] += 1,
            _ => {}
        }
    }
    let separators = [b',', b';', b'\t'];
    let mut best = 0;
    for i in 1..3 {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    separators[best]
}

/// Returns the bytes of a file, unpacking it when it is a `.zip` holding one data file (as the
/// files in `shared/data/ru/` are).
pub fn unpack_if_zip(bytes: Vec<u8>) -> Result<Vec<u8>, DecodeError> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return Ok(bytes);
    }
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| DecodeError::Zip(e.to_string()))?;
    let data_files: Vec<usize> = (0..archive.len())
        .filter(|&i| archive.by_index(i).map(|f| f.is_file() && !f.name().starts_with("__MACOSX")).unwrap_or(false))
        .collect();
    let [index] = data_files[..] else {
        return Err(DecodeError::Zip(format!("expected one file in the archive, found {}", data_files.len())));
    };
    let mut entry = archive.by_index(index).map_err(|e| DecodeError::Zip(e.to_string()))?;
    let mut out = Vec::with_capacity(entry.size() as usize);
    entry.read_to_end(&mut out).map_err(|e| DecodeError::Zip(e.to_string()))?;
    Ok(out)
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("the file is UTF-16; save it as UTF-8 or Windows-1251 CSV")]
    Utf16,
    #[error("the file starts with a UTF-8 byte-order mark but has invalid UTF-8 at byte {byte_offset}")]
    InvalidUtf8 { byte_offset: usize },
    #[error("cannot read the zip archive: {0}")]
    Zip(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_decode(bytes: &[u8], expected: &str, encoding: SourceEncoding) {
        let (text, found) = decode_text(bytes).unwrap();
        assert_eq!(text, expected);
        assert_eq!(found, encoding);
    }

    #[test]
    fn decodes_utf8_bom_and_cp1251() {
        check_decode("Иванов;1".as_bytes(), "Иванов;1", SourceEncoding::Utf8);
        check_decode(b"\xEF\xBB\xBFname", "name", SourceEncoding::Utf8WithBom);
        // "Алматы" in Windows-1251.
        check_decode(b"\xC0\xEB\xEC\xE0\xF2\xFB", "Алматы", SourceEncoding::Windows1251);
        assert_eq!(decode_text(b"\xFF\xFEa\0"), Err(DecodeError::Utf16));
    }

    #[test]
    fn sniffs_the_separator_outside_quotes() {
        assert_eq!(sniff_delimiter("a,b,c\n1,2,3"), b',');
        assert_eq!(sniff_delimiter("a;b;c\n"), b';');
        assert_eq!(sniff_delimiter("\"a,b\";c;d\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\tc"), b'\t');
        assert_eq!(sniff_delimiter("single"), b',');
    }
}
