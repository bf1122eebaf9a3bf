//! The day's map (*carte de la tournée*): Web Mercator, the projection of every web tile server,
//! so that the app's own drawing and an optional tile background line up. Pure arithmetic: the
//! app draws SVG from it, with or without tiles (no tiles, no network needed).

use serde::{Deserialize, Serialize};

/// Side of a tile in pixels, and of the whole world at zoom 0 ("world units" below).
const TILE: f64 = 256.0;
/// Beyond this latitude Web Mercator is cut off (the world is a square).
const MAX_LAT: f64 = 85.051_128_78;
/// No closer than street level, even for a day with a single place.
const MAX_ZOOM: u8 = 17;

/// A point in world units (0‥256 on both axes at zoom 0, y downwards).
pub fn world(lat: f64, lon: f64) -> (f64, f64) {
    // ln(tan(π/4 + φ/2)) written with the sine, which the distance code already uses: each
    // libm function costs the browser bundle a few kilobytes.
    let sin = lat.clamp(-MAX_LAT, MAX_LAT).to_radians().sin();
    let x = (lon + 180.0) / 360.0 * TILE;
    let y = (1.0 - 0.5 * ((1.0 + sin) / (1.0 - sin)).ln() / std::f64::consts::PI) / 2.0 * TILE;
    (x, y)
}

/// A tile server's address, e.g. `https://tile.openstreetmap.org/{z}/{x}/{y}.png`, and the
/// credit its licence asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TileLayer {
    pub url: String,
    pub attribution: String,
}

impl TileLayer {
    /// Checks the address: http(s), with `{z}`, `{x}` and `{y}` in it.
    pub fn parse(url: &str, attribution: &str) -> Result<TileLayer, String> {
        let url = url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(format!("{url:?}: the tile address must start with https:// or http://"));
        }
        if let Some(missing) = ["{z}", "{x}", "{y}"].into_iter().find(|p| !url.contains(p)) {
            return Err(format!("{url:?}: the tile address must contain {missing}"));
        }
        if url
            .chars()
            .any(|c| c.is_whitespace() || c == '"' || c == '<' || c == '>')
        {
            return Err(format!("{url:?}: the tile address has characters a URL cannot hold"));
        }
        let attribution = match attribution.trim() {
            "" => format!("Fond de carte : {}", host(url)),
            a => a.to_string(),
        };
        Ok(TileLayer {
            url: url.to_string(),
            attribution,
        })
    }

    /// The address of one tile.
    pub fn tile_url(&self, z: u8, x: u32, y: u32) -> String {
        self.url
            .replace("{z}", &z.to_string())
            .replace("{x}", &x.to_string())
            .replace("{y}", &y.to_string())
    }
}

fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?']).next().unwrap_or(rest)
}

/// A map of `width` × `height` pixels showing a set of points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MapView {
    pub width: f64,
    pub height: f64,
    /// Pixels per world unit.
    pub scale: f64,
    /// The world point at the top-left corner.
    pub origin: (f64, f64),
}

/// One tile placed on the map, in the map's pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlacedTile {
    pub z: u8,
    pub x: u32,
    pub y: u32,
    pub left: f64,
    pub top: f64,
    pub size: f64,
}

impl MapView {
    /// The view that shows every point (lat, lon) with `pad` pixels to spare, centred.
    pub fn fit(points: &[(f64, f64)], width: f64, height: f64, pad: f64) -> MapView {
        let w: Vec<(f64, f64)> = points.iter().map(|p| world(p.0, p.1)).collect();
        let (mut x0, mut y0, mut x1, mut y1) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
        for (x, y) in &w {
            x0 = x0.min(*x);
            y0 = y0.min(*y);
            x1 = x1.max(*x);
            y1 = y1.max(*y);
        }
        if w.is_empty() {
            (x0, y0, x1, y1) = (0.0, 0.0, TILE, TILE);
        }
        let inner = ((width - 2.0 * pad).max(1.0), (height - 2.0 * pad).max(1.0));
        let closest = f64::from(1u32 << MAX_ZOOM);
        let scale = (inner.0 / (x1 - x0)).min(inner.1 / (y1 - y0)).min(closest);
        let centre = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        MapView {
            width,
            height,
            scale,
            origin: (centre.0 - width / 2.0 / scale, centre.1 - height / 2.0 / scale),
        }
    }

