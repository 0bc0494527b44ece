-- Tells every Almanac process whose data a statement changed, so that the answers it keeps in
-- memory for that owner are retired (src/storage/changes.rs). Statement-level triggers: a write of
-- 5,000 occurrences costs one notification, and PostgreSQL folds identical notifications of one
-- transaction into one, delivered at commit.
CREATE FUNCTION almanac_notify_owners() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    owner UUID;
BEGIN
    -- TG_ARGV[0] selects the owners of the rows in the transition table `changed_rows`.
    FOR owner IN EXECUTE 'SELECT DISTINCT owner FROM (' || TG_ARGV[0] || ') AS owners (owner)' LOOP
        PERFORM pg_notify('almanac_changes', owner::text);
    END LOOP;
    RETURN NULL;
END
$$;


CREATE TRIGGER users_insert_notify AFTER INSERT ON users
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
    EXECUTE FUNCTION almanac_notify_owners('SELECT id FROM changed_rows');
CREATE TRIGGER users_update_notify AFTER UPDATE ON users
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
    EXECUTE FUNCTION almanac_notify_owners('SELECT id FROM changed_rows');
CREATE TRIGGER users_delete_notify AFTER DELETE ON users
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT
    EXECUTE FUNCTION almanac_notify_owners('SELECT id FROM changed_rows');

CREATE TRIGGER events_insert_notify AFTER INSERT ON events
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
    EXECUTE FUNCTION almanac_notify_owners('SELECT owner_id FROM changed_rows');
CREATE TRIGGER events_update_notify AFTER UPDATE ON events
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
    EXECUTE FUNCTION almanac_notify_owners('SELECT owner_id FROM changed_rows');
CREATE TRIGGER events_delete_notify AFTER DELETE ON events
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT
    EXECUTE FUNCTION almanac_notify_owners('SELECT owner_id FROM changed_rows');

CREATE TRIGGER recurrences_insert_notify AFTER INSERT ON recurrences
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
    EXECUTE FUNCTION almanac_notify_owners('SELECT e.owner_id FROM changed_rows c JOIN events e ON e.id = c.event_id');
CREATE TRIGGER recurrences_update_notify AFTER UPDATE ON recurrences
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
    EXECUTE FUNCTION almanac_notify_owners('SELECT e.owner_id FROM changed_rows c JOIN events e ON e.id = c.event_id');
CREATE TRIGGER recurrences_delete_notify AFTER DELETE ON recurrences
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT
    EXECUTE FUNCTION almanac_notify_owners('SELECT e.owner_id FROM changed_rows c JOIN events e ON e.id = c.event_id');

CREATE TRIGGER occurrences_insert_notify AFTER INSERT ON occurrences
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
    EXECUTE FUNCTION almanac_notify_owners('SELECT owner_id FROM changed_rows');
CREATE TRIGGER occurrences_update_notify AFTER UPDATE ON occurrences
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
    EXECUTE FUNCTION almanac_notify_owners('SELECT owner_id FROM changed_rows');
CREATE TRIGGER occurrences_delete_notify AFTER DELETE ON occurrences
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT
    EXECUTE FUNCTION almanac_notify_owners('SELECT owner_id FROM changed_rows');
