//! Addresses: normalisation of localities, street types and names, house numbers, and the
//! index that geocodes a voter's address to an address point.
//!
//! [`normalise`] turns the four parts of an address into an [`AddressKey`]; everything that
//! matches addresses (the voter geocoder, the Appendix 3 lists) goes through it. The key is
//! folded for matching only; the original text is kept wherever it is shown.
//!
//! What is folded (Russian, Kazakh, Latin):
//! - case, `ё`/`е`, `э`/`е`, the Kazakh letters (`ә ғ қ ң ө ұ ү һ і` → `а г к н о у у х и`),
//!   Latin look-alike letters inside Cyrillic words (`Aбая` with a Latin `A`);
//! - quotes `«» "" „“`, dots, `№`, hyphens (`Самал-2` = `Самал 2`);
//! - street types and abbreviations before or after the name, in both languages
//!   (`ул. Абая` = `Абая улица` = `Абай көшесі`): ordinary street types (улица, проспект,
//!   переулок, бульвар, шоссе, тупик, площадь, проезд, набережная, аллея and their Kazakh
//!   forms) are dropped, so `пр. Абая` and `ул. Абая` share a key; area types keep a
//!   prefix: microdistrict `мкр`, residential complex `жк`, quarter `кв`, military unit `вч`
//!   (`мкр. 5` = `5 мкр` = `мкн № 5` = `5-й микрорайон` = `5 ықшамауданы`);
//! - the Russian genitive of a name (`Абая` = `Абай`, `Сатпаева` = `Сатпаев`,
//!   `Гоголя` = `Гоголь`): a word of 4+ letters ending in consonant + `а` loses the `а`,
//!   vowel + `я` becomes `й`, consonant + `я` becomes `ь`;
//! - locality types (город / г. / қаласы, село / с. / ауылы, поселок / п. / кенті, ...);
//! - as a fallback only ([`loose_street_key`]): the Russian genitive of feminine names
//!   (`пл. Республики` = `Республика алаңы`, `ул. Победы` = `Победа көшесі`), tried when a
//!   street's own key matches nothing and the looser key names exactly one street;
//! - house numbers ([`House`]): `12А` = `12а` = `12 "А"`, `12 корп. 2` = `12к2`.

pub mod directory;
mod house;
pub(crate) mod text;
pub mod unit;

pub(crate) use house::house_at;
pub use house::{House, parse_house};
pub use text::{Tok, TokKind, tokenize};
pub use unit::{UnitLevel, UnitNames, kato_prefix, unit_name_key};

use crate::model::AddressPoint;
use std::collections::HashMap;

/// A normalised address: equal keys mean the same building.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AddressKey {
    pub locality: String,
    pub street: String,
    pub house: String,
    pub building: String,
}

/// The kind of a street-like address target (the coarse class of its [`StreetType`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StreetKind {
    /// A street, avenue, lane, boulevard, highway, square...
    Street,
    Microdistrict,
    ResidentialComplex,
    Quarter,
    MilitaryUnit,
    /// A residential area (жилой массив, тұрғын алабы).
    ResidentialArea,
    /// A garden or dacha partnership (СНТ, саяжай).
    Dacha,
}

impl StreetKind {
    /// The type word of the Appendix 3 "type of address" column.
    pub fn type_word(self, kk: bool) -> &'static str {
        match (self, kk) {
            (StreetKind::Street, false) => "улица",
            (StreetKind::Street, true) => "көше",
            (StreetKind::Microdistrict, false) => "микрорайон",
            (StreetKind::Microdistrict, true) => "шағын аудан",
            (StreetKind::ResidentialComplex, false) => "жилой комплекс",
            (StreetKind::ResidentialComplex, true) => "тұрғын үй кешені",
            (StreetKind::Quarter, false) => "квартал",
            (StreetKind::Quarter, true) => "орам",
            (StreetKind::MilitaryUnit, false) => "воинская часть",
            (StreetKind::MilitaryUnit, true) => "әскери бөлім",
            (StreetKind::ResidentialArea, false) => "жилой массив",
            (StreetKind::ResidentialArea, true) => "тұрғын алабы",
            (StreetKind::Dacha, false) => "садоводческое товарищество",
            (StreetKind::Dacha, true) => "саяжай",
        }
    }
}

/// The type of a street-like object. It is part of the object's identity: `ул. Абая`,
/// `пр. Абая` and `пер. Абая` are three streets. Russian and Kazakh type words and their
/// abbreviations name one type (`улица` = `ул.` = `көшесі` = `к-сі`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StreetType {
    /// No type word written (`Абая`, `Жетысу-2`).
    Untyped,
    Street,
    Avenue,
    Lane,
    Boulevard,
    Highway,
    DeadEnd,
    Square,
    Passage,
    Embankment,
    Alley,
    Road,
    Microdistrict,
    ResidentialComplex,
    Quarter,
    MilitaryUnit,
    ResidentialArea,
    Dacha,
}

impl StreetType {
    /// Every type that is written with a word.
    pub const TYPED: &'static [StreetType] = {
        use StreetType::*;
        &[
            Street,
            Avenue,
            Lane,
            Boulevard,
            Highway,
            DeadEnd,
            Square,
            Passage,
            Embankment,
            Alley,
            Road,
            Microdistrict,
            ResidentialComplex,
            Quarter,
            MilitaryUnit,
            ResidentialArea,
            Dacha,
        ]
    };

    /// The first word of a key of this type (`ул абай`, `мкр 5`); empty when untyped. Each
    /// is itself a type word, so an untyped name never begins with one.
    pub fn token(self) -> &'static str {
        use StreetType::*;
        match self {
            Untyped => "",
            Street => "ул",
            Avenue => "пр",
            Lane => "пер",
            Boulevard => "бул",
            Highway => "шоссе",
            DeadEnd => "тупик",
            Square => "пл",
            Passage => "проезд",
            Embankment => "наб",
            Alley => "аллея",
            Road => "трасса",
            Microdistrict => "мкр",
            ResidentialComplex => "жк",
            Quarter => "кв",
            MilitaryUnit => "вч",
            ResidentialArea => "жм",
            Dacha => "снт",
        }
    }

    /// The type word of the Appendix 3 "type of address" column (empty when untyped); read
    /// back, it gives this type again.
    pub fn type_word(self, kk: bool) -> &'static str {
        use StreetType::*;
        match (self, kk) {
            (Untyped, _) => "",
            (Street, false) => "улица",
            (Street, true) => "көше",
            (Avenue, false) => "проспект",
            (Avenue, true) => "даңғыл",
            (Lane, _) => "переулок",
            (Boulevard, _) => "бульвар",
            (Highway, false) => "шоссе",
            (Highway, true) => "тас жолы",
            (DeadEnd, false) => "тупик",
            (DeadEnd, true) => "тұйық",
            (Square, false) => "площадь",
            (Square, true) => "алаң",
            (Passage, _) => "проезд",
            (Embankment, false) => "набережная",
            (Embankment, true) => "жағалау",
            (Alley, _) => "аллея",
            (Road, _) => "трасса",
            (t, kk) => t.kind().type_word(kk),
        }
    }

    /// The coarse kind.
    pub fn kind(self) -> StreetKind {
        use StreetType::*;
        match self {
            Microdistrict => StreetKind::Microdistrict,
            ResidentialComplex => StreetKind::ResidentialComplex,
            Quarter => StreetKind::Quarter,
            MilitaryUnit => StreetKind::MilitaryUnit,
            ResidentialArea => StreetKind::ResidentialArea,
            Dacha => StreetKind::Dacha,
            _ => StreetKind::Street,
        }
    }

    /// Whether it names an area (microdistrict, complex...) rather than a street: an area
    /// type wins over a street type written beside it (`ул. Самал-2 мкр.`).
    fn is_area(self) -> bool {
        self.kind() != StreetKind::Street
    }
}

