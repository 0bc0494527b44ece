-- Events, their optional recurrence rule, and the materialized occurrences.
-- `revision` is bumped by every change that affects occurrences; `occurrences_revision` is the
-- revision the occurrences were last generated for (pending while they differ).
CREATE TABLE events (
    id                   UUID PRIMARY KEY,
    owner_id             UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title                TEXT NOT NULL,
    description          TEXT NOT NULL DEFAULT '',
    start_at             TIMESTAMPTZ NOT NULL,
    end_at               TIMESTAMPTZ NOT NULL,
    timezone             TEXT NOT NULL,
    revision             BIGINT NOT NULL DEFAULT 1,
    occurrences_revision BIGINT NOT NULL DEFAULT 0,
    revised_at           TIMESTAMPTZ NOT NULL,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX events_owner_start ON events (owner_id, start_at);
CREATE INDEX events_stale ON events (revised_at) WHERE occurrences_revision < revision;

CREATE TABLE recurrences (
    id        UUID PRIMARY KEY,
    event_id  UUID NOT NULL UNIQUE REFERENCES events (id) ON DELETE CASCADE,
    frequency TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly', 'monthly')),
    repeat_interval INTEGER NOT NULL CHECK (repeat_interval >= 1),
    count     INTEGER CHECK (count >= 1),
    until     TIMESTAMPTZ,
    CHECK ((count IS NULL) <> (until IS NULL))
);

CREATE TABLE occurrences (
    id             UUID PRIMARY KEY,
    event_id       UUID NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    owner_id       UUID NOT NULL,
    original_start TIMESTAMPTZ NOT NULL,
    start_at       TIMESTAMPTZ NOT NULL,
    end_at         TIMESTAMPTZ NOT NULL,
    revision       BIGINT NOT NULL,
    UNIQUE (event_id, original_start)
);
CREATE INDEX occurrences_owner_start ON occurrences (owner_id, start_at);
