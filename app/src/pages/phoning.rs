//! A phoning session (*séance de phoning*, issue 10): the list built for the advisor, one tap
//! per outcome, the session's tally as it goes. No more than 3 follow-ups of one person in the
//! agency's period: the phone refuses the fourth at once (counting the calls of the list and
//! those made since), and the server refuses it again if it comes from elsewhere.
//!
//! The session (its id, its calls' outcomes) and the last list are kept on the phone, so a
//! reload, a lock or a lost network does not end it.

use chrono::{DateTime, Duration, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use shared::phoning::{check_follow_up, CallItem, Tally, MAX_FOLLOW_UPS};
use shared::settings::AgencySettings;
use shared::sync::Mutation;
use shared::visit::{CallOutcome, InteractionInput, InteractionKind, ObjectionType};
use uuid::Uuid;

use crate::client::{self, Method};
use crate::components::feedback::notify;
use crate::components::layout::Page;
use crate::components::{date_fr, today};
use crate::endpoints;
use crate::replica::{self, Saved};
use crate::storage;

const SESSION_KEY: &str = "tournee.phoning.session";
const LIST_KEY: &str = "tournee.phoning.list";
/// People shown at once; the rest one tap away.
const PAGE: usize = 15;

/// A session as the phone keeps it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Session {
    id: Uuid,
    started_at: DateTime<Utc>,
    /// Every call of the session: who, when, what came of it.
    calls: Vec<(Uuid, DateTime<Utc>, CallOutcome)>,
}

impl Session {
    fn tally(&self) -> Tally {
        Tally::of(self.calls.iter().map(|c| c.2))
    }
}

/// The list as last fetched, with when.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct KeptList {
    at: Option<DateTime<Utc>>,
    items: Vec<CallItem>,
}

fn shown_phone(p: &str) -> String {
    shared::values::Phone::parse(p)
        .map(|p| p.to_string())
        .unwrap_or_else(|_| p.to_string())
}

#[component]
pub fn PhoningPage() -> impl IntoView {
    let session = RwSignal::new(None::<Session>);
    let list = RwSignal::new(KeptList::default());
    let (notice, set_notice) = signal(None::<String>);
    let objections = RwSignal::new(Vec::<ObjectionType>::new());
    let period = RwSignal::new(30u32);
    let shown = RwSignal::new(PAGE);
    Effect::new(move |_| {
        session.set(storage::load::<Session>(SESSION_KEY));
        list.set(storage::load::<KeptList>(LIST_KEY).unwrap_or_default());
        spawn_local(async move {
            let online = client::get::<AgencySettings>(endpoints::AGENCY_SETTINGS).await;
            let s: AgencySettings = replica::or_local(online, replica::settings).await.unwrap_or_default();
            objections.set(s.objections.clone());
            period.set(s.follow_up_period_days);
        });
    });
    let refresh = move || {
        spawn_local(async move {
            match client::get::<Vec<CallItem>>(endpoints::PHONING_LIST).await {
                Ok(items) => {
                    let kept = KeptList {
                        at: Some(Utc::now()),
                        items,
                    };
                    storage::save(LIST_KEY, &kept);
                    list.set(kept);
                    set_notice.set(None);
                }
                Err(f) if f.status == 0 => set_notice.set(Some(match list.get_untracked().at {
                    Some(at) => format!(
                        "Hors ligne : la liste du {} à {}.",
                        date_fr(at.with_timezone(&chrono::Local).date_naive()),
                        crate::components::clock_fr(crate::components::local(at))
                    ),
                    None => "Hors ligne : la liste s'affichera au retour du réseau.".into(),
                })),
                Err(f) => set_notice.set(Some(f.message())),
            }
        });
    };
    Effect::new(move |_| refresh());
    let start = move |_| {
        let s = Session {
            id: shared::new_id(),
            started_at: Utc::now(),
            calls: Vec::new(),
        };
        storage::save(SESSION_KEY, &s);
        session.set(Some(s));
        refresh();
    };
    let stop = move |_| {
        if let Some(s) = session.get_untracked() {
            let t = s.tally();
            notify(format!(
                "Séance terminée : {} appel(s), {} joint(s), {} RDV",
                t.dialled, t.reached, t.meetings_booked
            ));
        }
        storage::remove(SESSION_KEY);
        session.set(None);
    };
    view! {
        <Page title="Phoning">
            {move || match session.get() {
                None => view! {
                    <p class="muted">"Une séance enchaîne les appels de la liste préparée pour vous : rappels promis, clients à appeler selon leur cadence, prospects à contacter. Trois relances au plus par personne sur la période."</p>
                    <button class="primary wide" on:click=start>"Démarrer une séance"</button>
                }.into_any(),
                Some(s) => {
                    let t = s.tally();
                    view! {
                        <section class="card" aria-label="Bilan de la séance">
                            <p class="kpi">
                                {format!("{} composé(s) · {} joint(s) · {} RDV", t.dialled, t.reached, t.meetings_booked)}
                                {t.booking_ratio().map(|r| format!(" · {r} % de RDV sur les joints"))}
                            </p>
                            <p class="muted small">{format!("{} pas de réponse · {} à rappeler · {} refus · {} faux numéro(s)", t.no_answer, t.call_backs, t.refused, t.wrong_numbers)}</p>
                            <button class="secondary wide" on:click=stop>"Terminer la séance"</button>
                        </section>
                    }.into_any()
                }
            }}
            {move || notice.get().map(|m| view! { <p class="notice">{m}</p> })}
            {move || {
                let items = list.get().items;
                let total = items.len();
                if items.is_empty() {
                    view! { <p class="muted">"Personne à appeler aujourd'hui."</p> }.into_any()
                } else {
                    view! {
                        <ol class="list" aria-label="À appeler">
                            {items.into_iter().take(shown.get()).map(|i| view! { <Item i=i session objections period/> }).collect_view()}
                        </ol>
                        {(total > shown.get()).then(|| view! {
                            <button class="secondary wide" on:click=move |_| shown.update(|n| *n += PAGE)>
                                {format!("Afficher la suite ({} de plus)", total - shown.get_untracked())}
                            </button>
                        })}
                    }.into_any()
                }
            }}
        </Page>
    }
}

