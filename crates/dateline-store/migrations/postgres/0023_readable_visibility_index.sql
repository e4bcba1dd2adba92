-- 0023_readable_visibility_index: 0019's index of each post's visibility also carries the
-- password, so the whole test readers' pages make (kind, status, date, no password) is
-- answered from the index. A search joins its matches to the posts readers may see; for a word
-- in most posts that read every matching post's row, bodies and all, where it now reads index
-- entries (once VACUUM has marked the table's pages all-visible: an import vacuums, autovacuum
-- does the rest). The harness's seven searches at 16 connections: 129-132 a second before,
-- 148-151 after, with the same statements (docs/PERFORMANCE.md, "Stop 39").
DROP INDEX posts_visibility_by_id;
CREATE INDEX posts_visibility_by_id ON posts (id) INCLUDE (kind, status, published_at, password);
