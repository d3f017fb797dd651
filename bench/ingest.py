"""Benchmark: bulk ingest end to end versus the raw durable-rules engine on the same events.

Builds a deterministic invented population and event stream in a fresh
database, enrols everyone, then times

* the raw engine: ``Policy.evaluate`` for every event (the ceiling), and
* ``ingest_events``' own run (``ingest_tuned``): parsing, validation, rules, ledger writes, grades.

Usage (one database per run; the database is dropped and recreated)::

    python bench/ingest.py --db sqlite   --citizens 100000 --events 1000000
    python bench/ingest.py --db postgres --citizens 100000 --events 1000000
"""
import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"


def prepare_database(kind: str, name: str = "bench_ingest") -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    # The run ends with a signed checkpoint (LEDGER_CHECKPOINT_AFTER_INGEST): a store for this database only.
    store = Path(os.environ.setdefault("LEDGER_CHECKPOINT_DIR", str(OUT / "checkpoints")))
    shutil.rmtree(store, ignore_errors=True)
    if kind == "sqlite":
        path = OUT / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        return
    import psycopg

    name = os.environ.get("BENCH_DATABASE", "bench_ingest")  # one of its own for each checkout on a shared server
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build_population(count: int, contacts: bool = True) -> list:
    from tqdm import tqdm

    from citizens.models import Citizen
    from citizens.synthetic import contacts_for, people
    from points.services import citizens_enroll_due
    from points.synthetic import PILOT_START

    # With contacts, most notices are pending and handed to the queue after each batch commits.
    Citizen.objects.bulk_create((Citizen(**p, **(contacts_for(p) if contacts else {})) for p in people(count, seed=42)),
                                batch_size=5000)
    with tqdm(total=Citizen.objects.count(), unit="citizen", desc="enrol") as bar:
        citizens_enroll_due(at=PILOT_START, progress=bar.update)
    return list(Citizen.objects.filter(enrolled_at=PILOT_START).values_list("resident_id", flat=True))


def raw_engine_rate(lines: list) -> float:
    """Events per second through the engine alone, with the same inputs the ingest uses."""
    import datetime

    from tqdm import tqdm

    from citizens.models import Citizen
    from rules.registry import current_policy
    from rules.values import age_on

    policy = current_policy()
    facts = {c.resident_id: c for c in Citizen.objects.only("resident_id", "birth_date", "district", "sex")}
    prepared = []
    for text in lines:
        item = json.loads(text)
        day = datetime.datetime.fromisoformat(item["occurred_at"]).date()
        citizen = facts[item["resident_id"]]
        cleaned = policy.validate_attributes(item["event_type"], item["attributes"])
        prepared.append((item["event_type"], cleaned, {
            "age": age_on(citizen.birth_date, day), "district": citizen.district, "sex": citizen.sex,
            "score": 1000, "grade": "A", "status": "active"}, day))
    start = time.perf_counter()
    for event_type, cleaned, citizen_facts, day in tqdm(prepared, unit="event", desc="raw engine"):
        policy.evaluate(event_type, cleaned, citizen_facts, day)
    return len(prepared) / (time.perf_counter() - start)


def ingest_rate(lines: list, batch_size: int, workers: int):
    """Events per second end to end, the ingest report, and (events done, seconds) at each batch."""
    from tqdm import tqdm

    from points.management.commands.ingest_events import ingest_tuned

    start, marks = time.perf_counter(), [(0, 0.0)]
    with tqdm(total=len(lines), unit="event", desc="ingest") as bar:

        def progress(count: int) -> None:
            bar.update(count)
            marks.append((marks[-1][0] + count, time.perf_counter() - start))

        report = ingest_tuned(lines=enumerate(lines, start=1), batch_size=batch_size, progress=progress,
                              workers=workers)
    return len(lines) / (time.perf_counter() - start), report, marks


def rate_by_slice(marks: list, slices: int = 10) -> list:
    """(label, events/s) for each tenth of the run: shows whether the rate holds as the tables grow."""
    total, rates = marks[-1][0], []
    for n in range(1, slices + 1):
        lo = max(m for m in marks if m[0] <= total * (n - 1) / slices)
        hi = min(m for m in marks if m[0] >= total * n / slices)
        rates.append((f"{hi[0] / 1000:,.0f}k", round((hi[0] - lo[0]) / max(hi[1] - lo[1], 1e-9))))
    return rates


def write_chart(rates: list, title: str) -> Path:
    from officials.charts import bar_chart

    path = OUT / "ingest-rate.svg"
    path.write_text(bar_chart(bars=[(label, rate, None) for label, rate in rates], title=title,
                              y_label="events/s", width=640))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--citizens", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1, help="ingest processes (PostgreSQL only)")
    parser.add_argument("--db-name", default="bench_ingest", help="PostgreSQL database to drop and create")
    parser.add_argument("--no-contacts", action="store_true", help="citizens without contacts: no notice is queued")
    args = parser.parse_args()
    prepare_database(args.db, args.db_name)
    setup_django()
    from points.demo import demo_agencies
    from points.synthetic import reports

    demo_agencies()
    population = build_population(args.citizens, contacts=not args.no_contacts)
    lines = [json.dumps(r) for r in reports(population, args.events, seed=42)]
    raw = raw_engine_rate(lines)
    end_to_end, report, marks = ingest_rate(lines, args.batch_size, args.workers)
    rates = rate_by_slice(marks)
    print(f"\ndatabase={args.db} citizens={args.citizens} enrolled={len(population)} events={args.events} "
          f"workers={args.workers}")
    print(f"applied={report.applied} rejected={len(report.rejected)} ledger_entries={report.entries}")
    from notices.models import Notice

    print(f"notices: {Notice.objects.count()}, of which waiting for the queue "
          f"{Notice.objects.filter(delivery_status='pending', channel__in=['email', 'sms']).count()}")
    print(f"raw durable-rules engine: {raw:10,.0f} events/s")
    print(f"bulk ingest end to end:   {end_to_end:10,.0f} events/s")
    print(f"ratio end-to-end / raw:   {end_to_end / raw:10.1%}")
    print("events/s by tenth of the run: " + ", ".join(f"{label} {rate:,}" for label, rate in rates))
    chart = write_chart(rates, f"Bulk ingest, {args.db}, {args.workers} worker(s): events/s as the tables grow")
    print(f"chart: {chart}")


if __name__ == "__main__":
    main()
