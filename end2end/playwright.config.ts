import path from 'node:path';
import { defineConfig, devices } from '@playwright/test';

// scripts/test sets these; see there. E2E_DATABASE_URL must name a database
// the server may migrate and fill (scripts/test recreates `portal_e2e` per run).
// E2E_CLUSTER=1 runs the same suite through `scripts/cluster` (two instances
// and a separate worker behind HAProxy) instead of one server.
const port = Number(process.env.E2E_PORT ?? 3100);
const cluster = !!process.env.E2E_CLUSTER;
const baseURL = `http://127.0.0.1:${port}`;
const repoRoot = path.resolve(__dirname, '..');

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run scripts/test, or set it yourself (see end2end/playwright.config.ts)`);
  }
  return value;
}

// Debian's Chromium: Playwright cannot download its own browsers here.
const chromium = {
  ...devices['Desktop Chrome'],
  launchOptions: {
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  },
};

export default defineConfig({
  testDir: 'tests',
  // Every test signs up its own organization, so tests never share state.
  fullyParallel: true,
  workers: 2,
  // A hang guard, not a speed check: the server under test is the debug
  // build (scripts/test), and on a loaded 2-core machine a long journey can
  // pass 30 s.
  timeout: 60_000,
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  // list for people; json for scripts/test, which sums the counts.
  reporter: [
    ['list'],
    ['json', { outputFile: process.env.E2E_JSON_REPORT ?? 'playwright-report/results.json' }],
  ],
  use: {
    baseURL,
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'chromium', use: chromium, grepInvert: /@no-js/ },
    // The form journeys with JavaScript off (tests tagged NO_JS in fixtures.ts):
    // sign-up and sign-in, two-factor, password reset, organization switch,
    // invite and accept, role change and removal, API key create, rotate and
    // revoke, ticket open and reply, help search, rating, billing email,
    // address, plan preview and card.
    { name: 'no-javascript', use: chromium, grep: /@no-js/ },
  ],
  // PORTAL_SERVER_BIN (scripts/test: the debug server cargo test linked) or the
  // release server built by `cargo leptos build --release`, started from the
  // repository root (its LEPTOS_SITE_ROOT is relative), ready once /ready answers.
  webServer: {
    command: cluster
      ? `${path.join(repoRoot, 'scripts', 'cluster')} 2`
      : (process.env.PORTAL_SERVER_BIN ?? path.join(repoRoot, 'target', 'release', 'server')),
    cwd: repoRoot,
    url: `${baseURL}/ready`,
    reuseExistingServer: false,
    timeout: cluster ? 180_000 : 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      LEPTOS_OUTPUT_NAME: 'portal',
      LEPTOS_SITE_ROOT: 'target/site',
      LEPTOS_SITE_PKG_DIR: 'pkg',
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      CLUSTER_PORT: String(port), // the balancer's; the instances take the ports after it
      DATABASE_URL: required('E2E_DATABASE_URL'),
      REDIS_URL: required('REDIS_URL'),
      // Keys of this run only, so runs never see each other's cache or limits.
      PORTAL_REDIS_PREFIX: `e2e-${Date.now()}`,
      PORTAL_ENV: 'test',
      // "last used" is flushed every 30 s in production; tests want to see it sooner.
      PORTAL_API_KEY_FLUSH_SECONDS: '1',
      // The SaaS backend's token: tests report usage events with it.
      PORTAL_OPERATOR_TOKEN: 'e2e-operator-token',
      // Every spec signs up (and in) from 127.0.0.1: one office's worth of
      // people, not one person. The limits themselves are tested in Rust.
      PORTAL_LIMIT_SIGN_UP_PER_IP: '1000/1h',
      PORTAL_LIMIT_SIGN_IN_PER_IP: '1000/15m',
      PORTAL_LIMIT_RESET_PER_IP: '1000/1h',
      PORTAL_LIMIT_VERIFICATION_PER_IP: '1000/1h',
      PORTAL_LIMIT_INVITATION_LINKS_PER_IP: '1000/1h',
    },
  },
});
