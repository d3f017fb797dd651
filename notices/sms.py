"""SMS gateways for ``notices.channels.SmsChannel``: ``settings.NOTICES_SMS_GATEWAY`` names one.

A gateway's ``send(to=, text=, key=)`` returns when the gateway accepted the message and raises
``TransientFailure`` or ``PermanentFailure`` otherwise. ``key`` is the same on every attempt at
one notice, so a gateway that honours ``Idempotency-Key`` never sends a retried message twice.
"""
import json
import sys
import urllib.error
import urllib.request

from django.conf import settings
from django.utils.translation import gettext as _

from notices.channels import PermanentFailure, TransientFailure

# A gateway busy or throttling: worth trying again although the status is 4xx.
_RETRY_4XX = {408, 425, 429}


class HttpGateway:
    """POSTs ``{"to", "text"}`` as JSON to ``NOTICES_SMS_GATEWAY_URL`` with a bearer token and a
    timeout (``NOTICES_SMS_TIMEOUT``). 2xx: sent; 5xx, 408/425/429, timeouts: retried; other 4xx: dead."""

    def send(self, *, to: str, text: str, key: str) -> None:
        request = urllib.request.Request(
            settings.NOTICES_SMS_GATEWAY_URL, method="POST", data=json.dumps({"to": to, "text": text}).encode(),
            headers={"Content-Type": "application/json", "Idempotency-Key": key,
                     "Authorization": f"Bearer {settings.NOTICES_SMS_GATEWAY_TOKEN}"})
        try:
            with urllib.request.urlopen(request, timeout=settings.NOTICES_SMS_TIMEOUT) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read(500).decode("utf-8", "replace")
            failure = TransientFailure if exc.code >= 500 or exc.code in _RETRY_4XX else PermanentFailure
            raise failure(_("SMS gateway answered %(code)s: %(detail)s") % {"code": exc.code, "detail": detail}) \
                from exc
        except (urllib.error.URLError, OSError) as exc:  # refused, unreachable, timed out
            raise TransientFailure(_("SMS gateway unreachable: %(error)s") % {"error": exc}) from exc


class ConsoleGateway:
    """Prints each message to standard output (development)."""

    def send(self, *, to: str, text: str, key: str) -> None:
        sys.stdout.write(f"--- SMS {key} to {to}\n{text}\n")
        sys.stdout.flush()
