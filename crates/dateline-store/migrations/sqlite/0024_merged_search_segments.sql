-- 0024_merged_search_segments: each full-text index merged into one b-tree of lists
-- ('optimize'). A bulk write (an import, the migrations that filled these indexes) leaves an
-- FTS5 index as many segments, and a search reads each word's list in every segment: on the
-- harness's blog, the seven searches' full-text statements took 3.3 ms before and 2.6 after,
-- a rare word's 0.05 ms 0.01 (docs/PERFORMANCE.md, "Stop 40"). An import merges them again as
-- it ends (src/search.rs, `merge_segments`).
INSERT INTO post_search (post_search) VALUES ('optimize');
INSERT INTO reader_search (reader_search) VALUES ('optimize');
INSERT INTO comment_search (comment_search) VALUES ('optimize');
