//! The layer the phone shows: a morning's writes laid over the pulled rows by the same rules
//! as the server, rebased when the pull brings their results, dropped when refused.

use super::*;
use crate::record::ContactKind;
use crate::stage::{Stage, StageChange};
use crate::sync::PendingMutation;
use crate::visit::{
    CallOutcome, InteractionInput, InteractionKind, MeetingStatusChange, Outcome, ReferralInput, ReportInput,
};
use chrono::{Duration, TimeZone};

const ME: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001);

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.from_utc_datetime(&today().and_hms_opt(16, 0, 0).unwrap())
}

fn instant(t: NaiveDateTime) -> DateTime<Utc> {
    Utc.from_utc_datetime(&t)
}

fn day_of(t: DateTime<Utc>) -> NaiveDate {
    t.date_naive()
}

fn with_ctx<T>(f: impl FnOnce(&Context<'_>) -> T) -> T {
    let settings = AgencySettings::default();
    let ctx = Context {
        me: Author {
            user_id: ME,
            whole_agency: false,
        },
        my_name: "Sophie Girard",
        settings: &settings,
        today: today(),
        instant: &instant,
        day_of: &day_of,
    };
    f(&ctx)
}

/// A client of mine, pulled: Marie Durand, contacted, last met in the spring.
fn pulled_contact() -> Contact {
    let input = ContactInput {
        id: Some(crate::new_id()),
        kind: ContactKind::Individual,
        first_name: "Marie".into(),
        last_name: "Durand".into(),
        phone_mobile: "06 11 22 33 44".into(),
        address_line: "3 rue des Lilas".into(),
        postcode: "69004".into(),
        city: "Lyon".into(),
        stage: Some(Stage::Contacted),
        ..ContactInput::default()
    };
    let v = input.clone().validate().unwrap();
    let mut c = with_ctx(|ctx| new_contact(input.id.unwrap(), &v, now() - Duration::days(200), ctx));
    c.seq = 10;
    c.last_meeting_on = Some(today() - Duration::days(180));
    c
}

fn pulled_meeting(c: &Contact) -> Meeting {
    let local = today().and_hms_opt(9, 30, 0).unwrap();
    Meeting {
        id: crate::new_id(),
        contact_id: c.id,
        contact_name: c.display_name.clone(),
        contact_phone: c.phone_mobile.clone(),
        owner_id: ME,
        owner_name: "Sophie Girard".into(),
        starts_at: instant(local),
        local_start: local,
        duration_min: 60,
        place: MeetingPlace::Client,
        address: "3 rue des Lilas, 69004 Lyon".into(),
        lat: None,
        lon: None,
        subject: "Bilan".into(),
        notes: String::new(),
        status: MeetingStatus::Planned,
        status_reason: None,
        has_report: false,
        created_at: now() - Duration::days(3),
        updated_at: now() - Duration::days(3),
        seq: 11,
    }
}

fn cadence_task(c: &Contact) -> Task {
    NewTask {
        id: crate::new_id(),
        owner_id: ME,
        contact_id: Some(c.id),
        title: "RDV de suivi à planifier (cadence du segment)".into(),
        notes: String::new(),
        due_on: today() - Duration::days(20),
        priority: crate::visit::Priority::Normal,
        source: TaskSource::Cadence,
        source_id: None,
    }
    .to_task(Some(c.display_name.clone()), "Sophie Girard".into(), now())
}

fn rows(changes: Vec<Change>) -> BTreeMap<RowKey, Change> {
    changes
        .into_iter()
        .filter_map(|c| super::super::engine::row_key(&c).map(|k| (k, c)))
        .collect()
}

fn outbox(mutations: Vec<Mutation>) -> Vec<PendingMutation> {
    mutations
        .into_iter()
        .enumerate()
        .map(|(i, mutation)| PendingMutation {
            id: i as i64 + 1,
            mutation,
            at: now(),
        })
        .collect()
}

fn contact_in(layer: &Layer, id: Uuid) -> Contact {
    match layer.get(&(RowKind::Contact, id)) {
        Some(Some(Change::Contact(c))) => c.as_ref().clone(),
        other => panic!("contact {id} not laid over: {other:?}"),
    }
}

fn task_in(layer: &Layer, id: Uuid) -> Task {
    match layer.get(&(RowKind::Task, id)) {
        Some(Some(Change::Task(t))) => t.as_ref().clone(),
        other => panic!("task {id} not laid over: {other:?}"),
    }
}

fn report_with_referral_and_next_step() -> ReportInput {
    ReportInput {
        outcome: Outcome::Positive,
        summary: "Intéressée par un PER".into(),
        needs: String::new(),
        interest_signs: String::new(),
        satisfaction: Some(5),
        recommend_score: None,
        stage_to: Some(Stage::Engaged),
        next_step: "Envoyer la simulation".into(),
        next_step_due: None,
        objections: vec![],
        referrals_asked: true,
        referrals: vec![ReferralInput {
            id: Some(crate::new_id()),
            first_name: "Paul".into(),
            last_name: "Martin".into(),
            phone: "06 22 33 44 55".into(),
            ..ReferralInput::default()
        }],
        checkin: None,
    }
}

#[test]
fn a_morning_offline_shows_on_the_screens_as_the_server_will_make_it() {
    let c = pulled_contact();
    let m = pulled_meeting(&c);
    let cadence = cadence_task(&c);
    let pulled = rows(vec![
        Change::Contact(Box::new(c.clone())),
        Change::Meeting(Box::new(m.clone())),
        Change::Task(Box::new(cadence.clone())),
    ]);
    let report = report_with_referral_and_next_step();
    let prospect_id = report.referrals[0].id.unwrap();
    let call = crate::new_id();
    let next_step = crate::ids::derived(fx::report_id(m.id), "task", 1);
    let new_id = crate::new_id();
    let pending = outbox(vec![
        Mutation::LogInteraction {
            contact_id: c.id,
            input: InteractionInput {
                id: Some(call),
                kind: InteractionKind::Call,
                outcome: Some(CallOutcome::CallBack),
                at: None,
                note: "Rappeler après 18 h".into(),
                call_back_on: None,
                session_id: None,
                objection: None,
            },
        },
        Mutation::SaveReport {
            meeting_id: m.id,
            report,
        },
        // The advisor ticks the task the report just made, before anything is sent.
        Mutation::SetTaskDone {
            id: next_step,
            done: true,
        },
        Mutation::CreateContact(ContactInput {
            id: Some(new_id),
            last_name: "Nouveau".into(),
            first_name: "Jean".into(),
            phone_mobile: "0700000002".into(),
            ..ContactInput::default()
        }),
    ]);
    let layer = with_ctx(|ctx| lay_over(&pulled, &pending, ctx));

    let after = contact_in(&layer, c.id);
    assert_eq!(after.stage, Stage::Engaged, "the report's stage");
    assert_eq!(after.last_meeting_on, Some(today()), "the meeting held today");
    assert_eq!(after.last_contact_on, Some(today()));
    assert_eq!(after.referrals_made, 1);
    match layer.get(&(RowKind::Meeting, m.id)) {
        Some(Some(Change::Meeting(held))) => {
            assert_eq!(held.status, MeetingStatus::Held);
            assert!(held.has_report);
        }
        other => panic!("meeting not laid over: {other:?}"),
    }
    assert!(
        task_in(&layer, cadence.id).done_at.is_some(),
        "the meeting closes the cadence task"
    );
    let call_back = task_in(&layer, crate::ids::derived(call, "call_back", 0));
    assert_eq!(call_back.title, "Rappeler DURAND Marie");
    assert_eq!(call_back.due_on, today() + Duration::days(1));
    let step = task_in(&layer, next_step);
    assert_eq!(step.title, "Envoyer la simulation");
    assert!(step.done_at.is_some(), "ticked before it was ever sent");
    let prospect = contact_in(&layer, prospect_id);
    assert_eq!(prospect.stage, Stage::Referred);
    assert_eq!(prospect.referred_by, Some(c.id));
    assert_eq!(prospect.phone_mobile, "+33622334455", "kept as the server keeps it");
    let created = contact_in(&layer, new_id);
    assert_eq!((created.owner_id, created.owner_name.as_str()), (ME, "Sophie Girard"));
    assert_eq!(created.display_name, "NOUVEAU Jean");
    assert!(c.seq > 0 && created.seq == 0, "not on the server yet");
}

#[test]
fn the_pull_rebases_and_a_refused_write_stops_being_laid_over() {
    let c = pulled_contact();
    let forward = Mutation::ChangeStage {
        id: c.id,
        change: StageChange::Move {
            to: Stage::Engaged,
            reason: None,
        },
    };
    let pulled = rows(vec![Change::Contact(Box::new(c.clone()))]);
    let layer = with_ctx(|ctx| lay_over(&pulled, &outbox(vec![forward.clone()]), ctx));
    assert_eq!(contact_in(&layer, c.id).stage, Stage::Engaged);

    // Someone else edited the phone number meanwhile; the pull brings it: the pending stage
    // change is laid over the new row, which keeps the other person's number.
    let mut theirs = c.clone();
    theirs.phone_mobile = "+33799999999".into();
    theirs.seq = 20;
    let pulled = rows(vec![Change::Contact(Box::new(theirs))]);
    let layer = with_ctx(|ctx| lay_over(&pulled, &outbox(vec![forward]), ctx));
    let shown = contact_in(&layer, c.id);
    assert_eq!(
        (shown.stage, shown.phone_mobile.as_str()),
        (Stage::Engaged, "+33799999999")
    );

    // Refused by the server: out of the outbox, and the screen shows the record as it is.
    let layer = with_ctx(|ctx| lay_over(&pulled, &[], ctx));
    assert!(layer.is_empty());
}

#[test]
fn what_the_rules_refuse_is_not_shown_and_a_sent_create_does_not_hide_the_server_row() {
    let c = pulled_contact();
    let m = pulled_meeting(&c);
    let pulled = rows(vec![
        Change::Contact(Box::new(c.clone())),
        Change::Meeting(Box::new(m.clone())),
    ]);
    let pending = outbox(vec![
        Mutation::ChangeStage {
            id: c.id,
            change: StageChange::Move {
                to: Stage::Qualified,
                reason: None,
            },
        },
        Mutation::SetMeetingStatus {
            id: m.id,
            change: MeetingStatusChange {
                status: MeetingStatus::Planned,
                reason: None,
            },
        },
        Mutation::CreateContact(c.to_input()),
    ]);
    let layer = with_ctx(|ctx| lay_over(&pulled, &pending, ctx));
    assert!(
        layer.is_empty(),
        "a stage backwards, a status that cannot be, a create already on the server: {layer:?}"
    );
}

#[test]
fn an_edit_merges_with_the_row_and_a_delete_hides_what_hangs_on_the_record() {
    let c = pulled_contact();
    let m = pulled_meeting(&c);
    let t = cadence_task(&c);
    let mut typed = c.to_input();
    typed.email = "marie@exemple.fr".into();
    let pulled = rows(vec![
        Change::Contact(Box::new(c.clone())),
        Change::Meeting(Box::new(m.clone())),
        Change::Task(Box::new(t.clone())),
    ]);
    let edit = Mutation::EditContact {
        id: c.id,
        input: typed,
        base: Some(Box::new(c.to_input())),
    };
    let layer = with_ctx(|ctx| lay_over(&pulled, &outbox(vec![edit.clone()]), ctx));
    assert_eq!(contact_in(&layer, c.id).email, "marie@exemple.fr");
    let layer = with_ctx(|ctx| lay_over(&pulled, &outbox(vec![edit, Mutation::DeleteContact { id: c.id }]), ctx));
    for key in [
        (RowKind::Contact, c.id),
        (RowKind::Meeting, m.id),
        (RowKind::Task, t.id),
    ] {
        assert_eq!(layer.get(&key), Some(&None), "{key:?} hidden");
    }
}

#[test]
fn an_offer_made_offline_shows_at_once_and_its_prognosis_moves_on_the_phone() {
    use crate::offer::{OfferInput, OfferStatus, Prognosis};
    let c = pulled_contact();
    let id = crate::new_id();
    let input = |p: u8| OfferInput {
        id: Some(id),
        contact_id: c.id,
        family: "savings".into(),
        label: "Assurance-vie".into(),
        amount_cents: 2_000_000,
        amount_kind: Default::default(),
        closing_month: "2027-1".into(), // not YYYY-MM: refused by the rules, not laid over
        quote_sent_on: None,
        quote_answer: Default::default(),
        status: OfferStatus::Open,
        prognosis: Prognosis::new(p).unwrap(),
        notes: String::new(),
    };
    let rows = rows(vec![Change::Contact(Box::new(c.clone()))]);
    let refused = with_ctx(|ctx| lay_over(&rows, &outbox(vec![Mutation::SaveOffer(input(20))]), ctx));
    assert!(refused.is_empty(), "a write the rules refuse is not shown");

    let good = |p| OfferInput {
        closing_month: "2027-01".into(),
        ..input(p)
    };
    let layer = with_ctx(|ctx| {
        lay_over(
            &rows,
            &outbox(vec![
                Mutation::SaveOffer(good(20)),
                Mutation::SaveOffer(good(100)),
                Mutation::SetManualPrognosis {
                    contact_id: c.id,
                    prognosis: Prognosis::new(60),
                },
            ]),
            ctx,
        )
    });
    let Some(Some(Change::Offer(o))) = layer.get(&(RowKind::Offer, id)) else {
        panic!("offer not laid over: {layer:?}");
    };
    assert_eq!((o.status, o.prognosis.percent()), (OfferStatus::Signed, 100));
    assert_eq!(o.prognosis_changed_by, ME);
    assert_eq!(contact_in(&layer, c.id).manual_prognosis, Prognosis::new(60));
}

#[test]
fn a_consent_recorded_offline_shows_at_once_on_a_record_the_phone_holds() {
    use crate::consent::{Channel, ConsentInput, Purpose};
    let c = pulled_contact();
    let rows = rows(vec![Change::Contact(Box::new(c.clone()))]);
    let said = now() - Duration::hours(3);
    let input = |contact_id, proof: &str| Mutation::RecordConsent {
        contact_id,
        input: ConsentInput {
            id: Some(crate::new_id()),
            at: Some(said),
            purpose: Purpose::Email,
            granted: true,
            channel: Channel::Meeting,
            proof: proof.into(),
        },
    };
    let layer = with_ctx(|ctx| {
        lay_over(
            &rows,
            &outbox(vec![
                input(c.id, "formulaire n° 12"),
                // Refused by the rules (a consent given needs its proof): not shown.
                input(c.id, ""),
                // A record the phone does not hold: nothing to show it on.
                input(crate::new_id(), "formulaire n° 13"),
            ]),
            ctx,
        )
    });
    let consents: Vec<_> = layer
        .values()
        .flatten()
        .filter_map(|r| match r {
            Change::Consent(k) => Some(k.as_ref().clone()),
            _ => None,
        })
        .collect();
    assert_eq!(consents.len(), 1, "{consents:?}");
    let k = &consents[0];
    assert_eq!((k.contact_id, k.proof.as_str(), k.at), (c.id, "formulaire n° 12", said));
    assert_eq!(k.recorded_by_name, "Sophie Girard");
}
