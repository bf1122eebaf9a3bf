//! Agency settings: the numbers the domain names as defaults, which each agency may change.

use crate::cadence::CadenceTable;
use crate::offer::{ProductFamily, PrognosisRule};
use crate::record::FieldErrors;
use crate::scoring::{SegmentBands, SegmentWeights, SizeThresholds};
use crate::values::Invalid;
use crate::visit::ObjectionType;
use serde::{Deserialize, Serialize};

/// Everything an agency can tune. Stored as one JSON document per agency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct AgencySettings {
    /// Prospect size class thresholds on accessible potential.
    pub size_thresholds: SizeThresholds,
    /// Weights of the four criteria of the client score.
    pub segment_weights: SegmentWeights,
    /// Score bands of the VIP / Gold / Silver segments (Bronze below).
    pub segment_bands: SegmentBands,
    /// Follow-up cadence per segment.
    pub cadence: CadenceTable,
    /// The standard objection list (*objections types*), editable by the manager.
    #[serde(default = "crate::visit::default_objections")]
    pub objections: Vec<ObjectionType>,
    /// Where advisors' days start and end (the agency), for planning tours.
    pub base: Option<BasePlace>,
    /// Named sectors drawn by the manager, by postcode (a code, or its first digits).
    pub sectors: Vec<Sector>,
    /// The product families offers are filed under (*familles de produits*).
    #[serde(default = "crate::offer::default_families")]
    pub product_families: Vec<ProductFamily>,
    /// How a record's offers sum into its global prognosis.
    pub prognosis_rule: PrognosisRule,
    /// The period, in days, within which one person is called at most 3 times in phoning
    /// sessions (*période de relance*).
    #[serde(default = "default_follow_up_period")]
    pub follow_up_period_days: u32,
    /// Weekly targets, the agency's default and per advisor.
    pub targets: crate::targets::Targets,
    /// The KPI targets (conversion, retention, NPS, response delay, clients seen on time).
    pub kpi_targets: crate::dashboard::KpiTargets,
}

fn default_follow_up_period() -> u32 {
    30
}

/// A sector (*secteur*) defined by the manager.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sector {
    pub name: String,
    /// Postcodes or prefixes: `69003`, `6913` (every 6913x).
    pub postcodes: Vec<String>,
}

impl Sector {
    pub fn contains(&self, postcode: &str) -> bool {
        !postcode.is_empty()
            && self
                .postcodes
                .iter()
                .any(|p| !p.is_empty() && postcode.starts_with(p.as_str()))
    }
}

/// A named point: the agency's address for tours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BasePlace {
    pub label: String,
    pub lat: f64,
    pub lon: f64,
}

impl Default for AgencySettings {
    fn default() -> Self {
        AgencySettings {
            size_thresholds: SizeThresholds::default(),
            segment_weights: SegmentWeights::default(),
            segment_bands: SegmentBands::default(),
            cadence: CadenceTable::default(),
            objections: crate::visit::default_objections(),
            base: None,
            sectors: Vec::new(),
            product_families: crate::offer::default_families(),
            prognosis_rule: PrognosisRule::default(),
            follow_up_period_days: default_follow_up_period(),
            targets: crate::targets::Targets::default(),
            kpi_targets: crate::dashboard::KpiTargets::default(),
        }
    }
}

impl AgencySettings {
    /// Checks the settings hang together: every problem, by field (`size_thresholds`,
    /// `segment_weights`, `segment_bands`, `cadence`, `objections`, `sectors`, `base`, `product_families`), as a
    /// form shows them — the same [`FieldErrors`] as every other validation.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut check = |field: &str, result: Result<(), Invalid>| {
            if let Err(Invalid(m)) = result {
                errors.entry(field.to_string()).or_insert(m);
            }
        };
        check("size_thresholds", self.size_thresholds.validate());
        check("segment_weights", self.segment_weights.validate());
        check("segment_bands", self.segment_bands.validate());
        check("cadence", self.cadence.validate());
        check("objections", crate::visit::validate_objections(&self.objections));
        check("sectors", self.check_sectors());
        check(
            "product_families",
            crate::offer::validate_families(&self.product_families),
        );
        check("targets", self.targets.validate());
        check("kpi_targets", self.kpi_targets.validate());
        if !(1..=365).contains(&self.follow_up_period_days) {
            check(
                "follow_up_period_days",
                Err(Invalid("période de relance de 1 à 365 jours".into())),
            );
        }
        if let Some(b) = &self.base {
            if !(-90.0..=90.0).contains(&b.lat) || !(-180.0..=180.0).contains(&b.lon) {
                check("base", Err(Invalid("coordonnées invalides".into())));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn check_sectors(&self) -> Result<(), Invalid> {
        for (i, sector) in self.sectors.iter().enumerate() {
            if sector.name.trim().is_empty() || sector.name.chars().count() > 80 {
                return Err(Invalid(format!("secteur {} : nom de 1 à 80 caractères", i + 1)));
            }
            if sector
                .postcodes
                .iter()
                .any(|p| p.is_empty() || p.len() > 5 || !p.chars().all(|c| c.is_ascii_digit()))
            {
                return Err(Invalid(format!(
                    "secteur « {} » : codes postaux de 1 à 5 chiffres",
                    sector.name
                )));
            }
            if self.sectors[..i].iter().any(|o| o.name == sector.name) {
                return Err(Invalid(format!("secteur « {} » en double", sector.name)));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_partial_json_fills_from_defaults() {
        assert!(AgencySettings::default().validate().is_ok());
        let s: AgencySettings = serde_json::from_str(r#"{"segment_bands":{"vip":80,"gold":55,"silver":30}}"#).unwrap();
        assert_eq!(s.segment_bands.vip, 80);
        assert_eq!(s.cadence, CadenceTable::default());
        assert_eq!(s.objections, crate::visit::default_objections());
    }
}
