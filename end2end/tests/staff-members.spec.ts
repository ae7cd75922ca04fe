import { expect, followEmailLink, staffConsole, test, totpCode, uniqueSubject, waitForHydration } from './fixtures';

test('a staff admin invites an agent, who joins, sets up two-factor, and is deactivated after confirming', async ({
  page,
  browser,
  baseURL,
}) => {
  // A staff sign-in, the mailbox, a second sign-in with enrollment: more than the default 30 s.
  test.setTimeout(90_000);
  const email = `${uniqueSubject('agent').toLowerCase().replace(/[^a-z0-9]+/g, '.')}@portal.example`;
  const admin = await staffConsole(browser, baseURL, { admin: true });
  try {
    const console = admin.page;
    await console.getByRole('link', { name: 'Staff', exact: true }).click();
    await waitForHydration(console);
    await expect(console.getByTestId('staff-row').filter({ hasText: admin.account.email })).toContainText('(you)');
    // A typo is refused beside the field.
    await console.getByLabel('Email', { exact: true }).fill('not-an-address');
    await console.getByRole('button', { name: 'Send invitation' }).click();
    await expect(console.getByText('Enter an email address like name@example.com.')).toBeVisible();
    await console.getByLabel('Email', { exact: true }).fill(email);
    await console.getByRole('button', { name: 'Send invitation' }).click();
    await expect(console.getByTestId('staff-invitation-row').filter({ hasText: email })).toContainText('Agent');

    // The invitee opens the emailed link, creates an account and joins.
    await followEmailLink(page, email, 'invited you to the Portal support team', /\/staff\/join\?token=/);
    await waitForHydration(page);
    await expect(page.getByTestId('staff-invitation-summary')).toContainText('as a support agent');
    await page.getByLabel('Your name').fill('Ivy Invited');
    await page.getByLabel('Password', { exact: true }).fill('a long staff passphrase');
    await page.getByRole('button', { name: 'Create account and join' }).click();
    await page.waitForURL((url) => url.pathname === '/staff/sign-in');
    await expect(page.getByRole('status').first()).toContainText('You joined the support team');

    // The first sign-in sets two-factor up before the console opens.
    await waitForHydration(page);
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill('a long staff passphrase');
    await page.getByRole('button', { name: 'Sign in to the console' }).click();
    await page.waitForURL((url) => url.pathname === '/staff/sign-in/two-factor');
    await waitForHydration(page);
    await page.getByRole('button', { name: 'Set up two-factor' }).click();
    const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
    await page.getByLabel('Code from the app').fill(totpCode(secret));
    await page.getByRole('button', { name: 'Turn on two-factor' }).click();
    await page.getByRole('link', { name: 'Continue to the console' }).click();
    await page.waitForURL((url) => url.pathname === '/staff/tickets');

    // The admin sees them with two-factor on, and deactivates them after confirming.
    await console.reload();
    await waitForHydration(console);
    const row = console.getByTestId('staff-row').filter({ hasText: email });
    await expect(row).toContainText('Ivy Invited');
    await expect(row).toContainText('On');
    await row.getByRole('link', { name: 'Deactivate Ivy Invited' }).click();
    await expect(console.getByRole('alertdialog')).toContainText('Deactivate Ivy Invited?');
    await console.getByRole('button', { name: 'Deactivate staff member' }).click();
    await expect(row).toContainText('Deactivated');
    await expect(console.getByRole('alertdialog')).toHaveCount(0);

    // Their console is closed at once.
    await page.reload();
    await page.waitForURL((url) => url.pathname === '/staff/sign-in');
  } finally {
    await admin.context.close();
  }
});
