//! Tests on the real administrative boundaries of Kazakhstan (geokz 2024: oblasts = adm1,
//! districts = adm2), read here directly with the `shapefile` crate. They run only when
//! `../shared/data/kz-admin` exists next to the crate, and skip with a note otherwise.

use std::path::PathBuf;

use geo::{Coord, LineString, MultiPolygon, Polygon};
use shapefile::PolygonRing;
use shapefile::dbase::{FieldValue, Record};

use super::prepared::PreparedRings;
use super::{area_m2, containment, validate};

fn data_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/kz-admin");
    if dir.join("kaz_admbnda_adm2_2024.shp").exists() {
        Some(dir)
    } else {
        eprintln!("skipped: {} is absent", dir.display());
        None
    }
}

fn text(r: &Record, field: &str) -> String {
    match r.get(field) {
        Some(FieldValue::Character(Some(s))) => s.trim().to_string(),
        _ => String::new(),
    }
}

/// Shapefile rings to a multipolygon: each outer ring starts a polygon, each hole goes to
/// the outer ring holding its first point.
fn to_geo(shape: shapefile::Polygon) -> MultiPolygon<f64> {
    let mut shells: Vec<LineString<f64>> = Vec::new();
    let mut holes: Vec<LineString<f64>> = Vec::new();
    for ring in shape.into_inner() {
        let (outer, pts) = match ring {
            PolygonRing::Outer(p) => (true, p),
            PolygonRing::Inner(p) => (false, p),
        };
        let ls = LineString(pts.iter().map(|p| Coord { x: p.x, y: p.y }).collect());
        if outer {
            shells.push(ls);
        } else {
            holes.push(ls);
        }
    }
    let prepared: Vec<PreparedRings> = shells
        .iter()
        .map(|s| PreparedRings::from_rings(&[s]))
        .collect();
    let mut interiors: Vec<Vec<LineString<f64>>> = vec![Vec::new(); shells.len()];
    for h in holes {
        let first = h.0[0];
        if let Some(k) = prepared.iter().position(|p| p.contains(first)) {
            interiors[k].push(h);
        } else if let Some(last) = interiors.last_mut() {
            last.push(h);
        }
    }
    MultiPolygon(
        shells
            .into_iter()
            .zip(interiors)
            .map(|(s, i)| Polygon::new(s, i))
            .collect(),
    )
}

fn read(path: PathBuf) -> Vec<(MultiPolygon<f64>, Record)> {
    let mut reader = shapefile::Reader::from_path(&path).expect("readable shapefile");
    reader
        .read_as::<shapefile::Polygon, Record>()
        .expect("polygons with attributes")
        .into_iter()
        .map(|(s, r)| (to_geo(s), r))
        .collect()
}

#[test]
fn districts_lie_in_their_oblasts_and_the_invalid_district_is_found() {
    let Some(dir) = data_dir() else { return };
    let districts = read(dir.join("kaz_admbnda_adm2_2024.shp"));
    assert!(districts.len() > 200, "{} districts", districts.len());

    // Validity: every district is checked without a crash; the invalid one(s) are named.
    let mut invalid = Vec::new();
    for (g, r) in &districts {
        let problems = validate(g);
        if !problems.is_empty() {
            eprintln!(
                "invalid district {} {}: {:?}",
                text(r, "ADM2_PCODE"),
                text(r, "ADM2_EN"),
                &problems[..problems.len().min(3)]
            );
            invalid.push(text(r, "ADM2_PCODE"));
        }
    }
    assert!(
        !invalid.is_empty(),
        "the data has an invalid district polygon"
    );
    assert!(
        invalid.len() < 10,
        "only a few districts are invalid: {invalid:?}"
    );

    let oblasts_path = dir.join("kaz_admbnda_adm1_2024.shp");
    if !oblasts_path.exists() {
        eprintln!("skipped containment: {} is absent", oblasts_path.display());
        return;
    }
    let oblasts = read(oblasts_path);
    let units: Vec<MultiPolygon<f64>> = oblasts.iter().map(|(g, _)| g.clone()).collect();
    let precincts: Vec<MultiPolygon<f64>> = districts.iter().map(|(g, _)| g.clone()).collect();
    let got = containment(&precincts, &units);
    let mut well_inside = 0;
    let mut right_oblast = 0;
    for ((c, (g, r)), k) in got.iter().zip(&districts).zip(0..) {
        let parent = text(r, "ADM1_PCODE");
        let main = c.main_unit.map(|u| text(&oblasts[u].1, "ADM1_PCODE"));
        if main.as_deref() == Some(parent.as_str()) {
            right_oblast += 1;
        }
        if c.outside_share < 0.01 {
            well_inside += 1;
        } else {
            eprintln!(
                "district {k} {} {}: {:.2} % outside {:?}, area {:.0} km²",
                text(r, "ADM2_PCODE"),
                text(r, "ADM2_EN"),
                c.outside_share * 100.0,
                main,
                area_m2(g) / 1e6
            );
        }
    }
    let n = districts.len();
    eprintln!(
        "{well_inside} of {n} districts have < 1 % outside their oblast; {right_oblast} in the right one"
    );
    assert!(well_inside * 100 >= n * 95, "{well_inside} of {n}");
    assert!(right_oblast * 100 >= n * 95, "{right_oblast} of {n}");
}
