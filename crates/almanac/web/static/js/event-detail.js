// The event page: its facts, its rule in words, and its occurrences a page at a time.

import { ApiError, get, nextPage, request } from './api.js';
import { describeRule, describeSeriesEnd, formatRange, viewerTimeZone } from './format.js';

const PAGE_SIZE = 20;
const article = document.getElementById('event');
const eventId = article.dataset.eventId;
const status = document.getElementById('event-status');
const facts = document.getElementById('event-facts');
const occurrenceStatus = document.getElementById('occurrences-status');
const list = document.getElementById('occurrences');
const previous = article.querySelector('[data-page="previous"]');
const next = article.querySelector('[data-page="next"]');
const pageLabel = document.getElementById('page-label');
const notice = document.getElementById('event-notice');
let offset = 0;
let recurring = false;

function fact(name, text) {
  facts.querySelector(`[data-field="${name}"]`).textContent = text;
}

async function loadEvent() {
  const event = await get(`/events/${eventId}/`);
  const zone = viewerTimeZone();
  fact('when', formatRange(event.start_date, event.end_date, zone));
  fact('rule', describeRule(event.recurrence));
  fact('ends', describeSeriesEnd(event, zone));
  for (const element of facts.querySelectorAll('[data-recurring]')) element.hidden = !event.recurrence;
  fact('timezone', event.timezone);
  fact('description', event.description || '—');
  facts.hidden = false;
  recurring = Boolean(event.recurrence);
  status.textContent = {
    pending: 'Its occurrences are being generated…',
    failed: 'Its occurrences could not be generated. An administrator has been told.',
  }[event.occurrences_status] ?? '';
  return event;
}

/** One occurrence: when, its own title if it has one, what changed, and cancel or restore. */
function occurrenceItem(occurrence, zone) {
  const item = document.createElement('li');
  const cancelled = occurrence.status === 'cancelled';
  item.classList.toggle('cancelled', cancelled);
  const when = document.createElement(cancelled ? 's' : 'span');
  when.textContent = formatRange(occurrence.start, occurrence.end, zone);
  item.append(when);
  if (occurrence.title !== occurrence.event_name) item.append(` — ${occurrence.title}`);
  const badges = [];
  if (occurrence.is_exception) badges.push('Changed');
  if (cancelled) badges.push('Cancelled');
  for (const text of badges) {
    item.append(' ', Object.assign(document.createElement('span'), { className: 'badge', textContent: text }));
  }
  if (recurring) {
    const button = Object.assign(document.createElement('button'), {
      type: 'button',
      className: 'button button-small',
      textContent: cancelled ? 'Restore' : 'Cancel',
    });
    const label = cancelled ? 'Restore' : 'Cancel';
    button.setAttribute('aria-label', `${label} ${when.textContent}`);
    button.addEventListener('click', () => setCancelled(occurrence, !cancelled, button));
    item.append(' ', button);
  }
  return item;
}

async function setCancelled(occurrence, cancelled, button) {
  button.disabled = true;
  notice.hidden = true;
  try {
    if (cancelled) await request('DELETE', `/event-occurrences/${occurrence.id}/`);
    else await request('POST', `/event-occurrences/${occurrence.id}/restore/`);
    await loadOccurrences();
  } catch (error) {
    const detail = error instanceof ApiError
      ? error.body.non_field_errors?.[0] ?? error.message
      : error.message;
    showNotice(`That occurrence could not be ${cancelled ? 'cancelled' : 'restored'}: ${detail}`, true);
    button.disabled = false;
  }
}

function showNotice(text, isError = false) {
  notice.textContent = text;
  notice.classList.toggle('alert-error', isError);
  notice.classList.toggle('alert-info', !isError);
  notice.hidden = false;
}

async function loadOccurrences() {
  occurrenceStatus.textContent = 'Loading occurrences…';
  const { json, response } = await request('GET', `/event-occurrences/?event=${eventId}&include_cancelled=true&limit=${PAGE_SIZE}&offset=${offset}`);
  const zone = viewerTimeZone();
  list.start = offset + 1;
  list.replaceChildren(...json.map((occurrence) => occurrenceItem(occurrence, zone)));
  const hasNext = Boolean(nextPage(response.headers.get('Link')));
  previous.disabled = offset === 0;
  next.disabled = !hasNext;
  pageLabel.textContent = json.length ? `${offset + 1}–${offset + json.length}` : '';
  occurrenceStatus.textContent = json.length ? '' : 'No occurrences yet.';
}

previous.addEventListener('click', () => { offset = Math.max(0, offset - PAGE_SIZE); loadOccurrences(); });
next.addEventListener('click', () => { offset += PAGE_SIZE; loadOccurrences(); });

async function start() {
  const dropped = Number(new URLSearchParams(location.search).get('dropped'));
  if (dropped > 0) {
    showNotice(dropped === 1
      ? 'Saved. One changed or cancelled occurrence is not in the new schedule, so its change was removed.'
      : `Saved. ${dropped} changed or cancelled occurrences are not in the new schedule, so their changes were removed.`);
  }
  try {
    let event = await loadEvent();
    await loadOccurrences();
    while (event.occurrences_status === 'pending') {
      await new Promise((resolve) => setTimeout(resolve, 500));
      event = await loadEvent();
      if (event.occurrences_status !== 'pending') await loadOccurrences();
    }
  } catch (error) {
    status.classList.add('error');
    status.textContent = `This event could not be loaded: ${error.message}`;
  }
}

start();
