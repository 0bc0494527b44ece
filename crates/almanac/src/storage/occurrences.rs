//! Materialized occurrences: what the calendar reads. Written only by the generation job, which
//! replaces an event's set atomically and only for the event's current revision.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use uuid::Uuid;

use super::events::{Event, Page, within_budget};
use super::sqlite_inline::InlineReaders;
use super::sqlite_page;
use super::{Db, Pool, StorageError, Timestamp, Tx, on_pool, on_tx, on_writer};

/// An occurrence as the calendar shows it, with what it needs of its event: a row of
/// [`select_occurrences!`].
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Occurrence {
    pub id: Uuid,
    pub event_id: Uuid,
    /// The event's title.
    pub event_title: String,
    /// The occurrence's own title if its exception sets one, else the event's.
    pub title: String,
    /// The occurrence's own description if its exception sets one, else the event's.
    pub description: String,
    pub start_at: Timestamp,
    pub end_at: Timestamp,
    pub original_start: Timestamp,
    pub recurrence_id: Option<Uuid>,
    pub all_day: bool,
    pub timezone: String,
    /// Whether it has an exception (changes of its own).
    pub is_exception: bool,
    /// Whether it is cancelled (its original start is an exclusion date of the rule).
    pub cancelled: bool,
    /// The event's version: the occurrence's ETag.
    pub version: i64,
}

impl Occurrence {
    /// The length of its text: what a page holds of it beyond a fixed size.
    pub fn text_len(&self) -> usize {
        self.event_title.len() + self.title.len() + self.description.len()
    }
}

/// One generated occurrence: its identity is `(event, original_start)`, and `id` is derived from
/// that identity by the caller. `title` and `description` are its exception's (`None` follows
/// the event).
#[derive(Debug, Clone)]
pub struct GeneratedOccurrence {
    pub id: Uuid,
    pub original_start: Timestamp,
    pub start: Timestamp,
    pub end: Timestamp,
    pub title: Option<String>,
    pub description: Option<String>,
    pub is_exception: bool,
    pub cancelled: bool,
}

/// Which occurrences to list. A range selects occurrences that overlap it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct OccurrenceFilter {
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub event_id: Option<Uuid>,
    /// Whether cancelled occurrences are listed too.
    pub include_cancelled: bool,
}

/// The columns of an [`Occurrence`], then `$extra_columns`, `FROM` the occurrences with their
/// events and rules, then `$where_and_rest`.
macro_rules! select_occurrences {
    ($extra_columns:expr, $($where_and_rest:expr),+) => {
        concat!(
            "SELECT o.id, o.event_id, e.title AS event_title, COALESCE(o.title, e.title) AS title, ",
            "COALESCE(o.description, e.description) AS description, o.start_at, o.end_at, o.original_start, ",
            "r.id AS recurrence_id, e.all_day, e.timezone, o.is_exception, o.cancelled, e.version",
            $extra_columns,
            " FROM occurrences o JOIN events e ON e.id = o.event_id ",
            "LEFT JOIN recurrences r ON r.event_id = o.event_id ",
            $($where_and_rest),+
        )
    };
}

/// The range query: `$select` (up to its `FROM`), then the conditions, with extra ones (an event,
/// `$7`; cancelled ones left out) or none. Separate statements rather than one with
/// `$7 IS NULL OR …`, whose estimate PostgreSQL's generic plan gets badly wrong
/// (docs/BENCHMARKS.md). The scan's lower bound takes the longest of the owner's events and moved
/// occurrences, each found at the end of an index on `(owner_id, end_at - start_at)` rather than
/// among all the owner's rows (an exception that moves nothing has a `NULL` length), but never
/// reaches below year 1 (`$6`): an event may last millennia, and PostgreSQL refuses a timestamp
/// more than 4,713 years before year 1.
macro_rules! range_sql {
    ($select:expr $(, $extra_condition:literal)*) => {
        concat!(
            $select,
            "WHERE o.owner_id = $1 \
             AND o.start_at >= $2 - (SELECT MAX(CASE WHEN d.length > $2 - $6 THEN $2 - $6 ELSE d.length END) FROM (\
                 SELECT MAX(l.end_at - l.start_at) AS length FROM events l WHERE l.owner_id = $1 UNION ALL \
                 SELECT MAX(x.end_at - x.start_at) FROM occurrence_exceptions x WHERE x.owner_id = $1\
             ) d) \
             AND o.start_at < $3 AND o.end_at > $2 ",
            $($extra_condition,)*
            " ORDER BY o.start_at, o.id LIMIT $4 OFFSET $5"
        )
    };
}

