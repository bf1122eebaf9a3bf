//! What is written to and read from the `contacts` table, and the values derived on write.

use chrono::{DateTime, NaiveDate, Utc};
use shared::record::{display_name, Contact, ContactKind, MeetingPlace, Situation, ValidContact};
pub use shared::scoring::{DeriveInputs, Derived};
use shared::scoring::{Segment, SizeClass};
use shared::stage::{Stage, StageTransition, TransitionKind};
use shared::text::fold;
use uuid::Uuid;

use super::{StoreError, StoreResult};

/// The columns a create or an update writes, from a validated input.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactFields {
    /// The advisor in charge; `None` keeps the current one on update and is the creator on
    /// create.
    pub owner_id: Option<Uuid>,
    pub kind: ContactKind,
    pub first_name: String,
    pub last_name: String,
    pub spouse_name: String,
    pub company_name: String,
    pub contact_role: String,
    pub household_size: Option<i64>,
    pub company_size: Option<i64>,
    pub preferred_place: Option<String>,
    pub address_line: String,
    pub postcode: String,
    pub city: String,
    pub sector: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub phone_mobile: String,
    pub phone_landline: String,
    pub call_preferences: String,
    pub campaign: String,
    pub email: String,
    pub website: String,
    pub situation: Situation,
    pub accessible_potential_cents: i64,
    pub assets_entrusted_cents: i64,
    pub relationship_quality: Option<i64>,
    pub referrals_made: i64,
    pub networks: Vec<String>,
    pub notes: String,
    pub last_meeting_on: Option<NaiveDate>,
    pub last_call_on: Option<NaiveDate>,
    pub next_contact_on: Option<NaiveDate>,
    pub referred_by: Option<Uuid>,
    /// Stage at creation; ignored by updates.
    pub stage: Stage,
    pub search_text: String,
    pub sort_key: String,
    pub email_key: Option<String>,
    pub name_key: Option<String>,
}

impl ContactFields {
    pub fn from_valid(v: &ValidContact) -> Self {
        let i = &v.input;
        ContactFields {
            owner_id: i.owner_id,
            kind: i.kind,
            first_name: i.first_name.clone(),
            last_name: i.last_name.clone(),
            spouse_name: i.spouse_name.clone(),
            company_name: i.company_name.clone(),
            contact_role: i.contact_role.clone(),
            household_size: i.household_size.map(i64::from),
            company_size: i.company_size.map(i64::from),
            preferred_place: i.preferred_place.map(|p| p.as_str().to_string()),
            address_line: i.address_line.clone(),
            postcode: v.postcode.as_ref().map(|p| p.to_string()).unwrap_or_default(),
            city: i.city.clone(),
            sector: i.sector.clone(),
            lat: i.lat,
            lon: i.lon,
            phone_mobile: v
                .phone_mobile
                .as_ref()
                .map(|p| p.e164().to_string())
                .unwrap_or_default(),
            phone_landline: v
                .phone_landline
                .as_ref()
                .map(|p| p.e164().to_string())
                .unwrap_or_default(),
            call_preferences: i.call_preferences.clone(),
            campaign: i.campaign.clone(),
            email: v.email.as_ref().map(|e| e.to_string()).unwrap_or_default(),
            website: i.website.clone(),
            situation: i.situation.clone(),
            accessible_potential_cents: v.accessible_potential.cents(),
            assets_entrusted_cents: v.assets_entrusted.cents(),
            relationship_quality: i.relationship_quality.map(i64::from),
            referrals_made: i.referrals_made.unwrap_or(0) as i64,
            networks: i.networks.clone(),
            notes: i.notes.clone(),
            last_meeting_on: i.last_meeting_on,
            last_call_on: i.last_call_on,
            next_contact_on: i.next_contact_on,
            referred_by: i.referred_by,
            stage: i.stage.unwrap_or(Stage::Identified),
            search_text: v.search_text(),
            sort_key: fold(&v.display_name()),
            email_key: v.email.as_ref().map(|e| e.as_str().to_lowercase()),
            name_key: v.name_key(),
        }
    }

