//! Readers, one file per format. Every geometry leaves `io` in WGS84 lon/lat; every record
//! read is either accepted or rejected with file, line, field and reason ([`Intake`]).

mod addresses;
mod appendix1;
mod appendix2;
pub mod crs;
mod csv_blocks;
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
    /// Notes on whole files (a column that matches no field), never personal data.
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

    pub fn reject(&mut self, f: usize, line: u64, field: &str, reason: impl Into<String>) {
        self.files[f].read += 1;
        self.files[f].rejected += 1;
        let file = self.files[f].file.clone();
        self.rejects.push(Reject {
            file,
            line,
            field: field.to_string(),
            reason: reason.into(),
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

/// The display name of an input path, as findings and rejects name it.
pub fn file_name(path: &Path) -> Arc<str> {
    Arc::from(path.display().to_string())
}
