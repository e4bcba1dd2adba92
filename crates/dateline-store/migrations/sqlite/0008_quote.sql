-- 0008_quote: fair quoting (issue 10). A link post remembers how many words its source story
-- has, when known (counted when it was clipped, or typed by the writer), since the site's
-- limit may be a percentage of them; and the last time an editor allowed the post to quote
-- more than the limit: who (the account; NULL once it is deleted), when, and how many quoted
-- words they allowed (a later save that quotes more needs a new decision). The record is
-- kept when the post later quotes less: it is history.

ALTER TABLE posts ADD COLUMN source_words INTEGER;
ALTER TABLE posts ADD COLUMN quote_override_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE posts ADD COLUMN quote_override_at INTEGER;
ALTER TABLE posts ADD COLUMN quote_override_words INTEGER;
