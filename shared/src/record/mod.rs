//! The client/prospect record (fiche client / fiche prospect, domain README §1).
//!
//! One record per person or company, prospect or client: a prospect becomes a client on the
//! same record. [`ContactInput`] is what a form or an API call sends; [`ContactInput::validate`]
//! turns it into a [`ValidContact`] or a map of field errors, with the same code in the browser
//! and on the server. [`Contact`] is what the server returns.

use crate::scoring::{Segment, SizeClass};
use crate::stage::Stage;
use crate::text::fold_name;
use crate::values::{Email, Euros, Phone, Postcode};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

crate::wire_enum! {
    /// Private person (B2C) or company (B2B).
    #[derive(Default)]
    pub enum ContactKind {
        #[default]
        Individual = "individual",
        Company = "company",
    }
}

crate::wire_enum! {
    /// Preferred meeting place (lieu de rendez-vous).
    pub enum MeetingPlace {
        Agency = "agency",
        Client = "client",
        Town = "town",
    }
}

impl MeetingPlace {
    pub fn label(self) -> &'static str {
        match self {
            MeetingPlace::Agency => "À l'agence",
            MeetingPlace::Client => "Chez le client",
            MeetingPlace::Town => "En ville",
        }
    }
}

crate::wire_enum! {
    /// Investor profile (profil investisseur / appétence au risque).
    pub enum RiskAppetite {
        Prudent = "prudent",
        Balanced = "balanced",
        Dynamic = "dynamic",
        Offensive = "offensive",
    }
}

impl RiskAppetite {
    pub fn label(self) -> &'static str {
        match self {
            RiskAppetite::Prudent => "Prudent",
            RiskAppetite::Balanced => "Équilibré",
            RiskAppetite::Dynamic => "Dynamique",
            RiskAppetite::Offensive => "Offensif",
        }
    }
}

crate::wire_enum! {
    /// Speed of decision (rapidité de décision).
    pub enum DecisionSpeed {
        Fast = "fast",
        Normal = "normal",
        Slow = "slow",
    }
}

/// The situation part of the record (partie situation): who decides, what they own, who
/// competes. Free text where practice is free text; amounts in cents.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct Situation {
    /// Who manages (qui gère).
    pub manager: String,
    /// Who decides (qui décide).
    pub decider: String,
    /// People to know or meet, and why.
    pub people_to_meet: String,
    /// Knowledge of insurance and finance topics.
    pub knowledge: String,
    pub risk_appetite: Option<RiskAppetite>,
    pub decision_speed: Option<DecisionSpeed>,
    /// Marital regime (régime matrimonial).
    pub marital_regime: String,
    pub family: String,
    pub profession: String,
    pub income_cents: Option<i64>,
    pub real_estate_cents: Option<i64>,
    pub financial_assets_cents: Option<i64>,
    pub liabilities_cents: Option<i64>,
    pub projects: String,
    /// Tax bracket (tranche marginale d'imposition).
    pub tax_bracket: String,
    /// Subject to the real-estate wealth tax (IFI).
    pub wealth_tax: Option<bool>,
    /// Competitors in place (concurrents en place).
    pub competitors: String,
    /// Sensitive points (points sensibles).
    pub sensitive_points: String,
}