    pub fn situation_json(&self) -> String {
        serde_json::to_string(&self.situation).unwrap_or_else(|_| "{}".into())
    }

    pub fn networks_json(&self) -> String {
        serde_json::to_string(&self.networks).unwrap_or_else(|_| "[]".into())
    }
}

impl ContactFields {
    pub fn derive_inputs(&self, stage: Stage, stage_since: DateTime<Utc>) -> DeriveInputs {
        DeriveInputs {
            accessible_potential_cents: self.accessible_potential_cents,
            assets_entrusted_cents: self.assets_entrusted_cents,
            relationship_quality: self.relationship_quality,
            referrals_made: self.referrals_made,
            last_meeting_on: self.last_meeting_on,
            last_call_on: self.last_call_on,
            stage,
            stage_since,
        }
    }
}

/// The distinct words of a record's folded search text, as indexed in `contact_terms`.
pub fn search_terms(search_text: &str) -> Vec<String> {
    let mut terms: Vec<String> = search_text
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().take(40).collect())
        .collect();
    terms.sort();
    terms.dedup();
    terms
}

/// The exclusive upper bound of the words starting with `prefix` (`"dup"` → `"duq"`).
pub fn prefix_end(prefix: &str) -> String {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(last as u32 + 1) {
            chars.push(next);
            return chars.into_iter().collect();
        }
    }
    String::from(char::MAX)
}

/// A stored wire name read back (`parse` of the enum), or what is wrong with it.
fn parse_stored<T>(s: &str, what: &str, parse: fn(&str) -> Option<T>) -> StoreResult<T> {
    parse(s).ok_or_else(|| StoreError::Corrupt(format!("{what} {s:?}")))
}

/// A `contacts` row joined with its owner's name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContactRow {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub owner_name: String,
    pub kind: String,
    pub first_name: String,
    pub last_name: String,
    pub spouse_name: String,
    pub company_name: String,
    pub contact_role: String,
    pub household_size: Option<i64>,
    pub company_size: Option<i64>,
    pub preferred_place: Option<String>,
    pub address_line: String,
    pub postcode: String,
    pub city: String,
    pub sector: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub geo_precision: Option<String>,
    pub geo_source: Option<String>,
    pub geo_status: String,
    pub geo_note: String,
    pub phone_mobile: String,
    pub phone_landline: String,
    pub call_preferences: String,
    pub campaign: String,
    pub email: String,
    pub website: String,
    pub situation: String,
    pub accessible_potential_cents: i64,
    pub assets_entrusted_cents: i64,
    pub relationship_quality: Option<i64>,
    pub referrals_made: i64,
    pub networks: String,
    pub notes: String,
    pub stage: String,
    pub stage_changed_at: DateTime<Utc>,
    pub lost_to: Option<String>,
    pub referred_by: Option<Uuid>,
    pub score: i64,
    pub segment: String,
    pub size_class: String,
    pub last_meeting_on: Option<NaiveDate>,
    pub last_call_on: Option<NaiveDate>,
    pub last_contact_on: Option<NaiveDate>,
    pub next_contact_on: Option<NaiveDate>,
    pub next_meeting_due: Option<NaiveDate>,
    pub next_call_due: Option<NaiveDate>,
    pub search_text: String,
    pub created_at: DateTime<Utc>,
    pub created_by: Uuid,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Uuid,
    pub seq: i64,
    pub edited_seq: i64,
    pub deleted_at: Option<DateTime<Utc>>,
    pub manual_prognosis: Option<i64>,
}

/// The name shown for a record stored as `kind` and its name columns.
pub fn name_of(kind: &str, first: &str, last: &str, company: &str) -> String {
    display_name(ContactKind::parse(kind).unwrap_or_default(), first, last, company)
}

