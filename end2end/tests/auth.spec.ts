import { expect, NO_JS, pathOf, signIn, signOut, signUp, test, waitForHydration } from './fixtures';

test('sign up lands on the dashboard with the organization name', async ({ page }) => {
  const account = await signUp(page);
  await waitForHydration(page);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(account.orgName);

  // A new organization is on the Free plan with its owner as the only member.
  await expect(page.getByTestId('plan-name')).toHaveText('Free');
  await expect(page.getByTestId('member-count')).toHaveText('1');
});

test('sign out returns to sign-in and the dashboard is no longer reachable', async ({ page }) => {
  await signUp(page);
  await waitForHydration(page);
  await signOut(page);

  await page.goto('/');
  await page.waitForURL((url) => url.pathname === '/sign-in');
  expect(pathOf(page)).toBe('/sign-in');
});

test('sign in again with JavaScript disabled', NO_JS, async ({ page, browser, baseURL }) => {
  const account = await signUp(page);
  await waitForHydration(page);
  await signOut(page);

  // Plain HTML forms: the server function answers the form post with a redirect.
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
  try {
    const noJs = await context.newPage();
    await noJs.goto('/sign-in');
    await signIn(noJs, account.email, account.password);
    await expect(noJs.getByRole('heading', { level: 1 })).toContainText(account.orgName);
    expect(pathOf(noJs)).toBe('/');
  } finally {
    await context.close();
  }
});

test('without JavaScript, sign-up works and a wrong password is still explained', NO_JS, async ({ browser, baseURL }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
  try {
    const page = await context.newPage();
    const account = await signUp(page, { hydrate: false });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.pathname === '/sign-in');

    await signIn(page, account.email, 'not the password');
    // The form post is redirected back with the error, shown beside the form.
    await expect(page.getByRole('alert')).toContainText('Email or password is incorrect');
    expect(pathOf(page)).toBe('/sign-in');
  } finally {
    await context.close();
  }
});

test('wrong password shows a generic error next to the form', async ({ page }) => {
  const account = await signUp(page);
  await waitForHydration(page);
  await signOut(page);
  await waitForHydration(page);

  await signIn(page, account.email, 'not-the-right-password');
  // The same words whether or not the account exists: no account enumeration.
  await expect(
    page.getByRole('alert').filter({ hasText: 'Email or password is incorrect' }),
  ).toBeVisible();
  expect(pathOf(page)).toBe('/sign-in');
});

test('unknown page shows a 404', async ({ page }) => {
  const response = await page.goto('/no-such-page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await waitForHydration(page);
});

test('the welcome email arrives in the development mailbox with a working link', async ({ page }) => {
  const account = await signUp(page);

  // The worker delivers within a second or two; the mailbox is a plain page.
  await expect(async () => {
    await page.goto(`/dev/mailbox?to=${encodeURIComponent(account.email)}`);
    await expect(page.getByRole('link', { name: `Welcome to Portal, ${account.orgName}` })).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 15_000 });
  await page.getByRole('link', { name: `Welcome to Portal, ${account.orgName}` }).click();
  await expect(page.getByText(account.email).first()).toBeVisible();

  await page.getByRole('link', { name: /^http:\/\/127\.0\.0\.1:\d+\/$/ }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(account.orgName);
});
