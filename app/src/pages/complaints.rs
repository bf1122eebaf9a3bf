//! Complaints (*réclamations*, issue 10): the record's card to log one as it comes in, the list
//! of complaints with what is late or about to be, and one complaint with its clocks, its whole
//! history and the form of its next step. Every write is a mutation: it works offline.

use chrono::{DateTime, Local, NaiveDate, TimeZone, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;
use shared::complaint::{
    Channel, ClockState, Complaint, ComplaintDashboard, ComplaintInput, ComplaintStep, ComplaintView, Nature, Phase,
};
use shared::sync::Mutation;
use uuid::Uuid;

use crate::client::{self, Method};
use crate::components::feedback::notify;
use crate::components::layout::Page;
use crate::components::{date_fr, time_fr, today};
use crate::endpoints;
use crate::replica::{self, Saved};

fn day_of(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&Local).date_naive()
}

fn day_end(d: NaiveDate) -> DateTime<Utc> {
    let t = d.and_hms_opt(23, 59, 59).unwrap_or_default();
    Local
        .from_local_datetime(&t)
        .earliest()
        .map(|l| l.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&t))
}

/// The complaint with its clocks, on the phone's clock (offline).
fn local_view(c: Complaint) -> ComplaintView {
    ComplaintView::of(c, Utc::now(), &day_of, &day_end)
}

fn when(t: DateTime<Utc>) -> String {
    let l = t.with_timezone(&Local).naive_local();
    format!("{} {}", date_fr(l.date()), time_fr(l))
}

fn urgency_badge(u: Option<ClockState>) -> impl IntoView {
    match u {
        Some(ClockState::Late) => Some(view! { <span class="badge late">"En retard"</span> }),
        Some(ClockState::Soon) => Some(view! { <span class="badge warn">"Bientôt en retard"</span> }),
        _ => None,
    }
}

/// The complaint views of a record (or all), from the server or the phone's copy.
async fn load(contact: Option<Uuid>, open: bool) -> Result<Vec<ComplaintView>, client::ApiFailure> {
    let mut q = Vec::new();
    if let Some(c) = contact {
        q.push(format!("contact_id={c}"));
    }
    if open {
        q.push("open=true".into());
    }
    let online = client::get::<Vec<ComplaintView>>(&endpoints::complaints(&q.join("&"))).await;
    replica::or_local(online, || {
        Some(
            replica::complaints()
                .into_iter()
                .filter(|c| contact.is_none_or(|id| c.contact_id == id))
                .filter(|c| !open || !c.phase.is_answered())
                .map(local_view)
                .collect(),
        )
    })
    .await
}

fn row(v: ComplaintView, with_name: bool) -> impl IntoView {
    let c = v.complaint;
    view! {
        <li class="card compact">
            <a class="name" href=format!("/complaints/{}", c.id)>
                {if with_name { c.contact_name.clone() } else { format!("Reçue le {}", when(c.received_at)) }}
            </a>
            <span class="badges">
                <span class="badge">{c.phase.label()}</span>
                {urgency_badge(v.urgency)}
                {with_name.then(|| view! { <span class="badge">{format!("Reçue le {}", date_fr(day_of(c.received_at)))}</span> })}
            </span>
            <p class="muted small">{shared::visit::excerpt(&c.description, 90)}</p>
        </li>
    }
}

