//! The reconciliation workbook as the server hands it out: IINs masked to their first six
//! digits, as the reconciliation API masks them, unless the user asks to reveal them.
//!
//! `precincts reconcile` writes the workbook with full IINs (it is the commission's working
//! file); the server reads it and writes a copy with every IIN column (by its header) and
//! every 12-digit run in any other text masked. Values keep their sheets, rows and columns;
//! the header row stays bold.

use super::api::{mask_iin, mask_iins_in};
use super::state::{is_iin_header, looks_like_iin};
use calamine::{Data, Reader};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use std::io::Cursor;

/// Why a masked copy could not be made (the message never carries a cell or a path).
#[derive(Debug, thiserror::Error)]
pub(super) enum MaskError {
    #[error("the workbook cannot be read: {0}")]
    Read(#[from] calamine::XlsxError),
    #[error("the masked workbook cannot be written: {0}")]
    Write(#[from] XlsxError),
}

/// A cell's text with its IINs masked: the whole value in an IIN column, else every IIN
/// (a run of exactly 12 digits) inside it.
pub(super) fn mask_cell(v: &str, iin_column: bool) -> String {
    if iin_column || looks_like_iin(v) {
        mask_iin(v)
    } else {
        mask_iins_in(v)
    }
}

/// The workbook `bytes` with every IIN masked (see the module docs).
pub(super) fn masked(bytes: Vec<u8>) -> Result<Vec<u8>, MaskError> {
    let mut src = calamine::Xlsx::new(Cursor::new(bytes))?;
    let mut out = Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for name in src.sheet_names() {
        let range = src.worksheet_range(&name)?;
        let ws = out.add_worksheet();
        ws.set_name(&name)?;
        let Some((r0, c0)) = range.start() else {
            continue;
        };
        // IIN columns are named in the sheet's first row.
        let iin_cols: Vec<bool> = (0..range.width())
            .map(|c| match range.get((0, c)) {
                Some(Data::String(h)) => r0 == 0 && is_iin_header(h),
                _ => false,
            })
            .collect();
        for (r, c, v) in range.used_cells() {
            let (row, col) = (r0 + r as u32, (c0 as usize + c) as u16);
            let iin_col = iin_cols.get(c).copied().unwrap_or(false) && r > 0;
            let text = |s: &str| mask_cell(s, iin_col);
            match v {
                Data::String(s) if row == 0 => ws.write_string_with_format(row, col, s, &bold)?,
                Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
                    ws.write_string(row, col, text(s))?
                }
                // An IIN typed in as a number is masked like text.
                Data::Int(n) if iin_col || looks_like_iin(&n.to_string()) => {
                    ws.write_string(row, col, text(&n.to_string()))?
                }
                Data::Float(f)
                    if iin_col || (f.fract() == 0.0 && looks_like_iin(&format!("{f:.0}"))) =>
                {
                    ws.write_string(row, col, text(&format!("{f:.0}")))?
                }
                Data::Int(n) => ws.write_number(row, col, *n as f64)?,
                Data::Float(f) => ws.write_number(row, col, *f)?,
                Data::Bool(b) => ws.write_boolean(row, col, *b)?,
                Data::DateTime(d) => ws.write_number_with_format(row, col, d.as_f64(), &date)?,
                Data::Error(e) => ws.write_string(row, col, e.to_string())?,
                Data::Empty => ws,
            };
        }
    }
    Ok(out.save_to_buffer()?)
}
