"""Benchmark: notices delivered per second through the real queue to a local SMTP sink.

Writes ``--notices`` pending email notices (committed, as a report would leave them), starts an
aiosmtpd sink on a free 127.0.0.1 port and ``--workers`` Celery worker processes on a queue of its
own (Redis), enqueues the notices as ``notices_enqueue`` does after a commit, and times until
every notice is ``delivered``. Each delivery is the real path: claim under the row lock, one SMTP
transaction, outcome and attempt recorded in their own transaction.

Usage::

    python bench/notices.py --db postgres --notices 5000 --workers 2

``--enqueue-only N`` instead times what a commit pays to hand its notices to the queue: it publishes
the ids of ``--notices`` notices, ``N`` ids per call (as one ingest batch's commit does), to the
real broker, with no worker, and prints the seconds per notice (what ``bench/ingest.py`` spends
enqueueing is that times its pending notices).
"""
import argparse
import os
import resource
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/6")


def prepare_database(kind: str, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    if kind == "sqlite":
        path = OUT / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        return
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"


def setup_django(queue: str) -> None:
    os.environ.update(DJANGO_SETTINGS_MODULE="config.settings", CELERY_BROKER_URL=BROKER, CELERY_QUEUE=queue)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def write_notices(count: int) -> list:
    """``count`` citizens with an email address and consent, and one pending notice each."""
    from django.utils import timezone

    from citizens.models import Citizen
    from citizens.synthetic import people
    from notices.models import Notice

    now = timezone.now()
    Citizen.objects.bulk_create((Citizen(**p, email=f"p{n}@example.cn", preferred_channel="email",
                                         contact_consent=True, contact_consent_at=now)
                                 for n, p in enumerate(people(count, seed=5))), batch_size=5000)
    citizens = Citizen.objects.values_list("pk", flat=True)
    Notice.objects.bulk_create((Notice(citizen_id=pk, kind=Notice.Kind.POINTS, created_at=now, score_after=950,
                                       grade_after="B", subject="Your points changed from 1000 to 950 (-50)",
                                       body="Dear resident,\n\n" + "Why: rule SN-DRUNK-DRIVING, -50 points. " * 12,
                                       channel="email", delivery_status="pending", next_attempt_at=now)
                                for pk in citizens), batch_size=5000)
    return list(Notice.objects.order_by("pk").values_list("pk", flat=True))


class Counter:
    """An SMTP sink that only counts accepted messages (the cheapest honest receiver)."""

    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_workers(count: int, queue: str, smtp_port: int, threads: int) -> list:
    env = {"DJANGO_SETTINGS_MODULE": "config.settings", **os.environ,
           "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1",
           "EMAIL_PORT": str(smtp_port)}
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "threads", "-c", str(threads),
               "-Q", queue, "--loglevel", "error", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    return [subprocess.Popen([*command, "-n", f"bench{n}@%h"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
            for n in range(count)]


def wait_for_workers(queue: str, count: int) -> None:
    """Until ``count`` workers consume the queue (a probe message is taken at once)."""
    from config.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1.0) or []
        if len(replies) >= count:
            return
    raise SystemExit("workers did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--notices", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2, help="Worker processes.")
    parser.add_argument("--threads", type=int, default=4, help="Threads per worker process (--pool threads).")
    parser.add_argument("--db-name", default="bench_notices")
    parser.add_argument("--enqueue-only", type=int, metavar="IDS_PER_COMMIT",
                        help="Only time publishing the ids, this many per call (no worker, no SMTP).")
    args = parser.parse_args()
    queue = f"bench-notices-{uuid.uuid4().hex[:8]}"
    prepare_database(args.db, args.db_name)
    setup_django(queue)
    if args.enqueue_only:
        return enqueue_only(args.notices, args.enqueue_only, queue)
    from aiosmtpd.controller import Controller

    from notices.models import Notice
    from notices.services import notices_enqueue

    ids = write_notices(args.notices)
    sink = Counter()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    workers = start_workers(args.workers, queue, controller.port, args.threads)
    try:
        wait_for_workers(queue, args.workers)
        started = time.perf_counter()
        notices_enqueue(ids)
        pending = Notice.objects.exclude(delivery_status="delivered")
        while pending.exists():
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(30)
        controller.stop()
    load = os.getloadavg()
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"CPU: workers {children.ru_utime + children.ru_stime:.1f} s, this process (sink, set-up) "
          f"{own.ru_utime + own.ru_stime:.1f} s")
    print(f"{args.notices} notices delivered through the queue in {elapsed:.2f} s: "
          f"{args.notices / elapsed:.0f} notices/s ({args.workers} worker processes x {args.threads} threads, "
          f"{args.db}; "
          f"SMTP sink accepted {sink.count}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f})")
    assert sink.count == args.notices, "every notice exactly once"


def enqueue_only(count: int, per_commit: int, queue: str) -> None:
    import redis

    from notices.services import notices_enqueue

    ids = write_notices(count)
    started = time.perf_counter()
    messages = sum(notices_enqueue(ids[start:start + per_commit]) for start in range(0, len(ids), per_commit))
    elapsed = time.perf_counter() - started
    redis.Redis.from_url(BROKER).delete(queue)
    print(f"{count} notice ids enqueued {per_commit} per commit in {messages} messages: {elapsed:.3f} s, "
          f"{elapsed / count * 1e6:.1f} us per notice")


if __name__ == "__main__":
    main()
