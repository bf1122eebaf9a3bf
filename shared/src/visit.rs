//! Meetings, visit reports, objections, referral requests, calls and other interactions
//! (domain README §4): the advisor's day in the field.
//!
//! Times: a meeting is stored as an instant (UTC). The advisor types and reads wall-clock
//! times of the agency's time zone; the server converts and sends both, so the browser never
//! needs a time-zone database.

use crate::record::{ContactInput, FieldErrors, MeetingPlace};
use crate::stage::Stage;
use crate::text;
use crate::values::{Email, Phone};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const SHORT: usize = 200;
const LONG: usize = 5000;

/// Where a meeting stands (*statut du RDV*).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MeetingStatus {
    /// *planifié*
    Planned,
    /// *tenu*
    Held,
    /// *annulé*
    Cancelled,
    /// *absent* — the client did not come / was not there.
    NoShow,
}

impl MeetingStatus {
    pub const ALL: [MeetingStatus; 4] = [Self::Planned, Self::Held, Self::Cancelled, Self::NoShow];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Held => "held",
            Self::Cancelled => "cancelled",
            Self::NoShow => "no_show",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Planned => "Planifié",
            Self::Held => "Tenu",
            Self::Cancelled => "Annulé",
            Self::NoShow => "Client absent",
        }
    }

    /// Whether a meeting in this status may be set to `to`. A planned meeting is held,
    /// cancelled or missed; a mistake can be undone back to planned unless a report exists
    /// (checked by the store).
    pub fn can_become(self, to: MeetingStatus) -> bool {
        match (self, to) {
            (a, b) if a == b => false,
            (Self::Planned, _) => true,
            (_, Self::Planned) => true,
            _ => false,
        }
    }
}

/// A new meeting, or the new time and place of an existing one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeetingInput {
    /// Chosen by the client (UUIDv7) so an offline phone can create it; optional online.
    #[serde(default)]
    pub id: Option<Uuid>,
    pub contact_id: Uuid,
    /// Wall-clock start in the agency's time zone, e.g. `2026-11-24T14:30` (seconds optional).
    #[serde(with = "wall_clock")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-11-24T14:30"))]
    pub starts_at: NaiveDateTime,
    /// Minutes, 5–600.
    pub duration_min: u16,
    pub place: MeetingPlace,
    /// Empty: the client's address when the meeting is at the client's.
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub notes: String,
    /// The advisor who goes (managers may plan for an advisor); default the caller.
    #[serde(default)]
    pub owner_id: Option<Uuid>,
    /// The version read, to refuse overwriting a change made meanwhile (updates only).
    #[serde(default)]
    pub expected_seq: Option<i64>,
}

impl MeetingInput {
    pub fn validate(mut self) -> Result<MeetingInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        if !(5..=600).contains(&self.duration_min) {
            errors.insert("duration_min".into(), "entre 5 minutes et 10 heures".into());
        }
        check_text(&mut errors, "address", &mut self.address, SHORT);
        check_text(&mut errors, "subject", &mut self.subject, SHORT);
        check_text(&mut errors, "notes", &mut self.notes, LONG);
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}

/// A meeting as read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Meeting {
    pub id: Uuid,
    pub contact_id: Uuid,
    pub contact_name: String,
    pub contact_phone: String,
    pub owner_id: Uuid,
    pub owner_name: String,
    pub starts_at: DateTime<Utc>,
    /// `starts_at` on the agency's wall clock, without an offset (`2026-11-29T14:30:00`).
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2026-11-29T14:30:00"))]
    pub local_start: NaiveDateTime,
    pub duration_min: u16,
    pub place: MeetingPlace,
    pub address: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub subject: String,
    pub notes: String,
    pub status: MeetingStatus,
    pub status_reason: Option<String>,
    pub has_report: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub seq: i64,
}

/// Sets a meeting's status: held, cancelled (with a reason), client absent, or back to planned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeetingStatusChange {
    pub status: MeetingStatus,
    #[serde(default)]
    pub reason: Option<String>,
}

