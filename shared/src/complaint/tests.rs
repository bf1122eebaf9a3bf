use super::*;
use chrono::{NaiveDate, TimeZone};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn day_of(t: DateTime<Utc>) -> NaiveDate {
    t.date_naive()
}

fn end_of_day(d: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(23, 59, 59).unwrap())
}

const ME: Uuid = Uuid::from_u128(1);

fn received(when: &str) -> Complaint {
    let input = ComplaintInput {
        id: None,
        contact_id: Uuid::from_u128(9),
        received_at: Some(at(when)),
        channel: Channel::Letter,
        from_whom: String::new(),
        description: "Prélèvement en double sur le contrat habitation".into(),
    }
    .validate(at(when) + Duration::hours(1))
    .unwrap();
    receive(
        Uuid::from_u128(5),
        input,
        "DURAND Marie",
        ME,
        ME,
        "Sophie",
        at(when) + Duration::hours(1),
    )
}

fn state(c: &Complaint, now: &str, kind: ClockKind) -> ClockState {
    clocks(c, at(now), &day_of, &end_of_day)
        .into_iter()
        .find(|k| k.kind == kind)
        .unwrap()
        .state
}

#[test]
fn the_steps_come_in_order_and_each_is_kept() {
    let c = received("2027-04-23T09:00:00Z");
    assert_eq!(c.steps.len(), 1);
    let skip = advance(
        &c,
        ComplaintStep::Closed {
            satisfied: true,
            note: String::new(),
        },
        ME,
        "Sophie",
        at("2027-04-23T10:00:00Z"),
    );
    assert!(matches!(skip, Err(Denied::Conflict(m)) if m.contains("accusé de réception")));
    let c = advance(
        &c,
        ComplaintStep::Acknowledged {
            note: "Remerciée, réponse sous 8 jours".into(),
        },
        ME,
        "Sophie",
        at("2027-04-23T11:00:00Z"),
    )
    .unwrap();
    let c = advance(
        &c,
        ComplaintStep::Registered {
            founded: true,
            nature: Nature::Technical,
            note: String::new(),
        },
        ME,
        "Sophie",
        at("2027-04-24T09:00:00Z"),
    )
    .unwrap();
    assert_eq!(c.steps[2].note, "fondée, technique");
    // A serious case is answered by phone; the answer is required.
    let by_mail = ComplaintStep::Resolved {
        answer: "Remboursé".into(),
        serious: true,
        by_phone: false,
    };
    assert!(
        matches!(advance(&c, by_mail, ME, "S", at("2027-04-26T09:00:00Z")), Err(Denied::Invalid { field, .. }) if field == "by_phone")
    );
    let empty = ComplaintStep::Resolved {
        answer: " ".into(),
        serious: false,
        by_phone: false,
    };
    assert!(
        matches!(advance(&c, empty, ME, "S", at("2027-04-26T09:00:00Z")), Err(Denied::Invalid { field, .. }) if field == "answer")
    );
    let c = advance(
        &c,
        ComplaintStep::Resolved {
            answer: "Remboursé, excuses".into(),
            serious: true,
            by_phone: true,
        },
        ME,
        "Sophie",
        at("2027-04-26T09:00:00Z"),
    )
    .unwrap();
    let c = advance(
        &c,
        ComplaintStep::Closed {
            satisfied: true,
            note: String::new(),
        },
        ME,
        "Sophie",
        at("2027-04-27T09:00:00Z"),
    )
    .unwrap();
    let c = advance(
        &c,
        ComplaintStep::FollowedUp {
            note: "Rappelée un mois après".into(),
        },
        ME,
        "Sophie",
        at("2027-05-27T09:00:00Z"),
    )
    .unwrap();
    let none = ComplaintStep::Exploited {
        preventive_action: String::new(),
    };
    assert!(advance(&c, none, ME, "S", at("2027-06-01T09:00:00Z")).is_err());
    let c = advance(
        &c,
        ComplaintStep::Exploited {
            preventive_action: "Contrôle des prélèvements à la souscription".into(),
        },
        ME,
        "Sophie",
        at("2027-06-01T09:00:00Z"),
    )
    .unwrap();
    assert_eq!(c.phase, Phase::Exploited);
    assert_eq!(c.steps.iter().map(|s| s.phase).collect::<Vec<_>>(), Phase::ALL);
    assert!(advance(
        &c,
        ComplaintStep::FollowedUp { note: String::new() },
        ME,
        "S",
        at("2027-06-02T09:00:00Z")
    )
    .is_err());
}

