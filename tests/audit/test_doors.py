"""Every door that shows a person's record writes one access-log row: who, what kind of caller, what,
why (the purpose) and from where, however many times it is asked."""
import pytest
from django.contrib.auth import get_user_model

from audit.models import AccessLog
from tests.api.conftest import report_body

ADDRESS = "192.0.2.7"


def only_row(citizen) -> tuple:
    (row,) = AccessLog.objects.filter(citizen=citizen)
    return row.actor, row.actor_kind, row.action, row.purpose, row.source_address, row.channel


@pytest.fixture
def person(make_citizen, as_agency):
    citizen = make_citizen()
    as_agency("court").post("/api/v1/events/", report_body(citizen))
    return citizen


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("root", "root@example.org", "pw-root-1")
    client.force_login(user)
    return client


API_DOORS = [
    ("licensing", "eligibility/?service=business_licence", "eligibility.read", "business_licence"),
    ("licensing", "eligibility/", "eligibility.read", "business_licence,construction_permit"),
    ("official", "eligibility/?service=school_admission", "eligibility.read", "school_admission"),
    ("official", "", "standing.read", "standing"),
    ("court", "ledger/", "ledger.read", "ledger"),
    ("official", "ledger/", "ledger.read", "ledger"),
    ("official", "statement/", "statement.read", "statement"),
]


@pytest.mark.parametrize(("caller", "tail", "action", "purpose"), API_DOORS)
def test_each_api_door_writes_one_row(person, as_agency, as_official, caller, tail, action, purpose):
    client = as_official if caller == "official" else as_agency(caller)
    response = client.get(f"/api/v1/citizens/{person.resident_id}/{tail}", REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200, response.content
    kind = "user" if caller == "official" else "agency"
    assert only_row(person) == (caller, kind, action, purpose, ADDRESS, "api")


def test_reading_an_appeal_is_logged(person, as_official):
    from appeals.services import appeal_file
    from points.models import Event

    appeal = appeal_file(event=Event.objects.get(citizen=person, agency__code="court"), grounds="not me", by="clerk")
    assert as_official.get(f"/api/v1/appeals/{appeal.pk}/", REMOTE_ADDR=ADDRESS).status_code == 200
    assert only_row(person) == ("official", "user", "appeal.read", f"appeal {appeal.pk}", ADDRESS, "api")


def test_an_eligibility_refusal_for_an_unenrolled_person_is_logged_too(make_citizen, as_agency):
    young = make_citizen(enrol=False)
    url = f"/api/v1/citizens/{young.resident_id}/eligibility/?service=business_licence"
    assert as_agency("licensing").get(url, REMOTE_ADDR=ADDRESS).status_code == 422
    assert only_row(young) == ("licensing", "agency", "eligibility.read", "business_licence", ADDRESS, "api")


def test_300_eligibility_lookups_write_300_rows(person, as_agency):
    client = as_agency("licensing")
    url = f"/api/v1/citizens/{person.resident_id}/eligibility/?service=construction_permit"
    for _ in range(300):
        assert client.get(url).status_code == 200
    assert AccessLog.objects.filter(citizen=person, action="eligibility.read", actor="licensing").count() == 300


ADMIN_DOORS = [
    ("/admin/citizens/citizen/{pk}/change/", "citizen.view", "citizen page"),
    ("/admin/statements/{rid}/", "statement.read", "statement"),
    ("/admin/statements/{rid}/pdf/", "statement.pdf", "statement"),
    ("/admin/citizens/citizen/?q={rid}", "admin.search", "search of citizens"),
    ("/admin/points/event/?q={rid}", "admin.search", "search of events"),
    ("/admin/points/ledgerentry/?q={rid}", "admin.search", "search of ledger entries"),
    ("/admin/appeals/appeal/?q={rid}", "admin.search", "search of appeals"),
]


@pytest.mark.parametrize(("url", "action", "purpose"), ADMIN_DOORS)
def test_each_admin_door_writes_one_row(person, admin_client, url, action, purpose):
    response = admin_client.get(url.format(pk=person.pk, rid=person.resident_id), REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200
    assert only_row(person) == ("root", "user", action, purpose, ADDRESS, "admin")


@pytest.mark.parametrize(("model", "url", "what"), [
    ("event", "/admin/points/event/{pk}/change/", "event"),
    ("entry", "/admin/points/ledgerentry/{pk}/change/", "ledger entry"),
])
def test_each_admin_page_of_a_persons_row_writes_one_row(person, admin_client, model, url, what):
    from points.models import Event, LedgerEntry

    row = (Event.objects.filter(citizen=person, agency__code="court") if model == "event"
           else LedgerEntry.objects.filter(citizen=person, kind="rule")).get()
    assert admin_client.get(url.format(pk=row.pk), REMOTE_ADDR=ADDRESS).status_code == 200
    assert only_row(person) == ("root", "user", "admin.detail", f"{what} {row.pk}", ADDRESS, "admin")


def test_a_search_by_name_or_prefix_names_nobody_in_the_log(person, admin_client):
    assert admin_client.get(f"/admin/citizens/citizen/?q={person.resident_id[:8]}").status_code == 200
    assert admin_client.get("/admin/points/event/?q=11010519491231002X").status_code == 200
    assert not AccessLog.objects.exists()


def test_the_proxy_header_counts_only_from_a_trusted_proxy(person, as_official, settings):
    """The client's address as the site middleware takes it from the proxy (config.middleware)."""
    settings.CLIENT_IP_HEADER, settings.PROXY_TRUSTED_PEERS = "X-Real-IP", ["127.0.0.1"]
    url = f"/api/v1/citizens/{person.resident_id}/"
    as_official.get(url, REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="198.51.100.4")
    as_official.get(url, REMOTE_ADDR="10.9.9.9", HTTP_X_REAL_IP="203.0.113.9")  # not the proxy: ignored
    addresses = list(AccessLog.objects.order_by("id").values_list("source_address", flat=True))
    assert addresses == ["198.51.100.4", "10.9.9.9"]