/// The four forms of the range query over `$select`, as [`range_form`] picks them, each with the
/// condition `$after` if given, and each wrapped in `$wrap!` if given.
macro_rules! range_forms {
    ($wrap:ident; $select:expr $(, $after:literal)?) => {
        [
            $wrap!(range_sql!($select $(, $after)?)),
            $wrap!(range_sql!($select $(, $after)?, "AND NOT o.cancelled")),
            $wrap!(range_sql!($select, "AND o.event_id = $7 " $(, $after)?)),
            $wrap!(range_sql!($select, "AND o.event_id = $7 " $(, $after)?, "AND NOT o.cancelled")),
        ]
    };
    ($select:expr $(, $after:literal)?) => {
        range_forms!(as_is; $select $(, $after)?)
    };
}

/// A statement of [`range_forms!`] left as it is.
macro_rules! as_is {
    ($sql:expr) => {
        $sql
    };
}

/// The form of the range query that `filter` needs.
fn range_form(forms: &[&'static str; 4], filter: &OccurrenceFilter) -> &'static str {
    forms[usize::from(filter.event_id.is_some()) * 2 + usize::from(!filter.include_cancelled)]
}

/// Binds the parameters of [`range_sql`] to `$query`.
macro_rules! bind_range {
    ($query:expr, $owner_id:expr, $filter:expr, $page:expr) => {{
        let query = $query
            .bind($owner_id)
            .bind($filter.from.unwrap_or(Timestamp::MIN))
            .bind($filter.to.unwrap_or(Timestamp::MAX))
            .bind($page.limit)
            .bind($page.offset)
            .bind(Timestamp::MIN);
        match $filter.event_id {
            Some(event_id) => query.bind(event_id),
            None => query,
        }
    }};
}

/// The occurrences of a range, each row also saying whether any of the owner's series is stored
/// only up to a point before the window's end, so that the common answer — none — costs no second
/// round trip.
macro_rules! select_listed {
    () => {
        select_occurrences!(concat!(", ", beyond_horizon!(), " AS beyond_horizon "), "")
    };
}

/// Whether any of the owner's (`$1`) series is stored only up to a point before `$3`.
macro_rules! beyond_horizon {
    () => {
        "EXISTS (SELECT 1 FROM events h WHERE h.owner_id = $1 AND h.stored_until IS NOT NULL \
         AND h.stored_until < $3 AND h.occurrences_revision = h.revision)"
    };
}

const LISTED_FORMS: [&str; 4] = range_forms!(select_listed!());

/// SQLite, on the serving thread: the range query's occurrences without their events'
/// columns ([`OwnRow`]), and [`beyond_horizon!`]. A page's occurrences come from a few events,
/// each looked up once ([`EVENT_OF_OCCURRENCES`]) rather than joined again for every occurrence.
const OWN_ROW_FORMS: [&str; 4] = range_forms!(concat!(
    "SELECT o.id, o.event_id, o.title, o.description, o.start_at, o.end_at, o.original_start, \
     o.is_exception, o.cancelled, ",
    beyond_horizon!(),
    " FROM occurrences o "
));

/// What the occurrences of event `$1` take from it: the columns of [`EventOfOccurrences`].
const EVENT_OF_OCCURRENCES: &str = "SELECT e.title, e.description, e.all_day, e.timezone, \
     e.version, r.id FROM events e LEFT JOIN recurrences r ON r.event_id = e.id WHERE e.id = $1";

/// A row of [`OWN_ROW_FORMS`]: an occurrence's own columns, and whether the page may not be all.
struct OwnRow {
    id: Uuid,
    event_id: Uuid,
    title: Option<String>,
    description: Option<String>,
    start_at: Timestamp,
    end_at: Timestamp,
    original_start: Timestamp,
    is_exception: bool,
    cancelled: bool,
    beyond_horizon: bool,
}

impl OwnRow {
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(OwnRow {
            id: row.get(0)?,
            event_id: row.get(1)?,
            title: row.get(2)?,
            description: row.get(3)?,
            start_at: row.get(4)?,
            end_at: row.get(5)?,
            original_start: row.get(6)?,
            is_exception: row.get(7)?,
            cancelled: row.get(8)?,
            beyond_horizon: row.get(9)?,
        })
    }

    /// The occurrence as the calendar shows it: its own title and description where it has
    /// them, its event's otherwise.
    fn with_event(self, event: &EventOfOccurrences) -> Occurrence {
        Occurrence {
            id: self.id,
            event_id: self.event_id,
            event_title: event.title.clone(),
            title: self.title.unwrap_or_else(|| event.title.clone()),
            description: self
                .description
                .unwrap_or_else(|| event.description.clone()),
            start_at: self.start_at,
            end_at: self.end_at,
            original_start: self.original_start,
            recurrence_id: event.recurrence_id,
            all_day: event.all_day,
            timezone: event.timezone.clone(),
            is_exception: self.is_exception,
            cancelled: self.cancelled,
            version: event.version,
        }
    }
}

/// A row of [`EVENT_OF_OCCURRENCES`].
struct EventOfOccurrences {
    title: String,
    description: String,
    all_day: bool,
    timezone: String,
    version: i64,
    recurrence_id: Option<Uuid>,
}

impl EventOfOccurrences {
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(EventOfOccurrences {
            title: row.get(0)?,
            description: row.get(1)?,
            all_day: row.get(2)?,
            timezone: row.get(3)?,
            version: row.get(4)?,
            recurrence_id: row.get(5)?,
        })
    }
}

