//! The geocoder against spellings written by hand: for random towns (names that several
//! street types share, as in every Kazakh city) and random spellings of each address from
//! the normalisation table of `data/FORMATS.md`, the geocoder finds the very point or
//! reports the address ambiguous; it never answers with another point.
//!
//! The spellings are written here, by hand, the way voter lists and akimat decisions write
//! them; nothing is computed with the code under test.

#[path = "common/shared.rs"]
mod shared_data;
use precincts::address::{AddressIndex, AddressQuery, Geocoded};
use precincts::model::{AddressPoint, SourceRef};
use proptest::prelude::*;
use shared_data::shared;

/// A street name as Russian texts write it (genitive) and as Kazakh texts do (nominative).
const NAMES: &[(&str, &str)] = &[
    ("Абая", "Абай"),
    ("Жамбыла", "Жамбыл"),
    ("Гоголя", "Гоголь"),
    ("Толе би", "Төле би"),
    ("Кабанбай батыра", "Қабанбай батыр"),
    ("Аль-Фараби", "Әл-Фараби"),
    ("Курмангазы", "Құрманғазы"),
    ("Желтоксан", "Желтоқсан"),
    ("Достык", "Достық"),
    ("Жетысу", "Жетісу"),
];

/// Per street type: the ways it is written (`{ru}` the Russian name, `{kk}` the Kazakh one).
const TYPES: &[&[&str]] = &[
    // улица
    &[
        "ул. {ru}",
        "улица {ru}",
        "{ru} ул.",
        "УЛ.{RU}",
        "{kk} көшесі",
        "{kk} к-сі",
        "{kk} көш.",
        "{kk} к.",
    ],
    // проспект
    &[
        "пр. {ru}",
        "проспект {ru}",
        "пр-т {ru}",
        "пр-кт {ru}",
        "{kk} даңғылы",
        "{kk} даңғ.",
    ],
    // переулок
    &["пер. {ru}", "переулок {ru}", "{ru} пер."],
    // тупик
    &[
        "туп. {ru}",
        "тупик {ru}",
        "{kk} тұйығы",
        "{kk} тұйық көшесі",
    ],
    // бульвар
    &["б-р {ru}", "бульвар {ru}", "{kk} бульвары"],
    // площадь
    &["пл. {ru}", "площадь {ru}", "{kk} алаңы"],
    // микрорайон
    &[
        "мкр. {kk}",
        "мкр-н {kk}",
        "{kk} ш/а",
        "{kk} шағын ауданы",
        "микрорайон {kk}",
        "{kk} мкр.",
    ],
];

/// The name without its type.
const BARE: &[&str] = &["{ru}", "{kk}", "{RU}"];

const CITY: &[&str] = &[
    "Алматы",
    "г. Алматы",
    "г.Алматы",
    "Алматы қ.",
    "Алматы қаласы",
    "город Алматы",
    "АЛМАТЫ",
];

fn fill(form: &str, (ru, kk): (&str, &str)) -> String {
    form.replace("{RU}", &ru.to_uppercase())
        .replace("{ru}", ru)
        .replace("{kk}", kk)
}

fn point(street: String, house: String, i: usize) -> AddressPoint {
    AddressPoint {
        locality: "Алматы".into(),
        street,
        house,
        building: String::new(),
        coord: geo::Coord {
            x: 76.9 + i as f64 * 1e-4,
            y: 43.2,
        },
        source: SourceRef {
            file: "addresses.csv".into(),
            line: i as u64 + 2,
        },
    }
}

/// A street of the town: (name index, type index), its points' spelling and houses.
type Street = (usize, usize, usize, Vec<(u32, bool)>);

fn town() -> impl Strategy<Value = Vec<Street>> {
    prop::collection::vec(
        (
            0..NAMES.len(),
            0..TYPES.len(),
            any::<prop::sample::Index>(),
            prop::collection::btree_map(1u32..60, any::<bool>(), 1..5)
                .prop_map(|m| m.into_iter().collect::<Vec<_>>()),
        ),
        1..10,
    )
    .prop_map(|mut v| {
        // One street per (name, type).
        v.sort_by_key(|s| (s.0, s.1));
        v.dedup_by_key(|s| (s.0, s.1));
        v.into_iter()
            .map(|(n, t, f, h)| (n, t, f.index(TYPES[t].len()), h))
            .collect()
    })
}

