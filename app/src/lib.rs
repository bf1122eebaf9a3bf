//! Tournée's user interface: server-rendered by axum (feature `ssr`), hydrated in the browser
//! (feature `hydrate`). Mobile first: one hand, 360 px wide, 44 px touch targets.

pub mod client;
pub mod components;
#[cfg(feature = "hydrate")]
mod early_input;
pub mod endpoints;
pub mod geo;
pub mod pages;
pub mod replica;
pub mod storage;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, Lazy, LazyRoute};

use pages::agenda::AgendaPage;
use pages::complaints::{ComplaintPage, ComplaintsPage};
use pages::contact::ContactPage;
use pages::contact_form::{EditContactPage, NewContactPage};
use pages::contacts::ContactsPage;
use pages::imports::ImportsPage;
use pages::login::{InvitationPage, LoginPage};
use pages::meeting::MeetingPage;
use pages::nearby::NearbyPage;
use pages::phoning::PhoningPage;
use pages::plan::PlanPage;
use pages::privacy::PrivacyPage;
use pages::report::ReportPage;
use pages::sessions::SessionsPage;
use pages::settings::SettingsPage;
use pages::stats::StatsPage;
use pages::steering::SteeringPage;
use pages::sync::SyncPage;
use pages::tasks::TasksPage;
use pages::team::TeamPage;
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
                <link rel="icon" href="/pkg/icons/icon-192.png"/>
                <link rel="manifest" href="/pkg/manifest.webmanifest"/>
                <link rel="apple-touch-icon" href="/pkg/icons/apple-touch-icon.png"/>
                <link rel="stylesheet" id="tournee" href="/pkg/tournee.css"/>
                <title>"Tournée"</title>
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
        <Router>
            <Routes fallback=|| view! { <main class="content"><p>"Page introuvable. "<a href="/">"Retour à l'accueil"</a></p></main> }>
                <Route path=path!("/") view=TodayPage/>
                <Route path=path!("/login") view={Lazy::<LoginRoute>::new()}/>
                <Route path=path!("/invitation") view={Lazy::<InvitationRoute>::new()}/>
                <Route path=path!("/contacts") view={Lazy::<ContactsRoute>::new()}/>
                <Route path=path!("/agenda") view={Lazy::<AgendaRoute>::new()}/>
                <Route path=path!("/plan") view={Lazy::<PlanRoute>::new()}/>
                <Route path=path!("/nearby") view={Lazy::<NearbyRoute>::new()}/>
                <Route path=path!("/week") view={Lazy::<WeekRoute>::new()}/>
                <Route path=path!("/tasks") view={Lazy::<TasksRoute>::new()}/>
                <Route path=path!("/reports") view={Lazy::<StatsRoute>::new()}/>
                <Route path=path!("/steering") view={Lazy::<SteeringRoute>::new()}/>
                <Route path=path!("/phoning") view={Lazy::<PhoningRoute>::new()}/>
                <Route path=path!("/complaints") view={Lazy::<ComplaintsRoute>::new()}/>
                <Route path=path!("/complaints/:id") view={Lazy::<ComplaintRoute>::new()}/>
                <Route path=path!("/settings") view={Lazy::<SettingsRoute>::new()}/>
                <Route path=path!("/imports") view={Lazy::<ImportsRoute>::new()}/>
                <Route path=path!("/team") view={Lazy::<TeamRoute>::new()}/>
                <Route path=path!("/privacy") view={Lazy::<PrivacyRoute>::new()}/>
                <Route path=path!("/meetings/:id") view={Lazy::<MeetingRoute>::new()}/>
                <Route path=path!("/meetings/:id/report") view={Lazy::<ReportRoute>::new()}/>
                <Route path=path!("/contacts/new") view={Lazy::<NewContactRoute>::new()}/>
                <Route path=path!("/contacts/:id") view={Lazy::<ContactRoute>::new()}/>
                <Route path=path!("/contacts/:id/edit") view={Lazy::<EditContactRoute>::new()}/>
                <Route path=path!("/sessions") view={Lazy::<SessionsRoute>::new()}/>
                <Route path=path!("/sync") view={Lazy::<SyncRoute>::new()}/>
            </Routes>
        </Router>
    }
}

