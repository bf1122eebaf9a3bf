//! Field-by-field merge (*fusion champ par champ*) of an edit made on a phone with the record
//! as the server has it when the edit arrives.
//!
//! The edit carries the values it started from (`base`). For each field: changed on one side
//! only → that change; the same value on both sides → no conflict; different changes on both
//! sides → the server's value stays and a [`FieldConflict`] keeps both, for the people
//! involved to settle on the conflict screen. Nothing typed is ever dropped silently: every
//! value the phone changed ends in the record or in a conflict.

use serde_json::{Map, Value};

use crate::record::ContactInput;

/// Inputs that are not the person's data (the id, the stage — changed through the stage
/// rules —, flags of the request): taken from the server's side, never merged.
const NOT_MERGED: [&str; 6] = [
    "id",
    "stage",
    "stage_reason",
    "allow_duplicate",
    "expected_seq",
    "owner_id",
];

/// Both sides changed one field differently.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldConflict {
    /// The field's wire name (`phone_mobile`, `notes`…).
    pub field: String,
    pub base: Value,
    /// The phone's value (kept out of the record until someone picks it).
    pub mine: Value,
    /// The server's value (kept in the record).
    pub theirs: Value,
}

/// The outcome of a merge.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// What the record becomes.
    pub input: ContactInput,
    /// The fields where both sides changed differently.
    pub conflicts: Vec<FieldConflict>,
}

