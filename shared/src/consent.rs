//! Consent per purpose (domain §8, GDPR art. 6–7; *consentement*): commercial contact by phone,
//! e-mail or SMS, and the processing of financial data — each given or refused with its date,
//! the channel it came through and its proof. The last word per purpose stands; the history is
//! kept. The French opposition list for phone prospecting (*Bloctel*) is a refusal of the phone
//! that came through that channel. Nobody who refused the phone is proposed in a phoning session.

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::record::FieldErrors;

crate::wire_enum! {
    /// What a consent is for.
    #[derive(Hash)]
    pub enum Purpose {
        /// Commercial contact by phone (démarchage téléphonique).
        Phone = "phone",
        Email = "email",
        Sms = "sms",
        /// Processing of financial data (patrimoine, revenus).
        FinancialData = "financial_data",
    }
}

impl Purpose {
    pub fn label(self) -> &'static str {
        match self {
            Purpose::Phone => "Contact commercial par téléphone",
            Purpose::Email => "Contact commercial par e-mail",
            Purpose::Sms => "Contact commercial par SMS",
            Purpose::FinancialData => "Traitement des données financières",
        }
    }
}

crate::wire_enum! {
    /// How a consent or a refusal came.
    pub enum Channel {
        /// Said in a meeting.
        Meeting = "meeting",
        Phone = "phone",
        Email = "email",
        /// A signed form or letter.
        Paper = "paper",
        Web = "web",
        /// Registered on the French opposition list (Bloctel).
        Bloctel = "bloctel",
    }
}

impl Channel {
    pub fn label(self) -> &'static str {
        match self {
            Channel::Meeting => "en rendez-vous",
            Channel::Phone => "au téléphone",
            Channel::Email => "par e-mail",
            Channel::Paper => "formulaire signé",
            Channel::Web => "en ligne",
            Channel::Bloctel => "liste Bloctel",
        }
    }
}

/// A consent given or refused, as sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsentInput {
    /// Made by the phone, so a consent sent again (an answer lost) is recorded once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// When it was given or refused (recorded offline, sent later); the server's time if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
    pub purpose: Purpose,
    pub granted: bool,
    pub channel: Channel,
    /// Where the proof is (a signed form's reference, the e-mail's date…).
    #[serde(default)]
    pub proof: String,
}

impl ConsentInput {
    /// Trims the proof; a consent given needs one (a refusal stands by itself); Bloctel is only
    /// ever a refusal of the phone.
    pub fn validate(mut self) -> Result<ConsentInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        self.proof = self.proof.trim().to_string();
        if self.proof.chars().count() > 500 || self.proof.chars().any(char::is_control) {
            errors.insert("proof".into(), "500 caractères au plus, sur une ligne".into());
        }
        if self.granted && self.proof.is_empty() {
            errors.insert("proof".into(), "indiquez la preuve du consentement".into());
        }
        if self.channel == Channel::Bloctel && (self.granted || self.purpose != Purpose::Phone) {
            errors.insert(
                "channel".into(),
                "Bloctel est une opposition au démarchage téléphonique".into(),
            );
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}

/// A consent as kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Consent {
    pub id: Uuid,
    pub contact_id: Uuid,
    pub purpose: Purpose,
    pub granted: bool,
    pub channel: Channel,
    pub proof: String,
    pub at: DateTime<Utc>,
    pub recorded_by_name: String,
    /// The agency's change number of the write that recorded it (the phone's pull).
    #[serde(default)]
    pub seq: i64,
}

/// The word that stands for each purpose: the last one given (`None`: never asked).
pub fn current(history: &[Consent]) -> Vec<(Purpose, Option<&Consent>)> {
    Purpose::ALL
        .into_iter()
        .map(|p| {
            let last = history.iter().filter(|c| c.purpose == p).max_by_key(|c| (c.at, c.id));
            (p, last)
        })
        .collect()
}

