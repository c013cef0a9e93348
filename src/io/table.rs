//! Tabular input: CSV (UTF-8 with or without BOM, or CP1251; `,` `;` or tab detected) and
//! XLSX (first sheet), with header aliases in Russian, Kazakh and English.
//!
//! A [`Column`] names a canonical field and the headers accepted for it; [`read_table`]
//! maps the file's header row onto the columns and calls back once per data row.
//!
//! Encoding: a UTF-8 BOM means UTF-8; otherwise the first megabyte decides (valid UTF-8 →
//! UTF-8, else CP1251). In a UTF-8 file a field that is not valid UTF-8 is still decoded as
//! CP1251, so a file with a few stray CP1251 cells reads in full. UTF-16 is refused with a
//! message. The delimiter is the most frequent of `,` `;` and tab in the header line.
//! Cells are trimmed of surrounding whitespace; nothing else is changed. CSV is streamed
//! record by record with reused buffers (a national voter file is a few GB); past 16 MB the
//! rows after the header are parsed in blocks on every core (`csv_blocks`) and still handed
//! to the callback one by one, in file order, with the same lines and cells.

use super::IoError;
use super::progress::{Counter, Unit};
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// A column the caller wants: its canonical key and the headers accepted for it
/// (compared case-insensitively, ignoring spaces, dots, `_` and `-`).
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub key: &'static str,
    pub aliases: &'static [&'static str],
    pub required: bool,
}

/// One data row, its cells in the order of the requested columns (empty when the column is
/// absent from the file).
#[derive(Debug)]
pub struct Row<'a> {
    /// 1-based line (CSV) or sheet row (XLSX), the header being line 1.
    pub line: u64,
    pub cells: &'a [String],
    /// The number of cells in the file's row, to detect short / long rows.
    pub width: usize,
    /// The number of columns in the header row.
    pub header_width: usize,
}

impl Row<'_> {
    pub fn get(&self, i: usize) -> &str {
        self.cells.get(i).map(String::as_str).unwrap_or("")
    }
}

/// The comparison form of a header: lower case, letters and digits only, `ё` as `е`.
///
/// # Examples
/// ```
/// use precincts::io::table::header_key;
/// assert_eq!(header_key(" Дата  рождения. "), "датарождения");
/// assert_eq!(header_key("addr:street"), "addrstreet");
/// assert_eq!(header_key("Дополнение 1"), header_key("ДОПОЛНЕНИЕ_1"));
/// ```
pub fn header_key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'ё' => 'е',
            other => other,
        })
        .collect()
}

/// Whether the file is read as a workbook (by extension) rather than as CSV.
pub fn is_workbook(path: &Path) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(ext.as_str(), "xlsx" | "xlsm" | "xlsb" | "xls" | "ods")
}

/// Reads a CSV or XLSX table, calling `row` once per data row (empty rows are skipped).
/// Fails when the file cannot be opened, is not a table, or lacks a required column.
pub fn read_table(
    path: &Path,
    columns: &[Column],
    row: &mut dyn FnMut(Row<'_>),
) -> Result<(), IoError> {
    let mut cells: Vec<String> = vec![String::new(); columns.len()];
    read_table_raw(path, columns, &mut |r| {
        for (i, c) in cells.iter_mut().enumerate() {
            c.clear();
            c.push_str(r.get(i));
        }
        row(Row {
            line: r.line,
            cells: &cells,
            width: r.width,
            header_width: r.header_width,
        })
    })
}

/// A data row whose cells borrow from the reader's buffers (no copy per cell): the fast
/// path of [`read_table`] for the voter file.
#[derive(Debug)]
pub(crate) struct RawRow<'a> {
    pub line: u64,
    pub(super) text: &'a str,
    /// Per requested column, the cell's byte range in `text` (empty when absent).
    pub(super) bounds: &'a [(usize, usize)],
    pub width: usize,
    pub header_width: usize,
    /// The text of the prepared cells (see [`Prepare`]).
    pub(super) ptext: &'a str,
    /// Per column of the [`Prepare`], its prepared cell's range in `ptext`, `None` when
    /// the cell was refused.
    pub(super) prepared: &'a [Option<(usize, usize)>],
}

