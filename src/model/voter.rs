//! The voter list of Appendix 1, stored compactly: 12 million records must fit in a few GB,
//! so a table keeps all text in one buffer and per record only offsets, instead of 26
//! `String`s per voter.

use chrono::NaiveDate;
use std::sync::Arc;

/// The number of fields of Appendix 1.
pub const VOTER_FIELDS: usize = 26;

/// The 26 fields of Appendix 1, in the Appendix's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VoterField {
    /// Record code (key field, "Counter").
    Code,
    /// Voter code = IIN (kept as written; validity is a reconciliation matter).
    Iin,
    Surname,
    Name,
    MiddleName,
    /// Precinct code: the voter's listed precinct.
    Precinct,
    RepublicanPrecinct,
    OblastPrecinct,
    DistrictPrecinct,
    Oblast,
    District,
    /// ISO `YYYY-MM-DD` once read.
    BirthDate,
    Ethnicity,
    Gender,
    /// Place of residence (locality).
    Residence,
    Street,
    House,
    Building,
    Apartment,
    /// Identity document number.
    IdNumber,
    /// ISO date of issue of the identity document.
    IdIssued,
    Note,
    /// Addition1: changed (`1` or empty once read).
    Changed,
    /// Addition2: removed.
    Removed,
    /// Addition3: date of change (ISO).
    ChangedOn,
    /// Addition4: added.
    Added,
}

impl VoterField {
    /// Every field in the Appendix's order.
    pub const ALL: [VoterField; VOTER_FIELDS] = [
        VoterField::Code,
        VoterField::Iin,
        VoterField::Surname,
        VoterField::Name,
        VoterField::MiddleName,
        VoterField::Precinct,
        VoterField::RepublicanPrecinct,
        VoterField::OblastPrecinct,
        VoterField::DistrictPrecinct,
        VoterField::Oblast,
        VoterField::District,
        VoterField::BirthDate,
        VoterField::Ethnicity,
        VoterField::Gender,
        VoterField::Residence,
        VoterField::Street,
        VoterField::House,
        VoterField::Building,
        VoterField::Apartment,
        VoterField::IdNumber,
        VoterField::IdIssued,
        VoterField::Note,
        VoterField::Changed,
        VoterField::Removed,
        VoterField::ChangedOn,
        VoterField::Added,
    ];

    /// The canonical (English, snake_case) column name, used in our own files.
    pub fn key(self) -> &'static str {
        match self {
            VoterField::Code => "code",
            VoterField::Iin => "iin",
            VoterField::Surname => "surname",
            VoterField::Name => "name",
            VoterField::MiddleName => "middle_name",
            VoterField::Precinct => "precinct",
            VoterField::RepublicanPrecinct => "republican_precinct",
            VoterField::OblastPrecinct => "oblast_precinct",
            VoterField::DistrictPrecinct => "district_precinct",
            VoterField::Oblast => "oblast",
            VoterField::District => "district",
            VoterField::BirthDate => "birth_date",
            VoterField::Ethnicity => "ethnicity",
            VoterField::Gender => "gender",
            VoterField::Residence => "residence",
            VoterField::Street => "street",
            VoterField::House => "house",
            VoterField::Building => "building",
            VoterField::Apartment => "apartment",
            VoterField::IdNumber => "id_number",
            VoterField::IdIssued => "id_issued",
            VoterField::Note => "note",
            VoterField::Changed => "changed",
            VoterField::Removed => "removed",
            VoterField::ChangedOn => "changed_on",
            VoterField::Added => "added",
        }
    }

    /// The position of the field in the Appendix (0-based).
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether the field carries personal data that must never reach a log or an error.
    pub fn is_personal(self) -> bool {
        matches!(
            self,
            VoterField::Iin
                | VoterField::Surname
                | VoterField::Name
                | VoterField::MiddleName
                | VoterField::BirthDate
                | VoterField::IdNumber
                | VoterField::Apartment
        )
    }
}

/// Appends records to a [`VoterTable`].
#[derive(Debug)]
pub struct VoterTableBuilder {
    table: VoterTable,
}

impl VoterTableBuilder {
    pub fn new(file: impl Into<Arc<str>>) -> Self {
        VoterTableBuilder {
            table: VoterTable {
                file: file.into(),
                text: String::new(),
                starts: Vec::new(),
                ends: Vec::new(),
                lines: Vec::new(),
            },
        }
    }

