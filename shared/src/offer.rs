//! Offers (*offres*) and their prognosis (*pronostic de résultat*), domain README §5.
//!
//! An offer is what an advisor proposes to a record: a product family, an amount (a yearly
//! premium or a capital), the month it should close, a quote sent and its answer, a status and
//! a prognosis of 0, 20, 40, 60, 80 or 100 % (0 = lost or abandoned, 100 = won). Every change
//! of prognosis is kept (who, when, from → to). The record's *global prognosis* follows the
//! agency's rule ([`PrognosisRule`]); a signed offer makes a prospect a *quasi-client*.
//!
//! Everything here is pure: the phone applies [`save_offer`] to its replica, the server the
//! same function in the transaction that stores the offer.

use crate::values::Invalid;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::record::FieldErrors;
use crate::visit::effects::Denied;

/// A product family (*famille de produits*), from the agency's editable list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductFamily {
    /// Stable code stored on offers (`savings`); a family removed from the list stays readable
    /// on the offers that carry it.
    pub code: String,
    /// What advisors read (`Épargne`).
    pub label: String,
}

/// The families of domain §5, the default list.
pub fn default_families() -> Vec<ProductFamily> {
    [
        ("property_casualty", "IARD (biens et responsabilité)"),
        ("protection", "Prévoyance"),
        ("health", "Santé"),
        ("retirement", "Retraite"),
        ("savings", "Épargne"),
        ("banking", "Banque"),
        ("real_estate", "Immobilier"),
        ("tax", "Défiscalisation"),
    ]
    .into_iter()
    .map(|(code, label)| ProductFamily {
        code: code.into(),
        label: label.into(),
    })
    .collect()
}

/// Checks a family list: 1 to 40 families, codes `a-z0-9_` unique, labels 1–80 characters.
pub fn validate_families(families: &[ProductFamily]) -> Result<(), Invalid> {
    if families.is_empty() || families.len() > 40 {
        return Err(Invalid("de 1 à 40 familles de produits".into()));
    }
    for (i, f) in families.iter().enumerate() {
        let code_ok = !f.code.is_empty()
            && f.code.len() <= 40
            && f.code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !code_ok {
            return Err(Invalid(format!(
                "famille {} : code de 1 à 40 caractères a-z, 0-9 ou _",
                i + 1
            )));
        }
        if f.label.trim().is_empty() || f.label.chars().count() > 80 {
            return Err(Invalid(format!(
                "famille « {} » : libellé de 1 à 80 caractères",
                f.code
            )));
        }
        if families[..i].iter().any(|o| o.code == f.code) {
            return Err(Invalid(format!("famille « {} » en double", f.code)));
        }
    }
    Ok(())
}

/// The label of a family code, or the code itself when the family left the list.
pub fn family_label<'a>(families: &'a [ProductFamily], code: &'a str) -> &'a str {
    families
        .iter()
        .find(|f| f.code == code)
        .map(|f| f.label.as_str())
        .unwrap_or(code)
}

/// A prognosis step: 0, 20, 40, 60, 80 or 100 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = u8))]
#[serde(try_from = "u8", into = "u8")]
pub struct Prognosis(u8);

impl Prognosis {
    pub const STEPS: [u8; 6] = [0, 20, 40, 60, 80, 100];
    pub const LOST: Prognosis = Prognosis(0);
    pub const WON: Prognosis = Prognosis(100);

    pub fn new(percent: u8) -> Option<Prognosis> {
        Self::STEPS.contains(&percent).then_some(Prognosis(percent))
    }

    pub fn percent(self) -> u8 {
        self.0
    }

    /// Every step, 0 to 100.
    pub fn all() -> impl Iterator<Item = Prognosis> {
        Self::STEPS.into_iter().map(Prognosis)
    }
}

impl TryFrom<u8> for Prognosis {
    type Error = String;
    fn try_from(v: u8) -> Result<Self, Self::Error> {
        Prognosis::new(v).ok_or_else(|| format!("pronostic de 0, 20, 40, 60, 80 ou 100 %, reçu {v}"))
    }
}

