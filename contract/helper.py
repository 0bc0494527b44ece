"""Helpers for contract/run, run with the contract venv's Python.

  helper.py prepare URL WORKDIR   accounts, seed data and the WFC auth file for schemathesis
  helper.py summary NDJSON        one short summary of a schemathesis run from its NDJSON report
"""

from __future__ import annotations

import base64
import collections
import json
import secrets
import sys
import time
from pathlib import Path

import requests

API = "/api/v1"
LOGIN = f"{API}/users/login/"

# Events the fuzzer finds through the list endpoints (a one-off, series with and without an end,
# an all-day series, a rule sent as RRULE text), so that operations on an id reach real data.
SEED_EVENTS = [
    {
        "title": "Dentist",
        "description": "Bring the insurance card",
        "start_date": "2026-03-02T08:00:00Z",
        "end_date": "2026-03-02T09:00:00Z",
    },
    {
        "title": "Weekly sync",
        "description": "Agenda in the wiki",
        "start_date": "2026-03-02T09:00:00",
        "end_date": "2026-03-02T10:00:00",
        "timezone": "Europe/Berlin",
        "recurrence": {"frequency": "weekly", "by_weekday": ["MO", "WE"], "count": 10},
    },
    {
        "title": "Release review",
        "start_date": "2026-01-30T16:00:00",
        "end_date": "2026-01-30T17:00:00",
        "timezone": "America/New_York",
        "recurrence": {"rrule": "FREQ=MONTHLY;BYDAY=-1FR"},
    },
    {
        "title": "Pi day",
        "start_date": "2026-03-14",
        "end_date": "2026-03-15",
        "all_day": True,
        "recurrence": {"frequency": "yearly", "count": 5},
    },
    {
        "title": "Daily standup",
        "start_date": "2026-03-02T09:15:00",
        "end_date": "2026-03-02T09:30:00",
        "timezone": "Europe/London",
        "recurrence": {"frequency": "daily", "end_date": "2026-03-31", "by_weekday": ["MO", "TU", "WE", "TH", "FR"]},
    },
]


def fail(message: str) -> None:
    print(f"contract: {message}", file=sys.stderr)
    sys.exit(1)


def call(session: requests.Session, method: str, url: str, expect: int, **kwargs) -> requests.Response:
    response = session.request(method, url, timeout=30, **kwargs)
    if response.status_code != expect:
        fail(f"seeding: {method} {url} answered {response.status_code}, not {expect}: {response.text[:500]}")
    return response


def prepare(base: str, workdir: str) -> None:
    base = base.rstrip("/")
    work = Path(workdir)
    http = requests.Session()
    users = []
    for name in ("alice", "bob"):
        email = f"{name}-{secrets.token_hex(4)}@contract.example"
        password = f"Contract-{secrets.token_hex(12)}"
        call(http, "POST", f"{base}{API}/users/register/", 201, json={"email": email, "password": password})
        users.append((name, email, password))

    _, email, password = users[0]
    tokens = call(http, "POST", f"{base}{LOGIN}", 200, json={"email": email, "password": password}).json()
    http.headers["Authorization"] = f"Bearer {tokens['access']}"

    ids = [call(http, "POST", f"{base}{API}/events/", 201, json=event).json()["id"] for event in SEED_EVENTS]

    deadline = time.monotonic() + 120
    while True:
        events = call(http, "GET", f"{base}{API}/events/", 200).json()
        states = {event["id"]: event["occurrences_status"] for event in events}
        if all(states.get(i) == "ready" for i in ids):
            break
        if any(states.get(i) == "failed" for i in ids) or time.monotonic() > deadline:
            fail(f"seeding: occurrences not generated: {states}")
        time.sleep(0.2)

    # One cancelled occurrence (for restore and include_cancelled) and one exception.
    weekly = call(http, "GET", f"{base}{API}/event-occurrences/", 200, params={"event": ids[1]}).json()
    call(http, "DELETE", f"{base}{API}/event-occurrences/{weekly[2]['id']}/", 204)
    call(http, "PATCH", f"{base}{API}/event-occurrences/{weekly[3]['id']}/", 200, json={"title": "Sync (moved)"})

    # Web Fuzzing Commons auth file: schemathesis logs in itself (and again on a 401 or every
    # refresh_interval), as alice; bob is the peer of the object-level authorization check.
    wfc = {
        "schemaVersion": "0.1.0",
        "auth": [
            {
                "name": name,
                "loginEndpointAuth": {
                    "endpoint": LOGIN,
                    "verb": "POST",
                    "contentType": "application/json",
                    "payloadUserPwd": {
                        "username": user_email,
                        "usernameField": "email",
                        "password": user_password,
                        "passwordField": "password",
                    },
                    "token": {
                        "extractFrom": "body",
                        "extractSelector": "/access",
                        "sendIn": "header",
                        "sendName": "Authorization",
                        "sendTemplate": "Bearer {token}",
                    },
                },
            }
            for name, user_email, user_password in users
        ],
    }
    path = work / "wfc-auth.json"
    path.write_text(json.dumps(wfc, indent=2))
    path.chmod(0o600)
    print(f"seeded {len(ids)} events for {users[0][1]}; peer {users[1][1]}")


def summary(ndjson: str) -> None:
    requests_sent = 0
    statuses: collections.Counter[int] = collections.Counter()
    server_errors = []
    failures: dict[tuple[str, str, str], int] = collections.Counter()
    test_cases = None
    for line in Path(ndjson).read_text().splitlines():
        event = json.loads(line)
        (kind, body), = event.items()
        if kind == "ScenarioFinished":
            recorder = body["recorder"]
            for interaction in recorder.get("interactions", {}).values():
                response = interaction.get("response")
                requests_sent += 1
                if response is None:
                    continue
                statuses[response["status_code"]] += 1
                if response["status_code"] >= 500:
                    request = interaction["request"]
                    content = response.get("content") or {}
                    text = base64.b64decode(content["$base64"]).decode("utf-8", "replace") if "$base64" in content else ""
                    server_errors.append(f"{response['status_code']} {request['method']} {request['uri']} {text[:200]}")
            for checks in recorder.get("checks", {}).values():
                for check in checks:
                    if check.get("status") == "failure":
                        info = (check.get("failure_info") or {}).get("failure") or {}
                        failures[(info.get("code", "?"), check["name"], info.get("operation", recorder["label"]))] += 1
    print(f"requests sent: {requests_sent}; by status: " + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items())))
    if server_errors:
        print(f"5xx answers: {len(server_errors)}")
        for line in server_errors[:20]:
            print(f"  {line}")
    if failures:
        print("failed checks (code, check, operation: times):")
        for (code, name, operation), count in sorted(failures.items()):
            print(f"  {code} {name} {operation}: {count}")
    else:
        print("no failed check")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "prepare":
        prepare(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "summary":
        summary(sys.argv[2])
    else:
        fail(__doc__.strip())
