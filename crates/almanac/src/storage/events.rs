//! Events and their recurrence rules. Every write that changes an event's schedule bumps its
//! `revision` in the same transaction, which marks its occurrences stale until regenerated.
//!
//! Rows are decoded into the engine's types here — a rule into [`recurrence::Rule`], the
//! generation state into [`OccurrencesStatus`] — and a row that does not decode is an error, never
//! skipped or read as something else.

use recurrence::{End, Rule};
use uuid::Uuid;

use super::{Db, StorageError, Timestamp, Tx, on_pool, on_tx, sqlite_page};

/// An event's recurrence rule with its exclusion dates, and the id clients address it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recurrence {
    pub id: Uuid,
    pub rule: Rule,
    /// Original starts of occurrences to skip, sorted.
    pub exdates: Vec<Timestamp>,
}

/// Whether an event's stored occurrences are those of its current version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OccurrencesStatus {
    /// Not generated yet for this version.
    Pending,
    Ready,
    /// This version cannot be generated (see `generation_failures`).
    Failed,
}

impl OccurrencesStatus {
    /// As the API and pages say it.
    pub fn as_str(self) -> &'static str {
        match self {
            OccurrencesStatus::Pending => "pending",
            OccurrencesStatus::Ready => "ready",
            OccurrencesStatus::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub title: String,
    pub description: String,
    /// For an all-day event, the starts of its first day and of the day after its last in
    /// `timezone` (its dates are read back from them there).
    pub start: Timestamp,
    pub end: Timestamp,
    pub all_day: bool,
    /// When the last occurrence ends (the event's end for a one-off, [`Timestamp::MAX`] for a
    /// series without end).
    pub series_end: Timestamp,
    pub timezone: String,
    pub recurrence: Option<Recurrence>,
    pub revision: i64,
    pub occurrences_revision: i64,
    pub status: OccurrencesStatus,
    /// For a series stored only up to a horizon: every occurrence of the generated revision
    /// that starts before this is stored; `None` when the whole series is.
    pub stored_until: Option<Timestamp>,
    /// Moves with every write to the event or its occurrences: their ETag.
    pub version: i64,
    /// The series a "this and following" edit cut this one from.
    pub split_from: Option<Uuid>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Event {
    /// Whether the stored occurrences were generated from the current version of the event.
    pub fn occurrences_ready(&self) -> bool {
        self.status == OccurrencesStatus::Ready
    }
}

/// A recurrence as written (the id is assigned by storage).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecurrenceFields {
    pub rule: Rule,
    pub exdates: Vec<Timestamp>,
}

/// Everything a client sets on an event.
#[derive(Debug, Clone)]
pub struct EventFields {
    pub title: String,
    pub description: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub all_day: bool,
    /// When the series' last occurrence ends, as validation expanded it.
    pub series_end: Timestamp,
    pub timezone: String,
    pub recurrence: Option<RecurrenceFields>,
}

/// An event's row: a row of [`select_events!`].
#[derive(sqlx::FromRow)]
struct EventRow {
    id: Uuid,
    owner_id: Uuid,
    title: String,
    description: String,
    start_at: Timestamp,
    end_at: Timestamp,
    all_day: bool,
    series_end_at: Timestamp,
    timezone: String,
    revision: i64,
    occurrences_revision: i64,
    generation_failed: bool,
    stored_until: Option<Timestamp>,
    version: i64,
    split_from: Option<Uuid>,
    created_at: Timestamp,
    updated_at: Timestamp,
    recurrence_id: Option<Uuid>,
    pattern: Option<String>,
    count: Option<i32>,
    until: Option<Timestamp>,
    exdates: Option<String>,
}

impl EventRow {
    /// Decodes a row of [`select_events!`] read on the serving thread
    /// ([`super::sqlite_inline`]), its columns in the order that query names them.
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(EventRow {
            id: row.get(0)?,
            owner_id: row.get(1)?,
            title: row.get(2)?,
            description: row.get(3)?,
            start_at: row.get(4)?,
            end_at: row.get(5)?,
            all_day: row.get(6)?,
            series_end_at: row.get(7)?,
            timezone: row.get(8)?,
            revision: row.get(9)?,
            occurrences_revision: row.get(10)?,
            stored_until: row.get(11)?,
            version: row.get(12)?,
            split_from: row.get(13)?,
            created_at: row.get(14)?,
            updated_at: row.get(15)?,
            generation_failed: row.get(16)?,
            recurrence_id: row.get(17)?,
            pattern: row.get(18)?,
            count: row.get(19)?,
            until: row.get(20)?,
            exdates: row.get(21)?,
        })
    }
}

