"""Resident IDs masked in what Django's configured handler writes (config/log_filters.py, LOGGING), read
back from the handler's real stream: messages, their arguments and tracebacks."""
import io
import logging
import logging.config

import pytest
from django.test import Client

from config.log_filters import MaskResidentIds, mask_resident_ids

RESIDENT = "320324198005170123"
MASKED = "320324********0123"


@pytest.fixture
def written(settings):
    """What the root logger's configured console handler writes during the test (Django's LOGGING applied
    afresh: other tests, such as in-process Celery workers, set up logging of their own)."""
    logging.config.dictConfig(settings.LOGGING)
    handler = next(h for h in logging.getLogger().handlers if any(isinstance(f, MaskResidentIds) for f in h.filters))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_djangos_request_log_is_masked(db, written):
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.utils.log import log_response

    path = f"/api/v1/citizens/{RESIDENT}/ledger/"
    # How Django logs a 5xx response (django.request, level ERROR).
    log_response("%s: %s", "Internal Server Error", path, response=HttpResponse(status=500),
                 request=RequestFactory().get(path))
    text = written.getvalue()
    assert MASKED in text and RESIDENT not in text


def test_a_client_error_is_logged_once_by_the_server_not_again_by_django_request(db, written):
    # runserver and gunicorn write the access line ("GET /favicon.ico" 404); django.request's own
    # "Not Found: /favicon.ico" warning would print the same request a second time.
    Client().get(f"/api/v1/citizens/{RESIDENT}/ledger/")  # 401
    Client().get("/no-such-page/")  # 404
    assert written.getvalue() == ""


def test_arguments_and_tracebacks_are_masked(written):
    log = logging.getLogger("points.anything")
    log.warning("citizen %s, again %s", RESIDENT, "11010519491231002x")
    try:
        raise ValueError(f"no citizen {RESIDENT}")
    except ValueError:
        log.exception("failed")
    text = written.getvalue()
    assert text.count(MASKED) == 2 and "110105********002x" in text
    assert RESIDENT not in text and "ValueError: no citizen 320324********0123" in text


@pytest.mark.parametrize("text, expected", [
    (f"/citizens/{RESIDENT}/", f"/citizens/{MASKED}/"),
    ("id=32032419800517012X.", "id=320324********012X."),
    ("a 19-digit number 3203241980051701234 stays", "a 19-digit number 3203241980051701234 stays"),
    ("event 12345 and key 2025-03-01", "event 12345 and key 2025-03-01"),
])
def test_only_whole_resident_ids_are_masked(text, expected):
    assert mask_resident_ids(text) == expected
