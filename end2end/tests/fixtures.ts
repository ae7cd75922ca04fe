import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { test as base, expect, type Browser, type BrowserContext, type Page } from '@playwright/test';

export { expect };

/**
 * Marks a journey done with JavaScript switched off (in a context the test
 * opens with `javaScriptEnabled: false`, or `test.use` for a block): it runs
 * in the `no-javascript` project, so a report says on its own line that the
 * portal works as plain HTML forms and links.
 */
export const NO_JS = { tag: '@no-js' };

/**
 * `test` with one addition: any uncaught error in the page (a panic in the
 * WebAssembly, a failed hydration) and any Content-Security-Policy violation
 * (a script, style or connection the policy refused) fails the test, even
 * when every assertion passed. Pages of contexts the test opens itself are
 * watched too.
 */
export const test = base.extend<{ failOnPageError: void }>({
  failOnPageError: [
    async ({ page, browser }, use) => {
      const errors: string[] = [];
      const watch = (context: BrowserContext) => {
        context.on('console', (message) => {
          if (/Content Security Policy/i.test(message.text())) {
            errors.push(`CSP: ${message.text()}`);
          }
        });
        context.on('weberror', (error) => errors.push(error.error().stack ?? error.error().message));
      };
      watch(page.context());
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (options) => {
        const context = await newContext(options);
        watch(context);
        return context;
      };
      try {
        await use();
      } finally {
        browser.newContext = newContext;
      }
      expect(errors, 'uncaught errors or CSP violations in the page').toEqual([]);
    },
    { auto: true },
  ],
});

export type Account = {
  orgName: string;
  name: string;
  email: string;
  password: string;
};

/** A new, unique account: tests run in parallel and never share one. */
export function newAccount(): Account {
  const id = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  return {
    orgName: `Org ${id}`,
    name: 'Olivia Owner',
    email: `owner-${id}@example.com`,
    password: 'correct-horse-battery-staple',
  };
}

/**
 * Resolves once the app has hydrated: it sets `data-hydrated="true"` on
 * <html> from a client-only effect, so this also proves the wasm runs.
 */
export async function waitForHydration(page: Page): Promise<void> {
  await page.waitForFunction(() => document.documentElement.dataset.hydrated === 'true');
}

/** Path of the page's current URL, without query or hash. */
export function pathOf(page: Page): string {
  return new URL(page.url()).pathname;
}

/**
 * Opens the newest email to `to` whose subject is `subject` in the
 * development mailbox (polling while the worker delivers it), then follows
 * the link whose text matches `link`.
 */
export async function followEmailLink(page: Page, to: string, subject: string, link: RegExp): Promise<void> {
  await expect(async () => {
    await page.goto(`/dev/mailbox?to=${encodeURIComponent(to)}`);
    await expect(page.getByRole('link', { name: subject }).first()).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 15_000 });
  await page.getByRole('link', { name: subject }).first().click();
  // Opened the way a mail client does: a fresh navigation to the address.
  const href = await page.getByRole('link', { name: link }).first().getAttribute('href');
  expect(href).toBeTruthy();
  await page.goto(href!);
}

/**
 * Signs up a new organization through /sign-up, opens the verification link
 * from the development mailbox, confirms it, and waits for the dashboard.
 * Pass `{ hydrate: false }` for a page whose context has JavaScript disabled.
 */
export async function signUp(page: Page, { hydrate = true } = {}): Promise<Account> {
  const account = newAccount();
  await page.goto('/sign-up');
  if (hydrate) await waitForHydration(page);
  await page.getByLabel('Organization name', { exact: true }).fill(account.orgName);
  await page.getByLabel('Your name', { exact: true }).fill(account.name);
  await page.getByLabel('Work email', { exact: true }).fill(account.email);
  await page.getByLabel('Password', { exact: true }).fill(account.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL((url) => url.pathname === '/sign-up/check-email');
  await expect(page.getByRole('status')).toContainText(account.email);
  await followEmailLink(page, account.email, 'Verify your email for Portal', /\/verify-email\?token=/);
  if (hydrate) await waitForHydration(page);
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await expect(page.getByRole('heading', { level: 1 })).toContainText(account.orgName);
  return account;
}

/** The RFC 6238 code of a base32 `secret` at `unixSeconds` (SHA-1, 6 digits, 30 s). */
export function totpCode(secret: string, unixSeconds = Date.now() / 1000): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/=+$/, '').toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  }
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const value = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, '0');
}

