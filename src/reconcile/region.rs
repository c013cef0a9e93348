//! Which oblast-level unit (oblast or city of republican significance) an Appendix 1
//! "oblast" field names.
//!
//! Rule (category 5): a field that starts with two digits is a KATO code and its first two
//! digits are the oblast; otherwise the name is matched against the 20 oblast-level units
//! (Russian, Kazakh and English names, any script, with or without "область" / "облысы" /
//! "oblast" / "region" or "г." / "қаласы" / "city"). Bare "Алматы" is the city (75); "Алматы
//! облысы" / "Алматинская область" the oblast (19). An unknown name is not judged.

use super::fold::fold_into;

/// (KATO oblast prefix, names).
const UNITS: &[(&str, &[&str])] = &[
    ("10", &["Абайская", "Абай", "Abai", "Abay"]),
    ("11", &["Акмолинская", "Ақмола", "Akmola", "Aqmola"]),
    (
        "15",
        &["Актюбинская", "Ақтөбе", "Aktobe", "Aqtobe", "Aktyubinsk"],
    ),
    ("19", &["Алматинская"]),
    ("23", &["Атырауская", "Атырау", "Atyrau"]),
    (
        "27",
        &[
            "Западно-Казахстанская",
            "Батыс Қазақстан",
            "West Kazakhstan",
            "Batys Qazaqstan",
        ],
    ),
    ("31", &["Жамбылская", "Жамбыл", "Zhambyl", "Jambyl"]),
    ("33", &["Жетысуская", "Жетісу", "Zhetysu", "Jetisu"]),
    (
        "35",
        &["Карагандинская", "Қарағанды", "Karaganda", "Qaragandy"],
    ),
    ("39", &["Костанайская", "Қостанай", "Kostanay", "Qostanai"]),
    (
        "43",
        &["Кызылординская", "Қызылорда", "Kyzylorda", "Qyzylorda"],
    ),
    (
        "47",
        &["Мангистауская", "Мангыстауская", "Маңғыстау", "Mangystau"],
    ),
    ("55", &["Павлодарская", "Павлодар", "Pavlodar"]),
    (
        "59",
        &[
            "Северо-Казахстанская",
            "Солтүстік Қазақстан",
            "North Kazakhstan",
            "Soltustik Qazaqstan",
        ],
    ),
    (
        "61",
        &["Туркестанская", "Түркістан", "Turkestan", "Turkistan"],
    ),
    ("62", &["Улытауская", "Ұлытау", "Ulytau"]),
    (
        "63",
        &[
            "Восточно-Казахстанская",
            "Шығыс Қазақстан",
            "East Kazakhstan",
            "Shygys Qazaqstan",
        ],
    ),
    ("71", &["Астана", "Astana", "Нур-Султан", "Nur-Sultan"]),
    ("75", &["Алматы", "Almaty", "Алма-Ата", "Alma-Ata"]),
    ("79", &["Шымкент", "Shymkent", "Чимкент"]),
];

/// Words that say "oblast" (after folding).
const OBLAST_WORDS: &[&str] = &["область", "облысы", "обл", "oblast", "oblysy", "region"];
/// Words that say "city".
const CITY_WORDS: &[&str] = &["г", "город", "қаласы", "кала", "city", "qalasy", "gorod"];

/// Folds a phrase into (base name, says oblast).
fn base(s: &str) -> (String, bool) {
    let mut out = String::new();
    let mut oblast = false;
    let words = |list: &[&str]| list.iter().map(|w| super::fold(w)).collect::<Vec<_>>();
    let ob = words(OBLAST_WORDS);
    let ci = words(CITY_WORDS);
    for w in s.split(|c: char| c.is_whitespace() || c == '.' || c == ',') {
        let f = super::fold(w);
        if f.is_empty() {
            continue;
        }
        if ob.contains(&f) {
            oblast = true;
        } else if !ci.contains(&f) {
            fold_into(w, &mut out);
        }
    }
    (out, oblast)
}

/// The two-digit oblast prefix an oblast field names, or `None` when it is empty or unknown.
///
/// # Examples
/// ```
/// use precincts::reconcile::oblast_of;
/// assert_eq!(oblast_of("750000000").as_deref(), Some("75"));
/// assert_eq!(oblast_of("г. Алматы").as_deref(), Some("75"));
/// assert_eq!(oblast_of("Алматы облысы").as_deref(), Some("19"));
/// assert_eq!(oblast_of("Карагандинская область").as_deref(), Some("35"));
/// assert_eq!(oblast_of("Qaragandy oblysy").as_deref(), Some("35"));
/// assert_eq!(oblast_of("Атлантида"), None);
/// ```
pub fn oblast_of(field: &str) -> Option<String> {
    let t = field.trim();
    let b = t.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_digit() && b[1].is_ascii_digit() {
        return Some(t[..2].to_string());
    }
    let (name, says_oblast) = base(t);
    if name.is_empty() {
        return None;
    }
    if says_oblast && name == super::fold("Алматы") {
        return Some("19".into());
    }
    UNITS
        .iter()
        .find(|(_, names)| {
            names.iter().any(|n| {
                let mut f = String::new();
                for w in n.split(' ') {
                    fold_into(w, &mut f);
                }
                f == name
            })
        })
        .map(|(p, _)| p.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kato_codes_names_and_scripts_resolve_to_one_oblast() {
        assert_eq!(oblast_of("710000000").as_deref(), Some("71"));
        assert_eq!(oblast_of("Астана").as_deref(), Some("71"));
        assert_eq!(oblast_of("Нур-Султан").as_deref(), Some("71"));
        assert_eq!(oblast_of("Батыс Қазақстан облысы").as_deref(), Some("27"));
        assert_eq!(
            oblast_of("Западно-Казахстанская обл.").as_deref(),
            Some("27")
        );
        assert_eq!(oblast_of("Almaty city").as_deref(), Some("75"));
        assert_eq!(oblast_of("Алматинская область").as_deref(), Some("19"));
        assert_eq!(oblast_of("Алматы қаласы").as_deref(), Some("75"));
        assert_eq!(oblast_of(""), None);
    }
}
