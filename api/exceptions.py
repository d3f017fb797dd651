"""One JSON error shape for every API failure: ``{"code", "message", "field_errors"}``.

``ApplicationError`` subclasses carry their own code and status; DRF's errors
(validation, parse, authentication, permission, throttling, method, media type)
and Django's ``Http404``/``PermissionDenied``/oversized bodies are mapped here. A database that
cannot be reached (or drops the connection) is 503 ``retry_later`` with ``Retry-After``, never 500.
"""
import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.exceptions import ApplicationError

logger = logging.getLogger(__name__)

MAX_KEY = 200
MAX_MESSAGE = 1000
# Seconds a client should wait after a 503: about what a PostgreSQL restart or failover takes.
RETRY_AFTER_SECONDS = 5

# DRF exception -> (our code, message when DRF's is not helpful)
_DRF_CODES = {
    drf.ParseError: "malformed_request",
    drf.NotAuthenticated: "not_authenticated",
    drf.AuthenticationFailed: "authentication_failed",
    drf.PermissionDenied: "forbidden",
    drf.NotFound: "not_found",
    drf.MethodNotAllowed: "method_not_allowed",
    drf.NotAcceptable: "not_acceptable",
    drf.UnsupportedMediaType: "unsupported_media_type",
    drf.Throttled: "throttled",
}


def error_body(code: str, message: str, field_errors: dict | None = None, **extra) -> dict:
    """The error shape, with over-long keys and messages cut so errors never echo huge input."""
    body = {"code": code, "message": _cut(message, MAX_MESSAGE), "field_errors": _clean_fields(field_errors or {})}
    body.update(extra)
    return body


def api_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every failure becomes the one error shape."""
    response = _handle(exc)
    set_rollback()
    return response


def _handle(exc) -> Response:
    if isinstance(exc, ApplicationError):
        body = exc.as_dict()
        return Response(error_body(**body), status=exc.http_status)
    if isinstance(exc, Http404):
        return Response(error_body("not_found", str(exc) or _("Not found.")), status=404)
    if isinstance(exc, PermissionDenied):
        return Response(error_body("forbidden", str(exc) or _("Permission denied.")), status=403)
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent):
        return Response(error_body("request_too_large", _("The request body is too large.")), status=413)
    if isinstance(exc, drf.ValidationError):
        return Response(error_body("invalid", _("Some fields are invalid."), flatten(exc.detail)), status=400)
    if isinstance(exc, drf.APIException):
        return _drf_response(exc)
    if database_unavailable(exc):
        logger.warning("Database unavailable: %s", exc.__class__.__name__)
        return Response(database_unavailable_body(), status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    logger.exception("Unhandled error in the API")
    return Response(error_body("server_error", _("An unexpected error occurred; it has been logged.")), status=500)


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether this error means the database could not be used just now (down, restarting, connection
    dropped, lock or serialisation failure): the request changed nothing and may be retried."""
    return isinstance(exc, OperationalError | InterfaceError)


def database_unavailable_body() -> dict:
    return error_body("retry_later", _("The database is unavailable just now; nothing was changed. "
                                       "Retry in %(seconds)d seconds.") % {"seconds": RETRY_AFTER_SECONDS},
                      retry_after=RETRY_AFTER_SECONDS)


def _drf_response(exc: drf.APIException) -> Response:
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), None) or exc.default_code
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    message = str(exc.detail) if not isinstance(exc.detail, list | dict) else code
    if isinstance(exc, drf.Throttled):
        wait = int(exc.wait or 1)
        headers["Retry-After"] = str(wait)
        message = _("Too many requests; retry in %(seconds)d seconds.") % {"seconds": wait}
        return Response(error_body(code, message, retry_after=wait), status=exc.status_code, headers=headers)
    if getattr(exc, "retry_after", None):  # e.g. api.authentication.LoginLockedOut
        headers["Retry-After"] = str(exc.retry_after)
        return Response(error_body(code, message, retry_after=exc.retry_after), status=exc.status_code,
                        headers=headers)
    return Response(error_body(code, message), status=exc.status_code, headers=headers)


def flatten(detail, prefix: str = "") -> dict:
    """DRF's nested error detail as {"field.sub.0": ["message", ...]}."""
    if isinstance(detail, dict):
        out = {}
        for key, value in detail.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        out = {}
        for index, value in enumerate(detail):
            if value:
                out.update(flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return out
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(m) for m in messages]}


def _clean_fields(field_errors: dict) -> dict:
    return {
        _cut(str(key), MAX_KEY): [_cut(str(m), MAX_MESSAGE) for m in (msgs if isinstance(msgs, list) else [msgs])]
        for key, msgs in field_errors.items()
    }


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@csrf_exempt
def not_found_view(request, *args, **kwargs):
    """JSON 404 for any unknown path under the API."""
    path = _cut(request.path, MAX_KEY)
    if request.path.endswith("/"):
        message = _("No API endpoint at %(path)s.") % {"path": path}
    else:
        message = _("No API endpoint at %(path)s (API paths end with '/').") % {"path": path}
    return JsonResponse(error_body("not_found", message), status=404)
