import { readFileSync } from 'node:fs';
import { expect, openTicket, signUp, staffConsole, test, uniqueSubject, waitForHydration } from './fixtures';

/** A 64 × 32 PNG, as a screenshot would be. */
const SCREENSHOT = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAEAAAAAgCAIAAAAt/+nTAAAATklEQVR4nO3PUQkAIBTAwJfEnIY1jCH8OITBAtxm7fN1wwUNaEEDWtCAFjSgBQ1oQQNa0IAWNKAFDWhBA1rQgBY0oAUNaEEDWtCAFjx2AVRVkKZx9o1FAAAAAElFTkSuQmCC',
  'base64',
);

test('a customer attaches a screenshot; staff see its preview and download it', async ({ page, browser, baseURL }) => {
  await signUp(page);
  const id = await openTicket(page, uniqueSubject('Blank chart'), 'The usage chart is blank.');

  // A program named like an image is refused beside the field, before anything is kept.
  await page.getByLabel('Files', { exact: true }).setInputFiles({
    name: 'chart.png',
    mimeType: 'image/png',
    buffer: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(600)]),
  });
  await page.getByRole('button', { name: 'Upload files' }).click();
  await expect(page.locator('#attach-files-error')).toContainText("That kind of file can't be attached");
  await expect(page.getByTestId('attachment')).toHaveCount(0);

  await page.getByLabel('Files', { exact: true }).setInputFiles({ name: 'chart.png', mimeType: 'image/png', buffer: SCREENSHOT });
  await page.getByLabel('Message (optional)').fill('Here is what I see.');
  await page.getByRole('button', { name: 'Upload files' }).click();
  const file = page.getByTestId('attachment').filter({ hasText: 'chart.png' });
  await expect(file).toBeVisible();
  await expect(page.locator('#attach-files-error')).toBeEmpty();
  await expect(page.getByTestId('message').last()).toContainText('Here is what I see.');
  // The preview is our own PNG, and it loads.
  await expect(file.getByTestId('attachment-preview')).toHaveJSProperty('naturalWidth', 64);
  expect(new URL(page.url()).pathname).toBe(`/support/${id}`);

  const staff = await staffConsole(browser, baseURL);
  try {
    await staff.page.goto(`/staff/tickets/${id}`);
    await waitForHydration(staff.page);
    const staffFile = staff.page.getByTestId('attachment').filter({ hasText: 'chart.png' });
    await expect(staffFile.getByTestId('attachment-preview')).toHaveJSProperty('naturalWidth', 64);
    const downloading = staff.page.waitForEvent('download');
    await staffFile.getByRole('link').click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe('chart.png');
    expect(readFileSync(await download.path())).toEqual(SCREENSHOT);
  } finally {
    await staff.context.close();
  }
});

test('a new ticket takes its screenshot along, and a refused file is explained before it opens', async ({ page }) => {
  await signUp(page);
  await page.goto('/support/new');
  await waitForHydration(page);
  const subject = uniqueSubject('Crash on export');
  await page.getByLabel('Subject').fill(subject);
  await page.getByLabel('Message').fill('It crashes; screenshot attached.');
  const files = page.getByLabel('Files (optional)');
  await files.setInputFiles({ name: 'logo.svg', mimeType: 'image/svg+xml', buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>') });
  await page.getByRole('button', { name: 'Open ticket' }).click();
  await expect(page.locator('#ticket-files-error')).toContainText("SVG and HTML files can't be attached");
  expect(new URL(page.url()).pathname).toBe('/support/new');

  await files.setInputFiles({ name: 'crash.png', mimeType: 'image/png', buffer: SCREENSHOT });
  await page.getByRole('button', { name: 'Open ticket' }).click();
  await page.waitForURL((url) => /^\/support\/[0-9a-f-]{36}$/.test(url.pathname));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(subject);
  const file = page.getByTestId('attachment').filter({ hasText: 'crash.png' });
  await expect(file.getByTestId('attachment-preview')).toHaveJSProperty('naturalWidth', 64);
  await expect(page.getByTestId('message')).toHaveCount(1);
});