fn house_text(n: u32, letter: bool) -> String {
    if letter {
        format!("{n}А")
    } else {
        n.to_string()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn a_written_address_is_found_at_its_point_or_reported_ambiguous_never_elsewhere(
        streets in town(),
        picks in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>(), any::<prop::sample::Index>(), 0u8..4), 20),
    ) {
        let mut points = Vec::new();
        // (street, house number, letter) per point.
        let mut what = Vec::new();
        for (s, (n, t, f, houses)) in streets.iter().enumerate() {
            for &(h, letter) in houses {
                what.push((s, h, letter));
                points.push(point(fill(TYPES[*t][*f], NAMES[*n]), house_text(h, letter), points.len()));
            }
        }
        let ix = AddressIndex::new(&points);
        for (p_pick, form_pick, city_pick, how) in picks {
            let p = p_pick.index(points.len());
            let (s, h, letter) = what[p];
            let (n, t, _, _) = &streets[s];
            let same_name = streets.iter().filter(|x| x.0 == *n).count();
            // 0, 1: another spelling of the typed street; 2: the bare name; 3: a house that
            // is not there.
            let (street, expect_bare) = match how {
                0 | 1 | 3 => (fill(TYPES[*t][form_pick.index(TYPES[*t].len())], NAMES[*n]), false),
                _ => (fill(BARE[form_pick.index(BARE.len())], NAMES[*n]), true),
            };
            let house = match (how, letter) {
                (3, _) => format!("{}Я", h),
                (_, true) => format!("{h} \"а\""),
                (_, false) => h.to_string(),
            };
            let city = CITY[city_pick.index(CITY.len())];
            let got = ix.locate(&AddressQuery {
                locality: city,
                street: &street,
                house: &house,
                ..Default::default()
            });
            let case = format!("{street} {house} ({city}); point «{}» {}", points[p].street, points[p].house);
            match (how, expect_bare && same_name > 1) {
                (3, _) => prop_assert!(got.point().is_none(), "{}: {:?}", case, got),
                (_, true) => prop_assert!(
                    matches!(&got, Geocoded::Ambiguous(c) if c.len() == same_name),
                    "{}: {:?}", case, got
                ),
                (_, false) => prop_assert_eq!(&got, &Geocoded::Point(p as u32), "{}", case),
            }
        }
    }
}

/// Pairs that must not meet: streets whose names differ by more than spelling.
#[test]
fn different_names_are_different_streets() {
    let points = vec![
        point("ул. Абая".into(), "1".into(), 0),
        point("ул. Абылай хана".into(), "1".into(), 1),
        point("мкр. Аксай-1".into(), "1".into(), 2),
        point("мкр. Аксай-2".into(), "1".into(), 3),
        point("ул. Сатпаева".into(), "1".into(), 4),
    ];
    let ix = AddressIndex::new(&points);
    let find = |street: &str| {
        ix.locate(&AddressQuery {
            locality: "Алматы",
            street,
            house: "1",
            ..Default::default()
        })
    };
    assert_eq!(find("ул. Абылай хана"), Geocoded::Point(1));
    assert_eq!(find("Аксай-2"), Geocoded::Point(3));
    assert_eq!(find("Аксай-3"), Geocoded::NotFound);
    assert_eq!(find("Аксай"), Geocoded::NotFound);
    assert_eq!(find("ул. Абаева"), Geocoded::NotFound);
    assert_eq!(find("ул. Сатпаев"), Geocoded::Point(4));
    assert_eq!(find("ул. Сейфуллина"), Geocoded::NotFound);
    // Another city: nothing.
    assert_eq!(
        ix.locate(&AddressQuery {
            locality: "Астана",
            street: "ул. Абая",
            house: "1",
            ..Default::default()
        }),
        Geocoded::NotFound
    );
}

