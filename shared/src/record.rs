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

/// Private person (B2C) or company (B2B).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    #[default]
    Individual,
    Company,
}

impl ContactKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ContactKind::Individual => "individual",
            ContactKind::Company => "company",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "individual" => Some(ContactKind::Individual),
            "company" => Some(ContactKind::Company),
            _ => None,
        }
    }
}

/// Preferred meeting place (lieu de rendez-vous).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MeetingPlace {
    Agency,
    Client,
    Town,
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

/// Investor profile (profil investisseur / appétence au risque).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RiskAppetite {
    Prudent,
    Balanced,
    Dynamic,
    Offensive,
}

impl RiskAppetite {
    pub const ALL: [RiskAppetite; 4] = [
        RiskAppetite::Prudent,
        RiskAppetite::Balanced,
        RiskAppetite::Dynamic,
        RiskAppetite::Offensive,
    ];
    pub fn label(self) -> &'static str {
        match self {
            RiskAppetite::Prudent => "Prudent",
            RiskAppetite::Balanced => "Équilibré",
            RiskAppetite::Dynamic => "Dynamique",
            RiskAppetite::Offensive => "Offensif",
        }
    }
}

/// Speed of decision (rapidité de décision).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DecisionSpeed {
    Fast,
    Normal,
    Slow,
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

const SHORT: usize = 120;
const LONG: usize = 4000;

/// A record's search words (`crate::text::search_words`) from its names (last, first,
/// spouse, company), its place and contact texts (city, postcode, sector, e-mail) and its
/// phone numbers — the one list of what a search looks in.
fn record_words(names: [&String; 4], place: [&String; 4], phones: [&String; 2]) -> String {
    let [city, postcode, ..] = place;
    let texts: Vec<&str> = names.iter().chain(place.iter()).map(|s| s.as_str()).collect();
    let phones = phones.map(|p| p.as_str());
    crate::text::search_words(&texts, city, postcode, &phones)
}

impl ContactInput {
    /// The words a search finds this record by, from values as kept (see
    /// [`ValidContact::search_text`]).
    fn search_text(&self) -> String {
        let texts = [&self.last_name, &self.first_name, &self.spouse_name, &self.company_name];
        record_words(
            texts,
            [&self.city, &self.postcode, &self.sector, &self.email],
            [&self.phone_mobile, &self.phone_landline],
        )
    }

