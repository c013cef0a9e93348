use geo::{Coord, MultiPolygon};

/// An R-tree over polygons (precincts or admin units) that answers "which polygon holds
/// this point". Holes and multipolygons count; a point on an edge shared by two polygons
/// goes to exactly one of them, by a deterministic rule (documented on [`PolygonIndex::locate`]).
pub struct PolygonIndex {
    _private: (),
}

impl PolygonIndex {
    /// Builds the index (bulk-loaded R-tree, prepared polygons).
    pub fn new(polygons: &[MultiPolygon<f64>]) -> Self {
        let _ = polygons;
        todo!("spatial::PolygonIndex::new")
    }

    /// The index of the polygon holding `c`, if any.
    pub fn locate(&self, c: Coord<f64>) -> Option<u32> {
        let _ = c;
        todo!("spatial::PolygonIndex::locate")
    }

    /// Locates many points: each distinct coordinate is tested once, in spatial order, in
    /// parallel. The result is in the order of `coords`.
    pub fn locate_all(&self, coords: &[Coord<f64>]) -> Vec<Option<u32>> {
        let _ = coords;
        todo!("spatial::PolygonIndex::locate_all")
    }
}
