-- 0004_accounts: people who log in. Passwords are argon2id hashes (PHC strings). Sessions
-- are kept here, not in memory, so any instance behind a load balancer accepts them; only a
-- hash of the session token is stored, so a leaked database holds no usable sessions.
-- Application passwords are for API clients (HTTP Basic), each revocable on its own.
-- Login failures are counted here too, so throttling holds across instances.

ALTER TABLE users ADD COLUMN password_hash TEXT;

CREATE TABLE sessions (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE app_passwords (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
);
CREATE INDEX app_passwords_by_user ON app_passwords (user_id);

CREATE TABLE login_failures (
    key TEXT    NOT NULL,
    at  INTEGER NOT NULL
);
CREATE INDEX login_failures_by_key ON login_failures (key, at);
