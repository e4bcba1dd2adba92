// The WordPress REST API through a real WordPress client: `wpapi` (node-wpapi, from npm) finds
// the API from the blog's address alone, reads, filters, and writes terms as WordPress sites
// let it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WPAPI from 'wpapi';
import { startServer, runDateline } from './harness.mjs';

let server;
let credentials;

before(async () => {
  server = await startServer(['--demo']);
  runDateline(server, ['user', 'add', 'marta', '--role', 'editor', '--email', 'marta@example.org'], 'correct horse battery staple\n');
  const printed = runDateline(server, ['user', 'app-password', 'marta', 'wpapi tests']);
  const password = printed.match(/: ([A-Za-z0-9 ]+)\n/)[1];
  credentials = { username: 'marta', password };
});

after(() => server?.stop());

test('WPAPI.discover() finds the API from the blog address and reads posts', async () => {
  const site = await WPAPI.discover(server.base + '/');
  const posts = await site.posts().perPage(5).get();
  assert.equal(posts.length, 5);
  assert.ok(posts._paging.total > 5, 'pagination headers are read');
  assert.ok(posts[0].title.rendered.length > 0);
  const second = await posts._paging.next.get();
  assert.equal(second.length, 5);
  assert.notEqual(second[0].id, posts[0].id);
});

test('filters by slug and excludes terms, or is refused', async () => {
  const site = await WPAPI.discover(server.base + '/');
  const all = await site.tags().perPage(100).get();
  assert.ok(all.length > 1);
  const wanted = all[1];
  const bySlug = await site.tags().slug(wanted.slug).get();
  assert.deepEqual(bySlug.map((t) => t.id), [wanted.id], 'only the tag with that slug');
  const categories = await site.categories().perPage(100).get();
  const used = categories.find((c) => c.count > 0);
  const excluded = await site.posts().perPage(100).param('categories_exclude', used.id).get();
  assert.ok(excluded.every((p) => !p.categories.includes(used.id)));
  const withIt = await site.posts().perPage(100).categories(used.id).get();
  assert.ok(withIt.length > 0 && withIt.every((p) => p.categories.includes(used.id)));
  await assert.rejects(site.posts().param('meta_key', 'x').get(), (err) => err.code === 'rest_invalid_param');
});

test('an editor creates, renames and deletes a category over the API', async () => {
  const site = (await WPAPI.discover(server.base + '/')).auth(credentials);
  const me = await site.users().me().param('context', 'edit').get();
  assert.equal(me.email, 'marta@example.org');
  assert.equal(me.capabilities.manage_categories, true);
  assert.deepEqual(Object.keys(me.avatar_urls), ['24', '48', '96']);
  const created = await site.categories().create({ name: 'Client made' });
  const renamed = await site.categories().id(created.id).update({ name: 'Client renamed', description: 'Changed by wpapi' });
  assert.equal(renamed.name, 'Client renamed');
  assert.equal((await site.categories().slug(created.slug).get())[0].description, 'Changed by wpapi');
  const deleted = await site.categories().id(created.id).delete({ force: true });
  assert.equal(deleted.deleted, true);
  assert.deepEqual(await site.categories().slug(created.slug).get(), []);
});
