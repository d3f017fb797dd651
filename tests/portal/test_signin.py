"""Signing in with a resident ID and a one-time code: codes sent, expiring, single-use, hashed;
wrong tries throttled and locked out; sessions that end; letters for people without a channel;
and a citizen's session opens neither the admin nor the staff API."""
import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from citizens.validators import check_character
from portal.models import SignInAttempt, SignInCode
from portal.signin import letter_code_issue
from tests.portal.conftest import last_code, request_code, sign_in

pytestmark = pytest.mark.django_db


def error_of(response):
    """The refusal's machine-readable code (data-code) and its words, from the page."""
    match = re.search(rb'id="error" role="alert" data-code="([^"]+)">([^<]+)<', response.content)
    assert match, response.content[:2000]
    return match.group(1).decode(), match.group(2).decode()


def test_code_is_sent_by_email_and_stored_only_hashed(liu):
    client = Client()
    response = request_code(client, liu)
    assert response.status_code == 302 and response["Location"] == "/sign-in/code/"
    code = last_code(liu.email)
    row = SignInCode.objects.get(citizen=liu)
    assert row.channel == "email" and code not in row.code_hash and len(row.code_hash) == 64
    assert (row.expires_at - row.created_at) == datetime.timedelta(minutes=5)
    assert client.post("/sign-in/code/", {"code": code})["Location"] == "/record/"
    assert client.get("/record/").status_code == 200


def test_code_goes_by_sms_when_that_is_the_only_channel(liu, capsys):
    liu.email, liu.mobile = "", "+8613800138000"
    liu.save(update_fields=["email", "mobile"])
    request_code(Client(), liu)
    out = capsys.readouterr().out
    assert "+8613800138000" in out and re.search(r"sign-in code: \d{6}", out)
    assert SignInCode.objects.get(citizen=liu).channel == "sms"


def test_unknown_and_registered_ids_get_the_same_answer(liu):
    first = request_code(Client(), liu)
    fake = "32132419800101999"  # a valid ID nobody holds: the same redirect, nothing sent
    fake += check_character(fake)
    sent = len(mail.outbox)
    second = Client().post("/sign-in/", {"resident_id": fake})
    assert (first.status_code, first["Location"]) == (second.status_code, second["Location"])
    assert len(mail.outbox) == sent and not SignInCode.objects.exclude(citizen=liu).exists()


def test_malformed_resident_id_is_a_clear_400(db):
    response = Client().post("/sign-in/", {"resident_id": "12345"})
    assert response.status_code == 400
    assert error_of(response)[0] == "invalid" and "18 characters" in error_of(response)[1]


def test_wrong_code_is_refused_and_counted(liu):
    client = Client()
    request_code(client, liu)
    code = last_code(liu.email)
    wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
    response = client.post("/sign-in/code/", {"code": wrong})
    assert response.status_code == 400
    assert error_of(response) == ("wrong_code",
                                  "That code is not right. Check it and try again, or ask for a new code.")
    assert SignInCode.objects.get(citizen=liu).failed_tries == 1
    assert SignInAttempt.objects.filter(citizen=liu, succeeded=False).count() == 1
    assert client.get("/record/").status_code == 302  # not signed in


def test_expired_code_is_refused(liu):
    client = Client()
    request_code(client, liu)
    code = last_code(liu.email)
    SignInCode.objects.filter(citizen=liu).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = client.post("/sign-in/code/", {"code": code})
    assert response.status_code == 400 and error_of(response)[0] == "expired_code"
    assert "expired" in error_of(response)[1]


def test_replayed_code_is_refused(liu):
    first = Client()
    request_code(first, liu)
    code = last_code(liu.email)
    assert first.post("/sign-in/code/", {"code": code}).status_code == 302
    second = Client()
    second.post("/sign-in/", {"resident_id": liu.resident_id})
    mail.outbox.clear()
    # The thief replays the first code (the second request sent a new one he does not have).
    response = second.post("/sign-in/code/", {"code": code})
    assert response.status_code == 400 and error_of(response)[0] == "used_code"
    assert "works once" in error_of(response)[1]
    assert second.get("/record/").status_code == 302


def test_lockout_after_five_wrong_codes_even_with_the_right_one(liu, settings):
    client = Client()
    request_code(client, liu)
    code = last_code(liu.email)
    wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
    for _ in range(settings.PORTAL_FAILURE_LIMIT):
        assert client.post("/sign-in/code/", {"code": wrong}).status_code == 400
    # From another address too: the resident ID is locked, not the address.
    response = Client(REMOTE_ADDR="10.0.0.9").post("/sign-in/code/", {"code": code, "resident_id": liu.resident_id})
    assert response.status_code == 429
    kind, words = error_of(response)
    assert kind == "locked_out" and "15 minute" in words
    assert not SignInCode.objects.filter(citizen=liu, used_at__isnull=False).exists()


def test_a_code_dies_after_its_tries(liu, settings):
    settings.PORTAL_FAILURE_LIMIT = 100  # only the code's own counter is under test
    client = Client()
    request_code(client, liu)
    code = last_code(liu.email)
    for _ in range(settings.PORTAL_CODE_MAX_TRIES):
        client.post("/sign-in/code/", {"code": "000000" if code != "000000" else "111111"})
    response = client.post("/sign-in/code/", {"code": code})
    assert response.status_code == 400 and error_of(response)[0] == "spent_code"


