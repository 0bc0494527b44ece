// The rule forms the form cannot show yet are kept on save and shown in words; all-day events show
// as dates; series without end say so and reach as far as the calendar goes.
const { test, expect } = require('@playwright/test');
const { uniqueEmail, register, apiCreate } = require('./helpers');

const MON_WED_FRI = {
  title: 'Gym',
  start_date: '2026-03-02T18:00:00',
  end_date: '2026-03-02T19:00:00',
  timezone: 'Europe/Berlin',
  recurrence: { frequency: 'weekly', by_weekday: ['MO', 'WE', 'FR'], count: 6 },
};

test('a rule the form cannot show is kept when the event is edited, until replaced', async ({ page }) => {
  await register(page, uniqueEmail('kept'));
  const event = await apiCreate(page, MON_WED_FRI);

  await page.goto(`/events/${event.id}/edit/`);
  const kept = page.locator('#rule-kept');
  await expect(kept).toContainText('Weekly on Monday, Wednesday and Friday, 6 times');
  await expect(page.getByLabel('Repeats')).toBeHidden();
  await page.getByLabel('Title').fill('Gym class');
  await page.getByRole('button', { name: 'Save event' }).click();
  await expect(page).toHaveURL(`/events/${event.id}/`);
  await expect(page.getByRole('heading', { name: 'Gym class' })).toBeVisible();
  await expect(page.locator('[data-field="rule"]')).toHaveText('Weekly on Monday, Wednesday and Friday, 6 times');
  await expect(page.locator('#occurrences li')).toHaveCount(6);

  await page.goto(`/events/${event.id}/edit/`);
  await page.getByRole('button', { name: 'Replace it with a simple rule' }).click();
  await expect(page.getByLabel('Repeats')).toBeVisible();
  await expect(page.getByLabel('Repeats')).toBeFocused();
  await page.getByLabel('Number of times').fill('2');
  await page.getByRole('button', { name: 'Save event' }).click();
  await expect(page).toHaveURL(`/events/${event.id}/`);
  await expect(page.locator('[data-field="rule"]')).toHaveText('Weekly on Monday, 2 times');
});

test('the calendar shows weekday rules, nth weekdays and the last weekday of the month', async ({ page }) => {
  await register(page, uniqueEmail('forms'));
  await apiCreate(page, MON_WED_FRI);
  await apiCreate(page, {
    title: 'Board', start_date: '2026-03-10T14:00:00', end_date: '2026-03-10T15:00:00', timezone: 'Europe/Berlin',
    recurrence: { rrule: 'FREQ=MONTHLY;BYDAY=2TU;COUNT=3' },
  });
  await apiCreate(page, {
    title: 'Payroll', start_date: '2026-03-31T08:00:00', end_date: '2026-03-31T08:30:00', timezone: 'Europe/Berlin',
    recurrence: { frequency: 'monthly', by_weekday: ['MO', 'TU', 'WE', 'TH', 'FR'], by_set_position: [-1], count: 3 },
  });

  await page.goto('/events/calendar/?date=2026-03-02&view=timeGridWeek');
  await expect(page.locator('.fc-timegrid-event')).toHaveCount(3);
  for (const day of ['2026-03-02', '2026-03-04', '2026-03-06']) {
    await expect(page.locator(`.fc-timegrid-col[data-date="${day}"] .fc-event-time`)).toHaveText('18:00 - 19:00');
  }

  await page.goto('/events/calendar/?date=2026-04-01');
  await expect(page.locator('.fc-toolbar-title')).toHaveText('April 2026');
  await expect(page.locator('.fc-daygrid-day[data-date="2026-04-14"] .fc-event-title')).toHaveText('Board');
  await expect(page.locator('.fc-daygrid-day[data-date="2026-04-30"] .fc-event-title')).toHaveText('Payroll');
  await expect(page.locator('.fc-daygrid-day[data-date="2026-04-30"] .fc-event-time')).toHaveText('08:00');
});

test('an all-day event made in the form shows as dates in the list, its page and the calendar', async ({ page }) => {
  await register(page, uniqueEmail('allday'));
  await page.goto('/events/new/');
  await page.getByLabel('Title').fill('Holiday');
  await page.getByLabel('All day').check();
  await page.getByLabel('Starts').fill('2031-03-14');
  await page.getByLabel('Ends', { exact: true }).fill('2031-03-15');
  await page.getByRole('button', { name: 'Save event' }).click();
  await expect(page).toHaveURL(/\/events\/[0-9a-f-]+\/$/);

  await expect(page.locator('[data-field="when"]')).toHaveText(/14 Mar 2031 – .*15 Mar 2031$/);
  await expect(page.locator('#occurrences li')).toHaveCount(1);
  await expect(page.locator('#occurrences li')).not.toContainText(':');

  await page.goto('/');
  await expect(page.locator('#upcoming .event-when')).toHaveText(/14 Mar 2031 – .*15 Mar 2031$/);

  // One bar from the 14th, without a time of day; both days' views show it, the next day's none.
  await page.goto('/events/calendar/?date=2031-03-01');
  await expect(page.locator('.fc-daygrid-event')).toHaveCount(1);
  await expect(page.locator('.fc-daygrid-day[data-date="2031-03-14"] .fc-daygrid-event')).toHaveCount(1);
  await expect(page.locator('.fc-daygrid-event .fc-event-time')).toHaveCount(0);
  for (const day of ['2031-03-14', '2031-03-15']) {
    await page.goto(`/events/calendar/?date=${day}&view=timeGridDay`);
    await expect(page.locator('.fc-timegrid .fc-daygrid-event .fc-event-title')).toHaveText('Holiday');
  }
  await page.goto('/events/calendar/?date=2031-03-16&view=timeGridDay');
  await expect(page.locator('.fc-toolbar-title')).toHaveText('March 16, 2031');
  await expect(page.locator('.fc-event')).toHaveCount(0);

  await page.goto('/events/calendar/?date=2031-03-14&view=timeGridDay');
  await page.locator('.fc-daygrid-event').click();
  await expect(page.getByRole('dialog', { name: 'Holiday' }).locator('[data-field="when"]')).toHaveText(/14 Mar 2031 – .*15 Mar 2031$/);
});

test('a series without end says so, stays upcoming, and fills the calendar years ahead', async ({ page }) => {
  await register(page, uniqueEmail('forever'));
  await page.goto('/events/new/');
  await page.getByLabel('Title').fill('Standup');
  await page.getByLabel('Starts').fill('2026-03-02T09:00');
  await page.getByLabel('Ends', { exact: true }).fill('2026-03-02T09:15');
  await page.getByLabel('Time zone').fill('Europe/Berlin');
  await page.getByLabel('Repeats').selectOption('weekly');
  await page.getByRole('radio', { name: 'Never' }).check();
  await page.getByRole('button', { name: 'Save event' }).click();
  await expect(page).toHaveURL(/\/events\/[0-9a-f-]+\/$/);

  await expect(page.locator('[data-field="rule"]')).toHaveText('Weekly on Monday, forever');
  await expect(page.locator('[data-field="ends"]')).toHaveText('No end');
  await page.goto('/');
  await expect(page.locator('#upcoming .event-title')).toHaveText(['Standup']);

  await page.goto('/events/calendar/?date=2035-06-01');
  await expect(page.locator('.fc-toolbar-title')).toHaveText('June 2035');
  for (const day of ['2035-06-04', '2035-06-11', '2035-06-18', '2035-06-25']) {
    await expect(page.locator(`.fc-daygrid-day[data-date="${day}"] .fc-event-time`)).toHaveText('09:00');
  }
});
