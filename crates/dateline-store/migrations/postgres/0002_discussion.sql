-- 0002_discussion: what moderation needs. Each comment records why it was held or marked
-- spam (and its spam score), whether its author wants reply notifications, and what the
-- spam filter was taught about it (so relabelling a comment untrains the old label).
-- Settings hold instance-wide secrets (shared by every instance on the same database), and
-- spam_tokens the counts the filter learned from moderators.

ALTER TABLE comments ADD COLUMN kind TEXT NOT NULL DEFAULT 'comment';
ALTER TABLE comments ADD COLUMN user_agent TEXT;
ALTER TABLE comments ADD COLUMN moderation_reason TEXT;
ALTER TABLE comments ADD COLUMN spam_score DOUBLE PRECISION;
ALTER TABLE comments ADD COLUMN notify BIGINT NOT NULL DEFAULT 0;
ALTER TABLE comments ADD COLUMN trained_as TEXT;
CREATE INDEX comments_by_status ON comments (status, created_at);
CREATE INDEX comments_by_email ON comments (author_email, status);

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE spam_tokens (
    token TEXT PRIMARY KEY,
    spam  BIGINT NOT NULL DEFAULT 0,
    ham   BIGINT NOT NULL DEFAULT 0
);
