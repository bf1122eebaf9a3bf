//! The frame around every signed-in page: a slim top bar, the sync line, and a
//! thumb-reachable bottom bar.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::replica::{self, SyncStatus};

#[component]
pub fn Page(#[prop(into)] title: Signal<String>, children: Children) -> impl IntoView {
    Effect::new(move |_| super::feedback::reveal_errors());
    view! {
        <header class="topbar">
            <a href="/" class="brand" aria-label="Tournée, accueil">"Tournée"</a>
            <h1>{move || title.get()}</h1>
        </header>
        <SyncLine/>
        <main class="content">{children()}</main>
        <super::feedback::Toast/>
        <nav class="bottombar" aria-label="Navigation principale">
            <A href="/" exact=true>"Aujourd'hui"</A>
            <A href="/contacts">"Contacts"</A>
            <A href="/agenda">"Agenda"</A>
            <A href="/tasks">"Tâches"</A>
            <A href="/sessions">"Compte"</A>
        </nav>
    }
}

/// "14:02" today, "28/11 14:02" before.
fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    let local = super::local(at);
    if local.date() == super::today() {
        super::clock_fr(local)
    } else {
        super::day_clock_fr(local)
    }
}

/// What the line says, or nothing before the replica is open.
fn sync_text(s: &SyncStatus) -> Option<(String, &'static str)> {
    if !s.ready {
        return s.problem.clone().map(|p| (p, "problem"));
    }
    let waiting = match s.pending {
        0 => None,
        1 => Some("1 en attente".to_string()),
        n => Some(format!("{n} en attente")),
    };
    let mut parts: Vec<String> = Vec::new();
    let state = if !s.online {
        parts.push("Hors ligne".into());
        "offline"
    } else if s.problem.is_some() {
        parts.push("Envoi en échec".into());
        "problem"
    } else if s.syncing {
        parts.push("Synchronisation…".into());
        "syncing"
    } else {
        "online"
    };
    if let Some(w) = waiting {
        parts.push(w);
    } else if state == "online" {
        parts.push(match s.last_sync_at {
            Some(at) => format!("À jour · {}", when(at)),
            None => "À jour".into(),
        });
    }
    if state != "online" && s.pending == 0 {
        if let Some(at) = s.last_sync_at {
            parts.push(format!("dernière synchro {}", when(at)));
        }
    }
    if s.refusals > 0 {
        parts.push(format!("{} refus à voir", s.refusals));
    }
    if s.conflicts > 0 {
        parts.push(match s.conflicts {
            1 => "1 conflit".into(),
            n => format!("{n} conflits"),
        });
    }
    Some((parts.join(" · "), state))
}

/// The sync state, always in view: offline / online, what waits, the last sync, what to look
/// at. A tap opens the sync screen.
#[component]
pub fn SyncLine() -> impl IntoView {
    // Copied from the shared status in the browser only: the server renders an empty line,
    // and hydration finds the same.
    let line = RwSignal::new(SyncStatus::default());
    Effect::new(move |_| {
        replica::start();
        line.set(replica::status().get());
    });
    view! {
        {move || line.with(sync_text).map(|(text, state)| {
            let pending = line.with(|s| s.pending).to_string();
            let attention = line.with(|s| s.refusals + s.conflicts > 0);
            // The status role on a wrapper: on the link itself it would hide the link's text
            // from its accessible name.
            view! {
                <div role="status" class="syncline-area">
                    <a href="/sync" class=format!("syncline {state}") class:attention=attention
                        data-state=state data-pending=pending>{text}</a>
                </div>
            }
        })}
    }
}
