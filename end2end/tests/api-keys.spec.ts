import { expect, NO_JS, signedInWithoutJavaScript, signUp, test, waitForHydration } from './fixtures';

test('create a key, see it once, copy it, use it, see "last used", revoke it', async ({ page, context, request, baseURL }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  await signUp(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API keys' }).click();
  await waitForHydration(page);

  await page.getByLabel('Key name').fill('Production');
  await page.getByRole('button', { name: 'Create key' }).click();
  const shown = page.getByTestId('new-key-secret');
  await expect(shown).toHaveText(/^sk_live_[0-9A-Za-z]{38}$/);
  const secret = (await shown.textContent())!.trim();
  await page.getByRole('button', { name: 'Copy' }).click();
  await expect(page.getByRole('button', { name: 'Copied' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

  // Shown once: after a reload only the prefix is left.
  await page.reload();
  await expect(page.getByTestId('new-key-secret')).toHaveCount(0);
  await expect(page.getByText(secret)).toHaveCount(0);
  const row = () => page.getByRole('row', { name: /Production/ });
  await expect(row()).toContainText(secret.slice(0, 12));
  await expect(row().getByTestId('last-used')).toHaveText('Never');

  const ping = () => request.get('/api/v1/ping', { headers: { Authorization: `Bearer ${secret}` } });
  expect((await ping()).status()).toBe(200);

  // The e2e server flushes "last used" every second (30 s in production).
  await expect(async () => {
    await page.reload();
    await expect(row().getByTestId('last-used')).not.toHaveText('Never', { timeout: 500 });
  }).toPass({ timeout: 15_000 });

  await waitForHydration(page);
  await row().getByText('Revoke Production…').click();
  await row().getByRole('button', { name: 'Revoke key' }).click();
  await expect(row()).toContainText('Revoked');
  const refused = await ping();
  expect(refused.status()).toBe(401);
  expect((await refused.json()).reason).toBe('revoked');
});

test('without JavaScript, a new or rotated key is shown once on its own page and works, and a revoked one stops', NO_JS, async ({ browser, baseURL, request }) => {
  const { context, page } = await signedInWithoutJavaScript(browser, baseURL);
  try {
    const ping = (secret: string) => request.get('/api/v1/ping', { headers: { Authorization: `Bearer ${secret}` } });
    await page.goto('/api-keys');
    await page.getByLabel('Key name').fill('Nightly job');
    await page.getByRole('button', { name: 'Create key' }).click();
    await expect(page.getByRole('heading', { name: 'API key created' })).toBeVisible();
    const created = (await page.getByTestId('new-key-secret').textContent())!.trim();
    expect(created).toMatch(/^sk_live_[0-9A-Za-z]{38}$/);
    expect((await ping(created)).status()).toBe(200);

    // A duplicate name goes back to the form with the reason beside the field.
    await page.goto('/api-keys');
    await page.getByLabel('Key name').fill('Nightly job');
    await page.getByRole('button', { name: 'Create key' }).click();
    await expect(page.getByText('You already have a key with this name. Choose another name.')).toBeVisible();

    await page.getByRole('link', { name: 'API keys' }).first().click();
    const row = page.getByRole('row', { name: /Nightly job/ });
    await row.getByText('Rotate Nightly job…').click();
    await row.getByRole('button', { name: 'Rotate key' }).click();
    await expect(page.getByRole('heading', { name: 'API key rotated' })).toBeVisible();
    const rotated = (await page.getByTestId('new-key-secret').textContent())!.trim();
    expect(rotated).not.toBe(created);
    expect((await ping(rotated)).status()).toBe(200);
    expect((await ping(created)).status()).toBe(200); // its grace period
    await page.getByRole('link', { name: 'Back to API keys' }).click();
    await expect(page.getByRole('row', { name: /Nightly job/ }).first()).toBeVisible();

    // Revoked behind its confirmation: the key stops working at once.
    await page.getByLabel('Key name').fill('Temporary');
    await page.getByRole('button', { name: 'Create key' }).click();
    const temporary = (await page.getByTestId('new-key-secret').textContent())!.trim();
    await page.getByRole('link', { name: 'Back to API keys' }).click();
    const row2 = page.getByRole('row', { name: /Temporary/ });
    await row2.getByText('Revoke Temporary…').click();
    await row2.getByRole('button', { name: 'Revoke key' }).click();
    await expect(page.getByRole('row', { name: /Temporary/ })).toContainText('Revoked');
    expect((await ping(temporary)).status()).toBe(401);
    expect((await ping(rotated)).status()).toBe(200);
  } finally {
    await context.close();
  }
});
