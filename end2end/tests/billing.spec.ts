import { expect, NO_JS, signUp, test, waitForHydration } from './fixtures';
import type { Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';

async function openBilling(page: Page) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Billing' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Billing' })).toBeVisible();
  await waitForHydration(page);
}

async function saveCard(page: Page, number: string) {
  await page.getByLabel('Card number').fill(number);
  await page.getByLabel('Expiry month').fill('12');
  await page.getByLabel('Expiry year').fill('2040');
  await page.getByLabel('CVC').fill('123');
  await page.getByRole('button', { name: 'Save card' }).click();
}

async function previewPlan(page: Page, planId: string) {
  await page.getByLabel('New plan').selectOption(planId);
  await page.getByRole('button', { name: 'Preview change' }).click();
}

test('update the billing email, upgrade with a preview, download the invoice, schedule a downgrade', async ({ page }) => {
  await signUp(page);
  await openBilling(page);
  await expect(page.getByTestId('current-plan')).toHaveText('Free');

  // Billing email: a bad address is refused beside the field, a good one is saved.
  const email = page.getByLabel('Send invoices and receipts to');
  await email.fill('not-an-email');
  await email.evaluate((input: HTMLInputElement) => (input.type = 'text')); // skip the browser's own check
  await page.getByRole('button', { name: 'Save email' }).click();
  await expect(page.locator('#field-billing_email-message')).not.toBeEmpty();
  await email.fill('accounts@example.com');
  await page.getByRole('button', { name: 'Save email' }).click();
  await expect(page.getByTestId('billing-email')).toHaveText('accounts@example.com');

  // The card goes to the processor; the portal's server functions see only its token.
  const portalRequests: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/api/')) portalRequests.push(request.postData() ?? '');
  });

  // A declined card is refused clearly; a good one is saved as brand + last 4.
  await saveCard(page, '4000 0000 0000 0002');
  await expect(page.getByText('Your card was declined')).toBeVisible();
  await expect(page.getByTestId('payment-method')).toHaveText('No card on file');
  await saveCard(page, '4242 4242 4242 4242');
  await expect(page.getByTestId('payment-method')).toContainText('Visa ending in 4242');
  expect(portalRequests.some((body) => body.includes('card_token=tok_'))).toBe(true);
  expect(portalRequests.filter((body) => /4242|0002|cvc/.test(body.replace(/card_token=[^&]*/, '')))).toEqual([]);

  // Upgrade: the preview names the prorated amount before anything happens.
  await previewPlan(page, 'pro');
  await expect(page.getByTestId('plan-preview')).toContainText('Upgrade from Free to Pro now');
  await expect(page.getByTestId('current-plan')).toHaveText('Free');
  await page.getByRole('button', { name: /Confirm: pay \$[\d.,]+ and upgrade/ }).click();
  await expect(page.getByText('You are now on Pro.')).toBeVisible();
  await expect(page.getByTestId('current-plan')).toHaveText('Pro');

  // The proration invoice is in the history, and its PDF downloads.
  const row = page.getByRole('row', { name: /INV-/ }).first();
  await expect(row).toContainText('Paid');
  const link = row.getByRole('link', { name: /^PDF of invoice INV-/ });
  const href = await link.getAttribute('href');
  const response = await page.request.get(href!);
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toBe('application/pdf');
  expect(response.headers()['content-disposition']).toMatch(/^attachment; filename="invoice-INV-\d{4}-\d{6}\.pdf"$/);
  const body = await response.body();
  expect(body.subarray(0, 5).toString()).toBe('%PDF-');
  expect(body.length).toBeGreaterThan(1000);
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  expect(download.suggestedFilename()).toMatch(/^invoice-INV-.*\.pdf$/);

  // Downgrade: scheduled for the end of the period, the plan stays Pro until then.
  await previewPlan(page, 'free');
  await expect(page.getByTestId('plan-preview')).toContainText('Move from Pro to Free on');
  await page.getByRole('button', { name: /Confirm: move to Free on/ }).click();
  await expect(page.getByTestId('scheduled-change')).toContainText('Changes to Free on');
  await expect(page.getByTestId('current-plan')).toHaveText('Pro');
});

test.describe('without JavaScript', NO_JS, () => {
  test.use({ javaScriptEnabled: false });

  test('update the billing email', async ({ page }) => {
    await signUp(page, { hydrate: false });
    await page.goto('/billing');
    await page.getByLabel('Send invoices and receipts to').fill('ap@example.com');
    await page.getByRole('button', { name: 'Save email' }).click();
    await expect(page.getByTestId('billing-email')).toHaveText('ap@example.com');
  });

  test('save the billing address, see a bad one explained, and preview a plan change', async ({ page }) => {
    await signUp(page, { hydrate: false });
    await page.goto('/billing');
    await page.getByLabel('Company name').fill('Keine Skripte GmbH');
    await page.getByLabel('Address line 1').fill('Hauptstraße 1');
    await page.getByLabel('City').fill('Berlin');
    await page.getByLabel('Postal code').fill('10115');
    await page.getByLabel('Country code').fill('DE');
    await page.getByRole('button', { name: 'Save details' }).click();
    await expect(page.locator('address')).toContainText('Hauptstraße 1');
    await expect(page.locator('address')).toContainText('Keine Skripte GmbH');

    await page.getByLabel('Country code').fill('1X');
    await page.getByRole('button', { name: 'Save details' }).click();
    await expect(page.locator('#field-country-message')).not.toBeEmpty();
    await expect(page.locator('address')).toContainText('Hauptstraße 1');

    await page.getByLabel('New plan').selectOption('pro');
    await page.getByRole('button', { name: 'Preview change' }).click();
    await expect(page.getByTestId('plan-preview')).toContainText('Upgrade from Free to Pro now');
    await expect(page.getByTestId('current-plan')).toHaveText('Free');
  });
});

