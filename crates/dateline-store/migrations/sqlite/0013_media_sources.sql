-- 0013_media_sources: where each file brought home by `import wxr --media fetch` was read
-- from on the old site, so a second run fetches only what is still missing and every
-- address of the same file (an attachment's URL, an image copied into a post) leads to the
-- same item. One row per old address; several addresses may name one item (the same bytes
-- under two names are stored once). Deleting the item forgets its addresses.

CREATE TABLE media_sources (
    url      TEXT PRIMARY KEY,
    media_id INTEGER NOT NULL REFERENCES media (id) ON DELETE CASCADE
);
CREATE INDEX media_sources_by_media ON media_sources (media_id);
