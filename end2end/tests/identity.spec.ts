import type { Page } from '@playwright/test';
import {
  expect,
  followEmailLink,
  NO_JS,
  pathOf,
  signIn,
  signOut,
  signUp,
  test,
  totpCode,
  waitForHydration,
} from './fixtures';

/** Forgot password → email → new password → signed in. */
async function resetPassword(page: Page, email: string, newPassword: string, { hydrate = true } = {}) {
  await page.goto('/sign-in');
  if (hydrate) await waitForHydration(page);
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.waitForURL((url) => url.pathname === '/forgot-password');
  if (hydrate) await waitForHydration(page);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByRole('button', { name: 'Send the link' }).click();
  await expect(page.getByRole('status')).toContainText('If an account exists for that address');
  await followEmailLink(page, email, 'Reset your Portal password', /\/reset-password\?token=/);
  if (hydrate) await waitForHydration(page);
  await page.getByLabel('New password').fill(newPassword);
  await page.getByRole('button', { name: 'Set the new password' }).click();
}

for (const javaScript of [true, false]) {
  test(`forgot password: the emailed link sets a new password and signs in (JavaScript ${javaScript ? 'on' : 'off'})`, javaScript ? {} : NO_JS, async ({
    browser,
    baseURL,
  }) => {
    const context = await browser.newContext({ javaScriptEnabled: javaScript, baseURL });
    try {
      const page = await context.newPage();
      const account = await signUp(page, { hydrate: javaScript });
      await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL((url) => url.pathname === '/sign-in');

      await resetPassword(page, account.email, 'a fresh passphrase for e2e', { hydrate: javaScript });
      await page.waitForURL((url) => url.pathname === '/');
      await expect(page.getByRole('heading', { level: 1 })).toContainText(account.orgName);

      // The old password no longer works; the new one does.
      await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL((url) => url.pathname === '/sign-in');
      await signIn(page, account.email, account.password);
      await expect(page.getByRole('alert')).toContainText('Email or password is incorrect');
      await signIn(page, account.email, 'a fresh passphrase for e2e');
      await page.waitForURL((url) => url.pathname === '/');
    } finally {
      await context.close();
    }
  });
}

test('a used reset link says so and offers a new one', async ({ page }) => {
  const account = await signUp(page);
  await signOut(page);
  await resetPassword(page, account.email, 'first new passphrase');
  await page.waitForURL((url) => url.pathname === '/');
  // The same email's link again.
  await followEmailLink(page, account.email, 'Reset your Portal password', /\/reset-password\?token=/);
  await expect(page.getByRole('alert')).toContainText('has expired, was already used');
  await expect(page.getByRole('link', { name: 'Ask for a new link' })).toBeVisible();
});

/** Turns two-factor on from the security page; returns the secret and the recovery codes. */
async function enrollTwoFactor(page: Page): Promise<{ secret: string; codes: string[] }> {
  await page.goto('/settings/security');
  await waitForHydration(page);
  const section = page.getByRole('region', { name: 'Two-factor authentication' });
  await section.getByRole('button', { name: 'Set up two-factor authentication' }).click();
  const secret = (await section.getByTestId('totp-secret').textContent())?.trim() ?? '';
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  await section.getByLabel('Code from the app').fill(totpCode(secret));
  await section.getByRole('button', { name: 'Turn on two-factor' }).click();
  await expect(page.getByRole('heading', { name: 'Two-factor authentication is on' })).toBeVisible();
  const codes = await page.getByTestId('recovery-codes').locator('code').allTextContents();
  expect(codes).toHaveLength(10);
  await page.getByRole('link', { name: 'Continue' }).click();
  return { secret, codes };
}

test('two-factor: enroll, sign in with a code, then with a recovery code', async ({ page }) => {
  const account = await signUp(page);
  const { secret, codes } = await enrollTwoFactor(page);
  await waitForHydration(page);

  await signOut(page);
  await waitForHydration(page);
  await signIn(page, account.email, account.password);
  await page.waitForURL((url) => url.pathname === '/sign-in/two-factor');
  await waitForHydration(page);
  // The code of the next window: the current one was used to turn it on.
  await page.getByLabel('Authentication code').fill(totpCode(secret, Date.now() / 1000 + 30));
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await expect(page.getByRole('heading', { level: 1 })).toContainText(account.orgName);

  await signOut(page);
  await waitForHydration(page);
  await signIn(page, account.email, account.password);
  await page.waitForURL((url) => url.pathname === '/sign-in/two-factor');
  await waitForHydration(page);
  await page.getByLabel('Authentication code').fill(codes[0]);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((url) => url.pathname === '/');

  await page.goto('/settings/security');
  await expect(page.getByRole('region', { name: 'Two-factor authentication' })).toContainText('9 recovery codes left');
});

test('two-factor sign-in works without JavaScript', NO_JS, async ({ page, browser, baseURL }) => {
  const account = await signUp(page);
  const { secret } = await enrollTwoFactor(page);
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
  try {
    const noJs = await context.newPage();
    await noJs.goto('/sign-in');
    await signIn(noJs, account.email, account.password);
    await noJs.waitForURL((url) => url.pathname === '/sign-in/two-factor');
    await noJs.getByLabel('Authentication code').fill('000000');
    await noJs.getByRole('button', { name: 'Continue' }).click();
    await expect(noJs.getByText('That code is not right')).toBeVisible();
    await noJs.getByLabel('Authentication code').fill(totpCode(secret, Date.now() / 1000 + 30));
    await noJs.getByRole('button', { name: 'Continue' }).click();
    await noJs.waitForURL((url) => url.pathname === '/');
    await expect(noJs.getByRole('heading', { level: 1 })).toContainText(account.orgName);
  } finally {
    await context.close();
  }
});

