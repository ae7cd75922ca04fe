import { expect, signUp, test, waitForHydration } from './fixtures';
import type { Page } from '@playwright/test';

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

  // A declined card is refused clearly; a good one is saved as brand + last 4.
  await saveCard(page, '4000 0000 0000 0002');
  await expect(page.getByText('Your card was declined')).toBeVisible();
  await expect(page.getByTestId('payment-method')).toHaveText('No card on file');
  await saveCard(page, '4242 4242 4242 4242');
  await expect(page.getByTestId('payment-method')).toContainText('Visa ending in 4242');

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
  const link = row.getByRole('link', { name: /Download invoice/ });
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

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('update the billing email', async ({ page }) => {
    await signUp(page, { hydrate: false });
    await page.goto('/billing');
    await page.getByLabel('Send invoices and receipts to').fill('ap@example.com');
    await page.getByRole('button', { name: 'Save email' }).click();
    await expect(page.getByTestId('billing-email')).toHaveText('ap@example.com');
  });
});
