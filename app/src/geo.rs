//! The phone's position, asked from the browser (the browser asks the user's consent).

/// A position: latitude, longitude, accuracy radius in metres.
pub type Fix = (f64, f64, f64);

/// Asks the browser for the current position once and calls `done` with it or a message.
#[cfg(feature = "hydrate")]
pub fn current_position(done: impl FnOnce(Result<Fix, String>) + 'static) {
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};

    let Some(geo) = web_sys::window().and_then(|w| w.navigator().geolocation().ok()) else {
        done(Err("la géolocalisation n'est pas disponible sur cet appareil".into()));
        return;
    };
    let done = Rc::new(RefCell::new(Some(done)));
    let on_ok = done.clone();
    // GeolocationPosition is still an unstable web-sys API: read its fields by name.
    let ok = Closure::once(move |pos: JsValue| {
        let coords = js_sys::Reflect::get(&pos, &"coords".into()).unwrap_or(JsValue::UNDEFINED);
        let field = |name: &str| {
            js_sys::Reflect::get(&coords, &name.into())
                .ok()
                .and_then(|v| v.as_f64())
        };
        if let Some(f) = on_ok.borrow_mut().take() {
            match (field("latitude"), field("longitude")) {
                (Some(lat), Some(lon)) => f(Ok((lat, lon, field("accuracy").unwrap_or(0.0)))),
                _ => f(Err("position illisible".into())),
            }
        }
    });
    let on_err = done;
    let err = Closure::once(move |_: JsValue| {
        if let Some(f) = on_err.borrow_mut().take() {
            f(Err(
                "position refusée ou introuvable : le compte rendu s'enregistre sans".into(),
            ));
        }
    });
    let options = web_sys::PositionOptions::new();
    options.set_enable_high_accuracy(true);
    options.set_timeout(15_000);
    let _ = geo.get_current_position_with_error_callback_and_options(
        ok.as_ref().unchecked_ref(),
        Some(err.as_ref().unchecked_ref()),
        &options,
    );
    // The browser calls back later: hand the closures over to JavaScript.
    ok.forget();
    err.forget();
}

#[cfg(not(feature = "hydrate"))]
pub fn current_position(done: impl FnOnce(Result<Fix, String>) + 'static) {
    done(Err("position disponible dans le navigateur seulement".into()));
}

/// Where the phone last was (lat, lon, when), kept in local storage: Nearby lists around it
/// at once and the day's map shows it.
const LAST_POSITION_KEY: &str = "tournee.position";

/// Keeps the phone's position as its last known one.
pub fn remember_position(lat: f64, lon: f64) {
    crate::storage::save(LAST_POSITION_KEY, &(lat, lon, chrono::Utc::now()));
}

/// The last known position, if it is not older than `max_age`.
pub fn last_position(max_age: chrono::Duration) -> Option<(f64, f64)> {
    let (lat, lon, at) = crate::storage::load::<(f64, f64, chrono::DateTime<chrono::Utc>)>(LAST_POSITION_KEY)?;
    (chrono::Utc::now() - at <= max_age).then_some((lat, lon))
}
