//! Name folding and similarity: the same person is written Ержан / Erzhan / Yerzhan,
//! Әбілқасымов / Abilkasymov / Äbılqasymov, Жанбулатов / Жанбулат.
//!
//! [`fold_into`] maps a name onto a coarse Cyrillic skeleton:
//! 1. lower case, letters only (spaces, hyphens, apostrophes, dots dropped);
//! 2. Latin (the 2021 Kazakh alphabet and ICAO passport spelling) becomes Cyrillic, digraphs
//!    first (`shch` `sh` `ch` `zh` `kh` `ts` `gh` `ye` `yo` `yu` `iu` `ya` `ia`), then
//!    single letters (`j`→ж, `q`→к, `h`→х, `ä`→а, `ö`→о, `ü`/`ū`→у, `ı`/`i`/`y`→и, `ş`→ш,
//!    `ç`→ч, `ñ`→н, `ğ`→г, `w`→у, `x`→кс, `c`→ц);
//! 3. Kazakh letters fold to their base (ә→а, ғ→г, қ→к, ң→н, ө→о, ұ/ү→у, һ→х, і→и), and
//!    ё→е, й→и, ы→и, э→е, щ→ш, я→иа, ю→иу, дж→ж; ъ and ь are dropped;
//! 4. doubled letters collapse (Жанна = Жана).
//!
//! [`fold_surname_into`] also strips the patronymic-style endings -ұлы/-қызы and the
//! endings -ов/-ев/-ин and their feminine forms, when at least three letters remain.
//! Names are then compared with Jaro-Winkler ([`similarity`]).

/// Appends the folded skeleton of `s` to `out` (see the module doc).
///
/// # Examples
/// ```
/// use precincts::reconcile::fold;
/// assert_eq!(fold("Ержан"), fold("Yerzhan"));
/// assert_eq!(fold("Әбілқасымов"), fold("Äbılqasymov"));
/// assert_eq!(fold("Шыңғыс"), fold("Shyngys"));
/// ```
pub fn fold_into(s: &str, out: &mut String) {
    let cyr = skeleton(s);
    collapse_into(&cyr, out);
}

/// Steps 1–3 of the folding (no collapsing of doubled letters).
fn skeleton(s: &str) -> Vec<char> {
    // Lower-cased letters only.
    let mut lower: Vec<char> = Vec::with_capacity(s.len());
    for c in s.chars() {
        if c.is_alphabetic() {
            lower.extend(c.to_lowercase());
        } else if c == '?' {
            // A letter lost to a CP1251 export: kept as a wildcard (see `wildcard_eq`).
            lower.push('?');
        }
    }
    let mut cyr: Vec<char> = Vec::with_capacity(lower.len() + 4);
    let n = lower.len();
    let mut i = 0;
    let at = |k: usize| lower.get(k).copied().unwrap_or('\0');
    while i < n {
        let c = lower[i];
        let c1 = at(i + 1);
        // Latin digraphs.
        let two = match (c, c1) {
            ('s', 'h') if at(i + 2) == 'c' && at(i + 3) == 'h' => {
                cyr.push('ш');
                i += 4;
                continue;
            }
            ('s', 'h') => Some("ш"),
            ('c', 'h') => Some("ч"),
            ('z', 'h') => Some("ж"),
            ('k', 'h') => Some("х"),
            ('t', 's') => Some("ц"),
            ('g', 'h') => Some("г"),
            ('y', 'e') => Some("е"),
            ('y', 'o') => Some("е"),
            ('y', 'u') | ('i', 'u') | ('ı', 'u') => Some("иу"),
            ('y', 'a') | ('i', 'a') | ('ı', 'a') => Some("иа"),
            _ => None,
        };
        if let Some(t) = two {
            cyr.extend(t.chars());
            i += 2;
            continue;
        }
        let one: &str = match c {
            'a' | 'ä' | 'á' | 'à' | 'â' => "а",
            'b' => "б",
            'c' => "ц",
            'ç' => "ч",
            'd' => "д",
            'e' | 'é' | 'è' | 'ê' | 'ë' => "е",
            'f' => "ф",
            'g' | 'ğ' => "г",
            'h' => "х",
            'i' | 'ı' | 'y' | 'í' | 'ï' | 'î' | 'ý' => "и",
            'j' => "ж",
            'k' | 'q' => "к",
            'l' => "л",
            'm' => "м",
            'n' | 'ñ' | 'ń' => "н",
            'o' | 'ö' | 'ó' | 'ô' => "о",
            'p' => "п",
            'r' => "р",
            's' => "с",
            'ş' | 'š' => "ш",
            't' => "т",
            'u' | 'ü' | 'ū' | 'ú' | 'û' => "у",
            'v' => "в",
            'w' => "у",
            'x' => "кс",
            'z' | 'ž' => "з",
            // Cyrillic.
            'ә' => "а",
            'ғ' => "г",
            'қ' => "к",
            'ң' => "н",
            'ө' => "о",
            'ұ' | 'ү' | 'ў' => "у",
            'һ' => "х",
            'і' | 'й' | 'ы' => "и",
            'ё' | 'э' | 'є' => "е",
            'щ' => "ш",
            'я' => "иа",
            'ю' => "иу",
            'ъ' | 'ь' => "",
            _ => {
                cyr.push(c);
                i += 1;
                continue;
            }
        };
        cyr.extend(one.chars());
        i += 1;
    }
    cyr
}

