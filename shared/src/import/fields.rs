//! Columns as record fields: the header guessed ([`guess_mapping`]) and a line's cells turned
//! into a [`ContactInput`] ([`line_input`]) with the forms' own parsers (amounts, dates,
//! stages); phone numbers, e-mails and postcodes are checked by [`ContactInput::validate`].

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::record::{ContactInput, ContactKind, FieldErrors};
use crate::stage::Stage;
use crate::text::fold;
use crate::values::{Euros, Phone};

mod preview;
pub use preview::preview_cell;

/// A record field a column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Kind,
    LastName,
    FirstName,
    SpouseName,
    CompanyName,
    ContactRole,
    Email,
    PhoneMobile,
    PhoneLandline,
    /// A phone column of either kind: a French mobile number goes to the mobile, any other to
    /// the landline.
    Phone,
    AddressLine,
    Postcode,
    City,
    Sector,
    Campaign,
    Notes,
    Website,
    Stage,
    AccessiblePotential,
    AssetsEntrusted,
    LastMeetingOn,
    LastCallOn,
    NextContactOn,
    HouseholdSize,
    CompanySize,
    /// The advisor in charge, by e-mail or name.
    Owner,
    CallPreferences,
}

impl Field {
    pub const ALL: [Field; 27] = [
        Field::Kind,
        Field::LastName,
        Field::FirstName,
        Field::SpouseName,
        Field::CompanyName,
        Field::ContactRole,
        Field::Email,
        Field::PhoneMobile,
        Field::PhoneLandline,
        Field::Phone,
        Field::AddressLine,
        Field::Postcode,
        Field::City,
        Field::Sector,
        Field::Campaign,
        Field::Notes,
        Field::Website,
        Field::Stage,
        Field::AccessiblePotential,
        Field::AssetsEntrusted,
        Field::LastMeetingOn,
        Field::LastCallOn,
        Field::NextContactOn,
        Field::HouseholdSize,
        Field::CompanySize,
        Field::Owner,
        Field::CallPreferences,
    ];

