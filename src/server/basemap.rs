//! An optional local basemap: a PMTiles (v3) archive or an MBTiles (SQLite) file, its tiles
//! served under `/basemap/{z}/{x}/{y}`.

use super::ServerError;
use serde_json::{Value, json};
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;

/// What the tiles are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileKind {
    Vector,
    Png,
    Jpeg,
    Webp,
}

impl TileKind {
    pub fn content_type(self) -> &'static str {
        match self {
            TileKind::Vector => "application/vnd.mapbox-vector-tile",
            TileKind::Png => "image/png",
            TileKind::Jpeg => "image/jpeg",
            TileKind::Webp => "image/webp",
        }
    }
    fn name(self) -> &'static str {
        match self {
            TileKind::Vector => "vector",
            TileKind::Png => "png",
            TileKind::Jpeg => "jpg",
            TileKind::Webp => "webp",
        }
    }
}

enum Source {
    Pmtiles(Pmtiles),
    Mbtiles(Mutex<rusqlite::Connection>),
}

/// An open basemap file.
pub struct Basemap {
    source: Source,
    pub kind: TileKind,
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// [west, south, east, north] when known.
    pub bounds: Option<[f64; 4]>,
    /// Vector layer names (for a generic style).
    pub vector_layers: Vec<String>,
}

fn bad(reason: impl Into<String>) -> ServerError {
    ServerError::Basemap(reason.into())
}

struct Pmtiles {
    data: Vec<u8>,
    root: (u64, u64),
    leaf_offset: u64,
    tile_offset: u64,
    internal_gzip: bool,
    tiles_gzip: bool,
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

fn i32_at(b: &[u8], at: usize) -> i32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    i32::from_le_bytes(a)
}

fn read_varint(b: &[u8], pos: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let byte = *b.get(*pos)?;
        *pos += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(v);
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
}

fn gunzip(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b).read_to_end(&mut out).ok()?;
    Some(out)
}

/// The PMTiles tile id (Hilbert order within each zoom).
pub fn pmtiles_tile_id(z: u8, x: u32, y: u32) -> u64 {
    let mut acc: u64 = 0;
    for t in 0..z {
        acc += 1u64 << (2 * u32::from(t));
    }
    let (mut tx, mut ty) = (u64::from(x), u64::from(y));
    let mut d = 0u64;
    for a in (0..z).rev() {
        let s = 1u64 << a;
        let rx = u64::from(tx & s != 0);
        let ry = u64::from(ty & s != 0);
        d += s * s * ((3 * rx) ^ ry);
        if ry == 0 {
            if rx == 1 {
                tx = s.wrapping_sub(1).wrapping_sub(tx) & (s - 1);
                ty = s.wrapping_sub(1).wrapping_sub(ty) & (s - 1);
            }
            std::mem::swap(&mut tx, &mut ty);
        }
    }
    acc + d
}

struct Entry {
    tile_id: u64,
    offset: u64,
    length: u64,
    run_length: u64,
}

impl Pmtiles {
    fn directory(&self, offset: u64, length: u64) -> Option<Vec<Entry>> {
        let raw = self.data.get(offset as usize..(offset + length) as usize)?;
        let owned;
        let b: &[u8] = if self.internal_gzip {
            owned = gunzip(raw)?;
            &owned
        } else {
            raw
        };
        let mut pos = 0;
        let n = read_varint(b, &mut pos)? as usize;
        if n > b.len() {
            return None;
        }
        let mut e: Vec<Entry> = (0..n)
            .map(|_| Entry {
                tile_id: 0,
                offset: 0,
                length: 0,
                run_length: 0,
            })
            .collect();
        let mut last = 0u64;
        for x in e.iter_mut() {
            last += read_varint(b, &mut pos)?;
            x.tile_id = last;
        }
        for x in e.iter_mut() {
            x.run_length = read_varint(b, &mut pos)?;
        }
        for x in e.iter_mut() {
            x.length = read_varint(b, &mut pos)?;
        }
        for i in 0..n {
            let v = read_varint(b, &mut pos)?;
            e[i].offset = if v == 0 && i > 0 {
                e[i - 1].offset + e[i - 1].length
            } else {
                v.checked_sub(1)?
            };
        }
        Some(e)
    }

    fn tile(&self, z: u8, x: u32, y: u32) -> Option<Vec<u8>> {
        let id = pmtiles_tile_id(z, x, y);
        let (mut off, mut len) = self.root;
        for _depth in 0..4 {
            let dir = self.directory(off, len)?;
            let i = match dir.binary_search_by(|e| e.tile_id.cmp(&id)) {
                Ok(i) => i,
                Err(0) => return None,
                Err(i) => i - 1,
            };
            let e = &dir[i];
            if e.run_length == 0 {
                off = self.leaf_offset + e.offset;
                len = e.length;
                continue;
            }
            if id < e.tile_id + e.run_length {
                let start = (self.tile_offset + e.offset) as usize;
                return self
                    .data
                    .get(start..start + e.length as usize)
                    .map(<[u8]>::to_vec);
            }
            return None;
        }
        None
    }
}

