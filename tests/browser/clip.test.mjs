// Clipping stories in a real browser (issue 10): each of the shared fixture articles, served
// by a local web server the blog is allowed to read (`[fetch] allow`), is clipped from the
// admin's URL box and opens in the editor credited and quoted; the bookmarklet, run on a
// story with a passage selected, opens the clip form with both filled in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launchBrowser, screenshotPath, runDateline, fixtures, needsFixtures } from './harness.mjs';

let server;
let browser;
let pages;
let pagesBase;
const password = 'correct horse battery staple';
const articles = join(fixtures, 'articles');

before(async () => {
  server = await startServer(['--demo'], '[fetch]\nallow = ["127.0.0.1"]\n');
  runDateline(server, ['user', 'add', 'nora', '--role', 'author', '--display-name', 'Nora Writer'], password + '\n');
  browser = await launchBrowser();
  // Each fixture's page at /NAME, as its publisher served it.
  pages = createServer((request, response) => {
    const file = join(articles, request.url.slice(1).split('?')[0], 'source.html');
    if (!request.url.slice(1) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(readFileSync(file));
  });
  await new Promise((resolve) => pages.listen(0, '127.0.0.1', resolve));
  pagesBase = `http://127.0.0.1:${pages.address().port}`;
});

after(async () => {
  await browser?.close();
  server?.stop();
  pages?.close();
});

async function logIn(page) {
  await page.goto(server.base + '/admin/login');
  await page.getByLabel('Username or email address').fill('nora');
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL(/\/admin\/$/), page.getByRole('button', { name: 'Log In' }).click()]);
}

test('an author clips each fixture story from the URL box', needsFixtures, async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await logIn(page);
  const names = readdirSync(articles).filter((name) => existsSync(join(articles, name, 'source.html')));
  assert.equal(names.length, 8);
  for (const name of names) {
    const expected = JSON.parse(readFileSync(join(articles, name, 'expected-metadata.json'), 'utf8'));
    await page.getByRole('link', { name: 'Clip a story' }).click();
    await page.getByLabel("The story's address").fill(`${pagesBase}/${name}`);
    await Promise.all([page.waitForURL(/\/admin\/posts\/\d+$/), page.getByRole('button', { name: 'Make a draft' }).click()]);
    assert.equal(await page.getByLabel('Title', { exact: true }).inputValue(), expected.title.trim(), name);
    if (expected.siteName) assert.equal(await page.getByLabel('Outlet', { exact: true }).inputValue(), expected.siteName, name);
    assert.notEqual(await page.getByLabel('Source link', { exact: true }).inputValue(), '', name);
    assert.ok((await page.getByLabel(/^Excerpt/).inputValue()).length > 100, `${name}: the lead paragraphs are quoted`);
    if (name === 'guardian-1') await page.screenshot({ path: screenshotPath('clip-draft.png'), fullPage: true });
  }
  // Then the author writes the commentary and publishes it, as with any draft.
  await page.getByLabel(/^Your commentary/).fill('Worth reading in full.');
  await Promise.all([page.waitForURL(/saved=1$/), page.getByRole('button', { name: 'Publish' }).click()]);
  assert.equal(await page.locator('.notice').innerText(), 'Published.');
  await page.close();
});

test('the bookmarklet brings the story and the selected passage to the clip form', needsFixtures, async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await logIn(page);
  await page.goto(server.base + '/admin/clip');
  await page.screenshot({ path: screenshotPath('clip-form.png'), fullPage: true });
  const bookmarklet = await page.locator('#bookmarklet').getAttribute('href');
  assert.match(bookmarklet, /^javascript:/);

  // On the story: select a passage, then click the bookmark (its script, run on that page).
  await page.goto(`${pagesBase}/schema-org-context-object`);
  const passage = await page.evaluate(() => {
    const paragraph = [...document.querySelectorAll('p')].find((p) => p.textContent.includes('impeach'));
    const range = document.createRange();
    range.selectNodeContents(paragraph);
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
    return String(window.getSelection()).trim();
  });
  await Promise.all([page.waitForURL(/\/admin\/clip\?url=/), page.evaluate(decodeURIComponent(bookmarklet.slice('javascript:'.length)))]);
  assert.equal(await page.getByLabel("The story's address").inputValue(), `${pagesBase}/schema-org-context-object`);
  assert.equal((await page.getByLabel(/^The passage to quote/).inputValue()).trim(), passage);
  await Promise.all([page.waitForURL(/\/admin\/posts\/\d+$/), page.getByRole('button', { name: 'Make a draft' }).click()]);
  assert.equal((await page.getByLabel(/^Excerpt/).inputValue()).trim(), passage, 'the selection is the quote');
  assert.equal(await page.getByLabel('Reporter', { exact: true }).inputValue(), 'Stella Kim and Jennifer Jett');
  // Published, the story is found under each of its reporters and under its outlet.
  const title = await page.getByLabel('Title', { exact: true }).inputValue();
  await page.getByLabel(/^Your commentary/).fill('The vote is the story to watch.');
  await Promise.all([page.waitForURL(/saved=1$/), page.getByRole('button', { name: 'Publish' }).click()]);
  await page.getByRole('link', { name: 'View post' }).click();
  const post = page.url();
  assert.equal(await page.locator('.attribution').first().innerText(), 'Stella Kim and Jennifer Jett report via NBC News:');
  for (const reporter of ['Stella Kim', 'Jennifer Jett']) {
    await Promise.all([page.waitForURL(/\/reporter\/[a-z-]+\/$/), page.getByRole('link', { name: reporter, exact: true }).click()]);
    assert.equal(await page.locator('h1').first().innerText(), `Reporter: ${reporter}`);
    assert.ok(await page.getByRole('link', { name: title }).count(), `${title} is listed under ${reporter}`);
    await page.goto(post);
  }
  const outlet = await page.locator('.more-via a').innerText();
  await Promise.all([page.waitForURL(/\/source\/[a-z0-9-]+\/$/), page.locator('.more-via a').click()]);
  assert.ok(await page.getByRole('link', { name: title }).count(), `${title} is listed under ${outlet}`);
  await page.screenshot({ path: screenshotPath('clip-outlet-page.png'), fullPage: true });
  await page.close();
});

test('a private address is refused with the reason, the form kept', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await logIn(page);
  await page.goto(server.base + '/admin/clip');
  await page.getByLabel("The story's address").fill('http://169.254.169.254/latest/meta-data/');
  await Promise.all([page.waitForLoadState(), page.getByRole('button', { name: 'Make a draft' }).click()]);
  await page.locator('#clip-problem').waitFor();
  assert.match(await page.locator('#clip-problem').innerText(), /^This page could not be clipped: .*link-local/);
  assert.equal(await page.getByLabel("The story's address").inputValue(), 'http://169.254.169.254/latest/meta-data/');
  await page.close();
});