#[component]
fn Item(
    i: CallItem,
    session: RwSignal<Option<Session>>,
    objections: RwSignal<Vec<ObjectionType>>,
    period: RwSignal<u32>,
) -> impl IntoView {
    let id = i.contact_id;
    let item = StoredValue::new(i.clone());
    let (error, set_error) = signal(None::<String>);
    let (done, set_done) = signal(None::<String>);
    let (asking, set_asking) = signal(None::<CallOutcome>);
    let call_back_on = RwSignal::new((today() + Duration::days(1)).to_string());
    let objection = RwSignal::new(String::new());
    // The follow-ups in the period: those the list counted, and this session's calls since.
    let made_since = move || {
        session.with(|s| {
            s.as_ref()
                .map(|s| s.calls.iter().filter(|c| c.0 == id).map(|c| c.1).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    let follow_ups = move || item.with_value(|i| i.follow_ups) + made_since().len() as u32;
    let log = move |outcome: CallOutcome| {
        let Some(s) = session.get_untracked() else {
            set_error.set(Some("Démarrez une séance pour noter les appels.".into()));
            return;
        };
        // The same rule as the server: the calls before (as instants) against the period.
        let mut previous: Vec<DateTime<Utc>> = item.with_value(|i| {
            (0..i.follow_ups)
                .map(|_| i.first_follow_up_at.unwrap_or_else(Utc::now))
                .collect()
        });
        previous.extend(made_since());
        if let Err(d) = check_follow_up(&previous, period.get_untracked()) {
            if let shared::visit::effects::Denied::Conflict(m) = d {
                set_error.set(Some(format!("Relance refusée : {m}.")));
            }
            return;
        }
        let now = Utc::now();
        let input = InteractionInput {
            id: Some(shared::new_id()),
            kind: InteractionKind::Call,
            outcome: Some(outcome),
            at: Some(now),
            note: String::new(),
            call_back_on: (outcome == CallOutcome::CallBack)
                .then(|| call_back_on.get_untracked().parse().ok())
                .flatten(),
            session_id: Some(s.id),
            objection: (outcome == CallOutcome::Refused)
                .then(|| objection.get_untracked())
                .filter(|o| !o.is_empty()),
        };
        let body = input.clone();
        set_error.set(None);
        set_asking.set(None);
        spawn_local(async move {
            let saved = replica::write(Mutation::LogInteraction { contact_id: id, input }, || async move {
                client::json::<serde_json::Value>(Method::Post, &endpoints::contact_interactions(id), Some(&body)).await
            })
            .await;
            match saved {
                Ok(saved) => {
                    session.update(|s| {
                        if let Some(s) = s {
                            s.calls.push((id, now, outcome));
                            storage::save(SESSION_KEY, s);
                        }
                    });
                    set_done.set(Some(outcome.label().to_string()));
                    notify(match saved {
                        Saved::Sent(_) => format!("Appel noté : {}", outcome.label().to_lowercase()),
                        Saved::Queued => replica::QUEUED_NOTICE.to_string(),
                    });
                }
                Err(f) => set_error.set(Some(f.message())),
            }
        });
    };
    let tap = move |o: CallOutcome| match o {
        CallOutcome::CallBack | CallOutcome::Refused => set_asking.set(Some(o)),
        o => log(o),
    };
    let i2 = i.clone();
    let blocked = move || follow_ups() >= MAX_FOLLOW_UPS;
    let badge_class = move || if blocked() { "badge late" } else { "badge" };
    view! {
        <li class="card call-item" class:blocked=blocked>
            <a class="name" href=format!("/contacts/{id}")>{i2.name.clone()}</a>
            <span class="badges">
                <span class="badge">{i2.reason.label()}</span>
                {i2.due_on.map(|d| view! { <span class="badge">{format!("dû le {}", date_fr(d))}</span> })}
                <span class=badge_class>
                    {move || format!("Relances : {}/{MAX_FOLLOW_UPS}", follow_ups())}
                </span>
            </span>
            {(!i2.phone.is_empty()).then(|| view! {
                <a class="action" href=format!("tel:{}", i2.phone)>{format!("Appeler {}", shown_phone(&i2.phone))}</a>
            })}
            {move || done.get().map(|d| view! { <p class="muted small" role="status">{format!("Noté : {d}")}</p> })}
            <div class="chips" role="group" aria-label=format!("Issue de l'appel à {}", i2.name)>
                {[CallOutcome::NoAnswer, CallOutcome::Reached, CallOutcome::CallBack, CallOutcome::AppointmentBooked, CallOutcome::Refused, CallOutcome::WrongNumber]
                    .into_iter()
                    .map(|o| view! { <button type="button" class="chip" on:click=move |_| tap(o)>{o.label()}</button> })
                    .collect_view()}
            </div>
            {move || (asking.get() == Some(CallOutcome::CallBack)).then(|| view! {
                <div class="inline-add">
                    <label for=format!("cb-{id}")>"Rappeler le"</label>
                    <input id=format!("cb-{id}") type="date" bind:value=call_back_on/>
                    <button type="button" class="primary" on:click=move |_| log(CallOutcome::CallBack)>"Noter"</button>
                </div>
            })}
            {move || (asking.get() == Some(CallOutcome::Refused)).then(|| view! {
                <div class="inline-add">
                    <label for=format!("obj-{id}")>"Objection"</label>
                    <select id=format!("obj-{id}") on:change=move |ev| objection.set(event_target_value(&ev))>
                        <option value="">"Sans objection notée"</option>
                        {objections.get().into_iter().map(|o| view! { <option value=o.code.clone()>{o.label.clone()}</option> }).collect_view()}
                    </select>
                    <button type="button" class="primary" on:click=move |_| log(CallOutcome::Refused)>"Noter"</button>
                </div>
            })}
            {move || (done.get().as_deref() == Some(CallOutcome::AppointmentBooked.label())).then(|| view! {
                <a class="secondary button" href=format!("/contacts/{id}#plan")>"Planifier le RDV"</a>
            })}
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
        </li>
    }
}
