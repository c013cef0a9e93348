//! Appendix 1 voter lists: CSV or XLSX with the Appendix's 26 fields, headers in Russian,
//! Kazakh or English (aliases in `data/FORMATS.md`).

use super::{Intake, IoError};
use crate::model::VoterTable;
use std::path::Path;

/// Reads an Appendix 1 voter list. Records with a missing or duplicate record code, a
/// malformed date or logical field, or the wrong number of cells are rejected into `intake`.
pub fn read_voters(path: &Path, intake: &mut Intake) -> Result<VoterTable, IoError> {
    let _ = (path, intake);
    todo!("io::read_voters")
}
