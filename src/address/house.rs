//! House numbers: `12`, `12А` / `12а` / `12 "А"` / `12-А`, `12/1`, `12 корп. 2` / `12к2` /
//! `12 блок 2`, and `12-14` as one building where an address is written so.
//!
//! The total order is field by field: number, letter, fraction, span, block, so
//! `12 < 12А < 12Б < 13` and `12/1 < 12/2`.

use super::text::{Tok, TokKind, tokenize};
use std::fmt;

/// A parsed house number. Letters are folded (`А` and Latin `A` are the same).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct House {
    pub num: u32,
    /// A letter suffix (`12А`), folded lower case; empty when none.
    pub letter: String,
    /// A fraction (`12/1`).
    pub frac: Option<u32>,
    /// The second number of a building written `12-14`.
    pub span: Option<u32>,
    /// A block / korpus (`12 корп. 2`, `12к2`).
    pub block: Option<u32>,
}

/// Words that introduce a block number: `к`, `корп`, `корпус`, `блок`, `бл`, `стр`,
/// `строение`, Kazakh `ғимарат`.
pub(crate) fn is_block_word(w: &str) -> bool {
    matches!(
        w,
        "к" | "корп" | "корпус" | "кор" | "блок" | "бл" | "стр" | "строение" | "гимарат"
    )
}

/// Single letters that are words, not house letters, when written apart (`2 и 4`, `с 2`).
pub(crate) fn is_spaced_word_letter(w: &str) -> bool {
    matches!(w, "и" | "с" | "д")
}

impl House {
    /// A bare number.
    pub fn num(n: u32) -> Self {
        House {
            num: n,
            ..House::default()
        }
    }

    /// True when only the number is given (no letter, fraction, span or block).
    pub fn is_bare(&self) -> bool {
        self.letter.is_empty() && self.frac.is_none() && self.span.is_none() && self.block.is_none()
    }

    /// The house without its block: `12к2` → `12`.
    pub fn without_block(&self) -> House {
        House {
            block: None,
            ..self.clone()
        }
    }

    /// Compares `self` with an upper bound, where the bound's unset trailing parts mean
    /// "any": `36А` is ≤ `36` as a bound (a range `2-36` covers `36А`), `36Ак2` ≤ `36А`.
    pub fn le_bound(&self, bound: &House) -> bool {
        use std::cmp::Ordering::*;
        match self.num.cmp(&bound.num) {
            Less => return true,
            Greater => return false,
            Equal => {}
        }
        let rest_unset = |b: &House, from: u8| {
            (from > 1 || b.letter.is_empty())
                && (from > 2 || b.frac.is_none())
                && (from > 3 || b.span.is_none())
                && b.block.is_none()
        };
        if rest_unset(bound, 1) {
            return true;
        }
        match self.letter.cmp(&bound.letter) {
            Less => return true,
            Greater => return false,
            Equal => {}
        }
        if rest_unset(bound, 2) {
            return true;
        }
        match self.frac.cmp(&bound.frac) {
            Less => return true,
            Greater => return false,
            Equal => {}
        }
        if rest_unset(bound, 3) {
            return true;
        }
        match self.span.cmp(&bound.span) {
            Less => return true,
            Greater => return false,
            Equal => {}
        }
        if bound.block.is_none() {
            return true;
        }
        self.block <= bound.block
    }

    /// The canonical text without the block: `12а`, `12/1`, `12-14`.
    pub fn base_text(&self) -> String {
        let mut s = self.num.to_string();
        s.push_str(&self.letter);
        if let Some(f) = self.frac {
            s.push('/');
            s.push_str(&f.to_string());
        }
        if let Some(t) = self.span {
            s.push('-');
            s.push_str(&t.to_string());
        }
        s
    }
}

impl fmt::Display for House {
    /// The canonical form, as the write-back emits it: `12`, `12А`, `12/1`, `12к2`
    /// (letters upper case).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.num, self.letter.to_uppercase())?;
        if let Some(x) = self.frac {
            write!(f, "/{x}")?;
        }
        if let Some(t) = self.span {
            write!(f, "-{t}")?;
        }
        if let Some(b) = self.block {
            write!(f, "к{b}")?;
        }
        Ok(())
    }
}

