//! The house-list language of Appendix 3 and the free-text border paragraphs. The grammar is
//! written down in `data/FORMATS.md (Appendix 3)`; this file implements it.

use crate::address::text::is_quote;
use crate::address::{
    House, StreetKind, Tok, TokKind, house_at, normalise_locality, street_parts, tokenize,
};
use std::fmt;

/// Even or odd house numbers (of the number part: `12А` is even).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Parity {
    Any,
    Even,
    Odd,
}

impl Parity {
    pub fn admits(self, n: u32) -> bool {
        match self {
            Parity::Any => true,
            Parity::Even => n.is_multiple_of(2),
            Parity::Odd => !n.is_multiple_of(2),
        }
    }
}

/// One item of a house list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HouseItem {
    /// One building. A bare number (`12`) also covers its blocks (`12к2`), not its letters
    /// (`12А`) or fractions (`12/1`).
    One(House),
    /// `from..=to` in the total order of houses; a bound without letter (`36`) covers the
    /// letters, fractions and blocks of its number (`36А`). `to = None`: to the end.
    Range {
        from: House,
        to: Option<House>,
        parity: Parity,
    },
    /// Every house (of a parity).
    All(Parity),
}

impl HouseItem {
    /// How specifically the item names `h`: 3 the very building, 2 its house without the
    /// block, 1 a range, 0 everything; `None` when it does not cover `h`.
    pub fn specificity(&self, h: &House) -> Option<u8> {
        match self {
            HouseItem::One(s) => {
                if s == h {
                    Some(3)
                } else if s.block.is_none() && h.block.is_some() && h.without_block() == *s {
                    Some(2)
                } else {
                    None
                }
            }
            HouseItem::Range { from, to, parity } => {
                (parity.admits(h.num) && h >= from && to.as_ref().is_none_or(|t| h.le_bound(t)))
                    .then_some(1)
            }
            HouseItem::All(p) => p.admits(h.num).then_some(0),
        }
    }
}

/// One clause of a house list: what it includes, minus what it excludes. Where an inclusion
/// and an exclusion both cover a house, the more specific one wins, an exclusion on a tie
/// (`1-15 кроме 5`, `12 кроме 12к2`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Clause {
    pub include: Vec<HouseItem>,
    pub exclude: Vec<HouseItem>,
}

impl Clause {
    pub fn contains(&self, h: &House) -> bool {
        let best = |items: &[HouseItem]| items.iter().filter_map(|i| i.specificity(h)).max();
        // An excluded side (`1-20 кроме четных`) narrows the ranges too: an exclusion is at
        // least as specific as a range.
        let excluded = self
            .exclude
            .iter()
            .filter_map(|i| i.specificity(h))
            .max()
            .map(|s| s.max(1));
        match (best(&self.include), excluded) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(i), Some(e)) => i > e,
        }
    }

    /// Whether it is "every house" without exclusions.
    pub fn is_all(&self) -> bool {
        self.exclude.is_empty() && self.include.contains(&HouseItem::All(Parity::Any))
    }
}

/// The houses of one entry: the union of its clauses. An exclusion belongs to the clause of
/// the items it follows (its scope): `1-29 тақ, 17-ден басқа, 31-35` is the clause
/// `1..29 odd except 17` and the clause `31..35`; a `;` also starts a new clause.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HouseSet {
    pub clauses: Vec<Clause>,
}

impl HouseSet {
    /// Every house.
    pub fn all() -> Self {
        HouseSet::from(Clause {
            include: vec![HouseItem::All(Parity::Any)],
            exclude: vec![],
        })
    }

    pub fn contains(&self, h: &House) -> bool {
        self.clauses.iter().any(|c| c.contains(h))
    }

    /// Whether it is "every house" without exclusions.
    pub fn is_all(&self) -> bool {
        self.clauses.iter().any(Clause::is_all)
    }

    /// Every included item with its clause's exclusions, for checks on the ranges written.
    pub fn included(&self) -> impl Iterator<Item = &HouseItem> {
        self.clauses.iter().flat_map(|c| c.include.iter())
    }
}

impl From<Clause> for HouseSet {
    fn from(c: Clause) -> Self {
        HouseSet { clauses: vec![c] }
    }
}

/// What an entry applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// A street, microdistrict, residential complex, quarter or military unit of the
    /// precinct's locality; `key` as [`crate::address::normalise_street`] gives it.
    Street {
        kind: StreetKind,
        key: String,
        name: String,
    },
    /// A whole settlement (village, station...): every address whose locality is it.
    Settlement { key: String, name: String },
    /// Addresses of the precinct's locality written without a street.
    NoStreet,
}

/// One parsed border entry: a target and its houses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedEntry {
    pub target: Target,
    pub houses: HouseSet,
}

/// Which cell of the row a parse error is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    AddressType,
    Address,
    House,
}

impl Cell {
    pub fn as_str(self) -> &'static str {
        match self {
            Cell::AddressType => "address_type",
            Cell::Address => "address",
            Cell::House => "house",
        }
    }
}

/// A text that does not parse: the cell, the 1-based character position, what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub cell: Cell,
    /// 1-based position of the offending character in the cell.
    pub pos: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} column, char {}: {}",
            self.cell.as_str(),
            self.pos,
            self.message
        )
    }
}

// ---------------------------------------------------------------- compact notation

impl fmt::Display for HouseItem {
    /// The compact notation of the corpus: `12А`, `2..36`, `2..36 even`, `40..`, `all odd`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let par = |p: &Parity| match p {
            Parity::Any => "",
            Parity::Even => " even",
            Parity::Odd => " odd",
        };
        match self {
            HouseItem::One(h) => write!(f, "{h}"),
            HouseItem::Range { from, to, parity } => {
                write!(f, "{from}..")?;
                if let Some(t) = to {
                    write!(f, "{t}")?;
                }
                f.write_str(par(parity))
            }
            HouseItem::All(p) => write!(f, "all{}", par(p)),
        }
    }
}

impl fmt::Display for Clause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |v: &[HouseItem]| {
            v.iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        f.write_str(&join(&self.include))?;
        if !self.exclude.is_empty() {
            write!(f, " except {}", join(&self.exclude))?;
        }
        Ok(())
    }
}

impl fmt::Display for HouseSet {
    /// The clauses separated by ` + `: `1..29 odd except 17 + 31..35`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.clauses.iter().enumerate() {
            if i > 0 {
                f.write_str(" + ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Street { key, .. } => write!(f, "street:{key}"),
            Target::Settlement { key, .. } => write!(f, "settlement:{key}"),
            Target::NoStreet => f.write_str("nostreet"),
        }
    }
}

