import AxeBuilder from '@axe-core/playwright';
import type { Page, TestInfo } from '@playwright/test';
import { expect, openTicket, signUp, staffConsole, test, uniqueSubject, waitForHydration } from './fixtures';

/** How long a test that sweeps many pages may take (a budget, not a measurement). */
const PAGE_SWEEP_TIMEOUT = 150_000;

/** The narrowest phone the portal is laid out for. */
const PHONE = { width: 360, height: 740 };

/**
 * The serious and critical WCAG 2.1 A/AA violations axe finds on the page as
 * it is now, one line each: the rule, how many elements, and the first one.
 */
async function accessibilityProblems(page: Page, label: string): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${label}: ${v.id} ×${v.nodes.length} (${v.nodes[0]?.target.join(' ')}): ${v.help}`);
}

/**
 * Visits `paths` and fails on any page wider than the phone's screen: a page
 * that needs a horizontal scroll cuts something off. Tables may scroll
 * inside their own container; the page itself may not. Each page is also
 * checked by axe and photographed at 390 px and 1,366 px, light and dark
 * (the photos go to the test report).
 */
async function checkPages(page: Page, paths: string[], testInfo: TestInfo) {
  const tooWide: string[] = [];
  const inaccessible: string[] = [];
  for (const path of paths) {
    await page.setViewportSize(PHONE);
    await page.goto(path);
    await waitForHydration(page);
    const { scrollWidth, innerWidth, culprits } = await page.evaluate(() => {
      const right = (e: Element) => e.getBoundingClientRect().right;
      const over = [...document.body.querySelectorAll('*')].filter((e) => right(e) > window.innerWidth);
      return {
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        // The innermost elements past the edge, to say what to fix.
        culprits: over
          .filter((e) => ![...e.children].some((c) => right(c) > window.innerWidth))
          .slice(0, 3)
          .map((e) => `<${e.tagName.toLowerCase()}> "${(e.textContent ?? '').trim().slice(0, 40)}"`),
      };
    });
    if (scrollWidth > innerWidth) tooWide.push(`${path}: ${scrollWidth} px (${culprits.join(', ')})`);
    for (const [width, height] of [
      [390, 844],
      [1366, 900],
    ]) {
      await page.setViewportSize({ width, height });
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        await testInfo.attach(`${path} ${width}px ${colorScheme}`, {
          body: await page.screenshot(),
          contentType: 'image/png',
        });
        if (width === 1366) inaccessible.push(...(await accessibilityProblems(page, `${path} ${colorScheme}`)));
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
  }
  expect(tooWide, `pages wider than ${PHONE.width} px`).toEqual([]);
  expect(inaccessible, 'serious or critical accessibility violations (axe)').toEqual([]);
}

test('every customer page fits a 360 px phone and passes axe', async ({ page }, testInfo) => {
  // Sixteen pages, each photographed four times and run through axe twice:
  // about 50 s alone, so the default 60 s failed under a loaded full run.
  test.setTimeout(PAGE_SWEEP_TIMEOUT);
  await signUp(page);
  const ticket = await openTicket(page, uniqueSubject('Layout check'), 'A ticket to look at on a phone.');
  await page.goto('/help');
  const article = await page.getByRole('main').getByRole('link').filter({ hasNotText: 'All' }).first().getAttribute('href');
  await checkPages(
    page,
    [
      '/',
      '/usage',
      '/billing',
      '/team',
      '/api-keys',
      '/support',
      '/support/new',
      `/support/${ticket}`,
      '/help',
      article ?? '/help',
      '/settings',
      '/settings/security',
      '/settings/notifications',
      '/audit',
    ],
    testInfo,
  );
});

test('the webhook pages, with an endpoint and a delivery, fit a 360 px phone and pass axe', async ({ page }, testInfo) => {
  await signUp(page);
  const created = await page.request.post('/api/webhooks/create', {
    headers: { 'sec-fetch-site': 'same-origin' },
    form: { url: 'https://hooks.example.com/a/rather/long/path/for/a/phone', description: 'Layout', 'event_types[]': 'invoice.paid' },
  });
  expect(created.status()).toBe(200);
  const { endpoint_id: id } = await created.json();
  const queued = await page.request.post('/api/webhooks/test', { headers: { 'sec-fetch-site': 'same-origin' }, form: { id } });
  expect(queued.status()).toBe(200);
  await checkPages(page, ['/webhooks', `/webhooks/${id}`], testInfo);
});

test('the signed-out pages and the staff console fit a 360 px phone and pass axe', async ({ browser, baseURL, page }, testInfo) => {
  test.setTimeout(PAGE_SWEEP_TIMEOUT);
  await checkPages(page, ['/sign-in', '/sign-up', '/forgot-password', '/staff/sign-in'], testInfo);
  const staff = await staffConsole(browser, baseURL, { admin: true });
  try {
    await checkPages(
      staff.page,
      ['/staff/tickets', '/staff/satisfaction', '/staff/canned-replies', '/staff/members', '/staff/help', '/staff/help/new'],
      testInfo,
    );
  } finally {
    await staff.context.close();
  }
});

test('on a phone the navigation folds behind Menu, with JavaScript and without', async ({ browser, baseURL, page }) => {
  await page.setViewportSize(PHONE);
  await signUp(page);
  await page.goto('/');
  await waitForHydration(page);
  const nav = page.getByRole('navigation', { name: 'Main' });
  const menu = page.getByRole('checkbox', { name: 'Menu' });
  await expect(nav).toBeHidden();
  await page.getByText('Menu', { exact: true }).click();
  await expect(menu).toBeChecked();
  await expect(nav.getByRole('link', { name: 'API keys' })).toBeInViewport();
  // Escape closes it, and the keyboard is back on the toggle.
  await nav.getByRole('link', { name: 'Usage' }).focus();
  await page.keyboard.press('Escape');
  await expect(nav).toBeHidden();
  await expect(menu).toBeFocused();
  // The keyboard opens it too; a followed link closes it behind it.
  await page.keyboard.press('Space');
  await expect(nav).toBeVisible();
  await nav.getByRole('link', { name: 'Support' }).click();
  await page.waitForURL((url) => url.pathname === '/support');
  await expect(nav).toBeHidden();

  // The organization switcher's panel, once open, stays on the screen too.
  await page.getByTestId('organization-switcher').locator('summary').click();
  await expect(page.getByRole('link', { name: 'Create an organization' })).toBeInViewport({ ratio: 1 });
  const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  expect(widths[0]).toBeLessThanOrEqual(widths[1]);
  await page.getByTestId('organization-switcher').locator('summary').click();

  const noJs = await browser.newContext({
    javaScriptEnabled: false,
    baseURL,
    viewport: PHONE,
    storageState: await page.context().storageState(),
  });
  try {
    const plain = await noJs.newPage();
    await plain.goto('/');
    const plainNav = plain.getByRole('navigation', { name: 'Main' });
    await expect(plainNav).toBeHidden();
    await plain.getByText('Menu', { exact: true }).click();
    await expect(plainNav.getByRole('link', { name: 'API keys' })).toBeInViewport();
  } finally {
    await noJs.close();
  }
  // From `md` up the navigation is a sidebar, always shown, with no Menu.
  await page.setViewportSize({ width: 1024, height: 800 });
  await expect(nav).toBeVisible();
  await expect(page.getByText('Menu', { exact: true })).toBeHidden();
});