/** Invites `email` from the owner's team page. */
async function invite(page: Page, email: string, role: string): Promise<void> {
  await page.goto('/team');
  await waitForHydration(page);
  const form = page.getByRole('region', { name: 'Invite a teammate' });
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Role').selectOption({ label: role });
  await form.getByRole('button', { name: 'Send invitation' }).click();
  await expect(form.getByRole('status')).toHaveText('Invitation sent.');
}

test('an owner requires two-factor: a member is sent to set it up before anything else', async ({
  page,
  browser,
  baseURL,
}) => {
  const owner = await signUp(page);
  await enrollTwoFactor(page);

  // A member joins (their own account, their own browser).
  const memberContext = await browser.newContext({ baseURL });
  try {
    const member = await memberContext.newPage();
    const memberAccount = await signUp(member);
    await invite(page, memberAccount.email, 'Member');
    await followEmailLink(member, memberAccount.email, 'invited you to', /\/invitations\/accept\?token=/);
    await waitForHydration(member);
    await member.getByRole('button', { name: 'Join' }).click();
    await member.waitForURL((url) => url.pathname === '/');
    await expect(member.getByRole('heading', { level: 1 })).toContainText(owner.orgName);

    await page.goto('/settings');
    await waitForHydration(page);
    await page.getByRole('button', { name: 'Require two-factor for everyone' }).click();
    await expect(page.getByText('Every member must use two-factor authentication')).toBeVisible();

    await member.goto('/');
    await member.waitForURL((url) => url.pathname === '/account/setup');
    await expect(member.getByRole('status').first()).toContainText('requires two-factor authentication');
    await waitForHydration(member);
    const section = member.getByRole('region', { name: 'Two-factor authentication' });
    await section.getByRole('button', { name: 'Set up two-factor authentication' }).click();
    const secret = (await section.getByTestId('totp-secret').textContent())?.trim() ?? '';
    await section.getByLabel('Code from the app').fill(totpCode(secret));
    await section.getByRole('button', { name: 'Turn on two-factor' }).click();
    await member.getByRole('link', { name: 'Continue' }).click();
    await member.waitForURL((url) => url.pathname === '/');
    await expect(member.getByRole('heading', { level: 1 })).toContainText(owner.orgName);
  } finally {
    await memberContext.close();
  }
});

async function switchTo(page: Page, organization: string): Promise<void> {
  const switcher = page.getByTestId('organization-switcher');
  await switcher.locator('summary').click();
  await switcher.getByRole('button', { name: new RegExp(organization) }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await expect(page.getByRole('heading', { level: 1 })).toContainText(organization);
}

test('invited into a second organization, a person switches back and forth', async ({
  page,
  browser,
  baseURL,
}) => {
  const person = await signUp(page);
  const otherContext = await browser.newContext({ baseURL });
  try {
    const other = await otherContext.newPage();
    const otherOwner = await signUp(other);
    await invite(other, person.email, 'Admin');

    // Accepting while signed in adds the membership and opens it.
    await followEmailLink(page, person.email, 'invited you to', /\/invitations\/accept\?token=/);
    await waitForHydration(page);
    await page.getByRole('button', { name: 'Join' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await expect(page.getByRole('heading', { level: 1 })).toContainText(otherOwner.orgName);

    // The data follows the organization: the team lists differ.
    await page.goto('/team');
    await expect(page.getByTestId('member-row').filter({ hasText: otherOwner.email })).toBeVisible();
    await page.goto('/');
    await waitForHydration(page);
    await switchTo(page, person.orgName);
    await page.goto('/team');
    await expect(page.getByTestId('member-row').filter({ hasText: otherOwner.email })).toHaveCount(0);
    await page.goto('/');
    await waitForHydration(page);
    await switchTo(page, otherOwner.orgName);

    // Signing in again opens the organization used last.
    await signOut(page);
    await signIn(page, person.email, person.password);
    await page.waitForURL((url) => url.pathname === '/');
    await expect(page.getByRole('heading', { level: 1 })).toContainText(otherOwner.orgName);
  } finally {
    await otherContext.close();
  }
});

test('switching organization works without JavaScript', NO_JS, async ({ page, browser, baseURL }) => {
  const person = await signUp(page);
  const otherContext = await browser.newContext({ baseURL });
  try {
    const other = await otherContext.newPage();
    const otherOwner = await signUp(other);
    await invite(other, person.email, 'Member');
    await followEmailLink(page, person.email, 'invited you to', /\/invitations\/accept\?token=/);
    await waitForHydration(page);
    await page.getByRole('button', { name: 'Join' }).click();
    await page.waitForURL((url) => url.pathname === '/');
  } finally {
    await otherContext.close();
  }
  const noJsContext = await browser.newContext({ javaScriptEnabled: false, baseURL });
  try {
    const noJs = await noJsContext.newPage();
    await noJs.goto('/sign-in');
    await signIn(noJs, person.email, person.password);
    await noJs.waitForURL((url) => url.pathname === '/');
    await switchTo(noJs, person.orgName);
    expect(pathOf(noJs)).toBe('/');
  } finally {
    await noJsContext.close();
  }
});

