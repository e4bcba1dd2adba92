-- 0021_reader_phrases: reader_search's entries hold each field's word pairs after its words
-- (`city council` also as the one word `ʼcityʼcouncil`, src/search.rs `with_pairs`), so that a
-- reader's quoted phrase is found from the pairs' own lists instead of by comparing the
-- positions of its words in every post that has them all (docs/PERFORMANCE.md, "Stop 35").
-- The entries are written by Dateline, which folds the words: emptied here, every post readers
-- may see at some time is queued, and those they may see now are indexed again as the
-- migration ends (src/migrate.rs), in its transaction.
INSERT INTO reader_search (reader_search) VALUES ('delete-all');

INSERT OR REPLACE INTO reader_search_pending (post_id, at)
SELECT id, published_at FROM posts
WHERE kind = 'post' AND status IN ('published', 'scheduled') AND password IS NULL;
