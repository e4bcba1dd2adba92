-- 0017_comment_threads_index: a post page reads the shape of its threads (every approved
-- comment's id and parent, notes left out) and counts its approved comments. With only
-- comments_by_post (post_id, status, created_at) both read every comment's row, body and all,
-- to test its kind; this index answers both from its own entries (docs/PERFORMANCE.md).
CREATE INDEX comments_threads ON comments (post_id, status, kind, created_at, id, parent_id);
