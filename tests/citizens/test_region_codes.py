"""Resident IDs: region codes checked against GB/T 2260 (any period), Suining's real code and towns in the
synthetic residents, and one reading of a final x/X in the admin's search and in the API."""
import base64
import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from citizens.models import Citizen
from citizens.synthetic import DISTRICTS, SUINING_REGION_CODE, contacts_for, people
from citizens.validators import (
    check_character,
    normalize_resident_id,
    region_names,
    resident_id_problem,
    validate_resident_id,
)
from officials.services import roles_setup
from points.agencies import agency_rotate_token
from points.models import Event
from points.synthetic import reports


def valid_id(region: str, born: str, sequence: str = "001") -> str:
    return region + born + sequence + check_character(region + born + sequence)


def an_id_ending_in_x(region="320324", born="19800517") -> str:
    number = next(valid_id(region, born, f"{n:03d}") for n in range(1000)
                  if check_character(f"{region}{born}{n:03d}") == "X")
    assert number.endswith("X")
    return number


@pytest.mark.parametrize("born", ["19500101", "19800101", "19830101", "20100101"])
def test_a_suining_number_is_valid_whatever_the_birth_year(born):
    # 320324 has been Suining's code since 1983; people born before hold numbers issued later.
    assert resident_id_problem(valid_id("320324", born)) is None


@pytest.mark.parametrize("region", ["322124", "321324", "110105", "320311"])
def test_codes_of_any_period_are_accepted(region):
    # 322124: Suining until 1983; 321324: Sihong since 1996; 320311: 郊区, then 泉山区.
    assert resident_id_problem(valid_id(region, "19700101")) is None


@pytest.mark.parametrize("region", ["000000", "999999", "320399", "329999"])
def test_a_region_code_gb_t_2260_never_assigned_is_refused_and_named(region):
    assert resident_id_problem(valid_id(region, "19800101")) == (
        f"region code {region} is not a GB/T 2260 county or district code")


def test_a_zero_region_is_refused_even_with_a_real_date_and_check_character():
    number = valid_id("000000", "19800101")
    assert resident_id_problem(number) == "region code 000000 is not a GB/T 2260 county or district code"
    with pytest.raises(ValidationError, match="Invalid resident ID number: region code 000000") as info:
        validate_resident_id(number)
    assert info.value.code == "invalid_resident_id"


def test_region_names_over_time():
    assert region_names("320324") == ("睢宁县",)
    assert region_names("321324") == ("泗洪县",)
    assert region_names("320311") == ("郊区", "泉山区")
    assert region_names("000000") == ()


def test_synthetic_residents_live_in_suining_towns():
    assert SUINING_REGION_CODE == "320324" and region_names(SUINING_REGION_CODE) == ("睢宁县",)
    assert len(set(DISTRICTS)) == len(DISTRICTS) == 18
    assert all(name.endswith(("镇", "街道")) for name in DISTRICTS)
    generated = list(people(300, seed=3))
    assert {p["resident_id"][:6] for p in generated} == {"320324"}
    assert {p["district"] for p in generated} <= set(DISTRICTS)
    assert all(p["district"] in contacts_for(p)["postal_address"] for p in generated)
    assert "睢宁县" in contacts_for(generated[0])["postal_address"]


def test_synthetic_case_numbers_name_suinings_court():
    cases = [r["attributes"]["case_number"] for r in reports(["x"], 400, seed=2) if "case_number" in r["attributes"]]
    assert cases and all("苏0324" in case for case in cases)


def test_normalize_reads_a_final_x_as_X():
    assert normalize_resident_id(" 32032419800517003x ") == "32032419800517003X"
    assert normalize_resident_id(None) is None


@pytest.fixture
def x_citizen(db):
    number = an_id_ending_in_x()
    return Citizen.objects.create(resident_id=number, name="李娜", birth_date=datetime.date(1980, 5, 17), sex="F",
                                  district="双沟镇")


@pytest.fixture
def official_user(db):
    roles_setup()
    user = get_user_model().objects.create_user("official", password="a-long-test-password-123", is_staff=True)
    user.groups.add(Group.objects.get(name="Officials"))
    return user


def test_the_admin_search_and_the_api_agree_on_lowercase_x(client, x_citizen, official_user):
    lower = x_citizen.resident_id[:-1] + "x"
    client.force_login(official_user)
    found = client.get("/admin/citizens/citizen/", {"q": lower})
    assert list(found.context["cl"].result_list) == [x_citizen]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"official:a-long-test-password-123").decode())
    for number in (lower, x_citizen.resident_id):
        response = api.get(f"/api/v1/citizens/{number}/")
        assert response.status_code == 200, response.content
        assert response.json()["resident_id"] == x_citizen.resident_id


def test_a_report_naming_lowercase_x_lands_on_the_person(x_citizen, agencies):
    from points.services import citizen_enroll

    citizen_enroll(citizen=x_citizen, at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {agency_rotate_token(agency=agencies['red_cross'])}")
    body = {"resident_id": x_citizen.resident_id[:-1] + "x", "event_type": "blood_donation",
            "occurred_at": "2025-06-01T09:00:00+08:00", "attributes": {"millilitres": 200}, "idempotency_key": "x-1"}
    response = api.post("/api/v1/events/", body, format="json")
    assert response.status_code == 201, response.content
    assert Event.objects.get(idempotency_key="x-1").citizen == x_citizen
    # The same report naming X is a replay of it, not a different report under a reused key.
    again = api.post("/api/v1/events/", {**body, "resident_id": x_citizen.resident_id}, format="json")
    assert again.json()["replayed"] is True and again.json()["event_id"] == response.json()["event_id"]


def test_the_admin_add_form_stores_a_lowercase_x_as_X(client, db):
    user = get_user_model().objects.create_superuser("root", password="a-long-test-password-123")
    client.force_login(user)
    number = an_id_ending_in_x(born="19900304")
    response = client.post("/admin/citizens/citizen/add/", {
        "resident_id": number[:-1] + "x", "name": "孙丽", "birth_date": "1990-03-04", "sex": "F",
        "district": "李集镇", "status": "moved_away"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Citizen.objects.get(name="孙丽").resident_id == number
