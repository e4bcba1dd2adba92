// Writers and moderators in a real browser: log in, write and publish a link post with the
// live preview, and moderate a held comment from the queue.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, screenshotPath, runDateline } from './harness.mjs';

let server;
let browser;
const password = 'correct horse battery staple';

before(async () => {
  server = await startServer(['--demo'], '[discussion]\nmin_submit_seconds = 0\n');
  runDateline(server, ['user', 'add', 'marta', '--role', 'editor', '--display-name', 'Marta Reyes'], password + '\n');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

async function logIn(page) {
  await page.goto(server.base + '/admin/');
  assert.match(page.url(), /\/admin\/login\?redirect_to=/);
  await page.getByLabel('Username or email address').fill('marta');
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL(/\/admin\/$/), page.getByRole('button', { name: 'Log In' }).click()]);
  assert.equal(await page.locator('h1').innerText(), 'Dashboard');
}

test('an editor writes and publishes a link post', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await logIn(page);
  await page.getByRole('link', { name: 'Posts', exact: true }).click();
  await page.getByRole('link', { name: 'Add new' }).click();
  await page.getByLabel('Title', { exact: true }).fill('Harbor council delays the ferry vote');
  await page.getByLabel(/^Dek/).fill('Another month of waiting for riders on the east side.');
  await page.getByLabel('Source link', { exact: true }).fill('https://example.com/harbor/ferry-vote');
  await page.getByLabel('Reporter', { exact: true }).fill('Ada Lin');
  await page.getByLabel('Outlet', { exact: true }).fill('The Harbor Ledger');
  await page.getByLabel('Source headline', { exact: true }).fill('Council pushes ferry vote to March');
  await page.getByLabel(/^Excerpt/).fill('The council voted 5–4 on Tuesday to delay the decision.\n\nRiders had asked for a vote this month.');
  await page.getByLabel(/^Your commentary/).fill('This is the *third* delay this year.');
  // The live preview renders the Markdown as the post will show it.
  await page.locator('#preview em').waitFor();
  assert.equal(await page.locator('#preview em').innerText(), 'third');
  await page.getByLabel('Tags (separated by commas)').fill('ferries, council');
  // A future date turns Publish into Schedule; taking it back turns it back.
  const date = page.getByLabel(/^Publish at/);
  const before = await date.inputValue();
  await date.fill('2031-03-04T09:30');
  assert.equal(await page.locator('button[name=action][value=publish]').innerText(), 'Schedule');
  await date.fill(before);
  assert.equal(await page.locator('button[name=action][value=publish]').innerText(), 'Publish');
  await page.screenshot({ path: screenshotPath('admin-editor.png'), fullPage: true });
  await Promise.all([page.waitForURL(/\/admin\/posts\/\d+\?saved=1$/), page.getByRole('button', { name: 'Publish' }).click()]);
  assert.equal(await page.locator('.notice').innerText(), 'Published.');

  await page.getByRole('link', { name: 'View post' }).click();
  assert.equal(await page.locator('h1').innerText(), 'Harbor council delays the ferry vote');
  assert.equal(await page.locator('.attribution').innerText(), 'Ada Lin reports via The Harbor Ledger:');
  assert.equal(await page.locator('.attribution a:not(.reporter)').getAttribute('href'), 'https://example.com/harbor/ferry-vote');
  assert.equal(await page.locator('blockquote .source-headline').innerText(), 'Council pushes ferry vote to March');
  // The two excerpt paragraphs typed with a blank line between stay two.
  assert.deepEqual(await page.locator('blockquote.excerpt > p:not(.source-headline)').allInnerTexts(), ['The council voted 5–4 on Tuesday to delay the decision.', 'Riders had asked for a vote this month.']);
  assert.equal(await page.locator('.commentary em').innerText(), 'third');
  assert.match(await page.locator('.post-meta').innerText(), /by Marta Reyes/);

  // Signed in, she answers under her own post as herself: no name or email asked, shown at
  // once, marked as the author's.
  assert.match(await page.locator('.logged-in-as').innerText(), /^Logged in as Marta Reyes\./);
  assert.equal(await page.locator('#commentform input[name=author]').count(), 0);
  await page.getByRole('textbox', { name: 'Comment', exact: true }).fill('Update: the vote is now set for March 4.');
  await Promise.all([page.waitForURL(/#comment-\d+$/), page.getByRole('button', { name: 'Post Comment' }).click()]);
  const own = page.locator('li.bypostauthor');
  assert.equal(await own.locator('.comment-content').innerText(), 'Update: the vote is now set for March 4.');
  assert.match(await own.locator('.comment-author').innerText(), /^Marta Reyes\s+Author$/i);
  await page.locator('#comments').screenshot({ path: screenshotPath('author-comment.png') });
  await page.close();
});

test('a moderator approves a held comment from the queue', async () => {
  // A reader's first comment is held (WordPress's default).
  const reader = await browser.newPage();
  await reader.goto(server.base + '/');
  await reader.locator('article:not(.sticky) h2 a').first().click();
  const postUrl = reader.url();
  await reader.getByRole('textbox', { name: 'Comment', exact: true }).fill('First time here: thanks for the link.');
  await reader.getByRole('textbox', { name: 'Name', exact: true }).fill('Quinn Reader');
  await reader.getByRole('textbox', { name: 'Email', exact: true }).fill('quinn@example.org');
  await Promise.all([reader.waitForURL(/unapproved=/), reader.getByRole('button', { name: 'Post Comment' }).click()]);
  await reader.close();

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await logIn(page);
  await page.getByRole('link', { name: /^Comments/ }).click();
  const row = page.locator('tr', { hasText: 'Quinn Reader' });
  assert.match(await row.locator('td.reason').innerText(), /first comment from this commenter/);
  await page.screenshot({ path: screenshotPath('admin-moderation.png'), fullPage: true });
  await Promise.all([page.waitForURL(/\/admin\/comments\?status=pending$/), row.getByRole('button', { name: 'Approve' }).click()]);
  assert.equal(await page.locator('tr', { hasText: 'Quinn Reader' }).count(), 0);

  await page.goto(postUrl);
  assert.equal(await page.locator('.comment', { hasText: 'Quinn Reader' }).locator('.comment-content').innerText(), 'First time here: thanks for the link.');

  // Trashed by mistake, then restored: back on the page, where it was, not back in the queue.
  await page.goto(server.base + '/admin/comments?status=approved');
  await Promise.all([page.waitForURL(/status=approved$/), page.locator('tr', { hasText: 'Quinn Reader' }).getByRole('button', { name: 'Trash' }).click()]);
  await page.goto(postUrl);
  assert.equal(await page.locator('.comment', { hasText: 'Quinn Reader' }).count(), 0);
  await page.goto(server.base + '/admin/comments?status=trash');
  await Promise.all([page.waitForURL(/status=trash$/), page.locator('tr', { hasText: 'Quinn Reader' }).getByRole('button', { name: 'Restore' }).click()]);
  assert.equal(await page.locator('tr', { hasText: 'Quinn Reader' }).count(), 0);
  await page.goto(postUrl);
  assert.equal(await page.locator('.comment', { hasText: 'Quinn Reader' }).locator('.comment-content').innerText(), 'First time here: thanks for the link.');
  await page.close();
});

test('a wrong password says so and keeps the login', async () => {
  const page = await browser.newPage();
  await page.goto(server.base + '/admin/login');
  await page.getByLabel('Username or email address').fill('marta');
  await page.getByLabel('Password').fill('not it');
  await page.getByRole('button', { name: 'Log In' }).click();
  assert.equal(await page.locator('#login-error').innerText(), 'The username or password is not right.');
  assert.equal(await page.getByLabel('Username or email address').inputValue(), 'marta');
  await page.close();
});

test('the admin fits a phone screen, menu included', async () => {
  const page = await browser.newPage({ viewport: { width: 375, height: 740 } });
  await logIn(page);
  for (const path of ['/admin/', '/admin/posts', '/admin/posts/new', '/admin/comments']) {
    await page.goto(server.base + path);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${path} scrolls sideways by ${overflow}px`);
  }
  // The queue's column names stay for screen readers when the table is stacked.
  await page.goto(server.base + '/admin/comments?status=approved');
  assert.ok((await page.getByRole('columnheader').count()) > 0, 'column headers in the accessibility tree');
  await page.close();
});
