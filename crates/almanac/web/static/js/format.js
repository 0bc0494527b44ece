// Dates and times for people, in the viewer's own time zone unless a zone is given. All-day
// events come as dates (`2031-03-14`, the end exclusive): the same days wherever one looks.

const dateTime = (timeZone) =>
  new Intl.DateTimeFormat(undefined, {
    weekday: 'short', day: 'numeric', month: 'short', year: 'numeric',
    hour: '2-digit', minute: '2-digit', timeZone,
  });
const timeOnly = (timeZone) =>
  new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', timeZone });

const dayOnly = new Intl.DateTimeFormat(undefined, {
  weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC',
});

export const viewerTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** Whether an API value is a date (an all-day event's) rather than an instant. */
export const isDate = (value) => /^\d{4}-\d{2}-\d{2}$/.test(value);

/** The date `days` after `date` ("2031-03-14" + 1 → "2031-03-15"). */
export function addDays(date, days) {
  const [year, month, day] = date.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/** When an API value begins for the viewer: an instant, or the start of a date on their clock. */
export function toInstant(value) {
  if (!isDate(value)) return new Date(value);
  const [year, month, day] = value.split('-').map(Number);
  return new Date(year, month - 1, day);
}

const formatDate = (date) => dayOnly.format(new Date(`${date}T00:00:00Z`));

/**
 * "Mon, 2 Mar 2026, 09:00 – 10:00", or both full dates when the span crosses days; for dates,
 * "Sat, 14 Mar 2031" or "Sat, 14 Mar 2031 – Mon, 16 Mar 2031" (the last day, not the exclusive end).
 */
export function formatRange(start, end, timeZone) {
  if (isDate(start)) {
    const last = addDays(end, -1);
    return last <= start ? formatDate(start) : `${formatDate(start)} – ${formatDate(last)}`;
  }
  const from = new Date(start);
  const to = new Date(end);
  const sameDay = dayKey(from, timeZone) === dayKey(to, timeZone);
  const last = sameDay ? timeOnly(timeZone).format(to) : dateTime(timeZone).format(to);
  return `${dateTime(timeZone).format(from)} – ${last}`;
}

function dayKey(date, timeZone) {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
}

/** The wall-clock time of an instant in `timeZone`, as a datetime-local value ("2026-03-02T09:00"). */
export function toLocalInput(instant, timeZone) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit',
    }).formatToParts(new Date(instant)).map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

/** The calendar date of an instant in `timeZone` ("2026-03-31"). */
export function toDateInput(instant, timeZone) {
  return toLocalInput(instant, timeZone).slice(0, 10);
}

/** A rule in words, from the API's summary, or "Does not repeat". */
export function describeRule(recurrence) {
  return recurrence ? recurrence.summary : 'Does not repeat';
}

/** When a series ends, for people: "No end", or when its last occurrence ends. */
export function describeSeriesEnd(event, timeZone) {
  if (event.series_end_date === null) return 'No end';
  if (isDate(event.series_end_date)) return formatDate(addDays(event.series_end_date, -1));
  return dateTime(timeZone).format(new Date(event.series_end_date));
}
