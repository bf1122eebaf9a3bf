//! The contact list: search as you type, filter by stage, segment, size class and due.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use shared::api::{ContactPage, ContactSummary};
use shared::scoring::{Segment, SizeClass};
use shared::stage::Stage;

use crate::client::{self, encode};
use crate::components::layout::Page;
use crate::components::{SegmentBadge, StageBadge};
use crate::endpoints;
use crate::replica;
use crate::storage;

const FILTERS_KEY: &str = "tournee.contacts.filters";
const PAGE: u32 = 50;

/// The list's search and filters, remembered across visits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct Filters {
    q: String,
    stage: String,
    segment: String,
    size_class: String,
    due: String,
    /// One advisor's portfolio (managers).
    owner: String,
}

impl Filters {
    fn query(&self, limit: u32) -> String {
        let mut parts = vec![format!("limit={limit}")];
        for (k, v) in [
            ("q", &self.q),
            ("stage", &self.stage),
            ("segment", &self.segment),
            ("size_class", &self.size_class),
            ("due", &self.due),
            ("owner", &self.owner),
        ] {
            if !v.trim().is_empty() {
                parts.push(format!("{k}={}", encode(v.trim())));
            }
        }
        endpoints::contacts_where(&parts.join("&"))
    }
}

/// The export of the list as filtered (`csv` or `vcf`): every matching record, not one page.
fn export_href(f: &Filters, format: &str) -> String {
    let query = f.query(200);
    let params = query.split_once('?').map(|(_, q)| q).unwrap_or("");
    format!("/api/v1/contacts/export.{format}?{params}")
}

impl Filters {
    /// The same search on the phone's replica (no network): every word starts a word of the
    /// record, accents and case ignored, filters as on the server.
    fn search_replica(&self, limit: u32) -> ContactPage {
        let today = crate::components::today();
        let is = |wanted: &str, value: &str| wanted.trim().is_empty() || wanted == value;
        let keep = |c: &shared::record::Contact| {
            is(&self.stage, c.stage.as_str())
                && is(&self.owner, &c.owner_id.to_string())
                && is(&self.segment, c.segment.as_str())
                && is(&self.size_class, c.size_class.as_str())
                && match self.due.as_str() {
                    "meeting" => c.next_meeting_due.is_some_and(|d| d <= today),
                    "call" => c.next_call_due.is_some_and(|d| d <= today),
                    "any" => [c.next_meeting_due, c.next_call_due]
                        .iter()
                        .flatten()
                        .any(|d| *d <= today),
                    _ => true,
                }
        };
        let (found, has_more) = replica::search_contacts(&self.q, keep, limit as usize);
        ContactPage {
            items: found.iter().map(ContactSummary::from).collect(),
            offset: 0,
            limit,
            has_more,
        }
    }
}

fn due_label(c: &shared::api::ContactSummary) -> Option<String> {
    let today = chrono::Local::now().date_naive();
    match (c.next_meeting_due, c.next_call_due) {
        (Some(m), _) if m <= today => Some(format!("RDV en retard de {} j", (today - m).num_days())),
        (_, Some(k)) if k <= today => Some(format!("Appel en retard de {} j", (today - k).num_days())),
        _ => None,
    }
}

