// One occurrence cancelled, restored or changed: the event page marks it and offers the way back,
// the calendar hides cancelled ones and shows moved ones where they are now, and a form edit that
// leaves changed occurrences behind says so.
const { test, expect } = require('@playwright/test');
const { uniqueEmail, register, apiCall, apiCreate } = require('./helpers');

const MONDAYS = {
  title: 'Standup',
  start_date: '2026-03-02T09:00:00',
  end_date: '2026-03-02T09:30:00',
  timezone: 'Europe/Berlin',
  recurrence: { frequency: 'weekly', count: 4 },
};

async function occurrencesOf(page, event) {
  const listed = await apiCall(page, 'GET', `/event-occurrences/?event=${event.id}`);
  expect(listed.status).toBe(200);
  return listed.json;
}

test('an occurrence is cancelled and restored from the event page, and the calendar follows', async ({ page }) => {
  await register(page, uniqueEmail('cancel'));
  const event = await apiCreate(page, MONDAYS);

  await page.goto(`/events/${event.id}/`);
  const items = page.locator('#occurrences li');
  await expect(items).toHaveCount(4);
  await items.nth(1).getByRole('button', { name: /^Cancel / }).click();
  await expect(items.nth(1)).toContainText('Cancelled');
  await expect(items.nth(1).getByRole('button', { name: /^Restore / })).toBeVisible();

  await page.goto('/events/calendar/?date=2026-03-01');
  await expect(page.locator('.fc-daygrid-day[data-date="2026-03-02"] .fc-event')).toHaveCount(1);
  await expect(page.locator('.fc-daygrid-day[data-date="2026-03-09"] .fc-event')).toHaveCount(0);

  await page.goto(`/events/${event.id}/`);
  await items.nth(1).getByRole('button', { name: /^Restore / }).click();
  await expect(items.nth(1)).not.toContainText('Cancelled');
  await page.goto('/events/calendar/?date=2026-03-01');
  await expect(page.locator('.fc-daygrid-day[data-date="2026-03-09"] .fc-event')).toHaveCount(1);
});

test('a moved occurrence shows where it is now, marked as changed', async ({ page }) => {
  await register(page, uniqueEmail('moved'));
  const event = await apiCreate(page, MONDAYS);
  await expect.poll(async () => (await occurrencesOf(page, event)).length).toBe(4);
  const [, second] = await occurrencesOf(page, event);
  const moved = await apiCall(page, 'PATCH', `/event-occurrences/${second.id}/`, {
    title: 'Standup (Tuesday)', start: '2026-03-10T11:00',
  });
  expect(moved.status, JSON.stringify(moved.json)).toBe(200);

  await page.goto('/events/calendar/?date=2026-03-09&view=timeGridWeek');
  await expect(page.locator('.fc-timegrid-col[data-date="2026-03-09"] .fc-timegrid-event')).toHaveCount(0);
  const tuesday = page.locator('.fc-timegrid-col[data-date="2026-03-10"] .fc-timegrid-event');
  await expect(tuesday).toContainText('Standup (Tuesday)');
  await expect(tuesday.locator('.fc-event-time')).toHaveText('11:00 - 11:30');

  await page.goto(`/events/${event.id}/`);
  const item = page.locator('#occurrences li').nth(1);
  await expect(item).toContainText('Standup (Tuesday)');
  await expect(item).toContainText('Changed');
});

test('a form edit that leaves changed occurrences behind says so', async ({ page }) => {
  await register(page, uniqueEmail('dropped'));
  const event = await apiCreate(page, MONDAYS);
  await expect.poll(async () => (await occurrencesOf(page, event)).length).toBe(4);
  const [, second] = await occurrencesOf(page, event);
  expect((await apiCall(page, 'DELETE', `/event-occurrences/${second.id}/`)).status).toBe(204);

  await page.goto(`/events/${event.id}/edit/`);
  await page.getByLabel('Starts').fill('2026-03-02T10:00');
  await page.getByLabel('Ends', { exact: true }).fill('2026-03-02T10:30');
  await page.getByRole('button', { name: 'Save event' }).click();
  await expect(page).toHaveURL(`/events/${event.id}/?dropped=1`);
  await expect(page.locator('#event-notice')).toContainText('One changed or cancelled occurrence is not in the new schedule');
  await expect(page.locator('#occurrences li')).toHaveCount(4);
});
