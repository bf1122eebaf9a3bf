//! A record as the phone shows it before the server has it: a new one made from what was
//! typed, the typed fields of an edit, and the values the server derives on every write
//! (score, segment, size class, cadence dates).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Context;
use crate::record::{Contact, ValidContact};
use crate::scoring::{DeriveInputs, Derived};
use crate::settings::AgencySettings;
use crate::stage::Stage;

/// Recomputes the score, the segment and the cadence dates as the server does on write.
pub(super) fn derive(c: &mut Contact, settings: &AgencySettings) {
    let d = Derived::compute(&inputs(c), settings);
    c.score = d.score.clamp(0, 100) as u8;
    c.segment = d.segment;
    c.size_class = d.size_class;
    c.next_meeting_due = d.next_meeting_due;
    c.next_call_due = d.next_call_due;
}

pub(super) fn inputs(c: &Contact) -> DeriveInputs {
    DeriveInputs {
        accessible_potential_cents: c.accessible_potential_cents,
        assets_entrusted_cents: c.assets_entrusted_cents,
        relationship_quality: c.relationship_quality.map(i64::from),
        referrals_made: i64::from(c.referrals_made),
        last_meeting_on: c.last_meeting_on,
        last_call_on: c.last_call_on,
        stage: c.stage,
        stage_since: c.stage_changed_at,
    }
}

/// The typed fields of a record from a validated input (values as the server keeps them).
pub(super) fn fill(c: &mut Contact, v: &ValidContact) {
    let i = v.stored_input();
    c.display_name = v.display_name();
    c.kind = i.kind;
    c.first_name = i.first_name;
    c.last_name = i.last_name;
    c.spouse_name = i.spouse_name;
    c.company_name = i.company_name;
    c.contact_role = i.contact_role;
    c.household_size = i.household_size;
    c.company_size = i.company_size;
    c.preferred_place = i.preferred_place;
    c.address_line = i.address_line;
    c.postcode = i.postcode;
    c.city = i.city;
    c.sector = i.sector;
    c.lat = i.lat;
    c.lon = i.lon;
    c.phone_mobile = i.phone_mobile;
    c.phone_landline = i.phone_landline;
    c.call_preferences = i.call_preferences;
    c.campaign = i.campaign;
    c.email = i.email;
    c.website = i.website;
    c.situation = i.situation;
    c.accessible_potential_cents = i.accessible_potential_cents.unwrap_or(0);
    c.assets_entrusted_cents = i.assets_entrusted_cents.unwrap_or(0);
    c.relationship_quality = i.relationship_quality;
    c.referrals_made = i.referrals_made.unwrap_or(0);
    c.networks = i.networks;
    c.next_contact_on = i.next_contact_on;
    c.last_meeting_on = i.last_meeting_on;
    c.last_call_on = i.last_call_on;
    c.notes = i.notes;
    c.referred_by = i.referred_by;
}

/// A record created on this phone, as the server will make it.
pub(super) fn new_contact(id: Uuid, v: &ValidContact, at: DateTime<Utc>, ctx: &Context<'_>) -> Contact {
    let owner_id = v.input.owner_id.unwrap_or(ctx.me.user_id);
    let mut c = Contact {
        id,
        owner_id,
        owner_name: if owner_id == ctx.me.user_id {
            ctx.my_name.to_string()
        } else {
            String::new()
        },
        kind: v.input.kind,
        display_name: String::new(),
        first_name: String::new(),
        last_name: String::new(),
        spouse_name: String::new(),
        company_name: String::new(),
        contact_role: String::new(),
        household_size: None,
        company_size: None,
        preferred_place: None,
        address_line: String::new(),
        postcode: String::new(),
        city: String::new(),
        sector: String::new(),
        lat: None,
        lon: None,
        geo_precision: None,
        geo_source: None,
        geo_status: "pending".into(),
        geo_note: String::new(),
        phone_mobile: String::new(),
        phone_landline: String::new(),
        call_preferences: String::new(),
        campaign: String::new(),
        email: String::new(),
        website: String::new(),
        situation: Default::default(),
        accessible_potential_cents: 0,
        assets_entrusted_cents: 0,
        relationship_quality: None,
        referrals_made: 0,
        networks: Vec::new(),
        notes: String::new(),
        stage: v.input.stage.unwrap_or(Stage::Identified),
        stage_changed_at: at,
        lost_to: None,
        referred_by: None,
        score: 0,
        segment: crate::scoring::Segment::Bronze,
        size_class: crate::scoring::SizeClass::Small,
        last_meeting_on: None,
        last_call_on: None,
        last_contact_on: None,
        next_contact_on: None,
        next_meeting_due: None,
        next_call_due: None,
        created_at: at,
        created_by: ctx.me.user_id,
        updated_at: at,
        updated_by: ctx.me.user_id,
        seq: 0,
        edited_seq: 0,
        deleted: false,
        manual_prognosis: None,
    };
    fill(&mut c, v);
    if c.lat.is_some() && c.lon.is_some() {
        c.geo_status = "done".into();
        c.geo_precision = Some("manual".into());
    }
    derive(&mut c, ctx.settings);
    c
}