impl From<Prognosis> for u8 {
    fn from(p: Prognosis) -> u8 {
        p.0
    }
}

crate::wire_enum! {
    /// What the amount is.
    #[derive(Hash, Default)]
    pub enum AmountKind {
        /// A yearly premium (*prime annuelle*).
        #[default]
        Premium = "premium",
        /// A capital or a payment (*capital, versement*).
        Capital = "capital",
    }
}

impl AmountKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Premium => "Prime annuelle",
            Self::Capital => "Capital / versement",
        }
    }
}

crate::wire_enum! {
    /// Where an offer stands.
    #[derive(Hash, Default)]
    pub enum OfferStatus {
        /// In progress (*en cours*): prognosis 20 to 80 %.
        #[default]
        Open = "open",
        /// Signed (*signée*): prognosis 100 %.
        Signed = "signed",
        /// Lost, to a competitor or a refusal (*perdue*): 0 %.
        Lost = "lost",
        /// Given up by either side (*abandonnée*): 0 %.
        Abandoned = "abandoned",
    }
}

impl OfferStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "En cours",
            Self::Signed => "Signée",
            Self::Lost => "Perdue",
            Self::Abandoned => "Abandonnée",
        }
    }
    pub fn is_closed(self) -> bool {
        self != Self::Open
    }
}

crate::wire_enum! {
    /// The client's answer to a quote (*réponse au devis*).
    #[derive(Hash, Default)]
    pub enum QuoteAnswer {
        #[default]
        Awaited = "awaited",
        Accepted = "accepted",
        Refused = "refused",
    }
}

impl QuoteAnswer {
    pub fn label(self) -> &'static str {
        match self {
            Self::Awaited => "Réponse attendue",
            Self::Accepted => "Accepté",
            Self::Refused => "Refusé",
        }
    }
}

/// An offer to create or change. With `id` of an existing offer it replaces that offer's
/// values (`PUT`); the phone chooses the id of a new one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfferInput {
    #[serde(default)]
    pub id: Option<Uuid>,
    pub contact_id: Uuid,
    /// A product family code of the agency's list.
    pub family: String,
    /// What is offered, in a few words (`Assurance-vie, versement initial`).
    #[serde(default)]
    pub label: String,
    /// In cents.
    pub amount_cents: i64,
    #[serde(default)]
    pub amount_kind: AmountKind,
    /// The month the offer should close, `YYYY-MM`.
    pub closing_month: String,
    #[serde(default)]
    pub quote_sent_on: Option<NaiveDate>,
    #[serde(default)]
    pub quote_answer: QuoteAnswer,
    #[serde(default)]
    pub status: OfferStatus,
    pub prognosis: Prognosis,
    #[serde(default)]
    pub notes: String,
}

/// An offer as read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Offer {
    pub id: Uuid,
    pub contact_id: Uuid,
    pub family: String,
    pub label: String,
    pub amount_cents: i64,
    pub amount_kind: AmountKind,
    /// `YYYY-MM`.
    pub closing_month: String,
    pub quote_sent_on: Option<NaiveDate>,
    pub quote_answer: QuoteAnswer,
    pub status: OfferStatus,
    pub prognosis: Prognosis,
    pub notes: String,
    /// When the prognosis last changed, and by whom.
    pub prognosis_changed_at: DateTime<Utc>,
    pub prognosis_changed_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub created_by: Uuid,
    pub updated_at: DateTime<Utc>,
    pub seq: i64,
}

impl Offer {
    pub fn to_input(&self) -> OfferInput {
        OfferInput {
            id: Some(self.id),
            contact_id: self.contact_id,
            family: self.family.clone(),
            label: self.label.clone(),
            amount_cents: self.amount_cents,
            amount_kind: self.amount_kind,
            closing_month: self.closing_month.clone(),
            quote_sent_on: self.quote_sent_on,
            quote_answer: self.quote_answer,
            status: self.status,
            prognosis: self.prognosis,
            notes: self.notes.clone(),
        }
    }

    /// Σ amount × prognosis: what the offer weighs in the pipeline, in cents.
    pub fn weighted_cents(&self) -> i64 {
        self.amount_cents * i64::from(self.prognosis.percent()) / 100
    }
}

