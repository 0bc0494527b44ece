//! Pages that SQLite hands over as one JSON value. sqlx sends each row of a result from the
//! connection's thread to the task as a message of its own, every value copied with SQLite's
//! allocator and freed on the runtime's threads; for a page of 50 events or 66 occurrences that
//! hand-over cost more than the query (docs/BENCHMARKS.md). A page's query wrapped as `SELECT
//! json_group_array(json_array(…) ORDER BY …) FROM (<query>)` comes over in one message, and its
//! rows decode into the same structs as the rows read one by one: each row is an array of the
//! struct's fields in the order they are declared (arrays, not objects named by field, which made
//! the calendar's window 8–12 % slower). Tests compare every row read so with the same row read
//! alone. The first rows of a page are read on the serving thread ([`super::sqlite_inline`]),
//! where no row crosses threads; whether reading them there one by one would cost less than
//! building and parsing the one value has not been measured.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use uuid::Uuid;

use super::events::{Listed, PAGE_TEXT_BUDGET, Page, within_budget};
use super::{StorageError, Timestamp};

/// At most this many rows of a page come in one value, the rest row by row. With every row's text
/// at its longest (16,384 characters of description, each at most 6 bytes once escaped), a value
/// holds about 10 MB; the rows of a page read one by one stop at a 4 MB text budget.
const ROWS_IN_ONE_VALUE: i64 = 100;

/// An instant as SQLite stores it: microseconds since the epoch.
pub fn instant<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
    Timestamp::from_micros(i64::deserialize(deserializer)?).map_err(serde::de::Error::custom)
}

/// [`instant`], or `null`.
pub fn optional_instant<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Timestamp>, D::Error> {
    Option::<i64>::deserialize(deserializer)?
        .map(|micros| Timestamp::from_micros(micros).map_err(serde::de::Error::custom))
        .transpose()
}

/// A flag as SQLite stores it: 0 or 1.
pub fn flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    Ok(i64::deserialize(deserializer)? != 0)
}

/// Reads `page` of rows in `(start, id)` order: its first rows as one JSON array from `first` (with
/// whatever else that query answers, `E`; run on this thread, see [`super::sqlite_inline`]), any
/// further ones row by row from `rest` — at most `limit` rows after the `(start, id)` of the last
/// row read (`key_of`), rather than again past those before it — as many as fit in
/// [`PAGE_TEXT_BUDGET`] of text (`text_of`) all told, each decoded by `decode`.
pub(super) async fn read_page<R, T, E, S>(
    page: Page,
    first: impl FnOnce(Page) -> Result<(String, E), StorageError>,
    rest: impl FnOnce(i64, (Timestamp, Uuid)) -> S,
    key_of: impl Fn(&R) -> (Timestamp, Uuid),
    text_of: impl Fn(&R) -> usize,
    decode: impl Fn(R) -> Result<T, StorageError>,
) -> Result<(Listed<T>, E), StorageError>
where
    R: DeserializeOwned,
    S: futures::Stream<Item = Result<R, sqlx::Error>>,
{
    let in_one_value = Page {
        limit: page.limit.min(ROWS_IN_ONE_VALUE),
        offset: page.offset,
    };
    let (json, extra) = first(in_one_value)?;
    let rows: Vec<R> = serde_json::from_str(&json).map_err(|error| StorageError::Invalid {
        what: format!("a page read as JSON: {error}"),
    })?;
    let read = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    let last = rows.last().map(&key_of);
    let (mut kept, mut text) = (Vec::with_capacity(rows.len()), 0);
    for row in rows {
        if text >= PAGE_TEXT_BUDGET {
            let listed = Listed {
                rows: kept,
                cut_short: true,
            };
            return Ok((listed, extra));
        }
        text += text_of(&row);
        kept.push(decode(row)?);
    }
    let last = match last {
        Some(last) if read == in_one_value.limit && page.limit > in_one_value.limit => last,
        _ => {
            let listed = Listed {
                rows: kept,
                cut_short: false,
            };
            return Ok((listed, extra));
        }
    };
    let rows = rest(page.limit - in_one_value.limit, last);
    let more = within_budget(text, rows, text_of, decode).await?;
    kept.extend(more.rows);
    let listed = Listed {
        rows: kept,
        cut_short: more.cut_short,
    };
    Ok((listed, extra))
}
