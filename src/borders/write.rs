//! Write-back: from an assignment of address points to precincts, the Appendix 3 table with
//! compact house lists (`2-36 четные`, `1, 3, 5А`, `все дома`, `1-15, кроме 7`) such that
//! reading it again gives the same assignment on the known addresses.

use super::BordersError;
use super::grammar::{Clause, HouseItem, Parity};
use crate::address::{House, normalise_locality, parse_house, street_parts, tokenize};
use crate::model::{AddressPoint, PrecinctNo};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// The language of a written table (headers and house-list words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Ru,
    Kk,
}

impl Lang {
    fn headers(self) -> [&'static str; 7] {
        match self {
            Lang::Ru => [
                "№ п/п",
                "№ участка",
                "Тип населенного пункта",
                "Населенный пункт",
                "Тип адреса",
                "Адрес",
                "Дома",
            ],
            Lang::Kk => [
                "Р/с №",
                "Учаске нөмірі",
                "Елді мекен түрі",
                "Елді мекен",
                "Мекенжай түрі",
                "Мекенжай",
                "Үйлер",
            ],
        }
    }
}

/// One row of a written Appendix 3 table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appendix3Row {
    pub precinct: PrecinctNo,
    pub locality_type: String,
    pub locality: String,
    pub address_type: String,
    pub address: String,
    pub houses: String,
}

/// The Kazakh ablative ending after a number (`5-тен`, `7-ден`, `6-дан`, `10-нан`).
fn ablative_for(n: u32) -> &'static str {
    if n == 0 {
        return "ден";
    }
    let (mut m, mut zeros) = (n, 0);
    while m % 10 == 0 {
        m /= 10;
        zeros += 1;
    }
    match zeros {
        0 => match m % 10 {
            1 | 2 | 7 | 8 => "ден",
            3..=5 => "тен",
            _ => "дан",
        },
        1 => match m % 10 {
            1 | 9 => "нан",
            2 | 3 => "дан",
            4 | 6 => "тан",
            5 => "ден",
            7 => "тен",
            _ => "нен",
        },
        2 => "ден",
        _ => "нан",
    }
}

/// A house of a list; a building numbered `12-14` is quoted (`«12-14»`), since unquoted
/// `12-14` (or `д. 12-14`) is a range.
fn house_text(h: &House, _lang: Lang) -> String {
    if h.span.is_some() {
        format!("«{h}»")
    } else {
        h.to_string()
    }
}

fn item_text(item: &HouseItem, lang: Lang) -> String {
    let par = |p: &Parity| match (p, lang) {
        (Parity::Any, _) => "",
        (Parity::Even, Lang::Ru) => " четные",
        (Parity::Odd, Lang::Ru) => " нечетные",
        (Parity::Even, Lang::Kk) => " жұп",
        (Parity::Odd, Lang::Kk) => " тақ",
    };
    match item {
        HouseItem::One(h) => house_text(h, lang),
        HouseItem::Range { from, to, parity } => match to {
            Some(t) => format!("{from}-{t}{}", par(parity)),
            None => match lang {
                Lang::Ru => format!("с {from} до конца{}", par(parity)),
                Lang::Kk => format!("{from}-{} бастап{}", ablative_for(from.num), par(parity)),
            },
        },
        HouseItem::All(p) => match (p, lang) {
            (Parity::Any, Lang::Ru) => "все дома".into(),
            (Parity::Any, Lang::Kk) => "барлық үйлер".into(),
            (p, Lang::Ru) => format!("все{} дома", par(p)),
            (p, Lang::Kk) => format!("барлық{} үйлер", par(p)),
        },
    }
}

fn render(set: &Clause, lang: Lang) -> String {
    let inc: Vec<String> = set.include.iter().map(|i| item_text(i, lang)).collect();
    let mut s = inc.join(", ");
    if !set.exclude.is_empty() {
        let exc: Vec<String> = set.exclude.iter().map(|i| item_text(i, lang)).collect();
        match lang {
            Lang::Ru => {
                s.push_str(", кроме ");
                s.push_str(&exc.join(", "));
            }
            Lang::Kk => {
                let last = match set.exclude.last() {
                    Some(HouseItem::One(h)) => h.num,
                    _ => 0,
                };
                s.push_str(&format!(
                    " ({}-{} басқа)",
                    exc.join(", "),
                    ablative_for(last)
                ));
            }
        }
    }
    s
}