impl fmt::Display for ParsedEntry {
    /// `street:кенесары = 2..36 even`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {}", self.target, self.houses)
    }
}

// ---------------------------------------------------------------- word classes

fn parity_word(w: &str) -> Option<Parity> {
    match w {
        "четные" | "четная" | "четных" | "четн" | "чет" | "четный" | "четной" | "четным"
        | "четное" | "жуп" => Some(Parity::Even),
        "нечетные" | "нечетная" | "нечетных" | "нечетн" | "нечет" | "нечетный" | "нечетной"
        | "нечетным" | "нечетное" | "так" => Some(Parity::Odd),
        _ => None,
    }
}

/// `дом` / `д.` / `үй`: one building follows (`д. 12-14` is one building).
fn house_word_singular(w: &str) -> bool {
    matches!(w, "дом" | "д" | "уй" | "уйи")
}

fn house_word_plural(w: &str) -> bool {
    matches!(
        w,
        "дома"
            | "дд"
            | "домов"
            | "домам"
            | "уйлер"
            | "уйлери"
            | "номера"
            | "номер"
            | "ном"
    )
}

/// Words for "every house" / "the whole street".
fn all_word(w: &str) -> bool {
    matches!(
        w,
        "все"
            | "вся"
            | "весь"
            | "всех"
            | "барлык"
            | "полностью"
            | "целиком"
            | "толыгымен"
            | "тугел"
            | "тугелдей"
            | "тутас"
            | "толык"
    )
}

/// Filler words after an "all" or parity word: `все дома`, `вся улица`, `четная сторона`.
fn filler_word(w: &str) -> bool {
    matches!(
        w,
        "дома"
            | "домов"
            | "улица"
            | "улицы"
            | "уйлер"
            | "уйлери"
            | "уйлерi"
            | "сторона"
            | "стороны"
            | "стороне"
            | "сторон"
            | "жагы"
            | "жак"
            | "жагындагы"
            | "санды"
            | "номирли"
            | "включительно"
            | "номера"
            | "кошеси"
            | "кошенин"
            | "территория"
            | "аумагы"
    )
}

/// Words joining items of a list (`2 и 4`, `5 және 7`). `а` only as `а также`.
fn separator_word(w: &str) -> bool {
    matches!(w, "и" | "жане" | "также" | "мен" | "пен" | "бен")
}

/// Kazakh ablative endings, with either vowel harmony (`5-тен`, `2-ден`, `6-дан`, `10-нан`,
/// `үйлерінен`): "from" / "than".
fn ablative(w: &str) -> bool {
    matches!(
        w,
        "ден"
            | "дан"
            | "тен"
            | "тан"
            | "нен"
            | "нан"
            | "инен"
            | "ынан"
            | "ынен"
            | "инан"
    )
}

/// Kazakh dative endings, with either vowel harmony (`36-ға`, `40-қа` folded, `25-ке`,
/// `7-ге`, `10-на`): "to".
fn dative(w: &str) -> bool {
    matches!(
        w,
        "га" | "ге" | "ка" | "ке" | "на" | "не" | "а" | "е" | "ына" | "ине"
    )
}

/// `дейін` ("up to") and its attributive `дейінгі`.
fn until_word(w: &str) -> bool {
    matches!(w, "дейин" | "дейинги" | "шейин")
}

/// "Houses" with an ablative ending: `5, 7 үйлерден басқа` (except houses 5 and 7).
fn houses_ablative(w: &str) -> bool {
    matches!(
        w,
        "уйлерден" | "уйлеринен" | "уйден" | "уйинен" | "уйлердан" | "уйлеринан"
    )
}

fn settlement_word(w: &str) -> bool {
    matches!(
        w,
        "село"
            | "с"
            | "ауылы"
            | "ауыл"
            | "аул"
            | "поселок"
            | "пос"
            | "п"
            | "кенти"
            | "кент"
            | "станция"
            | "ст"
            | "стансасы"
            | "разъезд"
            | "зимовка"
            | "пгт"
    )
}

/// Words that start the house part of a segment written without a colon.
fn house_start_word(w: &str) -> bool {
    house_word_singular(w)
        || house_word_plural(w)
        || parity_word(w).is_some()
        || all_word(w)
        || matches!(
            w,
            "с" | "от" | "до" | "кроме" | "за" | "исключая" | "границы" | "нет"
        )
}

// ---------------------------------------------------------------- the house list

struct HouseParser<'a> {
    toks: &'a [Tok],
    /// The text the tokens' offsets point into.
    chars: &'a [char],
    /// Position (0-based char) just past the list, for "expected ... at the end" errors.
    end: usize,
    cell: Cell,
}