impl TryFrom<EventRow> for Event {
    type Error = StorageError;

    fn try_from(row: EventRow) -> Result<Self, StorageError> {
        let invalid = |what: String| StorageError::Invalid {
            what: format!("event {}: {what}", row.id),
        };
        let recurrence = match (row.recurrence_id, &row.pattern) {
            (Some(id), Some(pattern)) => {
                let end = match (row.count, row.until) {
                    (Some(count), None) => End::Count(
                        u32::try_from(count).map_err(|_| invalid(format!("count {count}")))?,
                    ),
                    (None, Some(until)) => End::Until(until.as_jiff()),
                    (None, None) => End::Never,
                    (Some(_), Some(_)) => return Err(invalid("both count and until".into())),
                };
                let rule = Rule::parse_rrule(pattern, &recurrence::TimeZone::UTC)
                    .and_then(|rule| rule.with_end(end))
                    .map_err(|error| invalid(format!("rule {pattern:?}: {error}")))?;
                let exdates = decode_exdates(row.exdates.as_deref().unwrap_or_default())
                    .ok_or_else(|| invalid(format!("exdates {:?}", row.exdates)))?;
                Some(Recurrence { id, rule, exdates })
            }
            (None, None) => None,
            _ => return Err(invalid("a recurrence without a pattern".into())),
        };
        let status = if row.occurrences_revision >= row.revision {
            OccurrencesStatus::Ready
        } else if row.generation_failed {
            OccurrencesStatus::Failed
        } else {
            OccurrencesStatus::Pending
        };
        Ok(Event {
            id: row.id,
            owner_id: row.owner_id,
            title: row.title,
            description: row.description,
            start: row.start_at,
            end: row.end_at,
            all_day: row.all_day,
            series_end: row.series_end_at,
            timezone: row.timezone,
            recurrence,
            revision: row.revision,
            occurrences_revision: row.occurrences_revision,
            status,
            stored_until: row.stored_until,
            version: row.version,
            split_from: row.split_from,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

fn decode_exdates(text: &str) -> Option<Vec<Timestamp>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    text.split(',')
        .map(|item| item.parse::<jiff::Timestamp>().ok().map(Timestamp::from))
        .collect()
}

fn encode_exdates(exdates: &[Timestamp]) -> String {
    exdates
        .iter()
        .map(Timestamp::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The columns a rule is stored in: its pattern, count, until and exclusion dates.
fn rule_columns(fields: &RecurrenceFields) -> (String, Option<i32>, Option<Timestamp>, String) {
    let (count, until) = match fields.rule.end() {
        End::Count(count) => (Some(i32::try_from(count).unwrap_or(i32::MAX)), None),
        End::Until(until) => (None, Some(Timestamp::from(until))),
        End::Never => (None, None),
    };
    (
        fields.rule.pattern(),
        count,
        until,
        encode_exdates(&fields.exdates),
    )
}

fn decode_all(rows: Vec<EventRow>) -> Result<Vec<Event>, StorageError> {
    rows.into_iter().map(Event::try_from).collect()
}

macro_rules! select_events {
    ($where_and_rest:expr) => {
        select_events!("", "", $where_and_rest)
    };
    ($extra_columns:literal, $extra_joins:literal, $where_and_rest:expr) => {
        concat!(
            "SELECT e.id, e.owner_id, e.title, e.description, e.start_at, e.end_at, e.all_day, e.series_end_at, ",
            "e.timezone, e.revision, e.occurrences_revision, e.stored_until, e.version, e.split_from, e.created_at, e.updated_at, ",
            "f.event_id IS NOT NULL AS generation_failed, ",
            "r.id AS recurrence_id, r.pattern, r.count, r.until, r.exdates",
            $extra_columns,
            " FROM events e LEFT JOIN recurrences r ON r.event_id = e.id ",
            "LEFT JOIN generation_failures f ON f.event_id = e.id AND f.revision = e.revision AND f.permanent ",
            $extra_joins,
            $where_and_rest
        )
    };
}

/// An event to create: whose, and its fields.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub owner_id: Uuid,
    pub fields: EventFields,
}

/// Creates events with their rules in one transaction, all or none, in one `INSERT` per table;
/// their occurrences start out pending (revision 1, generated 0). Returns them as a read would,
/// in order: decoded from the values written, with no read back.
pub async fn insert_events(db: &Db, new: &[NewEvent]) -> Result<Vec<Event>, StorageError> {
    if new.is_empty() {
        return Ok(Vec::new());
    }
    let now = Timestamp::now();
    let rows: Vec<EventRow> = new
        .iter()
        .map(|event| created_row(Uuid::now_v7(), event.owner_id, &event.fields, None, now))
        .collect();
    let mut tx = db.transaction().await?;
    insert_rows(&mut tx, &rows).await?;
    tx.commit_for(db, new.iter().map(|event| event.owner_id))
        .await?;
    rows.into_iter().map(Event::try_from).collect()
}

/// Creates event `id` inside a change (`split_from`: the series it continues), and returns it
/// as [`insert_events`] does.
pub async fn insert_event_in(
    tx: &mut Tx,
    owner_id: Uuid,
    fields: &EventFields,
    split_from: Option<Uuid>,
    id: Uuid,
) -> Result<Event, StorageError> {
    let row = created_row(id, owner_id, fields, split_from, Timestamp::now());
    insert_rows(tx, std::slice::from_ref(&row)).await?;
    Event::try_from(row)
}

/// The row an event is created as, with the values the columns take by default.
fn created_row(
    id: Uuid,
    owner_id: Uuid,
    fields: &EventFields,
    split_from: Option<Uuid>,
    now: Timestamp,
) -> EventRow {
    let rule = fields.recurrence.as_ref().map(rule_columns);
    let recurrence_id = rule.as_ref().map(|_| Uuid::now_v7());
    let (pattern, count, until, exdates) = match rule {
        Some((pattern, count, until, exdates)) => (Some(pattern), count, until, Some(exdates)),
        None => (None, None, None, None),
    };
    EventRow {
        id,
        owner_id,
        title: fields.title.clone(),
        description: fields.description.clone(),
        start_at: fields.start,
        end_at: fields.end,
        all_day: fields.all_day,
        series_end_at: fields.series_end,
        timezone: fields.timezone.clone(),
        revision: 1,
        occurrences_revision: 0,
        generation_failed: false,
        stored_until: None,
        version: 1,
        split_from,
        created_at: now,
        updated_at: now,
        recurrence_id,
        pattern,
        count,
        until,
        exdates,
    }
}

/// Writes new events' rows and those of their rules, one `INSERT` per table. A statement's
/// length follows the number of rows, so only the one-row forms are kept prepared (see
/// `push_id_list`).
async fn insert_rows(tx: &mut Tx, rows: &[EventRow]) -> Result<(), StorageError> {
    let one_row = rows.len() == 1;
    on_tx!(tx, conn => {
        let mut events = sqlx::QueryBuilder::new(
            "INSERT INTO events (id, owner_id, title, description, start_at, end_at, all_day, series_end_at, \
             timezone, revision, occurrences_revision, version, split_from, revised_at, created_at, updated_at) ",
        );
        events.push_values(rows, |mut values, row| {
            values
                .push_bind(row.id)
                .push_bind(row.owner_id)
                .push_bind(row.title.as_str())
                .push_bind(row.description.as_str())
                .push_bind(row.start_at)
                .push_bind(row.end_at)
                .push_bind(row.all_day)
                .push_bind(row.series_end_at)
                .push_bind(row.timezone.as_str())
                .push_bind(row.revision)
                .push_bind(row.occurrences_revision)
                .push_bind(row.version)
                .push_bind(row.split_from)
                .push_bind(row.created_at)
                .push_bind(row.created_at)
                .push_bind(row.updated_at);
        });
        events.build().persistent(one_row).execute(&mut *conn).await?;
        let rules: Vec<&EventRow> = rows.iter().filter(|row| row.recurrence_id.is_some()).collect();
        if !rules.is_empty() {
            let mut recurrences = sqlx::QueryBuilder::new(
                "INSERT INTO recurrences (id, event_id, pattern, count, until, exdates) ",
            );
            recurrences.push_values(rules, |mut values, row| {
                values
                    .push_bind(row.recurrence_id)
                    .push_bind(row.id)
                    .push_bind(row.pattern.as_deref())
                    .push_bind(row.count)
                    .push_bind(row.until)
                    .push_bind(row.exdates.as_deref());
            });
            recurrences.build().persistent(one_row).execute(&mut *conn).await?;
        }
    });
    Ok(())
}

/// Locks the owner's event for a change and reads it: the change's first statement, a write that
/// changes nothing, takes SQLite's write lock or the row's lock on PostgreSQL (see
/// [`Db::transaction`]). `None` if the owner has no such event.
pub async fn lock_event(
    tx: &mut Tx,
    owner_id: Uuid,
    id: Uuid,
) -> Result<Option<Event>, StorageError> {
    let locked = on_tx!(tx, conn => sqlx::query("UPDATE events SET version = version WHERE id = $1 AND owner_id = $2")
        .bind(id)
        .bind(owner_id)
        .execute(conn)
        .await?
        .rows_affected());
    if locked == 0 {
        return Ok(None);
    }
    find_event_in(tx, owner_id, id).await
}

/// The owner's event as a change sees it.
pub async fn find_event_in(
    tx: &mut Tx,
    owner_id: Uuid,
    id: Uuid,
) -> Result<Option<Event>, StorageError> {
    const SQL: &str = select_events!("WHERE e.id = $1 AND e.owner_id = $2");
    let row: Option<EventRow> =
        on_tx!(tx, conn => sqlx::query_as(SQL).bind(id).bind(owner_id).fetch_optional(conn).await?);
    row.map(Event::try_from).transpose()
}

pub async fn find_event(db: &Db, owner_id: Uuid, id: Uuid) -> Result<Option<Event>, StorageError> {
    const SQL: &str = select_events!("WHERE e.id = $1 AND e.owner_id = $2");
    let row: Option<EventRow> = on_pool!(db, pool => sqlx::query_as(SQL).bind(id).bind(owner_id).fetch_optional(pool).await?);
    row.map(Event::try_from).transpose()
}

/// A page of a list, and whether rows were left out of it to stay within [`PAGE_TEXT_BUDGET`].
#[derive(Debug)]
pub struct Listed<T> {
    pub rows: Vec<T>,
    pub cut_short: bool,
}

/// The most text one page of events holds in memory: 5,000 events whose descriptions are at their
/// longest would otherwise take some 300 MB before the answer is cut to its size limit.
pub const PAGE_TEXT_BUDGET: usize = 4 * 1024 * 1024;

/// Reads rows one at a time until their text (`text_of`), after `spent` already in the page,
/// passes [`PAGE_TEXT_BUDGET`] (the first row always, so every page makes progress); the rest of
/// the query is dropped.
pub(super) async fn within_budget<R, T>(
    spent: usize,
    rows: impl futures::Stream<Item = Result<R, sqlx::Error>>,
    text_of: impl Fn(&R) -> usize,
    decode: impl Fn(R) -> Result<T, StorageError>,
) -> Result<Listed<T>, StorageError> {
    use futures::TryStreamExt;
    let mut rows = std::pin::pin!(rows);
    let (mut kept, mut text) = (Vec::new(), spent);
    while let Some(row) = rows.try_next().await? {
        if text >= PAGE_TEXT_BUDGET {
            return Ok(Listed {
                rows: kept,
                cut_short: true,
            });
        }
        text += text_of(&row);
        kept.push(decode(row)?);
    }
    Ok(Listed {
        rows: kept,
        cut_short: false,
    })
}

impl EventRow {
    fn text_len(&self) -> usize {
        self.title.len() + self.description.len() + self.exdates.as_ref().map_or(0, String::len)
    }
}

/// The owner's (`$1`) events by start time, `$2` from the `$3`-th.
macro_rules! owners_page {
    () => {
        "WHERE e.owner_id = $1 ORDER BY e.start_at, e.id LIMIT $2 OFFSET $3"
    };
}

/// The owner's events by start time.
pub async fn list_events(
    db: &Db,
    owner_id: Uuid,
    page: Page,
) -> Result<Listed<Event>, StorageError> {
    const SQL: &str = select_events!(owners_page!());
    const AFTER_SQL: &str = select_events!(
        "WHERE e.owner_id = $1 AND (e.start_at, e.id) > ($3, $4) ORDER BY e.start_at, e.id LIMIT $2"
    );
    // On SQLite the first rows are read on the serving thread: see `sqlite_page`.
    let Some((pool, inline)) = db.sqlite_readers() else {
        return on_pool!(db, pool => within_budget(0, sqlx::query_as(SQL)
            .bind(owner_id)
            .bind(page.limit)
            .bind(page.offset)
            .fetch(pool), EventRow::text_len, Event::try_from).await);
    };
    let (listed, ()) = sqlite_page::read_page(
        page,
        |first| {
            inline.read(|connection| {
                let rows = connection
                    .prepare_cached(SQL)?
                    .query_map(
                        rusqlite::named_params! {
                            "$1": owner_id,
                            "$2": first.limit,
                            "$3": first.offset,
                        },
                        EventRow::from_sqlite,
                    )?
                    .collect::<rusqlite::Result<_>>()?;
                Ok((rows, ()))
            })
        },
        |limit, (start, id)| {
            sqlx::query_as(AFTER_SQL)
                .bind(owner_id)
                .bind(limit)
                .bind(start)
                .bind(id)
                .fetch(pool)
        },
        |row| (row.start_at, row.id),
        EventRow::text_len,
        Event::try_from,
    )
    .await?;
    Ok(listed)
}

/// An event with its owner's email, for the admin pages.
#[derive(Debug, Clone)]
pub struct OwnedEvent {
    pub event: Event,
    pub owner_email: String,
}

#[derive(sqlx::FromRow)]
struct OwnedEventRow {
    #[sqlx(flatten)]
    event: EventRow,
    owner_email: String,
}

/// Every user's events, the most recently created first (for the admin pages).
pub async fn list_all_events(db: &Db, page: Page) -> Result<Vec<OwnedEvent>, StorageError> {
    const SQL: &str = select_events!(
        ", u.email AS owner_email",
        "JOIN users u ON u.id = e.owner_id ",
        "ORDER BY e.created_at DESC, e.id LIMIT $1 OFFSET $2"
    );
    let rows: Vec<OwnedEventRow> = on_pool!(db, pool => sqlx::query_as(SQL)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(pool)
        .await?);
    rows.into_iter()
        .map(|row| {
            Ok(OwnedEvent {
                event: row.event.try_into()?,
                owner_email: row.owner_email,
            })
        })
        .collect()
}

/// Any user's event by id, for background work that is not on a user's behalf.
pub async fn find_event_by_id(db: &Db, id: Uuid) -> Result<Option<Event>, StorageError> {
    const SQL: &str = select_events!("WHERE e.id = $1");
    let row: Option<EventRow> =
        on_pool!(db, pool => sqlx::query_as(SQL).bind(id).fetch_optional(pool).await?);
    row.map(Event::try_from).transpose()
}

/// Any users' events by id, in no particular order; those that are gone are left out.
pub async fn find_events_by_ids(db: &Db, ids: &[Uuid]) -> Result<Vec<Event>, StorageError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<EventRow> = on_pool!(db, pool => {
        let mut query = sqlx::QueryBuilder::new(select_events!("WHERE e.id IN "));
        super::push_id_list(&mut query, ids);
        query.build_query_as().persistent(false).fetch_all(pool).await?
    });
    decode_all(rows)
}

/// Replaces a locked event's fields and rule, and moves its version on. When
/// `schedule_changed`, the revision moves too, so that its occurrences are regenerated.
pub async fn write_event(
    tx: &mut Tx,
    id: Uuid,
    fields: &EventFields,
    schedule_changed: bool,
) -> Result<(), StorageError> {
    let now = Timestamp::now();
    let bump: i64 = schedule_changed.into();
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE events SET title = $1, description = $2, start_at = $3, end_at = $4, timezone = $5, \
             revision = revision + $6, revised_at = CASE WHEN $6 > 0 THEN $7 ELSE revised_at END, updated_at = $7, \
             series_end_at = $9, all_day = $10, version = version + 1 WHERE id = $8",
        )
        .bind(&fields.title)
        .bind(&fields.description)
        .bind(fields.start)
        .bind(fields.end)
        .bind(&fields.timezone)
        .bind(bump)
        .bind(now)
        .bind(id)
        .bind(fields.series_end)
        .bind(fields.all_day)
        .execute(&mut *conn)
        .await?;
        if schedule_changed {
            match &fields.recurrence {
                Some(recurrence) => {
                    let (pattern, count, until, exdates) = rule_columns(recurrence);
                    sqlx::query(
                        "INSERT INTO recurrences (id, event_id, pattern, count, until, exdates) \
                         VALUES ($1, $2, $3, $4, $5, $6) \
                         ON CONFLICT (event_id) DO UPDATE SET pattern = excluded.pattern, \
                         count = excluded.count, until = excluded.until, exdates = excluded.exdates",
                    )
                    .bind(Uuid::now_v7())
                    .bind(id)
                    .bind(pattern)
                    .bind(count)
                    .bind(until)
                    .bind(exdates)
                    .execute(&mut *conn)
                    .await?;
                }
                None => {
                    sqlx::query("DELETE FROM recurrences WHERE event_id = $1").bind(id).execute(&mut *conn).await?;
                }
            }
        }
    });
    Ok(())
}