    pub fn as_str(self) -> &'static str {
        self.names().0
    }

    pub fn parse(s: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// The French label of the mapping screen.
    pub fn label(self) -> &'static str {
        self.names().1
    }

    /// Wire name, label, and the folded headers that mean this field (French and English,
    /// and the columns of Tournée's own export).
    fn names(self) -> (&'static str, &'static str, &'static [&'static str]) {
        match self {
            Field::Kind => (
                "kind",
                "Type (particulier / entreprise)",
                &["type", "kind", "nature", "type de contact"],
            ),
            Field::LastName => (
                "last_name",
                "Nom",
                &[
                    "nom",
                    "nom de famille",
                    "last name",
                    "lastname",
                    "surname",
                    "family name",
                    "name",
                    "nom client",
                ],
            ),
            Field::FirstName => (
                "first_name",
                "Prénom",
                &["prenom", "first name", "firstname", "given name"],
            ),
            Field::SpouseName => ("spouse_name", "Conjoint", &["conjoint", "spouse", "nom du conjoint"]),
            Field::CompanyName => (
                "company_name",
                "Société",
                &[
                    "societe",
                    "entreprise",
                    "raison sociale",
                    "company",
                    "company name",
                    "organisation",
                    "organization",
                    "employeur",
                ],
            ),
            Field::ContactRole => (
                "contact_role",
                "Fonction",
                &["fonction", "poste", "role", "title", "job title"],
            ),
            Field::Email => (
                "email",
                "E-mail",
                &[
                    "e mail",
                    "email",
                    "mail",
                    "courriel",
                    "adresse e mail",
                    "adresse email",
                    "adresse mail",
                ],
            ),
            Field::PhoneMobile => (
                "phone_mobile",
                "Mobile",
                &[
                    "mobile",
                    "portable",
                    "tel portable",
                    "telephone portable",
                    "tel mobile",
                    "telephone mobile",
                    "gsm",
                    "cell",
                    "mobile phone",
                ],
            ),
            Field::PhoneLandline => (
                "phone_landline",
                "Fixe",
                &[
                    "fixe",
                    "tel fixe",
                    "telephone fixe",
                    "landline",
                    "home phone",
                    "domicile",
                ],
            ),
            Field::Phone => (
                "phone",
                "Téléphone (mobile ou fixe)",
                &["telephone", "tel", "phone", "numero", "numero de telephone"],
            ),
            Field::AddressLine => (
                "address_line",
                "Adresse",
                &["adresse", "address", "rue", "street", "adresse postale", "voie"],
            ),
            Field::Postcode => (
                "postcode",
                "Code postal",
                &[
                    "code postal",
                    "cp",
                    "postcode",
                    "postal code",
                    "zip",
                    "zip code",
                    "code",
                ],
            ),
            Field::City => ("city", "Ville", &["ville", "commune", "city", "town", "localite"]),
            Field::Sector => ("sector", "Secteur", &["secteur", "sector", "zone", "tournee"]),
            Field::Campaign => (
                "campaign",
                "Campagne / source",
                &["campagne", "campaign", "source", "origine", "provenance"],
            ),
            Field::Notes => (
                "notes",
                "Notes",
                &[
                    "notes",
                    "note",
                    "commentaire",
                    "commentaires",
                    "remarques",
                    "comments",
                    "observations",
                ],
            ),
            Field::Website => (
                "website",
                "Site web",
                &["site", "site web", "site internet", "website", "web"],
            ),
            Field::Stage => ("stage", "Étape", &["etape", "stage", "statut", "status", "etat"]),
            Field::AccessiblePotential => (
                "accessible_potential",
                "Potentiel accessible (€)",
                &[
                    "potentiel",
                    "potentiel accessible",
                    "potentiel accessible eur",
                    "potential",
                ],
            ),
            Field::AssetsEntrusted => (
                "assets_entrusted",
                "Encours confiés (€)",
                &[
                    "encours",
                    "encours confies",
                    "actifs confies",
                    "assets",
                    "assets under management",
                    "aum",
                ],
            ),
            Field::LastMeetingOn => (
                "last_meeting_on",
                "Dernier RDV",
                &["dernier rdv", "dernier rendez vous", "last meeting", "date dernier rdv"],
            ),
            Field::LastCallOn => (
                "last_call_on",
                "Dernier appel",
                &["dernier appel", "last call", "date dernier appel"],
            ),
            Field::NextContactOn => (
                "next_contact_on",
                "Prochain contact",
                &["prochain contact", "a recontacter le", "next contact", "relance"],
            ),
            Field::HouseholdSize => (
                "household_size",
                "Taille du foyer",
                &["foyer", "taille du foyer", "household", "household size"],
            ),
            Field::CompanySize => (
                "company_size",
                "Effectif",
                &["effectif", "salaries", "employees", "company size"],
            ),
            Field::Owner => (
                "owner",
                "Conseiller",
                &[
                    "conseiller",
                    "advisor",
                    "adviser",
                    "owner",
                    "charge de clientele",
                    "commercial",
                ],
            ),
            Field::CallPreferences => (
                "call_preferences",
                "Préférences d'appel",
                &["preferences d appel", "preferences", "horaires", "disponibilites"],
            ),
        }
    }
}

/// The field each column most likely holds (`None`: left out), each field taken once, the
/// first column first.
pub fn guess_mapping(headers: &[String]) -> Vec<Option<Field>> {
    let mut taken = Vec::new();
    headers
        .iter()
        .map(|h| {
            let folded = fold(h);
            let exact = Field::ALL.into_iter().find(|f| f.names().2.contains(&folded.as_str()));
            let guess = exact.or_else(|| loose(&folded));
            match guess {
                Some(f) if !taken.contains(&f) => {
                    taken.push(f);
                    Some(f)
                }
                _ => None,
            }
        })
        .collect()
}

