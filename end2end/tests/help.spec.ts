import { expect, NO_JS, signedInWithoutJavaScript, signUp, staffConsole, test, waitForHydration } from './fixtures';

test('a subject being typed brings up an article that answers it, and the reader rates it', async ({ page }) => {
  await signUp(page);
  await page.goto('/support/new');
  await waitForHydration(page);

  await page.getByLabel('Subject').fill('How do I download last month’s invoice as PDF?');
  const suggestions = page.getByTestId('suggested-articles');
  const suggestion = suggestions.getByRole('link', { name: 'Download an invoice' });
  await expect(suggestion).toBeVisible();
  await expect(suggestions.locator('mark').first()).toBeVisible();

  await suggestion.click();
  await page.waitForURL((url) => url.pathname === '/help/download-an-invoice');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Download an invoice');
  await expect(page.getByTestId('article-body').getByRole('heading', { name: 'Steps' })).toBeVisible();

  const helpful = page.getByTestId('helpful');
  await helpful.getByRole('button', { name: 'Yes' }).click();
  await expect(helpful).toContainText('Thanks for telling us.');
  await page.reload();
  await expect(page.getByTestId('helpful')).toContainText('Thanks for telling us.');
});

test('the help center searches without JavaScript and says when nothing matches', NO_JS, async ({ browser, baseURL }) => {
  const { account, context, page } = await signedInWithoutJavaScript(browser, baseURL);
  try {
    await page.goto('/help');
    await expect(page.getByRole('heading', { name: 'Billing and invoices' })).toBeVisible();

    await page.getByRole('searchbox', { name: 'Search the help center' }).fill('rotate key');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(page.getByTestId('help-results').getByRole('link', { name: 'Rotate or revoke an API key' })).toBeVisible();

    await page.getByRole('searchbox', { name: 'Search the help center' }).fill('quantum teleportation');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(page.getByText('No articles match')).toBeVisible();
    await page.getByRole('link', { name: 'ask our support team' }).click();
    await expect(page.getByLabel('Subject')).toHaveValue('quantum teleportation');

    // "Find answers first" keeps what was written and shows suggestions.
    await page.getByLabel('Subject').fill('reset my password');
    await page.getByLabel('Message').fill(`I am locked out (${account.email}).`);
    await page.getByRole('button', { name: 'Find answers first' }).click();
    await expect(page.getByTestId('suggested-articles').getByRole('link', { name: 'Reset your password' })).toBeVisible();
    await expect(page.getByLabel('Message')).toHaveValue(`I am locked out (${account.email}).`);
  } finally {
    await context.close();
  }
});

test('staff write an article with a preview, publish it, and customers find it', async ({ page, browser, baseURL }) => {
  const unique = `t${Date.now()}`;
  const title = `Export usage to a spreadsheet ${unique}`;
  const staff = await staffConsole(browser, baseURL);
  try {
    await staff.page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Help center' }).click();
    await staff.page.waitForURL((url) => url.pathname === '/staff/help');
    await expect(staff.page.getByTestId('deflection-week')).toHaveCount(8);
    await staff.page.getByRole('link', { name: 'New article' }).click();
    await staff.page.waitForURL((url) => url.pathname === '/staff/help/new');
    await waitForHydration(staff.page);

    await staff.page.getByLabel('Title').fill(title);
    await staff.page.getByLabel('Category').selectOption('usage');
    await staff.page.getByLabel('Tags').fill(`excel, ${unique}`);
    await staff.page.getByLabel('Body').fill('## Steps\n\nOpen **Usage** and choose Export.\n\n<script>alert(1)</script>');
    await staff.page.getByRole('button', { name: 'Preview' }).click();
    const preview = staff.page.getByTestId('article-preview');
    await expect(preview.getByRole('heading', { name: 'Steps' })).toBeVisible();
    await expect(preview.locator('script')).toHaveCount(0);

    await staff.page.getByLabel('Published: customers can read and find it').check();
    await staff.page.getByRole('button', { name: 'Save article' }).click();
    await staff.page.waitForURL((url) => url.pathname === '/staff/help');
    await expect(staff.page.getByTestId('staff-article-row').filter({ hasText: title })).toContainText('Published');
  } finally {
    await staff.context.close();
  }

  await signUp(page);
  await page.goto(`/help?q=${unique}`);
  await page.getByTestId('help-results').getByRole('link', { name: title }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(title);
  await expect(page.getByTestId('article-body').getByText('Open Usage and choose Export.')).toBeVisible();
});
