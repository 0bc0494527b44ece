//! Events and their recurrence rules. Every write that changes an event's schedule bumps its
//! `revision` in the same transaction, which marks its occurrences stale until regenerated.

use uuid::Uuid;

use super::{Db, StorageError, Timestamp, on_pool};

/// A stored recurrence rule: the rule as written, with its own id and its event's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recurrence {
    pub id: Uuid,
    pub event_id: Uuid,
    pub rule: RuleFields,
}

#[derive(Debug, Clone)]
pub struct Event {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub title: String,
    pub description: String,
    pub start: Timestamp,
    pub end: Timestamp,
    /// When the last occurrence ends (the event's end for a one-off).
    pub series_end: Timestamp,
    pub timezone: String,
    pub recurrence: Option<Recurrence>,
    pub revision: i64,
    pub occurrences_revision: i64,
    /// The current revision failed to generate for good (see `generation_failures`).
    pub generation_failed: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Event {
    /// Whether the stored occurrences were generated from the current version of the event.
    pub fn occurrences_ready(&self) -> bool {
        self.occurrences_revision >= self.revision
    }

    /// `ready`, `failed` (for good, for this revision) or `pending`, as the API and pages say it.
    pub fn occurrences_status(&self) -> &'static str {
        if self.occurrences_ready() {
            "ready"
        } else if self.generation_failed {
            "failed"
        } else {
            "pending"
        }
    }
}

/// A recurrence rule as written (the id is assigned by storage).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleFields {
    pub frequency: String,
    pub interval: i32,
    pub count: Option<i32>,
    pub until: Option<Timestamp>,
}

/// Everything a client sets on an event.
#[derive(Debug, Clone)]
pub struct EventFields {
    pub title: String,
    pub description: String,
    pub start: Timestamp,
    pub end: Timestamp,
    /// When the series' last occurrence ends, as validation expanded it.
    pub series_end: Timestamp,
    pub timezone: String,
    pub rule: Option<RuleFields>,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: Uuid,
    owner_id: Uuid,
    title: String,
    description: String,
    start_at: Timestamp,
    end_at: Timestamp,
    series_end_at: Timestamp,
    timezone: String,
    revision: i64,
    occurrences_revision: i64,
    generation_failed: bool,
    created_at: Timestamp,
    updated_at: Timestamp,
    recurrence_id: Option<Uuid>,
    frequency: Option<String>,
    repeat_interval: Option<i32>,
    count: Option<i32>,
    until: Option<Timestamp>,
}

