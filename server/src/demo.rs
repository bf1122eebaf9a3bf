//! Demo data: one agency in the Lyon area, a manager, two advisors and about 200 clients and
//! prospects, generated from a fixed seed so every fresh demo database is the same.
//!
//! Addresses use real communes and postcodes of the Rhône (with their centre coordinates) and
//! common French street names. Only loaded by `tournee serve --demo` on an empty database.

mod agenda;
mod complaints;
mod imports;
mod offers;

use chrono::{DateTime, Days, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use shared::api::Role;
use shared::record::{ContactInput, ContactKind, DecisionSpeed, MeetingPlace, RiskAppetite, Situation};
use shared::stage::Stage;

use crate::auth::password::hash_blocking;
use crate::db::{Actor, ContactFields, DynStore, NewUser};
use crate::time::AgencyTime;

pub const AGENCY: &str = "Agence Lyon Presqu'île";
pub const PASSWORD: &str = "tournee-demo";
pub const LOGINS: [(&str, &str, Role); 3] = [
    ("claire.martin@demo.tournee.fr", "Claire Martin", Role::Manager),
    ("julien.bernard@demo.tournee.fr", "Julien Bernard", Role::Advisor),
    ("sophie.girard@demo.tournee.fr", "Sophie Girard", Role::Advisor),
];

const COMMUNES: &str = include_str!("../data/communes-rhone.csv");

const FIRST_NAMES: &[&str] = &[
    "Marie",
    "Jean",
    "Pierre",
    "Nathalie",
    "Isabelle",
    "Philippe",
    "Sylvie",
    "Michel",
    "Catherine",
    "Alain",
    "Christine",
    "Patrick",
    "Sandrine",
    "Nicolas",
    "Valérie",
    "Stéphane",
    "Céline",
    "Laurent",
    "Hélène",
    "François",
    "Émilie",
    "Frédéric",
    "Aurélie",
    "Thierry",
    "Camille",
    "Julien",
    "Léa",
    "Thomas",
    "Manon",
    "Antoine",
    "Chloé",
    "Maxime",
    "Inès",
    "Hugo",
    "Élodie",
    "Benoît",
    "Agnès",
    "Rémi",
    "Noémie",
    "Gaëlle",
    "Jérôme",
    "Anaïs",
    "Loïc",
    "Cécile",
    "Yannick",
    "Maëlle",
];
const LAST_NAMES: &[&str] = &[
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefebvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Masson",
    "Sanchez",
    "Gérard",
    "Nguyen",
    "Boyer",
    "Denis",
    "Lemaire",
    "Duval",
    "Joly",
    "Gaillard",
    "Brun",
    "Barbier",
];
const STREETS: &[&str] = &[
    "rue de la République",
    "avenue Jean Jaurès",
    "rue Victor Hugo",
    "place Bellecour",
    "rue Pasteur",
    "chemin des Vignes",
    "rue du Commerce",
    "avenue de Verdun",
    "rue de la Gare",
    "boulevard des Belges",
    "rue Paul Bert",
    "rue des Écoles",
    "montée de la Grande Côte",
    "quai Saint-Vincent",
    "rue Garibaldi",
    "route de Lyon",
    "allée des Tilleuls",
    "rue du Stade",
    "impasse des Lilas",
    "rue Édouard Herriot",
    "avenue Général de Gaulle",
    "rue de l'Église",
    "chemin du Moulin",
    "rue Centrale",
];
const COMPANY_KINDS: &[(&str, &str)] = &[
    ("Boulangerie", "Gérant"),
    ("Garage", "Gérant"),
    ("Cabinet infirmier", "Associée"),
    ("Pharmacie", "Titulaire"),
    ("SARL Bâtiment", "Gérant"),
    ("Transports", "Directeur"),
    ("Cabinet d'architectes", "Associé"),
    ("Restaurant", "Gérante"),
    ("Menuiserie", "Artisan"),
    ("Agence immobilière", "Directrice"),
    ("Cabinet dentaire", "Associé"),
    ("Fleuriste", "Gérante"),
];
const MAIL_DOMAINS: &[&str] = &[
    "orange.fr",
    "free.fr",
    "gmail.com",
    "laposte.net",
    "sfr.fr",
    "wanadoo.fr",
];
const COMPETITORS: &[&str] = &[
    "AXA",
    "Allianz",
    "MAIF",
    "Crédit Agricole",
    "Generali",
    "Groupama",
    "MACIF",
    "BNP Paribas Cardif",
];
const NETWORKS: &[&str] = &[
    "Hôpital Édouard Herriot",
    "Artisans du 7e",
    "Club de tennis de Caluire",
    "Famille Morel",
    "Ordre des pharmaciens",
    "Vignerons du Beaujolais",
];
const SECTORS: &[(&str, f64, f64)] = &[
    ("Presqu'île", 45.76, 4.835),
    ("Nord - Val de Saône", 45.86, 4.84),
    ("Est lyonnais", 45.75, 4.98),
    ("Ouest lyonnais", 45.76, 4.70),
    ("Sud - Vallée du Rhône", 45.64, 4.82),
];

struct Commune {
    name: String,
    postcode: String,
    lat: f64,
    lon: f64,
}

fn communes() -> Vec<Commune> {
    COMMUNES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut p = l.split(';');
            Some(Commune {
                name: p.next()?.into(),
                postcode: p.next()?.into(),
                lat: p.next()?.parse().ok()?,
                lon: p.next()?.parse().ok()?,
            })
        })
        .collect()
}

