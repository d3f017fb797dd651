"""Every caller × every /api/v1/ endpoint, with the exact status, from one table (docs/api.md says the same).

The endpoints are discovered from the URLconf (``api.urls.v1``, each view's HTTP methods): an
endpoint missing from ``TABLE`` fails its case, and a table row with no endpoint fails too. Each
case sets up one scene; every caller's request runs in a savepoint rolled back afterwards, so each
sees the same record.
"""
import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from appeals.models import Appeal
from appeals.services import appeal_file, appeal_start_review
from tests.api.conftest import SAMPLE_ATTRIBUTES, basic_client, report_body, staff_user

APPEAL_OFFICE = "civil_affairs"  # a reporting agency that files appeals on citizens' behalf (legal aid)
ROLES = ("reporting", "service", "appeal_office", "official", "auditor", "policy_author", "staff_no_group",
         "superuser", "non_staff", "anonymous")
# Columns:    reporting service office official auditor author staff superuser non_staff anonymous
# The appeal office is a reporting agency with no business with the scene's citizen or the court's
# event: to it both are as unknown as missing ones (404, docs/api.md "What each caller sees").
TABLE = {
    ("api-events", "post"):              (201, 403, 403, 403, 403, 403, 403, 403, 403, 401),
    ("api-events-batch", "post"):        (200, 403, 200, 403, 403, 403, 403, 403, 403, 401),
    ("api-events-retract", "post"):      (200, 403, 404, 200, 403, 403, 403, 403, 403, 401),
    ("api-citizen", "get"):              (403, 403, 403, 200, 200, 403, 403, 403, 403, 401),
    ("api-citizen-ledger", "get"):       (200, 403, 404, 200, 200, 403, 403, 403, 403, 401),
    ("api-citizen-eligibility", "get"):  (403, 200, 403, 200, 200, 403, 403, 403, 403, 401),
    ("api-event-types", "get"):          (200, 200, 200, 200, 200, 200, 403, 403, 403, 401),
    ("api-services", "get"):             (200, 200, 200, 200, 200, 200, 403, 403, 403, 401),
    ("api-policy", "get"):               (200, 200, 200, 200, 200, 200, 403, 403, 403, 401),
    ("api-events-appeal", "post"):       (403, 403, 201, 201, 403, 403, 403, 403, 403, 401),
    ("api-events-correct", "post"):      (403, 403, 403, 201, 403, 403, 403, 403, 403, 401),
    ("api-events-lift", "post"):         (201, 403, 404, 201, 403, 403, 403, 403, 403, 401),
    ("api-agency-appeals", "get"):       (200, 403, 200, 403, 403, 403, 403, 403, 403, 401),
    ("api-appeal", "get"):               (200, 403, 200, 200, 200, 403, 403, 403, 403, 401),
    ("api-appeal-answer", "post"):       (200, 403, 404, 403, 403, 403, 403, 403, 403, 401),
    ("api-appeal-review", "post"):       (403, 403, 403, 200, 403, 403, 403, 403, 403, 401),
    ("api-appeal-uphold", "post"):       (403, 403, 403, 200, 403, 403, 403, 403, 403, 401),
    ("api-appeal-reject", "post"):       (403, 403, 403, 200, 403, 403, 403, 403, 403, 401),
    ("api-citizen-statement", "get"):    (403, 403, 403, 200, 200, 403, 403, 403, 403, 401),
}
METHODS = ("get", "post", "put", "patch", "delete")


def v1_routes(patterns=None, prefix: str = "") -> list[URLPattern]:
    """Every route under /api/v1/ in the whole URLconf (the API's own and those of the apps on it)."""
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith("api/v1/") or "api/v1/".startswith(route):
                found += v1_routes(pattern.url_patterns, route)
        elif route.startswith("api/v1/"):
            found.append(pattern)
    return found


def discovered_endpoints() -> list[tuple[str, str]]:
    """(URL name, method) of every /api/v1/ view, from the URLconf."""
    found = []
    for pattern in v1_routes():
        assert pattern.name, f"unnamed route {pattern}"
        view = pattern.callback.view_class
        found += [(pattern.name, method) for method in METHODS if hasattr(view, method)]
    return found


def test_the_table_lists_exactly_the_endpoints_of_the_urlconf():
    assert set(TABLE) == set(discovered_endpoints())
    assert all(len(row) == len(ROLES) for row in TABLE.values())


