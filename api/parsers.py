"""JSON bodies with a size limit: DRF reads the stream itself, bypassing Django's DATA_UPLOAD_MAX_MEMORY_SIZE."""
import io

from django.conf import settings
from rest_framework.exceptions import APIException
from rest_framework.parsers import JSONParser


class RequestTooLarge(APIException):
    status_code = 413
    default_code = "request_too_large"


def max_body_bytes() -> int:
    return getattr(settings, "API_MAX_BODY_BYTES", 8 * 1024 * 1024)


class LimitedJSONParser(JSONParser):
    """JSONParser that refuses bodies over ``settings.API_MAX_BODY_BYTES`` with 413 before parsing them."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = max_body_bytes()
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise RequestTooLarge(f"The request body is over {limit:,} bytes.")
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise RequestTooLarge(f"The request body is over {limit:,} bytes.")
        return super().parse(io.BytesIO(body), media_type, parser_context)
