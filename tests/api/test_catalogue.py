"""The catalogue endpoints, the OpenAPI document, the local Swagger UI and unknown paths."""
import pytest
from rest_framework.test import APIClient

from rules.registry import current_policy
from tests.api.conftest import assert_error


@pytest.mark.parametrize("code", ["court", "licensing"])
def test_event_types_list_the_policy(as_agency, code):
    body = as_agency(code).get("/api/v1/event-types/").json()
    policy = current_policy()
    assert [t["name"] for t in body] == sorted(policy.event_types)
    helping = next(t for t in body if t["name"] == "helping_poor")
    assert any(a["name"] == "media_reported" and a["type"] for a in helping["attributes"])
    assert helping["reported_by"] == list(policy.event_types["helping_poor"].reported_by)


def test_services_list_effects_per_grade(as_official):
    body = as_official.get("/api/v1/services/").json()
    policy = current_policy()
    assert [s["code"] for s in body] == list(policy.services)
    first = policy.services[body[0]["code"]]
    assert {e["grade"]: e["decision"] for e in body[0]["effects"]} == {
        g: e.decision for g, e in first.effects.items()}


def test_policy_names_the_version_in_force(as_agency):
    body = as_agency("court").get("/api/v1/policy/").json()
    policy = current_policy()
    assert body["version"] == policy.version and body["starting_points"] == policy.starting_points
    assert [g["grade"] for g in body["grades"]] == [g.grade for g in policy.grades]
    assert {r["id"] for r in body["rules"]} == set(policy.rules)


def test_schema_is_openapi_3_and_names_every_endpoint(db):
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/events/", "/api/v1/events/batch/", "/api/v1/events/{event_id}/retract/",
            "/api/v1/citizens/{resident_id}/", "/api/v1/citizens/{resident_id}/ledger/",
            "/api/v1/citizens/{resident_id}/eligibility/", "/api/v1/event-types/", "/api/v1/services/",
            "/api/v1/policy/",
            # due process (appeals/, statements/)
            "/api/v1/events/{event_id}/appeals/", "/api/v1/events/{event_id}/correct/", "/api/v1/appeals/{appeal_id}/",
            "/api/v1/appeals/{appeal_id}/review/", "/api/v1/appeals/{appeal_id}/uphold/",
            "/api/v1/appeals/{appeal_id}/reject/", "/api/v1/citizens/{resident_id}/statement/",
            "/api/v1/events/{event_id}/lift/", "/api/v1/agency/appeals/", "/api/v1/appeals/{appeal_id}/answer/",
            } == set(schema["paths"])
    post = schema["paths"]["/api/v1/events/"]["post"]
    assert {"201", "400", "401", "403", "404", "409", "422", "429"} <= set(post["responses"])
    assert set(schema["components"]["securitySchemes"]) == {"agencyToken", "officialBasic", "cookieAuth"}
    assert post["responses"]["429"]["headers"]["Retry-After"]["required"] is True
    assert "Idempotent-Replayed" in post["responses"]["201"]["headers"]
    body = post["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][body]["required"]) == {"resident_id", "event_type", "occurred_at"}


def test_schema_generates_without_warnings(capsys):
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    SchemaGenerator().get_schema(request=None, public=True)
    assert not GENERATOR_STATS, capsys.readouterr().err


def test_swagger_ui_is_served_locally(db):
    response = APIClient().get("/api/docs/")
    html = response.content.decode()
    assert response.status_code == 200 and "swagger-ui" in html
    assert "cdn" not in html.lower() and "static/drf_spectacular_sidecar" in html


def test_unknown_api_path_is_json_404(as_agency):
    assert_error(as_agency("court").get("/api/v1/nothing/"), 404, "not_found")
    body = assert_error(as_agency("court").post("/api/v1/events", {}), 404, "not_found")
    assert "end with '/'" in body["message"]
