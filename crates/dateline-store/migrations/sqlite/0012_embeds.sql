-- 0012_embeds: what providers answered for the embeds in posts (a YouTube video, a Mastodon
-- post, …), asked once when a post is saved (oEmbed), so that pages show a card from here and
-- never ask the provider while a reader waits. One row per link; a new answer replaces it.
-- (0011 is the media library's.)

CREATE TABLE embeds (
    id             INTEGER PRIMARY KEY,
    -- The link as posts give it.
    url            TEXT    NOT NULL UNIQUE,
    -- The provider's key: youtube, vimeo, twitter, instagram, tiktok, bluesky, mastodon,
    -- soundcloud, spotify.
    provider       TEXT    NOT NULL,
    -- Plain text from the answer; escaped wherever shown. The provider's HTML is never kept.
    provider_name  TEXT,
    title          TEXT,
    author_name    TEXT,
    author_url     TEXT,
    -- The thumbnail, fetched and checked, served by Dateline from its own address so that a
    -- reader's browser asks the provider nothing before a click.
    thumbnail      BLOB,
    thumbnail_type TEXT,
    -- The player Dateline derived from the link (youtube-nocookie and the like).
    player_url     TEXT,
    fetched_at     INTEGER NOT NULL,
    -- Why no usable answer came: the post shows a plain link until the next save tries again.
    failure        TEXT
);
