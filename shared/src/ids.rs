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

/// The id of the `n`-th thing of kind `role` that the write `parent` creates (a report's
/// tasks, its objections, the prospects it names): the same on the phone, which shows it
/// before the write is sent, and on the server, which creates it. A version-7 UUID with the
/// parent's time prefix, then `n`, so the things of one write sort in their order; the rest
/// is a hash of the parent and the role (FNV-1a; the parent's own id is already unique).
pub fn derived(parent: Uuid, role: &str, n: u16) -> Uuid {
    fn fnv(bytes: impl Iterator<Item = u8>, mut h: u64) -> u64 {
        for b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h
    }
    let p = parent.as_bytes();
    let h = fnv(
        p.iter().copied().chain([0xff]).chain(role.bytes()),
        0xcbf2_9ce4_8422_2325,
    );
    let mut b = [0u8; 16];
    b[..6].copy_from_slice(&p[..6]);
    // Version 7, then 12 bits of the hash (the role, mostly).
    b[6] = 0x70 | ((h >> 60) as u8 & 0x0f);
    b[7] = (h >> 52) as u8;
    // Variant (10), then `n` on 14 bits.
    b[8] = 0x80 | ((n >> 8) as u8 & 0x3f);
    b[9] = n as u8;
    b[10..].copy_from_slice(&h.to_be_bytes()[2..]);
    Uuid::from_bytes(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_are_stable_distinct_v7_and_in_order() {
        let parent = new_id();
        let a = derived(parent, "task", 0);
        assert_eq!(a, derived(parent, "task", 0), "the phone and the server agree");
        assert!(is_v7(&a));
        assert_eq!(a.get_variant(), uuid::Variant::RFC4122);
        assert_ne!(a, derived(parent, "objection", 0));
        assert_ne!(a, derived(new_id(), "task", 0));
        assert!(derived(parent, "task", 0) < derived(parent, "task", 1));
        assert!(derived(parent, "task", 1) < derived(parent, "task", 300));
    }

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
