//! Importing records from a file (issue 11), for the agency manager: choose the file → check
//! the columns (guessed from the header, the first lines beside them) → a dry run that says
//! what each line will do, with a choice per duplicate → the import, with its progress → the
//! report. Nothing is written before "Importer"; an import is all or nothing.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::import::fields::preview_cell;
use shared::import::{DuplicateChoice, Field, ImportOptions, ImportPreview, ImportReport, LineOutcome};
use uuid::Uuid;

use crate::client::{self, ApiFailure, Method};
use crate::components::feedback::notify;
use crate::components::layout::Page;
use crate::endpoints;

fn choice_label(c: DuplicateChoice) -> &'static str {
    match c {
        DuplicateChoice::Skip => "Ignorer la ligne",
        DuplicateChoice::Update => "Mettre à jour la fiche",
        DuplicateChoice::Create => "Créer quand même",
    }
}

fn choice_value(c: DuplicateChoice) -> &'static str {
    match c {
        DuplicateChoice::Skip => "skip",
        DuplicateChoice::Update => "update",
        DuplicateChoice::Create => "create",
    }
}

fn parse_choice(v: &str) -> DuplicateChoice {
    match v {
        "update" => DuplicateChoice::Update,
        "create" => DuplicateChoice::Create,
        _ => DuplicateChoice::Skip,
    }
}

const CHOICES: [DuplicateChoice; 3] = [DuplicateChoice::Skip, DuplicateChoice::Update, DuplicateChoice::Create];

/// A failure as one French sentence, field messages first.
fn say(f: &ApiFailure) -> String {
    let labels = |k: &str| match k {
        "file" => "Fichier",
        "mapping" => "Colonnes",
        "owner_id" => "Conseiller",
        "campaign" => "Campagne",
        _ => "Import",
    };
    f.body
        .fields
        .iter()
        .map(|(k, m)| format!("{} : {m}", labels(k)))
        .next()
        .unwrap_or_else(|| f.message())
}

fn counts_line(r: &ImportReport) -> String {
    let c = r.counts;
    let (create, update) = if r.dry_run {
        ("à créer", "à mettre à jour")
    } else {
        ("créées", "mises à jour")
    };
    format!(
        "{} lignes : {} {create}, {} {update}, {} doublon(s) ignoré(s), {} déjà importée(s), {} refusée(s)",
        c.lines, c.created, c.updated, c.skipped, c.already_imported, c.invalid
    )
}

