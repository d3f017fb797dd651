"""Benchmark: how fast the officials' admin pages render on a populated database.

Populates (optionally) a database through the real paths — synthetic residents, ``citizens_enroll_due``,
``events_ingest`` — then renders each admin page with Django's test client as a superuser and prints
the median and worst time in ms and the number of SQL queries per page.

Usage::

    # populate a fresh PostgreSQL database (dropped and recreated), then time the pages
    python bench/admin_pages.py --populate --citizens 100000 --events 1000000 \
        --database-url postgres://postgres@127.0.0.1:5432/wt_admin
    # time again without reloading
    python bench/admin_pages.py --database-url postgres://postgres@127.0.0.1:5432/wt_admin
"""
import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/wt_admin"


def recreate_database(url: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme.startswith("sqlite"):
        Path(parsed.path).unlink(missing_ok=True)
        return
    import psycopg

    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def populate(citizens: int, events: int) -> None:
    """Residents, enrolment and reports through the same code paths production uses."""
    from tqdm import tqdm

    from citizens.models import Citizen
    from citizens.synthetic import people
    from points.demo import demo_agencies
    from points.ingest import events_ingest
    from points.services import citizens_enroll_due
    from points.synthetic import PILOT_START, reports

    started = time.perf_counter()
    demo_agencies()
    Citizen.objects.bulk_create((Citizen(**p) for p in people(citizens, seed=42)), batch_size=5000)
    with tqdm(total=citizens, unit="citizen", desc="enrol") as bar:
        citizens_enroll_due(at=PILOT_START, progress=bar.update)
    ids = list(Citizen.objects.filter(enrolled_at=PILOT_START).values_list("resident_id", flat=True))
    lines = ((n, json.dumps(r)) for n, r in enumerate(reports(ids, events, seed=42), start=1))
    with tqdm(total=events, unit="event", desc="ingest") as bar:
        report = events_ingest(lines=lines, batch_size=1000, progress=bar.update)
    print(f"populated in {time.perf_counter() - started:.0f} s: applied={report.applied} "
          f"rejected={len(report.rejected)} entries={report.entries}")
    _analyze()


def _analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


NO_CACHE = {"OFFICIALS_DASHBOARD_CACHE_SECONDS": 0}


def pages() -> list[tuple]:
    """(label, URL[, settings to override]) for every page timed, picked from the data."""
    from django.db.models import Count

    from citizens.models import Citizen
    from points.models import Event, LedgerEntry

    busiest = (LedgerEntry.objects.values("citizen").annotate(n=Count("id")).order_by("-n").first())
    typical = Citizen.objects.filter(enrolled_at__isnull=False).order_by("pk")[Citizen.objects.count() // 2]
    busy = Citizen.objects.get(pk=busiest["citizen"])
    deep_page = max(1, Citizen.objects.count() // 50 // 2)  # the list shows 50 per page
    event = Event.objects.exclude(event_type="enrolment").order_by("-pk").first()
    return [
        ("citizen list", "/admin/citizens/citizen/"),
        (f"citizen list, page {deep_page}", f"/admin/citizens/citizen/?p={deep_page}"),
        ("citizen search: full resident ID", f"/admin/citizens/citizen/?q={typical.resident_id}"),
        ("citizen search: ID prefix", f"/admin/citizens/citizen/?q={typical.resident_id[:10]}"),
        ("citizen search: name", f"/admin/citizens/citizen/?q={typical.name[:2]}"),
        ("citizen list: grade D + district", f"/admin/citizens/citizen/?grade=D&district={typical.district}"),
        ("citizen detail (typical)", f"/admin/citizens/citizen/{typical.pk}/change/"),
        (f"citizen detail (busiest, {busiest['n']} entries)", f"/admin/citizens/citizen/{busy.pk}/change/"),
        ("event list", "/admin/points/event/"),
        ("event list: type filter", "/admin/points/event/?event_type=drunk_driving_conviction"),
        ("event detail", f"/admin/points/event/{event.pk}/change/"),
        ("ledger entry list", "/admin/points/ledgerentry/"),
        ("dashboard, computed (all districts)", "/admin/dashboard/", NO_CACHE),
        ("dashboard, computed (one district)", f"/admin/dashboard/?district={typical.district}", NO_CACHE),
        ("dashboard, computed (all time)", "/admin/dashboard/?period=all", NO_CACHE),
        ("dashboard, cached (all districts)", "/admin/dashboard/"),
        ("policy in force", "/admin/policy/"),
    ]


def time_pages(runs: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client, override_settings

    from citizens.models import Citizen
    from points.models import Event, LedgerEntry

    user, _ = get_user_model().objects.get_or_create(username="bench-admin",
                                                     defaults={"is_staff": True, "is_superuser": True})
    client = Client()
    client.force_login(user)
    print(f"\n{connection.vendor}: {Citizen.objects.count():,} citizens, {Event.objects.count():,} events, "
          f"{LedgerEntry.objects.count():,} ledger entries; {runs} runs per page after one warm-up\n")
    print(f"{'page':<48} {'median ms':>10} {'max ms':>8} {'queries':>8}")
    for label, url, *overrides in pages():
        with override_settings(**(overrides[0] if overrides else {})):
            timings, count = _time(client, url, runs)
        print(f"{label:<48} {statistics.median(timings):>10.1f} {max(timings):>8.1f} {count:>8}")


def _time(client, url, runs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm-up: templates, policy cache, database buffers
    timings = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return timings, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--populate", action="store_true", help="drop and recreate the database, then load it")
    parser.add_argument("--citizens", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.populate:
        recreate_database(args.database_url)
    setup_django(args.database_url)
    if args.populate:
        populate(args.citizens, args.events)
    time_pages(args.runs)


if __name__ == "__main__":
    main()
