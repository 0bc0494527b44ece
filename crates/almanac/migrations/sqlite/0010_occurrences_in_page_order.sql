-- The calendar's range query reads a user's occurrences by (start, id): with the id in the index,
-- rows come out of it in that order, and SQLite no longer sorts every page in a temporary b-tree.
DROP INDEX occurrences_owner_start;
CREATE INDEX occurrences_owner_start ON occurrences (owner_id, start_at, id);
