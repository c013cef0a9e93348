//! The input readers of `precincts::io` on files written here, in a temporary directory:
//! encodings, delimiters, header aliases in three languages, XLSX, Shapefiles in several
//! CRSs (expected figures from PROJ's own `cs2cs`), malformed files, and the accounting
//! `read = accepted + rejected`. Real data under `../shared/data` is read when present.

#[path = "common/shared.rs"]
mod shared_data;
use geo::{Coord, LineString, MultiPolygon, Polygon};
use precincts::io::{
    self, Intake, IoError, VectorOptions, read_addresses, read_admin, read_classifier,
    read_precincts, read_stations, read_voters,
};
use precincts::model::{AdminLevel, StationMark, VoterField};
use shared_data::shared;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------
// helpers

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn cp1251(s: &str) -> Vec<u8> {
    let (b, _, bad) = encoding_rs::WINDOWS_1251.encode(s);
    assert!(!bad, "not encodable in CP1251: {s}");
    b.into_owned()
}

fn cp866(s: &str) -> Vec<u8> {
    // encoding_rs cannot encode IBM866 (decode-only), so map Cyrillic by hand: CP866 puts
    // А..п at 0x80..0xAF and р..я at 0xE0..0xEF.
    s.chars()
        .map(|c| match c {
            'А'..='п' => (0x80 + (c as u32 - 'А' as u32)) as u8,
            'р'..='я' => (0xE0 + (c as u32 - 'р' as u32)) as u8,
            c if c.is_ascii() => c as u8,
            other => panic!("not in the test's CP866 table: {other}"),
        })
        .collect()
}

/// Accounting of the single file read into `intake`.
fn account(intake: &Intake) -> (u64, u64, u64) {
    assert_eq!(intake.files.len(), 1, "{:?}", intake.files);
    let f = &intake.files[0];
    assert_eq!(f.read, f.accepted + f.rejected);
    (f.read, f.accepted, f.rejected)
}

fn rejects(intake: &Intake) -> Vec<(u64, String, String)> {
    intake
        .rejects
        .iter()
        .map(|r| (r.line, r.field.clone(), r.reason.clone()))
        .collect()
}

/// Metres between two lon/lat points (equirectangular; fine at these distances).
fn metres(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let k = 111_320.0;
    let dx = (a.x - b.x) * k * a.y.to_radians().cos();
    let dy = (a.y - b.y) * k;
    (dx * dx + dy * dy).sqrt()
}

/// A minimal dBASE III table of character fields, its text already encoded.
fn dbf(fields: &[&str], rows: &[Vec<Vec<u8>>], ldid: u8) -> Vec<u8> {
    let width = 40usize;
    let header_len = 32 + 32 * fields.len() + 1;
    let record_len = 1 + width * fields.len();
    let mut b = vec![0u8; 32];
    b[0] = 0x03;
    b[1..4].copy_from_slice(&[124, 1, 1]);
    b[4..8].copy_from_slice(&(rows.len() as u32).to_le_bytes());
    b[8..10].copy_from_slice(&(header_len as u16).to_le_bytes());
    b[10..12].copy_from_slice(&(record_len as u16).to_le_bytes());
    b[29] = ldid;
    for f in fields {
        let mut d = [0u8; 32];
        d[..f.len()].copy_from_slice(f.as_bytes());
        d[11] = b'C';
        d[16] = width as u8;
        b.extend_from_slice(&d);
    }
    b.push(0x0D);
    for r in rows {
        b.push(b' ');
        for v in r {
            let mut cell = v.clone();
            cell.resize(width, b' ');
            b.extend_from_slice(&cell);
        }
    }
    b.push(0x1A);
    b
}

/// A clockwise (outer, per the shapefile rule) square ring.
fn square_cw(x0: f64, y0: f64, s: f64) -> Vec<shapefile::Point> {
    vec![
        shapefile::Point::new(x0, y0),
        shapefile::Point::new(x0, y0 + s),
        shapefile::Point::new(x0 + s, y0 + s),
        shapefile::Point::new(x0 + s, y0),
        shapefile::Point::new(x0, y0),
    ]
}

/// Writes `name.shp/.shx` with polygons and a `.dbf` with the given table bytes.
fn polygon_shapefile(
    dir: &Path,
    name: &str,
    polys: Vec<shapefile::Polygon>,
    dbf_bytes: Vec<u8>,
) -> PathBuf {
    let shp = dir.join(format!("{name}.shp"));
    let mut w = shapefile::ShapeWriter::from_path(&shp).unwrap();
    for p in &polys {
        w.write_shape(p).unwrap();
    }
    w.finalize().unwrap();
    drop(w);
    std::fs::write(shp.with_extension("dbf"), dbf_bytes).unwrap();
    shp
}

fn one_square(x0: f64, y0: f64, s: f64) -> shapefile::Polygon {
    shapefile::Polygon::new(shapefile::PolygonRing::Outer(square_cw(x0, y0, s)))
}

fn ascii_rows(vals: &[&str]) -> Vec<Vec<Vec<u8>>> {
    vals.iter().map(|v| vec![v.as_bytes().to_vec()]).collect()
}

// ---------------------------------------------------------------------------------------
// Appendix 1: voters

const RU_HEADER: &str = "Код,ИИН,Фамилия,Имя,Отчество,Код участка,Республиканский участок,Областной участок,Районный участок,Область,Район,Дата рождения,Национальность,Пол,Место жительства,Улица,Дом,Корпус,Квартира,Номер документа,Дата выдачи,Примечание,Дополнение1,Дополнение2,Дополнение3,Дополнение4";
const KK_HEADER: &str = "Коды;ЖСН;Тегі;Аты;Әкесінің аты;Учаске коды;Республикалық учаске;Облыстық учаске;Аудандық учаске;Облыс;Аудан;Туған күні;Ұлты;Жынысы;Тұрғылықты жері;Көше;Үй;Ғимарат;Пәтер;Құжат нөмірі;Берілген күні;Ескерту;Қосымша 1;Қосымша 2;Қосымша 3;Қосымша 4";
const EN_HEADER: &str = "Record code\tVoter code\tSurname\tName\tMiddle name\tPrecinct\tRepublican precinct\tOblast precinct\tDistrict precinct\tOblast\tDistrict\tDate of birth\tEthnicity\tGender\tResidence\tStreet\tHouse\tBuilding\tApartment\tID number\tID issued\tNote\tChanged\tRemoved\tChanged on\tAdded";

fn voter_line(sep: char, code: &str, precinct: &str, birth: &str, added: &str) -> String {
    [
        code,
        "900101300017",
        "Әбілқасымов",
        "Ерлан",
        "Серікұлы",
        precinct,
        "",
        "",
        "",
        "Алматы",
        "Бостандыкский",
        birth,
        "казах",
        "М",
        "Алматы",
        "Абая",
        "12А",
        "",
        "5",
        "N1234567",
        "01.02.2015",
        "",
        "",
        "0",
        "",
        added,
    ]
    .join(&sep.to_string())
}

#[test]
fn russian_headers_in_utf8_csv_give_iso_dates_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{RU_HEADER}\n{}\n{}\n",
        voter_line(',', "1", "0112", "05.03.1987", "Да"),
        voter_line(',', "2", "25AF01", "1990-12-31", "")
    );
    let p = write(dir.path(), "v.csv", text);
    let mut intake = Intake::default();
    let t = read_voters(&p, &mut intake).unwrap();
    assert_eq!(account(&intake), (2, 2, 0));
    assert_eq!(t.len(), 2);
    let r = t.get(0);
    assert_eq!(r.code(), "1");
    assert_eq!(r.line(), 2);
    assert_eq!(r.field(VoterField::Precinct), "0112");
    assert_eq!(r.field(VoterField::BirthDate), "1987-03-05");
    assert_eq!(r.field(VoterField::IdIssued), "2015-02-01");
    assert_eq!(r.field(VoterField::Surname), "Әбілқасымов");
    assert_eq!(r.field(VoterField::House), "12А");
    assert!(r.flag(VoterField::Added));
    assert_eq!(r.field(VoterField::Removed), "");
    assert_eq!(t.get(1).field(VoterField::Precinct), "25AF01");
    assert_eq!(t.get(1).field(VoterField::BirthDate), "1990-12-31");
    assert_eq!(t.get(1).line(), 3);
}

