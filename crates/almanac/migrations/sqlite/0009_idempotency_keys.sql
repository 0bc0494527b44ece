-- The Idempotency-Key of each event creation, written in the same transaction as the event: a
-- retried request with the same key finds that event instead of creating a second one. The event
-- id has no foreign key, so that a key outlives its event's deletion and is not reused for a new
-- one within its lifetime.
CREATE TABLE idempotency_keys (
    owner_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    fingerprint BLOB NOT NULL,
    event_id    BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (owner_id, key)
) STRICT;
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