/// Agenda parameters: the meetings from `from` to `to` included (local dates).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(default)]
pub struct AgendaQuery {
    /// First day (default today).
    pub from: Option<NaiveDate>,
    /// Last day included (default `from`); at most 62 days after `from`.
    pub to: Option<NaiveDate>,
    /// One advisor's agenda (default the caller's; managers may ask for anyone's).
    pub owner: Option<Uuid>,
    /// Only this record's meetings (any owner).
    pub contact_id: Option<Uuid>,
    /// Include cancelled meetings (default false).
    pub include_cancelled: Option<bool>,
}

/// What came of a meeting (*issue de l'entretien*).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// *signature* — a contract or application form signed.
    Signed,
    /// *positif* — a clear next step agreed.
    Positive,
    /// *à relancer* — interest, nothing decided.
    FollowUp,
    /// *sans suite*
    NoInterest,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [Self::Signed, Self::Positive, Self::FollowUp, Self::NoInterest];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signed => "signed",
            Self::Positive => "positive",
            Self::FollowUp => "follow_up",
            Self::NoInterest => "no_interest",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

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
pub fn validate_objections(list: &[ObjectionType]) -> Result<(), String> {
    if list.len() > 60 {
        return Err("60 objections au plus".into());
    }
    for (i, o) in list.iter().enumerate() {
        if o.code.is_empty()
            || o.code.len() > 40
            || !o
                .code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(format!(
                "code {:?} : lettres minuscules, chiffres et _ seulement",
                o.code
            ));
        }
        if o.label.trim().is_empty() || o.label.chars().count() > 100 {
            return Err(format!("libellé de {:?} : 1 à 100 caractères", o.code));
        }
        if list[..i].iter().any(|p| p.code == o.code) {
            return Err(format!("code {:?} en double", o.code));
        }
    }
    Ok(())
}

/// The kinds of logged contact besides meetings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InteractionKind {
    Call,
    Email,
    Letter,
    Sms,
}

impl InteractionKind {
    pub const ALL: [InteractionKind; 4] = [Self::Call, Self::Email, Self::Letter, Self::Sms];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Call => "call",
            Self::Email => "email",
            Self::Letter => "letter",
            Self::Sms => "sms",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Call => "Appel",
            Self::Email => "E-mail",
            Self::Letter => "Courrier",
            Self::Sms => "SMS",
        }
    }
}

/// What came of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    /// *joint*
    Reached,
    /// *pas de réponse*
    NoAnswer,
    /// *à rappeler*
    CallBack,
    /// *RDV pris*
    AppointmentBooked,
    /// *refus*
    Refused,
}

impl CallOutcome {
    pub const ALL: [CallOutcome; 5] = [
        Self::Reached,
        Self::NoAnswer,
        Self::CallBack,
        Self::AppointmentBooked,
        Self::Refused,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reached => "reached",
            Self::NoAnswer => "no_answer",
            Self::CallBack => "call_back",
            Self::AppointmentBooked => "appointment_booked",
            Self::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Reached => "Joint",
            Self::NoAnswer => "Pas de réponse",
            Self::CallBack => "À rappeler",
            Self::AppointmentBooked => "RDV pris",
            Self::Refused => "Refus",
        }
    }

    /// Whether the person was actually spoken to (counts for the call cadence).
    pub fn spoke(self) -> bool {
        matches!(self, Self::Reached | Self::AppointmentBooked | Self::Refused)
    }
}

/// A call, e-mail, letter or SMS to log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InteractionInput {
    #[serde(default)]
    pub id: Option<Uuid>,
    pub kind: InteractionKind,
    /// Required for a call.
    #[serde(default)]
    pub outcome: Option<CallOutcome>,
    /// When it happened (default now); not in the future.
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub note: String,
    /// For "call back": the day to call back, which becomes a task.
    #[serde(default)]
    pub call_back_on: Option<NaiveDate>,
}

