// Registration, sign-in and sign-out through the pages, with the API's messages inline.
const { test, expect } = require('@playwright/test');
const { PASSWORD, uniqueEmail, register, signIn } = require('./helpers');

test('a newcomer registers, lands on an empty event list, signs out and back in', async ({ page }) => {
  const email = uniqueEmail('newcomer');
  await register(page, email);
  await expect(page.getByRole('heading', { name: 'No events yet' })).toBeVisible();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL('/login/');
  await page.goto('/');
  await expect(page).toHaveURL('/login/?next=/');

  await signIn(page, email);
  await expect(page).toHaveURL('/');
  await expect(page.getByRole('heading', { name: 'Your events' })).toBeVisible();
});

test('registration and sign-in show what is wrong next to the field', async ({ page }) => {
  await page.goto('/register/');
  await page.getByLabel('Email').fill('not-an-email');
  await page.getByLabel('Password').fill('12345678');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.locator('#email-errors')).toHaveText('Enter a valid email address.');
  await expect(page.locator('#password-errors')).toContainText('This password is entirely numeric.');
  await expect(page.getByLabel('Email')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Email')).toHaveValue('not-an-email');

  await signIn(page, uniqueEmail('nobody'), PASSWORD);
  await expect(page.getByRole('alert')).toHaveText('No active account found with the given email and password.');
});

test('the session cookie is HttpOnly and signing out ends it on the server', async ({ page, context }) => {
  await register(page, uniqueEmail('cookie'));
  const [session] = (await context.cookies()).filter((cookie) => cookie.name === 'almanac_session');
  expect(session.httpOnly).toBe(true);
  expect(session.sameSite).toBe('Lax');
  expect(await page.evaluate(() => document.cookie)).not.toContain('almanac_session');
  expect(await page.evaluate(() => JSON.stringify(localStorage))).toBe('{}');

  await page.getByRole('button', { name: 'Sign out' }).click();
  // Replaying the old cookie after sign-out gets nothing.
  await context.addCookies([session]);
  const answer = await page.request.get('/api/v1/users/me/');
  expect(answer.status()).toBe(401);
});
