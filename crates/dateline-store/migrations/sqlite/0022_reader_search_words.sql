-- 0022_reader_search_words: the words reader_search holds, one row each, read from the index
-- itself (an fts5vocab table: it stores nothing, so there is nothing to keep in step). A
-- reader's prefix (`flood*`) is asked as the few words it starts where there are few
-- (src/search.rs, `prefix_words`): FTS5 merges every word of a prefix into one list, whole,
-- for each pass over its matches, where words of their own are read only as far as asked
-- (docs/PERFORMANCE.md, "Stop 37").
CREATE VIRTUAL TABLE reader_search_words USING fts5vocab(reader_search, 'row');