impl HouseParser<'_> {
    fn err_at(&self, i: usize, message: impl Into<String>) -> ParseError {
        let pos = self.toks.get(i).map(|t| t.start).unwrap_or(self.end);
        ParseError {
            cell: self.cell,
            pos: pos + 1,
            message: message.into(),
        }
    }

    fn word(&self, i: usize) -> Option<&str> {
        self.toks.get(i).and_then(Tok::word)
    }

    fn describe(&self, i: usize) -> String {
        match self.toks.get(i).map(|t| &t.kind) {
            None => "the end of the text".to_string(),
            Some(TokKind::Num(n)) => format!("«{n}»"),
            Some(TokKind::Word(w)) => format!("«{w}»"),
            Some(TokKind::Punct('#')) => "«№»".to_string(),
            Some(TokKind::Punct(c)) => format!("«{c}»"),
        }
    }

    /// Skips `№`, dots and house words before a number; returns the index of the number.
    fn skip_to_number(&self, mut i: usize) -> usize {
        while let Some(t) = self.toks.get(i) {
            match &t.kind {
                TokKind::Punct('#' | '.') => i += 1,
                TokKind::Word(w) if house_word_plural(w) || house_word_singular(w) => i += 1,
                TokKind::Word(_) | TokKind::Num(_) | TokKind::Punct(_) => break,
            }
        }
        i
    }

    /// A house at `i` (a number must be there).
    fn house(&self, i: usize, span_ok: bool) -> Result<(House, usize), ParseError> {
        house_at(self.toks, i, span_ok).ok_or_else(|| {
            self.err_at(
                i,
                format!("expected a house number, got {}", self.describe(i)),
            )
        })
    }

    fn range(&self, from: House, to: Option<House>, at: usize) -> Result<HouseItem, ParseError> {
        if let Some(t) = &to
            && t < &from
            && !from.le_bound(t)
        {
            return Err(self.err_at(at, format!("the range {from}-{t} runs backwards")));
        }
        Ok(HouseItem::Range {
            from,
            to,
            parity: Parity::Any,
        })
    }

    /// After `from` at `i`: `по`/`до`/`-` N, `до конца`, `и далее`; `None` when no range
    /// continuation follows.
    fn range_tail(&self, from: &House, i: usize) -> Result<Option<(HouseItem, usize)>, ParseError> {
        let w = self.word(i);
        let dash = self.toks.get(i).is_some_and(|t| t.is_punct('-'));
        if dash || matches!(w, Some("по" | "до")) {
            let j = self.skip_to_number(i + 1);
            if self.toks.get(j).and_then(Tok::num).is_some() {
                let (to, k) = self.house(j, false)?;
                return Ok(Some((self.range(from.clone(), Some(to), j)?, k)));
            }
            if matches!(self.word(j), Some("конца" | "конец" | "последнего")) {
                let mut k = j + 1;
                if matches!(self.word(k), Some("улицы" | "дома")) {
                    k += 1;
                }
                return Ok(Some((self.range(from.clone(), None, j)?, k)));
            }
            return Err(self.err_at(
                j,
                format!(
                    "expected a house number or «конца» after the range's start, got {}",
                    self.describe(j)
                ),
            ));
        }
        if w == Some("и") && matches!(self.word(i + 1), Some("далее" | "выше" | "более"))
        {
            return Ok(Some((self.range(from.clone(), None, i)?, i + 2)));
        }
        if matches!(w, Some("далее" | "выше")) {
            return Ok(Some((self.range(from.clone(), None, i)?, i + 1)));
        }
        Ok(None)
    }

    /// A Kazakh case ending after the token before `j`: `-тен` (hyphenated) or `тен`
    /// (attached, no space). Returns the ending and the index after it.
    fn suffix(&self, j: usize) -> Option<(&str, usize)> {
        let t = self.toks.get(j)?;
        if t.is_punct('-') {
            let w = self.toks.get(j + 1)?;
            return w.word().map(|s| (s, j + 2));
        }
        if !t.space_before {
            return t.word().map(|s| (s, j + 1));
        }
        None
    }

    /// Reads the house at `i`; a number in quotes (`«12-14»`) is one building with a span,
    /// otherwise `N-M` is a range. `5 а также 7`: the `а` is no letter.
    fn house_here(&self, i: usize) -> Result<(House, usize), ParseError> {
        let toks = self.toks;
        let a_also = toks
            .get(i + 1)
            .is_some_and(|t| t.space_before && t.word() == Some("а"))
            && self.word(i + 2) == Some("также");
        let err = || {
            self.err_at(
                i,
                format!("expected a house number, got {}", self.describe(i)),
            )
        };
        if a_also {
            return house_at(&toks[..=i], i, false).ok_or_else(err);
        }
        // `«12-14»`: a quote right before the number and right after the span.
        let quote_at = |c: usize| self.chars.get(c).is_some_and(|&c| is_quote(c));
        if toks[i].start > 0
            && quote_at(toks[i].start - 1)
            && let Some((h, j)) = house_at(toks, i, true)
            && h.span.is_some()
            && quote_at(toks[j - 1].end)
        {
            return Ok((h, j));
        }
        house_at(toks, i, false).ok_or_else(err)
    }

    fn parse(&self) -> Result<HouseSet, ParseError> {
        let toks = self.toks;
        if toks.is_empty() {
            return Ok(HouseSet::all());
        }
        let mut st = ListState::default();
        let mut i = 0;
        while i < toks.len() {
            let t = &toks[i];
            match &t.kind {
                TokKind::Punct(',' | '.' | '#' | ':') => {
                    if t.is_punct(',') {
                        st.parity_target = None;
                    }
                    i += 1;
                }
                TokKind::Punct(';') => {
                    st.next_clause();
                    i += 1;
                }
                TokKind::Punct('(') => {
                    st.groups.push((st.barrier, st.exclude_mode));
                    st.barrier = st.items.len();
                    i += 1;
                }
                TokKind::Punct(')') => {
                    let Some((barrier, was_excluding)) = st.groups.pop() else {
                        return Err(self.err_at(i, "«)» without «(»"));
                    };
                    st.barrier = barrier;
                    if st.exclude_mode && !was_excluding {
                        // `1-15 (кроме 7), 17-25`: the exclusion ends with its parenthesis.
                        st.exclude_mode = false;
                        st.after_exclusion = true;
                    }
                    i += 1;
                }
                TokKind::Punct(c) => {
                    return Err(self.err_at(i, format!("unexpected «{c}»")));
                }
                TokKind::Word(w) => {
                    let w = w.as_str();
                    if houses_ablative(w) && self.word(i + 1) == Some("баска") {
                        // `5, 7 үйлерден басқа`: the houses just written are excluded.
                        let Some(last) = st.pop_last_inclusion() else {
                            return Err(
                                self.err_at(i, format!("«{w} басқа» follows no house number"))
                            );
                        };
                        st.kazakh_exclusion(last, i);
                        i += 2;
                    } else if houses_ablative(w)
                        && matches!(
                            self.word(i + 1),
                            Some("бастап" | "сонына" | "аягына" | "сонгы")
                        )
                    {
                        // `15 үйден бастап`, `15 үйден соңына дейін`: the ending on the word.
                        let Some(HouseItem::One(a)) = st.pop_last_inclusion() else {
                            return Err(
                                self.err_at(i, format!("«{w}» follows no single house number"))
                            );
                        };
                        i = self.after_ablative(&mut st, a, i, i + 1)?;
                    } else if house_word_singular(w)
                        || house_word_plural(w)
                        || separator_word(w)
                        || filler_word(w)
                    {
                        i += 1;
                    } else if w == "а" && self.word(i + 1) == Some("также") {
                        i += 2;
                    } else if w == "по"
                        && self.word(i + 1).is_some_and(|n| parity_word(n).is_some())
                    {
                        // `по нечетной стороне`.
                        i += 1;
                    } else if let Some(p) = parity_word(w) {
                        self.parity(&mut st, p, i)?;
                        i += 1;
                    } else if all_word(w) {
                        st.include(HouseItem::All(Parity::Any), i);
                        st.parity_target = Some(st.items.len() - 1);
                        st.barrier = st.items.len();
                        i += 1;
                    } else if matches!(w, "кроме" | "исключая")
                        || (w == "за" && self.word(i + 1) == Some("исключением"))
                    {
                        st.exclude_mode = true;
                        st.barrier = st.items.len();
                        st.parity_target = None;
                        i += if w == "за" { 2 } else { 1 };
                        let j = self.skip_to_number(i);
                        let houses_follow = match toks.get(j).map(|t| &t.kind) {
                            Some(TokKind::Num(_) | TokKind::Punct('(')) => true,
                            Some(TokKind::Word(n)) => {
                                parity_word(n).is_some()
                                    || all_word(n)
                                    || matches!(n.as_str(), "с" | "от" | "до")
                            }
                            _ => false,
                        };
                        if !houses_follow {
                            return Err(self.err_at(
                                j,
                                format!(
                                    "expected the houses excluded after «{w}», got {}",
                                    self.describe(j)
                                ),
                            ));
                        }
                    } else if matches!(w, "с" | "от") {
                        let j = self.skip_to_number(i + 1);
                        if toks.get(j).and_then(Tok::num).is_none() {
                            return Err(self.err_at(
                                j,
                                format!(
                                    "expected a house number after «{w}», got {}",
                                    self.describe(j)
                                ),
                            ));
                        }
                        let (from, k) = self.house(j, false)?;
                        match self.range_tail(&from, k)? {
                            Some((item, next)) => {
                                st.include(item, i);
                                st.parity_target = Some(st.items.len() - 1);
                                i = next;
                            }
                            None => {
                                return Err(self.err_at(k, format!("expected «по N», «до конца» or «и далее» after «{w} {from}», got {}", self.describe(k))));
                            }
                        }
                    } else if w == "до" {
                        let j = self.skip_to_number(i + 1);
                        if toks.get(j).and_then(Tok::num).is_none() {
                            return Err(self.err_at(
                                j,
                                format!(
                                    "expected a house number after «до», got {}",
                                    self.describe(j)
                                ),
                            ));
                        }
                        let (to, k) = self.house(j, false)?;
                        st.include(self.range(House::num(0), Some(to), j)?, i);
                        st.parity_target = Some(st.items.len() - 1);
                        i = k;
                    } else {
                        return Err(self.err_at(i, format!("unknown word «{w}»")));
                    }
                }
                TokKind::Num(_) => {
                    i = self.number(&mut st, i)?;
                }
            }
        }
        st.finish(self)
    }

    /// A parity word at `i`: it qualifies the range or "all" just written (`2-36 четные`,
    /// `2-36 (жұп)`), or the ranges that follow until `;` (`нечетные 1-9, 21-29`), or alone
    /// means every house of that parity (`тақ жағы`).
    fn parity(&self, st: &mut ListState, p: Parity, i: usize) -> Result<(), ParseError> {
        if let Some((HouseItem::Range { parity, .. } | HouseItem::All(parity), _, _)) = st
            .parity_target
            .and_then(|k| st.items.get_mut(k))
            .map(|a| (&mut a.item, a.ex, a.tok))
            && *parity == Parity::Any
        {
            *parity = p;
            st.parity_target = None;
            return Ok(());
        }
        st.parity_target = None;
        // `1-10 четные нечетные`: two sides in a row.
        let mut b = i;
        while b > 0
            && (self.word(b - 1).is_some_and(filler_word)
                || self.toks[b - 1].is_punct('.')
                || self.toks[b - 1].is_punct('(')
                || self.toks[b - 1].is_punct(')'))
        {
            b -= 1;
        }
        if b > 0 && self.word(b - 1).is_some_and(|w| parity_word(w).is_some()) {
            return Err(self.err_at(
                i,
                "two parity words in a row: write «четные и нечетные» or «все дома»",
            ));
        }
        // `2, 4 жұп`: a side qualifies a range, not a single house written right before it.
        let joined = b > 0
            && !matches!(self.toks[b - 1].kind, TokKind::Punct(',' | ';' | ':'))
            && !self.word(b - 1).is_some_and(separator_word);
        if joined
            && st
                .items
                .last()
                .is_some_and(|a| !a.ex && matches!(a.item, HouseItem::One(_)))
        {
            return Err(self.err_at(
                i,
                "a parity word qualifies a range or «все дома», not a single house",
            ));
        }
        // What follows, past filler words.
        let mut j = i + 1;
        while self
            .word(j)
            .is_some_and(|w| filler_word(w) || house_word_plural(w))
            || self
                .toks
                .get(j)
                .is_some_and(|t| t.is_punct('.') || t.is_punct(':'))
        {
            j += 1;
        }
        if self.word(j).is_some_and(|w| parity_word(w).is_some()) {
            return Err(self.err_at(
                j,
                "two parity words in a row: write «четные и нечетные» or «все дома»",
            ));
        }
        let forward = match self.toks.get(j).map(|t| &t.kind) {
            Some(TokKind::Num(_) | TokKind::Punct('#')) => true,
            Some(TokKind::Word(w)) => matches!(w.as_str(), "с" | "от" | "до") || all_word(w),
            _ => false,
        };
        if forward {
            if st.pending.is_some() && st.pending_fresh {
                return Err(self.err_at(i, "a second parity word before the same houses"));
            }
            st.pending = Some(p);
            st.pending_fresh = true;
        } else {
            st.include(HouseItem::All(p), i);
            st.barrier = st.items.len();
        }
        Ok(())
    }

    /// A house number at `i` and what follows it: a range, a Kazakh ending (`5-тен басқа`,
    /// `40-тан бастап`, `2-ден 36-ға дейін`, `25-ке дейін`), or the house alone.
    fn number(&self, st: &mut ListState, i: usize) -> Result<usize, ParseError> {
        let toks = self.toks;
        let (a, j) = self.house_here(i)?;
        if let Some((w, k)) = self.suffix(j) {
            if ablative(w) {
                return self.after_ablative(st, a, i, k);
            }
            if dative(w) && self.word(k).is_some_and(until_word) {
                // `25-ке дейін`: up to 25.
                st.include(self.range(House::num(0), Some(a), i)?, i);
                st.parity_target = Some(st.items.len() - 1);
                return Ok(self.skip_inclusive(k + 1));
            }
            if toks[j].is_punct('-') {
                // A word after a dash that is no case ending: `12-А` was read by house_at.
                return Err(self.err_at(
                    j + 1,
                    format!("unexpected {} after «{a}-»", self.describe(j + 1)),
                ));
            }
        }
        match self.range_tail(&a, j)? {
            Some((item, next)) => {
                // `15-20-дан басқа`, `1-5 үйлерден басқа`: the range is excluded.
                if let Some((w, k)) = self.suffix(next)
                    && ablative(w)
                {
                    if self.word(k) == Some("баска") {
                        st.kazakh_exclusion(item, i);
                        return Ok(k + 1);
                    }
                    return Err(self.err_at(
                        k,
                        format!("expected «басқа» after the range, got {}", self.describe(k)),
                    ));
                }
                st.include(item, i);
                st.parity_target = Some(st.items.len() - 1);
                Ok(next)
            }
            None => {
                st.include(HouseItem::One(a), i);
                st.parity_target = None;
                Ok(j)
            }
        }
    }

    /// `қоса` ("inclusive") after `дейін`.
    fn skip_inclusive(&self, k: usize) -> usize {
        if self.word(k) == Some("коса") {
            k + 1
        } else {
            k
        }
    }

    /// After `N-ден` (ending read, `k` the next token): `басқа`, `бастап [M-ге дейін |
    /// соңына дейін]`, `M-ге дейін`, `соңына / аяғына дейін`.
    fn after_ablative(
        &self,
        st: &mut ListState,
        a: House,
        i: usize,
        mut k: usize,
    ) -> Result<usize, ParseError> {
        let toks = self.toks;
        if self.word(k) == Some("баска") {
            st.kazakh_exclusion(HouseItem::One(a), i);
            return Ok(k + 1);
        }
        let started = self.word(k) == Some("бастап");
        if started {
            k += 1;
        }
        // `соңына дейін`, `аяғына дейін`, `соңғы үйге дейін`: to the end.
        let to_end = match (self.word(k), self.word(k + 1), self.word(k + 2)) {
            (Some("сонына" | "аягына"), Some(u), _) if until_word(u) => Some(k + 2),
            (Some("сонгы"), Some("уйге" | "уйине"), Some(u)) if until_word(u) => {
                Some(k + 3)
            }
            _ => None,
        };
        if let Some(next) = to_end {
            st.include(self.range(a, None, i)?, i);
            st.parity_target = Some(st.items.len() - 1);
            return Ok(self.skip_inclusive(next));
        }
        let k2 = self.skip_to_number(k);
        if toks.get(k2).and_then(Tok::num).is_some() {
            let (b, mut m) = self.house(k2, false)?;
            if let Some((w, next)) = self.suffix(m)
                && dative(w)
            {
                m = next;
            } else if matches!(self.word(m), Some("уйге" | "уйлерге" | "уйине")) {
                // `1-ден 15 үйге дейін`: the ending on the word "house".
                m += 1;
            }
            if !self.word(m).is_some_and(until_word) {
                return Err(self.err_at(
                    m,
                    format!("expected «дейін» after «{b}», got {}", self.describe(m)),
                ));
            }
            st.include(self.range(a, Some(b), k2)?, i);
            st.parity_target = Some(st.items.len() - 1);
            return Ok(self.skip_inclusive(m + 1));
        }
        if started {
            // `40-тан бастап`: from 40 on.
            st.include(self.range(a, None, i)?, i);
            st.parity_target = Some(st.items.len() - 1);
            return Ok(k);
        }
        Err(self.err_at(
            k,
            format!(
                "expected «басқа», «бастап», «соңына дейін» or a house number, got {}",
                self.describe(k)
            ),
        ))
    }
}

