import type { Page } from '@playwright/test';
import {
  expect,
  followEmailLink,
  NO_JS,
  openTicket,
  signedInWithoutJavaScript,
  signUp,
  staffConsole,
  staffSetStatus,
  test,
  type Account,
  uniqueSubject,
  waitForHydration,
} from './fixtures';

test('a customer opens a ticket, staff answer with context, the reply arrives live and by email', async ({
  page,
  browser,
  baseURL,
}) => {
  const account: Account = await signUp(page);
  const subject = uniqueSubject('Double charge');
  const id = await openTicket(page, subject, 'We were charged twice this month.\nSee https://example.com/receipt');
  await expect(page.getByTestId('message')).toHaveCount(1);
  await expect(page.getByRole('link', { name: 'https://example.com/receipt' })).toHaveAttribute(
    'href',
    'https://example.com/receipt',
  );
  await expect(page.getByTestId('ticket-status')).toHaveText('Open');

  const staff = await staffConsole(browser, baseURL);
  try {
    // The queue lists it with the customer's organization; the ticket shows the context.
    await staff.page.getByLabel('Search').fill(subject);
    await staff.page.getByRole('button', { name: 'Apply filters' }).click();
    const row = staff.page.getByTestId('staff-ticket-row').filter({ hasText: subject });
    await expect(row).toContainText(account.orgName);
    await row.getByRole('link', { name: subject }).click();
    await staff.page.waitForURL((url) => url.pathname === `/staff/tickets/${id}`);
    await waitForHydration(staff.page);
    const context = staff.page.getByTestId('customer-context');
    await expect(context.getByTestId('context-organization')).toHaveText(account.orgName);
    await expect(context.getByTestId('context-plan')).toHaveText('Free');
    await expect(context.getByTestId('context-members')).toContainText('1 of 3 seats');
    await expect(context.getByTestId('context-invoice')).toBeVisible();
    await expect(context.getByTestId('context-usage')).toBeVisible();

    // An internal note, then the reply.
    const note = `Checked the ledger ${Date.now()}`;
    await staff.page.getByLabel('Note', { exact: true }).fill(note);
    await staff.page.getByRole('button', { name: 'Add note' }).click();
    await expect(staff.page.getByTestId('internal-note')).toContainText(note);
    await staff.page.getByRole('button', { name: 'Assign to me' }).click();
    await expect(staff.page.getByRole('button', { name: 'Assign to me' })).toHaveCount(0);

    const reply = `Refunded the second charge ${Date.now()}.`;
    await staff.page.getByLabel('Reply', { exact: true }).fill(reply);
    await staff.page.getByRole('button', { name: 'Send reply' }).click();
    await expect(staff.page.getByTestId('message').filter({ hasText: reply })).toBeVisible();

    // The customer's open thread shows the reply without a reload.
    await expect(page.getByTestId('message').filter({ hasText: reply })).toBeVisible({ timeout: 15_000 });
    await expect(page.getByTestId('ticket-status')).toHaveText('Waiting on you');
    await expect(page.getByText(note)).toHaveCount(0);
    // Not in the page's HTML either (nor its hydration data).
    expect(await page.content()).not.toContain(note);

    // And by email, through the outbox.
    await expect(async () => {
      await staff.page.goto(`/dev/mailbox?to=${encodeURIComponent(account.email)}`);
      await expect(staff.page.getByRole('link', { name: `Re: ${subject} [support]` })).toBeVisible({ timeout: 500 });
    }).toPass({ timeout: 20_000 });
    await staff.page.getByRole('link', { name: `Re: ${subject} [support]` }).click();
    await expect(staff.page.locator('pre')).toContainText(reply);
    await expect(staff.page.locator('pre')).not.toContainText(note);
  } finally {
    await staff.context.close();
  }
});

/**
 * Keeps every `EventSource` the page opens in `window.liveStreams`, so a test
 * can break the live stream the way a network failure does (Chromium's offline
 * mode leaves an open stream running).
 */
async function recordLiveStreams(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const streams: EventSource[] = [];
    (window as unknown as { liveStreams: EventSource[] }).liveStreams = streams;
    const Native = window.EventSource;
    window.EventSource = class extends Native {
      constructor(url: string | URL, init?: EventSourceInit) {
        super(url, init);
        streams.push(this);
      }
    };
  });
}