#[component]
pub fn ContactsPage() -> impl IntoView {
    let filters = RwSignal::new(Filters::default());
    let limit = RwSignal::new(PAGE);
    // Restore the filters once in the browser (not during server rendering, to hydrate cleanly).
    let query = leptos_router::hooks::use_query_map();
    Effect::new(move |first: Option<()>| {
        if first.is_none() {
            // A link asking for one list (Today's "clients en retard": `?due=any`) shows that
            // list alone; otherwise the advisor's last search comes back.
            match query.with_untracked(|q| q.get("due")) {
                Some(due) => filters.set(Filters {
                    due,
                    ..Filters::default()
                }),
                None => {
                    if let Some(saved) = storage::load::<Filters>(FILTERS_KEY) {
                        filters.set(saved);
                    }
                }
            }
        }
    });
    Effect::new(move |_| storage::save(FILTERS_KEY, &filters.get()));
    // A manager filters by advisor and sees whose each record is.
    let manager = RwSignal::new(false);
    Effect::new(move |_| crate::components::watch_manager(manager));
    let people = crate::components::agency_people(manager);
    // Once the phone holds a synced replica, the list is searched there, network or not: a
    // keystroke never waits for the network (nor, in a car park with one bar, for it to
    // fail). It is searched again when a sync or a write of this phone changed the replica.
    // Before the first sync (and on the server), the API answers.
    let replica_state = Memo::new(move |_| {
        replica::status().with(|s| (s.ready && s.last_sync_at.is_some(), s.last_sync_at, s.pending))
    });
    let results = LocalResource::new(move || {
        let f = filters.get();
        let limit = limit.get();
        let (local, ..) = replica_state.get();
        let path = f.query(limit);
        async move {
            if local {
                return Ok(f.search_replica(limit));
            }
            let online = client::get::<ContactPage>(&path).await;
            replica::or_local(online, || Some(f.search_replica(limit))).await
        }
    });
    let select = move |get: fn(&Filters) -> String,
                       set: fn(&mut Filters, String),
                       label: &'static str,
                       options: Vec<(String, String)>| {
        view! {
            <label class="filter">
                <span class="sr-only">{label}</span>
                <select on:change=move |ev| {
                    let v = event_target_value(&ev);
                    filters.update(|f| set(f, v));
                    limit.set(PAGE);
                }>
                    {options
                        .into_iter()
                        .map(|(value, text)| {
                            let v2 = value.clone();
                            view! { <option value=value selected=move || filters.with(get) == v2>{text}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
        }
    };
    let stage_opts = std::iter::once((String::new(), "Toutes étapes".to_string()))
        .chain(
            Stage::ALL
                .iter()
                .map(|s| (s.as_str().to_string(), s.label().to_string())),
        )
        .collect();
    let segment_opts = std::iter::once((String::new(), "Tous segments".to_string()))
        .chain(
            Segment::ALL
                .iter()
                .map(|s| (s.as_str().to_string(), s.label().to_string())),
        )
        .collect();
    let size_opts = std::iter::once((String::new(), "Toutes tailles".to_string()))
        .chain(
            SizeClass::ALL
                .iter()
                .map(|s| (s.as_str().to_string(), format!("{} potentiel", s.label()))),
        )
        .collect();
    let due_opts = vec![
        (String::new(), "Échéance : toutes".to_string()),
        ("any".to_string(), "À voir ou appeler".to_string()),
        ("meeting".to_string(), "RDV dû".to_string()),
        ("call".to_string(), "Appel dû".to_string()),
    ];
    view! {
        <Page title="Contacts">
            <div class="search">
                <label for="search" class="sr-only">"Rechercher"</label>
                <input
                    id="search"
                    type="search"
                    placeholder="Nom, téléphone, ville, code postal…"
                    autocomplete="off"
                    prop:value=move || filters.with(|f| f.q.clone())
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        filters.update(|f| f.q = v);
                        limit.set(PAGE);
                    }
                />
            </div>
            <div class="filters">
                {select(|f| f.stage.clone(), |f, v| f.stage = v, "Étape", stage_opts)}
                {select(|f| f.segment.clone(), |f, v| f.segment = v, "Segment", segment_opts)}
                {select(|f| f.size_class.clone(), |f, v| f.size_class = v, "Taille", size_opts)}
                {select(|f| f.due.clone(), |f, v| f.due = v, "Échéance", due_opts)}
                {move || manager.get().then(|| view! {
                    <label class="filter">
                        <span class="sr-only">"Conseiller"</span>
                        <select on:change=move |ev| {
                            let v = event_target_value(&ev);
                            filters.update(|f| f.owner = v);
                            limit.set(PAGE);
                        }>
                            <option value="" selected=move || filters.with(|f| f.owner.is_empty())>"Tous les conseillers"</option>
                            {move || people.get().unwrap_or_default().into_iter().map(|u| {
                                let id = u.id.to_string();
                                let id2 = id.clone();
                                view! { <option value=id selected=move || filters.with(|f| f.owner == id2)>{u.display_name}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                })}
            </div>
            <Transition fallback=|| view! { <p class="muted">"Chargement…"</p> }>
                {move || Suspend::new(async move {
                    match results.await {
                        Ok(page) if page.items.is_empty() => {
                            view! { <p class="muted empty">"Aucun contact ne correspond."</p> }.into_any()
                        }
                        Ok(page) => {
                            let more = page.has_more;
                            view! {
                                <ul class="list" aria-label="Résultats">
                                    {page
                                        .items
                                        .into_iter()
                                        .map(|c| {
                                            let due = due_label(&c);
                                            let is_client = c.stage == Stage::Client;
                                            view! {
                                                <li>
                                                    <a class="card contact-row" href=format!("/contacts/{}", c.id)>
                                                        <span class="name">{c.display_name.clone()}</span>
                                                        <span class="muted small">{format!("{} {}", c.postcode, c.city)}</span>
                                                        {manager.get_untracked().then(|| view! { <span class="muted small">{format!("Conseiller : {}", c.owner_name)}</span> })}
                                                        <span class="badges">
                                                            <StageBadge stage=c.stage/>
                                                            {is_client.then(|| view! { <SegmentBadge segment=c.segment/> })}
                                                            {due.map(|d| view! { <span class="badge late">{d}</span> })}
                                                        </span>
                                                    </a>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                                {more.then(|| view! {
                                    <button class="secondary wide" on:click=move |_| limit.update(|l| *l += PAGE)>"Afficher plus"</button>
                                })}
                            }
                                .into_any()
                        }
                        Err(f) => view! { <p class="error" role="alert">{f.message()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <p class="export-links muted small">"Exporter cette liste : "
                <a href=move || export_href(&filters.get(), "csv") download="contacts.csv">"CSV (Excel)"</a>" · "
                <a href=move || export_href(&filters.get(), "vcf") download="contacts.vcf">"vCard"</a>
            </p>
            <a class="fab" href="/contacts/new" aria-label="Nouveau contact">"+"</a>
        </Page>
    }
}
