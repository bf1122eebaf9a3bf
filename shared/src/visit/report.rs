//! The visit report (*compte rendu de visite*) with its objections and referral requests,
//! and the agency's list of objection types.

use crate::values::Invalid;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{check_text, LONG, SHORT};
use crate::record::{ContactInput, FieldErrors};
use crate::stage::Stage;
use crate::values::{Email, Phone};

crate::wire_enum! {
    /// What came of a meeting (*issue de l'entretien*).
    #[derive(Hash)]
    pub enum Outcome {
        /// *signature* — a contract or application form signed.
        Signed = "signed",
        /// *positif* — a clear next step agreed.
        Positive = "positive",
        /// *à relancer* — interest, nothing decided.
        FollowUp = "follow_up",
        /// *sans suite*
        NoInterest = "no_interest",
    }
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Self::Signed => "Signature",
            Self::Positive => "Positif",
            Self::FollowUp => "À relancer",
            Self::NoInterest => "Sans suite",
        }
    }
}

/// The stage a held meeting suggests (the advisor confirms): a signature makes a client; a
/// meeting held with a prospect makes it *engagé* ("a meeting took place").
pub fn suggest_stage(current: Stage, outcome: Outcome) -> Option<Stage> {
    if !current.is_prospect() {
        return None;
    }
    match outcome {
        Outcome::Signed => Some(Stage::Client),
        _ if current < Stage::Engaged => Some(Stage::Engaged),
        _ => None,
    }
}

/// One objection heard (*objection*), from the agency's list or free text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObjectionInput {
    /// A code of the agency's list, or none for a free-text objection.
    #[serde(default)]
    pub code: Option<String>,
    /// The client's words (required without a code).
    #[serde(default)]
    pub text: String,
    /// What the advisor answered.
    #[serde(default)]
    pub answer: String,
    #[serde(default)]
    pub overcome: bool,
}

/// One name given on a referral request: becomes a *recommandé* prospect.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct ReferralInput {
    /// The new record's id, chosen by the client; optional.
    pub id: Option<Uuid>,
    pub first_name: String,
    pub last_name: String,
    pub company_name: String,
    pub phone: String,
    pub email: String,
    pub note: String,
}

impl ReferralInput {
    /// The prospect record this name becomes, referred by `referrer` and owned by `owner`.
    pub fn to_contact(&self, referrer: Uuid, owner: Uuid) -> ContactInput {
        let phone_is_mobile = Phone::parse(&self.phone)
            .map(|p| !p.e164().starts_with("+33") || p.is_french_mobile())
            .unwrap_or(true);
        ContactInput {
            id: self.id,
            kind: if self.company_name.trim().is_empty() {
                crate::record::ContactKind::Individual
            } else {
                crate::record::ContactKind::Company
            },
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            company_name: self.company_name.clone(),
            phone_mobile: if phone_is_mobile {
                self.phone.clone()
            } else {
                String::new()
            },
            phone_landline: if phone_is_mobile {
                String::new()
            } else {
                self.phone.clone()
            },
            email: self.email.clone(),
            notes: self.note.clone(),
            stage: Some(Stage::Referred),
            referred_by: Some(referrer),
            owner_id: Some(owner),
            ..ContactInput::default()
        }
    }
}

/// The time and place the advisor checked in at, from the browser (with consent).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckIn {
    pub at: DateTime<Utc>,
    pub lat: f64,
    pub lon: f64,
    /// Accuracy radius in metres as the browser reported it.
    #[serde(default)]
    pub accuracy_m: Option<f64>,
}

/// A visit report (*compte rendu de visite*) on a held meeting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportInput {
    pub outcome: Outcome,
    #[serde(default)]
    pub summary: String,
    /// *besoins détectés*
    #[serde(default)]
    pub needs: String,
    /// *signes d'intérêt*
    #[serde(default)]
    pub interest_signs: String,
    /// 1 (unhappy) to 5 (delighted).
    #[serde(default)]
    pub satisfaction: Option<u8>,
    /// "Would you recommend us to someone close?" from 0 to 10 (the NPS question): 9–10 are
    /// promoters, 0–6 detractors.
    #[serde(default)]
    pub recommend_score: Option<u8>,
    /// The stage the advisor confirmed; none leaves the record where it is.
    #[serde(default)]
    pub stage_to: Option<Stage>,
    /// Next step: becomes a task due on `next_step_due` (default in 7 days).
    #[serde(default)]
    pub next_step: String,
    #[serde(default)]
    pub next_step_due: Option<NaiveDate>,
    #[serde(default)]
    pub objections: Vec<ObjectionInput>,
    /// Whether the advisor asked for referrals (*recommandations demandées*).
    #[serde(default)]
    pub referrals_asked: bool,
    #[serde(default)]
    pub referrals: Vec<ReferralInput>,
    #[serde(default)]
    pub checkin: Option<CheckIn>,
}

