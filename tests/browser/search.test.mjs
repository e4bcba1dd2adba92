// A reader searches on a phone-sized screen: from the header, with accents typed or not,
// sees the words found marked in each result's snippet, and pages through the results.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, screenshotPath, runDateline } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer(['--demo']);
  // A post with the names a Latin America blog lives on, written as their owners write them.
  const post = {
    title: 'Díaz-Canel meets São Paulo’s mayor',
    dek: 'Miguel Díaz-Canel wants Brazilian investors; São Paulo wants Cuban doctors.',
    body: 'The meeting in São Paulo lasted two hours. Afterwards Díaz-Canel spoke of “old friends”.',
    published_at: '2026-11-28T10:00:00Z',
    source: { reporter: 'Nora Gámez Torres', outlet: 'Miami Herald', url: 'https://example.com/story' },
  };
  runDateline(server, ['post', 'new', '--json', '-'], JSON.stringify(post));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test('a reader on a phone searches without accents and sees the words marked', async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  await page.goto(server.base + '/');
  const box = page.locator('#site-search');
  assert.ok(await box.isVisible(), 'the header search is on a phone screen');
  await box.fill('diaz canel');
  await Promise.all([page.waitForURL(/\?s=diaz\+canel$/), box.press('Enter')]);
  assert.equal(await page.locator('h1').innerText(), 'Search results for “diaz canel”');
  // One result, or two where the demo has the seed post (which names him too) beside it.
  assert.match(await page.locator('.search-count').innerText(), /^(1 result|2 results)$/);
  const result = page.locator('.search-result').first();
  assert.equal(await result.locator('h2').innerText(), 'Díaz-Canel meets São Paulo’s mayor');
  assert.deepEqual(await result.locator('mark').allInnerTexts(), ['Díaz', 'Canel']);
  assert.match(await result.locator('.post-meta').innerText(), /Nora Gámez Torres reports via Miami Herald/);
  // Nothing sticks out of a phone's width.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
  await page.screenshot({ path: screenshotPath('search-phone.png'), fullPage: true });

  // The reporter's name with its accent finds the post too; the result opens it.
  await page.locator('#search-page-words').fill('GÁMEZ');
  await Promise.all([page.waitForURL(/\?s=/), page.locator('#search-page-words').press('Enter')]);
  const ours = page.locator('.search-result h2 a', { hasText: 'São Paulo’s mayor' });
  await Promise.all([page.waitForURL(/\/2026\/11\/28\//), ours.click()]);
  assert.equal(await page.locator('h1').innerText(), 'Díaz-Canel meets São Paulo’s mayor');
});

test('a reader pages through many results, best first or newest first', async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  await page.goto(server.base + '/?s=the');
  const count = Number((await page.locator('.search-count').innerText()).split(' ')[0]);
  assert.ok(count > 10, `a common word finds most posts (${count})`);
  assert.equal(await page.locator('.search-result').count(), 10);
  const firstPage = await page.locator('.search-result h2').allInnerTexts();
  await Promise.all([page.waitForURL(/\/page\/2\/\?s=the$/), page.getByRole('link', { name: 'More results →' }).click()]);
  assert.match(await page.locator('.page-number').innerText(), /^Page 2 of \d+$/);
  const secondPage = await page.locator('.search-result h2').allInnerTexts();
  assert.ok(secondPage.length > 0 && secondPage.every((t) => !firstPage.includes(t)), 'page 2 goes on where page 1 stopped');
  await Promise.all([page.waitForURL(/\/\?s=the$/), page.getByRole('link', { name: '← Previous results' }).click()]);

  await Promise.all([page.waitForURL(/orderby=date/), page.getByRole('link', { name: 'newest' }).click()]);
  const dates = await page.locator('.search-result time').evaluateAll((times) => times.map((t) => t.getAttribute('datetime')));
  assert.deepEqual(dates, [...dates].sort().reverse(), 'newest first');
  await page.screenshot({ path: screenshotPath('search-newest.png'), fullPage: true });
});

test('an empty search explains how to search', async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  await page.goto(server.base + '/');
  await Promise.all([page.waitForURL(/\?s=$/), page.locator('#site-search').press('Enter')]);
  assert.equal(await page.locator('h1').innerText(), 'Search');
  assert.match(await page.locator('.search-hint').innerText(), /diaz canel/);
});
