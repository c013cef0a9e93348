//! Address points: CSV (`lon`,`lat` or `x`,`y` with a stated CRS) or GeoJSON / Shapefile
//! points, with locality, street, house and building fields.
//!
//! Tables (CSV / XLSX) follow [`super::table`] (UTF-8 or CP1251, `,` `;` tab). Coordinates
//! are taken from `lon`/`lat` columns, else from `x`/`y`; they are in the `crs` given
//! (default WGS84) and converted to WGS84. A decimal comma (`76,95`) is accepted. GeoJSON
//! and Shapefile points take their attributes from properties / the `.dbf` (OSM-style
//! `addr:*` keys included). A record with a missing or non-numeric coordinate, a coordinate
//! outside lon −180..180 / lat −90..90 after conversion, or a non-point geometry is rejected.

use super::crs::ToWgs84;
use super::table::{Column, read_table};
use super::vector::{Geom, open_layer};
use super::{Intake, IoError, file_name};
use crate::model::{AddressPoint, SourceRef};
use geo::Coord;
use std::path::Path;

const LOCALITY: &[&str] = &[
    "Населенный пункт",
    "Населённый пункт",
    "Нас пункт",
    "Город",
    "Село",
    "Елді мекен",
    "Қала",
    "Ауыл",
    "locality",
    "city",
    "settlement",
    "town",
    "addr:city",
    "addr:place",
    "addr:settlement",
];
const STREET: &[&str] = &["Улица", "Көше", "street", "addr:street"];
const HOUSE: &[&str] = &[
    "Дом",
    "Номер дома",
    "№ дома",
    "Үй",
    "Үй нөмірі",
    "house",
    "house number",
    "housenumber",
    "addr:housenumber",
];
/// In tables `building` is the building (корпус) number; in OSM-like layers `building` is
/// the building *type* (`yes`, `apartments`), so it is not an alias there.
const BUILDING_TABLE: &[&str] = &[
    "Корпус",
    "Строение",
    "Ғимарат",
    "Корпус/Ғимарат",
    "building",
    "block",
    "addr:block",
];
const BUILDING_LAYER: &[&str] = &[
    "Корпус",
    "Строение",
    "Ғимарат",
    "block",
    "addr:block",
    "building_no",
];
pub(super) const LON: &[&str] = &["lng", "long", "longitude", "Долгота", "Бойлық"];
pub(super) const LAT: &[&str] = &["latitude", "Широта", "Ендік"];
pub(super) const X: &[&str] = &["easting", "Восток", "coord x", "координата x"];
pub(super) const Y: &[&str] = &["northing", "Север", "coord y", "координата y"];

/// A column key with its aliases.
type ColSpec = (&'static str, &'static [&'static str]);

/// A number written with a decimal point or comma; `None` when not a finite number.
pub(super) fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    let v: f64 = if s.contains(',') && !s.contains('.') {
        s.replacen(',', ".", 1).parse().ok()?
    } else {
        s.parse().ok()?
    };
    v.is_finite().then_some(v)
}

/// Converts a source coordinate to WGS84 and checks its range; `Err((field, reason))`.
pub(super) fn to_lon_lat(t: &ToWgs84, c: Coord<f64>) -> Result<Coord<f64>, (&'static str, String)> {
    let w = t.convert(c).map_err(|e| ("lon", e.to_string()))?;
    if !(-180.0..=180.0).contains(&w.x) {
        return Err(("lon", "the longitude is outside -180..180".to_string()));
    }
    if !(-90.0..=90.0).contains(&w.y) {
        return Err(("lat", "the latitude is outside -90..90".to_string()));
    }
    Ok(w)
}

/// Reads two coordinate cells; `Err((field, reason))` when empty or not numbers.
pub(super) fn parse_pair(
    a: &str,
    b: &str,
    names: (&'static str, &'static str),
) -> Result<Coord<f64>, (&'static str, String)> {
    let one = |v: &str, name: &'static str| {
        if v.is_empty() {
            Err((name, "the coordinate is empty".to_string()))
        } else {
            parse_number(v).ok_or((name, "the coordinate is not a number".to_string()))
        }
    };
    Ok(Coord {
        x: one(a, names.0)?,
        y: one(b, names.1)?,
    })
}

fn make_transform(path: &Path, crs: Option<&str>) -> Result<ToWgs84, IoError> {
    match crs {
        None => Ok(ToWgs84::wgs84()),
        Some(c) => ToWgs84::new(c).map_err(|e| IoError::Crs {
            path: path.display().to_string(),
            crs: c.to_string(),
            message: e.to_string(),
        }),
    }
}

/// Reads address points; every coordinate leaves here in WGS84.
pub fn read_addresses(
    path: &Path,
    crs: Option<&str>,
    intake: &mut Intake,
) -> Result<Vec<AddressPoint>, IoError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if matches!(ext.as_str(), "shp" | "geojson" | "json") {
        read_layer(path, crs, intake)
    } else {
        read_points_table(path, crs, intake)
    }
}

