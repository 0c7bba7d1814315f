//! Photos of protocols that observers upload: recognised (JPEG or PNG only), hashed, and
//! copied without the metadata that can expose the observer.
//!
//! A phone's photo carries where it was taken (EXIF GPS), the device (make, model, serial
//! numbers, software), and often the time and the owner's name. The app keeps the SHA-256 of the
//! original file as evidence that a copy was not altered, and serves only a copy with that
//! metadata removed. The copy is made by walking the file's structure and dropping whole
//! segments (JPEG) or chunks (PNG); the image data itself is never decoded or re-encoded, so the
//! pixels are byte-identical and nothing heavy is needed.
//!
//! What is kept in a JPEG: APP0 (JFIF/JFXX: pixel density, needed by some decoders), APP2
//! `ICC_PROFILE` (the colour profile: it describes colours, not the device or the place), APP14
//! `Adobe` (the colour transform that CMYK/YCCK files need to decode), and every segment that
//! codes the image (tables, frames, scans). Dropped: APP1 (EXIF, with GPS, device and time, and
//! XMP), every other APPn (maker notes, Photoshop IPTC, multi-picture data, ...), comments, and
//! any bytes after the end-of-image marker (some phones append a second image or their own
//! data there).
//!
//! In a PNG: `eXIf`, `tEXt`, `zTXt`, `iTXt` and `tIME` chunks are dropped, and bytes after
//! `IEND`; every chunk's CRC is checked, so a damaged file is refused rather than half-copied.
//!
//! Known loss: the EXIF orientation tag goes with the rest of EXIF, so a phone photo taken in
//! portrait may be served rotated. The pixels and the original's hash are unchanged; a person
//! reading the protocol can turn their head or the image viewer.
//!
//! Pure: bytes in, bytes out; bad input is an error naming the offset, never a panic.

use sha2::{Digest, Sha256};

/// The largest photo accepted: a phone's full-resolution JPEG is 2-8 MB.
pub const MAX_PHOTO_BYTES: usize = 15 * 1024 * 1024;

/// The image formats accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoKind {
    Jpeg,
    Png,
}

impl PhotoKind {
    /// The media type the served copy is sent with.
    pub fn content_type(self) -> &'static str {
        match self {
            PhotoKind::Jpeg => "image/jpeg",
            PhotoKind::Png => "image/png",
        }
    }

    /// The file extension for downloads.
    pub fn extension(self) -> &'static str {
        match self {
            PhotoKind::Jpeg => "jpg",
            PhotoKind::Png => "png",
        }
    }
}

/// A checked photo: the original's hash and size, and the copy to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanedPhoto {
    pub kind: PhotoKind,
    /// SHA-256 of the uploaded file, lowercase hex.
    pub original_sha256: String,
    pub original_size: usize,
    /// The copy without location and device metadata.
    pub served: Vec<u8>,
    /// SHA-256 of `served`, lowercase hex.
    pub served_sha256: String,
    /// The kinds of metadata removed, in the order first met, each once: `exif`, `xmp`,
    /// `comment`, `app1`..`app15` (other application segments), `png-exif`, `png-text`,
    /// `png-time`, `trailing-data`.
    pub removed: Vec<String>,
}

/// Why a file is not accepted as a photo.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("the photo is empty")]
    Empty,
    #[error("the photo is {size} bytes; the limit is {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("the file is not a JPEG or PNG image (only these are accepted)")]
    UnsupportedFormat,
    #[error("the {format} file is cut off at byte {offset}: {what}")]
    Truncated {
        format: &'static str,
        offset: usize,
        what: String,
    },
    #[error("the {format} file is damaged at byte {offset}: {problem}")]
    Malformed {
        format: &'static str,
        offset: usize,
        problem: String,
    },
}

const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// Recognises the format by its first bytes (never by a file name or a declared type).
pub fn detect(bytes: &[u8]) -> Option<PhotoKind> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(PhotoKind::Jpeg)
    } else if bytes.starts_with(PNG_SIGNATURE) {
        Some(PhotoKind::Png)
    } else {
        None
    }
}

