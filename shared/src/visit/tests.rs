//! The field-work rules: validation of meetings, reports, interactions and tasks.

use super::*;
use crate::stage::Stage;
use chrono::Utc;

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
