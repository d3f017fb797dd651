"""List screens show resident IDs masked; the citizen's own page shows the whole number."""
import datetime

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType

from appeals.services import appeal_file
from citizens.masking import mask_resident_id, mask_resident_ids
from citizens.models import Citizen
from citizens.validators import check_character
from officials.services import adjustment_propose
from points.services import citizen_enroll
from tests.fixtures.admin import make_citizen, report

pytestmark = pytest.mark.django_db
BORN = datetime.date(1980, 5, 17)


@pytest.fixture
def person(agencies):
    """An enrolled citizen whose ID ends in X (the check character searches must take in either case)."""
    first17 = next(f"320324{BORN:%Y%m%d}{n:03d}" for n in range(1000)
                   if check_character(f"320324{BORN:%Y%m%d}{n:03d}") == "X")
    citizen = Citizen.objects.create(resident_id=first17 + "X", name="Wang Fang", birth_date=BORN, sex="F",
                                     district="Suicheng")
    citizen_enroll(citizen=citizen, at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC))
    citizen.refresh_from_db()
    return citizen


@pytest.fixture
def records(person, official, superuser):
    """The person on every list screen: an event, its ledger entries, an appeal, a notice, a proposal,
    an access-log row and an admin action-log row."""
    event = report(person)
    appeal_file(event=event, grounds="Not me.", by="official1")
    adjustment_propose(citizen=person, points=10, reason="Volunteered at the flood.", user=official)
    LogEntry.objects.create(user=superuser, content_type=ContentType.objects.get_for_model(Citizen),
                            object_id=str(person.pk), object_repr=str(person), action_flag=CHANGE,
                            change_message="Checked the file")
    return event


LISTS = ["/admin/citizens/citizen/", "/admin/points/event/", "/admin/points/ledgerentry/",
         "/admin/points/gradechange/", "/admin/appeals/appeal/", "/admin/notices/notice/",
         "/admin/audit/accesslog/", "/admin/officials/adjustmentproposal/", "/admin/admin/logentry/"]


def test_mask_keeps_region_and_last_four():
    assert mask_resident_id("32032419800517123X") == "320324********123X"
    assert mask_resident_ids("Wang (32032419800517123x), ref 132032419800517123X9") == \
        "Wang (320324********123x), ref 132032419800517123X9"


@pytest.mark.parametrize("path", LISTS)
def test_list_screens_show_the_id_masked(client, superuser, person, records, path):
    client.force_login(superuser)
    client.get(f"/admin/citizens/citizen/{person.pk}/change/")  # an access-log row
    response = client.get(path)
    html = response.content.decode()
    assert response.status_code == 200
    assert person.resident_id not in html
    assert mask_resident_id(person.resident_id) in html


def test_the_persons_own_page_shows_the_whole_id(client, official, person):
    client.force_login(official)
    html = client.get(f"/admin/citizens/citizen/{person.pk}/change/").content.decode()
    assert person.resident_id in html


def test_retract_confirmation_lists_ids_masked(client, official, person, records):
    client.force_login(official)
    html = client.post("/admin/points/event/", {"action": "retract_selected",
                                                "_selected_action": [records.pk]}).content.decode()
    assert "Retract" in html and person.resident_id not in html
    assert mask_resident_id(person.resident_id) in html


@pytest.mark.parametrize("path", ["/admin/citizens/citizen/", "/admin/points/event/", "/admin/points/ledgerentry/",
                                  "/admin/appeals/appeal/", "/admin/notices/notice/",
                                  "/admin/officials/adjustmentproposal/"])
@pytest.mark.parametrize("case", [str.upper, str.lower])
def test_search_by_the_full_id_takes_x_in_either_case(client, superuser, person, records, path, case):
    other = make_citizen(name="Li Lei")
    report(other)
    client.force_login(superuser)
    results = client.get(path, {"q": case(person.resident_id)}).context["cl"].result_list
    assert results and all(getattr(row, "citizen", row) == person for row in results)


# (A notice's own page shows the letter as sent, whole ID included: it is the document itself.)
@pytest.mark.parametrize("page", ["event", "appeal", "proposal"])
def test_other_records_pages_name_the_person_with_the_id_masked(client, superuser, person, records, page):
    from appeals.models import Appeal
    from officials.models import AdjustmentProposal

    path = {"event": f"/admin/points/event/{records.pk}/change/",
            "appeal": f"/admin/appeals/appeal/{Appeal.objects.get().pk}/change/",
            "proposal": f"/admin/officials/adjustmentproposal/{AdjustmentProposal.objects.get().pk}/change/"}[page]
    client.force_login(superuser)
    html = client.get(path).content.decode()
    assert person.name in html and person.resident_id not in html
    assert mask_resident_id(person.resident_id) in html
