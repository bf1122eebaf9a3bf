//! Drafts in the browser's local storage, so that nothing typed is lost when the phone locks,
//! the page reloads or the network drops in the middle of a save.

use serde::de::DeserializeOwned;
use serde::Serialize;

#[cfg(feature = "hydrate")]
fn local() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

pub fn save<T: Serialize>(key: &str, value: &T) {
    #[cfg(feature = "hydrate")]
    if let (Some(s), Ok(json)) = (local(), serde_json::to_string(value)) {
        let _ = s.set_item(key, &json);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (key, value);
}

pub fn load<T: DeserializeOwned>(key: &str) -> Option<T> {
    #[cfg(feature = "hydrate")]
    {
        let json = local()?.get_item(key).ok()??;
        serde_json::from_str(&json).ok()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = key;
        None
    }
}

pub fn remove(key: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(s) = local() {
        let _ = s.remove_item(key);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = key;
}

/// Removes every key that starts with `prefix`.
pub fn remove_prefixed(prefix: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(s) = local() {
        let keys: Vec<String> = (0..s.length().unwrap_or(0))
            .filter_map(|i| s.key(i).ok().flatten())
            .filter(|k| k.starts_with(prefix))
            .collect();
        for k in keys {
            let _ = s.remove_item(&k);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = prefix;
}

/// Erases everything Tournée keeps in local storage (drafts, cached screens): at logout and
/// when the session is gone, nothing of the agency's stays on the phone.
pub fn clear_all() {
    remove_prefixed("tournee");
}
