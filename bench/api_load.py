"""Benchmark: the agency API under gunicorn (2 workers) on PostgreSQL, loopback only, bounded in time.

Builds a fresh database with an invented population, starts gunicorn, then measures

* single-event ``POST /api/v1/events/`` and
* ``GET /api/v1/citizens/{id}/eligibility/?service=...``

with wrk (Debian package ``wrk``; a Lua script gives each request a unique
idempotency key and a random enrolled citizen), and

* ``POST /api/v1/events/batch/`` with 1,000-item batches from a small Python
  threaded client (few, large requests: the server is the bottleneck),

printing throughput and p50/p99 latency, then checks that every accepted report
is in the database exactly once.

Usage::

    python bench/api_load.py                       # defaults below, about 2 minutes
    python bench/api_load.py --duration 20 --connections 8
    python bench/api_load.py --phases post,eligibility --duration 10   # a short run

Throttling is lifted for the run (API_THROTTLE_*), and throttle counters go to
Redis when it answers on 127.0.0.1:6379 (as in production), else to each
worker's memory.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
DB_NAME = os.environ.get("BENCH_API_DATABASE", "bench_api")  # one of its own for each checkout on a shared server
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
OCCURRED_AT = "2025-06-01T10:00:00+08:00"
REPORT = ("police", "traffic_violation", {"severity": "minor"})
SERVICE_AGENCY = "licensing"
LOAD_BEFORE = (0.0, 0.0, 0.0)


def prepare_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    os.environ["DATABASE_URL"] = DB_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_population(count: int) -> tuple[list, dict, str]:
    """Enrolled resident IDs, a token per agency code, and a service code to ask about."""
    from citizens.models import Citizen
    from citizens.synthetic import people
    from points.agencies import agency_rotate_token
    from points.demo import demo_agencies
    from points.services import citizens_enroll_due
    from points.synthetic import PILOT_START

    agencies = {a.code: a for a in demo_agencies()}
    Citizen.objects.bulk_create((Citizen(**p) for p in people(count, seed=7)), batch_size=5000)
    citizens_enroll_due(at=PILOT_START)
    ids = list(Citizen.objects.filter(enrolled_at=PILOT_START).values_list("resident_id", flat=True))
    tokens = {code: agency_rotate_token(agency=agencies[code]) for code in (REPORT[0], SERVICE_AGENCY)}
    # A service agency may ask only about the services its record lists (points/demo.py).
    service = agencies[SERVICE_AGENCY].services[0]
    return ids, tokens, service


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_gunicorn(port: int, workers: int, cache_url: str, threads: int = 1) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": DB_URL, "DEBUG": "0", "DJANGO_SETTINGS_MODULE": "config.settings",
           # As config/settings_production.py sets them; the environment may override (CONN_MAX_AGE=0 ...).
           "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "600"),
           "CONN_HEALTH_CHECKS": os.environ.get("CONN_HEALTH_CHECKS", "1"),
           "API_THROTTLE_CALLER": "1000000000/min", "API_THROTTLE_BATCH": "1000000000/min",
           "CACHE_URL": cache_url, "LOG_LEVEL": "ERROR"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    cmd = [str(gunicorn), "config.wsgi:application", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
           "--threads", str(threads), "--backlog", "2048", "--log-level", "warning"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)


def wait_ready(base: str, token: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited early")
        try:
            request = urllib.request.Request(f"{base}/api/v1/policy/", headers={"Authorization": f"Token {token}"})
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer within 30 s")


LUA_COMMON = """
local ids = {%(ids)s}
local counter = 0
local threads = {}
function setup(thread) thread:set("tid", #threads); table.insert(threads, thread) end
function done(summary, latency, requests)
  io.write(string.format('WRKJSON {"requests":%%d,"duration_us":%%d,"non2xx":%%d,"socket_errors":%%d,' ..
    '"p50_us":%%d,"p90_us":%%d,"p99_us":%%d,"max_us":%%d,"mean_us":%%.1f}\\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
local function pick() counter = counter + 1; return ids[(counter * 7919 + tid * 104729) %% #ids + 1] end
"""

LUA_POST = LUA_COMMON + """
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Token %(token)s"}
request = function()
  local rid = pick()
  local body = string.format('{"resident_id":"%%s","event_type":"%(event_type)s","occurred_at":"%(at)s",' ..
    '"attributes":%(attributes)s,"idempotency_key":"%(phase)s-%%d-%%d"}', rid, tid, counter)
  return wrk.format("POST", "/api/v1/events/", headers, body)
end
"""

LUA_GET = LUA_COMMON + """
local headers = {["Authorization"] = "Token %(token)s"}
request = function()
  return wrk.format("GET", "/api/v1/citizens/" .. pick() .. "/eligibility/?service=%(service)s", headers)
end
"""


def run_wrk(base: str, script: str, name: str, *, duration: int, connections: int, threads: int) -> dict:
    path = OUT / f"{name}.lua"
    path.write_text(script)
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(path), base]
    output = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRKJSON "))
    stats = json.loads(line.removeprefix("WRKJSON "))
    stats["rps"] = stats["requests"] / (stats["duration_us"] / 1e6)
    stats["command"] = " ".join(cmd)
    return stats


def lua_ids(ids: list) -> str:
    return ",".join(f'"{i}"' for i in ids)


def post_script(ids, token, phase) -> str:
    agency, event_type, attributes = REPORT
    return LUA_POST % {"ids": lua_ids(ids), "token": token, "event_type": event_type, "at": OCCURRED_AT,
                       "attributes": json.dumps(attributes).replace('"', '\\"'), "phase": phase}


def run_batches(base: str, token: str, ids: list, *, duration: int, clients: int, size: int) -> dict:
    """``clients`` threads sending ``size``-item batches for ``duration`` seconds."""
    import http.client

    agency, event_type, attributes = REPORT
    latencies, applied, failures = [], [0], [0]
    lock = threading.Lock()
    stop = time.monotonic() + duration

    def client(number: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=120)
        batch = 0
        while time.monotonic() < stop:
            items = [{"resident_id": ids[(number * 7919 + batch * size + n) % len(ids)], "event_type": event_type,
                      "occurred_at": OCCURRED_AT, "attributes": attributes,
                      "idempotency_key": f"batch-{number}-{batch}-{n}"} for n in range(size)]
            body = json.dumps({"items": items})
            started = time.perf_counter()
            conn.request("POST", "/api/v1/events/batch/", body=body,
                         headers={"Content-Type": "application/json", "Authorization": f"Token {token}"})
            response = conn.getresponse()
            result = json.loads(response.read())
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if response.status == 200:
                    applied[0] += result["applied"]
                    failures[0] += result["rejected"]
                else:
                    failures[0] += size
            batch += 1

    started = time.perf_counter()
    workers = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {"batches": len(latencies), "events": applied[0], "rejected": failures[0], "seconds": wall,
            "events_per_s": applied[0] / wall, "p50_s": percentile(latencies, 50),
            "p99_s": percentile(latencies, 99)}


def percentile(values: list, p: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def check_exactly_once(accepted_single: int, accepted_batch: int) -> dict:
    """Nothing lost, nothing counted twice: every accepted report is stored once, scores equal the ledger.

    wrk stops counting at the deadline while a few requests are still in flight; those may be stored
    too, so the stored count may exceed the 2xx count by at most the number of connections.
    """
    from django.db import connection
    from django.db.models import Count, Sum

    from citizens.models import Citizen
    from points.models import Event, LedgerEntry

    connection.close()
    police = Event.objects.filter(agency__code=REPORT[0])
    single = police.filter(idempotency_key__startswith="main-").count()
    batch = police.filter(idempotency_key__startswith="batch-").count()
    duplicates = police.values("idempotency_key").annotate(n=Count("id")).filter(n__gt=1).count()
    ledger = LedgerEntry.objects.aggregate(total=Sum("delta"))["total"]
    scores = Citizen.objects.aggregate(total=Sum("score"))["total"]
    return {"single_2xx": accepted_single, "single_stored": single, "batch_applied": accepted_batch,
            "batch_stored": batch, "duplicate_keys": duplicates, "scores_equal_ledger": ledger == scores}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=5000, help="population size (about 80%% are 14+)")
    parser.add_argument("--duration", type=int, default=20, help="seconds per measured phase")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=4, help="wrk connections (2 per worker)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--worker-threads", type=int, default=1, help="threads per gunicorn worker (gthread if > 1)")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--batch-clients", type=int, default=2)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--phases", default="post,eligibility,batch",
                        help="comma-separated subset of post,eligibility,batch (shorter runs on a busy machine)")
    args = parser.parse_args()
    args.phases = [p for p in args.phases.split(",") if p]
    if not set(args.phases) <= set(PHASES):
        raise SystemExit(f"--phases: choose from {', '.join(PHASES)}")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    OUT.mkdir(parents=True, exist_ok=True)
    global LOAD_BEFORE
    LOAD_BEFORE = os.getloadavg()
    prepare_database()
    ids, tokens, service = build_population(args.citizens)
    cache_url = "redis://127.0.0.1:6379/15" if redis_up() else ""
    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(port, args.workers, cache_url, args.worker_threads)
    try:
        wait_ready(base, tokens[SERVICE_AGENCY], server)
        results = measure(args, base, ids, tokens, service, server)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    post, batch = results.get("post", {}), results.get("batch", {})
    results["integrity"] = check_exactly_once(post.get("requests", 0) - post.get("non2xx", 0), batch.get("events", 0))
    results["setup"] = {"load_average_before": LOAD_BEFORE, "load_average_after": os.getloadavg(),
                        "citizens_enrolled": len(ids), "workers": args.workers,
                        "worker_threads": args.worker_threads, "connections": args.connections,
                        "cache": cache_url or "per-process memory", "service": service}
    report(results)


PHASES = ("post", "eligibility", "batch")


def measure(args, base, ids, tokens, service, server) -> dict:
    wrk = {"duration": args.duration, "connections": args.connections, "threads": args.threads}
    post_token, get_token = tokens[REPORT[0]], tokens[SERVICE_AGENCY]
    get_script = LUA_GET % {"ids": lua_ids(ids), "token": get_token, "service": service}
    run_wrk(base, post_script(ids, post_token, "warm"), "warm_post", **{**wrk, "duration": args.warmup})
    run_wrk(base, get_script, "warm_get", **{**wrk, "duration": args.warmup})
    results = {}
    phases = {
        "post": lambda: run_wrk(base, post_script(ids, post_token, "main"), "post", **wrk),
        "eligibility": lambda: run_wrk(base, get_script, "eligibility", **wrk),
        "batch": lambda: run_batches(base, post_token, ids, duration=args.duration, clients=args.batch_clients,
                                     size=args.batch_size),
    }
    for name in args.phases:
        before = server_cpu_seconds(server)
        results[name] = phases[name]()
        after = server_cpu_seconds(server)
        served = results[name]["events"] if name == "batch" else results[name]["requests"]
        results[name]["server_cpu_s"] = {part: after[part] - before[part] for part in after}
        results[name]["cpu_ms_per_request" if name != "batch" else "cpu_ms_per_event"] = {
            part: 1000 * seconds / max(1, served) for part, seconds in results[name]["server_cpu_s"].items()}
    return results


def server_cpu_seconds(server: subprocess.Popen) -> dict:
    """CPU time used so far by the gunicorn workers ("app"), this database's PostgreSQL backends
    ("postgres") and the local Redis server ("redis", which serves the throttle counters and the
    agencies' generation; other users of that Redis count too, so it is an upper bound).

    The machine is shared, so wall-clock rates depend on what else runs; CPU per request
    does not, and 2 cores / (CPU per request) bounds what an idle machine could serve.
    """
    import psycopg

    app = [int(p) for p in subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True,
                                          text=True).stdout.split()]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        postgres = [row[0] for row in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [DB_NAME])]
    redis = [int(p) for p in subprocess.run(["pgrep", "-x", "redis-server"], capture_output=True,
                                            text=True).stdout.split()]
    return {"app": _cpu(app), "postgres": _cpu(postgres), "redis": _cpu(redis)}


def _cpu(pids: list) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def report(results: dict) -> None:
    print(json.dumps(results, indent=2))
    print("\n| measurement | throughput | p50 | p99 | errors | server CPU (app + PostgreSQL) "
          "| app | PostgreSQL | Redis |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, label in (("post", "POST /events/"), ("eligibility", "GET eligibility")):
        if name in results:
            r = results[name]
            print(f"| {label} | {r['rps']:,.0f} req/s | {r['p50_us'] / 1000:.1f} ms | {r['p99_us'] / 1000:.1f} ms | "
                  f"{r['non2xx'] + r['socket_errors']} | {_cpu_cells(r['cpu_ms_per_request'], 'request')}")
    if "batch" in results:
        b = results["batch"]
        print(f"| POST /events/batch/ ({b['batches']} batches) | {b['events_per_s']:,.0f} events/s | "
              f"{b['p50_s'] * 1000:.0f} ms | {b['p99_s'] * 1000:.0f} ms | {b['rejected']} | "
              f"{_cpu_cells(b['cpu_ms_per_event'], 'event')}")


def _cpu_cells(ms: dict, per: str) -> str:
    return (f"{ms['app'] + ms['postgres']:.2f} ms/{per} | {ms['app']:.2f} | {ms['postgres']:.2f} | "
            f"{ms['redis']:.2f} |")


if __name__ == "__main__":
    main()
