//! The one timestamp type storage reads and writes. PostgreSQL keeps it as `timestamptz`; SQLite
//! as INTEGER microseconds since the epoch, because SQLite compares text timestamps as strings and
//! any mix of formats would silently break ordering and range queries.

use std::time::Duration;

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueFormat, PgValueRef};
use sqlx::sqlite::{SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Postgres, Sqlite, Type};

/// A UTC instant with microsecond precision (the precision both backends keep), within the years
/// 1 to 9999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(jiff::Timestamp);

/// Microseconds from the Unix epoch to PostgreSQL's, 2000-01-01T00:00:00Z.
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

impl Timestamp {
    /// The open ends of a range: 0001-01-01 and the last whole microsecond count jiff reads back
    /// (9999-12-30T22:00:00Z; jiff stops there so that any offset can display it).
    pub const MIN: Timestamp = Timestamp(jiff::Timestamp::constant(-62_135_596_800, 0));
    pub const MAX: Timestamp = Timestamp(jiff::Timestamp::constant(253_402_207_200, 0));

    pub fn now() -> Self {
        Self::from(jiff::Timestamp::now())
    }

    pub fn as_jiff(self) -> jiff::Timestamp {
        self.0
    }

    fn micros(self) -> i64 {
        // Cannot overflow: jiff's range is far inside ±2^63 microseconds.
        self.0.as_microsecond()
    }

    pub(super) fn from_micros(micros: i64) -> Result<Self, BoxDynError> {
        jiff::Timestamp::from_microsecond(micros)
            .map(Timestamp::from)
            .map_err(|_| format!("timestamp out of range: {micros} µs").into())
    }

    /// How long from `self` until `later`; zero if `later` is not later.
    pub fn until(&self, later: Timestamp) -> Duration {
        Duration::try_from(later.0.duration_since(self.0)).unwrap_or_default()
    }
}

impl From<jiff::Timestamp> for Timestamp {
    /// Truncated to the microsecond and clamped to [`Timestamp::MIN`]..=[`Timestamp::MAX`].
    fn from(value: jiff::Timestamp) -> Self {
        let micros = value.as_microsecond();
        let truncated = jiff::Timestamp::from_microsecond(micros).unwrap_or(value);
        Timestamp(truncated).clamp(Self::MIN, Self::MAX)
    }
}

impl From<Timestamp> for jiff::Timestamp {
    fn from(value: Timestamp) -> Self {
        value.0
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::ops::Add<Duration> for Timestamp {
    type Output = Timestamp;
    fn add(self, rhs: Duration) -> Timestamp {
        jiff::SignedDuration::try_from(rhs)
            .ok()
            .and_then(|rhs| self.0.checked_add(rhs).ok())
            .map_or(Self::MAX, Timestamp::from)
    }
}

impl std::ops::Sub<Duration> for Timestamp {
    type Output = Timestamp;
    fn sub(self, rhs: Duration) -> Timestamp {
        jiff::SignedDuration::try_from(rhs)
            .ok()
            .and_then(|rhs| self.0.checked_sub(rhs).ok())
            .map_or(Self::MIN, Timestamp::from)
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

/// As the reads SQLite answers on the calling thread bind it: as sqlx does.
impl rusqlite::ToSql for Timestamp {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.micros().into())
    }
}

/// As the reads SQLite answers on the calling thread decode it: as sqlx does.
impl rusqlite::types::FromSql for Timestamp {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        Self::from_micros(value.as_i64()?).map_err(rusqlite::types::FromSqlError::Other)
    }
}

impl Type<Postgres> for Timestamp {
    fn type_info() -> PgTypeInfo {
        PgTypeInfo::with_name("timestamptz")
    }
}

/// `timestamptz` travels as microseconds since 2000-01-01 in binary, and as ISO text
/// (`2026-03-02 08:00:00+00`; sqlx sets the session's zone to UTC) from simple queries.
impl Encode<'_, Postgres> for Timestamp {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        let micros = self.micros() - POSTGRES_EPOCH_MICROS;
        buf.extend_from_slice(&micros.to_be_bytes());
        Ok(IsNull::No)
    }

    fn size_hint(&self) -> usize {
        std::mem::size_of::<i64>()
    }
}

impl<'r> Decode<'r, Postgres> for Timestamp {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        match value.format() {
            PgValueFormat::Binary => {
                let bytes: [u8; 8] = value
                    .as_bytes()?
                    .try_into()
                    .map_err(|_| "a binary timestamptz has 8 bytes")?;
                let micros = i64::from_be_bytes(bytes)
                    .checked_add(POSTGRES_EPOCH_MICROS)
                    .ok_or("timestamptz out of range")?;
                Self::from_micros(micros)
            }
            PgValueFormat::Text => Ok(Timestamp::from(value.as_str()?.parse::<jiff::Timestamp>()?)),
        }
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
    fn the_range_ends_are_year_one_and_the_end_of_jiffs_range() {
        assert_eq!(Timestamp::MIN.to_string(), "0001-01-01T00:00:00Z");
        assert_eq!(Timestamp::MAX.to_string(), "9999-12-30T22:00:00Z");
        assert_eq!(
            Timestamp::from_micros(Timestamp::MAX.micros()).ok(),
            Some(Timestamp::MAX)
        );
        assert_eq!(Timestamp::MIN - Duration::from_secs(1), Timestamp::MIN);
        assert_eq!(Timestamp::MAX + Duration::from_secs(1), Timestamp::MAX);
    }

    #[test]
    fn timestamps_are_truncated_to_microseconds() {
        let nanos = jiff::Timestamp::new(1_700_000_000, 123_456_789).expect("valid");
        assert_eq!(
            Timestamp::from(nanos).as_jiff().subsec_nanosecond(),
            123_456_000
        );
    }
}
