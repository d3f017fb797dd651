"""A database that refuses connections or drops one mid-use: 503 with Retry-After, never 500.

On PostgreSQL for real: the default connection is pointed at a port nobody listens on, or its
backend is ended with ``pg_terminate_backend`` from a second connection, as a restart does.
"""
import socket

import psycopg
import pytest
from django.db import close_old_connections, connection
from django.test import Client
from rest_framework.test import APIClient

from tests.api.conftest import assert_error

pytestmark = pytest.mark.postgres


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the probe is: connections are refused


def agency_client(token: str) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.mark.django_db(transaction=True)
def test_api_answers_503_retry_after_in_the_error_shape_when_the_database_refuses(tokens, settings,
                                                                                  official):
    settings.AGENCY_TOKEN_MEMO = False  # the token must be looked up in the database
    client = agency_client(tokens["court"])
    assert client.get("/api/v1/policy/").status_code == 200
    admin = Client(raise_request_exception=False)
    admin.force_login(official)
    with _refusing():
        response = client.get("/api/v1/policy/")
        body = assert_error(response, 503, "retry_later")
        assert response["Retry-After"] == "5" and body["retry_after"] == 5
        page = admin.get("/admin/")
        assert page.status_code == 503 and page["Retry-After"] == "5"
        assert page["Content-Type"].startswith("text/plain")
    assert client.get("/api/v1/policy/").status_code == 200  # back as soon as the database is


def _refusing():
    import contextlib

    @contextlib.contextmanager
    def refusing():
        saved = dict(connection.settings_dict)
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)

    return refusing()


def terminate_backend_of_default_connection() -> None:
    """End the default connection's PostgreSQL backend from another connection, as a restart would."""
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**{k: v for k, v in params.items() if k in ("dbname", "user", "password", "host", "port")},
                         autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("health_checks, status", [(False, 503), (True, 200)])
def test_a_kept_connection_ended_by_the_server_is_503_or_a_reconnect_never_500(tokens, settings, health_checks,
                                                                               status):
    """Without health checks the request that finds its kept connection dead is 503 and the next one
    reconnects; with them (production's default) the dead connection is replaced before use.

    Django's server handler calls ``close_old_connections`` when each request starts and ends; the test
    client leaves connections alone, so ``get`` does it here."""
    settings.AGENCY_TOKEN_MEMO = False
    connection.settings_dict.update(CONN_MAX_AGE=600, CONN_HEALTH_CHECKS=health_checks)
    try:
        client = agency_client(tokens["court"])

        def get():
            close_old_connections()
            try:
                return client.get("/api/v1/policy/")
            finally:
                close_old_connections()

        assert get().status_code == 200
        terminate_backend_of_default_connection()
        response = get()
        assert response.status_code == status, response.content
        if status == 503:
            assert_error(response, 503, "retry_later")
        assert get().status_code == 200
    finally:
        connection.settings_dict.update(CONN_MAX_AGE=0, CONN_HEALTH_CHECKS=False)
        connection.close()
