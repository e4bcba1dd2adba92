// Fair quoting in a real browser (issue 10, "Quote fairly"): the editor's counter follows what
// the post quotes as it is typed and warns once it is over the site's limit; publishing over
// the limit is refused with the form kept; an editor may tick the override, which the posts
// list then shows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, screenshotPath, runDateline } from './harness.mjs';

let server;
let browser;
const password = 'correct horse battery staple';
const words = (n) => Array.from({ length: n }, (_, i) => `w${i + 1}`).join(' ');

before(async () => {
  server = await startServer(['--demo']);
  runDateline(server, ['user', 'add', 'eda', '--role', 'editor', '--display-name', 'Eda Editor'], password + '\n');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

async function logIn(page) {
  await page.goto(server.base + '/admin/login');
  await page.getByLabel('Username or email address').fill('eda');
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL(/\/admin\/$/), page.getByRole('button', { name: 'Log In' }).click()]);
}

test('the counter follows the quote as it is typed, and publishing over the limit needs an editor', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
  await logIn(page);
  await page.goto(server.base + '/admin/posts/new');
  const counter = page.locator('#quote-counter');
  assert.equal(await counter.innerText(), 'Quoted: 0 of 300 words');

  await page.getByLabel('Title', { exact: true }).fill('The long read, quoted at length');
  await page.getByLabel('Outlet', { exact: true }).fill('The Harbor Ledger');
  await page.getByLabel(/^Excerpt/).fill(words(280));
  await page.waitForFunction(() => document.getElementById('quote-counter').textContent === 'Quoted: 280 of 300 words');
  assert.doesNotMatch(await counter.getAttribute('class'), /over/);

  // Block quotes in the commentary count too.
  await page.getByLabel(/^Your commentary/).fill('Worth it.\n\n> ' + words(21));
  await page.waitForFunction(() => document.getElementById('quote-counter').textContent.startsWith('Quoted: 301 of 300 words'));
  assert.equal(await counter.innerText(), 'Quoted: 301 of 300 words — over the limit');
  assert.match(await counter.getAttribute('class'), /over/);
  assert.equal(await page.locator('#quote-alert').textContent(), 'Over the quote limit: Quoted: 301 of 300 words');

  // The source's words known: the percentage applies when it is the smaller limit.
  await page.getByLabel(/^The source has/).fill('2000');
  await page.waitForFunction(() => document.getElementById('quote-counter').textContent.startsWith('Quoted: 301 of 300 words (30 % of 2,000)'));
  await page.getByLabel(/^The source has/).fill('900');
  await page.waitForFunction(() => document.getElementById('quote-counter').textContent === 'Quoted: 301 of 270 words (30 % of 900) — over the limit');
  await page.screenshot({ path: screenshotPath('quote-counter.png'), fullPage: true });

  // Publishing is refused; what was typed is all still there.
  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await page.locator('#editor-error').waitFor();
  assert.equal(
    await page.locator('#editor-error').innerText(),
    "The post quotes 301 words of its source; the site's limit is 270 words (30 % of the source's 900 words). Quote less, or tick “Publish over the quote limit”.",
  );
  assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), 'The long read, quoted at length');
  assert.equal(await page.getByLabel(/^Excerpt/).inputValue(), words(280));
  assert.equal(await page.getByLabel(/^The source has/).inputValue(), '900');
  await page.screenshot({ path: screenshotPath('quote-refused.png'), fullPage: true });

  // The editor decides to publish it anyway: recorded, and shown in the list.
  await page.getByLabel(/^Publish over the quote limit/).check();
  await Promise.all([page.waitForURL(/\/admin\/posts\/\d+\?saved=1$/), page.getByRole('button', { name: 'Publish', exact: true }).click()]);
  assert.equal(await page.locator('.notice').innerText(), 'Published.');
  assert.match(await page.locator('#quote-allowed').innerText(), /^Allowed over the quote limit by Eda Editor on .+ \(301 words quoted\)\.$/);
  await page.getByRole('link', { name: 'Posts', exact: true }).click();
  const row = page.locator('tr', { hasText: 'The long read, quoted at length' });
  assert.match(await row.locator('.quote-allowed').innerText(), /^Over the quote limit — allowed by Eda Editor, /);
  await page.screenshot({ path: screenshotPath('quote-list.png'), fullPage: true });
  await page.close();
});
