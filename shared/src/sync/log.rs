//! The phone's rows kept as a log of segments (*journal de la copie locale*): the format the
//! browser's IndexedDB store writes (`app/src/replica/idb.rs`) and the rules to read it back,
//! here so that they run natively in tests.
//!
//! Each write's rows are one segment — a pulled page of up to [`super::MAX_PULL_LIMIT`]
//! changes, its removals, a reset — numbered in order. Reading the replica replays the segments
//! into a [`MemoryStore`] with [`MemoryStore::apply`], the very rule a live write follows (a
//! removed record takes what hangs on it). When small writes pile up ([`too_long`]), the log is
//! rewritten as a snapshot: the rows in chunks, the first chunk marked `clear`.

use std::collections::BTreeMap;
use std::ops::Bound;

use serde::{Deserialize, Serialize};

use super::engine::{split_pulled, LocalWrite, MemoryStore, RowKey};
use super::Change;

/// Rows per segment of a snapshot.
pub const SNAPSHOT_CHUNK: usize = 5_000;

/// One write's rows as read back.
#[derive(Debug, Default, Deserialize)]
pub struct Segment {
    /// Every row before this segment is gone (a reset, or a snapshot's first chunk).
    #[serde(default)]
    pub clear: bool,
    /// Rows dropped; a record takes what hangs on it.
    #[serde(default)]
    pub remove: Vec<RowKey>,
    #[serde(default)]
    pub put: Vec<Change>,
    /// A pulled page's changes as the server sent them ([`pulled_segment`]): rows to write
    /// and rows to drop, told apart as a live pull does ([`split_pulled`]).
    #[serde(default)]
    pub pulled: Vec<Change>,
}

/// One write's rows as stored (borrowed: a page is not copied to be written).
#[derive(Serialize)]
struct SegmentRef<'a, P: Serialize> {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    clear: bool,
    #[serde(skip_serializing_if = "<[RowKey]>::is_empty")]
    remove: &'a [RowKey],
    put: P,
}

/// The stored text of a write's rows.
pub fn write_segment(clear: bool, remove: &[RowKey], put: &[Change]) -> String {
    serde_json::to_string(&SegmentRef { clear, remove, put }).unwrap_or_default()
}

/// The stored text of a pulled page, from its changes' JSON as received (`raw_changes`, an
/// array of [`Change`]): kept as it came, not parsed and written out again.
pub fn pulled_segment(raw_changes: &str) -> String {
    let mut text = String::with_capacity(raw_changes.len() + 12);
    text.push_str("{\"pulled\":");
    text.push_str(raw_changes);
    text.push('}');
    text
}

/// Applies one stored segment to the rows in memory; `Err` when its text cannot be read (an
/// older or damaged copy: the phone then pulls everything again).
pub fn replay(store: &mut MemoryStore, text: &str) -> Result<(), serde_json::Error> {
    let segment: Segment = serde_json::from_str(text)?;
    let (mut put, mut remove) = (segment.put, segment.remove);
    if !segment.pulled.is_empty() {
        let (more_put, more_remove) = split_pulled(segment.pulled);
        put.extend(more_put);
        remove.extend(more_remove);
    }
    store.apply(LocalWrite {
        clear_rows: segment.clear,
        put,
        remove,
        ..Default::default()
    });
    Ok(())
}

/// Whether the log holds many more segments than full pull pages of its rows would: small
/// writes piled up. A first sync, in full pages, never is — rewriting 200 000 rows costs the
/// phone seconds, so it is done when it buys something.
pub fn too_long(segments: usize, rows: usize) -> bool {
    segments > 2 * (rows / super::MAX_PULL_LIMIT as usize) + 64
}

