"""Reads for the officials' admin: dashboard aggregates, a citizen's score history, districts.

Every dashboard figure is one aggregate query (GROUP BY in the database), so the cost does not grow
with Python loops over citizens or events; the loops here run over the grouped rows only.
"""
import datetime

from django.db import connection
from django.db.models import Count, F, IntegerField, Max, Q, Sum
from django.db.models.functions import Cast, Floor
from django.utils import timezone

from citizens.models import Citizen
from points.models import Event, LedgerEntry
from rules.registry import current_policy

SCORE_HISTORY_LIMIT = 500
NON_SCORING_EVENT_TYPES = {"enrolment"}


def district_list() -> list[str]:
    """Every district with registered citizens, for the filters.

    A "loose index scan": one index probe per district instead of SELECT DISTINCT over every
    citizen, so its cost follows the number of districts, not of citizens. Plain SQL that
    PostgreSQL and SQLite both run.
    """
    table = connection.ops.quote_name(Citizen._meta.db_table)
    sql = f"""
        WITH RECURSIVE districts(name) AS (
            SELECT MIN(district) FROM {table}
            UNION ALL
            SELECT (SELECT MIN(district) FROM {table} WHERE district > districts.name)
            FROM districts WHERE districts.name IS NOT NULL
        )
        SELECT name FROM districts WHERE name IS NOT NULL"""
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


def _citizens(district: str | None):
    enrolled = Citizen.objects.filter(enrolled_at__isnull=False)
    return enrolled.filter(district=district) if district else enrolled


def data_version() -> tuple:
    """What the dashboard figures depend on: highest event id, highest ledger id, policy version, date."""
    return (Event.objects.aggregate(v=Max("id"))["v"], LedgerEntry.objects.aggregate(v=Max("id"))["v"],
            current_policy().version, timezone.localdate())


def grade_distribution(*, district: str | None = None) -> dict[str, int]:
    """Enrolled citizens per grade."""
    rows = _citizens(district).values("grade").annotate(n=Count("id")).order_by("grade")
    return {row["grade"]: row["n"] for row in rows}


def score_histogram(*, district: str | None = None, width: int = 50) -> list[tuple[int, int]]:
    """(bucket start, citizens) for scores in buckets of ``width`` points, lowest first, gaps filled."""
    bucket = Cast(Floor(F("score") * 1.0 / width), IntegerField()) * width
    rows = (_citizens(district).annotate(bucket=bucket).values("bucket")
            .annotate(n=Count("id")).order_by("bucket"))
    counts = {row["bucket"]: row["n"] for row in rows}
    if not counts:
        return []
    return [(start, counts.get(start, 0)) for start in range(min(counts), max(counts) + width, width)]


def month_starts(*, months: int, today: datetime.date | None = None) -> list[datetime.date]:
    """The first day of each of the last ``months`` months, oldest first, this month last."""
    today = today or timezone.localdate()
    year, month = today.year, today.month
    starts = []
    for _ in range(months):
        starts.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def events_per_type_per_month(*, district: str | None = None, months: int = 12,
                              today: datetime.date | None = None) -> tuple[list, dict]:
    """Applied events by month of occurrence: (month starts, {event type: counts aligned to months}).

    One pass over the window, counting each month with a FILTER on a range of ``occurred_at``:
    no per-row time-zone conversion (DATE_TRUNC ... AT TIME ZONE would convert every row).
    """
    starts = month_starts(months=months, today=today)
    bounds = [_local_midnight(day) for day in [*starts, _next_month(starts[-1])]]
    events = Event.objects.filter(occurred_at__gte=bounds[0], occurred_at__lt=bounds[-1],
                                  status=Event.Status.APPLIED).exclude(event_type__in=NON_SCORING_EVENT_TYPES)
    if district:
        events = events.filter(citizen__district=district)
    counts = {f"m{i}": Count("id", filter=Q(occurred_at__gte=bounds[i], occurred_at__lt=bounds[i + 1]))
              for i in range(len(starts))}
    rows = events.values("event_type").annotate(**counts).order_by("event_type")
    return starts, {row["event_type"]: [row[f"m{i}"] for i in range(len(starts))] for row in rows}


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _next_month(day: datetime.date) -> datetime.date:
    return datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def points_per_rule(*, district: str | None = None, since: datetime.datetime | None = None) -> list[dict]:
    """Points moved per rule (entries net of reversals and expiries), largest movement first.

    Each row: rule_id, rule_title, entries (rule applications), gained, lost, net.
    """
    entries = LedgerEntry.objects.exclude(kind=LedgerEntry.Kind.OPENING)
    if district:
        entries = entries.filter(citizen__district=district)
    if since:
        entries = entries.filter(created_at__gte=since)
    rows = (entries.values("rule_id").annotate(
        rule_title=Max("rule_title"),
        applied=Count("id", filter=Q(kind=LedgerEntry.Kind.RULE)),
        gained=Sum("delta", filter=Q(delta__gt=0)),
        lost=Sum("delta", filter=Q(delta__lt=0)),
        net=Sum("delta"),
    ).order_by())
    result = [{**row, "gained": row["gained"] or 0, "lost": row["lost"] or 0} for row in rows]
    return sorted(result, key=lambda row: (-abs(row["net"]), row["rule_id"]))


def citizen_score_history(*, citizen: Citizen, limit: int = SCORE_HISTORY_LIMIT) -> list[tuple]:
    """(time, balance after) for the citizen's latest ``limit`` ledger entries, oldest first."""
    rows = (LedgerEntry.objects.filter(citizen=citizen).order_by("-id")
            .values_list("created_at", "balance_after")[:limit])
    return list(reversed(rows))


def citizens_with_id_prefix(queryset, prefix: str):
    """Citizens whose resident ID starts with the digits ``prefix``, as an index range.

    ``resident_id >= '3213241980' AND < '3213241981'`` lets PostgreSQL walk the unique index in the
    list's order; a bare ``LIKE '3213241980%'`` made it scan the whole index for the first 50 rows.
    """
    stem = prefix.rstrip("9")
    ranged = queryset.filter(resident_id__startswith=prefix, resident_id__gte=prefix)
    if not stem:  # all nines: nothing sorts after them but IDs with the prefix
        return ranged
    return ranged.filter(resident_id__lt=stem[:-1] + str(int(stem[-1]) + 1))
