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

mod house;
pub(crate) mod text;

pub(crate) use house::house_at;
pub use house::{House, parse_house};
pub use text::{Tok, TokKind, tokenize};

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

/// The kind of a street-like address target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StreetKind {
    /// A street, avenue, lane, boulevard, highway, square... (the type is not kept).
    Street,
    Microdistrict,
    ResidentialComplex,
    Quarter,
    MilitaryUnit,
}

impl StreetKind {
    /// The prefix of the key (`мкр 5`); empty for ordinary streets.
    pub fn prefix(self) -> &'static str {
        match self {
            StreetKind::Street => "",
            StreetKind::Microdistrict => "мкр",
            StreetKind::ResidentialComplex => "жк",
            StreetKind::Quarter => "кв",
            StreetKind::MilitaryUnit => "вч",
        }
    }

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
        }
    }
}

/// Street type words (folded) and the kind each names. Longest first within a kind is not
/// needed: matching tries every pattern and takes the longest.
const STREET_TYPES: &[(&[&str], StreetKind)] = {
    use StreetKind::*;
    &[
        (&["улица"], Street),
        (&["ул"], Street),
        (&["улицы"], Street),
        (&["кошеси"], Street),
        (&["коше"], Street),
        (&["кош"], Street),
        (&["проспект"], Street),
        (&["просп"], Street),
        (&["пр"], Street),
        (&["пр", "т"], Street),
        (&["прт"], Street),
        (&["дангылы"], Street),
        (&["дангыл"], Street),
        (&["переулок"], Street),
        (&["пер"], Street),
        (&["туйык", "кошеси"], Street),
        (&["туйык"], Street),
        (&["тупик"], Street),
        (&["бульвар"], Street),
        (&["бульвары"], Street),
        (&["б", "р"], Street),
        (&["бул"], Street),
        (&["шоссе"], Street),
        (&["тас", "жолы"], Street),
        (&["площадь"], Street),
        (&["пл"], Street),
        (&["аланы"], Street),
        (&["проезд"], Street),
        (&["пр", "д"], Street),
        (&["набережная"], Street),
        (&["наб"], Street),
        (&["жагалауы"], Street),
        (&["аллея"], Street),
        (&["трасса"], Street),
        (&["street"], Street),
        (&["st"], Street),
        (&["avenue"], Street),
        (&["микрорайон"], Microdistrict),
        (&["мкр"], Microdistrict),
        (&["мкрн"], Microdistrict),
        (&["мкн"], Microdistrict),
        (&["микр"], Microdistrict),
        (&["ыкшамауданы"], Microdistrict),
        (&["ыкшамаудан"], Microdistrict),
        (&["ыкшам", "ауданы"], Microdistrict),
        (&["шагын", "ауданы"], Microdistrict),
        (&["шагын", "аудан"], Microdistrict),
        (&["шагынауданы"], Microdistrict),
        (&["шагынаудан"], Microdistrict),
        (&["ш", "а"], Microdistrict),
        (&["жилой", "комплекс"], ResidentialComplex),
        (&["жк"], ResidentialComplex),
        (&["ж", "к"], ResidentialComplex),
        (&["тургын", "уй", "кешени"], ResidentialComplex),
        (&["тук"], ResidentialComplex),
        (&["квартал"], Quarter),
        (&["кв"], Quarter),
        (&["кварталы"], Quarter),
        (&["орам"], Quarter),
        (&["орамы"], Quarter),
        (&["воинская", "часть"], MilitaryUnit),
        (&["войсковая", "часть"], MilitaryUnit),
        (&["в", "ч"], MilitaryUnit),
        (&["вч"], MilitaryUnit),
        (&["аскери", "болим"], MilitaryUnit),
        (&["аскери", "болими"], MilitaryUnit),
    ]
};