/// Records a change to one of a locked event's occurrences: its version moves on (not its
/// revision: the change writes the stored occurrence itself, and a generation under way starts
/// again when it sees the new version).
pub async fn touch_event(tx: &mut Tx, id: Uuid) -> Result<(), StorageError> {
    let now = Timestamp::now();
    on_tx!(tx, conn => sqlx::query(
        "UPDATE events SET version = version + 1, updated_at = $2 WHERE id = $1",
    )
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?
    .rows_affected());
    Ok(())
}

/// Replaces a locked series' exclusion dates (its cancelled occurrences).
pub async fn set_exdates(tx: &mut Tx, id: Uuid, exdates: &[Timestamp]) -> Result<(), StorageError> {
    on_tx!(tx, conn => sqlx::query("UPDATE recurrences SET exdates = $2 WHERE event_id = $1")
        .bind(id)
        .bind(encode_exdates(exdates))
        .execute(conn)
        .await?
        .rows_affected());
    Ok(())
}

/// Deletes a locked event with its rule, exceptions and occurrences.
pub async fn delete_event_in(tx: &mut Tx, id: Uuid) -> Result<(), StorageError> {
    on_tx!(tx, conn => sqlx::query("DELETE FROM events WHERE id = $1").bind(id).execute(conn).await?.rows_affected());
    Ok(())
}

