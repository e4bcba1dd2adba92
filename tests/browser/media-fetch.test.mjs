// The old blog's images brought home (issue 13): the WordPress theme unit test export, its
// image host pointed at a local server that makes a PNG for every image address, is imported
// with `--media fetch`; the gallery post then shows every picture from the blog's own origin,
// and each one loads. Nothing is downloaded from outside: the copy of the export with the
// local host is made in a temporary folder at test time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { startServer, launchBrowser, screenshotPath, fixtures, needsFixtures, root } from './harness.mjs';

let server;
let oldSite;
let browser;
let oldBase;

/** CRC-32 of a PNG chunk's type and data. */
function crc32(bytes) {
  let crc = ~0;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

/** A solid RGB PNG of width × height. */
function png(width, height, [r, g, b]) {
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0); header.writeUInt32BE(height, 4);
  header[8] = 8; header[9] = 2; // 8-bit RGB
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set([r, g, b], 1 + x * 3);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(pixels)), chunk('IEND', Buffer.alloc(0))]);
}

/** `dateline ARGS` on the server's store without blocking this process (whose event loop
 *  answers for the old site meanwhile); resolves to its standard output. */
function importing(args) {
  const binary = process.env.DATELINE_BIN ?? join(root, 'target', 'debug', 'dateline');
  const child = spawn(binary, ['--db', `sqlite:${join(server.dir, 'dateline.db')}`, ...args], { cwd: server.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${out}${err}`)))));
}

before(async () => {
  if (needsFixtures.skip) return;
  // The old blog's image host: a picture (its colour and size from the address) for every
  // image address, 404 for anything else.
  oldSite = createServer((request, response) => {
    const path = new URL(request.url, 'http://x').pathname;
    if (!/\.(jpe?g|png|gif)$/i.test(path)) {
      response.writeHead(404).end();
      return;
    }
    let hash = 0;
    for (const c of path) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
    const bytes = png(480 + (hash % 240), 320, [hash & 255, (hash >> 8) & 255, (hash >> 16) & 255]);
    response.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': bytes.length }).end(bytes);
  });
  await new Promise((resolve) => oldSite.listen(0, '127.0.0.1', resolve));
  oldBase = `http://127.0.0.1:${oldSite.address().port}`;
  server = await startServer([], '[fetch]\nallow = ["127.0.0.1"]\n');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
  oldSite?.close();
});

test('an imported gallery shows its images from the blog itself', needsFixtures, async () => {
  const original = readFileSync(join(fixtures, 'wordpress', 'themeunittestdata.wordpress.xml'), 'utf8');
  const local = original.replace(/https?:\/\/wpthemetestdata\.(files\.)?wordpress\.com/g, oldBase);
  const copy = join(server.dir, 'themeunittestdata.xml');
  writeFileSync(copy, local);
  const report = await importing(['import', 'wxr', copy, '--media', 'fetch', '--media-timeout', '10']);
  const fetched = Number(report.match(/Media from the old site: (\d+) fetched/)?.[1]);
  assert.ok(fetched >= 30, report);
  assert.match(report, /featured images set\s+[1-9]/, report);

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const posts = await (await page.request.get(server.base + '/wp-json/wp/v2/posts?search=' + encodeURIComponent('Post Format: Gallery'))).json();
  const gallery = posts.find((p) => p.title.rendered === 'Post Format: Gallery');
  assert.ok(gallery, JSON.stringify(posts.map((p) => p.title.rendered)));
  await page.goto(server.base + new URL(gallery.link).pathname);
  const images = page.locator('ul.gallery img');
  const count = await images.count();
  assert.ok(count >= 5, `the gallery shows its images (${count})`);
  await page.evaluate(() => Promise.all([...document.images].map((img) => img.decode().catch(() => {}))));
  for (let i = 0; i < count; i++) {
    const img = images.nth(i);
    const src = await img.evaluate((el) => el.currentSrc || el.src);
    assert.equal(new URL(src).origin, server.base, `${src} is served by the blog`);
    assert.match(new URL(src).pathname, /^\/media\/[0-9a-f]{64}\//);
    assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth > 0), `${src} loads`);
  }
  await page.screenshot({ path: screenshotPath('media-fetch-gallery.png'), fullPage: true });
});
