import { test as base, expect, type Page } from '@playwright/test';

export { expect };

/**
 * `test` with one addition: any uncaught error in the page (a panic in the
 * WebAssembly, a failed hydration) fails the test, even when every assertion
 * passed.
 */
export const test = base.extend<{ failOnPageError: void }>({
  failOnPageError: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.stack ?? error.message));
      await use();
      expect(errors, 'uncaught errors in the page').toEqual([]);
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
 * Signs up a new organization through /sign-up and waits for its dashboard.
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
  await page.waitForURL((url) => url.pathname === '/');
  await expect(page.getByRole('heading', { level: 1 })).toContainText(account.orgName);
  return account;
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
