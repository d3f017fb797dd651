"""Benchmark: the citizen's record page (``/record/``) for a citizen with a long ledger.

Builds a fresh database (SQLite file by default), enrols one citizen and reports events about them
through ``points.services.event_report`` (the production path) until their ledger holds
``--entries`` entries, signs in through the portal's real code flow (the code read from Django's
in-memory mail box) and times ``--requests`` renders of the record page with Django's test client.
Prints the median, p95 and worst time in ms and the SQL queries per render.

Usage::

    python bench/portal.py                      # 500 entries, 60 requests, /tmp/portal-bench.sqlite3
    python bench/portal.py --database-url postgres://postgres@127.0.0.1:5432/wt_portal_bench
"""
import argparse
import datetime
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from admin_pages import recreate_database  # noqa: E402

# Event types a citizen can have many of, with the attributes each needs.
KINDS = [("volunteering", "community", {"hours": 3}), ("blood_donation", "red_cross", {"millilitres": 300}),
         ("traffic_violation", "police", {"severity": "minor"}), ("elderly_care", "civil_affairs", {"months": 6}),
         ("helping_poor", "civil_affairs", None)]


def setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def populate(entries: int):
    """One enrolled citizen with at least ``entries`` ledger entries; returns the citizen."""
    from django.utils import timezone

    from citizens.models import Citizen
    from citizens.validators import check_character
    from points.demo import demo_agencies
    from points.models import Agency, LedgerEntry
    from points.services import citizen_enroll, event_report
    from rules.registry import current_policy

    demo_agencies()
    first17 = "32132419800517001"
    citizen = Citizen.objects.create(resident_id=first17 + check_character(first17), name="Bench Citizen",
                                     birth_date=datetime.date(1980, 5, 17), sex="F", district="Suicheng",
                                     email="bench@example.org")
    start = timezone.now() - datetime.timedelta(days=1000)
    citizen_enroll(citizen=citizen, at=start)
    agencies = {a.code: a for a in Agency.objects.all()}
    kinds = [k for k in KINDS if k[0] in current_policy().event_types]
    n = 0
    while LedgerEntry.objects.filter(citizen=citizen).count() < entries and n < entries * 4:
        event_type, agency, attributes = kinds[n % len(kinds)]
        event_report(agency=agencies[agency], resident_id=citizen.resident_id, event_type=event_type,
                     occurred_at=start + datetime.timedelta(days=1 + n * 998 / (entries * 4)),
                     attributes=attributes or {}, idempotency_key=f"bench-{n}")
        n += 1
    citizen.refresh_from_db()
    return citizen


def signed_in_client(citizen):
    from django.core import mail
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the in-memory mail box the code is read from
    client = Client()
    client.post("/sign-in/", {"resident_id": citizen.resident_id})
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    assert client.post("/sign-in/code/", {"code": code}).status_code == 302
    return client


def measure(client, requests: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], 0
    for i in range(requests + 3):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get("/record/")
            elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.status_code
        if i >= 3:  # the first renders warm the policy, templates and caches
            times.append(elapsed)
            queries = len(captured)
    times.sort()
    return {"median_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
            "max_ms": round(times[-1], 1), "queries": queries, "requests": requests}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="sqlite:////tmp/portal-bench.sqlite3")
    parser.add_argument("--entries", type=int, default=500)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    recreate_database(args.database_url)
    setup(args.database_url)
    citizen = populate(args.entries)
    from points.models import LedgerEntry

    result = measure(signed_in_client(citizen), args.requests)
    result["entries"] = LedgerEntry.objects.filter(citizen=citizen).count()
    result["target_p95_ms"] = 200
    print(json.dumps(result))


if __name__ == "__main__":
    main()
