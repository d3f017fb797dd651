"""The API's outer door: refusals that no view may see, and the JSON error shape for every refusal.

Django and its middleware refuse some requests before any API view runs (a Host header outside
``ALLOWED_HOSTS``, a CSRF failure, an uncaught error) with an HTML page. Under ``/api/`` such a
response is replaced by the one error shape of ``api/exceptions.py``, keeping its status and the
headers a client needs (``Allow``, ``Retry-After``, ``WWW-Authenticate``).
"""
from urllib.parse import parse_qsl

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from api.exceptions import error_body

API_PREFIX = "/api/"
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")
# Query parameters that would carry a credential into access logs, proxies' logs and browser history.
CREDENTIAL_PARAMETERS = frozenset({"token", "access_token", "api_key", "apikey", "auth", "authorization"})

_CODES = {
    400: ("malformed_request", gettext_lazy("The request is malformed.")),
    401: ("not_authenticated", gettext_lazy("Authentication is required.")),
    403: ("forbidden", gettext_lazy("Permission denied.")),
    404: ("not_found", gettext_lazy("Not found.")),
    405: ("method_not_allowed", gettext_lazy("Method not allowed.")),
    413: ("request_too_large", gettext_lazy("The request body is too large.")),
    415: ("unsupported_media_type", gettext_lazy("The body must be application/json.")),
    429: ("throttled", gettext_lazy("Too many requests.")),
    500: ("server_error", gettext_lazy("An unexpected error occurred; it has been logged.")),
    503: ("retry_later", gettext_lazy("The service is unavailable just now; retry later.")),
}
_OTHER_CLIENT_ERROR = ("malformed_request", gettext_lazy("The request was refused."))
_OTHER_SERVER_ERROR = _CODES[500]


class ApiRefusalMiddleware:
    """First in ``MIDDLEWARE``: sees every response of an ``/api/`` path, whoever produced it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        response = refusal(request) or self.get_response(request)
        return json_shaped(response)


def refusal(request) -> JsonResponse | None:
    """A 400 for what the API refuses whatever the endpoint, else None."""
    # The raw query string, not request.GET: no limit on the number of fields to raise here.
    names = (name.lower() for name, _value in parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True))
    if CREDENTIAL_PARAMETERS.intersection(names):
        return JsonResponse(error_body("malformed_request", _(
            "Credentials go in the Authorization header, never in the address.")), status=400)
    # A header sent twice reaches WSGI joined with a comma (RFC 9110 section 5.3; gunicorn, runserver and
    # nginx all do this), so a comma is how a repeated key shows; keys with commas go in the body instead.
    if "," in request.META.get("HTTP_IDEMPOTENCY_KEY", ""):
        return JsonResponse(error_body("invalid", _("Send one Idempotency-Key header, without commas."),
                                       {"Idempotency-Key": [_("sent more than once or contains a comma")]}),
                            status=400)
    return None


def json_shaped(response):
    """The response itself if it succeeded or is already JSON; else the error shape with the same status."""
    if response.status_code < 400 or response.get("Content-Type", "").startswith("application/json"):
        return response
    other = _OTHER_SERVER_ERROR if response.status_code >= 500 else _OTHER_CLIENT_ERROR
    code, message = _CODES.get(response.status_code, other)
    shaped = JsonResponse(error_body(code, str(message)), status=response.status_code)
    for header in KEPT_HEADERS:
        if header in response:
            shaped[header] = response[header]
    return shaped
