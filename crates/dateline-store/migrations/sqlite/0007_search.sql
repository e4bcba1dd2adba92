-- The full-text index of posts (issue 9). Contentless: it keeps the index of the words and
-- not a second copy of the text; rows are keyed by the post's id and written by Dateline in
-- the same transaction as the post (src/search.rs), with words folded by Dateline
-- (dateline_core::search::fold) so SQLite and PostgreSQL index the same words. The columns
-- are weighted when ranking: title over dek over terms over body.
CREATE VIRTUAL TABLE post_search USING fts5(
  title, dek, people, terms, body, joined,
  content = '', contentless_delete = 1,
  tokenize = 'unicode61 remove_diacritics 0'
);

-- The comments' index, for moderators (the queue's search, the API's): the text, the name
-- and the address given.
CREATE VIRTUAL TABLE comment_search USING fts5(
  body, author, email,
  content = '', contentless_delete = 1,
  tokenize = 'unicode61 remove_diacritics 0'
);

-- What a reader may see of a post, in an index that holds all of it: a search joins its
-- matches to the posts through this instead of reading each post's row (whose password
-- column comes after the whole article) to test it.
CREATE INDEX posts_visible ON posts (kind, status, published_at, password);
