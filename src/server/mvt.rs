//! A minimal Mapbox Vector Tile (v2.1) encoder: a protobuf writer for exactly the messages
//! a tile needs (Tile, Layer, Feature, Value). MapLibre reads these natively.

use std::collections::HashMap;

/// Geometry already in integer tile coordinates (y down, extent [`EXTENT`]).
#[derive(Debug, Clone, PartialEq)]
pub enum TileGeom {
    /// One or more points.
    Points(Vec<(i32, i32)>),
    /// Line strings, each with at least two points.
    Lines(Vec<Vec<(i32, i32)>>),
    /// Rings without the closing point; exterior rings have positive area (clockwise on
    /// screen), interior rings negative, an exterior ring followed by its holes.
    Polygons(Vec<Vec<(i32, i32)>>),
}

/// A property value of a tile feature.
#[derive(Debug, Clone, PartialEq)]
pub enum PropValue {
    Str(String),
    Double(f64),
    Int(i64),
    Bool(bool),
}

/// Tile extent: coordinates run from 0 to `EXTENT` across a tile.
pub const EXTENT: u32 = 4096;

/// Appends a base-128 varint.
fn varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

fn key(buf: &mut Vec<u8>, field: u32, wire: u8) {
    varint(buf, (u64::from(field) << 3) | u64::from(wire));
}

fn bytes_field(buf: &mut Vec<u8>, field: u32, data: &[u8]) {
    key(buf, field, 2);
    varint(buf, data.len() as u64);
    buf.extend_from_slice(data);
}

fn varint_field(buf: &mut Vec<u8>, field: u32, v: u64) {
    key(buf, field, 0);
    varint(buf, v);
}

fn zigzag(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

fn command(id: u32, count: u32) -> u32 {
    (id & 7) | (count << 3)
}

/// The geometry commands of one feature and its type (1 point, 2 line, 3 polygon).
fn encode_geometry(g: &TileGeom) -> (u64, Vec<u32>) {
    let mut out = Vec::new();
    let (mut cx, mut cy) = (0i32, 0i32);
    let mut push = |out: &mut Vec<u32>, (x, y): (i32, i32)| {
        out.push(zigzag(x - cx));
        out.push(zigzag(y - cy));
        cx = x;
        cy = y;
    };
    match g {
        TileGeom::Points(pts) => {
            out.push(command(1, pts.len() as u32));
            for p in pts {
                push(&mut out, *p);
            }
            (1, out)
        }
        TileGeom::Lines(lines) => {
            for l in lines {
                out.push(command(1, 1));
                push(&mut out, l[0]);
                out.push(command(2, (l.len() - 1) as u32));
                for p in &l[1..] {
                    push(&mut out, *p);
                }
            }
            (2, out)
        }
        TileGeom::Polygons(rings) => {
            for r in rings {
                out.push(command(1, 1));
                push(&mut out, r[0]);
                out.push(command(2, (r.len() - 1) as u32));
                for p in &r[1..] {
                    push(&mut out, *p);
                }
                out.push(command(7, 1));
            }
            (3, out)
        }
    }
}

/// Builds one layer of a tile.
pub struct LayerBuilder {
    name: String,
    features: Vec<u8>,
    keys: Vec<String>,
    key_index: HashMap<String, u32>,
    values: Vec<Vec<u8>>,
    value_index: HashMap<Vec<u8>, u32>,
    count: usize,
}

impl LayerBuilder {
    pub fn new(name: &str) -> Self {
        LayerBuilder {
            name: name.to_string(),
            features: Vec::new(),
            keys: Vec::new(),
            key_index: HashMap::new(),
            values: Vec::new(),
            value_index: HashMap::new(),
            count: 0,
        }
    }

    fn value_bytes(v: &PropValue) -> Vec<u8> {
        let mut b = Vec::new();
        match v {
            PropValue::Str(s) => bytes_field(&mut b, 1, s.as_bytes()),
            PropValue::Double(d) => {
                key(&mut b, 3, 1);
                b.extend_from_slice(&d.to_le_bytes());
            }
            PropValue::Int(i) => varint_field(&mut b, 6, ((i << 1) ^ (i >> 63)) as u64),
            PropValue::Bool(x) => varint_field(&mut b, 7, u64::from(*x)),
        }
        b
    }

    /// Adds a feature; empty geometries are skipped.
    pub fn add(&mut self, id: u64, geom: &TileGeom, props: &[(&str, PropValue)]) {
        let empty = match geom {
            TileGeom::Points(p) => p.is_empty(),
            TileGeom::Lines(l) => l.is_empty(),
            TileGeom::Polygons(r) => r.is_empty(),
        };
        if empty {
            return;
        }
        let mut tags = Vec::with_capacity(props.len() * 2);
        for (k, v) in props {
            let ki = match self.key_index.get(*k) {
                Some(i) => *i,
                None => {
                    let i = self.keys.len() as u32;
                    self.keys.push(k.to_string());
                    self.key_index.insert(k.to_string(), i);
                    i
                }
            };
            let vb = Self::value_bytes(v);
            let vi = match self.value_index.get(&vb) {
                Some(i) => *i,
                None => {
                    let i = self.values.len() as u32;
                    self.values.push(vb.clone());
                    self.value_index.insert(vb, i);
                    i
                }
            };
            tags.push(ki);
            tags.push(vi);
        }
        let (ty, cmds) = encode_geometry(geom);
        let mut f = Vec::new();
        varint_field(&mut f, 1, id);
        let mut packed = Vec::new();
        for t in tags {
            varint(&mut packed, u64::from(t));
        }
        bytes_field(&mut f, 2, &packed);
        varint_field(&mut f, 3, ty);
        let mut packed = Vec::new();
        for c in cmds {
            varint(&mut packed, u64::from(c));
        }
        bytes_field(&mut f, 4, &packed);
        bytes_field(&mut self.features, 2, &f);
        self.count += 1;
    }

    /// Appends the finished layer to a tile buffer (nothing when the layer is empty).
    pub fn finish_into(self, tile: &mut Vec<u8>) {
        if self.count == 0 {
            return;
        }
        let mut l = Vec::new();
        varint_field(&mut l, 15, 2);
        bytes_field(&mut l, 1, self.name.as_bytes());
        l.extend_from_slice(&self.features);
        for k in &self.keys {
            bytes_field(&mut l, 3, k.as_bytes());
        }
        for v in &self.values {
            bytes_field(&mut l, 4, v);
        }
        varint_field(&mut l, 5, u64::from(EXTENT));
        bytes_field(tile, 3, &l);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_varint_uses_seven_bits_per_byte() {
        let mut b = Vec::new();
        varint(&mut b, 300);
        assert_eq!(b, vec![0xAC, 0x02]);
    }

    #[test]
    fn zigzag_maps_small_negatives_to_small_odds() {
        assert_eq!(zigzag(0), 0);
        assert_eq!(zigzag(-1), 1);
        assert_eq!(zigzag(1), 2);
        assert_eq!(zigzag(-2), 3);
    }

    #[test]
    fn a_square_encodes_as_the_specs_commands() {
        // The specification's example: a polygon ring (3,6) (8,12) (20,34).
        let (ty, cmds) =
            encode_geometry(&TileGeom::Polygons(vec![vec![(3, 6), (8, 12), (20, 34)]]));
        assert_eq!(ty, 3);
        assert_eq!(cmds, vec![9, 6, 12, 18, 10, 12, 24, 44, 15]);
    }
}