fn read_points_table(
    path: &Path,
    crs: Option<&str>,
    intake: &mut Intake,
) -> Result<Vec<AddressPoint>, IoError> {
    let t = make_transform(path, crs)?;
    let file = file_name(path);
    let cols = |xy: bool| -> [Column; 6] {
        let (a, b): (ColSpec, ColSpec) = if xy {
            (("x", X), ("y", Y))
        } else {
            (("lon", LON), ("lat", LAT))
        };
        [
            Column {
                key: a.0,
                aliases: a.1,
                required: true,
            },
            Column {
                key: b.0,
                aliases: b.1,
                required: true,
            },
            Column {
                key: "locality",
                aliases: LOCALITY,
                required: false,
            },
            Column {
                key: "street",
                aliases: STREET,
                required: false,
            },
            Column {
                key: "house",
                aliases: HOUSE,
                required: false,
            },
            Column {
                key: "building",
                aliases: BUILDING_TABLE,
                required: false,
            },
        ]
    };
    let mut out = Vec::new();
    let mut account = None;
    let mut run = |xy: bool, out: &mut Vec<AddressPoint>, intake: &mut Intake| {
        let names = if xy { ("x", "y") } else { ("lon", "lat") };
        read_table(path, &cols(xy), &mut |r| {
            let f = *account.get_or_insert_with(|| intake.open(&file, "addresses"));
            if intake.reject_ragged(f, r.line, r.width, r.header_width) {
                return;
            }
            let c = parse_pair(r.get(0), r.get(1), names).and_then(|c| to_lon_lat(&t, c));
            match c {
                Ok(coord) => {
                    intake.accept(f);
                    out.push(AddressPoint {
                        locality: r.get(2).to_string(),
                        street: r.get(3).to_string(),
                        house: r.get(4).to_string(),
                        building: r.get(5).to_string(),
                        coord,
                        source: SourceRef {
                            file: file.clone(),
                            line: r.line,
                        },
                    });
                }
                Err((field, reason)) => intake.reject(f, r.line, field, reason),
            }
        })
    };
    match run(false, &mut out, intake) {
        Ok(()) => {}
        Err(IoError::MissingColumn { .. }) => match run(true, &mut out, intake) {
            Ok(()) => {}
            Err(IoError::MissingColumn { .. }) => {
                let mut accepted = vec!["lon"];
                accepted.extend(LON);
                accepted.push("x");
                accepted.extend(X);
                return Err(IoError::MissingColumn {
                    path: path.display().to_string(),
                    field: "lon".to_string(),
                    accepted: accepted.join(", "),
                });
            }
            Err(e) => return Err(e),
        },
        Err(e) => return Err(e),
    }
    if account.is_none() {
        intake.open(&file, "addresses");
    }
    Ok(out)
}

fn read_layer(
    path: &Path,
    crs: Option<&str>,
    intake: &mut Intake,
) -> Result<Vec<AddressPoint>, IoError> {
    let layer = open_layer(path, crs)?;
    let with_key = |key: &'static str, aliases: &[&'static str]| {
        let mut v = vec![key];
        v.extend_from_slice(aliases);
        layer.find_field(&v)
    };
    let locality = with_key("locality", LOCALITY);
    let street = with_key("street", STREET);
    let house = with_key("house", HOUSE);
    let building = with_key("building_no", BUILDING_LAYER);
    let file = file_name(path);
    let f = intake.open(&file, "addresses");
    let mut out = Vec::with_capacity(layer.features.len());
    let text = |i: usize, fid: &Option<super::vector::FieldId>| {
        fid.as_ref().map(|k| layer.attr(i, k)).unwrap_or_default()
    };
    for (i, g) in layer.features.iter().enumerate() {
        let line = i as u64 + 1;
        if layer.deleted(i) {
            intake.reject(f, line, "record", "the .dbf marks the record deleted");
            continue;
        }
        let c = match g {
            Geom::Point(c) => *c,
            Geom::Polygons(_) => {
                intake.reject(
                    f,
                    line,
                    "geometry",
                    "the geometry is a polygon, not a point",
                );
                continue;
            }
            Geom::Other(k) => {
                intake.reject(
                    f,
                    line,
                    "geometry",
                    format!("the geometry is a {k}, not a point"),
                );
                continue;
            }
            Geom::Empty => {
                intake.reject(f, line, "geometry", "the feature has no geometry");
                continue;
            }
        };
        match to_lon_lat(&layer.to_wgs84, c) {
            Ok(coord) => {
                intake.accept(f);
                out.push(AddressPoint {
                    locality: text(i, &locality),
                    street: text(i, &street),
                    house: text(i, &house),
                    building: text(i, &building),
                    coord,
                    source: SourceRef {
                        file: file.clone(),
                        line,
                    },
                });
            }
            Err((field, reason)) => intake.reject(f, line, field, reason),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_take_a_decimal_point_or_comma() {
        assert_eq!(parse_number("76.95"), Some(76.95));
        assert_eq!(parse_number(" 76,95 "), Some(76.95));
        assert_eq!(parse_number("7б"), None);
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(parse_number("inf"), None);
    }

    #[test]
    fn out_of_range_lon_lat_are_refused() {
        let t = ToWgs84::wgs84();
        assert!(to_lon_lat(&t, Coord { x: 76.9, y: 43.2 }).is_ok());
        assert_eq!(
            to_lon_lat(
                &t,
                Coord {
                    x: 500000.0,
                    y: 43.2
                }
            )
            .unwrap_err()
            .0,
            "lon"
        );
        assert_eq!(
            to_lon_lat(&t, Coord { x: 76.9, y: 91.0 }).unwrap_err().0,
            "lat"
        );
    }
}