/// The real OpenStreetMap address points of Almaty (2013, `../shared/data`), read in place,
/// looked up with addresses written by hand as voter lists write them. What each should give
/// was read off the file's own `addr:street`/`addr:housenumber` values (see the comments):
/// the avenue is written five ways there (`пр. Абая`, `пр-т Абая`, `Абая пр.`, `Абая прс.`),
/// and `ул. Абая` and `ул. Достык` exist beside the avenues, so a bare `Абая` or `Достык`
/// cannot be placed.
#[test]
fn real_almaty_points_are_found_as_people_write_them() {
    let Some(p) = shared("almaty-osm-2013/DERIVED_almaty_address_points.geojson") else {
        return;
    };
    let mut intake = precincts::io::Intake::default();
    let points = precincts::io::read_addresses(&p, None, &mut intake).unwrap();
    let ix = AddressIndex::new(&points);
    let at = |locality: &str, street: &str, house: &str| -> Result<(String, String), String> {
        match ix.locate(&AddressQuery {
            locality,
            street,
            house,
            ..Default::default()
        }) {
            Geocoded::Point(i) => {
                let a = &points[i as usize];
                Ok((a.street.clone(), a.house.clone()))
            }
            other => Err(format!("{other:?}")),
        }
    };
    let point = |s: &str, h: &str| Ok((s.to_string(), h.to_string()));
    // Most points carry no `addr:city` (their locality is empty: they count in whichever
    // locality a record names); `ул. Абая`, `ул. Достык` and three `пр. Достык` say Алматы.
    assert_eq!(at("", "Абай даңғылы", "34"), point("Абая прс.", "34"));
    assert_eq!(
        at("Алматы", "проспект Абая", "42"),
        point("пр-т Абая", "42")
    );
    assert_eq!(at("", "пр. Абая", "54"), point("Абая пр.", "54"));
    assert_eq!(
        at("г. Алматы", "пр. Абая", "52Б"),
        point("пр. Абая", "52 \"Б\"")
    );
    assert_eq!(at("Алматы", "Абай көшесі", "11"), point("ул. Абая", "11"));
    assert_eq!(at("Алматы қ.", "ул. Абая", "23а"), point("ул. Абая", "23a"));
    assert_eq!(
        at("", "Жетісу-2 шағын ауданы", "10"),
        point("Жетысу-2", "10")
    );
    assert_eq!(
        at("Алматы", "мкр-н Жетысу-2", "73"),
        point("Жетысу-2", "73")
    );
    assert_eq!(
        at("Алматы", "пр. Достык", "202"),
        point("пр. Достык (Ленина)", "202")
    );
    assert_eq!(
        at("Алматы", "Достық даңғылы", "125"),
        point("пр. Достык", "125")
    );
    assert_eq!(
        at("Алматы", "ул. Достык", "105"),
        point("ул. Достык", "105")
    );
    assert_eq!(
        at("Алматы", "Төле би көшесі", "59"),
        point("улица Толе би", "59")
    );
    // `Абая` without a type: the avenue or the street.
    for (loc, street, house) in [
        ("Алматы", "Абая", "11"),
        ("Алматы", "Абая", "34"),
        ("Алматы", "Достык", "105"),
    ] {
        let got = at(loc, street, house);
        assert!(
            got.as_ref().is_err_and(|e| e.starts_with("Ambiguous")),
            "{street} {house}: {got:?}"
        );
    }
    // `Толе би` 29 is written without a type in the file; `улица Толе би` exists too but has
    // no house 29: the one street of that name with the house is the answer.
    assert_eq!(at("Алматы", "Төле би көшесі", "29"), point("Толе би", "29"));
    // Neither has a house 999: not found (never "ambiguous" for a missing house).
    assert_eq!(
        at("Алматы", "Төле би көшесі", "999"),
        Err("NotFound".to_string())
    );
    // Not there.
    assert!(at("", "пр. Абая", "9999").is_err());
    assert!(at("", "ул. Абылай хана", "34").is_err());
}

/// A square polygon feature (lon/lat) with the given properties.
fn square_feature(props: &str, x0: f64, y0: f64, x1: f64, y1: f64) -> String {
    format!(
        r#"{{"type":"Feature","properties":{props},"geometry":{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}}}"#
    )
}