test('a reply sent while the live stream was down shows once it reconnects', async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000);
  await signUp(page);
  const subject = uniqueSubject('Webhook stopped');
  const id = await openTicket(page, subject, 'Our webhook stopped firing.');
  const isLiveStream = (r: { url(): string; status(): number }) =>
    new URL(r.url()).pathname === '/live' && r.status() === 200;
  await recordLiveStreams(page);
  const streaming = page.waitForResponse(isLiveStream);
  await page.reload();
  await waitForHydration(page);
  await streaming;

  const staff = await staffConsole(browser, baseURL);
  try {
    // The network drops: the stream fails, and so does every reconnection
    // attempt while the staff reply (and its live event) goes out.
    await page.route('**/live', (route) => route.abort('internetdisconnected'));
    await page.evaluate(() => {
      for (const stream of (window as unknown as { liveStreams: EventSource[] }).liveStreams) {
        stream.close();
        stream.dispatchEvent(new Event('error'));
      }
    });
    await staff.page.goto(`/staff/tickets/${id}`);
    await waitForHydration(staff.page);
    const reply = `Re-enabled your webhook ${Date.now()}.`;
    await staff.page.getByLabel('Reply', { exact: true }).fill(reply);
    await staff.page.getByRole('button', { name: 'Send reply' }).click();
    await expect(staff.page.getByTestId('message').filter({ hasText: reply })).toBeVisible();
    await expect(page.getByTestId('message')).toHaveCount(1);

    // The network is back: the page reconnects and re-reads the thread.
    // Retries back off while refused (1 s, 2 s, 4 s … up to 30 s), and a
    // retry refused just before this point waits the full 30 s, plus the
    // request itself on a loaded machine: allow two back-off periods.
    const reconnected = page.waitForResponse(isLiveStream, { timeout: 60_000 });
    await page.unroute('**/live');
    await reconnected;
    await expect(page.getByTestId('message').filter({ hasText: reply })).toBeVisible({ timeout: 5_000 });
    await expect(page.getByTestId('ticket-status')).toHaveText('Waiting on you');
  } finally {
    await staff.context.close();
  }
});

test('a customer reply to a resolved ticket reopens it', async ({ page, browser, baseURL }) => {
  await signUp(page);
  const subject = uniqueSubject('Export question');
  const id = await openTicket(page, subject, 'Where is the export?');

  const staff = await staffConsole(browser, baseURL);
  try {
    await staff.page.goto(`/staff/tickets/${id}`);
    await waitForHydration(staff.page);
    await staffSetStatus(staff.page, 'resolved');
    await expect(staff.page.getByTestId('ticket-status').first()).toHaveText('Resolved');
  } finally {
    await staff.context.close();
  }

  await page.reload();
  await waitForHydration(page);
  await expect(page.getByTestId('ticket-status')).toHaveText('Resolved');
  await expect(page.getByText('Replying reopens this ticket.')).toBeVisible();
  await page.getByLabel('Your reply').fill('It is still missing for me.');
  await page.getByRole('button', { name: 'Send reply' }).click();
  await expect(page.getByTestId('ticket-status')).toHaveText('Open');
  await expect(page.getByTestId('message')).toHaveCount(2);

  await page.goto('/support?status=open');
  await expect(page.getByTestId('ticket-row').filter({ hasText: subject })).toContainText('Open');

  // The dashboard lists it among the recent tickets.
  await page.goto('/');
  await expect(page.getByTestId('recent-tickets').getByRole('link', { name: subject })).toBeVisible();
});

