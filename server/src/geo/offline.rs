//! The offline geocoder: the communes of France with their postcodes and centres, embedded
//! in the binary, giving commune precision with no network. Postcode first, then the name,
//! with accents, case, hyphens, "St"/"Ste" and arrondissements ("Lyon 3e", "Paris 15ème")
//! understood. Several matches are reported as ambiguous, never guessed.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::{Candidate, GeoQuery, Lookup, Precision};

const DATA: &str = include_str!("../../data/communes-fr.csv");

struct Commune {
    name: &'static str,
    key: String,
    lat: f64,
    lon: f64,
    postcodes: Vec<&'static str>,
}

struct Index {
    communes: Vec<Commune>,
    by_postcode: HashMap<&'static str, Vec<usize>>,
    by_key: HashMap<String, Vec<usize>>,
}

/// The name of a commune as compared: folded, words only, "st" → "saint", ordinals as
/// numbers, without the word "arrondissement" or "cedex".
pub fn key(name: &str) -> String {
    let folded = shared::text::fold(name);
    let words: Vec<String> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .filter(|w| !matches!(*w, "arrondissement" | "arr" | "cedex"))
        .map(|w| match w {
            "st" => "saint".to_string(),
            "ste" => "sainte".to_string(),
            w => {
                // 1er, 3e, 3eme, 03 → 1, 3, 3, 3
                let digits: String = w.chars().take_while(char::is_ascii_digit).collect();
                let rest = &w[digits.len()..];
                if !digits.is_empty() && matches!(rest, "" | "e" | "er" | "eme" | "ieme") {
                    digits.trim_start_matches('0').to_string()
                } else {
                    w.to_string()
                }
            }
        })
        .collect();
    words.join(" ")
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut communes = Vec::new();
        for line in DATA.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let mut parts = line.split(';');
            let (Some(name), Some(codes), Some(lat), Some(lon)) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let (Ok(lat), Ok(lon)) = (lat.parse(), lon.parse()) else {
                continue;
            };
            communes.push(Commune {
                name,
                key: key(name),
                lat,
                lon,
                postcodes: codes.split(' ').collect(),
            });
        }
        let mut by_postcode: HashMap<&'static str, Vec<usize>> = HashMap::new();
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, c) in communes.iter().enumerate() {
            for p in &c.postcodes {
                by_postcode.entry(p).or_default().push(i);
            }
            by_key.entry(c.key.clone()).or_default().push(i);
        }
        Index {
            communes,
            by_postcode,
            by_key,
        }
    })
}

fn candidate(c: &Commune, postcode: &str) -> Candidate {
    let code = if c.postcodes.contains(&postcode) {
        postcode
    } else {
        c.postcodes.first().copied().unwrap_or("")
    };
    Candidate {
        lat: c.lat,
        lon: c.lon,
        label: format!("{} ({code})", c.name),
        precision: Precision::Commune,
        score: 1.0,
    }
}

/// Looks a postcode and a city up in the embedded communes.
pub fn lookup(q: &GeoQuery) -> Lookup {
    let idx = index();
    let postcode = q.postcode.trim();
    let city = key(&q.city);
    let by_code: Vec<&Commune> = idx
        .by_postcode
        .get(postcode)
        .map(|v| v.iter().map(|&i| &idx.communes[i]).collect())
        .unwrap_or_default();
    if !by_code.is_empty() {
        let named: Vec<&&Commune> = if city.is_empty() {
            by_code.iter().collect()
        } else {
            let exact: Vec<&&Commune> = by_code.iter().filter(|c| c.key == city).collect();
            if exact.is_empty() {
                // "Lyon" with 69003 is Lyon 3e; "Saint-Genis" is Saint-Genis-Laval.
                by_code
                    .iter()
                    .filter(|c| c.key.starts_with(&format!("{city} ")) || c.key.starts_with(&city))
                    .collect()
            } else {
                exact
            }
        };
        return match named.as_slice() {
            [one] => Lookup::Found(candidate(one, postcode)),
            [] if by_code.len() == 1 => Lookup::Ambiguous(vec![candidate(by_code[0], postcode)]),
            [] => Lookup::Ambiguous(by_code.iter().map(|c| candidate(c, postcode)).collect()),
            many => Lookup::Ambiguous(many.iter().map(|c| candidate(c, postcode)).collect()),
        };
    }
    if city.is_empty() {
        return Lookup::NotFound;
    }
    let mut same: Vec<&Commune> = idx
        .by_key
        .get(&city)
        .map(|v| v.iter().map(|&i| &idx.communes[i]).collect())
        .unwrap_or_default();
    // A department given by a postcode we do not know narrows homonyms down.
    if same.len() > 1 && postcode.len() >= 2 {
        let dept = &postcode[..2];
        let narrowed: Vec<&Commune> = same
            .iter()
            .copied()
            .filter(|c| c.postcodes.iter().any(|p| p.starts_with(dept)))
            .collect();
        if !narrowed.is_empty() {
            same = narrowed;
        }
    }
    match same.as_slice() {
        [] => Lookup::NotFound,
        [one] => Lookup::Found(candidate(one, postcode)),
        many => Lookup::Ambiguous(many.iter().take(10).map(|c| candidate(c, postcode)).collect()),
    }
}