/// Through the real binary, on files written by hand as an akimat sends them: the voter list
/// is an Excel export (CP1251, `;`, CRLF, the regulation's Russian column names; the Kazakh
/// letters Excel cannot keep written with their Russian look-alikes), two districts each with
/// a village `Жанаталап` and a `ул. Абая` with a house 1, and one village with a lane of the
/// same name. Each voter's outcome is written by hand below.
#[test]
fn an_excel_voter_list_with_homonym_villages_and_streets_is_placed_or_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Талгарский район (KATO 196000000) west, Енбекшиказахский (195600000) east.
    let admin = format!(
        r#"{{"type":"FeatureCollection","features":[{},{}]}}"#,
        square_feature(
            r#"{"KATO":"196000000","name":"Талгарский район"}"#,
            77.0,
            43.3,
            77.1,
            43.4
        ),
        square_feature(
            r#"{"KATO":"195600000","name":"Енбекшиказахский район"}"#,
            77.1,
            43.3,
            77.2,
            43.4
        ),
    );
    std::fs::write(d.join("admin.geojson"), admin).unwrap();
    let precincts = format!(
        r#"{{"type":"FeatureCollection","features":[{},{}]}}"#,
        square_feature(r#"{"precinct":"101"}"#, 77.0, 43.3, 77.1, 43.4),
        square_feature(r#"{"precinct":"102"}"#, 77.1, 43.3, 77.2, 43.4),
    );
    std::fs::write(d.join("precincts.geojson"), precincts).unwrap();
    std::fs::write(
        d.join("addresses.csv"),
        "locality,street,house,building,lon,lat\n\
         с. Жанаталап,ул. Абая,1,,77.05,43.35\n\
         с. Жанаталап,пер. Абая,5,,77.06,43.35\n\
         Жаңаталап ауылы,Абай көшесі,1,,77.15,43.35\n",
    )
    .unwrap();
    let header = "Код;ИИН;Фамилия;Имя;Отчество;Код участка;Республиканский участок;\
                  Областной участок;Районный участок;Область;Район;Дата рождения;\
                  Национальность;Пол;Населенный пункт;Улица;Дом;Корпус;Квартира;\
                  Номер документа;Дата выдачи;Примечание;Дополнение1;Дополнение2;\
                  Дополнение3;Дополнение4";
    // (code, precinct listed, district, locality, street, house)
    let rows = [
        // The district by name, Russian abbreviation: the western village's street.
        ("1", "101", "Талгарский р-н", "с. Жанаталап", "Абай к.", "1"),
        // The district by its KATO code: the eastern village.
        ("2", "102", "195600000", "Жанаталап", "ул. Абая", "1"),
        // No district: house 1 is in both villages.
        ("3", "101", "", "с.Жанаталап", "ул. Абая", "1"),
        // The bare name where the village has a street and a lane of it.
        ("4", "101", "Талгарский район", "с. Жанаталап", "Абая", "5"),
        // The lane, listed in the other precinct.
        (
            "5",
            "102",
            "Талгарский район",
            "Жанаталап а.",
            "пер. Абая",
            "5",
        ),
        // No such house.
        (
            "6",
            "101",
            "Талгарский район",
            "с. Жанаталап",
            "ул. Абая",
            "7",
        ),
    ];
    let mut text = String::from(header);
    for (i, (code, p, district, loc, street, house)) in rows.iter().enumerate() {
        text.push_str(&format!(
            "\r\n{code};9001013000{iin:02};Иванов;Ержан;;{p};;;;Алматинская обл.;{district};\
             01.01.1990;;М;{loc};{street};{house};;;{doc:09};01.02.2020;;;;;",
            iin = 10 + i,
            doc = 100 + i
        ));
    }
    let (cp1251, _, lossy) = encoding_rs::WINDOWS_1251.encode(&text);
    assert!(!lossy, "the export holds Russian letters only");
    std::fs::write(d.join("voters.csv"), &*cp1251).unwrap();

    let out = d.join("out");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_precincts"))
        .arg("check")
        .arg("--out")
        .arg(&out)
        .arg("--admin")
        .arg(d.join("admin.geojson"))
        .arg("--precincts")
        .arg(d.join("precincts.geojson"))
        .arg("--addresses")
        .arg(d.join("addresses.csv"))
        .arg("--voters")
        .arg(d.join("voters.csv"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("6 read = 6 accepted + 0 rejected"), "{err}");

    let mut rd = csv::Reader::from_path(out.join("findings.csv")).unwrap();
    let h = rd.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (c, p, r) = (col("code"), col("precinct"), col("record"));
    let mut voters: Vec<(String, String, String)> = rd
        .records()
        .map(|x| x.unwrap())
        .filter(|x| x[c].starts_with("VOTER_"))
        .map(|x| (x[c].to_string(), x[p].to_string(), x[r].to_string()))
        .collect();
    voters.sort();
    let want = |c: &str, p: &str, r: &str| (c.to_string(), p.to_string(), r.to_string());
    assert_eq!(
        voters,
        vec![
            want("VOTER_ADDRESS_AMBIGUOUS", "101", "3"),
            want("VOTER_ADDRESS_AMBIGUOUS", "101", "4"),
            want("VOTER_ADDRESS_NOT_FOUND", "101", "6"),
            want("VOTER_IN_OTHER_PRECINCT", "102", "5"),
        ]
    );
    // Voters by polygon: 101 holds voters 1 and 5, 102 voter 2; 3 and 4 are nowhere.
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.geojson")).unwrap()).unwrap();
    let mut by: Vec<(String, u64)> = report["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["properties"]["precinct"].as_str().unwrap().to_string(),
                f["properties"]["voters"].as_u64().unwrap(),
            )
        })
        .collect();
    by.sort();
    assert_eq!(by, vec![("101".to_string(), 2), ("102".to_string(), 1)]);
}
