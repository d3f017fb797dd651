"""Safe defaults: WSGI without settings runs production's, which refuse the development key; the
deployment check is clean under production settings; the client address comes from the proxy only."""
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory

from config.middleware import ProxyClientAddressMiddleware
from tests.production import LEDGER_ENV

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {"DATABASE_URL": "postgres://points@127.0.0.1:5432/points", "SECRET_KEY": secrets.token_urlsafe(50),
                  **LEDGER_ENV}


def python(code: str, **env) -> subprocess.CompletedProcess:
    """``python -c code`` in the project, with only PATH and ``env`` in its environment."""
    clean = {"PATH": os.environ.get("PATH", ""), **env}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True,
                          timeout=120)


def test_wsgi_without_settings_refuses_to_start_with_the_development_key():
    done = python("import config.wsgi")
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and "SECRET_KEY" in done.stderr


def test_wsgi_without_settings_runs_production_settings_without_debug():
    done = python("import config.wsgi; from django.conf import settings; "
                  "print(settings.SETTINGS_MODULE, settings.DEBUG, settings.SECURE_SSL_REDIRECT)",
                  DEBUG="1", **PRODUCTION_ENV)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["config.settings_production", "False", "True"]


def test_check_deploy_is_clean_under_production_settings():
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "config.settings_production",
             **PRODUCTION_ENV}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout, done.stdout + done.stderr


@pytest.mark.parametrize("peer, header, seen", [
    ("127.0.0.1", "203.0.113.9", "203.0.113.9"),  # nginx on loopback: the client nginx saw
    ("", "2001:db8::1", "2001:db8::1"),  # nginx through gunicorn's Unix socket
    ("198.51.100.7", "203.0.113.9", "198.51.100.7"),  # not the proxy: the header is the client's own claim
    ("127.0.0.1", "203.0.113.9, 10.0.0.1", "127.0.0.1"),  # not one address: ignored
    ("127.0.0.1", None, "127.0.0.1"),
])
def test_the_client_address_is_taken_from_the_proxy_only(settings, peer, header, seen):
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    extra = {"HTTP_X_REAL_IP": header} if header is not None else {}
    request = RequestFactory().get("/api/v1/policy/", REMOTE_ADDR=peer, **extra)
    ProxyClientAddressMiddleware(lambda r: None)(request)
    assert request.META["REMOTE_ADDR"] == seen
    # Whatever reads the header afterwards (the sign-in lockout) sees the trusted address or nothing.
    assert request.META.get("HTTP_X_REAL_IP") in (None, seen)
    if peer == seen:
        assert "HTTP_X_REAL_IP" not in request.META


def test_without_a_proxy_header_setting_the_peer_is_the_client(settings):
    settings.CLIENT_IP_HEADER = ""
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.9")
    ProxyClientAddressMiddleware(lambda r: None)(request)
    assert request.META["REMOTE_ADDR"] == "127.0.0.1"
