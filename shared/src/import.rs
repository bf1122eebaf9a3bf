//! Records in (issue 11): a spreadsheet's CSV export read as agencies have them, mapped to the
//! record's fields, checked line by line with the same parsers as the forms, and compared with
//! the agency's records by the same duplicate rules as on create.
//!
//! Pure: the server hands the file's bytes and the agency's keys, and persists the [`Plan`].
//! - [`read`]: the bytes as text (UTF-8 with or without a byte-order mark, UTF-16 with one, else
//!   Windows-1252 — what French Excel writes), the separator (`;`, `,` or tab) and the rows, each
//!   with the line it starts on (a quoted cell may hold line breaks).
//! - [`fields`]: the header's columns guessed as record fields (French or English), and a line
//!   turned into a [`crate::record::ContactInput`].
//! - [`plan`]: each line's outcome — created, updating a record, a duplicate skipped, already
//!   imported, or refused with its reasons.

pub mod fields;
pub mod plan;
pub mod report;

use serde::{Deserialize, Serialize};

pub use fields::{guess_mapping, Field};
pub use plan::{plan, Counts, DuplicateChoice, Existing, ImportOptions, LineOutcome, Plan, PlannedLine};
pub use report::{FieldChoice, ImportPreview, ImportReport, ReportLine, REPORT_LINES};

/// How the file's bytes were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    Utf16,
    Windows1252,
}

impl TextEncoding {
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8Bom => "UTF-8 (avec BOM)",
            TextEncoding::Utf16 => "UTF-16",
            TextEncoding::Windows1252 => "Windows-1252 (Excel)",
        }
    }
}

/// One line of data: where it starts in the file (the header is line 1) and its cells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Row {
    pub line: u64,
    pub cells: Vec<String>,
}

/// A file as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub encoding: TextEncoding,
    /// `;`, `,` or `\t`.
    pub delimiter: char,
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

/// Why a file cannot be read at all (a line's own problems are in its [`LineOutcome`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("le fichier est vide")]
    Empty,
    #[error("le fichier n'a qu'une ligne d'en-tête, aucune donnée")]
    NoRows,
    #[error("{0} colonnes : 200 au plus")]
    TooManyColumns(usize),
    #[error("{0} lignes : {MAX_ROWS} au plus par import")]
    TooManyRows(usize),
    #[error("ligne {line} : {message}")]
    Malformed { line: u64, message: String },
}

/// Lines one import takes at most.
pub const MAX_ROWS: usize = 200_000;
const MAX_COLUMNS: usize = 200;

/// The bytes as text, and how they were read. Never fails: any byte is a Windows-1252 letter.
pub fn decode(bytes: &[u8]) -> (String, TextEncoding) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return (String::from_utf8_lossy(rest).into_owned(), TextEncoding::Utf8Bom);
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let (text, _, _) = encoding_rs::UTF_16LE.decode(bytes);
        return (text.into_owned(), TextEncoding::Utf16);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), TextEncoding::Utf8),
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            (text.into_owned(), TextEncoding::Windows1252)
        }
    }
}

/// The separator of the header line: the most frequent of `;`, `,` and tab outside quotes
/// (`;` on a tie: French Excel's).
pub fn sniff_delimiter(text: &str) -> char {
    let mut counts = [(';', 0usize), (',', 0), ('\t', 0)];
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' if !quoted => break,
            _ if !quoted => {
                if let Some(slot) = counts.iter_mut().find(|(d, _)| *d == c) {
                    slot.1 += 1;
                }
            }
            _ => {}
        }
    }
    counts
        .iter()
        .max_by_key(|(d, n)| (*n, *d == ';'))
        .map(|(d, _)| *d)
        .unwrap_or(';')
}

/// Reads a file: decoded, its separator found, its rows with their line numbers. Rows whose
/// cells are all empty are left out (spreadsheets end with some).
pub fn read(bytes: &[u8]) -> Result<Table, ReadError> {
    let (text, encoding) = decode(bytes);
    read_text(&text, encoding)
}

