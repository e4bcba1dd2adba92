-- 0003_import: what moving a blog from another engine needs. Imported records remember
-- where they came from (source_key, unique), so importing the same export again updates
-- instead of duplicating. Meta is kept as the other engine wrote it; media are known by URL;
-- redirects keep old addresses working (to a post, resolved to its current permalink, or to
-- a URL).

ALTER TABLE posts ADD COLUMN excerpt TEXT;
ALTER TABLE posts ADD COLUMN body_format TEXT NOT NULL DEFAULT 'markdown';
ALTER TABLE posts ADD COLUMN password TEXT;
ALTER TABLE posts ADD COLUMN parent_id INTEGER REFERENCES posts (id) ON DELETE SET NULL;
ALTER TABLE posts ADD COLUMN menu_order INTEGER NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN source_key TEXT;
CREATE UNIQUE INDEX posts_by_source_key ON posts (source_key);

ALTER TABLE comments ADD COLUMN source_key TEXT;
-- The parent's source key until the import links it (a parent may come after its child).
ALTER TABLE comments ADD COLUMN source_parent_key TEXT;
CREATE UNIQUE INDEX comments_by_source_key ON comments (source_key);

CREATE TABLE meta (
    owner    TEXT    NOT NULL CHECK (owner IN ('post', 'comment', 'term', 'media', 'user')),
    owner_id INTEGER NOT NULL,
    name     TEXT    NOT NULL,
    value    TEXT    NOT NULL
);
CREATE INDEX meta_by_owner ON meta (owner, owner_id);

CREATE TABLE media (
    id         INTEGER PRIMARY KEY,
    source_key TEXT UNIQUE,
    post_id    INTEGER REFERENCES posts (id) ON DELETE SET NULL,
    title      TEXT    NOT NULL,
    url        TEXT    NOT NULL,
    mime_type  TEXT,
    created_at INTEGER NOT NULL
);

CREATE TABLE redirects (
    path    TEXT PRIMARY KEY,
    post_id INTEGER REFERENCES posts (id) ON DELETE CASCADE,
    url     TEXT
);