/// The communes to name on a map of `places` (lat, lon): the commune of each place first (the
/// nearest centre), then the other communes within the places' box widened by a third on each
/// side, those with more postcodes first, then nearest the box's centre; at most `limit`. From
/// the embedded data: no network.
pub fn towns_around(places: &[(f64, f64)], limit: usize) -> Vec<shared::plan::labels::MapTown> {
    if places.is_empty() {
        return Vec::new();
    }
    let communes = &index().communes;
    let (mut s, mut w, mut n, mut e) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for (lat, lon) in places {
        s = s.min(*lat);
        n = n.max(*lat);
        w = w.min(*lon);
        e = e.max(*lon);
    }
    // At least ~2 km of margin: a day in one town still names its neighbours.
    let (dlat, dlon) = (((n - s) / 3.0).max(0.02), ((e - w) / 3.0).max(0.03));
    let (s, n, w, e) = (s - dlat, n + dlat, w - dlon, e + dlon);
    let centre = ((s + n) / 2.0, (w + e) / 2.0);
    // Squared degrees, longitude shrunk by its cosine at ~46° N: an ordering, not a distance.
    let near = |c: &Commune, p: (f64, f64)| (c.lat - p.0).powi(2) + ((c.lon - p.1) * 0.7).powi(2);
    let mut chosen: Vec<usize> = Vec::new();
    for p in places {
        if let Some(i) = (0..communes.len()).min_by(|a, b| near(&communes[*a], *p).total_cmp(&near(&communes[*b], *p)))
        {
            if !chosen.contains(&i) {
                chosen.push(i);
            }
        }
    }
    let mut others: Vec<usize> = (0..communes.len())
        .filter(|i| {
            let c = &communes[*i];
            (s..=n).contains(&c.lat) && (w..=e).contains(&c.lon) && !chosen.contains(i)
        })
        .collect();
    // Towns with several postcodes (Lyon, Villeurbanne's neighbours…) before villages: the
    // embedded data has no population, and a map to find one's way names the big ones first.
    others.sort_by(|a, b| {
        let (ca, cb) = (&communes[*a], &communes[*b]);
        cb.postcodes
            .len()
            .cmp(&ca.postcodes.len())
            .then(near(ca, centre).total_cmp(&near(cb, centre)))
    });
    chosen.extend(others);
    chosen.truncate(limit);
    chosen
        .into_iter()
        .map(|i| shared::plan::labels::MapTown {
            // "Lyon 2e Arrondissement" is "Lyon 2e" on a map.
            name: communes[i].name.trim_end_matches(" Arrondissement").to_string(),
            lat: communes[i].lat,
            lon: communes[i].lon,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(postcode: &str, city: &str) -> GeoQuery {
        GeoQuery {
            address_line: String::new(),
            postcode: postcode.into(),
            city: city.into(),
        }
    }

    fn found(l: Lookup) -> String {
        match l {
            Lookup::Found(c) => c.label,
            other => panic!("not found: {other:?}"),
        }
    }

    #[test]
    fn postcode_and_name_with_accents_hyphens_saint_and_arrondissements() {
        assert_eq!(found(lookup(&q("69003", "Lyon"))), "Lyon 3e Arrondissement (69003)");
        assert_eq!(found(lookup(&q("", "Lyon 3ème"))), "Lyon 3e Arrondissement (69003)");
        assert_eq!(found(lookup(&q("75015", "PARIS"))), "Paris 15e Arrondissement (75015)");
        assert_eq!(
            found(lookup(&q("69230", "St Genis Laval"))),
            "Saint-Genis-Laval (69230)"
        );
        assert_eq!(found(lookup(&q("", "saint-genis-laval"))), "Saint-Genis-Laval (69230)");
        assert_eq!(
            found(lookup(&q("01500", "Amberieu en Bugey"))),
            "Ambérieu-en-Bugey (01500)"
        );
        let l = lookup(&q("69100", "Villeurbanne"));
        let Lookup::Found(c) = l else { panic!() };
        assert!((c.lat - 45.77).abs() < 0.05 && (c.lon - 4.88).abs() < 0.05);
        assert_eq!(c.precision, Precision::Commune);
    }

    #[test]
    fn homonyms_and_unknowns_are_flagged_not_guessed() {
        // Several communes are called Saint-Martin: without a postcode it is ambiguous.
        assert!(matches!(lookup(&q("", "Saint-Martin")), Lookup::Ambiguous(v) if v.len() > 1));
        assert!(matches!(lookup(&q("", "Nulle-Part-sur-Mer")), Lookup::NotFound));
        // A postcode of one commune with another name: flagged with the postcode's commune.
        assert!(matches!(lookup(&q("69230", "Marseille")), Lookup::Ambiguous(v) if v.len() == 1));
        assert!(matches!(lookup(&q("", "")), Lookup::NotFound));
    }

    #[test]
    fn keys_fold_what_people_type() {
        assert_eq!(key("Ste-Foy-lès-Lyon"), "sainte foy les lyon");
        assert_eq!(key("Lyon 1er Arrondissement"), "lyon 1");
        assert_eq!(key("LYON 03"), "lyon 3");
    }
}
