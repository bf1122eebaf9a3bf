//! Size class of a prospect and segment of a client (domain README §3).
//!
//! The client score is a weighted sum of four criteria, each first brought to a 0–100
//! sub-score: assets entrusted (40 %), development potential (25 %), relationship quality
//! (20 %) and referrals made (15 %). The wealth sub-scores are piecewise linear through the
//! domain's default wealth bands (50 k€ → 25, 250 k€ → 50, 1 M€ → 75, 4 M€ → 100), so that with
//! the default score bands a client whose only strong criterion is wealth lands in the segment
//! the wealth bands name; the other criteria move a client up or down around that.

use crate::cadence::due_dates;
use crate::stage::Stage;
use crate::values::Euros;
use crate::values::Invalid;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Prospect size class (grand / moyen / petit prospect) from accessible potential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SizeClass {
    Small,
    Medium,
    Big,
}

impl SizeClass {
    pub const ALL: [SizeClass; 3] = [SizeClass::Big, SizeClass::Medium, SizeClass::Small];

    pub fn as_str(self) -> &'static str {
        match self {
            SizeClass::Small => "small",
            SizeClass::Medium => "medium",
            SizeClass::Big => "big",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// French label.
    pub fn label(self) -> &'static str {
        match self {
            SizeClass::Small => "Petit",
            SizeClass::Medium => "Moyen",
            SizeClass::Big => "Grand",
        }
    }
}

/// Potential thresholds, in whole euros, at and above which a prospect is medium / big.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SizeThresholds {
    pub medium_from_euros: i64,
    pub big_from_euros: i64,
}

impl Default for SizeThresholds {
    fn default() -> Self {
        SizeThresholds {
            medium_from_euros: 50_000,
            big_from_euros: 250_000,
        }
    }
}

impl SizeThresholds {
    pub fn validate(&self) -> Result<(), Invalid> {
        if self.medium_from_euros <= 0 || self.big_from_euros <= self.medium_from_euros {
            return Err(Invalid("il faut 0 < seuil moyen < seuil grand".into()));
        }
        Ok(())
    }

    pub fn classify(&self, potential: Euros) -> SizeClass {
        let e = potential.whole_euros();
        if e >= self.big_from_euros {
            SizeClass::Big
        } else if e >= self.medium_from_euros {
            SizeClass::Medium
        } else {
            SizeClass::Small
        }
    }
}

/// Client segment (VIP / Gold / Silver / Bronze).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Segment {
    Bronze,
    Silver,
    Gold,
    Vip,
}

impl Segment {
    pub const ALL: [Segment; 4] = [Segment::Vip, Segment::Gold, Segment::Silver, Segment::Bronze];

    pub fn as_str(self) -> &'static str {
        match self {
            Segment::Bronze => "bronze",
            Segment::Silver => "silver",
            Segment::Gold => "gold",
            Segment::Vip => "vip",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Segment::Bronze => "Bronze",
            Segment::Silver => "Silver",
            Segment::Gold => "Gold",
            Segment::Vip => "VIP",
        }
    }
}

/// Weights of the four score criteria, in percent; they must add up to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SegmentWeights {
    pub assets: u8,
    pub potential: u8,
    pub relationship: u8,
    pub referrals: u8,
}

impl Default for SegmentWeights {
    fn default() -> Self {
        SegmentWeights {
            assets: 40,
            potential: 25,
            relationship: 20,
            referrals: 15,
        }
    }
}

impl SegmentWeights {
    pub fn validate(&self) -> Result<(), Invalid> {
        let sum = self.assets as u32 + self.potential as u32 + self.relationship as u32 + self.referrals as u32;
        if sum != 100 {
            return Err(Invalid(format!(
                "la somme des pondérations doit faire 100 % (elle fait {sum} %)"
            )));
        }
        Ok(())
    }
}

/// Minimum score (0–100) of each segment; Bronze is everything below Silver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SegmentBands {
    pub vip: u8,
    pub gold: u8,
    pub silver: u8,
}

impl Default for SegmentBands {
    fn default() -> Self {
        SegmentBands {
            vip: 75,
            gold: 50,
            silver: 25,
        }
    }
}

impl SegmentBands {
    pub fn validate(&self) -> Result<(), Invalid> {
        if !(self.silver > 0 && self.silver < self.gold && self.gold < self.vip && self.vip <= 100) {
            return Err(Invalid("il faut 0 < Silver < Gold < VIP ≤ 100".into()));
        }
        Ok(())
    }

    pub fn segment(&self, score: u8) -> Segment {
        if score >= self.vip {
            Segment::Vip
        } else if score >= self.gold {
            Segment::Gold
        } else if score >= self.silver {
            Segment::Silver
        } else {
            Segment::Bronze
        }
    }
}

/// The inputs of the client score, as recorded on the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScoreInputs {
    pub assets_entrusted: Euros,
    pub accessible_potential: Euros,
    /// Relationship quality from 1 (poor) to 5 (excellent); `None` counts as neutral (3).
    pub relationship_quality: Option<u8>,
    /// Number of referrals this client has given.
    pub referrals_made: u32,
}

/// Sub-score of a wealth amount, 0–100, through the default wealth bands.
pub fn wealth_subscore(amount: Euros) -> f64 {
    const KNOTS: [(f64, f64); 5] = [
        (0.0, 0.0),
        (50_000.0, 25.0),
        (250_000.0, 50.0),
        (1_000_000.0, 75.0),
        (4_000_000.0, 100.0),
    ];
    let e = amount.cents() as f64 / 100.0;
    for w in KNOTS.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if e < x1 {
            return y0 + (e - x0) / (x1 - x0) * (y1 - y0);
        }
    }
    100.0
}

