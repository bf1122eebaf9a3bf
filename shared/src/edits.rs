//! The history of a record's fields (*historique des modifications*): which fields an edit
//! changed, from what to what, as one line of the record's timeline — whoever made it, from a
//! form, an integrator's `PUT` or a phone's merged edit.

use serde_json::{Map, Value};

use crate::record::ContactInput;
use crate::values::Phone;

/// One field an edit changed, with both values as an advisor reads them.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    /// The field's wire name.
    pub field: String,
    /// Its name on the form (*Mobile*, *E-mail*…).
    pub label: &'static str,
    /// `None` for the long texts and the situation (the line says they changed, not how).
    pub values: Option<(String, String)>,
}

/// The fields and their names on the form; fields not listed are not the person's data.
const FIELDS: [(&str, &str); 33] = [
    ("kind", "Type"),
    ("first_name", "Prénom"),
    ("last_name", "Nom"),
    ("spouse_name", "Conjoint"),
    ("company_name", "Société"),
    ("contact_role", "Fonction"),
    ("household_size", "Foyer"),
    ("company_size", "Effectif"),
    ("preferred_place", "Lieu de rendez-vous"),
    ("address_line", "Adresse"),
    ("postcode", "Code postal"),
    ("city", "Ville"),
    ("sector", "Secteur"),
    ("lat", "Position"),
    ("lon", "Position"),
    ("phone_mobile", "Mobile"),
    ("phone_landline", "Fixe"),
    ("call_preferences", "Préférences d'appel"),
    ("campaign", "Campagne"),
    ("email", "E-mail"),
    ("website", "Site web"),
    ("situation", "Situation"),
    ("accessible_potential_cents", "Potentiel"),
    ("assets_entrusted_cents", "Avoirs confiés"),
    ("relationship_quality", "Qualité de la relation"),
    ("referrals_made", "Recommandations faites"),
    ("networks", "Réseaux"),
    ("next_contact_on", "Prochain contact"),
    ("last_meeting_on", "Dernier rendez-vous"),
    ("last_call_on", "Dernier appel"),
    ("notes", "Notes"),
    ("referred_by", "Recommandé par"),
    ("owner_id", "Conseiller"),
];

/// Long or structured fields: named, not quoted.
const NOT_QUOTED: [&str; 6] = [
    "situation",
    "notes",
    "call_preferences",
    "referred_by",
    "owner_id",
    "networks",
];

fn to_map(input: &ContactInput) -> Map<String, Value> {
    match serde_json::to_value(input) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// A value as an advisor reads it: phone numbers in their national form, amounts in euros,
/// nothing as "—".
fn shown(field: &str, v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) if s.is_empty() => "—".into(),
        Value::String(s) if field.starts_with("phone_") => {
            Phone::parse(s).map(|p| p.to_string()).unwrap_or_else(|_| s.clone())
        }
        Value::String(s) => s.clone(),
        Value::Number(n) if field.ends_with("_cents") => match n.as_i64() {
            Some(c) => format!("{} €", group_thousands(c / 100)),
            None => n.to_string(),
        },
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => if *b { "oui" } else { "non" }.into(),
        other => other.to_string(),
    }
}

fn group_thousands(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// The fields `after` changed from `before`, in the form's order (the position once).
pub fn field_changes(before: &ContactInput, after: &ContactInput) -> Vec<FieldChange> {
    let (b, a) = (to_map(before), to_map(after));
    let mut changes: Vec<FieldChange> = Vec::new();
    for (field, label) in FIELDS {
        let (from, to) = (
            b.get(field).unwrap_or(&Value::Null),
            a.get(field).unwrap_or(&Value::Null),
        );
        if from == to || changes.iter().any(|c| c.label == label) {
            continue;
        }
        let values = (!NOT_QUOTED.contains(&field) && field != "lat" && field != "lon")
            .then(|| (shown(field, from), shown(field, to)));
        changes.push(FieldChange {
            field: field.into(),
            label,
            values,
        });
    }
    changes
}

/// The timeline line of an edit: a title naming the fields, a detail with the values.
pub fn edit_line(changes: &[FieldChange]) -> Option<(String, String)> {
    if changes.is_empty() {
        return None;
    }
    let names: Vec<String> = changes.iter().map(|c| c.label.to_lowercase()).collect();
    let title = if names.len() > 4 {
        format!(
            "Fiche modifiée : {} et {} autre(s)",
            names[..3].join(", "),
            names.len() - 3
        )
    } else {
        format!("Fiche modifiée : {}", names.join(", "))
    };
    let detail = changes
        .iter()
        .map(|c| match &c.values {
            Some((from, to)) => format!(
                "{} : {} → {}",
                c.label,
                crate::visit::excerpt(from, 80),
                crate::visit::excerpt(to, 80)
            ),
            None => format!("{} modifié(e)", c.label),
        })
        .collect::<Vec<_>>()
        .join(" · ");
    Some((title, crate::visit::excerpt(&detail, 600)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_says_which_fields_changed_from_what_to_what() {
        let before = ContactInput {
            first_name: "Marie".into(),
            last_name: "Durand".into(),
            phone_mobile: "+33611223344".into(),
            notes: "Aime le golf".into(),
            assets_entrusted_cents: Some(12_000_000),
            ..ContactInput::default()
        };
        let mut after = before.clone();
        after.phone_mobile = "+33700000002".into();
        after.notes = "Aime le golf et la voile".into();
        after.assets_entrusted_cents = Some(25_000_000);
        after.lat = Some(45.0);
        after.lon = Some(4.8);
        after.expected_seq = Some(12);
        let changes = field_changes(&before, &after);
        let labels: Vec<&str> = changes.iter().map(|c| c.label).collect();
        assert_eq!(labels, ["Position", "Mobile", "Avoirs confiés", "Notes"]);
        let (title, detail) = edit_line(&changes).unwrap();
        assert_eq!(title, "Fiche modifiée : position, mobile, avoirs confiés, notes");
        assert!(detail.contains("Mobile : 06 11 22 33 44 → 07 00 00 00 02"), "{detail}");
        assert!(detail.contains("Avoirs confiés : 120 000 € → 250 000 €"), "{detail}");
        assert!(
            detail.contains("Notes modifié(e)") && !detail.contains("voile"),
            "long texts are named, not quoted: {detail}"
        );
        assert!(
            edit_line(&field_changes(&before, &before)).is_none(),
            "nothing changed, no line"
        );
    }
}
