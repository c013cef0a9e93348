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
        // A single 1 in position 10: the first weighted sum is 1 × 10 = 10, so the second
        // weights (3,4,5,6,7,8,9,10,11,1,2) apply, where position 10 weighs 1.
        let d = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0];
        assert_eq!(Iin::check_digit(&d), Some(1));
        // All zeros: the first sum is 0, not 10, so the check digit is simply 0.
        let d = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(Iin::check_digit(&d), Some(0));
    }

    /// Valid IINs published as test data by public validators, with the date and sex they
    /// state:
    /// - github.com/valery1707/kaz-person-id, `PrivatePersonIdTest.java` (`testPublicIds`,
    ///   numbers from the public source it cites, and `testCenturyBit` for the 1800s);
    /// - github.com/tlgtaa/py-kz-validators, `tests/test_iin_validator.py` (791028302728);
    /// - github.com/ZhymabekRoman/kz-iin-validator, `README.md` usage example (061211600012,
    ///   whose first weighted sum is 10: its check digit comes from the second weights).
    #[test]
    fn published_valid_numbers_are_accepted() {
        let published = [
            ("871008401427", (1987, 10, 8), IinSex::Female),
            ("760212350620", (1976, 2, 12), IinSex::Male),
            ("800416300257", (1980, 4, 16), IinSex::Male),
            ("680503450037", (1968, 5, 3), IinSex::Female),
            ("800416100254", (1880, 4, 16), IinSex::Male),
            ("680503250034", (1868, 5, 3), IinSex::Female),
            ("791028302728", (1979, 10, 28), IinSex::Male),
            ("061211600012", (2006, 12, 11), IinSex::Female),
        ];
        for (s, (y, m, d), sex) in published {
            let iin: Iin = s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(iin.birth_date(), NaiveDate::from_ymd_opt(y, m, d), "{s}");
            assert_eq!(iin.sex(), Some(sex), "{s}");
            assert_eq!(iin.reveal(), s);
        }
    }

    /// Invalid IINs published as test data:
    /// - `010101600586` (github.com/tlgtaa/py-kz-validators, `tests/test_iin_validator.py`,
    ///   "invalid control digit": the weighted sum gives 5, not 6);
    /// - `821214240092` (github.com/ZhymabekRoman/kz-iin-validator, `tests/test_basic.py`,
    ///   `non_valid_iin_list`): both weighted sums are 10, so no check digit exists.
    #[test]
    fn published_invalid_numbers_are_rejected() {
        assert_eq!("010101600586".parse::<Iin>(), Err(IinError::CheckDigit));
        assert!("010101600585".parse::<Iin>().is_ok());
        for k in 0..=9 {
            let s = format!("82121424009{k}");
            assert_eq!(s.parse::<Iin>(), Err(IinError::CheckDigit), "{s}");
        }
    }

    /// Weighted sums mod 11, written out here independently of [`Iin::check_digit`].
    fn sums(d: &[u8]) -> (u32, u32) {
        const W1: [u32; 11] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
        const W2: [u32; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];
        let s = |w: &[u32; 11]| d.iter().zip(w).map(|(&x, &w)| x as u32 * w).sum::<u32>() % 11;
        (s(&W1), s(&W2))
    }

    #[test]
    fn no_check_digit_when_both_sums_are_ten() {
        // Search the serials of a date for numbers whose two weighted sums are both 10:
        // such numbers have no check digit, so every 12th digit is rejected.
        let mut found = 0;
        for serial in 0..10_000u32 {
            let s = format!("9001013{serial:04}");
            let d: Vec<u8> = s.bytes().map(|b| b - b'0').collect();
            let first: [u8; 11] = d[..].try_into().unwrap();
            let (a, b) = sums(&d);
            if a == 10 && b == 10 {
                found += 1;
                assert_eq!(Iin::check_digit(&first), None, "{s}");
                for k in 0..=9 {
                    assert_eq!(
                        format!("{s}{k}").parse::<Iin>(),
                        Err(IinError::CheckDigit),
                        "{s}{k}"
                    );
                }
            } else if a == 10 {
                assert_eq!(Iin::check_digit(&first), Some(b as u8), "{s}");
            } else {
                assert_eq!(Iin::check_digit(&first), Some(a as u8), "{s}");
            }
        }
        // About one number in 121 has both sums 10.
        assert!(found > 50, "{found}");
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
