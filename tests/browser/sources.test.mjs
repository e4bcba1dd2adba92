// Keeping sources alive in a real browser (issue 10): three posts quote stories on a local
// news site (allowed through `[fetch] allow`) that answers 200, moves one story for good (301)
// and has lost another (404); `dateline sources check`, run twice, finds them ok, moved and
// gone. An editor reads the Sources report, filters it, and updates the moved link; a reader
// of the lost story's post is told it is gone and led to the archived copy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { startServer, launchBrowser, screenshotPath, runDateline } from './harness.mjs';

let server;
let browser;
let news;
let newsBase;
const password = 'correct horse battery staple';
const archive = 'https://web.archive.org/web/2024/https://news.example/lost';
const permalinks = {};

function post(title, url, extra = {}) {
  const json = { title, body: `Our take on ${title}.`, published_at: '2024-03-05T12:00:00Z', source: { outlet: 'Local News', url, headline: title, excerpt: ['A quoted paragraph.'], ...extra } };
  const [, permalink] = runDateline(server, ['post', 'new', '--json', '-'], JSON.stringify(json)).trim().split('\t');
  permalinks[title] = new URL(permalink, 'http://unused').pathname; // printed relative without a base_url
}

// The news site runs in a process of its own: `runDateline` waits synchronously, which would
// leave a server in this process unable to answer the checks.
const newsSite = `
  const server = require('node:http').createServer((request, response) => {
    if (request.url === '/ok' || request.url === '/new') response.writeHead(200, { 'content-type': 'text/html' }).end('<p>Story</p>');
    else if (request.url === '/old') response.writeHead(301, { location: '/new' }).end();
    else response.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;

before(async () => {
  news = spawn(process.execPath, ['-e', newsSite], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve) => createInterface({ input: news.stdout }).once('line', resolve));
  newsBase = `http://127.0.0.1:${port.trim()}`;
  server = await startServer([], '[fetch]\nallow = ["127.0.0.1"]\n\n[sources]\ncheck_every = "off"\nhost_delay_ms = 0\ntimeout_seconds = 2\n');
  runDateline(server, ['user', 'add', 'marta', '--role', 'editor', '--display-name', 'Marta Reyes'], password + '\n');
  post('The council story', `${newsBase}/ok`);
  post('The ferry story', `${newsBase}/old`);
  post('The harbor story', `${newsBase}/lost`, { archive_url: archive });
  // A missing story is gone on the second check in a row.
  assert.match(runDateline(server, ['sources', 'check']), /^checked 3 sources: 1 ok, 1 moved, 1 unreachable/);
  assert.match(runDateline(server, ['sources', 'check']), /^checked 3 sources: 1 ok, 1 moved, 1 gone/);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
  news?.kill();
});

test('an editor reads the Sources report, filters it and updates the moved link', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(server.base + '/admin/login');
  await page.getByLabel('Username or email address').fill('marta');
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL(/\/admin\/$/), page.getByRole('button', { name: 'Log In' }).click()]);

  await page.getByRole('link', { name: 'Sources', exact: true }).click();
  assert.equal(await page.locator('h1').innerText(), 'Sources');
  const filter = page.getByRole('navigation', { name: 'Source state' });
  assert.deepEqual(await filter.locator('li').allInnerTexts(), ['All (3)', 'Not checked yet (0)', 'OK (1)', 'Moved (1)', 'Gone (1)', 'Unreachable (0)']);
  assert.equal(await page.locator('tr.source-moved .final-url').innerText(), `${newsBase}/new`);
  assert.match(await page.locator('tr.source-gone').innerText(), /The harbor story/);
  await page.screenshot({ path: screenshotPath('sources-report.png'), fullPage: true });

  await filter.getByRole('link', { name: /^Gone/ }).click();
  assert.match(page.url(), /\?state=gone$/);
  assert.equal(await page.locator('.sources-table tbody tr').count(), 1);
  assert.deepEqual(await page.locator('.citing a').allInnerTexts(), ['The harbor story']);

  await filter.getByRole('link', { name: /^All/ }).click();
  await Promise.all([page.waitForURL(/updated=1$/), page.getByRole('button', { name: 'Update moved links' }).click()]);
  assert.equal(await page.locator('.notice').innerText(), "1 post now links to its source's new address.");
  assert.deepEqual(await filter.locator('li').allInnerTexts(), ['All (3)', 'Not checked yet (0)', 'OK (2)', 'Moved (0)', 'Gone (1)', 'Unreachable (0)']);
  await page.close();
});

test('a reader of a post whose source is gone is told so and led to the archived copy', async () => {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  await page.goto(server.base + permalinks['The harbor story']);
  assert.equal(await page.locator('.source-gone').innerText(), 'The source is no longer available; quoted on March 5, 2024.');
  assert.equal(await page.locator('.continue-reading a').getAttribute('href'), archive);
  await page.locator('.source').screenshot({ path: screenshotPath('source-gone.png') });
  // The moved story's post now links to where the story lives.
  await page.goto(server.base + permalinks['The ferry story']);
  assert.equal(await page.locator('.continue-reading a').getAttribute('href'), `${newsBase}/new`);
  assert.equal(await page.locator('.source-gone').count(), 0);
  await page.close();
});
