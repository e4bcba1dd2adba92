// Images in a real browser (issue 13): an author uploads a phone photo carrying a GPS position
// on the Media page, sets it as a post's featured image and publishes; the post page shows it
// with its share card, and the copy readers get has no EXIF block. An SVG is refused with the
// message shown. The photo is made in the page (a canvas JPEG) and given an EXIF APP1 segment
// by hand here: nothing is downloaded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, screenshotPath, runDateline } from './harness.mjs';

let server;
let browser;
const password = 'correct horse battery staple';
const marker = 'GPSMARK';

/** An EXIF APP1 segment: IFD0 with a GPS pointer, a GPS IFD whose processing method is the marker. */
function exifSegment() {
  const t = [];
  const u16 = (v) => t.push((v >> 8) & 255, v & 255);
  const u32 = (v) => t.push((v >>> 24) & 255, (v >> 16) & 255, (v >> 8) & 255, v & 255);
  const entry = (tag, kind, count, value) => { u16(tag); u16(kind); u32(count); u32(value); };
  t.push(...Buffer.from('MM'), 0, 42); u32(8);
  u16(1); entry(0x8825, 4, 1, 26); u32(0); // IFD0 at 8: one entry -> GPS IFD at 8 + 2 + 12 + 4
  u16(2); entry(0x0001, 2, 2, 0x4e000000); entry(0x001b, 7, marker.length, 26 + 2 + 24 + 4); u32(0);
  t.push(...Buffer.from(marker));
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'binary'), Buffer.from(t)]);
  const head = Buffer.from([0xff, 0xe1, ((body.length + 2) >> 8) & 255, (body.length + 2) & 255]);
  return Buffer.concat([head, body]);
}

before(async () => {
  server = await startServer();
  runDateline(server, ['user', 'add', 'marta', '--role', 'author', '--display-name', 'Marta Reyes'], password + '\n');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test('a photo with GPS data becomes a featured image without it', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(server.base + '/admin/login');
  await page.getByLabel('Username or email address').fill('marta');
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL(/\/admin\/$/), page.getByRole('button', { name: 'Log In' }).click()]);

  // A 1200×800 photo drawn in the page, then given the EXIF block a phone would write.
  const dataUrl = await page.evaluate(() => {
    const canvas = document.createElement('canvas');
    canvas.width = 1200; canvas.height = 800;
    const g = canvas.getContext('2d');
    const sky = g.createLinearGradient(0, 0, 0, 800);
    sky.addColorStop(0, '#f6b26b'); sky.addColorStop(1, '#3d85c6');
    g.fillStyle = sky; g.fillRect(0, 0, 1200, 800);
    g.fillStyle = '#222'; g.fillRect(200, 520, 800, 90);
    return canvas.toDataURL('image/jpeg', 0.9);
  });
  const plain = Buffer.from(dataUrl.split(',')[1], 'base64');
  const photo = Buffer.concat([plain.subarray(0, 2), exifSegment(), plain.subarray(2)]);
  assert.ok(photo.includes(marker));

  await page.getByRole('link', { name: 'Media', exact: true }).click();
  await page.setInputFiles('#media-file', { name: 'Harbour at dawn.jpg', mimeType: 'image/jpeg', buffer: photo });
  await Promise.all([page.waitForURL(/done=uploaded/), page.getByRole('button', { name: 'Upload' }).click()]);
  await page.locator('summary', { hasText: 'Edit' }).first().click();
  await page.getByLabel('Alt text').fill('Boats at the quay at dawn');
  await Promise.all([page.waitForURL(/done=saved/), page.getByRole('button', { name: 'Save' }).click()]);

  // A hostile file: refused, and the page says why.
  await page.setInputFiles('#media-file', { name: 'logo.svg', mimeType: 'image/svg+xml', buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>') });
  await page.getByRole('button', { name: 'Upload' }).click();
  await page.waitForSelector('.form-error');
  assert.match(await page.locator('.form-error').innerText(), /“logo\.svg” was not uploaded: SVG images are not accepted/);
  await page.goto(server.base + '/admin/media');
  assert.equal(await page.locator('.media-card').count(), 1, 'nothing of the SVG was kept');
  await page.screenshot({ path: screenshotPath('media-library.png'), fullPage: true });

  // The editor: the photo as the featured image, published.
  await page.goto(server.base + '/admin/posts/new');
  await page.getByLabel('Title', { exact: true }).fill('Dawn at the harbour');
  await page.getByLabel(/^Your commentary/).fill('The boats go out before the ferry.');
  await page.getByLabel('Featured image').selectOption({ label: 'harbour at dawn (harbour-at-dawn.jpg)' });
  await Promise.all([page.waitForURL(/\/admin\/posts\/\d+/), page.getByRole('button', { name: 'Publish' }).click()]);

  const posts = await (await page.request.get(server.base + '/wp-json/wp/v2/posts?search=harbour')).json();
  const link = new URL(posts[0].link).pathname;
  await page.goto(server.base + link);
  const img = page.locator('.featured-image img');
  assert.equal(await img.getAttribute('alt'), 'Boats at the quay at dawn');
  assert.equal(await img.getAttribute('width'), '1200');
  assert.equal(await img.getAttribute('height'), '800');
  assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth > 0), 'the picture loads');
  const srcset = await img.getAttribute('srcset');
  assert.match(srcset, / 320w, .* 640w, .* 1024w, .* 1200w$/);
  const ogImage = await page.locator('meta[property="og:image"]').getAttribute('content');
  assert.match(ogImage, /\/media\/[0-9a-f]{64}\/harbour-at-dawn\.jpg$/);
  assert.equal(await page.locator('meta[name="twitter:card"]').getAttribute('content'), 'summary_large_image');
  await page.screenshot({ path: screenshotPath('media-featured-post.png') });

  // Every copy readers can fetch is free of the EXIF block.
  for (const candidate of [ogImage, ...srcset.split(', ').map((s) => server.base + s.split(' ')[0])]) {
    const response = await page.request.get(candidate.startsWith('http') ? candidate.replace(/^https?:\/\/[^/]+/, server.base) : candidate);
    assert.equal(response.status(), 200, candidate);
    assert.match(response.headers()['cache-control'], /immutable/);
    const bytes = await response.body();
    assert.ok(!bytes.includes(marker) && !bytes.includes('Exif\0\0'), `${candidate} has no EXIF`);
  }

  // The home page lists the post with its thumbnail: the small copy, loaded lazily, at its size.
  await page.goto(server.base + '/');
  const thumb = page.locator('article.post .post-thumbnail').first();
  assert.match(await thumb.getAttribute('src'), /\/harbour-at-dawn-320\.jpg$/);
  assert.equal(await thumb.getAttribute('loading'), 'lazy');
  assert.equal(await thumb.getAttribute('alt'), 'Boats at the quay at dawn');
  await thumb.scrollIntoViewIfNeeded();
  await page.waitForFunction(() => { const i = document.querySelector('.post-thumbnail'); return i.complete && i.naturalWidth > 0; });
  const box = await thumb.boundingBox();
  assert.ok(box.width > 100 && box.width <= 200, `a thumbnail beside the title, ${box.width} px wide`);
  assert.ok(Math.abs(box.width / box.height - 1.5) < 0.05, 'drawn in the photo\'s proportions');
  await page.screenshot({ path: screenshotPath('home-thumbnails.png') });
});

