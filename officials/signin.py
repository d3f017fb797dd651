"""Officials' sign-in: the client address and lockout answers for django-axes, and TOTP enrolment.

django-axes counts failed logins (admin form and HTTP Basic alike) per username and address and
refuses a locked pair before the password hasher runs; this module decides what the refusal
looks like (a 429 page for the admin, ``LoginLockedOut`` for the API) and when it ends.
"""
import ipaddress
import math

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.db.models import Max
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.exceptions import ApplicationError


def client_ip(request) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: the trusted proxy's ``CLIENT_IP_HEADER`` when set, else the connection's.

    Only a well-formed address counts (the column is an IP address type); otherwise None, which
    axes counts as one unknown address rather than failing the request.
    """
    candidates = [request.META.get("REMOTE_ADDR", "")]
    if settings.CLIENT_IP_HEADER:
        candidates.insert(0, request.META.get("HTTP_" + settings.CLIENT_IP_HEADER.upper().replace("-", "_"), ""))
    for value in candidates:
        try:
            return str(ipaddress.ip_address(value.strip()))
        except ValueError:
            continue
    return None


def lockout_retry_after(request, credentials: dict | None) -> int | None:
    """Seconds until the lock on this username and address ends; None when it lasts until reset."""
    cool_off = get_cool_off(request)
    if cool_off is None:
        return None
    AxesProxyHandler.update_request(request)
    attempts = AxesProxyHandler.get_implementation().get_user_attempts(request, credentials)
    times = [t for qs in attempts if (t := qs.aggregate(last=Max("attempt_time"))["last"])]
    if not times:
        return math.ceil(cool_off.total_seconds())
    return max(1, math.ceil((max(times) + cool_off - timezone.now()).total_seconds()))


def lockout_message(retry_after: int | None) -> str:
    """What a locked-out official is told, in words (the admin page and the API's message)."""
    if retry_after is None:
        return _("Too many failed sign-ins for this account from your address. A superuser must unlock it.")
    minutes = max(1, math.ceil(retry_after / 60))
    return _("Too many failed sign-ins for this account from your address. Try again in %(minutes)d "
             "minute(s), or ask a superuser to unlock it.") % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """``AXES_LOCKOUT_CALLABLE``: the admin's lockout page, 429 with ``Retry-After`` when the end is known."""
    retry_after = lockout_retry_after(request, credentials)
    context = {**admin.site.each_context(request), "title": _("Sign-in locked"),
               "message": lockout_message(retry_after)}
    response = TemplateResponse(request, "admin/locked_out.html", context, status=429)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response.render()


@transaction.atomic
def totp_enrol(*, user, replace: bool = False):
    """Give a staff user a new TOTP device (confirmed) and return it; ``replace`` drops their old ones.

    The key reaches the official out of band (in person); whoever holds it signs in as them.
    """
    if not user.is_staff:
        raise ApplicationError(_("%(username)s is not staff: only officials sign in to the admin.")
                               % {"username": user.get_username()})
    devices = TOTPDevice.objects.select_for_update().filter(user=user)
    if devices.exists() and not replace:
        raise ApplicationError(_("%(username)s already has an authenticator; use --replace to issue a new one "
                                 "(the old one stops working).") % {"username": user.get_username()})
    devices.delete()
    return TOTPDevice.objects.create(user=user, name=_("authenticator"), confirmed=True)
