//! Record identifiers.
//!
//! Every record's id is a UUIDv7 chosen by whoever creates the record — usually a phone,
//! possibly offline — so ids never need to be reconciled at sync time, and their time prefix
//! keeps index inserts local.

use uuid::Uuid;

/// A fresh UUIDv7 (time-ordered, random tail).
pub fn new_id() -> Uuid {
    Uuid::now_v7()
}

/// True when `id` is a version-7 UUID, the only kind clients may submit.
pub fn is_v7(id: &Uuid) -> bool {
    id.get_version_num() == 7
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_are_v7_and_increase() {
        let a = new_id();
        let b = new_id();
        assert!(is_v7(&a) && is_v7(&b));
        assert!(a < b, "v7 ids generated in sequence sort in time order");
    }

    #[test]
    fn a_v4_id_is_not_accepted_as_v7() {
        let v4 = Uuid::from_u128(0x1234_5678_9abc_4def_8123_4567_89ab_cdef);
        assert!(!is_v7(&v4));
    }
}