test('an image pasted or dropped into the commentary is uploaded and shown in the post', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(server.base + '/admin/login');
  await page.getByLabel('Username or email address').fill('marta');
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL(/\/admin\/$/), page.getByRole('button', { name: 'Log In' }).click()]);
  await page.goto(server.base + '/admin/posts/new');
  await page.getByLabel('Title', { exact: true }).fill('Pasted pictures');
  const body = page.getByLabel(/^Your commentary/);
  await body.fill('Before. ');

  // A screenshot on the clipboard is a PNG File in the paste event's DataTransfer.
  const pngOf = (colour, width, height) => page.evaluate(async ([colour, width, height]) => {
    const canvas = document.createElement('canvas');
    canvas.width = width; canvas.height = height;
    const g = canvas.getContext('2d');
    g.fillStyle = colour; g.fillRect(0, 0, width, height);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
    window.__png = new File([blob], 'image.png', { type: 'image/png' });
  }, [colour, width, height]);
  await pngOf('#3d85c6', 900, 450);
  await body.evaluate((el) => {
    const data = new DataTransfer();
    data.items.add(window.__png);
    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  });
  // 900 px wide: pages use the original (a copy is made for wider than 1600 px only).
  await page.waitForFunction(() => /!\[\]\(\/media\/[0-9a-f]{64}\/image\.png\)/.test(document.getElementById('body').value));
  assert.match(await page.locator('#upload-status').innerText(), /Uploaded image\.png/);
  // The cursor waits where the alt text goes: typing fills it in.
  await page.keyboard.type('Blue sky');
  let text = await body.inputValue();
  assert.match(text, /^Before\. !\[Blue sky\]\(\/media\/[0-9a-f]{64}\/image(-\d+)?\.png\)$/, text);

  // Dropped onto the textarea: the same upload, at the cursor.
  await body.evaluate((el) => el.setSelectionRange(el.value.length, el.value.length));
  await pngOf('#e06666', 400, 300);
  await body.evaluate((el) => {
    const data = new DataTransfer();
    data.items.add(new File([window.__png], 'dropped.png', { type: 'image/png' }));
    el.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
    el.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  });
  await page.waitForFunction(() => /dropped\.png\)/.test(document.getElementById('body').value));
  text = await body.inputValue();
  assert.equal((text.match(/!\[[^\]]*\]\(\/media\//g) || []).length, 2, text);
  assert.ok(!text.includes('uploading'), text);
  // The live preview shows both.
  await page.waitForFunction(() => document.querySelectorAll('#preview img').length === 2);
  await page.screenshot({ path: screenshotPath('editor-pasted-image.png') });

  await Promise.all([page.waitForURL(/\/admin\/posts\/\d+/), page.getByRole('button', { name: 'Publish' }).click()]);
  const posts = await (await page.request.get(server.base + '/wp-json/wp/v2/posts?search=pasted')).json();
  await page.goto(server.base + new URL(posts[0].link).pathname);
  const images = page.locator('.post-content img');
  assert.equal(await images.count(), 2);
  assert.equal(await images.first().getAttribute('alt'), 'Blue sky');
  for (const img of await images.all()) {
    assert.match(await img.getAttribute('src'), /^\/media\/[0-9a-f]{64}\/(image|dropped)(-\d+)?\.png$/);
    assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth > 0), 'the picture loads');
  }
  // Both are in the library.
  const library = await (await page.request.get(server.base + '/wp-json/wp/v2/media?per_page=100')).json();
  const names = library.map((m) => m.source_url.split('/').pop());
  assert.ok(names.includes('image.png') && names.includes('dropped.png'), names.join(', '));
});
