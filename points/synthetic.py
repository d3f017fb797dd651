"""A deterministic stream of invented reports for demos, tests and benchmarks."""
import datetime
import random
import zoneinfo

PILOT_START = datetime.datetime(2024, 1, 1, 9, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))

# (event type, reporting agency, relative frequency, attribute maker)
def _case(rng) -> dict:
    return {"case_number": f"(2025)苏0324刑初{rng.randint(1, 9999)}号"}


EVENT_MIX = [
    ("elderly_care", "civil_affairs", 20, lambda rng: {"months": rng.randint(1, 24)}),
    ("helping_poor", "community", 20, lambda rng: {"media_reported": rng.random() < 0.25}),
    ("volunteering", "community", 20, lambda rng: {"hours": rng.choice([2.0, 4.0, 8.0, 12.5, 24.0])}),
    ("blood_donation", "red_cross", 8, lambda rng: {"millilitres": rng.choice([200, 300, 400])}),
    ("traffic_violation", "police", 20, lambda rng: {"severity": rng.choice(["minor", "minor", "serious"])}),
    ("drunk_driving_conviction", "court", 4, _case),
    ("unpaid_court_judgment", "court", 6, _case),
    ("bribery_conviction", "court", 2, _case),
]


def reports(resident_ids, count: int, *, seed: int = 7, start=PILOT_START, end=None):
    """Yield ``count`` report dicts (the ``ingest_events`` line format) for the given residents."""
    rng = random.Random(seed)
    end = end or datetime.datetime(2026, 10, 31, 18, 0, tzinfo=start.tzinfo)
    span = int((end - start).total_seconds())
    types, weights = [m[:2] + (m[3],) for m in EVENT_MIX], [m[2] for m in EVENT_MIX]
    occurred = sorted(start + datetime.timedelta(seconds=rng.randrange(span)) for _ in range(count))
    for number, when in enumerate(occurred):
        event_type, agency, attrs = rng.choices(types, weights)[0]
        yield {
            "agency": agency,
            "resident_id": rng.choice(resident_ids),
            "event_type": event_type,
            "occurred_at": when.isoformat(),
            "attributes": attrs(rng),
            "idempotency_key": f"synthetic-{seed}-{number}",
        }
