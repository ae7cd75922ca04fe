import type { APIRequestContext, Page } from '@playwright/test';
import { expect, signUp, test, waitForHydration } from './fixtures';

const OPERATOR_TOKEN = 'e2e-operator-token'; // PORTAL_OPERATOR_TOKEN in playwright.config.ts

/** A new API key's secret, created on the API keys page. */
async function createKey(page: Page, name: string): Promise<string> {
  await page.goto('/api-keys');
  await waitForHydration(page);
  await page.getByLabel('Key name').fill(name);
  await page.getByRole('button', { name: 'Create key' }).click();
  return (await page.getByTestId('new-key-secret').textContent())!.trim();
}

/** The SaaS reports `quantity` API calls made just now by the organization. */
async function reportCalls(request: APIRequestContext, organizationId: string, quantity: number) {
  const reported = await request.post('/api/v1/usage/events', {
    headers: { Authorization: `Bearer ${OPERATOR_TOKEN}` },
    data: {
      events: [
        { event_id: `e2e-${Date.now()}-${quantity}`, organization_id: organizationId, metric: 'api_calls', quantity, timestamp: new Date().toISOString() },
      ],
    },
  });
  expect(reported.status()).toBe(202);
}

test('gauges move live with API calls, warn at 80%, and read right without JavaScript', async ({ page, request, browser, context }) => {
  await signUp(page);
  const secret = await createKey(page, 'Usage test');
  const ping = () => request.get('/api/v1/ping', { headers: { Authorization: `Bearer ${secret}` } });
  const first = await ping();
  expect(first.status()).toBe(200);
  const organizationId = (await first.json()).organization_id as string;

  await page.goto('/usage');
  await waitForHydration(page);
  const calls = page.getByTestId('gauge-api_calls');
  await expect(calls.getByTestId('gauge-used')).toHaveText('1 call');
  await expect(calls.getByText('of 10,000 calls')).toBeVisible();

  // No reload from here on: the numbers arrive over the live stream.
  for (let i = 0; i < 5; i++) expect((await ping()).status()).toBe(200);
  await expect(calls.getByTestId('gauge-used')).toHaveText('6 calls', { timeout: 5_000 });
  await expect(calls).toHaveAttribute('data-level', 'normal');

  // The SaaS reports the rest of the day's calls: 6 + 7,994 = 8,000, exactly 80%.
  await reportCalls(request, organizationId, 7_994);
  await expect(calls.getByTestId('gauge-used')).toHaveText('8,000 calls', { timeout: 5_000 });
  await expect(calls.getByTestId('gauge-state')).toHaveText('⚠ Over 80% used');
  await expect(calls).toHaveAttribute('data-level', 'warning80');
  await expect(calls.getByRole('meter')).toHaveAttribute('aria-valuenow', '8000');

  // The same page with JavaScript off, in the same session: correct numbers from the server.
  const noJs = await browser.newContext({ javaScriptEnabled: false, storageState: await context.storageState() });
  const plain = await noJs.newPage();
  await plain.goto('/usage');
  const plainCalls = plain.getByTestId('gauge-api_calls');
  await expect(plainCalls.getByTestId('gauge-used')).toHaveText('8,000 calls');
  await expect(plainCalls.getByTestId('gauge-state')).toHaveText('⚠ Over 80% used');
  await expect(plain.getByTestId('usage-alerts')).toContainText('API calls passed 80%');
  await noJs.close();
});

test('the dashboard shows usage, plan and team, and its usage moves live', async ({ page, request }) => {
  await signUp(page);
  const secret = await createKey(page, 'Dashboard test');

  await page.goto('/');
  await waitForHydration(page);
  await expect(page.getByTestId('plan-name')).toHaveText('Free');
  await expect(page.getByTestId('member-count')).toHaveText('1');
  await expect(page.getByTestId('api-key-count')).toHaveText('1');
  const calls = page.getByTestId('gauge-api_calls');
  await expect(calls.getByTestId('gauge-used')).toHaveText('0 calls');
  for (let i = 0; i < 3; i++) {
    expect((await request.get('/api/v1/ping', { headers: { Authorization: `Bearer ${secret}` } })).status()).toBe(200);
  }
  await expect(calls.getByTestId('gauge-used')).toHaveText('3 calls', { timeout: 5_000 });
});

test('the history is a chart to read: round axis, limit line, today, each day on hover and keyboard', async ({ page, request }) => {
  await signUp(page);
  const secret = await createKey(page, 'Chart test');
  const ping = await request.get('/api/v1/ping', { headers: { Authorization: `Bearer ${secret}` } });
  await reportCalls(request, (await ping.json()).organization_id, 2_500);

  const daily = page.getByTestId('usage-chart').filter({ hasText: 'API calls per day' });
  // The events API answers 202 and counts in the background; the history is
  // read when the page loads, so load it until the calls are counted.
  // 2,501 calls on a free plan: the axis rounds up to 3,000 in steps of 1,000.
  await expect(async () => {
    await page.goto('/usage');
    await expect(daily.getByText('3,000', { exact: true })).toBeAttached({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await waitForHydration(page);
  await expect(daily.getByText('1,000', { exact: true })).toBeAttached();
  await expect(daily.getByTestId('chart-limit')).toHaveText(/^Daily share of the plan · 3\d\d calls$/);
  await expect(daily.getByRole('listitem')).toHaveCount(30);

  // Each day says its value on keyboard focus and on hover.
  const today = daily.getByRole('listitem', { name: /^Today, \w+ \d+: 2,501 calls$/ });
  await today.focus();
  await expect(today.getByText(/^Today, \w+ \d+: 2,501 calls$/)).toBeVisible();
  await page.keyboard.press('Shift+Tab');
  const before = daily.getByRole('listitem').nth(28);
  await expect(before).toBeFocused();
  await expect(before.getByText(/: 0 calls$/)).toBeVisible();
  await daily.getByRole('listitem').first().hover();
  await expect(daily.getByRole('listitem').first().getByText(/: 0 calls$/)).toBeVisible();

  // The period's running total against the plan's limit.
  const running = page.getByTestId('usage-chart').filter({ hasText: 'running total' });
  await expect(running.getByTestId('chart-limit')).toHaveText('Plan limit · 10,000 calls');
  await expect(running.getByRole('listitem', { name: /^Today, \w+ \d+: 2,501 calls$/ })).toHaveCount(1);

  await page.getByRole('link', { name: '90 days' }).click();
  await expect(daily.getByRole('listitem')).toHaveCount(90);
});
