#!/usr/bin/env python3
"""After a wrk run of submissions.lua: resend every key wrk generated, with the same protocol,
and check that nothing was lost or stored twice.

    KUZET_TOKEN=... python3 crates/web/benches/submissions_check.py http://127.0.0.1:8091 [keys-file]

Every resent key must be answered 200 (already stored: the first submission comes back) or 201
(the request was cut off when wrk stopped and never reached the store). Afterwards the election
holds exactly one submission per generated key. Prints the counts it found.
"""
import http.client
import json
import os
import sys
import threading
import urllib.parse

base = urllib.parse.urlparse(sys.argv[1])
keys_path = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("KUZET_KEYS", "/tmp/kuzet-wrk-keys.txt")
token = os.environ["KUZET_TOKEN"]
slug = os.environ.get("KUZET_SLUG", "bench")
stations = int(os.environ.get("KUZET_STATIONS", "1000"))


def body(station, key):
    # The same figures as submissions.lua.
    a = 200 + station % 300
    b = 150 + station % 200
    valid = a + b
    figures = {"registered": 1500, "received": 1500, "issued": valid + 7, "cancelled": 1500 - valid - 7,
               "cast": valid + 7, "invalid": 7, "valid": valid, "Candidate A": a, "Candidate B": b}
    return json.dumps({"station": str(station), "idempotency_key": key, "figures": figures})


def stored_count():
    connection = http.client.HTTPConnection(base.hostname, base.port)
    connection.request("GET", "/api/v1/elections", headers={"Authorization": "Bearer " + token})
    elections = json.loads(connection.getresponse().read())["elections"]
    return next(e["submission_count"] for e in elections if e["slug"] == slug)


jobs = []
for line in open(keys_path):
    run, thread, count = line.split()
    for n in range(1, int(count) + 1):
        station = (int(thread) * 7919 + n * 104729) % stations + 1
        jobs.append((station, f"wrk-{run}-{thread}-{n}"))

before = stored_count()
statuses = {}
lock = threading.Lock()


def worker(part):
    connection = http.client.HTTPConnection(base.hostname, base.port)
    for station, key in part:
        connection.request("POST", f"/api/v1/elections/{slug}/submissions", body=body(station, key),
                           headers={"Authorization": "Bearer " + token, "Content-Type": "application/json",
                                    "Idempotency-Key": key})
        response = connection.getresponse()
        response.read()
        with lock:
            statuses[response.status] = statuses.get(response.status, 0) + 1


threads = [threading.Thread(target=worker, args=(jobs[i::4],)) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
after = stored_count()
print(f"keys generated {len(jobs)}; stored before the resend {before}; resend answers {dict(sorted(statuses.items()))}; "
      f"stored after {after}")
ok = after == len(jobs) and statuses.get(201, 0) == after - before and set(statuses) <= {200, 201}
print("OK: one submission per key, none lost, none twice" if ok else "MISMATCH")
sys.exit(0 if ok else 1)
