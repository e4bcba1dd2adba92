// Follow an outlet, a reporter (issue 10): an editor publishes a link post with an
// attribution; readers go from its attribution line to the reporter's page and, through
// "More via", to the outlet's page, each listing the post; the admin lists both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, screenshotPath, runDateline } from './harness.mjs';

let server;
let browser;
const password = 'correct horse battery staple';

before(async () => {
  server = await startServer(['--demo']);
  runDateline(server, ['user', 'add', 'nadia', '--role', 'editor', '--display-name', 'Nadia Ortiz'], password + '\n');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test('a published post is found under its reporters and its outlet', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(server.base + '/admin/');
  await page.getByLabel('Username or email address').fill('nadia');
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL(/\/admin\/$/), page.getByRole('button', { name: 'Log In' }).click()]);
  await page.goto(server.base + '/admin/posts/new');
  await page.getByLabel('Title', { exact: true }).fill('Port strike enters its second week');
  await page.getByLabel('Source link', { exact: true }).fill('https://www.tidelinecourier.example/port/strike');
  await page.getByLabel('Reporter', { exact: true }).fill('Ada Lin and Bo Chen');
  await page.getByLabel('Outlet', { exact: true }).fill('The Tideline Courier');
  await page.getByLabel(/^Excerpt/).fill('Dockworkers walked out again on Monday.');
  await page.getByLabel(/^Your commentary/).fill('Still no talks scheduled.');
  await Promise.all([page.waitForURL(/\/admin\/posts\/\d+\?saved=1$/), page.getByRole('button', { name: 'Publish' }).click()]);
  await page.getByRole('link', { name: 'View post' }).click();
  const postUrl = page.url();

  // The attribution line: the reporters as written, each a link to their page.
  assert.equal(await page.locator('.attribution').innerText(), 'Ada Lin and Bo Chen report via The Tideline Courier:');
  assert.deepEqual(await page.locator('.attribution a.reporter').allInnerTexts(), ['Ada Lin', 'Bo Chen']);
  await page.locator('.source').screenshot({ path: screenshotPath('attribution-links.png') });
  await Promise.all([page.waitForURL(/\/reporter\/bo-chen\/$/), page.getByRole('link', { name: 'Bo Chen' }).click()]);
  assert.equal(await page.locator('h1.archive-title').innerText(), 'Reporter: Bo Chen');
  assert.deepEqual(await page.locator('article .post-title').allInnerTexts(), ['Port strike enters its second week']);

  // "More via" the outlet, after the quote.
  await page.goto(postUrl);
  await Promise.all([page.waitForURL(/\/source\/tideline-courier\/$/), page.getByRole('link', { name: 'More via The Tideline Courier' }).click()]);
  assert.equal(await page.locator('h1.archive-title').innerText(), 'Source: The Tideline Courier');
  assert.deepEqual(await page.locator('article .post-title').allInnerTexts(), ['Port strike enters its second week']);
  assert.equal(await page.locator('link[rel=alternate][type="application/feed+json"]').last().getAttribute('href'), server.base + '/source/tideline-courier/feed/json/');
  assert.deepEqual(await page.locator('.archive-feeds a').allInnerTexts(), ['RSS', 'Atom', 'JSON Feed']);
  await page.screenshot({ path: screenshotPath('outlet-page.png'), fullPage: true });

  // The admin lists the outlet with its post count, from the menu.
  await page.goto(server.base + '/admin/');
  await page.getByRole('link', { name: 'Outlets', exact: true }).click();
  const row = page.locator('tbody tr', { has: page.getByRole('link', { name: 'The Tideline Courier', exact: true }) });
  assert.match(await row.innerText(), /tideline-courier\s+tidelinecourier\.example\s+1/);
  await page.screenshot({ path: screenshotPath('admin-outlets.png'), fullPage: true });
  await page.close();
});
