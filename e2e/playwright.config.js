// Browser tests against a freshly started Almanac on the embedded default, in Debian's Chromium.
// Never downloads a browser: `executablePath` points at /usr/bin/chromium.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { defineConfig } = require('@playwright/test');

const port = Number(process.env.E2E_PORT ?? 8765);
const targetDir = process.env.CARGO_TARGET_DIR ?? path.resolve(__dirname, '..', 'target');
const binary = path.join(targetDir, 'debug', 'almanac');
if (!process.env.E2E_DATA_DIR) {
  process.env.E2E_DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'almanac-e2e-'));
  process.env.E2E_CREATED_DATA_DIR = process.env.E2E_DATA_DIR;
}
const dataDir = process.env.E2E_DATA_DIR;
process.env.E2E_ALMANAC_BIN = binary;

module.exports = defineConfig({
  testDir: './tests',
  globalTeardown: require.resolve('./global-teardown.js'),
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    locale: 'en-GB',
    timezoneId: 'Europe/Berlin',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync',
      ],
    },
  },
  webServer: {
    // The same build as `cargo test --workspace` makes (its features included), so that after the
    // Rust tests nothing is rebuilt; cargo's progress shows when something is.
    command: `cargo build --workspace --tests --locked && "${binary}" serve --bind 127.0.0.1:${port} --data-dir "${dataDir}"`,
    cwd: path.resolve(__dirname, '..'),
    url: `http://127.0.0.1:${port}/healthz`,
    timeout: 600_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