/// Step 4: дж → ж, doubled letters collapsed.
fn collapse_into(cyr: &[char], out: &mut String) {
    let mut prev = '\0';
    let mut k = 0;
    while k < cyr.len() {
        let c = cyr[k];
        if c == 'д' && cyr.get(k + 1) == Some(&'ж') {
            k += 1;
            continue;
        }
        // A `?` (a lost letter each) is never collapsed: it keeps its place.
        if c != prev || c == '?' {
            out.push(c);
        }
        prev = c;
        k += 1;
    }
}

/// The folded skeleton of a name.
pub fn fold(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    fold_into(s, &mut o);
    o
}

/// Surname endings stripped after folding, longest first.
const SURNAME_ENDINGS: [&str; 8] = ["кизи", "ули", "ова", "ева", "ина", "ов", "ев", "ин"];

/// Appends the folded surname stem (folding, then -ұлы/-қызы/-ов/-ев/-ин and feminine forms
/// removed when at least three letters remain).
///
/// # Examples
/// ```
/// use precincts::reconcile::fold_surname;
/// assert_eq!(fold_surname("Жанбулатов"), fold_surname("Жанбулат"));
/// assert_eq!(fold_surname("Иванова"), fold_surname("Ivanov"));
/// ```
pub fn fold_surname_into(s: &str, out: &mut String) {
    let cyr = skeleton(s);
    for e in SURNAME_ENDINGS {
        let e: Vec<char> = e.chars().collect();
        if cyr.len() >= e.len() + 3 && cyr.ends_with(&e) {
            collapse_into(&cyr[..cyr.len() - e.len()], out);
            return;
        }
    }
    collapse_into(&cyr, out);
}

/// The folded surname stem.
pub fn fold_surname(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    fold_surname_into(s, &mut o);
    o
}

/// Jaro-Winkler similarity of two folded strings (1 = equal). Two empty strings are equal.
/// A `?` (a Kazakh letter lost to a CP1251 export) matches any folded base of a Kazakh
/// letter at its position: such a pair scores 1.
pub fn similarity(a: &str, b: &str) -> f64 {
    if a == b || ((a.contains('?') || b.contains('?')) && wildcard_eq(a, b)) {
        return 1.0;
    }
    strsim::jaro_winkler(a, b)
}

/// The Russian letters a Kazakh letter folds to (and `?`): what a `?` of a CP1251 export
/// may stand for once folded.
fn kazakh_base(c: char) -> bool {
    matches!(c, 'а' | 'г' | 'к' | 'н' | 'о' | 'у' | 'х' | 'и' | '?')
}

/// Equal letter by letter, a `?` on either side standing for a folded Kazakh letter.
pub(super) fn wildcard_eq(a: &str, b: &str) -> bool {
    let (mut x, mut y) = (a.chars(), b.chars());
    loop {
        match (x.next(), y.next()) {
            (None, None) => return true,
            (Some(p), Some(q)) if p == q => {}
            (Some('?'), Some(q)) if kazakh_base(q) => {}
            (Some(p), Some('?')) if kazakh_base(p) => {}
            _ => return false,
        }
    }
}

/// The literal comparison form of a field: trimmed, lower case, ё as е, inner whitespace
/// collapsed. Two values that differ in this form are reported as differing (category 1),
/// even when their folded forms agree.
pub fn literal_eq(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .flat_map(|w| w.chars().chain(std::iter::once(' ')))
            .flat_map(char::to_lowercase)
            .map(|c| if c == 'ё' { 'е' } else { c })
            .collect::<String>()
    };
    a.trim() == b.trim() || norm(a) == norm(b)
}