fn nearest_sector(lat: f64, lon: f64) -> &'static str {
    SECTORS
        .iter()
        .min_by(|a, b| {
            let da = (a.1 - lat).powi(2) + (a.2 - lon).powi(2);
            let db = (b.1 - lat).powi(2) + (b.2 - lon).powi(2);
            da.total_cmp(&db)
        })
        .map(|s| s.0)
        .unwrap_or("Presqu'île")
}

fn ascii_lower(s: &str) -> String {
    shared::text::fold(s).replace(' ', "-")
}

/// The demo agency's size by default: a believable portfolio for two advisors.
pub const RECORDS: usize = 200;

/// Loads the demo agency with `count` records when the database has none; returns whether it
/// did.
pub async fn load_if_empty(store: &DynStore, today: NaiveDate, count: usize) -> anyhow::Result<bool> {
    if store.agency_by_name(AGENCY).await?.is_some() {
        return Ok(false);
    }
    load(store, today, count).await?;
    Ok(true)
}

/// Where the demo's prospects came from.
const CAMPAIGNS: [&str; 5] = [
    "Salon du patrimoine Lyon 2026",
    "Fichier notaires",
    "Parrainage clients",
    "Site web",
    "",
];

/// The stages a record went through to reach `stage`, its entry stage first.
fn ladder(stage: Stage) -> Vec<Stage> {
    let climb = [
        Stage::Identified,
        Stage::Qualified,
        Stage::Contacted,
        Stage::Engaged,
        Stage::Client,
    ];
    match stage {
        Stage::Identified => vec![Stage::Identified],
        Stage::Referred => vec![Stage::Referred],
        Stage::FormerClient => climb.iter().copied().chain([Stage::FormerClient]).collect(),
        s => {
            let end = climb.iter().position(|c| *c == s).unwrap_or(0);
            climb[..=end].to_vec()
        }
    }
}

/// The start of the agency's day, a week ago: the last stage changes of the demo's history.
fn today_start(today: NaiveDate) -> DateTime<Utc> {
    (today - chrono::Duration::days(7))
        .and_hms_opt(9, 0, 0)
        .unwrap_or_default()
        .and_utc()
}