/// One item as parsed: its clause, whether it is excluded, the token it starts at.
struct Acc {
    item: HouseItem,
    ex: bool,
    clause: usize,
    tok: usize,
}

/// The state of a house list being read.
#[derive(Default)]
struct ListState {
    items: Vec<Acc>,
    clause: usize,
    /// After `кроме` until `;` (or the `)` closing the group it opened in).
    exclude_mode: bool,
    /// A parity written before the ranges it qualifies (`нечетные 1-9, 21-29`).
    pending: Option<Parity>,
    /// The pending parity has qualified nothing yet.
    pending_fresh: bool,
    /// The item a following parity word qualifies (`2-36 четные`).
    parity_target: Option<usize>,
    /// A Kazakh postposition (`5, 7-ден басқа`) takes the single houses written since here.
    barrier: usize,
    /// (barrier, exclude_mode) at each open `(`.
    groups: Vec<(usize, bool)>,
    /// Just after a scoped exclusion: an inclusion that follows starts a new clause, except
    /// an "all" word (`5, 7-ден басқа барлық үйлер`).
    after_exclusion: bool,
}

impl ListState {
    fn next_clause(&mut self) {
        if self.items.last().is_some_and(|a| a.clause == self.clause) {
            self.clause += 1;
        }
        self.exclude_mode = false;
        self.pending = None;
        self.parity_target = None;
        self.barrier = self.items.len();
        self.after_exclusion = false;
    }

