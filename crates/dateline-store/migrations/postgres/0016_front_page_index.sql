-- 0016_front_page_index: the front page lists sticky posts first, then the newest. Its page of
-- ids is chosen from this index alone: with only posts_stream (kind, status, published_at) the
-- sticky flag was read from every visible post's row, bodies and all (9–60 ms on a 10,000-post
-- blog, cache off, docs/PERFORMANCE.md); walking this one from its end stops after the page.
CREATE INDEX posts_front_page ON posts (kind, sticky, published_at, status, password);
