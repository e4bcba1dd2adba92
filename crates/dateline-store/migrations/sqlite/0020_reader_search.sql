-- 0020_reader_search: a second full-text index holding only the posts readers may see now, so
-- that a reader's search counts and ranks its matches inside the index instead of joining
-- every match to the posts to test it (a word most posts have: 10,000 joins a search,
-- docs/PERFORMANCE.md "Stop 34"). Same columns and folding as post_search (0007).
CREATE VIRTUAL TABLE reader_search USING fts5(
  title, dek, people, terms, body, joined,
  content = '', contentless_delete = 1,
  tokenize = 'unicode61 remove_diacritics 0'
);

-- Posts readers may see once their time comes (published or scheduled, no password) that
-- reader_search does not hold yet: scheduled posts, and posts whose visibility changed by a
-- write that does not index (a status set in bulk). Dateline moves a post from here into
-- reader_search when it indexes it or when its time has come (src/search.rs, `flush_readers`).
-- While a post here is due, readers' searches take the join instead, so they are never wrong.
CREATE TABLE reader_search_pending (
  post_id INTEGER PRIMARY KEY,
  at      INTEGER NOT NULL
);
CREATE INDEX reader_search_pending_by_time ON reader_search_pending (at);

-- Whatever writes a post, a change of what decides its visibility takes it out of
-- reader_search at once and, if readers may see it at some time, queues it: a post trashed,
-- made private or given a password is never found by readers again, in the same transaction.
CREATE TRIGGER posts_reader_search_inserted AFTER INSERT ON posts
WHEN new.kind = 'post' AND new.status IN ('published', 'scheduled') AND new.password IS NULL
BEGIN
  INSERT OR REPLACE INTO reader_search_pending (post_id, at) VALUES (new.id, new.published_at);
END;

CREATE TRIGGER posts_reader_search_changed AFTER UPDATE OF kind, status, password, published_at ON posts
WHEN old.kind IS NOT new.kind OR old.status IS NOT new.status OR old.password IS NOT new.password
  OR old.published_at IS NOT new.published_at
BEGIN
  DELETE FROM reader_search WHERE rowid = old.id;
  DELETE FROM reader_search_pending WHERE post_id = old.id;
  INSERT INTO reader_search_pending (post_id, at) SELECT new.id, new.published_at
  WHERE new.kind = 'post' AND new.status IN ('published', 'scheduled') AND new.password IS NULL;
END;

CREATE TRIGGER posts_reader_search_deleted AFTER DELETE ON posts
BEGIN
  DELETE FROM reader_search WHERE rowid = old.id;
  DELETE FROM reader_search_pending WHERE post_id = old.id;
END;

-- Every post readers may see at some time is queued; Dateline indexes those whose time has
-- come as the migration ends (src/migrate.rs).
INSERT INTO reader_search_pending (post_id, at)
SELECT id, published_at FROM posts
WHERE kind = 'post' AND status IN ('published', 'scheduled') AND password IS NULL;
