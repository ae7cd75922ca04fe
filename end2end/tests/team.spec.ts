import type { Browser, Page } from '@playwright/test';
import { expect, NO_JS, pathOf, signUp, test, waitForHydration } from './fixtures';

function newEmail(label: string): string {
  return `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

async function openTeam(page: Page): Promise<void> {
  await page.goto('/team');
  await waitForHydration(page);
}

async function invite(page: Page, email: string, role: string): Promise<void> {
  const form = page.getByRole('region', { name: 'Invite a teammate' });
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Role').selectOption({ label: role });
  await form.getByRole('button', { name: 'Send invitation' }).click();
  await expect(form.getByRole('status')).toHaveText('Invitation sent.');
}

/** Opens the invitation email in the development mailbox and returns its accept link. */
async function invitationLink(page: Page, email: string): Promise<string> {
  await expect(async () => {
    await page.goto(`/dev/mailbox?to=${encodeURIComponent(email)}`);
    await expect(page.getByRole('link', { name: /invited you to/ })).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 15_000 });
  await page.getByRole('link', { name: /invited you to/ }).click();
  const link = page.getByRole('link', { name: /\/invitations\/accept\?token=/ });
  return (await link.getAttribute('href')) ?? '';
}

/** A second person, in their own browser context, accepts by creating an account. */
async function acceptAsNewUser(browser: Browser, baseURL: string | undefined, link: string, name: string) {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await page.goto(link);
  await waitForHydration(page);
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Password').fill('correct-horse-battery-staple');
  await page.getByRole('button', { name: 'Create account and join' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  return { context, page };
}

/**
 * A new owner whose team has one member, `name`, who joined by invitation;
 * the owner's page is left on the team page. Returns the member's email.
 */
async function withMember(page: Page, browser: Browser, baseURL: string | undefined, label: string, name: string) {
  await signUp(page);
  await openTeam(page);
  const email = newEmail(label);
  await invite(page, email, 'Member');
  const invitee = await acceptAsNewUser(browser, baseURL, await invitationLink(page, email), name);
  await invitee.context.close();
  await openTeam(page);
  return email;
}

test('an owner invites, the email arrives, the invitee joins and appears in the team', async ({
  page,
  browser,
  baseURL,
}) => {
  await signUp(page);
  await openTeam(page);
  const email = newEmail('joiner');
  await invite(page, email, 'Admin');
  await expect(page.getByTestId('invitation').filter({ hasText: email })).toContainText('Admin');
  await expect(page.getByTestId('seats')).toContainText('2 of 3 seats used');

  const link = await invitationLink(page, email);
  const invitee = await acceptAsNewUser(browser, baseURL, link, 'Jo Joiner');
  try {
    await expect(invitee.page.getByRole('heading', { level: 1 })).toBeVisible();
    await openTeam(page);
    const row = page.getByTestId('member-row').filter({ hasText: email });
    await expect(row).toContainText('Jo Joiner');
    await expect(row.getByLabel('Role of Jo Joiner')).toHaveValue('admin');
    await expect(page.getByTestId('invitation')).toHaveCount(0);

    // The link worked once; opening it again explains why it no longer does.
    await invitee.page.goto(link);
    await expect(invitee.page.getByRole('alert')).toContainText('already been used');
  } finally {
    await invitee.context.close();
  }
});

test('a role changes inline at once, and a refused change rolls back with the reason', async ({
  page,
  browser,
  baseURL,
}) => {
  const email = await withMember(page, browser, baseURL, 'inline', 'Ines Inline');
  const select = page.getByLabel('Role of Ines Inline');
  await select.selectOption('billing');
  await expect(select).toHaveValue('billing');
  await expect(page.getByTestId('member-row').filter({ hasText: email }).getByRole('status')).not.toContainText(
    'Saving',
  );
  await page.reload();
  await expect(page.getByLabel('Role of Ines Inline')).toHaveValue('billing');

  // Demoting the only owner is refused: the select shows "owner" again, with why.
  const own = page.getByLabel('Role of Olivia Owner');
  await own.selectOption('member');
  await expect(page.getByTestId('member-row').filter({ hasText: 'Olivia Owner' }).getByRole('status')).toContainText(
    'only owner',
  );
  await expect(own).toHaveValue('owner');
});

test('without JavaScript, the role form saves and a removed member is signed out', NO_JS, async ({
  page,
  browser,
  baseURL,
}) => {
  const account = await signUp(page);
  await openTeam(page);
  const email = newEmail('nojs');
  await invite(page, email, 'Member');
  const invitee = await acceptAsNewUser(browser, baseURL, await invitationLink(page, email), 'Nadia NoJs');

  const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
  try {
    const noJs = await context.newPage();
    await noJs.goto('/sign-in');
    await noJs.getByLabel('Email', { exact: true }).fill(account.email);
    await noJs.getByLabel('Password', { exact: true }).fill(account.password);
    await noJs.getByRole('button', { name: 'Sign in', exact: true }).click();
    await noJs.waitForURL((url) => url.pathname === '/');
    await noJs.goto('/team');

    const row = noJs.getByTestId('member-row').filter({ hasText: email });
    await row.getByLabel('Role of Nadia NoJs').selectOption('admin');
    await row.getByRole('button', { name: 'Save' }).click();
    await expect(noJs.getByTestId('member-row').filter({ hasText: email }).getByLabel('Role of Nadia NoJs')).toHaveValue(
      'admin',
    );
    expect(pathOf(noJs)).toBe('/team');

    // Remove, behind its confirmation; the member's open session ends.
    const again = noJs.getByTestId('member-row').filter({ hasText: email });
    await again.getByText('Remove…').click();
    await again.getByRole('button', { name: 'Remove Nadia NoJs' }).click();
    await expect(noJs.getByTestId('member-row').filter({ hasText: email })).toHaveCount(0);

    await invitee.page.goto('/team');
    await invitee.page.waitForURL((url) => url.pathname === '/sign-in');
  } finally {
    await context.close();
    await invitee.context.close();
  }
});

test('without JavaScript, an owner invites and the invitee joins', NO_JS, async ({ browser, baseURL }) => {
  const owner = await browser.newContext({ javaScriptEnabled: false, baseURL });
  const invitee = await browser.newContext({ javaScriptEnabled: false, baseURL });
  try {
    const page = await owner.newPage();
    await signUp(page, { hydrate: false });
    await page.goto('/team');
    const email = newEmail('plain');
    const form = page.getByRole('region', { name: 'Invite a teammate' });
    await form.getByLabel('Email').fill(email);
    await form.getByLabel('Role').selectOption({ label: 'Member' });
    await form.getByRole('button', { name: 'Send invitation' }).click();
    await expect(page.getByTestId('invitation').filter({ hasText: email })).toContainText('Member');
    expect(pathOf(page)).toBe('/team');

    const joining = await invitee.newPage();
    await joining.goto(await invitationLink(page, email));
    await joining.getByLabel('Your name').fill('Pia Plain');
    await joining.getByLabel('Password').fill('correct-horse-battery-staple');
    await joining.getByRole('button', { name: 'Create account and join' }).click();
    await joining.waitForURL((url) => url.pathname === '/');

    await page.goto('/team');
    await expect(page.getByTestId('member-row').filter({ hasText: email })).toContainText('Pia Plain');
    await expect(page.getByTestId('invitation').filter({ hasText: email })).toHaveCount(0);
  } finally {
    await owner.close();
    await invitee.close();
  }
});

test('keyboard only: a role changes by typing, and a removal is confirmed from the keyboard', async ({
  page,
  browser,
  baseURL,
}) => {
  const email = await withMember(page, browser, baseURL, 'keys', 'Kai Keys');
  const row = () => page.getByTestId('member-row').filter({ hasText: email });
  const select = row().getByLabel('Role of Kai Keys');
  await select.focus();
  await page.keyboard.press('b'); // type-ahead: Billing, saved at once
  await expect(select).toHaveValue('billing');
  await expect(row().getByRole('status')).not.toContainText('Saving');
  await page.reload();
  await expect(row().getByLabel('Role of Kai Keys')).toHaveValue('billing');

  // The confirmation opens with Enter, and its button is the next stop for Tab.
  await waitForHydration(page);
  await row().getByText('Remove…').focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  await expect(row().getByRole('button', { name: 'Remove Kai Keys' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(row()).toHaveCount(0);
});
