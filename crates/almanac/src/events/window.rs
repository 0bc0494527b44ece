//! The occurrences a calendar asks for: read from storage, and for a series stored only up to a
//! horizon, computed beyond it — with the ids they will have once stored — so that any window,
//! however far ahead, is answered exactly.

use std::time::Duration;

use uuid::Uuid;

use super::identity;
use super::overrides::{Overrides, occurrence_of};
use super::series::instances_of;
use crate::storage::events::{self as event_storage, Event, Listed, PAGE_TEXT_BUDGET, Page};
use crate::storage::exceptions;
use crate::storage::occurrences::{self, GeneratedOccurrence, Occurrence, OccurrenceFilter};
use crate::storage::{Db, StorageError, Timestamp};

/// Slack for an all-day occurrence, whose length in hours changes with DST.
const ONE_DAY: Duration = Duration::from_secs(86_400);

/// The page of the owner's occurrences that `filter` selects: the stored ones and, for series
/// stored only up to a horizon before the window's end, those computed beyond it. Rows past
/// [`PAGE_TEXT_BUDGET`] of text are left for the next page.
pub async fn list_occurrences(
    db: &Db,
    owner_id: Uuid,
    filter: OccurrenceFilter,
    page: Page,
) -> Result<Listed<Occurrence>, StorageError> {
    let stored = occurrences::list_occurrences(db, owner_id, filter, page).await?;
    if stored.beyond_horizon == Some(false) {
        return Ok(Listed {
            rows: stored.occurrences,
            cut_short: stored.cut_short,
        });
    }
    let to = filter.to.unwrap_or(Timestamp::MAX);
    let beyond_horizon =
        event_storage::series_stored_before(db, owner_id, to, filter.event_id).await?;
    if beyond_horizon.is_empty() {
        return Ok(Listed {
            rows: stored.occurrences,
            cut_short: stored.cut_short,
        });
    }
    // The page is cut from the merged list, so each source gives all it could contribute: the
    // stored rows from the first, and as many computed ones from each series. Until the cut they
    // are kept without their text, which a deep page would otherwise hold many times over.
    let wanted = page.offset.saturating_add(page.limit);
    let from_first = Page {
        limit: wanted,
        offset: 0,
    };
    let mut merged: Vec<Entry> =
        occurrences::list_occurrence_keys(db, owner_id, filter, from_first)
            .await?
            .into_iter()
            .map(|(start, id)| Entry::Stored { start, id })
            .collect();
    let from = filter.from.unwrap_or(Timestamp::MIN);
    let wanted = usize::try_from(wanted).unwrap_or(usize::MAX);
    let earliest = beyond_horizon
        .iter()
        .filter_map(|event| event.stored_until)
        .min()
        .unwrap_or(Timestamp::MAX);
    let mut owned = exceptions::list_owner_exceptions_from(db, owner_id, earliest).await?;
    for (series, event) in beyond_horizon.iter().enumerate() {
        let (theirs, others): (Vec<_>, Vec<_>) = owned
            .into_iter()
            .partition(|(event_id, _)| *event_id == event.id);
        owned = others;
        let theirs = theirs.into_iter().map(|(_, exception)| exception).collect();
        let overrides = Overrides::new(theirs, event);
        let window = Window {
            from,
            to,
            include_cancelled: filter.include_cancelled,
        };
        merged.extend(
            computed(event, &overrides, window, wanted)?
                .into_iter()
                .map(|generated| Entry::Computed { series, generated }),
        );
    }
    merged.sort_by_key(Entry::key);
    let mut entries = merged.into_iter();
    let offset = usize::try_from(page.offset).unwrap_or(usize::MAX);
    let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
    let stored_before = entries
        .by_ref()
        .take(offset)
        .filter(Entry::is_stored)
        .count();
    let entries: Vec<Entry> = entries.take(limit).collect();
    let stored_in_page = entries.iter().filter(|entry| entry.is_stored()).count();
    // The page's stored rows, now with their text: at offset 0 they lead the first query's.
    let stored = if page.offset == 0 {
        stored
    } else {
        let their_page = Page {
            limit: i64::try_from(stored_in_page).unwrap_or(i64::MAX),
            offset: i64::try_from(stored_before).unwrap_or(i64::MAX),
        };
        occurrences::list_occurrences(db, owner_id, filter, their_page).await?
    };
    let mut stored_rows = stored.occurrences.into_iter();
    let (mut rows, mut text, mut cut_short) = (Vec::new(), 0, false);
    for entry in entries {
        let occurrence = match entry {
            _ if text >= PAGE_TEXT_BUDGET => None,
            Entry::Stored { .. } => stored_rows.next(),
            Entry::Computed { series, generated } => {
                Some(occurrence_of(&beyond_horizon[series], generated))
            }
        };
        // Out of budget, or stored rows that the text query cut short or that changed since.
        let Some(occurrence) = occurrence else {
            cut_short = true;
            break;
        };
        text += occurrence.text_len();
        rows.push(occurrence);
    }
    Ok(Listed { rows, cut_short })
}

