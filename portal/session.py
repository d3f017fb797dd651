"""A citizen's session: the signed-in citizen's id in Django's session, never a ``User``.

The admin and the API authorise ``request.user`` (staff accounts); a citizen's session holds no user
at all, so it opens neither. Signing in drops whatever the session held before (a staff login in
the same browser too) and takes a new session key (no fixation). The session ends after
``PORTAL_SESSION_IDLE_SECONDS`` without a request and ``PORTAL_SESSION_MAX_SECONDS`` after sign-in.
"""
import functools
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from citizens.models import Citizen

KEY = "portal_citizen"


def sign_in(request, citizen: Citizen) -> None:
    logout(request)  # flushes the session: a staff login never shares it with a citizen's
    now = time.time()
    request.session[KEY] = {"id": citizen.pk, "since": now, "seen": now}
    request.session.set_expiry(settings.PORTAL_SESSION_IDLE_SECONDS)


def sign_out(request) -> None:
    request.session.flush()


def signed_in_citizen(request) -> Citizen | None:
    """The citizen of this session while it is live (and marks it seen); None otherwise."""
    data = request.session.get(KEY)
    if not isinstance(data, dict):
        return None
    now = time.time()
    if now - data.get("since", 0) > settings.PORTAL_SESSION_MAX_SECONDS or \
            now - data.get("seen", 0) > settings.PORTAL_SESSION_IDLE_SECONDS:
        request.session.flush()
        return None
    citizen = Citizen.objects.filter(pk=data.get("id")).first()
    if citizen is None:
        request.session.flush()
        return None
    data["seen"] = now
    request.session[KEY] = data
    return citizen


def citizen_required(view):
    """The view runs with ``request.citizen``; without a live session it sends the person to sign in."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        had_session = KEY in request.session
        citizen = signed_in_citizen(request)
        if citizen is None:
            if had_session:
                messages.info(request, _("Your session has ended. Please sign in again."))
            return redirect("portal:sign-in")
        request.citizen = citizen
        return view(request, *args, **kwargs)

    return wrapper