    /// Adds an item: excluded after `кроме`, else included (a pending parity applies to a
    /// range or "all").
    fn include(&mut self, mut item: HouseItem, tok: usize) {
        if let (HouseItem::Range { parity, .. } | HouseItem::All(parity), Some(p)) =
            (&mut item, self.pending)
            && *parity == Parity::Any
        {
            *parity = p;
        }
        self.pending_fresh = false;
        if !self.exclude_mode && self.after_exclusion {
            self.after_exclusion = false;
            if !matches!(item, HouseItem::All(_)) {
                self.clause += 1;
                self.barrier = self.items.len();
            }
        }
        self.items.push(Acc {
            item,
            ex: self.exclude_mode,
            clause: self.clause,
            tok,
        });
    }

    /// The last item when it is an inclusion of this clause written since the barrier.
    fn pop_last_inclusion(&mut self) -> Option<HouseItem> {
        let last = self.items.last()?;
        // A side just written (`жұп үйлерден басқа`) sets the barrier right after itself.
        let side = matches!(last.item, HouseItem::All(p) if p != Parity::Any);
        let since_barrier =
            self.items.len() > self.barrier || (side && self.items.len() == self.barrier);
        if last.ex
            || last.clause != self.clause
            || !since_barrier
            || matches!(last.item, HouseItem::All(Parity::Any))
        {
            return None;
        }
        self.items.pop().map(|a| a.item)
    }

    /// `X-ден басқа`: X and the single houses written right before it (`5, 7-ден басқа`)
    /// are excluded from the clause they follow.
    fn kazakh_exclusion(&mut self, x: HouseItem, tok: usize) {
        let mut k = self.items.len();
        while k > self.barrier
            && matches!(
                &self.items[k - 1],
                Acc { item: HouseItem::One(_), ex: false, clause, .. } if *clause == self.clause
            )
        {
            k -= 1;
        }
        for a in &mut self.items[k..] {
            a.ex = true;
        }
        self.items.push(Acc {
            item: x,
            ex: true,
            clause: self.clause,
            tok,
        });
        self.barrier = self.items.len();
        self.parity_target = None;
        self.after_exclusion = true;
    }

