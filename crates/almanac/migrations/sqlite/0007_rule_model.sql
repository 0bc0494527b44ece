-- The full rule model: a rule's pattern as canonical RRULE text without its end (which keeps its
-- own typed columns: `count`, or `until` to the microsecond, or neither for a series without
-- end), its exclusion dates, all-day events, and how far an open-ended series is stored.
--
-- `stored_until`: every occurrence of the generated revision that starts before it is stored;
-- later ones are computed when asked for. NULL when the whole series is stored.
ALTER TABLE events ADD COLUMN all_day INTEGER NOT NULL DEFAULT 0 CHECK (all_day IN (0, 1));
ALTER TABLE events ADD COLUMN stored_until INTEGER;
CREATE INDEX events_stored_until ON events (owner_id, stored_until) WHERE stored_until IS NOT NULL;

CREATE TABLE recurrences_with_patterns (
    id       BLOB PRIMARY KEY NOT NULL,
    event_id BLOB NOT NULL UNIQUE REFERENCES events (id) ON DELETE CASCADE,
    pattern  TEXT NOT NULL,
    count    INTEGER CHECK (count >= 1),
    until    INTEGER,
    -- Comma-separated RFC 3339 instants, sorted.
    exdates  TEXT NOT NULL DEFAULT '',
    CHECK (count IS NULL OR until IS NULL)
) STRICT;
INSERT INTO recurrences_with_patterns (id, event_id, pattern, count, until)
SELECT id, event_id,
       'FREQ=' || upper(frequency) || CASE WHEN repeat_interval = 1 THEN '' ELSE ';INTERVAL=' || repeat_interval END,
       count, until
FROM recurrences;
DROP TABLE recurrences;
ALTER TABLE recurrences_with_patterns RENAME TO recurrences;
