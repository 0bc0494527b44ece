//! What becomes of each instance of a series' rule: its exception (a title, description or time
//! of its own) and whether it is cancelled (its original start is an exclusion date).

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

use super::identity::occurrence_id;
use crate::storage::Timestamp;
use crate::storage::events::Event;
use crate::storage::exceptions::Exception;
use crate::storage::occurrences::{GeneratedOccurrence, Occurrence};

/// An event's exceptions and cancellations, by original start.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    exceptions: BTreeMap<Timestamp, Exception>,
    cancelled: BTreeSet<Timestamp>,
}

impl Overrides {
    pub fn new(exceptions: Vec<Exception>, event: &Event) -> Self {
        Overrides {
            exceptions: exceptions
                .into_iter()
                .map(|exception| (exception.original_start, exception))
                .collect(),
            cancelled: event
                .recurrence
                .iter()
                .flat_map(|recurrence| recurrence.exdates.iter().copied())
                .collect(),
        }
    }

    /// The occurrence the rule places at `instance`, as its exception and cancellation leave it.
    pub fn apply(&self, event_id: Uuid, instance: recurrence::Occurrence) -> GeneratedOccurrence {
        let original_start = Timestamp::from(instance.start);
        let exception = self.exceptions.get(&original_start);
        let moved = exception.and_then(|exception| exception.start_at.zip(exception.end_at));
        let (start, end) = moved.unwrap_or((original_start, Timestamp::from(instance.end)));
        GeneratedOccurrence {
            id: occurrence_id(event_id, original_start),
            original_start,
            start,
            end,
            title: exception.and_then(|exception| exception.title.clone()),
            description: exception.and_then(|exception| exception.description.clone()),
            is_exception: exception.is_some(),
            cancelled: self.cancelled.contains(&original_start),
        }
    }

    /// The exceptions of original starts at or after `from` whose own time differs from the
    /// rule's: the ones a window may have to show away from where the rule puts them.
    pub fn moved_from(&self, from: Timestamp) -> impl Iterator<Item = &Exception> {
        self.exceptions
            .range(from..)
            .map(|(_, exception)| exception)
            .filter(|exception| exception.start_at.is_some())
    }

    pub fn is_moved(&self, original_start: Timestamp) -> bool {
        self.exceptions
            .get(&original_start)
            .is_some_and(|exception| exception.start_at.is_some())
    }
}

/// An occurrence of `event` as the calendar shows it.
pub fn occurrence_of(event: &Event, generated: GeneratedOccurrence) -> Occurrence {
    Occurrence {
        id: generated.id,
        event_id: event.id,
        event_title: event.title.clone(),
        title: generated.title.unwrap_or_else(|| event.title.clone()),
        description: generated
            .description
            .unwrap_or_else(|| event.description.clone()),
        start_at: generated.start,
        end_at: generated.end,
        original_start: generated.original_start,
        recurrence_id: event.recurrence.as_ref().map(|recurrence| recurrence.id),
        all_day: event.all_day,
        timezone: event.timezone.clone(),
        is_exception: generated.is_exception,
        cancelled: generated.cancelled,
        version: event.version,
    }
}