    fn finish(self, p: &HouseParser) -> Result<HouseSet, ParseError> {
        if !self.groups.is_empty() {
            return Err(p.err_at(p.toks.len(), "«(» is not closed"));
        }
        let mut clauses: Vec<(Clause, usize)> = Vec::new();
        for a in self.items {
            if clauses.len() <= a.clause {
                clauses.resize_with(a.clause + 1, || (Clause::default(), usize::MAX));
            }
            let (c, first_ex) = &mut clauses[a.clause];
            if a.ex {
                *first_ex = (*first_ex).min(a.tok);
                c.exclude.push(a.item);
            } else {
                c.include.push(a.item);
            }
        }
        clauses.retain(|(c, _)| !c.include.is_empty() || !c.exclude.is_empty());
        if clauses.is_empty() {
            return Err(p.err_at(
                0,
                "no house number, range or «все дома» / «барлық үйлер» in the list",
            ));
        }
        let only = clauses.len() == 1;
        let mut set = HouseSet::default();
        for (mut c, first_ex) in clauses {
            if c.include.is_empty() {
                if !only {
                    return Err(p.err_at(
                        first_ex,
                        "the exclusion follows no houses of its own: write it after the range it narrows",
                    ));
                }
                // `кроме 5, 7` alone: every house but those.
                c.include.push(HouseItem::All(Parity::Any));
            }
            set.clauses.push(c);
        }
        Ok(set)
    }
}

/// Parses a house list (the "House" column).
///
/// # Examples
/// ```
/// use precincts::borders::parse_houses;
/// assert_eq!(parse_houses("с 2 по 36 (четные)").unwrap().to_string(), "2..36 even");
/// assert_eq!(parse_houses("все дома кроме 5, 7").unwrap().to_string(), "all except 5, 7");
/// assert_eq!(parse_houses("5, 7-ден басқа барлық үйлер").unwrap().to_string(), "all except 5, 7");
/// // "40-" ends the text: the error is just past it, at character 14.
/// assert_eq!(parse_houses("2-36 чет, 40-").unwrap_err().pos, 14);
/// ```
pub fn parse_houses(text: &str) -> Result<HouseSet, ParseError> {
    let toks = tokenize(text);
    let chars: Vec<char> = text.chars().collect();
    parse_house_tokens(&toks, &chars, chars.len(), Cell::House)
}

fn parse_house_tokens(
    toks: &[Tok],
    chars: &[char],
    end: usize,
    cell: Cell,
) -> Result<HouseSet, ParseError> {
    HouseParser {
        toks,
        chars,
        end,
        cell,
    }
    .parse()
}

// ---------------------------------------------------------------- rows and paragraphs

/// Whether a folded type cell names a settlement.
fn is_settlement_type(type_cell: &str) -> bool {
    let toks = tokenize(type_cell);
    let words: Vec<&str> = toks.iter().filter_map(Tok::word).collect();
    matches!(words.as_slice(), [w] if settlement_word(w))
        || matches!(
            words.as_slice(),
            ["населенный", "пункт"] | ["елди", "мекен"]
        )
}

/// A street part of a segment → its target; a settlement when a settlement word leads or
/// ends it (`с. Жанаталап`, `Жаңаталап ауылы`).
fn target_of(street_text: &str, type_cell: &str) -> Target {
    let toks = tokenize(street_text);
    let words: Vec<&str> = toks.iter().filter_map(Tok::word).collect();
    let content: Vec<&Tok> = toks
        .iter()
        .filter(|t| !matches!(t.kind, TokKind::Punct(_)))
        .collect();
    let lead = words.first().is_some_and(|w| settlement_word(w)) && content.len() > 1;
    let tail = words
        .last()
        .is_some_and(|w| settlement_word(w) && w.chars().count() > 1)
        && content.len() > 1
        && content.last().and_then(|t| t.word()).is_some();
    if lead || tail || (is_settlement_type(type_cell) && !street_text.trim().is_empty()) {
        return Target::Settlement {
            key: normalise_locality(street_text),
            name: street_text.trim().to_string(),
        };
    }
    let p = street_parts(street_text);
    let p = if !p.typed && !type_cell.trim().is_empty() {
        street_parts(&format!("{} {}", type_cell.trim(), street_text.trim()))
    } else {
        p
    };
    Target::Street {
        kind: p.kind,
        key: p.key,
        name: street_text.trim().to_string(),
    }
}

/// Whether a segment token starts the house part (no colon written).
fn starts_houses(seg: &[Tok], k: usize) -> bool {
    let t = &seg[k];
    match &t.kind {
        TokKind::Word(w) => {
            // `с.`/`п.` at the start of a segment is a settlement: k >= 1 here. `үй` of
            // `тұрғын үй кешені` (residential complex) is part of the name's type.
            house_start_word(w) && !(w == "уй" && seg[k - 1].word() == Some("тургын"))
        }
        TokKind::Punct('#') => {
            // `мкн № 5` keeps its number.
            let prev = seg[..k].iter().rev().find(|t| !t.is_punct('.'));
            !prev.and_then(Tok::word).is_some_and(area_type_word)
        }
        TokKind::Num(_) => {
            let prev_at = seg[..k].iter().rposition(|t| !t.is_punct('.'));
            let prev = prev_at.map(|p| &seg[p]);
            // `мкр 5`, `мкн № 5`: the number names the area; `3 мкр 7а`: the area has its
            // number already, so this one is a house.
            let prev_area = (prev.and_then(Tok::word).is_some_and(area_type_word)
                && !prev_at.is_some_and(|p| numbered_before(seg, p)))
                || prev.is_some_and(|p| p.is_punct('#'));
            let hyphen_name = k >= 2
                && seg[k - 1].is_punct('-')
                && !seg[k - 1].space_before
                && !t.space_before
                && seg[k - 2].word().is_some();
            // `5 мкр`, `5-й микрорайон`, `Самал-2 ш.а.`: a type word follows.
            let mut j = k + 1;
            while seg
                .get(j)
                .is_some_and(|t| t.is_punct('-') || t.is_punct('.'))
            {
                j += 1;
            }
            if seg
                .get(j)
                .and_then(Tok::word)
                .is_some_and(|w| matches!(w, "й" | "ый" | "я" | "ая" | "ой" | "ий"))
            {
                j += 1;
            }
            let type_follows = seg
                .get(j)
                .and_then(Tok::word)
                .is_some_and(|w| area_type_word(w) || street_type_start(w));
            !(prev_area || hyphen_name || type_follows)
        }
        // `улица Абая (все дома)`, `Абай көшесі (тақ жағы)`: a parenthesis that opens a
        // house list.
        TokKind::Punct('(') => seg.get(k + 1).is_some_and(|n| match &n.kind {
            TokKind::Num(_) | TokKind::Punct('#') => true,
            TokKind::Word(w) => house_start_word(w),
            TokKind::Punct(_) => false,
        }),
        TokKind::Punct(_) => false,
    }
}

