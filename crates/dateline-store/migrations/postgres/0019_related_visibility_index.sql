-- 0019_related_visibility_index: a post page's related posts are a few dozen candidates, each
-- tested for visibility (kind, status, date) before the best five are kept. From the table
-- every test read the post's row; this index answers them from its own entries (once VACUUM
-- has marked the table's pages all-visible: an import vacuums, autovacuum does the rest), and
-- only the five shown are read (docs/PERFORMANCE.md, stop 33).
CREATE INDEX posts_visibility_by_id ON posts (id) INCLUDE (kind, status, published_at);
