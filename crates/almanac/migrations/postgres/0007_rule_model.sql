-- The full rule model: a rule's pattern as canonical RRULE text without its end (which keeps its
-- own typed columns: `count`, or `until` to the microsecond, or neither for a series without
-- end), its exclusion dates, all-day events, and how far an open-ended series is stored.
--
-- `stored_until`: every occurrence of the generated revision that starts before it is stored;
-- later ones are computed when asked for. NULL when the whole series is stored.
ALTER TABLE events ADD COLUMN all_day BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE events ADD COLUMN stored_until TIMESTAMPTZ;
CREATE INDEX events_stored_until ON events (owner_id, stored_until) WHERE stored_until IS NOT NULL;

ALTER TABLE recurrences ADD COLUMN pattern TEXT;
UPDATE recurrences SET pattern =
    'FREQ=' || upper(frequency) || CASE WHEN repeat_interval = 1 THEN '' ELSE ';INTERVAL=' || repeat_interval END;
ALTER TABLE recurrences ALTER COLUMN pattern SET NOT NULL;
ALTER TABLE recurrences DROP COLUMN frequency;
ALTER TABLE recurrences DROP COLUMN repeat_interval;
ALTER TABLE recurrences DROP CONSTRAINT recurrences_check;
ALTER TABLE recurrences ADD CONSTRAINT recurrences_one_end CHECK (count IS NULL OR until IS NULL);
-- Comma-separated RFC 3339 instants, sorted.
ALTER TABLE recurrences ADD COLUMN exdates TEXT NOT NULL DEFAULT '';
