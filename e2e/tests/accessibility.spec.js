// Every page passes axe's WCAG 2.1 AA checks (labels, contrast, landmarks…) on a phone and on a
// desktop, and the calendar works from the keyboard.
const { test, expect } = require('@playwright/test');
const AxeBuilder = require('@axe-core/playwright').default;
const { uniqueEmail, register, createSuperuser, signIn, fillEvent } = require('./helpers');

async function expectAccessible(page, what) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const problems = results.violations.map((violation) =>
    `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`);
  expect(problems, `${what} has accessibility problems`).toEqual([]);
}

for (const [device, width] of [['phone', 360], ['desktop', 1280]]) {
  test(`every page is accessible on a ${device}`, async ({ browser }) => {
    const context = await browser.newContext({ viewport: { width, height: 800 } });
    const page = await context.newPage();
    await page.goto('/login/');
    await expectAccessible(page, 'the sign-in page');
    await page.goto('/register/');
    await expectAccessible(page, 'the registration page');

    const admin = uniqueEmail(`a11y-${device}`);
    createSuperuser(admin);
    await signIn(page, admin);
    await expect(page).toHaveURL('/');
    await expectAccessible(page, 'the empty event list');

    await page.goto('/events/new/');
    await expectAccessible(page, 'the event form');
    await fillEvent(page, {
      title: 'Yoga', start: '2026-03-02T18:00', end: '2026-03-02T19:00', timezone: 'Europe/Berlin',
      repeat: { frequency: 'weekly', count: 8 },
    });
    await page.getByRole('button', { name: 'Save event' }).click();
    await expect(page).toHaveURL(/\/events\/[0-9a-f-]+\/$/);
    await expect(page.locator('#occurrences li')).toHaveCount(8);
    await expectAccessible(page, 'the event page');

    await page.goto('/');
    await expect(page.locator('.event-card')).toHaveCount(1);
    await expectAccessible(page, 'the event list');

    for (const view of ['dayGridMonth', 'timeGridWeek', 'listWeek']) {
      await page.goto(`/events/calendar/?date=2026-03-02&view=${view}`);
      await expect(page.locator('.fc-event').first()).toBeVisible();
      await expectAccessible(page, `the calendar (${view})`);
    }
    await page.locator('.fc-event').first().click();
    await expect(page.getByRole('dialog')).toBeVisible();
    await expectAccessible(page, 'the occurrence dialog');

    await page.goto('/admin/');
    await expectAccessible(page, 'the admin page');
    await context.close();
  });
}

test('the calendar can be used from the keyboard alone', async ({ page }) => {
  await register(page, uniqueEmail('keyboard'));
  await page.goto('/events/new/');
  await fillEvent(page, { title: 'Piano', start: '2026-03-04T17:00', end: '2026-03-04T18:00', timezone: 'Europe/Berlin' });
  await page.getByRole('button', { name: 'Save event' }).click();
  await expect(page).toHaveURL(/\/events\/[0-9a-f-]+\/$/);

  await page.goto('/events/calendar/?date=2026-03-01');
  const event = page.locator('.fc-daygrid-event');
  await expect(event).toHaveCount(1);
  for (let presses = 0; presses < 40; presses += 1) {
    await page.keyboard.press('Tab');
    if (await event.evaluate((element) => element === document.activeElement)) break;
  }
  await expect(event).toBeFocused();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Piano' });
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
});
