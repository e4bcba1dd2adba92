-- 0026_comment_versions: each post's comments carry one version, moved by the database itself
-- on every write to any of them, whoever makes it (this server, another instance, `dateline
-- comments approve`, an SQL console). A post page reads the version with everything else and
-- reads the comments' tree again only when it moved, so a comment costs a page nothing while
-- it stands (docs/PERFORMANCE.md, "Stop 41").
--
-- Versions come from a sequence, so none is ever given twice, to any post. The triggers run
-- once a statement over the rows it wrote (an import writes hundreds of comments a statement).
-- The upsert's row lock makes two transactions writing one post's comments commit one after
-- the other, each with a number of its own: a version a reader sees names one committed state
-- of those comments (readers only compare versions for equality; the numbers need not rise in
-- commit order).
CREATE SEQUENCE comment_version_numbers;
CREATE TABLE comment_versions (
    post_id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
);
-- Every post that has comments starts with a version of its own, so that a post's version is 0
-- only while none of its comments was ever written (and a TRUNCATE, below, moves them all).
INSERT INTO comment_versions (post_id, version)
SELECT w.post_id, nextval('comment_version_numbers') FROM (SELECT DISTINCT post_id FROM comments ORDER BY post_id) w;
CREATE FUNCTION dateline_comment_versions() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO comment_versions (post_id, version)
        SELECT w.post_id, nextval('comment_version_numbers') FROM (SELECT DISTINCT post_id FROM new_rows ORDER BY post_id) w
        ON CONFLICT (post_id) DO UPDATE SET version = EXCLUDED.version;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO comment_versions (post_id, version)
        SELECT w.post_id, nextval('comment_version_numbers')
        FROM (SELECT post_id FROM new_rows UNION SELECT post_id FROM old_rows ORDER BY post_id) w
        ON CONFLICT (post_id) DO UPDATE SET version = EXCLUDED.version;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO comment_versions (post_id, version)
        SELECT w.post_id, nextval('comment_version_numbers') FROM (SELECT DISTINCT post_id FROM old_rows ORDER BY post_id) w
        ON CONFLICT (post_id) DO UPDATE SET version = EXCLUDED.version;
    ELSE
        -- TRUNCATE: every post's comments are gone.
        UPDATE comment_versions SET version = nextval('comment_version_numbers');
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER comment_versions_insert AFTER INSERT ON comments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dateline_comment_versions();
CREATE TRIGGER comment_versions_update AFTER UPDATE ON comments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION dateline_comment_versions();
CREATE TRIGGER comment_versions_delete AFTER DELETE ON comments
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION dateline_comment_versions();
CREATE TRIGGER comment_versions_truncate AFTER TRUNCATE ON comments
    FOR EACH STATEMENT EXECUTE FUNCTION dateline_comment_versions();
