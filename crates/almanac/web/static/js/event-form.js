// The event form (new and edit): local date-times in the event's time zone (or dates, all day), a
// repeat rule, hints before sending, the server's field errors after, then progress while the
// series is generated. A rule with parts the form cannot show is kept as it is unless replaced.

import { ApiError, get, request } from './api.js';
import { addDays, isDate, toDateInput, toLocalInput, viewerTimeZone } from './format.js';

const form = document.getElementById('event-form');
const eventId = form.dataset.eventId;
const formErrors = document.getElementById('form-errors');
const saveStatus = document.getElementById('save-status');
const submit = form.querySelector('button[type="submit"]');
const input = (id) => document.getElementById(id);
const UNITS = { daily: 'day(s)', weekly: 'week(s)', monthly: 'month(s)', yearly: 'year(s)' };
const allDay = input('all_day');
const ruleKept = document.getElementById('rule-kept');
/** Whether saving keeps the event's current rule untouched (one the form cannot show). */
let keepRule = false;

function fillTimeZones() {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const list = input('timezones');
  list.replaceChildren(...['UTC', ...zones].map((zone) => Object.assign(document.createElement('option'), { value: zone })));
}

function endsBy() {
  return form.querySelector('input[name="ends"]:checked').value;
}

/** Shows the repeat fields that apply to the chosen frequency and ending. */
function syncRepeat() {
  const frequency = input('frequency').value;
  for (const element of form.querySelectorAll('[data-repeat-only]')) element.hidden = keepRule || !frequency;
  for (const element of form.querySelectorAll('[data-simple-rule]:not([data-repeat-only])')) element.hidden = keepRule;
  input('interval-unit').textContent = UNITS[frequency] ?? '';
  for (const element of form.querySelectorAll('[data-ends]')) element.hidden = element.dataset.ends !== endsBy();
  ruleKept.hidden = !keepRule;
}

/** Switches the start and end between local date-times and dates, keeping the days. */
function syncAllDay() {
  const type = allDay.checked ? 'date' : 'datetime-local';
  for (const id of ['start_date', 'end_date']) {
    const control = input(id);
    if (control.type === type) continue;
    const value = control.value;
    control.type = type;
    if (!value) continue;
    control.value = allDay.checked ? value.slice(0, 10) : `${value}T${id === 'start_date' ? '09:00' : '10:00'}`;
  }
}

/** Whether the form can show `rule` with its own controls. */
function simple(rule) {
  return !rule.by_weekday.length && !rule.by_month_day.length && !rule.by_month.length
    && !rule.by_set_position.length && rule.week_start === 'MO';
}

function clearErrors() {
  formErrors.hidden = true;
  formErrors.replaceChildren();
  for (const list of form.querySelectorAll('.field-errors')) list.replaceChildren();
  for (const element of form.querySelectorAll('[aria-invalid]')) element.removeAttribute('aria-invalid');
}

const CONTROL_FOR = {
  title: 'title', description: 'description', start_date: 'start_date', end_date: 'end_date',
  timezone: 'timezone', all_day: 'all_day', 'recurrence.frequency': 'frequency',
  'recurrence.interval': 'interval', 'recurrence.count': 'count', 'recurrence.end_date': 'until',
};

/** Puts each message under its field (DRF's `{"field": [...], "recurrence": {...}}`). */
function showErrors(body) {
  const general = [];
  const place = (key, messages) => {
    const list = document.getElementById(`${key}-errors`);
    if (!list) {
      general.push(...messages);
      return;
    }
    list.replaceChildren(...messages.map((message) => Object.assign(document.createElement('li'), { textContent: message })));
    const control = CONTROL_FOR[key] && input(CONTROL_FOR[key]);
    control?.setAttribute('aria-invalid', 'true');
  };
  for (const [key, value] of Object.entries(body)) {
    if (Array.isArray(value)) {
      place(key, value);
    } else if (value && typeof value === 'object') {
      for (const [nested, messages] of Object.entries(value)) place(`${key}.${nested}`, [].concat(messages));
    } else if (typeof value === 'string') {
      general.push(value);
    }
  }
  if (general.length) {
    formErrors.replaceChildren(...general.map((message) => Object.assign(document.createElement('p'), { textContent: message })));
    formErrors.hidden = false;
  }
  (form.querySelector('[aria-invalid="true"]') ?? formErrors).focus();
}