/// What a form or an API call sends to create or update a record.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ContactInput {
    /// The id chosen by the creator (UUIDv7); the server picks one when absent.
    pub id: Option<Uuid>,
    pub kind: ContactKind,
    pub first_name: String,
    pub last_name: String,
    pub spouse_name: String,
    pub company_name: String,
    /// Role of the contact person in the company.
    pub contact_role: String,
    pub household_size: Option<u16>,
    pub company_size: Option<u32>,
    pub preferred_place: Option<MeetingPlace>,
    pub address_line: String,
    pub postcode: String,
    pub city: String,
    /// Geographic sector (secteur), used to group visits.
    pub sector: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub phone_mobile: String,
    pub phone_landline: String,
    /// Call preferences: days, time slots, precautions.
    pub call_preferences: String,
    /// Where the prospect came from (*campagne*: a fair, a file, a referral drive), for the
    /// conversion rates per campaign.
    #[serde(default)]
    pub campaign: String,
    pub email: String,
    pub website: String,
    pub situation: Situation,
    pub accessible_potential_cents: Option<i64>,
    pub assets_entrusted_cents: Option<i64>,
    /// 1 (poor) to 5 (excellent).
    pub relationship_quality: Option<u8>,
    pub referrals_made: Option<u32>,
    /// Networks (filières) the person belongs to: employer, trade, village, family…
    pub networks: Vec<String>,
    pub next_contact_on: Option<NaiveDate>,
    /// Date of the last meeting, for records imported from another tool.
    pub last_meeting_on: Option<NaiveDate>,
    /// Date of the last call, for records imported from another tool.
    pub last_call_on: Option<NaiveDate>,
    pub notes: String,
    /// Stage at creation (ignored on update: use the stage change).
    pub stage: Option<Stage>,
    /// Why a record is created past the entry stages.
    pub stage_reason: Option<String>,
    /// The referrer, for a referred prospect.
    pub referred_by: Option<Uuid>,
    /// The advisor in charge; a manager may assign, an advisor creates for themself.
    pub owner_id: Option<Uuid>,
    /// Create even though a likely duplicate exists.
    pub allow_duplicate: bool,
    /// Update only: the `seq` the editor started from; a later change makes the update fail
    /// with a conflict instead of silently overwriting it.
    pub expected_seq: Option<i64>,
}

/// Field name → French message.
pub type FieldErrors = BTreeMap<String, String>;

/// A record that passed validation, with typed values.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidContact {
    pub input: ContactInput,
    pub email: Option<Email>,
    pub phone_mobile: Option<Phone>,
    pub phone_landline: Option<Phone>,
    pub postcode: Option<Postcode>,
    pub accessible_potential: Euros,
    pub assets_entrusted: Euros,
}

impl ValidContact {
    /// The input with its values in the form the record keeps them (numbers in E.164, the
    /// postcode and e-mail as parsed, amounts in cents): what a record read back gives, so
    /// that a value typed differently but equal compares equal.
    pub fn stored_input(&self) -> ContactInput {
        ContactInput {
            postcode: self.postcode.as_ref().map(|p| p.to_string()).unwrap_or_default(),
            phone_mobile: self
                .phone_mobile
                .as_ref()
                .map(|p| p.e164().to_string())
                .unwrap_or_default(),
            phone_landline: self
                .phone_landline
                .as_ref()
                .map(|p| p.e164().to_string())
                .unwrap_or_default(),
            email: self.email.as_ref().map(|e| e.to_string()).unwrap_or_default(),
            accessible_potential_cents: Some(self.accessible_potential.cents()),
            assets_entrusted_cents: Some(self.assets_entrusted.cents()),
            referrals_made: Some(self.input.referrals_made.unwrap_or(0)),
            ..self.input.clone()
        }
    }

    /// The name shown in lists: "Dupont Marie", or the company name.
    pub fn display_name(&self) -> String {
        display_name(
            self.input.kind,
            &self.input.first_name,
            &self.input.last_name,
            &self.input.company_name,
        )
    }

    /// Folded text searched by the list (`crate::text::search_words`): names, company, city,
    /// postcode and arrondissement, sector, e-mail, phone numbers.
    pub fn search_text(&self) -> String {
        self.stored_input().search_text()
    }

    /// Key for duplicate detection by name: folded name + postcode.
    pub fn name_key(&self) -> Option<String> {
        let name = fold_name(&self.display_name());
        let pc = self.postcode.as_ref()?;
        (!name.is_empty()).then(|| format!("{name}|{pc}"))
    }
}

/// The name shown in lists and headings.
pub fn display_name(kind: ContactKind, first: &str, last: &str, company: &str) -> String {
    match kind {
        ContactKind::Company if !company.is_empty() => company.to_string(),
        _ => {
            let n = format!("{} {}", last.to_uppercase(), first);
            let n = n.trim();
            if n.is_empty() {
                company.to_string()
            } else {
                n.to_string()
            }
        }
    }
}