/// Street type words (folded, split into words as [`text::fold_tokens`] splits them) and
/// the type each names. The table is written out in `data/FORMATS.md`.
const STREET_TYPES: &[(&[&str], StreetType)] = {
    use StreetType::*;
    &[
        // улица
        (&["улица"], Street),
        (&["ул"], Street),
        (&["улицы"], Street),
        (&["кошеси"], Street),
        (&["коше"], Street),
        (&["кош"], Street),
        (&["к", "си"], Street),
        (&["к"], Street),
        (&["street"], Street),
        (&["st"], Street),
        (&["str"], Street),
        (&["kosh"], Street),
        (&["koshesi"], Street),
        // проспект
        (&["проспект"], Avenue),
        (&["просп"], Avenue),
        (&["пр"], Avenue),
        (&["пр", "т"], Avenue),
        (&["прт"], Avenue),
        (&["прс"], Avenue),
        (&["пр", "кт"], Avenue),
        (&["дангылы"], Avenue),
        (&["дангыл"], Avenue),
        (&["данг"], Avenue),
        (&["д", "лы"], Avenue),
        (&["avenue"], Avenue),
        (&["ave"], Avenue),
        (&["dangyly"], Avenue),
        // переулок
        (&["переулок"], Lane),
        (&["пер"], Lane),
        (&["lane"], Lane),
        // тупик
        (&["тупик"], DeadEnd),
        (&["туп"], DeadEnd),
        (&["туйык", "кошеси"], DeadEnd),
        (&["туйык"], DeadEnd),
        (&["туйыгы"], DeadEnd),
        // бульвар
        (&["бульвар"], Boulevard),
        (&["бульвары"], Boulevard),
        (&["б", "р"], Boulevard),
        (&["бул"], Boulevard),
        (&["бульв"], Boulevard),
        // шоссе
        (&["шоссе"], Highway),
        (&["тас", "жолы"], Highway),
        (&["тасжолы"], Highway),
        // площадь
        (&["площадь"], Square),
        (&["пл"], Square),
        (&["аланы"], Square),
        (&["алан"], Square),
        // проезд
        (&["проезд"], Passage),
        (&["пр", "д"], Passage),
        (&["пр", "зд"], Passage),
        (&["отпе"], Passage),
        (&["отпеси"], Passage),
        // набережная
        (&["набережная"], Embankment),
        (&["наб"], Embankment),
        (&["жагалауы"], Embankment),
        (&["жагалау"], Embankment),
        // аллея
        (&["аллея"], Alley),
        (&["аллеясы"], Alley),
        // трасса
        (&["трасса"], Road),
        (&["трассасы"], Road),
        // микрорайон
        (&["микрорайон"], Microdistrict),
        (&["мкр"], Microdistrict),
        (&["мкрн"], Microdistrict),
        (&["мкр", "н"], Microdistrict),
        (&["мкн"], Microdistrict),
        (&["микр"], Microdistrict),
        (&["м", "н"], Microdistrict),
        (&["ыкшамауданы"], Microdistrict),
        (&["ыкшамаудан"], Microdistrict),
        (&["ыкшам", "ауданы"], Microdistrict),
        (&["ыкшам", "аудан"], Microdistrict),
        (&["шагын", "ауданы"], Microdistrict),
        (&["шагын", "аудан"], Microdistrict),
        (&["шагынауданы"], Microdistrict),
        (&["шагынаудан"], Microdistrict),
        (&["ш", "а"], Microdistrict),
        (&["ш", "аудан"], Microdistrict),
        (&["mkr"], Microdistrict),
        (&["microdistrict"], Microdistrict),
        // жилой комплекс
        (&["жилой", "комплекс"], ResidentialComplex),
        (&["жк"], ResidentialComplex),
        (&["ж", "к"], ResidentialComplex),
        (&["тургын", "уй", "кешени"], ResidentialComplex),
        (&["тук"], ResidentialComplex),
        (&["т", "у", "к"], ResidentialComplex),
        // квартал
        (&["квартал"], Quarter),
        (&["кв"], Quarter),
        (&["кварт"], Quarter),
        (&["кварталы"], Quarter),
        (&["орам"], Quarter),
        (&["орамы"], Quarter),
        // воинская часть
        (&["воинская", "часть"], MilitaryUnit),
        (&["войсковая", "часть"], MilitaryUnit),
        (&["в", "ч"], MilitaryUnit),
        (&["вч"], MilitaryUnit),
        (&["аскери", "болим"], MilitaryUnit),
        (&["аскери", "болими"], MilitaryUnit),
        // жилой массив
        (&["жилой", "массив"], ResidentialArea),
        (&["жилмассив"], ResidentialArea),
        (&["ж", "м"], ResidentialArea),
        (&["жм"], ResidentialArea),
        (&["массив"], ResidentialArea),
        (&["тургын", "алабы"], ResidentialArea),
        (&["тургын", "алап"], ResidentialArea),
        // садоводческое товарищество, дачи
        (&["снт"], Dacha),
        (&["садоводческое", "товарищество"], Dacha),
        (&["садовое", "товарищество"], Dacha),
        (&["дачный", "массив"], Dacha),
        (&["саяжай"], Dacha),
        (&["саяжайы"], Dacha),
        (&["саяжай", "сериктестиги"], Dacha),
        (&["бау", "бакша", "сериктестиги"], Dacha),
    ]
};

/// Locality type words (folded).
const LOCALITY_TYPES: &[&[&str]] = &[
    &["город"],
    &["г"],
    &["каласы"],
    &["кала"],
    &["к"],
    &["city"],
    &["село"],
    &["с"],
    &["ауылы"],
    &["ауыл"],
    &["аул"],
    &["сел"],
    &["поселение"],
    &["а"],
    &["поселок"],
    &["пос"],
    &["п"],
    &["кенти"],
    &["кент"],
    &["пгт"],
    &["станция"],
    &["ст"],
    &["стансасы"],
];