/// Work on cells that can be done where the row is parsed, on the block reader's threads
/// for a large CSV: for each of `columns` (indices of requested columns), `f(column, cell,
/// out)` writes the cell's prepared form into `out` (empty on entry) and returns whether
/// the cell is acceptable. [`RawRow::prepared`] gives the result.
pub(crate) struct Prepare<'a> {
    pub columns: &'a [usize],
    pub f: &'a (dyn Fn(usize, &str, &mut String) -> bool + Sync),
}

impl Prepare<'_> {
    /// Nothing to prepare.
    pub const NONE: Prepare<'static> = Prepare {
        columns: &[],
        f: &|_, _, _| true,
    };

    /// Prepares one row's cells (`cell(i)`: requested column `i`), appending the results
    /// to `ptext` and their ranges to `out`.
    #[inline]
    pub(super) fn run<'t>(
        &self,
        cell: impl Fn(usize) -> &'t str,
        ptext: &mut String,
        scratch: &mut String,
        out: &mut Vec<Option<(usize, usize)>>,
    ) {
        for &c in self.columns {
            scratch.clear();
            let ok = (self.f)(c, cell(c), scratch);
            out.push(ok.then(|| {
                let a = ptext.len();
                ptext.push_str(scratch);
                (a, ptext.len())
            }));
        }
    }
}

impl<'a> RawRow<'a> {
    #[inline]
    pub fn get(&self, i: usize) -> &'a str {
        match self.bounds.get(i) {
            Some(&(a, b)) => &self.text[a..b],
            None => "",
        }
    }

    /// The prepared form of the `k`-th column of the [`Prepare`] given to
    /// [`read_table_prepared`]; `None` when it was refused (or there is no such column).
    #[inline]
    pub fn prepared(&self, k: usize) -> Option<&'a str> {
        match self.prepared.get(k) {
            Some(&Some((a, b))) => Some(&self.ptext[a..b]),
            _ => None,
        }
    }
}

