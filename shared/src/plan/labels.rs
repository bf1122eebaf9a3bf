//! What the day's map writes on itself (*légendes de la carte*): the stops' names beside their
//! pins, the names of the communes around (from the embedded communes, so with no network),
//! and a scale bar. Pure geometry on a [`MapView`]: labels are placed one by one, in order of
//! importance, where they fit without covering a pin or another label; what does not fit is
//! left out rather than drawn over.

use serde::{Deserialize, Serialize};

use super::map::MapView;

/// A commune to name on the map: its name and centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MapTown {
    pub name: String,
    pub lat: f64,
    pub lon: f64,
}

/// How a label's text sits on its point (SVG's `text-anchor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    pub fn as_svg(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// A label placed on the map: its text's baseline point and anchor, in pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub text: String,
    pub x: f64,
    pub y: f64,
    pub anchor: Anchor,
    /// A stop's name (else a commune's).
    pub stop: bool,
}

/// Radius kept free around each pin, in pixels (pins are drawn 10 px wide).
const PIN: f64 = 11.0;
/// Space kept between two labels, in pixels.
const GAP: f64 = 2.0;
/// The longest stop name written in full.
const STOP_CHARS: usize = 18;
/// At most this many commune names: a map to read, not an atlas.
const MAX_TOWNS: usize = 10;

/// The bottom-left corner kept for the scale bar (width, height in pixels): a bar of at most
/// [`SCALE_MAX`] pixels and its label.
pub const SCALE_CORNER: (f64, f64) = (SCALE_MAX + 12.0, 26.0);
/// The longest scale bar, in pixels.
pub const SCALE_MAX: f64 = 80.0;

type Box2 = (f64, f64, f64, f64);

fn overlaps(a: Box2, b: Box2) -> bool {
    a.0 < b.2 + GAP && b.0 < a.2 + GAP && a.1 < b.3 + GAP && b.1 < a.3 + GAP
}

/// How wide `text` is drawn `font` pixels high, a little generously (capitals and bold
/// letters are wider than lower case: a name in capitals cut at the map's edge was seen).
fn text_width(text: &str, font: f64) -> f64 {
    text.chars()
        .map(|c| {
            if c.is_uppercase() || c.is_ascii_digit() {
                0.72
            } else if c == ' ' || c == '.' || c == '\'' {
                0.32
            } else {
                0.6
            }
        })
        .sum::<f64>()
        * font
}

/// The text's box for a baseline at (x, y), `font` pixels high.
fn text_box(text: &str, x: f64, y: f64, anchor: Anchor, font: f64) -> Box2 {
    let width = text_width(text, font);
    let left = match anchor {
        Anchor::Start => x,
        Anchor::Middle => x - width / 2.0,
        Anchor::End => x - width,
    };
    (left, y - font * 0.8, left + width, y + font * 0.25)
}

