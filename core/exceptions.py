"""The application's one exception hierarchy.

Services raise these; the API turns each into one JSON error shape
(``{"code", "message", "field_errors"}``) with ``http_status``; the admin and
commands show ``message``.
"""


class ApplicationError(Exception):
    code = "error"
    http_status = 400

    def __init__(self, message: str, *, field_errors: dict | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}
        self.extra = extra or {}

    def as_dict(self) -> dict:
        body = {"code": self.code, "message": self.message, "field_errors": self.field_errors}
        body.update(self.extra)
        return body


class ValidationFailed(ApplicationError):
    code = "invalid"
    http_status = 400


class NotFound(ApplicationError):
    code = "not_found"
    http_status = 404


class Forbidden(ApplicationError):
    code = "forbidden"
    http_status = 403


class IdempotencyConflict(ApplicationError):
    """The idempotency key was used before for a report with different content."""

    code = "idempotency_conflict"
    http_status = 409


class InvalidState(ApplicationError):
    """The action does not fit the record's state (e.g. retracting twice)."""

    code = "invalid_state"
    http_status = 409


class NotEnrolled(ApplicationError):
    """The citizen exists but cannot be scored (under 14, moved away, deceased)."""

    code = "not_enrolled"
    http_status = 422


class ImmutableRecord(InvalidState):
    """Someone tried to change or delete a ledger entry or an event (see ``points.immutable``)."""

    code = "immutable_record"
