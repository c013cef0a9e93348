//! Which oblast-level unit (oblast or city of republican significance) an Appendix 1
//! "oblast" field names.
//!
//! Rule (category 5): a field that starts with two digits is a KATO code and its first two
//! digits are the oblast; otherwise the name is matched against the 20 oblast-level units
//! (Russian, Kazakh and English names, any script, with or without "область" / "облысы" /
//! "oblast" / "region" or "г." / "қаласы" / "city"). Bare "Алматы" is the city (75); "Алматы
//! облысы" / "Алматинская область" the oblast (19). An unknown name is not judged.

use super::fold::{fold_into, wildcard_eq};
use crate::model::{AdminLevel, Kato};

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
        // `wildcard_eq`: a `?` of a CP1251 export (`?аласы`) stands for a Kazakh letter.
        if ob.iter().any(|o| wildcard_eq(o, &f)) {
            oblast = true;
        } else if !ci.iter().any(|c| wildcard_eq(c, &f)) {
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
                wildcard_eq(&f, &name)
            })
        })
        .map(|(p, _)| p.to_string())
}

/// Parses `--region`: a 9-digit KATO code of one of the 20 region-level units of the
/// classifier (oblasts and the cities of Astana, Almaty and Shymkent: `XX0000000`).
///
/// # Examples
/// ```
/// use precincts::reconcile::region_code;
/// assert_eq!(region_code("750000000").unwrap().as_str(), "750000000");
/// assert!(region_code("751010000").is_err()); // a district of Almaty
/// assert!(region_code("990000000").is_err()); // no such region
/// ```
pub fn region_code(s: &str) -> Result<Kato, String> {
    let k: Kato = s
        .trim()
        .parse()
        .map_err(|_| format!("--region {:?}: expected a 9-digit KATO code", s.trim()))?;
    let known = UNITS.iter().any(|(p, _)| *p == k.oblast_prefix());
    if !known || k.level() != AdminLevel::Oblast {
        return Err(format!(
            "--region {k}: not a region code of the KATO classifier; expected one of {}",
            UNITS
                .iter()
                .map(|(p, _)| format!("{p}0000000"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(k)
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
        // A CP1251 export's `?` in place of Kazakh letters.
        assert_eq!(oblast_of("?арағанды облысы").as_deref(), Some("35"));
        assert_eq!(oblast_of("Шымкент ?аласы").as_deref(), Some("79"));
    }

    /// Every region-level code of the published classifier (`/work/shared/data/kz-kato`) is
    /// a `--region`, and nothing else of it is.
    #[test]
    fn region_codes_are_those_of_the_classifier() {
        let path = std::path::Path::new("/work/shared/data/kz-kato/kato.csv");
        let Ok(text) = std::fs::read_to_string(path) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "{} is missing (CI is set)",
                path.display()
            );
            eprintln!("skipped: {} is missing", path.display());
            return;
        };
        let mut regions = std::collections::BTreeSet::new();
        let mut rows = 0;
        for line in text.lines().skip(1) {
            let mut cells = line.split(',');
            let (Some(code), Some(_), Some(level)) = (cells.next(), cells.next(), cells.next())
            else {
                continue;
            };
            rows += 1;
            assert_eq!(
                region_code(code).is_ok(),
                level == "oblast",
                "{code} {level}"
            );
            if level == "oblast" {
                regions.insert(code.to_string());
            }
        }
        assert!(rows > 1000, "{rows}");
        assert_eq!(regions.len(), 20);
    }
}
