"""The reporting agency's inbox, GET /api/v1/agency/appeals/, comes in pages (DRF page-number
pagination): newest first, count/next/previous, bad page parameters a 400, and the schema says so."""
import datetime

import pytest
from drf_spectacular.generators import SchemaGenerator

from appeals.services import appeal_file
from tests.fixtures.reporting import report  # noqa: F401 (fixture)

FILED = datetime.datetime(2025, 4, 1, 9, 30, tzinfo=datetime.UTC)


@pytest.fixture
def three_appeals(make_citizen, report):  # noqa: F811
    appeals = []
    for n in range(3):
        event = report(make_citizen(), "drunk_driving_conviction").event
        appeals.append(appeal_file(event=event, grounds=f"Not me ({n}).", by="clerk",
                                   now=FILED + datetime.timedelta(hours=n)))
    return appeals


def test_the_inbox_pages_newest_first(three_appeals, as_agency):
    court = as_agency("court")
    first = court.get("/api/v1/agency/appeals/?page_size=2").json()
    assert first["count"] == 3 and first["previous"] is None
    assert [a["id"] for a in first["results"]] == [three_appeals[2].pk, three_appeals[1].pk]
    second = court.get(first["next"]).json()
    assert [a["id"] for a in second["results"]] == [three_appeals[0].pk] and second["next"] is None
    assert court.get("/api/v1/agency/appeals/?open=true&page_size=1&page=3").json()["results"][0]["id"] == \
        three_appeals[0].pk


@pytest.mark.parametrize(("query", "status", "field"), [
    ("page=0", 400, "page"), ("page_size=201", 400, "page_size"), ("page=x", 400, "page"),
    ("open=maybe", 400, "open"), ("page=9", 404, None),
])
def test_bad_page_parameters_are_refused(three_appeals, as_agency, query, status, field):
    response = as_agency("court").get(f"/api/v1/agency/appeals/?{query}")
    assert response.status_code == status, response.content
    assert response.json()["code"] and (field is None or field in response.json()["field_errors"])


def test_the_schema_shows_the_pages():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/agency/appeals/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"open", "page", "page_size"}
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]
    body = schema["components"]["schemas"][page["$ref"].rsplit("/", 1)[1]]
    assert {"count", "next", "previous", "results"} <= set(body["properties"])
    assert body["properties"]["results"]["items"]["$ref"].endswith("/Appeal")
    assert "400" in operation["responses"] and "404" in operation["responses"]
