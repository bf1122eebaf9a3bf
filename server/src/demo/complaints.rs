//! The demo agency's complaints: one in every phase, the later ones with their steps dated over
//! the weeks after receipt, and some that wait — one late on the 24 h clock, one about to be —
//! so that the dashboard shows its clocks. Written through the same store calls as the app's.

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::Rng;
use shared::complaint::{Channel, ComplaintInput, ComplaintStep, Nature};
use shared::stage::Stage;

use crate::db::{Actor, DynStore};

const TEXTS: [&str; 8] = [
    "Prélèvement en double sur le contrat habitation ce mois-ci.",
    "Remboursement santé attendu depuis six semaines.",
    "N'a jamais reçu le relevé annuel de son assurance-vie.",
    "Se plaint de ne pas avoir été rappelée après son sinistre.",
    "Conteste les frais d'arbitrage prélevés sur son contrat.",
    "Mécontent de l'accueil reçu à l'agence samedi.",
    "Demande une remise : menace de partir à la concurrence.",
    "Avenant envoyé avec une erreur d'adresse.",
];

/// Twelve complaints on clients of both advisors; `now` is the demo's present.
pub async fn load(
    store: &DynStore,
    rng: &mut StdRng,
    actors: &[Actor; 2],
    portfolio: &[(uuid::Uuid, usize, Stage, f64)],
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let clients: Vec<&(uuid::Uuid, usize, Stage, f64)> =
        portfolio.iter().filter(|p| p.2 == Stage::Client).take(12).collect();
    let mut made = 0;
    for (i, (contact_id, owner, _, _)) in clients.into_iter().enumerate() {
        let actor = &actors[*owner];
        // (hours ago it came in, how many steps it went through)
        let (hours_ago, steps): (i64, usize) = match i {
            0 => (30, 0),  // late: not acknowledged after 30 h
            1 => (21, 0),  // soon late
            2 => (3, 0),   // just in
            3 => (60, 1),  // acknowledged, to register
            4 => (120, 2), // registered, to answer
            5 => (200, 3),
            6 => (400, 4),
            7 => (900, 5),
            8 => (1500, 6),
            n => (24 * rng.gen_range(20..120) + n as i64, rng.gen_range(2..=6)),
        };
        let received = now - Duration::hours(hours_ago);
        let input = ComplaintInput {
            id: Some(shared::new_id()),
            contact_id: *contact_id,
            received_at: Some(received),
            channel: Channel::ALL[i % Channel::ALL.len()],
            from_whom: String::new(),
            description: TEXTS[i % TEXTS.len()].into(),
        };
        let c = store
            .create_complaint(actor, input, received + Duration::minutes(10))
            .await?;
        let nature = Nature::ALL[i % 3];
        let mut at = received;
        for step in 0..steps {
            // The first steps come fast (within the day), the later ones days apart.
            at += if step < 2 {
                Duration::hours(rng.gen_range(2..20))
            } else {
                Duration::days(rng.gen_range(2..10))
            };
            if at >= now {
                at = now - Duration::minutes(5);
            }
            let s = match step {
                0 => ComplaintStep::Acknowledged {
                    note: "Remercié(e) ; réponse promise sous huit jours.".into(),
                },
                1 => ComplaintStep::Registered {
                    founded: nature != Nature::Tactical,
                    nature,
                    note: "Historique du client consulté.".into(),
                },
                2 => ComplaintStep::Resolved {
                    answer: "Explications données et régularisation faite.".into(),
                    serious: i == 6,
                    by_phone: i == 6 || rng.gen_bool(0.5),
                },
                3 => ComplaintStep::Closed {
                    satisfied: i % 4 != 0,
                    note: String::new(),
                },
                4 => ComplaintStep::FollowedUp {
                    note: "Rappelé(e) un mois après : rien à signaler.".into(),
                },
                _ => ComplaintStep::Exploited {
                    preventive_action: "Point en réunion d'agence ; contrôle ajouté à la souscription.".into(),
                },
            };
            store.advance_complaint(actor, c.id, s, at).await?;
        }
        made += 1;
    }
    Ok(made)
}