impl InteractionInput {
    pub fn validate(mut self, now: DateTime<Utc>) -> Result<InteractionInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        check_text(&mut errors, "note", &mut self.note, LONG);
        match (self.kind, self.outcome) {
            (InteractionKind::Call, None) => {
                errors.insert("outcome".into(), "choisir l'issue de l'appel".into());
            }
            (InteractionKind::Call, Some(_)) => {}
            (_, Some(_)) => {
                errors.insert("outcome".into(), "réservé aux appels".into());
            }
            (_, None) => {}
        }
        if let Some(at) = self.at {
            if at > now + chrono::Duration::minutes(5) {
                errors.insert("at".into(), "date dans le futur".into());
            }
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}

/// Task priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    High,
    #[default]
    Normal,
    Low,
}

impl Priority {
    pub const ALL: [Priority; 3] = [Self::High, Self::Normal, Self::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::High => "high",
            Self::Normal => "normal",
            Self::Low => "low",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::High => "Haute",
            Self::Normal => "Normale",
            Self::Low => "Basse",
        }
    }

    /// Sort rank, high first.
    pub fn rank(self) -> i64 {
        match self {
            Self::High => 0,
            Self::Normal => 1,
            Self::Low => 2,
        }
    }
}

/// Where a task came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskSource {
    Manual,
    /// The next step of a visit report.
    Report,
    /// Thank the person who gave names.
    ReferralThanks,
    /// Tell the referrer what came of their referral.
    ReferralOutcome,
    /// A client due for a meeting or a call by the segment cadence.
    Cadence,
    /// A call to return.
    CallBack,
}

impl TaskSource {
    pub const ALL: [TaskSource; 6] = [
        Self::Manual,
        Self::Report,
        Self::ReferralThanks,
        Self::ReferralOutcome,
        Self::Cadence,
        Self::CallBack,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Report => "report",
            Self::ReferralThanks => "referral_thanks",
            Self::ReferralOutcome => "referral_outcome",
            Self::Cadence => "cadence",
            Self::CallBack => "call_back",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// A task to create or edit (*échéancier*).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskInput {
    #[serde(default)]
    pub id: Option<Uuid>,
    pub title: String,
    pub due_on: NaiveDate,
    #[serde(default)]
    pub priority: Priority,
    #[serde(default)]
    pub contact_id: Option<Uuid>,
    /// The advisor who does it (managers may assign); default the caller.
    #[serde(default)]
    pub owner_id: Option<Uuid>,
    #[serde(default)]
    pub notes: String,
}

impl TaskInput {
    pub fn validate(mut self) -> Result<TaskInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        check_text(&mut errors, "title", &mut self.title, SHORT);
        if self.title.is_empty() {
            errors.insert("title".into(), "obligatoire".into());
        }
        check_text(&mut errors, "notes", &mut self.notes, LONG);
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}

/// A task as read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Task {
    pub id: Uuid,
    pub title: String,
    pub notes: String,
    pub due_on: NaiveDate,
    pub priority: Priority,
    pub contact_id: Option<Uuid>,
    pub contact_name: Option<String>,
    pub owner_id: Uuid,
    pub owner_name: String,
    pub source: TaskSource,
    pub done_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub seq: i64,
}

/// Which tasks to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskScope {
    /// Not done and due today or before.
    #[default]
    Due,
    /// Not done and due before today.
    Overdue,
    /// Not done.
    Open,
    /// Done.
    Done,
}

/// Task list parameters.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(default)]
pub struct TaskQuery {
    pub scope: Option<TaskScope>,
    /// The day "today" means (default the server's today in the agency's time zone).
    pub on: Option<NaiveDate>,
    /// Only this record's tasks.
    pub contact_id: Option<Uuid>,
    /// Another advisor's tasks (managers); default the caller's.
    pub owner: Option<Uuid>,
    /// 1–500, default 100.
    pub limit: Option<u32>,
}

/// Mark a task done or not done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskDone {
    pub done: bool,
}