    /// Trims every text, checks every value; all errors at once, keyed by field.
    pub fn validate(mut self) -> Result<ValidContact, FieldErrors> {
        let mut errors = FieldErrors::new();
        let short = |name: &str, v: &mut String, errors: &mut FieldErrors| {
            *v = v.trim().to_string();
            if v.chars().count() > SHORT {
                errors.insert(name.into(), format!("{SHORT} caractères au plus"));
            }
            if v.chars().any(|c| c.is_control()) {
                errors.insert(name.into(), "caractères de contrôle interdits".into());
            }
        };
        short("first_name", &mut self.first_name, &mut errors);
        short("last_name", &mut self.last_name, &mut errors);
        short("spouse_name", &mut self.spouse_name, &mut errors);
        short("company_name", &mut self.company_name, &mut errors);
        short("contact_role", &mut self.contact_role, &mut errors);
        short("address_line", &mut self.address_line, &mut errors);
        short("city", &mut self.city, &mut errors);
        short("sector", &mut self.sector, &mut errors);
        short("website", &mut self.website, &mut errors);
        short("campaign", &mut self.campaign, &mut errors);
        for (name, v) in [
            ("call_preferences", &mut self.call_preferences),
            ("notes", &mut self.notes),
        ] {
            *v = v.trim().to_string();
            if v.chars().count() > LONG {
                errors.insert(name.into(), format!("{LONG} caractères au plus"));
            }
        }
        let s = &mut self.situation;
        for v in [
            &mut s.manager,
            &mut s.decider,
            &mut s.people_to_meet,
            &mut s.knowledge,
            &mut s.marital_regime,
            &mut s.family,
            &mut s.profession,
            &mut s.projects,
            &mut s.tax_bracket,
            &mut s.competitors,
            &mut s.sensitive_points,
        ] {
            *v = v.trim().to_string();
            if v.chars().count() > LONG {
                errors.insert("situation".into(), format!("{LONG} caractères au plus par champ"));
            }
        }
        for (name, v) in [
            ("situation.income_cents", s.income_cents),
            ("situation.real_estate_cents", s.real_estate_cents),
            ("situation.financial_assets_cents", s.financial_assets_cents),
            ("situation.liabilities_cents", s.liabilities_cents),
        ] {
            if let Some(c) = v {
                if let Err(e) = Euros::from_cents(c) {
                    errors.insert(name.into(), e.to_string());
                }
            }
        }
        self.networks = self
            .networks
            .iter()
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .collect();
        if self.networks.len() > 20 || self.networks.iter().any(|n| n.chars().count() > SHORT) {
            errors.insert("networks".into(), "20 filières au plus, 120 caractères chacune".into());
        }

        let has_name = match self.kind {
            ContactKind::Individual => !self.last_name.is_empty() || !self.first_name.is_empty(),
            ContactKind::Company => !self.company_name.is_empty(),
        };
        if !has_name {
            let field = if self.kind == ContactKind::Company {
                "company_name"
            } else {
                "last_name"
            };
            errors.insert(field.into(), "le nom est obligatoire".into());
        }

        let opt = |raw: &str| {
            if raw.trim().is_empty() {
                None
            } else {
                Some(raw.trim().to_string())
            }
        };
        let email = match opt(&self.email).map(|e| Email::parse(&e)) {
            Some(Ok(e)) => Some(e),
            Some(Err(e)) => {
                errors.insert("email".into(), e.to_string());
                None
            }
            None => None,
        };
        let phone = |name: &str, raw: &str, errors: &mut FieldErrors| match opt(raw).map(|p| Phone::parse(&p)) {
            Some(Ok(p)) => Some(p),
            Some(Err(e)) => {
                errors.insert(name.into(), e.to_string());
                None
            }
            None => None,
        };
        let phone_mobile = phone("phone_mobile", &self.phone_mobile, &mut errors);
        let phone_landline = phone("phone_landline", &self.phone_landline, &mut errors);
        let postcode = match opt(&self.postcode).map(|p| Postcode::parse(&p)) {
            Some(Ok(p)) => Some(p),
            Some(Err(e)) => {
                errors.insert("postcode".into(), e.to_string());
                None
            }
            None => None,
        };
        let reachable = email.is_some()
            || phone_mobile.is_some()
            || phone_landline.is_some()
            || (!self.address_line.is_empty() && postcode.is_some());
        let any_reach_error = ["email", "phone_mobile", "phone_landline", "postcode"]
            .iter()
            .any(|f| errors.contains_key(*f));
        if !reachable && !any_reach_error {
            errors.insert(
                "phone_mobile".into(),
                "indiquez au moins un moyen de contact : téléphone, e-mail ou adresse".into(),
            );
        }

        match (self.lat, self.lon) {
            (Some(lat), Some(lon)) if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) => {}
            (None, None) => {}
            _ => {
                errors.insert("lat".into(), "coordonnées invalides".into());
            }
        }
        let amount = |name: &str, v: Option<i64>, errors: &mut FieldErrors| match v.map(Euros::from_cents) {
            Some(Ok(e)) => e,
            Some(Err(e)) => {
                errors.insert(name.into(), e.to_string());
                Euros::ZERO
            }
            None => Euros::ZERO,
        };
        let accessible_potential = amount(
            "accessible_potential_cents",
            self.accessible_potential_cents,
            &mut errors,
        );
        let assets_entrusted = amount("assets_entrusted_cents", self.assets_entrusted_cents, &mut errors);
        if let Some(q) = self.relationship_quality {
            if !(1..=5).contains(&q) {
                errors.insert("relationship_quality".into(), "de 1 à 5".into());
            }
        }
        if self.referrals_made.is_some_and(|r| r > 10_000) {
            errors.insert("referrals_made".into(), "valeur invalide".into());
        }
        if self.household_size.is_some_and(|h| h == 0 || h > 50) {
            errors.insert("household_size".into(), "de 1 à 50".into());
        }
        if let Some(id) = self.id {
            if !crate::ids::is_v7(&id) {
                errors.insert("id".into(), "l'identifiant doit être un UUID v7".into());
            }
        }
        if errors.is_empty() {
            Ok(ValidContact {
                input: self,
                email,
                phone_mobile,
                phone_landline,
                postcode,
                accessible_potential,
                assets_entrusted,
            })
        } else {
            Err(errors)
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn minimal() -> ContactInput {
        ContactInput {
            last_name: "Dupont".into(),
            phone_mobile: "06 12 34 56 78".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_name_and_one_way_to_reach_is_enough() {
        let v = minimal().validate().unwrap();
        assert_eq!(v.phone_mobile.unwrap().e164(), "+33612345678");
        assert_eq!(v.input.stage, None);
    }

    #[test]
    fn a_record_without_name_or_reach_lists_both_errors() {
        let errs = ContactInput::default().validate().unwrap_err();
        assert!(errs.contains_key("last_name"));
        assert!(errs.contains_key("phone_mobile"));
    }

    #[test]
    fn every_bad_value_is_reported_by_field() {
        let input = ContactInput {
            email: "pas-un-email".into(),
            postcode: "123".into(),
            accessible_potential_cents: Some(-5),
            relationship_quality: Some(9),
            ..minimal()
        };
        let errs = input.validate().unwrap_err();
        for f in [
            "email",
            "postcode",
            "accessible_potential_cents",
            "relationship_quality",
        ] {
            assert!(errs.contains_key(f), "{f} missing in {errs:?}");
        }
    }

    #[test]
    fn a_company_needs_its_company_name() {
        let input = ContactInput {
            kind: ContactKind::Company,
            last_name: "Martin".into(),
            email: "a@b.fr".into(),
            ..Default::default()
        };
        assert!(input.validate().unwrap_err().contains_key("company_name"));
    }

    #[test]
    fn search_text_and_name_key_fold_accents() {
        let v = ContactInput {
            first_name: "Hélène".into(),
            last_name: "Lefèvre".into(),
            city: "Saint-Étienne".into(),
            postcode: "42000".into(),
            email: "h@x.fr".into(),
            ..Default::default()
        }
        .validate()
        .unwrap();
        assert!(v.search_text().contains("lefevre helene"));
        assert!(v.search_text().contains("saint etienne 42000"));
        assert_eq!(v.name_key().unwrap(), "lefevre helene|42000");
        assert_eq!(v.display_name(), "LEFÈVRE Hélène");
    }

    proptest! {
        #[test]
        fn validation_never_panics_and_valid_input_stays_valid(
            last in "\\PC{0,150}", email in "\\PC{0,30}", phone in "[0-9 +.]{0,16}", pc in "[0-9]{0,6}"
        ) {
            let input = ContactInput { last_name: last, email, phone_mobile: phone, postcode: pc, ..Default::default() };
            if let Ok(v) = input.validate() {
                prop_assert!(v.input.clone().validate().is_ok());
            }
        }
    }
}
