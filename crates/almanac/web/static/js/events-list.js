// The event list: upcoming series first, then past ones; search by title; delete with
// confirmation.

import { ApiError, getAll, request } from './api.js';
import { describeRule, formatRange, toInstant, viewerTimeZone } from './format.js';

const status = document.getElementById('events-status');
const search = document.getElementById('search');
const sections = {
  upcoming: document.getElementById('upcoming'),
  past: document.getElementById('past'),
};
const empty = document.getElementById('empty');
const itemTemplate = document.getElementById('event-item');
const confirmDialog = document.getElementById('confirm-delete');

let events = [];

function render() {
  const query = search.value.trim().toLocaleLowerCase();
  const now = Date.now();
  const shown = events.filter((event) => event.title.toLocaleLowerCase().includes(query));
  // A series without end is always upcoming.
  const isUpcoming = (event) => event.series_end_date === null || toInstant(event.series_end_date) >= now;
  const groups = {
    upcoming: shown.filter(isUpcoming),
    past: shown.filter((event) => !isUpcoming(event)).reverse(),
  };
  for (const [name, section] of Object.entries(sections)) {
    const list = section.querySelector('ul');
    list.replaceChildren(...groups[name].map(card));
    section.hidden = groups[name].length === 0;
  }
  empty.hidden = events.length > 0;
  if (events.length === 0) {
    status.textContent = '';
  } else if (shown.length === 0) {
    status.textContent = `No event title contains “${search.value.trim()}”.`;
  } else {
    status.textContent = query ? `${shown.length} of ${events.length} events match.` : '';
  }
}

function card(event) {
  const item = itemTemplate.content.firstElementChild.cloneNode(true);
  const field = (name) => item.querySelector(`[data-field="${name}"]`);
  field('link').textContent = event.title;
  field('link').href = `/events/${event.id}/`;
  field('when').textContent = formatRange(event.start_date, event.end_date, viewerTimeZone());
  const zone = event.timezone === viewerTimeZone() ? '' : ` · ${event.timezone}`;
  field('rule').textContent = describeRule(event.recurrence) + zone;
  field('edit').href = `/events/${event.id}/edit/`;
  field('edit').setAttribute('aria-label', `Edit ${event.title}`);
  const remove = item.querySelector('[data-action="delete"]');
  remove.setAttribute('aria-label', `Delete ${event.title}`);
  remove.addEventListener('click', () => confirmDelete(event, remove));
  return item;
}

function confirmDelete(event, trigger) {
  confirmDialog.querySelector('[data-field="title"]').textContent = event.title;
  confirmDialog.returnValue = '';
  confirmDialog.addEventListener('close', async () => {
    if (confirmDialog.returnValue !== 'delete') {
      trigger.focus();
      return;
    }
    try {
      await request('DELETE', `/events/${event.id}/`);
      events = events.filter((other) => other.id !== event.id);
      render();
      status.textContent = `Deleted “${event.title}”.`;
      search.focus();
    } catch (error) {
      status.textContent = `Could not delete “${event.title}”: ${error.message}`;
      status.classList.add('error');
    }
  }, { once: true });
  confirmDialog.showModal();
}

async function load() {
  try {
    events = await getAll('/events/');
    status.classList.remove('error');
    render();
  } catch (error) {
    status.classList.add('error');
    status.textContent = error instanceof ApiError && error.status === 0
      ? error.message
      : `Your events could not be loaded (${error.message}). Reload the page to try again.`;
  }
}

search.addEventListener('input', render);
load();