#[test]
fn kazakh_headers_with_bom_and_semicolons() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend(
        format!(
            "{KK_HEADER}\r\n{}\r\n",
            voter_line(';', "7", "112", "05/03/1987", "иә")
        )
        .as_bytes(),
    );
    let p = write(dir.path(), "kk.csv", bytes);
    let mut intake = Intake::default();
    let t = read_voters(&p, &mut intake).unwrap();
    assert_eq!(account(&intake), (1, 1, 0));
    let r = t.get(0);
    assert_eq!(r.code(), "7");
    assert_eq!(r.field(VoterField::Iin), "900101300017");
    assert_eq!(r.field(VoterField::BirthDate), "1987-03-05");
    assert_eq!(r.field(VoterField::Residence), "Алматы");
    assert!(r.flag(VoterField::Added));
}

#[test]
fn cp1251_tab_separated_file_with_english_headers() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{EN_HEADER}\n{}\n",
        voter_line('\t', "3", "0112", "1987-03-05", "Истина")
            .replace("Әбілқасымов", "Иванов")
            .replace("Серікұлы", "Петрович")
    );
    let p = write(dir.path(), "cp.csv", cp1251(&text));
    let mut intake = Intake::default();
    let t = read_voters(&p, &mut intake).unwrap();
    assert_eq!(account(&intake), (1, 1, 0));
    let r = t.get(0);
    assert_eq!(r.field(VoterField::Surname), "Иванов");
    assert_eq!(r.field(VoterField::Street), "Абая");
    assert_eq!(r.field(VoterField::District), "Бостандыкский");
    assert!(r.flag(VoterField::Added));
}

#[test]
fn canonical_keys_and_russian_headers_with_spaces_are_aliases() {
    let dir = tempfile::tempdir().unwrap();
    let keys: Vec<&str> = VoterField::ALL.iter().map(|f| f.key()).collect();
    let text = format!(
        "{}\n{}\n",
        keys.join(","),
        voter_line(',', "9", "1", "", "")
    );
    let p = write(dir.path(), "k.csv", text);
    let mut intake = Intake::default();
    assert_eq!(read_voters(&p, &mut intake).unwrap().len(), 1);

    let spaced = RU_HEADER
        .replace("Дополнение1", "ДОПОЛНЕНИЕ 1")
        .replace("ИИН", "Код избирателя");
    let p = write(
        dir.path(),
        "s.csv",
        format!("{spaced}\n{}\n", voter_line(',', "9", "1", "", "1")),
    );
    let mut intake = Intake::default();
    let t = read_voters(&p, &mut intake).unwrap();
    assert_eq!(t.get(0).field(VoterField::Iin), "900101300017");
}

#[test]
fn every_bad_record_is_rejected_with_its_field_and_no_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let good = voter_line(',', "1", "5", "05.03.1987", "");
    let text = [
        RU_HEADER.to_string(),
        good.clone(),                                           // line 2: accepted
        voter_line(',', "", "5", "05.03.1987", ""),             // 3: missing code
        voter_line(',', "1", "5", "05.03.1987", ""),            // 4: duplicate
        voter_line(',', "4", "5", "31.02.1987", ""),            // 5: bad date
        voter_line(',', "5", "5", "05.03.1987", "может"),       // 6: bad logical
        "6,900101300017,Иванов".to_string(),                    // 7: short row
        format!("{},extra", voter_line(',', "7", "5", "", "")), // 8: long row
        String::new(),                                          // 9: empty, skipped
        ",,,,,,,,,,,,,,,,,,,,,,,,,".to_string(),                // 10: all empty, skipped
        voter_line(',', "8", "5", "36526", "-1"),               // 11: accepted (Excel serial)
    ]
    .join("\n");
    let p = write(dir.path(), "bad.csv", text);
    let mut intake = Intake::default();
    let t = read_voters(&p, &mut intake).unwrap();
    assert_eq!(account(&intake), (8, 2, 6));
    assert_eq!(t.len(), 2);
    assert_eq!(t.get(1).field(VoterField::BirthDate), "2000-01-01");
    assert!(t.get(1).flag(VoterField::Added));
    let expected = vec![
        (
            3,
            "code".to_string(),
            "the record code is empty".to_string(),
        ),
        (
            4,
            "code".to_string(),
            "the record code repeats an earlier record".to_string(),
        ),
        (
            5,
            "birth_date".to_string(),
            "not a date (dd.mm.yyyy, yyyy-mm-dd, dd/mm/yyyy or an Excel serial)".to_string(),
        ),
        (
            6,
            "added".to_string(),
            // The cell is not quoted (issue 10): its shape only.
            "not a logical value (5 characters, not shown; expected 1/0, true/false, да/нет, \
             иә/жоқ, yes/no)"
                .to_string(),
        ),
        (
            7,
            "row".to_string(),
            "the row has 3 cells, the header 26".to_string(),
        ),
        (
            8,
            "row".to_string(),
            "the row has 27 cells, the header 26".to_string(),
        ),
    ];
    assert_eq!(rejects(&intake), expected);
    for r in &intake.rejects {
        assert!(
            !r.reason.contains("900101")
                && !r.reason.contains("Иванов")
                && !r.reason.contains("1987"),
            "{r:?}"
        );
    }
}

#[test]
fn a_file_without_an_iin_column_is_refused_with_the_accepted_headers() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "noiin.csv", "Код,Фамилия\n1,Иванов\n");
    let err = read_voters(&p, &mut Intake::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: no column for iin (accepted headers: iin, ИИН, Код избирателя, ИИН избирателя, ЖСН, Сайлаушы коды, Сайлаушының коды, Сайлаушының ЖСН, IIN, voter code, voter_code, voter IIN)",
            p.display()
        )
    );
}

#[test]
fn empty_missing_and_utf16_files_are_errors_with_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "empty.csv", "");
    assert_eq!(
        read_voters(&p, &mut Intake::default())
            .unwrap_err()
            .to_string(),
        format!("{}: the file is empty", p.display())
    );
    let p = write(dir.path(), "blank.csv", "\n\n");
    assert_eq!(
        read_voters(&p, &mut Intake::default())
            .unwrap_err()
            .to_string(),
        format!("{}: the file has no header row", p.display())
    );
    let p = write(dir.path(), "u16.csv", [0xFF, 0xFE, b'a', 0]);
    assert_eq!(
        read_voters(&p, &mut Intake::default())
            .unwrap_err()
            .to_string(),
        format!(
            "{}: the file is UTF-16 text; save it as CSV in UTF-8 or CP1251",
            p.display()
        )
    );
    let p = dir.path().join("absent.csv");
    assert!(matches!(
        read_voters(&p, &mut Intake::default()),
        Err(IoError::Open { .. })
    ));
}

#[test]
fn a_file_named_xlsx_that_is_not_a_zip_is_a_format_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "fake.xlsx", "Код,ИИН\n1,2\n");
    let err = read_voters(&p, &mut Intake::default()).unwrap_err();
    let s = err.to_string();
    assert!(matches!(err, IoError::Format { .. }), "{s}");
    assert!(
        s.starts_with(&format!("{}: not a readable workbook: ", p.display())),
        "{s}"
    );
}

