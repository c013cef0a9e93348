use geo::MultiPolygon;

/// How a precinct sits in the administrative units of one level.
#[derive(Debug, Clone, PartialEq)]
pub struct Containment {
    /// The unit holding most of the precinct's area (`None`: it touches no unit).
    pub main_unit: Option<usize>,
    /// The share of the precinct's area outside `main_unit` (0..=1), computed in an
    /// equal-area projection.
    pub outside_share: f64,
    /// The other units the precinct overlaps (with positive area), by decreasing area.
    pub touched: Vec<usize>,
    /// The part of the precinct outside `main_unit` (WGS84), when not empty.
    pub outside: Option<MultiPolygon<f64>>,
}

/// For each precinct, its containment in `units`.
pub fn containment(
    precincts: &[MultiPolygon<f64>],
    units: &[MultiPolygon<f64>],
) -> Vec<Containment> {
    let _ = (precincts, units);
    todo!("spatial::containment")
}

/// Area in square metres, computed in an equal-area projection.
pub fn area_m2(p: &MultiPolygon<f64>) -> f64 {
    let _ = p;
    todo!("spatial::area_m2")
}
