-- Generation jobs that failed: kept for admins until the event's occurrences are generated.
-- `permanent` marks a series that cannot be expanded; the reconciler leaves that revision alone.
CREATE TABLE generation_failures (
    event_id  UUID PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    revision  BIGINT NOT NULL,
    attempts  BIGINT NOT NULL,
    error     TEXT NOT NULL,
    permanent BOOLEAN NOT NULL,
    failed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX generation_failures_failed_at ON generation_failures (failed_at);
