//! The benchmark formats: TSPLIB (`EUC_2D`) and Solomon VRPTW text files.

use super::Matrix;

/// A TSPLIB instance: its name and coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct Tsplib {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

impl Tsplib {
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut name = String::new();
        let mut kind = String::new();
        let mut dimension = 0usize;
        let mut points = Vec::new();
        let mut in_coords = false;
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line == "EOF" {
                continue;
            }
            if in_coords {
                let parts: Vec<&str> = line.split_whitespace().collect();
                if parts.len() < 3 {
                    in_coords = false;
                    continue;
                }
                let x: f64 = parts[1].parse().map_err(|_| format!("bad coordinate line {line:?}"))?;
                let y: f64 = parts[2].parse().map_err(|_| format!("bad coordinate line {line:?}"))?;
                points.push((x, y));
                continue;
            }
            if line.starts_with("NODE_COORD_SECTION") {
                in_coords = true;
                continue;
            }
            if let Some((key, value)) = line.split_once(':') {
                let value = value.trim();
                match key.trim() {
                    "NAME" => name = value.to_string(),
                    "EDGE_WEIGHT_TYPE" => kind = value.to_string(),
                    "DIMENSION" => dimension = value.parse().map_err(|_| format!("bad DIMENSION {value:?}"))?,
                    _ => {}
                }
            }
        }
        if kind != "EUC_2D" {
            return Err(format!("EDGE_WEIGHT_TYPE {kind:?} not supported (EUC_2D only)"));
        }
        if points.len() != dimension || dimension < 3 {
            return Err(format!("{} coordinates for DIMENSION {dimension}", points.len()));
        }
        Ok(Tsplib { name, points })
    }

    /// TSPLIB's `EUC_2D` rule: the Euclidean distance rounded to the nearest integer.
    pub fn matrix(&self) -> Matrix {
        let p = &self.points;
        Matrix::from_fn(p.len(), |i, j| {
            let (dx, dy) = (p[i].0 - p[j].0, p[i].1 - p[j].1);
            ((dx * dx + dy * dy).sqrt() + 0.5).floor() as i64
        })
    }
}

/// One customer (or the depot, index 0) of a Solomon instance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolomonNode {
    pub x: f64,
    pub y: f64,
    pub demand: i64,
    pub ready: f64,
    pub due: f64,
    pub service: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Solomon {
    pub name: String,
    pub vehicles: usize,
    pub capacity: i64,
    /// The depot first.
    pub nodes: Vec<SolomonNode>,
}

impl Solomon {
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
        let name = lines.next().ok_or("empty file")?.to_string();
        let mut vehicles = None;
        let mut nodes = Vec::new();
        let mut section = "";
        for line in lines {
            if line.starts_with("VEHICLE") {
                section = "vehicle";
                continue;
            }
            if line.starts_with("CUSTOMER") {
                section = "customer";
                continue;
            }
            let nums: Vec<f64> = line.split_whitespace().filter_map(|t| t.parse().ok()).collect();
            match section {
                "vehicle" if nums.len() == 2 => vehicles = Some((nums[0] as usize, nums[1] as i64)),
                "customer" if nums.len() == 7 => nodes.push(SolomonNode {
                    x: nums[1],
                    y: nums[2],
                    demand: nums[3] as i64,
                    ready: nums[4],
                    due: nums[5],
                    service: nums[6],
                }),
                _ => {}
            }
        }
        let (vehicles, capacity) = vehicles.ok_or("no VEHICLE section")?;
        if nodes.len() < 2 {
            return Err("no customers".into());
        }
        Ok(Solomon {
            name,
            vehicles,
            capacity,
            nodes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsplib_euc_2d_rounds_to_nearest() {
        let t = Tsplib::parse("NAME : t\nTYPE : TSP\nDIMENSION : 3\nEDGE_WEIGHT_TYPE : EUC_2D\nNODE_COORD_SECTION\n1 0 0\n2 3 4\n3 0 1.4\nEOF\n").unwrap();
        let m = t.matrix();
        assert_eq!(m.get(0, 1), 5);
        assert_eq!(m.get(0, 2), 1);
        assert!(Tsplib::parse("NAME : t\nDIMENSION : 3\nEDGE_WEIGHT_TYPE : GEO\nNODE_COORD_SECTION\n1 0 0\n").is_err());
    }

    #[test]
    fn solomon_reads_vehicles_and_customers() {
        let s = Solomon::parse(
            "C101\n\nVEHICLE\nNUMBER     CAPACITY\n  25         200\n\nCUSTOMER\nCUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME\n\n    0      40         50          0          0       1236          0\n    1      45         68         10        912        967         90\n",
        )
        .unwrap();
        assert_eq!((s.vehicles, s.capacity, s.nodes.len()), (25, 200, 2));
        assert_eq!(s.nodes[1].due, 967.0);
    }
}
