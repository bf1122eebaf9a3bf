//! The agency's people (issue 11), for the manager: invite someone (a one-time link to give
//! them: no password is ever sent), change a role, cut or restore an access, hand a departing
//! advisor's portfolio to one or several others, and read the audit log of these acts.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use shared::api::Role;
use uuid::Uuid;

use crate::client::{self, ApiFailure, Method};
use crate::components::feedback::notify;
use crate::components::layout::Page;
use crate::endpoints;

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Member {
    id: Uuid,
    email: String,
    display_name: String,
    role: Role,
    disabled: bool,
    invited: bool,
    records: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Invitation {
    member: Member,
    link: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Handover {
    records: u64,
    tasks: u64,
    meetings: u64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct AuditLine {
    at: chrono::DateTime<chrono::Utc>,
    actor_name: String,
    detail: String,
}

#[derive(Serialize)]
struct NewMember {
    email: String,
    display_name: String,
    role: Role,
}

fn role_label(r: Role) -> &'static str {
    match r {
        Role::Manager => "Chef d'agence",
        Role::Advisor => "Conseiller",
    }
}

/// A failure as one French sentence, a field's message first.
fn say(f: &ApiFailure) -> String {
    let label = |k: &str| match k {
        "email" => "E-mail",
        "display_name" => "Nom",
        "to" => "Destinataires",
        _ => "Saisie",
    };
    f.body
        .fields
        .iter()
        .map(|(k, m)| format!("{} : {m}", label(k)))
        .next()
        .unwrap_or_else(|| f.message())
}

/// The link as the person will open it (this server's address in front).
fn full_link(path: &str) -> String {
    #[cfg(feature = "hydrate")]
    if let Some(origin) = web_sys::window().and_then(|w| w.location().origin().ok()) {
        return format!("{origin}{path}");
    }
    path.to_string()
}

#[component]
pub fn TeamPage() -> impl IntoView {
    let manager = RwSignal::new(false);
    let me = RwSignal::new(None::<Uuid>);
    Effect::new(move |_| {
        crate::components::with_me(move |m| {
            manager.set(m.role == Role::Manager);
            me.set(Some(m.user_id));
        })
    });
    let members = RwSignal::new(Vec::<Member>::new());
    let audit = RwSignal::new(Vec::<AuditLine>::new());
    // The days of the audit log's CSV export.
    let audit_from = RwSignal::new(String::new());
    let audit_to = RwSignal::new(String::new());
    let audit_period = move || {
        [("from", audit_from.get()), ("to", audit_to.get())]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", crate::client::encode(&v)))
            .collect::<Vec<_>>()
            .join("&")
    };
    let error = RwSignal::new(None::<String>);
    let link = RwSignal::new(None::<(String, String)>);
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Advisor);
    let reload = move || {
        spawn_local(async move {
            match client::get::<Vec<Member>>(endpoints::TEAM).await {
                Ok(m) => members.set(m),
                Err(f) => error.set(Some(f.message())),
            }
            if let Ok(a) = client::get::<Vec<AuditLine>>(endpoints::AUDIT).await {
                audit.set(a);
            }
        })
    };
    Effect::new(move |_| {
        if manager.get() {
            reload();
        }
    });
    let invite = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let body = NewMember {
            email: email.get_untracked(),
            display_name: name.get_untracked(),
            role: role.get_untracked(),
        };
        spawn_local(async move {
            match client::json::<Invitation>(Method::Post, endpoints::TEAM, Some(&body)).await {
                Ok(inv) => {
                    link.set(Some((inv.member.display_name.clone(), full_link(&inv.link))));
                    email.set(String::new());
                    name.set(String::new());
                    notify(format!("{} invité(e)", inv.member.display_name));
                    reload();
                }
                Err(f) => error.set(Some(say(&f))),
            }
        });
    };
    let change = move |id: Uuid, body: serde_json::Value, done: String| {
        error.set(None);
        spawn_local(async move {
            match client::json::<serde_json::Value>(Method::Put, &endpoints::team_member(id), Some(&body)).await {
                Ok(_) => {
                    notify(done);
                    reload();
                }
                Err(f) => error.set(Some(say(&f))),
            }
        });
    };
    let reinvite = move |id: Uuid| {
        spawn_local(async move {
            match client::json::<Invitation>(Method::Post, &endpoints::team_invitation(id), None::<&()>).await {
                Ok(inv) => {
                    link.set(Some((inv.member.display_name.clone(), full_link(&inv.link))));
                    reload();
                }
                Err(f) => error.set(Some(say(&f))),
            }
        });
    };
    view! {
        <Page title="Équipe">
            {move || (!manager.get()).then(|| view! { <p class="notice">"La gestion de l'équipe est réservée au chef d'agence."</p> })}
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            <h2>"Inviter quelqu'un"</h2>
            <form on:submit=invite>
                <div class="field">
                    <label for="t-email">"E-mail"</label>
                    <input id="t-email" type="email" autocomplete="off" bind:value=email/>
                </div>
                <div class="field">
                    <label for="t-name">"Nom affiché"</label>
                    <input id="t-name" type="text" maxlength="120" bind:value=name/>
                </div>
                <div class="field">
                    <label for="t-role">"Rôle"</label>
                    <select id="t-role" on:change=move |ev| role.set(if event_target_value(&ev) == "manager" { Role::Manager } else { Role::Advisor })>
                        <option value="advisor">"Conseiller"</option>
                        <option value="manager">"Chef d'agence"</option>
                    </select>
                </div>
                <button type="submit" class="primary wide" disabled=move || !manager.get()>"Créer le lien d'invitation"</button>
            </form>
            {move || link.get().map(|(who, url)| view! {
                <section class="card" role="status" aria-label="Lien d'invitation">
                    <p>{format!("Lien à transmettre à {who} : valable 7 jours, une seule fois. Il ne sera plus affiché.")}</p>
                    <p class="invitation-link"><a href=url.clone()>{url.clone()}</a></p>
                </section>
            })}
            <h2>"Membres"</h2>
            <ul class="list team">
                {move || {
                    let all = members.get();
                    all.clone().into_iter().map(|m| {
                        let id = m.id;
                        let others: Vec<Member> = all.iter().filter(|o| o.id != id && !o.disabled && !o.invited).cloned().collect();
                        let chosen = RwSignal::new(Vec::<Uuid>::new());
                        let giving = RwSignal::new(false);
                        let name = m.display_name.clone();
                        let hand = move |_| {
                            let to = chosen.get_untracked();
                            let name = name.clone();
                            spawn_local(async move {
                                let body = serde_json::json!({ "to": to });
                                match client::json::<Handover>(Method::Post, &endpoints::team_handover(id), Some(&body)).await {
                                    Ok(h) => {
                                        notify(format!("Portefeuille de {name} transmis : {} dossiers, {} tâches, {} rendez-vous", h.records, h.tasks, h.meetings));
                                        giving.set(false);
                                        reload();
                                    }
                                    Err(f) => error.set(Some(say(&f))),
                                }
                            });
                        };
                        let status = if m.invited { "invitation en attente" } else if m.disabled { "accès coupé" } else { "actif" };
                        let label = m.display_name.clone();
                        let myself = me.get() == Some(id);
                        view! {
                            <li class="member">
                                <strong>{m.display_name.clone()}</strong>
                                <span class="muted small">{format!("{} · {} · {} dossier(s) · {status}", m.email, role_label(m.role), m.records)}</span>
                                {(!myself).then(|| view! {
                                <div class="field">
                                    <label for=format!("role-{id}")>{format!("Rôle de {label}")}</label>
                                    <select id=format!("role-{id}") on:change=move |ev| {
                                        let r = if event_target_value(&ev) == "manager" { "manager" } else { "advisor" };
                                        change(id, serde_json::json!({ "role": r }), "Rôle changé".into());
                                    }>
                                        <option value="advisor" selected=m.role == Role::Advisor>"Conseiller"</option>
                                        <option value="manager" selected=m.role == Role::Manager>"Chef d'agence"</option>
                                    </select>
                                </div>
                                <div class="row-form">
                                    {if m.disabled {
                                        view! { <button type="button" class="secondary" on:click=move |_| change(id, serde_json::json!({ "disabled": false }), "Accès rétabli".into())>"Rétablir l'accès"</button> }.into_any()
                                    } else {
                                        view! { <button type="button" class="danger" on:click=move |_| change(id, serde_json::json!({ "disabled": true }), "Accès coupé : ses sessions sont fermées".into())>"Couper l'accès"</button> }.into_any()
                                    }}
                                    <button type="button" class="secondary" on:click=move |_| reinvite(id)>"Nouveau lien d'accès"</button>
                                </div>
                                })}
                                {(m.records > 0).then(|| view! {
                                    <button type="button" class="secondary wide" on:click=move |_| giving.update(|g| *g = !*g)>
                                        {format!("Transmettre son portefeuille ({} dossiers)", m.records)}
                                    </button>
                                    {move || giving.get().then(|| {
                                        let hand = hand.clone();
                                        view! {
                                        <fieldset class="handover">
                                            <legend>"À qui (tour à tour, s'il y en a plusieurs)"</legend>
                                            {others.iter().map(|o| {
                                                let oid = o.id;
                                                view! {
                                                    <label class="check">
                                                        <input type="checkbox" on:change=move |ev| {
                                                            let on = event_target_checked(&ev);
                                                            chosen.update(|c| { c.retain(|x| *x != oid); if on { c.push(oid) } });
                                                        }/>
                                                        {o.display_name.clone()}
                                                    </label>
                                                }
                                            }).collect_view()}
                                            <button type="button" class="primary wide" disabled=move || chosen.with(Vec::is_empty) on:click=hand>
                                                "Transmettre les dossiers, tâches et rendez-vous"
                                            </button>
                                        </fieldset>
                                    }})}
                                })}
                            </li>
                        }
                    }).collect_view()
                }}
            </ul>
            <h2>"Journal des actions"</h2>
            <div class="two">
                <div class="field"><label for="au-from">"Exporter du (le début si vide)"</label><input id="au-from" type="date" bind:value=audit_from/></div>
                <div class="field"><label for="au-to">"au (aujourd'hui si vide)"</label><input id="au-to" type="date" bind:value=audit_to/></div>
            </div>
            <p><a href=move || format!("/api/v1{}", endpoints::audit_csv(&audit_period())) download="journal-des-actions.csv">"Exporter le journal en CSV"</a></p>
            <ul class="list">
                {move || audit.get().into_iter().take(50).map(|a| view! {
                    <li><span class="muted small">{format!("{} · {}", crate::components::date_clock_fr(crate::components::local(a.at)), a.actor_name)}</span><br/>{a.detail}</li>
                }).collect_view()}
            </ul>
        </Page>
    }
}
