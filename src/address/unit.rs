//! What a record says about its administrative unit (Appendix 1 fields `Oblast` and
//! `District`, a locality cell like `Талгарский р-н, с. Бесагаш`), read as KATO prefixes.
//!
//! A unit is written as a KATO code (`751110000`, or its significant digits) or as a name,
//! Russian or Kazakh, with or without its type word (`Алмалинский район`, `Алмалинский
//! р-н`, `Алмалы ауданы`, `обл. Абай`, `Абай облысы`). A name is looked up among the names of
//! the units the run knows (the administrative layer, the classifier); a name it does not
//! know says nothing, and nothing is narrowed by it.

use super::text;
use std::collections::HashMap;

/// Type words of oblasts, districts and cities, folded (as [`text::fold_tokens`] splits
/// them), dropped from a unit's name.
const UNIT_WORDS: &[&str] = &[
    "область",
    "обл",
    "облысы",
    "облыс",
    "район",
    "р",
    "н",
    "рн",
    "ауданы",
    "аудан",
    "ауд",
    "город",
    "г",
    "каласы",
    "кала",
    "к",
    "а",
    "городская",
    "администрация",
    "акимат",
    "акимдиги",
    "region",
    "oblast",
    "district",
    "city",
];

/// Whether folded words hold an oblast or district type word (`обл`, `район`, `ауданы`,
/// `р-н`): a part of a locality cell that holds one names a unit, not the locality.
pub fn names_a_unit(words: &[String]) -> bool {
    words.iter().enumerate().any(|(i, w)| {
        matches!(
            w.as_str(),
            "область"
                | "обл"
                | "облысы"
                | "облыс"
                | "район"
                | "ауданы"
                | "аудан"
                | "рн"
        ) || (w == "р" && words.get(i + 1).is_some_and(|n| n == "н"))
    })
}

/// The matching key of a unit's name: folded, type words dropped, the Russian adjective
/// ending dropped (`Талгарский район` = `Талғар ауданы` = `талгар`).
///
/// # Examples
/// ```
/// use precincts::address::unit_name_key;
/// assert_eq!(unit_name_key("Талгарский р-н"), "талгар");
/// assert_eq!(unit_name_key("Талғар ауданы"), "талгар");
/// assert_eq!(unit_name_key("область Абай"), "абай");
/// ```
pub fn unit_name_key(s: &str) -> String {
    let words = text::fold_tokens(s);
    let mut out: Vec<String> = Vec::new();
    for w in &words {
        if UNIT_WORDS.contains(&w.as_str()) {
            continue;
        }
        let mut w = w.clone();
        for end in ["ский", "ская", "ское", "ской", "цкий", "цкая", "цкое"]
        {
            if w.chars().count() > end.chars().count() + 2 && w.ends_with(end) {
                w.truncate(w.len() - end.len());
                if end.starts_with('ц') {
                    w.push('ц');
                }
                break;
            }
        }
        out.push(w);
    }
    out.join(" ")
}

/// The significant digits of a KATO code: every code that starts with them lies inside
/// the unit (`750000000` → `75`, `751110000` → `751110`).
pub fn kato_prefix(kato: &str) -> &str {
    // The code is read in its groups: oblast (2 digits), district (4), rural okrug (6),
    // settlement (9); a prefix ends at a group's end (`100000000` → `10`, not `1`).
    let t = kato.trim_end_matches('0').len();
    let end = [2, 4, 6, 9]
        .into_iter()
        .find(|&g| g >= t)
        .unwrap_or(kato.len())
        .min(kato.len());
    if t == 0 { kato } else { &kato[..end] }
}

/// Which Appendix 1 field a unit is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitLevel {
    /// `Oblast`: an oblast or a city of republican significance.
    Oblast,
    /// `District`: a district or a city district.
    District,
}

/// The names and codes of the units a run knows.
#[derive(Debug, Default, Clone)]
pub struct UnitNames {
    /// name key → KATO prefixes of the units of that name.
    by_name: HashMap<String, Vec<String>>,
}

