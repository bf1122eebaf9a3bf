//! One cell previewed as the import will read it (the mapping screen).

use chrono::NaiveDate;

use super::{line_input, Advisor, Field};
use crate::record::ContactKind;
use crate::values::Phone;

/// One cell of the file as the import will read it into `field`, for the mapping screen's
/// preview: the value as the record will keep it (a phone number in national form, an amount
/// in euros, a date, a stage's label, the advisor's name), or why the line would be refused.
/// The same parsers and checks as the import itself ([`line_input`], then
/// [`crate::record::ContactInput::validate`]); an empty cell is `Ok("")`.
pub fn preview_cell(field: Field, raw: &str, advisors: &[Advisor]) -> Result<String, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Ok(String::new());
    }
    let (mut input, errors) = line_input(&[value.to_string()], &[Some(field)], advisors);
    if let Some(message) = errors.into_values().next() {
        return Err(message);
    }
    // A name and a way to reach, so that the check speaks of this cell only and not of what
    // the rest of the line brings.
    if input.email.is_empty() {
        input.email = "apercu@exemple.fr".into();
    }
    if input.last_name.is_empty() && input.first_name.is_empty() {
        input.last_name = "-".into();
    }
    if input.company_name.is_empty() {
        input.company_name = "-".into();
    }
    let valid = input
        .validate()
        .map_err(|e| e.into_values().next().unwrap_or_default())?;
    let day = |d: Option<NaiveDate>| {
        use chrono::Datelike;
        d.map(|d| format!("{:02}/{:02}/{}", d.day(), d.month(), d.year()))
            .unwrap_or_default()
    };
    let phone = |p: &Option<Phone>| p.as_ref().map(|p| p.to_string()).unwrap_or_default();
    let i = &valid.input;
    Ok(match field {
        Field::Kind => match i.kind {
            ContactKind::Individual => "Particulier".into(),
            ContactKind::Company => "Entreprise".into(),
        },
        Field::LastName => i.last_name.clone(),
        Field::FirstName => i.first_name.clone(),
        Field::SpouseName => i.spouse_name.clone(),
        Field::CompanyName => i.company_name.clone(),
        Field::ContactRole => i.contact_role.clone(),
        Field::Email => valid.email.as_ref().map(|e| e.to_string()).unwrap_or_default(),
        Field::PhoneMobile => phone(&valid.phone_mobile),
        Field::PhoneLandline => phone(&valid.phone_landline),
        Field::Phone => match (&valid.phone_mobile, &valid.phone_landline) {
            (Some(p), _) => format!("{p} (portable)"),
            (None, Some(p)) => format!("{p} (fixe)"),
            (None, None) => String::new(),
        },
        Field::AddressLine => i.address_line.clone(),
        Field::Postcode => valid.postcode.as_ref().map(|p| p.to_string()).unwrap_or_default(),
        Field::City => i.city.clone(),
        Field::Sector => i.sector.clone(),
        Field::Campaign => i.campaign.clone(),
        Field::Notes => i.notes.clone(),
        Field::Website => i.website.clone(),
        Field::CallPreferences => i.call_preferences.clone(),
        Field::Stage => i.stage.map(|s| s.label().to_string()).unwrap_or_default(),
        Field::AccessiblePotential => valid.accessible_potential.to_string(),
        Field::AssetsEntrusted => valid.assets_entrusted.to_string(),
        Field::LastMeetingOn => day(i.last_meeting_on),
        Field::LastCallOn => day(i.last_call_on),
        Field::NextContactOn => day(i.next_contact_on),
        Field::HouseholdSize => i.household_size.map(|n| n.to_string()).unwrap_or_default(),
        Field::CompanySize => i.company_size.map(|n| n.to_string()).unwrap_or_default(),
        Field::Owner => advisors
            .iter()
            .find(|a| Some(a.id) == i.owner_id)
            .map(|a| a.name.clone())
            .unwrap_or_default(),
    })
}
