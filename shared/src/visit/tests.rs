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
        recommend_score: Some(9),
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
        session_id: None,
        objection: None,
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

mod effects {
    use super::*;
    use crate::visit::effects::*;
    use chrono::{NaiveDate, TimeZone};
    use uuid::Uuid;

    const ADVISOR: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001);
    const OTHER: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0002);

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    fn meeting(status: MeetingStatus, on: NaiveDate) -> MeetingFacts {
        let local_start = on.and_hms_opt(14, 30, 0).unwrap();
        MeetingFacts {
            id: crate::new_id(),
            contact_id: crate::new_id(),
            owner_id: ADVISOR,
            contact_owner_id: ADVISOR,
            status,
            starts_at: Utc.from_utc_datetime(&local_start),
            local_start,
            subject: "Bilan retraite".into(),
            has_report: false,
        }
    }

    fn contact(m: &MeetingFacts) -> ContactFacts {
        ContactFacts {
            id: m.contact_id,
            owner_id: ADVISOR,
            name: "Marie Durand".into(),
            stage: Stage::Contacted,
        }
    }

    fn me() -> Author {
        Author {
            user_id: ADVISOR,
            whole_agency: false,
        }
    }

    #[test]
    fn a_report_on_a_planned_meeting_holds_it_names_prospects_and_makes_tasks_with_stable_ids() {
        let m = meeting(MeetingStatus::Planned, day());
        let c = contact(&m);
        let types = default_objections();
        let mut r = report();
        r.next_step = "Envoyer l'étude".into();
        r.stage_to = Some(Stage::Engaged);
        r.referrals_asked = true;
        r.referrals = vec![ReferralInput {
            first_name: "Paul".into(),
            last_name: "Martin".into(),
            phone: "06 11 22 33 44".into(),
            ..ReferralInput::default()
        }];
        r.objections = vec![ObjectionInput {
            code: Some(types[0].code.clone()),
            text: String::new(),
            answer: String::new(),
            overcome: true,
        }];
        let ctx = ReportContext {
            meeting: &m,
            contact: &c,
            objection_types: &types,
            author: me(),
            today: day(),
            now: Utc::now(),
        };
        let fx = save_report(ctx, r.clone()).unwrap();
        assert_eq!(fx.held.as_ref().unwrap().touch.meeting_on, Some(day()));
        assert_eq!(fx.objections[0].label, types[0].label);
        assert_eq!(fx.prospects.len(), 1);
        assert_eq!(fx.touch.referrals_made, 1);
        assert_eq!(fx.tasks.len(), 2, "thank the referrer, then the next step");
        assert_eq!(fx.tasks[1].due_on, day() + chrono::Duration::days(7));
        assert_eq!(fx.stage_to, Some(Stage::Engaged));
        assert!(
            fx.events.iter().any(|e| e.contact_id == fx.prospects[0].id),
            "the prospect's history says who referred them"
        );
        let again = save_report(ctx, r).unwrap();
        assert_eq!(again.id, fx.id);
        assert_eq!(
            again.tasks.iter().map(|t| t.id).collect::<Vec<_>>(),
            fx.tasks.iter().map(|t| t.id).collect::<Vec<_>>(),
            "the phone and the server make the same ids"
        );
        assert_eq!(again.prospects[0].id, fx.prospects[0].id);
    }

    #[test]
    fn a_report_is_refused_before_the_meeting_twice_by_another_advisor_or_with_a_stage_backwards() {
        let types = default_objections();
        let future = meeting(MeetingStatus::Planned, day() + chrono::Duration::days(1));
        let c = contact(&future);
        let ctx = |m| ReportContext {
            meeting: m,
            contact: &c,
            objection_types: &types,
            author: me(),
            today: day(),
            now: Utc::now(),
        };
        assert!(matches!(save_report(ctx(&future), report()), Err(Denied::Conflict(_))));
        let mut done = meeting(MeetingStatus::Held, day());
        done.contact_id = c.id;
        done.has_report = true;
        assert!(matches!(save_report(ctx(&done), report()), Err(Denied::Conflict(_))));
        let mut theirs = meeting(MeetingStatus::Held, day());
        theirs.contact_id = c.id;
        theirs.owner_id = OTHER;
        theirs.contact_owner_id = OTHER;
        assert!(matches!(save_report(ctx(&theirs), report()), Err(Denied::Forbidden(_))));
        let ok = {
            let mut m = meeting(MeetingStatus::Held, day());
            m.contact_id = c.id;
            m
        };
        let mut back = report();
        back.stage_to = Some(Stage::Qualified);
        match save_report(ctx(&ok), back) {
            Err(Denied::Invalid { field, .. }) => assert_eq!(field, "stage_to"),
            other => panic!("a stage backwards is refused: {other:?}"),
        }
    }

    #[test]
    fn a_call_answered_moves_the_call_date_and_call_back_makes_a_task() {
        let m = meeting(MeetingStatus::Planned, day());
        let c = contact(&m);
        let id = crate::new_id();
        let at = Utc::now();
        let mut input = InteractionInput {
            id: Some(id),
            kind: InteractionKind::Call,
            outcome: Some(CallOutcome::Reached),
            at: None,
            note: String::new(),
            call_back_on: None,
            session_id: None,
            objection: None,
        };
        let fx = log_interaction(&c, id, &input, &me(), at, day());
        assert_eq!(fx.touch.call_on, Some(day()));
        assert!(fx.task.is_none());
        input.outcome = Some(CallOutcome::CallBack);
        let fx = log_interaction(&c, id, &input, &me(), at, day());
        let task = fx.task.expect("a call-back task");
        assert_eq!(task.due_on, day() + chrono::Duration::days(1));
        assert_eq!(task.title, "Rappeler Marie Durand");
        input.outcome = Some(CallOutcome::NoAnswer);
        assert_eq!(
            log_interaction(&c, id, &input, &me(), at, day()).touch,
            Touch::default(),
            "nobody answered: not a contact"
        );
    }

    #[test]
    fn touch_only_moves_dates_forward() {
        let mut inputs = crate::scoring::DeriveInputs {
            accessible_potential_cents: 0,
            assets_entrusted_cents: 0,
            relationship_quality: None,
            referrals_made: 1,
            last_meeting_on: Some(day()),
            last_call_on: None,
            stage: Stage::Client,
            stage_since: Utc::now(),
        };
        let before = day() - chrono::Duration::days(10);
        let last = Touch {
            meeting_on: Some(before),
            call_on: Some(before),
            contact_on: None,
            referrals_made: 2,
        }
        .apply(&mut inputs, Some(day()));
        assert_eq!(inputs.last_meeting_on, Some(day()));
        assert_eq!(inputs.last_call_on, Some(before));
        assert_eq!(inputs.referrals_made, 3);
        assert_eq!(last, Some(day()));
    }

    #[test]
    fn meeting_times_read_the_french_way() {
        let t = day().and_hms_opt(9, 5, 0).unwrap();
        assert_eq!(when_fr(t), "30/11/2026 à 09h05");
    }
}
