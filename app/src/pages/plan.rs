//! "Ma journée": the day's tour planned in the browser around the fixed meetings, with the
//! overdue clients nearby proposed to fill the gaps. Drawn as a map of its own (SVG in Web
//! Mercator, no tile server needed; the agency's tile server underneath when configured) and as a list with times; moving a stop (drag its handle, or ↑/↓) replays the day
//! at once; works offline
//! from the last day the server sent.

use leptos::prelude::*;
use shared::plan::day::{DayPlan, DropReason};
use shared::plan::itinerary::{hhmm, DayContext, PlanPlace};
use shared::plan::labels::{place_labels, scale_bar, SCALE_MAX};
use shared::plan::map::{MapView, PlacedTile};
use shared::plan::RoadEstimate;
use uuid::Uuid;

use crate::client;
use crate::components::layout::Page;
use crate::components::{date_fr, today};
use crate::endpoints;
use crate::storage;

const CACHE_KEY: &str = "tournee.plan.day";

fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        return p.now();
    }
    0.0
}

/// The result shown: the places, the plan, and how long the browser took.
#[derive(Clone, PartialEq)]
struct Shown {
    places: Vec<PlanPlace>,
    plan: DayPlan,
    manual: bool,
    ms: f64,
}

fn compute(ctx: &DayContext, chosen: &[Uuid], order: Option<&[usize]>) -> Result<Shown, String> {
    let started = now_ms();
    let road = RoadEstimate::default();
    let places = ctx.places(chosen);
    let (plan, manual) = match order {
        Some(o) => (ctx.replay(&places, o, road).ok_or("Cet ordre ne tient pas : un rendez-vous fixe, une fenêtre ou la fin de journée ne serait pas respecté.")?, true),
        None => (ctx.plan(chosen, road).1, false),
    };
    let ms = now_ms() - started;
    Ok(Shown {
        places: places.into_iter().cloned().collect(),
        plan,
        manual,
        ms,
    })
}