@pytest.fixture
def scene(settings, make_citizen, agencies, as_agency, tokens):
    """A citizen with a court conviction, an appeal just filed and one under review, and a client per role."""
    settings.APPEAL_FILING_AGENCIES = [APPEAL_OFFICE]
    citizen = make_citizen()
    events = [as_agency("court").post("/api/v1/events/", report_body(citizen, key=f"scene-{n}")).json()["event_id"]
              for n in range(3)]
    reviewer = staff_user("reviewer")
    filed = appeal_file(event=_event(events[1]), grounds="Not me.", by=APPEAL_OFFICE)
    reviewing = appeal_start_review(appeal=appeal_file(event=_event(events[2]), grounds="Paid.", by=APPEAL_OFFICE),
                                    by=reviewer.username)
    clients = {"reporting": as_agency("court"), "service": as_agency("licensing"),
               "appeal_office": as_agency(APPEAL_OFFICE), "anonymous": APIClient()}
    for role, group in (("official", "Officials"), ("auditor", "Auditors"), ("policy_author", "Policy authors"),
                        ("staff_no_group", None)):
        clients[role] = basic_client(staff_user(role, group).username)
    root = staff_user("superuser", None)
    root.is_superuser = True
    root.save()
    clients["superuser"] = basic_client("superuser")
    plain = staff_user("non_staff", "Officials")  # in the group, but not staff: still refused
    plain.is_staff = False
    plain.save()
    clients["non_staff"] = basic_client("non_staff")
    judgment = as_agency("court").post("/api/v1/events/", report_body(
        citizen, event_type="unpaid_court_judgment", key="scene-judgment")).json()["event_id"]
    return {"citizen": citizen, "event": events[0], "filed": filed.pk, "reviewing": reviewing.pk,
            "judgment": judgment, "clients": clients}


def _event(pk):
    from points.models import Event

    return Event.objects.get(pk=pk)


def request_for(endpoint, scene) -> tuple[str, dict | None]:
    """The path and a valid body for ``endpoint`` in ``scene``: what succeeds for an allowed caller."""
    rid, event, filed, reviewing = (scene["citizen"].resident_id, scene["event"], scene["filed"],
                                    scene["reviewing"])
    body = report_body(scene["citizen"], key="matrix-batch")
    return {
        "api-events": ("/api/v1/events/", report_body(scene["citizen"], key="matrix")),
        "api-events-batch": ("/api/v1/events/batch/", {"items": [body]}),
        "api-events-retract": (f"/api/v1/events/{event}/retract/", {"reason": "Reported for the wrong person."}),
        "api-citizen": (f"/api/v1/citizens/{rid}/", None),
        "api-citizen-ledger": (f"/api/v1/citizens/{rid}/ledger/", None),
        "api-citizen-eligibility": (f"/api/v1/citizens/{rid}/eligibility/?service=business_licence", None),
        "api-event-types": ("/api/v1/event-types/", None),
        "api-services": ("/api/v1/services/", None),
        "api-policy": ("/api/v1/policy/", None),
        "api-events-appeal": (f"/api/v1/events/{event}/appeals/", {"grounds": "The fine was paid."}),
        "api-events-correct": (f"/api/v1/events/{event}/correct/",
                               {"attributes": {"case_number": SAMPLE_ATTRIBUTES["bribery_conviction"]["case_number"]
                                               + "-corrected"}, "reason": "Case number mistyped."}),
        "api-events-lift": (f"/api/v1/events/{scene['judgment']}/lift/",
                            {"event_type": "judgment_satisfied", "resident_id": rid, "idempotency_key": "matrix-lift",
                             "attributes": {"case_number": "(2025) Su 1324 Zhi 9", "paid_on": "2025-03-02"}}),
        "api-agency-appeals": ("/api/v1/agency/appeals/", None),
        "api-appeal": (f"/api/v1/appeals/{filed}/", None),
        "api-appeal-answer": (f"/api/v1/appeals/{filed}/answer/",
                              {"answer": "confirm", "reasons": "The judgment is final.", "evidence": ["(2025) Zhi 9"]}),
        "api-appeal-review": (f"/api/v1/appeals/{filed}/review/", {}),
        "api-appeal-uphold": (f"/api/v1/appeals/{reviewing}/uphold/", {"reasons": "Receipt shows payment."}),
        "api-appeal-reject": (f"/api/v1/appeals/{reviewing}/reject/", {"reasons": "The conviction is final."}),
        "api-citizen-statement": (f"/api/v1/citizens/{rid}/statement/", None),
    }[endpoint[0]]


@pytest.mark.parametrize("endpoint", discovered_endpoints(), ids="-".join)
def test_role_matrix(endpoint, scene):
    assert endpoint in TABLE, f"{endpoint} is not in the role matrix: add its row (and to docs/api.md)"
    path, body = request_for(endpoint, scene)
    actual = {}
    for role in ROLES:
        client = scene["clients"][role]
        with transaction.atomic():
            response = getattr(client, endpoint[1])(path, body, format="json") if body is not None \
                else getattr(client, endpoint[1])(path)
            actual[role] = response.status_code
            if response.status_code >= 400:
                assert set(response.json()) >= {"code", "message", "field_errors"}, response.content
            transaction.set_rollback(True)
    assert actual == dict(zip(ROLES, TABLE[endpoint], strict=True))
    assert Appeal.objects.get(pk=scene["filed"]).state == "filed"  # the savepoints left the scene as it was


def test_the_session_door_asks_the_same_permissions(scene):
    """Signed in to the admin and calling the API from the browser: the role decides, not is_staff."""
    from django.contrib.auth import get_user_model

    session = APIClient()
    session.force_login(get_user_model().objects.get(username="auditor"))
    path, body = request_for(("api-events-retract", "post"), scene)
    refusal = session.post(path, body, format="json")
    assert refusal.status_code == 403 and "officials.retract_event" in refusal.json()["message"]
    assert session.get(request_for(("api-citizen", "get"), scene)[0]).status_code == 200