/// `name` in at most `chars` characters (cut with an ellipsis).
fn shortened(name: &str, chars: usize) -> String {
    if name.chars().count() <= chars {
        name.to_string()
    } else {
        let cut: String = name.chars().take(chars - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Places the stops' names (in itinerary order: `stops` are (name, lat, lon)) beside their
/// pins, then up to [`MAX_TOWNS`] commune names (in `towns`' order, most useful first) centred
/// on their centres, on a map of `view`'s size with `font`-pixel text. `pins` are every pin's
/// (lat, lon), the start included: no label covers one. `credit`: a tile credit is written
/// in the bottom-right corner.
pub fn place_labels(
    view: &MapView,
    stops: &[(String, f64, f64)],
    towns: &[MapTown],
    pins: &[(f64, f64)],
    font: f64,
    credit: bool,
) -> Vec<Label> {
    let mut taken: Vec<Box2> = pins
        .iter()
        .map(|p| {
            let (x, y) = view.xy(p.0, p.1);
            (x - PIN, y - PIN, x + PIN, y + PIN)
        })
        .collect();
    // The corners the map keeps: the scale bar bottom left, the tiles' credit bottom right.
    taken.push((0.0, view.height - SCALE_CORNER.1, SCALE_CORNER.0, view.height));
    if credit {
        taken.push((view.width - 150.0, view.height - 12.0, view.width, view.height));
    }
    let inside = |b: Box2| b.0 >= 1.0 && b.1 >= 1.0 && b.2 <= view.width - 1.0 && b.3 <= view.height - 1.0;
    let mut out = Vec::new();
    for (name, lat, lon) in stops {
        let (x, y) = view.xy(*lat, *lon);
        let beside = PIN + 2.0;
        let spots = [
            (x + beside, y + font / 3.0, Anchor::Start),
            (x - beside, y + font / 3.0, Anchor::End),
            (x, y - beside, Anchor::Middle),
            (x, y + beside + font * 0.8, Anchor::Middle),
        ];
        // The name as long as it can be, then shorter where the long one does not fit.
        let placed = [STOP_CHARS, STOP_CHARS / 2].into_iter().find_map(|chars| {
            let text = shortened(name, chars);
            spots.iter().find_map(|&(lx, ly, anchor)| {
                let b = text_box(&text, lx, ly, anchor, font);
                (inside(b) && !taken.iter().any(|t| overlaps(*t, b))).then(|| (b, text.clone(), lx, ly, anchor))
            })
        });
        if let Some((b, text, x, y, anchor)) = placed {
            taken.push(b);
            out.push(Label {
                text,
                x,
                y,
                anchor,
                stop: true,
            });
        }
    }
    let mut named = 0;
    for town in towns {
        if named == MAX_TOWNS {
            break;
        }
        if out.iter().any(|l| !l.stop && l.text == town.name) {
            continue;
        }
        let (x, y) = view.xy(town.lat, town.lon);
        let b = text_box(&town.name, x, y + font / 3.0, Anchor::Middle, font);
        if inside(b) && !taken.iter().any(|t| overlaps(*t, b)) {
            taken.push(b);
            out.push(Label {
                text: town.name.clone(),
                x,
                y: y + font / 3.0,
                anchor: Anchor::Middle,
                stop: false,
            });
            named += 1;
        }
    }
    out
}

/// A scale bar at most `max_px` long for a map around latitude `lat`: its length in pixels
/// and its label ("500 m", "2 km"), a round distance.
pub fn scale_bar(view: &MapView, lat: f64, max_px: f64) -> (f64, String) {
    // Metres per pixel along the parallel: the distance covered by 100 px of longitude.
    let lon_per_px = 360.0 / 256.0 / view.scale;
    let per_px = super::haversine_m((lat, 0.0), (lat, 100.0 * lon_per_px)) / 100.0;
    const STEPS: [f64; 14] = [
        10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1_000.0, 2_000.0, 5_000.0, 10_000.0, 20_000.0, 50_000.0, 100_000.0,
        200_000.0,
    ];
    let metres = STEPS
        .iter()
        .copied()
        .rfind(|m| m / per_px <= max_px)
        .unwrap_or(STEPS[0]);
    let label = if metres < 1_000.0 {
        format!("{metres} m")
    } else {
        format!("{} km", metres / 1_000.0)
    };
    (metres / per_px, label)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn town(name: &str, lat: f64, lon: f64) -> MapTown {
        MapTown {
            name: name.into(),
            lat,
            lon,
        }
    }

    /// Stops as named on the map: (name, lat, lon).
    type Stops = Vec<(String, f64, f64)>;

    /// A morning east of Lyon: the office, three clients; and every pin.
    fn day() -> (MapView, Stops, Vec<(f64, f64)>) {
        let start = (45.7640, 4.8357);
        let stops = vec![
            ("GARCIA Cécile".to_string(), 45.7710, 4.8800),
            ("Boulangerie Martin et Fils SARL".to_string(), 45.7300, 4.9000),
            ("DURAND Marie".to_string(), 45.7500, 4.8500),
        ];
        let mut pins = vec![start];
        pins.extend(stops.iter().map(|s| (s.1, s.2)));
        (MapView::fit(&pins, 340.0, 220.0, 18.0), stops, pins)
    }

    #[test]
    fn every_stop_is_named_beside_its_pin_and_no_label_covers_a_pin_or_another() {
        let (view, stops, pins) = day();
        let towns = vec![
            town("Lyon", 45.7578, 4.8320),
            town("Villeurbanne", 45.7719, 4.8902),
            town("Bron", 45.7386, 4.9130),
            town("Vénissieux", 45.6975, 4.8867),
        ];
        let labels = place_labels(&view, &stops, &towns, &pins, 9.0, false);
        let named: Vec<&str> = labels.iter().filter(|l| l.stop).map(|l| l.text.as_str()).collect();
        assert_eq!(named.len(), 3, "{named:?}");
        assert_eq!((named[0], named[2]), ("GARCIA Cécile", "DURAND Marie"));
        assert!(
            named[1].starts_with("Boulange") && named[1].ends_with('…'),
            "a long name is cut: {named:?}"
        );
        assert!(labels.iter().any(|l| !l.stop), "some commune is named: {labels:?}");
        let boxes: Vec<Box2> = labels
            .iter()
            .map(|l| text_box(&l.text, l.x, l.y, l.anchor, 9.0))
            .collect();
        for (i, a) in boxes.iter().enumerate() {
            assert!(
                a.0 >= 0.0 && a.1 >= 0.0 && a.2 <= 340.0 && a.3 <= 220.0,
                "inside the map: {:?}",
                labels[i]
            );
            for b in &boxes[i + 1..] {
                assert!(!overlaps(*a, *b), "{a:?} / {b:?}");
            }
            for p in &pins {
                let (x, y) = view.xy(p.0, p.1);
                assert!(
                    !overlaps(*a, (x - PIN, y - PIN, x + PIN, y + PIN)),
                    "{:?} covers a pin",
                    labels[i]
                );
            }
        }
    }

    #[test]
    fn communes_off_the_map_or_in_the_way_are_left_out_and_at_most_ten_are_named() {
        let (view, stops, pins) = day();
        let far = town("Marseille", 43.2965, 5.3698);
        // The same point as a stop: its name would cover the pin.
        let on_a_pin = town("Sur le client", stops[0].1, stops[0].2);
        let labels = place_labels(&view, &[], &[far, on_a_pin], &pins, 9.0, false);
        assert!(labels.is_empty(), "{labels:?}");
        let many: Vec<MapTown> = (0..40)
            .map(|i| {
                town(
                    &format!("C{i}"),
                    45.70 + f64::from(i % 8) * 0.012,
                    4.80 + f64::from(i / 8) * 0.03,
                )
            })
            .collect();
        let labels = place_labels(&view, &stops, &many, &pins, 9.0, true);
        assert!(labels.iter().filter(|l| !l.stop).count() <= MAX_TOWNS);
    }

    #[test]
    fn the_scale_bar_is_a_round_distance_that_fits() {
        let (view, ..) = day();
        let (px, label) = scale_bar(&view, 45.76, 90.0);
        assert!(px <= 90.0 && px > 30.0, "{px}");
        assert_eq!(label, "2 km", "about 7 km across 340 px here");
        // Checked against the distance itself: `px` pixels of longitude are that many metres.
        let lon_per_px = 360.0 / 256.0 / view.scale;
        let metres = crate::plan::haversine_m((45.76, 4.8), (45.76, 4.8 + px * lon_per_px));
        assert!((metres - 2_000.0).abs() < 1.0, "{metres}");
        let street = MapView::fit(&[(45.7578, 4.832)], 340.0, 220.0, 18.0);
        assert!(scale_bar(&street, 45.7578, 90.0).1.ends_with(" m"));
    }
}
