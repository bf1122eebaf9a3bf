//! The sync screen (*synchronisation*): what waits on the phone, the conflicts to settle side
//! by side, and the refusals with what was typed — nothing the advisor typed is lost from view.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::sync::{Conflict, Mutation};

use crate::client::{self, Method};
use crate::components::layout::Page;
use crate::endpoints;
use crate::replica::{self, Saved};

/// A field's wire name in French.
fn field_fr(field: &str) -> String {
    match field {
        "first_name" => "Prénom",
        "last_name" => "Nom",
        "spouse_name" => "Conjoint",
        "company_name" => "Raison sociale",
        "contact_role" => "Fonction",
        "address_line" => "Adresse",
        "postcode" => "Code postal",
        "city" => "Ville",
        "sector" => "Secteur",
        "phone_mobile" => "Mobile",
        "phone_landline" => "Fixe",
        "call_preferences" => "Préférences d'appel",
        "campaign" => "Campagne",
        "email" => "E-mail",
        "website" => "Site",
        "notes" => "Notes",
        "networks" => "Réseaux",
        "household_size" => "Foyer",
        "company_size" => "Effectif",
        "relationship_quality" => "Qualité de la relation",
        "accessible_potential_cents" => "Potentiel accessible",
        "assets_entrusted_cents" => "Actifs confiés",
        other => other,
    }
    .to_string()
}

/// A field's value as the advisor reads it (phone numbers as they are dialled).
fn field_value_fr(field: &str, v: &serde_json::Value) -> String {
    match v.as_str() {
        Some(s) if field.starts_with("phone_") && !s.is_empty() => shared::values::Phone::parse(s)
            .map(|p| p.to_string())
            .unwrap_or_else(|_| s.to_string()),
        _ => value_fr(v),
    }
}

/// A value as the advisor reads it.
fn value_fr(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "(vide)".into(),
        serde_json::Value::String(s) if s.is_empty() => "(vide)".into(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) => a.iter().map(value_fr).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// The typed values of a refused mutation, as "label : value" lines (empty ones left out).
fn typed_values(mutation: &serde_json::Value) -> Vec<String> {
    fn walk(prefix: &str, v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    if k == "id" || k.ends_with("_id") || k == "base" || k == "allow_duplicate" {
                        continue;
                    }
                    walk(k, v, out);
                }
            }
            serde_json::Value::Array(items) => {
                for item in items {
                    walk(prefix, item, out);
                }
            }
            serde_json::Value::Null | serde_json::Value::Bool(false) => {}
            serde_json::Value::String(s) if s.trim().is_empty() => {}
            other => out.push(format!("{} : {}", field_fr(prefix), value_fr(other))),
        }
    }
    let mut out = Vec::new();
    if let Some(args) = mutation.get("args") {
        walk("", args, &mut out);
    }
    out
}

fn time_fr(at: chrono::DateTime<chrono::Utc>) -> String {
    crate::components::day_clock_fr(crate::components::local(at))
}