impl ContactRow {
    /// What the shared rules need to know of the record.
    pub fn facts(&self) -> StoreResult<shared::visit::effects::ContactFacts> {
        Ok(shared::visit::effects::ContactFacts {
            id: self.id,
            owner_id: self.owner_id,
            name: self.name(),
            stage: self.stage()?,
        })
    }

    /// The name shown for the record.
    pub fn name(&self) -> String {
        name_of(&self.kind, &self.first_name, &self.last_name, &self.company_name)
    }

    pub fn stage(&self) -> StoreResult<Stage> {
        Stage::parse(&self.stage).ok_or_else(|| StoreError::Corrupt(format!("stage {:?}", self.stage)))
    }

    pub fn derive_inputs(&self) -> StoreResult<DeriveInputs> {
        Ok(DeriveInputs {
            accessible_potential_cents: self.accessible_potential_cents,
            assets_entrusted_cents: self.assets_entrusted_cents,
            relationship_quality: self.relationship_quality,
            referrals_made: self.referrals_made,
            last_meeting_on: self.last_meeting_on,
            last_call_on: self.last_call_on,
            stage: self.stage()?,
            stage_since: self.stage_changed_at,
        })
    }

    pub fn into_contact(self) -> StoreResult<Contact> {
        let kind =
            ContactKind::parse(&self.kind).ok_or_else(|| StoreError::Corrupt(format!("kind {:?}", self.kind)))?;
        let stage = self.stage()?;
        let preferred_place: Option<MeetingPlace> = match &self.preferred_place {
            Some(p) => Some(parse_stored(p, "preferred_place", MeetingPlace::parse)?),
            None => None,
        };
        Ok(Contact {
            id: self.id,
            owner_id: self.owner_id,
            owner_name: self.owner_name,
            kind,
            display_name: display_name(kind, &self.first_name, &self.last_name, &self.company_name),
            first_name: self.first_name,
            last_name: self.last_name,
            spouse_name: self.spouse_name,
            company_name: self.company_name,
            contact_role: self.contact_role,
            household_size: self.household_size.and_then(|v| u16::try_from(v).ok()),
            company_size: self.company_size.and_then(|v| u32::try_from(v).ok()),
            preferred_place,
            address_line: self.address_line,
            postcode: self.postcode,
            city: self.city,
            sector: self.sector,
            lat: self.lat,
            lon: self.lon,
            geo_precision: self.geo_precision,
            geo_source: self.geo_source,
            geo_status: self.geo_status,
            geo_note: self.geo_note,
            phone_mobile: self.phone_mobile,
            phone_landline: self.phone_landline,
            call_preferences: self.call_preferences,
            campaign: self.campaign,
            email: self.email,
            website: self.website,
            situation: serde_json::from_str(&self.situation)
                .map_err(|e| StoreError::Corrupt(format!("situation: {e}")))?,
            accessible_potential_cents: self.accessible_potential_cents,
            assets_entrusted_cents: self.assets_entrusted_cents,
            relationship_quality: self.relationship_quality.and_then(|v| u8::try_from(v).ok()),
            referrals_made: u32::try_from(self.referrals_made).unwrap_or(0),
            networks: serde_json::from_str(&self.networks)
                .map_err(|e| StoreError::Corrupt(format!("networks: {e}")))?,
            notes: self.notes,
            stage,
            stage_changed_at: self.stage_changed_at,
            lost_to: self.lost_to,
            referred_by: self.referred_by,
            score: u8::try_from(self.score).unwrap_or(0),
            segment: parse_stored(&self.segment, "segment", Segment::parse)?,
            size_class: parse_stored(&self.size_class, "size_class", SizeClass::parse)?,
            last_meeting_on: self.last_meeting_on,
            last_call_on: self.last_call_on,
            last_contact_on: self.last_contact_on,
            next_contact_on: self.next_contact_on,
            next_meeting_due: self.next_meeting_due,
            next_call_due: self.next_call_due,
            created_at: self.created_at,
            created_by: self.created_by,
            updated_at: self.updated_at,
            updated_by: self.updated_by,
            seq: self.seq,
            edited_seq: self.edited_seq,
            deleted: self.deleted_at.is_some(),
            manual_prognosis: self
                .manual_prognosis
                .and_then(|p| u8::try_from(p).ok())
                .and_then(shared::offer::Prognosis::new),
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct TransitionRow {
    pub id: Uuid,
    pub contact_id: Uuid,
    pub from_stage: Option<String>,
    pub to_stage: String,
    pub kind: String,
    pub reason: Option<String>,
    pub competitor: Option<String>,
    pub at: DateTime<Utc>,
    pub author_id: Uuid,
    pub author_name: Option<String>,
}

impl TransitionRow {
    pub fn into_transition(self) -> StoreResult<StageTransition> {
        let stage = |s: &str| Stage::parse(s).ok_or_else(|| StoreError::Corrupt(format!("stage {s:?}")));
        Ok(StageTransition {
            id: self.id,
            contact_id: self.contact_id,
            from_stage: self.from_stage.as_deref().map(stage).transpose()?,
            to_stage: stage(&self.to_stage)?,
            kind: TransitionKind::parse(&self.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("kind {:?}", self.kind)))?,
            reason: self.reason,
            competitor: self.competitor,
            at: self.at,
            author_id: self.author_id,
            author_name: self.author_name,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub agency_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
    pub disabled_at: Option<DateTime<Utc>>,
}

impl UserRow {
    pub fn into_user(self) -> StoreResult<super::User> {
        Ok(super::User {
            role: shared::api::Role::parse(&self.role)
                .ok_or_else(|| StoreError::Corrupt(format!("role {:?}", self.role)))?,
            id: self.id,
            agency_id: self.agency_id,
            email: self.email,
            display_name: self.display_name,
            password_hash: self.password_hash,
            disabled: self.disabled_at.is_some(),
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct AgencyRow {
    pub id: Uuid,
    pub name: String,
    pub settings: String,
    pub created_at: DateTime<Utc>,
}

impl AgencyRow {
    pub fn into_agency(self) -> StoreResult<super::Agency> {
        Ok(super::Agency {
            settings: serde_json::from_str(&self.settings)
                .map_err(|e| StoreError::Corrupt(format!("settings: {e}")))?,
            id: self.id,
            name: self.name,
            created_at: self.created_at,
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub user_agent: String,
    pub ip: String,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl SessionRow {
    pub fn into_session(self) -> super::Session {
        super::Session {
            id: self.id,
            user_id: self.user_id,
            created_at: self.created_at,
            last_seen_at: self.last_seen_at,
            expires_at: self.expires_at,
            user_agent: self.user_agent,
            ip: self.ip,
            revoked: self.revoked_at.is_some(),
        }
    }
}

/// A member of the agency as listed for sharing and assigning: `(id, display name, role)`.
pub fn agency_user((id, display_name, role): (Uuid, String, String)) -> StoreResult<shared::api::AgencyUser> {
    let role = shared::api::Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))?;
    Ok(shared::api::AgencyUser { id, display_name, role })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_distinct_words_and_prefix_ranges_cover_exactly_the_prefix() {
        assert_eq!(
            search_terms("martin jean  lyon martin 69003"),
            ["69003", "jean", "lyon", "martin"]
        );
        assert_eq!(prefix_end("dup"), "duq");
        assert_eq!(prefix_end("az"), "a{");
        let end = prefix_end("dup");
        for w in ["dup", "dupre", "dupont"] {
            assert!(w >= "dup" && w < end.as_str());
        }
        for w in ["duo", "duq", "dv"] {
            assert!(!(w >= "dup" && w < end.as_str()));
        }
    }
}