/// One change of an offer's prognosis (*historique du pronostic*); `from` is `None` for the
/// offer's first one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrognosisChange {
    pub offer_id: Uuid,
    pub from: Option<Prognosis>,
    pub to: Prognosis,
    pub by: Uuid,
    pub by_name: String,
    pub at: DateTime<Utc>,
}

/// Reads `YYYY-MM` (years 2000–2100).
pub fn parse_month(s: &str) -> Option<NaiveDate> {
    let (y, m) = s.trim().split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    let y: i32 = y.parse().ok()?;
    if !(2000..=2100).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m.parse().ok()?, 1)
}

/// `YYYY-MM` of a day.
pub fn month_of(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// "mars 2027".
pub fn month_label(month: &str) -> String {
    const NAMES: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    match parse_month(month) {
        Some(d) => format!("{} {}", NAMES[d.month0() as usize], d.year()),
        None => month.to_string(),
    }
}

impl OfferInput {
    /// Checks the values, by field. `families` is the agency's list; `kept_family` the
    /// family the offer already has (a family taken off the list stays valid on it).
    pub fn validate(
        mut self,
        families: &[ProductFamily],
        kept_family: Option<&str>,
    ) -> Result<OfferInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        self.family = self.family.trim().to_string();
        if self.family.is_empty() {
            errors.insert("family".into(), "choisissez une famille de produits".into());
        } else if !families.iter().any(|f| f.code == self.family) && kept_family != Some(self.family.as_str()) {
            errors.insert("family".into(), "famille de produits inconnue de l'agence".into());
        }
        crate::visit::check_text(&mut errors, "label", &mut self.label, 200);
        crate::visit::check_text(&mut errors, "notes", &mut self.notes, 5000);
        if self.amount_cents <= 0 {
            errors.insert("amount_cents".into(), "montant supérieur à zéro attendu".into());
        } else if crate::values::Euros::from_cents(self.amount_cents).is_err() {
            errors.insert("amount_cents".into(), "montant trop élevé".into());
        }
        match parse_month(&self.closing_month) {
            Some(d) => self.closing_month = month_of(d),
            None => {
                errors.insert("closing_month".into(), "mois de signature attendu (AAAA-MM)".into());
            }
        }
        if self.quote_sent_on.is_none() && self.quote_answer != QuoteAnswer::Awaited {
            errors.insert("quote_answer".into(), "une réponse suppose un devis envoyé".into());
        }
        (self.status, self.prognosis) = settle(self.status, self.prognosis);
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}

/// Status and prognosis agree: signed is 100 %, lost and abandoned 0 %; an offer in progress
/// moved to 100 % is signed, to 0 % abandoned.
pub fn settle(status: OfferStatus, prognosis: Prognosis) -> (OfferStatus, Prognosis) {
    match (status, prognosis.percent()) {
        (OfferStatus::Signed, _) => (OfferStatus::Signed, Prognosis::WON),
        (OfferStatus::Lost | OfferStatus::Abandoned, _) => (status, Prognosis::LOST),
        (OfferStatus::Open, 100) => (OfferStatus::Signed, Prognosis::WON),
        (OfferStatus::Open, 0) => (OfferStatus::Abandoned, Prognosis::LOST),
        (OfferStatus::Open, _) => (OfferStatus::Open, prognosis),
    }
}

/// What saving an offer writes.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferEffects {
    pub offer: Offer,
    pub created: bool,
    /// A new line of the prognosis history, when the prognosis changed (or the offer is new).
    pub prognosis_change: Option<PrognosisChange>,
}