#[component]
pub fn PlanPage() -> impl IntoView {
    let ctx = RwSignal::new(None::<DayContext>);
    let (offline, set_offline) = signal(false);
    let (error, set_error) = signal(None::<String>);
    let chosen = RwSignal::new(Vec::<Uuid>::new());
    let order = RwSignal::new(None::<Vec<usize>>);
    let (order_error, set_order_error) = signal(None::<String>);
    // The navigation app chosen last, shared by every stop's button.
    let navigation = RwSignal::new(None::<String>);
    Effect::new(move |_| navigation.set(storage::load::<String>(NAVIGATION_KEY)));
    // Where the phone is, on the map: the last known position (an hour at most), then a new
    // one if the browser gives it.
    let me = RwSignal::new(None::<(f64, f64)>);
    Effect::new(move |first: Option<()>| {
        if first.is_some() {
            return;
        }
        me.set(crate::geo::last_position(chrono::Duration::hours(1)));
        crate::geo::current_position(move |r| {
            if let Ok((lat, lon, _)) = r {
                crate::geo::remember_position(lat, lon);
                me.set(Some((lat, lon)));
            }
        });
    });
    // Load once in the browser; keep the last day for offline use.
    Effect::new(move |first: Option<()>| {
        if first.is_some() {
            return;
        }
        leptos::task::spawn_local(async move {
            match client::get::<DayContext>(endpoints::PLAN_DAY).await {
                Ok(c) => {
                    storage::save(CACHE_KEY, &c);
                    chosen.set(c.candidates.iter().map(|p| p.id).collect());
                    ctx.set(Some(c));
                }
                Err(f) => match storage::load::<DayContext>(CACHE_KEY).filter(|c| c.date == today()) {
                    Some(c) if f.status == 0 => {
                        set_offline.set(true);
                        chosen.set(c.candidates.iter().map(|p| p.id).collect());
                        ctx.set(Some(c));
                    }
                    _ => set_error.set(Some(f.message())),
                },
            }
        });
    });
    let shown = Memo::new(move |_| {
        ctx.with(|c| {
            c.as_ref()
                .map(|c| chosen.with(|ch| order.with(|o| compute(c, ch, o.as_deref()))))
        })
    });
    // A manual order that does not hold is refused and the last good one kept.
    Effect::new(move |_| {
        if let Some(Err(m)) = shown.get() {
            set_order_error.set(Some(m));
            order.set(None);
        }
    });
    // Takes the stop at `from` out of the shown order and puts it at `to`; the day is replayed
    // at once (the memo above), or the order refused if it does not hold.
    let move_stop = move |from: usize, to: usize| {
        let Some(Ok(s)) = shown.get_untracked() else { return };
        let mut o: Vec<usize> = s.plan.visits.iter().map(|v| v.stop).collect();
        if from == to || from >= o.len() || to >= o.len() {
            return;
        }
        let stop = o.remove(from);
        o.insert(to, stop);
        set_order_error.set(None);
        order.set(Some(o));
    };
    // Drag to reorder: the handle captures the pointer; (from, over) while a stop is dragged.
    let drag = RwSignal::new(None::<(usize, usize)>);
    let list = NodeRef::<leptos::html::Ol>::new();
    let drag_move = move |y: f64| {
        if let (Some((from, _)), Some(over)) = (
            drag.get_untracked(),
            list.get_untracked().and_then(|l| stop_under(&l, y)),
        ) {
            drag.set(Some((from, over)));
        }
    };
    let drag_end = move |commit: bool| {
        if let Some((from, over)) = drag.get_untracked() {
            drag.set(None);
            if commit {
                move_stop(from, over);
            }
        }
    };
    let toggle = move |id: Uuid| {
        // Another day now: the planner orders it afresh, and an earlier refusal is stale.
        order.set(None);
        set_order_error.set(None);
        chosen.update(|c| {
            if let Some(i) = c.iter().position(|x| *x == id) {
                c.remove(i);
            } else {
                c.push(id);
            }
        });
    };
    view! {
        <Page title="Ma journée">
            {move || offline.get().then(|| view! { <p class="notice" role="status">"Hors ligne : journée calculée sur le téléphone à partir des dernières données."</p> })}
            {move || error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            {move || ctx.get().is_none().then(|| view! { <p class="muted">"Chargement…"</p> })}
            {move || shown.get().and_then(|r| r.ok()).map(|s| {
                let c = ctx.get_untracked();
                let (start_label, date) = c.as_ref().map(|c| (c.start_label.clone(), c.date)).unwrap_or_default();
                view! {
                    <p class="muted small">{format!("{} · départ et retour : {start_label}", date_fr(date))}</p>
                    <p class="plan-summary">
                        <strong>{format!("{} arrêts", s.plan.visits.len())}</strong>
                        {format!(" · {} de route · retour {}", hhmm(s.plan.total_travel), hhmm(s.plan.end))}
                        {s.plan.lunch_at.map(|l| format!(" · déjeuner {}", hhmm(l)))}
                    </p>
                    <p class="muted small" data-testid="plan-ms">{format!("Calculé sur le téléphone en {:.1} ms{}", s.ms, if s.manual { " (ordre manuel)" } else if s.plan.exact { " (optimum)" } else { "" })}</p>
                    {(!s.plan.feasible).then(|| view! { <p class="error" role="alert">"Les rendez-vous fixes ne tiennent pas tous : les retards prévus sont indiqués, aucune visite n'est ajoutée."</p> })}
                    <DayMap ctx=c.clone() shown=s.clone() me=me.get()/>
                }
            })}
            {move || order_error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            {move || order.with(|o| o.is_some()).then(|| view! {
                <button class="secondary wide" on:click=move |_| { order.set(None); set_order_error.set(None); }>"Réoptimiser"</button>
            })}
            <ol class="list itinerary" aria-label="Itinéraire" node_ref=list>
                {move || shown.get().and_then(|r| r.ok()).map(|s| {
                    let count = s.plan.visits.len();
                    // The break goes on a leg (before leaving, on the road or on arrival).
                    let lunch = s.plan.lunch_at.map(|l| format!("Déjeuner à {}", hhmm(l))).unwrap_or_default();
                    let lunch_home = s.plan.lunch_at.is_some() && !s.plan.visits.iter().any(|v| v.lunch_before);
                    let lunch_last = lunch.clone();
                    view! {
                    {s.plan.visits.iter().enumerate().map(|(i, v)| {
                        let p = s.places[v.stop].clone();
                        view! {
                            {v.lunch_before.then(|| view! { <li class="lunch muted small">{lunch.clone()}</li> })}
                            <li class=if p.fixed { "card stop fixed" } else { "card stop" }
                                class:dragging=move || drag.with(|d| matches!(d, Some((f, _)) if *f == i))
                                class:drop-target=move || drag.with(|d| matches!(d, Some((f, o)) if *o == i && *f != i))>
                                <div class="row-between">
                                    <span class="time">{format!("{} {}", i + 1, hhmm(v.start))}</span>
                                    <span class="muted small">{format!("{} de route{}", hhmm(v.travel), if v.wait > 0 { format!(" · attente {}", hhmm(v.wait)) } else { String::new() })}</span>
                                </div>
                                <span class="name">{p.label.clone()}{p.fixed.then_some(" · RDV fixe")}</span>
                                {(p.fixed && v.start > p.open).then(|| view! { <span class="badge late">{format!("Retard prévu : {}", hhmm(v.start - p.open))}</span> })}
                                <span class="muted small">{p.note.clone()}{p.approximate.then_some(" · position approximative")}</span>
                                <div class="row-between">
                                    <NavButton place=p.clone() chosen=navigation/>
                                    <span class="reorder">
                                        <span class="drag-handle" aria-hidden="true" title="Glisser pour déplacer"
                                            on:pointerdown=move |ev: leptos::ev::PointerEvent| {
                                                ev.prevent_default();
                                                capture_pointer(&ev);
                                                drag.set(Some((i, i)));
                                            }
                                            on:pointermove=move |ev: leptos::ev::PointerEvent| drag_move(f64::from(ev.client_y()))
                                            on:pointerup=move |_| drag_end(true)
                                            on:pointercancel=move |_| drag_end(false)>"⠿"</span>
                                        <button class="secondary" aria-label=format!("Monter {}", p.label) disabled=i == 0 on:click=move |_| move_stop(i, i - 1)>"↑"</button>
                                        <button class="secondary" aria-label=format!("Descendre {}", p.label) disabled=i + 1 == count on:click=move |_| move_stop(i, i + 1)>"↓"</button>
                                    </span>
                                </div>
                            </li>
                        }
                    }).collect_view()}
                    {lunch_home.then(|| view! { <li class="lunch muted small">{format!("{lunch_last}, puis retour")}</li> })}
                    }
                })}
            </ol>
            {move || shown.get().and_then(|r| r.ok()).map(|s| {
                let dropped: Vec<(PlanPlace, DropReason)> = s.plan.dropped.iter().map(|(k, r)| (s.places[*k].clone(), *r)).collect();
                (!dropped.is_empty()).then(|| view! {
                    <h2>"Pas de place aujourd'hui"</h2>
                    <ul class="list" aria-label="Non planifiés">
                        {dropped.into_iter().map(|(p, r)| view! {
                            <li class="card"><span class="name">{p.label}</span>
                                <span class="muted small">{match r { DropReason::WindowClosed => "horaires de visite hors de la journée", DropReason::NoTime => "pas le temps avec les rendez-vous fixes" }}</span></li>
                        }).collect_view()}
                    </ul>
                })
            })}
            <h2>"Remplir ma journée"</h2>
            <p class="muted small">"Clients en retard près de vos rendez-vous : cochez ceux à voir."</p>
            <ul class="list" aria-label="Propositions">
                {move || ctx.get().map(|c| c.candidates.into_iter().map(|p| {
                    let id = p.id;
                    view! {
                        <li class="card">
                            <label class="toggle">
                                <input type="checkbox" prop:checked=move || chosen.with(|c| c.contains(&id)) on:change=move |_| toggle(id)/>
                                {format!(" {}", p.label)}
                            </label>
                            <span class="muted small">{p.note.clone()}</span>
                        </li>
                    }
                }).collect_view())}
            </ul>
            // Built on the phone from what is shown, so it follows a manual order and works
            // with the network cut.
            {move || shown.get().and_then(|r| r.ok()).zip(ctx.get()).map(|(s, c)| {
                let ics = shared::plan::ics::day_ics(&c, &s.places, &s.plan, chrono::Utc::now());
                view! {
                    <a class="secondary wide button" href=format!("data:text/calendar;charset=utf-8,{}", percent_encode(&ics))
                        download=format!("tournee-{}.ics", c.date)>"Exporter ma tournée (.ics)"</a>
                }
            })}
        </Page>
    }
}

/// Puts the focus on the first link of `el` (a sheet just opened).
fn focus_first_link(el: &leptos::web_sys::HtmlDivElement) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(link) = el
            .query_selector("a")
            .ok()
            .flatten()
            .and_then(|l| l.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = link.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = el;
}

/// Keeps the pointer's events on the drag handle until it is released, wherever the finger goes.
fn capture_pointer(ev: &leptos::ev::PointerEvent) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(handle) = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
            let _ = handle.set_pointer_capture(ev.pointer_id());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}

/// The position in the itinerary of the stop at height `y` (viewport pixels): the last stop
/// whose top is above it, the first one when above them all.
fn stop_under(list: &leptos::web_sys::HtmlOListElement, y: f64) -> Option<usize> {
    #[cfg(feature = "hydrate")]
    {
        let stops = list.query_selector_all("li.stop").ok()?;
        let mut under = None;
        for i in 0..stops.length() {
            let Some(stop) = stops
                .item(i)
                .and_then(|n| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(n).ok())
            else {
                continue;
            };
            if under.is_none() || stop.get_bounding_client_rect().top() <= y {
                under = Some(i as usize);
            }
        }
        under
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (list, y);
        None
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters, for a `data:` URL.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3 / 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The navigation apps a stop opens in: (key kept, name shown, address).
fn navigation_apps(lat: f64, lon: f64) -> [(&'static str, &'static str, String); 4] {
    [
        (
            "google",
            "Google Maps",
            format!("https://www.google.com/maps/dir/?api=1&destination={lat:.6},{lon:.6}"),
        ),
        (
            "waze",
            "Waze",
            format!("https://waze.com/ul?ll={lat:.6},{lon:.6}&navigate=yes"),
        ),
        (
            "apple",
            "Plans (Apple)",
            format!("https://maps.apple.com/?daddr={lat:.6},{lon:.6}"),
        ),
        ("geo", "Autre application (GPS)", format!("geo:{lat:.6},{lon:.6}")),
    ]
}

/// The navigation app the advisor chose last (kept on the phone).
const NAVIGATION_KEY: &str = "tournee.navigation";

/// One *Naviguer* button per stop. The first time, it opens a small sheet of navigation apps;
/// the choice is kept, and the button then opens that app at once (the sheet stays one tap
/// away to change it).
#[component]
fn NavButton(place: PlanPlace, chosen: RwSignal<Option<String>>) -> impl IntoView {
    let apps = navigation_apps(place.lat, place.lon);
    let open = RwSignal::new(false);
    let label = place.label.clone();
    let target = |href: &str| (!href.starts_with("geo:")).then_some("_blank");
    let go = {
        let apps = apps.clone();
        move || {
            let app = chosen.get().and_then(|c| apps.iter().find(|a| a.0 == c).cloned());
            match app {
                Some((_, name, href)) => view! {
                    <a class="button nav-go" href=href.clone() target=target(&href) rel="noopener"
                        aria-label=format!("Naviguer avec {name}")>{format!("Naviguer · {name}")}</a>
                    <button class="secondary nav-other" aria-haspopup="dialog" on:click=move |_| open.set(true)
                        aria-label="Choisir une autre application de navigation">"Autre…"</button>
                }
                .into_any(),
                None => view! {
                    <button class="nav-go" aria-haspopup="dialog" on:click=move |_| open.set(true)>"Naviguer"</button>
                }
                .into_any(),
            }
        }
    };
    // The sheet takes the focus when it opens (a keyboard or a screen reader lands in it), and
    // Escape closes it.
    let sheet = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if open.get() {
            if let Some(el) = sheet.get() {
                focus_first_link(&el);
            }
        }
    });
    view! {
        <span class="nav">
            {go}
            {move || open.get().then(|| {
                let apps = apps.clone();
                view! {
                    <div class="sheet" role="dialog" aria-modal="true" aria-label=format!("Naviguer vers {label}")
                        node_ref=sheet on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }>
                        <p class="sheet-title">{format!("Naviguer vers {label} avec :")}</p>
                        {apps.into_iter().map(|(key, name, href)| {
                            let blank = target(&href);
                            view! {
                                <a class="button secondary wide" href=href target=blank rel="noopener"
                                    on:click=move |_| {
                                        storage::save(NAVIGATION_KEY, &key.to_string());
                                        chosen.set(Some(key.to_string()));
                                        open.set(false);
                                    }>{name}</a>
                            }
                        }).collect_view()}
                        <p class="muted small">"Votre choix est gardé sur ce téléphone."</p>
                        <button class="secondary wide" on:click=move |_| open.set(false)>"Fermer"</button>
                    </div>
                }
            })}
        </span>
    }
}

