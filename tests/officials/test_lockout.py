"""Failed admin logins are counted per username and address and locked out (django-axes)."""
import datetime
import os
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command

from tests.fixtures.admin import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/"
HERE, ELSEWHERE = "10.0.0.1", "10.0.0.2"


def sign_in(client, username, password, address=HERE, **headers):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"},
                       REMOTE_ADDR=address, **headers)


def fail(client, username, times, address=HERE):
    return [sign_in(client, username, "wrong", address).status_code for _ in range(times)]


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_fifth_failure_locks_out_with_a_429_page_and_retry_after(client, official, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert fail(client, "official1", 4) == [200] * 4
    response = sign_in(client, "official1", "wrong")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert 890 <= int(response["Retry-After"]) <= 900  # 15 minutes


def test_locked_out_correct_password_is_refused_without_hashing(client, official, counting_hasher):
    fail(client, "official1", 5)
    runs = counting_hasher.runs
    response = sign_in(client, "official1", PASSWORD)
    assert response.status_code == 429 and not signed_in(client)
    assert counting_hasher.runs == runs  # axes refused before the hasher ran
    assert AccessAttempt.objects.get(username="official1").failures_since_start == 5  # not counted either


def test_lock_is_per_username_and_address(client, official, second_official):
    fail(client, "official1", 5)
    assert sign_in(client, "official2", PASSWORD).status_code == 302  # another user, same address
    client.logout()
    response = sign_in(client, "official1", PASSWORD, address=ELSEWHERE)
    assert response.status_code == 302 and signed_in(client)


def test_unknown_usernames_are_locked_too(client, db, counting_hasher):
    assert fail(client, "nobody", 6)[-2:] == [429, 429]
    runs = counting_hasher.runs
    assert sign_in(client, "nobody", "wrong").status_code == 429
    assert counting_hasher.runs == runs


def test_success_resets_the_count(client, official):
    fail(client, "official1", 4)
    assert sign_in(client, "official1", PASSWORD).status_code == 302
    client.logout()
    assert fail(client, "official1", 4) == [200] * 4


def test_lock_ends_after_the_cool_off(client, official):
    fail(client, "official1", 5)
    AccessAttempt.objects.update(attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16))
    assert sign_in(client, "official1", PASSWORD).status_code == 302


def test_limit_and_duration_are_settings(client, official, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=60)
    assert fail(client, "official1", 2) == [200, 429]
    assert 3590 <= int(sign_in(client, "official1", PASSWORD)["Retry-After"]) <= 3600


def test_superuser_unlocks_with_the_command(client, official):
    fail(client, "official1", 5)
    call_command("axes_reset_username", "official1")
    assert sign_in(client, "official1", PASSWORD).status_code == 302


def test_superuser_unlocks_in_the_admin(client, official, superuser):
    fail(client, "official1", 5)
    attempt = AccessAttempt.objects.get(username="official1")
    admin = type(client)()
    admin.force_login(superuser)
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "official1" in listing.content.decode()
    response = admin.post("/admin/axes/accessattempt/", {"action": "delete_selected", "_selected_action": [attempt.pk],
                                                         "post": "yes"})
    assert response.status_code == 302 and not AccessAttempt.objects.exists()
    assert sign_in(client, "official1", PASSWORD).status_code == 302


def test_officials_group_cannot_unlock(client, official):
    client.force_login(official)
    assert client.get("/admin/axes/accessattempt/").status_code == 403


def test_address_from_the_trusted_proxy_header(client, official, settings):
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    for _ in range(5):
        sign_in(client, "official1", "wrong", address="127.0.0.1", HTTP_X_REAL_IP="203.0.113.7")
    assert sign_in(client, "official1", PASSWORD, address="127.0.0.1", HTTP_X_REAL_IP="203.0.113.7").status_code == 429
    response = sign_in(client, "official1", PASSWORD, address="127.0.0.1", HTTP_X_REAL_IP="203.0.113.8")
    assert response.status_code == 302


def test_demo_admin_renewal_lifts_its_lock(client, db):
    from points.demo import demo_admin

    demo_admin()
    fail(client, "admin", 5)
    password = demo_admin()
    assert sign_in(client, "admin", password).status_code == 302


def test_limits_come_from_the_environment():
    env = {**os.environ, "LOGIN_FAILURE_LIMIT": "3", "LOGIN_LOCKOUT_MINUTES": "60",
           "DJANGO_SETTINGS_MODULE": "config.settings"}
    script = ("import django; django.setup(); from django.conf import settings as s; "
              "print(s.AXES_FAILURE_LIMIT, int(s.AXES_COOLOFF_TIME.total_seconds()))")
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["3", "3600"]


def test_axes_is_wired_as_it_must_be():
    """axes' own checks warn when its backend or middleware is missing (then nothing is enforced)."""
    from axes import checks

    for check in (checks.axes_cache_check, checks.axes_middleware_check, checks.axes_backend_check,
                  checks.axes_deprecation_check, checks.axes_lockout_params_check, checks.axes_conf_check):
        assert check(None) == [], check.__name__


@pytest.mark.parametrize("header", ["203.0.113.7, 10.0.0.1", "not-an-address", ""])
def test_odd_addresses_are_counted_not_500(client, official, settings, header):
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    statuses = [client.post(LOGIN, {"username": "official1", "password": "wrong"}, REMOTE_ADDR="",
                            HTTP_X_REAL_IP=header).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert AccessAttempt.objects.get().ip_address is None
