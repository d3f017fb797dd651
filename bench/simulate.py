"""Benchmark: ``rules simulate`` over a stored population, in one and in two processes.

Builds (once, with --build) a deterministic population in its own database — the same
invented citizens and reports as ``bench/ingest.py``, applied through the real bulk
ingest so the stored ledger is what live scoring wrote — then times the simulation of a
draft policy that changes points, a condition, a cap and the grade boundaries.

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


def build(citizens: int, events: int) -> None:
    import json

    from bench.ingest import build_population, ingest_rate
    from points.demo import demo_agencies
    from points.synthetic import reports

    demo_agencies()
    population = build_population(citizens)
    lines = [json.dumps(r) for r in reports(population, events, seed=42)]
    rate, report = ingest_rate(lines, 1000)
    print(f"built: {report.applied:,} events applied ({rate:,.0f}/s), {report.entries:,} ledger entries")


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


def time_simulation(policy, workers: int) -> None:
    from tqdm import tqdm

    from rules.authoring.simulate import events_to_replay, simulate

    with tqdm(total=events_to_replay(), unit="event", desc=f"simulate, {workers} worker(s)") as bar:
        impact, seconds = simulate(policy=policy, workers=workers, progress=bar.update)
    print(f"workers={workers}: {impact.events:,} events of {impact.citizens:,} citizens in {seconds:.1f} s "
          f"= {impact.events / seconds:,.0f} events/s; {impact.events_changed:,} events and "
          f"{impact.score_changed:,} scores change, {impact.grade_changed:,} grades")


def time_uncached(policy, sample: int) -> None:
    """The same replay without the engine-answer cache, on the first citizens (for comparison)."""
    from rules.authoring.simulate import citizen_ranges, simulate_range

    low, high = citizen_ranges(sample)[0]
    start = time.perf_counter()
    impact = simulate_range(policy, low, high, None)
    seconds = time.perf_counter() - start
    print(f"uncached (every event through durable-rules): {impact.events:,} events in {seconds:.1f} s "
          f"= {impact.events / seconds:,.0f} events/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true", help="(re)create the database and population first")
    parser.add_argument("--citizens", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--uncached-sample", type=int, default=50, help="time 1/N of the citizens uncached")
    args = parser.parse_args()
    use_database(create=args.build)
    from bench.ingest import setup_django

    setup_django()
    if args.build:
        build(args.citizens, args.events)
    from rules.loader import load_policy

    policy = load_policy(write_draft())
    for workers in args.workers:
        time_simulation(policy, workers)
    if args.uncached_sample:
        time_uncached(policy, args.uncached_sample)


if __name__ == "__main__":
    main()