impl ReportInput {
    /// Checks the report against the agency's objection list. Field names point into the
    /// form: `objections.1.text`, `referrals.0.phone`…
    pub fn validate(mut self, objection_codes: &[String]) -> Result<ReportInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        check_text(&mut errors, "summary", &mut self.summary, LONG);
        check_text(&mut errors, "needs", &mut self.needs, LONG);
        check_text(&mut errors, "interest_signs", &mut self.interest_signs, LONG);
        check_text(&mut errors, "next_step", &mut self.next_step, SHORT);
        if let Some(s) = self.satisfaction {
            if !(1..=5).contains(&s) {
                errors.insert("satisfaction".into(), "de 1 à 5".into());
            }
        }
        if self.recommend_score.is_some_and(|s| s > 10) {
            errors.insert("recommend_score".into(), "de 0 à 10".into());
        }
        if self.objections.len() > 20 {
            errors.insert("objections".into(), "20 objections au plus".into());
        }
        for (i, o) in self.objections.iter_mut().enumerate() {
            o.code = o.code.take().map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
            check_text(&mut errors, &format!("objections.{i}.text"), &mut o.text, SHORT);
            check_text(&mut errors, &format!("objections.{i}.answer"), &mut o.answer, LONG);
            match &o.code {
                Some(code) if !objection_codes.contains(code) => {
                    errors.insert(
                        format!("objections.{i}.code"),
                        "objection inconnue dans la liste de l'agence".into(),
                    );
                }
                None if o.text.is_empty() => {
                    errors.insert(
                        format!("objections.{i}.text"),
                        "choisir une objection ou la décrire".into(),
                    );
                }
                _ => {}
            }
        }
        if self.referrals.len() > 20 {
            errors.insert("referrals".into(), "20 recommandations au plus".into());
        }
        if !self.referrals.is_empty() {
            self.referrals_asked = true;
        }
        for (i, r) in self.referrals.iter_mut().enumerate() {
            for (name, v) in [
                ("first_name", &mut r.first_name),
                ("last_name", &mut r.last_name),
                ("company_name", &mut r.company_name),
                ("phone", &mut r.phone),
                ("email", &mut r.email),
            ] {
                check_text(&mut errors, &format!("referrals.{i}.{name}"), v, SHORT);
            }
            check_text(&mut errors, &format!("referrals.{i}.note"), &mut r.note, LONG);
            if r.last_name.is_empty() && r.company_name.is_empty() {
                errors.insert(format!("referrals.{i}.last_name"), "le nom est obligatoire".into());
            }
            if r.phone.is_empty() && r.email.is_empty() {
                errors.insert(format!("referrals.{i}.phone"), "un téléphone ou un e-mail".into());
            }
            if !r.phone.is_empty() {
                if let Err(e) = Phone::parse(&r.phone) {
                    errors.insert(format!("referrals.{i}.phone"), e.to_string());
                }
            }
            if !r.email.is_empty() {
                if let Err(e) = Email::parse(&r.email) {
                    errors.insert(format!("referrals.{i}.email"), e.to_string());
                }
            }
        }
        if let Some(c) = &self.checkin {
            if !(-90.0..=90.0).contains(&c.lat) || !(-180.0..=180.0).contains(&c.lon) {
                errors.insert("checkin".into(), "position invalide".into());
            }
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}

/// A saved report, with what it created.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub contact_id: Uuid,
    pub outcome: Outcome,
    pub summary: String,
    pub needs: String,
    pub interest_signs: String,
    pub satisfaction: Option<u8>,
    #[serde(default)]
    pub recommend_score: Option<u8>,
    pub stage_from: Stage,
    pub stage_to: Option<Stage>,
    pub next_step: String,
    pub next_step_due: Option<NaiveDate>,
    pub referrals_asked: bool,
    pub checkin: Option<CheckIn>,
    pub objections: Vec<Objection>,
    /// The prospects created from the names given.
    pub referred: Vec<ContactRef>,
    /// The tasks the report created (next step, thanking the referrer).
    pub tasks: Vec<Uuid>,
    pub author_name: String,
    pub created_at: DateTime<Utc>,
    /// The change number of the write that saved it last.
    #[serde(default)]
    pub seq: i64,
}

/// An objection as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Objection {
    pub id: Uuid,
    pub code: Option<String>,
    /// The list's label at the time, or the free text.
    pub label: String,
    pub text: String,
    pub answer: String,
    pub overcome: bool,
}

/// A link to a record, with what a list needs to show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactRef {
    pub id: Uuid,
    pub display_name: String,
    pub stage: Stage,
}

/// The referral chain around a record: who referred it, whom it referred.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Referrals {
    pub referred_by: Option<ContactRef>,
    pub referred: Vec<ContactRef>,
}

/// The agency's standard objection list entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObjectionType {
    pub code: String,
    pub label: String,
}

/// The standard list from the sources (domain README §4), the agency's starting point.
pub fn default_objections() -> Vec<ObjectionType> {
    [
        ("price", "Trop cher"),
        ("already_equipped", "Déjà équipé / satisfait de la concurrence"),
        ("no_time", "Pas le temps"),
        ("no_need", "Pas besoin"),
        ("distrust", "Méfiance"),
        ("think_it_over", "Veut réfléchir"),
        ("spouse", "Veut en parler à son conjoint"),
        ("bad_timing", "Pas le bon moment"),
        ("product_fit", "Le produit ne convient pas"),
    ]
    .into_iter()
    .map(|(code, label)| ObjectionType {
        code: code.into(),
        label: label.into(),
    })
    .collect()
}

/// Checks an agency's objection list: codes unique and simple, labels present.
pub fn validate_objections(list: &[ObjectionType]) -> Result<(), Invalid> {
    if list.len() > 60 {
        return Err(Invalid("60 objections au plus".into()));
    }
    for (i, o) in list.iter().enumerate() {
        if o.code.is_empty()
            || o.code.len() > 40
            || !o
                .code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(Invalid(format!(
                "code {:?} : lettres minuscules, chiffres et _ seulement",
                o.code
            )));
        }
        if o.label.trim().is_empty() || o.label.chars().count() > 100 {
            return Err(Invalid(format!("libellé de {:?} : 1 à 100 caractères", o.code)));
        }
        if list[..i].iter().any(|p| p.code == o.code) {
            return Err(Invalid(format!("code {:?} en double", o.code)));
        }
    }
    Ok(())
}