/// What a line of the record's timeline is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Stage,
    Meeting,
    Report,
    Objection,
    Referral,
    Call,
    Email,
    Letter,
    Sms,
}

impl EventKind {
    pub const ALL: [EventKind; 9] = [
        Self::Stage,
        Self::Meeting,
        Self::Report,
        Self::Objection,
        Self::Referral,
        Self::Call,
        Self::Email,
        Self::Letter,
        Self::Sms,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stage => "stage",
            Self::Meeting => "meeting",
            Self::Report => "report",
            Self::Objection => "objection",
            Self::Referral => "referral",
            Self::Call => "call",
            Self::Email => "email",
            Self::Letter => "letter",
            Self::Sms => "sms",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn from_interaction(k: InteractionKind) -> Self {
        match k {
            InteractionKind::Call => Self::Call,
            InteractionKind::Email => Self::Email,
            InteractionKind::Letter => Self::Letter,
            InteractionKind::Sms => Self::Sms,
        }
    }
}

/// One line of a record's timeline (*historique*).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub kind: EventKind,
    pub title: String,
    pub detail: String,
    pub author_name: String,
    /// The meeting, report, interaction or record the line is about.
    pub ref_id: Option<Uuid>,
}

/// Timeline page parameters: newest first, `before` is the cursor of the previous page.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(default)]
pub struct TimelineQuery {
    pub before: Option<String>,
    /// 1–200, default 30.
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelinePage {
    pub items: Vec<TimelineEntry>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next: Option<String>,
}

/// The home screen (*aujourd'hui*).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Today {
    pub date: NaiveDate,
    pub meetings: Vec<Meeting>,
    /// Due today or late, high priority and oldest first.
    pub tasks: Vec<Task>,
    pub overdue: Vec<crate::api::DueItem>,
    /// Held meetings of the last 14 days still without a report.
    pub reports_missing: Vec<Meeting>,
}

/// Report parameters: a period and optionally one advisor.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(default)]
pub struct PeriodQuery {
    /// First day (default 90 days ago).
    pub from: Option<NaiveDate>,
    /// Last day included (default today).
    pub to: Option<NaiveDate>,
    pub owner: Option<Uuid>,
}

/// How often one objection came up and was overcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObjectionStat {
    pub code: Option<String>,
    pub label: String,
    pub advisor_id: Option<Uuid>,
    pub advisor_name: Option<String>,
    pub count: i64,
    pub overcome: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObjectionReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Per objection, all advisors together, most frequent first.
    pub overall: Vec<ObjectionStat>,
    /// Per advisor and objection.
    pub by_advisor: Vec<ObjectionStat>,
}

/// Referral requests per advisor over a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferralStat {
    pub advisor_id: Uuid,
    pub advisor_name: String,
    /// Reports written.
    pub reports: i64,
    /// Reports where referrals were asked.
    pub asked: i64,
    /// Names obtained.
    pub obtained: i64,
    /// Of those names, how many are clients now.
    pub converted: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferralReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub advisors: Vec<ReferralStat>,
}

/// The advisor's calendar subscription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarFeed {
    pub active: bool,
    pub created_at: Option<DateTime<Utc>>,
    /// Only in the answer that creates it: the secret URL to give the phone's calendar.
    pub url: Option<String>,
}

