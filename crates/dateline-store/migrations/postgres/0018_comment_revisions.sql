-- 0018_comment_revisions: every comment carries a revision, raised by the database itself on
-- every change to its row, whoever makes it (this server, `dateline comments approve` in
-- another process or instance, an SQL console). A post page reads its threads' shape with the
-- revisions (from the index below) and takes a thread rendered before when no member's
-- revision moved, without reading the comments' rows at all (docs/PERFORMANCE.md, stop 29).
ALTER TABLE comments ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
CREATE FUNCTION dateline_comment_revision() RETURNS trigger AS $$
BEGIN
    NEW.revision := OLD.revision + 1;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER comments_revision BEFORE UPDATE ON comments FOR EACH ROW EXECUTE FUNCTION dateline_comment_revision();
DROP INDEX comments_threads;
CREATE INDEX comments_threads ON comments (post_id, status, kind, created_at, id, parent_id, revision);
