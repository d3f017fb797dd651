"""gunicorn's logger and worker for this project (named in ``deploy/gunicorn.conf.py``).

``MaskingLogger`` masks resident IDs in gunicorn's access and error logs. ``JsonErrorSyncWorker`` answers
the requests gunicorn refuses itself, before Django sees them (a control character in a header, a
malformed request line, headers over the limits), in the API's JSON error shape instead of an HTML page.
"""
import json

from django.utils.translation import gettext
from gunicorn import glogging, util
from gunicorn.workers.sync import SyncWorker

from config.log_filters import MaskResidentIds

_CODES = {400: "malformed_request", 403: "forbidden", 414: "request_too_large", 417: "malformed_request",
          431: "request_too_large", 500: "server_error", 501: "malformed_request"}


class MaskingLogger(glogging.Logger):
    """gunicorn's own logger, every handler it sets up (again on a reload) filtered by ``MaskResidentIds``."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(f, MaskResidentIds) for f in handler.filters):
                    handler.addFilter(MaskResidentIds())


def write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """``gunicorn.util.write_error`` with the API's error body: ``{"code", "message", "field_errors"}``."""
    message = gettext("The request was refused before it reached the application (%(reason)s).") % {
        "reason": f"{reason}: {mesg}" if mesg else reason}
    body = json.dumps({"code": _CODES.get(status_int, "malformed_request"), "message": message,
                       "field_errors": {}}).encode()
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    util.write_nonblock(sock, head.encode("latin-1") + body)


class JsonErrorSyncWorker(SyncWorker):
    """gunicorn's sync worker, its own refusals written by ``write_json_error``.

    gunicorn builds those answers in ``handle_error`` with ``util.write_error`` and offers no hook, so
    the function is swapped for the duration of the call (a sync worker handles one request at a time).
    """

    def handle_error(self, req, client, addr, exc):
        original, util.write_error = util.write_error, write_json_error
        try:
            super().handle_error(req, client, addr, exc)
        finally:
            util.write_error = original
