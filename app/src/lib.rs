//! Tournée's user interface: server-rendered by axum (feature `ssr`), hydrated in the browser
//! (feature `hydrate`). Mobile first: one hand, 360 px wide, 44 px touch targets.

pub mod api;
pub mod components;
pub mod geo;
pub mod pages;
pub mod storage;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use pages::agenda::AgendaPage;
use pages::contact::ContactPage;
use pages::contact_form::{EditContactPage, NewContactPage};
use pages::contacts::ContactsPage;
use pages::login::LoginPage;
use pages::meeting::MeetingPage;
use pages::nearby::NearbyPage;
use pages::plan::PlanPage;
use pages::report::ReportPage;
use pages::sessions::SessionsPage;
use pages::stats::StatsPage;
use pages::tasks::TasksPage;
use pages::today::TodayPage;
use pages::week::WeekPage;

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="fr">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover"/>
                <meta name="theme-color" content="#1f4e79"/>
                <link rel="icon" href="data:,"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="tournee" href="/pkg/tournee.css"/>
        <Title text="Tournée"/>
        <Router>
            <Routes fallback=|| view! { <main class="content"><p>"Page introuvable. "<a href="/">"Retour à l'accueil"</a></p></main> }>
                <Route path=path!("/") view=TodayPage/>
                <Route path=path!("/contacts") view=ContactsPage/>
                <Route path=path!("/agenda") view=AgendaPage/>
                <Route path=path!("/plan") view=PlanPage/>
                <Route path=path!("/nearby") view=NearbyPage/>
                <Route path=path!("/week") view=WeekPage/>
                <Route path=path!("/tasks") view=TasksPage/>
                <Route path=path!("/reports") view=StatsPage/>
                <Route path=path!("/meetings/:id") view=MeetingPage/>
                <Route path=path!("/meetings/:id/report") view=ReportPage/>
                <Route path=path!("/login") view=LoginPage/>
                <Route path=path!("/contacts/new") view=NewContactPage/>
                <Route path=path!("/contacts/:id") view=ContactPage/>
                <Route path=path!("/contacts/:id/edit") view=EditContactPage/>
                <Route path=path!("/sessions") view=SessionsPage/>
            </Routes>
        </Router>
    }
}

/// Entry point of the browser bundle.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
