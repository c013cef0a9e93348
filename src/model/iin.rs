use chrono::NaiveDate;
use std::fmt;
use std::str::FromStr;

/// Why a string is not a usable IIN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IinError {
    #[error("an IIN has 12 digits")]
    Format,
    #[error("the IIN check digit does not match")]
    CheckDigit,
}

/// Sex as encoded in the IIN's 7th digit (odd male, even female).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum IinSex {
    Male,
    Female,
}

/// An individual identification number: 12 digits `YYMMDD C SSSS K` with a valid check
/// digit. The value is personal data: its `Debug` form is masked, and it must never be
/// written to logs or error messages (use [`Iin::masked`]).
///
/// # Examples
/// ```
/// use precincts::model::Iin;
/// let iin: Iin = "900101300017".parse().unwrap();
/// assert_eq!(iin.masked(), "900101******");
/// assert!("900101300018".parse::<Iin>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Iin([u8; 12]);

impl Iin {
    /// The check digit for the first 11 digits, or `None` when the number can have none.
    pub fn check_digit(d: &[u8; 11]) -> Option<u8> {
        let sum = |w: &dyn Fn(usize) -> u32| -> u32 {
            d.iter()
                .enumerate()
                .map(|(i, &x)| x as u32 * w(i))
                .sum::<u32>()
                % 11
        };
        let first = sum(&|i| i as u32 + 1);
        if first != 10 {
            return Some(first as u8);
        }
        let second = sum(&|i| ((i as u32 + 2) % 11) + 1);
        (second != 10).then_some(second as u8)
    }

    /// Parses 12 digits and checks the format only (no check digit).
    pub fn digits(s: &str) -> Result<[u8; 12], IinError> {
        let b = s.trim().as_bytes();
        if b.len() != 12 || !b.iter().all(u8::is_ascii_digit) {
            return Err(IinError::Format);
        }
        let mut d = [0u8; 12];
        for (o, c) in d.iter_mut().zip(b) {
            *o = c - b'0';
        }
        Ok(d)
    }

    /// The date of birth the digits encode, when the century digit and date are valid.
    pub fn birth_date(&self) -> Option<NaiveDate> {
        let d = &self.0;
        let yy = (d[0] * 10 + d[1]) as i32;
        let century = match d[6] {
            1 | 2 => 1800,
            3 | 4 => 1900,
            5 | 6 => 2000,
            _ => return None,
        };
        NaiveDate::from_ymd_opt(
            century + yy,
            (d[2] * 10 + d[3]) as u32,
            (d[4] * 10 + d[5]) as u32,
        )
    }

    /// The sex the 7th digit encodes.
    pub fn sex(&self) -> Option<IinSex> {
        match self.0[6] {
            1 | 3 | 5 => Some(IinSex::Male),
            2 | 4 | 6 => Some(IinSex::Female),
            _ => None,
        }
    }

    /// The first six digits and asterisks: safe for a screen, never for a log.
    pub fn masked(&self) -> String {
        let mut s: String = self.0[..6].iter().map(|d| (b'0' + d) as char).collect();
        s.push_str("******");
        s
    }

    /// The IIN as a number (for compact storage and hashing).
    pub fn as_u64(&self) -> u64 {
        self.0.iter().fold(0u64, |a, &d| a * 10 + d as u64)
    }

    /// The full 12 digits. Only for output files that are meant to carry IINs.
    pub fn reveal(&self) -> String {
        self.0.iter().map(|d| (b'0' + d) as char).collect()
    }
}

impl FromStr for Iin {
    type Err = IinError;
    fn from_str(s: &str) -> Result<Self, IinError> {
        let d = Iin::digits(s)?;
        let first: [u8; 11] = d[..11].try_into().expect("11 digits");
        match Iin::check_digit(&first) {
            Some(k) if k == d[11] => Ok(Iin(d)),
            _ => Err(IinError::CheckDigit),
        }
    }
}

impl fmt::Debug for Iin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Iin({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_example_is_valid() {
        let iin: Iin = "900101300017".parse().unwrap();
        assert_eq!(iin.birth_date(), NaiveDate::from_ymd_opt(1990, 1, 1));
        assert_eq!(iin.sex(), Some(IinSex::Male));
    }

    #[test]
    fn every_wrong_check_digit_is_rejected() {
        for k in 0..=9 {
            let s = format!("90010130001{k}");
            assert_eq!(s.parse::<Iin>().is_ok(), k == 7, "{s}");
        }
    }

    #[test]
    fn second_weights_are_used_when_first_sum_is_ten() {
        // Digits chosen so the first weighted sum is 10 mod 11: 1*1+..; computed by hand:
        // 00000000010 -> first = 10*1? use digit 1 at position 10 (weight 10) -> 10.
        let d = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0];
        // second weights are 3,4,5,6,7,8,9,10,11,1,2 -> position 10 has weight 1.
        assert_eq!(Iin::check_digit(&d), Some(1));
        // first = 10 and second = 10 -> no valid check digit.
        let d = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(Iin::check_digit(&d), Some(0));
    }

    #[test]
    fn format_errors_are_not_check_digit_errors() {
        assert_eq!("90010130001".parse::<Iin>(), Err(IinError::Format));
        assert_eq!("9001013000a7".parse::<Iin>(), Err(IinError::Format));
    }

    #[test]
    fn debug_never_shows_the_whole_number() {
        let iin: Iin = "900101300017".parse().unwrap();
        assert!(!format!("{iin:?}").contains("300017"));
    }
}