/// [`read_table`] without copying cells.
pub(crate) fn read_table_raw(
    path: &Path,
    columns: &[Column],
    row: &mut dyn FnMut(RawRow<'_>),
) -> Result<(), IoError> {
    read_table_prepared(path, columns, &Prepare::NONE, row)
}

/// [`read_table_raw`], with some cells prepared on the parsing threads.
pub(crate) fn read_table_prepared(
    path: &Path,
    columns: &[Column],
    prepare: &Prepare<'_>,
    row: &mut dyn FnMut(RawRow<'_>),
) -> Result<(), IoError> {
    if is_workbook(path) {
        read_workbook(path, columns, prepare, row)
    } else {
        read_csv(path, columns, prepare, row)
    }
}

/// The header row of a CSV or workbook (its first non-empty row), cells trimmed and
/// decoded as [`read_table`] decodes them; for checks on the columns a file offers.
pub(crate) fn read_header(path: &Path) -> Result<Vec<String>, IoError> {
    // A named pipe or a device is refused before it is opened; a sheet too large to lay
    // out is refused as the readers refuse it.
    super::regular_file(path)?;
    let mut header = None;
    if is_workbook(path) {
        let range = first_sheet(path)?;
        for r in range.rows() {
            let h = row_texts(r);
            if !h.is_empty() {
                header = Some(h);
                break;
            }
        }
        return header.ok_or_else(|| IoError::format(path, "the first sheet is empty"));
    }
    let open_err = |source| IoError::Open {
        path: path.display().to_string(),
        source,
    };
    let mut head = Vec::with_capacity(1 << 16);
    std::fs::File::open(path)
        .map_err(open_err)?
        .take(1 << 20)
        .read_to_end(&mut head)
        .map_err(open_err)?;
    // Line ends `\r`, `\r\n` and `\n` alike (Excel for Mac writes `\r` alone).
    for b in head.iter_mut() {
        if *b == b'\r' {
            *b = b'\n';
        }
    }
    let mut sample = head.as_slice();
    if sample.starts_with(&[0xEF, 0xBB, 0xBF]) {
        sample = &sample[3..];
    }
    let cp1251 = match std::str::from_utf8(sample) {
        Ok(_) => false,
        Err(e) => e.error_len().is_some(),
    };
    let first_line = sample.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sniff_delimiter(first_line))
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(sample);
    let mut rec = csv::ByteRecord::new();
    while csv.read_byte_record(&mut rec).unwrap_or(false) {
        if rec.iter().any(|f| !f.trim_ascii().is_empty()) {
            let mut h: Vec<String> = rec
                .iter()
                .map(|f| {
                    let mut s = String::new();
                    push_decoded(&mut s, strip_cr(f), cp1251);
                    s
                })
                .collect();
            while h.last().is_some_and(String::is_empty) {
                h.pop();
            }
            header = Some(h);
            break;
        }
    }
    header.ok_or_else(|| IoError::format(path, "the file has no header row"))
}

/// The range of `r` in `s` without surrounding ASCII whitespace.
#[inline]
fn trimmed(s: &str, r: std::ops::Range<usize>) -> (usize, usize) {
    let f = &s.as_bytes()[r.clone()];
    let lead = f.len() - f.trim_ascii_start().len();
    let len = f.trim_ascii().len();
    (r.start + lead, r.start + lead + len)
}

/// Maps header cells onto the requested columns; `None` for a column the file lacks.
fn map_columns(
    path: &Path,
    header: &[String],
    columns: &[Column],
) -> Result<Vec<Option<usize>>, IoError> {
    let keys: Vec<String> = header.iter().map(|h| header_key(h)).collect();
    let mut taken = vec![false; keys.len()];
    let mut map = Vec::with_capacity(columns.len());
    for c in columns {
        let wanted: Vec<String> = std::iter::once(c.key)
            .chain(c.aliases.iter().copied())
            .map(header_key)
            .collect();
        let found = keys
            .iter()
            .enumerate()
            .find(|(j, k)| !taken[*j] && !k.is_empty() && wanted.iter().any(|w| w == *k))
            .map(|(j, _)| j);
        if let Some(j) = found {
            taken[j] = true;
        } else if c.required {
            let mut accepted: Vec<&str> = vec![c.key];
            accepted.extend(c.aliases.iter().copied());
            return Err(IoError::MissingColumn {
                path: path.display().to_string(),
                field: c.key.to_string(),
                accepted: accepted.join(", "),
            });
        }
        map.push(found);
    }
    Ok(map)
}

/// Appends a field's text, trimmed: as UTF-8 when it is valid UTF-8, else as CP1251,
/// whatever the file's encoding. Returns whether the value was read otherwise than the file
/// (`cp1251`): a non-ASCII UTF-8 value in a CP1251 file, a non-UTF-8 one in a UTF-8 file.
#[inline]
fn push_decoded(out: &mut String, bytes: &[u8], cp1251: bool) -> bool {
    if let Ok(s) = std::str::from_utf8(bytes) {
        out.push_str(s.trim());
        return cp1251 && !s.is_ascii();
    }
    let (s, _) = encoding_rs::WINDOWS_1251.decode_without_bom_handling(bytes);
    out.push_str(s.trim());
    !cp1251
}

/// The file's encoding from its first bytes (after a BOM): CP1251 when more of its lines
/// with non-ASCII bytes are invalid UTF-8 than valid, else UTF-8. `cut`: the sample ends
/// inside the file, so its last line may be cut in a character and does not count.
fn sniff_cp1251(sample: &[u8], cut: bool) -> bool {
    let mut lines: Vec<&[u8]> = sample.split(|&b| b == b'\n' || b == b'\r').collect();
    if cut {
        lines.pop();
    }
    let (mut utf8, mut other) = (0usize, 0usize);
    for l in lines.iter().filter(|l| !l.is_ascii()) {
        match std::str::from_utf8(l) {
            Ok(_) => utf8 += 1,
            Err(_) => other += 1,
        }
    }
    other > utf8
}

/// Values read in the encoding other than the file's: how many, and the first one's line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Otherwise {
    pub count: u64,
    pub first_line: Option<u64>,
}

impl Otherwise {
    /// Counts `n` values on `line`.
    pub fn add(&mut self, n: u64, line: u64) {
        if n > 0 {
            self.count += n;
            self.first_line.get_or_insert(line);
        }
    }

