"""Reads for the officials' admin: dashboard aggregates, a citizen's score history, districts.

Every dashboard figure is one aggregate query (GROUP BY in the database), so the cost does not grow
with Python loops over citizens or events; the loops here run over the grouped rows only.
"""
import datetime
from collections import defaultdict

from django.db.models import Count, F, IntegerField, Max, Q, Sum
from django.db.models.functions import Cast, Floor, TruncMonth
from django.utils import timezone

from citizens.models import Citizen
from points.models import Event, LedgerEntry

SCORE_HISTORY_LIMIT = 500
NON_SCORING_EVENT_TYPES = {"enrolment"}


def district_list() -> list[str]:
    """Every district with registered citizens, for the dashboard's filter."""
    return list(Citizen.objects.order_by("district").values_list("district", flat=True).distinct())


def _citizens(district: str | None):
    enrolled = Citizen.objects.filter(enrolled_at__isnull=False)
    return enrolled.filter(district=district) if district else enrolled


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
    """Applied events by month of occurrence: (month starts, {event type: counts aligned to months})."""
    starts = month_starts(months=months, today=today)
    since = timezone.make_aware(datetime.datetime.combine(starts[0], datetime.time.min))
    events = Event.objects.filter(occurred_at__gte=since, status=Event.Status.APPLIED).exclude(
        event_type__in=NON_SCORING_EVENT_TYPES)
    if district:
        events = events.filter(citizen__district=district)
    rows = (events.annotate(month=TruncMonth("occurred_at")).values("month", "event_type")
            .annotate(n=Count("id")).order_by())
    index = {start: i for i, start in enumerate(starts)}
    series = defaultdict(lambda: [0] * len(starts))
    for row in rows:
        month = row["month"].date() if isinstance(row["month"], datetime.datetime) else row["month"]
        if month in index:
            series[row["event_type"]][index[month]] += row["n"]
    return starts, dict(sorted(series.items()))


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