    /// Appends one record whose fields are already normalised (dates ISO, flags `1`/empty).
    /// Fails when the record's text exceeds 65,535 bytes (no real record does).
    pub fn push(&mut self, fields: [&str; VOTER_FIELDS], line: u64) -> Result<(), &'static str> {
        let total: usize = fields.iter().map(|f| f.len()).sum();
        if total > u16::MAX as usize {
            return Err("record longer than 65,535 bytes");
        }
        let t = &mut self.table;
        t.starts.push(t.text.len() as u64);
        let mut ends = [0u16; VOTER_FIELDS];
        let mut at = 0u16;
        for (e, f) in ends.iter_mut().zip(fields) {
            t.text.push_str(f);
            at += f.len() as u16;
            *e = at;
        }
        t.ends.push(ends);
        t.lines.push(line);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.table.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.starts.is_empty()
    }

    pub fn build(mut self) -> VoterTable {
        self.table.text.shrink_to_fit();
        self.table.starts.shrink_to_fit();
        self.table.ends.shrink_to_fit();
        self.table.lines.shrink_to_fit();
        self.table
    }
}

/// The accepted records of one Appendix 1 file.
#[derive(Debug, Clone)]
pub struct VoterTable {
    file: Arc<str>,
    text: String,
    starts: Vec<u64>,
    ends: Vec<[u16; VOTER_FIELDS]>,
    lines: Vec<u64>,
}

impl VoterTable {
    pub fn file(&self) -> &Arc<str> {
        &self.file
    }

    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    pub fn get(&self, i: usize) -> VoterRow<'_> {
        VoterRow { table: self, i }
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = VoterRow<'_>> + '_ {
        (0..self.len()).map(move |i| self.get(i))
    }
}

/// One voter record, borrowed from its table.
#[derive(Clone, Copy)]
pub struct VoterRow<'a> {
    table: &'a VoterTable,
    i: usize,
}

impl<'a> VoterRow<'a> {
    /// The record's index in its table.
    pub fn index(&self) -> usize {
        self.i
    }

    /// The text of a field (empty when absent).
    pub fn field(&self, f: VoterField) -> &'a str {
        let start = self.table.starts[self.i] as usize;
        let ends = &self.table.ends[self.i];
        let k = f.index();
        let a = if k == 0 { 0 } else { ends[k - 1] as usize };
        &self.table.text[start + a..start + ends[k] as usize]
    }

    /// The record code (Appendix 1 key field): the name a finding uses for the record.
    pub fn code(&self) -> &'a str {
        self.field(VoterField::Code)
    }

    /// The file line (CSV) or sheet row (XLSX), 1-based, counting the header.
    pub fn line(&self) -> u64 {
        self.table.lines[self.i]
    }

    pub fn file(&self) -> &'a Arc<str> {
        &self.table.file
    }

    /// A date field, read as ISO `YYYY-MM-DD`.
    pub fn date(&self, f: VoterField) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(self.field(f), "%Y-%m-%d").ok()
    }

    /// A logical field: true when `1`.
    pub fn flag(&self, f: VoterField) -> bool {
        self.field(f) == "1"
    }
}

impl std::fmt::Debug for VoterRow<'_> {
    /// Only the record code and line: a voter's personal data never reaches a debug print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Voter(record {} at {}:{})",
            self.code(),
            self.file(),
            self.line()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip_through_the_compact_table() {
        let mut b = VoterTableBuilder::new("v.csv");
        let mut f = [""; VOTER_FIELDS];
        f[VoterField::Code.index()] = "17";
        f[VoterField::Surname.index()] = "Әбілқасымов";
        f[VoterField::House.index()] = "12А";
        f[VoterField::Added.index()] = "1";
        b.push(f, 2).unwrap();
        b.push([""; VOTER_FIELDS], 3).unwrap();
        let t = b.build();
        assert_eq!(t.len(), 2);
        let r = t.get(0);
        assert_eq!(r.code(), "17");
        assert_eq!(r.field(VoterField::Surname), "Әбілқасымов");
        assert_eq!(r.field(VoterField::Name), "");
        assert_eq!(r.field(VoterField::House), "12А");
        assert!(r.flag(VoterField::Added));
        assert!(!r.flag(VoterField::Removed));
        assert_eq!(t.get(1).line(), 3);
        assert_eq!(t.get(1).field(VoterField::Added), "");
    }

    #[test]
    fn debug_shows_no_personal_data() {
        let mut b = VoterTableBuilder::new("v.csv");
        let mut f = [""; VOTER_FIELDS];
        f[0] = "5";
        f[1] = "900101300017";
        f[2] = "Иванов";
        b.push(f, 9).unwrap();
        let t = b.build();
        let s = format!("{:?}", t.get(0));
        assert!(!s.contains("900101") && !s.contains("Иванов"), "{s}");
    }
}