    /// The warning, when there is anything to say.
    fn warn(&self, path: &Path, cp1251: bool) {
        let Some(line) = self.first_line else { return };
        let (file, why, other) = if cp1251 {
            ("CP1251", "valid UTF-8", "UTF-8")
        } else {
            ("UTF-8", "not valid UTF-8", "CP1251")
        };
        super::notices::warn(format!(
            "{}: the file is read as {file}, but {} value(s) are {why} and were read as {other} \
             (the first on line {line}); check them, or save the whole file in one encoding",
            path.display(),
            self.count
        ));
    }
}

/// A cell without the '\r' of a CRLF line end.
fn strip_cr(f: &[u8]) -> &[u8] {
    f.strip_suffix(b"\r").unwrap_or(f)
}

/// Picks the delimiter: the most frequent of `,` `;` and tab outside quotes in `line`.
fn sniff_delimiter(line: &[u8]) -> u8 {
    let (mut comma, mut semi, mut tab) = (0usize, 0usize, 0usize);
    let mut quoted = false;
    for &b in line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => comma += 1,
            b';' if !quoted => semi += 1,
            b'\t' if !quoted => tab += 1,
            _ => {}
        }
    }
    if tab > comma && tab >= semi {
        b'\t'
    } else if semi > comma {
        b';'
    } else {
        b','
    }
}

