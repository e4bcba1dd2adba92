// A reader comments and replies through the form, in a real browser, without JavaScript
// help from the page: the form posts, the server redirects, the comment is there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, needsFixtures, screenshotPath } from './harness.mjs';

let open;   // a demo blog whose discussion approves first comments
let strict; // the demo blog with WordPress's default: first comments wait for a moderator
let browser;

before(async () => {
  open = await startServer(['--demo'], '[discussion]\nrequire_prior_approval = false\nmin_submit_seconds = 0\n');
  strict = await startServer(['--demo'], '[discussion]\nmin_submit_seconds = 0\n');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  open?.stop();
  strict?.stop();
});

/** Opens the newest post (its comments are open: the demo closes only posts older than 14 days). */
async function newestPost(page, server) {
  await page.goto(server.base + '/');
  await page.locator('article:not(.sticky) h2 a').first().click();
  await page.locator('form#commentform').waitFor();
}

test('a reader posts a comment and a reply and sees both', async () => {
  const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  await newestPost(page, open);
  const title = await page.locator('h1').innerText();

  await page.getByRole('textbox', { name: 'Comment', exact: true }).fill('Good catch — the *original* report is worth reading in full.');
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Rosa Lind');
  await page.getByRole('textbox', { name: 'Email', exact: true }).fill('rosa@example.org');
  await Promise.all([page.waitForURL(/#comment-\d+$/), page.getByRole('button', { name: 'Post Comment' }).click()]);
  const id = page.url().split('#comment-')[1];
  const comment = page.locator(`#comment-${id}`);
  assert.equal(await comment.locator('.comment-author').innerText(), 'Rosa Lind');
  assert.equal(await comment.locator('.comment-content').innerText(), 'Good catch — the original report is worth reading in full.');
  assert.equal(await comment.locator('.comment-content em').innerText(), 'original');
  assert.match(await page.locator('.comments-title').innerText(), new RegExp(`^\\d+ thoughts? on “${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}”$`));

  // Reply without JavaScript: the Reply link reloads the page with the form set to reply.
  await comment.locator('.comment-reply-link').click();
  assert.match(await page.locator('#reply-title').innerText(), /^Reply to Rosa Lind/);
  await page.getByRole('textbox', { name: 'Comment', exact: true }).fill('Agreed, and the follow-up piece adds more.');
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Sam Ortiz');
  await page.getByRole('textbox', { name: 'Email', exact: true }).fill('sam@example.org');
  await Promise.all([page.waitForURL(/#comment-\d+$/), page.getByRole('button', { name: 'Post Comment' }).click()]);
  const replyId = page.url().split('#comment-')[1];
  const reply = page.locator(`#comment-${id} > ol.children > li#comment-${replyId}`);
  assert.equal(await reply.locator('.comment-content').innerText(), 'Agreed, and the follow-up piece adds more.');
  assert.ok(await reply.isVisible());
  await page.locator('#comments').screenshot({ path: screenshotPath('comment-and-reply.png') });
  await page.close();
});

test('a mistake keeps what the reader typed and says what is wrong', async () => {
  const page = await browser.newPage();
  await newestPost(page, open);
  await page.getByRole('textbox', { name: 'Comment', exact: true }).fill('A long, careful comment I do not want to lose.');
  await page.getByRole('textbox', { name: 'Email', exact: true }).fill('nobody@example.org');
  await page.getByRole('button', { name: 'Post Comment' }).click();
  await page.locator('#comment-error').waitFor();
  assert.equal(await page.locator('#comment-error').innerText(), 'Please give your name.');
  assert.equal(await page.getByRole('textbox', { name: 'Comment', exact: true }).inputValue(), 'A long, careful comment I do not want to lose.');
  assert.equal(await page.getByRole('textbox', { name: 'Email', exact: true }).inputValue(), 'nobody@example.org');
  assert.equal(await page.getByRole('textbox', { name: 'Name', exact: true }).getAttribute('aria-invalid'), 'true');
  await page.close();
});

test('a first comment waits for moderation and its author sees it marked so', async () => {
  const page = await browser.newPage();
  await newestPost(page, strict);
  await page.getByRole('textbox', { name: 'Comment', exact: true }).fill('My very first comment here.');
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('New Reader');
  await page.getByRole('textbox', { name: 'Email', exact: true }).fill('new@example.org');
  await Promise.all([page.waitForURL(/unapproved=\d+/), page.getByRole('button', { name: 'Post Comment' }).click()]);
  const held = page.locator('li.awaiting-moderation');
  assert.equal(await held.locator('.comment-awaiting-moderation').innerText(),
    'Your comment is awaiting moderation. Only you can see it until it is approved.');
  // Someone else (a fresh browser context) does not see it.
  const other = await browser.newPage();
  await other.goto(page.url().split('?')[0]);
  assert.equal(await other.locator('li.awaiting-moderation').count(), 0);
  await other.close();
  await page.close();
});

test('the seed post is closed by age in the demo', needsFixtures, async () => {
  const page = await browser.newPage();
  await page.goto(open.base + '/2022/05/20/as-biden-tries-to-cozy-up-to-communist-cuba-the-castro-dictatorship-strengthens-its-ties-with-russia/');
  assert.equal(await page.locator('.comments-closed').innerText(), 'Comments are closed.');
  assert.equal(await page.locator('form#commentform').count(), 0);
  await page.close();
});

test('a comment with a long line of code scrolls inside itself on a phone', async () => {
  const page = await browser.newPage({ viewport: { width: 375, height: 740 } });
  await newestPost(page, open);
  const code = 'curl -s "https://example.org/api/v1/very/long/path?with=a&great=many&query=parameters&that=never&wrap=anywhere"';
  await page.getByRole('textbox', { name: 'Comment', exact: true }).fill('Reproduce it with:\n\n```\n' + code + ' | jq .\n```');
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Ada Byte');
  await page.getByRole('textbox', { name: 'Email', exact: true }).fill('ada@example.org');
  await Promise.all([page.waitForURL(/#comment-\d+$/), page.getByRole('button', { name: 'Post Comment' }).click()]);
  const id = page.url().split('#comment-')[1];
  assert.match(await page.locator(`#comment-${id} pre`).innerText(), /^curl -s/);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
  await page.close();
});
