use std::fmt;
use std::str::FromStr;

/// Why an identifier did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("a KATO code has 9 digits; got {0:?}")]
    Kato(String),
    #[error("a precinct number is empty")]
    EmptyPrecinct,
}

/// A 9-digit KATO code (`AABBCCDDD`: oblast, district, rural district, settlement).
/// Leading zeros are kept: it is an identifier, never a number.
///
/// # Examples
/// ```
/// use precincts::model::{AdminLevel, Kato};
/// let k: Kato = "751010000".parse().unwrap();
/// assert_eq!(k.level(), AdminLevel::SubDistrict);
/// assert!("75101".parse::<Kato>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Kato(String);

/// The administrative level of a unit, from coarse to fine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AdminLevel {
    Oblast,
    District,
    SubDistrict,
    Settlement,
}

impl AdminLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            AdminLevel::Oblast => "oblast",
            AdminLevel::District => "district",
            AdminLevel::SubDistrict => "sub_district",
            AdminLevel::Settlement => "settlement",
        }
    }
}

impl FromStr for AdminLevel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_lowercase().as_str() {
            "oblast" | "region" | "1" | "adm1" => Ok(AdminLevel::Oblast),
            "district" | "2" | "adm2" => Ok(AdminLevel::District),
            "sub_district" | "subdistrict" | "3" | "adm3" => Ok(AdminLevel::SubDistrict),
            "settlement" | "4" | "adm4" => Ok(AdminLevel::Settlement),
            other => Err(format!(
                "unknown admin level {other:?} (oblast, district, sub_district, settlement)"
            )),
        }
    }
}

impl Kato {
    /// The level implied by the code's trailing zeros.
    pub fn level(&self) -> AdminLevel {
        let b = self.0.as_bytes();
        let zero = |r: std::ops::Range<usize>| b[r].iter().all(|&c| c == b'0');
        if zero(2..9) {
            AdminLevel::Oblast
        } else if zero(4..9) {
            AdminLevel::District
        } else if zero(6..9) {
            AdminLevel::SubDistrict
        } else {
            AdminLevel::Settlement
        }
    }

    /// The code of the enclosing unit at `level` (digits past it zeroed).
    pub fn ancestor(&self, level: AdminLevel) -> Kato {
        let keep = match level {
            AdminLevel::Oblast => 2,
            AdminLevel::District => 4,
            AdminLevel::SubDistrict => 6,
            AdminLevel::Settlement => 9,
        };
        let mut s = self.0[..keep].to_string();
        s.extend(std::iter::repeat_n('0', 9 - keep));
        Kato(s)
    }

    /// The two-digit oblast prefix.
    pub fn oblast_prefix(&self) -> &str {
        &self.0[..2]
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Kato {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let t = s.trim();
        // Spreadsheets sometimes turn codes into numbers ("751010000.0").
        let t = t.strip_suffix(".0").unwrap_or(t);
        if t.len() == 9 && t.bytes().all(|c| c.is_ascii_digit()) {
            Ok(Kato(t.to_string()))
        } else {
            Err(IdError::Kato(s.to_string()))
        }
    }
}

impl fmt::Display for Kato {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A precinct number exactly as written (`25`, `0112`, `25AF01`): an identifier, never an
/// integer. Surrounding whitespace is trimmed; nothing else is changed.
///
/// # Examples
/// ```
/// use precincts::model::PrecinctNo;
/// let p: PrecinctNo = " 0112 ".parse().unwrap();
/// assert_eq!(p.as_str(), "0112");
/// assert_ne!(p, "112".parse().unwrap());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct PrecinctNo(String);

impl PrecinctNo {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for PrecinctNo {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        let t = s.trim();
        let t = t.strip_prefix('№').unwrap_or(t).trim();
        if t.is_empty() {
            Err(IdError::EmptyPrecinct)
        } else {
            Ok(PrecinctNo(t.to_string()))
        }
    }
}

impl fmt::Display for PrecinctNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kato_levels_follow_trailing_zeros() {
        let lv = |s: &str| s.parse::<Kato>().unwrap().level();
        assert_eq!(lv("750000000"), AdminLevel::Oblast);
        assert_eq!(lv("751000000"), AdminLevel::District);
        assert_eq!(lv("751010000"), AdminLevel::SubDistrict);
        assert_eq!(lv("751010001"), AdminLevel::Settlement);
        assert_eq!(lv("011010000"), AdminLevel::SubDistrict);
    }

    #[test]
    fn kato_keeps_leading_zeros_and_rejects_bad_lengths() {
        assert_eq!("011000000".parse::<Kato>().unwrap().as_str(), "011000000");
        assert!("11000000".parse::<Kato>().is_err());
        assert!("75101000A".parse::<Kato>().is_err());
        assert_eq!(
            "751234567"
                .parse::<Kato>()
                .unwrap()
                .ancestor(AdminLevel::District)
                .as_str(),
            "751200000"
        );
    }

    #[test]
    fn precinct_numbers_are_not_integers() {
        let a: PrecinctNo = "0112".parse().unwrap();
        let b: PrecinctNo = "112".parse().unwrap();
        assert_ne!(a, b);
        assert_eq!("№ 25AF01".parse::<PrecinctNo>().unwrap().as_str(), "25AF01");
        assert!("  ".parse::<PrecinctNo>().is_err());
    }
}
