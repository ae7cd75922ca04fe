import { expect, NO_JS, pathOf, signedInWithoutJavaScript, signIn, signUp, test, waitForHydration } from './fixtures';

test('change the billing email and find it in the audit log with before and after', async ({ page }) => {
  await signUp(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await waitForHydration(page);

  const field = page.getByLabel('Billing email', { exact: true });
  await field.fill('not an email');
  await page.getByRole('button', { name: 'Save billing email' }).click();
  await expect(page.getByText('Enter an email address like name@example.com.')).toBeVisible();
  await expect(field).toHaveAttribute('aria-invalid', 'true');

  await field.fill('Accounts@Example.com');
  await page.getByRole('button', { name: 'Save billing email' }).click();
  await expect(page.getByText('Billing email saved.')).toBeVisible();

  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Audit log' }).click();
  await page.waitForURL((url) => url.pathname === '/audit');
  await page.getByLabel('Category').selectOption({ label: 'Organization settings' });
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL((url) => url.searchParams.get('category') === 'organization');
  // The organization's creation and the change, newest first, as sentences.
  const entries = page.getByTestId('audit-entry');
  await expect(entries).toHaveCount(2);
  await expect(entries.first().getByTestId('audit-sentence')).toHaveText(
    /changed the billing email to accounts@example\.com$/,
  );
  await expect(entries.last().getByTestId('audit-sentence')).toHaveText(/created the organization/);
  await entries.first().locator('summary').click();
  const row = entries.first().getByRole('row', { name: /billing_email/ });
  await expect(row).toContainText('accounts@example.com');
  await expect(row.getByRole('cell').first()).toHaveText('—');

  // The export link carries the same filter.
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export these entries as CSV' }).click();
  const csv = await (await download).createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of csv) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  expect(text.split('\r\n').filter(Boolean)).toHaveLength(3);
  expect(text).toContain('changed the billing email to accounts@example.com');
});

test('revoke another session: that browser is signed out at its next request', async ({ page, browser, baseURL }) => {
  const account = await signUp(page);
  const other = await browser.newContext({ baseURL });
  try {
    const otherPage = await other.newPage();
    await otherPage.goto('/sign-in');
    await waitForHydration(otherPage);
    await signIn(otherPage, account.email, account.password);
    await otherPage.waitForURL((url) => url.pathname === '/');

    await page.goto('/settings/security');
    await waitForHydration(page);
    const sessions = page.getByTestId('session');
    await expect(sessions).toHaveCount(2);
    await expect(sessions.filter({ hasText: 'This browser' })).toHaveCount(1);
    const another = sessions.filter({ hasNotText: 'This browser' });
    await another.getByText(/End session on/).click();
    await another.getByRole('button', { name: 'End session' }).click();
    await expect(sessions).toHaveCount(1);

    await otherPage.goto('/settings');
    await otherPage.waitForURL((url) => url.pathname === '/sign-in');
    expect(pathOf(otherPage)).toBe('/sign-in');
    await page.reload();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Settings');
  } finally {
    await other.close();
  }
});

test('without JavaScript, a bad name is explained and a good one saved', NO_JS, async ({ browser, baseURL }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
  try {
    const page = await context.newPage();
    await signUp(page, { hydrate: false });
    await page.goto('/settings');
    const name = page.getByLabel('Your name', { exact: true });
    await name.fill(' ');
    await page.getByRole('button', { name: 'Save name' }).last().click();
    await expect(page.getByText('Enter a name.')).toBeVisible();
    await page.getByLabel('Your name', { exact: true }).fill('Nora No-Script');
    await page.getByRole('button', { name: 'Save name' }).last().click();
    await page.waitForURL((url) => url.pathname === '/settings' && !url.search.includes('__err'));
    await expect(page.getByLabel('Your name', { exact: true })).toHaveValue('Nora No-Script');
    await expect(page.getByRole('banner')).toContainText('Nora No-Script');
  } finally {
    await context.close();
  }
});