/// The day drawn to scale: start, stops in order, the road between them (straight lines).
#[component]
fn DayMap(ctx: Option<DayContext>, shown: Shown, me: Option<(f64, f64)>) -> impl IntoView {
    let Some(ctx) = ctx else { return ().into_any() };
    let start = (ctx.start_lat, ctx.start_lon);
    let visited: Vec<&PlanPlace> = shown.plan.visits.iter().map(|v| &shown.places[v.stop]).collect();
    let stops: Vec<(f64, f64, bool)> = visited.iter().map(|p| (p.lat, p.lon, p.fixed)).collect();
    let all: Vec<(f64, f64)> = std::iter::once(start).chain(stops.iter().map(|s| (s.0, s.1))).collect();
    let (w, h, pad) = (340.0, 220.0, 18.0);
    let map = MapView::fit(&all, w, h, pad);
    let xy = move |p: (f64, f64)| map.xy(p.0, p.1);
    // The tile background, when the agency configured a tile server: under the drawing, which
    // stays complete on its own when the tiles cannot load (no network).
    let tiles = ctx.tiles.clone().map(|layer| {
        let placed: Vec<(String, PlacedTile)> = map
            .tiles()
            .into_iter()
            .map(|t| (layer.tile_url(t.z, t.x, t.y), t))
            .collect();
        (placed, layer.attribution)
    });
    let mut path: Vec<(f64, f64)> = all.iter().map(|p| xy(*p)).collect();
    path.push(xy(start));
    let points = path
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ");
    let (sx, sy) = xy(start);
    // Names: the stops' beside their pins, then the communes around (sent with the day, from
    // the server's embedded communes: drawn offline too); a scale bar; where the phone is.
    let named: Vec<(String, f64, f64)> = visited.iter().map(|p| (p.label.clone(), p.lat, p.lon)).collect();
    let labels = place_labels(&map, &named, &ctx.towns, &all, 10.0, tiles.is_some());
    let (bar, bar_label) = scale_bar(&map, start.0, SCALE_MAX);
    let me = me
        .map(|(lat, lon)| map.xy(lat, lon))
        .filter(|(x, y)| (0.0..=w).contains(x) && (0.0..=h).contains(y));
    view! {
        <svg class="daymap" viewBox=format!("0 0 {w} {h}") role="img" aria-label="Carte de la journée">
            {tiles.as_ref().map(|(placed, _)| view! {
                <g class="tiles">
                    {placed.iter().map(|(href, t)| view! {
                        <image href=href.clone() x=t.left y=t.top width=t.size height=t.size preserveAspectRatio="none"/>
                    }).collect_view()}
                </g>
            })}
            <polyline points=points class="route"/>
            <rect x=sx - 7.0 y=sy - 7.0 width="14" height="14" class="base"><title>{ctx.start_label.clone()}</title></rect>
            {stops.iter().enumerate().map(|(i, s)| {
                let (x, y) = xy((s.0, s.1));
                view! {
                    <g class=if s.2 { "pin fixed" } else { "pin" }>
                        <circle cx=x cy=y r="10"/>
                        <text x=x y=y + 4.0 text-anchor="middle">{(i + 1).to_string()}</text>
                    </g>
                }
            }).collect_view()}
            {labels.into_iter().map(|l| view! {
                <text class=if l.stop { "label stop-name" } else { "label town" } x=format!("{:.1}", l.x) y=format!("{:.1}", l.y)
                    text-anchor=l.anchor.as_svg()>{l.text}</text>
            }).collect_view()}
            {me.map(|(x, y)| view! {
                <g class="me"><circle cx=x cy=y r="6"/><title>"Votre position"</title></g>
            })}
            <g class="scale" aria-hidden="true">
                <path d=format!("M6 {:.1} v4 h{bar:.1} v-4", h - 10.0)/>
                <text class="label" x="8" y=h - 13.0>{bar_label}</text>
            </g>
            {tiles.map(|(_, credit)| view! { <text class="credit" x=w - 4.0 y=h - 4.0 text-anchor="end">{credit}</text> })}
        </svg>
    }
    .into_any()
}