impl UnitNames {
    /// From (KATO code, name) pairs; a unit may come several times with different names.
    pub fn new<'a>(units: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
        for (kato, name) in units {
            let k = unit_name_key(name);
            if k.is_empty() {
                continue;
            }
            let p = kato_prefix(kato).to_string();
            let v = by_name.entry(k).or_default();
            if !v.contains(&p) {
                v.push(p);
            }
        }
        UnitNames { by_name }
    }

    /// The KATO prefixes a written unit of this level stands for; `None` when the text names
    /// no unit of the level that the run knows (then it narrows nothing). Oblast-level units
    /// (oblasts and cities of republican significance) have 2-digit prefixes.
    ///
    /// # Examples
    /// ```
    /// use precincts::address::{UnitLevel::District, UnitNames};
    /// let u = UnitNames::new([("751100000", "Алмалинский район"), ("751100000", "Алмалы ауданы")]);
    /// assert_eq!(u.prefixes("Алмалинский р-н", District), Some(vec!["7511".to_string()]));
    /// assert_eq!(u.prefixes("Алмалы ауданы", District), Some(vec!["7511".to_string()]));
    /// assert_eq!(u.prefixes("751100000", District), Some(vec!["7511".to_string()]));
    /// assert_eq!(u.prefixes("Бостандыкский район", District), None);
    /// assert_eq!(u.prefixes("", District), None);
    /// ```
    pub fn prefixes(&self, text: &str, level: UnitLevel) -> Option<Vec<String>> {
        let t = text.trim();
        if t.is_empty() {
            return None;
        }
        if t.len() == 9 && t.bytes().all(|b| b.is_ascii_digit()) {
            return Some(vec![kato_prefix(t).to_string()]);
        }
        let found: Vec<String> = self
            .by_name
            .get(&unit_name_key(t))?
            .iter()
            .filter(|p| (p.len() <= 2) == (level == UnitLevel::Oblast))
            .cloned()
            .collect();
        (!found.is_empty()).then_some(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_names_in_both_languages_and_abbreviations() {
        for (a, b) in [
            ("Талгарский район", "Талғар ауданы"),
            ("Талгарский р-н", "талгар"),
            ("Талгарский р.", "Талғар ауд."),
            ("обл. Абай", "Абай облысы"),
            ("область Абай", "Абай обл."),
            ("Семей Г.А.", "Семей Қ.Ә."),
            ("г. Алматы", "Алматы қ."),
        ] {
            assert_eq!(unit_name_key(a), unit_name_key(b), "{a} / {b}");
        }
        // Must not meet.
        for (a, b) in [
            ("Талгарский район", "Енбекшиказахский район"),
            ("Алмалинский район", "Алмалы ауданы"),
        ] {
            assert_ne!(unit_name_key(a), unit_name_key(b), "{a} / {b}");
        }
    }

    #[test]
    fn an_oblast_and_a_district_of_one_name_are_told_apart_by_the_field() {
        let u = UnitNames::new([
            ("100000000", "область Абай"),
            ("631000000", "Абайский район"),
        ]);
        assert_eq!(
            u.prefixes("Абай облысы", UnitLevel::Oblast),
            Some(vec!["10".to_string()])
        );
        assert_eq!(
            u.prefixes("Абайский р-н", UnitLevel::District),
            Some(vec!["6310".to_string()])
        );
        // In the district field, the name is the district's.
        assert_eq!(
            u.prefixes("Абай", UnitLevel::District),
            Some(vec!["6310".to_string()])
        );
        assert_eq!(u.prefixes("Талгарский", UnitLevel::District), None);
    }

    #[test]
    fn kato_prefixes_keep_the_significant_digits() {
        assert_eq!(kato_prefix("750000000"), "75");
        assert_eq!(kato_prefix("751110000"), "751110");
        assert_eq!(kato_prefix("100000000"), "10");
        assert_eq!(kato_prefix("631000000"), "6310");
        assert_eq!(kato_prefix("195620100"), "195620100");
        assert_eq!(kato_prefix("000000000"), "000000000");
    }

    #[test]
    fn a_name_shared_by_two_units_stands_for_both() {
        let u = UnitNames::new([
            ("751100000", "Железнодорожный район"),
            ("351100000", "Железнодорожный район"),
            ("351300000", "Октябрьский район"),
        ]);
        assert_eq!(
            u.prefixes("Железнодорожный р-н", UnitLevel::District),
            Some(vec!["7511".to_string(), "3511".to_string()])
        );
        assert_eq!(
            u.prefixes("Октябрьский", UnitLevel::District),
            Some(vec!["3513".to_string()])
        );
    }
}