/// Checks `bytes` and returns the hashes and the copy to serve.
pub fn clean_photo(bytes: &[u8]) -> Result<CleanedPhoto, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(PhotoError::TooLarge {
            size: bytes.len(),
            limit: MAX_PHOTO_BYTES,
        });
    }
    let kind = detect(bytes).ok_or(PhotoError::UnsupportedFormat)?;
    let mut removed = Vec::new();
    let served = match kind {
        PhotoKind::Jpeg => strip_jpeg(bytes, &mut removed)?,
        PhotoKind::Png => strip_png(bytes, &mut removed)?,
    };
    Ok(CleanedPhoto {
        kind,
        original_sha256: sha256_hex(bytes),
        original_size: bytes.len(),
        served_sha256: sha256_hex(&served),
        served,
        removed,
    })
}

/// SHA-256 of `bytes` as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn note(removed: &mut Vec<String>, kind: &str) {
    if !removed.iter().any(|known| known == kind) {
        removed.push(kind.to_owned());
    }
}

fn jpeg_truncated(offset: usize, what: &str) -> PhotoError {
    PhotoError::Truncated {
        format: "JPEG",
        offset,
        what: what.to_owned(),
    }
}

fn jpeg_malformed(offset: usize, problem: String) -> PhotoError {
    PhotoError::Malformed {
        format: "JPEG",
        offset,
        problem,
    }
}

/// Walks the JPEG's markers from SOI to EOI, copying the segments to keep. After each scan
/// header the entropy-coded data is copied up to the next real marker (a 0xFF not followed by
/// a stuffed zero or a restart marker), so progressive files, whose later scans and tables come
/// after the first scan, are walked to the end too.
fn strip_jpeg(bytes: &[u8], removed: &mut Vec<String>) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..2]);
    let mut at = 2;
    let mut seen_frame = false;
    loop {
        // Markers may be preceded by any number of 0xFF fill bytes.
        if at >= bytes.len() {
            return Err(jpeg_truncated(at, "no end-of-image marker"));
        }
        if bytes[at] != 0xFF {
            return Err(jpeg_malformed(
                at,
                format!("expected a marker, found byte 0x{:02X}", bytes[at]),
            ));
        }
        while at < bytes.len() && bytes[at] == 0xFF {
            at += 1;
        }
        let Some(&marker) = bytes.get(at) else {
            return Err(jpeg_truncated(at, "a marker is cut off"));
        };
        let marker_at = at - 1;
        at += 1;
        match marker {
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                if at < bytes.len() {
                    note(removed, "trailing-data");
                }
                if !seen_frame {
                    return Err(jpeg_malformed(
                        marker_at,
                        "the image has no frame header".into(),
                    ));
                }
                return Ok(out);
            }
            0x00 | 0xD8 => {
                return Err(jpeg_malformed(
                    marker_at,
                    format!("unexpected marker 0xFF{marker:02X}"),
                ));
            }
            // Standalone markers without a length.
            0x01 | 0xD0..=0xD7 => out.extend_from_slice(&[0xFF, marker]),
            _ => {
                let Some(length_bytes) = bytes.get(at..at + 2) else {
                    return Err(jpeg_truncated(at, "a segment length is cut off"));
                };
                let length = usize::from(u16::from_be_bytes([length_bytes[0], length_bytes[1]]));
                if length < 2 {
                    return Err(jpeg_malformed(
                        at,
                        format!("segment 0xFF{marker:02X} has length {length}"),
                    ));
                }
                let end = at + length;
                if end > bytes.len() {
                    return Err(jpeg_truncated(
                        bytes.len(),
                        &format!("segment 0xFF{marker:02X} needs {length} bytes"),
                    ));
                }
                let payload = &bytes[at + 2..end];
                let keep = match marker {
                    0xE0 => true,
                    0xE1 => {
                        if payload.starts_with(b"Exif\0") {
                            note(removed, "exif");
                        } else if payload.starts_with(b"http://ns.adobe.com/") {
                            note(removed, "xmp");
                        } else {
                            note(removed, "app1");
                        }
                        false
                    }
                    0xE2 if payload.starts_with(b"ICC_PROFILE\0") => true,
                    0xEE if payload.starts_with(b"Adobe") => true,
                    0xE2..=0xEF => {
                        note(removed, &format!("app{}", marker - 0xE0));
                        false
                    }
                    0xFE => {
                        note(removed, "comment");
                        false
                    }
                    _ => true,
                };
                if matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF) {
                    seen_frame = true;
                }
                if keep {
                    out.extend_from_slice(&bytes[marker_at..end]);
                }
                at = end;
                if marker == 0xDA {
                    if !seen_frame {
                        return Err(jpeg_malformed(
                            marker_at,
                            "a scan comes before the frame header".into(),
                        ));
                    }
                    let data_end = entropy_data_end(bytes, at)?;
                    out.extend_from_slice(&bytes[at..data_end]);
                    at = data_end;
                }
            }
        }
    }
}