/** Signs out with the header's button and waits for /sign-in. */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL((url) => url.pathname === '/sign-in');
}

/** Fills and submits the sign-in form of the current page. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/**
 * A new account (signed up with JavaScript), then a browser context without
 * JavaScript signed in as it, on its dashboard. The caller closes the context.
 */
export async function signedInWithoutJavaScript(
  browser: Browser,
  baseURL: string | undefined,
): Promise<{ account: Account; context: BrowserContext; page: Page }> {
  const setup = await browser.newContext({ baseURL });
  const account = await signUp(await setup.newPage());
  await setup.close();
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL });
  const page = await context.newPage();
  await page.goto('/sign-in');
  await signIn(page, account.email, account.password);
  await page.waitForURL((url) => url.pathname === '/');
  return { account, context, page };
}

/**
 * A new staff account for this test. Staff are provisioned by the company,
 * not through any page, so the test signs an account up and then marks it as
 * staff directly in the end-to-end database (the one the server under test
 * uses), as an operator would.
 */
export async function newStaffAccount(
  browser: Browser,
  baseURL: string | undefined,
  { admin = false } = {},
): Promise<Account & { totpSecret: string }> {
  const context = await browser.newContext({ baseURL });
  try {
    const account = await signUp(await context.newPage());
    const email = account.email.replace(/'/g, "''");
    // Staff must use two-factor: the operator provisions it with a secret
    // the test keeps (as an authenticator app would).
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    const totpSecret = Array.from({ length: 32 }, () => alphabet[Math.floor(Math.random() * 32)]).join('');
    execFileSync('psql', [
      process.env.E2E_DATABASE_URL ?? '',
      '-X', '-q', '-v', 'ON_ERROR_STOP=1',
      '-c', `insert into staff (user_id, is_admin) select id, ${admin} from app_user where email = '${email}'`,
      '-c', `update app_user set totp_secret = '${totpSecret}', totp_enabled_at = now() where email = '${email}'`,
    ]);
    return { ...account, totpSecret };
  } finally {
    await context.close();
  }
}

/**
 * A staff member signed in to the console, in a browser context of their
 * own; `admin` makes them a staff admin (the team page's forms).
 */
export async function staffConsole(browser: Browser, baseURL: string | undefined, { admin = false } = {}) {
  const staff = await newStaffAccount(browser, baseURL, { admin });
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await page.goto('/staff/sign-in');
  await waitForHydration(page);
  await page.getByLabel('Email', { exact: true }).fill(staff.email);
  await page.getByLabel('Password', { exact: true }).fill(staff.password);
  await page.getByRole('button', { name: 'Sign in to the console' }).click();
  await page.waitForURL((url) => url.pathname === '/staff/sign-in/two-factor');
  await waitForHydration(page);
  await page.getByLabel('Authentication code').fill(totpCode(staff.totpSecret));
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((url) => url.pathname === '/staff/tickets');
  return { context, page, account: staff };
}

/** Sets a ticket's status from its console page (staff). */
export async function staffSetStatus(page: Page, status: string): Promise<void> {
  await page.getByLabel('Status', { exact: true }).selectOption(status);
  await page.getByRole('button', { name: 'Set status' }).click();
}

export function uniqueSubject(label: string): string {
  return `${label} ${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Opens a ticket through /support/new and waits for its thread page. */
export async function openTicket(page: Page, subject: string, message: string): Promise<string> {
  await page.goto('/support/new');
  await waitForHydration(page);
  await page.getByLabel('Subject').fill(subject);
  await page.getByLabel('Category').selectOption('billing');
  await page.getByLabel('Priority').selectOption('high');
  await page.getByLabel('Message').fill(message);
  await page.getByRole('button', { name: 'Open ticket' }).click();
  await page.waitForURL((url) => /^\/support\/[0-9a-f-]{36}$/.test(url.pathname));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(subject);
  return new URL(page.url()).pathname.split('/').pop() ?? '';
}