#[test]
fn xlsx_numbers_keep_the_form_of_codes_and_date_cells_become_iso() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("v.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let headers: Vec<&str> = RU_HEADER.split(',').collect();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let date_fmt = Format::new().set_num_format("dd.mm.yyyy");
    // Row 2: numeric code and precinct, a real date cell, a boolean flag.
    ws.write_number(1, 0, 17.0).unwrap();
    ws.write_string(1, 1, "900101300017").unwrap();
    ws.write_number(1, 5, 112.0).unwrap();
    let d = ExcelDateTime::from_ymd(1987, 3, 5).unwrap();
    ws.write_datetime_with_format(1, 11, &d, &date_fmt).unwrap();
    ws.write_boolean(1, 25, true).unwrap();
    // Row 3 is empty (skipped). Row 4: a serial number in a general cell, text date.
    ws.write_string(3, 0, "18").unwrap();
    ws.write_string(3, 1, "900101300018").unwrap();
    ws.write_string(3, 5, "0112").unwrap();
    ws.write_number(3, 11, 32874.0).unwrap();
    ws.write_string(3, 20, "01.02.2015").unwrap();
    ws.write_number(3, 25, 0.0).unwrap();
    wb.save(&p).unwrap();

    let mut intake = Intake::default();
    let t = read_voters(&p, &mut intake).unwrap();
    assert_eq!(account(&intake), (2, 2, 0));
    let a = t.get(0);
    assert_eq!(a.code(), "17");
    assert_eq!(a.line(), 2);
    assert_eq!(a.field(VoterField::Precinct), "112");
    assert_eq!(a.field(VoterField::BirthDate), "1987-03-05");
    assert!(a.flag(VoterField::Added));
    let b = t.get(1);
    assert_eq!(b.line(), 4);
    assert_eq!(b.field(VoterField::Precinct), "0112");
    // Excel serial 32874 is 1990-01-01 (DATE(1990,1,1) in Excel).
    assert_eq!(b.field(VoterField::BirthDate), "1990-01-01");
    assert_eq!(b.field(VoterField::IdIssued), "2015-02-01");
    assert!(!b.flag(VoterField::Added));
}

// ---------------------------------------------------------------------------------------
// Appendix 2: stations

#[test]
fn stations_read_marks_in_three_languages_and_coordinates() {
    let dir = tempfile::tempdir().unwrap();
    let text = "№ участка;Наименование;Населенный пункт;Улица;Дом;Отметка;Долгота;Широта\n\
                0112;Школа № 5;Алматы;Абая;10;ограниченный доступ;76,95;43,25\n\
                113;Лицей;Алматы;Сатпаева;2;Жаңа;;\n\
                114;Клуб;Алматы;Жандосова;3;eliminated;76.9;\n\
                115;Дом культуры;Алматы;Толе би;4;школа;;\n\
                116;Библиотека;Алматы;Розыбакиева;5;упразднён, вновь созданный;76.9;95\n\
                ;Без номера;Алматы;;;;;\n";
    let p = write(dir.path(), "st.csv", text);
    let mut intake = Intake::default();
    let st = read_stations(&p, None, &mut intake).unwrap();
    assert_eq!(account(&intake), (6, 2, 4));
    assert_eq!(st[0].precinct.as_str(), "0112");
    assert_eq!(st[0].facility, "Школа № 5");
    assert_eq!(st[0].marks, vec![StationMark::LimitedAccess]);
    assert_eq!(st[0].coord, Some(Coord { x: 76.95, y: 43.25 }));
    assert_eq!(st[1].marks, vec![StationMark::NewlyCreated]);
    assert_eq!(st[1].coord, None);
    assert_eq!(
        rejects(&intake),
        vec![
            (4, "lat".to_string(), "the coordinate is empty".to_string()),
            (
                5,
                "mark".to_string(),
                "unknown mark \"школа\" (limited access / newly created / eliminated)".to_string()
            ),
            (
                6,
                "lat".to_string(),
                "the latitude is outside -90..90".to_string()
            ),
            (
                7,
                "precinct".to_string(),
                "the precinct number is empty".to_string()
            ),
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Address points

#[test]
fn address_csv_with_russian_headers_rejects_bad_numbers_and_ranges() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Населенный пункт,Улица,Дом,Корпус,lon,lat\n\
                Алматы,Абая,12А,1,76.95,43.25\n\
                Алматы,Абая,14,,x76,43.25\n\
                Алматы,Абая,16,,276.95,43.25\n\
                Алматы,Абая,18,,76.95,\n";
    let p = write(dir.path(), "a.csv", text);
    let mut intake = Intake::default();
    let a = read_addresses(&p, None, &mut intake).unwrap();
    assert_eq!(account(&intake), (4, 1, 3));
    assert_eq!(a[0].locality, "Алматы");
    assert_eq!(a[0].street, "Абая");
    assert_eq!(a[0].house, "12А");
    assert_eq!(a[0].building, "1");
    assert_eq!(a[0].coord, Coord { x: 76.95, y: 43.25 });
    assert_eq!(
        rejects(&intake),
        vec![
            (
                3,
                "lon".to_string(),
                "the coordinate is not a number".to_string()
            ),
            (
                4,
                "lon".to_string(),
                "the longitude is outside -180..180".to_string()
            ),
            (5, "lat".to_string(), "the coordinate is empty".to_string()),
        ]
    );
}

#[test]
fn address_csv_in_utm_42n_is_converted_to_wgs84() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "xy.csv",
        "елді мекен\tкөше\tүй\tx\ty\nА\tБ\t1\t420000\t4800000\n",
    );
    let mut intake = Intake::default();
    let a = read_addresses(&p, Some("EPSG:32642"), &mut intake).unwrap();
    assert_eq!(account(&intake), (1, 1, 0));
    // echo "420000 4800000" | cs2cs -d 9 EPSG:32642 EPSG:4326  →  43.348595708 68.012909834
    let want = Coord {
        x: 68.012909834,
        y: 43.348595708,
    };
    assert!(metres(a[0].coord, want) < 1.0, "{:?}", a[0].coord);
    assert_eq!((a[0].locality.as_str(), a[0].street.as_str()), ("А", "Б"));
}

#[test]
fn address_csv_without_coordinates_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "noxy.csv", "street,house\nАбая,1\n");
    let err = read_addresses(&p, None, &mut Intake::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: no column for lon (accepted headers: lon, lng, long, longitude, Долгота, Бойлық, x, easting, Восток, coord x, координата x)",
            p.display()
        )
    );
}

#[test]
fn osm_like_geojson_points_use_addr_keys_and_reject_other_geometry() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","geometry":{"type":"Point","coordinates":[76.9636886,43.214291]},
       "properties":{"addr:housenumber":"125","addr:street":"пр. Достык","addr:city":"Алматы","building":"yes"}},
      {"type":"Feature","geometry":{"type":"Point","coordinates":[76.9,43.2]},
       "properties":{"addr:housenumber":7,"addr:street":"Абая"}},
      {"type":"Feature","geometry":{"type":"LineString","coordinates":[[76.9,43.2],[76.91,43.21]]},"properties":{}},
      {"type":"Feature","geometry":null,"properties":{}},
      {"type":"Feature","geometry":{"type":"Point","coordinates":[76.9,143.2]},"properties":{}}
    ]}"#;
    let p = write(dir.path(), "a.geojson", text);
    let mut intake = Intake::default();
    let a = read_addresses(&p, None, &mut intake).unwrap();
    assert_eq!(account(&intake), (5, 2, 3));
    assert_eq!(a[0].house, "125");
    assert_eq!(a[0].street, "пр. Достык");
    assert_eq!(a[0].locality, "Алматы");
    assert_eq!(a[0].building, "");
    assert_eq!(a[1].house, "7");
    assert_eq!(
        rejects(&intake),
        vec![
            (
                3,
                "geometry".to_string(),
                "the geometry is a line, not a point".to_string()
            ),
            (
                4,
                "geometry".to_string(),
                "the feature has no geometry".to_string()
            ),
            (
                5,
                "lat".to_string(),
                "the latitude is outside -90..90".to_string()
            ),
        ]
    );
}

#[test]
fn shapefile_points_with_a_cp1251_dbf_are_address_points() {
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("pts.shp");
    let mut w = shapefile::ShapeWriter::from_path(&shp).unwrap();
    w.write_shape(&shapefile::Point::new(76.95, 43.25)).unwrap();
    w.finalize().unwrap();
    drop(w);
    std::fs::write(
        shp.with_extension("dbf"),
        dbf(
            &["STREET", "HOUSE"],
            &[vec![cp1251("Абая"), cp1251("12А")]],
            0,
        ),
    )
    .unwrap();
    std::fs::write(shp.with_extension("cpg"), "1251").unwrap();
    let mut intake = Intake::default();
    let a = read_addresses(&shp, Some("EPSG:4326"), &mut intake).unwrap();
    assert_eq!(account(&intake), (1, 1, 0));
    assert_eq!((a[0].street.as_str(), a[0].house.as_str()), ("Абая", "12А"));
    assert_eq!(a[0].coord, Coord { x: 76.95, y: 43.25 });
}