def test_code_requests_are_limited(liu, settings):
    for _ in range(settings.PORTAL_CODE_REQUESTS):
        assert request_code(Client(), liu).status_code == 302
    response = request_code(Client(), liu)
    assert response.status_code == 429 and error_of(response)[0] == "too_many_codes"
    assert SignInCode.objects.filter(citizen=liu).count() == settings.PORTAL_CODE_REQUESTS


def test_sessions_end_when_idle(liu_client, settings):
    assert liu_client.get("/record/").status_code == 200
    session = liu_client.session
    data = session["portal_citizen"]
    data["seen"] -= settings.PORTAL_SESSION_IDLE_SECONDS + 1
    session["portal_citizen"] = data
    session.save()
    response = liu_client.get("/record/")
    assert response.status_code == 302 and response["Location"] == "/sign-in/"


def test_sign_out_ends_the_session(liu_client):
    assert liu_client.post("/sign-out/").status_code == 302
    assert liu_client.get("/record/").status_code == 302


def test_activation_letter_code_signs_in_once(liu):
    code = letter_code_issue(citizen=liu, by="official1")
    client = Client()
    response = client.post("/sign-in/code/", {"resident_id": liu.resident_id, "code": code.lower()})
    assert response.status_code == 302 and response["Location"] == "/record/"
    again = Client().post("/sign-in/code/", {"resident_id": liu.resident_id, "code": code})
    assert again.status_code == 400 and error_of(again)[0] == "used_code"


def test_citizen_session_opens_neither_admin_nor_api(liu_client, liu):
    admin = liu_client.get("/admin/")
    assert admin.status_code == 302 and "/admin/login/" in admin["Location"]
    api = liu_client.get(f"/api/v1/citizens/{liu.resident_id}/")
    assert api.status_code in (401, 403)
    assert liu_client.get("/admin/appeals/appeal/").status_code == 302


def test_forms_need_csrf(liu):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/sign-in/", {"resident_id": liu.resident_id}).status_code == 403
    assert not mail.outbox


def test_signing_in_drops_a_staff_login_in_the_same_browser(liu, official):
    client = Client()
    client.force_login(official)
    assert client.get("/admin/").status_code == 200
    sign_in(client, liu)
    assert client.get("/admin/").status_code == 302


def test_officials_print_an_activation_letter_that_signs_in(liu, django_user_model):
    import subprocess

    superuser = django_user_model.objects.create_superuser("boss", password="x-long-password-1")
    staff = Client()
    staff.force_login(superuser)
    assert b"activation-letter" in staff.get("/admin/portal/signincode/").content
    response = staff.post("/admin/portal/signincode/letter/", {"resident_id": liu.resident_id})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    row = SignInCode.objects.get(citizen=liu, channel="letter")
    assert row.issued_by == "boss"
    text = subprocess.run(["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True).stdout
    code = re.search(rb"([2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4})", text).group(1).decode()
    assert Client().post("/sign-in/code/", {"resident_id": liu.resident_id, "code": code})["Location"] == "/record/"


def test_only_permitted_staff_print_letters(liu, official):
    staff = Client()
    staff.force_login(official)
    assert staff.post("/admin/portal/signincode/letter/", {"resident_id": liu.resident_id}).status_code == 403
    assert not SignInCode.objects.exists()


def test_one_address_guessing_at_many_ids_is_locked(liu, other, settings):
    settings.PORTAL_ADDRESS_FAILURE_LIMIT = 3
    guesser = Client(REMOTE_ADDR="10.0.0.7")
    for citizen in (liu, other, liu):
        response = guesser.post("/sign-in/code/", {"resident_id": citizen.resident_id, "code": "123456"})
        assert response.status_code == 400
    locked = guesser.post("/sign-in/code/", {"resident_id": other.resident_id, "code": "123456"})
    assert locked.status_code == 429 and error_of(locked)[0] == "locked_out"
    # Another address is not locked out of Liu's ID by that guesser (2 failures < 5 for the ID).
    request_code(Client(), liu)
    assert Client().post("/sign-in/code/", {"resident_id": liu.resident_id,
                                            "code": last_code(liu.email)})["Location"] == "/record/"


def test_sessions_end_at_the_latest_after_the_maximum(liu_client, settings):
    session = liu_client.session
    data = session["portal_citizen"]
    data["since"] -= settings.PORTAL_SESSION_MAX_SECONDS + 1  # active all along, but signed in too long ago
    session["portal_citizen"] = data
    session.save()
    assert liu_client.get("/record/").status_code == 302


def test_a_success_clears_earlier_failures(liu, settings):
    client = Client()
    request_code(client, liu)
    code = last_code(liu.email)
    for _ in range(settings.PORTAL_FAILURE_LIMIT - 1):
        client.post("/sign-in/code/", {"code": "000000" if code != "000000" else "111111"})
    assert client.post("/sign-in/code/", {"code": code}).status_code == 302
    again = Client()
    request_code(again, liu)
    wrong = "000000" if last_code(liu.email) != "000000" else "111111"
    for _ in range(2):  # a fresh count: after the success these are failures 1 and 2, not 5 and 6
        assert again.post("/sign-in/code/", {"code": wrong}).status_code == 400
