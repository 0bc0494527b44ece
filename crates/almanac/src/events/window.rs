//! The occurrences a calendar asks for: read from storage, and for a series stored only up to a
//! horizon, computed beyond it — with the ids they will have once stored — so that any window,
//! however far ahead, is answered exactly.

use std::time::Duration;

use uuid::Uuid;

use super::identity::{self, occurrence_id};
use super::series::series_of;
use crate::storage::events::{self as event_storage, Event, Page};
use crate::storage::occurrences::{self, Occurrence, OccurrenceFilter};
use crate::storage::{Db, StorageError, Timestamp};

/// Slack for an all-day occurrence, whose length in hours changes with DST.
const ONE_DAY: Duration = Duration::from_secs(86_400);

pub async fn list_occurrences(
    db: &Db,
    owner_id: Uuid,
    filter: OccurrenceFilter,
    page: Page,
) -> Result<Vec<Occurrence>, StorageError> {
    let stored = occurrences::list_occurrences(db, owner_id, filter, page).await?;
    if stored.beyond_horizon == Some(false) {
        return Ok(stored.occurrences);
    }
    let to = filter.to.unwrap_or(Timestamp::MAX);
    let beyond_horizon =
        event_storage::series_stored_before(db, owner_id, to, filter.event_id).await?;
    if beyond_horizon.is_empty() {
        return Ok(stored.occurrences);
    }
    // The page is cut from the merged list, so each source gives all it could contribute: the
    // stored rows from the first, and as many computed ones from each series.
    let wanted = page.offset.saturating_add(page.limit);
    let mut merged = if page.offset == 0 {
        stored.occurrences
    } else {
        let from_first = Page {
            limit: wanted,
            offset: 0,
        };
        occurrences::list_occurrences(db, owner_id, filter, from_first)
            .await?
            .occurrences
    };
    let from = filter.from.unwrap_or(Timestamp::MIN);
    let wanted = usize::try_from(wanted).unwrap_or(usize::MAX);
    for event in &beyond_horizon {
        merged.extend(computed(event, from, to, wanted)?);
    }
    merged.sort_by_key(|occurrence| (occurrence.start_at, occurrence.id));
    let offset = usize::try_from(page.offset).unwrap_or(usize::MAX);
    let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
    Ok(merged.into_iter().skip(offset).take(limit).collect())
}

pub async fn find_occurrence(
    db: &Db,
    owner_id: Uuid,
    id: Uuid,
) -> Result<Option<Occurrence>, StorageError> {
    if let Some(stored) = occurrences::find_occurrence(db, owner_id, id).await? {
        return Ok(Some(stored));
    }
    let Some((key, original_start)) = identity::decode(id) else {
        return Ok(None);
    };
    // Series stored up to a point at or before the original start.
    let after = original_start + Duration::from_micros(1);
    for event in event_storage::series_stored_before(db, owner_id, after, None).await? {
        if identity::event_key(event.id) != key {
            continue;
        }
        let found = computed(&event, original_start, after, 1)?
            .into_iter()
            .find(|occurrence| occurrence.original_start == original_start);
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// At most `wanted` occurrences of `event` beyond its stored horizon that overlap `[from, to)`.
fn computed(
    event: &Event,
    from: Timestamp,
    to: Timestamp,
    wanted: usize,
) -> Result<Vec<Occurrence>, StorageError> {
    let Some(stored_until) = event.stored_until else {
        return Ok(Vec::new());
    };
    let series = series_of(event).map_err(|error| StorageError::Invalid {
        what: format!("event {}: {error}", event.id),
    })?;
    let longest = event.start.until(event.end) + ONE_DAY;
    let seek = stored_until.max(from - longest);
    let recurrence_id = event.recurrence.as_ref().map(|recurrence| recurrence.id);
    Ok(series
        .iter_from(seek.as_jiff())
        .map(|occurrence| {
            (
                Timestamp::from(occurrence.start),
                Timestamp::from(occurrence.end),
            )
        })
        .take_while(|&(start, _)| start < to)
        .filter(|&(_, end)| end > from)
        .take(wanted)
        .map(|(start, end)| Occurrence {
            id: occurrence_id(event.id, start),
            event_id: event.id,
            title: event.title.clone(),
            start_at: start,
            end_at: end,
            original_start: start,
            recurrence_id,
            all_day: event.all_day,
            timezone: event.timezone.clone(),
        })
        .collect())
}