    /// Where (lat, lon) falls on the map, in pixels.
    pub fn xy(&self, lat: f64, lon: f64) -> (f64, f64) {
        let (x, y) = world(lat, lon);
        ((x - self.origin.0) * self.scale, (y - self.origin.1) * self.scale)
    }

    /// The zoom level whose tiles are closest to their natural size at this scale.
    pub fn zoom(&self) -> u8 {
        // round(log2(scale)), by halving: 2^(z + 1/2) is the boundary between z and z + 1.
        let mut z = 0;
        while z < MAX_ZOOM && self.scale >= f64::from(1u32 << z) * std::f64::consts::SQRT_2 {
            z += 1;
        }
        z
    }

    /// The tiles that cover the map, at [`MapView::zoom`], drawn between 0.7 and 1.4 times
    /// their natural size.
    pub fn tiles(&self) -> Vec<PlacedTile> {
        let z = self.zoom();
        let count = 1u32 << z;
        let side = TILE / f64::from(count);
        let range = |from: f64, length: f64| {
            let first = (from / side).floor().max(0.0) as u32;
            let last = ((from + length / self.scale) / side).floor().max(0.0) as u32;
            first.min(count - 1)..=last.min(count - 1)
        };
        let mut out = Vec::new();
        for y in range(self.origin.1, self.height) {
            for x in range(self.origin.0, self.width) {
                out.push(PlacedTile {
                    z,
                    x,
                    y,
                    left: (f64::from(x) * side - self.origin.0) * self.scale,
                    top: (f64::from(y) * side - self.origin.1) * self.scale,
                    size: side * self.scale,
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, eps: f64) -> bool {
        (a - b).abs() < eps
    }

    #[test]
    fn world_coordinates_match_the_tile_scheme() {
        let (x, y) = world(0.0, 0.0);
        assert!(close(x, 128.0, 1e-9) && close(y, 128.0, 1e-9));
        // Lyon, place Bellecour, is in tile 13/4205/2922 of the slippy-map grid (OSM wiki formula).
        let (x, y) = world(45.7578, 4.832);
        let n = f64::from(1u32 << 13);
        assert_eq!(((x / 256.0 * n) as u32, (y / 256.0 * n) as u32), (4205, 2922));
        assert!(close(world(89.9, 0.0).1, 0.0, 1e-6), "cut off at the Mercator limit");
    }

    #[test]
    fn every_point_is_on_the_map_within_its_padding_and_the_view_is_centred() {
        let points = [(45.76, 4.83), (45.70, 4.90), (45.80, 4.75), (45.74, 4.86)];
        let v = MapView::fit(&points, 340.0, 220.0, 18.0);
        let xy: Vec<(f64, f64)> = points.iter().map(|p| v.xy(p.0, p.1)).collect();
        for (x, y) in &xy {
            assert!((18.0 - 1e-6..=322.0 + 1e-6).contains(x), "{x}");
            assert!((18.0 - 1e-6..=202.0 + 1e-6).contains(y), "{y}");
        }
        let (min_x, max_x) = xy
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
        let (min_y, max_y) = xy
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
        assert!(close(min_x + max_x, 340.0, 1e-6) && close(min_y + max_y, 220.0, 1e-6));
        assert!(
            close(max_x - min_x, 304.0, 1e-6) || close(max_y - min_y, 184.0, 1e-6),
            "one side fills the map"
        );
        // North is up.
        assert!(v.xy(45.80, 4.75).1 < v.xy(45.70, 4.90).1);
    }

    #[test]
    fn the_zoom_is_the_nearest_power_of_two() {
        let at = |scale: f64| {
            MapView {
                width: 1.0,
                height: 1.0,
                scale,
                origin: (0.0, 0.0),
            }
            .zoom()
        };
        assert_eq!(
            (at(0.5), at(1.0), at(1.41), at(1.42), at(1000.0), at(1e9)),
            (0, 0, 0, 1, 10, MAX_ZOOM)
        );
        for z in 0..MAX_ZOOM {
            let scale = f64::from(1u32 << z) * 1.3;
            assert_eq!(at(scale), (scale.log2().round() as u8).min(MAX_ZOOM));
        }
    }

    #[test]
    fn a_single_place_is_shown_at_street_level_not_infinitely_close() {
        let v = MapView::fit(&[(45.7578, 4.832)], 340.0, 220.0, 18.0);
        assert_eq!(v.zoom(), MAX_ZOOM);
        let (x, y) = v.xy(45.7578, 4.832);
        assert!(close(x, 170.0, 1e-6) && close(y, 110.0, 1e-6));
    }

    #[test]
    fn the_tiles_cover_the_whole_map_without_gaps() {
        let points = [(45.76, 4.83), (45.70, 4.90), (45.80, 4.75)];
        let v = MapView::fit(&points, 340.0, 220.0, 18.0);
        let tiles = v.tiles();
        assert!(!tiles.is_empty());
        let size = tiles[0].size;
        assert!(
            (0.70..=1.42).contains(&(size / 256.0)),
            "drawn near natural size: {size}"
        );
        let left = tiles.iter().map(|t| t.left).fold(f64::MAX, f64::min);
        let top = tiles.iter().map(|t| t.top).fold(f64::MAX, f64::min);
        let right = tiles.iter().map(|t| t.left + t.size).fold(f64::MIN, f64::max);
        let bottom = tiles.iter().map(|t| t.top + t.size).fold(f64::MIN, f64::max);
        assert!(left <= 0.0 && top <= 0.0 && right >= 340.0 && bottom >= 220.0);
        // A full grid: every (x, y) of the covered range once.
        let xs: std::collections::BTreeSet<u32> = tiles.iter().map(|t| t.x).collect();
        let ys: std::collections::BTreeSet<u32> = tiles.iter().map(|t| t.y).collect();
        assert_eq!(tiles.len(), xs.len() * ys.len());
        assert!(tiles.iter().all(|t| t.size == size && t.z == tiles[0].z));
        // And each tile sits where its own corner projects.
        let t = tiles[0];
        let n = f64::from(1u32 << t.z);
        let corner_lon = f64::from(t.x) / n * 360.0 - 180.0;
        let corner_lat = (std::f64::consts::PI * (1.0 - 2.0 * f64::from(t.y) / n))
            .sinh()
            .atan()
            .to_degrees();
        let (cx, cy) = v.xy(corner_lat, corner_lon);
        assert!(close(cx, t.left, 1e-6) && close(cy, t.top, 1e-6));
    }

    #[test]
    fn tile_addresses_are_checked_and_filled_in() {
        let l = TileLayer::parse(" https://tiles.example.fr/{z}/{x}/{y}.png ", "").unwrap();
        assert_eq!(l.tile_url(13, 4206, 2932), "https://tiles.example.fr/13/4206/2932.png");
        assert_eq!(l.attribution, "Fond de carte : tiles.example.fr");
        let l = TileLayer::parse("http://127.0.0.1:8080/t?z={z}&x={x}&y={y}", "© OpenStreetMap").unwrap();
        assert_eq!(l.attribution, "© OpenStreetMap");
        assert!(TileLayer::parse("ftp://x/{z}/{x}/{y}", "").is_err());
        assert!(TileLayer::parse("https://x/{z}/{x}.png", "")
            .unwrap_err()
            .contains("{y}"));
        assert!(TileLayer::parse("https://x/{z}/{x}/{y}\".png", "").is_err());
    }
}
