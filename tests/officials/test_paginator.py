"""The events and ledger lists estimate their unfiltered size on PostgreSQL, and count exactly otherwise."""
import pytest
from django.db import connection

from officials import paginators
from points.models import Event
from tests.fixtures.admin import make_citizen, report


@pytest.mark.django_db
def test_small_or_filtered_lists_are_counted_exactly(agencies):
    citizen = make_citizen()
    report(citizen)
    everything = paginators.EstimatedCountPaginator(Event.objects.all(), 50)
    filtered = paginators.EstimatedCountPaginator(Event.objects.filter(event_type="enrolment"), 50)
    assert everything.count == 2 and filtered.count == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_unfiltered_list_takes_the_planner_estimate_on_postgresql(as_db_owner, agencies, monkeypatch):  # ANALYZE
    for i in range(3):
        report(make_citizen(name=f"P{i}"))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE points_event")
    monkeypatch.setattr(paginators, "ESTIMATE_ABOVE", 1)
    # Rows the statistics do not know about yet: the estimate lags, the filtered count does not.
    report(make_citizen(name="late"))
    assert paginators.EstimatedCountPaginator(Event.objects.all(), 50).count == 6
    assert paginators.EstimatedCountPaginator(Event.objects.filter(status="applied"), 50).count == 8
