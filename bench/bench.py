#!/usr/bin/env python3
"""Almanac's load benchmark and scale test.

Builds the release binary, starts Almanac (embedded default, or PostgreSQL + Redis with a separate
worker), seeds realistic data through the public API, drives load with wrk, and writes the results
into docs/BENCHMARKS.md. See that file for how to run it and what the figures mean.

Only the standard library and wrk are used; every target is 127.0.0.1.
"""

import argparse
import concurrent.futures
import datetime
import json
import os
import platform
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WRK_DIR = os.path.join(ROOT, "bench", "wrk")
DOC = os.path.join(ROOT, "docs", "BENCHMARKS.md")
PASSWORD = "bench horse battery staple"
MONTH = ("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
COLD_WINDOW_STARTS = 335
TARGET = {
    "ratio": {"sqlite": 0.50, "postgres": 0.30},
    "p99_ms": 20.0,
    "ready_p50_ms": 250.0,
    "rss_mb": 100.0,
    "scale_growth": 2.0,
}


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def run(command, **kwargs):
    log("$ " + " ".join(command))
    return subprocess.run(command, check=True, **kwargs)


def binary():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "release", "almanac")


def build():
    """Builds as the container image does, so the smoke run in CI tests what the image runs."""
    run([os.path.join(ROOT, "scripts", "build-release")], cwd=ROOT)


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Http:
    """A tiny JSON client for seeding and polling (wrk does the load)."""

    def __init__(self, base):
        self.base = base

    def call(self, method, path, body=None, token=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                text = response.read()
                return response.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as error:
            text = error.read()
            return error.code, (json.loads(text) if text else None)


class Memory:
    """Samples a process's resident memory until stopped; keeps the peak."""

    def __init__(self, pid):
        self.pid = pid
        self.peak_kb = 0
        self.phase_peak_kb = 0
        self.phases = {}
        self.running = True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def read(self, field):
        try:
            with open(f"/proc/{self.pid}/status") as status:
                for line in status:
                    if line.startswith(field + ":"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def sample(self):
        while self.running:
            rss = self.read("VmRSS")
            self.phase_peak_kb = max(self.phase_peak_kb, rss)
            self.peak_kb = max(self.peak_kb, rss, self.read("VmHWM"))
            time.sleep(0.1)

    def phase(self, name):
        """Ends a phase of the run: remembers its peak RSS (MB) and starts the next."""
        self.phases[name] = max(self.phase_peak_kb, self.read("VmRSS")) / 1024
        self.phase_peak_kb = 0

    def stop(self):
        self.running = False
        self.thread.join()
        return self.peak_kb / 1024


class Deployment:
    """A running Almanac: `serve` (with its in-process worker) on SQLite, or `serve` plus a
    separate `worker` on PostgreSQL and Redis."""

    def __init__(self, backend, data_dir):
        self.backend = backend
        self.data_dir = data_dir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.processes = []
        self.env = dict(os.environ, RUST_LOG=os.environ.get("BENCH_RUST_LOG", "warn"), ALMANAC_DATA_DIR=data_dir)
        self.env.pop("DATABASE_URL", None)
        self.env.pop("REDIS_URL", None)
        if backend == "postgres":
            self.database = f"almanac_bench_{uuid.uuid4().hex[:12]}"
            admin = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
            self.admin_url = admin
            self.env["DATABASE_URL"] = admin.rsplit("/", 1)[0] + "/" + self.database
            self.env["REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/")
            self.env["ALMANAC_REDIS_NAMESPACE"] = self.database
            self.env["ALMANAC_SECRET_KEY"] = "bench-secret-key-" + "x" * 32
            run(["psql", admin, "-qc", f"CREATE DATABASE {self.database}"], stdout=subprocess.DEVNULL)
            run([binary(), "migrate"], env=self.env, stdout=subprocess.DEVNULL)
        else:
            self.database = os.path.join(data_dir, "almanac.sqlite3")
            run([binary(), "migrate"], env=self.env, stdout=subprocess.DEVNULL)

    def start(self):
        serve = subprocess.Popen(
            [binary(), "serve", "--bind", f"127.0.0.1:{self.port}"],
            env=self.env, stdout=subprocess.DEVNULL,
        )
        self.processes.append(serve)
        self.server = serve
        if self.backend == "postgres":
            self.worker = subprocess.Popen([binary(), "worker"], env=self.env, stdout=subprocess.DEVNULL)
            self.processes.append(self.worker)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if Http(self.base).call("GET", "/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("Almanac did not become ready")

    def stop(self):
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes = []

    def destroy(self):
        self.stop()
        if self.backend == "postgres":
            subprocess.run(["psql", self.admin_url, "-qc", f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)"],
                           stdout=subprocess.DEVNULL)
            redis = ["redis-cli", "-u", self.env["REDIS_URL"]]
            keys = subprocess.run(redis + ["--scan", "--pattern", f"{self.database}:*"],
                                  capture_output=True, text=True).stdout.split()
            for start in range(0, len(keys), 500):
                subprocess.run(redis + ["DEL", *keys[start:start + 500]], stdout=subprocess.DEVNULL)
            subprocess.run(redis + ["ZREM", "core:apalis:queues:list", f"{self.database}:generate-occurrences:workers"],
                           stdout=subprocess.DEVNULL)


def seed_through_api(http, users, events_per_user):
    """`users` accounts with `events_per_user` events each, a fifth of them recurring (daily;
    Monday, Wednesday and Friday; weekly without end; the last weekday of the month as RRULE text;
    the second Tuesday of the month, all day, with an exclusion date), spread over 2026. Returns
    [(email, token, [event ids])]."""
    def make_user(index):
        email = f"bench-{index}@example.com"
        status, body = http.call("POST", "/api/v1/users/register/", {"email": email, "password": PASSWORD})
        assert status == 201, (status, body)
        status, tokens = http.call("POST", "/api/v1/users/login/", {"email": email, "password": PASSWORD})
        assert status == 200, (status, tokens)
        return email, tokens["access"]

    def event_body(index):
        day = 1 + (index * 7) % 28
        month = 1 + index % 12
        start = f"2026-{month:02d}-{day:02d}T{8 + index % 10:02d}:00:00"
        end = f"2026-{month:02d}-{day:02d}T{9 + index % 10:02d}:00:00"
        body = {"title": f"Event {index}", "description": "Seeded by bench.py",
                "start_date": start, "end_date": end, "timezone": "Europe/Berlin"}
        if index % 5 == 0:
            kind = (index // 5) % 5
            body["recurrence"] = [
                {"frequency": "daily", "count": 180},
                {"frequency": "weekly", "by_weekday": ["MO", "WE", "FR"], "count": 180},
                # No end: stored to the horizon, computed beyond it.
                {"frequency": "weekly"},
                {"rrule": "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=36"},
                {"frequency": "monthly", "by_weekday": ["2TU"], "count": 36, "exdates": [f"2026-{month:02d}-{day:02d}"]},
            ][kind]
            if kind == 4:
                # All day: dates, the end exclusive.
                next_day = datetime.date(2026, month, day) + datetime.timedelta(days=1)
                body.update(all_day=True, start_date=f"2026-{month:02d}-{day:02d}", end_date=next_day.isoformat())
        return body

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        accounts = list(pool.map(make_user, range(users)))

    def make_events(account):
        email, token = account
        ids = []
        for index in range(events_per_user):
            status, event = http.call("POST", "/api/v1/events/", event_body(index), token)
            assert status == 201, (status, event)
            ids.append(event["id"])
        return email, token, ids

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        seeded = list(pool.map(make_events, accounts))
    return seeded


def write_windows(path, seeded, first_day):
    """Every user's 31-day windows from each of COLD_WINDOW_STARTS days from `first_day`."""
    starts = [first_day + datetime.timedelta(days=offset) for offset in range(COLD_WINDOW_STARTS)]
    write_lines(path, [f"{token} /api/v1/event-occurrences/?start_date={start}T00:00:00Z"
                       f"&end_date={start + datetime.timedelta(days=31)}T00:00:00Z"
                       for _, token, _ in seeded for start in starts])


def wait_until_generated(http, seeded, deadline_seconds=600):
    deadline = time.time() + deadline_seconds
    for _, token, _ in seeded:
        while True:
            status, events = http.call("GET", "/api/v1/events/?limit=5000", token=token)
            assert status == 200
            if all(event["occurrences_status"] == "ready" for event in events):
                break
            if time.time() > deadline:
                raise RuntimeError("occurrences were not generated in time")
            time.sleep(0.2)


def cpu_seconds(pid):
    """User and system CPU time a process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        # The fields after the command name, which is in parentheses and may hold spaces.
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_cpu_seconds():
    """CPU time used so far by each process of the PostgreSQL server on this machine, by pid."""
    used = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/comm") as comm:
                if comm.read().strip() != "postgres":
                    continue
            used[pid] = cpu_seconds(pid)
        except OSError:
            continue  # gone meanwhile
    return used


def wrk(deployment, script, seconds, connections, env=None, path="/"):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
               "-s", os.path.join(WRK_DIR, script), deployment.base + path]
    log("$ " + " ".join(command))
    on_postgres = deployment.backend == "postgres"
    database_before = database_cpu_seconds() if on_postgres else {}
    cpu_before = cpu_seconds(deployment.server.pid)
    result = subprocess.run(command, capture_output=True, text=True, check=True,
                            env=dict(os.environ, BENCH_WRK_DIR=WRK_DIR, BENCH_PASSWORD=PASSWORD, **(env or {})))
    cpu = cpu_seconds(deployment.server.pid) - cpu_before
    # A server process that ended during the row takes its CPU with it: a lower bound, and exact
    # for the pool's connections, which stay open.
    database_cpu = (sum(used - database_before.get(pid, 0) for pid, used in database_cpu_seconds().items())
                    if on_postgres else None)
    line = next(line for line in result.stdout.splitlines() if line.startswith("BENCH_JSON "))
    data = json.loads(line[len("BENCH_JSON "):])
    seconds_run = data["duration_us"] / 1e6
    errors = sum(data[key] for key in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts"))
    return {
        "rps": data["requests"] / seconds_run,
        "p50_ms": data["p50_us"] / 1000,
        "p99_ms": data["p99_us"] / 1000,
        "errors": errors,
        "requests": data["requests"],
        # What each request cost the server, whatever else the machine ran meanwhile: requests/s
        # moves with the machine's other load, this much less.
        "cpu_us": cpu * 1e6 / max(data["requests"], 1),
        # PostgreSQL's share, where it runs apart from the server (SQLite's is in the server's).
        "database_cpu_us": None if database_cpu is None else database_cpu * 1e6 / max(data["requests"], 1),
    }


def time_to_ready(http, token, title, count, give_up_seconds):
    """Creates a daily series of `count` occurrences and polls it as fast as a client can:
    milliseconds from its 201 until it is `ready`."""
    body = {"title": title, "start_date": "2026-01-05T07:00:00", "end_date": "2026-01-05T07:30:00",
            "timezone": "Europe/Berlin", "recurrence": {"frequency": "daily", "count": count}}
    status, event = http.call("POST", "/api/v1/events/", body, token)
    assert status == 201, (status, event)
    created = time.perf_counter()
    while True:
        status, current = http.call("GET", f"/api/v1/events/{event['id']}/", token=token)
        if current["occurrences_status"] == "ready":
            waited = (time.perf_counter() - created) * 1000
            if waited > 1000:
                log(f"event {event['id']} ({title}) was ready only after {waited:.0f} ms")
            return waited
        if time.perf_counter() - created > give_up_seconds:
            raise RuntimeError(f"event {event['id']} ({title}) was not ready within {give_up_seconds} s")
        time.sleep(0.001)


def ready_latency(http, token, count, samples):
    """Milliseconds from a 201 until `ready`, one series after another."""
    latencies = sorted(time_to_ready(http, token, f"Ready {count}/{sample}", count, 60)
                       for sample in range(samples))
    return {"p50_ms": statistics.median(latencies),
            "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
            "samples": samples}


def ready_during_backlog(http, token, samples):
    """Milliseconds from a 201 until `ready` for 30-occurrence series created while the series
    made under load still wait to be generated: new work must not queue behind old. The series
    are created 100 ms apart, each polled from its 201 on, in a thread of its own."""
    def one(sample):
        time.sleep(0.1 * sample)
        return time_to_ready(http, token, f"Behind the backlog {sample}", 30, 600)

    with concurrent.futures.ThreadPoolExecutor(samples) as pool:
        latencies = sorted(pool.map(one, range(samples)))
    return {"p50_ms": statistics.median(latencies), "p99_ms": latencies[-1], "samples": samples}


def write_lines(path, lines):
    with open(path, "w") as file:
        file.write("\n".join(lines) + "\n")


def load_benchmark(args, backend):
    workdir = tempfile.mkdtemp(prefix=f"almanac-bench-{backend}-")
    deployment = Deployment(backend, os.path.join(workdir, "data"))
    try:
        deployment.start()
        http = Http(deployment.base)
        memory = Memory(deployment.server.pid)
        worker_memory = Memory(deployment.worker.pid) if backend == "postgres" else None
        log(f"seeding {args.users} users x {args.events} events through the API")
        started = time.time()
        seeded = seed_through_api(http, args.users, args.events)
        wait_until_generated(http, seeded)
        seed_seconds = time.time() - started
        memory.phase("seed")
        total_events = sum(len(ids) for _, _, ids in seeded)
        occurrences = count_occurrences(deployment)
        log(f"seeded {total_events} events, {occurrences} occurrences in {seed_seconds:.0f} s")

        tokens = os.path.join(workdir, "tokens.txt")
        write_lines(tokens, [token for _, token, _ in seeded])
        emails = os.path.join(workdir, "emails.txt")
        write_lines(emails, [email for email, _, _ in seeded])
        month = os.path.join(workdir, "month.txt")
        window = f"/api/v1/event-occurrences/?start_date={MONTH[0]}&end_date={MONTH[1]}"
        write_lines(month, [f"{token} {window}" for _, token, _ in seeded])
        me = os.path.join(workdir, "me.txt")
        write_lines(me, [f"{token} /api/v1/users/me/" for _, token, _ in seeded])
        # 31-day windows from every day of 2026 for every user: far more than the server keeps in
        # memory, so nearly every request is read from the database and serialized.
        cold = os.path.join(workdir, "cold.txt")
        write_windows(cold, seeded, datetime.date(2026, 1, 1))
        # The same windows ten years ahead: beyond the stored horizon, so the series without end
        # are computed on the fly.
        far = os.path.join(workdir, "far.txt")
        write_windows(far, seeded, datetime.date(2036, 1, 1))
        listing = os.path.join(workdir, "list.txt")
        write_lines(listing, [f"{token} /api/v1/events/" for _, token, _ in seeded])
        detail = os.path.join(workdir, "detail.txt")
        write_lines(detail, [f"{token} /api/v1/events/{event}/" for _, token, ids in seeded for event in ids])

        seconds, connections = args.seconds, args.connections
        status, sample = http.call("GET", f"/api/v1/event-occurrences/?start_date={MONTH[0]}&end_date={MONTH[1]}",
                                   token=seeded[0][1])
        assert status == 200
        results = {}
        scenarios = [
            ("healthz", "healthz.lua", {}, "/healthz"),
            ("me", "authenticated_get.lua", {"BENCH_TARGETS": me}, "/"),
            ("month", "authenticated_get.lua", {"BENCH_TARGETS": month}, "/"),
            ("cold", "authenticated_get.lua", {"BENCH_TARGETS": cold}, "/"),
            ("far", "authenticated_get.lua", {"BENCH_TARGETS": far}, "/"),
            ("list", "authenticated_get.lua", {"BENCH_TARGETS": listing}, "/"),
            ("detail", "authenticated_get.lua", {"BENCH_TARGETS": detail}, "/"),
            ("login", "login.lua", {"BENCH_EMAILS": emails}, "/"),
            ("create", "create_event.lua", {"BENCH_TOKENS": tokens}, "/"),
        ]
        if args.rows:
            scenarios = [row for row in scenarios if row[0] == "healthz" or row[0] in args.rows]
        for name, script, env, path in scenarios:
            results[name] = wrk(deployment, script, seconds, connections, env, path)
            memory.phase(name)
        if args.rows:
            started = time.time()
            during_backlog = ready_during_backlog(http, seeded[0][1], 5) if "create" in results else None
            wait_until_generated(http, seeded)
            return {"backend": backend, "results": results, "backlog_seconds": time.time() - started,
                    "during_backlog": during_backlog, "rss_mb": memory.stop(), "rss_phases": memory.phases}
        # The series created under load must all be generated before timing one on its own;
        # meanwhile a few more are created, behind them.
        started = time.time()
        during_backlog = ready_during_backlog(http, seeded[0][1], 5)
        wait_until_generated(http, seeded)
        backlog_seconds = time.time() - started
        memory.phase("backlog")
        token = seeded[0][1]
        ready = {count: ready_latency(http, token, count, args.ready_samples) for count in (30, 5000)}
        ready["backlog"] = during_backlog
        memory.phase("ready")
        rss = memory.stop()
        worker_rss = worker_memory.stop() if worker_memory else None
        return {
            "backend": backend, "users": args.users, "events": total_events, "occurrences": occurrences,
            "month_rows": len(sample),
            "seed_seconds": seed_seconds, "backlog_seconds": backlog_seconds, "results": results,
            "ready": ready, "rss_mb": rss, "rss_phases": memory.phases,
            "worker_rss_mb": worker_rss, "seconds": seconds, "connections": connections,
        }
    finally:
        deployment.destroy()
        shutil.rmtree(workdir, ignore_errors=True)


def count_occurrences(deployment):
    if deployment.backend == "sqlite":
        with sqlite3.connect(deployment.database) as db:
            return db.execute("SELECT COUNT(*) FROM occurrences").fetchone()[0]
    output = subprocess.run(["psql", deployment.env["DATABASE_URL"], "-Atc", "SELECT COUNT(*) FROM occurrences"],
                            capture_output=True, text=True, check=True)
    return int(output.stdout.strip())


# The scale test: one user whose calendar is always the same (5 daily series of 1000 days, so 150
# occurrences in March 2026), in a table that grows around it with other users' identical series.
SCALE_SERIES_PER_USER = 5
SCALE_DAYS = 1000


def bulk_seed_sql(backend, users):
    """SQL that adds `users` owners of 5 daily series of 1000 occurrences, all from 2025-06-01."""
    per_user = SCALE_SERIES_PER_USER * SCALE_DAYS
    if backend == "postgres":
        return f"""
        CREATE TEMP TABLE bench_owners AS
            SELECT gen_random_uuid() AS id, n FROM generate_series(1, {users}) AS n;
        INSERT INTO users (id, email, email_key, password_hash, is_active, is_staff, date_joined)
            SELECT id, 'owner-' || n || '@bench.invalid', 'owner-' || n || '@bench.invalid', '!', TRUE, FALSE, now()
            FROM bench_owners;
        CREATE TEMP TABLE bench_events AS
            SELECT gen_random_uuid() AS id, o.id AS owner_id, s AS series
            FROM bench_owners o, generate_series(0, {SCALE_SERIES_PER_USER - 1}) AS s;
        INSERT INTO events (id, owner_id, title, description, start_at, end_at, series_end_at, timezone,
                            revision, occurrences_revision, revised_at, created_at, updated_at)
            SELECT id, owner_id, 'Series ' || series, '', TIMESTAMPTZ '2025-06-01 06:00:00+00' + series * INTERVAL '2 hours',
                   TIMESTAMPTZ '2025-06-01 07:00:00+00' + series * INTERVAL '2 hours',
                   TIMESTAMPTZ '2025-06-01 07:00:00+00' + series * INTERVAL '2 hours' + INTERVAL '{SCALE_DAYS - 1} days',
                   'UTC', 1, 1, now(), now(), now()
            FROM bench_events;
        INSERT INTO recurrences (id, event_id, pattern, count, until)
            SELECT gen_random_uuid(), id, 'FREQ=DAILY', {SCALE_DAYS}, NULL FROM bench_events;
        INSERT INTO occurrences (id, event_id, owner_id, original_start, start_at, end_at, revision)
            SELECT gen_random_uuid(), e.id, e.owner_id,
                   TIMESTAMPTZ '2025-06-01 06:00:00+00' + e.series * INTERVAL '2 hours' + d * INTERVAL '1 day',
                   TIMESTAMPTZ '2025-06-01 06:00:00+00' + e.series * INTERVAL '2 hours' + d * INTERVAL '1 day',
                   TIMESTAMPTZ '2025-06-01 07:00:00+00' + e.series * INTERVAL '2 hours' + d * INTERVAL '1 day', 1
            FROM bench_events e, generate_series(0, {SCALE_DAYS - 1}) AS d;
        ANALYZE;
        """, per_user
    start_us = int(datetime.datetime(2025, 6, 1, 6, tzinfo=datetime.timezone.utc).timestamp() * 1_000_000)
    hour_us, day_us = 3_600 * 1_000_000, 86_400 * 1_000_000
    return f"""
        CREATE TEMP TABLE bench_owners AS
            WITH RECURSIVE n(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM n WHERE n < {users})
            SELECT randomblob(16) AS id, n FROM n;
        INSERT INTO users (id, email, email_key, password_hash, is_active, is_staff, date_joined)
            SELECT id, 'owner-' || n || '@bench.invalid', 'owner-' || n || '@bench.invalid', '!', 1, 0, {start_us}
            FROM bench_owners;
        CREATE TEMP TABLE bench_events AS
            WITH RECURSIVE s(s) AS (SELECT 0 UNION ALL SELECT s + 1 FROM s WHERE s < {SCALE_SERIES_PER_USER - 1})
            SELECT randomblob(16) AS id, o.id AS owner_id, s AS series FROM bench_owners o, s;
        INSERT INTO events (id, owner_id, title, description, start_at, end_at, series_end_at, timezone,
                            revision, occurrences_revision, revised_at, created_at, updated_at)
            SELECT id, owner_id, 'Series ' || series, '', {start_us} + series * 2 * {hour_us},
                   {start_us} + series * 2 * {hour_us} + {hour_us},
                   {start_us} + series * 2 * {hour_us} + {hour_us} + {SCALE_DAYS - 1} * {day_us},
                   'UTC', 1, 1, {start_us}, {start_us}, {start_us}
            FROM bench_events;
        INSERT INTO recurrences (id, event_id, pattern, count, until)
            SELECT randomblob(16), id, 'FREQ=DAILY', {SCALE_DAYS}, NULL FROM bench_events;
        INSERT INTO occurrences (id, event_id, owner_id, original_start, start_at, end_at, revision)
            WITH RECURSIVE d(d) AS (SELECT 0 UNION ALL SELECT d + 1 FROM d WHERE d < {SCALE_DAYS - 1})
            SELECT randomblob(16), e.id, e.owner_id,
                   {start_us} + e.series * 2 * {hour_us} + d * {day_us},
                   {start_us} + e.series * 2 * {hour_us} + d * {day_us},
                   {start_us} + e.series * 2 * {hour_us} + d * {day_us} + {hour_us}, 1
            FROM bench_events e, d;
        ANALYZE;
        """, per_user


def scale_test(args, backend):
    rows = []
    for total in args.scale_sizes:
        workdir = tempfile.mkdtemp(prefix=f"almanac-scale-{backend}-")
        deployment = Deployment(backend, os.path.join(workdir, "data"))
        try:
            # The measured user, made with the CLI so the table can be filled before serving.
            email = "measured@example.com"
            run([binary(), "createsuperuser", "--email", email, "--password-stdin"],
                env=deployment.env, input=(PASSWORD + "\n").encode(), stdout=subprocess.DEVNULL)
            users = max(1, total // (SCALE_SERIES_PER_USER * SCALE_DAYS))
            sql, per_user = bulk_seed_sql(backend, users)
            started = time.time()
            if backend == "sqlite":
                with sqlite3.connect(deployment.database) as db:
                    db.executescript(sql)
                    db.execute("UPDATE events SET owner_id = (SELECT id FROM users WHERE email = ?) "
                               "WHERE owner_id = (SELECT id FROM bench_owners WHERE n = 1)", (email,))
                    db.execute("UPDATE occurrences SET owner_id = (SELECT id FROM users WHERE email = ?) "
                               "WHERE owner_id = (SELECT id FROM bench_owners WHERE n = 1)", (email,))
                    db.commit()
            else:
                script = sql + f"""
                    UPDATE events SET owner_id = (SELECT id FROM users WHERE email = '{email}')
                        WHERE owner_id = (SELECT id FROM bench_owners WHERE n = 1);
                    UPDATE occurrences SET owner_id = (SELECT id FROM users WHERE email = '{email}')
                        WHERE owner_id = (SELECT id FROM bench_owners WHERE n = 1);
                """
                run(["psql", deployment.env["DATABASE_URL"], "-qv", "ON_ERROR_STOP=1", "-c", script],
                    stdout=subprocess.DEVNULL)
                # Measure the steady state: autovacuum would otherwise visit the fresh rows
                # during the measurement, on the same two cores.
                run(["psql", deployment.env["DATABASE_URL"], "-qc", "VACUUM ANALYZE"], stdout=subprocess.DEVNULL)
            occurrences = count_occurrences(deployment)
            log(f"bulk-seeded {occurrences} occurrences in {time.time() - started:.0f} s")
            # What is measured is the query: no answer is kept in memory.
            deployment.env["ALMANAC_CACHE_MB"] = "0"
            deployment.start()
            http = Http(deployment.base)
            status, tokens = http.call("POST", "/api/v1/users/login/", {"email": email, "password": PASSWORD})
            assert status == 200, (status, tokens)
            window = f"/api/v1/event-occurrences/?start_date={MONTH[0]}&end_date={MONTH[1]}"
            status, body = http.call("GET", window, token=tokens["access"])
            assert status == 200 and len(body) == SCALE_SERIES_PER_USER * 31, (status, len(body))
            targets = os.path.join(workdir, "targets.txt")
            write_lines(targets, [f"{tokens['access']} {window}"])
            # The bulk load's writes reach the disk, and a first pass warms the caches, before
            # the measured pass.
            os.sync()
            wrk(deployment, "authenticated_get.lua", 3, args.connections, {"BENCH_TARGETS": targets})
            result = wrk(deployment, "authenticated_get.lua", args.seconds, args.connections, {"BENCH_TARGETS": targets})
            rows.append({"occurrences": occurrences, "window": len(body), **result})
        finally:
            deployment.destroy()
            shutil.rmtree(workdir, ignore_errors=True)
    return rows


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    with open("/proc/meminfo") as info:
        memory_gb = int(info.readline().split()[1]) / 1024 / 1024
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0].strip()
    return (f"{os.cpu_count()} × {cpu}, {memory_gb:.0f} GiB, {platform.system()} {platform.release()}; "
            f"{wrk_version.split(' Copyright')[0]}; commit `{commit}`; "
            f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC")


def verdict(ok):
    return "✅ met" if ok else "❌ missed"


def load_section(report):
    backend = report["backend"]
    results = report["results"]
    ratio = results["month"]["rps"] / results["healthz"]["rps"]
    labels = {
        "healthz": "`GET /healthz` (ceiling: no database)",
        "me": "`GET users/me/` (the token's account, kept in memory)",
        "month": f"`GET event-occurrences` one month, {report['users']} users ({report['month_rows']} rows each)",
        "cold": f"`GET event-occurrences` 31 days from any day of 2026, {report['users']} users "
                f"({report['users'] * COLD_WINDOW_STARTS:,} windows: nearly all read from the database)",
        "far": f"`GET event-occurrences` 31 days from any day of 2036, {report['users']} users "
               "(beyond the stored horizon: series without end computed on the fly)",
        "list": "`GET events/`",
        "detail": "`GET events/{id}/`",
        "create": "`POST events/` weekly × 30",
        "login": "`POST users/login/` (argon2id)",
    }
    database_cpu_heading, database_cpu_alignment = database_cpu_head(backend)
    lines = [
        f"Seeded through the API: {report['users']} users, {report['events']} events (a fifth recurring), "
        f"{report['occurrences']:,} occurrences, in {report['seed_seconds']:.0f} s. "
        f"wrk: 2 threads, {report['connections']} connections, {report['seconds']} s per row.",
        "",
        "| request | requests/s | p50 ms | p99 ms | `serve` CPU µs per request |"
        + database_cpu_heading + " errors + non-2xx |",
        "|---|---:|---:|---:|---:|" + database_cpu_alignment + "---:|",
    ]
    for key, label in labels.items():
        row = results[key]
        lines.append(f"| {label} | {row['rps']:,.0f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | "
                     f"{row['cpu_us']:.0f} | {database_cpu_cell(row)}{row['errors']} |")
    lines += ["", "| series | 201 → `ready`, p50 ms | p99 ms | samples |", "|---|---:|---:|---:|"]
    for count, row in report["ready"].items():
        label = (f"30 occurrences, created while the series made under load wait (p99: the slowest)"
                 if count == "backlog" else f"{count} occurrences")
        lines.append(f"| {label} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | {row['samples']} |")
    errors = sum(row["errors"] for row in results.values())
    lines += [
        "",
        f"The {report['results']['create']['requests']:,} series created under load were all generated "
        f"{report['backlog_seconds']:.1f} s after the load stopped.",
        "",
        f"Peak RSS of `almanac serve` during the run: **{report['rss_mb']:.1f} MB**"
        + (f"; of `almanac worker`: **{report['worker_rss_mb']:.1f} MB**." if report["worker_rss_mb"] else ".")
        + " Peak per phase: "
        + ", ".join(f"{name} {mb:.0f} MB" for name, mb in report["rss_phases"].items()) + ".",
        "",
        "| target | measured | verdict |",
        "|---|---|---|",
        f"| month window ≥ {TARGET['ratio'][backend]:.0%} of `/healthz` requests/s | {ratio:.0%} | {verdict(ratio >= TARGET['ratio'][backend])} |",
        f"| month window p99 < {TARGET['p99_ms']:.0f} ms | {results['month']['p99_ms']:.2f} ms | {verdict(results['month']['p99_ms'] < TARGET['p99_ms'])} |",
        f"| zero errors and non-2xx under load | {errors} | {verdict(errors == 0)} |",
    ]
    if backend == "sqlite":
        ready = report["ready"][5000]["p50_ms"]
        lines += [
            f"| 5000-occurrence series `ready` within {TARGET['ready_p50_ms']:.0f} ms of its 201 (p50) | {ready:.1f} ms | {verdict(ready < TARGET['ready_p50_ms'])} |",
            f"| server RSS < {TARGET['rss_mb']:.0f} MB | {report['rss_mb']:.1f} MB | {verdict(report['rss_mb'] < TARGET['rss_mb'])} |",
        ]
    return lines


def database_cpu_head(backend):
    """The PostgreSQL CPU column's heading and alignment, each with its separator; nothing on SQLite,
    where the database's CPU is the server's."""
    return (" PostgreSQL CPU µs per request |", "---:|") if backend == "postgres" else ("", "")


def database_cpu_cell(row):
    """The PostgreSQL CPU column's cell, with its separator; nothing where there is no column."""
    return "" if row["database_cpu_us"] is None else f"{row['database_cpu_us']:.0f} | "


def rows_section(report):
    healthz = report["results"]["healthz"]["rps"]
    database_cpu_heading, database_cpu_alignment = database_cpu_head(report["backend"])
    lines = ["| row | requests/s | % of `/healthz` | p50 ms | p99 ms | `serve` CPU µs per request |"
             + database_cpu_heading + " errors + non-2xx |",
             "|---|---:|---:|---:|---:|---:|" + database_cpu_alignment + "---:|"]
    for name, row in report["results"].items():
        lines.append(f"| {name} | {row['rps']:,.0f} | {row['rps'] / healthz:.1%} | {row['p50_ms']:.2f} | "
                     f"{row['p99_ms']:.2f} | {row['cpu_us']:.0f} | {database_cpu_cell(row)}{row['errors']} |")
    lines += ["", f"Peak RSS of `almanac serve`: {report['rss_mb']:.1f} MB (per row: "
                  + ", ".join(f"{name} {mb:.0f} MB" for name, mb in report["rss_phases"].items()) + ")."]
    if "create" in report["results"]:
        lines += ["", f"The {report['results']['create']['requests']:,} series created under load were all "
                      f"generated {report['backlog_seconds']:.1f} s after the load stopped; five series created "
                      f"meanwhile were `ready` after {report['during_backlog']['p50_ms']:.1f} ms at p50 "
                      f"({report['during_backlog']['p99_ms']:.1f} ms the slowest)."]
    return lines


def scale_section(rows, backend):
    lines = [
        "One user with 5 daily series (155 occurrences in March 2026) among other users' identical "
        f"series, bulk-seeded with SQL (`bench/bench.py`, not the API); wrk as above, on that user's month, "
        "with nothing kept in memory (`ALMANAC_CACHE_MB=0`): every request runs the query.",
        "",
        "| occurrences in the table | requests/s | p50 ms | p99 ms | errors |",
        "|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(f"| {row['occurrences']:,} | {row['rps']:,.0f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | {row['errors']} |")
    growth = rows[-1]["p50_ms"] / rows[0]["p50_ms"]
    lines += ["", f"p50 growth from {rows[0]['occurrences']:,} to {rows[-1]['occurrences']:,} occurrences: "
              f"**{growth:.2f}×** (target < {TARGET['scale_growth']:.0f}×: {verdict(growth < TARGET['scale_growth'])})."]
    return lines


def replace_section(name, lines):
    begin, end = f"<!-- bench:{name}:begin -->", f"<!-- bench:{name}:end -->"
    with open(DOC) as file:
        text = file.read()
    if begin not in text:
        raise RuntimeError(f"{DOC} lacks the markers {begin} … {end}")
    before, rest = text.split(begin, 1)
    _, after = rest.split(end, 1)
    with open(DOC, "w") as file:
        file.write(before + begin + "\n" + "\n".join(lines) + "\n" + end + after)


ROWS = ["me", "month", "cold", "far", "list", "detail", "login", "create"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--scale", action="store_true", help="also run the scale test (10k to 10M occurrences)")
    parser.add_argument("--scale-only", action="store_true", help="run only the scale test")
    parser.add_argument("--scale-sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000, 10_000_000])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--ready-samples", type=int, default=40)
    parser.add_argument("--no-write", action="store_true", help="print the tables instead of updating docs/BENCHMARKS.md")
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--smoke", action="store_true",
                        help="a small, quick run that fails on any error or non-2xx answer (for CI)")
    parser.add_argument("--rows", nargs="+", choices=ROWS,
                        help="run only these rows of the load benchmark (and /healthz, the ceiling), print them "
                             "and write nothing: to compare two builds (CARGO_TARGET_DIR picks the binary)")
    args = parser.parse_args()
    if args.rows:
        args.no_write = True
    if args.smoke:
        args.users, args.events, args.seconds, args.ready_samples, args.no_write = 5, 10, 2, 3, True

    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    if not args.skip_build:
        build()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    sections = {"machine": [machine()]}
    for backend in backends:
        if args.rows:
            sections[f"rows-{backend}"] = rows_section(load_benchmark(args, backend))
        elif not args.scale_only:
            report = load_benchmark(args, backend)
            sections[f"load-{backend}"] = load_section(report)
            errors = sum(row["errors"] for row in report["results"].values())
            if args.smoke and errors:
                sys.exit(f"{backend}: {errors} errors or non-2xx answers under load")
        if args.scale or args.scale_only:
            sections[f"scale-{backend}"] = scale_section(scale_test(args, backend), backend)
    for name, lines in sections.items():
        print(f"\n## {name}\n" + "\n".join(lines))
        if not args.no_write:
            replace_section(name, lines)


if __name__ == "__main__":
    main()