/// Saves an offer: `existing` is the offer with that id, if any; `input` passed
/// [`OfferInput::validate`]. The author's name goes on the history line.
pub fn save_offer(
    existing: Option<&Offer>,
    id: Uuid,
    input: OfferInput,
    author: Uuid,
    author_name: &str,
    now: DateTime<Utc>,
) -> Result<OfferEffects, Denied> {
    if let Some(e) = existing {
        if e.contact_id != input.contact_id {
            return Err(Denied::Invalid {
                field: "contact_id".into(),
                message: "une offre ne change pas de dossier".into(),
            });
        }
    }
    let from = existing.map(|e| e.prognosis);
    let changed = from != Some(input.prognosis);
    let offer = Offer {
        id,
        contact_id: input.contact_id,
        family: input.family,
        label: input.label,
        amount_cents: input.amount_cents,
        amount_kind: input.amount_kind,
        closing_month: input.closing_month,
        quote_sent_on: input.quote_sent_on,
        quote_answer: input.quote_answer,
        status: input.status,
        prognosis: input.prognosis,
        notes: input.notes,
        prognosis_changed_at: if changed {
            now
        } else {
            existing.map(|e| e.prognosis_changed_at).unwrap_or(now)
        },
        prognosis_changed_by: if changed {
            author
        } else {
            existing.map(|e| e.prognosis_changed_by).unwrap_or(author)
        },
        created_at: existing.map(|e| e.created_at).unwrap_or(now),
        created_by: existing.map(|e| e.created_by).unwrap_or(author),
        updated_at: now,
        seq: existing.map(|e| e.seq).unwrap_or(0),
    };
    Ok(OfferEffects {
        prognosis_change: changed.then(|| PrognosisChange {
            offer_id: id,
            from,
            to: offer.prognosis,
            by: author,
            by_name: author_name.to_string(),
            at: now,
        }),
        created: existing.is_none(),
        offer,
    })
}

crate::wire_enum! {
    /// How an agency sums a record's offers into its global prognosis (*pronostic global*).
    #[derive(Hash, Default)]
    pub enum PrognosisRule {
        /// The most advanced offer's.
        #[default]
        Highest = "highest",
        /// The least advanced offer's.
        Lowest = "lowest",
        /// Each offer's weighed by its amount.
        Weighted = "weighted",
        /// Set by hand on the record.
        Manual = "manual",
    }
}

impl PrognosisRule {
    pub fn label(self) -> &'static str {
        match self {
            Self::Highest => "L'offre la plus avancée",
            Self::Lowest => "L'offre la moins avancée",
            Self::Weighted => "Moyenne pondérée par les montants",
            Self::Manual => "Saisi à la main sur le dossier",
        }
    }
}

/// The record's global prognosis in %, from its offers by the agency's rule. Offers lost or
/// abandoned count only when nothing else is left (then 0 %); no offer at all is `None`.
/// Under [`PrognosisRule::Manual`] it is the value set by hand.
pub fn global_prognosis(offers: &[Offer], rule: PrognosisRule, manual: Option<Prognosis>) -> Option<u8> {
    if rule == PrognosisRule::Manual {
        return manual.map(Prognosis::percent);
    }
    let live: Vec<&Offer> = offers
        .iter()
        .filter(|o| matches!(o.status, OfferStatus::Open | OfferStatus::Signed))
        .collect();
    if live.is_empty() {
        return (!offers.is_empty()).then_some(0);
    }
    let steps = live.iter().map(|o| o.prognosis.percent());
    Some(match rule {
        PrognosisRule::Highest | PrognosisRule::Manual => steps.max().unwrap_or(0),
        PrognosisRule::Lowest => steps.min().unwrap_or(0),
        PrognosisRule::Weighted => {
            let total: i128 = live.iter().map(|o| i128::from(o.amount_cents)).sum();
            if total == 0 {
                0
            } else {
                let weighted: i128 = live
                    .iter()
                    .map(|o| i128::from(o.amount_cents) * i128::from(o.prognosis.percent()))
                    .sum();
                // Rounded to the nearest percent, halves up.
                ((weighted * 2 + total) / (total * 2)).clamp(0, 100) as u8
            }
        }
    })
}

/// A prospect with a signed offer is a *quasi-client* until the stage says client.
pub fn is_quasi_client(offers: &[Offer], stage: crate::stage::Stage) -> bool {
    stage != crate::stage::Stage::Client && offers.iter().any(|o| o.status == OfferStatus::Signed)
}

mod pipeline;
pub use pipeline::*;

#[cfg(test)]
mod tests;
