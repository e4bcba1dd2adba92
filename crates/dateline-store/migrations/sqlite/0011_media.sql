-- 0011_media: uploads. The media table of 0003 knew an imported attachment by its URL on
-- the old site; it now also holds files stored here. A stored item has a content_hash (the
-- SHA-256 of its bytes, which names the file: its address never changes meaning and can be
-- cached for a year) and its url is the local path; an imported item without one is still
-- remote, until `import wxr --media fetch` (later) stores it. One table, so that a post's
-- featured image and an import's `_thumbnail_id` name the same ids.
--
-- On SQLite the bytes are files in a directory beside the database (media/ next to
-- dateline.db by default): the database stays small and a backup copies both. The store
-- writes them under temporary names first and renames them inside the transaction that adds
-- the rows, removing them again when that transaction fails.

-- Who uploaded it (NULL for imported records).
ALTER TABLE media ADD COLUMN author_id INTEGER REFERENCES users (id);
-- What a screen reader says in place of the picture; the plain text shown under it.
ALTER TABLE media ADD COLUMN alt_text TEXT NOT NULL DEFAULT '';
ALTER TABLE media ADD COLUMN caption TEXT NOT NULL DEFAULT '';
ALTER TABLE media ADD COLUMN byte_size INTEGER;
-- Unknown for documents and recordings (and for an AVIF without an ispe box).
ALTER TABLE media ADD COLUMN width INTEGER;
ALTER TABLE media ADD COLUMN height INTEGER;
-- Not unique: the same file uploaded twice is two items sharing one stored file.
ALTER TABLE media ADD COLUMN content_hash TEXT;
-- The uploaded name, cleaned: the last part of the file's address.
ALTER TABLE media ADD COLUMN file_name TEXT;
ALTER TABLE media ADD COLUMN updated_at INTEGER;

-- The library lists stored items newest first, filtered by month; files are found by hash.
CREATE INDEX media_by_created ON media (created_at);
CREATE INDEX media_by_hash ON media (content_hash);

-- An image's resized copies (narrower only), in its own format and WebP.
CREATE TABLE media_variants (
    media_id     INTEGER  NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    width        INTEGER  NOT NULL,
    height       INTEGER  NOT NULL,
    mime_type    TEXT    NOT NULL,
    byte_size    INTEGER  NOT NULL,
    content_hash TEXT    NOT NULL,
    PRIMARY KEY (media_id, width, mime_type)
);
CREATE INDEX media_variants_by_hash ON media_variants (content_hash);

-- A post's featured image; deleting the item leaves the post without one.
ALTER TABLE posts ADD COLUMN featured_media INTEGER REFERENCES media (id) ON DELETE SET NULL;
