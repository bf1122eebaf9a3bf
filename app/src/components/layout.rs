//! The frame around every signed-in page: a slim top bar and a thumb-reachable bottom bar.

use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Page(#[prop(into)] title: Signal<String>, children: Children) -> impl IntoView {
    view! {
        <header class="topbar">
            <a href="/" class="brand" aria-label="Accueil">"Tournée"</a>
            <h1>{move || title.get()}</h1>
        </header>
        <main class="content">{children()}</main>
        <nav class="bottombar" aria-label="Navigation principale">
            <A href="/" exact=true>"Aujourd'hui"</A>
            <A href="/contacts">"Contacts"</A>
            <A href="/agenda">"Agenda"</A>
            <A href="/tasks">"Tâches"</A>
            <A href="/sessions">"Compte"</A>
        </nav>
    }
}