/** Checks what can be checked before sending; the server checks everything again. */
function hints() {
  const problems = {};
  if (!input('title').value.trim()) problems.title = ['Give the event a title.'];
  if (!input('start_date').value) problems.start_date = ['Choose when the event starts.'];
  if (!input('end_date').value) problems.end_date = ['Choose when the event ends.'];
  if (input('start_date').value && input('end_date').value && input('end_date').value < input('start_date').value) {
    problems.end_date = ['The end must not be before the start.'];
  }
  if (!keepRule && input('frequency').value) {
    const rule = {};
    if (!(Number(input('interval').value) >= 1)) rule.interval = ['Repeat every 1 or more.'];
    if (endsBy() === 'count' && !(Number(input('count').value) >= 1)) rule.count = ['Repeat at least once.'];
    if (endsBy() === 'until' && !input('until').value) rule.end_date = ['Choose the last date.'];
    if (Object.keys(rule).length) problems.recurrence = rule;
  }
  return problems;
}

function body() {
  const event = {
    title: input('title').value.trim(),
    description: input('description').value,
    all_day: allDay.checked,
    start_date: input('start_date').value,
    // The form shows an all-day event's last day; the API takes the day after it.
    end_date: allDay.checked ? addDays(input('end_date').value, 1) : input('end_date').value,
    timezone: input('timezone').value.trim(),
  };
  if (keepRule) return event;
  const frequency = input('frequency').value;
  let recurrence = null;
  if (frequency) {
    recurrence = { frequency, interval: Number(input('interval').value) };
    if (endsBy() === 'count') recurrence.count = Number(input('count').value);
    else if (endsBy() === 'until') recurrence.end_date = input('until').value;
  }
  return { ...event, recurrence };
}

/** Waits while the series is generated, saying so, then opens the event. */
async function followGeneration(event) {
  const deadline = Date.now() + 60_000;
  let current = event;
  while (current.occurrences_status === 'pending' && Date.now() < deadline) {
    saveStatus.textContent = 'Saved. Generating the occurrences of this series…';
    await new Promise((resolve) => setTimeout(resolve, 250));
    current = await get(`/events/${event.id}/`);
  }
  if (current.occurrences_status === 'failed') {
    saveStatus.textContent = 'Saved, but its occurrences could not be generated. An administrator has been told.';
    return;
  }
  if (current.occurrences_status === 'pending') {
    saveStatus.textContent = 'Saved. Occurrences are still being generated; they will appear shortly.';
  }
  const dropped = event.dropped_exceptions ? `?dropped=${event.dropped_exceptions}` : '';
  window.location.assign(`/events/${event.id}/${dropped}`);
}

form.addEventListener('submit', async (submitEvent) => {
  submitEvent.preventDefault();
  clearErrors();
  const problems = hints();
  if (Object.keys(problems).length) {
    showErrors(problems);
    return;
  }
  submit.disabled = true;
  saveStatus.textContent = 'Saving…';
  try {
    const { json } = eventId
      ? await request('PUT', `/events/${eventId}/`, body())
      : await request('POST', '/events/', body());
    await followGeneration(json);
  } catch (error) {
    saveStatus.textContent = '';
    if (error instanceof ApiError && error.status === 400) showErrors(error.body);
    else showErrors({ non_field_errors: [error.message] });
  } finally {
    submit.disabled = false;
  }
});

async function loadEvent() {
  saveStatus.textContent = 'Loading…';
  try {
    const event = await get(`/events/${eventId}/`);
    const zone = event.timezone;
    input('title').value = event.title;
    input('description').value = event.description;
    input('timezone').value = zone;
    allDay.checked = event.all_day;
    syncAllDay();
    if (event.all_day) {
      input('start_date').value = event.start_date;
      input('end_date').value = addDays(event.end_date, -1);
    } else {
      input('start_date').value = toLocalInput(event.start_date, zone);
      input('end_date').value = toLocalInput(event.end_date, zone);
    }
    const rule = event.recurrence;
    input('frequency').value = rule?.frequency ?? '';
    if (rule) {
      keepRule = !simple(rule);
      ruleKept.querySelector('[data-field="summary"]').textContent = rule.summary;
      input('interval').value = rule.interval;
      const ends = rule.count ? 'count' : rule.end_date ? 'until' : 'never';
      form.querySelector(`input[name="ends"][value="${ends}"]`).checked = true;
      if (rule.count) input('count').value = rule.count;
      if (rule.end_date) input('until').value = isDate(rule.end_date) ? rule.end_date : toDateInput(rule.end_date, zone);
    }
    syncRepeat();
    saveStatus.textContent = '';
  } catch (error) {
    saveStatus.textContent = `The event could not be loaded: ${error.message}`;
  }
}

fillTimeZones();
form.addEventListener('change', syncRepeat);
allDay.addEventListener('change', syncAllDay);
document.getElementById('replace-rule').addEventListener('click', () => {
  keepRule = false;
  syncRepeat();
  input('frequency').focus();
});
if (eventId) {
  loadEvent();
} else {
  input('timezone').value = viewerTimeZone();
  syncRepeat();
}