/// Creates the demo agency, its three accounts and `count` records.
pub async fn load(store: &DynStore, today: NaiveDate, count: usize) -> anyhow::Result<()> {
    let agency = store.create_agency(AGENCY).await?;
    let hash = tokio::task::spawn_blocking(|| hash_blocking(PASSWORD)).await??;
    let mut users = Vec::new();
    for (email, name, role) in LOGINS {
        users.push(
            store
                .create_user(NewUser {
                    agency_id: agency.id,
                    email: email.into(),
                    display_name: name.into(),
                    role,
                    password_hash: hash.clone(),
                })
                .await?,
        );
    }
    let manager = users[0].actor();
    let advisors = [users[1].id, users[2].id];
    let mut rng = StdRng::seed_from_u64(20_261_123);
    let places = communes();
    let mut ids = Vec::new();
    let mut portfolio: Vec<(uuid::Uuid, usize, Stage, f64)> = Vec::new();
    for i in 0..count {
        let (input, stage, created) = random_contact(&mut rng, &places, today, i);
        let valid = match input.validate() {
            Ok(v) => v,
            Err(e) => anyhow::bail!("demo record {i} invalid: {e:?}"),
        };
        let owner = advisors[i % 2];
        let mut fields = ContactFields::from_valid(&valid);
        fields.owner_id = Some(owner);
        fields.stage = stage;
        // A referred prospect points at an earlier record (its referrer).
        if stage == Stage::Referred && !ids.is_empty() {
            fields.referred_by = Some(ids[rng.gen_range(0..ids.len())]);
        }
        // Where the prospect came from, for the conversions per campaign.
        fields.campaign = CAMPAIGNS[rng.gen_range(0..CAMPAIGNS.len())].to_string();
        let id = shared::new_id();
        // Every record climbs the ladder from its entry stage, one dated step after the other
        // between its creation and last week: the photo of any past date and the film have a
        // history to read.
        let path = ladder(stage);
        fields.stage = path[0];
        store.insert_contact(&manager, id, &fields, None, created).await?;
        let last = if today_start(today) > created {
            today_start(today)
        } else {
            crate::db::now()
        };
        let span = (last - created).num_minutes().max(1);
        for (n, next) in path.iter().enumerate().skip(1) {
            let at = created + chrono::Duration::minutes(span * n as i64 / path.len() as i64);
            let change = match next {
                Stage::FormerClient => shared::stage::StageChange::ClientLeft {
                    reason: "départ à la concurrence (démo)".into(),
                    competitor: Some("Banque du Rhône".into()),
                },
                to => shared::stage::StageChange::Move { to: *to, reason: None },
            };
            store.change_stage(&manager, id, &change, at).await?;
        }
        ids.push(id);
        // Distance to the agency (place Bellecour), so that the coming days are drivable.
        let km = shared::plan::haversine_m(
            (45.7578, 4.8320),
            (fields.lat.unwrap_or(45.7578), fields.lon.unwrap_or(4.8320)),
        ) / 1000.0;
        portfolio.push((id, i % 2, stage, km));
    }
    // Some records are followed by both advisors.
    for id in ids.iter().step_by(25) {
        let c = store.contact(&manager, *id).await?;
        if let Some(c) = c {
            let other = if c.owner_id == advisors[0] {
                advisors[1]
            } else {
                advisors[0]
            };
            store.share_contact(&manager, *id, other, crate::db::now()).await?;
        }
    }
    // Tours start from the agency, place Bellecour.
    let mut settings = agency.settings.clone();
    settings.base = Some(shared::settings::BasePlace {
        label: "Agence, place Bellecour".into(),
        lat: 45.7578,
        lon: 4.8320,
    });
    store.set_agency_settings(&manager, &settings).await?;
    let actors = [users[1].actor(), users[2].actor()];
    agenda::meetings(store, &mut rng, &actors, &portfolio, today).await?;
    offers::load(store, &mut rng, &actors, &portfolio, today).await?;
    complaints::load(store, &mut rng, &actors, &portfolio, crate::db::now()).await?;
    // Last month's fair came in as a file; one of its lines is a client already there.
    let known = store
        .contact(&manager, ids[0])
        .await?
        .map(|c| c.phone_mobile)
        .unwrap_or_default();
    imports::load(store, &manager, advisors[0], &known, crate::db::now()).await?;
    store.generate_cadence_tasks(agency.id, today).await?;
    Ok(())
}