/// The first rows of a page on SQLite (see [`list_occurrences_on_sqlite`]), each with what it
/// takes from its event, and whether the page may not be all (`None` for an empty page). One
/// read transaction, so that the events are read as they were when their occurrences were.
fn read_first_rows(
    connection: &rusqlite::Connection,
    filter: &OccurrenceFilter,
    arguments: &[(&str, &dyn rusqlite::ToSql)],
) -> rusqlite::Result<(Vec<Occurrence>, Option<bool>)> {
    let transaction = connection.unchecked_transaction()?;
    let own_rows = transaction
        .prepare_cached(range_form(&OWN_ROW_FORMS, filter))?
        .query_map(arguments, OwnRow::from_sqlite)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let beyond_horizon = own_rows.first().map(|row| row.beyond_horizon);
    let mut lookup = transaction.prepare_cached(EVENT_OF_OCCURRENCES)?;
    let mut events: HashMap<Uuid, EventOfOccurrences> = HashMap::new();
    let mut occurrences = Vec::with_capacity(own_rows.len());
    for row in own_rows {
        let event = match events.entry(row.event_id) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(first) => {
                first.insert(lookup.query_row([row.event_id], EventOfOccurrences::from_sqlite)?)
            }
        };
        occurrences.push(row.with_event(event));
    }
    drop(lookup);
    transaction.commit()?;
    Ok((occurrences, beyond_horizon))
}

/// The range query's rows after `($8, $9)` in its order, for those of a page after the ones read
/// on the serving thread. `$7` is bound in every form (`NULL` where no event is asked for), `$5` is 0.
const AFTER_FORMS: [&str; 4] = range_forms!(
    select_occurrences!("", ""),
    "AND (o.start_at, o.id) > ($8, $9) "
);

