"""JSON bodies with a size and a nesting-depth limit.

DRF reads the stream itself, bypassing Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``, so the size is
checked here. Deeply nested JSON (``[[[[...]]]]``, two bytes a level) exhausts Python's recursion
limit in the decoder or in the serializers after it; bodies nested deeper than
``settings.API_MAX_JSON_DEPTH`` are refused before they are decoded.
"""
import io
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser

# A JSON string, escapes included: brackets inside strings do not nest anything.
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))
_OPENERS = frozenset(b"[{")


class RequestTooLarge(APIException):
    status_code = 413
    default_code = "request_too_large"


def max_body_bytes() -> int:
    return getattr(settings, "API_MAX_BODY_BYTES", 8 * 1024 * 1024)


def max_json_depth() -> int:
    return getattr(settings, "API_MAX_JSON_DEPTH", 32)


def nesting_exceeds(body: bytes, limit: int) -> bool:
    """Whether the arrays and objects of this JSON text nest more than ``limit`` levels.

    Strings (whose brackets nest nothing) and everything but brackets are dropped in C; the loop
    then stops at the first bracket past the limit, so a deep body is refused after ``limit``
    steps and a wide one costs one pass over its brackets. Unbalanced brackets are left for the
    decoder to refuse.
    """
    depth = 0
    for byte in _STRING.sub(b"", body).translate(None, _NOT_BRACKETS):
        if byte in _OPENERS:
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class LimitedJSONParser(JSONParser):
    """JSONParser that refuses bodies over ``settings.API_MAX_BODY_BYTES`` (413) and bodies nested deeper
    than ``settings.API_MAX_JSON_DEPTH`` (400 ``malformed_request``) before decoding them."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = max_body_bytes()
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise RequestTooLarge(_("The request body is over %(limit)s bytes.") % {"limit": f"{limit:,}"})
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise RequestTooLarge(_("The request body is over %(limit)s bytes.") % {"limit": f"{limit:,}"})
        depth = max_json_depth()
        if nesting_exceeds(body, depth):
            raise ParseError(_("JSON nested more than %(depth)d levels deep.") % {"depth": depth})
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:  # only if the limit is set above what the interpreter can decode
            raise ParseError(_("JSON nested too deep.")) from None
