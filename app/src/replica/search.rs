//! Searching the replica's records offline: every word typed starts a word of the record,
//! accents and case ignored, one typo forgiven as on the server — over an index of the records'
//! folded words kept between keystrokes.

use shared::record::Contact;
#[cfg(feature = "hydrate")]
use uuid::Uuid;

#[cfg(feature = "hydrate")]
use super::service;

/// The records of the replica matching a search (every word starts a word of the record,
/// accents and case ignored) and `keep`, sorted by name; at most `limit`, and whether more
/// matched. The folded words of every record are kept between searches (rebuilt when the
/// rows change), so a keystroke reads no record it does not show.
pub fn search_contacts(query: &str, keep: impl Fn(&Contact) -> bool, limit: usize) -> (Vec<Contact>, bool) {
    #[cfg(feature = "hydrate")]
    {
        use shared::sync::engine::RowKind;
        use shared::sync::Change;
        use std::cell::RefCell;
        /// Per record: its sort key (folded name), its search words, its id.
        type Entry = (String, String, Uuid);
        thread_local! {
            /// (rows version, entries sorted by key).
            static INDEX: RefCell<(u64, Vec<Entry>)> = const { RefCell::new((u64::MAX, Vec::new())) };
        }
        let Some(store) = service::store() else {
            return (Vec::new(), false);
        };
        let version = store.rows_version.get();
        let mem = store.mem.borrow();
        let layer = store.layer.borrow();
        let get = |id: Uuid| match layer.get(&(RowKind::Contact, id)) {
            Some(over) => over.as_ref(),
            None => mem.rows.get(&(RowKind::Contact, id)),
        };
        INDEX.with(|index| {
            let mut index = index.borrow_mut();
            if index.0 != version {
                let mut entries: Vec<Entry> = mem
                    .rows
                    .iter()
                    .filter(|(key, _)| !layer.contains_key(key))
                    .map(|(_, row)| row)
                    .chain(layer.values().flatten())
                    .filter_map(|r| match r {
                        Change::Contact(c) if !c.deleted => {
                            Some((shared::text::fold(&c.display_name), c.search_text(), c.id))
                        }
                        _ => None,
                    })
                    .collect();
                entries.sort();
                *index = (version, entries);
            }
            let folded = shared::text::search_query(query);
            let wanted: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
            // The words as typed; when that finds nothing, once more forgiving one typo per
            // word of four letters or more (as the server does).
            let forgivable = wanted.iter().any(|w| w.chars().count() >= shared::text::FUZZY_FROM);
            for fuzzy in [false, true] {
                if fuzzy && !forgivable {
                    break;
                }
                let mut found = Vec::new();
                let mut more = false;
                for (_, words, id) in index.1.iter() {
                    let hit = if fuzzy {
                        shared::text::starts_words_fuzzy(words, &wanted)
                    } else {
                        shared::text::starts_words(words, &wanted)
                    };
                    if !hit {
                        continue;
                    }
                    let Some(Change::Contact(c)) = get(*id) else {
                        continue;
                    };
                    if !keep(c) {
                        continue;
                    }
                    if found.len() == limit {
                        more = true;
                        break;
                    }
                    found.push(c.as_ref().clone());
                }
                if !found.is_empty() || fuzzy {
                    return (found, more);
                }
            }
            (Vec::new(), false)
        })
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (query, keep, limit);
        (Vec::new(), false)
    }
}

/// Builds the search index now if the rows changed since it was built.
pub fn warm_search_index() {
    let _ = search_contacts("", |_| false, 0);
}
