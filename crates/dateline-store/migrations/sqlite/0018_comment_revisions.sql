-- 0018_comment_revisions: every comment carries a revision, raised by the database itself on
-- every change to its row, whoever makes it (this server, `dateline comments approve` in
-- another process, an SQL console). A post page reads its threads' shape with the revisions
-- (from the index below) and takes a thread rendered before when no member's revision moved,
-- without reading the comments' rows at all (docs/PERFORMANCE.md, stop 29).
ALTER TABLE comments ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
-- SQLite cannot change NEW in a BEFORE trigger, so the trigger writes the row a second time;
-- Dateline's own updates raise the revision themselves (`revision = revision + 1`), which the
-- WHEN leaves alone: one write, not two (the import links 100,000 replies to their parents so).
-- The WHEN also stops the trigger's own update from counting again.
CREATE TRIGGER comments_revision AFTER UPDATE ON comments FOR EACH ROW WHEN NEW.revision = OLD.revision
BEGIN
    UPDATE comments SET revision = OLD.revision + 1 WHERE id = NEW.id;
END;
DROP INDEX comments_threads;
CREATE INDEX comments_threads ON comments (post_id, status, kind, created_at, id, parent_id, revision);