/// Ordinal endings written after a number: `5-й`, `5-ый`, `2-я`.
fn is_ordinal_suffix(w: &str) -> bool {
    matches!(
        w,
        "й" | "ый" | "ий" | "ой" | "я" | "ая" | "го" | "ши" | "шы" | "инши" | "ынши"
    )
}

/// The longest type pattern matching `words` at its start (`at_end` false) or end.
fn match_type<'p, T: Copy>(
    words: &[&str],
    table: &'p [(&'p [&'p str], T)],
    at_end: bool,
    initials: bool,
) -> Option<(usize, T)> {
    let mut best: Option<(usize, T)> = None;
    for (pat, kind) in table {
        let n = pat.len();
        if n >= words.len() {
            continue;
        }
        // A lone letter before a name is an initial (`К. Сатпаев`, `Ш. Уалиханов`), not
        // an abbreviated type: one-letter types count only after the name (`Абай к.`).
        if initials && !at_end && n == 1 && pat[0].chars().count() == 1 {
            continue;
        }
        let slice = if at_end {
            &words[words.len() - n..]
        } else {
            &words[..n]
        };
        if slice == *pat && best.is_none_or(|(m, _)| n > m) {
            best = Some((n, *kind));
        }
    }
    best
}

fn is_vowel(c: char) -> bool {
    matches!(
        c,
        'а' | 'е' | 'и' | 'о' | 'у' | 'ы' | 'э' | 'ю' | 'я' | 'ь' | 'ъ'
    )
}

/// Folds the Russian genitive of a name to a nominative-like stem (matching only).
fn fold_genitive(w: &str) -> String {
    let chars: Vec<char> = w.chars().collect();
    let n = chars.len();
    if n < 4 || !chars.iter().all(|c| c.is_alphabetic()) {
        return w.to_string();
    }
    let prev = chars[n - 2];
    match chars[n - 1] {
        'а' if !is_vowel(prev) => chars[..n - 1].iter().collect(),
        'я' if is_vowel(prev) => {
            let mut s: String = chars[..n - 1].iter().collect();
            s.push('й');
            s
        }
        'я' => {
            let mut s: String = chars[..n - 1].iter().collect();
            s.push('ь');
            s
        }
        _ => w.to_string(),
    }
}

/// A folded word as keys keep it: the soft and hard signs dropped (`Аль-Фараби` =
/// `Әл-Фараби`), `ы` read as `и` (the Kazakh `і` is written `ы` or `и` in Russian
/// texts: `Жетісу` = `Жетысу` = `Жетису`).
fn key_word(w: &str) -> String {
    w.chars()
        .filter(|&c| c != 'ь' && c != 'ъ')
        .map(|c| if c == 'ы' { 'и' } else { c })
        .collect()
}

/// A street split into its type and name, with the name's place in the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreetParts {
    pub kind: StreetKind,
    /// The type written (`Untyped` when none).
    pub ty: StreetType,
    /// Whether a type word was written.
    pub typed: bool,
    /// The name as written (type words removed, original case), for display.
    pub name: String,
    /// The matching key, type first: `ул абай`, `пр абай`, `мкр самал 2`, `жк нурсай`;
    /// the bare name when no type was written (`абай`). [`name_key`] drops the type.
    pub key: String,
}

/// Splits and normalises a street (or microdistrict, complex, quarter, military unit).
///
/// # Examples
/// ```
/// use precincts::address::{street_parts, StreetKind, StreetType};
/// assert_eq!(street_parts("мкр. 5").key, "мкр 5");
/// assert_eq!(street_parts("5 мкр").key, "мкр 5");
/// assert_eq!(street_parts("ул. Абая").key, "ул абай");
/// assert_eq!(street_parts("Абай көшесі").key, "ул абай");
/// assert_eq!(street_parts("пр. Абая").key, "пр абай");
/// assert_eq!(street_parts("Абая").key, "абай");
/// let p = street_parts("Самал-2 ш.а.");
/// assert_eq!((p.ty, p.name.as_str()), (StreetType::Microdistrict, "Самал-2"));
/// assert_eq!(p.kind, StreetKind::Microdistrict);
/// ```
pub fn street_parts(s: &str) -> StreetParts {
    // A bracket in a street cell holds a former name or a note (`пр. Достык (Ленина)`),
    // not the street's name.
    let unbracketed;
    let s = if s.contains('(') {
        unbracketed = without_brackets(s);
        if unbracketed.trim().is_empty() {
            s
        } else {
            unbracketed.as_str()
        }
    } else {
        s
    };
    let toks = tokenize(s);
    let content: Vec<&Tok> = toks
        .iter()
        .filter(|t| !matches!(t.kind, TokKind::Punct(_)))
        .collect();
    let words: Vec<String> = content
        .iter()
        .map(|t| match &t.kind {
            TokKind::Word(w) => w.clone(),
            TokKind::Num(n) => n.to_string(),
            TokKind::Punct(c) => c.to_string(),
        })
        .collect();
    let mut lo = 0;
    let mut hi = words.len();
    let mut ty = StreetType::Untyped;
    let mut take = |t: StreetType| {
        if ty == StreetType::Untyped || (t.is_area() && !ty.is_area()) {
            ty = t;
        }
    };
    loop {
        let w: Vec<&str> = words[lo..hi].iter().map(String::as_str).collect();
        if let Some((n, t)) = match_type(&w, STREET_TYPES, false, true) {
            lo += n;
            take(t);
        } else if let Some((n, t)) = match_type(&w, STREET_TYPES, true, true) {
            hi -= n;
            take(t);
        } else {
            break;
        }
    }
    let name = if lo < hi {
        let chars: Vec<char> = s.chars().collect();
        chars[content[lo].start..content[hi - 1].end]
            .iter()
            .collect::<String>()
    } else {
        String::new()
    };
    let mut key_words: Vec<String> = Vec::new();
    // Initials before a name (`С. Сейфуллина`, `Б.Момышулы`) are dropped from the key.
    let mut name_lo = lo;
    while ty.kind() == StreetKind::Street
        && hi - name_lo >= 2
        && words[name_lo].chars().count() == 1
        && words[name_lo].chars().all(char::is_alphabetic)
        && content[name_lo].end < content[name_lo + 1].start
        && s.chars().nth(content[name_lo].end) == Some('.')
    {
        name_lo += 1;
    }
    for (i, w) in words[name_lo..hi].iter().enumerate() {
        let i = i + name_lo - lo;
        let after_num = i > 0 && words[lo + i - 1].bytes().all(|b| b.is_ascii_digit());
        if after_num && is_ordinal_suffix(w) {
            continue;
        }
        key_words.push(key_word(&fold_genitive(w)));
    }
    let mut key = ty.token().to_string();
    for w in key_words {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(&w);
    }
    StreetParts {
        kind: ty.kind(),
        ty,
        typed: ty != StreetType::Untyped,
        name: name.trim().to_string(),
        key,
    }
}