#[component]
pub fn ImportsPage() -> impl IntoView {
    let manager = RwSignal::new(false);
    Effect::new(move |_| crate::components::with_me(move |m| manager.set(m.role == shared::api::Role::Manager)));
    let people = crate::components::agency_people(manager);
    let preview = RwSignal::new(None::<ImportPreview>);
    let mapping = RwSignal::new(Vec::<Option<Field>>::new());
    let owner = RwSignal::new(None::<Uuid>);
    let campaign = RwSignal::new(String::new());
    let on_duplicate = RwSignal::new(DuplicateChoice::Skip);
    let choices = RwSignal::new(BTreeMap::<u64, DuplicateChoice>::new());
    let report = RwSignal::new(None::<ImportReport>);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let history = RwSignal::new(Vec::<ImportReport>::new());
    let load_history = move || {
        spawn_local(async move {
            if let Ok(list) = client::get::<Vec<ImportReport>>(endpoints::IMPORTS).await {
                history.set(list);
            }
        })
    };
    Effect::new(move |_| {
        if manager.get() {
            load_history();
        }
    });
    let options = move || ImportOptions {
        mapping: mapping.get_untracked(),
        on_duplicate: on_duplicate.get_untracked(),
        choices: choices.get_untracked(),
        campaign: campaign.get_untracked(),
        owner_id: owner.get_untracked(),
    };
    let check = move || {
        let Some(p) = preview.get_untracked() else { return };
        busy.set(true);
        error.set(None);
        let body = options();
        spawn_local(async move {
            match client::json::<ImportReport>(Method::Post, &endpoints::import_check(p.id), Some(&body)).await {
                Ok(r) => report.set(Some(r)),
                Err(f) => error.set(Some(say(&f))),
            }
            busy.set(false);
        });
    };
    let choose_file = move |ev: leptos::ev::Event| {
        let Some((name, file)) = selected_file(&ev) else { return };
        preview.set(None);
        report.set(None);
        choices.set(BTreeMap::new());
        error.set(None);
        busy.set(true);
        spawn_local(async move {
            match crate::client::upload::<ImportPreview>(&endpoints::imports_upload(&client::encode(&name)), file).await
            {
                Ok(p) => {
                    mapping.set(p.mapping.clone());
                    preview.set(Some(p));
                }
                Err(f) => error.set(Some(say(&f))),
            }
            busy.set(false);
        });
    };
    let run = move |_| {
        let Some(p) = preview.get_untracked() else { return };
        busy.set(true);
        error.set(None);
        let body = options();
        spawn_local(async move {
            match client::json::<ImportReport>(Method::Post, &endpoints::import_run(p.id), Some(&body)).await {
                Ok(r) => {
                    report.set(Some(r));
                    loop {
                        crate::components::sleep_ms(400).await;
                        match client::get::<ImportReport>(&endpoints::import(p.id)).await {
                            Ok(r) if r.status == "running" => report.set(Some(r)),
                            Ok(r) => {
                                if r.status == "done" {
                                    notify("Import terminé");
                                }
                                report.set(Some(r));
                                break;
                            }
                            Err(f) if f.status == 0 => continue,
                            Err(f) => {
                                error.set(Some(say(&f)));
                                break;
                            }
                        }
                    }
                    load_history();
                }
                Err(f) => error.set(Some(say(&f))),
            }
            busy.set(false);
        });
    };
    let ran = move || report.with(|r| r.as_ref().is_some_and(|r| !r.dry_run));
    view! {
        <Page title="Importer des fiches">
            {move || (!manager.get()).then(|| view! { <p class="notice">"L'import est réservé au chef d'agence."</p> })}
            <p class="muted small">"Un fichier CSV (export d'Excel ou d'un ancien outil) : une ligne d'en-tête, puis une fiche par ligne. Rien n'est enregistré avant « Importer »."</p>
            <div class="field">
                <label for="i-file">"Fichier"</label>
                <input id="i-file" type="file" accept=".csv,.txt,text/csv,text/plain" on:change=choose_file disabled=move || !manager.get() || busy.get()/>
            </div>
            {move || preview.get().map(|p| {
                let sep = match p.delimiter.as_str() { "\t" => "tabulation".to_string(), d => format!("« {d} »") };
                view! {
                    <section class="card">
                        <p><strong>{p.file_name.clone()}</strong></p>
                        <p class="muted small">{format!("{} lignes · {} · séparateur {sep}", p.line_count, p.encoding.label())}</p>
                    </section>
                    <h2>"Colonnes"</h2>
                    <ul class="list mapping" aria-label="Colonnes du fichier">
                        {p.headers.iter().enumerate().map(|(i, h)| {
                            let values: Vec<String> = p.sample.iter().filter_map(|r| r.get(i)).filter(|v| !v.trim().is_empty()).take(3).cloned().collect();
                            let advisors = p.advisors.clone();
                            let fields = p.fields.clone();
                            let select_id = format!("i-col-{i}");
                            view! {
                                <li>
                                    <label for=select_id.clone()>{format!("Champ de la colonne {h}")}</label>
                                    {if values.is_empty() {
                                        view! { <span class="muted small">"(vide dans les premières lignes)"</span> }.into_any()
                                    } else {
                                        // Each value as the import will read it into the chosen field.
                                        view! {
                                            <ul class="cell-preview" aria-label=format!("Aperçu de la colonne {h}")>
                                                {move || {
                                                    let field = mapping.with(|m| m.get(i).copied().flatten());
                                                    values.iter().map(|v| match field.map(|f| preview_cell(f, v, &advisors)) {
                                                        None => view! { <li class="muted small">{v.clone()}</li> }.into_any(),
                                                        Some(Ok(shown)) if shown == v.trim() => view! { <li class="small">{shown}</li> }.into_any(),
                                                        Some(Ok(shown)) => view! { <li class="small">{format!("{v} → ")}<strong>{shown}</strong></li> }.into_any(),
                                                        Some(Err(why)) => view! { <li class="small refused">{format!("{v} ✗ {why}")}</li> }.into_any(),
                                                    }).collect_view()
                                                }}
                                            </ul>
                                        }.into_any()
                                    }}
                                    <select id=select_id on:change=move |ev| {
                                        let v = event_target_value(&ev);
                                        let f = serde_json::from_value::<Field>(serde_json::Value::String(v)).ok();
                                        mapping.update(|m| if let Some(x) = m.get_mut(i) { *x = f });
                                        report.set(None);
                                    }>
                                        <option value="" selected=move || mapping.with(|m| m.get(i).copied().flatten().is_none())>"— ne pas importer —"</option>
                                        {fields.into_iter().map(|c| {
                                            let value = c.value;
                                            view! { <option value=value.as_str() selected=move || mapping.with(|m| m.get(i).copied().flatten() == Some(value))>{c.label}</option> }
                                        }).collect_view()}
                                    </select>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <div class="field">
                        <label for="i-owner">"Conseiller des fiches sans conseiller"</label>
                        <select id="i-owner" on:change=move |ev| { owner.set(event_target_value(&ev).parse().ok()); report.set(None); }>
                            <option value="">"Moi"</option>
                            {move || people.get().unwrap_or_default().into_iter().map(|u| view! {
                                <option value=u.id.to_string()>{u.display_name}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="i-campaign">"Campagne (source) des fiches sans campagne"</label>
                        <input id="i-campaign" type="text" maxlength="120" placeholder=format!("Import {}", p.file_name) bind:value=campaign
                            on:change=move |_| report.set(None)/>
                    </div>
                    <div class="field">
                        <label for="i-dup">"Doublons (même e-mail, téléphone, ou nom et code postal)"</label>
                        <select id="i-dup" on:change=move |ev| { on_duplicate.set(parse_choice(&event_target_value(&ev))); report.set(None); }>
                            {CHOICES.into_iter().map(|c| view! { <option value=choice_value(c) selected=move || on_duplicate.get() == c>{choice_label(c)}</option> }).collect_view()}
                        </select>
                    </div>
                    <button type="button" class="secondary wide" disabled=move || busy.get() || ran() on:click=move |_| check()>"Vérifier (rien n'est enregistré)"</button>
                }
            })}
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            {move || report.get().map(|r| {
                let running = r.status == "running";
                let dry = r.dry_run;
                let to_write = r.counts.created + r.counts.updated;
                let id = r.id;
                view! {
                    <h2>{if dry { "Ce que fera l'import" } else if running { "Import en cours" } else { "Résultat" }}</h2>
                    {running.then(|| view! {
                        <progress max=r.total.max(1) value=r.done aria-label="Avancement de l'import"></progress>
                        <p class="muted small" role="status">{format!("{} / {} fiches écrites", r.done, r.total)}</p>
                    })}
                    {(r.status == "failed").then(|| view! { <p class="error" role="alert">{r.error.clone().unwrap_or_default()}</p> })}
                    {(!running).then(|| view! { <p role="status"><strong>{counts_line(&r)}</strong></p> })}
                    <ul class="list import-lines" aria-label="Lignes à voir">
                        {r.lines.iter().map(|l| {
                            let line = l.line;
                            let duplicate = dry && l.outcome.is_duplicate();
                            let bad = matches!(l.outcome, LineOutcome::Invalid { .. });
                            view! {
                                <li class:error=bad>
                                    <span>{format!("Ligne {} — {} : {}", l.line, if l.name.is_empty() { "(sans nom)" } else { &l.name }, l.text)}</span>
                                    {duplicate.then(|| view! {
                                        <select aria-label=format!("Doublon de la ligne {line}") on:change=move |ev| {
                                            let c = parse_choice(&event_target_value(&ev));
                                            choices.update(|m| { m.insert(line, c); });
                                            check();
                                        }>
                                            {CHOICES.into_iter().map(|c| view! {
                                                <option value=choice_value(c) selected=move || choices.with(|m| m.get(&line).copied()).unwrap_or(on_duplicate.get_untracked()) == c>{choice_label(c)}</option>
                                            }).collect_view()}
                                        </select>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    {(r.lines_left_out > 0).then(|| view! { <p class="muted small">{format!("… et {} autres lignes (voir le rapport)", r.lines_left_out)}</p> })}
                    {dry.then(|| view! {
                        <button type="button" class="primary wide" disabled=move || busy.get() || to_write == 0 on:click=run>
                            {format!("Importer {to_write} fiche(s)")}
                        </button>
                    })}
                    {(r.status == "done").then(|| view! {
                        <p><a href=format!("/api/v1{}", endpoints::import_report_csv(id)) download="">"Rapport de l'import (CSV)"</a></p>
                        <p><a href="/contacts">"Voir les fiches"</a></p>
                    })}
                }
            })}
            {move || (!history.get().is_empty()).then(|| view! {
                <h2>"Imports précédents"</h2>
                <ul class="list">
                    {history.get().into_iter().map(|h| view! {
                        <li>
                            <strong>{h.file_name.clone()}</strong>
                            <span class="muted small">{format!(" · {} · {}", crate::components::date_clock_fr(crate::components::local(h.created_at)), h.created_by_name)}</span>
                            <br/>
                            <span class="small">{match h.status.as_str() {
                                "done" => counts_line(&h),
                                "failed" => format!("échoué : {}", h.error.clone().unwrap_or_default()),
                                _ => "en cours".to_string(),
                            }}</span>
                        </li>
                    }).collect_view()}
                </ul>
            })}
        </Page>
    }
}

/// The file chosen in a file input, with its name.
#[cfg(feature = "hydrate")]
fn selected_file(ev: &leptos::ev::Event) -> Option<(String, web_sys::File)> {
    use wasm_bindgen::JsCast;
    let input = ev.target()?.dyn_into::<web_sys::HtmlInputElement>().ok()?;
    let file = input.files()?.get(0)?;
    Some((file.name(), file))
}

#[cfg(not(feature = "hydrate"))]
fn selected_file(_ev: &leptos::ev::Event) -> Option<(String, ())> {
    None
}