#[test]
fn real_almaty_address_points_lie_in_almaty() {
    let Some(p) = shared("almaty-osm-2013/DERIVED_almaty_address_points.geojson") else {
        return;
    };
    let mut intake = Intake::default();
    let a = read_addresses(&p, None, &mut intake).unwrap();
    let (read, accepted, _) = account(&intake);
    // SOURCE.txt: 19 addressed nodes + 749 addressed buildings.
    assert_eq!(read, 768);
    assert_eq!(accepted, 768);
    assert!(
        a.iter()
            .all(|p| (76.6..77.3).contains(&p.coord.x) && (43.0..43.5).contains(&p.coord.y))
    );
    assert!(a.iter().filter(|p| !p.house.is_empty()).count() >= 700);
}

// ---------------------------------------------------------------------------------------
// Polygon layers and CRSs

const UTM42N_ESRI: &str = r#"PROJCS["WGS_1984_UTM_Zone_42N",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",69.0],PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
const GK12_ESRI: &str = r#"PROJCS["Pulkovo_1942_GK_Zone_12",GEOGCS["GCS_Pulkovo_1942",DATUM["D_Pulkovo_1942",SPHEROID["Krasovsky_1940",6378245.0,298.3]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",12500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",69.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
const NY_FTUS_ESRI: &str = r#"PROJCS["NAD_1983_StatePlane_New_York_Long_Island_FIPS_3104_Feet",GEOGCS["GCS_North_American_1983",DATUM["D_North_American_1983",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic"],PARAMETER["False_Easting",984250.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",-74.0],PARAMETER["Standard_Parallel_1",41.0333333333333],PARAMETER["Standard_Parallel_2",40.6666666666667],PARAMETER["Latitude_Of_Origin",40.1666666666667],UNIT["US survey foot",0.304800609601219]]"#;

/// Writes a one-square precinct shapefile with its south-west corner at (x, y) and the
/// given `.prj`, reads it, and returns the corner in WGS84.
fn corner_through_prj(prj: &str, x: f64, y: f64, size: f64) -> Coord<f64> {
    let dir = tempfile::tempdir().unwrap();
    let shp = polygon_shapefile(
        dir.path(),
        "p",
        vec![one_square(x, y, size)],
        dbf(&["precinct"], &ascii_rows(&["1"]), 0),
    );
    std::fs::write(shp.with_extension("prj"), prj).unwrap();
    let mut intake = Intake::default();
    let p = read_precincts(&shp, &VectorOptions::default(), &mut intake).unwrap();
    assert_eq!(account(&intake), (1, 1, 0));
    p[0].geometry.0[0].exterior().0[0]
}

#[test]
fn utm_42n_prj_matches_cs2cs_within_a_metre() {
    // Commands (PROJ 9.1.1, Debian proj-bin):
    //   projinfo EPSG:32642 -o WKT1_ESRI --single-line -q        → UTM42N_ESRI
    //   echo "420000 4800000" | cs2cs -d 9 EPSG:32642 EPSG:4326  → 43.348595708 68.012909834
    let c = corner_through_prj(UTM42N_ESRI, 420_000.0, 4_800_000.0, 1000.0);
    let want = Coord {
        x: 68.012909834,
        y: 43.348595708,
    };
    assert!(metres(c, want) < 1.0, "{c:?} is {} m off", metres(c, want));
}

#[test]
fn pulkovo_1942_gauss_kruger_zone_12_prj_matches_cs2cs_within_a_metre() {
    // Commands (PROJ 9.1.1): EPSG:28412 has northing first, hence the order of the input.
    //   projinfo EPSG:28412 -o WKT1_ESRI --single-line -q          → GK12_ESRI
    //   echo "4800000 12420000" | cs2cs -d 9 EPSG:28412 EPSG:4326  → 43.330768747 68.012828163
    //   (the same figure from the ESRI WKT: the datum shift is applied, not a ballpark)
    let c = corner_through_prj(GK12_ESRI, 12_420_000.0, 4_800_000.0, 1000.0);
    let want = Coord {
        x: 68.012828163,
        y: 43.330768747,
    };
    assert!(metres(c, want) < 1.0, "{c:?} is {} m off", metres(c, want));
}

#[test]
fn new_york_state_plane_in_us_feet_matches_cs2cs_within_a_metre() {
    // Commands (PROJ 9.1.1):
    //   projinfo EPSG:2263 -o WKT1_ESRI --single-line -q          → NY_FTUS_ESRI
    //   echo "987000 210000" | cs2cs -d 9 EPSG:2263 EPSG:4326      → 40.743077627 -73.990075844
    let c = corner_through_prj(NY_FTUS_ESRI, 987_000.0, 210_000.0, 3000.0);
    let want = Coord {
        x: -73.990075844,
        y: 40.743077627,
    };
    assert!(metres(c, want) < 1.0, "{c:?} is {} m off", metres(c, want));
}

#[test]
fn a_shapefile_without_prj_needs_the_crs_option() {
    let dir = tempfile::tempdir().unwrap();
    let shp = polygon_shapefile(
        dir.path(),
        "noprj",
        vec![one_square(420_000.0, 4_800_000.0, 1000.0)],
        dbf(&["precinct"], &ascii_rows(&["1"]), 0),
    );
    let err = read_precincts(&shp, &VectorOptions::default(), &mut Intake::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: the CRS is unknown: there is no .prj beside the file; give --crs EPSG:NNNN",
            shp.display()
        )
    );
    let opts = VectorOptions {
        crs: Some("EPSG:32642".to_string()),
        ..Default::default()
    };
    let p = read_precincts(&shp, &opts, &mut Intake::default()).unwrap();
    let want = Coord {
        x: 68.012909834,
        y: 43.348595708,
    };
    assert!(metres(p[0].geometry.0[0].exterior().0[0], want) < 1.0);

    let bad = VectorOptions {
        crs: Some("EPSG:999999".to_string()),
        ..Default::default()
    };
    assert!(matches!(
        read_precincts(&shp, &bad, &mut Intake::default()),
        Err(IoError::Crs { .. })
    ));
}

#[test]
fn holes_are_attached_to_the_shell_around_them() {
    let dir = tempfile::tempdir().unwrap();
    // Two shells; the hole (counter-clockwise) lies in the second one.
    let mut hole = square_cw(22.0, 2.0, 2.0);
    hole.reverse();
    let poly = shapefile::Polygon::with_rings(vec![
        shapefile::PolygonRing::Outer(square_cw(0.0, 0.0, 10.0)),
        shapefile::PolygonRing::Outer(square_cw(20.0, 0.0, 10.0)),
        shapefile::PolygonRing::Inner(hole),
    ]);
    let shp = polygon_shapefile(
        dir.path(),
        "holes",
        vec![poly],
        dbf(&["PRECINCT"], &ascii_rows(&["0112"]), 0),
    );
    let opts = VectorOptions {
        crs: Some("EPSG:4326".to_string()),
        ..Default::default()
    };
    let mut intake = Intake::default();
    let p = read_precincts(&shp, &opts, &mut intake).unwrap();
    assert_eq!(p[0].no.as_str(), "0112");
    let mp: &MultiPolygon<f64> = &p[0].geometry;
    assert_eq!(mp.0.len(), 2);
    assert!(mp.0[0].interiors().is_empty());
    assert_eq!(mp.0[1].interiors().len(), 1);
    assert_eq!(p[0].source.line, 1);
}

#[test]
fn cp1251_and_cp866_cpg_decode_admin_names() {
    for (cpg, bytes, ldid) in [
        ("1251", cp1251("Алматы"), 0u8),
        ("ANSI 1251", cp1251("Алматы"), 0),
        ("866", cp866("Алматы"), 0),
        ("cp866", cp866("Алматы"), 0),
        ("", cp866("Алматы"), 0x65), // no .cpg: the dBASE language driver says CP866
    ] {
        let dir = tempfile::tempdir().unwrap();
        let shp = polygon_shapefile(
            dir.path(),
            "adm",
            vec![one_square(76.8, 43.1, 0.2)],
            dbf(
                &["KATO", "NAME"],
                &[vec![b"751000000".to_vec(), bytes]],
                ldid,
            ),
        );
        std::fs::write(shp.with_extension("prj"), "EPSG:4326").unwrap();
        if !cpg.is_empty() {
            std::fs::write(shp.with_extension("cpg"), cpg).unwrap();
        }
        let mut intake = Intake::default();
        let a = read_admin(&shp, &VectorOptions::default(), &mut intake).unwrap();
        assert_eq!(a[0].name.as_deref(), Some("Алматы"), "cpg {cpg:?}");
        assert_eq!(a[0].kato.as_str(), "751000000");
        assert_eq!(a[0].level, AdminLevel::District);
    }
}