/// Wall-clock times as a phone's `datetime-local` input gives them: `YYYY-MM-DDTHH:MM`, seconds
/// optional. Parsed and printed by hand: chrono's strftime machinery would add kilobytes to
/// the browser bundle for one fixed format.
pub mod wall_clock {
    use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn parse(s: &str) -> Option<NaiveDateTime> {
        let s = s.trim();
        let (date, time) = s.split_once(['T', ' '])?;
        let mut d = date.splitn(3, '-').map(|p| p.parse::<u32>().ok());
        let (y, m, day) = (d.next()??, d.next()??, d.next()??);
        if date.len() != 10 {
            return None;
        }
        let mut t = time.splitn(3, ':');
        let (h, min) = (t.next()?, t.next()?);
        if h.len() != 2 || min.len() != 2 {
            return None;
        }
        let sec = match t.next() {
            Some(sec) if sec.len() == 2 => sec.parse().ok()?,
            Some(_) => return None,
            None => 0,
        };
        let date = NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, day)?;
        Some(date.and_time(NaiveTime::from_hms_opt(h.parse().ok()?, min.parse().ok()?, sec)?))
    }

    /// `YYYY-MM-DDTHH:MM`, what a `datetime-local` input shows.
    pub fn to_minutes(t: &NaiveDateTime) -> String {
        format!("{}T{:02}:{:02}", t.date(), t.hour(), t.minute())
    }

    pub fn serialize<S: Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{}:{:02}", to_minutes(t), t.second()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("date et heure attendues (AAAA-MM-JJTHH:MM), reçu {s:?}")))
    }
}

fn check_text(errors: &mut FieldErrors, name: &str, v: &mut String, max: usize) {
    *v = v.trim().to_string();
    if v.chars().count() > max {
        errors.insert(name.into(), format!("{max} caractères au plus"));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        errors.insert(name.into(), "caractères de contrôle interdits".into());
    }
}

