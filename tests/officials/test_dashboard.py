"""Dashboard figures come from aggregate queries and agree with the records; district filter applies."""
import pytest
from django.utils import timezone

from officials.selectors import (
    events_per_type_per_month,
    grade_distribution,
    points_per_rule,
    score_histogram,
)
from points.services import event_retract
from rules.registry import current_policy
from tests.fixtures.admin import make_citizen, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def population(agencies, official):
    wang = make_citizen(name="Wang Fang", district="Suicheng")
    li = make_citizen(name="Li Lei", district="Wangji")
    zhou = make_citizen(name="Zhou Min", district="Wangji")
    for _ in range(5):
        report(li, "drunk_driving_conviction", "court", days_ago=3)
    bad = report(zhou, "drunk_driving_conviction", "court", days_ago=3)
    event_retract(event=bad, reason="wrong person", user=official)
    report(wang, "blood_donation", "red_cross", days_ago=3)
    for c in (wang, li, zhou):
        c.refresh_from_db()
    return wang, li, zhou


def test_grade_distribution_counts_enrolled_citizens(population):
    wang, li, zhou = population
    make_citizen(name="Child", enrol=False)
    expected = {}
    for c in population:
        expected[c.grade] = expected.get(c.grade, 0) + 1
    assert grade_distribution() == expected
    assert grade_distribution(district="Suicheng") == {wang.grade: 1}


def test_score_histogram_buckets(population):
    wang, li, zhou = population
    buckets = dict(score_histogram(width=50))
    assert sum(buckets.values()) == 3
    for c in population:
        assert buckets[c.score // 50 * 50] >= 1
    assert list(buckets) == list(range(min(buckets), max(buckets) + 50, 50))  # gaps filled
    assert sum(dict(score_histogram(district="Wangji")).values()) == 2


def test_events_per_type_per_month_counts_applied_events_only(population):
    months, series = events_per_type_per_month()
    assert months[-1] == timezone.localdate().replace(day=1) and len(months) == 12
    assert sum(series["drunk_driving_conviction"]) == 5  # the retracted one is not counted
    assert sum(series["blood_donation"]) == 1 and "enrolment" not in series
    _, wangji = events_per_type_per_month(district="Wangji")
    assert "blood_donation" not in wangji


def test_points_per_rule_is_net_of_reversals(population):
    wang, li, zhou = population
    rows = {row["rule_id"]: row for row in points_per_rule()}
    drunk = li.ledger.exclude(kind="opening").first()
    row = rows[drunk.rule_id]
    assert row["applied"] == 6 and row["net"] == drunk.delta * 5
    assert row["lost"] == drunk.delta * 6 and row["gained"] == -drunk.delta
    assert "starting_points" not in rows
    assert points_per_rule(district="Suicheng")[0]["rule_id"] != drunk.rule_id


def test_dashboard_page_renders_every_chart_and_filters(client, policy_author, population):
    wang, li, zhou = population
    client.force_login(policy_author)
    page = client.get("/admin/dashboard/").content.decode()
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 4
    for section in ("grade-distribution", "score-histogram", "events-per-month", "points-per-rule"):
        assert f'id="{section}"' in page
    filtered = client.get("/admin/dashboard/?district=Wangji&period=all")
    assert filtered.context["grade_total"] == 2 and filtered.context["district"] == "Wangji"
    bogus = client.get("/admin/dashboard/?district=<script>&period=forever")
    assert bogus.context["district"] is None and bogus.context["grade_total"] == 3


def test_dashboard_query_count_is_fixed(client, policy_author, population, django_assert_max_num_queries):
    client.force_login(policy_author)
    with django_assert_max_num_queries(11):
        client.get("/admin/dashboard/?district=Wangji")


def test_cached_figures_follow_new_data(client, policy_author, population, django_assert_max_num_queries):
    wang, li, zhou = population
    client.force_login(policy_author)
    first = client.get("/admin/dashboard/?district=Suicheng")
    # session, user, two for permissions, districts, two max-id lookups: no aggregates
    with django_assert_max_num_queries(7):
        again = client.get("/admin/dashboard/?district=Suicheng")
    assert again.context["as_of"] == first.context["as_of"]
    assert again.context["grade_rows"] == first.context["grade_rows"]
    report(wang, "drunk_driving_conviction", "court", days_ago=2)
    for _ in range(3):
        report(wang, "bribery_conviction", "court", days_ago=2)
    wang.refresh_from_db()
    fresh = client.get("/admin/dashboard/?district=Suicheng")
    assert fresh.context["as_of"] > first.context["as_of"]
    assert dict((g, n) for g, n, _ in fresh.context["grade_rows"])[wang.grade] == 1
    bribery = current_policy().event_types["bribery_conviction"].title  # the legend names types by title
    assert sum(fresh.context["event_series"][bribery]) == 3
    assert "bribery_conviction" not in fresh.context["event_series"]
