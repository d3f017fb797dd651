"""Benchmark: ``rules simulate`` over a stored population, in one and in two processes.

Builds (once, with --build) a deterministic population in its own database — the same
invented citizens and reports as ``bench/ingest.py`` — then times the simulation of a
draft policy that changes points, a condition, a cap and the grade boundaries.

The build plans every entry with the live code (``points.writer.new_entry`` and
``points.scoring.plan``, citizen by citizen in report order, caps counted in memory) and
inserts rows in large batches without the per-batch locking of ``events_ingest``: a
million events take minutes instead of an hour on a busy 2-core machine. Grade history
(GradeChange) is not built; the simulation does not read it. ``--ingest`` builds through
``events_ingest`` instead (slow, same ledger).

Usage::

    python bench/simulate.py --build --citizens 100000 --events 1000000   # build, then time
    python bench/simulate.py                                              # time again
"""
import argparse
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
DATABASE = "bench_simulate"
DRAFT = ROOT / "bench" / "out" / "simulate-draft"
CHANGES = [  # (file, old text, new text): what the draft changes
    ("rules.yaml", "    points: 50\n", "    points: 60\n"),
    ("rules.yaml", "when: event.hours >= 8", "when: event.hours >= 6"),
    ("rules.yaml", "cap: {count: 2, per: year}", "cap: {count: 3, per: year}"),
    ("grades.yaml", "min: 970", "min: 960"),
    ("grades.yaml", "max: 969", "max: 959"),
]


def use_database(create: bool) -> None:
    if create:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
            conn.execute(f"CREATE DATABASE {DATABASE}")
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"


def build_by_ingest(citizens: int, events: int) -> None:
    import json

    from bench.ingest import build_population, ingest_rate
    from points.synthetic import reports

    population = build_population(citizens)
    lines = [json.dumps(r) for r in reports(population, events, seed=42)]
    rate, report = ingest_rate(lines, 1000)
    print(f"built: {report.applied:,} events applied ({rate:,.0f}/s), {report.entries:,} ledger entries")


def build(citizens: int, events: int) -> None:
    """The same population and reports as build_by_ingest, planned by the live ledger code, inserted in bulk."""
    import datetime
    from collections import defaultdict

    from tqdm import tqdm

    from citizens.models import Citizen
    from citizens.synthetic import people
    from points.models import Agency
    from points.replay import CachedEvaluation
    from points.synthetic import PILOT_START, reports
    from rules.registry import current_policy

    Citizen.objects.bulk_create((Citizen(**p) for p in people(citizens, seed=42)), batch_size=5000)
    cutoff = PILOT_START.date().replace(year=PILOT_START.year - 14)
    adults = list(Citizen.objects.filter(birth_date__lte=cutoff).order_by("pk"))
    by_resident = defaultdict(list)
    for report in reports([c.resident_id for c in adults], events, seed=42):
        by_resident[report["resident_id"]].append(report)
    policy = CachedEvaluation(current_policy())
    agencies = {a.code: a for a in Agency.objects.all()}
    now = datetime.datetime.now(tz=PILOT_START.tzinfo)
    with tqdm(total=events, unit="event", desc="build") as bar:
        for start in range(0, len(adults), 2000):
            chunk = adults[start:start + 2000]
            _build_chunk(chunk, by_resident, policy, agencies, now)
            bar.update(sum(len(by_resident[c.resident_id]) for c in chunk))


def _build_chunk(citizens, by_resident, policy, agencies, now) -> None:
    import datetime

    from django.db import transaction

    from citizens.models import Citizen
    from points import writer
    from points.models import Event, LedgerEntry
    from points.services import ENROLMENT_EVENT_TYPE, report_fingerprint, system_agency
    from points.synthetic import PILOT_START

    register = system_agency()
    with transaction.atomic():
        writer.record_policy_version(policy)
        events = []
        for citizen in citizens:
            events.append(Event(citizen=citizen, event_type=ENROLMENT_EVENT_TYPE, occurred_at=PILOT_START,
                                reported_at=PILOT_START, agency=register, policy_version=policy.version,
                                idempotency_key=f"enrolment:{citizen.resident_id}",
                                fingerprint=report_fingerprint(citizen.resident_id, ENROLMENT_EVENT_TYPE,
                                                               PILOT_START, {})))
            for r in by_resident[citizen.resident_id]:
                when = datetime.datetime.fromisoformat(r["occurred_at"])
                events.append(Event(citizen=citizen, event_type=r["event_type"], occurred_at=when, reported_at=now,
                                    agency=agencies[r["agency"]], attributes=r["attributes"],
                                    idempotency_key=r["idempotency_key"], policy_version=policy.version,
                                    fingerprint=report_fingerprint(r["resident_id"], r["event_type"], when,
                                                                   r["attributes"])))
        events = Event.objects.bulk_create(events, batch_size=5000)
        entries = _plan_entries(events, policy, now)
        LedgerEntry.objects.bulk_create(entries, batch_size=5000)
        for citizen in citizens:
            citizen.grade = policy.grade_for(citizen.score)
        Citizen.objects.bulk_update(citizens, ["enrolled_at", "score", "grade", "ledger_head"], batch_size=2000)


