#!/usr/bin/env python3
"""What storing generated series costs SQLite itself, outside Almanac.

Builds a database from the embedded default's migrations (crates/almanac/migrations/sqlite), with
the writer's settings (WAL, NORMAL sync, foreign keys, its page cache), seeds it with weekly
series of 30 occurrences for 100 users, then stores more of them in batches of 64, with the
statements the worker's generation runs for each batch (`store_whole_series` in
crates/almanac/src/storage/occurrences.rs: the events' revisions, the occurrences in multi-row
upserts of up to 1,000 rows, the deletes of earlier revisions and failures, one commit). It prints
the time per series, split into the statements and the commit, and the pages each series writes
to the log. `--drop-index` measures what one index costs.

Python's own sqlite3 module runs it: another SQLite build than Almanac's, so its figures compare
variants with each other, not with the server's.

    python3 bench/store_cost.py
    python3 bench/store_cost.py --drop-index occurrences_owner_start
"""

import argparse
import glob
import hashlib
import os
import random
import sqlite3
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIGRATIONS = os.path.join(ROOT, "crates", "almanac", "migrations", "sqlite")
BATCH = 64
OCCURRENCES = 30
INSERT_CHUNK = 1000
WEEK = 7 * 86_400_000_000
HOUR = 3_600_000_000
YEAR_2026 = 1_767_225_600_000_000
UPSERT_TAIL = (
    " ON CONFLICT (event_id, original_start) DO UPDATE SET start_at = excluded.start_at, "
    "end_at = excluded.end_at, revision = excluded.revision, title = excluded.title, "
    "description = excluded.description, is_exception = excluded.is_exception, "
    "cancelled = excluded.cancelled"
)


def open_database(path, cache_kb, dropped):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute(f"PRAGMA cache_size = -{cache_kb}")
    # The log is never copied back while this runs, so its growth counts the pages written.
    db.execute("PRAGMA wal_autocheckpoint = 0")
    for migration in sorted(glob.glob(os.path.join(MIGRATIONS, "*.sql"))):
        with open(migration) as file:
            db.executescript(file.read())
    for index in dropped:
        db.execute(f"DROP INDEX {index}")
    db.execute("PRAGMA foreign_keys = ON")
    return db


def new_series(db, users):
    """An event and its 30 weekly occurrences, with ids shaped like Almanac's (the event's hash,
    then the start), starting on a random day of 2026."""
    event, owner = uuid.uuid4().bytes, random.choice(users)
    first = YEAR_2026 + random.randrange(365) * 86_400_000_000
    db.execute(
        "INSERT INTO events (id, owner_id, title, start_at, end_at, timezone, revised_at, created_at, "
        "updated_at) VALUES (?, ?, 'Weekly', ?, ?, 'UTC', 0, 0, 0)",
        (event, owner, first, first + HOUR),
    )
    key = hashlib.sha256(event).digest()[:8]
    starts = [first + week * WEEK for week in range(OCCURRENCES)]
    rows = [(key + start.to_bytes(8, "big"), event, owner, start, start, start + HOUR, 1, None, None, 0, 0)
            for start in starts]
    return event, rows


def store(db, batch, spent):
    """Stores a batch as the generation does, adding the seconds of its statements and of its
    commit to `spent`."""
    started = time.perf_counter()
    db.execute("BEGIN")
    for event, _ in sorted(batch):
        db.execute("UPDATE events SET occurrences_revision = 1, stored_until = NULL "
                   "WHERE id = ? AND revision = 1 AND version = 1", (event,))
    rows = [row for _, series in batch for row in series]
    for at in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[at:at + INSERT_CHUNK]
        values = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
        db.execute(
            "INSERT INTO occurrences (id, event_id, owner_id, original_start, start_at, end_at, revision, "
            f"title, description, is_exception, cancelled) VALUES {values}{UPSERT_TAIL}",
            [value for row in chunk for value in row],
        )
    events = [event for event, _ in batch]
    marks = ", ".join("?" * len(events))
    db.execute("DELETE FROM occurrences WHERE revision <> (SELECT e.revision FROM events e "
               f"WHERE e.id = occurrences.event_id) AND event_id IN ({marks})", events)
    db.execute(f"DELETE FROM generation_failures WHERE event_id IN ({marks})", events)
    committing = time.perf_counter()
    db.execute("COMMIT")
    spent["statements"] += committing - started
    spent["commit"] += time.perf_counter() - committing


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed-series", type=int, default=20_000, help="series stored before the timed ones")
    parser.add_argument("--batches", type=int, default=60, help="timed batches of 64 series")
    parser.add_argument("--cache-kb", type=int, default=2_000, help="the page cache (the writer's: 2,000)")
    parser.add_argument("--drop-index", nargs="*", default=[], metavar="INDEX", help="indexes to drop first")
    args = parser.parse_args()
    random.seed(1)
    with tempfile.TemporaryDirectory(prefix="almanac-store-cost-") as directory:
        path = os.path.join(directory, "store.sqlite3")
        db = open_database(path, args.cache_kb, args.drop_index)
        users = [uuid.uuid4().bytes for _ in range(100)]
        db.executemany("INSERT INTO users (id, email, email_key, password_hash, date_joined) "
                       "VALUES (?, ?, ?, 'x', 0)", [(user, user.hex(), user.hex()) for user in users])
        ignored = {"statements": 0.0, "commit": 0.0}
        db.execute("BEGIN")
        seeded = [new_series(db, users) for _ in range(args.seed_series)]
        db.execute("COMMIT")
        for at in range(0, len(seeded), BATCH):
            store(db, seeded[at:at + BATCH], ignored)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

        db.execute("BEGIN")
        timed = [[new_series(db, users) for _ in range(BATCH)] for _ in range(args.batches)]
        db.execute("COMMIT")
        logged_before = os.path.getsize(path + "-wal")
        spent = {"statements": 0.0, "commit": 0.0}
        for batch in timed:
            store(db, batch, spent)
        series = args.batches * BATCH
        frame = db.execute("PRAGMA page_size").fetchone()[0] + 24
        pages = (os.path.getsize(path + "-wal") - logged_before) / frame / series
        micros = {part: seconds / series * 1e6 for part, seconds in spent.items()}
        dropped = ", ".join(args.drop_index) or "none"
        print(f"indexes dropped: {dropped}; page cache {args.cache_kb} KB; {series} series after "
              f"{args.seed_series:,}: {sum(micros.values()):.0f} µs per series (statements "
              f"{micros['statements']:.0f}, commit {micros['commit']:.0f}), {pages:.1f} pages written")


if __name__ == "__main__":
    main()