/// A page of stored occurrences, and whether that may not be all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPage {
    pub occurrences: Vec<Occurrence>,
    /// Whether any of the owner's series is stored only up to a point before the window's end
    /// (its later occurrences are computed when asked for); `None` where the query cannot say
    /// (an empty page).
    pub beyond_horizon: Option<bool>,
    /// Whether rows were left out to keep the page's text within
    /// [`PAGE_TEXT_BUDGET`](super::events::PAGE_TEXT_BUDGET).
    pub cut_short: bool,
}

#[derive(sqlx::FromRow)]
struct ListedRow {
    #[sqlx(flatten)]
    occurrence: Occurrence,
    beyond_horizon: bool,
}

/// The owner's stored occurrences matching `filter`, by start time, as many of the page's as fit
/// in [`PAGE_TEXT_BUDGET`](super::events::PAGE_TEXT_BUDGET).
///
/// Overlap is `start < to AND end > from`. To let the `(owner_id, start_at)` index bound the scan
/// on both sides, the query also asks `start >= from - longest`, where `longest` is the longest
/// duration among the owner's events (computed once, in the same query): no occurrence that
/// starts earlier can reach `from`.
pub async fn list_occurrences(
    db: &Db,
    owner_id: Uuid,
    filter: OccurrenceFilter,
    page: Page,
) -> Result<StoredPage, StorageError> {
    if let Some((pool, inline)) = db.sqlite_readers() {
        return list_occurrences_on_sqlite(pool, inline, owner_id, filter, page).await;
    }
    let sql = range_form(&LISTED_FORMS, &filter);
    let listed = on_pool!(db, pool => within_budget(
        0,
        bind_range!(sqlx::query_as(sql), owner_id, filter, page).fetch(pool),
        |row: &ListedRow| row.occurrence.text_len(),
        |row: ListedRow| Ok((row.occurrence, row.beyond_horizon)),
    )
    .await?);
    Ok(StoredPage {
        beyond_horizon: listed
            .rows
            .first()
            .map(|(_, beyond_horizon)| *beyond_horizon),
        occurrences: listed
            .rows
            .into_iter()
            .map(|(occurrence, _)| occurrence)
            .collect(),
        cut_short: listed.cut_short,
    })
}

/// [`list_occurrences`] on SQLite: the page's first rows read on the serving thread
/// ([`sqlite_page`]).
async fn list_occurrences_on_sqlite(
    pool: &sqlx::SqlitePool,
    inline: &InlineReaders,
    owner_id: Uuid,
    filter: OccurrenceFilter,
    page: Page,
) -> Result<StoredPage, StorageError> {
    let (from, to) = (
        filter.from.unwrap_or(Timestamp::MIN),
        filter.to.unwrap_or(Timestamp::MAX),
    );
    let (listed, beyond_horizon) = sqlite_page::read_page(
        page,
        |first| {
            let mut arguments: Vec<(&str, &dyn rusqlite::ToSql)> = vec![
                ("$1", &owner_id),
                ("$2", &from),
                ("$3", &to),
                ("$4", &first.limit),
                ("$5", &first.offset),
                ("$6", &Timestamp::MIN),
            ];
            if let Some(event_id) = &filter.event_id {
                arguments.push(("$7", event_id));
            }
            inline.read(|connection| read_first_rows(connection, &filter, &arguments))
        },
        |limit, (start, id)| {
            sqlx::query_as(range_form(&AFTER_FORMS, &filter))
                .bind(owner_id)
                .bind(from)
                .bind(to)
                .bind(limit)
                .bind(0_i64)
                .bind(Timestamp::MIN)
                .bind(filter.event_id)
                .bind(start)
                .bind(id)
                .fetch(pool)
        },
        |occurrence| (occurrence.start_at, occurrence.id),
        Occurrence::text_len,
        Ok,
    )
    .await?;
    Ok(StoredPage {
        occurrences: listed.rows,
        beyond_horizon,
        cut_short: listed.cut_short,
    })
}