def _plan_entries(events, policy, now) -> list:
    from points import scoring, writer
    from points.models import LedgerEntry
    from points.services import ENROLMENT_EVENT_TYPE

    entries, caps = [], None
    for event in events:
        citizen = event.citizen
        if event.event_type == ENROLMENT_EVENT_TYPE:
            citizen.enrolled_at, citizen.score, caps = event.occurred_at, 0, scoring.CapCounts([])
            entries.append(writer.new_entry(
                citizen=citizen, event=event, rule_id="starting_points", rule_title="Starting points on enrolment",
                policy_version=policy.version, delta=policy.starting_points, kind=LedgerEntry.Kind.OPENING,
                at=event.occurred_at))
            continue
        citizen.grade = policy.grade_for(citizen.score)
        attributes = policy.validate_attributes(event.event_type, event.attributes)
        planned = scoring.plan(citizen=citizen, event_type=event.event_type, occurred_at=event.occurred_at,
                               attributes=attributes, policy=policy, caps=caps)
        entries += writer.planned_entries(citizen=citizen, event=event, planned=planned, policy=policy, at=now)
    return entries


def write_draft() -> Path:
    from django.conf import settings

    shutil.rmtree(DRAFT, ignore_errors=True)
    shutil.copytree(settings.POLICY_DIR, DRAFT, ignore=shutil.ignore_patterns("tests"))
    for name, old, new in CHANGES:
        path = DRAFT / name
        text = path.read_text(encoding="utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new), encoding="utf-8")
    return DRAFT


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the simulation workers)."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def time_simulation(policy, workers: int) -> None:
    from tqdm import tqdm

    from authoring.simulate import events_to_replay, simulate

    load, cpu = os.getloadavg()[0], cpu_seconds()
    with tqdm(total=events_to_replay(), unit="event", desc=f"simulate, {workers} worker(s)") as bar:
        impact, seconds = simulate(policy=policy, workers=workers, progress=bar.update)
    cpu = cpu_seconds() - cpu
    print(f"workers={workers}: {impact.events:,} events of {impact.citizens:,} citizens in {seconds:.1f} s "
          f"= {impact.events / seconds:,.0f} events/s (Python CPU {cpu:.1f} s; load average before "
          f"{load:.1f}, after {os.getloadavg()[0]:.1f}); {impact.events_changed:,} events and "
          f"{impact.score_changed:,} scores change, {impact.grade_changed:,} grades")


def time_uncached(policy, sample: int) -> None:
    """The same replay without the engine-answer cache, on the first citizens (for comparison)."""
    from authoring.simulate import citizen_ranges, simulate_range

    low, high = citizen_ranges(sample)[0]
    start = time.perf_counter()
    impact = simulate_range(policy, low, high, None)
    seconds = time.perf_counter() - start
    print(f"uncached (every event through durable-rules): {impact.events:,} events in {seconds:.1f} s "
          f"= {impact.events / seconds:,.0f} events/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true", help="(re)create the database and population first")
    parser.add_argument("--ingest", action="store_true", help="build through events_ingest (slow)")
    parser.add_argument("--citizens", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--uncached-sample", type=int, default=50, help="time 1/N of the citizens uncached")
    args = parser.parse_args()
    use_database(create=args.build)
    from bench.ingest import setup_django

    setup_django()
    if args.build:
        from points.demo import demo_agencies

        demo_agencies()
        (build_by_ingest if args.ingest else build)(args.citizens, args.events)
    from rules.loader import load_policy

    policy = load_policy(write_draft())
    for workers in args.workers:
        time_simulation(policy, workers)
    if args.uncached_sample:
        time_uncached(policy, args.uncached_sample)


if __name__ == "__main__":
    main()