/// Declares screens whose code the browser loads on demand, in groups: each group is one
/// `#[lazy]` split point that `scripts/build-client.sh` cuts the bundle at, so the first load
/// carries only the shell and Today (what a signed-in advisor opens every day; the login and
/// invitation pages are a group of their own), and opening any screen of a group loads
/// the code of the whole group once (see docs/benchmarks.md, "client bundle"). One split point
/// per screen made 200 chunks and a hundred requests for the contact record; one per group of
/// screens used together keeps both the first load and the request count small. Once the app
/// is idle the remaining groups are fetched ahead ([`preload_all_screens`]), so
/// moving between screens stays instant and works with the network cut. On the server every
/// screen renders as usual.
macro_rules! lazy_screens {
    ($($group:ident / $preload:ident / $screens:ident { $($route:ident => $page:ident,)* })*) => {$(
        #[derive(Clone, Copy)]
        #[allow(clippy::enum_variant_names)]
        enum $screens { $($page,)* }

        #[lazy]
        fn $group(screen: $screens) -> AnyView {
            match screen {
                $($screens::$page => view! { <$page/> }.into_any(),)*
            }
        }

        $(
            #[doc = concat!("The route of [`", stringify!($page), "`], loaded with its group.")]
            pub struct $route;

            impl LazyRoute for $route {
                fn data() -> Self {
                    $route
                }

                async fn view(_this: Self) -> AnyView {
                    $group($screens::$page).await
                }

                async fn preload() {
                    #[cfg(feature = "hydrate")]
                    $preload().await;
                }
            }
        )*
    )*

        /// Loads the code of every group of screens not loaded yet, one after the other.
        #[cfg(feature = "hydrate")]
        pub(crate) async fn preload_all_screens() {
            $($preload().await;)*
        }
    };
}

lazy_screens! {
    access / __preload_access / AccessScreens {
        LoginRoute => LoginPage,
        InvitationRoute => InvitationPage,
    }
    directory / __preload_directory / DirectoryScreens {
        ContactsRoute => ContactsPage,
    }
    records / __preload_records / RecordScreens {
        ContactRoute => ContactPage,
        NewContactRoute => NewContactPage,
        EditContactRoute => EditContactPage,
        SyncRoute => SyncPage,
    }
    visits / __preload_visits / VisitScreens {
        MeetingRoute => MeetingPage,
        ReportRoute => ReportPage,
        AgendaRoute => AgendaPage,
        TasksRoute => TasksPage,
    }
    tours / __preload_tours / TourScreens {
        PlanRoute => PlanPage,
        NearbyRoute => NearbyPage,
        WeekRoute => WeekPage,
    }
    office / __preload_office / OfficeScreens {
        StatsRoute => StatsPage,
        SessionsRoute => SessionsPage,
    }
    steering / __preload_steering / SteeringScreens {
        SteeringRoute => SteeringPage,
        SettingsRoute => SettingsPage,
        ComplaintsRoute => ComplaintsPage,
        PhoningRoute => PhoningPage,
        ComplaintRoute => ComplaintPage,
        ImportsRoute => ImportsPage,
        TeamRoute => TeamPage,
        PrivacyRoute => PrivacyPage,
    }
}

/// Entry point of the browser bundle.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let typing = early_input::watch(early_input::snapshot());
    let _ = any_spawner::Executor::init_wasm_bindgen();
    leptos::task::spawn_local(async move {
        let body = document().body().expect("the page has a body");
        leptos::mount::hydrate_from_async(body, App).await.forget();
        let typed = typing.stop();
        // Says the page is live (tests wait for it; styles could use it).
        if let Some(html) = document().document_element() {
            let _ = html.set_attribute("data-hydrated", "");
        }
        register_service_worker();
        if early_input::restore(&typed, false) > 0 {
            // Content hydrated a moment later (a screen waiting for its data) gets a second pass.
            set_timeout(
                move || {
                    early_input::restore(&typed, true);
                },
                std::time::Duration::from_millis(300),
            );
        }
    });
    // Once the page is up, fetch the other screens' code ahead: later moves are instant and do
    // not need the network.
    set_timeout(
        || {
            leptos::task::spawn_local(async {
                preload_all_screens().await;
                // Today with no network, a split point of its own (`replica::today`).
                replica::__preload_today().await;
            })
        },
        std::time::Duration::from_millis(1500),
    );
}

/// Installs the service worker (`app/public/sw.js`) that lets the app start with no network.
/// Browsers allow it on https and on this machine only; elsewhere the app works online as before.
#[cfg(feature = "hydrate")]
fn register_service_worker() {
    let Some(window) = web_sys::window() else { return };
    if !window.is_secure_context() {
        return;
    }
    let promise = window.navigator().service_worker().register("/sw.js");
    leptos::task::spawn_local(async move {
        if let Err(e) = wasm_bindgen_futures::JsFuture::from(promise).await {
            leptos::logging::warn!("service worker not installed: {e:?}");
        }
    });
}