/// One chunk of a snapshot of `rows`: up to `chunk` rows after the key `after` (from the
/// first row when `None`), and the last key it holds — `None` when it reached the end. The
/// first chunk (`after == None`) is marked `clear`. Chunk by chunk, so the browser can breathe
/// between two.
pub fn snapshot_chunk(
    rows: &BTreeMap<RowKey, Change>,
    after: Option<RowKey>,
    chunk: usize,
) -> (String, Option<RowKey>) {
    let taken: Vec<(&RowKey, &Change)> = match after {
        None => rows.iter().take(chunk).collect(),
        Some(k) => rows.range((Bound::Excluded(k), Bound::Unbounded)).take(chunk).collect(),
    };
    let put: Vec<&Change> = taken.iter().map(|(_, c)| *c).collect();
    let text = serde_json::to_string(&SegmentRef {
        clear: after.is_none(),
        remove: &[],
        put: &put,
    })
    .unwrap_or_default();
    let last = taken.last().map(|(k, _)| **k);
    let more = last.is_some_and(|k| rows.range((Bound::Excluded(k), Bound::Unbounded)).next().is_some());
    (text, if more { last } else { None })
}

/// The whole snapshot of `rows`, in chunks of `chunk` rows (one `clear` segment when empty).
pub fn snapshot(rows: &BTreeMap<RowKey, Change>, chunk: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let (text, last) = snapshot_chunk(rows, after, chunk);
        out.push(text);
        match last {
            Some(k) => after = Some(k),
            None => return out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::AgencySettings;
    use crate::sync::engine::RowKind;
    use crate::visit::{ContactEvent, EventKind, TimelineEntry};
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;
    use uuid::Uuid;

    fn id(n: u8) -> Uuid {
        Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + u128::from(n))
    }

    /// A history line `n` of record `contact`, in its version `version`.
    fn line(n: u8, contact: u8, version: u32) -> Change {
        Change::Event(Box::new(ContactEvent {
            contact_id: id(100 + contact),
            seq: i64::from(version),
            entry: TimelineEntry {
                id: id(n),
                at: Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
                kind: EventKind::Call,
                title: format!("Appel {n} v{version} — « été »"),
                detail: String::new(),
                author_name: "Sophie Girard".into(),
                ref_id: None,
            },
        }))
    }

    #[derive(Debug, Clone)]
    enum Op {
        /// Lines (n, record) written.
        Put(Vec<(u8, u8)>),
        /// A record removed (its lines go with it) and single lines removed.
        Remove(Option<u8>, Vec<u8>),
        Settings,
        Reset(Vec<(u8, u8)>),
        Compact,
        /// A pulled page kept as received: lines, and a record this phone no longer sees.
        Pulled(Vec<(u8, u8)>, Option<u8>),
    }

    fn op() -> impl Strategy<Value = Op> {
        let lines = prop::collection::vec((0u8..12, 0u8..4), 0..6);
        prop_oneof![
            4 => lines.clone().prop_map(Op::Put),
            2 => (prop::option::of(0u8..4), prop::collection::vec(0u8..12, 0..3)).prop_map(|(c, l)| Op::Remove(c, l)),
            1 => Just(Op::Settings),
            3 => (lines.clone(), prop::option::of(0u8..4)).prop_map(|(l, c)| Op::Pulled(l, c)),
            1 => lines.prop_map(Op::Reset),
            1 => Just(Op::Compact),
        ]
    }

    proptest! {
        /// Whatever the writes, resets and snapshots, replaying the log gives the rows the
        /// writes gave in memory — read whole (a page load) or, as another tab does, only the
        /// segments numbered after the last one it read.
        #[test]
        fn replaying_the_log_gives_back_the_rows_written(
            ops in prop::collection::vec((op(), any::<bool>()), 0..40),
            chunk in 1usize..5,
        ) {
            let mut memory = MemoryStore::new(id(0));
            // (number, text), as in the object store.
            let mut log: Vec<(u64, String)> = Vec::new();
            let mut next = 1u64;
            let mut other = MemoryStore::new(id(0));
            let mut other_read = 0u64;
            let read_new = |other: &mut MemoryStore, other_read: &mut u64, log: &[(u64, String)]| {
                let from = *other_read;
                for (n, text) in log.iter().filter(|(n, _)| *n > from) {
                    replay(other, text).unwrap();
                    *other_read = *n;
                }
            };
            for (version, (op, other_reads)) in ops.into_iter().enumerate() {
                let version = version as u32;
                let mut write = LocalWrite::default();
                match op {
                    Op::Put(lines) => write.put = lines.iter().map(|(n, c)| line(*n, *c, version)).collect(),
                    Op::Remove(contact, lines) => {
                        write.remove = contact.map(|c| (RowKind::Contact, id(100 + c))).into_iter()
                            .chain(lines.iter().map(|n| (RowKind::Event, id(*n))))
                            .collect();
                    }
                    Op::Settings => write.put = vec![Change::Settings { seq: i64::from(version), settings: Box::new(AgencySettings::default()) }],
                    Op::Reset(lines) => {
                        write.clear_rows = true;
                        write.put = lines.iter().map(|(n, c)| line(*n, *c, version)).collect();
                    }
                    Op::Pulled(lines, gone) => {
                        let changes: Vec<Change> = gone
                            .map(|c| Change::ContactRemoved { id: id(100 + c), seq: i64::from(version) })
                            .into_iter()
                            .chain(lines.iter().map(|(n, c)| line(*n, *c, version)))
                            .collect();
                        let raw = serde_json::to_string(&changes).unwrap();
                        (write.put, write.remove) = split_pulled(changes);
                        write.pulled = Some(raw);
                    }
                    Op::Compact => {
                        // The older segments are dropped in the snapshot's transaction.
                        log = snapshot(&memory.rows, chunk).into_iter().enumerate()
                            .map(|(i, text)| (next + i as u64, text)).collect();
                        next += log.len() as u64;
                    }
                }
                if !write.put.is_empty() || !write.remove.is_empty() || write.clear_rows {
                    if write.clear_rows {
                        // As the store does: the older segments are dropped with the reset.
                        log.clear();
                    }
                    let text = match &write.pulled {
                        Some(raw) => pulled_segment(raw),
                        None => write_segment(write.clear_rows, &write.remove, &write.put),
                    };
                    log.push((next, text));
                    next += 1;
                    memory.apply(write);
                }
                if other_reads {
                    read_new(&mut other, &mut other_read, &log);
                }
            }
            let mut read = MemoryStore::new(id(0));
            for (_, text) in &log {
                replay(&mut read, text).unwrap();
            }
            prop_assert_eq!(&read.rows, &memory.rows);
            read_new(&mut other, &mut other_read, &log);
            prop_assert_eq!(&other.rows, &memory.rows);
        }
    }

    #[test]
    fn a_snapshot_is_chunked_and_its_first_chunk_clears() {
        let mut memory = MemoryStore::new(id(0));
        memory.apply(LocalWrite {
            put: (0..7).map(|n| line(n, 0, 1)).collect(),
            ..Default::default()
        });
        let chunks = snapshot(&memory.rows, 3);
        assert_eq!(chunks.len(), 3);
        assert!(chunks[0].contains("\"clear\":true") && !chunks[1].contains("clear"));
        let empty = snapshot(&BTreeMap::new(), 3);
        assert_eq!(empty, vec!["{\"clear\":true,\"put\":[]}".to_string()]);
        // A segment written by this version and one a later version could not read.
        let mut read = MemoryStore::new(id(0));
        assert!(replay(&mut read, &chunks[0]).is_ok());
        assert!(replay(&mut read, "{\"put\":[{\"kind\":\"hologram\"}]}").is_err());
    }

    #[test]
    fn a_first_sync_in_full_pages_is_never_too_long_but_piled_up_small_writes_are() {
        // 229 045 rows in 230 pages (the 100 000-record agency).
        assert!(!too_long(230, 229_045));
        assert!(!too_long(64, 0));
        assert!(too_long(65, 0));
        assert!(too_long(600, 229_045));
    }
}