fn to_map(input: &ContactInput) -> Map<String, Value> {
    match serde_json::to_value(input) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

/// Merges the phone's edit (`mine`, started from `base`) into the record as it is now
/// (`theirs`).
pub fn merge_contact(base: &ContactInput, mine: &ContactInput, theirs: &ContactInput) -> Merged {
    let (base_m, mine_m, theirs_m) = (to_map(base), to_map(mine), to_map(theirs));
    let mut merged = theirs_m.clone();
    let mut conflicts = Vec::new();
    for (field, t) in &theirs_m {
        if NOT_MERGED.contains(&field.as_str()) {
            continue;
        }
        let (b, m) = (
            base_m.get(field).unwrap_or(&Value::Null),
            mine_m.get(field).unwrap_or(&Value::Null),
        );
        if m == b || m == t {
            continue; // the phone did not change it, or both agree: the server's value
        }
        if t == b {
            merged.insert(field.clone(), m.clone()); // only the phone changed it
        } else {
            conflicts.push(FieldConflict {
                field: field.clone(),
                base: b.clone(),
                mine: m.clone(),
                theirs: t.clone(),
            });
        }
    }
    // Every value came from a ContactInput of the same shape, so this cannot fail; were it
    // to, the server's record stands and every change of the phone becomes a conflict.
    match serde_json::from_value(Value::Object(merged)) {
        Ok(input) => Merged { input, conflicts },
        Err(_) => Merged {
            input: theirs.clone(),
            conflicts: changed_fields(base, mine)
                .into_iter()
                .map(|field| FieldConflict {
                    base: base_m.get(&field).cloned().unwrap_or(Value::Null),
                    mine: mine_m.get(&field).cloned().unwrap_or(Value::Null),
                    theirs: theirs_m.get(&field).cloned().unwrap_or(Value::Null),
                    field,
                })
                .collect(),
        },
    }
}

/// The fields the phone changed from `base` (request flags aside).
pub fn changed_fields(base: &ContactInput, mine: &ContactInput) -> Vec<String> {
    let (b, m) = (to_map(base), to_map(mine));
    m.iter()
        .filter(|(k, v)| !NOT_MERGED.contains(&k.as_str()) && b.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect()
}

/// `input` with one field set to `value` (a conflict's chosen side); `None` when the value
/// does not fit the field.
pub fn with_field(input: &ContactInput, field: &str, value: &Value) -> Option<ContactInput> {
    if NOT_MERGED.contains(&field) {
        return None;
    }
    let mut m = to_map(input);
    if !m.contains_key(field) {
        return None;
    }
    m.insert(field.to_string(), value.clone());
    serde_json::from_value(Value::Object(m)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn record() -> ContactInput {
        ContactInput {
            first_name: "Jeanne".into(),
            last_name: "Martin".into(),
            phone_mobile: "0611223344".into(),
            city: "Lyon".into(),
            notes: "".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_field_changed_on_one_side_only_takes_that_change() {
        let base = record();
        let mine = ContactInput {
            notes: "bilan retraite".into(),
            ..base.clone()
        };
        let theirs = ContactInput {
            city: "Villeurbanne".into(),
            ..base.clone()
        };
        let m = merge_contact(&base, &mine, &theirs);
        assert!(m.conflicts.is_empty());
        assert_eq!(m.input.notes, "bilan retraite");
        assert_eq!(m.input.city, "Villeurbanne");
    }

    #[test]
    fn the_same_change_on_both_sides_is_no_conflict() {
        let base = record();
        let both = ContactInput {
            phone_mobile: "0699887766".into(),
            ..base.clone()
        };
        let m = merge_contact(&base, &both, &both);
        assert!(m.conflicts.is_empty());
        assert_eq!(m.input.phone_mobile, "0699887766");
    }

    #[test]
    fn different_changes_keep_the_servers_value_and_open_a_conflict() {
        let base = record();
        let mine = ContactInput {
            phone_mobile: "0700000001".into(),
            ..base.clone()
        };
        let theirs = ContactInput {
            phone_mobile: "0700000002".into(),
            ..base.clone()
        };
        let m = merge_contact(&base, &mine, &theirs);
        assert_eq!(m.input.phone_mobile, "0700000002");
        assert_eq!(
            m.conflicts,
            vec![FieldConflict {
                field: "phone_mobile".into(),
                base: Value::from("0611223344"),
                mine: Value::from("0700000001"),
                theirs: Value::from("0700000002"),
            }]
        );
    }

    #[test]
    fn the_stage_and_the_owner_are_never_merged_from_an_edit() {
        let base = record();
        let mine = ContactInput {
            owner_id: Some(uuid::Uuid::nil()),
            stage: Some(crate::stage::Stage::Client),
            ..base.clone()
        };
        let m = merge_contact(&base, &mine, &base);
        assert_eq!(m.input, base);
        assert!(m.conflicts.is_empty());
    }

    #[test]
    fn a_chosen_value_is_set_when_it_fits_the_field() {
        let r = record();
        assert_eq!(with_field(&r, "city", &Value::from("Bron")).unwrap().city, "Bron");
        assert_eq!(
            with_field(&r, "household_size", &Value::from(3))
                .unwrap()
                .household_size,
            Some(3)
        );
        assert!(with_field(&r, "household_size", &Value::from("trois")).is_none());
        assert!(with_field(&r, "nope", &Value::from(1)).is_none());
        assert!(with_field(&r, "owner_id", &Value::Null).is_none());
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            Just("a".to_string()),
            Just("b".to_string()),
            Just("c".to_string())
        ]
    }

    fn input() -> impl Strategy<Value = ContactInput> {
        (text(), text(), text(), prop::option::of(1u16..4)).prop_map(|(first_name, city, notes, household_size)| {
            ContactInput {
                first_name,
                city,
                notes,
                household_size,
                ..Default::default()
            }
        })
    }

    proptest! {
        /// No typed value is lost: every field the phone changed is in the merged record or
        /// in a conflict; the merged record only holds values of one side; an untouched side
        /// is taken whole.
        #[test]
        fn every_change_of_the_phone_is_kept_somewhere(base in input(), mine in input(), theirs in input()) {
            let m = merge_contact(&base, &mine, &theirs);
            let (merged, mine_m, theirs_m) = (to_map(&m.input), to_map(&mine), to_map(&theirs));
            for field in changed_fields(&base, &mine) {
                let kept = merged.get(&field) == mine_m.get(&field)
                    || m.conflicts.iter().any(|c| c.field == field && Some(&c.mine) == mine_m.get(&field));
                prop_assert!(kept, "{field}");
            }
            for (field, v) in &merged {
                prop_assert!(Some(v) == mine_m.get(field) || Some(v) == theirs_m.get(field), "{field}");
            }
            if base == theirs { prop_assert_eq!(&m.input, &mine); prop_assert!(m.conflicts.is_empty()); }
            if base == mine { prop_assert_eq!(&m.input, &theirs); prop_assert!(m.conflicts.is_empty()); }
        }
    }
}