/// Whether the area type word at `p` follows its own name or number (`3 мкр`, `3-й мкр`,
/// `3 шағын аудан`, `«Алтын дала» шағын ауданы`), so that a number after it is a house.
fn numbered_before(seg: &[Tok], p: usize) -> bool {
    let mut q = p;
    while q > 0 {
        q -= 1;
        match &seg[q].kind {
            TokKind::Punct('.' | '-') => {}
            TokKind::Word(w)
                if street_type_start(w)
                    || area_type_word(w)
                    || matches!(
                        w.as_str(),
                        "й" | "ый" | "я" | "ая" | "ой" | "ий" | "а" | "аскери" | "воинская"
                    ) => {}
            TokKind::Num(_) | TokKind::Word(_) => return true,
            TokKind::Punct(_) => return false,
        }
    }
    false
}

/// Type words after which a number belongs to the name (`мкр 5`, `квартал 3`).
fn area_type_word(w: &str) -> bool {
    matches!(
        w,
        "мкр"
            | "мкрн"
            | "мкн"
            | "микрорайон"
            | "микр"
            | "квартал"
            | "кв"
            | "жк"
            | "вч"
            | "ч"
            | "ыкшамауданы"
            | "аудан"
            | "ауданы"
            | "орам"
            | "орамы"
            | "блок"
            | "часть"
            | "болим"
            | "болими"
    )
}

/// Words that begin a street type written after a name (`5 мкр`, `5 ш.а.`, `Абай көшесі`).
fn street_type_start(w: &str) -> bool {
    matches!(
        w,
        "ш" | "шагын"
            | "ыкшам"
            | "ыкшамауданы"
            | "кошеси"
            | "коше"
            | "улица"
            | "ул"
            | "мкр"
            | "микрорайон"
            | "квартал"
            | "орамы"
            | "дангылы"
            | "проспект"
            | "жк"
            | "кв"
    )
}

/// Parses one row of Appendix 3 (type of address, address, house) into entries. A row whose
/// house cell is empty may hold a whole paragraph in the address cell; every error found is
/// returned with its cell and character. A row with any error gives no entry at all: a text
/// that does not parse covers nothing.
///
/// # Examples
/// ```
/// use precincts::borders::parse_row;
/// let (e, errs) = parse_row("", "Границы: улица Кенесары: дома 2-36 (четные); мкр. Самал-2", "");
/// assert!(errs.is_empty());
/// assert_eq!(e[0].to_string(), "street:ул кенесари = 2..36 even");
/// assert_eq!(e[1].to_string(), "street:мкр самал 2 = all");
/// ```
pub fn parse_row(
    address_type: &str,
    address: &str,
    house: &str,
) -> (Vec<ParsedEntry>, Vec<ParseError>) {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    if !house.trim().is_empty() {
        let target = if address.trim().is_empty() {
            if is_settlement_type(address_type) || address_type.trim().is_empty() {
                Target::NoStreet
            } else {
                errors.push(ParseError {
                    cell: Cell::Address,
                    pos: 1,
                    message: format!(
                        "the address is empty but its type is «{}»",
                        address_type.trim()
                    ),
                });
                return (entries, errors);
            }
        } else {
            target_of(address, address_type)
        };
        match parse_houses(house) {
            Ok(houses) => entries.push(ParsedEntry { target, houses }),
            Err(e) => errors.push(e),
        }
        return (entries, errors);
    }
    if address.trim().is_empty() {
        if is_settlement_type(address_type) || address_type.trim().is_empty() {
            errors.push(ParseError {
                cell: Cell::Address,
                pos: 1,
                message: "both the address and the house cells are empty".into(),
            });
        } else {
            errors.push(ParseError {
                cell: Cell::Address,
                pos: 1,
                message: format!(
                    "the address is empty but its type is «{}»",
                    address_type.trim()
                ),
            });
        }
        return (entries, errors);
    }
    paragraph(address_type, address, &mut entries, &mut errors);
    if !errors.is_empty() {
        // A text that does not parse covers nothing: not even its segments that did.
        entries.clear();
    }
    (entries, errors)
}

