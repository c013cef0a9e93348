//! Readers, one file per format. Every geometry leaves `io` in WGS84 lon/lat; every record
//! read is either accepted or rejected with file, line, field and reason ([`Intake`]).

mod addresses;
mod appendix1;
mod appendix2;
pub mod crs;
mod csv_blocks;
mod line_ends;
pub mod notices;
pub mod progress;
pub mod table;
mod vector;

pub use addresses::read_addresses;
pub use appendix1::{
    check_voter_header, normalize_date, normalize_logical, read_voters, voter_aliases,
    voter_columns,
};
pub use appendix2::{parse_marks, read_stations};
pub use vector::{VectorOptions, read_admin, read_classifier, read_precincts};

use std::path::Path;
use std::sync::Arc;

/// A file that cannot be used at all. Record-level problems are [`Reject`]s instead.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    #[error("{path}: cannot read: {source}")]
    Open {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Format { path: String, message: String },
    #[error("{path}: no column for {field} (accepted headers: {accepted})")]
    MissingColumn {
        path: String,
        field: String,
        accepted: String,
    },
    #[error("{path}: the CRS is unknown: there is no .prj beside the file; give --crs EPSG:NNNN")]
    NoCrs { path: String },
    #[error("{path}: CRS {crs:?}: {message}")]
    Crs {
        path: String,
        crs: String,
        message: String,
    },
}

impl IoError {
    pub fn format(path: &Path, message: impl Into<String>) -> Self {
        IoError::Format {
            path: path.display().to_string(),
            message: message.into(),
        }
    }
}

/// A record that was read but not accepted. `reason` never carries an IIN or a name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reject {
    pub file: Arc<str>,
    pub line: u64,
    pub field: String,
    pub reason: String,
}

/// The record accounting of one input file: `read = accepted + rejected`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FileAccount {
    pub file: Arc<str>,
    /// What the file is: `admin`, `precincts`, `addresses`, `voters`, `stations`, ...
    pub kind: String,
    pub read: u64,
    pub accepted: u64,
    pub rejected: u64,
}

/// Collects the rejects and the per-file accounting of one run.
#[derive(Debug, Default, Clone)]
pub struct Intake {
    pub rejects: Vec<Reject>,
    pub files: Vec<FileAccount>,
    /// Warnings about files read in full but not plainly (see [`notices`]) and notes on
    /// whole files (a column that matches no field); never a value, never personal data.
    pub warnings: Vec<String>,
}

impl Intake {
    /// Starts the accounting of a file; returns its index for [`Intake::accept`] / [`Intake::reject`].
    pub fn open(&mut self, file: &Arc<str>, kind: &str) -> usize {
        self.files.push(FileAccount {
            file: file.clone(),
            kind: kind.to_string(),
            read: 0,
            accepted: 0,
            rejected: 0,
        });
        self.files.len() - 1
    }

    pub fn accept(&mut self, f: usize) {
        self.files[f].read += 1;
        self.files[f].accepted += 1;
    }

    /// Rejects a record. In a voter list no cell is ever quoted: any column may hold an
    /// IIN, a name or a date when the headers are swapped, so a quoted cell in `reason`
    /// (`"…"`, as `{:?}` writes it) is replaced by its shape (`12 digits, not shown`).
    pub fn reject(&mut self, f: usize, line: u64, field: &str, reason: impl Into<String>) {
        self.files[f].read += 1;
        self.files[f].rejected += 1;
        let file = self.files[f].file.clone();
        let mut reason = reason.into();
        if self.files[f].kind == "voters" {
            reason = without_quoted_cells(&reason);
        }
        self.rejects.push(Reject {
            file,
            line,
            field: field.to_string(),
            reason,
        });
    }

    /// Rejects a row whose cell count differs from the header's; true when it did.
    pub fn reject_ragged(
        &mut self,
        f: usize,
        line: u64,
        width: usize,
        header_width: usize,
    ) -> bool {
        if width == header_width {
            return false;
        }
        self.reject(
            f,
            line,
            "row",
            format!("the row has {width} cells, the header {header_width}"),
        );
        true
    }

    /// Totals over every file: (read, accepted, rejected).
    pub fn totals(&self) -> (u64, u64, u64) {
        self.files.iter().fold((0, 0, 0), |(r, a, j), f| {
            (r + f.read, a + f.accepted, j + f.rejected)
        })
    }
}