/// Where the stored occurrences of a page start, and their ids, without their text: what a page
/// merged with computed occurrences is cut from.
pub async fn list_occurrence_keys(
    db: &Db,
    owner_id: Uuid,
    filter: OccurrenceFilter,
    page: Page,
) -> Result<Vec<(Timestamp, Uuid)>, StorageError> {
    const KEY_FORMS: [&str; 4] = range_forms!("SELECT o.start_at, o.id FROM occurrences o ");
    let sql = range_form(&KEY_FORMS, &filter);
    Ok(
        on_pool!(db, pool => bind_range!(sqlx::query_as(sql), owner_id, filter, page)
        .fetch_all(pool)
        .await?),
    )
}

/// How the database runs the range query with these arguments, one step per line: the way to
/// check that it is served by the `(owner_id, start_at)` index.
pub async fn explain_list_occurrences(
    db: &Db,
    owner_id: Uuid,
    filter: OccurrenceFilter,
    page: Page,
) -> Result<String, StorageError> {
    const SQLITE_FORMS: [&str; 4] = range_forms!(concat!("EXPLAIN QUERY PLAN ", select_listed!()));
    const POSTGRES_FORMS: [&str; 4] = range_forms!(concat!("EXPLAIN ", select_listed!()));
    let steps: Vec<String> = match db.pool() {
        Pool::Sqlite(pool) => {
            let sql = range_form(&SQLITE_FORMS, &filter);
            let rows: Vec<(i64, i64, i64, String)> =
                bind_range!(sqlx::query_as(sql), owner_id, filter, page)
                    .fetch_all(pool)
                    .await?;
            rows.into_iter().map(|(.., step)| step).collect()
        }
        Pool::Postgres(pool) => {
            let sql = range_form(&POSTGRES_FORMS, &filter);
            bind_range!(sqlx::query_scalar(sql), owner_id, filter, page)
                .fetch_all(pool)
                .await?
        }
    };
    Ok(steps.join("\n"))
}

pub async fn find_occurrence(
    db: &Db,
    owner_id: Uuid,
    id: Uuid,
) -> Result<Option<Occurrence>, StorageError> {
    const SQL: &str = select_occurrences!("", "WHERE o.id = $1 AND o.owner_id = $2");
    Ok(
        on_pool!(db, pool => sqlx::query_as(SQL).bind(id).bind(owner_id).fetch_optional(pool).await?),
    )
}

/// Whether generated occurrences were stored, or a write to the event since it was read made them
/// moot: a newer revision, or a change to one of its occurrences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreOutcome {
    Stored,
    Superseded,
}

/// Rows per INSERT statement: 11 parameters each stays far below both backends' limits.
const INSERT_CHUNK: usize = 1000;

/// Which part of an event's series a write stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stretch {
    /// The whole series of a revision (up to where a series without end is stored): it records
    /// the revision as generated, and every row it does not hold goes, with earlier failures.
    Whole,
    /// The next part of a series without end, already generated for the revision and stored
    /// until `from`.
    After { from: Timestamp },
}