/** Runs SQL against the server's database (scripts/test sets E2E_DATABASE_URL). */
function sql(statement: string): string {
  return execFileSync('psql', [process.env.E2E_DATABASE_URL ?? '', '-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-c', statement], {
    encoding: 'utf8',
  }).trim();
}

/** The organization of `email`'s owner, as a SQL expression. */
function orgOf(email: string): string {
  return `(select m.organization_id from member m join app_user u on u.id = m.user_id where u.email = '${email.replace(/'/g, "''")}')`;
}

test('an overdue invoice: the banner, a declined Pay now, then a good card pays it and the banner goes', async ({ page }) => {
  const account = await signUp(page);
  const org = orgOf(account.email);
  // The period charge failed two days ago and is being retried: Pro, past due.
  const number = sql(`
    with inv as (
      insert into invoice (organization_id, number, kind, status, period_start, period_end, issued_on, due_on,
                           currency, subtotal_cents, tax_rate_bp, tax_cents, total_cents, seller, bill_to)
      select ${org}, 'INV-E2E-' || substr(md5(random()::text), 1, 10), 'period', 'overdue',
             now() - interval '20 days', now() + interval '10 days', current_date - 20, current_date - 6,
             'USD', 4900, 1000, 490, 5390,
             '{"name": "Portal Cloud Inc.", "address": ["100 Market Street"], "tax_id": "US 12-3456789", "email": "billing@portal.example"}',
             invoice_bill_to(${org})
      returning id, organization_id, number),
    line as (
      insert into invoice_line (invoice_id, position, kind, description, quantity, unit_amount_cents, amount_cents)
      select id, 1, 'plan', 'Pro plan', 1, 4900, 4900 from inv),
    dunned as (
      insert into invoice_dunning (invoice_id, organization_id, failed_at, retries_done, next_retry_at)
      select id, organization_id, now() - interval '2 days', 1, now() + interval '1 day' from inv),
    plan as (update organization set plan_id = 'pro' where id = ${org}),
    sub as (update subscription set status = 'past_due' where organization_id = ${org})
    select number from inv`);

  await page.goto('/');
  const banner = page.getByTestId('payment-alert');
  await expect(banner).toContainText('Your payment failed on');
  await banner.getByRole('link', { name: 'Update your card' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Billing' })).toBeVisible();
  await waitForHydration(page);
  await expect(page.getByTestId('subscription-standing')).toContainText('Payment past due');

  // A card the bank accepts but whose charges it declines: Pay now says why.
  await saveCard(page, '4000 0000 0000 0341');
  await expect(page.getByTestId('payment-method')).toContainText('ending in 0341');
  const row = page.getByRole('row', { name: new RegExp(number) });
  await expect(row).toContainText('Overdue');
  await row.getByRole('button', { name: `Pay now: invoice ${number} with the card on file` }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'declined' })).toBeVisible();
  await expect(row).toContainText('Overdue');

  // A good card is tried at once: paid, the banner gone, the receipt mailed.
  await saveCard(page, '4242 4242 4242 4242');
  await expect(row).toContainText('Paid');
  await expect(banner).toHaveCount(0);
  await expect(page.getByTestId('subscription-standing')).toHaveCount(0);
  await expect(async () => {
    await page.goto(`/dev/mailbox?to=${encodeURIComponent(account.email)}`);
    await expect(page.getByRole('link', { name: new RegExp(`Receipt for invoice ${number}`) }).first()).toBeVisible({
      timeout: 500,
    });
  }).toPass({ timeout: 15_000 });
});

test('a Free organization at its API limit: the dashboard says so and the API answers 429', async ({ page, request }) => {
  const account = await signUp(page);
  await page.goto('/api-keys');
  await waitForHydration(page);
  await page.getByLabel('Key name').fill('Limit');
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = (await page.getByTestId('new-key-secret').textContent())!.trim();
  // 9,999 of Free's 10,000 calls are used this period.
  const org = orgOf(account.email);
  sql(`insert into api_call_usage (organization_id, period_start, calls)
       select organization_id, current_period_start, 9999 from subscription where organization_id = ${org}`);
  const ping = () => request.get('/api/v1/ping', { headers: { Authorization: `Bearer ${secret}` } });
  expect((await ping()).status()).toBe(200);
  const refused = await ping();
  expect(refused.status()).toBe(429);
  expect(refused.headers()['retry-after']).toBeTruthy();
  const body = await refused.json();
  expect(body.error).toBe('plan_limit');
  expect(body.resets_at).toBeTruthy();

  await expect(async () => {
    await page.goto('/');
    await expect(page.getByTestId('gauge-api_calls')).toContainText('Limit reached', { timeout: 500 });
  }).toPass({ timeout: 15_000 });
});

test('without JavaScript, a card goes to the processor, comes back to be confirmed, and is saved', NO_JS, async ({ browser, baseURL }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
  try {
    const page = await context.newPage();
    await signUp(page, { hydrate: false });
    await page.goto('/billing');
    await saveCard(page, '4242 4242 4242 4241');
    await expect(page.getByText('This card number is not valid. Check it for typos.')).toBeVisible();
    await saveCard(page, '4242 4242 4242 4242');
    await expect(page.getByTestId('card-confirm')).toContainText('Visa ending in 4242, expires 12/2040');
    await page.getByRole('button', { name: 'Save this card' }).click();
    await page.waitForURL((url) => url.pathname === '/billing' && !url.search.includes('__card'));
    await expect(page.getByTestId('payment-method')).toContainText('Visa ending in 4242');
    await expect(page.getByTestId('card-confirm')).toHaveCount(0);
  } finally {
    await context.close();
  }
});