/// Why two spellings of one name are the same name: the layers of [`compare_names`], in the
/// order they are tried. Such a pair is listed in `spelling_variants.csv`, never in
/// category 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpellingRule {
    /// Capitals and `ё` for `е` (`ЕРЖАН` / `Ержан`, `Пётр` / `Петр`).
    CaseYo,
    /// Hyphens, spaces, apostrophes and dots (`Мухаммед-Али` / `Мухаммед Али`).
    HyphenSpace,
    /// A Latin look-alike letter inside a Cyrillic word (`Ержaн` with a Latin `a`).
    LatinLookalike,
    /// Kazakh letters written as their Russian counterparts or back (ә а, ғ г, қ к, ң н,
    /// ө о, ұ у, ү у, і и, һ х).
    KazakhRussianLetters,
    /// A Kazakh letter lost to a CP1251 export (`?` in its place).
    Cp1251Damage,
    /// Passport Latin (ICAO 9303 transliteration, `ZH` `KH` `SH` `SHCH` `IA` `IU` `Y`).
    PassportLatin,
    /// The Kazakh Latin alphabet of 2021 (`Ä Ğ Q Ñ Ö Ū Ü I Ş`).
    KazakhLatin2021,
    /// The Kazakh Latin alphabet of 2021 typed without its diacritics (`Qasym`, `Syngys`).
    KazakhLatin2021Plain,
}

impl SpellingRule {
    pub const ALL: [SpellingRule; 8] = [
        SpellingRule::CaseYo,
        SpellingRule::HyphenSpace,
        SpellingRule::LatinLookalike,
        SpellingRule::KazakhRussianLetters,
        SpellingRule::Cp1251Damage,
        SpellingRule::PassportLatin,
        SpellingRule::KazakhLatin2021,
        SpellingRule::KazakhLatin2021Plain,
    ];

    /// The machine key written in `spelling_variants.csv` and the statistics.
    pub fn key(self) -> &'static str {
        match self {
            SpellingRule::CaseYo => "case_yo",
            SpellingRule::HyphenSpace => "hyphen_space",
            SpellingRule::LatinLookalike => "latin_lookalike",
            SpellingRule::KazakhRussianLetters => "kazakh_russian_letters",
            SpellingRule::Cp1251Damage => "cp1251_damage",
            SpellingRule::PassportLatin => "passport_latin",
            SpellingRule::KazakhLatin2021 => "kazakh_latin_2021",
            SpellingRule::KazakhLatin2021Plain => "kazakh_latin_2021_plain",
        }
    }

    /// The rule in Kazakh / Russian, for the explanation column.
    pub fn title(self) -> &'static str {
        match self {
            SpellingRule::CaseYo => "бас әріптер, ё / регистр букв, ё",
            SpellingRule::HyphenSpace => "сызықша, бос орын / дефис, пробел",
            SpellingRule::LatinLookalike => {
                "кириллица сөзіндегі ұқсас латын әрпі / латинская буква-двойник в кириллице"
            }
            SpellingRule::KazakhRussianLetters => {
                "қазақ әрпі орыс әрпімен жазылған / казахская буква записана русской"
            }
            SpellingRule::Cp1251Damage => {
                "CP1251 экспортында жоғалған қазақ әрпі (?) / казахская буква, потерянная при экспорте в CP1251 (?)"
            }
            SpellingRule::PassportLatin => {
                "паспорттық латын (ICAO 9303) / паспортная латиница (ICAO 9303)"
            }
            SpellingRule::KazakhLatin2021 => {
                "2021 жылғы қазақ латын әліпбиі / казахский латинский алфавит 2021 г."
            }
            SpellingRule::KazakhLatin2021Plain => {
                "2021 жылғы латын әліпбиі, диакритиксіз / латиница 2021 г. без диакритики"
            }
        }
    }
}

/// How two values of a name field compare (see [`compare_names`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NameComparison {
    /// Equal up to surrounding and repeated spaces: nothing to say.
    Same,
    /// The same name in another spelling.
    Variant(SpellingRule),
    /// Another name. `typo`: one edit (insertion, deletion or substitution) away once both
    /// are folded; `score`: Jaro-Winkler of the folded forms.
    Differs { typo: bool, score: f64 },
}

