import { expect, openTicket, signUp, staffConsole, test, uniqueSubject, waitForHydration } from './fixtures';

test('staff write a canned reply, insert it filled in for the customer, and delete it after confirming', async ({
  page,
  browser,
  baseURL,
}) => {
  // Two accounts, a staff sign-in with two-factor and the mailbox: more than the default 30 s.
  test.setTimeout(90_000);
  const account = await signUp(page);
  const subject = uniqueSubject('Canned');
  const id = await openTicket(page, subject, 'How do I export my invoices?');
  const title = uniqueSubject('Export answer');

  const staff = await staffConsole(browser, baseURL);
  try {
    const console = staff.page;
    await console.getByRole('link', { name: 'Canned replies' }).click();
    await waitForHydration(console);
    // A typo in a placeholder is refused beside the field.
    await console.getByLabel('Title').fill(title);
    await console.getByLabel('Reply', { exact: true }).fill('Hi {{frist_name}}');
    await console.getByRole('button', { name: 'Save canned reply' }).click();
    await expect(console.getByText('{{frist_name}} is not a placeholder')).toBeVisible();
    await console
      .getByLabel('Reply', { exact: true })
      .fill('Hi {{first_name}}, {{organization}} can export from Billing.\n— {{agent_name}}');
    await console.getByRole('button', { name: 'Save canned reply' }).click();
    await expect(console.getByTestId('canned-row').filter({ hasText: title })).toBeVisible();

    await console.goto(`/staff/tickets/${id}`);
    await waitForHydration(console);
    await console.getByLabel('Canned reply').selectOption({ label: title });
    await console.getByRole('button', { name: 'Insert' }).click();
    const reply = console.getByLabel('Reply', { exact: true });
    await expect(reply).toHaveValue(new RegExp(`^Hi Olivia, ${account.orgName} can export from Billing\\.\\n— `));
    await reply.press('End');
    await reply.pressSequentially(' Cheers!');
    await console.getByRole('button', { name: 'Send reply' }).click();
    await expect(reply).toHaveValue('');

    await expect(page.getByTestId('message').filter({ hasText: `Hi Olivia, ${account.orgName}` })).toContainText(
      'Cheers!',
      { timeout: 10_000 },
    );

    await console.goto('/staff/canned-replies');
    await waitForHydration(console);
    await console.getByRole('link', { name: `Delete ${title}` }).click();
    await expect(console.getByRole('alertdialog')).toContainText(`Delete “${title}”?`);
    await console.getByRole('button', { name: 'Delete canned reply' }).click();
    await expect(console.getByTestId('canned-row').filter({ hasText: title })).toHaveCount(0);
  } finally {
    await staff.context.close();
  }
});
