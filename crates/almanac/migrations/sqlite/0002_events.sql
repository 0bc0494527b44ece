-- Events, their optional recurrence rule, and the materialized occurrences.
-- `revision` is bumped by every change that affects occurrences; `occurrences_revision` is the
-- revision the occurrences were last generated for (pending while they differ).
CREATE TABLE events (
    id                   BLOB PRIMARY KEY NOT NULL,
    owner_id             BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title                TEXT NOT NULL,
    description          TEXT NOT NULL DEFAULT '',
    start_at             INTEGER NOT NULL,
    end_at               INTEGER NOT NULL,
    timezone             TEXT NOT NULL,
    revision             INTEGER NOT NULL DEFAULT 1,
    occurrences_revision INTEGER NOT NULL DEFAULT 0,
    revised_at           INTEGER NOT NULL,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
) STRICT;
CREATE INDEX events_owner_start ON events (owner_id, start_at);
CREATE INDEX events_stale ON events (revised_at) WHERE occurrences_revision < revision;

CREATE TABLE recurrences (
    id        BLOB PRIMARY KEY NOT NULL,
    event_id  BLOB NOT NULL UNIQUE REFERENCES events (id) ON DELETE CASCADE,
    frequency TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly', 'monthly')),
    repeat_interval INTEGER NOT NULL CHECK (repeat_interval >= 1),
    count     INTEGER CHECK (count >= 1),
    until     INTEGER,
    CHECK ((count IS NULL) <> (until IS NULL))
) STRICT;

CREATE TABLE occurrences (
    id             BLOB PRIMARY KEY NOT NULL,
    event_id       BLOB NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    owner_id       BLOB NOT NULL,
    original_start INTEGER NOT NULL,
    start_at       INTEGER NOT NULL,
    end_at         INTEGER NOT NULL,
    revision       INTEGER NOT NULL,
    UNIQUE (event_id, original_start)
) STRICT;
CREATE INDEX occurrences_owner_start ON occurrences (owner_id, start_at);
