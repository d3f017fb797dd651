"""OpenAPI details: the agency token scheme and the error responses each endpoint can give."""
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from api.serializers import ErrorSerializer


class AgencyTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.AgencyTokenAuthentication"
    name = "agencyToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": "An agency's API token, sent as `Authorization: Token <token>`.",
        }


class OfficialBasicScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.OfficialBasicAuthentication"
    name = "officialBasic"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "basic", "description": "An official's (staff user's) login."}


class OfficialSessionScheme(SessionScheme):
    """The admin's session cookie (with OTP_REQUIRED, only one signed in with a TOTP code)."""

    target_class = "api.authentication.OfficialSessionAuthentication"
    priority = 0


_DESCRIPTIONS = {
    400: "Invalid input: malformed JSON, a wrong type, or a field the policy refuses; field_errors names it.",
    401: "No credentials, or an invalid/rotated token.",
    403: "The caller's role may not do this; message says why.",
    404: "Unknown citizen, event, service or page.",
    409: "Idempotency key reused with different content, or the event is no longer applied.",
    413: "The body is over API_MAX_BODY_BYTES (8 MiB), or a batch has more than 1,000 items.",
    415: "The body is not JSON.",
    422: "The citizen is not enrolled (under 14, moved away or deceased).",
    429: "Too many requests; retry after the Retry-After header's seconds.",
}

_EXAMPLE = OpenApiExample(
    "error", value={"code": "invalid", "message": "Some fields are invalid.",
                    "field_errors": {"occurred_at": ["must not be in the future"]}},
)


def errors(*statuses: int) -> dict:
    """Error responses for ``extend_schema(responses=...)``; 401, 403 and 429 are always possible."""
    wanted = sorted({401, 403, 429, *statuses})
    return {
        status: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[status], examples=[_EXAMPLE])
        for status in wanted
    }


_RESPONSE_HEADERS = {
    "401": {"WWW-Authenticate": {"required": True, "schema": {"type": "string"},
                                 "description": "The scheme to use: Token realm=\"api\"."}},
    "429": {"Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 1},
                            "description": "Seconds to wait before the next request."}},
}
_REPLAYED = {"Idempotent-Replayed": {"schema": {"type": "string", "enum": ["true"]},
                                     "description": "Present when the idempotency key was seen before."}}


def add_response_headers(result, generator, request, public):
    """SPECTACULAR postprocessing hook: document the headers every 401/429 carries, and replays."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                headers = dict(_RESPONSE_HEADERS.get(status, {}))
                if status == "201":
                    headers.update(_REPLAYED)
                if headers:
                    response.setdefault("headers", {}).update(headers)
    return result