fn first_house(i: &HouseItem) -> House {
    match i {
        HouseItem::One(h) | HouseItem::Range { from: h, .. } => h.clone(),
        HouseItem::All(_) => House::default(),
    }
}

/// Adds exact inclusions / exclusions until the set holds exactly the houses marked mine.
fn fix_up(mut set: Clause, houses: &[(House, bool)]) -> Clause {
    for _ in 0..8 {
        let mut add_inc = Vec::new();
        let mut add_exc = Vec::new();
        for (h, mine) in houses {
            let c = set.contains(h);
            if c && !mine {
                add_exc.push(HouseItem::One(h.clone()));
            } else if !c && *mine {
                add_inc.push(HouseItem::One(h.clone()));
            }
        }
        if add_inc.is_empty() && add_exc.is_empty() {
            break;
        }
        for i in add_inc {
            if !set.include.contains(&i) {
                set.include.push(i);
            }
        }
        for e in add_exc {
            if !set.exclude.contains(&e) {
                set.exclude.push(e);
            }
        }
    }
    set.include.sort_by_key(first_house);
    set.exclude.sort_by_key(first_house);
    set
}

fn runs(houses: &[(House, bool)], parities: &[Parity]) -> Clause {
    let mut include = Vec::new();
    for &par in parities {
        let seq: Vec<&House> = houses
            .iter()
            .filter(|(h, _)| par.admits(h.num))
            .map(|(h, _)| h)
            .collect();
        let mine: Vec<bool> = houses
            .iter()
            .filter(|(h, _)| par.admits(h.num))
            .map(|(_, m)| *m)
            .collect();
        let mut k = 0;
        while k < seq.len() {
            if !mine[k] {
                k += 1;
                continue;
            }
            let mut j = k;
            while j + 1 < seq.len() && mine[j + 1] {
                j += 1;
            }
            let run = &seq[k..=j];
            let spans = run[0].span.is_some() || run[run.len() - 1].span.is_some();
            if run.len() >= 3 && !spans {
                include.push(HouseItem::Range {
                    from: run[0].clone(),
                    to: Some(run[run.len() - 1].clone()),
                    parity: par,
                });
            } else {
                include.extend(run.iter().map(|h| HouseItem::One((*h).clone())));
            }
            k = j + 1;
        }
    }
    Clause {
        include,
        exclude: Vec::new(),
    }
}

/// The compact house list of the houses marked `true` among the known houses of one street
/// (`None` = a house number that does not parse). `None` when no house is marked. A house
/// number that does not parse can only be written as part of "every house".
///
/// # Examples
/// ```
/// use precincts::address::parse_house;
/// use precincts::borders::{compact_houses, Lang};
/// let street: Vec<_> = (1..=36).map(|n| (parse_house(&n.to_string(), ""), n % 2 == 0)).collect();
/// assert_eq!(compact_houses(&street, Lang::Ru).unwrap(), "2-36 четные");
/// ```
pub fn compact_houses(street: &[(Option<House>, bool)], lang: Lang) -> Option<String> {
    if !street.iter().any(|(_, m)| *m) {
        return None;
    }
    if street.iter().all(|(_, m)| *m) {
        return Some(item_text(&HouseItem::All(Parity::Any), lang));
    }
    let mut houses: Vec<(House, bool)> = street
        .iter()
        .filter_map(|(h, m)| h.clone().map(|h| (h, *m)))
        .collect();
    houses.sort();
    houses.dedup_by(|a, b| a.0 == b.0);
    if !houses.iter().any(|(_, m)| *m) {
        return None;
    }
    let a = render(&fix_up(runs(&houses, &[Parity::Any]), &houses), lang);
    let b = render(
        &fix_up(runs(&houses, &[Parity::Even, Parity::Odd]), &houses),
        lang,
    );
    Some(if b.len() < a.len() { b } else { a })
}

