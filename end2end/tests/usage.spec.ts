import { expect, signUp, test, waitForHydration } from './fixtures';

const OPERATOR_TOKEN = 'e2e-operator-token'; // PORTAL_OPERATOR_TOKEN in playwright.config.ts

test('gauges move live with API calls, warn at 80%, and read right without JavaScript', async ({ page, request, browser, context }) => {
  await signUp(page);
  await page.goto('/api-keys');
  await waitForHydration(page);
  await page.getByLabel('Key name').fill('Usage test');
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = (await page.getByTestId('new-key-secret').textContent())!.trim();
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
  const reported = await request.post('/api/v1/usage/events', {
    headers: { Authorization: `Bearer ${OPERATOR_TOKEN}` },
    data: {
      events: [
        { event_id: `e2e-${Date.now()}`, organization_id: organizationId, metric: 'api_calls', quantity: 7_994, timestamp: new Date().toISOString() },
      ],
    },
  });
  expect(reported.status()).toBe(202);
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
  await page.goto('/api-keys');
  await waitForHydration(page);
  await page.getByLabel('Key name').fill('Dashboard test');
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = (await page.getByTestId('new-key-secret').textContent())!.trim();

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
