-- 0027_content_version: one version for what a post page shows of other posts and of the site
-- (the navigation's categories and pages, the related posts), moved by the database itself on
-- every write to posts, terms or posts' terms, reporters and outlets, whoever makes it (this
-- server, another instance, an SQL console). A post page reads the version with everything
-- else and reads those parts again only when it moved or when a post it could show becomes
-- due (docs/PERFORMANCE.md, "Stop 41").
--
-- The triggers run before each writing statement, so a transaction takes the version's row
-- before the rows that statement writes, and holds it to its commit: writers of those tables
-- follow one another, in the order of their versions, and a reader that sees a version sees
-- every write before it and none after. (A transaction that locked other rows first, such as
-- its comments, can still meet another in a deadlock, which PostgreSQL ends by rolling one of
-- them back whole.)
CREATE TABLE content_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO content_version (id, version) VALUES (1, 1);
CREATE FUNCTION dateline_content_version() RETURNS trigger AS $$
BEGIN
    UPDATE content_version SET version = version + 1;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER posts_content BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON posts FOR EACH STATEMENT EXECUTE FUNCTION dateline_content_version();
CREATE TRIGGER terms_content BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON terms FOR EACH STATEMENT EXECUTE FUNCTION dateline_content_version();
CREATE TRIGGER post_terms_content BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON post_terms FOR EACH STATEMENT EXECUTE FUNCTION dateline_content_version();
CREATE TRIGGER post_reporters_content BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON post_reporters FOR EACH STATEMENT EXECUTE FUNCTION dateline_content_version();
CREATE TRIGGER post_outlets_content BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON post_outlets FOR EACH STATEMENT EXECUTE FUNCTION dateline_content_version();
