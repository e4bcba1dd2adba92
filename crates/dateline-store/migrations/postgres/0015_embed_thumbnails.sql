-- 0015_embed_thumbnails: an embed's thumbnail is kept in the media library, as an uploaded
-- image is (resized copies, metadata stripped, served at its content address with srcset),
-- instead of as bytes in the embeds row. The provider's address for it is kept too, so a later
-- answer naming the same picture reuses the item instead of fetching it again.
-- (0013 and 0014 are the media import's and the media storage's.)

-- Deleting the item from the library leaves the card without a picture until the next save.
ALTER TABLE embeds ADD COLUMN thumbnail_media BIGINT REFERENCES media (id) ON DELETE SET NULL;
ALTER TABLE embeds ADD COLUMN thumbnail_url TEXT;

-- Answers kept with their thumbnail as bytes are asked again at their post's next save (their
-- bytes stay, for the cards already saved into posts, which point at /embeds/ID/thumbnail).
UPDATE embeds SET fetched_at = 0 WHERE thumbnail IS NOT NULL;
