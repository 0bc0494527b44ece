// The calendar asks only for what it shows, never twice, and shows times in the viewer's zone.
const { test, expect } = require('@playwright/test');
const { uniqueEmail, register, fillEvent } = require('./helpers');

test('the calendar loads each visible range once, however the viewer navigates', async ({ page }) => {
  await register(page, uniqueEmail('ranges'));
  await page.goto('/events/new/');
  await fillEvent(page, {
    title: 'Daily check', start: '2026-01-01T08:00', end: '2026-01-01T08:10', timezone: 'Europe/Berlin',
    repeat: { frequency: 'daily', count: 120 },
  });
  await page.getByRole('button', { name: 'Save event' }).click();
  await expect(page).toHaveURL(/\/events\/[0-9a-f-]+\/$/);

  // Range requests only: the event page just left may still be loading its own occurrences.
  const requests = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname === '/api/v1/event-occurrences/' && url.searchParams.has('start_date')) {
      requests.push(url.searchParams);
    }
  });
  await page.goto('/events/calendar/?date=2026-02-01');
  await expect(page.locator('.fc-toolbar-title')).toHaveText('February 2026');
  await expect(page.locator('.fc-daygrid-day[data-date="2026-02-14"] .fc-daygrid-event')).toHaveCount(1);
  expect(requests).toHaveLength(1);
  // The month grid runs from Monday 26 January to Monday 9 March (exclusive), local time.
  expect(Date.parse(requests[0].get('start_date'))).toBe(Date.parse('2026-01-26T00:00:00+01:00'));
  expect(Date.parse(requests[0].get('end_date'))).toBe(Date.parse('2026-03-09T00:00:00+01:00'));

  const next = page.getByRole('button', { name: /next/i });
  const previous = page.getByRole('button', { name: /prev/i });
  await next.click();
  await expect(page.locator('.fc-toolbar-title')).toHaveText('March 2026');
  await expect(page.locator('.fc-daygrid-day[data-date="2026-03-20"] .fc-daygrid-event')).toHaveCount(1);
  expect(requests).toHaveLength(2);
  expect(Date.parse(requests[1].get('start_date'))).toBe(Date.parse('2026-03-09T00:00:00+01:00'));

  await previous.click();
  await previous.click();
  await expect(page.locator('.fc-toolbar-title')).toHaveText('January 2026');
  await next.click();
  await next.click();
  await expect(page.locator('.fc-toolbar-title')).toHaveText('March 2026');
  await page.getByRole('button', { name: 'Week' }).click();
  await expect(page.locator('.fc-timegrid-event')).not.toHaveCount(0);
  // January asked only for the days before 26 January; March's week was already loaded.
  expect(requests).toHaveLength(3);
  expect(Date.parse(requests[2].get('end_date'))).toBe(Date.parse('2026-01-26T00:00:00+01:00'));
});

test('a viewer in another time zone sees the Berlin meeting at their own local time', async ({ browser }) => {
  const berlin = await (await browser.newContext({ timezoneId: 'Europe/Berlin' })).newPage();
  const email = uniqueEmail('zones');
  await register(berlin, email);
  await berlin.goto('/events/new/');
  await fillEvent(berlin, {
    title: 'Sync', start: '2026-03-16T09:00', end: '2026-03-16T09:30', timezone: 'Europe/Berlin',
  });
  await berlin.getByRole('button', { name: 'Save event' }).click();
  await expect(berlin).toHaveURL(/\/events\/[0-9a-f-]+\/$/);
  const cookies = await berlin.context().cookies();

  // 09:00 in Berlin (CET) is 04:00 in New York, which moved to daylight time on 8 March.
  const newYorkContext = await browser.newContext({ timezoneId: 'America/New_York' });
  await newYorkContext.addCookies(cookies);
  const newYork = await newYorkContext.newPage();
  await newYork.goto('/events/calendar/?date=2026-03-16&view=timeGridDay');
  await expect(newYork.locator('.fc-timegrid-event .fc-event-time')).toHaveText('04:00 - 04:30');
});