test('times read in the zone of the browser that signed up, then in the zone chosen in settings', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL, timezoneId: 'Asia/Tokyo' });
  try {
    const page = await context.newPage();
    await signUp(page);
    await page.goto('/settings/security');
    await waitForHydration(page);
    const signedIn = () => page.getByTestId('session').first().locator('time').first();
    await expect(signedIn()).toHaveText(/just now|1 minute ago/);
    await expect(signedIn()).toHaveAttribute('title', / JST$/);
    await expect(signedIn()).toHaveAttribute('datetime', /Z$/);

    await page.goto('/settings');
    await waitForHydration(page);
    const zone = page.getByLabel('Your time zone');
    await expect(zone).toHaveValue('Asia/Tokyo');
    await zone.selectOption('Asia/Kolkata');
    await page.getByRole('button', { name: 'Save time zone' }).click();
    await expect(page.getByText('Times now show in your zone.')).toBeVisible();

    await page.goto('/settings/security');
    await expect(signedIn()).toHaveAttribute('title', / IST$/);
  } finally {
    await context.close();
  }
});

test('turn usage alerts off; security emails cannot be; an owner sets what members get by default', async ({ page }) => {
  await signUp(page);
  await page.goto('/settings/notifications');
  await waitForHydration(page);
  const mine = page.getByRole('region', { name: 'Email notifications' });
  const defaults = page.getByRole('region', { name: 'Defaults for members' });
  const usage = mine.getByLabel('Usage alerts', { exact: true });
  const security = mine.getByLabel('Security', { exact: true });
  await expect(usage).toBeChecked();
  await expect(usage).toHaveAccessibleDescription(/Your organization's default\./);
  await expect(security).toBeChecked();
  await expect(security).toBeDisabled();
  await usage.uncheck();
  await page.getByRole('button', { name: 'Save preferences' }).click();
  await expect(page.getByText('Your email preferences are saved.')).toBeVisible();
  await page.reload();
  await expect(mine.getByLabel('Usage alerts', { exact: true })).not.toBeChecked();
  await expect(mine.getByLabel('Usage alerts', { exact: true })).not.toHaveAccessibleDescription(/default/);
  await expect(mine.getByLabel('Invoices and payments', { exact: true })).toBeChecked();

  // The owner turns ticket updates off for members who have not chosen: the
  // owner's own line follows it too, since they never changed it.
  await waitForHydration(page);
  await expect(defaults.getByLabel('Security', { exact: true })).toHaveCount(0);
  await defaults.getByLabel('Ticket updates', { exact: true }).uncheck();
  await page.getByRole('button', { name: 'Save defaults' }).click();
  await expect(page.getByText("The organization's defaults are saved.")).toBeVisible();
  await page.reload();
  await expect(defaults.getByLabel('Ticket updates', { exact: true })).not.toBeChecked();
  await expect(mine.getByLabel('Ticket updates', { exact: true })).not.toBeChecked();
  await expect(mine.getByLabel('Usage alerts', { exact: true })).not.toBeChecked();
});

test('without JavaScript, email preferences save too', NO_JS, async ({ browser, baseURL }) => {
  const { context, page } = await signedInWithoutJavaScript(browser, baseURL);
  try {
    await page.goto('/settings/notifications');
    const mine = page.getByRole('region', { name: 'Email notifications' });
    await mine.getByLabel('Ticket updates', { exact: true }).uncheck();
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await page.waitForURL((url) => url.pathname === '/settings/notifications' && !url.search.includes('__err'));
    await expect(mine.getByLabel('Ticket updates', { exact: true })).not.toBeChecked();
    await expect(mine.getByLabel('Usage alerts', { exact: true })).toBeChecked();
    // Defaults are a form of their own, for owners, that works the same way.
    const defaults = page.getByRole('region', { name: 'Defaults for members' });
    await defaults.getByLabel('Invoices and payments', { exact: true }).uncheck();
    await page.getByRole('button', { name: 'Save defaults' }).click();
    await page.waitForURL((url) => url.pathname === '/settings/notifications' && !url.search.includes('__err'));
    await expect(defaults.getByLabel('Invoices and payments', { exact: true })).not.toBeChecked();
    await expect(mine.getByLabel('Invoices and payments', { exact: true })).not.toBeChecked();
  } finally {
    await context.close();
  }
});