/// A record as the server returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub owner_name: String,
    pub kind: ContactKind,
    pub display_name: String,
    pub first_name: String,
    pub last_name: String,
    pub spouse_name: String,
    pub company_name: String,
    pub contact_role: String,
    pub household_size: Option<u16>,
    pub company_size: Option<u32>,
    pub preferred_place: Option<MeetingPlace>,
    pub address_line: String,
    pub postcode: String,
    pub city: String,
    pub sector: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// How precise the point is: `street`, `commune`, `manual` or `gps`.
    pub geo_precision: Option<String>,
    /// Who gave the point (`ban`, `nominatim`, `communes`, `saisie`, `gps`…).
    pub geo_source: Option<String>,
    /// `none`, `pending`, `done`, `ambiguous` or `not_found` (the last two are for the advisor).
    pub geo_status: String,
    /// The candidates of an ambiguous address, or why it was not found.
    pub geo_note: String,
    pub phone_mobile: String,
    pub phone_landline: String,
    pub call_preferences: String,
    #[serde(default)]
    pub campaign: String,
    pub email: String,
    pub website: String,
    pub situation: Situation,
    pub accessible_potential_cents: i64,
    pub assets_entrusted_cents: i64,
    pub relationship_quality: Option<u8>,
    pub referrals_made: u32,
    pub networks: Vec<String>,
    pub notes: String,
    pub stage: Stage,
    pub stage_changed_at: DateTime<Utc>,
    /// The competitor the prospect signed with, when last lost.
    pub lost_to: Option<String>,
    pub referred_by: Option<Uuid>,
    pub score: u8,
    pub segment: Segment,
    pub size_class: SizeClass,
    pub last_meeting_on: Option<NaiveDate>,
    pub last_call_on: Option<NaiveDate>,
    /// Last contact of any kind (meeting held, call, e-mail, letter, SMS), kept by the server.
    pub last_contact_on: Option<NaiveDate>,
    pub next_contact_on: Option<NaiveDate>,
    /// Next meeting due by the segment's cadence (clients only).
    pub next_meeting_due: Option<NaiveDate>,
    /// Next call due by the segment's cadence (clients only).
    pub next_call_due: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub created_by: Uuid,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Uuid,
    /// The agency change number of the last write; the version to send back as `expected_seq`.
    pub seq: i64,
    /// The change number of the last edit by a person: an edit made from an older version
    /// (`expected_seq` below it) is refused; the system's own writes do not count.
    pub edited_seq: i64,
    pub deleted: bool,
    /// The global prognosis set by hand, for agencies whose rule is `manual`.
    #[serde(default)]
    pub manual_prognosis: Option<crate::offer::Prognosis>,
}

impl Contact {
    /// The words a search looks in, folded (accents and case ignored), as the server
    /// indexes them.
    pub fn search_text(&self) -> String {
        let names = [&self.last_name, &self.first_name, &self.spouse_name, &self.company_name];
        record_words(
            names,
            [&self.city, &self.postcode, &self.sector, &self.email],
            [&self.phone_mobile, &self.phone_landline],
        )
    }

    /// Back to an input, for the edit form.
    pub fn to_input(&self) -> ContactInput {
        ContactInput {
            id: Some(self.id),
            kind: self.kind,
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            spouse_name: self.spouse_name.clone(),
            company_name: self.company_name.clone(),
            contact_role: self.contact_role.clone(),
            household_size: self.household_size,
            company_size: self.company_size,
            preferred_place: self.preferred_place,
            address_line: self.address_line.clone(),
            postcode: self.postcode.clone(),
            city: self.city.clone(),
            sector: self.sector.clone(),
            lat: self.lat,
            lon: self.lon,
            phone_mobile: self.phone_mobile.clone(),
            phone_landline: self.phone_landline.clone(),
            call_preferences: self.call_preferences.clone(),
            campaign: self.campaign.clone(),
            email: self.email.clone(),
            website: self.website.clone(),
            situation: self.situation.clone(),
            accessible_potential_cents: Some(self.accessible_potential_cents),
            assets_entrusted_cents: Some(self.assets_entrusted_cents),
            relationship_quality: self.relationship_quality,
            referrals_made: Some(self.referrals_made),
            networks: self.networks.clone(),
            next_contact_on: self.next_contact_on,
            last_meeting_on: self.last_meeting_on,
            last_call_on: self.last_call_on,
            notes: self.notes.clone(),
            stage: Some(self.stage),
            stage_reason: None,
            referred_by: self.referred_by,
            owner_id: Some(self.owner_id),
            allow_duplicate: false,
            expected_seq: Some(self.seq),
        }
    }
}

mod validate;
use validate::record_words;

#[cfg(test)]
mod tests;
