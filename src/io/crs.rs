//! Coordinate reference systems through PROJ: every geometry leaves `io` in WGS84 lon/lat.