fn read_csv(
    path: &Path,
    columns: &[Column],
    prepare: &Prepare<'_>,
    row: &mut dyn FnMut(RawRow<'_>),
) -> Result<(), IoError> {
    read_csv_with(
        path,
        columns,
        prepare,
        row,
        &super::csv_blocks::Knobs::for_this_machine(),
    )
}

/// [`read_csv`] with the block reader's settings given (tests force tiny blocks, or the
/// sequential loop).
pub(super) fn read_csv_with(
    path: &Path,
    columns: &[Column],
    prepare: &Prepare<'_>,
    row: &mut dyn FnMut(RawRow<'_>),
    knobs: &super::csv_blocks::Knobs,
) -> Result<(), IoError> {
    let open_err = |source| IoError::Open {
        path: path.display().to_string(),
        source,
    };
    // Checked before opening: opening a named pipe blocks until someone writes to it.
    let len = super::regular_file(path)?;
    let mut file = std::fs::File::open(path).map_err(open_err)?;
    // Progress in bytes: the header's, then each block's (or every 1,024 rows').
    let counter = super::progress::current();
    if let Some(c) = &counter {
        c.start(Unit::Bytes, len);
    }
    // Sniff the first megabyte, then hand the file itself to the CSV reader (its own
    // buffer is the only copy of the bytes).
    let mut head = Vec::with_capacity(1 << 20);
    (&mut file)
        .take(1 << 20)
        .read_to_end(&mut head)
        .map_err(open_err)?;
    let (bom, cp1251, delimiter) = {
        let mut sample = head.as_slice();
        if sample.is_empty() {
            return Err(IoError::format(path, "the file is empty"));
        }
        if sample.starts_with(&[0xFF, 0xFE]) || sample.starts_with(&[0xFE, 0xFF]) {
            return Err(IoError::format(
                path,
                "the file is UTF-16 text; save it as CSV in UTF-8 or CP1251",
            ));
        }
        let bom = sample.starts_with(&[0xEF, 0xBB, 0xBF]);
        if bom {
            sample = &sample[3..];
        }
        let cp1251 = !bom && sniff_cp1251(sample, head.len() == 1 << 20);
        // The header line: the first with text (any line end: `\n`, `\r\n` or a lone `\r`).
        let first_line = sample
            .split(|&b| b == b'\n' || b == b'\r')
            .find(|l| {
                l.iter()
                    .any(|c| !c.is_ascii_whitespace() && !matches!(c, b',' | b';' | b'\t'))
            })
            .unwrap_or(&[]);
        (bom, cp1251, sniff_delimiter(first_line))
    };
    file.seek(SeekFrom::Start(if bom { 3 } else { 0 }))
        .map_err(open_err)?;
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        // Records end at '\n' only: with the default CRLF terminator the csv crate ends a
        // record at '\r' and counts its '\n' into the next record, so every line number
        // after the first row of a Windows file came out one short. A trailing '\r' is
        // trimmed from the last cell below.
        .terminator(csv::Terminator::Any(b'\n'))
        .buffer_capacity(1 << 18)
        .from_reader(super::line_ends::LineEnds::new(file, delimiter));
    let mut rec = csv::ByteRecord::new();
    // The header: the first non-empty record.
    let header: Vec<String> = loop {
        if !csv
            .read_byte_record(&mut rec)
            .map_err(|e| csv_err(path, e))?
        {
            return Err(IoError::format(path, "the file has no header row"));
        }
        if rec.iter().any(|f| !f.trim_ascii().is_empty()) {
            break rec
                .iter()
                .map(|f| {
                    let mut s = String::new();
                    let _ = push_decoded(&mut s, strip_cr(f), cp1251);
                    s
                })
                .collect();
        }
    };
    let map = map_columns(path, &header, columns)?;
    let header_width = header.len();
    let fmt = super::csv_blocks::Format {
        delimiter,
        cp1251,
        map: &map,
        header_width,
        prepare,
    };
    // A large file is cut into blocks parsed on every core; the rows still reach `row`
    // one by one in file order, exactly as the sequential loop below would give them.
    let after = csv.position().clone();
    let skipped = if bom { 3 } else { 0 };
    let rest = len.saturating_sub(after.byte() + skipped);
    let counter = counter.as_deref();
    if let Some(c) = counter {
        c.set(skipped + after.byte());
    }
    if knobs.workers > 1 && rest >= knobs.min_rest {
        drop(csv);
        let mut file = std::fs::File::open(path).map_err(open_err)?;
        file.seek(SeekFrom::Start(after.byte() + skipped))
            .map_err(open_err)?;
        let file = super::line_ends::LineEnds::new(file, delimiter);
        super::csv_blocks::read_rest(path, file, after.line(), &fmt, knobs, row, counter)?
            .warn(path, cp1251);
        return Ok(());
    }
    read_rest_sequential(path, csv, &fmt, row, counter.map(|c| (c, skipped)))?.warn(path, cp1251);
    Ok(())
}

/// The sequential reader's loop over the data rows after the header (small files, and the
/// reference the block reader is tested against). `progress`: a counter to keep at the
/// bytes read, and the bytes before the reader's start (a BOM).
pub(super) fn read_rest_sequential<R: Read>(
    path: &Path,
    mut csv: csv::Reader<R>,
    fmt: &super::csv_blocks::Format<'_>,
    row: &mut dyn FnMut(RawRow<'_>),
    progress: Option<(&Counter, u64)>,
) -> Result<Otherwise, IoError> {
    let mut otherwise = Otherwise::default();
    let mut rec = csv::ByteRecord::new();
    let mut scratch = String::new();
    let mut bounds = vec![(0usize, 0usize); fmt.map.len()];
    let (mut ptext, mut pscratch, mut prepared) = (String::new(), String::new(), Vec::new());
    let mut records = 0u32;
    while csv
        .read_byte_record(&mut rec)
        .map_err(|e| csv_err(path, e))?
    {
        records = records.wrapping_add(1);
        if records.is_multiple_of(1024)
            && let Some((c, skipped)) = progress
        {
            c.set(skipped + csv.position().byte());
        }
        let bytes = rec.as_slice();
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let mut other = 0;
        let text = record_cells(
            bytes,
            |j| rec.range(j),
            fmt.map,
            fmt.cp1251,
            &mut scratch,
            &mut bounds,
            &mut other,
        );
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        otherwise.add(other, line);
        ptext.clear();
        prepared.clear();
        fmt.prepare.run(
            |i| match bounds.get(i) {
                Some(&(a, b)) => &text[a..b],
                None => "",
            },
            &mut ptext,
            &mut pscratch,
            &mut prepared,
        );
        row(RawRow {
            line,
            text,
            bounds: &bounds,
            width: rec.len(),
            header_width: fmt.header_width,
            ptext: &ptext,
            prepared: &prepared,
        });
    }
    if let Some((c, skipped)) = progress {
        c.set(skipped + csv.position().byte());
    }
    Ok(otherwise)
}

/// A CSV reader's error as a format error, with its line when it has one.
pub(super) fn csv_err(path: &Path, e: csv::Error) -> IoError {
    let at = e
        .position()
        .map(|p| format!("line {}: ", p.line()))
        .unwrap_or_default();
    IoError::format(path, format!("{at}{e}"))
}

/// The requested cells of one record (`range(j)`: the bytes of field `j` in `bytes`): sets
/// `bounds` to each cell's byte range in the returned text, which is the record itself
/// when it is UTF-8 (no copy; delimiters are ASCII, so every field boundary is a character
/// boundary), else `scratch` holding the cells decoded one by one ([`push_decoded`]).
/// `other` gains the number of cells read in the encoding other than the file's.
#[inline]
pub(super) fn record_cells<'a>(
    bytes: &'a [u8],
    range: impl Fn(usize) -> Option<std::ops::Range<usize>>,
    map: &[Option<usize>],
    cp1251: bool,
    scratch: &'a mut String,
    bounds: &mut [(usize, usize)],
    other: &mut u64,
) -> &'a str {
    // The record's fields are stored without delimiters, so a record can be valid UTF-8
    // while a character straddles two fields (`\xC4,\xBB`): then field by field.
    let whole = std::str::from_utf8(bytes).ok().filter(|s| {
        map.iter()
            .filter_map(|m| m.and_then(&range))
            .all(|r| s.is_char_boundary(r.start) && s.is_char_boundary(r.end))
    });
    match whole {
        Some(s) => {
            for (b, m) in bounds.iter_mut().zip(map) {
                *b = match m.and_then(&range) {
                    Some(r) => {
                        *other += (cp1251 && !s.as_bytes()[r.clone()].is_ascii()) as u64;
                        trimmed(s, r)
                    }
                    None => (0, 0),
                };
            }
            s
        }
        None => {
            scratch.clear();
            for (b, m) in bounds.iter_mut().zip(map) {
                let a = scratch.len();
                if let Some(r) = m.and_then(&range) {
                    *other += push_decoded(scratch, strip_cr(&bytes[r]), cp1251) as u64;
                }
                *b = (a, scratch.len());
            }
            scratch
        }
    }
}

/// The text of a workbook cell: integers without `.0`, dates as ISO `YYYY-MM-DD`
/// (with ` HH:MM:SS` when the time is not midnight), booleans `true` / `false`.
/// A workbook row's cells as text, without the empty cells at its end (a header row).
fn row_texts(r: &[calamine::Data]) -> Vec<String> {
    let mut h: Vec<String> = r
        .iter()
        .map(|d| {
            let mut s = String::new();
            cell_text(d, &mut s);
            s
        })
        .collect();
    while h.last().is_some_and(String::is_empty) {
        h.pop();
    }
    h
}

pub(crate) fn cell_text(d: &calamine::Data, out: &mut String) {
    use calamine::Data;
    use std::fmt::Write;
    match d {
        Data::Empty => {}
        Data::String(s) => out.push_str(s.trim()),
        Data::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Data::Float(f) => push_number(*f, out),
        Data::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Data::DateTime(dt) => {
            if dt.is_datetime() {
                let (y, mo, da, h, mi, s, _) = dt.to_ymd_hms_milli();
                let _ = write!(out, "{y:04}-{mo:02}-{da:02}");
                if (h, mi, s) != (0, 0, 0) {
                    let _ = write!(out, " {h:02}:{mi:02}:{s:02}");
                }
            } else {
                push_number(dt.as_f64(), out);
            }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => out.push_str(s.trim()),
        Data::Error(e) => {
            let _ = write!(out, "{e}");
        }
    }
}

/// A number as text; integral values without a fractional part (`751010000`, not
/// `751010000.0`), so codes typed as numbers keep their form.
pub(crate) fn push_number(f: f64, out: &mut String) {
    use std::fmt::Write;
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        let _ = write!(out, "{}", f as i64);
    } else {
        let _ = write!(out, "{f}");
    }
}

/// The most columns the used part of a sheet may span: a table of forms has a few dozen, and
/// a stray cell far to the right (`XFD1`) would make every row 16,384 cells wide.
pub(crate) const MAX_SHEET_COLUMNS: u64 = 1_024;

/// The most cells (rows × columns of the used part) a sheet may span: 64 Mi, 2 GB in
/// memory; a million voters in 26 columns is 26 Mi. A cell at `XFD1048576` beside `A1`
/// spans 16 Gi cells (512 GB), which used to abort the run.
pub(crate) const MAX_SHEET_CELLS: u64 = 1 << 26;

/// The first sheet of a workbook, refused when its used part spans more than
/// [`MAX_SHEET_COLUMNS`] or [`MAX_SHEET_CELLS`]. XLSX and XLSB cells are read one by one
/// and the extent checked before the sheet is laid out; XLS is bounded by its format
/// (65,536 × 256), ODS is laid out by calamine and then checked.
fn first_sheet(path: &Path) -> Result<calamine::Range<calamine::Data>, IoError> {
    use calamine::{Cell, Data, DataRef, Reader, Sheets};
    let mut wb = calamine::open_workbook_auto(path)
        .map_err(|e| IoError::format(path, format!("not a readable workbook: {e}")))?;
    let Some(name) = wb.sheet_names().first().cloned() else {
        return Err(IoError::format(path, "the workbook has no sheet"));
    };
    let sheet_err = |e: &dyn std::fmt::Display| {
        IoError::format(path, format!("cannot read the first sheet: {e}"))
    };
    let own = |c: Cell<DataRef<'_>>| {
        let v: Data = c.get_value().clone().into();
        Cell::new(c.get_position(), v)
    };
    let mut cells: Vec<Cell<Data>> = Vec::new();
    let sparse = match &mut wb {
        Sheets::Xlsx(x) => {
            let mut r = x.worksheet_cells_reader(&name).map_err(|e| sheet_err(&e))?;
            while let Some(c) = r.next_cell().map_err(|e| sheet_err(&e))? {
                if !matches!(c.get_value(), DataRef::Empty) {
                    cells.push(own(c));
                }
            }
            true
        }
        Sheets::Xlsb(x) => {
            let mut r = x.worksheet_cells_reader(&name).map_err(|e| sheet_err(&e))?;
            while let Some(c) = r.next_cell().map_err(|e| sheet_err(&e))? {
                if !matches!(c.get_value(), DataRef::Empty) {
                    cells.push(own(c));
                }
            }
            true
        }
        Sheets::Xls(_) | Sheets::Ods(_) => false,
    };
    let extent = |rows: u64, columns: u64| {
        if columns > MAX_SHEET_COLUMNS || rows.saturating_mul(columns) > MAX_SHEET_CELLS {
            Err(IoError::format(
                path,
                format!(
                    "the first sheet's used cells span {rows} rows × {columns} columns, more \
                     than the {MAX_SHEET_COLUMNS} columns and {MAX_SHEET_CELLS} cells read; \
                     delete the stray cells beyond the table (Ctrl+End shows the last one)"
                ),
            ))
        } else {
            Ok(())
        }
    };
    if sparse {
        if let Some(((r0, r1), (c0, c1))) = cells.iter().map(|c| c.get_position()).fold(
            None,
            |acc: Option<((u32, u32), (u32, u32))>, (r, c)| {
                Some(match acc {
                    None => ((r, r), (c, c)),
                    Some(((a, b), (x, y))) => ((a.min(r), b.max(r)), (x.min(c), y.max(c))),
                })
            },
        ) {
            extent(u64::from(r1 - r0) + 1, u64::from(c1 - c0) + 1)?;
        }
        return Ok(calamine::Range::from_sparse(cells));
    }
    let range = wb.worksheet_range(&name).map_err(|e| sheet_err(&e))?;
    extent(range.height() as u64, range.width() as u64)?;
    Ok(range)
}

