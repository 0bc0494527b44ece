-- Accounts: users, refresh tokens (for rotation and blacklisting) and login throttling.
-- Times are INTEGER microseconds since the Unix epoch (UTC): SQLite compares them as numbers.
CREATE TABLE users (
    id            BLOB PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL,
    email_key     TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_active     INTEGER NOT NULL DEFAULT 1,
    is_staff      INTEGER NOT NULL DEFAULT 0,
    date_joined   INTEGER NOT NULL,
    last_login    INTEGER
) STRICT;
CREATE UNIQUE INDEX users_email_key_unique ON users (email_key);

CREATE TABLE refresh_tokens (
    jti            TEXT PRIMARY KEY NOT NULL,
    user_id        BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    blacklisted_at INTEGER
) STRICT;
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_at);

CREATE TABLE login_throttle (
    key          TEXT PRIMARY KEY NOT NULL,
    window_start INTEGER NOT NULL,
    failures     INTEGER NOT NULL
) STRICT;
