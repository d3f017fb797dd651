"""Who is calling: an agency with ``Authorization: Token <token>``, or an official (staff user)."""
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.authentication import (
    BaseAuthentication,
    BasicAuthentication,
    SessionAuthentication,
    get_authorization_header,
)
from rest_framework.exceptions import APIException, AuthenticationFailed

from officials.signin import lockout_message, lockout_retry_after
from points.agencies import agency_for_token
from points.models import Agency


class AgencyUser:
    """What ``request.user`` is for a request made with an agency token (``request.auth`` is the Agency)."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None

    def __init__(self, agency: Agency):
        self.agency = agency

    def get_username(self) -> str:
        return self.agency.code

    def __str__(self):
        return f"agency {self.agency.code}"


class AgencyTokenAuthentication(BaseAuthentication):
    """``Authorization: Token <token>``; the token is looked up by its hash."""

    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Malformed Authorization header: expected 'Token <token>'."))
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("Invalid token.")) from None
        agency = agency_for_token(token)
        if agency is None:
            raise AuthenticationFailed(_("Invalid, rotated or deactivated token."))
        return AgencyUser(agency), agency

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class LoginLockedOut(APIException):
    """Too many failed sign-ins for this username from this address (django-axes): 429 with Retry-After.

    ``retry_after`` is None when the lock lasts until a superuser lifts it; the answer is then 403.
    """

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self, message: str, retry_after: int | None):
        super().__init__(message)
        self.retry_after = retry_after
        if retry_after is None:
            self.status_code = status.HTTP_403_FORBIDDEN


class OfficialBasicAuthentication(BasicAuthentication):
    """HTTP Basic for officials' scripts, counted and locked by django-axes like the admin login.

    Credentials the database cannot hold are refused up front. A locked-out attempt is refused by
    axes before the password hasher runs and answered ``LoginLockedOut``, not a 401 that hides the
    lock. With ``OTP_REQUIRED`` (production) a password alone is not enough for an official, so
    Basic is refused outright, before any password check.
    """

    def authenticate_credentials(self, userid, password, request=None):
        if "\x00" in userid or "\x00" in password or len(userid) > 150:
            raise AuthenticationFailed(_("Invalid username/password."))
        if settings.OTP_REQUIRED:
            raise AuthenticationFailed(_("HTTP Basic sign-in for officials is turned off: officials need a "
                                         "second factor and work in the admin."))
        try:
            return super().authenticate_credentials(userid, password, request)
        except AuthenticationFailed:
            if getattr(request, "axes_locked_out", False):
                retry_after = lockout_retry_after(request, {"username": userid})
                raise LoginLockedOut(lockout_message(retry_after), retry_after) from None
            raise


class OfficialSessionAuthentication(SessionAuthentication):
    """The admin's session; with ``OTP_REQUIRED`` only a session signed in with a TOTP code counts."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and settings.OTP_REQUIRED and not result[0].is_verified():
            return None  # a password-only session (e.g. from before OTP_REQUIRED was turned on)
        return result


def request_agency(request) -> Agency | None:
    """The calling agency, or None when an official (or nobody) is calling."""
    return request.auth if isinstance(request.auth, Agency) else None


def request_is_official(request) -> bool:
    """Whether a staff user (not an agency) is calling; what they may do is their role's (``api/permissions.py``)."""
    user = request.user
    return request_agency(request) is None and user.is_authenticated and user.is_active and user.is_staff


def request_actor(request) -> tuple[str, str]:
    """(label, kind) of the caller for the access log."""
    agency = request_agency(request)
    if agency is not None:
        return agency.code, "agency"
    return request.user.get_username(), "user"