/// A short one-line excerpt of free text for lists and timelines.
pub fn excerpt(s: &str, max: usize) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Folded label of an objection, to group free texts that differ only by case or accents.
pub fn objection_key(code: Option<&str>, text: &str) -> String {
    match code {
        Some(c) => c.to_string(),
        None => format!("free:{}", text::fold(text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> ReportInput {
        ReportInput {
            outcome: Outcome::Positive,
            summary: " Bon échange ".into(),
            needs: String::new(),
            interest_signs: String::new(),
            satisfaction: Some(4),
            stage_to: None,
            next_step: String::new(),
            next_step_due: None,
            objections: vec![],
            referrals_asked: false,
            referrals: vec![],
            checkin: None,
        }
    }

    fn codes() -> Vec<String> {
        default_objections().into_iter().map(|o| o.code).collect()
    }

    #[test]
    fn status_moves() {
        use MeetingStatus::*;
        assert!(Planned.can_become(Held));
        assert!(Planned.can_become(Cancelled));
        assert!(Held.can_become(Planned));
        assert!(!Held.can_become(Cancelled));
        assert!(!Planned.can_become(Planned));
    }

    #[test]
    fn suggestion_follows_the_sources() {
        assert_eq!(suggest_stage(Stage::Contacted, Outcome::FollowUp), Some(Stage::Engaged));
        assert_eq!(suggest_stage(Stage::Referred, Outcome::Positive), Some(Stage::Engaged));
        assert_eq!(suggest_stage(Stage::Engaged, Outcome::Positive), None);
        assert_eq!(suggest_stage(Stage::Engaged, Outcome::Signed), Some(Stage::Client));
        assert_eq!(suggest_stage(Stage::Client, Outcome::Signed), None);
    }

    #[test]
    fn report_validation_points_at_fields() {
        let mut r = report();
        r.satisfaction = Some(9);
        r.objections = vec![
            ObjectionInput {
                code: Some("price".into()),
                text: String::new(),
                answer: "étalement".into(),
                overcome: true,
            },
            ObjectionInput {
                code: Some("nope".into()),
                text: String::new(),
                answer: String::new(),
                overcome: false,
            },
            ObjectionInput {
                code: Some("  ".into()),
                text: String::new(),
                answer: String::new(),
                overcome: false,
            },
        ];
        r.referrals = vec![
            ReferralInput {
                last_name: "Roux".into(),
                phone: "06 12 34 56 78".into(),
                ..Default::default()
            },
            ReferralInput {
                last_name: "Blanc".into(),
                ..Default::default()
            },
            ReferralInput {
                first_name: "Léa".into(),
                email: "pas-un-mail".into(),
                ..Default::default()
            },
        ];
        let errors = r.validate(&codes()).unwrap_err();
        let keys: Vec<&str> = errors.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "objections.1.code",
                "objections.2.text",
                "referrals.1.phone",
                "referrals.2.email",
                "referrals.2.last_name",
                "satisfaction"
            ]
        );
    }

    #[test]
    fn valid_report_is_trimmed_and_marks_referrals_asked() {
        let mut r = report();
        r.referrals = vec![ReferralInput {
            last_name: "Roux".into(),
            email: "a@b.fr".into(),
            ..Default::default()
        }];
        let r = r.validate(&codes()).unwrap();
        assert_eq!(r.summary, "Bon échange");
        assert!(r.referrals_asked);
    }

    #[test]
    fn referral_becomes_a_referred_prospect() {
        let referrer = crate::new_id();
        let owner = crate::new_id();
        let r = ReferralInput {
            first_name: "Paul".into(),
            last_name: "Roux".into(),
            phone: "04 78 00 00 00".into(),
            ..Default::default()
        };
        let c = r.to_contact(referrer, owner);
        assert_eq!(c.stage, Some(Stage::Referred));
        assert_eq!(c.referred_by, Some(referrer));
        assert_eq!(c.phone_landline, "04 78 00 00 00");
        assert!(c.phone_mobile.is_empty());
        assert!(c.validate().is_ok());
    }

    #[test]
    fn calls_need_an_outcome_and_others_none() {
        let now = Utc::now();
        let call = InteractionInput {
            id: None,
            kind: InteractionKind::Call,
            outcome: None,
            at: None,
            note: String::new(),
            call_back_on: None,
        };
        assert!(call.clone().validate(now).unwrap_err().contains_key("outcome"));
        let ok = InteractionInput {
            outcome: Some(CallOutcome::NoAnswer),
            ..call.clone()
        };
        assert!(ok.validate(now).is_ok());
        let sms = InteractionInput {
            kind: InteractionKind::Sms,
            outcome: Some(CallOutcome::Reached),
            ..call.clone()
        };
        assert!(sms.validate(now).is_err());
        let future = InteractionInput {
            outcome: Some(CallOutcome::Reached),
            at: Some(now + chrono::Duration::days(1)),
            ..call
        };
        assert!(future.validate(now).unwrap_err().contains_key("at"));
    }

    #[test]
    fn objection_lists_are_checked() {
        assert!(validate_objections(&default_objections()).is_ok());
        let mut l = default_objections();
        l.push(l[0].clone());
        assert!(validate_objections(&l).is_err());
        assert!(validate_objections(&[ObjectionType {
            code: "Prix".into(),
            label: "x".into()
        }])
        .is_err());
    }

    #[test]
    fn wall_clock_takes_minutes_or_seconds() {
        let a = wall_clock::parse("2026-11-24T14:30").unwrap();
        assert_eq!(wall_clock::parse("2026-11-24T14:30:00"), Some(a));
        assert_eq!(wall_clock::parse("2026-11-24 14:30"), Some(a));
        assert_eq!(wall_clock::parse("24/11/2026 14h30"), None);
        assert_eq!(wall_clock::parse("2026-02-30T10:00"), None);
        assert_eq!(wall_clock::parse("2026-11-24T25:00"), None);
        assert_eq!(wall_clock::parse("2026-11-24T14:3"), None);
        assert_eq!(wall_clock::to_minutes(&a), "2026-11-24T14:30");
        let json = r#"{"contact_id":"0190c0de-0000-7000-8000-000000000000","starts_at":"2026-11-24T14:30","duration_min":30,"place":"town"}"#;
        let m: MeetingInput = serde_json::from_str(json).unwrap();
        assert_eq!(m.starts_at, a);
        assert!(serde_json::to_string(&m).unwrap().contains("\"2026-11-24T14:30:00\""));
    }

    #[test]
    fn excerpt_is_one_short_line() {
        assert_eq!(excerpt("a\n b", 10), "a b");
        assert_eq!(excerpt("abcdefghijkl", 5), "abcd…");
    }
}
