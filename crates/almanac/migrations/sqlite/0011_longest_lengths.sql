-- The calendar's range query starts its scan as far before the window as the owner's longest
-- event or moved occurrence lasts. With the length in an index after the owner, that longest is
-- the index's last entry for the owner, not the largest of all their rows read one by one. The
-- exceptions' index by owner alone is superseded by the new one.
CREATE INDEX events_owner_length ON events (owner_id, (end_at - start_at));
DROP INDEX occurrence_exceptions_owner;
CREATE INDEX occurrence_exceptions_owner_length ON occurrence_exceptions (owner_id, (end_at - start_at));