#[test]
fn bad_kato_codes_and_non_polygons_are_rejects_not_errors() {
    let dir = tempfile::tempdir().unwrap();
    let shp = polygon_shapefile(
        dir.path(),
        "adm",
        vec![
            one_square(76.0, 43.0, 0.1),
            one_square(76.2, 43.0, 0.1),
            one_square(76.4, 43.0, 0.1),
        ],
        dbf(
            &["kato", "lvl"],
            &[
                vec![b"751010000".to_vec(), b"3".to_vec()],
                vec![b"75101".to_vec(), b"3".to_vec()],
                vec![b"".to_vec(), b"3".to_vec()],
            ],
            0,
        ),
    );
    std::fs::write(shp.with_extension("prj"), "EPSG:4326").unwrap();
    let opts = VectorOptions {
        level_field: Some("lvl".to_string()),
        ..Default::default()
    };
    let mut intake = Intake::default();
    let a = read_admin(&shp, &opts, &mut intake).unwrap();
    assert_eq!(account(&intake), (3, 1, 2));
    assert_eq!(a[0].level, AdminLevel::SubDistrict);
    assert_eq!(
        rejects(&intake),
        vec![
            (
                2,
                "kato".to_string(),
                "not a 9-digit KATO code: \"75101\"".to_string()
            ),
            (3, "kato".to_string(), "the KATO code is empty".to_string()),
        ]
    );

    // A point layer given as admin units: every feature is a reject.
    let pts = dir.path().join("pts.shp");
    let mut w = shapefile::ShapeWriter::from_path(&pts).unwrap();
    w.write_shape(&shapefile::Point::new(76.95, 43.25)).unwrap();
    w.finalize().unwrap();
    drop(w);
    std::fs::write(
        pts.with_extension("dbf"),
        dbf(&["KATO"], &ascii_rows(&["751000000"]), 0),
    )
    .unwrap();
    let opts = VectorOptions {
        crs: Some("EPSG:4326".to_string()),
        ..Default::default()
    };
    let mut intake = Intake::default();
    assert!(read_admin(&pts, &opts, &mut intake).unwrap().is_empty());
    assert_eq!(
        rejects(&intake),
        vec![(
            1,
            "geometry".to_string(),
            "the geometry is a point, not a polygon".to_string()
        )]
    );
}

#[test]
fn a_missing_id_field_is_an_error_naming_the_fields_tried() {
    let dir = tempfile::tempdir().unwrap();
    let shp = polygon_shapefile(
        dir.path(),
        "x",
        vec![one_square(76.0, 43.0, 0.1)],
        dbf(&["OTHER"], &ascii_rows(&["1"]), 0),
    );
    std::fs::write(shp.with_extension("prj"), "EPSG:4326").unwrap();
    let err = read_admin(&shp, &VectorOptions::default(), &mut Intake::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: no column for KATO (accepted headers: KATO, KATO_CODE, KATO_ID, KATO_TE, TE, kato9)",
            shp.display()
        )
    );
}

#[test]
fn malformed_shapefiles_are_errors_with_clear_messages() {
    let dir = tempfile::tempdir().unwrap();
    let dbf1 = dbf(&["precinct"], &ascii_rows(&["1", "2"]), 0);
    let shp = polygon_shapefile(
        dir.path(),
        "t",
        vec![one_square(0.0, 0.0, 1.0), one_square(2.0, 0.0, 1.0)],
        dbf1.clone(),
    );
    std::fs::write(shp.with_extension("prj"), "EPSG:4326").unwrap();
    let opts = VectorOptions::default();
    assert_eq!(
        read_precincts(&shp, &opts, &mut Intake::default())
            .unwrap()
            .len(),
        2
    );

    // The .dbf has one record too few.
    std::fs::write(
        shp.with_extension("dbf"),
        dbf(&["precinct"], &ascii_rows(&["1"]), 0),
    )
    .unwrap();
    assert_eq!(
        read_precincts(&shp, &opts, &mut Intake::default())
            .unwrap_err()
            .to_string(),
        format!(
            "{}: the .shp has 2 shapes but the .dbf has 1 records",
            shp.display()
        )
    );

    // The .dbf is garbage.
    std::fs::write(shp.with_extension("dbf"), b"not a dbf").unwrap();
    assert_eq!(
        read_precincts(&shp, &opts, &mut Intake::default())
            .unwrap_err()
            .to_string(),
        format!(
            "{}: not a valid dBASE table: shorter than its header",
            shp.with_extension("dbf").display()
        )
    );

    // The .dbf is missing.
    std::fs::remove_file(shp.with_extension("dbf")).unwrap();
    assert_eq!(
        read_precincts(&shp, &opts, &mut Intake::default())
            .unwrap_err()
            .to_string(),
        format!(
            "{}: the attribute table {} is missing (a shapefile needs its .dbf)",
            shp.display(),
            shp.with_extension("dbf").display()
        )
    );
    std::fs::write(shp.with_extension("dbf"), &dbf1).unwrap();

    // The .shp is cut in the middle of the second shape (and its .shx removed).
    let bytes = std::fs::read(&shp).unwrap();
    std::fs::write(&shp, &bytes[..bytes.len() - 40]).unwrap();
    std::fs::remove_file(shp.with_extension("shx")).unwrap();
    let err = read_precincts(&shp, &opts, &mut Intake::default()).unwrap_err();
    assert!(matches!(err, IoError::Format { .. }));
    assert_eq!(
        err.to_string(),
        format!(
            "{}: the .shp is damaged at feature 2: failed to fill whole buffer",
            shp.display()
        )
    );

    // Not a shapefile at all.
    std::fs::write(&shp, b"hello").unwrap();
    let err = read_precincts(&shp, &opts, &mut Intake::default()).unwrap_err();
    assert!(matches!(err, IoError::Format { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "{}: not a valid shapefile: 5 bytes, shorter than the 100-byte header",
            shp.display()
        )
    );
    // A header of the right length but the wrong file code.
    std::fs::write(&shp, [7u8; 100]).unwrap();
    let err = read_precincts(&shp, &opts, &mut Intake::default()).unwrap_err();
    assert!(matches!(err, IoError::Format { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with(&format!("{}: not a valid shapefile: ", shp.display())),
        "{err}"
    );
}

#[test]
fn geojson_precincts_take_polygons_multipolygons_and_a_legacy_crs() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"{"type":"FeatureCollection",
      "features":[
        {"type":"Feature","properties":{"precinct":"0112"},"geometry":{"type":"Polygon","coordinates":[[[76.9,43.2],[77.0,43.2],[77.0,43.3],[76.9,43.2]]]}},
        {"type":"Feature","properties":{"precinct":113},"geometry":{"type":"MultiPolygon","coordinates":[[[[76.9,43.2],[77.0,43.2],[77.0,43.3],[76.9,43.2]]],[[[76.5,43.2],[76.6,43.2],[76.6,43.3],[76.5,43.2]]]]}},
        {"type":"Feature","properties":{"precinct":"114"},"geometry":{"type":"LineString","coordinates":[[76.9,43.2],[77.0,43.2]]}},
        {"type":"Feature","properties":{"precinct":null},"geometry":{"type":"Polygon","coordinates":[[[76.9,43.2],[77.0,43.2],[77.0,43.3],[76.9,43.2]]]}}
      ]}"#;
    let p = write(dir.path(), "p.geojson", text);
    let mut intake = Intake::default();
    let got = read_precincts(&p, &VectorOptions::default(), &mut intake).unwrap();
    assert_eq!(account(&intake), (4, 2, 2));
    assert_eq!(got[0].no.as_str(), "0112");
    assert_eq!(got[1].no.as_str(), "113");
    assert_eq!(got[1].geometry.0.len(), 2);
    assert_eq!(
        rejects(&intake),
        vec![
            (
                3,
                "geometry".to_string(),
                "the geometry is a line, not a polygon".to_string()
            ),
            (
                4,
                "precinct".to_string(),
                "the precinct number is empty".to_string()
            ),
        ]
    );

    let legacy = r#"{"type":"FeatureCollection",
      "crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32642"}},
      "features":[{"type":"Feature","properties":{"NUM":"1"},"geometry":{"type":"Polygon","coordinates":[[[420000,4800000],[421000,4800000],[421000,4801000],[420000,4800000]]]}}]}"#;
    let p = write(dir.path(), "utm.geojson", legacy);
    let got = read_precincts(&p, &VectorOptions::default(), &mut Intake::default()).unwrap();
    let want = Coord {
        x: 68.012909834,
        y: 43.348595708,
    };
    assert!(metres(got[0].geometry.0[0].exterior().0[0], want) < 1.0);

    let p = write(dir.path(), "bad.geojson", "{\"type\":");
    let err = read_precincts(&p, &VectorOptions::default(), &mut Intake::default()).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("{}: not valid JSON: ", p.display())),
        "{err}"
    );
}