/// A header that says what it holds among other words ("Adresse e-mail pro", "Tél. portable").
fn loose(h: &str) -> Option<Field> {
    let has = |w: &str| h.split(' ').any(|x| x == w);
    if h.contains("mail") {
        Some(Field::Email)
    } else if has("portable") || has("mobile") || has("gsm") {
        Some(Field::PhoneMobile)
    } else if has("fixe") {
        Some(Field::PhoneLandline)
    } else if has("tel") || has("telephone") || has("phone") {
        Some(Field::Phone)
    } else if h.contains("postal") {
        Some(Field::Postcode)
    } else if has("prenom") {
        Some(Field::FirstName)
    } else if has("societe") || has("entreprise") {
        Some(Field::CompanyName)
    } else if has("ville") || has("commune") {
        Some(Field::City)
    } else if has("adresse") || has("address") {
        Some(Field::AddressLine)
    } else {
        None
    }
}

/// The agency's advisors a line may name as its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Advisor {
    pub id: Uuid,
    pub email: String,
    pub name: String,
}

/// A date as spreadsheets write it: `31/12/2024`, `31/12/24`, `31.12.2024`, `31-12-2024`,
/// `2024-12-31`, with or without a time after it.
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let day = raw.split_whitespace().next()?.split('T').next()?;
    if let Ok(d) = NaiveDate::parse_from_str(day, "%Y-%m-%d") {
        return Some(d);
    }
    let parts: Vec<&str> = day.split(['/', '.', '-']).collect();
    let [d, m, y] = parts.as_slice() else { return None };
    let (d, m, mut y): (u32, u32, i32) = (d.parse().ok()?, m.parse().ok()?, y.parse().ok()?);
    if parts[2].len() == 2 {
        y += if y < 70 { 2000 } else { 1900 };
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

/// A stage by its French label or its wire name ("Contacté", "contacte", "contacted");
/// "Prospect" is an identified prospect.
pub fn parse_stage(raw: &str) -> Option<Stage> {
    let f = fold(raw);
    Stage::ALL
        .into_iter()
        .find(|s| fold(s.label()) == f || s.as_str() == f.replace(' ', "_"))
        .or(match f.as_str() {
            "prospect" | "nouveau" | "lead" => Some(Stage::Identified),
            "customer" | "signe" => Some(Stage::Client),
            "ancien" | "former" => Some(Stage::FormerClient),
            _ => None,
        })
}

fn parse_kind(raw: &str) -> Option<ContactKind> {
    match fold(raw).as_str() {
        "particulier" | "individual" | "personne" | "personne physique" | "prive" | "b2c" => {
            Some(ContactKind::Individual)
        }
        "entreprise" | "company" | "societe" | "professionnel" | "pro" | "personne morale" | "b2b" => {
            Some(ContactKind::Company)
        }
        _ => None,
    }
}

/// A line's cells as a record, its values parsed; errors keyed by the record's field names
/// (the same keys as [`ContactInput::validate`]'s). The owner is looked up among `advisors`.
pub fn line_input(cells: &[String], mapping: &[Option<Field>], advisors: &[Advisor]) -> (ContactInput, FieldErrors) {
    let mut input = ContactInput::default();
    let mut errors = FieldErrors::new();
    let mut kind = None;
    for (cell, field) in cells.iter().zip(mapping) {
        let (Some(field), value) = (field, cell.trim()) else {
            continue;
        };
        if value.is_empty() {
            continue;
        }
        let text = value.to_string();
        let mut date = |name: &str, slot: &mut Option<NaiveDate>| match parse_date(value) {
            Some(d) => *slot = Some(d),
            None => {
                errors.insert(name.into(), format!("date illisible « {value} » (attendu JJ/MM/AAAA)"));
            }
        };
        match field {
            Field::Kind => match parse_kind(value) {
                Some(k) => kind = Some(k),
                None => {
                    errors.insert(
                        "kind".into(),
                        format!("type inconnu « {value} » (particulier ou entreprise)"),
                    );
                }
            },
            Field::LastName => input.last_name = text,
            Field::FirstName => input.first_name = text,
            Field::SpouseName => input.spouse_name = text,
            Field::CompanyName => input.company_name = text,
            Field::ContactRole => input.contact_role = text,
            Field::Email => input.email = text,
            Field::PhoneMobile => input.phone_mobile = text,
            Field::PhoneLandline => input.phone_landline = text,
            Field::Phone => match Phone::parse(value) {
                Ok(p) if p.is_french_mobile() && input.phone_mobile.is_empty() => input.phone_mobile = text,
                _ if input.phone_landline.is_empty() => input.phone_landline = text,
                _ => input.phone_mobile = text,
            },
            Field::AddressLine => input.address_line = text,
            Field::Postcode => {
                // Excel drops the leading zero of "01000".
                input.postcode = if value.len() == 4 && value.bytes().all(|b| b.is_ascii_digit()) {
                    format!("0{value}")
                } else {
                    text
                }
            }
            Field::City => input.city = text,
            Field::Sector => input.sector = text,
            Field::Campaign => input.campaign = text,
            Field::Notes => input.notes = text,
            Field::Website => input.website = text,
            Field::CallPreferences => input.call_preferences = text,
            Field::Stage => match parse_stage(value) {
                Some(s) => input.stage = Some(s),
                None => {
                    errors.insert("stage".into(), format!("étape inconnue « {value} »"));
                }
            },
            Field::AccessiblePotential | Field::AssetsEntrusted => {
                let (name, slot) = if *field == Field::AccessiblePotential {
                    ("accessible_potential_cents", &mut input.accessible_potential_cents)
                } else {
                    ("assets_entrusted_cents", &mut input.assets_entrusted_cents)
                };
                match Euros::parse(value) {
                    Ok(e) => *slot = Some(e.cents()),
                    Err(e) => {
                        errors.insert(name.into(), format!("montant illisible « {value} » : {e}"));
                    }
                }
            }
            Field::LastMeetingOn => date("last_meeting_on", &mut input.last_meeting_on),
            Field::LastCallOn => date("last_call_on", &mut input.last_call_on),
            Field::NextContactOn => date("next_contact_on", &mut input.next_contact_on),
            Field::HouseholdSize => match value.parse() {
                Ok(n) => input.household_size = Some(n),
                Err(_) => {
                    errors.insert("household_size".into(), format!("nombre illisible « {value} »"));
                }
            },
            Field::CompanySize => match value.parse() {
                Ok(n) => input.company_size = Some(n),
                Err(_) => {
                    errors.insert("company_size".into(), format!("nombre illisible « {value} »"));
                }
            },
            Field::Owner => {
                let f = fold(value);
                match advisors
                    .iter()
                    .find(|a| a.email.eq_ignore_ascii_case(value) || fold(&a.name) == f)
                {
                    Some(a) => input.owner_id = Some(a.id),
                    None => {
                        errors.insert(
                            "owner_id".into(),
                            format!("conseiller inconnu dans l'agence « {value} »"),
                        );
                    }
                }
            }
        }
    }
    input.kind = kind.unwrap_or(
        if !input.company_name.is_empty() && input.last_name.is_empty() && input.first_name.is_empty() {
            ContactKind::Company
        } else {
            ContactKind::Individual
        },
    );
    (input, errors)
}

/// The French name of a record field in a line's error ("E-mail : adresse invalide").
pub fn field_label(name: &str) -> &'static str {
    let import_name = match name {
        "accessible_potential_cents" => "accessible_potential",
        "assets_entrusted_cents" => "assets_entrusted",
        "owner_id" => "owner",
        other => other,
    };
    Field::parse(import_name).map(Field::label).unwrap_or(match name {
        "situation" => "Situation",
        "networks" => "Filières",
        "referred_by" => "Prescripteur",
        _ => "Fiche",
    })
}

/// A line's errors as one readable sentence, fields in the record's order.
pub fn reason(errors: &FieldErrors) -> String {
    errors
        .iter()
        .map(|(field, message)| format!("{} : {message}", field_label(field)))
        .collect::<Vec<_>>()
        .join(" ; ")
}

#[cfg(test)]
mod tests;
