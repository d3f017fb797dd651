"""Bodies built to hurt: nesting past the depth limit, null batch items, repeated Idempotency-Key headers."""
import pytest

from points.models import Event
from points.services import event_report
from tests.api.conftest import WHEN, assert_error, report_body


def nested(levels: int) -> bytes:
    """An array ``levels`` deep: two bytes a level."""
    return b"[" * levels + b"]" * levels


def deep_report(citizen, levels: int) -> bytes:
    """A real report whose attribute value nests ``levels`` levels inside the body's own two."""
    import json

    body = json.dumps(report_body(citizen, key="deep", attributes={"x": "@"})).encode()
    return body.replace(b'"@"', nested(levels - 2))


@pytest.fixture
def retract_url(make_citizen, agencies):
    citizen = make_citizen()
    result = event_report(agency=agencies["court"], resident_id=citizen.resident_id,
                          event_type="bribery_conviction", occurred_at=WHEN, idempotency_key="r",
                          attributes={"case_number": "(2025) Su 1324 Xing Chu 1"})
    return f"/api/v1/events/{result.event.pk}/retract/"


@pytest.mark.parametrize("path", ["/api/v1/events/", "/api/v1/events/batch/", "retract"])
def test_a_body_nested_950_deep_is_400_malformed_not_500(as_agency, retract_url, path):
    url = retract_url if path == "retract" else path
    body = assert_error(as_agency("court").generic("POST", url, nested(950), content_type="application/json"),
                        400, "malformed_request")
    assert "32" in body["message"]


def test_nesting_at_the_limit_is_parsed_and_one_more_level_is_refused(as_agency, make_citizen, settings):
    citizen = make_citizen()
    client = as_agency("court")
    at_limit = client.generic("POST", "/api/v1/events/", deep_report(citizen, 32), content_type="application/json")
    assert at_limit.status_code == 400 and at_limit.json()["code"] == "invalid"  # parsed, then validated
    over = client.generic("POST", "/api/v1/events/", deep_report(citizen, 33), content_type="application/json")
    assert_error(over, 400, "malformed_request")
    settings.API_MAX_JSON_DEPTH = 40
    assert client.generic("POST", "/api/v1/events/", deep_report(citizen, 33),
                          content_type="application/json").json()["code"] == "invalid"
    assert not Event.objects.filter(citizen=citizen, agency__code="court").exists()


def test_brackets_inside_strings_do_not_count(as_agency, make_citizen):
    citizen = make_citizen()
    body = report_body(citizen, key='[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\"{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{')
    response = as_agency("court").post("/api/v1/events/", body)
    assert response.status_code == 201, response.content


def test_a_null_batch_item_is_rejected_alone_and_the_others_apply(as_agency, make_citizen):
    alice, bob = make_citizen(), make_citizen()
    items = [report_body(alice, key="a"), None, report_body(bob, key="b")]
    response = as_agency("court").post("/api/v1/events/batch/", {"items": items})
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["outcome"] for r in results] == ["applied", "rejected", "applied"]
    assert results[1]["http_status"] == 400 and results[1]["error"]["code"] == "invalid"
    assert "null" in str(results[1]["error"]["field_errors"])
    assert Event.objects.filter(agency__code="court").count() == 2


def test_a_repeated_idempotency_key_header_is_400_and_writes_nothing(as_agency, make_citizen):
    """Two ``Idempotency-Key`` headers reach WSGI as one value joined by a comma (tests/config/test_proxy.py
    sends them twice through gunicorn); the test client can only send the joined form."""
    citizen = make_citizen()
    body = report_body(citizen)
    del body["idempotency_key"]
    client = as_agency("court")
    refused = client.post("/api/v1/events/", body, HTTP_IDEMPOTENCY_KEY="x1,x2")
    assert_error(refused, 400, "invalid", "Idempotency-Key")
    assert not Event.objects.filter(agency__code="court").exists()
    assert client.post("/api/v1/events/", body, HTTP_IDEMPOTENCY_KEY="x1").status_code == 201
