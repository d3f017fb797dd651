"""Who is calling: an agency with ``Authorization: Token <token>``, or an official (staff user)."""
from rest_framework.authentication import BaseAuthentication, BasicAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

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
            raise AuthenticationFailed("Malformed Authorization header: expected 'Token <token>'.")
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("Invalid token.") from None
        agency = agency_for_token(token)
        if agency is None:
            raise AuthenticationFailed("Invalid, rotated or deactivated token.")
        return AgencyUser(agency), agency

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class OfficialBasicAuthentication(BasicAuthentication):
    """HTTP Basic for officials' scripts; credentials the database cannot hold are refused up front."""

    def authenticate_credentials(self, userid, password, request=None):
        if "\x00" in userid or "\x00" in password or len(userid) > 150:
            raise AuthenticationFailed("Invalid username/password.")
        return super().authenticate_credentials(userid, password, request)


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
