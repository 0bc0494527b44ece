// The event page: its facts, its rule in words, and its occurrences a page at a time.

import { get, nextPage, request } from './api.js';
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
let offset = 0;

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
  status.textContent = {
    pending: 'Its occurrences are being generated…',
    failed: 'Its occurrences could not be generated. An administrator has been told.',
  }[event.occurrences_status] ?? '';
  return event;
}

async function loadOccurrences() {
  occurrenceStatus.textContent = 'Loading occurrences…';
  const { json, response } = await request('GET', `/event-occurrences/?event=${eventId}&limit=${PAGE_SIZE}&offset=${offset}`);
  const zone = viewerTimeZone();
  list.start = offset + 1;
  list.replaceChildren(...json.map((occurrence) => Object.assign(document.createElement('li'), {
    textContent: formatRange(occurrence.start, occurrence.end, zone),
  })));
  const hasNext = Boolean(nextPage(response.headers.get('Link')));
  previous.disabled = offset === 0;
  next.disabled = !hasNext;
  pageLabel.textContent = json.length ? `${offset + 1}–${offset + json.length}` : '';
  occurrenceStatus.textContent = json.length ? '' : 'No occurrences yet.';
}

previous.addEventListener('click', () => { offset = Math.max(0, offset - PAGE_SIZE); loadOccurrences(); });
next.addEventListener('click', () => { offset += PAGE_SIZE; loadOccurrences(); });

async function start() {
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
