// Embeds, privacy first (issue 13), in a real browser: a post written with `dateline post new`
// whose Markdown has a YouTube link alone on its line shows a static card (the title and author
// the provider's oEmbed endpoint gave when the post was saved, a thumbnail served by the blog)
// and the browser asks no third-party host for anything; a click swaps in the player, framed
// from youtube-nocookie. The provider is a local server (`[embeds] endpoints`, allowed through
// `[fetch] allow`); every request to another host is recorded and answered by a local stub.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { crc32, deflateSync } from 'node:zlib';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startServer, launchBrowser, screenshotPath } from './harness.mjs';

const VIDEO = 'https://www.youtube.com/watch?v=dQw4w9WgXcQ';
let server;
let browser;
let provider;
const asked = [];

/** A 480×270 PNG: a dark blue gradient, as a video still might be. */
function thumbnailPng() {
  const [width, height] = [480, 270];
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) row.set([20 + (x * 60) / width, 40 + (y * 80) / height, 90 + (x * 120) / width], 1 + x * 3);
    rows.push(row);
  }
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** `dateline ARGS` on the server's store, not blocking this process (whose provider must answer). */
function dateline(args, input) {
  const binary = process.env.DATELINE_BIN ?? join(import.meta.dirname, '..', '..', 'target', 'debug', 'dateline');
  const child = spawn(binary, ['--db', `sqlite:${join(server.dir, 'dateline.db')}`, ...args], { cwd: server.dir });
  let [out, err] = ['', ''];
  child.stdout.on('data', (chunk) => { out += chunk; });
  child.stderr.on('data', (chunk) => { err += chunk; });
  child.stdin.end(input);
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`dateline ${args.join(' ')}: ${err}`)))));
}

before(async () => {
  const png = thumbnailPng();
  provider = createServer((request, response) => {
    asked.push(request.url);
    const base = `http://127.0.0.1:${provider.address().port}`;
    if (request.url.startsWith('/oembed?')) {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        type: 'video', version: '1.0', provider_name: 'YouTube',
        title: 'Never Gonna Give You Up (Official Video)', author_name: 'Rick Astley',
        author_url: 'https://www.youtube.com/@RickAstleyYT', thumbnail_url: `${base}/thumb.png`,
        html: '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe>',
      }));
    } else if (request.url === '/thumb.png') {
      response.writeHead(200, { 'content-type': 'image/png' }).end(png);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => provider.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${provider.address().port}/oembed`;
  server = await startServer([], `[fetch]\nallow = ["127.0.0.1"]\n\n[embeds]\nendpoints = { youtube = "${endpoint}" }\n`);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
  provider?.close();
});

test('a YouTube link alone on its line is a card until clicked, then a youtube-nocookie player', async () => {
  const post = {
    title: 'The video everyone is talking about',
    body: `Our take: it holds up.\n\n${VIDEO}\n\nWatch it before reading the comments.`,
    status: 'published',
    published_at: '2026-01-05T10:00:00Z',
    comment_status: 'closed',
  };
  const printed = await dateline(['post', 'new', '--json', '-'], JSON.stringify(post));
  const path = new URL(printed.trim().split('\t')[1], server.base).pathname;
  assert.deepEqual(asked.map((url) => url.split('?')[0]), ['/oembed', '/thumb.png'], 'asked once, when the post was saved');

  const page = await browser.newPage({ viewport: { width: 1100, height: 1000 } });
  const thirdParty = [];
  // Anything not on this machine is recorded, and answered by a stub (never the real site).
  await page.route((url) => url.hostname !== '127.0.0.1', (route) => {
    thirdParty.push(route.request().url());
    route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>player stub</title><body style="background:#000;color:#fff">player</body>' });
  });
  await page.goto(server.base + path);
  const card = page.locator('figure.embed-youtube');
  await card.waitFor();
  assert.equal(await card.locator('.embed-title').innerText(), 'Never Gonna Give You Up (Official Video)');
  assert.equal(await card.locator('.embed-author').innerText(), 'Rick Astley');
  const thumbnail = card.locator('img.embed-thumbnail');
  assert.match(await thumbnail.getAttribute('src'), /^\/media\/[0-9a-f]{64}\/youtube-thumbnail\.png$/, 'kept in the media library');
  const shown = await thumbnail.evaluate(async (img) => {
    await img.decode();
    return { width: img.naturalWidth, src: img.currentSrc };
  });
  assert.ok(shown.width > 0, 'the thumbnail is shown');
  // A wide window takes the widest copy (the 480 px original), from the blog.
  assert.equal(shown.src, server.base + (await thumbnail.getAttribute('src')));
  assert.equal(await card.locator('a.embed-link').getAttribute('href'), VIDEO, 'without JavaScript, a link to the video');
  await page.waitForLoadState('networkidle');
  assert.deepEqual(thirdParty, [], 'no third-party request before the click');
  await page.screenshot({ path: screenshotPath('embed-card.png'), fullPage: true });

  await card.getByText('Play').click();
  const frame = card.locator('iframe.embed-player');
  await frame.waitFor();
  assert.equal(await frame.getAttribute('src'), 'https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1');
  await page.waitForLoadState('networkidle');
  assert.ok(thirdParty.length > 0, 'the click loads the player');
  assert.ok(thirdParty.every((url) => url.startsWith('https://www.youtube-nocookie.com/')), thirdParty.join('\n'));
  assert.equal(await card.locator('a.embed-link').count(), 0, 'the card gave way to the player');
  await page.screenshot({ path: screenshotPath('embed-playing.png'), fullPage: true });
  await page.close();
});