#[component]
pub fn SyncPage() -> impl IntoView {
    let status = RwSignal::new(replica::SyncStatus::default());
    Effect::new(move |_| status.set(replica::status().get()));
    // Re-read the replica whenever it changes.
    let revision = move || status.with(|s| s.revision);
    let pending = Memo::new(move |_| {
        revision();
        replica::pending()
    });
    let conflicts = Memo::new(move |_| {
        revision();
        replica::conflicts()
            .into_iter()
            .filter(|c| c.resolved_at.is_none())
            .collect::<Vec<_>>()
    });
    let refusals = Memo::new(move |_| {
        revision();
        replica::refusals()
    });
    let (message, set_message) = signal(None::<String>);

    view! {
        <Page title="Synchronisation">
            <section class="card">
                <p>{move || status.with(|s| match (s.ready, s.online) {
                    (false, _) => "Copie locale en cours d'ouverture…".to_string(),
                    (true, false) => "Hors ligne : vos saisies sont gardées sur ce téléphone et partiront seules au retour du réseau.".to_string(),
                    (true, true) => "En ligne.".to_string(),
                })}</p>
                {move || status.with(|s| s.problem.clone()).map(|p| view! { <p class="error" role="alert">{p}</p> })}
                <button class="secondary wide" on:click=move |_| replica::sync_now()>"Synchroniser maintenant"</button>
            </section>

            <h2>"Conflits"</h2>
            {move || conflicts.with(|c| c.is_empty()).then(|| view! { <p class="muted small">"Aucun conflit."</p> })}
            <For each=move || conflicts.get() key=|c| c.id let:c>
                <ConflictCard c=c set_message/>
            </For>

            <h2>"En attente d'envoi"</h2>
            {move || pending.with(|p| p.is_empty()).then(|| view! { <p class="muted small">"Rien en attente."</p> })}
            <ul class="list pending">
                <For each=move || pending.get() key=|m| m.id let:m>
                    <li><span>{replica::describe(&m.mutation)}</span><span class="muted small">{format!(" · {}", time_fr(m.at))}</span></li>
                </For>
            </ul>

            <h2>"Refusés par le serveur"</h2>
            {move || refusals.with(|r| r.is_empty()).then(|| view! { <p class="muted small">"Aucun refus."</p> })}
            <For each=move || refusals.get() key=|r| r.id let:r>
                {
                    let what = serde_json::from_value::<Mutation>(r.refusal.mutation.clone())
                        .map(|m| replica::describe(&m))
                        .unwrap_or_else(|_| r.refusal.name.clone());
                    let values = typed_values(&r.refusal.mutation);
                    let fields: Vec<String> = r.refusal.fields.iter().map(|(k, v)| format!("{} : {v}", field_fr(k))).collect();
                    let id = r.id;
                    view! {
                        <article class="card refusal">
                            <h3>{what}</h3>
                            <p class="error" role="alert">{r.refusal.detail.clone()}</p>
                            {fields.into_iter().map(|f| view! { <p class="error small">{f}</p> }).collect_view()}
                            <p class="muted small">"Ce que vous aviez saisi :"</p>
                            <ul class="typed">{values.into_iter().map(|v| view! { <li>{v}</li> }).collect_view()}</ul>
                            <button class="secondary" on:click=move |_| {
                                spawn_local(async move {
                                    if let Err(e) = replica::forget_refusals(vec![id]).await {
                                        set_message.set(Some(e));
                                    }
                                });
                            }>"C'est noté, effacer"</button>
                        </article>
                    }
                }
            </For>
            {move || message.get().map(|m| view! { <p class="notice" role="status">{m}</p> })}
        </Page>
    }
}

/// One field changed on two sides: both values, who and when; pick one or type another.
#[component]
fn ConflictCard(c: Conflict, set_message: WriteSignal<Option<String>>) -> impl IntoView {
    let id = c.id;
    let typed = RwSignal::new(field_value_fr(&c.field, &c.mine).replace("(vide)", ""));
    let resolve = move |value: serde_json::Value| {
        spawn_local(async move {
            let body = serde_json::json!({ "value": value.clone() });
            let saved = replica::write(Mutation::ResolveConflict { id, value }, || async move {
                client::json::<Conflict>(Method::Post, &endpoints::conflict_resolve(id), Some(&body)).await
            })
            .await;
            match saved {
                Ok(Saved::Sent(_)) => {
                    set_message.set(Some("Conflit réglé.".into()));
                    replica::sync_now();
                }
                Ok(Saved::Queued) => set_message.set(Some(replica::QUEUED_NOTICE.into())),
                Err(f) => set_message.set(Some(f.message())),
            }
        });
    };
    let mine = c.mine.clone();
    let theirs = c.theirs.clone();
    let is_text = c.mine.is_string() || c.theirs.is_string();
    view! {
        <article class="card conflict" data-field=c.field.clone()>
            <h3><a href=format!("/contacts/{}", c.contact_id)>{c.contact_name.clone()}</a>{format!(" — {}", field_fr(&c.field))}</h3>
            <div class="sides">
                <div class="side">
                    <p class="muted small">{format!("{}, {}", c.mine_by_name, time_fr(c.mine_at))}</p>
                    <p class="value">{field_value_fr(&c.field, &c.mine)}</p>
                    <button class="secondary" on:click=move |_| resolve(mine.clone())>"Garder cette valeur"</button>
                </div>
                <div class="side">
                    <p class="muted small">{format!("{}, {}", c.theirs_by_name, time_fr(c.theirs_at))}</p>
                    <p class="value">{field_value_fr(&c.field, &c.theirs)}</p>
                    <button class="secondary" on:click=move |_| resolve(theirs.clone())>"Garder cette valeur"</button>
                </div>
            </div>
            {is_text.then(|| view! {
                <div class="field">
                    <label for=format!("c-{id}")>"Ou une autre valeur"</label>
                    <input id=format!("c-{id}") type="text" bind:value=typed/>
                    <button class="primary" on:click=move |_| resolve(serde_json::Value::String(typed.get_untracked()))>"Enregistrer"</button>
                </div>
            })}
        </article>
    }
}
