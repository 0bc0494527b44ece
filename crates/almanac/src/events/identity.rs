//! Occurrence ids derived from what identifies an occurrence — its event and its original start —
//! so that an occurrence computed on the fly beyond a series' stored horizon has the id it will
//! have once stored, and that id alone leads back to it.
//!
//! Layout (a UUIDv8, RFC 9562 §5.8): 60 bits of SHA-256 of the event id, then the original start
//! as microseconds since 0001-01-01 (62 bits: enough for year 9999), around the version and
//! variant bits. Occurrences stored before ids were derived keep their random ids.

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::storage::Timestamp;

/// Microseconds from 0001-01-01T00:00:00Z to the Unix epoch.
const YEAR_ONE_MICROS: i64 = 62_135_596_800_000_000;
const VERSION: u128 = 8;
const VARIANT: u128 = 0b10;

/// The id of the occurrence of `event_id` originally starting at `original_start`.
pub fn occurrence_id(event_id: Uuid, original_start: Timestamp) -> Uuid {
    let key = event_key(event_id);
    let micros = since_year_one(original_start);
    let bits = (u128::from(key >> 12) << 80)
        | (VERSION << 76)
        | (u128::from(key & 0xfff) << 64)
        | (VARIANT << 62)
        | u128::from(micros);
    Uuid::from_u128(bits)
}

/// What a derived id says: the event's key and the original start. `None` for any other id.
pub fn decode(id: Uuid) -> Option<(u64, Timestamp)> {
    let bits = id.as_u128();
    if (bits >> 76) & 0xf != VERSION || (bits >> 62) & 0b11 != VARIANT {
        return None;
    }
    let high = u64::try_from(bits >> 80).ok()?;
    let low = u64::try_from((bits >> 64) & 0xfff).ok()?;
    let micros = i64::try_from(bits & ((1 << 62) - 1)).ok()?;
    let original_start = jiff::Timestamp::from_microsecond(micros.checked_sub(YEAR_ONE_MICROS)?)
        .ok()
        .map(Timestamp::from)?;
    Some(((high << 12) | low, original_start))
}

/// The 60-bit key of an event in its occurrences' ids.
pub fn event_key(event_id: Uuid) -> u64 {
    let digest = Sha256::digest(event_id.as_bytes());
    let mut first = [0; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) >> 4
}

fn since_year_one(instant: Timestamp) -> u64 {
    // Storage keeps instants within years 1..=9999, so this is never negative.
    u64::try_from(instant.as_jiff().as_microsecond() + YEAR_ONE_MICROS).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::from(text.parse::<jiff::Timestamp>().expect("valid"))
    }

    #[test]
    fn an_id_leads_back_to_its_event_and_original_start() {
        let event = Uuid::now_v7();
        for start in [
            Timestamp::MIN,
            at("2026-03-02T08:00:00.123456Z"),
            Timestamp::MAX,
        ] {
            let id = occurrence_id(event, start);
            assert_eq!(id.get_version_num(), 8);
            assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
            assert_eq!(decode(id), Some((event_key(event), start)));
        }
    }

    #[test]
    fn ids_differ_by_event_and_by_start_and_are_stable() {
        let (one, other) = (Uuid::now_v7(), Uuid::now_v7());
        let start = at("2026-03-02T08:00:00Z");
        assert_eq!(occurrence_id(one, start), occurrence_id(one, start));
        assert_ne!(occurrence_id(one, start), occurrence_id(other, start));
        assert_ne!(
            occurrence_id(one, start),
            occurrence_id(one, at("2026-03-02T08:00:00.000001Z"))
        );
    }

    #[test]
    fn random_ids_are_not_derived_ones() {
        assert_eq!(decode(Uuid::now_v7()), None);
        assert_eq!(decode(Uuid::new_v4()), None);
    }
}
