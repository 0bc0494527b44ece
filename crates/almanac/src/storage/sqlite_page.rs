//! Pages of a list on SQLite: their first rows are read on the serving thread
//! ([`super::sqlite_inline`]), where no row crosses threads, and decoded straight from SQLite's
//! values; any further ones come row by row through sqlx, off that thread. The first rows were
//! once read through sqlx too, as one JSON value that SQLite built and the server parsed (so that
//! they crossed threads in one message); decoded here instead, a window of the calendar read from
//! the database takes a quarter less of the server's CPU (docs/BENCHMARKS.md). Each list decodes
//! a row from its columns in the order its query names them; tests compare every row of a page
//! with the same row read alone.

use uuid::Uuid;

use super::events::{Listed, PAGE_TEXT_BUDGET, Page, within_budget};
use super::{StorageError, Timestamp};

/// At most this many rows of a page are read on the serving thread, the rest row by row off it:
/// a page of thousands would otherwise hold that thread for milliseconds.
const ROWS_ON_THE_SERVING_THREAD: i64 = 100;

/// Reads `page` of rows in `(start, id)` order: its first rows from `first` (with whatever else
/// that read answers, `E`; run on this thread, see [`super::sqlite_inline`]), any further ones
/// row by row from `rest` — at most `limit` rows after the `(start, id)` of the last row read
/// (`key_of`), rather than again past those before it — as many as fit in [`PAGE_TEXT_BUDGET`]
/// of text (`text_of`) all told, each decoded by `decode`.
pub(super) async fn read_page<R, T, E, S>(
    page: Page,
    first: impl FnOnce(Page) -> Result<(Vec<R>, E), StorageError>,
    rest: impl FnOnce(i64, (Timestamp, Uuid)) -> S,
    key_of: impl Fn(&R) -> (Timestamp, Uuid),
    text_of: impl Fn(&R) -> usize,
    decode: impl Fn(R) -> Result<T, StorageError>,
) -> Result<(Listed<T>, E), StorageError>
where
    S: futures::Stream<Item = Result<R, sqlx::Error>>,
{
    let on_this_thread = Page {
        limit: page.limit.min(ROWS_ON_THE_SERVING_THREAD),
        offset: page.offset,
    };
    let (rows, extra) = first(on_this_thread)?;
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
        Some(last) if read == on_this_thread.limit && page.limit > on_this_thread.limit => last,
        _ => {
            let listed = Listed {
                rows: kept,
                cut_short: false,
            };
            return Ok((listed, extra));
        }
    };
    let rows = rest(page.limit - on_this_thread.limit, last);
    let more = within_budget(text, rows, text_of, decode).await?;
    kept.extend(more.rows);
    let listed = Listed {
        rows: kept,
        cut_short: more.cut_short,
    };
    Ok((listed, extra))
}
