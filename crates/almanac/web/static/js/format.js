// Dates and times for people, in the viewer's own time zone unless a zone is given.

const dateTime = (timeZone) =>
  new Intl.DateTimeFormat(undefined, {
    weekday: 'short', day: 'numeric', month: 'short', year: 'numeric',
    hour: '2-digit', minute: '2-digit', timeZone,
  });
const timeOnly = (timeZone) =>
  new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', timeZone });

export const viewerTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** "Mon, 2 Mar 2026, 09:00 – 10:00", or both full dates when the span crosses days. */
export function formatRange(start, end, timeZone) {
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
