// An administrator manages accounts in a real browser: deleting one goes through a
// confirmation that says what changes hands, as WordPress's does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, screenshotPath, runDateline } from './harness.mjs';

let server;
let browser;
const password = 'correct horse battery staple';

before(async () => {
  server = await startServer(['--demo']);
  runDateline(server, ['user', 'add', 'boss', '--role', 'administrator', '--display-name', 'The Boss'], password + '\n');
  runDateline(server, ['user', 'add', 'leaver', '--role', 'author', '--display-name', 'Lee Leaver'], password + '\n');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test('deleting an account asks first, then gives its posts to another', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(server.base + '/admin/login');
  await page.getByLabel('Username or email address').fill('boss');
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL(/\/admin\/$/), page.getByRole('button', { name: 'Log In' }).click()]);
  await page.getByRole('link', { name: 'Users', exact: true }).click();
  await page.getByRole('link', { name: 'Delete leaver' }).click();
  assert.equal(await page.locator('h1').innerText(), 'Delete “leaver”');
  assert.equal(await page.locator('#owned').innerText(), 'It has 0 posts and pages (drafts and the trash included).');
  await page.screenshot({ path: screenshotPath('admin-user-delete.png'), fullPage: true });
  // Cancel leaves the account alone.
  await page.getByRole('link', { name: 'Cancel' }).click();
  assert.match(page.url(), /\/admin\/users$/);
  assert.equal(await page.locator('tr', { hasText: 'leaver' }).count(), 1);
  await page.getByRole('link', { name: 'Delete leaver' }).click();
  await page.getByLabel('Give them to').selectOption({ label: 'boss' });
  await page.getByRole('button', { name: 'Delete leaver' }).click();
  assert.equal(await page.locator('.notice').innerText(), 'Deleted “leaver”; 0 posts and pages are now by “boss”.');
  assert.equal(await page.locator('tr', { hasText: 'leaver' }).count(), 0);
});