/// An occurrence of a merged page before its text is read: stored, or computed from the
/// `series`-th of the series beyond their horizon.
enum Entry {
    Stored {
        start: Timestamp,
        id: Uuid,
    },
    Computed {
        series: usize,
        generated: GeneratedOccurrence,
    },
}

impl Entry {
    fn key(&self) -> (Timestamp, Uuid) {
        match self {
            Entry::Stored { start, id } => (*start, *id),
            Entry::Computed { generated, .. } => (generated.start, generated.id),
        }
    }

    fn is_stored(&self) -> bool {
        matches!(self, Entry::Stored { .. })
    }
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
        let overrides = Overrides::new(exceptions::list_exceptions(db, event.id).await?, &event);
        if let Some(found) = computed_at(&event, &overrides, original_start)? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// The occurrence of `event` beyond its stored horizon that the rule places at
/// `original_start`, cancelled or not.
pub fn computed_at(
    event: &Event,
    overrides: &Overrides,
    original_start: Timestamp,
) -> Result<Option<Occurrence>, StorageError> {
    if event
        .stored_until
        .is_none_or(|stored_until| original_start < stored_until)
    {
        return Ok(None);
    }
    let series = instances(event)?;
    Ok(series
        .iter_from(original_start.as_jiff())
        .next()
        .filter(|instance| Timestamp::from(instance.start) == original_start)
        .map(|instance| occurrence_of(event, overrides.apply(event.id, instance))))
}

/// A time window, and whether cancelled occurrences are shown in it.
#[derive(Debug, Clone, Copy)]
struct Window {
    from: Timestamp,
    to: Timestamp,
    include_cancelled: bool,
}

impl Window {
    fn shows(&self, occurrence: &GeneratedOccurrence) -> bool {
        occurrence.start < self.to
            && occurrence.end > self.from
            && (self.include_cancelled || !occurrence.cancelled)
    }
}

fn instances(event: &Event) -> Result<recurrence::Series, StorageError> {
    instances_of(event).map_err(|error| StorageError::Invalid {
        what: format!("event {}: {error}", event.id),
    })
}

/// At most `wanted` occurrences of `event` beyond its stored horizon that `window` shows: where
/// the rule puts them, and those its exceptions moved there.
fn computed(
    event: &Event,
    overrides: &Overrides,
    window: Window,
    wanted: usize,
) -> Result<Vec<GeneratedOccurrence>, StorageError> {
    let Some(stored_until) = event.stored_until else {
        return Ok(Vec::new());
    };
    let series = instances(event)?;
    let longest = event.start.until(event.end) + ONE_DAY;
    let seek = stored_until.max(window.from - longest);
    let in_place = series
        .iter_from(seek.as_jiff())
        .take_while(|instance| Timestamp::from(instance.start) < window.to)
        .map(|instance| overrides.apply(event.id, instance))
        .filter(|occurrence| !overrides.is_moved(occurrence.original_start));
    let moved = overrides.moved_from(stored_until).filter_map(|exception| {
        let instance = series
            .iter_from(exception.original_start.as_jiff())
            .next()
            .filter(|instance| Timestamp::from(instance.start) == exception.original_start)?;
        Some(overrides.apply(event.id, instance))
    });
    let mut shown: Vec<GeneratedOccurrence> = in_place
        .filter(|occurrence| window.shows(occurrence))
        .take(wanted)
        .chain(moved.filter(|occurrence| window.shows(occurrence)))
        .collect();
    shown.sort_by_key(|occurrence| (occurrence.start, occurrence.id));
    shown.truncate(wanted);
    Ok(shown)
}