impl From<EventRow> for Event {
    fn from(row: EventRow) -> Self {
        let recurrence = match (row.recurrence_id, row.frequency, row.repeat_interval) {
            (Some(id), Some(frequency), Some(interval)) => Some(Recurrence {
                id,
                event_id: row.id,
                rule: RuleFields {
                    frequency,
                    interval,
                    count: row.count,
                    until: row.until,
                },
            }),
            _ => None,
        };
        Event {
            id: row.id,
            owner_id: row.owner_id,
            title: row.title,
            description: row.description,
            start: row.start_at,
            end: row.end_at,
            series_end: row.series_end_at,
            timezone: row.timezone,
            recurrence,
            revision: row.revision,
            occurrences_revision: row.occurrences_revision,
            generation_failed: row.generation_failed,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

macro_rules! select_events {
    ($where_and_rest:literal) => {
        select_events!("", "", $where_and_rest)
    };
    ($extra_columns:literal, $extra_joins:literal, $where_and_rest:literal) => {
        concat!(
            "SELECT e.id, e.owner_id, e.title, e.description, e.start_at, e.end_at, e.series_end_at, e.timezone, ",
            "e.revision, e.occurrences_revision, e.created_at, e.updated_at, ",
            "f.event_id IS NOT NULL AS generation_failed, ",
            "r.id AS recurrence_id, r.frequency, r.repeat_interval, r.count, r.until",
            $extra_columns,
            " FROM events e LEFT JOIN recurrences r ON r.event_id = e.id ",
            "LEFT JOIN generation_failures f ON f.event_id = e.id AND f.revision = e.revision AND f.permanent ",
            $extra_joins,
            $where_and_rest
        )
    };
}

/// Creates an event with its rule; its occurrences start out pending (revision 1, generated 0).
pub async fn insert_event(
    db: &Db,
    owner_id: Uuid,
    fields: &EventFields,
) -> Result<Event, StorageError> {
    let id = Uuid::now_v7();
    let now = Timestamp::now();
    on_pool!(db, pool => {
        let mut tx = super::begin(pool).await?;
        sqlx::query(
            "INSERT INTO events (id, owner_id, title, description, start_at, end_at, series_end_at, \
             timezone, revision, occurrences_revision, revised_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, 0, $9, $9, $9)",
        )
        .bind(id)
        .bind(owner_id)
        .bind(&fields.title)
        .bind(&fields.description)
        .bind(fields.start)
        .bind(fields.end)
        .bind(fields.series_end)
        .bind(&fields.timezone)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if let Some(rule) = &fields.rule {
            sqlx::query(
                "INSERT INTO recurrences (id, event_id, frequency, repeat_interval, count, until) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(Uuid::now_v7())
            .bind(id)
            .bind(&rule.frequency)
            .bind(rule.interval)
            .bind(rule.count)
            .bind(rule.until)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
    });
    db.changes().bump(owner_id);
    find_event(db, owner_id, id)
        .await?
        .ok_or(StorageError::NotFound)
}

pub async fn find_event(db: &Db, owner_id: Uuid, id: Uuid) -> Result<Option<Event>, StorageError> {
    const SQL: &str = select_events!("WHERE e.id = $1 AND e.owner_id = $2");
    let row: Option<EventRow> = on_pool!(db, pool => sqlx::query_as(SQL).bind(id).bind(owner_id).fetch_optional(pool).await?);
    Ok(row.map(Event::from))
}

/// The owner's events by start time.
pub async fn list_events(db: &Db, owner_id: Uuid, page: Page) -> Result<Vec<Event>, StorageError> {
    const SQL: &str =
        select_events!("WHERE e.owner_id = $1 ORDER BY e.start_at, e.id LIMIT $2 OFFSET $3");
    let rows: Vec<EventRow> = on_pool!(db, pool => sqlx::query_as(SQL)
        .bind(owner_id)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(pool)
        .await?);
    Ok(rows.into_iter().map(Event::from).collect())
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
    Ok(rows
        .into_iter()
        .map(|row| OwnedEvent {
            event: row.event.into(),
            owner_email: row.owner_email,
        })
        .collect())
}

/// Any user's event by id, for background work that is not on a user's behalf.
pub async fn find_event_by_id(db: &Db, id: Uuid) -> Result<Option<Event>, StorageError> {
    const SQL: &str = select_events!("WHERE e.id = $1");
    let row: Option<EventRow> =
        on_pool!(db, pool => sqlx::query_as(SQL).bind(id).fetch_optional(pool).await?);
    Ok(row.map(Event::from))
}

/// Replaces an event's fields and rule. When `schedule_changed`, the revision is bumped so that
/// its occurrences are regenerated. Returns `None` if the owner has no such event.
pub async fn update_event(
    db: &Db,
    owner_id: Uuid,
    id: Uuid,
    fields: &EventFields,
    schedule_changed: bool,
) -> Result<Option<Event>, StorageError> {
    let now = Timestamp::now();
    let bump: i64 = schedule_changed.into();
    let updated = on_pool!(db, pool => {
        let mut tx = super::begin(pool).await?;
        let updated = sqlx::query(
            "UPDATE events SET title = $1, description = $2, start_at = $3, end_at = $4, timezone = $5, \
             revision = revision + $6, revised_at = CASE WHEN $6 > 0 THEN $7 ELSE revised_at END, updated_at = $7, \
             series_end_at = $10 WHERE id = $8 AND owner_id = $9",
        )
        .bind(&fields.title)
        .bind(&fields.description)
        .bind(fields.start)
        .bind(fields.end)
        .bind(&fields.timezone)
        .bind(bump)
        .bind(now)
        .bind(id)
        .bind(owner_id)
        .bind(fields.series_end)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 1 && schedule_changed {
            match &fields.rule {
                Some(rule) => {
                    sqlx::query(
                        "INSERT INTO recurrences (id, event_id, frequency, repeat_interval, count, until) \
                         VALUES ($1, $2, $3, $4, $5, $6) \
                         ON CONFLICT (event_id) DO UPDATE SET frequency = excluded.frequency, \
                         repeat_interval = excluded.repeat_interval, count = excluded.count, until = excluded.until",
                    )
                    .bind(Uuid::now_v7())
                    .bind(id)
                    .bind(&rule.frequency)
                    .bind(rule.interval)
                    .bind(rule.count)
                    .bind(rule.until)
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    sqlx::query("DELETE FROM recurrences WHERE event_id = $1").bind(id).execute(&mut *tx).await?;
                }
            }
        }
        tx.commit().await?;
        updated
    });
    db.changes().bump(owner_id);
    if updated == 0 {
        return Ok(None);
    }
    find_event(db, owner_id, id).await
}

/// Deletes an event with its rule and occurrences. Returns whether the owner had it.
pub async fn delete_event(db: &Db, owner_id: Uuid, id: Uuid) -> Result<bool, StorageError> {
    let deleted = on_pool!(db, pool => sqlx::query("DELETE FROM events WHERE id = $1 AND owner_id = $2")
        .bind(id)
        .bind(owner_id)
        .execute(pool)
        .await?
        .rows_affected());
    db.changes().bump(owner_id);
    Ok(deleted == 1)
}

/// The owner's recurring events (those with a rule), by start.
pub async fn list_recurring_events(
    db: &Db,
    owner_id: Uuid,
    page: Page,
) -> Result<Vec<Event>, StorageError> {
    const SQL: &str = select_events!(
        "WHERE e.owner_id = $1 AND r.id IS NOT NULL ORDER BY e.start_at, e.id LIMIT $2 OFFSET $3"
    );
    let rows: Vec<EventRow> = on_pool!(db, pool => sqlx::query_as(SQL)
        .bind(owner_id)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(pool)
        .await?);
    Ok(rows.into_iter().map(Event::from).collect())
}

/// The event that owns recurrence `id`, if the owner has it.
pub async fn find_event_by_recurrence(
    db: &Db,
    owner_id: Uuid,
    id: Uuid,
) -> Result<Option<Event>, StorageError> {
    const SQL: &str = select_events!("WHERE r.id = $1 AND e.owner_id = $2");
    let row: Option<EventRow> = on_pool!(db, pool => sqlx::query_as(SQL).bind(id).bind(owner_id).fetch_optional(pool).await?);
    Ok(row.map(Event::from))
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