/// Lower case, `ё` as `е`, letters (and `?`) only.
fn letters(s: &str) -> Vec<char> {
    s.chars()
        .filter(|c| c.is_alphabetic() || *c == '?')
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ё' { 'е' } else { c })
        .collect()
}

/// A Latin letter that looks like a Cyrillic one, as that Cyrillic letter.
fn lookalike(c: char) -> char {
    match c {
        'a' => 'а',
        'e' => 'е',
        'o' => 'о',
        'p' => 'р',
        'c' => 'с',
        'x' => 'х',
        'y' => 'у',
        'k' => 'к',
        'm' => 'м',
        't' => 'т',
        'h' => 'н',
        'b' => 'в',
        'i' => 'і',
        other => other,
    }
}

/// A Kazakh letter as its Russian counterpart.
fn kazakh_to_russian(c: char) -> char {
    match c {
        'ә' => 'а',
        'ғ' => 'г',
        'қ' => 'к',
        'ң' => 'н',
        'ө' => 'о',
        'ұ' | 'ү' => 'у',
        'һ' => 'х',
        'і' => 'и',
        other => other,
    }
}

fn is_latin(c: char) -> bool {
    c.is_ascii_alphabetic()
        || matches!(
            c,
            'ä' | 'ğ'
                | 'ñ'
                | 'ö'
                | 'ū'
                | 'ü'
                | 'ı'
                | 'ş'
                | 'ç'
                | 'á'
                | 'é'
                | 'í'
                | 'ó'
                | 'ú'
                | 'ý'
        )
}

/// Mostly Latin letters (a Cyrillic word with a look-alike or two is not).
fn latin_word(s: &[char]) -> bool {
    let latin = s.iter().filter(|c| is_latin(**c)).count();
    latin * 2 > s.len()
}

/// A name in a loose Latin key shared by passport Latin (ICAO 9303) and the Kazakh Latin
/// alphabet of 2021 with or without diacritics: Cyrillic transliterated, diacritics
/// dropped, `shch`/`sh`/`ş` → `s`, `ch`/`ç` → `c`, `zh`/`j` → `j`, `kh`/`h` → `h`, `q` →
/// `k`, `y`/`ı` → `i`, `ye` → `e`, doubled letters collapsed (`dedup`; a `?` is never
/// collapsed). Without `digraphs` (the 2021 alphabet, where `ш` is `ş`, `ж` `j`, `х` `h`),
/// Latin `sh` `zh` `kh` are read letter by letter: `Асхат` → `Ashat`; `ch` is `ч` in both.
fn latin_key(s: &[char], digraphs: bool, dedup: bool) -> Vec<char> {
    // Cyrillic letters go straight to key letters (never re-read as Latin digraphs, so
    // `сх` stays `s`+`h` and is not taken for `ш`); Latin is read digraphs first.
    let mut t: Vec<char> = Vec::with_capacity(s.len() + 4);
    let at = |k: usize| s.get(k).copied().unwrap_or('\0');
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let cyr: Option<&str> = match c {
            'а' | 'ә' => Some("a"),
            'б' => Some("b"),
            'в' => Some("v"),
            'г' | 'ғ' => Some("g"),
            'д' => Some("d"),
            'е' | 'э' => Some("e"),
            'ж' => Some("j"),
            'з' => Some("z"),
            'и' | 'й' | 'і' | 'ы' => Some("i"),
            'к' | 'қ' => Some("k"),
            'л' => Some("l"),
            'м' => Some("m"),
            'н' | 'ң' => Some("n"),
            'о' | 'ө' => Some("o"),
            'п' => Some("p"),
            'р' => Some("r"),
            'с' => Some("s"),
            'т' => Some("t"),
            'у' | 'ұ' | 'ү' => Some("u"),
            'ф' => Some("f"),
            'х' | 'һ' => Some("h"),
            'ц' => Some("ts"),
            'ч' => Some("c"),
            'ш' | 'щ' => Some("s"),
            'ъ' | 'ь' => Some(""),
            'ю' => Some("iu"),
            'я' => Some("ia"),
            _ => None,
        };
        if let Some(m) = cyr {
            t.extend(m.chars());
            i += 1;
            continue;
        }
        let c1 = at(i + 1);
        let (m, n): (&str, usize) = match (c, c1) {
            ('s', 'h') if digraphs && at(i + 2) == 'c' && at(i + 3) == 'h' => ("s", 4),
            ('s', 'h') if digraphs => ("s", 2),
            ('c', 'h') => ("c", 2),
            ('z', 'h') if digraphs => ("j", 2),
            ('k', 'h') if digraphs => ("h", 2),
            ('y', 'e') if i == 0 => ("e", 2),
            ('y', 'u') => ("iu", 2),
            ('y', 'a') => ("ia", 2),
            ('a' | 'ä' | 'á', _) => ("a", 1),
            ('e' | 'é', _) => ("e", 1),
            ('i' | 'ı' | 'í' | 'ý' | 'y', _) => ("i", 1),
            ('o' | 'ö' | 'ó', _) => ("o", 1),
            ('u' | 'ū' | 'ü' | 'ú' | 'w', _) => ("u", 1),
            ('g' | 'ğ', _) => ("g", 1),
            ('n' | 'ñ', _) => ("n", 1),
            ('s' | 'ş', _) => ("s", 1),
            ('c' | 'ç', _) => ("c", 1),
            ('q', _) => ("k", 1),
            _ => {
                t.push(c);
                i += 1;
                continue;
            }
        };
        t.extend(m.chars());
        i += n;
    }
    if dedup {
        t.dedup_by(|a, b| a == b && *a != '?');
    }
    t
}