/// The weighted client score, 0–100, rounded down.
pub fn client_score(inputs: &ScoreInputs, weights: &SegmentWeights) -> u8 {
    let quality = inputs.relationship_quality.unwrap_or(3).clamp(1, 5);
    let relationship = (quality as f64 - 1.0) * 25.0;
    let referrals = (inputs.referrals_made.min(4) as f64) * 25.0;
    let total = wealth_subscore(inputs.assets_entrusted) * weights.assets as f64
        + wealth_subscore(inputs.accessible_potential) * weights.potential as f64
        + relationship * weights.relationship as f64
        + referrals * weights.referrals as f64;
    (total / 100.0).floor().clamp(0.0, 100.0) as u8
}

/// Values computed from a record and its agency's settings on every write.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Derived {
    pub score: i64,
    pub segment: Segment,
    pub size_class: SizeClass,
    pub next_meeting_due: Option<NaiveDate>,
    pub next_call_due: Option<NaiveDate>,
}

/// The inputs of the derivation, whether from a new write or a stored row.
#[derive(Debug, Clone, PartialEq)]
pub struct DeriveInputs {
    pub accessible_potential_cents: i64,
    pub assets_entrusted_cents: i64,
    pub relationship_quality: Option<i64>,
    pub referrals_made: i64,
    pub last_meeting_on: Option<NaiveDate>,
    pub last_call_on: Option<NaiveDate>,
    pub stage: Stage,
    /// When the current stage began: the start of the relationship for a client never met.
    pub stage_since: DateTime<Utc>,
}

impl Derived {
    /// The earlier of the two due dates: the record is due for something from that day.
    pub fn next_due(&self) -> Option<NaiveDate> {
        match (self.next_meeting_due, self.next_call_due) {
            (Some(m), Some(c)) => Some(m.min(c)),
            (m, c) => m.or(c),
        }
    }

    pub fn compute(d: &DeriveInputs, settings: &crate::settings::AgencySettings) -> Self {
        let euros = |c: i64| Euros::from_cents(c.max(0)).unwrap_or(Euros::ZERO);
        let inputs = ScoreInputs {
            assets_entrusted: euros(d.assets_entrusted_cents),
            accessible_potential: euros(d.accessible_potential_cents),
            relationship_quality: d.relationship_quality.map(|q| q.clamp(1, 5) as u8),
            referrals_made: d.referrals_made.clamp(0, u32::MAX as i64) as u32,
        };
        let score = client_score(&inputs, &settings.segment_weights);
        let segment = settings.segment_bands.segment(score);
        let size_class = settings.size_thresholds.classify(inputs.accessible_potential);
        // Cadence applies to clients; a prospect's next step is its next-contact date.
        let (next_meeting_due, next_call_due) = if d.stage == Stage::Client {
            let due = due_dates(
                &settings.cadence.for_segment(segment),
                d.last_meeting_on,
                d.last_call_on,
                d.stage_since.date_naive(),
            );
            (Some(due.meeting), Some(due.call))
        } else {
            (None, None)
        };
        Derived {
            score: score as i64,
            segment,
            size_class,
            next_meeting_due,
            next_call_due,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn k(euros: i64) -> Euros {
        Euros::from_euros(euros)
    }

    #[test]
    fn size_class_follows_agency_thresholds() {
        let t = SizeThresholds::default();
        assert_eq!(t.classify(k(49_999)), SizeClass::Small);
        assert_eq!(t.classify(k(50_000)), SizeClass::Medium);
        assert_eq!(t.classify(k(250_000)), SizeClass::Big);
        let custom = SizeThresholds {
            medium_from_euros: 10_000,
            big_from_euros: 20_000,
        };
        assert_eq!(custom.classify(k(20_000)), SizeClass::Big);
    }

    #[test]
    fn wealth_alone_lands_in_the_domain_wealth_band() {
        // A client with assets equal to potential, neutral relationship and one referral:
        // every criterion near the middle of its wealth band.
        let w = SegmentWeights::default();
        let b = SegmentBands::default();
        let seg = |assets: i64, q: u8, refs: u32| {
            b.segment(client_score(
                &ScoreInputs {
                    assets_entrusted: k(assets),
                    accessible_potential: k(assets),
                    relationship_quality: Some(q),
                    referrals_made: refs,
                },
                &w,
            ))
        };
        assert_eq!(seg(2_000_000, 4, 3), Segment::Vip);
        assert_eq!(seg(500_000, 3, 2), Segment::Gold);
        assert_eq!(seg(120_000, 3, 1), Segment::Silver);
        assert_eq!(seg(20_000, 2, 0), Segment::Bronze);
    }

    #[test]
    fn weights_must_sum_to_one_hundred_and_bands_must_rise() {
        assert!(SegmentWeights {
            assets: 50,
            potential: 25,
            relationship: 20,
            referrals: 15
        }
        .validate()
        .is_err());
        assert!(SegmentBands {
            vip: 50,
            gold: 50,
            silver: 25
        }
        .validate()
        .is_err());
    }

    proptest! {
        #[test]
        fn score_stays_in_range_and_rises_with_assets(a in 0i64..10_000_000, extra in 1i64..1_000_000, q in 1u8..=5, r in 0u32..10) {
            let w = SegmentWeights::default();
            let lo = client_score(&ScoreInputs { assets_entrusted: k(a), accessible_potential: k(a), relationship_quality: Some(q), referrals_made: r }, &w);
            let hi = client_score(&ScoreInputs { assets_entrusted: k(a + extra), accessible_potential: k(a), relationship_quality: Some(q), referrals_made: r }, &w);
            prop_assert!(lo <= 100 && hi <= 100);
            prop_assert!(hi >= lo);
        }
    }
}
