//! The demo agency's offers: engaged prospects and clients with offers of every family, their
//! prognosis moved over the past weeks (so that each offer has a history), some signed (the
//! quasi-clients), some lost — written through the same store call as the app's.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::Rng;
use shared::offer::{month_of, AmountKind, OfferInput, OfferStatus, Prognosis, QuoteAnswer};
use shared::stage::Stage;

use crate::db::{Actor, DynStore};

const LABELS: [(&str, &str, AmountKind, i64, i64); 8] = [
    (
        "savings",
        "Assurance-vie, versement initial",
        AmountKind::Capital,
        10_000,
        250_000,
    ),
    ("retirement", "PER individuel", AmountKind::Capital, 5_000, 80_000),
    (
        "protection",
        "Prévoyance décès-invalidité",
        AmountKind::Premium,
        400,
        3_000,
    ),
    (
        "health",
        "Complémentaire santé famille",
        AmountKind::Premium,
        900,
        3_500,
    ),
    (
        "property_casualty",
        "Multirisque habitation",
        AmountKind::Premium,
        250,
        1_200,
    ),
    ("real_estate", "SCPI de rendement", AmountKind::Capital, 20_000, 150_000),
    (
        "tax",
        "Investissement Pinel / Girardin",
        AmountKind::Capital,
        10_000,
        60_000,
    ),
    ("banking", "Prêt immobilier", AmountKind::Capital, 80_000, 400_000),
];

/// One or two offers on records past first contact; the prognosis climbs step by step over the
/// last weeks, then ends in progress, signed or lost.
pub async fn load(
    store: &DynStore,
    rng: &mut StdRng,
    actors: &[Actor; 2],
    portfolio: &[(uuid::Uuid, usize, Stage, f64)],
    today: NaiveDate,
) -> anyhow::Result<usize> {
    let mut made = 0;
    for (id, owner, stage, _) in portfolio {
        let chance = match stage {
            Stage::Engaged => 0.9,
            Stage::Contacted => 0.35,
            Stage::Client => 0.3,
            _ => 0.0,
        };
        if !rng.gen_bool(chance) {
            continue;
        }
        let actor = &actors[*owner];
        for _ in 0..rng.gen_range(1..=2) {
            let (family, label, kind, lo, hi) = LABELS[rng.gen_range(0..LABELS.len())];
            let euros = rng.gen_range(lo..=hi) / 50 * 50;
            let start = today - Duration::days(rng.gen_range(20..120));
            let closing = today + Duration::days(rng.gen_range(-20..200));
            let quote = rng.gen_bool(0.6).then(|| start + Duration::days(rng.gen_range(3..15)));
            let mut input = OfferInput {
                id: Some(shared::new_id()),
                contact_id: *id,
                family: family.into(),
                label: label.into(),
                amount_cents: euros.max(50) * 100,
                amount_kind: kind,
                closing_month: month_of(closing.max(today - Duration::days(60))),
                quote_sent_on: quote,
                quote_answer: QuoteAnswer::Awaited,
                status: OfferStatus::Open,
                prognosis: Prognosis::new(20).expect("a step"),
                notes: String::new(),
            };
            // Where it ends: mostly in progress, some signed (a quasi-client unless client
            // already), some lost.
            let end: u8 = match made % 10 {
                0 => 0,
                1 | 5 => 100,
                _ => [40, 60, 60, 80, 40, 20, 80][rng.gen_range(0..7)],
            };
            let mut at = start;
            let mut step = 20u8;
            loop {
                let when = Utc.from_utc_datetime(
                    &at.and_hms_opt(rng.gen_range(8..18), rng.gen_range(0..60), 0)
                        .unwrap_or_default(),
                );
                input.prognosis = Prognosis::new(step).expect("a step");
                if step == 100 {
                    input.status = OfferStatus::Signed;
                    input.quote_answer = if input.quote_sent_on.is_some() {
                        QuoteAnswer::Accepted
                    } else {
                        QuoteAnswer::Awaited
                    };
                } else if step == 0 {
                    input.status = OfferStatus::Lost;
                    input.quote_answer = if input.quote_sent_on.is_some() {
                        QuoteAnswer::Refused
                    } else {
                        QuoteAnswer::Awaited
                    };
                }
                store.save_offer(actor, input.clone(), when).await?;
                if step == end {
                    break;
                }
                step = match (end, step) {
                    (0, _) => 0,
                    (_, s) if s + 20 >= end => end,
                    (_, s) => s + 20 * rng.gen_range(1..=2).min((end - s) / 20),
                };
                at += Duration::days(rng.gen_range(4..15));
                if at >= today {
                    at = today - Duration::days(1);
                }
            }
            made += 1;
        }
    }
    Ok(made)
}