/// Stores `occurrences` of `event` as it was read, in one transaction, and marks the event stored
/// until `stored_until` (`None`: the whole series is stored). Upserts by
/// `(event, original_start)` so that unchanged occurrences keep their ids. Only if the event is
/// still at the version it was read at — and, for [`Stretch::After`], still stored until `from`
/// — so that a concurrent edit of the event or of one of its occurrences, or another worker
/// extending the same series, wins cleanly. Running it twice leaves the same rows.
pub async fn store_occurrences(
    db: &Db,
    event: &Event,
    stretch: Stretch,
    occurrences: &[GeneratedOccurrence],
    stored_until: Option<Timestamp>,
) -> Result<StoreOutcome, StorageError> {
    let Stretch::After { from } = stretch else {
        let whole = WholeSeries {
            event,
            occurrences,
            stored_until,
        };
        let outcomes = store_whole_series(db, &[whole]).await?;
        return Ok(outcomes
            .first()
            .copied()
            .unwrap_or(StoreOutcome::Superseded));
    };
    let rows: Vec<_> = occurrences
        .iter()
        .map(|occurrence| (event, occurrence))
        .collect();
    Ok(on_writer!(db, pool => {
        let mut tx = super::begin(pool).await?;
        // Writing first takes the event's row lock (PostgreSQL) or the write lock (SQLite), so a
        // concurrent edit waits for this commit and then bumps the revision again.
        let current = sqlx::query(
            "UPDATE events SET stored_until = $3 WHERE id = $2 AND revision = $1 AND version = $4 \
             AND occurrences_revision = $1 AND stored_until = $5",
        )
        .bind(event.revision)
        .bind(event.id)
        .bind(stored_until)
        .bind(event.version)
        .bind(from)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if current == 0 {
            tx.rollback().await?;
            StoreOutcome::Superseded
        } else {
            for chunk in rows.chunks(INSERT_CHUNK) {
                upsert(chunk).build().persistent(false).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            db.changes().bump(event.owner_id);
            StoreOutcome::Stored
        }
    }))
}

/// The whole series of an event's revision, ready to store: the event as it was read, its
/// occurrences, and where they stop (`None`: the series has no more).
#[derive(Debug, Clone, Copy)]
pub struct WholeSeries<'a> {
    pub event: &'a Event,
    pub occurrences: &'a [GeneratedOccurrence],
    pub stored_until: Option<Timestamp>,
}

/// Stores several whole series in one transaction, each as [`store_occurrences`] stores one with
/// [`Stretch::Whole`]: only if its event is still at the version it was read at, recording the
/// revision as generated, and removing the rows of earlier revisions and earlier failures. One
/// transaction and a few statements for many series, instead of some eight round trips each, is
/// what lets a worker keep up with a burst of writes. The events must differ. Returns each
/// series' outcome, in order.
pub async fn store_whole_series(
    db: &Db,
    batch: &[WholeSeries<'_>],
) -> Result<Vec<StoreOutcome>, StorageError> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let on_postgres = matches!(db.writer(), Pool::Postgres(_));
    Ok(on_writer!(db, pool => {
        let mut tx = super::begin(pool).await?;
        if on_postgres {
            // Occurrences are derived: a crash that lost this commit would leave the events stale,
            // and the reconciler would generate them again. So the commit does not wait for the
            // disk, which held each worker's batches back (docs/BENCHMARKS.md).
            sqlx::query("SET LOCAL synchronous_commit = off").execute(&mut *tx).await?;
        }
        let mut outcomes = vec![StoreOutcome::Superseded; batch.len()];
        // Writing first takes the events' row locks (PostgreSQL) or the write lock (SQLite), so
        // a concurrent edit waits for this commit and then bumps the revision again. In the
        // events' order: batches stored at once that share events take their locks in the same
        // order, and never wait for each other in a circle.
        let mut in_lock_order: Vec<usize> = (0..batch.len()).collect();
        in_lock_order.sort_by_key(|&index| batch[index].event.id);
        for index in in_lock_order {
            let series = &batch[index];
            let current = sqlx::query(
                "UPDATE events SET occurrences_revision = $1, stored_until = $3 \
                 WHERE id = $2 AND revision = $1 AND version = $4",
            )
            .bind(series.event.revision)
            .bind(series.event.id)
            .bind(series.stored_until)
            .bind(series.event.version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if current > 0 {
                outcomes[index] = StoreOutcome::Stored;
            }
        }
        let stored: Vec<&WholeSeries<'_>> = batch
            .iter()
            .zip(&outcomes)
            .filter(|(_, outcome)| **outcome == StoreOutcome::Stored)
            .map(|(series, _)| series)
            .collect();
        if stored.is_empty() {
            tx.rollback().await?;
        } else {
            let rows: Vec<_> = stored
                .iter()
                .flat_map(|series| series.occurrences.iter().map(|occurrence| (series.event, occurrence)))
                .collect();
            for chunk in rows.chunks(INSERT_CHUNK) {
                upsert(chunk).build().persistent(false).execute(&mut *tx).await?;
            }
            let ids: Vec<Uuid> = stored.iter().map(|series| series.event.id).collect();
            // The guard above set each event's revision as generated, under its lock.
            let mut earlier_revisions = sqlx::QueryBuilder::new(
                "DELETE FROM occurrences WHERE revision <> (SELECT e.revision FROM events e \
                 WHERE e.id = occurrences.event_id) AND event_id IN ",
            );
            super::push_id_list(&mut earlier_revisions, &ids);
            earlier_revisions.build().persistent(false).execute(&mut *tx).await?;
            let mut failures = sqlx::QueryBuilder::new("DELETE FROM generation_failures WHERE event_id IN ");
            super::push_id_list(&mut failures, &ids);
            failures.build().persistent(false).execute(&mut *tx).await?;
            tx.commit().await?;
            for series in &stored {
                db.changes().bump(series.event.owner_id);
            }
        }
        outcomes
    }))
}

/// An INSERT of `chunk`, occurrences with their events, that keeps the id of an occurrence
/// already stored at the same original start. Its length varies: run it with `.persistent(false)`
/// (see `push_id_list`).
fn upsert<DB: sqlx::Database>(chunk: &[(&Event, &GeneratedOccurrence)]) -> sqlx::QueryBuilder<DB>
where
    DB::Arguments: Default,
    for<'q> Uuid: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Timestamp: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let mut insert = sqlx::QueryBuilder::new(
        "INSERT INTO occurrences (id, event_id, owner_id, original_start, start_at, end_at, revision, \
         title, description, is_exception, cancelled) ",
    );
    insert.push_values(chunk, |mut row, (event, occurrence)| {
        row.push_bind(occurrence.id)
            .push_bind(event.id)
            .push_bind(event.owner_id)
            .push_bind(occurrence.original_start)
            .push_bind(occurrence.start)
            .push_bind(occurrence.end)
            .push_bind(event.revision)
            .push_bind(occurrence.title.clone())
            .push_bind(occurrence.description.clone())
            .push_bind(occurrence.is_exception)
            .push_bind(occurrence.cancelled);
    });
    insert.push(
        " ON CONFLICT (event_id, original_start) DO UPDATE SET start_at = excluded.start_at, \
         end_at = excluded.end_at, revision = excluded.revision, title = excluded.title, \
         description = excluded.description, is_exception = excluded.is_exception, \
         cancelled = excluded.cancelled",
    );
    insert
}

