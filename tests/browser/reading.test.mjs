// What a reader sees of the seed post and the demo blog, in a real browser.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launchBrowser, fixtures, needsFixtures, screenshotPath } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer(['--demo']);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

async function seedUrl(page) {
  // Follow /?p=ID links from the home page's archive until the seed post is found.
  for (let id = 1; id <= 40; id++) {
    const response = await page.goto(`${server.base}/?p=${id}`);
    if (response.ok() && page.url().includes('as-biden-tries-to-cozy-up')) return page.url();
  }
  throw new Error('seed post not found');
}

test('the seed post reads like the seed page', needsFixtures, async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const url = await seedUrl(page);
  const seed = JSON.parse(readFileSync(join(fixtures, 'seed', 'post.json'), 'utf8'));
  assert.equal(await page.title(), `${seed.title} – The Daily Clip`);
  assert.equal(await page.locator('h1').innerText(), seed.title);
  assert.ok(await page.locator('.dek').isVisible());

  // Every line of page.txt is visible text on the page, in order.
  const visible = (await page.locator('main').innerText()).replace(/\s+/g, ' ');
  const lines = readFileSync(join(fixtures, 'seed', 'page.txt'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  let from = 0;
  for (const line of lines) {
    const wanted = line.replace(/^1\.\s+/, '').replace(/\s+/g, ' ');
    const at = visible.indexOf(wanted, from);
    assert.ok(at >= 0, `not visible in order: ${wanted}`);
    from = at + wanted.length;
  }
  // The comment is item 1 of a numbered list, as on the seed page.
  assert.equal(await page.locator('ol.comment-list > li').count(), 1);
  assert.equal(await page.locator('ol.comment-list').evaluate((ol) => getComputedStyle(ol).listStyleType), 'decimal');
  assert.equal(await page.locator('form#commentform').count(), 0, 'no comment form on a closed post');

  // The theme's stylesheet is applied: the excerpt is set off as a quotation.
  const border = await page.locator('blockquote.excerpt').evaluate((el) => getComputedStyle(el).borderLeftStyle);
  assert.equal(border, 'solid');
  await page.screenshot({ path: screenshotPath('seed-post.png'), fullPage: true });
  await page.close();
});

test('pages fit a phone screen and follow the dark colour scheme', async () => {
  const page = await browser.newPage({ viewport: { width: 375, height: 740 }, colorScheme: 'dark' });
  await page.goto(server.base + '/');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `horizontal overflow of ${overflow}px on a phone`);
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(background, 'rgb(22, 23, 26)');
  assert.ok(await page.locator('article').first().isVisible());
  await page.screenshot({ path: screenshotPath('home-phone-dark.png') });
  await page.close();
});

test('archives paginate and unknown pages say so', async () => {
  const page = await browser.newPage();
  await page.goto(server.base + '/');
  await page.locator('a.older').click();
  assert.match(page.url(), /\/page\/2\/$/);
  assert.match(await page.locator('.page-number').innerText(), /^Page 2 of \d+$/);
  const response = await page.goto(server.base + '/no-such-page/');
  assert.equal(response.status(), 404);
  assert.equal(await page.locator('h1').innerText(), 'Page not found');
  await page.close();
});
