// The calendar: FullCalendar's month, week, day and list views over the occurrences API. Only
// the visible range is requested, and a range already loaded is never requested again. Times
// show in the viewer's time zone, all-day occurrences on their own dates; clicking an occurrence
// opens its details.

import { get, getAll } from './api.js';
import { describeRule, formatRange, toInstant, viewerTimeZone } from './format.js';

const status = document.getElementById('calendar-status');
const dialog = document.getElementById('occurrence-dialog');

/** Loaded time ranges, as sorted, disjoint [start, end) pairs of epoch milliseconds. */
let loaded = [];
const occurrences = new Map();
const events = new Map();

/** The parts of [start, end) not loaded yet. */
export function missingRanges(ranges, start, end) {
  const missing = [];
  let cursor = start;
  for (const [from, to] of ranges) {
    if (to <= cursor) continue;
    if (from >= end) break;
    if (from > cursor) missing.push([cursor, from]);
    cursor = Math.max(cursor, to);
  }
  if (cursor < end) missing.push([cursor, end]);
  return missing;
}

/** `ranges` with [start, end) added, merged. */
export function addRange(ranges, start, end) {
  const all = [...ranges, [start, end]].sort((a, b) => a[0] - b[0]);
  const merged = [];
  for (const [from, to] of all) {
    const last = merged[merged.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}

async function loadRange(start, end) {
  for (const [from, to] of missingRanges(loaded, start, end)) {
    const query = new URLSearchParams({
      start_date: new Date(from).toISOString(),
      end_date: new Date(to).toISOString(),
      limit: '1000',
    });
    for (const occurrence of await getAll(`/event-occurrences/?${query}`)) {
      occurrences.set(occurrence.id, occurrence);
    }
    loaded = addRange(loaded, from, to);
  }
}

async function source(info, success, failure) {
  const start = info.start.valueOf();
  const end = info.end.valueOf();
  try {
    await loadRange(start, end);
    status.textContent = '';
    status.classList.remove('error');
    success([...occurrences.values()]
      .filter((occurrence) => toInstant(occurrence.start) < end && toInstant(occurrence.end) > start)
      .map((occurrence) => ({
        id: occurrence.id,
        title: occurrence.title,
        start: occurrence.start,
        end: occurrence.end,
        allDay: occurrence.all_day,
        extendedProps: {
          eventId: occurrence.event, start: occurrence.start, end: occurrence.end, description: occurrence.description,
        },
      })));
  } catch (error) {
    status.classList.add('error');
    status.textContent = `The calendar could not be loaded: ${error.message}`;
    failure(error);
  }
}

function eventDetails(eventId) {
  if (!events.has(eventId)) events.set(eventId, get(`/events/${eventId}/`));
  return events.get(eventId);
}

async function openDetails(calendarEvent) {
  const field = (name) => dialog.querySelector(`[data-field="${name}"]`);
  const eventId = calendarEvent.extendedProps.eventId;
  dialog.querySelector('#occurrence-title').textContent = calendarEvent.title;
  const { start, end, description } = calendarEvent.extendedProps;
  field('when').textContent = formatRange(start, end, viewerTimeZone());
  field('rule').textContent = '…';
  // The occurrence's own description, if it has one, else its event's.
  field('description').textContent = description || '—';
  field('event-link').href = `/events/${eventId}/`;
  field('edit-link').href = `/events/${eventId}/edit/`;
  dialog.showModal();
  try {
    const event = await eventDetails(eventId);
    field('rule').textContent = describeRule(event.recurrence);
  } catch (error) {
    events.delete(eventId);
    field('rule').textContent = `Could not load the event: ${error.message}`;
  }
}

// `?date=2026-03-01&view=timeGridWeek` opens a given day and view (links, bookmarks).
const VIEWS = ['dayGridMonth', 'timeGridWeek', 'timeGridDay', 'listWeek'];
const params = new URLSearchParams(window.location.search);
const narrow = window.matchMedia('(max-width: 40rem)').matches;
const requestedView = VIEWS.includes(params.get('view')) ? params.get('view') : null;
const requestedDate = /^\d{4}-\d{2}-\d{2}$/.test(params.get('date') ?? '') ? params.get('date') : undefined;
const calendar = new window.FullCalendar.Calendar(document.getElementById('calendar'), {
  initialView: requestedView ?? (narrow ? 'listWeek' : 'dayGridMonth'),
  initialDate: requestedDate,
  headerToolbar: {
    left: 'prev,next today',
    center: 'title',
    right: 'dayGridMonth,timeGridWeek,timeGridDay,listWeek',
  },
  buttonText: { today: 'Today', month: 'Month', week: 'Week', day: 'Day', list: 'List' },
  timeZone: 'local',
  firstDay: 1,
  height: 'auto',
  nowIndicator: true,
  dayMaxEvents: true,
  eventInteractive: true,
  eventTimeFormat: { hour: '2-digit', minute: '2-digit', hour12: false },
  slotLabelFormat: { hour: '2-digit', minute: '2-digit', hour12: false },
  events: source,
  // FullCalendar names a day cell after its day-number link ("March 2, 2026"), which hides the
  // cell's own content from its name; the link keeps that label.
  dayCellDidMount: (info) => info.el.removeAttribute('aria-labelledby'),
  // The toolbar's arrow icons are decoration: their buttons carry the names.
  datesSet: () => {
    for (const icon of document.querySelectorAll('#calendar .fc-icon')) icon.setAttribute('aria-hidden', 'true');
  },
  eventClick: (info) => {
    info.jsEvent.preventDefault();
    openDetails(info.event);
  },
  loading: (isLoading) => {
    if (isLoading) status.textContent = 'Loading…';
  },
});
calendar.render();
