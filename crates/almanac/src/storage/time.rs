//! The one timestamp type storage reads and writes. PostgreSQL keeps it as `timestamptz`; SQLite
//! as INTEGER microseconds since the epoch, because SQLite compares text timestamps as strings and
//! any mix of formats would silently break ordering and range queries.

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Postgres, Sqlite, Type};

/// A UTC instant with microsecond precision (the precision both backends keep).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// The open ends of a range: 0001-01-01 and 9999-12-31T23:59:59.999999Z, which both
    /// backends can store (PostgreSQL cannot store chrono's own extremes).
    pub const MIN: Timestamp =
        Timestamp(DateTime::from_timestamp_micros(-62_135_596_800_000_000).expect("in range"));
    pub const MAX: Timestamp =
        Timestamp(DateTime::from_timestamp_micros(253_402_300_799_999_999).expect("in range"));

    pub fn now() -> Self {
        Self::from(Utc::now())
    }

    pub fn as_datetime(&self) -> DateTime<Utc> {
        self.0
    }

    fn micros(&self) -> i64 {
        self.0.timestamp_micros()
    }

    fn from_micros(micros: i64) -> Result<Self, BoxDynError> {
        DateTime::from_timestamp_micros(micros)
            .map(Timestamp)
            .ok_or_else(|| format!("timestamp out of range: {micros}").into())
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(value: DateTime<Utc>) -> Self {
        Timestamp(value.trunc_subsecs(6))
    }
}

impl std::ops::Add<Duration> for Timestamp {
    type Output = Timestamp;
    fn add(self, rhs: Duration) -> Timestamp {
        let rhs = chrono::Duration::from_std(rhs).unwrap_or(chrono::Duration::MAX);
        self.0
            .checked_add_signed(rhs)
            .map_or(Self::MAX, Timestamp)
            .min(Self::MAX)
    }
}

impl std::ops::Sub<Duration> for Timestamp {
    type Output = Timestamp;
    fn sub(self, rhs: Duration) -> Timestamp {
        let rhs = chrono::Duration::from_std(rhs).unwrap_or(chrono::Duration::MAX);
        self.0
            .checked_sub_signed(rhs)
            .map_or(Self::MIN, Timestamp)
            .max(Self::MIN)
    }
}

impl Timestamp {
    /// How long from `self` until `later`; zero if `later` is not later.
    pub fn until(&self, later: Timestamp) -> Duration {
        (later.0 - self.0).to_std().unwrap_or_default()
    }
}

impl Type<Sqlite> for Timestamp {
    fn type_info() -> SqliteTypeInfo {
        <i64 as Type<Sqlite>>::type_info()
    }
}

impl Encode<'_, Sqlite> for Timestamp {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        <i64 as Encode<Sqlite>>::encode_by_ref(&self.micros(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Timestamp {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        Self::from_micros(<i64 as Decode<Sqlite>>::decode(value)?)
    }
}

impl Type<Postgres> for Timestamp {
    fn type_info() -> PgTypeInfo {
        <DateTime<Utc> as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for Timestamp {
    fn encode_by_ref(
        &self,
        buf: &mut sqlx::postgres::PgArgumentBuffer,
    ) -> Result<IsNull, BoxDynError> {
        <DateTime<Utc> as Encode<Postgres>>::encode_by_ref(&self.0, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Timestamp {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Timestamp(<DateTime<Utc> as Decode<Postgres>>::decode(
            value,
        )?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microsecond_round_trip_keeps_the_instant() {
        let t = Timestamp::now();
        assert_eq!(Timestamp::from_micros(t.micros()).expect("in range"), t);
    }

    #[test]
    fn the_range_ends_are_years_one_and_9999() {
        assert_eq!(
            Timestamp::MIN.as_datetime().to_rfc3339(),
            "0001-01-01T00:00:00+00:00"
        );
        assert_eq!(
            Timestamp::MAX.as_datetime().format("%Y-%m-%d").to_string(),
            "9999-12-31"
        );
        assert_eq!(Timestamp::MIN - Duration::from_secs(1), Timestamp::MIN);
    }

    #[test]
    fn timestamps_are_truncated_to_microseconds() {
        let nanos = DateTime::from_timestamp(1_700_000_000, 123_456_789).expect("valid");
        assert_eq!(
            Timestamp::from(nanos)
                .as_datetime()
                .timestamp_subsec_nanos(),
            123_456_000
        );
    }
}