impl Basemap {
    /// Opens a `.pmtiles` or `.mbtiles` file.
    pub fn open(path: &Path) -> Result<Basemap, ServerError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_lowercase();
        match ext.as_str() {
            "pmtiles" => Self::open_pmtiles(path),
            "mbtiles" => Self::open_mbtiles(path),
            _ => Err(bad("the basemap must be a .pmtiles or .mbtiles file")),
        }
    }

    fn open_pmtiles(path: &Path) -> Result<Basemap, ServerError> {
        let data = std::fs::read(path).map_err(|e| ServerError::Io {
            file: "basemap",
            source: e,
        })?;
        if data.len() < 127 || &data[0..7] != b"PMTiles" || data[7] != 3 {
            return Err(bad("not a PMTiles v3 archive"));
        }
        let internal = data[97];
        let tile_comp = data[98];
        if !(internal == 1 || internal == 2) {
            return Err(bad(
                "PMTiles directory compression not supported (need none or gzip)",
            ));
        }
        let kind = match data[99] {
            1 => TileKind::Vector,
            2 => TileKind::Png,
            3 => TileKind::Jpeg,
            4 => TileKind::Webp,
            _ => return Err(bad("unknown PMTiles tile type")),
        };
        if !(tile_comp == 1 || tile_comp == 2 || kind != TileKind::Vector) {
            return Err(bad(
                "PMTiles tile compression not supported (need none or gzip)",
            ));
        }
        let e7 = |at| f64::from(i32_at(&data, at)) / 1e7;
        let bounds = Some([e7(102), e7(106), e7(110), e7(114)]);
        let (meta_off, meta_len) = (u64_at(&data, 24) as usize, u64_at(&data, 32) as usize);
        let meta_raw = data.get(meta_off..meta_off + meta_len).unwrap_or(&[]);
        let meta: Value = if internal == 2 {
            gunzip(meta_raw).and_then(|m| serde_json::from_slice(&m).ok())
        } else {
            serde_json::from_slice(meta_raw).ok()
        }
        .unwrap_or(Value::Null);
        let vector_layers = vector_layer_names(&meta);
        let (min_zoom, max_zoom) = (data[100], data[101]);
        let p = Pmtiles {
            root: (u64_at(&data, 8), u64_at(&data, 16)),
            leaf_offset: u64_at(&data, 40),
            tile_offset: u64_at(&data, 56),
            internal_gzip: internal == 2,
            tiles_gzip: tile_comp == 2,
            data,
        };
        Ok(Basemap {
            source: Source::Pmtiles(p),
            kind,
            min_zoom,
            max_zoom,
            bounds,
            vector_layers,
        })
    }

    fn open_mbtiles(path: &Path) -> Result<Basemap, ServerError> {
        let conn =
            rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(|_| bad("cannot open the MBTiles file"))?;
        let mut meta = std::collections::HashMap::new();
        {
            let mut st = conn
                .prepare("SELECT name, value FROM metadata")
                .map_err(|_| bad("not an MBTiles file (no metadata table)"))?;
            let rows = st
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                .map_err(|_| bad("unreadable MBTiles metadata"))?;
            for r in rows.flatten() {
                meta.insert(r.0, r.1);
            }
        }
        let kind = match meta.get("format").map(String::as_str) {
            Some("pbf") => TileKind::Vector,
            Some("jpg") | Some("jpeg") => TileKind::Jpeg,
            Some("webp") => TileKind::Webp,
            _ => TileKind::Png,
        };
        let z = |k: &str, d: u8| meta.get(k).and_then(|v| v.parse().ok()).unwrap_or(d);
        let bounds = meta.get("bounds").and_then(|b| {
            let v: Vec<f64> = b.split(',').filter_map(|x| x.trim().parse().ok()).collect();
            (v.len() == 4).then(|| [v[0], v[1], v[2], v[3]])
        });
        let json: Value = meta
            .get("json")
            .and_then(|j| serde_json::from_str(j).ok())
            .unwrap_or(Value::Null);
        Ok(Basemap {
            vector_layers: vector_layer_names(&json),
            min_zoom: z("minzoom", 0),
            max_zoom: z("maxzoom", 14),
            kind,
            bounds,
            source: Source::Mbtiles(Mutex::new(conn)),
        })
    }

    /// The tile bytes and whether they are gzip-compressed.
    pub fn tile(&self, z: u8, x: u32, y: u32) -> Option<(Vec<u8>, bool)> {
        let t = match &self.source {
            Source::Pmtiles(p) => {
                let t = p.tile(z, x, y)?;
                let gz = p.tiles_gzip || t.starts_with(&[0x1f, 0x8b]);
                return Some((t, gz && self.kind == TileKind::Vector));
            }
            Source::Mbtiles(c) => {
                let c = c.lock().ok()?;
                let row = (1u32 << z) - 1 - y;
                c.query_row(
                    "SELECT tile_data FROM tiles WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3",
                    rusqlite::params![z, x, row],
                    |r| r.get::<_, Vec<u8>>(0),
                )
                .ok()?
            }
        };
        let gz = t.starts_with(&[0x1f, 0x8b]);
        Some((t, gz))
    }

    /// What the page needs to add the basemap as a source.
    pub fn info(&self) -> Value {
        json!({
            "kind": self.kind.name(),
            "minzoom": self.min_zoom,
            "maxzoom": self.max_zoom,
            "bounds": self.bounds,
            "vector_layers": self.vector_layers,
        })
    }
}

fn vector_layer_names(meta: &Value) -> Vec<String> {
    meta.get("vector_layers")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|l| l.get("id").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pmtiles_ids_follow_the_published_examples() {
        // From the PMTiles v3 specification's test vectors.
        assert_eq!(pmtiles_tile_id(0, 0, 0), 0);
        assert_eq!(pmtiles_tile_id(1, 0, 0), 1);
        assert_eq!(pmtiles_tile_id(1, 0, 1), 2);
        assert_eq!(pmtiles_tile_id(1, 1, 1), 3);
        assert_eq!(pmtiles_tile_id(1, 1, 0), 4);
        assert_eq!(pmtiles_tile_id(2, 0, 0), 5);
        assert_eq!(pmtiles_tile_id(12, 3423, 1763), 19_078_479);
    }
}