#[test]
fn the_24_hour_clock_warns_then_is_late() {
    let c = received("2027-04-23T09:00:00Z");
    assert_eq!(
        state(&c, "2027-04-23T12:00:00Z", ClockKind::Acknowledge24h),
        ClockState::Running
    );
    assert_eq!(
        state(&c, "2027-04-24T06:00:00Z", ClockKind::Acknowledge24h),
        ClockState::Soon
    );
    assert_eq!(
        state(&c, "2027-04-24T09:01:00Z", ClockKind::Acknowledge24h),
        ClockState::Late
    );
    let acked = advance(
        &c,
        ComplaintStep::Acknowledged { note: String::new() },
        ME,
        "S",
        at("2027-04-24T10:00:00Z"),
    )
    .unwrap();
    assert_eq!(
        state(&acked, "2027-05-01T00:00:00Z", ClockKind::Acknowledge24h),
        ClockState::MetLate
    );
    assert_eq!(
        state(&acked, "2027-05-01T00:00:00Z", ClockKind::AcknowledgeRegulatory),
        ClockState::Met
    );
}

#[test]
fn the_regulatory_clocks_count_working_days_and_months() {
    // Friday 23 April 2027: 10 jours ouvrables end on Friday 7 May (1 May and Ascension off).
    let c = received("2027-04-23T09:00:00Z");
    let k = clocks(&c, at("2027-04-23T10:00:00Z"), &day_of, &end_of_day);
    assert_eq!(k[1].deadline, end_of_day("2027-05-07".parse().unwrap()));
    assert_eq!(k[3].deadline, end_of_day("2027-06-23".parse().unwrap()));
    assert_eq!(
        state(&c, "2027-05-06T12:00:00Z", ClockKind::AcknowledgeRegulatory),
        ClockState::Soon
    );
    assert_eq!(
        state(&c, "2027-05-08T00:00:01Z", ClockKind::AcknowledgeRegulatory),
        ClockState::Late
    );
    // An answer within the 10 days stands for the acknowledgement.
    let mut answered = c.clone();
    answered.resolved_at = Some(at("2027-04-30T09:00:00Z"));
    assert_eq!(
        state(&answered, "2027-05-20T00:00:00Z", ClockKind::AcknowledgeRegulatory),
        ClockState::Met
    );
    assert_eq!(
        state(&c, "2027-06-24T00:00:01Z", ClockKind::AnswerRegulatory),
        ClockState::Late
    );
}

#[test]
fn the_dashboard_counts_phases_delays_and_satisfaction() {
    let now = at("2027-05-20T12:00:00Z");
    let late = received("2027-05-01T09:00:00Z");
    let fresh = received("2027-05-20T09:00:00Z");
    let mut done = received("2027-05-02T09:00:00Z");
    for (step, t) in [
        (
            ComplaintStep::Acknowledged { note: String::new() },
            "2027-05-02T15:00:00Z",
        ),
        (
            ComplaintStep::Registered {
                founded: false,
                nature: Nature::Tactical,
                note: String::new(),
            },
            "2027-05-03T09:00:00Z",
        ),
        (
            ComplaintStep::Resolved {
                answer: "Explications".into(),
                serious: false,
                by_phone: false,
            },
            "2027-05-05T09:00:00Z",
        ),
        (
            ComplaintStep::Closed {
                satisfied: true,
                note: String::new(),
            },
            "2027-05-06T09:00:00Z",
        ),
    ] {
        done = advance(&done, step, ME, "S", at(t)).unwrap();
    }
    let d = dashboard(&[late, fresh, done], now, &day_of, &end_of_day);
    assert_eq!((d.total, d.open, d.late, d.soon), (3, 2, 1, 0));
    assert_eq!(d.by_phase[0].count, 2);
    assert_eq!(d.by_phase.iter().find(|p| p.phase == Phase::Closed).unwrap().count, 1);
    assert_eq!(
        d.by_nature.iter().find(|n| n.nature == Nature::Tactical).unwrap().count,
        1
    );
    assert_eq!((d.acknowledged, d.acknowledged_in_24h), (1, 1));
    assert_eq!(d.mean_acknowledge_hours, Some(6.0));
    assert_eq!(d.mean_answer_hours, Some(72.0));
    assert_eq!((d.closed, d.satisfied), (1, 1));
}

#[test]
fn a_complaint_is_described_and_not_from_the_future() {
    let now = at("2027-05-20T12:00:00Z");
    let input = ComplaintInput {
        id: None,
        contact_id: Uuid::nil(),
        received_at: Some(now + Duration::days(1)),
        channel: Channel::Phone,
        from_whom: String::new(),
        description: "  ".into(),
    };
    let e = input.validate(now).unwrap_err();
    assert!(e.contains_key("description") && e.contains_key("received_at"));
}
