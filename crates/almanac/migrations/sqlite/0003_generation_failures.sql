-- Generation jobs that failed: kept for admins until the event's occurrences are generated.
-- `permanent` marks a series that cannot be expanded; the reconciler leaves that revision alone.
CREATE TABLE generation_failures (
    event_id  BLOB PRIMARY KEY NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    revision  INTEGER NOT NULL,
    attempts  INTEGER NOT NULL,
    error     TEXT NOT NULL,
    permanent INTEGER NOT NULL,
    failed_at INTEGER NOT NULL
) STRICT;
CREATE INDEX generation_failures_failed_at ON generation_failures (failed_at);