/// A record's complaints and the form to log a new one.
#[component]
pub fn RecordComplaints(contact_id: Uuid) -> impl IntoView {
    let (version, set_version) = signal(0u32);
    let list = LocalResource::new(move || {
        version.track();
        load(Some(contact_id), false)
    });
    let (open, set_open) = signal(false);
    let channel = RwSignal::new(Channel::Phone.as_str().to_string());
    let from_whom = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let received_on = RwSignal::new(String::new());
    let (error, set_error) = signal(None::<String>);
    let (busy, set_busy) = signal(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // Today: now; another day: noon of that day, on the phone's clock.
        let received_at = match received_on.get_untracked().trim() {
            "" => None,
            s => match s.parse::<NaiveDate>() {
                Ok(d) if d == today() => None,
                Ok(d) => Some(day_end(d) - chrono::Duration::hours(12)),
                Err(_) => {
                    set_error.set(Some("Date de réception invalide.".into()));
                    return;
                }
            },
        };
        let input = ComplaintInput {
            id: Some(shared::new_id()),
            contact_id,
            received_at,
            channel: Channel::parse(&channel.get_untracked()).unwrap_or_default(),
            from_whom: from_whom.get_untracked(),
            description: description.get_untracked(),
        };
        if let Err(e) = input.clone().validate(Utc::now()) {
            set_error.set(Some(e.into_values().collect::<Vec<_>>().join(" ; ")));
            return;
        }
        set_busy.set(true);
        spawn_local(async move {
            let body = input.clone();
            let saved = replica::write(Mutation::CreateComplaint(input), || async move {
                client::json::<ComplaintView>(Method::Post, endpoints::COMPLAINTS, Some(&body)).await
            })
            .await;
            match saved {
                Ok(saved) => {
                    notify(match saved {
                        Saved::Sent(_) => "Réclamation enregistrée : accusé de réception sous 24 h".to_string(),
                        Saved::Queued => replica::QUEUED_NOTICE.to_string(),
                    });
                    description.set(String::new());
                    from_whom.set(String::new());
                    set_error.set(None);
                    set_open.set(false);
                    set_version.update(|v| *v += 1);
                }
                Err(f) => set_error.set(Some(f.message())),
            }
            set_busy.set(false);
        });
    };
    view! {
        <section class="card" aria-label="Réclamations">
            <h3>"Réclamations"</h3>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(l) if l.is_empty() => view! { <p class="muted small">"Aucune réclamation."</p> }.into_any(),
                        Ok(l) => view! { <ul class="list">{l.into_iter().map(|v| row(v, false)).collect_view()}</ul> }.into_any(),
                        Err(f) => view! { <p class="error" role="alert">{f.message()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <Show when=move || open.get() fallback=move || view! {
                <button class="secondary wide" on:click=move |_| set_open.set(true)>"Noter une réclamation"</button>
            }>
                <form on:submit=submit>
                    <div class="field">
                        <label for="k-channel">"Reçue par"</label>
                        <select id="k-channel" on:change=move |ev| channel.set(event_target_value(&ev))>
                            {Channel::ALL.into_iter().map(|c| view! { <option value=c.as_str() selected=move || channel.get() == c.as_str()>{c.label()}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="k-received">"Reçue le (aujourd'hui si vide)"</label>
                        <input id="k-received" type="date" bind:value=received_on/>
                    </div>
                    <div class="field">
                        <label for="k-from">"De la part de (si ce n'est pas le client)"</label>
                        <input id="k-from" type="text" bind:value=from_whom/>
                    </div>
                    <div class="field">
                        <label for="k-description">"Ce que dit le client"</label>
                        <textarea id="k-description" rows="3" bind:value=description></textarea>
                    </div>
                    {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                    <div class="row-actions">
                        <button type="submit" class="primary" disabled=move || busy.get()>"Enregistrer la réclamation"</button>
                        <button type="button" class="secondary" on:click=move |_| set_open.set(false)>"Annuler"</button>
                    </div>
                </form>
            </Show>
        </section>
    }
}

/// The complaints of the caller's records (the agency's for a manager), the urgent first, with
/// the dashboard.
#[component]
pub fn ComplaintsPage() -> impl IntoView {
    let open_only = RwSignal::new(true);
    let list = LocalResource::new(move || {
        let open = open_only.get();
        async move {
            let mut l = load(None, open).await?;
            let rank = |u: Option<ClockState>| match u {
                Some(ClockState::Late) => 0,
                Some(ClockState::Soon) => 1,
                Some(_) => 2,
                None => 3,
            };
            l.sort_by_key(|v| (rank(v.urgency), std::cmp::Reverse(v.complaint.received_at)));
            Ok::<_, client::ApiFailure>(l)
        }
    });
    let board =
        LocalResource::new(|| async { client::get::<ComplaintDashboard>(endpoints::COMPLAINT_STATISTICS).await });
    view! {
        <Page title="Réclamations">
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move { board.await.ok().map(|d| view! { <Board d=d/> }) })}
            </Suspense>
            <label class="check"><input type="checkbox" bind:checked=open_only/>" Seulement celles sans réponse"</label>
            <Suspense fallback=|| view! { <p class="muted">"Chargement…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(l) if l.is_empty() => view! { <p class="muted">"Aucune réclamation."</p> }.into_any(),
                        Ok(l) => view! { <ul class="list" aria-label="Liste des réclamations">{l.into_iter().map(|v| row(v, true)).collect_view()}</ul> }.into_any(),
                        Err(f) => view! { <p class="error" role="alert">{f.message()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <p><a href=format!("/api/v1{}", endpoints::complaints("")) download="reclamations.csv">"Exporter en CSV"</a></p>
        </Page>
    }
}

fn hours(h: Option<f64>) -> String {
    match h {
        None => "—".into(),
        Some(h) if h < 48.0 => format!("{h:.0} h"),
        Some(h) => format!("{:.1} j", h / 24.0),
    }
}

/// The complaints dashboard: what is late, by phase and nature, delays and satisfaction.
#[component]
pub fn Board(d: ComplaintDashboard) -> impl IntoView {
    let late_class = if d.late > 0 { "late" } else { "" };
    let pct = |a: i64, b: i64| {
        if b == 0 {
            "—".to_string()
        } else {
            format!("{} %", (a * 100 + b / 2) / b)
        }
    };
    view! {
        <section class="card" aria-label="Tableau de bord des réclamations">
            <h2>"Tableau de bord"</h2>
            <p class="kpi">
                <strong class=late_class>{format!("{} en retard", d.late)}</strong>
                {format!(" · {} bientôt · {} sans réponse sur {}", d.soon, d.open, d.total)}
            </p>
            <dl>
                <div class="row"><dt>"Accusé de réception sous 24 h"</dt><dd>{pct(d.acknowledged_in_24h, d.acknowledged)}</dd></div>
                <div class="row"><dt>"Délai moyen d'accusé de réception"</dt><dd>{hours(d.mean_acknowledge_hours)}</dd></div>
                <div class="row"><dt>"Délai moyen de réponse"</dt><dd>{hours(d.mean_answer_hours)}</dd></div>
                <div class="row"><dt>"Réponses au-delà de 2 mois"</dt><dd>{d.answered_late_regulatory}</dd></div>
                <div class="row"><dt>"Clients satisfaits à la clôture"</dt><dd>{pct(d.satisfied, d.closed)}</dd></div>
                <div class="row"><dt>"Fondées"</dt><dd>{d.founded}</dd></div>
            </dl>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Réclamations par phase"><table class="stats">
                <thead><tr><th>"Phase"</th><th>"Nombre"</th></tr></thead>
                <tbody>{d.by_phase.iter().map(|p| view! { <tr><td>{p.phase.label()}</td><td>{p.count}</td></tr> }).collect_view()}</tbody>
            </table></div>
            <p class="muted small">{d.by_nature.iter().map(|n| format!("{} : {}", n.nature.label(), n.count)).collect::<Vec<_>>().join(" · ")}</p>
        </section>
    }
}

/// One complaint: the facts, every clock, the history, and the next step.
#[component]
pub fn ComplaintPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|s| Uuid::parse_str(&s).ok()));
    let (version, set_version) = signal(0u32);
    let data = LocalResource::new(move || {
        version.track();
        let id = id();
        async move {
            let Some(id) = id else {
                return Err(client::ApiFailure::local(404, "not_found", "Réclamation introuvable."));
            };
            let online = client::get::<ComplaintView>(&endpoints::complaint(id)).await;
            replica::or_local(online, || replica::complaint(id).map(local_view)).await
        }
    });
    view! {
        <Page title="Réclamation">
            <Suspense fallback=|| view! { <p class="muted">"Chargement…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <Detail v=v on_changed=move || set_version.update(|x| *x += 1)/> }.into_any(),
                        Err(f) if f.status == 404 => view! { <p class="error" role="alert">"Cette réclamation n'existe pas ou ne vous est pas accessible."</p> }.into_any(),
                        Err(f) => view! { <p class="error" role="alert">{f.message()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </Page>
    }
}

#[component]
fn Detail(v: ComplaintView, on_changed: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let c = v.complaint.clone();
    view! {
        <section class="record-head">
            <h2><a href=format!("/contacts/{}", c.contact_id)>{c.contact_name.clone()}</a></h2>
            <div class="badges"><span class="badge">{c.phase.label()}</span>{urgency_badge(v.urgency)}</div>
            <p class="muted">{format!("Reçue le {} · {}{}", when(c.received_at), c.channel.label(),
                if c.from_whom.is_empty() { String::new() } else { format!(" · de la part de {}", c.from_whom) })}</p>
            <p>{c.description.clone()}</p>
        </section>
        <section class="card" aria-label="Délais">
            <h3>"Délais"</h3>
            <ul class="clocks">
                {v.clocks.iter().map(|k| {
                    let class = match k.state {
                        ClockState::Late | ClockState::MetLate => "badge late",
                        ClockState::Soon => "badge warn",
                        ClockState::Met => "badge good",
                        ClockState::Running => "badge",
                    };
                    view! {
                        <li>
                            <span>{k.kind.label()}</span>" "
                            <span class=class>{k.state.label()}</span>
                            <span class="muted small">{match k.done_at {
                                Some(t) => format!(" — fait le {}, échéance {}", when(t), when(k.deadline)),
                                None => format!(" — échéance {}", when(k.deadline)),
                            }}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
        <NextStep c=c.clone() on_changed=on_changed/>
        <section class="card" aria-label="Historique de la réclamation">
            <h3>"Historique"</h3>
            <ol class="history" aria-label="Étapes">
                {c.steps.iter().map(|s| view! {
                    <li><strong>{s.phase.label()}</strong>{format!(" — {} — {}", when(s.at), s.by_name)}
                        {(!s.note.is_empty()).then(|| view! { <br/><span class="muted small">{s.note.clone()}</span> })}</li>
                }).collect_view()}
            </ol>
        </section>
    }
}

/// The form of the complaint's next step.
#[component]
fn NextStep(c: Complaint, on_changed: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let Some(next) = c.phase.next() else {
        return view! { <p class="muted">"La réclamation a parcouru toutes ses étapes."</p> }.into_any();
    };
    let id = c.id;
    let note = RwSignal::new(String::new());
    let founded = RwSignal::new("true".to_string());
    let nature = RwSignal::new(Nature::Technical.as_str().to_string());
    let serious = RwSignal::new(false);
    let by_phone = RwSignal::new(false);
    let satisfied = RwSignal::new("true".to_string());
    let (error, set_error) = signal(None::<String>);
    let (busy, set_busy) = signal(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = note.get_untracked();
        let step = match next {
            Phase::Received | Phase::Acknowledged => ComplaintStep::Acknowledged { note: text },
            Phase::Registered => ComplaintStep::Registered {
                founded: founded.get_untracked() == "true",
                nature: Nature::parse(&nature.get_untracked()).unwrap_or(Nature::Technical),
                note: text,
            },
            Phase::Resolved => ComplaintStep::Resolved {
                answer: text,
                serious: serious.get_untracked(),
                by_phone: by_phone.get_untracked(),
            },
            Phase::Closed => ComplaintStep::Closed {
                satisfied: satisfied.get_untracked() == "true",
                note: text,
            },
            Phase::FollowedUp => ComplaintStep::FollowedUp { note: text },
            Phase::Exploited => ComplaintStep::Exploited {
                preventive_action: text,
            },
        };
        // The same rules as the server, for an immediate message.
        let current = c.clone();
        if let Err(d) = shared::complaint::advance(&current, step.clone(), Uuid::nil(), "", Utc::now()) {
            set_error.set(Some(match d {
                shared::visit::effects::Denied::Invalid { message, .. } => message,
                shared::visit::effects::Denied::Conflict(m) => m,
                shared::visit::effects::Denied::Forbidden(m) => m.to_string(),
            }));
            return;
        }
        set_busy.set(true);
        spawn_local(async move {
            let body = step.clone();
            let saved = replica::write(Mutation::AdvanceComplaint { id, step }, || async move {
                client::json::<ComplaintView>(Method::Post, &endpoints::complaint_steps(id), Some(&body)).await
            })
            .await;
            match saved {
                Ok(Saved::Sent(_)) => {
                    notify(format!("Réclamation : {}", next.label().to_lowercase()));
                    on_changed();
                }
                Ok(Saved::Queued) => {
                    notify(replica::QUEUED_NOTICE);
                    on_changed();
                }
                Err(f) => set_error.set(Some(f.message())),
            }
            set_busy.set(false);
        });
    };
    let (title, note_label) = match next {
        Phase::Acknowledged => (
            "Accuser réception",
            "Ce qui a été dit au client (remerciement, délai de réponse)",
        ),
        Phase::Registered => ("Enregistrer la réclamation", "Historique du client consulté, remarques"),
        Phase::Resolved => ("Répondre", "Réponse apportée au client"),
        Phase::Closed => ("Clore", "Remarques"),
        Phase::FollowedUp => ("Suivre", "Ce qui a été vérifié"),
        Phase::Exploited => ("Exploiter", "Action préventive"),
        Phase::Received => ("", ""),
    };
    view! {
        <form class="card" on:submit=submit aria-label="Étape suivante">
            <h3>{title}</h3>
            {(next == Phase::Registered).then(|| view! {
                <div class="two">
                    <div class="field">
                        <label for="k-founded">"Fondée ?"</label>
                        <select id="k-founded" on:change=move |ev| founded.set(event_target_value(&ev))>
                            <option value="true">"Fondée"</option>
                            <option value="false">"Non fondée"</option>
                        </select>
                    </div>
                    <div class="field">
                        <label for="k-nature">"Nature"</label>
                        <select id="k-nature" on:change=move |ev| nature.set(event_target_value(&ev))>
                            {Nature::ALL.into_iter().map(|n| view! { <option value=n.as_str()>{n.label()}</option> }).collect_view()}
                        </select>
                    </div>
                </div>
            })}
            {(next == Phase::Resolved).then(|| view! {
                <label class="check"><input type="checkbox" bind:checked=serious/>" Cas grave"</label>
                <label class="check"><input type="checkbox" bind:checked=by_phone/>" Réponse donnée par téléphone"</label>
            })}
            {(next == Phase::Closed).then(|| view! {
                <div class="field">
                    <label for="k-satisfied">"Le client est-il satisfait ?"</label>
                    <select id="k-satisfied" on:change=move |ev| satisfied.set(event_target_value(&ev))>
                        <option value="true">"Satisfait"</option>
                        <option value="false">"Non satisfait"</option>
                    </select>
                </div>
            })}
            <div class="field">
                <label for="k-note">{note_label}</label>
                <textarea id="k-note" rows="3" bind:value=note></textarea>
            </div>
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            <button type="submit" class="primary wide" disabled=move || busy.get()>{format!("Valider : {}", next.label().to_lowercase())}</button>
        </form>
    }
    .into_any()
}
