// Shared steps: accounts made through the UI, and a staff account made with the CLI.
const { execFileSync } = require('node:child_process');
const { expect } = require('@playwright/test');

const PASSWORD = 'correct horse battery staple';

let counter = 0;
function uniqueEmail(name) {
  counter += 1;
  return `${name}-${Date.now()}-${counter}@example.com`;
}

async function register(page, email) {
  await page.goto('/register/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL('/');
}

async function signIn(page, email, password = PASSWORD) {
  await page.goto('/login/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

function createSuperuser(email) {
  execFileSync(
    process.env.E2E_ALMANAC_BIN,
    ['createsuperuser', '--email', email, '--password-stdin', '--data-dir', process.env.E2E_DATA_DIR],
    { input: `${PASSWORD}\n` },
  );
}

/** Fills the event form; `repeat` is e.g. { frequency: 'weekly', count: 4 }. */
async function fillEvent(page, { title, start, end, timezone, repeat, description }) {
  await page.getByLabel('Title').fill(title);
  if (description !== undefined) await page.getByLabel('Description').fill(description);
  await page.getByLabel('Starts').fill(start);
  await page.getByLabel('Ends', { exact: true }).fill(end);
  if (timezone) await page.getByLabel('Time zone').fill(timezone);
  if (repeat) {
    await page.getByLabel('Repeats').selectOption(repeat.frequency);
    if (repeat.interval) await page.getByLabel('Every').fill(String(repeat.interval));
    if (repeat.count) {
      await page.getByRole('radio', { name: 'After' }).check();
      await page.getByLabel('Number of times').fill(String(repeat.count));
    }
    if (repeat.until) {
      await page.getByRole('radio', { name: 'On a date' }).check();
      await page.getByLabel('Last date').fill(repeat.until);
    }
  }
}

/** Calls the API as the signed-in page would (cookie and CSRF token): { status, json }. */
async function apiCall(page, method, path, body) {
  await page.goto('/');
  return page.evaluate(async ({ method, path, body }) => {
    const token = document.querySelector('meta[name="csrf-token"]').content;
    const response = await fetch(`/api/v1${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : null };
  }, { method, path, body });
}

/** Creates an event through the API as the signed-in page would. */
async function apiCreate(page, body) {
  const event = await apiCall(page, 'POST', '/events/', body);
  expect(event.status, JSON.stringify(event.json)).toBe(201);
  return event.json;
}

module.exports = { PASSWORD, uniqueEmail, register, signIn, createSuperuser, fillEvent, apiCall, apiCreate };
