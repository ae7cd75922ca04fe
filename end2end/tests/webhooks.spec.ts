import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, NO_JS, signedInWithoutJavaScript, signUp, test, waitForHydration } from './fixtures';

type Received = { id: string; timestamp: string; signature: string; body: string };

/**
 * A webhook receiver on loopback, as a customer's engineers would run one:
 * it records every delivery and answers with the next status in `script`
 * (200 once the script runs out).
 */
async function startReceiver(): Promise<{ url: string; received: Received[]; script: number[]; server: Server }> {
  const received: Received[] = [];
  const script: number[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const header = (name: string) => String(request.headers[name] ?? '');
      received.push({
        id: header('webhook-id'),
        timestamp: header('webhook-timestamp'),
        signature: header('webhook-signature'),
        body,
      });
      const status = script.shift() ?? 200;
      response.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'receiver down');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, received, script, server };
}

/** The Standard Webhooks check, written out: HMAC-SHA256 of `id.timestamp.body`. */
function signedBy(delivery: Received, secret: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key)
    .update(`${delivery.id}.${delivery.timestamp}.${delivery.body}`)
    .digest('base64');
  return delivery.signature.split(' ').includes(`v1,${expected}`);
}

test('add an endpoint, send a test event, see it delivered, then resent, retried after a failure, and delivered', async ({ page }) => {
  const receiver = await startReceiver();
  try {
    await signUp(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('link', { name: 'add a webhook endpoint' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Webhooks' })).toBeVisible();
    await expect(page.getByText('No endpoints yet')).toBeVisible();
    await waitForHydration(page);

    // Bad input is named next to its field, and nothing is added.
    await page.getByLabel('Endpoint URL').fill('http://hooks.example.com/in');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await expect(page.getByText('Use an https:// URL.')).toBeVisible();
    await expect(page.getByText('Choose at least one event to send.')).toBeVisible();

    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByLabel('Description (optional)').fill('Billing sync');
    await page.getByLabel('invoice.paid').check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const shown = page.getByTestId('new-webhook-secret');
    await expect(shown).toHaveText(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const secret = (await shown.textContent())!.trim();
    await expect(page.getByRole('row', { name: /Billing sync/ })).toContainText('Enabled');

    await page.getByRole('link', { name: 'Open the endpoint' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(receiver.url);
    await waitForHydration(page);
    await page.getByRole('button', { name: 'Send test event' }).click();
    await expect(page.getByText('Test event queued')).toBeVisible();
    const delivery = page.getByTestId('delivery').first();
    await expect(async () => {
      await page.reload();
      await expect(delivery).toContainText('Delivered', { timeout: 500 });
    }).toPass({ timeout: 15_000 });
    expect(receiver.received).toHaveLength(1);
    const first = receiver.received[0];
    expect(JSON.parse(first.body).type).toBe('webhook.test');
    expect(signedBy(first, secret)).toBe(true);
    await delivery.locator('summary').click();
    await expect(delivery).toContainText(first.id);
    await expect(delivery.getByRole('table', { name: 'Attempts' })).toContainText('200');

    // The receiver fails once: the resend is retried 5 s later and lands, same id.
    receiver.script.push(500);
    await waitForHydration(page);
    await delivery.getByRole('button', { name: 'Resend' }).click();
    await expect(async () => {
      await page.reload();
      await expect(page.getByTestId('delivery').first()).toContainText('Retrying', { timeout: 500 });
    }).toPass({ timeout: 15_000 });
    await page.getByRole('link', { name: 'Retrying' }).click();
    await expect(page.getByTestId('delivery')).toHaveCount(1);
    await expect(async () => {
      await page.goto(page.url().replace(/\?.*$/, ''));
      await expect(page.getByTestId('delivery').first()).toContainText('Delivered', { timeout: 500 });
    }).toPass({ timeout: 40_000 });
    await expect(page.getByTestId('delivery').first()).toContainText('3 attempts');
    expect(new Set(receiver.received.map((r) => r.id))).toEqual(new Set([first.id]));

    // Deleting asks first, then goes back to the list.
    await waitForHydration(page);
    await page.getByText('Delete endpoint…').click();
    await page.getByRole('button', { name: 'Delete endpoint' }).click();
    await expect(page.getByText('No endpoints yet')).toBeVisible();
  } finally {
    receiver.server.close();
  }
});

test('without JavaScript, an endpoint is added with its secret shown once, and a test event is delivered', NO_JS, async ({ browser, baseURL }) => {
  const receiver = await startReceiver();
  const { context, page } = await signedInWithoutJavaScript(browser, baseURL);
  try {
    await page.goto('/webhooks');
    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByLabel('member.added').check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await expect(page.getByRole('heading', { name: 'Endpoint added' })).toBeVisible();
    const secret = (await page.getByTestId('new-webhook-secret').textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole('link', { name: 'Open the endpoint' }).click();
    await page.getByRole('button', { name: 'Send test event' }).click();
    await expect(async () => {
      await page.reload();
      await expect(page.getByTestId('delivery').first()).toContainText('Delivered', { timeout: 500 });
    }).toPass({ timeout: 15_000 });
    expect(signedBy(receiver.received[0], secret)).toBe(true);
  } finally {
    await context.close();
    receiver.server.close();
  }
});