fn random_contact(
    rng: &mut StdRng,
    places: &[Commune],
    today: NaiveDate,
    i: usize,
) -> (ContactInput, Stage, DateTime<Utc>) {
    let company = i % 5 == 4;
    let first = *FIRST_NAMES.choose(rng).unwrap_or(&"Marie");
    let last = *LAST_NAMES.choose(rng).unwrap_or(&"Martin");
    let place = &places[rng.gen_range(0..places.len())];
    // Jitter inside the commune so that points are not stacked on its centre.
    let lat = place.lat + rng.gen_range(-0.008..0.008);
    let lon = place.lon + rng.gen_range(-0.011..0.011);
    let stage = match rng.gen_range(0..100) {
        0..=9 => Stage::Identified,
        10..=19 => Stage::Referred,
        20..=29 => Stage::Qualified,
        30..=41 => Stage::Contacted,
        42..=51 => Stage::Engaged,
        52..=96 => Stage::Client,
        _ => Stage::FormerClient,
    };
    // Wealth: a few rich clients, most modest, as in a real portfolio.
    let assets_euros: i64 = match rng.gen_range(0..100) {
        0..=9 => rng.gen_range(1_000_000..4_000_000),
        10..=39 => rng.gen_range(250_000..1_000_000),
        40..=79 => rng.gen_range(50_000..250_000),
        _ => rng.gen_range(5_000..50_000),
    };
    let is_client = matches!(stage, Stage::Client | Stage::FormerClient);
    let potential = assets_euros * rng.gen_range(2..8) / 10;
    let days_ago = |rng: &mut StdRng, max: u64| {
        today
            .checked_sub_days(Days::new(rng.gen_range(1..max)))
            .unwrap_or(today)
    };
    let created_on = days_ago(rng, 900);
    let created = created_on
        .and_hms_opt(9, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_else(Utc::now);
    let mobile = format!("0{}{:08}", rng.gen_range(6..=7), rng.gen_range(0..100_000_000u32));
    let mail_name = format!("{}.{}", ascii_lower(first), ascii_lower(last));
    let domain = *MAIL_DOMAINS.choose(rng).unwrap_or(&"orange.fr");
    let (company_name, contact_role) = if company {
        let (kind, role) = *COMPANY_KINDS.choose(rng).unwrap_or(&("SARL", "Gérant"));
        (format!("{kind} {last}"), role.to_string())
    } else {
        (String::new(), String::new())
    };
    let situation = Situation {
        profession: if company {
            contact_role.clone()
        } else {
            [
                "Médecin",
                "Enseignante",
                "Cadre",
                "Retraité",
                "Ingénieure",
                "Commerçant",
                "Avocate",
            ]
            .choose(rng)
            .unwrap_or(&"Cadre")
            .to_string()
        },
        family: [
            "Marié, 2 enfants",
            "Célibataire",
            "Pacsée, 1 enfant",
            "Divorcé, 3 enfants",
            "Veuve",
        ]
        .choose(rng)
        .unwrap_or(&"")
        .to_string(),
        risk_appetite: Some(*RiskAppetite::ALL.choose(rng).unwrap_or(&RiskAppetite::Balanced)),
        decision_speed: Some([DecisionSpeed::Fast, DecisionSpeed::Normal, DecisionSpeed::Slow][rng.gen_range(0..3)]),
        financial_assets_cents: Some(assets_euros * 100),
        income_cents: Some(rng.gen_range(25_000..180_000i64) * 100),
        competitors: if rng.gen_bool(0.4) {
            COMPETITORS.choose(rng).unwrap_or(&"AXA").to_string()
        } else {
            String::new()
        },
        projects: [
            "Préparer la retraite",
            "Transmission aux enfants",
            "Achat de résidence secondaire",
            "Protéger le conjoint",
            "",
        ]
        .choose(rng)
        .unwrap_or(&"")
        .to_string(),
        ..Situation::default()
    };
    let input = ContactInput {
        kind: if company {
            ContactKind::Company
        } else {
            ContactKind::Individual
        },
        first_name: first.into(),
        last_name: last.into(),
        company_name,
        contact_role,
        household_size: (!company).then(|| rng.gen_range(1..6)),
        company_size: company.then(|| rng.gen_range(1..40)),
        preferred_place: Some([MeetingPlace::Agency, MeetingPlace::Client, MeetingPlace::Town][rng.gen_range(0..3)]),
        address_line: format!(
            "{} {}",
            rng.gen_range(1..120),
            STREETS.choose(rng).unwrap_or(&"rue Centrale")
        ),
        postcode: place.postcode.clone(),
        city: place.name.clone(),
        sector: nearest_sector(lat, lon).into(),
        lat: Some(lat),
        lon: Some(lon),
        phone_mobile: mobile,
        phone_landline: if rng.gen_bool(0.3) {
            format!("04{:08}", rng.gen_range(0..100_000_000u32))
        } else {
            String::new()
        },
        call_preferences: [
            "Plutôt le matin",
            "Après 18 h",
            "Pas le mercredi",
            "Le midi, sur le portable",
            "",
        ]
        .choose(rng)
        .unwrap_or(&"")
        .to_string(),
        email: format!(
            "{mail_name}{}@{domain}",
            if i.is_multiple_of(3) {
                String::new()
            } else {
                i.to_string()
            }
        ),
        situation,
        accessible_potential_cents: Some(potential * 100),
        assets_entrusted_cents: Some(if is_client { assets_euros * 100 } else { 0 }),
        relationship_quality: Some(rng.gen_range(2..=5)),
        referrals_made: Some(if is_client { rng.gen_range(0..5) } else { 0 }),
        networks: if rng.gen_bool(0.3) {
            vec![NETWORKS.choose(rng).unwrap_or(&"").to_string()]
        } else {
            Vec::new()
        },
        last_meeting_on: is_client.then(|| days_ago(rng, 400)).filter(|d| *d > created_on),
        last_call_on: is_client.then(|| days_ago(rng, 200)).filter(|d| *d > created_on),
        next_contact_on: (!is_client)
            .then(|| today.checked_add_days(Days::new(rng.gen_range(0..30))))
            .flatten(),
        ..ContactInput::default()
    };
    (input, stage, created)
}