/// Locality type words (folded).
const LOCALITY_TYPES: &[&[&str]] = &[
    &["город"],
    &["г"],
    &["каласы"],
    &["кала"],
    &["село"],
    &["с"],
    &["ауылы"],
    &["ауыл"],
    &["аул"],
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
) -> Option<(usize, T)> {
    let mut best: Option<(usize, T)> = None;
    for (pat, kind) in table {
        let n = pat.len();
        if n >= words.len() {
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

/// A street split into its kind and name, with the name's place in the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreetParts {
    pub kind: StreetKind,
    /// Whether a type word was written.
    pub typed: bool,
    /// The name as written (type words removed, original case), for display.
    pub name: String,
    /// The matching key: `абай`, `мкр самал 2`, `жк нурсая`.
    pub key: String,
}

/// Splits and normalises a street (or microdistrict, complex, quarter, military unit).
///
/// # Examples
/// ```
/// use precincts::address::{street_parts, StreetKind};
/// assert_eq!(street_parts("мкр. 5").key, street_parts("5 мкр").key);
/// assert_eq!(street_parts("мкн № 5").key, "мкр 5");
/// assert_eq!(street_parts("ул. Абая").key, street_parts("Абай көшесі").key);
/// let p = street_parts("Самал-2 ш.а.");
/// assert_eq!((p.kind, p.name.as_str()), (StreetKind::Microdistrict, "Самал-2"));
/// ```
pub fn street_parts(s: &str) -> StreetParts {
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
    let mut kind = StreetKind::Street;
    let mut typed = false;
    let mut take = |k: StreetKind| {
        typed = true;
        if kind == StreetKind::Street {
            kind = k;
        }
    };
    loop {
        let w: Vec<&str> = words[lo..hi].iter().map(String::as_str).collect();
        if let Some((n, k)) = match_type(&w, STREET_TYPES, false) {
            lo += n;
            take(k);
        } else if let Some((n, k)) = match_type(&w, STREET_TYPES, true) {
            hi -= n;
            take(k);
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
    while kind == StreetKind::Street
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
        key_words.push(fold_genitive(w));
    }
    let mut key = kind.prefix().to_string();
    for w in key_words {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(&w);
    }
    StreetParts {
        kind,
        typed,
        name: name.trim().to_string(),
        key,
    }
}

/// The matching key of a street.
pub fn normalise_street(s: &str) -> String {
    street_parts(s).key
}

/// Whether a (folded) letter is one after which the Russian genitive of a feminine noun
/// ends in `и` rather than `ы` (`Республики`, `Рощи`).
fn takes_i(c: char) -> bool {
    matches!(c, 'г' | 'к' | 'х' | 'ж' | 'ш' | 'ч' | 'щ')
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
        // победы → побед (победа → побед)
        'ы' => !is_vowel(prev),
        // республики → республик; революции → революци
        'и' => takes_i(prev) || prev == 'и',
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

/// The one value each key names, for a [`loose_street_key`] fallback: `None` where a key
/// names several values (then there is no fallback).
pub(crate) fn unique_values<K: Eq + std::hash::Hash, V: PartialEq>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> HashMap<K, Option<V>> {
    let mut out: HashMap<K, Option<V>> = HashMap::new();
    for (k, v) in pairs {
        match out.entry(k) {
            std::collections::hash_map::Entry::Occupied(mut e) => {
                if e.get().as_ref() != Some(&v) {
                    e.insert(None);
                }
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(Some(v));
            }
        }
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
        if let Some((n, ())) = match_type(&w, &table, false) {
            lo += n;
        } else if let Some((n, ())) = match_type(&w, &table, true) {
            hi -= n;
        } else {
            break;
        }
    }
    words[lo..hi].join(" ")
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

/// Finds the address point of an address. Streets are interned: the raw locality and street
/// texts of the points are remembered, so a voter written like its point is found without
/// normalising the street again, and plain house numbers are looked up as numbers
/// (12 million look-ups).
pub struct AddressIndex {
    /// (locality key, street key) → street id.
    streets: HashMap<(String, String), u32>,
    /// raw locality → raw street → street id.
    raw: HashMap<String, HashMap<String, u32>>,
    /// (street id, house number) → point, for plain numbers without a building.
    plain: HashMap<(u32, u32), u32>,
    /// (street id, `house|building` key) → point, for the others.
    houses: HashMap<(u32, String), u32>,
    /// (locality key, [`loose_street_key`]) → the one street id it names; `None` when it
    /// names several (then there is no fallback).
    loose: HashMap<(String, String), Option<u32>>,
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

/// The last street a thread looked up, for [`AddressIndex::find_cached`]: voter files come
/// sorted by address, so consecutive voters mostly share it.
#[derive(Debug, Default)]
pub struct FindCache {
    locality: String,
    street: String,
    sid: Option<u32>,
}

impl AddressIndex {
    /// Indexes the points; when two points share a key the first one wins.
    pub fn new(points: &[AddressPoint]) -> Self {
        use rayon::prelude::*;
        let mut streets: HashMap<(String, String), u32> = HashMap::new();
        let mut raw: HashMap<String, HashMap<String, u32>> = HashMap::new();
        let mut sid_of: Vec<u32> = Vec::with_capacity(points.len());
        for p in points {
            let known = raw.get(&p.locality).and_then(|m| m.get(&p.street)).copied();
            let sid = match known {
                Some(s) => s,
                None => {
                    let k = (normalise_locality(&p.locality), normalise_street(&p.street));
                    let n = streets.len() as u32;
                    let s = *streets.entry(k).or_insert(n);
                    raw.entry(p.locality.clone())
                        .or_default()
                        .insert(p.street.clone(), s);
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
        let loose = unique_values(
            streets
                .iter()
                .map(|((l, s), &sid)| ((l.clone(), loose_street_key(s)), sid)),
        );
        AddressIndex {
            streets,
            raw,
            plain,
            houses,
            loose,
        }
    }

    /// The street id of a normalised (locality, street) key: exact, or else by the looser
    /// key when that names one street.
    fn street_id_of_key(&self, locality: String, street: String) -> Option<u32> {
        let k = (locality, street);
        if let Some(s) = self.streets.get(&k) {
            return Some(*s);
        }
        let (l, s) = k;
        self.loose
            .get(&(l, loose_street_key(&s)))
            .copied()
            .flatten()
    }

    fn street_id(&self, locality: &str, street: &str) -> Option<u32> {
        if let Some(s) = self.raw.get(locality).and_then(|m| m.get(street)) {
            return Some(*s);
        }
        self.street_id_of_key(normalise_locality(locality), normalise_street(street))
    }

    fn find_in(&self, sid: u32, house: &str, building: &str) -> Option<u32> {
        match index_key(house, building) {
            Ok(n) => self.plain.get(&(sid, n)).copied(),
            Err(k) => self.houses.get(&(sid, k)).copied(),
        }
    }

    /// The index of the point at this address, if known.
    pub fn find(&self, locality: &str, street: &str, house: &str, building: &str) -> Option<u32> {
        let sid = self.street_id(locality, street)?;
        self.find_in(sid, house, building)
    }

    /// [`AddressIndex::find`] remembering the last street (one cache per thread, e.g. with
    /// rayon's `map_init`).
    pub fn find_cached(
        &self,
        cache: &mut FindCache,
        locality: &str,
        street: &str,
        house: &str,
        building: &str,
    ) -> Option<u32> {
        if cache.locality != locality || cache.street != street || cache.locality.is_empty() {
            cache.locality.clear();
            cache.locality.push_str(locality);
            cache.street.clear();
            cache.street.push_str(street);
            cache.sid = self.street_id(locality, street);
        }
        self.find_in(cache.sid?, house, building)
    }

    /// The index of the point with this key, if known.
    pub fn find_key(&self, key: &AddressKey) -> Option<u32> {
        let sid = self.street_id_of_key(key.locality.clone(), key.street.clone())?;
        match index_key(&key.house, &key.building) {
            Ok(n) => self.plain.get(&(sid, n)).copied(),
            Err(_) => {
                let mut k = key.house.clone();
                k.push('|');
                k.push_str(&key.building);
                self.houses.get(&(sid, k)).copied()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn street_types_before_or_after_the_name_in_both_languages_are_one_street() {
        let k = normalise_street("ул. Кенесары");
        for s in [
            "улица Кенесары",
            "Кенесары көшесі",
            "Кенесары көш.",
            "КЕНЕСАРЫ",
            "Кенесары ул.",
        ] {
            assert_eq!(normalise_street(s), k, "{s}");
        }
        let a = normalise_street("пр. Абая");
        for s in ["проспект Абая", "пр-т Абая", "Абай даңғылы", "Абая"]
        {
            assert_eq!(normalise_street(s), a, "{s}");
        }
        assert_eq!(normalise_street("Аль-Фараби пр."), "аль фараби");
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
            assert_eq!(normalise_locality(s), "алматы", "{s}");
        }
        assert_eq!(
            normalise_locality("с. Жанаталап"),
            normalise_locality("Жаңаталап ауылы")
        );
    }

    #[test]
    fn dead_ends_are_streets_whichever_side_the_type_stands() {
        for s in [
            "тупик Гоголя",
            "Гоголя тупик",
            "Гоголь тұйық көшесі",
            "Гоголь тұйық",
            "ул. Гоголя",
        ] {
            assert_eq!(normalise_street(s), "гоголь", "{s}");
        }
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
            assert_eq!(normalise_locality(s), "отеген батыр", "{s}");
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
            normalise("Алматы", "Абая", "12А", "")
        );
    }

    #[test]
    fn the_loose_key_folds_feminine_genitives_onto_the_nominative() {
        let pairs = [
            ("пл. Республики", "Республика алаңы", "республик"),
            ("ул. Победы", "Победа көшесі", "побед"),
            ("ул. Революции", "Революция көшесі", "революци"),
            ("ул. Дружбы", "ул. Дружба", "дружб"),
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
            point("ул. Сакы", "3"),
            point("ул. Саки", "4"),
            point("ул. Дружбы", "5"),
            point("ул. Дружб", "6"),
        ]);
        // Kazakh nominative → Russian genitive and back.
        assert_eq!(ix.find("Алматы", "Республика алаңы", "1", ""), Some(0));
        assert_eq!(ix.find("Алматы", "ул. Победы", "2", ""), Some(1));
        let key = normalise("Алматы", "Республика алаңы", "1", "");
        assert_eq!(ix.find_key(&key), Some(0));
        // "Сак" would loosen onto both Сакы and Саки: no fallback.
        assert_eq!(ix.find("Алматы", "ул. Сак", "3", ""), None);
        // An exact key wins over the fallback: Дружбы and Дружб are two streets.
        assert_eq!(ix.find("Алматы", "ул. Дружбы", "5", ""), Some(4));
        assert_eq!(ix.find("Алматы", "ул. Дружбы", "6", ""), None);
        assert_eq!(ix.find("Алматы", "Дружба", "6", ""), Some(5));
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
        assert_eq!(ix.find("г. Алматы", "Абай көшесі", "12Б", ""), None);
    }
}