/// Sets a stored occurrence as a change to it left it, so that the calendar shows the change at
/// once (the regeneration the change asks for writes the same). Nothing if it is not stored (it
/// lies beyond its series' stored horizon).
pub async fn restate_occurrence(
    tx: &mut Tx,
    event_id: Uuid,
    occurrence: &GeneratedOccurrence,
) -> Result<(), StorageError> {
    on_tx!(tx, conn => sqlx::query(
        "UPDATE occurrences SET start_at = $3, end_at = $4, title = $5, description = $6, \
         is_exception = $7, cancelled = $8 WHERE event_id = $1 AND original_start = $2",
    )
    .bind(event_id)
    .bind(occurrence.original_start)
    .bind(occurrence.start)
    .bind(occurrence.end)
    .bind(&occurrence.title)
    .bind(&occurrence.description)
    .bind(occurrence.is_exception)
    .bind(occurrence.cancelled)
    .execute(conn)
    .await?
    .rows_affected());
    Ok(())
}

/// Removes a series' stored occurrences from `from` on (the part a "this and following" change
/// hands to a new event), so that the calendar never shows them twice meanwhile.
pub async fn delete_occurrences_from(
    tx: &mut Tx,
    event_id: Uuid,
    from: Timestamp,
) -> Result<(), StorageError> {
    on_tx!(tx, conn => sqlx::query("DELETE FROM occurrences WHERE event_id = $1 AND original_start >= $2")
        .bind(event_id)
        .bind(from)
        .execute(conn)
        .await?
        .rows_affected());
    Ok(())
}
