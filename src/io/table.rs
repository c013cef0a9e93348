//! Tabular input: CSV (UTF-8 with or without BOM, or CP1251; `,` `;` or tab detected) and
//! XLSX (first sheet), with header aliases in Russian, Kazakh and English.
//!
//! A [`Column`] names a canonical field and the headers accepted for it; [`read_table`]
//! maps the file's header row onto the columns and calls back once per data row.

use super::IoError;
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

/// Reads a CSV or XLSX table, calling `row` once per data row (empty rows are skipped).
/// Fails when the file cannot be opened, is not a table, or lacks a required column.
pub fn read_table(
    path: &Path,
    columns: &[Column],
    row: &mut dyn FnMut(Row<'_>),
) -> Result<(), IoError> {
    let _ = (path, columns, row);
    todo!("io::table::read_table")
}