/// The offset of the first marker after entropy-coded data starting at `from`.
fn entropy_data_end(bytes: &[u8], from: usize) -> Result<usize, PhotoError> {
    let mut at = from;
    while at < bytes.len() {
        if bytes[at] == 0xFF {
            match bytes.get(at + 1) {
                None => break,
                // A stuffed zero or a restart marker belongs to the data.
                Some(0x00 | 0xD0..=0xD7) => at += 2,
                Some(_) => return Ok(at),
            }
        } else {
            at += 1;
        }
    }
    Err(jpeg_truncated(
        bytes.len(),
        "the image data has no end-of-image marker",
    ))
}

fn png_truncated(offset: usize, what: &str) -> PhotoError {
    PhotoError::Truncated {
        format: "PNG",
        offset,
        what: what.to_owned(),
    }
}

fn png_malformed(offset: usize, problem: String) -> PhotoError {
    PhotoError::Malformed {
        format: "PNG",
        offset,
        problem,
    }
}

/// Copies the PNG's chunks up to `IEND`, checking each CRC and dropping the text, time and
/// EXIF chunks.
fn strip_png(bytes: &[u8], removed: &mut Vec<String>) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(PNG_SIGNATURE);
    let mut at = PNG_SIGNATURE.len();
    let mut first = true;
    loop {
        let Some(header) = bytes.get(at..at + 8) else {
            return Err(png_truncated(at, "no IEND chunk"));
        };
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        if length > 0x7FFF_FFFF {
            return Err(png_malformed(
                at,
                format!("chunk length {length} is over the format's limit"),
            ));
        }
        let kind: [u8; 4] = [header[4], header[5], header[6], header[7]];
        if !kind.iter().all(u8::is_ascii_alphabetic) {
            return Err(png_malformed(
                at + 4,
                "a chunk type is not four letters".into(),
            ));
        }
        let name = String::from_utf8_lossy(&kind).into_owned();
        if first && &kind != b"IHDR" {
            return Err(png_malformed(
                at + 4,
                format!("the first chunk is {name}, not IHDR"),
            ));
        }
        first = false;
        let end = at + 12 + length as usize;
        if end > bytes.len() {
            return Err(png_truncated(
                bytes.len(),
                &format!("chunk {name} needs {} bytes", 12 + length),
            ));
        }
        let stored = u32::from_be_bytes([
            bytes[end - 4],
            bytes[end - 3],
            bytes[end - 2],
            bytes[end - 1],
        ]);
        if crc32(&bytes[at + 4..end - 4]) != stored {
            return Err(png_malformed(
                at,
                format!("chunk {name} fails its CRC check"),
            ));
        }
        match &kind {
            b"eXIf" => note(removed, "png-exif"),
            b"tEXt" | b"zTXt" | b"iTXt" => note(removed, "png-text"),
            b"tIME" => note(removed, "png-time"),
            _ => out.extend_from_slice(&bytes[at..end]),
        }
        at = end;
        if &kind == b"IEND" {
            if at < bytes.len() {
                note(removed, "trailing-data");
            }
            return Ok(out);
        }
    }
}

/// CRC-32 (ISO 3309, as PNG uses it), bitwise: photos are checked once, at upload.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Constructed images for the tests of code that handles photos (this module's, the web app's,
/// the browser scenario's). No real photo: every byte is written here.
pub mod samples {
    use super::crc32;