/// Whether a phoning session may propose the person: not if they refused the phone (or are on
/// Bloctel). Prospecting by phone is opt-out in France: no word is no refusal.
pub fn may_call(history: &[Consent]) -> bool {
    !current(history)
        .into_iter()
        .any(|(p, c)| p == Purpose::Phone && c.is_some_and(|c| !c.granted))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consent(purpose: Purpose, granted: bool, minutes: i64) -> Consent {
        Consent {
            id: Uuid::from_u128(minutes as u128),
            contact_id: Uuid::nil(),
            purpose,
            granted,
            channel: Channel::Meeting,
            proof: "x".into(),
            at: DateTime::from_timestamp(1_700_000_000 + minutes * 60, 0).unwrap(),
            recorded_by_name: "A".into(),
            seq: 0,
        }
    }

    #[test]
    fn the_last_word_per_purpose_stands() {
        let h = vec![
            consent(Purpose::Phone, true, 1),
            consent(Purpose::Phone, false, 5),
            consent(Purpose::Email, true, 3),
        ];
        let now = current(&h);
        assert_eq!(now[0].1.map(|c| c.granted), Some(false));
        assert_eq!(now[1].1.map(|c| c.granted), Some(true));
        assert!(now[2].1.is_none(), "SMS never asked");
        assert!(!may_call(&h));
        assert!(may_call(&h[..1]));
        assert!(may_call(&[]), "phone prospecting is opt-out");
    }

    #[test]
    fn a_consent_given_needs_its_proof_and_bloctel_is_a_phone_refusal() {
        let ok = ConsentInput {
            id: None,
            at: None,
            purpose: Purpose::Email,
            granted: true,
            channel: Channel::Paper,
            proof: " formulaire n° 12 ".into(),
        };
        assert_eq!(ok.clone().validate().unwrap().proof, "formulaire n° 12");
        let e = ConsentInput {
            id: None,
            at: None,
            proof: " ".into(),
            ..ok.clone()
        }
        .validate()
        .unwrap_err();
        assert!(e.contains_key("proof"));
        let refused = ConsentInput {
            id: None,
            at: None,
            granted: false,
            proof: String::new(),
            ..ok
        };
        assert!(refused.validate().is_ok(), "a refusal stands by itself");
        let bloctel = ConsentInput {
            id: None,
            at: None,
            purpose: Purpose::Email,
            granted: false,
            channel: Channel::Bloctel,
            proof: String::new(),
        };
        assert!(bloctel.validate().unwrap_err().contains_key("channel"));
    }
}

/// How long a prospect with no contact is kept (CNIL's guidance for prospecting: three years
/// from the last contact coming from them or with them).
pub const RETENTION_YEARS: i32 = 3;

/// Whether a prospect is past the retention period on `today`: their last contact (meeting,
/// call, any logged contact), or their creation if there was none, is more than
/// [`RETENTION_YEARS`] ago. Clients are kept for the contract's life and are never due here.
pub fn retention_due(
    is_prospect: bool,
    last_contacts: &[Option<chrono::NaiveDate>],
    created_on: chrono::NaiveDate,
    today: chrono::NaiveDate,
) -> bool {
    // An imported record may carry contacts older than its creation here: they count.
    let last = last_contacts.iter().flatten().copied().max().unwrap_or(created_on);
    let limit = today
        .with_year(today.year() - RETENTION_YEARS)
        .unwrap_or_else(|| today - chrono::Duration::days(365 * i64::from(RETENTION_YEARS)));
    is_prospect && last < limit
}

#[cfg(test)]
mod retention_tests {
    use super::*;
    use chrono::NaiveDate;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_prospect_with_no_contact_for_three_years_is_due() {
        let today = d(2026, 11, 30);
        assert!(retention_due(
            true,
            &[Some(d(2023, 11, 29)), None],
            d(2020, 1, 1),
            today
        ));
        assert!(
            !retention_due(true, &[Some(d(2023, 11, 30))], d(2020, 1, 1), today),
            "exactly three years: kept"
        );
        assert!(
            !retention_due(false, &[Some(d(2019, 1, 1))], d(2019, 1, 1), today),
            "a client is kept"
        );
        assert!(
            retention_due(true, &[None, None], d(2022, 5, 1), today),
            "never contacted: from its creation"
        );
        assert!(!retention_due(true, &[None], d(2025, 5, 1), today));
    }
}
