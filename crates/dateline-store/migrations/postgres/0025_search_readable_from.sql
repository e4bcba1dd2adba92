-- 0025_search_readable_from: each post's search entry says from when readers may see the post
-- (its publication time when it is a post, published or scheduled, without a password; NULL
-- when readers never may), so that a reader's search finds, counts and orders its matches in
-- post_search alone. Before, every match was joined to the posts to test its visibility: for a
-- word in most posts, 10,000 probes of an index, about 7 of a search's 17.6 ms
-- (docs/PERFORMANCE.md, "Stop 40").
--
-- The database keeps the column itself, whoever writes: an entry takes it from its post when it
-- is written (so an instance of an older Dateline, during a rolling upgrade, writes it right
-- too), and whatever changes a post's visibility afterwards (the editor, a status set in bulk,
-- an SQL console) moves it, in the same transaction.
ALTER TABLE post_search ADD COLUMN readable_from BIGINT;
-- When readers may see a post, from its row: the one rule the entries are written and moved by
-- (Dateline's own is search.rs `READABLE`, which `dateline check` holds them against).
CREATE FUNCTION dateline_readable_from(kind TEXT, status TEXT, password TEXT, published_at BIGINT) RETURNS BIGINT
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN kind = 'post' AND status IN ('published', 'scheduled') AND password IS NULL THEN published_at END
$$;
UPDATE post_search ps SET readable_from = dateline_readable_from(p.kind, p.status, p.password, p.published_at)
FROM posts p WHERE p.id = ps.post_id;

CREATE FUNCTION dateline_entry_readable_from() RETURNS trigger AS $$
BEGIN
    NEW.readable_from := (SELECT dateline_readable_from(p.kind, p.status, p.password, p.published_at)
        FROM posts p WHERE p.id = NEW.post_id);
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER post_search_readable_from BEFORE INSERT ON post_search FOR EACH ROW
EXECUTE FUNCTION dateline_entry_readable_from();

CREATE FUNCTION dateline_post_readable_from() RETURNS trigger AS $$
BEGIN
    UPDATE post_search SET readable_from = dateline_readable_from(NEW.kind, NEW.status, NEW.password, NEW.published_at)
    WHERE post_id = NEW.id;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER posts_search_readable_from AFTER UPDATE OF kind, status, password, published_at ON posts FOR EACH ROW
WHEN (OLD.kind IS DISTINCT FROM NEW.kind OR OLD.status IS DISTINCT FROM NEW.status
      OR OLD.password IS DISTINCT FROM NEW.password OR OLD.published_at IS DISTINCT FROM NEW.published_at)
EXECUTE FUNCTION dateline_post_readable_from();