test('HTML in a message is shown as text and never runs', async ({ page, browser, baseURL }) => {
  await signUp(page);
  const payload = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';
  const id = await openTicket(page, uniqueSubject('<b>bold?</b>'), `Look: ${payload}`);
  await expect(page.getByTestId('message-body')).toContainText(payload);
  await expect(page.locator('[data-testid="message-body"] img, [data-testid="message-body"] script')).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

  // Server-rendered (first load) as well as client-rendered, for customers and staff.
  await page.goto(`/support/${id}`);
  await waitForHydration(page);
  await expect(page.getByTestId('message-body')).toContainText(payload);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

  const staff = await staffConsole(browser, baseURL);
  try {
    await staff.page.goto(`/staff/tickets/${id}`);
    await waitForHydration(staff.page);
    await expect(staff.page.getByTestId('message-body')).toContainText(payload);
    await expect(staff.page.locator('[data-testid="message-body"] img')).toHaveCount(0);
    expect(await staff.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  } finally {
    await staff.context.close();
  }
});

test('without JavaScript, a ticket is opened, validated and answered', NO_JS, async ({ browser, baseURL }) => {
  const { context, page } = await signedInWithoutJavaScript(browser, baseURL);
  try {
    await page.goto('/support/new');
    await page.getByLabel('Message').fill('No subject given');
    await page.getByRole('button', { name: 'Open ticket' }).click();
    await expect(page.locator('#field-subject-message')).toContainText('Enter a subject.');

    const subject = uniqueSubject('No-JS ticket');
    await page.getByLabel('Subject').fill(subject);
    await page.getByLabel('Message').fill('Sent without JavaScript');
    // The new ticket's files go with it, in the same post.
    await page.getByLabel('Files (optional)').setInputFiles({
      name: 'first.log',
      mimeType: 'text/plain',
      buffer: Buffer.from('The log of the first failure.'),
    });
    await page.getByRole('button', { name: 'Open ticket' }).click();
    await page.waitForURL((url) => /^\/support\/[0-9a-f-]{36}$/.test(url.pathname));
    await expect(page.getByTestId('attachment').filter({ hasText: 'first.log' })).toBeVisible();
    await page.getByLabel('Your reply').fill('A follow-up');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await expect(page.getByTestId('message')).toHaveCount(2);
    // Files go by a plain multipart form post, back to the thread.
    await page.getByLabel('Files', { exact: true }).setInputFiles({
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('Steps to reproduce, in plain text.'),
    });
    await page.getByRole('button', { name: 'Upload files' }).click();
    await expect(page.getByTestId('attachment').filter({ hasText: 'notes.txt' })).toBeVisible();
    await page.getByRole('button', { name: 'Close ticket' }).click();
    await expect(page.getByTestId('ticket-status')).toHaveText('Closed');

    await page.goto('/support');
    await expect(page.getByTestId('ticket-row').filter({ hasText: subject })).toContainText('Closed');
  } finally {
    await context.close();
  }
});

test('customers are sent away from the staff console', async ({ page }) => {
  await signUp(page);
  await page.goto('/staff/tickets');
  await page.waitForURL((url) => url.pathname === '/staff/sign-in');
});

test("a reply email's unsubscribe link stops ticket emails after one confirmation", async ({ page, browser, baseURL }) => {
  const account: Account = await signUp(page);
  const subject = uniqueSubject('Unsubscribe me');
  const id = await openTicket(page, subject, 'Please answer by email.');
  const staff = await staffConsole(browser, baseURL);
  try {
    await staff.page.goto(`/staff/tickets/${id}`);
    await waitForHydration(staff.page);
    await staff.page.getByLabel('Reply', { exact: true }).fill('Answered. Anything else?');
    await staff.page.getByRole('button', { name: 'Send reply' }).click();
    await expect(staff.page.getByTestId('message').filter({ hasText: 'Answered.' })).toBeVisible();
  } finally {
    await staff.context.close();
  }

  await followEmailLink(page, account.email, `Re: ${subject} [support]`, /\/unsubscribe\?/);
  await waitForHydration(page);
  await expect(page.getByText(`Stop “Ticket updates” emails for ${account.orgName}?`)).toBeVisible();
  await page.getByRole('button', { name: 'Unsubscribe' }).click();
  await expect(page.getByTestId('unsubscribed')).toContainText('you no longer get “Ticket updates” emails');

  await page.goto('/settings/notifications');
  const mine = page.getByRole('region', { name: 'Email notifications' });
  await expect(mine.getByLabel('Ticket updates', { exact: true })).not.toBeChecked();
  await expect(mine.getByLabel('Usage alerts', { exact: true })).toBeChecked();
});