/// [`read`] on text already decoded (a file kept as UTF-8 between the preview and the import).
pub fn read_text(text: &str, encoding: TextEncoding) -> Result<Table, ReadError> {
    if text.trim().is_empty() {
        return Err(ReadError::Empty);
    }
    let delimiter = sniff_delimiter(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter as u8)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    // Line numbers from byte offsets: the reader's own count lags by one after a CRLF.
    let bytes = text.as_bytes();
    let (mut counted_to, mut line) = (0usize, 1u64);
    let mut line_at = |offset: u64| {
        let mut at = (offset as usize).min(bytes.len());
        while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
            at += 1;
        }
        if at > counted_to {
            line += bytes[counted_to..at].iter().filter(|b| **b == b'\n').count() as u64;
            counted_to = at;
        }
        line
    };
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| line_at(p.byte())).unwrap_or(0);
                return Err(ReadError::Malformed {
                    line,
                    message: "texte illisible (guillemet non fermé ?)".into(),
                });
            }
        }
        let line = line_at(record.position().map(|p| p.byte()).unwrap_or(0));
        let cells: Vec<String> = record.iter().map(|c| c.trim().to_string()).collect();
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        if cells.len() > MAX_COLUMNS {
            return Err(ReadError::TooManyColumns(cells.len()));
        }
        match headers {
            None => headers = Some(cells),
            Some(_) => {
                if rows.len() == MAX_ROWS {
                    return Err(ReadError::TooManyRows(MAX_ROWS + 1));
                }
                rows.push(Row { line, cells });
            }
        }
    }
    let headers = headers.ok_or(ReadError::Empty)?;
    if rows.is_empty() {
        return Err(ReadError::NoRows);
    }
    Ok(Table {
        encoding,
        delimiter,
        headers,
        rows,
    })
}

/// A stable fingerprint of a line's mapped values (64-bit FNV-1a, hex): the same line imported
/// again — from the same file or another, columns in any order — is recognised and not imported
/// twice.
pub fn line_key(pairs: &[(Field, &str)]) -> String {
    let mut sorted: Vec<(&str, String)> = pairs
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(f, v)| (f.as_str(), crate::text::fold(v)))
        .collect();
    sorted.sort();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (field, value) in sorted {
        for b in field.bytes().chain([0x1f]).chain(value.bytes()).chain([0x1e]) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_with_semicolons_and_a_quoted_line_break() {
        // "Prénom;Nom;Notes" then "Hélène;Lefèvre;"deux\nlignes"" in Windows-1252.
        let mut bytes =
            b"Pr\xe9nom;Nom;Notes\r\nH\xe9l\xe8ne;Lef\xe8vre;\"deux\r\nlignes\"\r\nJean;Dupont;\r\n".to_vec();
        bytes.extend_from_slice(b";;\r\n");
        let t = read(&bytes).unwrap();
        assert_eq!(t.encoding, TextEncoding::Windows1252);
        assert_eq!(t.delimiter, ';');
        assert_eq!(t.headers, ["Prénom", "Nom", "Notes"]);
        assert_eq!(t.rows.len(), 2, "the empty last row is left out");
        assert_eq!(t.rows[0].cells, ["Hélène", "Lefèvre", "deux\r\nlignes"]);
        assert_eq!(t.rows[0].line, 2);
        assert_eq!(t.rows[1].line, 4, "the quoted break moves the next line's number");
    }

    #[test]
    fn utf8_with_a_byte_order_mark_and_commas_or_tabs() {
        let t = read("\u{feff}Nom,E-mail\nÉlise,e@x.fr\n".as_bytes()).unwrap();
        assert_eq!(t.encoding, TextEncoding::Utf8Bom);
        assert_eq!(t.delimiter, ',');
        assert_eq!(t.headers[0], "Nom", "no BOM left in the first header");
        let t = read(b"Nom\tE-mail\nA\tb@c.fr\n").unwrap();
        assert_eq!((t.delimiter, t.encoding), ('\t', TextEncoding::Utf8));
        assert_eq!(
            sniff_delimiter("\"a;b\",c,d\n"),
            ',',
            "a quoted separator does not count"
        );
    }

    #[test]
    fn utf16_as_excel_saves_unicode_text() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "Nom\tVille\nÉlise\tLyon\n".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let t = read(&bytes).unwrap();
        assert_eq!(t.encoding, TextEncoding::Utf16);
        assert_eq!(t.rows[0].cells, ["Élise", "Lyon"]);
    }

    #[test]
    fn files_that_cannot_be_read_say_why() {
        assert_eq!(read(b"").unwrap_err(), ReadError::Empty);
        assert_eq!(read(b"Nom;Ville\r\n").unwrap_err(), ReadError::NoRows);
        assert!(matches!(
            read(b"Nom;Notes\n\"jamais ferm\xe9;x\n"),
            Ok(_) | Err(ReadError::Malformed { .. })
        ));
    }

    #[test]
    fn a_line_key_ignores_column_order_case_and_accents() {
        let a = line_key(&[(Field::LastName, "Dupré"), (Field::City, "Lyon")]);
        let b = line_key(&[(Field::City, "LYON"), (Field::LastName, "dupre"), (Field::Notes, " ")]);
        assert_eq!(a, b);
        assert_ne!(a, line_key(&[(Field::LastName, "Dupré"), (Field::City, "Lyon 4e")]));
    }
}
