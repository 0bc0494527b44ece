// A recurring event end to end: created in Europe/Berlin across the spring DST change, seen at
// 09:00 local in every view, opened from the calendar, edited, and deleted.
const { test, expect } = require('@playwright/test');
const { uniqueEmail, register, fillEvent } = require('./helpers');

// Mondays 16, 23, 30 March and 6 April 2026: Berlin moves to summer time on 29 March.
const STANDUP = {
  title: 'Standup',
  description: 'Fifteen minutes, standing.',
  start: '2026-03-16T09:00',
  end: '2026-03-16T09:30',
  timezone: 'Europe/Berlin',
  repeat: { frequency: 'weekly', count: 4 },
};

async function createStandup(page) {
  await page.goto('/events/new/');
  await fillEvent(page, STANDUP);
  await page.getByRole('button', { name: 'Save event' }).click();
  await expect(page).toHaveURL(/\/events\/[0-9a-f-]+\/$/);
  return page.url();
}

test('a weekly Berlin series keeps 09:00 across DST in the detail, month, week and list views', async ({ page }) => {
  await register(page, uniqueEmail('series'));
  await createStandup(page);

  await expect(page.getByRole('heading', { name: 'Standup' })).toBeVisible();
  await expect(page.locator('[data-field="rule"]')).toHaveText('Weekly on Monday, 4 times');
  const occurrences = page.locator('#occurrences li');
  await expect(occurrences).toHaveCount(4);
  for (const [index, day] of ['16 Mar', '23 Mar', '30 Mar', '6 Apr'].entries()) {
    await expect(occurrences.nth(index)).toContainText(day);
    await expect(occurrences.nth(index)).toContainText('09:00 – 09:30');
  }

  await page.goto('/events/calendar/?date=2026-03-01');
  await expect(page.locator('.fc-toolbar-title')).toHaveText('March 2026');
  const march = page.locator('.fc-daygrid-event');
  await expect(march).toHaveCount(3);
  for (const day of ['2026-03-16', '2026-03-23', '2026-03-30']) {
    const cell = page.locator(`.fc-daygrid-day[data-date="${day}"]`);
    await expect(cell.locator('.fc-event-time')).toHaveText('09:00');
    await expect(cell.locator('.fc-event-title')).toHaveText('Standup');
  }

  await page.getByRole('button', { name: 'Week' }).click();
  await page.goto('/events/calendar/?date=2026-03-30&view=timeGridWeek');
  const weekEvent = page.locator('.fc-timegrid-event');
  await expect(weekEvent).toHaveCount(1);
  await expect(weekEvent.locator('.fc-event-time')).toHaveText('09:00 - 09:30');

  await page.goto('/events/calendar/?date=2026-03-23&view=timeGridDay');
  await expect(page.locator('.fc-timegrid-event .fc-event-time')).toHaveText('09:00 - 09:30');

  await page.goto('/events/calendar/?date=2026-04-06&view=listWeek');
  await expect(page.locator('.fc-list-event-time')).toHaveText('09:00 - 09:30');
});

