//! The demo advisors' agendas: meetings past, today and to come, with the visit reports of the
//! past ones (objections, referrals), written through the same store calls as the app's.

use chrono::{Datelike, Days, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;
use shared::record::MeetingPlace;
use shared::stage::Stage;
use shared::visit::{
    MeetingInput, MeetingStatus, MeetingStatusChange, ObjectionInput, Outcome, ReferralInput, ReportInput,
};

use super::*;

/// Each advisor's agenda: four meetings today, a few on the coming working days, and the
/// last weeks' meetings with their visit reports (objections, some referrals), written
/// through the same store calls as the app's.
pub(super) async fn meetings(
    store: &DynStore,
    rng: &mut StdRng,
    actors: &[Actor; 2],
    portfolio: &[(uuid::Uuid, usize, Stage, f64)],
    today: NaiveDate,
) -> anyhow::Result<()> {
    let time = AgencyTime::default();
    let settings = store
        .agency(actors[0].agency_id)
        .await?
        .map(|a| a.settings)
        .unwrap_or_default();
    let subjects = [
        "Bilan patrimonial",
        "Point annuel",
        "Présentation PER",
        "Étude prévoyance",
        "Signature",
        "Découverte",
    ];
    for (a, actor) in actors.iter().enumerate() {
        // Prospects worth meeting and clients, in a shuffled order.
        // The coming days visit clients within reach of the agency, as a real agenda would.
        let mut mine: Vec<(uuid::Uuid, Stage, f64)> = portfolio
            .iter()
            .filter(|(_, owner, stage, _)| *owner == a && *stage != Stage::FormerClient)
            .map(|(id, _, stage, km)| (*id, *stage, *km))
            .collect();
        mine.sort_by(|x, y| x.2.total_cmp(&y.2));
        let near = mine.len().min(30);
        mine[..near].shuffle(rng);
        mine[near..].shuffle(rng);
        let mut next = mine
            .iter()
            .map(|(id, stage, _)| (*id, *stage))
            .collect::<Vec<_>>()
            .into_iter()
            .cycle();
        let mut plan = |day: NaiveDate, hour: u32, minute: u32| {
            let (contact_id, _) = next.next().unwrap_or((uuid::Uuid::nil(), Stage::Client));
            (
                contact_id,
                MeetingInput {
                    id: Some(shared::new_id()),
                    contact_id,
                    starts_at: day.and_hms_opt(hour, minute, 0).unwrap_or_default(),
                    duration_min: [45u16, 60, 60, 90][(hour as usize + minute as usize) % 4],
                    place: [
                        MeetingPlace::Client,
                        MeetingPlace::Client,
                        MeetingPlace::Agency,
                        MeetingPlace::Town,
                    ][(hour as usize) % 4],
                    address: String::new(),
                    subject: subjects[(hour as usize * 7 + minute as usize) % subjects.len()].to_string(),
                    notes: String::new(),
                    owner_id: None,
                    expected_seq: None,
                },
            )
        };
        let mut planned = Vec::new();
        for (h, m) in [(9, 0), (11, 30), (14, 30), (17, 0)] {
            planned.push(plan(today, h, m));
        }
        for d in 1..=12u64 {
            let day = today + Days::new(d);
            if day.weekday().number_from_monday() > 5 {
                continue;
            }
            for (h, m) in [(9, 30), (14, 0), (16, 30)].into_iter().take(rng.gen_range(0..=3)) {
                planned.push(plan(day, h, m));
            }
        }
        let mut past = Vec::new();
        for d in 1..=45u64 {
            let day = today - Days::new(d);
            if day.weekday().number_from_monday() > 5 || rng.gen_range(0..3) != 0 {
                continue;
            }
            past.push(plan(day, [9, 10, 14, 16][rng.gen_range(0..4)], 0));
        }
        for (_, input) in &planned {
            store
                .create_meeting(actor, input.id.unwrap_or_default(), input, &time, crate::db::now())
                .await?;
        }
        for (_, input) in &past {
            let id = input.id.unwrap_or_default();
            let starts = time.instant(input.starts_at).unwrap_or_else(|_| Utc::now());
            store
                .create_meeting(actor, id, input, &time, starts - chrono::Duration::days(7))
                .await?;
            let after = starts + chrono::Duration::minutes(i64::from(input.duration_min) + 20);
            match rng.gen_range(0..10) {
                0 => {
                    let change = MeetingStatusChange {
                        status: MeetingStatus::Cancelled,
                        reason: Some("empêchement du client".into()),
                    };
                    store.set_meeting_status(actor, id, &change, &time, after).await?;
                }
                1 => {
                    let change = MeetingStatusChange {
                        status: MeetingStatus::NoShow,
                        reason: None,
                    };
                    store.set_meeting_status(actor, id, &change, &time, after).await?;
                }
                _ => {
                    let report = random_report(rng, &settings.objections);
                    store.save_report(actor, id, &report, &time, after).await?;
                }
            }
        }
    }
    Ok(())
}

fn random_report(rng: &mut StdRng, list: &[shared::visit::ObjectionType]) -> ReportInput {
    let outcome = [
        Outcome::Positive,
        Outcome::Positive,
        Outcome::FollowUp,
        Outcome::FollowUp,
        Outcome::NoInterest,
        Outcome::Signed,
    ][rng.gen_range(0..6)];
    let mut objections: Vec<ObjectionInput> = Vec::new();
    for _ in 0..rng.gen_range(0..3) {
        let Some(t) = list.choose(rng) else { break };
        if objections.iter().all(|o| o.code.as_deref() != Some(&t.code)) {
            let overcome = rng.gen_bool(0.5);
            objections.push(ObjectionInput {
                code: Some(t.code.clone()),
                text: String::new(),
                answer: String::new(),
                overcome,
            });
        }
    }
    let referrals = if rng.gen_range(0..4) == 0 {
        vec![ReferralInput {
            first_name: FIRST_NAMES.choose(rng).unwrap_or(&"Marie").to_string(),
            last_name: LAST_NAMES.choose(rng).unwrap_or(&"Martin").to_string(),
            phone: format!("06{:08}", rng.gen_range(0..100_000_000u32)),
            ..Default::default()
        }]
    } else {
        Vec::new()
    };
    let summary = match outcome {
        Outcome::Signed => "Signature du contrat, client satisfait des explications.",
        Outcome::Positive => "Bon échange, besoins confirmés, proposition à envoyer.",
        Outcome::FollowUp => "Intéressé mais souhaite réfléchir, relancer dans quinze jours.",
        Outcome::NoInterest => "Pas de projet à court terme.",
    };
    ReportInput {
        outcome,
        summary: summary.into(),
        needs: String::new(),
        interest_signs: String::new(),
        satisfaction: Some(rng.gen_range(3..=5)),
        // Mostly promoters, some passives and a few detractors: an NPS around 40–60.
        recommend_score: rng
            .gen_bool(0.8)
            .then(|| [10, 10, 9, 9, 9, 8, 8, 7, 6, 4][rng.gen_range(0..10)]),
        stage_to: None,
        next_step: if outcome == Outcome::Positive {
            "Envoyer la proposition".into()
        } else {
            String::new()
        },
        next_step_due: None,
        objections,
        referrals_asked: rng.gen_bool(0.5),
        referrals,
        checkin: None,
    }
}