fn read_workbook(
    path: &Path,
    columns: &[Column],
    prepare: &Prepare<'_>,
    row: &mut dyn FnMut(RawRow<'_>),
) -> Result<(), IoError> {
    super::regular_file(path)?;
    let range = first_sheet(path)?;
    let first_row = range.start().map(|(r, _)| r as u64).unwrap_or(0);
    // Progress in rows (the sheet is already read and unpacked).
    let counter = super::progress::current();
    let height = range.height() as u64;
    if let Some(c) = &counter {
        c.start(Unit::Rows, height);
    }
    let mut rows = range.rows().enumerate();
    let is_empty = |r: &[calamine::Data]| {
        r.iter().all(|d| {
            let mut s = String::new();
            cell_text(d, &mut s);
            s.is_empty()
        })
    };
    let header: Vec<String> = loop {
        let Some((_, r)) = rows.next() else {
            return Err(IoError::format(path, "the first sheet is empty"));
        };
        if !is_empty(r) {
            break row_texts(r);
        }
    };
    let map = map_columns(path, &header, columns)?;
    let header_width = header.len();
    let mut scratch = String::new();
    let mut text = String::new();
    let mut bounds = vec![(0usize, 0usize); columns.len()];
    let (mut ptext, mut pscratch, mut prepared) = (String::new(), String::new(), Vec::new());
    for (i, r) in rows {
        if i.is_multiple_of(1024)
            && let Some(c) = &counter
        {
            c.set(i as u64);
        }
        // A workbook row has no "length": it is as wide as its last non-empty cell.
        let mut width = 0;
        for (k, d) in r.iter().enumerate() {
            scratch.clear();
            cell_text(d, &mut scratch);
            if !scratch.is_empty() {
                width = k + 1;
            }
        }
        if width == 0 {
            continue;
        }
        text.clear();
        for (b, m) in bounds.iter_mut().zip(&map) {
            let a = text.len();
            if let Some(d) = m.and_then(|j| r.get(j)) {
                cell_text(d, &mut text);
            }
            *b = (a, text.len());
        }
        ptext.clear();
        prepared.clear();
        prepare.run(
            |i| match bounds.get(i) {
                Some(&(a, b)) => &text[a..b],
                None => "",
            },
            &mut ptext,
            &mut pscratch,
            &mut prepared,
        );
        row(RawRow {
            line: first_row + i as u64 + 1,
            text: &text,
            bounds: &bounds,
            width: width.max(header_width),
            header_width,
            ptext: &ptext,
            prepared: &prepared,
        });
    }
    if let Some(c) = &counter {
        c.set(height);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiter_is_the_most_frequent_outside_quotes() {
        assert_eq!(sniff_delimiter(b"a,b,c"), b',');
        assert_eq!(sniff_delimiter(b"a;b;c"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\tc"), b'\t');
        assert_eq!(sniff_delimiter(b"\"x;y;z\",b,c"), b',');
        assert_eq!(sniff_delimiter(b"single"), b',');
    }

    #[test]
    fn numbers_from_a_workbook_keep_the_form_of_codes() {
        let mut s = String::new();
        push_number(751010000.0, &mut s);
        assert_eq!(s, "751010000");
        s.clear();
        push_number(76.95, &mut s);
        assert_eq!(s, "76.95");
    }

    #[test]
    fn a_field_that_is_not_utf8_is_read_as_cp1251() {
        let mut s = String::new();
        // "Дом" in CP1251.
        assert!(push_decoded(&mut s, &[0xC4, 0xEE, 0xEC], false));
        assert_eq!(s, "Дом");
        // A UTF-8 value in a CP1251 file is read as UTF-8, and counted.
        s.clear();
        assert!(push_decoded(&mut s, "Үй".as_bytes(), true));
        assert_eq!(s, "Үй");
        s.clear();
        assert!(!push_decoded(&mut s, b"12", true));
    }

    #[test]
    fn the_encoding_is_that_of_most_lines_with_letters() {
        let utf8 = "Улица,Дом\nАбая,1\n".as_bytes().to_vec();
        assert!(!sniff_cp1251(&utf8, false));
        // One CP1251 line among UTF-8 ones: UTF-8.
        let mut mixed = utf8.clone();
        mixed.extend_from_slice(b"\xC4\xEE\xEC,2\r");
        assert!(!sniff_cp1251(&mixed, false));
        // Two against one: CP1251.
        mixed.extend_from_slice(b"\xC4\xEE\xEC,3\r\n\xC4\xEE\xEC,4\r\n");
        assert!(sniff_cp1251(&mixed, false));
        // A character cut by the sample's edge does not count.
        assert!(!sniff_cp1251(&"a\nД".as_bytes()[..3], true));
        assert!(!sniff_cp1251(b"plain,ascii\n", false));
    }
}