/// The owner's recurring events (those with a rule), by start.
pub async fn list_recurring_events(
    db: &Db,
    owner_id: Uuid,
    page: Page,
) -> Result<Listed<Event>, StorageError> {
    const SQL: &str = select_events!(
        "WHERE e.owner_id = $1 AND r.id IS NOT NULL ORDER BY e.start_at, e.id LIMIT $2 OFFSET $3"
    );
    on_pool!(db, pool => within_budget(0, sqlx::query_as(SQL)
        .bind(owner_id)
        .bind(page.limit)
        .bind(page.offset)
        .fetch(pool), EventRow::text_len, Event::try_from).await)
}

/// The event that owns recurrence `id`, if the owner has it.
pub async fn find_event_by_recurrence(
    db: &Db,
    owner_id: Uuid,
    id: Uuid,
) -> Result<Option<Event>, StorageError> {
    const SQL: &str = select_events!("WHERE r.id = $1 AND e.owner_id = $2");
    let row: Option<EventRow> = on_pool!(db, pool => sqlx::query_as(SQL).bind(id).bind(owner_id).fetch_optional(pool).await?);
    row.map(Event::try_from).transpose()
}

/// The owner's generated series that are stored only up to a point before `before` (optionally
/// only `event_id`): the occurrences after that point are computed when asked for.
pub async fn series_stored_before(
    db: &Db,
    owner_id: Uuid,
    before: Timestamp,
    event_id: Option<Uuid>,
) -> Result<Vec<Event>, StorageError> {
    const SQL: &str = select_events!(
        "WHERE e.owner_id = $1 AND e.stored_until IS NOT NULL AND e.stored_until < $2 \
         AND e.occurrences_revision = e.revision AND ($3 IS NULL OR e.id = $3) ORDER BY e.id"
    );
    let rows: Vec<EventRow> = on_pool!(db, pool => sqlx::query_as(SQL)
        .bind(owner_id)
        .bind(before)
        .bind(event_id)
        .fetch_all(pool)
        .await?);
    decode_all(rows)
}