    /// One JPEG segment: marker, big-endian length, payload.
    pub fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![0xFF, marker];
        out.extend_from_slice(
            &u16::try_from(payload.len() + 2)
                .unwrap_or(u16::MAX)
                .to_be_bytes(),
        );
        out.extend_from_slice(payload);
        out
    }

    /// The segments of a decodable 8x8 grey baseline JPEG after SOI and before the scan's
    /// data: JFIF, quantisation table, frame, one DC and one AC Huffman table with a single
    /// one-bit code each, scan header.
    fn jpeg_head() -> Vec<u8> {
        let mut out = Vec::new();
        out.extend(segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
        let mut dqt = vec![0u8];
        dqt.extend([1u8; 64]);
        out.extend(segment(0xDB, &dqt));
        out.extend(segment(0xC0, &[8, 0, 8, 0, 8, 1, 1, 0x11, 0]));
        for class in [0x00u8, 0x10] {
            let mut dht = vec![class, 1];
            dht.extend([0u8; 15]);
            dht.push(0);
            out.extend(segment(0xC4, &dht));
        }
        out.extend(segment(0xDA, &[1, 1, 0, 0, 63, 0]));
        out
    }

    /// A minimal decodable JPEG (a uniform grey 8x8 square), with `extra` segments (APPn,
    /// comments) inserted after the JFIF segment.
    pub fn jpeg_with(extra: &[Vec<u8>]) -> Vec<u8> {
        let head = jpeg_head();
        let jfif_end = 2 + usize::from(u16::from_be_bytes([head[2], head[3]]));
        let mut out = vec![0xFF, 0xD8];
        out.extend_from_slice(&head[..jfif_end]);
        for segment in extra {
            out.extend_from_slice(segment);
        }
        out.extend_from_slice(&head[jfif_end..]);
        // DC difference category 0 ("0"), end of block ("0"), padded with ones.
        out.push(0x3F);
        out.extend_from_slice(&[0xFF, 0xD9]);
        out
    }

    /// An APP1 EXIF segment (little-endian TIFF) with the camera's make and model in IFD0 and
    /// a GPS IFD giving latitude 43°14'N and longitude 76°54'E (Almaty).
    pub fn exif_with_gps(make: &str, model: &str) -> Vec<u8> {
        let ascii = |text: &str| {
            let mut bytes = text.as_bytes().to_vec();
            bytes.push(0);
            bytes
        };
        let (make, model) = (ascii(make), ascii(model));
        // TIFF header (8) + IFD0: count (2) + 3 entries (36) + next (4) = 50; then the values.
        let ifd0_values = 8 + 2 + 3 * 12 + 4;
        let make_at = ifd0_values;
        let model_at = make_at + make.len();
        let gps_at = model_at + model.len();
        // GPS IFD: count + 4 entries + next = 54; then two triples of rationals (24 each).
        let latitude_at = gps_at + 2 + 4 * 12 + 4;
        let longitude_at = latitude_at + 24;
        let u16le = |v: u16| v.to_le_bytes();
        let u32le = |v: usize| u32::try_from(v).unwrap_or(u32::MAX).to_le_bytes();
        let entry = |tag: u16, kind: u16, count: usize, value: [u8; 4]| {
            let mut out = Vec::new();
            out.extend(u16le(tag));
            out.extend(u16le(kind));
            out.extend(u32le(count));
            out.extend(value);
            out
        };
        let mut tiff = b"II*\0".to_vec();
        tiff.extend(u32le(8));
        tiff.extend(u16le(3));
        tiff.extend(entry(0x010F, 2, make.len(), u32le(make_at)));
        tiff.extend(entry(0x0110, 2, model.len(), u32le(model_at)));
        tiff.extend(entry(0x8825, 4, 1, u32le(gps_at)));
        tiff.extend(u32le(0));
        tiff.extend(&make);
        tiff.extend(&model);
        tiff.extend(u16le(4));
        tiff.extend(entry(0x0001, 2, 2, *b"N\0\0\0"));
        tiff.extend(entry(0x0002, 5, 3, u32le(latitude_at)));
        tiff.extend(entry(0x0003, 2, 2, *b"E\0\0\0"));
        tiff.extend(entry(0x0004, 5, 3, u32le(longitude_at)));
        tiff.extend(u32le(0));
        for (degrees, minutes) in [(43, 14), (76, 54)] {
            for (numerator, denominator) in [(degrees, 1), (minutes, 1), (0, 1)] {
                tiff.extend(u32le(numerator));
                tiff.extend(u32le(denominator));
            }
        }
        let mut payload = b"Exif\0\0".to_vec();
        payload.extend(tiff);
        segment(0xE1, &payload)
    }

    /// A JPEG photo as a phone would send it: EXIF with GPS and the device.
    pub fn jpeg_with_gps() -> Vec<u8> {
        jpeg_with(&[exif_with_gps("SyntheticPhone", "Model X-1")])
    }

    /// One PNG chunk with its CRC.
    pub fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = u32::try_from(data.len())
            .unwrap_or(u32::MAX)
            .to_be_bytes()
            .to_vec();
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
        out
    }

    /// A 1x1 grey PNG with `extra` chunks after IHDR.
    pub fn png_with(extra: &[Vec<u8>]) -> Vec<u8> {
        let mut out = super::PNG_SIGNATURE.to_vec();
        out.extend(png_chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
        for chunk in extra {
            out.extend_from_slice(chunk);
        }
        // zlib stream of one stored block holding the filter byte and one grey pixel.
        out.extend(png_chunk(
            b"IDAT",
            &[
                0x78, 0x01, 0x01, 0x02, 0x00, 0xFD, 0xFF, 0x00, 0x80, 0x00, 0x82, 0x00, 0x81,
            ],
        ));
        out.extend(png_chunk(b"IEND", &[]));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::samples::*;
    use super::*;

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack
            .windows(needle.len())
            .any(|window| window == needle)
    }

    #[test]
    fn jpeg_with_gps_exif_comes_back_without_it_and_otherwise_identical() {
        let plain = jpeg_with(&[]);
        let photo = jpeg_with_gps();
        assert!(contains(&photo, b"SyntheticPhone"));
        let cleaned = clean_photo(&photo).unwrap();
        assert_eq!(cleaned.kind, PhotoKind::Jpeg);
        assert_eq!(cleaned.served, plain);
        assert_eq!(cleaned.removed, vec!["exif".to_owned()]);
        assert!(
            !contains(&cleaned.served, b"Exif") && !contains(&cleaned.served, b"SyntheticPhone")
        );
        assert_eq!(cleaned.original_size, photo.len());
        assert_eq!(cleaned.original_sha256, sha256_hex(&photo));
        assert_eq!(cleaned.served_sha256, sha256_hex(&plain));
        assert_ne!(cleaned.original_sha256, cleaned.served_sha256);
    }

    #[test]
    fn sha256_matches_the_standard_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn jpeg_segments_are_kept_or_dropped_by_kind() {
        let icc = segment(0xE2, b"ICC_PROFILE\0\x01\x01profile");
        let adobe = segment(0xEE, b"Adobe\0\x64\0\0\0\0\x01");
        let check = |extra: Vec<Vec<u8>>, kept: Vec<Vec<u8>>, expected: &[&str]| {
            let cleaned = clean_photo(&jpeg_with(&extra)).unwrap();
            assert_eq!(cleaned.served, jpeg_with(&kept), "{expected:?}");
            assert_eq!(cleaned.removed, expected);
        };
        check(
            vec![segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>")],
            vec![],
            &["xmp"],
        );
        check(
            vec![segment(0xFE, b"taken by someone")],
            vec![],
            &["comment"],
        );
        check(
            vec![segment(0xED, b"Photoshop 3.0\0IPTC")],
            vec![],
            &["app13"],
        );
        check(vec![segment(0xE2, b"MPF\0data")], vec![], &["app2"]);
        check(
            vec![icc.clone(), adobe.clone()],
            vec![icc.clone(), adobe.clone()],
            &[],
        );
        check(
            vec![
                exif_with_gps("A", "B"),
                icc.clone(),
                segment(0xFE, b"x"),
                exif_with_gps("C", "D"),
            ],
            vec![icc],
            &["exif", "comment"],
        );
    }

    #[test]
    fn bytes_after_the_end_of_image_are_dropped() {
        let mut photo = jpeg_with(&[]);
        photo.extend_from_slice(b"appended second image or maker data");
        let cleaned = clean_photo(&photo).unwrap();
        assert_eq!(cleaned.served, jpeg_with(&[]));
        assert_eq!(cleaned.removed, vec!["trailing-data".to_owned()]);
    }

    #[test]
    fn markers_inside_the_image_data_are_walked_correctly() {
        // Stuffed zeros and restart markers stay in the data; a comment after the scan (as in
        // progressive files, whose later scans follow the first) is found and dropped.
        let plain = jpeg_with(&[]);
        let data_at = plain.len() - 3;
        let mut photo = plain[..data_at].to_vec();
        photo.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD3, 0x56]);
        let mut expected = photo.clone();
        photo.extend(segment(0xFE, b"late comment"));
        photo.extend_from_slice(&[0xFF, 0xD9]);
        expected.extend_from_slice(&[0xFF, 0xD9]);
        let cleaned = clean_photo(&photo).unwrap();
        assert_eq!(cleaned.served, expected);
        assert_eq!(cleaned.removed, vec!["comment".to_owned()]);
    }

    #[test]
    fn png_text_time_and_exif_chunks_are_dropped() {
        let photo = png_with(&[
            png_chunk(b"tEXt", b"Author\0someone"),
            png_chunk(b"eXIf", b"MM\0*"),
            png_chunk(b"pHYs", &[0, 0, 0x0B, 0x13, 0, 0, 0x0B, 0x13, 1]),
            png_chunk(b"tIME", &[0x07, 0xEA, 11, 25, 12, 0, 0]),
            png_chunk(b"iTXt", b"GPS\0\0\0\0\0here"),
            png_chunk(b"zTXt", b"Comment\0\0x"),
        ]);
        let cleaned = clean_photo(&photo).unwrap();
        assert_eq!(cleaned.kind, PhotoKind::Png);
        assert_eq!(
            cleaned.served,
            png_with(&[png_chunk(b"pHYs", &[0, 0, 0x0B, 0x13, 0, 0, 0x0B, 0x13, 1])])
        );
        assert_eq!(cleaned.removed, vec!["png-text", "png-exif", "png-time"]);
        assert_eq!(
            clean_photo(&png_with(&[])).unwrap().removed,
            Vec::<String>::new()
        );
    }

    #[test]
    fn other_formats_are_refused() {
        let check = |bytes: &[u8], expected: PhotoError| {
            assert_eq!(clean_photo(bytes), Err(expected), "{bytes:?}")
        };
        check(b"", PhotoError::Empty);
        check(b"GIF89a\x01\0\x01\0", PhotoError::UnsupportedFormat);
        check(
            b"<svg xmlns='http://www.w3.org/2000/svg'/>",
            PhotoError::UnsupportedFormat,
        );
        check(b"%PDF-1.7", PhotoError::UnsupportedFormat);
        check(b"\xFF\xD8", PhotoError::UnsupportedFormat);
        let huge = vec![0u8; MAX_PHOTO_BYTES + 1];
        check(
            &huge,
            PhotoError::TooLarge {
                size: MAX_PHOTO_BYTES + 1,
                limit: MAX_PHOTO_BYTES,
            },
        );
    }

    #[test]
    fn damaged_files_give_errors_naming_the_offset() {
        let jpeg = jpeg_with_gps();
        let png = png_with(&[png_chunk(b"tEXt", b"a\0b")]);
        // Every prefix of a valid file is refused, never accepted half-copied, never a panic.
        for cut in 3..jpeg.len() {
            assert!(
                matches!(
                    clean_photo(&jpeg[..cut]),
                    Err(PhotoError::Truncated { .. } | PhotoError::Malformed { .. })
                ),
                "{cut}"
            );
        }
        for cut in 8..png.len() {
            assert!(
                matches!(
                    clean_photo(&png[..cut]),
                    Err(PhotoError::Truncated { .. } | PhotoError::Malformed { .. })
                ),
                "{cut}"
            );
        }
        let mut bad_crc = png.clone();
        let last = bad_crc.len() - 20;
        bad_crc[last] ^= 1;
        assert!(matches!(
            clean_photo(&bad_crc),
            Err(PhotoError::Malformed { format: "PNG", .. })
        ));
        let mut bad_length = jpeg_with(&[]);
        bad_length[4] = 0;
        bad_length[5] = 1;
        assert_eq!(
            clean_photo(&bad_length),
            Err(PhotoError::Malformed {
                format: "JPEG",
                offset: 4,
                problem: "segment 0xFFE0 has length 1".into()
            })
        );
        let error = clean_photo(&jpeg[..100]).unwrap_err().to_string();
        assert!(
            error.starts_with("the JPEG file is cut off at byte"),
            "{error}"
        );
    }

    #[test]
    fn garbage_after_the_signature_never_panics() {
        // A fixed pseudo-random sequence: deterministic, so a failure reproduces.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for round in 0..2000 {
            let len = (round % 97) + 1;
            let mut bytes = if round % 2 == 0 {
                vec![0xFF, 0xD8, 0xFF]
            } else {
                PNG_SIGNATURE.to_vec()
            };
            for _ in 0..len {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                bytes.push(if state.is_multiple_of(5) {
                    0xFF
                } else {
                    state as u8
                });
            }
            let _ = clean_photo(&bytes);
        }
    }

    #[test]
    fn crc32_matches_the_standard_vector() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }
}
