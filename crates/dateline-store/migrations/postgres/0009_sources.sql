-- 0009_sources: keeping sources alive. Each source URL that posts cite is checked now and
-- then (`dateline sources check`, the server's background task); its row keeps what the
-- checks found. A post keeps the address of an archived copy of its story beside the link,
-- for when the story is gone. Leases let one instance among several run the checks.

ALTER TABLE posts ADD COLUMN source_archive_url TEXT;

-- The posts of a source (the report, updating moved links) are found through
-- posts_by_source_url, made with the outlets (0010).

CREATE TABLE sources (
    -- The link as posts give it (posts.source_url): one row however many posts cite it.
    url             TEXT    PRIMARY KEY,
    state           TEXT    NOT NULL DEFAULT 'unchecked'
                    CHECK (state IN ('unchecked', 'ok', 'moved', 'gone', 'unreachable')),
    -- Where the link led at the last check, after redirects.
    final_url       TEXT,
    http_status     BIGINT,
    last_checked_at BIGINT,
    last_good_at    BIGINT,
    -- Checks in a row without a page; of those, checks in a row answered 404/410 (two make
    -- the source gone: one missing answer may be a site's bad minute).
    failures        BIGINT NOT NULL DEFAULT 0,
    missing_strikes BIGINT NOT NULL DEFAULT 0,
    -- Why the last check failed, in words.
    problem         TEXT,
    created_at      BIGINT NOT NULL
);

CREATE INDEX sources_by_state ON sources (state);

-- A named lease: taken by one statement that succeeds only when it is free or expired.
CREATE TABLE leases (
    name       TEXT    PRIMARY KEY,
    holder     TEXT    NOT NULL,
    expires_at BIGINT NOT NULL
);

-- Readers see a source's state (a gone source is said so under the excerpt), so a change of
-- state is news for the page caches (see 0006). A check that finds the same state again, a
-- new unchecked row and the leases are not: they would empty every cache for nothing.
CREATE TRIGGER sources_state_changed AFTER UPDATE OF state ON sources FOR EACH ROW
    WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION dateline_notify_change();
