use geo::MultiPolygon;

/// Two polygons that overlap.
#[derive(Debug, Clone)]
pub struct Overlap {
    pub a: usize,
    pub b: usize,
    /// Area of the intersection in square metres (equal-area projection).
    pub area_m2: f64,
    pub geometry: MultiPolygon<f64>,
}

/// Every pair of polygons whose interiors overlap by more than `min_area_m2`.
pub fn overlaps(polygons: &[MultiPolygon<f64>], min_area_m2: f64) -> Vec<Overlap> {
    let _ = (polygons, min_area_m2);
    todo!("spatial::overlaps")
}