#[test]
fn invalid_polygons_are_accepted_for_the_spatial_checks_to_report() {
    let dir = tempfile::tempdir().unwrap();
    // A bow-tie: self-intersecting, still a polygon.
    let text = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"precinct":"1"},
      "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}]}"#;
    let p = write(dir.path(), "bow.geojson", text);
    let mut intake = Intake::default();
    let got = read_precincts(&p, &VectorOptions::default(), &mut intake).unwrap();
    assert_eq!(account(&intake), (1, 1, 0));
    let ring: &LineString<f64> = got[0].geometry.0[0].exterior();
    assert_eq!(ring.0.len(), 5);
    let _: &Polygon<f64> = &got[0].geometry.0[0];
}

#[test]
fn real_kazakhstan_districts_have_nine_digit_kato_codes_inside_the_country() {
    let Some(p) = shared("kz-admin/kaz_admbnda_adm2_2024.shp") else {
        return;
    };
    let mut intake = Intake::default();
    let units = read_admin(&p, &VectorOptions::default(), &mut intake).unwrap();
    let (read, accepted, rejected) = account(&intake);
    // The .dbf header announces 224 records (python: struct.unpack('<I', dbf[4:8])).
    assert_eq!((read, accepted, rejected), (224, 224, 0));
    assert_eq!(units.len(), 224);
    assert!(units.iter().all(|u| u.kato.as_str().len() == 9));
    assert!(units.iter().all(|u| u.name.is_some()));
    for u in &units {
        for poly in &u.geometry.0 {
            for c in &poly.exterior().0 {
                assert!(
                    (46.0..88.0).contains(&c.x) && (40.0..56.0).contains(&c.y),
                    "{} at {c:?}",
                    u.kato
                );
            }
        }
    }
    let semey = units
        .iter()
        .find(|u| u.kato.as_str() == "101000000")
        .unwrap();
    assert_eq!(semey.name.as_deref(), Some("Семей"));
}

#[test]
fn the_kato_classifier_reads_its_kato_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "k.csv",
        "kato,name_ru\n100000000,область Абай\n011000000,x\nbad,y\n",
    );
    let set = read_classifier(&p).unwrap();
    assert_eq!(set.len(), 2);
    assert!(set.contains(&"011000000".parse().unwrap()));
    if let Some(p) = shared("kz-kato/kato.csv") {
        let set = read_classifier(&p).unwrap();
        assert!(set.len() > 10_000, "{}", set.len());
        assert!(set.contains(&"101000000".parse().unwrap()));
    }
}

#[test]
fn io_module_reexports_the_normalisers() {
    let mut s = String::new();
    assert!(io::normalize_date("1990-01-01", &mut s));
    assert_eq!(io::normalize_logical("да"), Some(true));
}

// ---------------------------------------------------------------------------------------
// More malformed files, each with its exact error

/// A two-square precinct shapefile in WGS84 (with .shp, .shx, .dbf and .prj).
fn two_squares(dir: &Path) -> PathBuf {
    let shp = polygon_shapefile(
        dir,
        "two",
        vec![one_square(76.0, 43.0, 0.1), one_square(76.2, 43.0, 0.1)],
        dbf(&["precinct"], &ascii_rows(&["1", "2"]), 0),
    );
    std::fs::write(shp.with_extension("prj"), "EPSG:4326").unwrap();
    shp
}

#[test]
fn a_truncated_shp_with_its_shx_intact_names_the_damaged_feature() {
    let dir = tempfile::tempdir().unwrap();
    let shp = two_squares(dir.path());
    let shx = std::fs::read(shp.with_extension("shx")).unwrap();
    // A polygon record of one 5-point ring: 8 (record header) + 44 (type, box, counts) +
    // 4 (part) + 80 (points) = 136 bytes; the file header is 100. Cut the second record
    // 40 bytes short; the .shx still announces both records in full.
    let bytes = std::fs::read(&shp).unwrap();
    assert_eq!(bytes.len(), 100 + 2 * 136);
    std::fs::write(&shp, &bytes[..bytes.len() - 40]).unwrap();
    assert_eq!(std::fs::read(shp.with_extension("shx")).unwrap(), shx);
    let err = read_precincts(&shp, &VectorOptions::default(), &mut Intake::default()).unwrap_err();
    assert!(matches!(err, IoError::Format { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "{}: the .shp is damaged at feature 2: failed to fill whole buffer",
            shp.display()
        )
    );
}

#[test]
fn a_truncated_dbf_says_how_many_records_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let shp = two_squares(dir.path());
    let dbf_path = shp.with_extension("dbf");
    let bytes = std::fs::read(&dbf_path).unwrap();
    // Header 32 + 32 (one field) + 1; records of 1 + 40 bytes; an end mark. Keep the
    // first record and half of the second.
    assert_eq!(bytes.len(), 65 + 2 * 41 + 1);
    std::fs::write(&dbf_path, &bytes[..65 + 41 + 20]).unwrap();
    let err = read_precincts(&shp, &VectorOptions::default(), &mut Intake::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: not a valid dBASE table: truncated: the header announces 2 records, the file holds 1",
            dbf_path.display()
        )
    );
}

#[test]
fn a_utf8_cpg_decodes_cyrillic_and_kazakh_attributes() {
    // The dBASE language driver byte says CP866 (0x65); the .cpg must win over it.
    let names = ["Алматы", "Әуезов ауданы", "Жетісу ауданы"];
    let dir = tempfile::tempdir().unwrap();
    let shp = polygon_shapefile(
        dir.path(),
        "adm",
        vec![
            one_square(76.8, 43.1, 0.1),
            one_square(76.9, 43.1, 0.1),
            one_square(77.0, 43.1, 0.1),
        ],
        dbf(
            &["KATO", "NAME"],
            &[
                vec![b"750000000".to_vec(), names[0].as_bytes().to_vec()],
                vec![b"751710000".to_vec(), names[1].as_bytes().to_vec()],
                vec![b"751910000".to_vec(), names[2].as_bytes().to_vec()],
            ],
            0x65,
        ),
    );
    std::fs::write(shp.with_extension("prj"), "EPSG:4326").unwrap();
    let read = || {
        read_admin(&shp, &VectorOptions::default(), &mut Intake::default())
            .unwrap()
            .into_iter()
            .map(|u| u.name.unwrap_or_default())
            .collect::<Vec<_>>()
    };
    // Without the .cpg the bytes are taken for CP866: mojibake.
    let without = read();
    assert_ne!(without, names);
    assert!(without[0].starts_with("╨"), "{without:?}");
    for label in ["UTF-8", "utf8\r\n", "65001"] {
        std::fs::write(shp.with_extension("cpg"), label).unwrap();
        assert_eq!(read(), names, ".cpg {label:?}");
    }
}

