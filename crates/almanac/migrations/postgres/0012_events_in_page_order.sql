-- A user's events are listed by (start, id): with the id in the index, rows come out of it in that
-- order, and SQLite no longer sorts each page's rows, whole, on the id of those that start
-- together.
DROP INDEX events_owner_start;
CREATE INDEX events_owner_start ON events (owner_id, start_at, id);
