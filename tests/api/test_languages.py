"""The API catalogue and its errors follow the request's Accept-Language (zh-hans or en)."""
import re

from tests.api.conftest import assert_error

HAN = re.compile(r"[\u4e00-\u9fff]")


def test_event_types_in_the_language_asked(as_agency):
    client = as_agency("court")
    chinese = client.get("/api/v1/event-types/", HTTP_ACCEPT_LANGUAGE="zh-CN").json()
    english = client.get("/api/v1/event-types/", HTTP_ACCEPT_LANGUAGE="en").json()
    titles = {t["name"]: t["title"] for t in chinese}
    assert titles["blood_donation"] == "无偿献血"
    assert {t["name"]: t["title"] for t in english}["blood_donation"] == "Blood donation"
    assert [t["name"] for t in chinese] == [t["name"] for t in english]  # codes never translated


def test_services_in_the_language_asked(as_official):
    body = as_official.get("/api/v1/services/", HTTP_ACCEPT_LANGUAGE="zh-CN").json()
    driving = next(s for s in body if s["code"] == "driving_licence")
    assert driving["name"] == "驾驶证"
    assert {e["grade"]: e["note"] for e in driving["effects"]}["D"] == "D 级不予核发或换发驾驶证。"
    assert {e["grade"]: e["decision"] for e in driving["effects"]}["D"] == "denied"  # a code


def test_an_authentication_error_in_chinese(client, db):
    response = client.get("/api/v1/event-types/", HTTP_AUTHORIZATION="Token nope", HTTP_ACCEPT_LANGUAGE="zh-CN")
    body = assert_error(response, 401, "authentication_failed")
    assert body["message"] == "令牌无效、已轮换或已停用。"
    english = client.get("/api/v1/event-types/", HTTP_AUTHORIZATION="Token nope", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["message"] == "Invalid, rotated or deactivated token."


def test_an_unauthenticated_request_in_chinese(client, db):
    body = client.get("/api/v1/event-types/", HTTP_ACCEPT_LANGUAGE="zh-CN").json()
    assert body["code"] == "not_authenticated" and HAN.search(body["message"]), body