/// The text without its bracketed parts (`пр. Достык (Ленина)` → `пр. Достык `).
fn without_brackets(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The type a street key starts with, and the rest (the name key).
///
/// # Examples
/// ```
/// use precincts::address::{split_key, StreetType};
/// assert_eq!(split_key("пр ал фараби"), (StreetType::Avenue, "ал фараби"));
/// assert_eq!(split_key("аль фараби"), (StreetType::Untyped, "аль фараби"));
/// ```
pub fn split_key(key: &str) -> (StreetType, &str) {
    if let Some((first, rest)) = key.split_once(' ') {
        for t in StreetType::TYPED {
            if t.token() == first {
                return (*t, rest);
            }
        }
    }
    (StreetType::Untyped, key)
}

/// A street key without its type: the looser key of the first fallback
/// (`пр аль фараби` → `аль фараби`).
pub fn name_key(key: &str) -> &str {
    split_key(key).1
}

/// The matching key of a street.
pub fn normalise_street(s: &str) -> String {
    street_parts(s).key
}

/// One word of a street key, loosened: the Russian genitive of a feminine name is folded
/// onto the stem that the nominative (already folded by the key: `республика` →
/// `республик`) leaves. Words of fewer than 4 letters are kept.
fn loose_word(w: &str) -> &str {
    let chars: Vec<char> = w.chars().collect();
    let n = chars.len();
    if n < 4 || !chars.iter().all(|c| c.is_alphabetic()) {
        return w;
    }
    let (prev, last) = (chars[n - 2], chars[n - 1]);
    let drop = match last {
        // победы (key: победи) → побед (победа → побед); республики → республик;
        // революции → революци
        'и' => !is_vowel(prev) || prev == 'и',
        // революция, folded by the key to революций → революци
        'й' => prev == 'и',
        _ => false,
    };
    if drop {
        &w[..w.len() - last.len_utf8()]
    } else {
        w
    }
}

/// A looser key of a street key, for a fallback match only: the Russian genitive of
/// feminine names is folded too (`республики` → `республик`, the key of `Республика
/// алаңы`; `победы` → `побед`; `революции` and `революций` → `революци`). It is tried only
/// when a street's own key matches nothing, and only where it names exactly one street, so
/// it never overrides an exact match nor picks between two streets.
///
/// # Examples
/// ```
/// use precincts::address::{loose_street_key, normalise_street};
/// let ru = normalise_street("пл. Республики");
/// let kk = normalise_street("Республика алаңы");
/// assert_ne!(ru, kk);
/// assert_eq!(loose_street_key(&ru), loose_street_key(&kk));
/// ```
pub fn loose_street_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for (i, w) in key.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(loose_word(w));
    }
    out
}

