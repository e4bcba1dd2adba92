-- 0001_content: what a blog is made of: authors, posts and pages (with a link post's source
-- attribution as columns), categories and tags, and reader comments.
--
-- Times are INTEGER seconds since the Unix epoch (UTC) and flags are INTEGER 0/1 in both
-- backends, so one query text serves SQLite and PostgreSQL through sqlx's Any driver.
-- Ids are assigned by the database (WordPress-style integers, for /?p=ID).

CREATE TABLE users (
    id           INTEGER PRIMARY KEY,
    login        TEXT    NOT NULL UNIQUE,
    display_name TEXT    NOT NULL,
    slug         TEXT    NOT NULL UNIQUE,
    email        TEXT,
    role         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);

CREATE TABLE posts (
    -- AUTOINCREMENT: a deleted post's id is never given to another (WordPress never reuses
    -- ids, and /?p=ID links must not start pointing elsewhere).
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    kind                 TEXT    NOT NULL CHECK (kind IN ('post', 'page')),
    title                TEXT    NOT NULL,
    -- One namespace for posts and pages, as in WordPress, so /slug/ is never ambiguous.
    slug                 TEXT    NOT NULL UNIQUE,
    dek                  TEXT,
    body_source          TEXT    NOT NULL,
    -- Rendered and sanitized when saved, so reading a page never runs the sanitizer.
    body_html            TEXT    NOT NULL,
    status               TEXT    NOT NULL,
    published_at         INTEGER NOT NULL,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    author_id            INTEGER NOT NULL REFERENCES users (id),
    sticky               INTEGER NOT NULL DEFAULT 0,
    comment_status       TEXT    NOT NULL,
    source_reporter      TEXT,
    source_outlet        TEXT,
    source_url           TEXT,
    source_headline      TEXT,
    -- JSON array of the quoted paragraphs.
    source_excerpt       TEXT,
    source_continue_text TEXT
);
CREATE INDEX posts_stream ON posts (kind, status, published_at);
CREATE INDEX posts_by_author ON posts (author_id, published_at);

CREATE TABLE terms (
    id          INTEGER PRIMARY KEY,
    taxonomy    TEXT    NOT NULL CHECK (taxonomy IN ('category', 'tag')),
    name        TEXT    NOT NULL,
    slug        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    parent_id   INTEGER REFERENCES terms (id),
    UNIQUE (taxonomy, slug)
);

CREATE TABLE post_terms (
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    term_id INTEGER NOT NULL REFERENCES terms (id) ON DELETE CASCADE,
    PRIMARY KEY (post_id, term_id)
);
CREATE INDEX post_terms_by_term ON post_terms (term_id, post_id);

CREATE TABLE comments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id      INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    parent_id    INTEGER REFERENCES comments (id) ON DELETE SET NULL,
    author_name  TEXT,
    author_email TEXT,
    author_url   TEXT,
    author_ip    TEXT,
    body         TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX comments_by_post ON comments (post_id, status, created_at);
