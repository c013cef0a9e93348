//! CSV cells that a spreadsheet cannot run: the OWASP rule against CSV (formula) injection.
//!
//! Excel, LibreOffice and Google Sheets treat a cell that starts with `=`, `+`, `-` or `@`
//! as a formula (and a leading tab or carriage return can hide one), so a precinct named
//! `=cmd|' /C calc'!A0` in a list runs a command on the reviewer's machine. Such a cell is
//! written with a leading single quote, which the spreadsheet shows as text. The rule is
//! idempotent: an escaped cell starts with `'` and is left alone.

use std::borrow::Cow;

/// `cell` as it may be written to a CSV: prefixed with `'` when it starts with `=`, `+`,
/// `-`, `@`, a tab or a carriage return; unchanged otherwise.
///
/// # Examples
///
/// ```
/// use precincts::report::csv_cell;
/// assert_eq!(csv_cell("=cmd|' /C calc'!A0"), "'=cmd|' /C calc'!A0");
/// assert_eq!(csv_cell("-5"), "'-5");
/// assert_eq!(csv_cell("ул. Абая, 5"), "ул. Абая, 5");
/// assert_eq!(csv_cell(&csv_cell("@SUM(A1)")), "'@SUM(A1)");
/// ```
pub fn csv_cell(cell: &str) -> Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// A whole CSV (`bytes`, UTF-8 with or without a BOM, comma-separated) with every cell
/// passed through [`csv_cell`]; the BOM is kept. For files written before the rule.
pub fn escape_csv(bytes: &[u8]) -> Result<Vec<u8>, csv::Error> {
    let (bom, body) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (&bytes[..3], rest),
        None => (&bytes[..0], bytes),
    };
    let mut out = bom.to_vec();
    {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(body);
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(&mut out);
        for rec in r.byte_records() {
            let rec = rec?;
            w.write_record(rec.iter().map(|c| match std::str::from_utf8(c) {
                Ok(s) => csv_cell(s).into_owned().into_bytes(),
                Err(_) => c.to_vec(),
            }))?;
        }
        w.flush()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_formula_lead_is_quoted_and_nothing_else() {
        for lead in ["=", "+", "-", "@", "\t", "\r"] {
            let cell = format!("{lead}1+1");
            assert_eq!(csv_cell(&cell), format!("'{cell}"));
        }
        for plain in ["", "101", "'=x", " =x", "Алматы", "1-15"] {
            assert_eq!(csv_cell(plain), plain);
        }
    }

    #[test]
    fn a_whole_csv_is_escaped_cell_by_cell_keeping_its_bom_and_quoting() {
        let src = "\u{feff}code,message\nX,=HYPERLINK(\"http://e\")\nY,\"a, b\"\n";
        let out = escape_csv(src.as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\u{feff}code,message\nX,\"'=HYPERLINK(\"\"http://e\"\")\"\nY,\"a, b\"\n"
        );
    }
}