/// The matching key of a locality (`г. Алматы` = `Алматы қаласы` = `алматы`).
pub fn normalise_locality(s: &str) -> String {
    let words = text::fold_tokens(s);
    let mut lo = 0;
    let mut hi = words.len();
    let table: Vec<(&[&str], ())> = LOCALITY_TYPES.iter().map(|p| (*p, ())).collect();
    loop {
        let w: Vec<&str> = words[lo..hi].iter().map(String::as_str).collect();
        if let Some((n, ())) = match_type(&w, &table, false, false) {
            lo += n;
        } else if let Some((n, ())) = match_type(&w, &table, true, false) {
            hi -= n;
        } else {
            break;
        }
    }
    words[lo..hi]
        .iter()
        .map(|w| key_word(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The key text of a house cell and a building cell: canonical when the house parses
/// (`12а`, `12/1`, `12-14`; building = the block number), folded text otherwise.
fn house_key(house: &str, building: &str) -> (String, String) {
    match parse_house(house, building) {
        Some(h) => (
            h.base_text(),
            h.block.map(|b| b.to_string()).unwrap_or_default(),
        ),
        None => (
            text::fold_tokens(house).concat(),
            text::fold_tokens(building).concat(),
        ),
    }
}

/// Normalises the parts of an address into a key.
///
/// # Examples
/// ```
/// use precincts::address::normalise;
/// assert_eq!(
///     normalise("г. Алматы", "ул. Абая", "12 \"А\"", ""),
///     normalise("Алматы қаласы", "Абай көшесі", "12а", ""),
/// );
/// assert_eq!(normalise("Алматы", "Абая", "12 корп. 2", ""), normalise("Алматы", "Абая", "12", "2"));
/// ```
pub fn normalise(locality: &str, street: &str, house: &str, building: &str) -> AddressKey {
    let (house, building) = house_key(house, building);
    AddressKey {
        locality: normalise_locality(locality),
        street: normalise_street(street),
        house,
        building,
    }
}

/// What a record says about where it is: the Appendix 1 fields of an address.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct AddressQuery<'a> {
    /// `Oblast`: a KATO code or a name; may be empty.
    pub oblast: &'a str,
    /// `District`: a KATO code or a name; may be empty.
    pub district: &'a str,
    pub locality: &'a str,
    pub street: &'a str,
    pub house: &'a str,
    pub building: &'a str,
}

/// Where a voter's address was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Geocoded {
    /// The address point (index into the points).
    Point(u32),
    /// The street could be several streets (one name, several types; one village name in
    /// several districts): their descriptions, for the finding. No point is chosen.
    Ambiguous(std::sync::Arc<[String]>),
    NotFound,
}

impl Geocoded {
    /// The point, when one was found.
    pub fn point(&self) -> Option<u32> {
        match self {
            Geocoded::Point(p) => Some(*p),
            _ => None,
        }
    }
}

/// Finds the address point of an address, through the [`directory`] cascade: the full key
/// (type and name) first, then looser keys only when they name exactly one street of the
/// locality, in the units the record names. Points are interned by street: the raw
/// locality and street texts of the points are normalised once per street, and plain house
/// numbers are looked up as numbers (12 million look-ups).
pub struct AddressIndex {
    dir: directory::StreetDirectory,
    /// Per street object: how it is written (`Алматы, пр. Аль-Фараби`), for findings.
    shown: Vec<String>,
    /// Per unit (the `point_unit` indices): its KATO code.
    unit_kato: Vec<String>,
    names: unit::UnitNames,
    /// (street object, house number) → point, for plain numbers without a building.
    plain: HashMap<(u32, u32), u32>,
    /// (street object, `house|building` key) → point, for the others.
    houses: HashMap<(u32, String), u32>,
}

/// A plain house number (digits only, no building): its value.
fn plain_house(house: &str, building: &str) -> Option<u32> {
    if building.is_empty()
        && !house.is_empty()
        && house.len() <= 9
        && house.bytes().all(|b| b.is_ascii_digit())
    {
        house.parse().ok()
    } else {
        None
    }
}

fn house_building_key(house: &str, building: &str) -> String {
    let (h, b) = house_key(house, building);
    let mut k = h;
    k.push('|');
    k.push_str(&b);
    k
}

/// The index key of a house and building: a plain number, or the `house|building` text.
fn index_key(house: &str, building: &str) -> Result<u32, String> {
    if let Some(n) = plain_house(house, building) {
        return Ok(n);
    }
    let k = house_building_key(house, building);
    match k.strip_suffix('|') {
        Some(h) if !h.is_empty() && h.len() <= 9 && h.bytes().all(|b| b.is_ascii_digit()) => {
            h.parse().map_err(|_| k.clone())
        }
        _ => Err(k),
    }
}

/// A record's locality key and the KATO prefixes of the units it names (one set per field).
type Place = (String, Vec<Vec<String>>);

/// What each level of the cascade names for one written street.
/// With the type the record wrote.
type StreetLevels = std::sync::Arc<(StreetType, [directory::Resolution; 3])>;

/// The last street a thread resolved, for [`AddressIndex::locate_cached`]: voter files come
/// sorted by address, so consecutive voters mostly share it.
#[derive(Debug, Default)]
pub struct FindCache {
    key: [String; 4],
    levels: Option<StreetLevels>,
    /// Every street this cache has resolved, by its four texts joined: voters of one
    /// street write it several ways, and a list's addresses interleave them.
    seen: rustc_hash::FxHashMap<String, StreetLevels>,
    /// (oblast, district, locality) texts → the locality key and the units they name.
    places: rustc_hash::FxHashMap<String, std::sync::Arc<Place>>,
    /// Street text → its key.
    streets: rustc_hash::FxHashMap<String, std::sync::Arc<str>>,
}

/// A locality cell split into the locality and the units written before it
/// (`Алматинская обл., Талгарский р-н, с. Бесагаш` → `с. Бесагаш`, the oblast and the
/// district).
fn split_locality(s: &str) -> (&str, Vec<&str>) {
    if !s.contains(',') {
        return (s, Vec::new());
    }
    let mut units = Vec::new();
    let mut rest = Vec::new();
    for part in s.split(',') {
        let words = text::fold_tokens(part);
        if unit::names_a_unit(&words) {
            units.push(part.trim());
        } else if !part.trim().is_empty() {
            rest.push(part.trim());
        }
    }
    match rest.last() {
        Some(l) => (l, units),
        None => (s, Vec::new()),
    }
}

impl AddressIndex {
    /// Indexes the points, with no administrative units (localities of one name are one).
    pub fn new(points: &[AddressPoint]) -> Self {
        Self::with_units(points, &[], Vec::new(), unit::UnitNames::default())
    }

    /// Indexes the points; `point_unit[i]` is the unit (an index into `units`, each a
    /// (KATO code, names) pair) whose area holds point `i`. When two points share a key the
    /// first one wins.
    pub fn with_units(
        points: &[AddressPoint],
        point_unit: &[Option<u32>],
        unit_kato: Vec<String>,
        names: unit::UnitNames,
    ) -> Self {
        use rayon::prelude::*;
        let mut dir = directory::StreetDirectory::new();
        let mut shown: Vec<String> = Vec::new();
        let mut raw: HashMap<(Option<u32>, &str, &str), u32> = HashMap::new();
        let mut sid_of: Vec<u32> = Vec::with_capacity(points.len());
        for (i, p) in points.iter().enumerate() {
            let unit = point_unit.get(i).copied().flatten();
            let rk = (unit, p.locality.as_str(), p.street.as_str());
            let sid = match raw.get(&rk) {
                Some(&s) => s,
                None => {
                    let loc = normalise_locality(split_locality(&p.locality).0);
                    let s = dir.insert(unit, &loc, &normalise_street(&p.street));
                    if s as usize == shown.len() {
                        let mut t = String::new();
                        if !p.locality.is_empty() {
                            t.push_str(&p.locality);
                            t.push_str(", ");
                        }
                        t.push_str(&p.street);
                        if let Some(k) = unit.and_then(|u| unit_kato.get(u as usize)) {
                            t.push_str(&format!(" (KATO {k})"));
                        }
                        shown.push(t);
                    }
                    raw.insert(rk, s);
                    s
                }
            };
            sid_of.push(sid);
        }
        let keys: Vec<Result<u32, String>> = points
            .par_iter()
            .map(|p| index_key(&p.house, &p.building))
            .collect();
        let mut plain = HashMap::with_capacity(points.len());
        let mut houses = HashMap::new();
        for (i, k) in keys.into_iter().enumerate() {
            match k {
                Ok(n) => {
                    plain.entry((sid_of[i], n)).or_insert(i as u32);
                }
                Err(k) => {
                    houses.entry((sid_of[i], k)).or_insert(i as u32);
                }
            }
        }
        AddressIndex {
            dir,
            shown,
            unit_kato,
            names,
            plain,
            houses,
        }
    }

    /// What each level of the cascade names for a written street, in the units the query
    /// names.
    fn street_levels(&self, q: &AddressQuery, cache: &mut FindCache) -> StreetLevels {
        // Where: the locality key and the units the record names, once per distinct
        // (oblast, district, locality) text; the street key once per distinct street text.
        let wkey = [q.oblast, q.district, q.locality].join("\u{1f}");
        let place = match cache.places.get(&wkey) {
            Some(p) => p.clone(),
            None => {
                let p = std::sync::Arc::new(self.place(q));
                cache.places.insert(wkey, p.clone());
                p
            }
        };
        let street = match cache.streets.get(q.street) {
            Some(k) => k.clone(),
            None => {
                let k: std::sync::Arc<str> = normalise_street(q.street).into();
                cache.streets.insert(q.street.to_string(), k.clone());
                k
            }
        };
        let (loc, constraints) = &*place;
        let admits = |u: Option<u32>| match u.and_then(|u| self.unit_kato.get(u as usize)) {
            None => true,
            Some(k) => constraints
                .iter()
                .all(|ps| ps.iter().any(|p| k.starts_with(p.as_str()))),
        };
        let written = split_key(&street).0;
        std::sync::Arc::new((written, self.dir.levels(loc, &street, &admits)))
    }

    /// The locality key of a record and the KATO prefixes of the units it names (each
    /// field's set; a unit must match every set).
    fn place(&self, q: &AddressQuery) -> Place {
        let (loc_text, loc_units) = split_locality(q.locality);
        let mut constraints: Vec<Vec<String>> = Vec::new();
        if !self.unit_kato.is_empty() {
            for (t, level) in [
                (q.oblast, unit::UnitLevel::Oblast),
                (q.district, unit::UnitLevel::District),
            ] {
                if let Some(p) = self.names.prefixes(t, level) {
                    constraints.push(p);
                }
            }
            for t in loc_units {
                for level in [unit::UnitLevel::Oblast, unit::UnitLevel::District] {
                    if let Some(p) = self.names.prefixes(t, level) {
                        constraints.push(p);
                    }
                }
            }
        }
        (normalise_locality(loc_text), constraints)
    }

    /// Walks the levels with the house: the first level whose street has the house answers;
    /// an ambiguous level answers ambiguous.
    fn walk(
        &self,
        levels: &(StreetType, [directory::Resolution; 3]),
        house: &str,
        building: &str,
    ) -> Geocoded {
        // A street written with its type that is found without the house lets a looser level
        // speak only for the streets of that type or of none (`Төле би көшесі 29` where
        // `ул. Төле би` has no 29 but a `Төле би` written without a type has it): the street
        // was found, the house was not, so a looser key must neither call it ambiguous nor
        // give another type's house. A street written without a type keeps the street-level
        // rule: several streets of the name are ambiguous, whatever the houses.
        let (written, levels) = levels;
        let mut missed = false;
        for level in levels {
            match level {
                directory::Resolution::NotFound => continue,
                directory::Resolution::Ambiguous(ids) | directory::Resolution::Found(ids)
                    if missed =>
                {
                    let same: Vec<u32> = ids
                        .iter()
                        .copied()
                        .filter(|&s| {
                            let t = split_key(self.dir.object(s).2).0;
                            t == *written || t == StreetType::Untyped
                        })
                        .collect();
                    if let answer @ (Geocoded::Point(_) | Geocoded::Ambiguous(_)) =
                        self.house_on(&same, house, building)
                    {
                        return answer;
                    }
                }
                directory::Resolution::Ambiguous(ids) => {
                    return Geocoded::Ambiguous(
                        ids.iter()
                            .map(|&s| self.shown[s as usize].clone())
                            .collect(),
                    );
                }
                directory::Resolution::Found(ids) => match self.house_on(ids, house, building) {
                    Geocoded::NotFound => missed = *written != StreetType::Untyped,
                    answer => return answer,
                },
            }
        }
        Geocoded::NotFound
    }

    /// The house among street objects (one street in one or more units, or the candidates
    /// of a looser level): the point when exactly one object has it, ambiguous when several
    /// do.
    fn house_on(&self, sids: &[u32], house: &str, building: &str) -> Geocoded {
        let key = index_key(house, building);
        let mut found: Option<(u32, u32)> = None;
        let mut more: Vec<u32> = Vec::new();
        for &s in sids {
            let at = match &key {
                Ok(n) => self.plain.get(&(s, *n)).copied(),
                Err(k) => self.houses.get(&(s, k.clone())).copied(),
            };
            if let Some(p) = at {
                match found {
                    None => found = Some((s, p)),
                    Some(_) => more.push(s),
                }
            }
        }
        match (found, more.is_empty()) {
            (None, _) => Geocoded::NotFound,
            (Some((_, p)), true) => Geocoded::Point(p),
            (Some((s, _)), false) => Geocoded::Ambiguous(
                std::iter::once(s)
                    .chain(more)
                    .map(|s| self.shown[s as usize].clone())
                    .collect(),
            ),
        }
    }

    /// Where the address of a record is.
    pub fn locate(&self, q: &AddressQuery) -> Geocoded {
        let levels = self.street_levels(q, &mut FindCache::default());
        self.walk(&levels, q.house, q.building)
    }

    /// [`AddressIndex::locate`] remembering the last street (one cache per thread, e.g. with
    /// rayon's `map_init`).
    pub fn locate_cached(&self, cache: &mut FindCache, q: &AddressQuery) -> Geocoded {
        let same = cache.levels.is_some()
            && cache.key[0] == q.oblast
            && cache.key[1] == q.district
            && cache.key[2] == q.locality
            && cache.key[3] == q.street;
        if !same {
            for (slot, v) in cache
                .key
                .iter_mut()
                .zip([q.oblast, q.district, q.locality, q.street])
            {
                slot.clear();
                slot.push_str(v);
            }
            let joined = cache.key.join("\u{1f}");
            let levels = match cache.seen.get(&joined) {
                Some(l) => l.clone(),
                None => {
                    let l = self.street_levels(q, cache);
                    cache.seen.insert(joined, l.clone());
                    l
                }
            };
            cache.levels = Some(levels);
        }
        let levels = cache.levels.as_ref().expect("set above");
        self.walk(levels, q.house, q.building)
    }

    /// The index of the point at this address, if one is found (no unit fields).
    pub fn find(&self, locality: &str, street: &str, house: &str, building: &str) -> Option<u32> {
        self.locate(&AddressQuery {
            locality,
            street,
            house,
            building,
            ..Default::default()
        })
        .point()
    }

    /// [`AddressIndex::find`] remembering the last street.
    pub fn find_cached(
        &self,
        cache: &mut FindCache,
        locality: &str,
        street: &str,
        house: &str,
        building: &str,
    ) -> Option<u32> {
        self.locate_cached(
            cache,
            &AddressQuery {
                locality,
                street,
                house,
                building,
                ..Default::default()
            },
        )
        .point()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn street_types_before_or_after_the_name_in_both_languages_are_one_street() {
        for s in [
            "ул. Кенесары",
            "улица Кенесары",
            "Кенесары көшесі",
            "Кенесары көш.",
            "Кенесары к-сі",
            "Кенесары к.",
            "Кенесары ул.",
            "ул Кенесары",
            "УЛ.КЕНЕСАРЫ",
        ] {
            assert_eq!(normalise_street(s), "ул кенесари", "{s}");
        }
        for s in [
            "пр. Абая",
            "проспект Абая",
            "пр-т Абая",
            "пр-кт Абая",
            "просп. Абая",
            "Абай даңғылы",
            "Абай даңғ.",
            "Абая пр.",
        ] {
            assert_eq!(normalise_street(s), "пр абай", "{s}");
        }
        assert_eq!(normalise_street("Аль-Фараби пр."), "пр ал фараби");
        assert_eq!(normalise_street("Абая"), "абай");
        assert_eq!(normalise_street("КЕНЕСАРЫ"), "кенесари");
    }

    #[test]
    fn streets_of_one_name_and_different_types_are_different_streets() {
        let written = [
            ("ул. Аль-Фараби", "ул ал фараби"),
            ("проспект Аль-Фараби", "пр ал фараби"),
            ("пер. Аль-Фараби", "пер ал фараби"),
            ("Әл-Фараби тұйық көшесі", "тупик ал фараби"),
            ("мкр. Аль-Фараби", "мкр ал фараби"),
            ("бульвар Аль-Фараби", "бул ал фараби"),
            ("Аль-Фараби алаңы", "пл ал фараби"),
            ("Аль-Фараби тас жолы", "шоссе ал фараби"),
            ("пр-д Аль-Фараби", "проезд ал фараби"),
            ("наб. Аль-Фараби", "наб ал фараби"),
            ("ж.м. Аль-Фараби", "жм ал фараби"),
            ("СНТ Аль-Фараби", "снт ал фараби"),
        ];
        for (s, want) in written {
            assert_eq!(normalise_street(s), want, "{s}");
        }
        for (i, (a, _)) in written.iter().enumerate() {
            for (b, _) in &written[i + 1..] {
                assert_ne!(normalise_street(a), normalise_street(b), "{a} / {b}");
            }
        }
    }

    #[test]
    fn kazakh_and_russian_type_words_and_abbreviations_name_one_type() {
        let cases = [
            ("Жетысу-2 мкр-н", "мкр жетису 2"),
            ("Жетысу-2 ш/а", "мкр жетису 2"),
            ("Жетісу-2 шағын ауданы", "мкр жетису 2"),
            ("м-н Жетысу-2", "мкр жетису 2"),
            ("Көктем тұрғын алабы", "жм коктем"),
            ("жилой массив Коктем", "жм коктем"),
            ("ж/м Көктем", "жм коктем"),
            ("Көктем саяжайы", "снт коктем"),
            ("садоводческое товарищество Коктем", "снт коктем"),
            ("Абай тұйығы", "тупик абай"),
            ("туп. Абая", "тупик абай"),
            ("Абай жағалауы", "наб абай"),
            ("Абай бульвары", "бул абай"),
            ("б-р Абая", "бул абай"),
        ];
        for (s, want) in cases {
            assert_eq!(normalise_street(s), want, "{s}");
        }
    }

    #[test]
    fn an_initial_is_not_a_type_word() {
        // `К.` and `Ш.` before a name are initials; `к.` after a name is көшесі.
        assert_eq!(normalise_street("К. Сатпаева"), "сатпаев");
        assert_eq!(normalise_street("Ш. Уалиханова"), "уалиханов");
        assert_eq!(normalise_street("ул. Ш. Уалиханова"), "ул уалиханов");
        assert_eq!(normalise_street("Уалиханов к."), "ул уалиханов");
        assert_eq!(split_key("ул уалиханов"), (StreetType::Street, "уалиханов"));
        assert_eq!(name_key("уалиханов"), "уалиханов");
    }

    #[test]
    fn numbered_microdistricts_are_one_name_however_written() {
        for s in [
            "мкр. 5",
            "5 мкр",
            "мкн № 5",
            "5-й микрорайон",
            "микрорайон 5",
            "5 ықшамауданы",
            "5 шағын ауданы",
            "«5» мкр.",
            "5 мкр-н",
            "5 ш/а",
        ] {
            assert_eq!(normalise_street(s), "мкр 5", "{s}");
        }
        assert_eq!(normalise_street("Самал-2 ш.а."), "мкр самал 2");
        assert_eq!(
            normalise_street("ЖК «Нурсая»"),
            normalise_street("Нұрсая тұрғын үй кешені")
        );
        assert_eq!(normalise_street("в/ч 12345"), "вч 12345");
    }

    #[test]
    fn localities_lose_their_type() {
        for s in [
            "г. Алматы",
            "город Алматы",
            "Алматы қаласы",
            "Алматы",
            "г.Алматы",
        ] {
            assert_eq!(normalise_locality(s), "алмати", "{s}");
        }
        assert_eq!(
            normalise_locality("с. Жанаталап"),
            normalise_locality("Жаңаталап ауылы")
        );
    }

    #[test]
    fn dead_ends_are_dead_ends_whichever_side_the_type_stands() {
        for s in [
            "тупик Гоголя",
            "Гоголя тупик",
            "Гоголь тұйық көшесі",
            "Гоголь тұйық",
            "туп. Гоголя",
        ] {
            assert_eq!(normalise_street(s), "тупик гогол", "{s}");
        }
        assert_eq!(normalise_street("ул. Гоголя"), "ул гогол");
    }

    #[test]
    fn settlements_lose_their_type_in_either_language() {
        for s in [
            "поселок Отеген батыр",
            "посёлок Отеген батыр",
            "п. Отеген батыр",
            "пос. Отеген батыр",
            "Отеген батыр кенті",
            "Өтеген батыр кенті",
            "Отеген батыр",
        ] {
            assert_eq!(normalise_locality(s), "отеген батир", "{s}");
        }
    }

    #[test]
    fn every_kind_of_quote_is_ignored() {
        for s in [
            "ЖК „Нурсая“",
            "ЖК «Нурсая»",
            "ЖК \"Нурсая\"",
            "ЖК “Нурсая”",
            "ЖК Нурсая",
            "Нұрсая тұрғын үй кешені",
        ] {
            assert_eq!(normalise_street(s), "жк нурсай", "{s}");
        }
        assert_eq!(
            normalise("„Алматы“", "ул. „Абая“", "12 „А“", ""),
            normalise("Алматы", "ул. Абая", "12А", "")
        );
    }

    #[test]
    fn the_loose_key_folds_feminine_genitives_onto_the_nominative() {
        let pairs = [
            ("пл. Республики", "Республика алаңы", "пл республик"),
            ("ул. Победы", "Победа көшесі", "ул побед"),
            ("ул. Революции", "Революция көшесі", "ул революци"),
            ("ул. Дружбы", "ул. Дружба", "ул дружб"),
        ];
        for (ru, kk, want) in pairs {
            let (a, b) = (normalise_street(ru), normalise_street(kk));
            assert_eq!(loose_street_key(&a), want, "{ru}");
            assert_eq!(loose_street_key(&b), want, "{kk}");
        }
        // Short words, adjectives and masculine names are left alone.
        for s in [
            "ул. Лесная",
            "пер. Лесной",
            "ул. Абая",
            "ул. Сатпаева",
            "мкр. 5",
            "ул. Шолохова",
        ] {
            let k = normalise_street(s);
            assert_eq!(loose_street_key(&k), k, "{s}");
        }
    }

    fn point(street: &str, house: &str) -> AddressPoint {
        AddressPoint {
            locality: "Алматы".into(),
            street: street.into(),
            house: house.into(),
            building: "".into(),
            coord: geo::Coord { x: 76.9, y: 43.2 },
            source: crate::model::SourceRef {
                file: "a.csv".into(),
                line: 2,
            },
        }
    }

    #[test]
    fn the_index_falls_back_to_the_loose_key_only_when_it_names_one_street() {
        let ix = AddressIndex::new(&[
            point("пл. Республики", "1"),
            point("Победа көшесі", "2"),
            point("ул. Дружбы", "5"),
            point("ул. Дружб", "6"),
        ]);
        // Kazakh nominative → Russian genitive and back.
        assert_eq!(ix.find("Алматы", "Республика алаңы", "1", ""), Some(0));
        assert_eq!(ix.find("Алматы", "ул. Победы", "2", ""), Some(1));
        // An exact key wins over the fallback: Дружбы and Дружб are two streets.
        assert_eq!(ix.find("Алматы", "ул. Дружбы", "5", ""), Some(2));
        assert_eq!(ix.find("Алматы", "Дружба", "6", ""), Some(3));
        // The exact street lacks house 6: of the streets of its type the loose key names,
        // only Дружб has it.
        assert_eq!(ix.find("Алматы", "ул. Дружбы", "6", ""), Some(3));
        // Neither has a house 7.
        assert_eq!(ix.find("Алматы", "ул. Дружбы", "7", ""), None);
    }

    #[test]
    fn the_index_finds_an_address_written_differently() {
        let p = AddressPoint {
            locality: "Алматы".into(),
            street: "ул. Абая".into(),
            house: "12А".into(),
            building: "".into(),
            coord: geo::Coord { x: 76.9, y: 43.2 },
            source: crate::model::SourceRef {
                file: "a.csv".into(),
                line: 2,
            },
        };
        let ix = AddressIndex::new(&[p]);
        assert_eq!(ix.find("г. Алматы", "Абай көшесі", "12 «а»", ""), Some(0));
        assert_eq!(ix.find("Алматы қ.", "Абай к-сі", "12А", ""), Some(0));
        assert_eq!(ix.find("Алматы қаласы", "Абая", "12А", ""), Some(0));
        assert_eq!(ix.find("г. Алматы", "Абай көшесі", "12Б", ""), None);
        // Another type of the same name is another street, even when it is the only one.
        assert_eq!(ix.find("г. Алматы", "пр. Абая", "12А", ""), Some(0));
    }

    fn at(locality: &str, street: &str, house: &str) -> AddressPoint {
        let mut p = point(street, house);
        p.locality = locality.into();
        p
    }

    fn q<'a>(
        oblast: &'a str,
        district: &'a str,
        locality: &'a str,
        street: &'a str,
        house: &'a str,
    ) -> AddressQuery<'a> {
        AddressQuery {
            oblast,
            district,
            locality,
            street,
            house,
            building: "",
        }
    }

    #[test]
    fn streets_of_one_name_are_found_by_their_type_or_reported_ambiguous() {
        let ix = AddressIndex::new(&[
            at("Алматы", "улица Аль-Фараби", "5"),
            at("Алматы", "проспект Аль-Фараби", "5"),
            at("Алматы", "переулок Аль-Фараби", "5"),
            at("Алматы", "мкр. Жетысу-2", "10"),
            at("Алматы", "мкр. Аксай-1", "3"),
            at("Алматы", "ул. Аксай", "3"),
        ]);
        let find = |street: &str, house: &str| ix.locate(&q("", "", "г. Алматы", street, house));
        assert_eq!(find("ул. Аль-Фараби", "5"), Geocoded::Point(0));
        assert_eq!(find("Аль-Фараби көшесі", "5"), Geocoded::Point(0));
        assert_eq!(find("пр-т Аль-Фараби", "5"), Geocoded::Point(1));
        assert_eq!(find("Әл-Фараби даңғылы", "5"), Geocoded::Point(1));
        assert_eq!(find("пер. Аль-Фараби", "5"), Geocoded::Point(2));
        // Without a type, or with a type none of them has: three candidates, no point.
        for s in ["Аль-Фараби", "бульвар Аль-Фараби"] {
            match find(s, "5") {
                Geocoded::Ambiguous(c) => assert_eq!(
                    c.to_vec(),
                    vec![
                        "Алматы, улица Аль-Фараби",
                        "Алматы, проспект Аль-Фараби",
                        "Алматы, переулок Аль-Фараби"
                    ],
                    "{s}"
                ),
                other => panic!("{s}: {other:?}"),
            }
        }
        // A microdistrict written without its type word.
        assert_eq!(find("Жетысу-2", "10"), Geocoded::Point(3));
        assert_eq!(find("ЖЕТЫСУ-2", "10"), Geocoded::Point(3));
        assert_eq!(find("Жетісу-2", "10"), Geocoded::Point(3));
        assert_eq!(find("АКСАЙ-1", "3"), Geocoded::Point(4));
        // `Аксай` is the street, `Аксай-1` the microdistrict: never each other.
        assert_eq!(find("Аксай", "3"), Geocoded::Point(5));
        assert_eq!(find("Жетысу-3", "10"), Geocoded::NotFound);
        assert_eq!(find("Жетысу", "10"), Geocoded::NotFound);
    }

    #[test]
    fn villages_of_one_name_are_told_apart_by_the_district_written_or_left_ambiguous() {
        let points = [
            at("с. Жанаталап", "ул. Абая", "1"),
            at("Жаңаталап ауылы", "Абай көшесі", "1"),
            at("с. Бесагаш", "ул. Абая", "1"),
        ];
        let unit_kato = vec!["196000000".to_string(), "195600000".to_string()];
        let names = UnitNames::new([
            ("196000000", "Талгарский район"),
            ("196000000", "Талғар ауданы"),
            ("195600000", "Енбекшиказахский район"),
            ("190000000", "Алматинская область"),
        ]);
        let ix = AddressIndex::with_units(&points, &[Some(0), Some(1), Some(0)], unit_kato, names);
        let loc = |d: &str| ix.locate(&q("", d, "с. Жанаталап", "ул. Абая", "1"));
        assert_eq!(loc("Талгарский р-н"), Geocoded::Point(0));
        assert_eq!(loc("Талғар ауданы"), Geocoded::Point(0));
        assert_eq!(loc("196000000"), Geocoded::Point(0));
        assert_eq!(loc("Енбекшиказахский район"), Geocoded::Point(1));
        assert_eq!(loc("195600000"), Geocoded::Point(1));
        // Nothing said, or a district the run does not know: both candidates.
        for d in ["", "Карасайский район"] {
            assert!(
                matches!(loc(d), Geocoded::Ambiguous(ref c) if c.len() == 2),
                "{d}"
            );
        }
        // A district that has no such village: not found (never the other district's).
        assert_eq!(
            ix.locate(&q("", "Талгарский р-н", "с. Жанаталап", "ул. Абая", "1")),
            Geocoded::Point(0)
        );
        let names2 = UnitNames::new([("197000000", "Карасайский район")]);
        let ix2 = AddressIndex::with_units(
            &points,
            &[Some(0), Some(1), Some(0)],
            vec!["196000000".into(), "195600000".into()],
            names2,
        );
        assert_eq!(
            ix2.locate(&q("", "Карасайский район", "с. Жанаталап", "ул. Абая", "1")),
            Geocoded::NotFound
        );
        // The units written in the locality cell.
        assert_eq!(
            ix.locate(&q(
                "",
                "",
                "Алматинская обл., Енбекшиказахский р-н, с. Жанаталап",
                "ул. Абая",
                "1"
            )),
            Geocoded::Point(1)
        );
        // A village of one name in one district only.
        assert_eq!(
            ix.locate(&q("", "", "Бесагаш ауылы", "Абай к.", "1")),
            Geocoded::Point(2)
        );
    }
}
