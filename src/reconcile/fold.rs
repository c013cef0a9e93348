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
        if c != prev {
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
pub fn similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    strsim::jaro_winkler(a, b)
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

    #[test]
    fn literal_comparison_ignores_case_spaces_and_yo_only() {
        assert!(literal_eq("Сергеев  Пётр", "сергеев петр"));
        assert!(!literal_eq("Ержан", "Yerzhan"));
        assert!(!literal_eq("Ержан", "Ержaн")); // a Latin "a" inside
    }
}