#[test]
fn an_empty_shp_is_an_exact_error() {
    let dir = tempfile::tempdir().unwrap();
    let shp = two_squares(dir.path());
    std::fs::write(&shp, b"").unwrap();
    let err = read_precincts(&shp, &VectorOptions::default(), &mut Intake::default()).unwrap_err();
    assert!(matches!(err, IoError::Format { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("{}: the file is empty", shp.display())
    );
    // Shorter than the 100-byte header.
    std::fs::write(&shp, [0u8; 60]).unwrap();
    let err = read_precincts(&shp, &VectorOptions::default(), &mut Intake::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: not a valid shapefile: 60 bytes, shorter than the 100-byte header",
            shp.display()
        )
    );
}

#[test]
fn stations_from_a_workbook_with_kazakh_headers() {
    use rust_xlsxwriter::Workbook;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("stations.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in [
        "Учаске нөмірі",
        "Атауы",
        "Елді мекен",
        "Көше",
        "Үй",
        "Белгі",
        "Бойлық",
        "Ендік",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    // Row 2: a number cell for the precinct, coordinates as numbers.
    ws.write_number(1, 0, 112.0).unwrap();
    ws.write_string(1, 1, "№ 5 мектеп").unwrap();
    ws.write_string(1, 2, "Алматы").unwrap();
    ws.write_string(1, 3, "Абай").unwrap();
    ws.write_string(1, 4, "10").unwrap();
    ws.write_string(1, 5, "шектеулі қолжетімділік").unwrap();
    ws.write_number(1, 6, 76.95).unwrap();
    ws.write_number(1, 7, 43.25).unwrap();
    // Row 3: a text precinct with a leading zero, no coordinates.
    ws.write_string(2, 0, "0113").unwrap();
    ws.write_string(2, 1, "Лицей").unwrap();
    // Row 4: a latitude out of range.
    ws.write_string(3, 0, "114").unwrap();
    ws.write_number(3, 6, 76.9).unwrap();
    ws.write_number(3, 7, 95.0).unwrap();
    wb.save(&p).unwrap();

    let mut intake = Intake::default();
    let st = read_stations(&p, None, &mut intake).unwrap();
    assert_eq!(account(&intake), (3, 2, 1));
    assert_eq!(st[0].precinct.as_str(), "112");
    assert_eq!(st[0].facility, "№ 5 мектеп");
    assert_eq!(st[0].street, "Абай");
    assert_eq!(st[0].marks, vec![StationMark::LimitedAccess]);
    assert_eq!(st[0].coord, Some(Coord { x: 76.95, y: 43.25 }));
    assert_eq!(st[0].source.line, 2);
    assert_eq!(st[1].precinct.as_str(), "0113");
    assert_eq!(st[1].coord, None);
    assert_eq!(
        rejects(&intake),
        vec![(
            4,
            "lat".to_string(),
            "the latitude is outside -90..90".to_string()
        )]
    );
}

// ---------------------------------------------------------------------------------------
// Progress

#[test]
fn reading_reports_progress_up_to_the_files_full_size() {
    use precincts::io::progress::{Counter, Unit, track};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    // A voter file with a BOM, CRLF line ends, 3,000 rows (more than one 1,024-row step),
    // and no line end after the last row.
    let mut text = String::from("\u{feff}");
    text.push_str(RU_HEADER);
    for i in 0..3000 {
        text.push_str("\r\n");
        text.push_str(&voter_line(
            ',',
            &(i + 1).to_string(),
            "0112",
            "01.02.1990",
            "",
        ));
    }
    let p = write(dir.path(), "voters.csv", &text);
    let size = std::fs::metadata(&p).unwrap().len();
    assert_eq!(size, text.len() as u64);
    let counter = Arc::new(Counter::default());
    let mut intake = Intake::default();
    let t = track(&counter, || read_voters(&p, &mut intake)).unwrap();
    assert_eq!(t.len(), 3000);
    assert_eq!(counter.unit(), Unit::Bytes);
    assert_eq!((counter.done(), counter.total()), (size, size));

    // Stations from a workbook count rows: the header and two stations.
    use rust_xlsxwriter::Workbook;
    let x = dir.path().join("st.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "precinct").unwrap();
    ws.write_string(1, 0, "1").unwrap();
    ws.write_string(2, 0, "2").unwrap();
    wb.save(&x).unwrap();
    let st = track(&counter, || read_stations(&x, None, &mut Intake::default())).unwrap();
    assert_eq!(st.len(), 2);
    assert_eq!(counter.unit(), Unit::Rows);
    assert_eq!((counter.done(), counter.total()), (3, 3));

    // Without a counter installed nothing is counted.
    let before = counter.generation();
    read_voters(&p, &mut Intake::default()).unwrap();
    assert_eq!(counter.generation(), before);
}

// ---------------------------------------------------------------------------------------
// Line ends and encodings (issue 10: readers that never lose records silently)

/// Regression (issue 10): a CP1251 `;` file with CR-only line ends (Excel for Mac) read as
/// one header line, `0 read = 0 accepted + 0 rejected`.
#[test]
fn cp1251_semicolon_voters_with_mac_line_ends_are_all_read() {
    let dir = tempfile::tempdir().unwrap();
    let russian = |l: String| {
        l.replace("Әбілқасымов", "Иванов")
            .replace("Серікұлы", "Петрович")
    };
    let text = [
        RU_HEADER.replace(',', ";"),
        russian(voter_line(';', "1", "0112", "05.03.1987", "да")),
        russian(voter_line(';', "2", "0113", "31.02.1987", "")),
        russian(voter_line(';', "3", "0114", "1990-12-31", "")).replace("Ерлан", "Пётр"),
    ]
    .join("\r")
        + "\r";
    let p = write(dir.path(), "mac.csv", cp1251(&text));
    let mut intake = Intake::default();
    let t = read_voters(&p, &mut intake).unwrap();
    assert_eq!(account(&intake), (3, 2, 1));
    assert_eq!(t.len(), 2);
    assert_eq!(
        (t.get(0).line(), t.get(0).field(VoterField::Surname)),
        (2, "Иванов")
    );
    assert_eq!(t.get(0).field(VoterField::Precinct), "0112");
    assert!(t.get(0).flag(VoterField::Added));
    assert_eq!(
        (t.get(1).line(), t.get(1).field(VoterField::Name)),
        (4, "Пётр")
    );
    assert_eq!(t.get(1).field(VoterField::BirthDate), "1990-12-31");
    assert_eq!(
        rejects(&intake),
        vec![(
            3,
            "birth_date".to_string(),
            "not a date (dd.mm.yyyy, yyyy-mm-dd, dd/mm/yyyy or an Excel serial)".to_string()
        )]
    );
}

/// Regression (issue 10): UTF-8 with a BOM and CR-only line ends, mixed with `\r\n` and
/// `\n` further down, and a lone `\r` inside a quoted cell kept as written.
#[test]
fn utf8_bom_stations_with_mac_and_mixed_line_ends_are_all_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(
        "№ участка,Наименование,Улица\r\
         0112,Школа № 5,Абая\r\
         0113,\"Лицей\rкорпус 2\",Сатпаева\r\n\
         0114,Клуб,Жандосова\n\
         ,Без номера,\r\
         0115,Дом культуры,Толе би"
            .as_bytes(),
    );
    let p = write(dir.path(), "st.csv", bytes);
    let mut intake = Intake::default();
    let st = read_stations(&p, None, &mut intake).unwrap();
    assert_eq!(account(&intake), (5, 4, 1));
    let got: Vec<(&str, &str, &str)> = st
        .iter()
        .map(|s| (s.precinct.as_str(), s.facility.as_str(), s.street.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("0112", "Школа № 5", "Абая"),
            ("0113", "Лицей\rкорпус 2", "Сатпаева"),
            ("0114", "Клуб", "Жандосова"),
            ("0115", "Дом культуры", "Толе би"),
        ]
    );
    assert_eq!(
        rejects(&intake),
        // The `\r` inside quotes is a character of the cell, not a line end.
        vec![(
            5,
            "precinct".to_string(),
            "the precinct number is empty".to_string()
        )]
    );
}

/// Regression (issue 10): a blank first line made the delimiter `,` whatever the header
/// said, so a `;` file had one column and lost its required ones.
#[test]
fn a_leading_blank_line_does_not_break_delimiter_detection() {
    let dir = tempfile::tempdir().unwrap();
    for (name, lead) in [("n.csv", "\n"), ("crlf.csv", " \r\n\r\n"), ("cr.csv", "\r")] {
        let text = format!("{lead}№ участка;Наименование;Долгота;Широта\n0112;Школа;76,95;43,25\n");
        let p = write(dir.path(), name, text);
        let mut intake = Intake::default();
        let st = read_stations(&p, None, &mut intake).unwrap();
        assert_eq!(account(&intake), (1, 1, 0), "{name}");
        assert_eq!(st[0].facility, "Школа", "{name}");
        assert_eq!(st[0].coord, Some(Coord { x: 76.95, y: 43.25 }), "{name}");
    }
}

/// Regression (issue 10): one CP1251 line in the first megabyte of a UTF-8 file made the
/// whole file CP1251, every Kazakh name mojibake, without a word.
#[test]
fn one_cp1251_line_in_a_utf8_file_is_read_as_cp1251_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = format!("{RU_HEADER}\n").into_bytes();
    bytes.extend(cp1251(
        &(voter_line(',', "1", "5", "", "")
            .replace("Әбілқасымов", "Иванов")
            .replace("Серікұлы", "Петрович")
            + "\n"),
    ));
    bytes.extend(
        format!(
            "{}\n{}\n",
            voter_line(',', "2", "5", "", ""),
            voter_line(',', "3", "5", "", "")
        )
        .into_bytes(),
    );
    let p = write(dir.path(), "mixed.csv", bytes);
    let mut intake = Intake::default();
    let (t, warnings) = io::notices::collect(|| read_voters(&p, &mut intake));
    let t = t.unwrap();
    assert_eq!(account(&intake), (3, 3, 0));
    assert_eq!(t.get(0).field(VoterField::Surname), "Иванов");
    assert_eq!(t.get(0).field(VoterField::Street), "Абая");
    assert_eq!(t.get(1).field(VoterField::Surname), "Әбілқасымов");
    assert_eq!(t.get(2).field(VoterField::MiddleName), "Серікұлы");
    // Line 2's non-ASCII cells: surname, name, middle name, oblast, district, ethnicity,
    // gender, residence, street, house (the `А` of 12А): 10 values.
    assert_eq!(
        warnings,
        vec![format!(
            "{}: the file is read as UTF-8, but 10 value(s) are not valid UTF-8 and were read \
             as CP1251 (the first on line 2); check them, or save the whole file in one encoding",
            p.display()
        )]
    );
}

/// The reverse: one UTF-8 line in a CP1251 file is read as UTF-8 (it was mojibake), counted.
#[test]
fn one_utf8_line_in_a_cp1251_file_is_read_as_utf8_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let russian = |l: String| {
        l.replace("Әбілқасымов", "Иванов")
            .replace("Серікұлы", "Петрович")
    };
    let mut bytes = cp1251(&format!(
        "{RU_HEADER}\n{}\n{}\n",
        russian(voter_line(',', "1", "5", "", "")),
        russian(voter_line(',', "2", "5", "", ""))
    ));
    bytes.extend(format!("{}\n", voter_line(',', "3", "5", "", "")).into_bytes());
    let p = write(dir.path(), "cp.csv", bytes);
    let mut intake = Intake::default();
    let (t, warnings) = io::notices::collect(|| read_voters(&p, &mut intake));
    let t = t.unwrap();
    assert_eq!(account(&intake), (3, 3, 0));
    assert_eq!(t.get(1).field(VoterField::Surname), "Иванов");
    assert_eq!(t.get(2).field(VoterField::Surname), "Әбілқасымов");
    assert_eq!(t.get(2).field(VoterField::Residence), "Алматы");
    assert_eq!(
        warnings,
        vec![format!(
            "{}: the file is read as CP1251, but 10 value(s) are valid UTF-8 and were read \
             as UTF-8 (the first on line 4); check them, or save the whole file in one encoding",
            p.display()
        )]
    );
}

