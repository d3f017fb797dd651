"""Every refusal under /api/ has the JSON error shape, whoever makes it: Django's host check, CSRF, the
URL resolver, DRF, or an error page; credentials in the address are refused before any view."""
import json

import pytest
from django.test import Client

from tests.api.conftest import assert_error


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1\x01", "127.0.0.1:80:80"])
def test_a_host_outside_allowed_hosts_is_a_json_400(db, settings, debug, host):
    settings.DEBUG = debug
    response = Client().get("/api/v1/policy/", HTTP_HOST=host)
    assert_error(response, 400, "malformed_request")


def test_outside_the_api_a_bad_host_keeps_djangos_page(db):
    response = Client().get("/admin/", HTTP_HOST="evil.example")
    assert response.status_code == 400 and not response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("query", ["token=abc", "access_token=abc", "TOKEN=abc&page=1", "api_key=x", "%74oken=abc"])
def test_a_credential_in_the_query_string_is_refused_before_any_view(as_agency, query):
    assert_error(as_agency("court").get(f"/api/v1/policy/?{query}"), 400, "malformed_request")


def test_too_many_query_parameters_is_json_not_an_error_in_the_middleware(as_agency):
    query = "&".join(f"p{n}=1" for n in range(1100))
    response = as_agency("court").get(f"/api/v1/policy/?{query}")
    assert response.status_code in (400, 413) and response["Content-Type"] == "application/json"


def test_ordinary_query_parameters_pass(as_agency):
    assert as_agency("court").get("/api/v1/event-types/?page=1").status_code == 200


def test_a_csrf_failure_on_a_session_is_json(client, official, db):
    client = Client(enforce_csrf_checks=True)
    client.force_login(official)
    assert_error(client.post("/api/v1/events/", {}, content_type="application/json"), 403, "forbidden")


@pytest.mark.parametrize("method, path, content_type, status, code", [
    ("GET", "/api/v1/nowhere/", None, 404, "not_found"),
    ("GET", "/api/v1/events/", None, 405, "method_not_allowed"),
    ("POST", "/api/v1/events/", "text/plain", 415, "unsupported_media_type"),
])
def test_resolver_and_drf_refusals_are_json(as_agency, method, path, content_type, status, code):
    kwargs = {"content_type": content_type} if content_type else {}
    assert_error(as_agency("court").generic(method, path, b"x", **kwargs), status, code)


def test_an_oversized_body_is_a_json_413(as_agency, settings):
    settings.API_MAX_BODY_BYTES = 100
    assert_error(as_agency("court").generic("POST", "/api/v1/events/", b"[" + b" " * 200 + b"]",
                                            content_type="application/json"), 413, "request_too_large")


def test_an_html_error_page_under_the_api_is_rewritten_keeping_retry_after():
    from django.http import HttpResponse

    from api.middleware import json_shaped

    page = HttpResponse("<h1>Service Unavailable</h1>", status=503, headers={"Retry-After": "7"})
    shaped = json_shaped(page)
    assert shaped.status_code == 503 and shaped["Retry-After"] == "7"
    assert shaped["Content-Type"] == "application/json"
    assert json.loads(shaped.content)["code"] == "retry_later"
