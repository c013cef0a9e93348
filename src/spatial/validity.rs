use geo::MultiPolygon;

/// The problems that make a polygon invalid (self-intersection, unclosed or too-short ring,
/// hole outside its shell, non-finite coordinate...), described in words; empty when valid.
/// Never panics.
pub fn validate(p: &MultiPolygon<f64>) -> Vec<String> {
    let _ = p;
    todo!("spatial::validate")
}
