"""Finding a citizen and reading their record; no N+1 queries on the list or the detail page."""
import pytest

from points.selectors import eligibility_all
from tests.fixtures.admin import make_citizen, report

pytestmark = pytest.mark.django_db
LIST = "/admin/citizens/citizen/"


def listed(client, query=""):
    return [c.pk for c in client.get(LIST + query).context["cl"].result_list]


def test_search_by_resident_id_prefix_and_name(client, official, agencies):
    wang = make_citizen(name="Wang Fang")
    li = make_citizen(name="Li Lei", district="Wangji")
    client.force_login(official)
    assert listed(client, f"?q={li.resident_id}") == [li.pk]
    assert listed(client, f"?q={li.resident_id.lower()}") == [li.pk]
    assert set(listed(client, f"?q={wang.resident_id[:8]}")) == {wang.pk, li.pk}
    assert listed(client, "?q=fang") == [wang.pk]
    assert listed(client, "?q=Nobody") == []


def test_filters_by_district_grade_status_and_enrolment(client, official, agencies):
    wang = make_citizen(name="Wang Fang")
    li = make_citizen(name="Li Lei", district="Wangji")
    child = make_citizen(name="Zhao Xiaoming", born=__import__("datetime").date.today().replace(year=2020),
                         enrol=False)
    for _ in range(4):
        report(li, "drunk_driving_conviction", "court")
    li.refresh_from_db()
    client.force_login(official)
    assert listed(client, "?district=Wangji") == [li.pk]
    assert listed(client, f"?grade={li.grade}") == [li.pk] and li.grade != wang.grade
    assert set(listed(client, "?enrolled=yes")) == {wang.pk, li.pk}
    assert listed(client, "?enrolled=no") == [child.pk]
    assert len(listed(client, "?status__exact=active")) == 3


def test_list_shows_score_and_grade_badge(client, official, citizen):
    client.force_login(official)
    page = client.get(LIST).content.decode()
    assert f"grade-badge grade-{citizen.grade}" in page and f">{citizen.score}<" in page


def test_detail_shows_standing_eligibility_ledger_and_chart(client, official, citizen, conviction):
    client.force_login(official)
    response = client.get(f"{LIST}{citizen.pk}/change/")
    page = response.content.decode()
    assert f'id="citizen-score">{citizen.score}<' in page
    for decision in eligibility_all(citizen=citizen):
        assert decision.reason in page
    entries = list(citizen.ledger.order_by("-id"))
    positions = [page.index(f'id="entry-{e.pk}"') for e in entries]
    assert positions == sorted(positions)  # newest first
    rule_entry = conviction.entries.get()
    assert rule_entry.rule_title in page and "Enrolled in the points register on" in page
    assert page.count('class="chart" role="img"') == 1 and 'class="score-line"' in page and "band band-A" in page


def test_ledger_is_paginated(client, official, citizen):
    for _ in range(30):
        report(citizen, "traffic_violation", "police", {"severity": "minor"})
    client.force_login(official)
    first = client.get(f"{LIST}{citizen.pk}/change/")
    assert len(first.context["ledger_lines"]) == 25 and first.context["ledger_page"].paginator.count == 31
    second = client.get(f"{LIST}{citizen.pk}/change/?ledger_page=2")
    assert [line.entry.kind for line in second.context["ledger_lines"]][-1] == "opening"


def test_under_14s_have_no_standing(client, official, agencies):
    import datetime

    child = make_citizen(name="Zhao Xiaoming", born=datetime.date.today().replace(year=2020), enrol=False)
    client.force_login(official)
    assert "Not enrolled: no score" in client.get(f"{LIST}{child.pk}/change/").content.decode()


def test_citizen_records_cannot_be_deleted(client, superuser, citizen):
    client.force_login(superuser)
    assert client.post(f"{LIST}{citizen.pk}/delete/", {"post": "yes"}).status_code == 403


def test_list_queries_do_not_grow_with_citizens(client, official, agencies, django_assert_max_num_queries):
    for i in range(3):
        make_citizen(name=f"Person {i}")
    client.force_login(official)
    with django_assert_max_num_queries(8):
        client.get(LIST)
    for i in range(40):
        make_citizen(name=f"More {i}")
    with django_assert_max_num_queries(8):
        assert len(client.get(LIST).context["cl"].result_list) == 43


def test_detail_queries_do_not_grow_with_the_ledger(client, official, second_official, citizen,
                                                    django_assert_max_num_queries):
    from officials.services import adjustment_approve, adjustment_propose

    report(citizen)
    client.force_login(official)
    with django_assert_max_num_queries(14) as few:
        client.get(f"{LIST}{citizen.pk}/change/")
    for _ in range(20):
        report(citizen, "traffic_violation", "police", {"severity": "minor"})
    retracted = report(citizen, "blood_donation", "red_cross")
    from points.services import event_retract

    event_retract(event=retracted, reason="duplicate", user=official)
    proposal = adjustment_propose(citizen=citizen, points=5, reason="r", user=second_official)
    adjustment_approve(proposal=proposal, user=official)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"{LIST}{citizen.pk}/change/")


def test_registering_a_citizen_in_the_admin_enrols_them_if_old_enough(client, superuser, agencies):
    import datetime

    from citizens.models import Citizen
    from tests.fixtures.admin import resident_id

    client.force_login(superuser)
    adult, child = datetime.date(1990, 3, 4), datetime.date.today().replace(year=datetime.date.today().year - 5)
    for born, name in ((adult, "Sun Li"), (child, "Sun Xiaoli")):
        response = client.post(f"{LIST}add/", {"resident_id": resident_id(born, 901), "name": name,
                                               "birth_date": born.isoformat(), "sex": "F", "district": "Liji",
                                               "status": "active"}, follow=True)
        assert response.status_code == 200
    assert Citizen.objects.get(name="Sun Li").score == 1000
    kid = Citizen.objects.get(name="Sun Xiaoli")
    assert kid.score is None and kid.enrolled_at is None
    assert "Registered but not enrolled" in response.content.decode()


@pytest.mark.parametrize("prefix", ["3203", "32032419", "3203241999", "99", "3203241989"])
def test_id_prefix_range_matches_startswith(prefix, agencies):
    import datetime

    from citizens.models import Citizen
    from officials.selectors import citizens_with_id_prefix

    for year in (1989, 1990, 1999, 2000):
        make_citizen(name=str(year), born=datetime.date(year, 1, 1), enrol=False)
    expected = set(Citizen.objects.filter(resident_id__startswith=prefix).values_list("pk", flat=True))
    assert set(citizens_with_id_prefix(Citizen.objects.all(), prefix).values_list("pk", flat=True)) == expected


def test_entries_made_under_another_policy_say_so(client, official, citizen, conviction, tmp_path):
    import shutil

    from django.conf import settings

    from rules import registry

    draft = tmp_path / "policy"
    shutil.copytree(settings.POLICY_DIR, draft)
    with open(draft / "rules.yaml", "a") as rules_file:
        rules_file.write("\n# an edit that changes nothing but the version\n")
    old_version = registry.current_policy().version
    registry.reload_policy(draft)
    try:
        assert registry.current_policy().version != old_version
        client.force_login(official)
        page = client.get(f"{LIST}{citizen.pk}/change/").content.decode()
    finally:
        registry.reset()
    from rules.models import PolicyVersion

    number = PolicyVersion.objects.get(hash=old_version).number
    assert f"the entry was made under Version {number}." in page and old_version[:12] not in page