/// The Latin keys of a name: one for Cyrillic, two for Latin (with and without digraphs).
fn latin_keys(v: &[char], dedup: bool) -> Vec<Vec<char>> {
    if latin_word(v) {
        vec![latin_key(v, true, dedup), latin_key(v, false, dedup)]
    } else {
        vec![latin_key(v, true, dedup)]
    }
}

/// Compares two values of a name field in layers, each a spelling a person would not call a
/// discrepancy: case and `ё`; hyphens and spaces; Latin look-alikes; Kazakh ↔ Russian
/// letters; `?` of a CP1251 export; passport Latin and the Kazakh Latin of 2021 (with or
/// without diacritics). What none of them explains differs.
///
/// # Examples
/// ```
/// use precincts::reconcile::{NameComparison, SpellingRule, compare_names};
/// assert_eq!(compare_names("Ізбасаров", "Избасаров"),
///            NameComparison::Variant(SpellingRule::KazakhRussianLetters));
/// assert_eq!(compare_names("ORLOVA", "Орлова"),
///            NameComparison::Variant(SpellingRule::PassportLatin));
/// assert_eq!(compare_names("Qasym", "Қасым"),
///            NameComparison::Variant(SpellingRule::KazakhLatin2021Plain));
/// assert!(matches!(compare_names("Ерлан", "Ержан"), NameComparison::Differs { typo: true, .. }));
/// ```
pub fn compare_names(a: &str, b: &str) -> NameComparison {
    // Nearly every pair is equal byte for byte: decided without looking at characters.
    if a == b || a.trim() == b.trim() || a.split_whitespace().eq(b.split_whitespace()) {
        return NameComparison::Same;
    }
    if literal_eq(a, b) {
        return NameComparison::Variant(SpellingRule::CaseYo);
    }
    let (x, y) = (letters(a), letters(b));
    if x == y {
        return NameComparison::Variant(SpellingRule::HyphenSpace);
    }
    if latin_word(&x) || latin_word(&y) {
        let (kx, ky) = (latin_keys(&x, true), latin_keys(&y, true));
        if kx.iter().any(|k| ky.contains(k)) {
            return NameComparison::Variant(latin_rule(&x, &y));
        }
        // A Kazakh letter, or a 2021 letter with diacritics, that a CP1251 export turned
        // into `?`: it stands for the key letter of any of them.
        let latin_base = |c: char| {
            matches!(
                c,
                'a' | 'g' | 'k' | 'n' | 'o' | 'u' | 'h' | 'i' | 's' | 'c' | '?'
            )
        };
        let wild = |p: &[char], q: &[char]| {
            (p.contains(&'?') || q.contains(&'?'))
                && p.len() == q.len()
                && p.iter().zip(q).all(|(&p, &q)| {
                    p == q || (p == '?' && latin_base(q)) || (q == '?' && latin_base(p))
                })
        };
        // Keys with doubled letters kept too: `Серік?ызы` / `Serikqyzy` (`?` for `қ`).
        let (rx, ry) = (latin_keys(&x, false), latin_keys(&y, false));
        let damaged = kx.iter().any(|p| ky.iter().any(|q| wild(p, q)))
            || rx.iter().any(|p| ry.iter().any(|q| wild(p, q)));
        if damaged {
            return NameComparison::Variant(SpellingRule::Cp1251Damage);
        }
        return differs(&kx[0], &ky[0]);
    }
    let lx: Vec<char> = x.iter().map(|&c| lookalike(c)).collect();
    let ly: Vec<char> = y.iter().map(|&c| lookalike(c)).collect();
    if lx == ly {
        return NameComparison::Variant(SpellingRule::LatinLookalike);
    }
    let kx: Vec<char> = lx.iter().map(|&c| kazakh_to_russian(c)).collect();
    let ky: Vec<char> = ly.iter().map(|&c| kazakh_to_russian(c)).collect();
    if kx == ky {
        return NameComparison::Variant(SpellingRule::KazakhRussianLetters);
    }
    let damaged = kx.len() == ky.len()
        && kx
            .iter()
            .zip(&ky)
            .all(|(&p, &q)| p == q || (p == '?' && kazakh_base(q)) || (q == '?' && kazakh_base(p)))
        && (kx.contains(&'?') || ky.contains(&'?'));
    if damaged {
        return NameComparison::Variant(SpellingRule::Cp1251Damage);
    }
    differs(&kx, &ky)
}

