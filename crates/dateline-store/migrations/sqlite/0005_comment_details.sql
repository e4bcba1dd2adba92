-- 0005_comment_details: a comment written by someone signed in names their account (WordPress's
-- user_id), so the theme can mark the post author's replies and the API can report the author;
-- and a comment moved to the trash remembers the status it had, so Restore puts it back there
-- (WordPress keeps the same in _wp_trash_meta_status); and comments imported from WordPress
-- are HTML, shown through WordPress's allowed comment tags rather than read as Markdown.

ALTER TABLE comments ADD COLUMN user_id INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE comments ADD COLUMN status_before_trash TEXT;
ALTER TABLE comments ADD COLUMN body_format TEXT NOT NULL DEFAULT 'markdown';

-- Where an address's recent comments are counted (the comment flood limit, shared by every
-- instance because it reads the comments themselves).
CREATE INDEX comments_by_address ON comments (author_ip, created_at);
