// Nobody sees anyone else's data, and the admin pages exist only for staff.
const { test, expect } = require('@playwright/test');
const { uniqueEmail, register, signIn, createSuperuser, fillEvent } = require('./helpers');

test('a second user sees none of the first user’s events, pages or occurrences', async ({ browser }) => {
  const ada = await browser.newPage();
  await register(ada, uniqueEmail('ada'));
  await ada.goto('/events/new/');
  await fillEvent(ada, { title: 'Ada’s secret', start: '2026-03-16T09:00', end: '2026-03-16T10:00', timezone: 'Europe/Berlin' });
  await ada.getByRole('button', { name: 'Save event' }).click();
  await expect(ada).toHaveURL(/\/events\/[0-9a-f-]+\/$/);
  const secretPath = new URL(ada.url()).pathname;

  const grace = await (await browser.newContext()).newPage();
  await register(grace, uniqueEmail('grace'));
  await expect(grace.getByRole('heading', { name: 'No events yet' })).toBeVisible();
  await grace.goto('/events/calendar/?date=2026-03-01');
  await expect(grace.locator('.fc-daygrid-day[data-date="2026-03-16"]')).toBeVisible();
  await expect(grace.locator('.fc-daygrid-event')).toHaveCount(0);
  const page = await grace.goto(secretPath);
  expect(page.status()).toBe(404);
  await expect(grace.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  expect((await grace.goto(`${secretPath}edit/`)).status()).toBe(404);
});

test('the admin pages are a 404 for a normal user and work for staff', async ({ page, browser }) => {
  const member = uniqueEmail('member');
  await register(page, member);
  await expect(page.getByRole('link', { name: 'Admin' })).toHaveCount(0);
  expect((await page.goto('/admin/')).status()).toBe(404);

  const admin = uniqueEmail('admin');
  createSuperuser(admin);
  const staff = await (await browser.newContext()).newPage();
  await signIn(staff, admin);
  await staff.getByRole('link', { name: 'Admin' }).click();
  await expect(staff.getByRole('heading', { name: 'Admin' })).toBeVisible();
  const row = staff.getByRole('row').filter({ hasText: member });
  await row.getByRole('button', { name: 'Deactivate' }).click();
  await expect(staff.getByRole('row').filter({ hasText: member }).getByText('inactive')).toBeVisible();

  // The deactivated member's session stops working at once.
  await page.goto('/');
  await expect(page).toHaveURL('/login/?next=/');
});

test('every page forbids inline scripts and framing', async ({ page }) => {
  const response = await page.goto('/login/');
  const policy = response.headers()['content-security-policy'];
  expect(policy).toContain("script-src 'self'");
  expect(policy).not.toMatch(/script-src[^;]*unsafe-inline/);
  expect(policy).toContain("frame-ancestors 'none'");
  expect(await page.locator('script:not([src])').count()).toBe(0);
});
