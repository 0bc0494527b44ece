-- When an event's last occurrence ends, so that lists can tell upcoming series from past ones
-- without expanding them. Existing events take it from their stored occurrences.
ALTER TABLE events ADD COLUMN series_end_at INTEGER NOT NULL DEFAULT 0;
UPDATE events SET series_end_at =
    COALESCE((SELECT MAX(o.end_at) FROM occurrences o WHERE o.event_id = events.id), end_at);