fn locality_type(locality: &str, lang: Lang) -> String {
    let toks = tokenize(locality);
    let words: Vec<&str> = toks.iter().filter_map(|t| t.word()).collect();
    let has = |ws: &[&str]| words.iter().any(|w| ws.contains(w));
    let (ru, kk) = if has(&["г", "город", "каласы", "кала"]) {
        ("город", "қала")
    } else if has(&["с", "село", "ауылы", "ауыл", "аул"]) {
        ("село", "ауыл")
    } else if has(&["п", "пос", "поселок", "кенти", "кент", "пгт"]) {
        ("поселок", "кент")
    } else {
        return String::new();
    };
    match lang {
        Lang::Ru => ru.into(),
        Lang::Kk => kk.into(),
    }
}

/// The rows of the Appendix 3 table for an assignment (one per precinct, locality and
/// street), sorted by precinct, locality and street.
pub fn appendix3_rows(
    addresses: &[AddressPoint],
    assignment: &[Option<PrecinctNo>],
    lang: Lang,
) -> Vec<Appendix3Row> {
    // (locality key, street key) → address indices; the keys are normalised in parallel.
    let keys: Vec<(String, String)> = addresses
        .par_iter()
        .map(|a| (normalise_locality(&a.locality), street_parts(&a.street).key))
        .collect();
    let mut streets: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, key) in keys.into_iter().enumerate() {
        streets.entry(key).or_default().push(i);
    }
    let streets: Vec<Vec<usize>> = streets.into_values().collect();
    let mut rows: Vec<Appendix3Row> = streets
        .par_iter()
        .flat_map_iter(|idx| street_rows(addresses, assignment, lang, idx))
        .collect();
    rows.sort_by(|a, b| {
        (&a.precinct, &a.locality, &a.address).cmp(&(&b.precinct, &b.locality, &b.address))
    });
    rows
}

/// The rows of one street (its address indices): one per precinct holding any of them.
fn street_rows(
    addresses: &[AddressPoint],
    assignment: &[Option<PrecinctNo>],
    lang: Lang,
    idx: &[usize],
) -> Vec<Appendix3Row> {
    let mut rows = Vec::new();
    {
        let a0 = &addresses[idx[0]];
        let parsed: Vec<Option<House>> = idx
            .iter()
            .map(|&i| parse_house(&addresses[i].house, &addresses[i].building))
            .collect();
        let mut precincts: Vec<&PrecinctNo> = idx
            .iter()
            .filter_map(|&i| assignment.get(i)?.as_ref())
            .collect();
        precincts.sort();
        precincts.dedup();
        let parts = street_parts(&a0.street);
        let (address_type, address) = if a0.street.trim().is_empty() {
            (String::new(), String::new())
        } else {
            let name = if parts.name.is_empty() {
                a0.street.trim().to_string()
            } else {
                parts.name.clone()
            };
            (parts.ty.type_word(lang == Lang::Kk).to_string(), name)
        };
        for p in precincts {
            let street: Vec<(Option<House>, bool)> = idx
                .iter()
                .zip(&parsed)
                .map(|(&i, h)| {
                    (
                        h.clone(),
                        assignment.get(i).and_then(|x| x.as_ref()) == Some(p),
                    )
                })
                .collect();
            if let Some(houses) = compact_houses(&street, lang) {
                rows.push(Appendix3Row {
                    precinct: p.clone(),
                    locality_type: locality_type(&a0.locality, lang),
                    locality: a0.locality.clone(),
                    address_type: address_type.clone(),
                    address: address.clone(),
                    houses,
                });
            }
        }
    }
    rows
}

fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), BordersError> {
    let err = |source| BordersError::Write {
        path: path.display().to_string(),
        source,
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = crate::report::temp_file_in(dir).map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    crate::report::sync_dir(dir).map_err(err)?;
    Ok(())
}

fn cells(n: usize, r: &Appendix3Row) -> [String; 7] {
    [
        n.to_string(),
        r.precinct.to_string(),
        r.locality_type.clone(),
        r.locality.clone(),
        r.address_type.clone(),
        r.address.clone(),
        r.houses.clone(),
    ]
}

/// The Appendix 3 table as CSV bytes: UTF-8 with a BOM, Russian or Kazakh headers.
pub fn appendix3_csv(rows: &[Appendix3Row], lang: Lang) -> Vec<u8> {
    let mut buf: Vec<u8> = vec![0xEF, 0xBB, 0xBF];
    {
        let mut w = csv::Writer::from_writer(&mut buf);
        // Writing into memory cannot fail.
        w.write_record(lang.headers()).expect("in memory");
        for (n, r) in rows.iter().enumerate() {
            // A planner can name a precinct `=cmd|…`: no cell may start a formula.
            let c = cells(n + 1, r);
            w.write_record(c.iter().map(|c| crate::report::csv_cell(c).into_owned()))
                .expect("in memory");
        }
        w.flush().expect("in memory");
    }
    buf
}

/// The Appendix 3 table as XLSX bytes (one sheet, bold headers in Russian or Kazakh).
pub fn appendix3_xlsx(
    rows: &[Appendix3Row],
    lang: Lang,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, h) in lang.headers().iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (n, r) in rows.iter().enumerate() {
        for (c, v) in cells(n + 1, r).iter().enumerate() {
            ws.write_string((n + 1) as u32, c as u16, v)?;
        }
    }
    wb.save_to_buffer()
}

/// Writes the Appendix 3 table of an assignment as CSV (UTF-8 with BOM) and XLSX, both
/// atomically (a temporary file renamed into place), with Russian or Kazakh headers.
pub fn write_appendix3(
    addresses: &[AddressPoint],
    assignment: &[Option<PrecinctNo>],
    csv: &Path,
    xlsx: &Path,
    lang: Lang,
) -> Result<(), BordersError> {
    let rows = appendix3_rows(addresses, assignment, lang);
    let (csv_bytes, xlsx_bytes) = rayon::join(
        || appendix3_csv(&rows, lang),
        || appendix3_xlsx(&rows, lang),
    );
    atomic_write(csv, &csv_bytes)?;
    let xlsx_bytes = xlsx_bytes.map_err(|e| BordersError::Xlsx {
        path: xlsx.display().to_string(),
        message: e.to_string(),
    })?;
    atomic_write(xlsx, &xlsx_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn street(spec: &[(&str, bool)]) -> Vec<(Option<House>, bool)> {
        spec.iter().map(|(h, m)| (parse_house(h, ""), *m)).collect()
    }

    #[test]
    fn an_even_side_is_written_as_a_parity_range() {
        let s: Vec<(Option<House>, bool)> = (1..=36)
            .map(|n| (Some(House::num(n)), n % 2 == 0))
            .collect();
        assert_eq!(compact_houses(&s, Lang::Ru).unwrap(), "2-36 четные");
        assert_eq!(compact_houses(&s, Lang::Kk).unwrap(), "2-36 жұп");
    }

    #[test]
    fn a_whole_street_is_every_house_and_short_runs_are_lists() {
        let s = street(&[("1", true), ("3", true), ("5А", true)]);
        assert_eq!(compact_houses(&s, Lang::Ru).unwrap(), "все дома");
        let s = street(&[
            ("1", true),
            ("2", false),
            ("3", true),
            ("5А", true),
            ("7", false),
        ]);
        assert_eq!(compact_houses(&s, Lang::Ru).unwrap(), "1, 3, 5А");
    }

    #[test]
    fn a_letter_house_of_another_precinct_becomes_an_exclusion() {
        let mut s: Vec<(Option<House>, bool)> =
            (1..=10).map(|n| (Some(House::num(n)), true)).collect();
        s.extend(street(&[("10А", false), ("11", false)]));
        assert_eq!(compact_houses(&s, Lang::Ru).unwrap(), "1-10, кроме 10А");
        assert_eq!(
            compact_houses(&s, Lang::Kk).unwrap(),
            "1-10 (10А-нан басқа)"
        );
    }

    #[test]
    fn kazakh_ablative_endings_follow_the_numeral() {
        assert_eq!(ablative_for(5), "тен");
        assert_eq!(ablative_for(7), "ден");
        assert_eq!(ablative_for(6), "дан");
        assert_eq!(ablative_for(10), "нан");
        assert_eq!(ablative_for(40), "тан");
        assert_eq!(ablative_for(100), "ден");
    }
}
