import type { Page } from '@playwright/test';
import {
  expect,
  followEmailLink,
  NO_JS,
  openTicket,
  signUp,
  staffConsole,
  staffSetStatus,
  test,
  uniqueSubject,
  waitForHydration,
} from './fixtures';

async function resolveInConsole(page: Page, id: string): Promise<void> {
  await page.goto(`/staff/tickets/${id}`);
  await waitForHydration(page);
  await staffSetStatus(page, 'resolved');
  await expect(page.getByTestId('ticket-status').first()).toHaveText('Resolved');
}

test('resolve → the requester rates the ticket on its page → the console counts it', async ({
  page,
  browser,
  baseURL,
}) => {
  // Two accounts, a staff sign-in with two-factor and the mailbox: more than the default 30 s.
  test.setTimeout(90_000);
  await signUp(page);
  const subject = uniqueSubject('Rate me');
  const id = await openTicket(page, subject, 'The export button is greyed out.');
  await expect(page.getByRole('heading', { name: 'Rate this ticket' })).toHaveCount(0);

  const staff = await staffConsole(browser, baseURL);
  try {
    await resolveInConsole(staff.page, id);

    // The resolution arrives live; the rating form appears under the thread.
    await expect(page.getByRole('heading', { name: 'Rate this ticket' })).toBeVisible({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Send rating' }).click();
    await expect(page.getByText('Choose good or bad.')).toBeVisible();
    await page.getByLabel("Good, I'm satisfied").check();
    await page.getByLabel('Comment (optional)').fill('Sorted within the hour.');
    await page.getByRole('button', { name: 'Send rating' }).click();
    await expect(page.getByTestId('rating-summary')).toContainText('You rated this ticket good');
    await expect(page.getByRole('button', { name: 'Update rating' })).toBeVisible();

    await staff.page.goto('/staff/satisfaction');
    await waitForHydration(staff.page);
    const comment = staff.page.getByTestId('csat-comment').filter({ hasText: subject });
    await expect(comment).toContainText('Sorted within the hour.');
    await expect(comment).toContainText('Good');
    await expect(staff.page.getByTestId('csat-week').first().getByTestId('csat')).not.toHaveText('—');
    await comment.getByRole('link', { name: subject }).click();
    await expect(staff.page.getByTestId('staff-rating')).toContainText('Rated good');
  } finally {
    await staff.context.close();
  }
});

test("the email's link rates without signing in, and without JavaScript", NO_JS, async ({ page, browser, baseURL }) => {
  // Two accounts, a staff sign-in with two-factor and the mailbox: more than the default 30 s.
  test.setTimeout(90_000);
  const account = await signUp(page);
  const subject = uniqueSubject('Link rating');
  const id = await openTicket(page, subject, 'Our API key stopped working.');
  const staff = await staffConsole(browser, baseURL);
  try {
    await resolveInConsole(staff.page, id);
  } finally {
    await staff.context.close();
  }

  const mail = await browser.newContext({ baseURL, javaScriptEnabled: false });
  try {
    const inbox = await mail.newPage();
    await followEmailLink(inbox, account.email, `Resolved: ${subject} [support]`, /\/rate-ticket\?rating=bad&token=/);
    await expect(inbox).toHaveURL(/\/rate-ticket\?rating=bad&token=/);
    await expect(inbox.getByText(subject)).toBeVisible();
    // Opening the link chose the answer; nothing is sent until the press.
    await expect(inbox.getByLabel("Bad, I'm not satisfied")).toBeChecked();
    await expect(inbox.getByTestId('rating-summary')).toContainText('Choose an answer');
    await inbox.getByLabel('Comment (optional)').fill('Took three replies.');
    await inbox.getByRole('button', { name: 'Send rating' }).click();
    await expect(inbox.getByTestId('rating-summary')).toContainText('You rated this ticket bad');

    // A link that is not one finds nothing, and says what to do.
    await inbox.goto('/rate-ticket?rating=good&token=not-a-token');
    await expect(inbox.getByRole('alert')).toContainText('not valid any more');
  } finally {
    await mail.close();
  }

  await page.goto(`/support/${id}`);
  await expect(page.getByTestId('rating-summary')).toContainText('You rated this ticket bad');
  await expect(page.getByLabel('Comment (optional)')).toHaveValue('Took three replies.');
});