thread_local! {
    static CATCHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f`, catching a panic in it as an `Err`: for calls into bindings that panic on
/// input they cannot handle (the PROJ binding). The panic hook of the command line stays
/// silent meanwhile ([`catching_panics`]), as the caller turns the panic into an error.
pub(crate) fn catch_panic<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    let was = CATCHING.with(|c| c.replace(true));
    let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(was));
    got
}

/// Whether the calling thread is inside [`catch_panic`].
pub fn catching_panics() -> bool {
    CATCHING.with(|c| c.get())
}

/// The most bytes read whole into memory (a GeoJSON layer, a `.dbf`): 2 GiB. Tables are
/// streamed and have no such bound.
pub const MAX_WHOLE_FILE: u64 = 2 << 30;

/// Checks, before it is opened, that `path` is a regular file (a symbolic link to one is
/// fine) and returns its length. Anything else is refused: a named pipe would block the
/// read for ever, a device such as `/dev/zero` never ends, a directory is no table.
pub fn regular_file(path: &Path) -> Result<u64, IoError> {
    let meta = std::fs::metadata(path).map_err(|source| IoError::Open {
        path: path.display().to_string(),
        source,
    })?;
    let ft = meta.file_type();
    if ft.is_file() {
        return Ok(meta.len());
    }
    let what = if ft.is_dir() {
        "a directory"
    } else {
        special_kind(&ft)
    };
    Err(IoError::format(
        path,
        format!("not a regular file ({what}); give the path of a saved file"),
    ))
}

#[cfg(unix)]
fn special_kind(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        "a named pipe"
    } else if ft.is_char_device() || ft.is_block_device() {
        "a device"
    } else if ft.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "a special file"
}

/// [`regular_file`], and refused when longer than [`MAX_WHOLE_FILE`]: for the readers
/// that hold a file in memory whole.
pub fn whole_file(path: &Path) -> Result<u64, IoError> {
    let len = regular_file(path)?;
    if len > MAX_WHOLE_FILE {
        return Err(IoError::format(
            path,
            format!(
                "{len} bytes, more than the {MAX_WHOLE_FILE} read into memory at once; \
                 split the layer, or give it as a Shapefile"
            ),
        ));
    }
    Ok(len)
}

/// `reason` with every double-quoted part (a cell, as `{:?}` quotes it) replaced by its
/// shape: `12 digits, not shown`, `5 characters, not shown`, `an empty value`.
fn without_quoted_cells(reason: &str) -> String {
    let mut out = String::with_capacity(reason.len());
    let mut chars = reason.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            out.push(c);
            continue;
        }
        let (mut n, mut digits) = (0usize, true);
        while let Some(c) = chars.next() {
            let c = match c {
                '"' => break,
                '\\' => match chars.next() {
                    Some('u') => {
                        // \u{…}: one character.
                        chars.by_ref().take_while(|&c| c != '}').for_each(drop);
                        'u'
                    }
                    Some(e) => e,
                    None => break,
                },
                c => c,
            };
            n += 1;
            digits &= c.is_ascii_digit();
        }
        match (n, digits) {
            (0, _) => out.push_str("an empty value"),
            (1, true) => out.push_str("1 digit, not shown"),
            (n, true) => out.push_str(&format!("{n} digits, not shown")),
            (1, false) => out.push_str("1 character, not shown"),
            (n, false) => out.push_str(&format!("{n} characters, not shown")),
        }
    }
    out
}

/// The display name of an input path, as findings and rejects name it.
pub fn file_name(path: &Path) -> Arc<str> {
    Arc::from(path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_cells_are_replaced_by_their_shape() {
        let logical =
            |v: &str| without_quoted_cells(&format!("not a logical value ({v:?}; expected 1/0)"));
        assert_eq!(
            logical("900101300017"),
            "not a logical value (12 digits, not shown; expected 1/0)"
        );
        assert_eq!(
            logical("Әбіл \"Қ\" \\ \u{7}"),
            "not a logical value (12 characters, not shown; expected 1/0)"
        );
        assert_eq!(
            logical(""),
            "not a logical value (an empty value; expected 1/0)"
        );
        assert_eq!(
            logical("7"),
            "not a logical value (1 digit, not shown; expected 1/0)"
        );
        assert_eq!(without_quoted_cells("no quotes"), "no quotes");
    }

    /// Regression (issue 10): swapped headers put IINs into the logical field's rejects.
    #[test]
    fn a_voter_reject_never_quotes_a_cell_other_files_may() {
        let mut intake = Intake::default();
        let v = intake.open(&Arc::from("v.csv"), "voters");
        let s = intake.open(&Arc::from("s.csv"), "stations");
        intake.reject(
            v,
            2,
            "added",
            "not a logical value (\"900101300017\"; expected 1/0)",
        );
        intake.reject(s, 2, "mark", "unknown mark \"школа\"");
        let reasons: Vec<&str> = intake.rejects.iter().map(|r| r.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "not a logical value (12 digits, not shown; expected 1/0)",
                "unknown mark \"школа\""
            ]
        );
    }
}