/// A record that is valid UTF-8 only across a delimiter (`\xC4,\xBB`: the fields are
/// stored without it) panicked on slicing; now each cell is decoded on its own.
#[test]
fn a_character_straddling_a_delimiter_does_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"\xEF\xBB\xBF\xE2\x84\x96 \xD1\x83\xD1\x87\xD0\xB0\xD1\x81\xD1\x82\xD0\xBA\xD0\xB0,street\n".to_vec();
    bytes.extend_from_slice(b"\xC4,\xBB\n");
    let p = write(dir.path(), "split.csv", bytes);
    let mut intake = Intake::default();
    let (st, warnings) = io::notices::collect(|| read_stations(&p, None, &mut intake));
    let st = st.unwrap();
    assert_eq!(account(&intake), (1, 1, 0));
    // 0xC4 is Д and 0xBB is » in CP1251.
    assert_eq!((st[0].precinct.as_str(), st[0].street.as_str()), ("Д", "»"));
    assert_eq!(warnings.len(), 1);
}

/// Regression (issue 10): a CAD export's `.prj` (`LOCAL_CS`) panicked inside the PROJ
/// binding; now the layer is refused with a clear error.
#[test]
fn a_shapefile_in_a_local_cad_crs_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let shp = polygon_shapefile(
        dir.path(),
        "cad",
        vec![one_square(1000.0, 2000.0, 10.0)],
        dbf(&["precinct"], &ascii_rows(&["1"]), 0),
    );
    let prj = r#"LOCAL_CS["Site grid",LOCAL_DATUM["Site",0],UNIT["Meter",1.0],AXIS["X",EAST],AXIS["Y",NORTH]]"#;
    std::fs::write(shp.with_extension("prj"), prj).unwrap();
    let err = read_precincts(&shp, &VectorOptions::default(), &mut Intake::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: CRS \"LOCAL_CS[\\\"Site grid\\\",LOCAL_DATUM[\\\"Site\\\",0],UNIT[\\\"Meter\\\",1.0]\": \
             this CRS cannot be transformed to WGS84: it is a local coordinate system (LOCAL_CS), \
             with no link to the Earth's coordinates; export the layer in a geographic or \
             projected CRS (e.g. EPSG:32642, WGS 84 / UTM zone 42N)",
            shp.display()
        )
    );
}

/// Regression (issue 10): one cell at `XFD1048576` made the reader lay out 16 Gi cells
/// (512 GB) and abort; now the sheet is refused with what to do.
#[test]
fn a_workbook_with_a_stray_cell_at_xfd1048576_is_refused_not_allocated() {
    use rust_xlsxwriter::Workbook;
    let dir = tempfile::tempdir().unwrap();
    let x = dir.path().join("st.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "precinct").unwrap();
    ws.write_string(1, 0, "1").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    wb.save(&x).unwrap();
    let err = read_stations(&x, None, &mut Intake::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: the first sheet's used cells span 1048576 rows × 16384 columns, more than the \
             1024 columns and 67108864 cells read; delete the stray cells beyond the table \
             (Ctrl+End shows the last one)",
            x.display()
        )
    );
    // 1,024 columns are still read.
    let y = dir.path().join("wide.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "precinct").unwrap();
    ws.write_string(1, 0, "1").unwrap();
    ws.write_string(0, 1023, "far").unwrap();
    ws.write_string(1, 1023, "away").unwrap();
    wb.save(&y).unwrap();
    let mut intake = Intake::default();
    let st = read_stations(&y, None, &mut intake).unwrap();
    assert_eq!(account(&intake), (1, 1, 0));
    assert_eq!(st[0].precinct.as_str(), "1");
}

/// Regression (issue 10): with the IIN and "Дополнение4" headers swapped, every IIN was
/// quoted in the logical field's reject reason, into rejects.csv.
#[test]
fn swapped_headers_put_no_iin_into_reject_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let swapped = RU_HEADER
        .replace("ИИН", "@@")
        .replace("Дополнение4", "ИИН")
        .replace("@@", "Дополнение4");
    let text = format!(
        "{swapped}\n{}\n{}\n",
        voter_line(',', "1", "5", "", "1"),
        voter_line(',', "2", "5", "", "")
    );
    let p = write(dir.path(), "swapped.csv", text);
    let mut intake = Intake::default();
    read_voters(&p, &mut intake).unwrap();
    assert_eq!(account(&intake), (2, 0, 2));
    let reason = "not a logical value (12 digits, not shown; expected 1/0, true/false, да/нет, \
                  иә/жоқ, yes/no)";
    assert_eq!(
        rejects(&intake),
        vec![
            (2, "added".to_string(), reason.to_string()),
            (3, "added".to_string(), reason.to_string()),
        ]
    );
}