/// Which Latin spelling a pair equal by [`latin_key`] is: Kazakh Latin of 2021 when a
/// letter carries its diacritics; passport Latin when the Latin side is the exact ICAO
/// transliteration of the Cyrillic side; 2021 Latin without diacritics when it is that
/// transliteration, or has a `q`; otherwise passport Latin (`Yerzhan`, `Aibolat`).
fn latin_rule(x: &[char], y: &[char]) -> SpellingRule {
    let latin: Vec<char> = x
        .iter()
        .chain(y)
        .copied()
        .filter(|&c| is_latin(c))
        .collect();
    if latin.iter().any(|c| !c.is_ascii()) {
        return SpellingRule::KazakhLatin2021;
    }
    let (lat, cyr) = if latin_word(x) { (x, y) } else { (y, x) };
    let lat: String = lat.iter().collect();
    if !latin_word(cyr) {
        if transliterate(cyr, ICAO) == lat {
            return SpellingRule::PassportLatin;
        }
        if transliterate(cyr, KZ2021_PLAIN) == lat {
            return SpellingRule::KazakhLatin2021Plain;
        }
    }
    if latin.contains(&'q') {
        SpellingRule::KazakhLatin2021Plain
    } else {
        SpellingRule::PassportLatin
    }
}

/// A Cyrillic letter's Latin spelling in a transliteration table: the letters of
/// [`CYRILLIC`] in that order.
type Table = [&'static str; 42];

const CYRILLIC: &str = "абвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюяә";

/// ICAO 9303 (Russian) with Kazakh letters as in Kazakhstan's passports.
const ICAO: Table = [
    "a", "b", "v", "g", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "k", "l", "m", "n", "n", "o",
    "o", "p", "r", "s", "t", "u", "u", "u", "f", "kh", "h", "ts", "ch", "sh", "shch", "ie", "y",
    "i", "", "e", "iu", "ia", "a",
];

/// The Kazakh Latin alphabet of 2021 with its diacritics dropped.
const KZ2021_PLAIN: Table = [
    "a", "b", "v", "g", "g", "d", "e", "io", "j", "z", "i", "i", "k", "q", "l", "m", "n", "n", "o",
    "o", "p", "r", "s", "t", "u", "u", "u", "f", "h", "h", "ts", "ch", "s", "ss", "", "y", "i", "",
    "e", "iu", "ia", "a",
];

fn transliterate(s: &[char], table: Table) -> String {
    let mut out = String::new();
    for &c in s {
        match CYRILLIC.chars().position(|k| k == c) {
            Some(i) => out.push_str(table[i]),
            None => out.push(c),
        }
    }
    out
}

fn differs(x: &[char], y: &[char]) -> NameComparison {
    let (sx, sy): (String, String) = (x.iter().collect(), y.iter().collect());
    NameComparison::Differs {
        typo: strsim::levenshtein(&sx, &sy) <= 1,
        score: strsim::jaro_winkler(&sx, &sy),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kazakh_cyrillic_and_both_latin_spellings_fold_alike() {
        for (a, b) in [
            ("Ержан", "Yerzhan"),
            ("Ержан", "Erzhan"),
            ("Әбілқасымов", "Abilkasymov"),
            ("Әбілқасымов", "Äbılqasymov"),
            ("Шыңғыс", "Shyngys"),
            ("Шыңғыс", "Şyñğys"),
            ("Жанна", "Zhanna"),
            ("Жанна", "Janna"),
            ("Джамиля", "Жамиля"),
            ("Қайрат", "Kairat"),
            ("Қайрат", "Qairat"),
            ("Юлия", "Yuliya"),
            ("Мұхаммед", "Mukhammed"),
            ("Ольга", "Olga"),
            ("Цой", "Tsoi"),
            ("Нұрсұлтан", "Nursultan"),
            ("Гүлнәр", "Gulnar"),
            ("Іңкәр", "Inkar"),
        ] {
            assert_eq!(fold(a), fold(b), "{a} / {b}");
        }
    }

    #[test]
    fn folding_keeps_different_names_apart() {
        assert_ne!(fold("Айгерім"), fold("Айгүл"));
        assert_ne!(fold("Ерлан"), fold("Ержан"));
        assert_ne!(fold_surname("Ахметов"), fold_surname("Ахмедов"));
    }

    #[test]
    fn surname_endings_are_stripped_but_short_stems_kept() {
        assert_eq!(fold_surname("Жанбулатов"), "жанбулат");
        assert_eq!(fold_surname("Жанбулатова"), "жанбулат");
        assert_eq!(fold_surname("Серікұлы"), "серик");
        assert_eq!(fold_surname("Серікқызы"), "серик");
        // "Ин" alone, "Ов": nothing to strip to.
        assert_eq!(fold_surname("Ким"), "ким");
        assert_eq!(fold_surname("Ли"), "ли");
    }

    #[test]
    fn jaro_winkler_separates_variants_from_twins() {
        // Hand-computed: "аигерим" vs "аигул": m = 3, t = 0, jaro = (3/7 + 3/5 + 1) / 3
        // = 0.6762, below Winkler's 0.7 boost threshold, so the score stays 0.6762.
        let s = similarity(&fold("Айгерім"), &fold("Айгүл"));
        assert!((s - 0.6762).abs() < 1e-3, "{s}");
        // One substituted letter in a six-letter name: "нурлан" / "нурлин": m = 5,
        // jaro = (5/6 + 5/6 + 1) / 3 = 0.8889, prefix 4 -> 0.8889 + 0.4 * 0.1111 = 0.9333.
        let s = similarity("нурлан", "нурлин");
        assert!((s - 0.9333).abs() < 1e-3, "{s}");
        assert_eq!(similarity("", ""), 1.0);
    }

    /// Pairs written by hand as people write them, each with the rule that must explain it,
    /// in both directions.
    #[test]
    fn spellings_of_one_name_are_variants_with_their_rule() {
        use SpellingRule::*;
        for (a, b, rule) in [
            ("Ізбасаров", "Избасаров", KazakhRussianLetters),
            ("Қайрат", "Кайрат", KazakhRussianLetters),
            ("Әсел", "Асел", KazakhRussianLetters),
            ("Ғалым", "Галым", KazakhRussianLetters),
            ("Жаңабай", "Жанабай", KazakhRussianLetters),
            ("Өмірзақ", "Омирзак", KazakhRussianLetters),
            ("Ұлан", "Улан", KazakhRussianLetters),
            ("Үмітжан", "Умитжан", KazakhRussianLetters),
            ("Һашим", "Хашим", KazakhRussianLetters),
            ("Мухаммед-Али", "Мухаммед Али", HyphenSpace),
            ("Ержaн", "Ержан", LatinLookalike), // a Latin "a"
            ("?айрат", "Қайрат", Cp1251Damage),
            ("?айрат", "Кайрат", Cp1251Damage),
            ("Ж?нбол", "Жәнбол", Cp1251Damage),
            ("ORLOVA", "Орлова", PassportLatin),
            ("KSENIIA", "Ксения", PassportLatin),
            ("ZHANNA", "Жанна", PassportLatin),
            ("KHAMIT", "Хамит", PassportLatin),
            ("SHCHERBAKOV", "Щербаков", PassportLatin),
            ("ABILKASYMOV", "Әбілқасымов", PassportLatin),
            ("Yerzhan", "Ержан", PassportLatin),
            ("Yuliya", "Юлия", PassportLatin),
            ("Askhatuly", "Асхатұлы", PassportLatin),
            ("Ashat", "Асхат", KazakhLatin2021Plain),
            ("Ashatqyzy", "Асхатқызы", KazakhLatin2021Plain),
            ("Ashatovich", "Асхатович", KazakhLatin2021Plain),
            ("Qasym", "Қасым", KazakhLatin2021Plain),
            ("Qasym", "Касым", KazakhLatin2021Plain),
            ("Syngys", "Шыңғыс", KazakhLatin2021Plain),
            ("Jandos", "Жандос", KazakhLatin2021Plain),
            ("Äbılqasymov", "Әбілқасымов", KazakhLatin2021),
            ("Şyñğys", "Шыңғыс", KazakhLatin2021),
            ("Nūrsūltan", "Нұрсұлтан", KazakhLatin2021),
        ] {
            assert_eq!(
                compare_names(a, b),
                NameComparison::Variant(rule),
                "{a} / {b}"
            );
            assert_eq!(
                compare_names(b, a),
                NameComparison::Variant(rule),
                "{b} / {a}"
            );
        }
        for (a, b) in [
            ("ЕРЖАН", "Ержан"),
            ("Пётр", "Петр"),
            ("Анна  Мария", "анна мария"),
        ] {
            assert_eq!(
                compare_names(a, b),
                NameComparison::Variant(CaseYo),
                "{a} / {b}"
            );
        }
        assert_eq!(
            compare_names(" Анна  Мария", "Анна Мария "),
            NameComparison::Same
        );
        // Excel's CP1251 copy of 2021 Latin: `Äbılqasymov` → `?b?lqasymov`.
        assert_eq!(
            compare_names("?b?lqasymov", "Әбілқасымов"),
            NameComparison::Variant(Cp1251Damage)
        );
        assert_eq!(
            compare_names("?айрат", "Qaırat"),
            NameComparison::Variant(Cp1251Damage)
        );
        // Found on the 200,000-voter demo region: `?` for doubled or adjacent letters.
        for (a, b) in [
            ("Сма??лов", "SMAGULOV"),
            ("??рманов", "Qūrmanov"),
            ("??r?pova", "Шәріпова"),
            ("Серік?ызы", "Serikqyzy"),
        ] {
            assert_eq!(
                compare_names(a, b),
                NameComparison::Variant(Cp1251Damage),
                "{a} / {b}"
            );
            assert_eq!(
                compare_names(b, a),
                NameComparison::Variant(Cp1251Damage),
                "{b} / {a}"
            );
        }
    }

    /// Twins, namesakes and typos stay discrepancies; `typo` marks one edit after folding.
    #[test]
    fn other_names_and_typos_are_not_variants() {
        for (a, b, typo) in [
            ("Айгерім", "Айгүл", false),
            ("Тимур", "Марат", false),
            ("Сауле", "Роза", false),
            ("Ерлан", "Ержан", true),
            ("Ахметов", "Ахмедов", true),
            ("Қайрат", "Кайратт", true),
            ("Erlan", "Ержан", true),
            ("Qasym", "Касымбек", false),
            ("?айрат", "Сайрат", true), // `?` never stands for a Russian-only letter
            ("Сағат", "Шағат", true),
        ] {
            match compare_names(a, b) {
                NameComparison::Differs { typo: t, .. } => assert_eq!(t, typo, "{a} / {b}"),
                other => panic!("{a} / {b}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_question_mark_of_cp1251_scores_as_the_letter_it_replaced() {
        assert_eq!(similarity(&fold("?асым"), &fold("Қасым")), 1.0);
        assert_eq!(
            similarity(&fold_surname("?асымов"), &fold_surname("Касымов")),
            1.0
        );
        assert!(similarity(&fold("?асым"), &fold("Сасым")) < 1.0);
        // Two lost letters in a row stay two (`Құрманов` → `??рманов`).
        assert_eq!(
            similarity(&fold_surname("??рманов"), &fold_surname("Құрманов")),
            1.0
        );
    }

    #[test]
    fn literal_comparison_ignores_case_spaces_and_yo_only() {
        assert!(literal_eq("Сергеев  Пётр", "сергеев петр"));
        assert!(!literal_eq("Ержан", "Yerzhan"));
        assert!(!literal_eq("Ержан", "Ержaн")); // a Latin "a" inside
    }
}