/// Generated series of any owner stored only up to a point before `horizon`: the ones the
/// workers extend. The earliest-stored first.
pub async fn series_behind_horizon(
    db: &Db,
    horizon: Timestamp,
    limit: i64,
) -> Result<Vec<Uuid>, StorageError> {
    Ok(on_pool!(db, pool => sqlx::query_scalar(
        "SELECT id FROM events WHERE stored_until IS NOT NULL AND stored_until < $1 \
         AND occurrences_revision = revision ORDER BY stored_until LIMIT $2",
    )
    .bind(horizon)
    .bind(limit)
    .fetch_all(pool)
    .await?))
}

/// A window of a list: at most `limit` rows after skipping `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

/// Events whose occurrences have been stale since before `revised_before`: their generation job
/// was lost or failed, and the reconciler enqueues them again. A revision that failed for good
/// (its series cannot be expanded) is left alone until the event changes.
pub async fn stale_events(
    db: &Db,
    revised_before: Timestamp,
    limit: i64,
) -> Result<Vec<(Uuid, i64)>, StorageError> {
    Ok(on_pool!(db, pool => sqlx::query_as(
        "SELECT e.id, e.revision FROM events e \
         LEFT JOIN generation_failures f ON f.event_id = e.id AND f.revision = e.revision AND f.permanent \
         WHERE e.occurrences_revision < e.revision AND e.revised_at < $1 AND f.event_id IS NULL \
         ORDER BY e.revised_at LIMIT $2",
    )
    .bind(revised_before)
    .bind(limit)
    .fetch_all(pool)
    .await?))
}
