//! The weighted pipeline (*pipeline pondéré*) and a record's offers summed up.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{global_prognosis, is_quasi_client, Offer, OfferStatus, PrognosisRule};

/// One month of the pipeline (*pipeline pondéré*).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PipelineMonth {
    /// `YYYY-MM`.
    pub month: String,
    /// Offers in progress closing that month.
    pub open_count: i64,
    pub open_cents: i64,
    /// Σ amount × prognosis of the offers in progress.
    pub weighted_cents: i64,
    /// Offers signed with that closing month.
    pub signed_count: i64,
    pub signed_cents: i64,
}

/// One advisor's line of the pipeline (the records' owner).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdvisorPipeline {
    pub owner_id: Uuid,
    pub owner_name: String,
    pub open_count: i64,
    pub open_cents: i64,
    pub weighted_cents: i64,
    pub signed_count: i64,
    pub signed_cents: i64,
}

/// `GET /api/v1/statistics/pipeline`: the weighted pipeline by closing month and by advisor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pipeline {
    pub months: Vec<PipelineMonth>,
    pub advisors: Vec<AdvisorPipeline>,
}

impl PipelineMonth {
    fn add(&mut self, m: &PipelineMonth) {
        self.open_count += m.open_count;
        self.open_cents += m.open_cents;
        self.weighted_cents += m.weighted_cents;
        self.signed_count += m.signed_count;
        self.signed_cents += m.signed_cents;
    }
}

impl Pipeline {
    /// The pipeline from each advisor's months (`(owner, name, month)`, any order): months in
    /// order, advisors by name.
    pub fn of(cells: &[(Uuid, String, PipelineMonth)]) -> Pipeline {
        let mut months: std::collections::BTreeMap<&str, PipelineMonth> = Default::default();
        let mut advisors: std::collections::BTreeMap<(&str, Uuid), PipelineMonth> = Default::default();
        for (owner_id, name, m) in cells {
            months
                .entry(&m.month)
                .or_insert_with(|| PipelineMonth {
                    month: m.month.clone(),
                    ..Default::default()
                })
                .add(m);
            advisors.entry((name, *owner_id)).or_default().add(m);
        }
        Pipeline {
            months: months.into_values().collect(),
            advisors: advisors
                .into_iter()
                .map(|((name, owner_id), t)| AdvisorPipeline {
                    owner_id,
                    owner_name: name.to_string(),
                    open_count: t.open_count,
                    open_cents: t.open_cents,
                    weighted_cents: t.weighted_cents,
                    signed_count: t.signed_count,
                    signed_cents: t.signed_cents,
                })
                .collect(),
        }
    }

    /// The months summed.
    pub fn total(&self) -> PipelineMonth {
        self.months.iter().fold(PipelineMonth::default(), |mut t, m| {
            t.add(m);
            t
        })
    }
}

/// `GET /api/v1/contacts/{id}/offers`: a record's offers and what they add up to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordOffers {
    /// Newest first.
    pub offers: Vec<Offer>,
    /// By the agency's rule; `None` without offers (or, by hand, until set).
    pub global_prognosis: Option<u8>,
    pub rule: PrognosisRule,
    /// A signed offer and the stage not yet client.
    pub quasi_client: bool,
}

impl RecordOffers {
    pub fn of(mut offers: Vec<Offer>, contact: &crate::record::Contact, rule: PrognosisRule) -> RecordOffers {
        offers.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        RecordOffers {
            global_prognosis: global_prognosis(&offers, rule, contact.manual_prognosis),
            quasi_client: is_quasi_client(&offers, contact.stage),
            rule,
            offers,
        }
    }
}

/// The pipeline of a set of offers, month by month in order.
pub fn pipeline(offers: &[Offer]) -> Vec<PipelineMonth> {
    let mut months: std::collections::BTreeMap<&str, PipelineMonth> = Default::default();
    for o in offers {
        if !matches!(o.status, OfferStatus::Open | OfferStatus::Signed) {
            continue;
        }
        let m = months.entry(&o.closing_month).or_insert_with(|| PipelineMonth {
            month: o.closing_month.clone(),
            ..Default::default()
        });
        if o.status == OfferStatus::Open {
            m.open_count += 1;
            m.open_cents += o.amount_cents;
            m.weighted_cents += o.weighted_cents();
        } else {
            m.signed_count += 1;
            m.signed_cents += o.amount_cents;
        }
    }
    months.into_values().collect()
}
