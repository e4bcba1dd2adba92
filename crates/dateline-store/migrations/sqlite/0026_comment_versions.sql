-- 0026_comment_versions: each post's comments carry one version, moved by the database itself
-- on every write to any of them, whoever makes it (this server, `dateline comments approve` in
-- another process, an SQL console). A post page reads the version with everything else and
-- reads the comments' tree again only when it moved, so a comment costs a page nothing while
-- it stands (docs/PERFORMANCE.md, "Stop 41").
--
-- A version is never given twice, to any post: the next is one more than the highest ever
-- given, and no row is removed, not even with its post (so the highest is never lost).
CREATE TABLE comment_versions (
    post_id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL
);
CREATE INDEX comment_versions_by_version ON comment_versions (version);
-- Every post that has comments starts with a version of its own, so that a post's version is 0
-- only while none of its comments was ever written.
INSERT INTO comment_versions (post_id, version)
SELECT w.post_id, ROW_NUMBER() OVER (ORDER BY w.post_id) FROM (SELECT DISTINCT post_id FROM comments) w;
CREATE TRIGGER comment_versions_insert AFTER INSERT ON comments
BEGIN
    INSERT INTO comment_versions (post_id, version)
    VALUES (NEW.post_id, (SELECT COALESCE(MAX(version), 0) + 1 FROM comment_versions))
    ON CONFLICT (post_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER comment_versions_update AFTER UPDATE ON comments
BEGIN
    INSERT INTO comment_versions (post_id, version)
    VALUES (NEW.post_id, (SELECT COALESCE(MAX(version), 0) + 1 FROM comment_versions))
    ON CONFLICT (post_id) DO UPDATE SET version = excluded.version;
    -- A comment moved to another post changes both posts' trees.
    INSERT INTO comment_versions (post_id, version)
    SELECT OLD.post_id, (SELECT COALESCE(MAX(version), 0) + 1 FROM comment_versions) WHERE OLD.post_id <> NEW.post_id
    ON CONFLICT (post_id) DO UPDATE SET version = excluded.version;
END;
CREATE TRIGGER comment_versions_delete AFTER DELETE ON comments
BEGIN
    INSERT INTO comment_versions (post_id, version)
    VALUES (OLD.post_id, (SELECT COALESCE(MAX(version), 0) + 1 FROM comment_versions))
    ON CONFLICT (post_id) DO UPDATE SET version = excluded.version;
END;
