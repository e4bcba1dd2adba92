-- 0010_outlets: outlets and reporters as things of their own (issue 10), so every post quoting
-- the Miami Herald is found under one outlet however its attribution spells it. The post keeps
-- its attribution as written (source_reporter, source_outlet: what its page prints); these
-- tables are what the store links it to when the post is written (src/bylines.rs), and what
-- editors rename and merge. Existing posts are linked when this migration runs (in Rust, after
-- this file, as 0007_search fills its index).

CREATE TABLE outlets (
    id   INTEGER PRIMARY KEY,
    name TEXT    NOT NULL,
    slug TEXT    NOT NULL UNIQUE
);

CREATE TABLE reporters (
    id   INTEGER PRIMARY KEY,
    name TEXT    NOT NULL,
    slug TEXT    NOT NULL UNIQUE
);

-- What finds an outlet besides its slug: its names folded ('name': "miami herald" for
-- "The Miami Herald"), its web domains ('domain': "miamiherald.com"), and the slugs it had
-- before a rename or a merge ('old_slug', answered with a 301). Each key leads to one outlet.
CREATE TABLE outlet_keys (
    kind      TEXT    NOT NULL CHECK (kind IN ('name', 'domain', 'old_slug')),
    value     TEXT    NOT NULL,
    outlet_id INTEGER NOT NULL REFERENCES outlets (id) ON DELETE CASCADE,
    PRIMARY KEY (kind, value)
);
CREATE INDEX outlet_keys_by_outlet ON outlet_keys (outlet_id);

-- The same for reporters (no domains).
CREATE TABLE reporter_keys (
    kind        TEXT    NOT NULL CHECK (kind IN ('name', 'old_slug')),
    value       TEXT    NOT NULL,
    reporter_id INTEGER NOT NULL REFERENCES reporters (id) ON DELETE CASCADE,
    PRIMARY KEY (kind, value)
);
CREATE INDEX reporter_keys_by_reporter ON reporter_keys (reporter_id);

-- A post's outlet: at most one. (A table of links rather than a column of posts, like its
-- reporters': a merge or an unlinking touches these small rows, never the posts.)
CREATE TABLE post_outlets (
    post_id   INTEGER NOT NULL PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    outlet_id INTEGER NOT NULL REFERENCES outlets (id) ON DELETE CASCADE
);
-- An outlet's page, its counts and the related posts walk its posts newest-numbered first.
CREATE INDEX post_outlets_by_outlet ON post_outlets (outlet_id, post_id);
-- Related posts find the others quoting the same story by this, and the Sources report
-- (0009) the posts of a source.
CREATE INDEX posts_by_source_url ON posts (source_url, id);

-- A post's reporters, in the order its line names them.
CREATE TABLE post_reporters (
    post_id     INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    reporter_id INTEGER NOT NULL REFERENCES reporters (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    PRIMARY KEY (post_id, reporter_id)
);
CREATE INDEX post_reporters_by_reporter ON post_reporters (reporter_id, post_id);
