"""Benchmark: what one API request costs inside the application, without a server or a load generator.

Builds the same database as ``bench/api_load.py`` (PostgreSQL ``bench_api``, an invented population,
production-like settings: DEBUG off, kept connections, Redis when it answers), then sends requests
through Django's test client (middleware, DRF, views, services: everything but the WSGI server) and
prints, per request (for the 1,000-item batch: its statements, and the rest per event):

* the SQL statements it runs (``CaptureQueriesContext``; a COPY is not counted, BEGIN/COMMIT are),
* the Python function calls it makes (cProfile): the same for the same code whatever else the
  machine is doing, so it shows the effect of a change on a busy machine,
* its CPU time in this process (the least of 5 rounds; the machine's load still moves it).

Usage::

    python bench/api_profile.py                          # every path, about two minutes
    python bench/api_profile.py --show post --lines 40   # and cProfile's top 40 for the report path
    python bench/api_profile.py --show post --cpu        # the same, timed in CPU seconds
"""
import argparse
import cProfile
import itertools
import json
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.api_load import OCCURRED_AT, REPORT, SERVICE_AGENCY, redis_up  # noqa: E402

ROUNDS = 5
BATCH_ITEMS = 1000


def setup() -> tuple[list, dict, str]:
    os.environ.update(DEBUG="0", CONN_MAX_AGE="600", LOG_LEVEL="ERROR", API_THROTTLE_CALLER="1000000000/min",
                      CACHE_URL="redis://127.0.0.1:6379/15" if redis_up() else "")
    from bench.api_load import build_population, prepare_database

    prepare_database()
    return build_population(5000)


def requests(ids: list, tokens: dict, service: str) -> dict:
    """A function per path, each sending one request and checking its answer."""
    from django.test import Client

    client, count, run = Client(), itertools.count(), int(time.time())
    agency, event_type, attributes = REPORT

    def post():
        n = next(count)
        body = {"resident_id": ids[n % len(ids)], "event_type": event_type, "occurred_at": OCCURRED_AT,
                "attributes": attributes, "idempotency_key": f"profile-{run}-{n}"}
        response = client.post("/api/v1/events/", json.dumps(body), content_type="application/json",
                               HTTP_AUTHORIZATION=f"Token {tokens[agency]}")
        assert response.status_code == 201, response.content

    def eligibility():
        n = next(count)
        response = client.get(f"/api/v1/citizens/{ids[n % len(ids)]}/eligibility/?service={service}",
                              HTTP_AUTHORIZATION=f"Token {tokens[SERVICE_AGENCY]}")
        assert response.status_code == 200, response.content

    def batch():
        first = next(count) * BATCH_ITEMS
        items = [{"resident_id": ids[(first + i) % len(ids)], "event_type": event_type, "occurred_at": OCCURRED_AT,
                  "attributes": attributes, "idempotency_key": f"profile-{run}-batch-{first + i}"}
                 for i in range(BATCH_ITEMS)]
        response = client.post("/api/v1/events/batch/", json.dumps({"items": items}), content_type="application/json",
                               HTTP_AUTHORIZATION=f"Token {tokens[agency]}")
        assert response.status_code == 200 and response.json()["applied"] == BATCH_ITEMS, response.content[:300]

    return {"post": post, "eligibility": eligibility, "batch": batch}


def measure(send, count: int, cpu_timer: bool = False, *, warm: int = 50, per: int = 1) -> dict:
    """``send``'s statements (of one request), then its function calls and CPU time per ``per`` (a
    batch's events), over ``count`` requests."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warm):  # warm: connections, remembered agency and policy version
        send()
    with CaptureQueriesContext(connection) as captured:
        send()
    queries = list(captured)  # now: the next request empties the connection's log
    rounds = []
    for _ in range(ROUNDS):
        started = time.process_time()
        for _ in range(count):
            send()
        rounds.append((time.process_time() - started) / (count * per) * 1000)
    profile = cProfile.Profile(time.process_time) if cpu_timer else cProfile.Profile()
    profile.enable()
    for _ in range(count):
        send()
    profile.disable()
    stats = pstats.Stats(profile)
    return {"statements": len(queries), "sql": [q["sql"][:160] for q in queries],
            "calls": stats.total_calls / (count * per), "cpu_ms": min(rounds), "stats": stats}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per round (5 rounds, then 1 profiled)")
    parser.add_argument("--show", choices=["post", "eligibility", "batch"],
                        help="print cProfile's top functions for a path")
    parser.add_argument("--lines", type=int, default=30)
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key (cumulative, tottime, ...)")
    parser.add_argument("--cpu", action="store_true",
                        help="time the profile in CPU seconds, so waiting for PostgreSQL does not count")
    args = parser.parse_args()
    paths = requests(*setup())
    results = {name: measure(send, args.requests, args.cpu) for name, send in paths.items() if name != "batch"}
    # A batch is a thousand reports: a few rounds of two, figures per event.
    results["batch"] = measure(paths["batch"], 2, args.cpu, warm=2, per=BATCH_ITEMS)
    print(f"load average {os.getloadavg()[0]:.2f}")
    print("| request | SQL statements | Python function calls | app CPU (in-process) |\n| --- | --- | --- | --- |")
    for name, r in results.items():
        label = f"batch of {BATCH_ITEMS:,} (calls and CPU per event)" if name == "batch" else name
        print(f"| {label} | {r['statements']} | {r['calls']:,.0f} | {r['cpu_ms']:.2f} ms |")
    for name, r in results.items():
        print(f"\n{name}:\n  " + "\n  ".join(r["sql"]))
    if args.show:
        results[args.show]["stats"].sort_stats(args.sort).print_stats(args.lines)


if __name__ == "__main__":
    main()
