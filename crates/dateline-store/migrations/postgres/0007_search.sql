-- The full-text index of posts (issue 9): one tsvector per post, written by Dateline in the
-- same transaction as the post (src/search.rs) from words it folded itself
-- (dateline_core::search::fold), so PostgreSQL and SQLite index the same words; the 'simple'
-- configuration adds no stemming and no stop words of its own. Weights: A title, B dek and
-- attribution, C terms, D body.
CREATE TABLE post_search (
  post_id BIGINT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
  doc TSVECTOR NOT NULL
);
CREATE INDEX post_search_doc ON post_search USING GIN (doc);

-- The comments' index, for moderators (the queue's search, the API's): the text, the name
-- and the address given.
CREATE TABLE comment_search (
  comment_id BIGINT PRIMARY KEY REFERENCES comments (id) ON DELETE CASCADE,
  doc TSVECTOR NOT NULL
);
CREATE INDEX comment_search_doc ON comment_search USING GIN (doc);

-- The same index as on SQLite (where a search needs it to test visibility without reading
-- whole rows); here it lets the planner answer the same test from the index alone.
CREATE INDEX posts_visible ON posts (kind, status, published_at, password);
