-- One occurrence edited or cancelled, "this and following", and writes that never lose another's.
--
-- `version` moves with every write to the event or to any of its occurrences: it is the ETag of
-- the event and of its occurrences (a series with its exceptions is one resource, as in CalDAV).
-- `split_from`: the series a "this and following" edit cut this one from.
ALTER TABLE events ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE events ADD COLUMN split_from UUID REFERENCES events (id) ON DELETE SET NULL;

-- What one occurrence changes of its series, found by its original start (RFC 5545
-- RECURRENCE-ID). NULL follows the event; a new time sets both start and end.
CREATE TABLE occurrence_exceptions (
    event_id       UUID NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    owner_id       UUID NOT NULL,
    original_start TIMESTAMPTZ NOT NULL,
    title          TEXT,
    description    TEXT,
    start_at       TIMESTAMPTZ,
    end_at         TIMESTAMPTZ,
    PRIMARY KEY (event_id, original_start),
    CHECK ((start_at IS NULL) = (end_at IS NULL))
);
CREATE INDEX occurrence_exceptions_owner ON occurrence_exceptions (owner_id);

-- Stored occurrences carry their exception's fields, and whether they are cancelled (their
-- original start is one of the rule's exclusion dates).
ALTER TABLE occurrences ADD COLUMN title TEXT;
ALTER TABLE occurrences ADD COLUMN description TEXT;
ALTER TABLE occurrences ADD COLUMN is_exception BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE occurrences ADD COLUMN cancelled BOOLEAN NOT NULL DEFAULT false;

-- Series with exclusion dates were stored without those occurrences: generate them again, now
-- with their cancelled ones.
UPDATE events SET revision = revision + 1
WHERE id IN (SELECT event_id FROM recurrences WHERE exdates <> '');