test('clicking an occurrence opens its details, and edits and deletion show in the calendar', async ({ page }) => {
  await register(page, uniqueEmail('dialog'));
  const eventUrl = await createStandup(page);
  const eventPath = new URL(eventUrl).pathname;

  await page.goto('/events/calendar/?date=2026-03-01');
  await page.locator('.fc-daygrid-day[data-date="2026-03-30"] .fc-daygrid-event').click();
  const dialog = page.getByRole('dialog', { name: 'Standup' });
  await expect(dialog).toBeVisible();
  await expect(dialog.locator('[data-field="when"]')).toContainText('30 Mar 2026, 09:00 – 09:30');
  await expect(dialog.locator('[data-field="rule"]')).toHaveText('Weekly on Monday, 4 times');
  await expect(dialog.locator('[data-field="description"]')).toHaveText('Fifteen minutes, standing.');
  await expect(dialog.getByRole('link', { name: 'Open event' })).toHaveAttribute('href', eventPath);
  await dialog.getByRole('link', { name: 'Edit' }).click();

  await expect(page).toHaveURL(`${eventPath}edit/`);
  await expect(page.getByLabel('Starts')).toHaveValue('2026-03-16T09:00');
  await expect(page.getByLabel('Time zone')).toHaveValue('Europe/Berlin');
  await page.getByLabel('Starts').fill('2026-03-16T10:00');
  await page.getByLabel('Ends', { exact: true }).fill('2026-03-16T10:45');
  await page.getByLabel('Number of times').fill('2');
  await page.getByRole('button', { name: 'Save event' }).click();
  await expect(page).toHaveURL(eventPath);
  await expect(page.locator('#occurrences li')).toHaveCount(2);

  await page.goto('/events/calendar/?date=2026-03-01');
  await expect(page.locator('.fc-daygrid-event')).toHaveCount(2);
  await expect(page.locator('.fc-daygrid-day[data-date="2026-03-23"] .fc-event-time')).toHaveText('10:00');
  await expect(page.locator('.fc-daygrid-day[data-date="2026-03-30"] .fc-daygrid-event')).toHaveCount(0);

  await page.goto('/');
  await page.getByRole('button', { name: 'Delete Standup' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete this event?' });
  await confirm.getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByRole('status')).toHaveText('Deleted “Standup”.');
  await expect(page.getByRole('heading', { name: 'No events yet' })).toBeVisible();
  await page.goto('/events/calendar/?date=2026-03-01');
  await expect(page.locator('.fc-daygrid-day[data-date="2026-03-16"]')).toBeVisible();
  await expect(page.locator('.fc-daygrid-event')).toHaveCount(0);
});

test('the form shows hints before sending and the server’s errors after', async ({ page }) => {
  await register(page, uniqueEmail('form'));
  await page.goto('/events/new/');
  await fillEvent(page, { ...STANDUP, end: '2026-03-16T08:00' });
  await page.getByRole('button', { name: 'Save event' }).click();
  await expect(page.locator('[id="end_date-errors"]')).toHaveText('The end must not be before the start.');
  await expect(page.getByLabel('Ends', { exact: true })).toBeFocused();

  await fillEvent(page, { ...STANDUP, timezone: 'Mars/Olympus_Mons' });
  await page.getByRole('button', { name: 'Save event' }).click();
  await expect(page.locator('[id="timezone-errors"]')).toHaveText('"Mars/Olympus_Mons" is not a known IANA time zone.');

  await fillEvent(page, { ...STANDUP, repeat: { frequency: 'daily', count: 6000 } });
  await page.getByRole('button', { name: 'Save event' }).click();
  await expect(page.locator('[id="recurrence.count-errors"]')).toHaveText('This series would have more than 5000 occurrences.');
  await expect(page).toHaveURL('/events/new/');
});

test('the event list searches by title and puts upcoming events before past ones', async ({ page }) => {
  await register(page, uniqueEmail('list'));
  for (const [title, start, end] of [
    ['Retro 2020', '2020-01-06T15:00', '2020-01-06T16:00'],
    ['Planning 2099', '2099-01-05T09:00', '2099-01-05T10:00'],
  ]) {
    await page.goto('/events/new/');
    await fillEvent(page, { title, start, end, timezone: 'Europe/Berlin' });
    await page.getByRole('button', { name: 'Save event' }).click();
    await expect(page).toHaveURL(/\/events\/[0-9a-f-]+\/$/);
  }
  await page.goto('/');
  await expect(page.locator('#upcoming .event-title')).toHaveText(['Planning 2099']);
  await expect(page.locator('#past .event-title')).toHaveText(['Retro 2020']);
  await expect(page.locator('#upcoming .event-rule')).toHaveText('Does not repeat');

  await page.getByLabel('Search events by title').fill('retro');
  await expect(page.locator('#upcoming')).toBeHidden();
  await expect(page.locator('#past .event-title')).toHaveText(['Retro 2020']);
  await page.getByLabel('Search events by title').fill('nothing like this');
  await expect(page.getByRole('status')).toHaveText('No event title contains “nothing like this”.');
});