/// A free-text cell: an optional header (`Границы:`, `Шекаралары:`), then segments
/// separated by `;`, each `STREET[:] [HOUSES]`.
fn paragraph(
    type_cell: &str,
    text: &str,
    entries: &mut Vec<ParsedEntry>,
    errors: &mut Vec<ParseError>,
) {
    let toks = tokenize(text);
    let chars: Vec<char> = text.chars().collect();
    let mut start = 0;
    // The header: words before the first colon naming the borders.
    if let Some(c) = toks.iter().position(|t| t.is_punct(':'))
        && toks[..c].iter().filter_map(Tok::word).any(|w| {
            w.starts_with("границ") || w.starts_with("шекара") || w == "участок" || w == "учаске"
        })
    {
        start = c + 1;
    }
    let mut seg_start = start;
    for k in start..=toks.len() {
        if k < toks.len() && !toks[k].is_punct(';') {
            continue;
        }
        let seg = &toks[seg_start..k];
        let seg_end_char = toks.get(k).map(|t| t.start).unwrap_or(chars.len());
        seg_start = k + 1;
        if seg.iter().all(|t| t.is_punct('.') || t.is_punct(',')) {
            continue;
        }
        // Split street / houses.
        let split = seg.iter().position(|t| t.is_punct(':'));
        let (street_toks, house_toks) = match split {
            Some(c) => (&seg[..c], &seg[c + 1..]),
            None => {
                let h = (1..seg.len())
                    .find(|&k| starts_houses(seg, k))
                    .unwrap_or(seg.len());
                (&seg[..h], &seg[h..])
            }
        };
        // Trailing separators of the street part.
        let mut n = street_toks.len();
        while n > 0 && matches!(street_toks[n - 1].kind, TokKind::Punct(',' | '-')) {
            n -= 1;
        }
        let street_toks = &street_toks[..n];
        if street_toks.is_empty()
            || street_toks
                .iter()
                .all(|t| matches!(t.kind, TokKind::Punct(_)))
        {
            errors.push(ParseError {
                cell: Cell::Address,
                pos: seg[0].start + 1,
                message: "expected a street name before the houses".into(),
            });
            continue;
        }
        if let Some(bad) = street_toks
            .iter()
            .find(|t| matches!(t.kind, TokKind::Punct(c) if !matches!(c, '.' | '-' | '#' | ',' | '/' | '(' | ')')))
        {
            errors.push(ParseError {
                cell: Cell::Address,
                pos: bad.start + 1,
                message: format!("unexpected «{}» in a street name", chars[bad.start]),
            });
            continue;
        }
        // The closing quote of a quoted name (`ЖК «Лесная поляна» 1-3`) is the name's.
        let mut end = street_toks[n - 1].end;
        while end < chars.len() && is_quote(chars[end]) {
            end += 1;
        }
        let street_text: String = chars[street_toks[0].start..end].iter().collect();
        let target = target_of(&street_text, type_cell);
        match parse_house_tokens(house_toks, &chars, seg_end_char, Cell::Address) {
            Ok(houses) => entries.push(ParsedEntry { target, houses }),
            Err(e) => errors.push(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(s: &str) -> String {
        parse_houses(s)
            .map(|h| h.to_string())
            .unwrap_or_else(|e| format!("ERR {}", e.pos))
    }

    #[test]
    fn ranges_parities_and_open_ranges_parse() {
        assert_eq!(set("2-36"), "2..36");
        assert_eq!(set("№№ 2–36"), "2..36");
        assert_eq!(set("с 2 по 36"), "2..36");
        assert_eq!(set("2-36 (четные)"), "2..36 even");
        assert_eq!(set("нечет. 1-15"), "1..15 odd");
        assert_eq!(set("с 40 до конца"), "40..");
        assert_eq!(set("от 40 и далее"), "40..");
        assert_eq!(set("40-тан бастап"), "40..");
        assert_eq!(set("2-ден 36-ға дейін жұп"), "2..36 even");
        assert_eq!(set("все четные"), "all even");
        assert_eq!(set("тақ"), "all odd");
    }

    #[test]
    fn lists_letters_fractions_and_exclusions_parse() {
        assert_eq!(set("1, 3, 5А"), "1, 3, 5А");
        assert_eq!(set("12/1-12/5"), "12/1..12/5");
        assert_eq!(set("2А-10Б"), "2А..10Б");
        assert_eq!(set("1-15 кроме 5, 7"), "1..15 except 5, 7");
        assert_eq!(set("1-15 (5-тен басқа)"), "1..15 except 5");
        assert_eq!(set("д. 12-14"), "12..14");
        assert_eq!(set("«12-14»"), "12-14");
        // Found by the write-back property test: a quoted building with a Kazakh ending.
        assert_eq!(set("«42-44» («42-44к2»-ден басқа)"), "42-44 except 42-44к2");
        assert_eq!(set("12 корп. 2, 14"), "12к2, 14");
    }

    #[test]
    fn errors_point_at_the_character() {
        assert_eq!(set("2-36 (четные"), "ERR 13");
        assert_eq!(set("2-"), "ERR 3");
        assert_eq!(set("от 40"), "ERR 6");
        assert_eq!(set("1, 3 ? 5"), "ERR 6");
        assert_eq!(set("36-2"), "ERR 4");
    }

    #[test]
    fn house_words_before_a_dash_give_a_range() {
        assert_eq!(set("д. 4-37"), "4..37");
        assert_eq!(set("дома 4-37"), "4..37");
        assert_eq!(set("дом № 4-37"), "4..37");
        assert_eq!(set("үй 4-37"), "4..37");
    }

    #[test]
    fn a_kazakh_exclusion_narrows_only_what_it_follows() {
        assert_eq!(set("№ 1–29 (тақ), 17-ден басқа"), "1..29 odd except 17");
        assert_eq!(
            set("1-29 тақ, 17-ден басқа, 31-35"),
            "1..29 odd except 17 + 31..35"
        );
        assert_eq!(set("1-9 (5, 7-ден басқа)"), "1..9 except 5, 7");
        assert_eq!(set("1-15, 10, 12 үйлерден басқа"), "1..15 except 10, 12");
        assert_eq!(
            set("барлық үйлер, 10, 12 үйлерінен басқа"),
            "all except 10, 12"
        );
        assert_eq!(set("1-20, 15-18-ден басқа"), "1..20 except 15..18");
        assert_eq!(set("1-15 (кроме 7), 17-25"), "1..15 except 7 + 17..25");
        assert_eq!(set("1-15 кроме 7; 5-9"), "1..15 except 7 + 5..9");
    }

    #[test]
    fn kazakh_endings_read_with_either_vowel_harmony() {
        assert_eq!(set("1-ден 15-ке дейін"), "1..15");
        assert_eq!(set("1-дан 15-қа дейін"), "1..15");
        assert_eq!(set("10-нан 20-ға дейін"), "10..20");
        assert_eq!(set("10-нен 20-ге дейінгі"), "10..20");
        assert_eq!(set("3-тен соңына дейін"), "3..");
        assert_eq!(set("3-тан аяғына дейін"), "3..");
        assert_eq!(set("3-тен бастап 9-ға дейін"), "3..9");
        assert_eq!(set("25-ке дейін"), "0..25");
    }

    #[test]
    fn malformed_lists_are_errors_not_whole_streets() {
        assert_eq!(set("дом А"), "ERR 5");
        assert_eq!(set("жұп тақ"), "ERR 5");
        assert_eq!(set("дома"), "ERR 1");
        assert_eq!(set("четные нечетные 1-9"), "ERR 8");
        assert_eq!(set("1-29 тақ; 17-ден басқа"), "ERR 11");
        assert_eq!(set("5-тен"), "ERR 6");
    }

    #[test]
    fn specific_items_beat_general_ones() {
        let s = parse_houses("12 кроме 12к2").unwrap();
        let h = |t: &str| crate::address::parse_house(t, "").unwrap();
        assert!(s.contains(&h("12")));
        assert!(s.contains(&h("12к1")));
        assert!(!s.contains(&h("12к2")));
        let r = parse_houses("2-36").unwrap();
        assert!(r.contains(&h("36А")) && !r.contains(&h("37")) && r.contains(&h("2")));
    }
}
