//! Tests on the real administrative boundaries of Kazakhstan (geokz 2024: oblasts = adm1,
//! districts = adm2), read with the project's own Shapefile reader. They need
//! `../shared/data/kz-admin` (and `../shared/data/kz-kato/kato.csv`) next to the crate:
//! without them they are skipped with a note, and they fail when the `CI` variable is set.
//!
//! The expected values do not come from the code under test:
//! - validity: GEOS 3.14.1 (shapely 2.2.0, rings read with pyshp 2.3) on the same files
//!   calls exactly one polygon invalid, district 623800000 (Ulytau), "Self-intersection
//!   [68.7357897004143 48.6744831997641]"; all 20 oblasts and the other 223 districts are
//!   valid;
//! - containment: a district's oblast is given by its KATO code (the first two digits, the
//!   oblast's code in the classifier `kato.csv`); shapely finds each of the 224 districts
//!   mostly in that oblast, the largest share outside it 0.11 % (316200000).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::io::{Intake, VectorOptions, read_admin};
use crate::model::AdminUnit;

use super::{containment, validate};

fn shared(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(rel);
    if p.exists() {
        return Some(p);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is missing: with CI set, the real-data tests must run",
        p.display()
    );
    eprintln!("skipped: {} is absent", p.display());
    None
}

fn read(path: &Path) -> Vec<AdminUnit> {
    let mut intake = Intake::default();
    read_admin(path, &VectorOptions::default(), &mut intake).expect("a readable layer")
}

/// The KATO codes of the units `validate` flags, with the first problem of each.
fn flagged(units: &[AdminUnit]) -> BTreeSet<(String, String)> {
    units
        .iter()
        .filter_map(|u| {
            let problems = validate(&u.geometry);
            let first = problems.first()?.clone();
            Some((u.kato.as_str().to_string(), first))
        })
        .collect()
}

#[test]
fn exactly_one_district_is_invalid_ulytau_at_the_point_geos_names() {
    let Some(path) = shared("kz-admin/kaz_admbnda_adm2_2024.shp") else {
        return;
    };
    let districts = read(&path);
    assert_eq!(districts.len(), 224);
    // GEOS: "Self-intersection[68.7357897004143 48.6744831997641]", in the hole.
    assert_eq!(
        flagged(&districts),
        BTreeSet::from([(
            "623800000".to_string(),
            "self-intersection at 68.735790, 48.674483 (hole 1)".to_string()
        )])
    );
}

#[test]
fn no_oblast_is_invalid() {
    let Some(path) = shared("kz-admin/kaz_admbnda_adm1_2024.shp") else {
        return;
    };
    let oblasts = read(&path);
    assert_eq!(oblasts.len(), 20);
    // Zhetysu (330000000) has two sliver rings (areas of ±2e-13 by the float shoelace):
    // the one the shapefile crate's float area calls clockwise was read as a second shell,
    // and reported as a part inside another.
    assert_eq!(flagged(&oblasts), BTreeSet::new());
}

/// The oblast codes of the classifier (`level` = `oblast`), read here with the csv crate.
fn classifier_oblasts(path: &Path) -> BTreeSet<String> {
    let mut r = csv::Reader::from_path(path).expect("a readable kato.csv");
    let headers = r.headers().expect("a header row").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (kato, level) = (col("kato"), col("level"));
    r.records()
        .map(|rec| rec.expect("a csv record"))
        .filter(|rec| &rec[level] == "oblast")
        .map(|rec| rec[kato].to_string())
        .collect()
}

#[test]
fn every_district_lies_in_the_oblast_its_kato_code_names() {
    let (Some(adm2), Some(adm1), Some(kato)) = (
        shared("kz-admin/kaz_admbnda_adm2_2024.shp"),
        shared("kz-admin/kaz_admbnda_adm1_2024.shp"),
        shared("kz-kato/kato.csv"),
    ) else {
        return;
    };
    let districts = read(&adm2);
    let oblasts = read(&adm1);
    let classifier = classifier_oblasts(&kato);
    assert_eq!(classifier.len(), 20);
    let layer_oblasts: BTreeSet<String> = oblasts
        .iter()
        .map(|o| o.kato.as_str().to_string())
        .collect();
    assert_eq!(layer_oblasts, classifier);

    let index: HashMap<&str, usize> = oblasts
        .iter()
        .enumerate()
        .map(|(i, o)| (o.kato.as_str(), i))
        .collect();
    let precincts: Vec<_> = districts.iter().map(|d| d.geometry.clone()).collect();
    let units: Vec<_> = oblasts.iter().map(|o| o.geometry.clone()).collect();
    let got = containment(&precincts, &units);
    let mut right_oblast = 0;
    let mut under_one_percent_outside = 0;
    let mut wrong = Vec::new();
    for (c, d) in got.iter().zip(&districts) {
        let parent = format!("{}0000000", &d.kato.as_str()[..2]);
        assert!(classifier.contains(&parent), "{parent} is no oblast");
        if c.main_unit == index.get(parent.as_str()).copied() {
            right_oblast += 1;
        } else {
            wrong.push(d.kato.as_str().to_string());
        }
        if c.outside_share < 0.01 {
            under_one_percent_outside += 1;
        } else {
            wrong.push(format!(
                "{} {:.3} % outside",
                d.kato,
                c.outside_share * 100.0
            ));
        }
    }
    assert_eq!(
        (right_oblast, under_one_percent_outside),
        (224, 224),
        "{wrong:?}"
    );
}
