//! Checking what a form or an API call sends ([`ContactInput::validate`]): each field parsed
//! with the shared value types, every problem reported at once by field, in French.

use super::*;

const SHORT: usize = 120;
const LONG: usize = 4000;

/// A record's search words (`crate::text::search_words`) from its names (last, first,
/// spouse, company), its place and contact texts (city, postcode, sector, e-mail) and its
/// phone numbers — the one list of what a search looks in.
pub(super) fn record_words(names: [&String; 4], place: [&String; 4], phones: [&String; 2]) -> String {
    let [city, postcode, ..] = place;
    let texts: Vec<&str> = names.iter().chain(place.iter()).map(|s| s.as_str()).collect();
    let phones = phones.map(|p| p.as_str());
    crate::text::search_words(&texts, city, postcode, &phones)
}

impl ContactInput {
    /// The words a search finds this record by, from values as kept (see
    /// [`ValidContact::search_text`]).
    pub(super) fn search_text(&self) -> String {
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
