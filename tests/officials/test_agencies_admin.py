"""Agencies: create (token shown once), deactivate, rotate token — for agency managers only."""
import hashlib
import re

import pytest

from points.models import Agency

pytestmark = pytest.mark.django_db
LIST = "/admin/points/agency/"


def shown_token(response):
    match = re.search(r'id="agency-token">([^<]+)<', response.content.decode())
    return match.group(1) if match else None


def test_create_shows_the_token_once_and_stores_only_its_hash(client, superuser, agencies):
    client.force_login(superuser)
    response = client.post(f"{LIST}add/", {"code": "school_office", "name": "Suicheng Middle School",
                                           "kind": "service"})
    token = shown_token(response)
    assert token and len(token) >= 40 and "no-store" in response["Cache-Control"]
    agency = Agency.objects.get(code="school_office")
    assert agency.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert agency.token_prefix == token[:8]
    detail = client.get(f"{LIST}{agency.pk}/change/").content.decode()
    assert token not in detail and agency.token_prefix in detail


def test_create_refusals_show_on_the_form(client, superuser, agencies):
    client.force_login(superuser)
    response = client.post(f"{LIST}add/", {"code": "police", "name": "Again", "kind": "reporting"})
    assert shown_token(response) is None and "already exists" in response.content.decode()
    assert Agency.objects.filter(code="police").count() == 1


def test_rotate_replaces_the_token(client, superuser, agencies):
    client.force_login(superuser)
    police = agencies["police"]
    old_hash = Agency.objects.get(pk=police.pk).token_hash
    assert client.get(f"{LIST}{police.pk}/rotate-token/").status_code == 200  # confirmation page
    assert Agency.objects.get(pk=police.pk).token_hash == old_hash
    token = shown_token(client.post(f"{LIST}{police.pk}/rotate-token/"))
    police.refresh_from_db()
    assert police.token_hash == hashlib.sha256(token.encode()).hexdigest() != old_hash


def test_deactivate_action(client, superuser, agencies):
    client.force_login(superuser)
    police = agencies["police"]
    client.post(LIST, {"action": "deactivate_selected", "_selected_action": [police.pk]})
    police.refresh_from_db()
    assert police.is_active is False and agencies["court"].is_active


@pytest.mark.parametrize("role", ["official", "auditor"])
def test_officials_and_auditors_cannot_manage_agencies(role, request, client, agencies):
    client.force_login(request.getfixturevalue(role))
    police = agencies["police"]
    before = Agency.objects.get(pk=police.pk).token_hash
    assert client.post(f"{LIST}add/", {"code": "x", "name": "X", "kind": "service"}).status_code == 403
    assert client.post(f"{LIST}{police.pk}/rotate-token/").status_code == 403
    client.post(LIST, {"action": "deactivate_selected", "_selected_action": [police.pk]})
    police.refresh_from_db()
    assert police.is_active and police.token_hash == before and not Agency.objects.filter(code="x").exists()


def test_manager_sets_a_service_agencys_services(client, superuser, agencies):
    client.force_login(superuser)
    licensing = agencies["licensing"]
    assert "Edit services" in client.get(f"{LIST}{licensing.pk}/change/").content.decode()
    response = client.post(f"{LIST}{licensing.pk}/services/", {"services": ["school_admission"]})
    assert response.status_code == 302
    assert Agency.objects.get(pk=licensing.pk).services == ["school_admission"]
    refused = client.post(f"{LIST}{licensing.pk}/services/", {"services": ["space_travel"]})
    assert refused.status_code == 200 and Agency.objects.get(pk=licensing.pk).services == ["school_admission"]
    assert client.get(f"{LIST}{agencies['police'].pk}/services/").status_code == 404  # reporting: no services


def test_create_form_binds_a_service_agency_to_its_services(client, superuser, agencies):
    client.force_login(superuser)
    client.post(f"{LIST}add/", {"code": "school_office", "name": "Suicheng Middle School", "kind": "service",
                                "services": ["school_admission"]})
    assert Agency.objects.get(code="school_office").services == ["school_admission"]
    response = client.post(f"{LIST}add/", {"code": "police2", "name": "Police 2", "kind": "reporting",
                                           "services": ["school_admission"]})
    assert shown_token(response) is None and not Agency.objects.filter(code="police2").exists()


@pytest.mark.parametrize("role", ["official", "auditor"])
def test_only_managers_set_services(role, request, client, agencies):
    client.force_login(request.getfixturevalue(role))
    licensing = agencies["licensing"]
    assert client.post(f"{LIST}{licensing.pk}/services/", {"services": []}).status_code == 403
    assert Agency.objects.get(pk=licensing.pk).services == ["business_licence", "construction_permit"]