/// Reads a house number at `toks[i]` (which must be a number). `span_ok`: a following
/// `-N` is part of this one building (`12-14`) rather than a range. Returns the house and
/// the index after it.
pub(crate) fn house_at(toks: &[Tok], i: usize, span_ok: bool) -> Option<(House, usize)> {
    let mut h = House::num(toks.get(i)?.num()?);
    let mut j = i + 1;
    let is_dot = |k: usize| toks.get(k).is_some_and(|t| t.is_punct('.'));
    let num_after = |k: usize| -> Option<(u32, usize)> {
        let k = if is_dot(k) { k + 1 } else { k };
        toks.get(k).and_then(|t| t.num()).map(|n| (n, k + 1))
    };
    // Letter, block word: `12а`, `12 "А"`, `12-А`, `12к2`, `12 корп. 2`.
    let letter_at = |k: usize, h: &mut House| -> Option<usize> {
        let t = toks.get(k)?;
        let w = t.word()?;
        if is_block_word(w)
            && let Some((n, next)) = num_after(k + 1)
        {
            h.block = Some(n);
            return Some(next);
        }
        // `36Ак2`: a letter and a block word written together.
        let mut cs = w.chars();
        if let Some(first) = cs.next()
            && h.letter.is_empty()
            && is_block_word(cs.as_str())
            && !t.space_before
            && let Some((n, next)) = num_after(k + 1)
        {
            h.letter = first.to_string();
            h.block = Some(n);
            return Some(next);
        }
        if w.chars().count() == 1
            && h.letter.is_empty()
            && (!t.space_before || t.quoted || !is_spaced_word_letter(w))
        {
            // A letter followed directly by a number is no letter (`12 с 2`).
            h.letter = w.to_string();
            return Some(k + 1);
        }
        None
    };
    if let Some(next) = letter_at(j, &mut h) {
        j = next;
    } else if toks
        .get(j)
        .is_some_and(|t| t.is_punct('-') && !t.space_before)
        && toks
            .get(j + 1)
            .is_some_and(|t| !t.space_before && t.word().is_some_and(|w| w.chars().count() == 1))
        && let Some(next) = letter_at(j + 1, &mut h)
    {
        j = next;
    }
    if toks.get(j).is_some_and(|t| t.is_punct('/'))
        && let Some(n) = toks.get(j + 1).and_then(Tok::num)
    {
        h.frac = Some(n);
        j += 2;
        if h.letter.is_empty()
            && let Some(next) = letter_at(j, &mut h)
        {
            j = next;
        }
    }
    if span_ok
        && toks.get(j).is_some_and(|t| t.is_punct('-'))
        && let Some(n) = toks.get(j + 1).and_then(Tok::num)
    {
        h.span = Some(n);
        j += 2;
    }
    if h.block.is_none()
        && let Some(t) = toks.get(j)
        && t.word().is_some_and(is_block_word)
        && let Some((n, next)) = num_after(j + 1)
    {
        h.block = Some(n);
        j = next;
    }
    Some((h, j))
}

/// Parses a whole house cell of an address (`12А`, `д. 12/1`, `12-14`, `12 корп. 2`), and a
/// separate building cell (`2`, `корп. 2`, `Б`). `None` when it is not a house number.
///
/// # Examples
/// ```
/// use precincts::address::parse_house;
/// let h = parse_house("12 \"а\"", "").unwrap();
/// assert_eq!(h.to_string(), "12А");
/// assert_eq!(parse_house("12к2", ""), parse_house("12", "корп. 2"));
/// assert!(parse_house("б/н", "").is_none());
/// ```
pub fn parse_house(house: &str, building: &str) -> Option<House> {
    // The common case, without tokenizing: digits only.
    if building.is_empty()
        && !house.is_empty()
        && house.len() <= 9
        && house.bytes().all(|b| b.is_ascii_digit())
    {
        return house.parse().ok().map(House::num);
    }
    let toks = tokenize(house);
    let mut i = 0;
    while let Some(t) = toks.get(i) {
        match &t.kind {
            TokKind::Word(w) if matches!(w.as_str(), "д" | "дом" | "уй") => i += 1,
            TokKind::Punct('.' | '#' | ',') => i += 1,
            TokKind::Word(_) | TokKind::Num(_) | TokKind::Punct(_) => break,
        }
    }
    let (mut h, j) = house_at(&toks, i, true)?;
    if j != toks.len() && !toks[j..].iter().all(|t| t.is_punct('.')) {
        return None;
    }
    let b = tokenize(building);
    let words_digits: Vec<&Tok> = b.iter().filter(|t| !t.is_punct('.')).collect();
    match words_digits.as_slice() {
        [] => {}
        [t] if t.num().is_some() && h.block.is_none() => h.block = t.num(),
        [w, t] if w.word().is_some_and(is_block_word) && t.num().is_some() && h.block.is_none() => {
            h.block = t.num()
        }
        [t] if t.word().is_some_and(|w| w.chars().count() == 1) && h.letter.is_empty() => {
            h.letter = t.word().unwrap_or_default().to_string()
        }
        _ => return None,
    }
    Some(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> House {
        parse_house(s, "").unwrap_or_else(|| panic!("{s} should parse"))
    }

    #[test]
    fn letter_forms_are_one_house() {
        let want = House {
            num: 12,
            letter: "а".into(),
            ..House::default()
        };
        for s in [
            "12А",
            "12а",
            "12 \"А\"",
            "12 «а»",
            "12-А",
            "12A",
            "д. 12А",
            "12 А",
        ] {
            assert_eq!(h(s), want, "{s}");
        }
    }

    #[test]
    fn fractions_blocks_and_spans_are_read() {
        assert_eq!(h("12/1").frac, Some(1));
        for s in ["12 корп. 2", "12к2", "12 блок 2", "12 к. 2", "12 корпус 2"] {
            assert_eq!(h(s).block, Some(2), "{s}");
            assert_eq!(h(s).num, 12);
        }
        assert_eq!(h("12-14").span, Some(14));
        assert_eq!(parse_house("12", "2").unwrap().block, Some(2));
        assert_eq!(parse_house("12", "Б").unwrap().letter, "б");
    }

    #[test]
    fn houses_are_totally_ordered_letters_between_numbers() {
        let mut v = [h("13"), h("12Б"), h("12"), h("12А")];
        v.sort();
        let texts: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert_eq!(texts, ["12", "12А", "12Б", "13"]);
    }

    #[test]
    fn a_bare_upper_bound_covers_the_letters_of_its_number() {
        assert!(h("36А").le_bound(&h("36")));
        assert!(h("36/1").le_bound(&h("36")));
        assert!(!h("37").le_bound(&h("36")));
        assert!(!h("36Б").le_bound(&h("36А")));
        assert!(h("36Ак2").le_bound(&h("36А")));
    }

    #[test]
    fn text_that_is_not_a_house_number_is_refused() {
        assert!(parse_house("б/н", "").is_none());
        assert!(parse_house("", "").is_none());
        assert!(parse_house("12 и 14", "").is_none());
    }
}
